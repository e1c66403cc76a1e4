"""Keep the full-text search index current: each flow run that loads articles ends by refreshing it.

Thin: the index lives in ingest.warehouse.search. The warehouse read is a read-only open (no writer guard), the index
build happens with the warehouse closed, so other runs' loads are not held up by the fts rebuild.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pyarrow as pa
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.retries import NEVER, ON_TRANSIENT
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import search
from ingest.warehouse.extensions import ExtensionMissing


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def read_index_changes(settings: Settings, indexed: pa.Table) -> search.IndexChanges:
    with warehouse.open_warehouse(settings, read_only=True) as con:  # a read: no writer guard
        return search.read_changes(con, indexed)


@task(cache_policy=NO_CACHE, **NEVER)
def build_search_index(settings: Settings, changes: search.IndexChanges) -> search.Refresh:
    return search.build_index(settings, changes)


def refresh_search_index(settings: Settings) -> Counter[str]:
    """Refresh the index after a run's loads. A failure is logged and counted, never fails the run: the articles
    are loaded, and `ingest index` rebuilds the index later."""
    logger = get_run_logger()
    try:
        with search.index_lock(settings):
            indexed = search.indexed_keys(settings)
            changes = read_index_changes(settings, indexed)
            refresh = build_search_index(settings, changes)
    except (ExtensionMissing, warehouse.WarehouseError, duckdb.Error, OSError) as exc:
        logger.error("search index not refreshed: %s", str(exc).splitlines()[0])
        return Counter({"search_index_failed": 1})
    logger.info("search index: %d articles, %d updates%s", refresh.articles, refresh.read + refresh.dropped,
                f", rebuilt in {refresh.build_seconds:.2f}s" if refresh.rebuilt else " (unchanged)")
    return Counter(refresh.as_counts())

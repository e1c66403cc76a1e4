"""Finishing what earlier runs left undone: every run calls `finish_unfinished` before its own inputs.

Thin: the pending work is read from the warehouse by `ingest.warehouse.stage_state` (an article is deduplicated when
it has a fingerprint, enriched when it has an enrichment row); this only runs the same stage tasks over it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed

from flows.enrich import enrich_inputs
from flows.writer import writer_slot
from ingest import pipeline
from ingest.entities.ner import Enricher, EnrichInput
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import stage_state

CRASHED_MESSAGE = "its process died (found by a later run, which finished the work it left)"


def _is_database_error(_task: Any, _task_run: Any, state: Any) -> bool:
    return isinstance(state.result(raise_on_failure=False), duckdb.Error | warehouse.WarehouseError)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def find_pending(settings: Settings, run_id: str) -> stage_state.PendingWork:
    return pipeline.pending_work(settings, run_id)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def dedupe_pending(settings: Settings, article_ids: list[str], load_id: str) -> dict[str, int]:
    return pipeline.dedupe_loaded(settings, article_ids, load_id)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def read_enrich_inputs(settings: Settings, article_ids: list[str]) -> list[EnrichInput]:
    return pipeline.enrich_inputs_for(settings, article_ids)


def mark_flow_runs_crashed(flow_run_ids: Sequence[str]) -> None:
    """Tell the Prefect server about runs whose process died: it heard no final state, so it still shows them
    Running. A run it never knew (recorded on another server) is passed over."""
    if not flow_run_ids:
        return
    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            try:
                client.set_flow_run_state(UUID(flow_run_id), Crashed(message=CRASHED_MESSAGE), force=True)
            except (ObjectNotFound, ValueError):  # unknown here, or not a Prefect id
                continue
    get_run_logger().warning("marked %d flow runs whose process died as Crashed", len(flow_run_ids))


def finish_unfinished(settings: Settings, run_id: str, enricher: Enricher) -> Counter[str]:
    """Before its own inputs, a run finishes the stage work earlier runs left undone (see
    `ingest.warehouse.stage_state`): load by load, in load order, so the warehouse ends as if those runs had never
    stopped."""
    with writer_slot(settings):
        pending = find_pending(settings, run_id)
    mark_flow_runs_crashed(pending.crashed_flow_runs)
    totals: Counter[str] = Counter(
        resumed_dedupe_articles=pending.articles_awaiting_dedupe,
        resumed_enrich_articles=pending.articles_awaiting_enrichment if settings.enrich else 0)
    for load_id, article_ids in pending.dedupe:
        with writer_slot(settings):
            totals.update(dedupe_pending(settings, article_ids, load_id))
    for _load_id, article_ids in pending.enrichment if settings.enrich else []:  # else left for a run with it on
        with writer_slot(settings):  # opening the file runs migrations: a write
            inputs = read_enrich_inputs(settings, article_ids)
        totals.update(enrich_inputs(enricher, settings, inputs, run_id))
    if pending.dedupe or pending.enrichment:
        get_run_logger().info("finished what earlier runs left undone: %d articles deduplicated, %d enriched",
                              totals["resumed_dedupe_articles"], totals["resumed_enrich_articles"])
    return +totals



"""Entity enrichment in Prefect: the step the ingest flow runs after each load, and `enrich-articles`, which
re-runs NER and resolution over articles already in the warehouse (after a model or gazetteer change).

Thin: NER and resolution live in ingest.entities.ner, loading in ingest.warehouse.entity_store. Only the
load retries, and only on database errors: a bug in NER would fail the same way again.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.writer import writer_slot
from ingest.entities.ner import Enricher, EnrichInput, EnrichmentResult, describe, inputs_from_articles
from ingest.models import CleanArticle
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store


def _is_database_error(_task: Any, _task_run: Any, state: Any) -> bool:
    return isinstance(state.result(raise_on_failure=False), duckdb.Error | warehouse.WarehouseError)


@task(cache_policy=NO_CACHE)
def annotate_articles(enricher: Enricher, inputs: list[EnrichInput]) -> EnrichmentResult:
    return enricher.annotate(inputs)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def load_entities(settings: Settings, result: EnrichmentResult, run_id: str, enricher: Enricher) -> dict[str, int]:
    with warehouse.open_warehouse(settings) as con:
        return entity_store.load_enrichment(con, result, run_id, enricher.gazetteer).as_counts()


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def read_page(settings: Settings, after: str, since: date | None, stale_only: bool) -> list[EnrichInput]:
    with warehouse.open_warehouse(settings) as con:
        return entity_store.articles_page(con, after, since, stale_only, settings.batch_size)


def enrich_inputs(enricher: Enricher, settings: Settings, inputs: Sequence[EnrichInput], run_id: str) -> Counter[str]:
    """NER and resolution outside the writer slot, the load inside it."""
    if not inputs:
        return Counter()
    result = annotate_articles(enricher, list(inputs))
    with writer_slot(settings):
        loaded = load_entities(settings, result, run_id, enricher)
    return Counter({**describe(result), **loaded})


def enrich_loaded(enricher: Enricher, settings: Settings, articles: Sequence[CleanArticle],
                  run_id: str) -> Counter[str]:
    """The ingest flow's hook: enrich the articles a batch just loaded."""
    return enrich_inputs(enricher, settings, inputs_from_articles(articles) if settings.enrich else [], run_id)


@flow(name="enrich-articles", log_prints=False)
def enrich_articles(warehouse_path: str | None = None, since: str | None = None, stale_only: bool = False,
                    batch_size: int | None = None) -> dict[str, int]:
    """Re-run NER and resolution over the warehouse's articles (dated on or after `since`, YYYY-MM-DD)."""
    overrides = {k: v for k, v in {"warehouse": warehouse_path, "batch_size": batch_size}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    logger = get_run_logger()
    run_id = flow_run.id or uuid.uuid4().hex
    since_date = date.fromisoformat(since) if since else None
    totals: Counter[str] = Counter()
    after = ""
    with Enricher(settings) as enricher:  # one NER worker pool for the whole run
        from flows.resume import finish_unfinished  # it runs this module's tasks

        totals.update(finish_unfinished(settings, run_id, enricher))
        while True:
            with writer_slot(settings):  # opening the file runs migrations: a write
                page = read_page(settings, after, since_date, stale_only)
            if not page:
                break
            totals.update(enrich_inputs(enricher, settings, page, run_id))
            after = page[-1].article_id
            logger.info("enriched %d articles (%d so far), %d mentions", len(page),
                        totals["enriched_articles"], totals["mentions_loaded"], extra={"ingest_progress": len(page)})
    logger.info("enrichment complete: %s", ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))
    return dict(totals)

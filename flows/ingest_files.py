"""The main flow: local files in, clean articles in the warehouse out. Thin: it only wires library stages."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.enrich import enrich_loaded
from flows.observability import publish_run_report
from flows.resume import finish_unfinished
from flows.search_index import refresh_search_index
from flows.writer import writer_slot
from ingest import pipeline
from ingest.entities.ner import Enricher
from ingest.extract.workers import ExtractionPool
from ingest.models import BatchResult
from ingest.ops import faults, quality
from ingest.read.files import UNMATCHED_REASONS, ReadItem, read_inputs, unmatched_inputs
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse

COUNTS_ARTIFACT_KEY = "ingest-run-counts"


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def find_loaded(settings: Settings, items: list[ReadItem]) -> set[str]:
    return pipeline.loaded_article_ids(settings, items)


@task(cache_policy=NO_CACHE)
def transform_batch(settings: Settings, items: list[ReadItem], loaded: set[str], pool: ExtractionPool) -> BatchResult:
    return pipeline.transform(items, settings, loaded, pool)


def _is_database_error(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry a locked or failing warehouse, never a bug, a full disk or a corrupt file: the transaction rolled back
    either way."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, duckdb.Error | warehouse.WarehouseError) and not (
        isinstance(error, duckdb.Error) and warehouse.is_operator_fault(error))


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def load_batch(settings: Settings, result: BatchResult, run_id: str) -> tuple[BatchResult, warehouse.LoadCounts]:
    with warehouse.open_warehouse(settings) as con:
        return pipeline.load_new(con, result, run_id)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15], retry_condition_fn=_is_database_error)
def dedupe_batch(settings: Settings, result: BatchResult, load_id: str) -> dict[str, int]:
    return pipeline.dedupe_batch(settings, result, load_id)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def record_run(settings: Settings, run_id: str, inputs: list[str], status: str, counts: dict[str, int]) -> None:
    with warehouse.open_warehouse(settings) as con:
        if status == "running":
            warehouse.start_run(con, run_id, flow_run.id, "ingest-files", inputs)
        else:
            warehouse.finish_run(con, run_id, status, counts)


def counts_table(counts: Counter[str]) -> list[dict[str, object]]:
    return quality.counts_rows(dict(counts))


class RunWorkers:
    """The worker processes a run keeps from its first batch to its end: extraction and NER."""

    def __init__(self, settings: Settings) -> None:
        self.extraction = ExtractionPool(settings)
        self.enricher = Enricher(settings)

    def __enter__(self) -> RunWorkers:
        return self

    def __exit__(self, *_: object) -> None:
        self.extraction.close()
        self.enricher.close()


def process_batch(settings: Settings, items: list[ReadItem], run_id: str, workers: RunWorkers) -> Counter[str]:
    """One batch through every stage after reading; shared by the files and the fetch flows."""
    with writer_slot(settings):  # opening the file runs migrations: a write
        loaded_ids = find_loaded(settings, items)
    result = transform_batch(settings, items, loaded_ids, workers.extraction)
    totals: Counter[str] = Counter(result.stage_counts)
    with writer_slot(settings):  # one writer at a time across runs; readers get in between batches
        result, loaded = load_batch(settings, result, run_id)  # less unchanged refetches: what later stages see
        faults.boundary("after_load")
        totals.update(dedupe_batch(settings, result, loaded.load_id))
    faults.boundary("after_dedupe")
    totals.update(enrich_loaded(workers.enricher, settings, result.articles, run_id))  # NER outside the slot
    faults.boundary("after_enrich")
    totals.update({"loaded_articles": loaded.articles, "loaded_documents": loaded.documents,
                   "loaded_rejects": loaded.rejects, "unchanged_refetches": loaded.unchanged_refetches})
    return totals


@flow(name="ingest-files", log_prints=False)
def ingest_files(paths: list[str], warehouse_path: str | None = None, batch_size: int | None = None) -> dict[str, int]:
    """Read every input under `paths`, extract and clean each article, load them into the warehouse."""
    overrides = {k: v for k, v in {"warehouse": warehouse_path, "batch_size": batch_size}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    logger = get_run_logger()
    run_id = flow_run.id or uuid.uuid4().hex
    for path, reason in unmatched_inputs(paths):
        logger.warning("input %s: %s", path, UNMATCHED_REASONS[reason])
    with writer_slot(settings):
        record_run(settings, run_id, paths, "running", {})
    faults.boundary("run_recorded")
    with RunWorkers(settings) as workers:
        totals = finish_unfinished(settings, run_id, workers.enricher)
        for number, items in enumerate(pipeline.batches(read_inputs(paths, settings), settings.batch_size), 1):
            batch_totals = process_batch(settings, items, run_id, workers)
            totals.update(batch_totals)
            logger.info("batch %d: %d inputs, %d articles, %d newly loaded", number, len(items),
                        batch_totals["articles"], batch_totals["loaded_articles"],
                        extra={"ingest_progress": len(items)})
    totals.update(refresh_search_index(settings))
    faults.boundary("before_finish")
    with writer_slot(settings):
        record_run(settings, run_id, paths, "completed", dict(totals))
    create_table_artifact(key=COUNTS_ARTIFACT_KEY, table=counts_table(totals),
                          description=f"Counts per stage for run {run_id} over {', '.join(paths)}")
    logger.info("run complete: %s", ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))
    verdict = publish_run_report(settings, run_id, quality.series_for_paths("ingest-files", sorted(paths)), totals)
    # Prefect unwraps a returned state: callers get the dict, the UI shows the state's name and message on the run.
    return verdict.state(dict(totals))  # type: ignore[return-value]


if __name__ == "__main__":
    ingest_files([str(Path(__file__).resolve().parents[1] / "seeds")])

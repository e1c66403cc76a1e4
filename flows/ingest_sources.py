"""The `ingest-sources` flow: one data interval of web sources, Airflow-style, around the `fetch-sources` flow.

A run covers [start, end): the interval it was given (a backfill gives one per run), else, on a cron schedule, the
time from the schedule's previous run to this one (each source's schedule passes its cron), else no interval
(everything new). Only articles
whose feed or sitemap date falls inside the interval are queued; an article without a date is always queued.
Loads are idempotent, so re-running an interval loads nothing new. The run publishes the same counts, data-quality
and source-health artifacts as `ingest-files`, compared with earlier runs of the same sources.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from flows.fetch_sources import fetch_sources
from flows.ingest_files import COUNTS_ARTIFACT_KEY
from flows.observability import publish_run_report
from ingest.ops.intervals import as_utc, data_interval, previous_cron_time
from ingest.ops.quality import counts_rows
from ingest.settings import Settings


def series_for(source_ids: list[str] | None) -> str:
    return "ingest-sources:" + (",".join(sorted(source_ids)) if source_ids else "enabled")


def _schedule_times(cron: str | None) -> tuple[datetime | None, datetime | None]:
    """This run's scheduled time and the schedule's time before it (naive UTC), when it runs on a cron."""
    scheduled = flow_run.scheduled_start_time
    if not cron or scheduled is None:
        return None, None
    at = as_utc(datetime.fromisoformat(str(scheduled)))
    return at, previous_cron_time(cron, at)


@flow(name="ingest-sources", log_prints=False)
def ingest_sources(source_ids: list[str] | None = None, start: datetime | None = None, end: datetime | None = None,
                   cron: str | None = None, warehouse_path: str | None = None) -> dict[str, int]:
    """Fetch and load the sources' articles of one data interval (see the module docstring)."""
    settings = Settings(warehouse=warehouse_path) if warehouse_path else Settings()  # type: ignore[arg-type]
    interval = data_interval(start, end, *_schedule_times(cron))
    logger = get_run_logger()
    described = f"{interval[0]:%Y-%m-%d %H:%M} to {interval[1]:%Y-%m-%d %H:%M} UTC" if interval else "no interval"
    logger.info("sources %s, data interval %s", ", ".join(source_ids or ["(all enabled)"]), described)
    state = fetch_sources(source_ids, warehouse_path, window_start=interval[0] if interval else None,
                          window_end=interval[1] if interval else None, return_state=True)
    totals: dict[str, int] = state.result()  # a failed fetch fails this run with the same message
    fetch_run_id = str(state.state_details.flow_run_id)
    # On this run too (not only on its fetch-sources subflow): a backfill parent sums its children's counts.
    create_table_artifact(key=COUNTS_ARTIFACT_KEY, table=counts_rows(totals),
                          description=f"Counts per stage of {series_for(source_ids)}, {described}")
    verdict = publish_run_report(settings, fetch_run_id, series_for(source_ids), totals, source_ids or [])
    return verdict.state(totals, prefix=f"{described}: ")  # type: ignore[return-value]

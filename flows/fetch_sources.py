"""Fetch flows: web sources (or URLs) in, documents and articles out. Thin: the crawl loop is
`ingest.fetch.crawl.Crawl`'s and the batch path `ingest.pipeline`'s; here their stages run as Prefect tasks.

Retries (`flows.retries`): HTTP retries (timeouts, connection errors, 429, 5xx) happen inside the fetcher, with
exponential back-off and random jitter drawn there, and robots.txt/Retry-After respected; a Prefect retry of a
fetch task would refetch a whole batch and break the pacing, so fetch tasks have none. Warehouse tasks retry when
the warehouse is busy, as in the files flow; each takes the writer guard itself around its write, never around a
network step, so other runs and readers get in between.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from prefect import flow
from prefect.artifacts import create_table_artifact

from flows.search_index import refresh_search_index
from flows.stages import counts_table, finish, new_run, start
from ingest import pipeline
from ingest.fetch.crawl import Crawl
from ingest.settings import Settings

FETCH_COUNTS_ARTIFACT_KEY = "fetch-run-counts"


def _settings(warehouse_path: str | None) -> Settings:
    return Settings(warehouse=warehouse_path) if warehouse_path else Settings()  # type: ignore[arg-type]


def _finish(run: pipeline.BatchRun, flow_name: str, totals: Counter[str]) -> dict[str, int]:
    totals.update(refresh_search_index(run.settings))
    finish(run, totals)
    create_table_artifact(key=FETCH_COUNTS_ARTIFACT_KEY, table=counts_table(totals),
                          description=f"Fetch and load counts for run {run.run_id} ({flow_name})")
    return dict(totals)


@flow(name="fetch-sources", log_prints=False)
def fetch_sources(source_ids: list[str] | None = None, warehouse_path: str | None = None, refetch: bool = False,
                  window_start: datetime | None = None, window_end: datetime | None = None) -> dict[str, int]:
    """Fetch the named sources (or every enabled one): discover articles in their feeds and sitemaps, fetch the
    new ones politely, and load them. With a window, only articles published inside it are queued."""
    settings = _settings(warehouse_path)
    window = (window_start, window_end) if window_start and window_end else None
    with pipeline.RunWorkers(settings) as workers:
        run = new_run(settings, workers)
        totals = start(run, "fetch-sources", source_ids or ["enabled sources"])
        with Crawl(run) as crawl:
            totals.update(crawl.run_sources(source_ids, refetch, window))
    return _finish(run, "fetch-sources", totals)


@flow(name="fetch-urls", log_prints=False)
def fetch_urls(urls: list[str], warehouse_path: str | None = None) -> dict[str, int]:
    """Fetch these URLs (conditionally when fetched before) and load them as articles."""
    settings = _settings(warehouse_path)
    with pipeline.RunWorkers(settings) as workers:
        run = new_run(settings, workers)
        totals = start(run, "fetch-urls", urls)
        with Crawl(run) as crawl:
            totals.update(crawl.run_urls(urls))
    return _finish(run, "fetch-urls", totals)

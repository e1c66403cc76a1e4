"""Fetch flows: web sources (or URLs) in, documents and articles out. Thin: they wire `ingest.fetch.crawl` steps, then
hand fetched pages to the very tasks the files flow uses (transform, load, dedupe, enrich).

Retries: HTTP retries (timeouts, connection errors, 429, 5xx) happen inside the fetcher, with exponential
back-off and random jitter drawn there, and robots.txt/Retry-After respected; a Prefect retry of a fetch task
would refetch a whole batch and break the pacing, so fetch tasks have none. Warehouse tasks retry as in the files
flow. Every warehouse step holds the one-writer slot, taken here in the flow body around the tasks that read or
write the file (as `ingest_files` does), never around a network step, so other runs and readers get in between.
"""

from __future__ import annotations

import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.ingest_files import RunWorkers, counts_table, process_batch
from flows.resume import finish_unfinished
from flows.search_index import refresh_search_index
from flows.writer import writer_slot
from ingest.fetch.crawl import Crawl, DiscoveryRound, FetchedBatch, Window, in_batches
from ingest.fetch.validators import StoredValidators
from ingest.read.files import ReadItem
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.frontier import Due, FrontierItem, Source

FETCH_COUNTS_ARTIFACT_KEY = "fetch-run-counts"


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def prepare_sources(crawl: Crawl, source_ids: list[str] | None, refetch: bool) -> list[Source]:
    return crawl.prepare(source_ids, refetch)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def queue_pages(crawl: Crawl, sources: list[Source]) -> Counter[str]:
    return crawl.queue_pages(sources)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def listing_validators(crawl: Crawl, listings: list[tuple[Source, str]],
                       window: Window | None) -> dict[str, StoredValidators]:
    return crawl.listing_validators(listings, window)


@task(cache_policy=NO_CACHE)
def fetch_listings(crawl: Crawl, listings: list[tuple[Source, str]], follow: bool, window: Window | None,
                   validators: dict[str, StoredValidators]) -> DiscoveryRound:
    return crawl.fetch_listings(listings, follow, window, validators)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def save_listings(crawl: Crawl, found: DiscoveryRound) -> Counter[str]:
    return crawl.save_listings(found)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def queue_urls(crawl: Crawl, urls: list[str]) -> tuple[list[str], FetchedBatch]:
    return crawl.queue_urls(urls)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def due_urls(crawl: Crawl, source_ids: list[str] | None, canonical_urls: list[str] | None) -> Due:
    return crawl.due(source_ids, canonical_urls)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def page_validators(crawl: Crawl, items: list[FrontierItem]) -> dict[str, StoredValidators]:
    return crawl.stored_validators([i.url for i in items])


@task(cache_policy=NO_CACHE)
def fetch_pages(crawl: Crawl, items: list[FrontierItem], validators: dict[str, StoredValidators]) -> FetchedBatch:
    return crawl.fetch_pages(items, validators)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def record_fetches(crawl: Crawl, batch: FetchedBatch) -> Counter[str]:
    return crawl.record(batch)


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 5, 15])
def record_run(settings: Settings, run_id: str, flow_name: str, inputs: list[str], status: str,
               counts: dict[str, int]) -> None:
    with warehouse.open_warehouse(settings) as con:
        if status == "running":
            warehouse.start_run(con, run_id, flow_run.id, flow_name, inputs)
        else:
            warehouse.finish_run(con, run_id, status, counts)


def _listing_validators(crawl: Crawl, listings: list[tuple[Source, str]],
                        window: Window | None) -> dict[str, StoredValidators]:
    """Call with the slot held; a windowed run reads its listings unconditionally, so it has nothing to look up."""
    return listing_validators(crawl, listings, window) if listings and window is None else {}


def _discover(crawl: Crawl, listings: list[tuple[Source, str]], validators: dict[str, StoredValidators],
              window: Window | None) -> Counter[str]:
    """Feeds and sitemaps, one round per sitemap-index level. The slot is held for the reads and writes only: a
    round's save and the next round's validators in one turn."""
    depth_limit = crawl.settings.max_sitemap_depth
    seen: set[str] = set()
    totals: Counter[str] = Counter()
    for depth in range(depth_limit + 1):
        seen.update(url for _, url in listings)
        found = fetch_listings(crawl, listings, depth < depth_limit, window, validators)
        listings = [(s, url) for s, url in found.children if url not in seen]  # none past the depth limit
        with writer_slot(crawl.settings):
            totals.update(save_listings(crawl, found))
            validators = _listing_validators(crawl, listings, window)
        if not listings:
            break
    return totals


def _fetch_and_load(crawl: Crawl, workers: RunWorkers, items: list[FrontierItem],
                    validators: dict[str, StoredValidators]) -> Counter[str]:
    """Pages in batches: fetch, then the files flow's own batch stages, then the fetch records."""
    settings, logger = crawl.settings, get_run_logger()
    totals: Counter[str] = Counter()
    for number, chunk in enumerate(in_batches(items, settings.batch_size), start=1):
        batch = fetch_pages(crawl, chunk, {i.url: validators[i.url] for i in chunk if i.url in validators})
        documents: list[ReadItem] = list(batch.documents)
        if documents:
            totals.update(process_batch(settings, documents, crawl.run_id, workers))  # takes the slot itself
        with writer_slot(settings):
            totals.update(record_fetches(crawl, batch))
        logger.info("fetch batch %d: %d URLs, %d pages stored", number, len(chunk), len(documents),
                    extra={"ingest_progress": len(chunk)})
    return totals


def _finish(crawl: Crawl, flow_name: str, inputs: list[str], totals: Counter[str]) -> dict[str, int]:
    totals.update(refresh_search_index(crawl.settings))
    with writer_slot(crawl.settings):
        record_run(crawl.settings, crawl.run_id, flow_name, inputs, "completed", dict(totals))
    create_table_artifact(key=FETCH_COUNTS_ARTIFACT_KEY, table=counts_table(totals),
                          description=f"Fetch and load counts for run {crawl.run_id} ({flow_name})")
    get_run_logger().info("run complete: %s", ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))
    return dict(totals)


def _settings(warehouse_path: str | None) -> Settings:
    return Settings(warehouse=warehouse_path) if warehouse_path else Settings()  # type: ignore[arg-type]


@flow(name="fetch-sources", log_prints=False)
def fetch_sources(source_ids: list[str] | None = None, warehouse_path: str | None = None, refetch: bool = False,
                  window_start: datetime | None = None, window_end: datetime | None = None) -> dict[str, int]:
    """Fetch the named sources (or every enabled one): discover articles in their feeds and sitemaps, fetch the
    new ones politely, and load them. With a window, only articles published inside it are queued."""
    settings = _settings(warehouse_path)
    window = (window_start, window_end) if window_start and window_end else None
    run_id = flow_run.id or uuid.uuid4().hex
    inputs = source_ids or ["enabled sources"]
    with ExitStack() as run:
        with writer_slot(settings):  # the run's opening writes, in one turn at the warehouse
            record_run(settings, run_id, "fetch-sources", inputs, "running", {})
            crawl = run.enter_context(Crawl(settings, run_id))  # reads the hosts' validator trust
            sources = prepare_sources(crawl, source_ids, refetch)
            totals = queue_pages(crawl, sources)
            listings = [(s, s.url) for s in sources if s.kind != "page"]
            validators = _listing_validators(crawl, listings, window)
        workers = run.enter_context(RunWorkers(settings))
        totals.update(finish_unfinished(settings, run_id, workers.enricher))
        if listings:
            totals.update(_discover(crawl, listings, validators, window))
        with writer_slot(settings):
            due = due_urls(crawl, [s.source_id for s in sources], None)
            validators = page_validators(crawl, due.items)
        totals.update(_fetch_and_load(crawl, workers, due.items, validators))
        if due.deferred:  # queued beyond the per-source cap: the next run fetches them
            totals["fetch_deferred"] += due.deferred
    return _finish(crawl, "fetch-sources", inputs, totals)


@flow(name="fetch-urls", log_prints=False)
def fetch_urls(urls: list[str], warehouse_path: str | None = None) -> dict[str, int]:
    """Fetch these URLs (conditionally when fetched before) and load them as articles."""
    settings = _settings(warehouse_path)
    run_id = flow_run.id or uuid.uuid4().hex
    with ExitStack() as run:
        with writer_slot(settings):  # the run's opening writes, in one turn at the warehouse
            record_run(settings, run_id, "fetch-urls", urls, "running", {})
            crawl = run.enter_context(Crawl(settings, run_id))
            canonical, rejected = queue_urls(crawl, urls)
            due = due_urls(crawl, None, canonical).items
            validators = page_validators(crawl, due)
        workers = run.enter_context(RunWorkers(settings))
        totals = finish_unfinished(settings, run_id, workers.enricher)
        totals.update(_fetch_and_load(crawl, workers, due, validators))
        if rejected.rejects:
            with writer_slot(settings):
                totals.update(record_fetches(crawl, rejected))
    return _finish(crawl, "fetch-urls", urls, totals)

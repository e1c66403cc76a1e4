"""Crawling stages: sources → feeds and sitemaps → frontier → pages → `documents`, then the files' path.

Fetched pages become `RawDocument`s (source_uri = the URL asked for, url = the final URL, the header charset)
and go through the same transform and load as local files, so re-extraction works from the stored raw bytes and
never fetches again. The warehouse is opened only between network steps, never held while fetching: the steps
that touch it (`stored_validators`, `save_listings`, `record`, ...) are separate from the network steps
(`fetch_listings`, `fetch_pages`), so the Prefect flow can hold its one-writer slot around the former only.

Listings (feeds, sitemaps) are fetched conditionally and skipped when unchanged only in runs without a data window:
such a run queues every entry of the body it stores validators for, so an unchanged listing has nothing new. A
windowed run (a backfill interval) queues only its window's entries, so it reads the listing unconditionally every
time (the run before it, or one beside it, has seen the same bytes) and leaves no validators behind.

The crawl loop exists once, here (`Crawl.run_sources`, `Crawl.run_urls`): each step is a module-level stage called
through the run's stage runner, so the Prefect flows (`flows/fetch_sources.py`) show each as a task and plain callers
call it directly. Fetched pages go through the one batch path (`ingest.pipeline.process_batches`): extraction on the
worker pool under the per-page time limit, load, dedupe and enrichment, and the batch's fetch records are written
in the batch's own warehouse window. Steps that write take the writer guard themselves; steps that read open the
file read-only.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ingest import pipeline
from ingest.fetch.client import Fetcher, FetchRequest, FetchResult, Purpose
from ingest.fetch.discover import Discovered, DiscoveryError, discover
from ingest.fetch.politeness import host_key
from ingest.fetch.validators import StoredValidators, ValidatorTrust
from ingest.models import BatchResult, RawDocument, Reject
from ingest.pipeline import Batch, BatchRun, RunWorkers, batches, stage
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import frontier
from ingest.warehouse.frontier import FetchRecord, FrontierItem, Source

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class FetchedBatch:
    documents: tuple[RawDocument, ...]
    records: tuple[FetchRecord, ...]
    rejects: tuple[Reject, ...] = ()


@dataclass
class DiscoveryRound:
    """What one round of feed/sitemap fetches found; `children` are sitemaps to fetch in the next round."""

    batch: FetchedBatch
    found: dict[str, list[Discovered]] = field(default_factory=dict)
    children: list[tuple[Source, str]] = field(default_factory=list)


class Crawl:
    """One crawl run: one fetcher (so pacing, robots.txt and validator trust span all its sources), one way
    through the batch path (`run`: settings, run id, workers, stage runner)."""

    def __init__(self, run: BatchRun) -> None:
        self.run, self.settings, self.run_id = run, run.settings, run.run_id
        with warehouse.open_warehouse(self.settings, read_only=True) as con:
            hosts = frontier.load_trust(con)
        self.fetcher = Fetcher(self.settings, trust=ValidatorTrust(self.settings.validator_strikes,
                                                                   self.settings.validator_verify_every, hosts))

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stored_validators(self, urls: Sequence[str]) -> dict[str, StoredValidators]:
        with warehouse.open_warehouse(self.settings, read_only=True) as con:
            return frontier.stored_validators(con, urls)

    def listing_validators(self, listings: Sequence[tuple[Source, str]],
                           window: Window | None) -> dict[str, StoredValidators]:
        """Validators for conditional listing fetches: none in a windowed run (see the module docstring)."""
        if window is not None or not listings:
            return {}
        return self.stored_validators([url for _, url in listings])

    # --- sources and discovery -----------------------------------------------------------------------------------

    def prepare(self, source_ids: Sequence[str] | None, refetch: bool = False) -> list[Source]:
        """Sync the sources seed, pick the sources (named ones, or all enabled), apply their rate limits."""
        seed = frontier.read_sources_csv(self.settings.sources_csv)
        with self.run.writing() as con:
            frontier.sync_sources(con, seed, warehouse.new_load_id())
            sources = frontier.get_sources(con, source_ids)
            if refetch:
                frontier.requeue_fetched(con, [s.source_id for s in sources])
        for source in sources:
            if source.rate_per_second:
                self.fetcher.set_host_rate(host_key(source.url), source.rate_per_second)
        return sources

    def discover(self, sources: Sequence[Source], window: Window | None = None) -> Counter[str]:
        """Fetch each feed and sitemap (sitemap indexes down to `max_sitemap_depth`) and queue the articles found.
        A `page` source queues its own URL again on every run (a conditional request keeps that cheap)."""
        stages = self.run.stages
        totals = stages(queue_pages, self, list(sources))
        listings = [(s, s.url) for s in sources if s.kind != "page"]
        seen: set[str] = set()
        for depth in range(self.settings.max_sitemap_depth + 1):
            listings = [(s, url) for s, url in listings if url not in seen]
            if not listings:
                break
            seen.update(url for _, url in listings)
            validators = stages(listing_validators, self, listings, window)
            found = stages(fetch_listings, self, listings, depth < self.settings.max_sitemap_depth, window,
                           validators)
            totals.update(stages(save_listings, self, found))
            listings = found.children
        return totals

    def queue_pages(self, sources: Sequence[Source]) -> Counter[str]:
        """`page` sources list themselves: their URL is queued (again) on every run."""
        pages = [(s.source_id, Discovered(url=s.url, canonical_url=c, kind="article", via="sources.csv"))
                 for s in sources if s.kind == "page" and (c := frontier.canonical_or_none(s.url))]
        if not pages:
            return Counter()
        with self.run.writing() as con:
            queued = sum(frontier.enqueue(con, [d], sid, warehouse.new_load_id(), requeue=True) for sid, d in pages)
        return Counter({"queued": queued})

    def fetch_listings(self, listings: Sequence[tuple[Source, str]], follow: bool, window: Window | None = None,
                       validators: Mapping[str, StoredValidators] | None = None) -> DiscoveryRound:
        """Fetch and parse feeds and sitemaps (network only); `validators` from `listing_validators`."""
        source_of = {url: s for s, url in listings}
        validators = validators or {}
        requests = [FetchRequest(url=url, purpose=_purpose(s, url), validators=validators.get(url))
                    for url, s in source_of.items()]
        records: list[FetchRecord] = []
        rejects: list[Reject] = []
        found = DiscoveryRound(FetchedBatch((), ()))
        for request, result in self.fetcher.fetch_many(requests):
            source = source_of[request.url]
            record, items, reject = _discover_one(self.settings, source, result, window is None)
            records.append(record)
            rejects.extend([reject] if reject else [])
            found.children += [(source, d.url) for d in items if d.kind == "sitemap" and follow]
            articles = [d for d in items if d.kind == "article" and _in_window(d, window)]
            found.found.setdefault(source.source_id, []).extend(articles)
        found.batch = FetchedBatch((), tuple(records), tuple(rejects))
        return found

    def save_listings(self, found: DiscoveryRound) -> Counter[str]:
        totals: Counter[str] = Counter()
        with self.run.writing() as con:
            for source_id, items in found.found.items():
                totals["discovered"] += len(items)
                totals["queued"] += frontier.enqueue(con, items, source_id, warehouse.new_load_id())
            totals.update(self.record_in(con, found.batch))
        return totals

    # --- pages ---------------------------------------------------------------------------------------------------

    def due(self, source_ids: Sequence[str] | None = None,
            canonical_urls: Sequence[str] | None = None) -> frontier.Due:
        """What to fetch this run: a source's URLs up to `max_urls_per_source_per_run` (the rest wait for the next
        run); URLs named on the command line all."""
        cap = self.settings.max_urls_per_source_per_run if canonical_urls is None else None
        with self.run.writing() as con:
            return frontier.claim_due(con, source_ids, canonical_urls, per_source=cap)

    def fetch_pages(self, items: Sequence[FrontierItem],
                    validators: Mapping[str, StoredValidators] | None = None) -> FetchedBatch:
        """Fetch a batch of frontier URLs (network only; conditionally where `validators`, from `stored_validators`,
        has them); bodies become documents."""
        validators = validators or {}
        by_url: dict[str, list[FrontierItem]] = {}
        for item in items:
            by_url.setdefault(item.url, []).append(item)
        requests = [FetchRequest(url=url, validators=validators.get(url)) for url in by_url]
        documents: list[RawDocument] = []
        records: list[FetchRecord] = []
        for request, result in self.fetcher.fetch_many(requests):
            document = fetched_document(result)
            if document is not None:
                documents.append(document)
            stored = result.model_copy(update={"body": None})
            records += [FetchRecord(result=stored, source_id=i.source_id, canonical_url=i.canonical_url,
                                    document_id=document.document_id if document else None,
                                    retry_later=result.transient) for i in by_url[request.url]]
        return FetchedBatch(tuple(documents), tuple(records))

    def record(self, batch: FetchedBatch) -> Counter[str]:
        """`record_in` in a writer window of its own (fetches no batch of pages follows)."""
        with self.run.writing() as con:
            return self.record_in(con, batch)

    def record_in(self, con: duckdb.DuckDBPyConnection, batch: FetchedBatch) -> Counter[str]:
        """Write the batch's fetch rows (and the robots.txt fetches made meanwhile), validators, frontier states
        and host trust in one transaction; its rejects as a load."""
        side = [FetchRecord(result=r.model_copy(update={"body": None})) for r in self.fetcher.drain_side_fetches()]
        records = [*batch.records, *side]
        load_id = warehouse.new_load_id()
        frontier.record_round(con, records, self.fetcher.trust.snapshot(), self.run_id, load_id)
        if batch.rejects:
            warehouse.load_batch(con, BatchResult(documents=(), articles=(), rejects=batch.rejects), self.run_id)
        totals = Counter(f"fetch:{r.result.purpose}:{r.result.outcome}" for r in records)
        totals.update(f"rejected:fetch:{r.reason}" for r in batch.rejects)
        return totals

    def queue_urls(self, urls: Sequence[str]) -> tuple[list[str], FetchedBatch]:
        """URLs given on the command line into the frontier (queued again if already there); bad ones rejected."""
        found: list[Discovered] = []
        rejects: list[Reject] = []
        for url in urls:
            if canonical := frontier.canonical_or_none(url):
                found.append(Discovered(url=url, canonical_url=canonical, kind="article", via="command line"))
            else:
                rejects.append(Reject(input=url, stage="fetch", reason="bad_url", detail="not an absolute http(s) URL"))
        with self.run.writing() as con:
            frontier.enqueue(con, found, None, warehouse.new_load_id(), requeue=True)
        return [d.canonical_url for d in found], FetchedBatch((), (), tuple(rejects))

    # --- whole runs ----------------------------------------------------------------------------------------------

    def fetch_and_load(self, items: Sequence[FrontierItem]) -> Counter[str]:
        """Pages in batches through the one batch path; each batch's fetch records ride in its window."""
        validators = self.run.stages(page_validators, self, list(items))
        return pipeline.process_batches(self.run, self._fetched_batches(items, validators))

    def _fetched_batches(self, items: Sequence[FrontierItem],
                         validators: Mapping[str, StoredValidators]) -> Iterator[Batch]:
        for chunk in batches(items, self.settings.batch_size):
            fetched = self.run.stages(fetch_pages, self, chunk,
                                      {i.url: validators[i.url] for i in chunk if i.url in validators})
            yield Batch(list(fetched.documents), _RecordFetches(self, fetched))

    def run_sources(self, source_ids: Sequence[str] | None = None, refetch: bool = False,
                    window: Window | None = None) -> Counter[str]:
        """Everything `ingest fetch` does: discover, then fetch what is due, then load it."""
        sources = self.run.stages(prepare_sources, self, list(source_ids) if source_ids else None, refetch)
        totals = self.discover(sources, window)
        due = self.run.stages(due_urls, self, [s.source_id for s in sources], None)
        totals.update(self.fetch_and_load(due.items))
        totals["fetch_deferred"] += due.deferred  # queued beyond the per-source cap: the next run fetches them
        return +totals

    def run_urls(self, urls: Sequence[str]) -> Counter[str]:
        """What `ingest run URL...` does: fetch each URL (conditionally if seen before) and load it."""
        canonical, rejected = self.run.stages(queue_urls, self, list(urls))
        totals = self.fetch_and_load(self.run.stages(due_urls, self, None, canonical).items)
        if rejected.rejects:
            totals.update(self.run.stages(record_fetches, self, rejected))
        return totals


@dataclass(frozen=True)
class _RecordFetches:
    """A fetched batch's records, written in its batch's warehouse window (after its documents are loaded)."""

    crawl: Crawl
    fetched: FetchedBatch

    def __call__(self, con: duckdb.DuckDBPyConnection) -> Counter[str]:
        return self.crawl.run.stages(record_fetches_in, self.crawl, con, self.fetched)


# --- the crawl's stages, as the stage runner calls them ------------------------------------------------------------


@stage("warehouse")
def prepare_sources(crawl: Crawl, source_ids: list[str] | None, refetch: bool) -> list[Source]:
    return crawl.prepare(source_ids, refetch)


@stage("warehouse")
def queue_pages(crawl: Crawl, sources: list[Source]) -> Counter[str]:
    return crawl.queue_pages(sources)


@stage("warehouse")
def listing_validators(crawl: Crawl, listings: list[tuple[Source, str]],
                       window: Window | None) -> dict[str, StoredValidators]:
    return crawl.listing_validators(listings, window)


@stage("network")
def fetch_listings(crawl: Crawl, listings: list[tuple[Source, str]], follow: bool, window: Window | None,
                   validators: dict[str, StoredValidators]) -> DiscoveryRound:
    return crawl.fetch_listings(listings, follow, window, validators)


@stage("warehouse")
def save_listings(crawl: Crawl, found: DiscoveryRound) -> Counter[str]:
    return crawl.save_listings(found)


@stage("warehouse")
def queue_urls(crawl: Crawl, urls: list[str]) -> tuple[list[str], FetchedBatch]:
    return crawl.queue_urls(urls)


@stage("warehouse")
def due_urls(crawl: Crawl, source_ids: list[str] | None, canonical_urls: list[str] | None) -> frontier.Due:
    return crawl.due(source_ids, canonical_urls)


@stage("warehouse")
def page_validators(crawl: Crawl, items: list[FrontierItem]) -> dict[str, StoredValidators]:
    return crawl.stored_validators([i.url for i in items])


@stage("network")
def fetch_pages(crawl: Crawl, items: list[FrontierItem], validators: dict[str, StoredValidators]) -> FetchedBatch:
    return crawl.fetch_pages(items, validators)


@stage("warehouse")
def record_fetches(crawl: Crawl, batch: FetchedBatch) -> Counter[str]:
    return crawl.record(batch)


@stage("window")
def record_fetches_in(crawl: Crawl, con: duckdb.DuckDBPyConnection, batch: FetchedBatch) -> Counter[str]:
    return crawl.record_in(con, batch)


# --- without Prefect -----------------------------------------------------------------------------------------------


def crawl_sources(settings: Settings, source_ids: Sequence[str] | None = None, run_id: str | None = None,
                  refetch: bool = False, window: Window | None = None) -> Counter[str]:
    """`ingest fetch` without Prefect: the run's start (migration, finishing earlier runs' work), the crawl."""
    with RunWorkers(settings) as workers:
        run = BatchRun(settings, run_id or uuid.uuid4().hex, workers)
        pipeline.migrate(run)
        with Crawl(run) as crawl:
            return crawl.run_sources(source_ids, refetch, window)


def fetch_urls(settings: Settings, urls: Sequence[str], run_id: str | None = None) -> Counter[str]:
    with RunWorkers(settings) as workers:
        run = BatchRun(settings, run_id or uuid.uuid4().hex, workers)
        pipeline.migrate(run)
        with Crawl(run) as crawl:
            return crawl.run_urls(urls)


def _purpose(source: Source, url: str) -> Purpose:
    return "feed" if source.kind in ("rss", "atom") and url == source.url else "sitemap"


def _discover_one(settings: Settings, source: Source, result: FetchResult, store_validators: bool
                  ) -> tuple[FetchRecord, list[Discovered], Reject | None]:
    if result.outcome != "ok" or result.body is None:
        return FetchRecord(result=result, source_id=source.source_id, retry_later=result.transient,
                           store_validators=store_validators), [], None
    kind = source.kind if result.purpose == "feed" else "sitemap"
    try:
        found = discover(kind, result.body, result.final_url or result.url, settings.max_fetch_bytes)
    except DiscoveryError as exc:
        failed = result.model_copy(update={"outcome": "error", "detail": f"{exc.reason}: {exc}", "body": None})
        reject = Reject(input=result.url, stage="fetch", reason=exc.reason, detail=str(exc)[:500])
        return FetchRecord(result=failed, source_id=source.source_id), [], reject
    return FetchRecord(result=result.model_copy(update={"body": None}), source_id=source.source_id,
                       store_validators=store_validators), found, None


def _in_window(item: Discovered, window: Window | None) -> bool:
    if window is None or item.published_at is None:
        return True
    return window[0] <= item.published_at < window[1]


def fetched_document(result: FetchResult) -> RawDocument | None:
    """The raw document a fetched page is loaded as (None when the fetch brought no body)."""
    if result.outcome != "ok" or not result.body:
        return None
    return RawDocument(source_uri=result.url, url=result.final_url or result.url, media_type="text/html",
                       content=result.body, charset=result.charset)

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

The Prefect flows (`flows/fetch_sources.py`) wire these steps as tasks; `Crawl.run_sources` and `Crawl.run_urls`
run them without Prefect (tests, library callers).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

import duckdb

from ingest import pipeline
from ingest.fetch.client import Fetcher, FetchRequest, FetchResult, Purpose
from ingest.fetch.discover import Discovered, DiscoveryError, discover
from ingest.fetch.politeness import host_key
from ingest.fetch.validators import StoredValidators, ValidatorTrust
from ingest.models import BatchResult, RawDocument, Reject
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
    """One crawl run: one fetcher (so pacing, robots.txt and validator trust span all its sources)."""

    def __init__(self, settings: Settings, run_id: str | None = None) -> None:
        self.settings, self.run_id = settings, run_id or uuid.uuid4().hex
        with self.warehouse() as con:
            hosts = frontier.load_trust(con)
        self.fetcher = Fetcher(settings, trust=ValidatorTrust(settings.validator_strikes,
                                                              settings.validator_verify_every, hosts))

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> Crawl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.open_warehouse(self.settings) as con:  # opening migrates: a write
            yield con

    def stored_validators(self, urls: Sequence[str]) -> dict[str, StoredValidators]:
        with self.warehouse() as con:
            return frontier.stored_validators(con, urls)

    def listing_validators(self, listings: Sequence[tuple[Source, str]],
                           window: Window | None) -> dict[str, StoredValidators]:
        """Validators for conditional listing fetches: none in a windowed run (see the module docstring)."""
        return {} if window is not None else self.stored_validators([url for _, url in listings])

    # --- sources and discovery -----------------------------------------------------------------------------------

    def prepare(self, source_ids: Sequence[str] | None, refetch: bool = False) -> list[Source]:
        """Sync the sources seed, pick the sources (named ones, or all enabled), apply their rate limits."""
        seed = frontier.read_sources_csv(self.settings.sources_csv)
        with self.warehouse() as con:
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
        totals = self.queue_pages(sources)
        listings = [(s, s.url) for s in sources if s.kind != "page"]
        seen: set[str] = set()
        for depth in range(self.settings.max_sitemap_depth + 1):
            listings = [(s, url) for s, url in listings if url not in seen]
            if not listings:
                break
            seen.update(url for _, url in listings)
            found = self.fetch_listings(listings, follow=depth < self.settings.max_sitemap_depth, window=window,
                                        validators=self.listing_validators(listings, window))
            totals.update(self.save_listings(found))
            listings = found.children
        return totals

    def queue_pages(self, sources: Sequence[Source]) -> Counter[str]:
        """`page` sources list themselves: their URL is queued (again) on every run."""
        pages = [(s.source_id, Discovered(url=s.url, canonical_url=c, kind="article", via="sources.csv"))
                 for s in sources if s.kind == "page" and (c := frontier.canonical_or_none(s.url))]
        if not pages:
            return Counter()
        with self.warehouse() as con:
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
        with self.warehouse() as con:
            for source_id, items in found.found.items():
                totals["discovered"] += len(items)
                totals["queued"] += frontier.enqueue(con, items, source_id, warehouse.new_load_id())
        totals.update(self.record(found.batch))
        return totals

    # --- pages ---------------------------------------------------------------------------------------------------

    def due(self, source_ids: Sequence[str] | None = None,
            canonical_urls: Sequence[str] | None = None) -> frontier.Due:
        """What to fetch this run: a source's URLs up to `max_urls_per_source_per_run` (the rest wait for the next
        run); URLs named on the command line all."""
        cap = self.settings.max_urls_per_source_per_run if canonical_urls is None else None
        with self.warehouse() as con:
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
        """Write the batch's fetch rows (and the robots.txt fetches made meanwhile), validators, frontier states
        and host trust in one transaction; its rejects as a load."""
        side = [FetchRecord(result=r.model_copy(update={"body": None})) for r in self.fetcher.drain_side_fetches()]
        records = [*batch.records, *side]
        load_id = warehouse.new_load_id()
        with self.warehouse() as con:
            frontier.record_round(con, records, self.fetcher.trust.snapshot(), self.run_id, load_id)
            if batch.rejects:
                warehouse.load_batch(con, BatchResult(documents=(), articles=(), rejects=batch.rejects), self.run_id)
        totals = Counter(f"fetch:{r.result.purpose}:{r.result.outcome}" for r in records)
        totals.update(f"rejected:fetch:{r.reason}" for r in batch.rejects)
        return totals

    def load_documents(self, documents: Sequence[RawDocument]) -> Counter[str]:
        """The files' path for fetched pages (as `pipeline.run_batches`): transform, load, link duplicates."""
        if not documents:
            return Counter()
        result = pipeline.transform(documents, self.settings, pipeline.loaded_article_ids(self.settings, documents))
        with self.warehouse() as con:
            result, loaded = pipeline.load_new(con, result, self.run_id)
        totals: Counter[str] = Counter(result.stage_counts)
        totals.update({"loaded_articles": loaded.articles, "loaded_documents": loaded.documents,
                       "unchanged_refetches": loaded.unchanged_refetches})
        totals.update(pipeline.dedupe_batch(self.settings, result, loaded.load_id))
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
        with self.warehouse() as con:
            frontier.enqueue(con, found, None, warehouse.new_load_id(), requeue=True)
        return [d.canonical_url for d in found], FetchedBatch((), (), tuple(rejects))

    # --- whole runs without Prefect -------------------------------------------------------------------------------

    def fetch_and_load(self, items: Sequence[FrontierItem]) -> Counter[str]:
        totals: Counter[str] = Counter()
        for chunk in in_batches(items, self.settings.batch_size):
            batch = self.fetch_pages(chunk, self.stored_validators([i.url for i in chunk]))
            totals.update(self.load_documents(batch.documents))
            totals.update(self.record(batch))
        return totals

    def run_sources(self, source_ids: Sequence[str] | None = None, refetch: bool = False,
                    window: Window | None = None) -> Counter[str]:
        """Everything `ingest fetch` does: discover, then fetch what is due, then load it."""
        sources = self.prepare(source_ids, refetch)
        totals = self.discover(sources, window)
        due = self.due([s.source_id for s in sources])
        totals.update(self.fetch_and_load(due.items))
        totals["fetch_deferred"] += due.deferred
        return +totals

    def run_urls(self, urls: Sequence[str]) -> Counter[str]:
        """What `ingest run URL...` does: fetch each URL (conditionally if seen before) and load it."""
        canonical, rejected = self.queue_urls(urls)
        totals = self.fetch_and_load(self.due(canonical_urls=canonical).items)
        if rejected.rejects:
            totals.update(self.record(rejected))
        return totals


def crawl_sources(settings: Settings, source_ids: Sequence[str] | None = None, run_id: str | None = None,
                  refetch: bool = False, window: Window | None = None) -> Counter[str]:
    with Crawl(settings, run_id) as crawl:
        return crawl.run_sources(source_ids, refetch, window)


def fetch_urls(settings: Settings, urls: Sequence[str], run_id: str | None = None) -> Counter[str]:
    with Crawl(settings, run_id) as crawl:
        return crawl.run_urls(urls)


def in_batches(items: Sequence[FrontierItem], size: int) -> Iterator[list[FrontierItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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

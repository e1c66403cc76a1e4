"""The one batch path: every way documents reach the warehouse (files, fetched pages, a re-run's leftovers, the
CLI, the benches) goes through `process_batches`, so the per-page time limit, the worker pools and the writer
discipline hold everywhere.

A batch: find which of its articles are loaded already, extract and clean the rest on the worker pool (each page
under `extract_timeout_seconds`), then, in ONE opening of the warehouse under the writer guard (its "window"),
load it, link its duplicates, write what its caller attached (a crawl's fetch records), load the entities NER found
in earlier batches, and look up the next batch's loaded articles. NER of a batch runs outside the window, with the
file closed (its articles are handed to the NER workers before its window, `enrich_ahead`, so NER runs while the
batch is written), and its entities ride in a later batch's window (the next one's, or the one after when NER has
not finished by then; the last ones in a window of their own). So a batch costs one open, readers and other runs
get the file between windows, and a run killed anywhere leaves only stage work that `ingest.warehouse.stage_state`
finds and `finish_unfinished` completes.

The workers do not wait for the window: the next batch's documents are handed to them before it (`extract_ahead`),
so they are extracted while this batch is written; what they produce is only collected by that batch's own
transform, so nothing of it is written early.

The order of the stages lives here; how each stage is called is the caller's: `stages(stage, *args)` is a plain
call for library callers (`call_directly`) and a Prefect task run in the flows (`flows.stages`), which is how each
stage shows in the Prefect UI with its retry policy. Each stage is a module-level function marked with its kind
(`warehouse`: opens the warehouse, worth a retry when it is busy; `window`: runs on the window's connection, so the
window retries, not it; `cpu` and `network`: never retried as a whole).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import duckdb

from ingest.dedupe import match as dedupe
from ingest.entities.ner import (
    Enricher,
    EnrichInput,
    EnrichmentResult,
    PendingSpans,
    describe,
    inputs_from_articles,
)
from ingest.extract.clean import article_id_for
from ingest.extract.workers import Ahead, ExtractionPool
from ingest.models import BatchResult, CleanArticle, FieldWarning, RawDocument, Reject, Skipped
from ingest.ops import faults
from ingest.read.files import ReadItem, read_inputs
from ingest.read.shards import Shard, read_shard
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store, search, stage_state, writer_lock

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
StageKind = Literal["warehouse", "window", "cpu", "network"]


def stage(kind: StageKind) -> Callable[[F], F]:
    """Mark a function as a stage of the batch path and say what it touches (read by the flows' retry policy)."""
    def mark(function: F) -> F:
        function.stage_kind = kind  # type: ignore[attr-defined]
        return function
    return mark


def stage_kind(function: Callable[..., Any]) -> StageKind:
    return getattr(function, "stage_kind", "cpu")


class StageRunner(Protocol):
    def __call__(self, stage: Callable[..., T], /, *args: Any) -> T: ...


def call_directly(stage: Callable[..., T], /, *args: Any) -> T:
    """The stage runner of library callers: the stage, called."""
    return stage(*args)


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class RunWorkers:
    """The worker processes a run keeps from its first batch to its end: extraction and NER (started on use)."""

    def __init__(self, settings: Settings, enricher: Enricher | None = None) -> None:
        self.extraction = ExtractionPool(settings)
        self.enricher = enricher or Enricher(settings)

    def __enter__(self) -> RunWorkers:
        return self

    def __exit__(self, *_: object) -> None:
        self.extraction.close()
        self.enricher.close()


@dataclass
class BatchRun:
    """One run's way through the batch path: its settings and id, its workers, how it calls stages."""

    settings: Settings
    run_id: str
    workers: RunWorkers
    stages: StageRunner = call_directly
    on_wait: Callable[[str], None] | None = None  # told when the writer guard is held by someone else
    on_batch: Callable[[int, int, Counter[str]], None] | None = None  # batch number, inputs, its counts

    def writing(self) -> Any:
        """The warehouse opened for writing under the writer guard (a context manager)."""
        return writer_lock.writing(self.settings, self.run_id, self.on_wait)


@dataclass
class Batch:
    """Inputs of one batch, and what its caller writes in the batch's window after the load (fetch records)."""

    items: Sequence[ReadItem]
    after_load: Callable[[duckdb.DuckDBPyConnection], Counter[str]] | None = None


@dataclass
class Window:
    """What one opening of the warehouse does: every part optional."""

    result: BatchResult | None = None
    after_load: Callable[[duckdb.DuckDBPyConnection], Counter[str]] | None = None
    enrichments: tuple[EnrichmentResult, ...] = ()  # of earlier batches, oldest first
    next_items: Sequence[ReadItem] | None = None


@dataclass
class WindowOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    loaded_articles: tuple[CleanArticle, ...] = ()  # the batch's articles as loaded (less unchanged refetches)
    next_loaded: set[str] = field(default_factory=set)


# --- the stages ----------------------------------------------------------------------------------------------------


def _loaded_in(con: duckdb.DuckDBPyConnection, items: Iterable[ReadItem]) -> set[str]:
    ids = [article_id_for(i.document_id, i.source_uri) for i in items if isinstance(i, RawDocument)]
    return warehouse.existing_ids(con, "articles", "article_id", ids)


@stage("warehouse")
def find_loaded(settings: Settings, items: Sequence[ReadItem]) -> set[str]:
    """Articles of this batch the warehouse already holds, so a re-run does no work for them (a read: no guard)."""
    if not warehouse.warehouse_exists(settings):
        return set()
    with warehouse.open_warehouse(settings, read_only=True) as con:
        return _loaded_in(con, items)


@stage("cpu")
def transform_batch(settings: Settings, items: Sequence[ReadItem], loaded_article_ids: set[str],
                    pool: ExtractionPool, ahead: Ahead | None = None) -> BatchResult:
    return transform(items, settings, loaded_article_ids, pool, ahead)


def extract_ahead(pool: ExtractionPool, batch: Batch | None, before: BatchResult) -> Ahead | None:
    """Hand the next batch's documents to the workers before this batch's window, so they are extracted while
    it is written (which articles of it are loaded is known only after that window: `transform` then takes the
    outcomes of those that are not, and extracts any it was not handed). Not after a batch that found articles
    loaded already (a re-run going over what an earlier run did): the next one likely holds more of them."""
    if batch is None or before.stage_counts.get("already_loaded"):
        return None
    documents = [item for item in batch.items if isinstance(item, RawDocument)]
    return pool.submit_ahead(documents) if documents else None


@stage("cpu")
def annotate_articles(enricher: Enricher, inputs: Sequence[EnrichInput],
                      started: PendingSpans | None = None) -> EnrichmentResult | None:
    """NER and resolution (outside any window: the warehouse is closed meanwhile); of a batch, collected from
    the workers `enrich_ahead` handed its articles to."""
    if not inputs:
        return None
    return enricher.collect(started, list(inputs)) if started is not None else enricher.annotate(list(inputs))


def enrich_ahead(run: BatchRun, result: BatchResult) -> PendingSpans | None:
    """Hand a batch's articles to the NER workers before its window, so NER and resolution run while it is written;
    `annotate_articles` then takes those of them the load kept (it drops unchanged refetches). Nothing of it is
    written before the next window, as without it."""
    if not run.settings.enrich or not result.articles:
        return None
    return run.workers.enricher.submit(inputs_from_articles(result.articles))


@stage("window")
def load_articles(con: duckdb.DuckDBPyConnection, result: BatchResult,
                  run_id: str) -> tuple[BatchResult, warehouse.LoadCounts]:
    return load_new(con, result, run_id)


@stage("window")
def dedupe_articles(con: duckdb.DuckDBPyConnection, settings: Settings, article_ids: list[str],
                    load_id: str) -> dict[str, int]:
    """Link loaded articles to their copies in this or any earlier run (see `ingest.dedupe.match`)."""
    return dedupe.dedupe_articles(con, article_ids, settings, load_id).as_counts()


@stage("window")
def load_entities(con: duckdb.DuckDBPyConnection, enrichment: EnrichmentResult, run_id: str,
                  enricher: Enricher) -> dict[str, int]:
    loaded = entity_store.load_enrichment(con, enrichment, run_id, enricher.gazetteer).as_counts()
    return {**describe(enrichment), **loaded}


@stage("warehouse")
def write_batch(run: BatchRun, window: Window) -> WindowOutcome:
    """One opening of the warehouse under the writer guard: the entities of the batch before, this batch's load,
    dedupe and attached writes, and the next batch's loaded articles. Each part commits on its own, and each is
    idempotent, so a retried window redoes nothing twice. On a lake the window holds the lake-wide lock whole (see
    README "One writer, many readers": windows running at once failed on DuckDB 1.5.5's DuckLake)."""
    outcome = WindowOutcome()
    with run.writing() as con:
        for enrichment in window.enrichments:
            outcome.counts.update(run.stages(load_entities, con, enrichment, run.run_id, run.workers.enricher))
            faults.boundary("after_enrich")
        if window.result is not None:
            result, loaded = run.stages(load_articles, con, window.result, run.run_id)
            outcome.loaded_articles = result.articles
            outcome.counts.update({"loaded_articles": loaded.articles, "loaded_documents": loaded.documents,
                                   "loaded_rejects": loaded.rejects, "unchanged_refetches": loaded.unchanged_refetches})
            faults.boundary("after_load")
            ids = [a.article_id for a in result.articles]
            outcome.counts.update(run.stages(dedupe_articles, con, run.settings, ids, loaded.load_id))
            faults.boundary("after_dedupe")
        if window.after_load is not None:
            outcome.counts.update(window.after_load(con))
        if window.next_items is not None:
            outcome.next_loaded = _loaded_in(con, window.next_items)
    return outcome


# --- the path ------------------------------------------------------------------------------------------------------


def process_batches(run: BatchRun, inputs: Iterable[Batch]) -> Counter[str]:
    """Every batch through every stage after reading, in the order the module docstring gives. The next batch is
    taken from `inputs` before this batch's window (a crawl fetches it then, with the warehouse closed).

    A batch's window loads the entities of the earlier batches whose NER has finished; it waits only for those
    older than the batch before, so the NER workers hold at most two batches (memory stays flat) and always have
    one queued: a worker that finishes its share early takes the next batch's, and no window waits for NER the
    workers are still doing."""
    upcoming = iter(inputs)
    batch = next(upcoming, None)
    totals: Counter[str] = Counter()
    if batch is None:
        return totals
    loaded = run.stages(find_loaded, run.settings, batch.items)
    if run.settings.enrich and sum(isinstance(i, RawDocument) for i in batch.items) > len(loaded):
        run.workers.enricher.start()  # NER workers load their model while the first batch is extracted
    waiting: deque[Enriching] = deque()  # written batches whose entities are not loaded yet, oldest first
    ahead: Ahead | None = None
    number = 0
    while batch is not None:
        number += 1
        result = run.stages(transform_batch, run.settings, list(batch.items), loaded, run.workers.extraction, ahead)
        following = next(upcoming, None)
        ahead = extract_ahead(run.workers.extraction, following, result)
        enriching = enrich_ahead(run, result)
        enrichments = collect_enrichments(run, waiting, keep=1)
        window = Window(result, batch.after_load, enrichments, following.items if following else None)
        outcome = run.stages(write_batch, run, window)
        batch_counts = Counter(result.stage_counts)
        batch_counts.update(outcome.counts)  # not `+`: a zero count ("loaded_articles": 0) is news too
        totals.update(batch_counts)
        to_enrich = outcome.loaded_articles if run.settings.enrich else ()  # else left for a run with it on
        waiting.append(Enriching(to_enrich, enriching))
        if run.on_batch is not None:
            run.on_batch(number, len(batch.items), batch_counts)
        batch, loaded = following, outcome.next_loaded
    enrichments = collect_enrichments(run, waiting, keep=0)
    if enrichments:
        totals.update(run.stages(write_batch, run, Window(enrichments=enrichments)).counts)
    return totals


@dataclass(frozen=True)
class Enriching:
    """A written batch's articles to enrich, and the NER `enrich_ahead` handed the workers for them."""

    articles: Sequence[CleanArticle]
    started: PendingSpans | None

    def finished(self) -> bool:
        return self.started is None or self.started.done()


def collect_enrichments(run: BatchRun, waiting: deque[Enriching], keep: int) -> tuple[EnrichmentResult, ...]:
    """The entities of the oldest written batches, in order: waits for all but the newest `keep`, and takes those
    whose NER has finished besides."""
    collected = []
    while waiting and (len(waiting) > keep or waiting[0].finished()):
        batch = waiting.popleft()
        enrichment = run.stages(annotate_articles, run.workers.enricher, inputs_from_articles(batch.articles),
                                batch.started)
        if enrichment is not None:
            collected.append(enrichment)
    return tuple(collected)


def file_batches(paths: Iterable[str | Path], settings: Settings, shard: Shard | None = None) -> Iterator[Batch]:
    """The inputs under `paths` in batches; with a shard, only that shard's files (see `ingest.read.shards`)."""
    stream = read_inputs(paths, settings) if shard is None else read_shard(paths, settings, shard)
    for items in batches(stream, settings.batch_size):
        yield Batch(items)


def transform(items: Iterable[ReadItem], settings: Settings, loaded_article_ids: set[str],
              pool: ExtractionPool | None = None, ahead: Ahead | None = None) -> BatchResult:
    """Extract and clean every document of a batch that is not loaded yet; count what happened at each stage.
    Documents are extracted on the worker processes of `pool` (a pool of its own when none is given): only there
    is the per-page time limit enforced. Those `pool` was handed `ahead` of time are collected, not redone."""
    counts: Counter[str] = Counter()
    documents: list[RawDocument] = []
    rejects: list[Reject] = []
    warnings: list[FieldWarning] = []
    for item in items:
        if isinstance(item, FieldWarning):  # about the document before it, not an input of its own
            warnings.append(item)
            counts[f"warned:{item.stage}:{item.field}"] += 1
            continue
        counts["inputs"] += 1
        if isinstance(item, Skipped):
            counts[f"skipped:{item.reason}"] += 1
        elif isinstance(item, Reject):
            rejects.append(item)
        elif article_id_for(item.document_id, item.source_uri) in loaded_article_ids:
            counts["already_loaded"] += 1
        else:
            documents.append(item)
    outcomes = extract_documents(documents, settings, pool, ahead)
    articles = [o for o in outcomes if isinstance(o, CleanArticle)]
    rejects += [o for o in outcomes if isinstance(o, Reject)]
    for reject in rejects:
        counts[f"rejected:{reject.stage}:{reject.reason}"] += 1
    counts["articles"] = len(articles)
    counts["embeds"] = sum(len(a.embeds) for a in articles)
    return BatchResult(documents=tuple(documents), articles=tuple(articles), rejects=tuple(rejects),
                       warnings=tuple(warnings), stage_counts=dict(counts))


def extract_documents(documents: Sequence[RawDocument], settings: Settings, pool: ExtractionPool | None = None,
                      ahead: Ahead | None = None) -> list[CleanArticle | Reject]:
    """Extract and clean on worker processes, each document under the time limit (`ingest reprocess` too)."""
    if not documents:
        return []
    if pool is not None:
        return pool.run(documents, ahead)
    with ExtractionPool(settings) as own:
        return own.run(documents)


def load_new(con: duckdb.DuckDBPyConnection, result: BatchResult,
             run_id: str) -> tuple[BatchResult, warehouse.LoadCounts]:
    """Load a batch, less the articles that are a page fetched again with unchanged text: their raw document is
    stored, their text is already a version of that URL, so they add no article. Returns what was loaded, for
    the stages after the load."""
    unchanged = dedupe.unchanged_refetches(con, result.articles)
    if unchanged:
        result = result.model_copy(update={"articles": tuple(a for a in result.articles
                                                             if a.article_id not in unchanged)})
    loaded = warehouse.load_batch(con, result, run_id)
    return result, dataclasses.replace(loaded, unchanged_refetches=len(unchanged))


# --- a run around the batches --------------------------------------------------------------------------------------


@stage("warehouse")
def begin_run(run: BatchRun, flow_run_id: str | None, flow_name: str | None, inputs: list[str]) -> list[str]:
    """The run's first write, in one opening: bring the warehouse to the code's schema (the explicit migration
    step: a warehouse an older version created is migrated here), then record the run as running (unless it has
    no `flow_name`: `enrich-articles` loads no inputs and keeps no run row). Returns the migrations applied."""
    with writer_lock.writer_slot(run.settings, run.run_id, run.on_wait):
        con = warehouse.connect(run.settings)
        try:
            applied = warehouse.migrate(con)
            if flow_name is not None:
                warehouse.start_run(con, run.run_id, flow_run_id, flow_name, inputs)
        finally:
            con.close()
    return applied


def migrate(run: BatchRun) -> list[str]:
    """The explicit migration step alone (runs that keep no run row)."""
    return run.stages(begin_run, run, None, None, [])


@stage("warehouse")
def end_run(run: BatchRun, status: str, counts: dict[str, int]) -> None:
    with run.writing() as con:
        warehouse.finish_run(con, run.run_id, status, counts)


@stage("warehouse")
def find_pending(run: BatchRun) -> stage_state.PendingWork:
    """Mark the runs whose process died as crashed, then list the stage work they (or anyone) left undone."""
    with run.writing() as con:
        crashed = stage_state.mark_crashed(con)
        pending = stage_state.pending_work(con, run.run_id)
        return dataclasses.replace(pending, crashed_flow_runs=stage_state.flow_runs_of(con, crashed))


@stage("warehouse")
def find_ended(settings: Settings, flow_run_ids: list[str]) -> list[tuple[str, str]]:
    """Which of these flow runs (the ones Prefect shows Running) recorded their end in the warehouse, their process
    gone since: (flow run id, status) for the caller to report (a read: no guard)."""
    if not flow_run_ids or not warehouse.warehouse_exists(settings):
        return []
    with warehouse.open_warehouse(settings, read_only=True) as con:
        return stage_state.ended_runs(con, flow_run_ids)


@stage("warehouse")
def dedupe_pending(run: BatchRun, article_ids: list[str], load_id: str) -> dict[str, int]:
    """Deduplicate a load an earlier run left undeduplicated, in a window of its own."""
    with run.writing() as con:
        return run.stages(dedupe_articles, con, run.settings, article_ids, load_id)


@stage("warehouse")
def load_enrichment(run: BatchRun, enrichment: EnrichmentResult) -> dict[str, int]:
    with run.writing() as con:
        return run.stages(load_entities, con, enrichment, run.run_id, run.workers.enricher)


@stage("warehouse")
def read_enrich_inputs(settings: Settings, article_ids: list[str]) -> list[EnrichInput]:
    with warehouse.open_warehouse(settings, read_only=True) as con:
        return entity_store.articles_by_id(con, article_ids)


@stage("warehouse")
def read_enrich_page(settings: Settings, after: str, since: Any, stale_only: bool) -> list[EnrichInput]:
    with warehouse.open_warehouse(settings, read_only=True) as con:
        return entity_store.articles_page(con, after, since, stale_only, settings.batch_size)


def enrich(run: BatchRun, inputs: Sequence[EnrichInput]) -> Counter[str]:
    """NER and resolution with the warehouse closed, then their load in a window of its own."""
    enrichment = run.stages(annotate_articles, run.workers.enricher, inputs)
    return Counter(run.stages(load_enrichment, run, enrichment)) if enrichment is not None else Counter()


def finish_unfinished(run: BatchRun,
                      on_crashed: Callable[[tuple[str, ...]], None] | None = None) -> Counter[str]:
    """Before its own inputs, a run finishes the stage work earlier runs left undone (see
    `ingest.warehouse.stage_state`): load by load, in load order, so the warehouse ends as if those runs had never
    stopped. `on_crashed` hears the Prefect flow runs of the runs found dead."""
    pending = run.stages(find_pending, run)
    if on_crashed is not None and pending.crashed_flow_runs:
        on_crashed(pending.crashed_flow_runs)
    enriching = run.settings.enrich  # a run with enrichment off leaves earlier runs' enrichment pending too
    totals: Counter[str] = Counter(resumed_dedupe_articles=pending.articles_awaiting_dedupe,
                                   resumed_enrich_articles=pending.articles_awaiting_enrichment if enriching else 0)
    for load_id, article_ids in pending.dedupe:
        totals.update(run.stages(dedupe_pending, run, article_ids, load_id))
    for _load_id, article_ids in pending.enrichment if enriching else []:
        totals.update(enrich(run, run.stages(read_enrich_inputs, run.settings, article_ids)))
    return +totals


def enrich_warehouse(run: BatchRun, since: Any = None, stale_only: bool = False) -> Counter[str]:
    """Re-run NER and resolution over the warehouse's articles, a page at a time (dated on or after `since`;
    with `stale_only`, only those never enriched or changed since)."""
    totals: Counter[str] = Counter()
    after = ""
    number = 0
    while page := run.stages(read_enrich_page, run.settings, after, since, stale_only):
        number += 1
        counts = enrich(run, page)
        totals.update(counts)
        after = page[-1].article_id
        if run.on_batch is not None:
            run.on_batch(number, len(page), counts)
    return totals


def refresh_search(settings: Settings) -> Counter[str]:
    return Counter(search.refresh_search_index(settings).as_counts())


def run_batches(paths: Iterable[str | Path], settings: Settings, run_id: str,
                workers: RunWorkers | None = None) -> Counter[str]:
    """What `ingest run` does, without Prefect: the same stages in the same order (enrichment included), the
    same windows. Used by library callers, benches and tests."""
    paths = list(paths)
    with RunWorkers(settings) if workers is None else nullcontext(workers) as own:
        run = BatchRun(settings, run_id, own)
        begin_run(run, None, "ingest-files", [str(p) for p in paths])
        totals = finish_unfinished(run)
        totals.update(process_batches(run, file_batches(paths, settings)))
        totals.update(refresh_search(settings))
        end_run(run, "completed", dict(totals))
    return totals

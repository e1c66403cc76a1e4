"""Stage wiring shared by the Prefect flow and plain callers: batch the stream, transform a batch, load it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import duckdb

from ingest.dedupe import match as dedupe
from ingest.entities.ner import EnrichInput
from ingest.extract.clean import article_id_for
from ingest.extract.workers import ExtractionPool, extract_and_clean
from ingest.models import BatchResult, CleanArticle, FieldWarning, RawDocument, Reject, Skipped
from ingest.read.files import ReadItem, read_inputs
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store, search, stage_state


def batches(items: Iterable[ReadItem], size: int) -> Iterator[list[ReadItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def transform(items: Iterable[ReadItem], settings: Settings, loaded_article_ids: set[str],
              pool: ExtractionPool | None = None) -> BatchResult:
    """Extract and clean every document of a batch that is not loaded yet; count what happened at each stage.
    With a `pool`, the documents are extracted on its worker processes."""
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
    outcomes = pool.run(documents) if pool else [extract_and_clean(d, settings) for d in documents]
    articles = [o for o in outcomes if isinstance(o, CleanArticle)]
    rejects += [o for o in outcomes if isinstance(o, Reject)]
    for reject in rejects:
        counts[f"rejected:{reject.stage}:{reject.reason}"] += 1
    counts["articles"] = len(articles)
    counts["embeds"] = sum(len(a.embeds) for a in articles)
    return BatchResult(documents=tuple(documents), articles=tuple(articles), rejects=tuple(rejects),
                       warnings=tuple(warnings), stage_counts=dict(counts))


def loaded_article_ids(settings: Settings, items: Iterable[ReadItem]) -> set[str]:
    """Articles of this batch the warehouse already holds, so a re-run does no work for them."""
    ids = [article_id_for(i.document_id, i.source_uri) for i in items if isinstance(i, RawDocument)]
    if not settings.warehouse.exists():
        return set()
    with warehouse.open_warehouse(settings) as con:
        return warehouse.existing_ids(con, "articles", "article_id", ids)


def run_batches(paths: Iterable[str | Path], settings: Settings, run_id: str) -> Counter[str]:
    """The whole pipeline without Prefect: same stages, same loads. Used by library callers and tests."""
    totals: Counter[str] = Counter()
    with ExtractionPool(settings) as pool:
        for batch in batches(read_inputs(paths, settings), settings.batch_size):
            result = transform(batch, settings, loaded_article_ids(settings, batch), pool)
            with warehouse.open_warehouse(settings) as con:
                result, loaded = load_new(con, result, run_id)
            totals.update(result.stage_counts)
            totals.update({"loaded_articles": loaded.articles, "loaded_documents": loaded.documents,
                           "unchanged_refetches": loaded.unchanged_refetches})
            totals.update(dedupe_batch(settings, result, loaded.load_id))
    totals.update(search.refresh_search_index(settings).as_counts())
    return totals


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


def dedupe_batch(settings: Settings, result: BatchResult, load_id: str) -> dict[str, int]:
    """Link the batch's articles to their copies loaded in this or any earlier run (see `ingest.dedupe.match`)."""
    return dedupe_loaded(settings, [a.article_id for a in result.articles], load_id)


def dedupe_loaded(settings: Settings, article_ids: list[str], load_id: str) -> dict[str, int]:
    """Deduplicate loaded articles (a batch just loaded, or a load an earlier run left undeduplicated)."""
    with warehouse.open_warehouse(settings) as con:
        return dedupe.dedupe_articles(con, article_ids, settings, load_id).as_counts()


def pending_work(settings: Settings, run_id: str) -> stage_state.PendingWork:
    """Mark the runs whose process died as crashed, then list the stage work they (or anyone) left undone."""
    with warehouse.open_warehouse(settings) as con:
        crashed = stage_state.mark_crashed(con)
        pending = stage_state.pending_work(con, run_id)
        return dataclasses.replace(pending, crashed_flow_runs=stage_state.flow_runs_of(con, crashed))


def enrich_inputs_for(settings: Settings, article_ids: list[str]) -> list[EnrichInput]:
    with warehouse.open_warehouse(settings) as con:
        return entity_store.articles_by_id(con, article_ids)

"""Re-run extraction and cleaning over the raw documents already stored, after an extractor upgrade.

Design: `articles` keeps one row per article_id, always the current extraction, so every table keyed by
article_id (embeds, duplicates, entity mentions) keeps pointing at the article analysts see. When a reprocess
changes an article, its previous row is copied into `superseded_articles` (with the reprocess id and the
extractor version that produced it) and the row is updated in place, all in one transaction per batch: a reader
sees either the old or the new extraction of a batch, never a mix. The view `reprocess_changes` sets old beside
new. An article the new extractor would reject is kept as it was (nothing silently dropped) and the rejection is
recorded in `rejects`; a stored document that had no article and now yields one gets its article inserted.

Later stages follow in the batch's own transaction (`after_batch` followers), so a killed reprocess leaves each
article either with its old text and everything derived from it, or with its new text and everything derived
from that, never a mix: `rededupe` forgets the fingerprints, links and stories of replaced articles whose text
changed and deduplicates them again with their former story-mates (a story linked only through the old text
splits), and links new articles to their copies; `reenrich` runs NER on every replaced or new article before
the transaction (the slow part, with the warehouse closed) and loads the mentions of the new text inside it.
Without `reenrich`, the mentions of a replaced article are dropped with its old text (they index it), which
leaves the article pending enrichment: the next run enriches it.

By default only articles extracted by another `extractor_version` (and documents without an article) are
reprocessed, so running it twice does the work once; `force` redoes everything. Memory is bounded by the
batch size: documents are read in keyset-paginated batches, the warehouse is closed between batches.

It takes the batch path's pieces (`ingest.pipeline`): the run starts with the explicit migration step, documents
are extracted on the run's worker pool under the per-page time limit, and every write holds the writer guard.
"""

from __future__ import annotations

import uuid
import zlib
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from ingest import pipeline
from ingest.dedupe import match as dedupe
from ingest.extract.html import EXTRACTOR_VERSION
from ingest.models import BatchResult, CleanArticle, RawDocument, Reject
from ingest.pipeline import BatchRun, RunWorkers
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store, reprocess_store, search

if TYPE_CHECKING:
    from ingest.entities.ner import Enricher, EnrichmentResult

class Follower(Protocol):
    """A later stage redone for a batch's replaced and new articles: `prepare` with the warehouse closed (NER),
    `apply` inside the batch's transaction; returns counts for the totals."""

    def prepare(self, settings: Settings, changed: list[CleanArticle]) -> Any: ...

    def apply(self, con: duckdb.DuckDBPyConnection, prepared: Any, changed: list[CleanArticle],
              settings: Settings, reprocess_id: str, load_id: str) -> dict[str, int]: ...


_COMPARED = ("title", "author", "published_at", "published_time", "date_source", "page_verdict", "language",
             "site_name", "description", "canonical_url", "tags", "body_text", "word_count", "extractor_version")
@dataclass(frozen=True)
class Target:
    document: RawDocument
    stored_document_id: str
    current: dict[str, Any] | None  # the article row as loaded, None when the document has no article


def reprocess(settings: Settings, since: date | None = None, force: bool = False,
              after_batch: Sequence[Follower] | None = None, reprocess_id: str | None = None,
              workers: RunWorkers | None = None) -> Counter[str]:
    """Reprocess every stored document first seen on or after `since`; returns counts per outcome. `workers`:
    the run's worker pools (its own when none are given)."""
    reprocess_id = reprocess_id or f"reprocess-{uuid.uuid4().hex[:12]}"
    after_batch = (rededupe,) if after_batch is None else after_batch
    with RunWorkers(settings) if workers is None else nullcontext(workers) as own:
        run = BatchRun(settings, reprocess_id, own)
        pipeline.begin_run(run, None, "reprocess", [f"since={since or 'all'}", f"force={force}"])
        totals: Counter[str] = Counter()
        after: tuple[str, str] = ("", "")
        status = "failed"
        try:
            while targets := _next_targets(settings, after, since, force):
                after = (targets[-1].stored_document_id, targets[-1].document.source_uri)
                totals.update(_reprocess_batch(run, targets, after_batch))
            if totals:  # re-extracted bodies are searched anew; nothing reprocessed, nothing to refresh ({})
                totals.update(search.refresh_search_index(settings).as_counts())
            status = "completed"
        finally:
            pipeline.end_run(run, status, dict(totals))
    return totals


def _next_targets(settings: Settings, after: tuple[str, str], since: date | None, force: bool) -> list[Target]:
    with warehouse.open_warehouse(settings, read_only=True) as con:
        rows = reprocess_store.target_rows(con, after, since, force, EXTRACTOR_VERSION, settings.batch_size)
        current = reprocess_store.current_articles(con, [row[9] for row in rows if row[9] is not None])
    targets = []
    for doc_id, uri, media, url, title, author, published, charset, raw, article_id in rows:
        document = RawDocument(source_uri=uri, media_type=media, content=zlib.decompress(raw), url=url,
                               declared_title=title, declared_author=author, declared_published=published,
                               charset=charset)
        targets.append(Target(document, doc_id, current.get(article_id) if article_id else None))
    return targets


def _reprocess_batch(run: BatchRun, targets: list[Target], after_batch: Sequence[Follower]) -> Counter[str]:
    settings, reprocess_id = run.settings, run.run_id
    counts: Counter[str] = Counter(documents=len(targets))
    replaced: list[CleanArticle] = []
    added: list[CleanArticle] = []
    rejects: list[Reject] = []
    mismatched = [t for t in targets if t.document.document_id != t.stored_document_id]
    if mismatched:
        counts["skipped:document_id_mismatch"] += len(mismatched)
    targets = [t for t in targets if t not in mismatched]
    outcomes = pipeline.extract_documents([t.document for t in targets], settings, run.workers.extraction)
    for target, outcome in zip(targets, outcomes, strict=True):
        if isinstance(outcome, Reject):
            rejects.append(outcome)
            counts["rejected_kept_previous" if target.current else "still_rejected"] += 1
        elif target.current is None:
            added.append(outcome)
        elif _same_extraction(target.current, outcome):
            counts["unchanged"] += 1
        else:
            replaced.append(outcome)
    counts.update(replaced=len(replaced), new_articles=len(added))
    if replaced or added or rejects:
        changed = [*replaced, *added]
        prepared = [follower.prepare(settings, changed) for follower in after_batch]  # the warehouse closed
        with run.writing() as con:
            counts.update(_write(con, Changes(replaced, added, rejects), reprocess_id, settings,
                                 list(zip(after_batch, prepared, strict=True))))
    return counts


@dataclass(frozen=True)
class Changes:
    replaced: list[CleanArticle]
    added: list[CleanArticle]
    rejects: list[Reject]


def _same_extraction(current: dict[str, Any], new: CleanArticle) -> bool:
    fresh = new.model_dump()
    fresh["tags"] = list(new.tags)
    return all(_normal(current.get(name)) == _normal(fresh.get(name)) for name in _COMPARED)


def _normal(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _write(con: duckdb.DuckDBPyConnection, changes: Changes, reprocess_id: str, settings: Settings,
           followers: list[tuple[Follower, Any]]) -> Counter[str]:
    """One transaction: archive the previous rows, update them in place, insert new articles and rejects, drop
    the replaced articles' mentions, then every follower's writes (new dedupe, new mentions)."""
    load_id = warehouse.new_load_id()
    replaced, added = changes.replaced, changes.added
    batch = BatchResult(documents=(), articles=(*replaced, *added), rejects=tuple(changes.rejects))
    tables = warehouse.batch_tables(batch, reprocess_id, load_id)
    counts: Counter[str] = Counter()
    with warehouse.transaction(con):
        if replaced:
            reprocess_store.archive_and_update(con, tables["articles"], [a.article_id for a in replaced],
                                               reprocess_id, load_id)
            entity_store.forget_enrichment(con, [a.article_id for a in replaced])
        inserted = {name: warehouse.insert_new(con, name, tables[name])
                    for name in ("articles", "article_embeds", "article_furniture", "rejects")}
        reprocess_store.record_load(con, load_id, reprocess_id, inserted["articles"] + len(replaced),
                                    inserted["article_embeds"], inserted["rejects"])
        for follower, prepared in followers:
            counts.update(follower.apply(con, prepared, [*replaced, *added], settings, reprocess_id, load_id))
    return counts


class _Rededupe:
    """Redo the dedupe of the replaced articles whose text changed (their stories are forgotten and re-linked, so
    a story held together only by an old text splits) and link the new articles to their copies."""

    def prepare(self, settings: Settings, changed: list[CleanArticle]) -> None:
        return None

    def apply(self, con: duckdb.DuckDBPyConnection, prepared: None, changed: list[CleanArticle],
              settings: Settings, reprocess_id: str, load_id: str) -> dict[str, int]:
        ids = [a.article_id for a in changed]
        return dedupe.rededupe_within(con, ids, settings, load_id).as_counts() if ids else {}


rededupe: Follower = _Rededupe()


class _Reenrich:
    """Re-run NER and resolution on the replaced and new articles: their mentions must index the new text."""

    def __init__(self, enricher: Enricher) -> None:
        self.enricher = enricher

    def prepare(self, settings: Settings, changed: list[CleanArticle]) -> EnrichmentResult | None:
        from ingest.entities.ner import inputs_from_articles

        return self.enricher.annotate(inputs_from_articles(changed)) if changed else None

    def apply(self, con: duckdb.DuckDBPyConnection, prepared: EnrichmentResult | None, changed: list[CleanArticle],
              settings: Settings, reprocess_id: str, load_id: str) -> dict[str, int]:
        if prepared is None:
            return {}
        loaded = entity_store.apply_enrichment(con, prepared, reprocess_id, self.enricher.gazetteer,
                                               warehouse.new_load_id())
        return {f"reenrich_{key}": value for key, value in loaded.as_counts().items()}


def reenrich(enricher: Enricher) -> Follower:
    return _Reenrich(enricher)

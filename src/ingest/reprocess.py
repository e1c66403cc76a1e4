"""Re-run extraction and cleaning over the raw documents already stored, after an extractor upgrade.

Design: `articles` keeps one row per article_id, always the current extraction, so every table keyed by
article_id (embeds, duplicates, entity mentions) keeps pointing at the article analysts see. When a reprocess
changes an article, its previous row is copied into `superseded_articles` (with the reprocess id and the
extractor version that produced it) and the row is updated in place, all in one transaction per batch: a reader
sees either the old or the new extraction of a batch, never a mix. The view `reprocess_changes` sets old beside
new. An article the new extractor would reject is kept as it was (nothing silently dropped) and the rejection is
recorded in `rejects`; a stored document that had no article and now yields one gets its article inserted.

Later stages follow through `after_batch` hooks run once a batch is committed: `reenrich` re-runs NER on every
replaced or new article (mentions must index the new text), `rededupe` forgets the fingerprints, links and
stories of replaced articles whose text changed and deduplicates them again with their former story-mates
(a story linked only through the old text splits), and links new articles to their copies.

By default only articles extracted by another `extractor_version` (and documents without an article) are
reprocessed, so running it twice does the work once; `force` redoes everything. Memory is bounded by the
batch size: documents are read in keyset-paginated batches, the warehouse is closed between batches.
"""

from __future__ import annotations

import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from ingest import dedupe, entity_store, search, warehouse
from ingest.extract import EXTRACTOR_VERSION
from ingest.models import BatchResult, CleanArticle, RawDocument, Reject, utc_now
from ingest.parallel import extract_and_clean
from ingest.settings import Settings

if TYPE_CHECKING:
    from ingest.entities import Enricher

# Called after each batch's transaction (the warehouse closed) with the replaced and the new articles, so later
# stages redo their work for them (see `rededupe`, `reenrich`). Returns counts for the totals.
AfterBatch = Callable[[Settings, list[CleanArticle], list[CleanArticle], str, str], dict[str, int]]

_COMPARED = ("title", "author", "published_at", "published_time", "date_source", "page_verdict", "language",
             "site_name", "description", "canonical_url", "tags", "body_text", "word_count", "extractor_version")
_UPDATED = ("url", "canonical_url", "title", "author", "published_at", "published_time", "date_source",
            "page_verdict", "language", "site_name", "description", "tags", "body_text", "word_count",
            "extractor_version", "load_id")
_ARCHIVED = ("article_id", "extractor_version", "title", "author", "published_at", "published_time", "date_source",
             "page_verdict", "language", "site_name", "description", "canonical_url", "tags", "body_text",
             "word_count", "ingested_at")


@dataclass(frozen=True)
class Target:
    document: RawDocument
    stored_document_id: str
    current: dict[str, Any] | None  # the article row as loaded, None when the document has no article


def reprocess(settings: Settings, since: date | None = None, force: bool = False,
              after_batch: Sequence[AfterBatch] = (), reprocess_id: str | None = None) -> Counter[str]:
    """Reprocess every stored document first seen on or after `since`; returns counts per outcome."""
    reprocess_id = reprocess_id or f"reprocess-{uuid.uuid4().hex[:12]}"
    totals: Counter[str] = Counter()
    with warehouse.open_warehouse(settings) as con:
        warehouse.start_run(con, reprocess_id, None, "reprocess", [f"since={since or 'all'}", f"force={force}"])
    after: tuple[str, str] = ("", "")
    status = "failed"
    try:
        while targets := _next_targets(settings, after, since, force):
            after = (targets[-1].stored_document_id, targets[-1].document.source_uri)
            totals.update(_reprocess_batch(settings, targets, reprocess_id, after_batch))
        if totals:  # re-extracted bodies are searched anew; nothing reprocessed, nothing to refresh (counts stay {})
            totals.update(search.refresh_search_index(settings).as_counts())
        status = "completed"
    finally:
        with warehouse.open_warehouse(settings) as con:
            warehouse.finish_run(con, reprocess_id, status, dict(totals))
    return totals


_TARGETS = """
with targets as (
    select a.document_id, a.source_uri, a.article_id from articles a
    union all
    select d.document_id, d.source_uri, null from documents d
    where not exists (select 1 from articles a where a.document_id = d.document_id)
)
select t.document_id, t.source_uri, d.media_type, d.url, d.declared_title, d.declared_author,
       d.declared_published, d.charset, d.raw_zlib, t.article_id
from targets t
join documents d using (document_id)
left join articles a on a.article_id = t.article_id
where (t.document_id > $doc or (t.document_id = $doc and t.source_uri > $uri))
  and ($since is null or d.first_seen_at >= $since)
  and ($force or a.extractor_version is distinct from $version)
order by t.document_id, t.source_uri
limit $limit
"""


def _next_targets(settings: Settings, after: tuple[str, str], since: date | None, force: bool) -> list[Target]:
    with warehouse.open_warehouse(settings, read_only=True) as con:
        rows = con.execute(_TARGETS, {"doc": after[0], "uri": after[1], "since": since, "force": force,
                                      "version": EXTRACTOR_VERSION, "limit": settings.batch_size}).fetchall()
        article_ids = [row[9] for row in rows if row[9] is not None]
        current = _current_articles(con, article_ids)
    targets = []
    for doc_id, uri, media, url, title, author, published, charset, raw, article_id in rows:
        document = RawDocument(source_uri=uri, media_type=media, content=zlib.decompress(raw), url=url,
                               declared_title=title, declared_author=author, declared_published=published,
                               charset=charset)
        targets.append(Target(document, doc_id, current.get(article_id) if article_id else None))
    return targets


def _current_articles(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not article_ids:
        return {}
    con.register("wanted", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    try:
        cursor = con.execute("select * from articles where article_id in (select article_id from wanted)")
        columns = [d[0] for d in cursor.description or []]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.unregister("wanted")


def _reprocess_batch(settings: Settings, targets: list[Target], reprocess_id: str,
                     after_batch: Sequence[AfterBatch]) -> Counter[str]:
    counts: Counter[str] = Counter(documents=len(targets))
    replaced: list[CleanArticle] = []
    added: list[CleanArticle] = []
    rejects: list[Reject] = []
    for target in targets:
        if target.document.document_id != target.stored_document_id:
            counts["skipped:document_id_mismatch"] += 1
            continue
        outcome = extract_and_clean(target.document, settings)
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
        with warehouse.open_warehouse(settings) as con:
            load_id = _write(con, replaced, added, rejects, reprocess_id)
        for hook in after_batch:
            counts.update(hook(settings, replaced, added, reprocess_id, load_id))
    return counts


def _same_extraction(current: dict[str, Any], new: CleanArticle) -> bool:
    fresh = new.model_dump()
    fresh["tags"] = list(new.tags)
    return all(_normal(current.get(name)) == _normal(fresh.get(name)) for name in _COMPARED)


def _normal(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _write(con: duckdb.DuckDBPyConnection, replaced: list[CleanArticle], added: list[CleanArticle],
           rejects: list[Reject], reprocess_id: str) -> str:
    """One transaction: archive the previous rows, update them in place, insert new articles and rejects."""
    load_id = warehouse.new_load_id()
    batch = BatchResult(documents=(), articles=(*replaced, *added), rejects=tuple(rejects))
    tables = warehouse.batch_tables(batch, reprocess_id, load_id)
    con.execute("begin transaction")
    try:
        if replaced:
            _archive_and_update(con, tables["articles"], [a.article_id for a in replaced], reprocess_id, load_id)
        inserted = {name: warehouse.insert_new(con, name, tables[name])
                    for name in ("articles", "article_embeds", "article_furniture", "rejects")}
        con.execute("insert into loads values (?, ?, ?, ?, ?, ?, ?)",
                    [load_id, reprocess_id, utc_now(), 0, inserted["articles"] + len(replaced),
                     inserted["article_embeds"], inserted["rejects"]])
        con.execute("commit")
    except BaseException:
        warehouse.rollback(con)
        raise
    return load_id


def _archive_and_update(con: duckdb.DuckDBPyConnection, incoming: pa.Table, replaced_ids: list[str],
                        reprocess_id: str, load_id: str) -> None:
    """Copy the current rows to superseded_articles, update them from `incoming`, drop their old embeds."""
    con.register("incoming", incoming)
    con.register("replaced_ids", pa.table({"article_id": pa.array(replaced_ids, pa.string())}))
    try:
        archived = ", ".join(_ARCHIVED)
        con.execute(
            f"insert into superseded_articles ({archived}, reprocess_id, superseded_at, load_id) "
            f"select {archived}, $rid, $now, $load_id from articles "
            "where article_id in (select article_id from replaced_ids)",
            {"rid": reprocess_id, "load_id": load_id, "now": utc_now()})
        assignments = ", ".join(f'"{c}" = i."{c}"' for c in _UPDATED)
        con.execute(f"update articles a set {assignments} from incoming i where a.article_id = i.article_id "
                    "and a.article_id in (select article_id from replaced_ids)")
        for child in ("article_embeds", "article_furniture"):
            con.execute(f"delete from {child} where article_id in (select article_id from replaced_ids)")
    finally:
        con.unregister("incoming")
        con.unregister("replaced_ids")


def rededupe(settings: Settings, replaced: list[CleanArticle], added: list[CleanArticle], reprocess_id: str,
             load_id: str) -> dict[str, int]:
    """Redo the dedupe of the replaced articles whose text changed (their stories are forgotten and re-linked, so
    a story held together only by an old text splits) and link the new articles to their copies."""
    if not (replaced or added):
        return {}
    with warehouse.open_warehouse(settings) as con:
        ids = [a.article_id for a in (*replaced, *added)]
        return dedupe.rededupe_articles(con, ids, settings, load_id).as_counts()


def reenrich(enricher: Enricher) -> AfterBatch:
    """Re-run NER and resolution on the replaced and new articles: their mentions must index the new text."""
    from ingest.entities import inputs_from_articles

    def hook(settings: Settings, replaced: list[CleanArticle], added: list[CleanArticle], reprocess_id: str,
             load_id: str) -> dict[str, int]:
        if not (replaced or added):
            return {}
        result = enricher.annotate(inputs_from_articles([*replaced, *added]))  # the warehouse stays closed
        with warehouse.open_warehouse(settings) as con:
            loaded = entity_store.load_enrichment(con, result, reprocess_id, enricher.gazetteer)
        return {f"reenrich_{key}": value for key, value in loaded.as_counts().items()}

    return hook

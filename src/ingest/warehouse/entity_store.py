"""Load and read back entity enrichment (migration 002). Bulk Arrow inserts, one transaction per batch.

Re-enriching an article replaces everything it contributed (mentions, salience, status) inside the same
transaction, so a re-run never duplicates. Each load then settles the warehouse-wide entity of every name it
touched (ingest.entities.consolidate, migration 009): mentions, salience and aliases move to it, and an article-level
entity no mention carries any more leaves `entities`. Each touched entity's first/last seen dates are
recomputed from the mentions that remain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from ingest.entities.consolidate import LocalEntity, consolidate
from ingest.entities.gazetteer import Gazetteer
from ingest.entities.ner import ArticleEntity, EnrichInput, EnrichmentResult, lead_end
from ingest.entities.resolve import entity_id_for, name_key
from ingest.models import utc_now
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.serialised import serialised
from ingest.warehouse.statements import statement
from ingest.warehouse.writer_lock import serialising


@dataclass(frozen=True)
class EnrichCounts:
    load_id: str
    articles: int
    mentions: int
    new_entities: int
    rejects: int

    def as_counts(self) -> dict[str, int]:
        return {"enriched_articles": self.articles, "mentions_loaded": self.mentions,
                "entities_new": self.new_entities, "enrich_rejects": self.rejects}


def load_enrichment(con: duckdb.DuckDBPyConnection, result: EnrichmentResult, run_id: str,
                    gazetteer: Gazetteer | None = None) -> EnrichCounts:
    """Replace the enrichment of the result's articles, atomically (and the gazetteer copy if it changed); on a
    lake under its writer lock (entities are shared by every article, their first/last seen recomputed)."""
    with serialising(con), warehouse.transaction(con):
        return apply_enrichment(con, result, run_id, gazetteer, warehouse.new_load_id())


def apply_enrichment(con: duckdb.DuckDBPyConnection, result: EnrichmentResult, run_id: str,
                     gazetteer: Gazetteer | None, load_id: str) -> EnrichCounts:
    """`load_enrichment` inside the caller's transaction (a reprocess writes the new text and its mentions
    together)."""
    tables = _result_tables(result, run_id, load_id)
    if gazetteer is not None:
        load_gazetteer_if_changed(con, gazetteer, load_id)
    incoming = {f"incoming_{name}": table for name, table in tables.items()}
    with warehouse.registered(con, {**incoming, "forget_articles": tables["statuses"]}):
        touched = con.execute(statement("entities/touched_entities")).to_arrow_table()
        previous = con.execute(statement("entities/previous_local_entities")).to_arrow_table()
        _clear_enrichment(con)
        con.execute(statement("entities/insert_statuses"))
        new_entities = _scalar(con, "entities/insert_entities")
        for name in ("entities/update_entity_ids", "entities/insert_aliases", "entities/insert_mentions",
                     "entities/insert_salience"):
            con.execute(statement(name))
        touched = pa.concat_tables([touched, consolidate_entities(con, gazetteer, load_id, previous)])
        _refresh_seen(con, touched)
        rejects = _scalar(con, "entities/insert_rejects")
    return EnrichCounts(load_id, len(result.articles), len(result.mentions), new_entities, rejects)


def forget_enrichment(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Drop the mentions, salience and status of articles whose text changed (inside the caller's transaction):
    offsets into an old text must never sit beside the new one. The articles are then pending enrichment."""
    with warehouse.registered(con, {"forget_articles": _id_table(article_ids)}):
        touched = con.execute(statement("entities/forgotten_entities")).to_arrow_table()
        _clear_enrichment(con)
        _refresh_seen(con, touched)


def _id_table(article_ids: Sequence[str]) -> pa.Table:
    return pa.table({"article_id": pa.array(list(article_ids), pa.string())})


def _clear_enrichment(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the mentions, salience and status of the articles registered as `forget_articles`."""
    for name in ("entities/clear_mentions", "entities/clear_salience", "entities/clear_status"):
        con.execute(statement(name))


def _scalar(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """The one number the named statement answers (the rows an insert wrote)."""
    row = con.execute(statement(name)).fetchone()
    return int(row[0]) if row else 0


@serialised("entity first/last seen")
def _refresh_seen(con: duckdb.DuckDBPyConnection, touched: pa.Table) -> None:
    with warehouse.registered(con, {"touched_entities": touched}):
        con.execute(statement("entities/refresh_seen"))


def _result_tables(result: EnrichmentResult, run_id: str, load_id: str) -> dict[str, pa.Table]:
    now = utc_now()
    versions = {"model_version": result.model_version, "resolver_version": result.resolver_version,
                "gazetteer_version": result.gazetteer_version}
    rejects = [{"reject_id": warehouse.reject_id_for(r.input, r.stage, r.reason), "input": r.input,
                "stage": r.stage, "reason": r.reason, "detail": r.detail, "run_id": run_id, "rejected_at": now,
                "load_id": load_id} for r in result.rejects]
    return {
        "statuses": _table([{**a.model_dump(), **versions, "run_id": run_id, "enriched_at": now, "load_id": load_id}
                            for a in result.articles], _STATUS_SCHEMA),
        "entities": _table([{**e.model_dump(), "first_seen": None, "last_seen": None, "created_at": now,
                             "load_id": load_id} for e in result.entities], _ENTITY_SCHEMA),
        "aliases": _table([{**a.model_dump(), "first_seen_at": now, "load_id": load_id} for a in result.aliases],
                          _ALIAS_SCHEMA),
        "local_names": _table([{"entity_id": e.entity_id, "name": e.name, "name_key": name_key(e.name),
                                "type": e.type, "wikidata_id": e.wikidata_id} for e in result.entities],
                              _LOCAL_NAME_SCHEMA),
        "mentions": _table([{**m.model_dump(), "local_entity_id": m.entity_id, "model_version": result.model_version,
                             "load_id": load_id} for m in result.mentions], _MENTION_SCHEMA),
        "article_entities": _table([{**s.model_dump(), "load_id": load_id} for s in result.article_entities],
                                   _SALIENCE_SCHEMA),
        "rejects": _table(rejects, _REJECT_SCHEMA),
    }


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Typed even when empty, so `insert ... select *` always lines up."""
    return pa.Table.from_pylist(rows, schema=schema)


_S, _I, _B, _T = pa.string(), pa.int32(), pa.bool_(), pa.timestamp("us")
_STATUS_SCHEMA = pa.schema([("article_id", _S), ("status", _S), ("reason", _S), ("mentions", _I),
                            ("entities", _I), ("model_version", _S), ("resolver_version", _S),
                            ("gazetteer_version", _S), ("text_hash", _S), ("run_id", _S), ("enriched_at", _T),
                            ("load_id", _S)])
_ENTITY_SCHEMA = pa.schema([("entity_id", _S), ("name", _S), ("type", _S), ("wikidata_id", _S), ("geonames_id", _S),
                            ("first_seen", pa.date32()), ("last_seen", pa.date32()), ("created_at", _T),
                            ("load_id", _S)])
_LOCAL_NAME_SCHEMA = pa.schema([("entity_id", _S), ("name", _S), ("name_key", _S), ("type", _S), ("wikidata_id", _S)])
_ALIAS_SCHEMA = pa.schema([("entity_id", _S), ("alias", _S), ("first_seen_at", _T), ("load_id", _S)])
_MENTION_SCHEMA = pa.schema([("article_id", _S), ("field", _S), ("start_char", _I), ("end_char", _I),
                             ("entity_id", _S), ("surface", _S), ("label", _S), ("source", _S),
                             ("sentence_index", _I), ("local_entity_id", _S), ("model_version", _S),
                             ("load_id", _S)])
_REJECT_SCHEMA = pa.schema([("reject_id", _S), ("input", _S), ("stage", _S), ("reason", _S), ("detail", _S),
                           ("run_id", _S), ("rejected_at", _T), ("load_id", _S)])
_SALIENCE_SCHEMA = pa.schema([("article_id", _S), ("entity_id", _S), ("mentions", _I), ("first_char", _I),
                              ("first_sentence", _I), ("in_title", _B), ("in_lead", _B), ("load_id", _S)])


def load_gazetteer_if_changed(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer, load_id: str) -> bool:
    """Replace the warehouse copy of the gazetteer when its version differs (the caller owns the transaction)."""
    stored = con.execute(statement("entities/gazetteer_versions")).fetchall()
    if stored == [(gazetteer.version,)]:
        return False
    rows = [{"entity_id": entity_id_for(e.type, e.name), "name": e.name, "type": e.type,
             "wikidata_id": e.wikidata_id, "aliases": list(e.aliases), "iso_alpha2": e.iso_alpha2,
             "iso_alpha3": e.iso_alpha3, "rescue": e.rescue, "geonames_id": e.geonames_id,
             "gazetteer_version": gazetteer.version,
             "load_id": load_id} for e in gazetteer.entries]
    with warehouse.registered(con, {"incoming_gazetteer": pa.Table.from_pylist(rows)}):
        con.execute(statement("entities/clear_gazetteer"))
        con.execute(statement("entities/insert_gazetteer"))
    return True


def articles_to_enrich(settings: Settings, since: date | None = None, stale_only: bool = False,
                       batch_size: int | None = None) -> Iterator[list[EnrichInput]]:
    """Articles already in the warehouse, a page at a time (keyset by article_id), the file closed in between."""
    after = ""
    while True:
        with warehouse.open_warehouse(settings) as con:
            page = articles_page(con, after, since, stale_only, batch_size or settings.batch_size)
        if not page:
            return
        yield page
        after = page[-1].article_id


def articles_page(con: duckdb.DuckDBPyConnection, after: str, since: date | None, stale_only: bool,
                  size: int) -> list[EnrichInput]:
    """The next `size` articles after `after` (by id): dated on or after `since`; with `stale_only`, only
    articles never enriched or whose title or body changed since (`ingest reprocess` re-extracts them)."""
    name = "entities/stale_articles_page" if stale_only else "entities/articles_page"
    rows = con.execute(statement(name), {"after": after, "since": since, "size": size}).fetchall()
    return [EnrichInput(article_id=r[0], source_uri=r[1], title=r[2], body_text=r[3], language=r[4]) for r in rows]


def articles_by_id(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[EnrichInput]:
    """What enrichment needs of these loaded articles, in article_id order."""
    with warehouse.registered(con, {"wanted_articles": _id_table(article_ids)}):
        rows = con.execute(statement("entities/articles_by_id")).fetchall()
    return [EnrichInput(article_id=r[0], source_uri=r[1], title=r[2], body_text=r[3], language=r[4]) for r in rows]


@dataclass(frozen=True)
class StoredMention:
    """A mention as the warehouse holds it, with the text its offsets index (for scoring against gold)."""

    article_id: str
    source_uri: str
    title: str | None
    body_text: str
    field: str
    start_char: int
    end_char: int
    entity_id: str
    type: str


def stored_mentions(con: duckdb.DuckDBPyConnection) -> list[StoredMention]:
    rows = con.execute(statement("entities/stored_mentions")).fetchall()
    return [StoredMention(*row) for row in rows]


def consolidate_entities(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None, load_id: str,
                         previous: pa.Table) -> pa.Table:
    """Settle the warehouse-wide entity of every name the incoming batch touches, or touched before it was
    re-enriched (`previous` local entity ids; see ingest.entities.consolidate), and move mentions, aliases and salience
    to it. Returns the entity ids whose mentions changed."""
    con.execute(statement("entities/insert_local_names"), [load_id])
    with warehouse.registered(con, {"previous_local": previous}):
        local = [LocalEntity(*row) for row in con.execute(statement("entities/affected_local_entities")).fetchall()]
    decided = consolidate([e for e in local if e.mentions], gazetteer)
    rows = [{"local_entity_id": local_id, "entity_id": c.entity_id, "name": c.name, "type": c.type,
             "wikidata_id": c.wikidata_id} for local_id, c in decided.items()]
    with warehouse.registered(con, {"canonical": pa.Table.from_pylist(rows, schema=_CANONICAL_SCHEMA)}):
        return _move_to_canonical(con, load_id)


def _move_to_canonical(con: duckdb.DuckDBPyConnection, load_id: str) -> pa.Table:
    moved = con.execute(statement("entities/moved_mentions")).to_arrow_table()
    if not moved.num_rows:
        return pa.table({"entity_id": pa.array([], pa.string())})
    with warehouse.registered(con, {"moved": moved}):
        con.execute(statement("entities/insert_canonical_entities"), [load_id])
        con.execute(statement("entities/update_mention_entities"))
        con.execute(statement("entities/insert_moved_aliases"), [load_id])
        _rebuild_salience(con, load_id)
        con.execute(statement("entities/delete_orphan_aliases"))
        con.execute(statement("entities/delete_orphan_entities"))
        return con.execute(statement("entities/moved_to_entities")).to_arrow_table()


def _rebuild_salience(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """Salience of the moved articles, recomputed from their mentions as they now are."""
    bodies = dict(con.execute(statement("entities/moved_bodies")).fetchall())
    mentions = con.execute(statement("entities/moved_article_mentions")).fetchall()
    grouped: dict[tuple[str, str], list[tuple[str, int, int | None]]] = {}
    for article_id, entity_id, field, start, sentence in mentions:
        grouped.setdefault((article_id, entity_id), []).append((field, start, sentence))
    leads = {article_id: lead_end(body) for article_id, body in bodies.items()}
    rows = []
    for (article_id, entity_id), group in grouped.items():
        body = [(start, sentence) for field, start, sentence in group if field == "body"]
        first = min(body) if body else None
        rows.append({**ArticleEntity(
            article_id=article_id, entity_id=entity_id, mentions=len(group),
            first_char=first[0] if first else None, first_sentence=first[1] if first else None,
            in_title=any(field == "title" for field, _, _ in group),
            in_lead=first is not None and first[0] < leads.get(article_id, 0),
        ).model_dump(), "load_id": load_id})
    with warehouse.registered(con, {"rebuilt_salience": _table(rows, _SALIENCE_SCHEMA)}):
        con.execute(statement("entities/clear_moved_salience"))
        con.execute(statement("entities/insert_rebuilt_salience"))


_CANONICAL_SCHEMA = pa.schema([("local_entity_id", _S), ("entity_id", _S), ("name", _S), ("type", _S),
                               ("wikidata_id", _S)])

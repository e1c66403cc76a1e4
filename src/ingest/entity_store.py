"""Load and read back entity enrichment (migration 002). Bulk Arrow inserts, one transaction per batch.

Re-enriching an article replaces everything it contributed (mentions, salience, status) inside the same
transaction, so a re-run never duplicates; entities and aliases are only ever added to, and each touched
entity's first/last seen dates are recomputed from the mentions that remain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from ingest import warehouse
from ingest.entities import EnrichInput, EnrichmentResult
from ingest.gazetteer import Gazetteer
from ingest.models import utc_now
from ingest.resolve import entity_id_for
from ingest.settings import Settings

# The same fingerprint as EnrichInput.text_hash, computed from an articles row.
TEXT_HASH_SQL = "md5(coalesce(a.title, '') || chr(0) || a.body_text)"


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
    """Replace the enrichment of the result's articles, atomically (and the gazetteer copy if it changed)."""
    con.execute("begin transaction")
    try:
        counts = apply_enrichment(con, result, run_id, gazetteer, warehouse.new_load_id())
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def apply_enrichment(con: duckdb.DuckDBPyConnection, result: EnrichmentResult, run_id: str,
                     gazetteer: Gazetteer | None, load_id: str) -> EnrichCounts:
    """`load_enrichment` inside the caller's transaction (a reprocess writes the new text and its mentions
    together)."""
    tables = _result_tables(result, run_id, load_id)
    try:
        if gazetteer is not None:
            load_gazetteer_if_changed(con, gazetteer, load_id)
        for name, table in tables.items():
            con.register(f"incoming_{name}", table)
        touched = _touched_entities(con)
        for target in ("entity_mentions", "article_entities", "article_enrichment"):
            con.execute(f"delete from {target} where article_id in (select article_id from incoming_statuses)")
        con.execute("insert into article_enrichment by name select * from incoming_statuses")
        new_entities = _scalar(con, "insert into entities by name select * from incoming_entities i "
                                    "where not exists (select 1 from entities e where e.entity_id = i.entity_id)")
        con.execute("update entities set wikidata_id = i.wikidata_id from incoming_entities i "
                    "where entities.entity_id = i.entity_id and i.wikidata_id is not null "
                    "and entities.wikidata_id is distinct from i.wikidata_id")
        con.execute("insert into entity_aliases by name select * from incoming_aliases i where not exists "
                    "(select 1 from entity_aliases a where a.entity_id = i.entity_id and a.alias = i.alias)")
        con.execute("insert into entity_mentions by name select * from incoming_mentions")
        con.execute("insert into article_entities by name select * from incoming_article_entities")
        _refresh_seen(con, touched)
        rejects = _scalar(con, "insert into rejects by name select * from incoming_rejects i where not exists "
                               "(select 1 from rejects r where r.reject_id = i.reject_id)")
    finally:
        for name in tables:
            con.unregister(f"incoming_{name}")
    return EnrichCounts(load_id, len(result.articles), len(result.mentions), new_entities, rejects)


def forget_enrichment(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> None:
    """Drop the mentions, salience and status of articles whose text changed (inside the caller's transaction):
    offsets into an old text must never sit beside the new one. The articles are then pending enrichment."""
    con.register("forget_articles", pa.table({"article_id": pa.array(list(article_ids), pa.string())}))
    try:
        touched = con.execute("select distinct entity_id from article_entities "
                              "semi join forget_articles using (article_id)").to_arrow_table()
        for target in ("entity_mentions", "article_entities", "article_enrichment"):
            con.execute(f"delete from {target} where article_id in (select article_id from forget_articles)")
        _refresh_seen(con, touched)
    finally:
        con.unregister("forget_articles")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _touched_entities(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Entities the batch's articles named before this load and name now: their seen dates may change."""
    return con.execute(
        "select entity_id from article_entities where article_id in (select article_id from incoming_statuses) "
        "union select entity_id from incoming_entities"
    ).to_arrow_table()


def _refresh_seen(con: duckdb.DuckDBPyConnection, touched: pa.Table) -> None:
    con.register("touched_entities", touched)
    try:
        con.execute(
            "update entities set first_seen = s.first_seen, last_seen = s.last_seen from ("
            "  select t.entity_id,"
            "         min(coalesce(a.published_at, cast(a.ingested_at as date))) as first_seen,"
            "         max(coalesce(a.published_at, cast(a.ingested_at as date))) as last_seen"
            "  from touched_entities t"
            "  left join article_entities ae on ae.entity_id = t.entity_id"
            "  left join articles a on a.article_id = ae.article_id"
            "  group by t.entity_id"
            ") s where entities.entity_id = s.entity_id"
        )
    finally:
        con.unregister("touched_entities")


def _result_tables(result: EnrichmentResult, run_id: str, load_id: str) -> dict[str, pa.Table]:
    now = utc_now()
    versions = {"model_version": result.model_version, "resolver_version": result.resolver_version,
                "gazetteer_version": result.gazetteer_version}
    rejects = [{"reject_id": warehouse.reject_id_for(r.input, r.stage, r.reason), "input": r.input,
                "stage": r.stage, "reason": r.reason, "detail": r.detail, "run_id": run_id, "at": now,
                "load_id": load_id} for r in result.rejects]
    return {
        "statuses": _table([{**a.model_dump(), **versions, "run_id": run_id, "enriched_at": now, "load_id": load_id}
                            for a in result.articles], _STATUS_SCHEMA),
        "entities": _table([{**e.model_dump(), "first_seen": None, "last_seen": None, "created_at": now,
                             "load_id": load_id} for e in result.entities], _ENTITY_SCHEMA),
        "aliases": _table([{**a.model_dump(), "first_seen_at": now, "load_id": load_id} for a in result.aliases],
                          _ALIAS_SCHEMA),
        "mentions": _table([{**m.model_dump(), "model_version": result.model_version, "load_id": load_id}
                            for m in result.mentions], _MENTION_SCHEMA),
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
_ENTITY_SCHEMA = pa.schema([("entity_id", _S), ("name", _S), ("type", _S), ("wikidata_id", _S),
                            ("first_seen", pa.date32()), ("last_seen", pa.date32()), ("created_at", _T),
                            ("load_id", _S)])
_ALIAS_SCHEMA = pa.schema([("entity_id", _S), ("alias", _S), ("first_seen_at", _T), ("load_id", _S)])
_MENTION_SCHEMA = pa.schema([("article_id", _S), ("field", _S), ("start_char", _I), ("end_char", _I),
                             ("entity_id", _S), ("surface", _S), ("label", _S), ("source", _S),
                             ("sentence_index", _I), ("model_version", _S), ("load_id", _S)])
_REJECT_SCHEMA = pa.schema([("reject_id", _S), ("input", _S), ("stage", _S), ("reason", _S), ("detail", _S),
                           ("run_id", _S), ("at", _T), ("load_id", _S)])
_SALIENCE_SCHEMA = pa.schema([("article_id", _S), ("entity_id", _S), ("mentions", _I), ("first_char", _I),
                              ("first_sentence", _I), ("in_title", _B), ("in_lead", _B), ("load_id", _S)])


def load_gazetteer_if_changed(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer, load_id: str) -> bool:
    """Replace the warehouse copy of the gazetteer when its version differs (the caller owns the transaction)."""
    stored = con.execute("select distinct gazetteer_version from gazetteer").fetchall()
    if stored == [(gazetteer.version,)]:
        return False
    rows = [{"entity_id": entity_id_for(e.type, e.name), "name": e.name, "type": e.type,
             "wikidata_id": e.wikidata_id, "aliases": list(e.aliases), "iso_alpha2": e.iso_alpha2,
             "iso_alpha3": e.iso_alpha3, "rescue": e.rescue, "gazetteer_version": gazetteer.version,
             "load_id": load_id} for e in gazetteer.entries]
    con.register("incoming_gazetteer", pa.Table.from_pylist(rows))
    try:
        con.execute("delete from gazetteer")
        con.execute("insert into gazetteer by name select * from incoming_gazetteer")
    finally:
        con.unregister("incoming_gazetteer")
    return True


def load_gazetteer(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer) -> bool:
    """Load the gazetteer in its own transaction; True when the warehouse copy changed."""
    con.execute("begin transaction")
    try:
        changed = load_gazetteer_if_changed(con, gazetteer, warehouse.new_load_id())
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return changed


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
    conditions = ["a.article_id > ?"]
    parameters: list[Any] = [after]
    if since is not None:
        conditions.append("coalesce(a.published_at, cast(a.ingested_at as date)) >= ?")
        parameters.append(since)
    if stale_only:
        conditions.append(f"not exists (select 1 from article_enrichment e where e.article_id = a.article_id "
                          f"and e.text_hash = {TEXT_HASH_SQL})")
    rows = con.execute(
        "select a.article_id, a.source_uri, a.title, a.body_text, a.language from articles a "
        f"where {' and '.join(conditions)} order by a.article_id limit ?", [*parameters, size],
    ).fetchall()
    return [EnrichInput(article_id=r[0], source_uri=r[1], title=r[2], body_text=r[3], language=r[4]) for r in rows]


def articles_by_id(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[EnrichInput]:
    """What enrichment needs of these loaded articles, in article_id order."""
    con.register("wanted_articles", pa.table({"article_id": pa.array(list(article_ids), pa.string())}))
    try:
        rows = con.execute("select a.article_id, a.source_uri, a.title, a.body_text, a.language from articles a "
                           "semi join wanted_articles w using (article_id) order by a.article_id").fetchall()
    finally:
        con.unregister("wanted_articles")
    return [EnrichInput(article_id=r[0], source_uri=r[1], title=r[2], body_text=r[3], language=r[4]) for r in rows]


def enrichment_counts(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, int]:
    """Rows held for these articles, by table: what a re-run must leave unchanged."""
    con.register("probe_articles", pa.table({"article_id": pa.array(list(article_ids), pa.string())}))
    try:
        return {table: _scalar(con, f"select count(*) from {table} where article_id in "
                                    "(select article_id from probe_articles)")
                for table in ("entity_mentions", "article_entities", "article_enrichment")}
    finally:
        con.unregister("probe_articles")

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
        warehouse.rollback(con)
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
        previous = con.execute("select distinct local_entity_id as entity_id from entity_mentions where article_id "
                               "in (select article_id from incoming_statuses)").to_arrow_table()
        for target in ("entity_mentions", "article_entities", "article_enrichment"):
            con.execute(f"delete from {target} where article_id in (select article_id from incoming_statuses)")
        con.execute("insert into article_enrichment by name select * from incoming_statuses")
        new_entities = _scalar(con, "insert into entities by name select * from incoming_entities i "
                                    "where not exists (select 1 from entities e where e.entity_id = i.entity_id)")
        con.execute("update entities set wikidata_id = coalesce(i.wikidata_id, entities.wikidata_id), "
                    "geonames_id = coalesce(i.geonames_id, entities.geonames_id) from incoming_entities i "
                    "where entities.entity_id = i.entity_id "
                    "and (entities.wikidata_id is distinct from coalesce(i.wikidata_id, entities.wikidata_id) "
                    "or entities.geonames_id is distinct from coalesce(i.geonames_id, entities.geonames_id))")
        con.execute("insert into entity_aliases by name select * from incoming_aliases i where not exists "
                    "(select 1 from entity_aliases a where a.entity_id = i.entity_id and a.alias = i.alias)")
        con.execute("insert into entity_mentions by name select * from incoming_mentions")
        con.execute("insert into article_entities by name select * from incoming_article_entities")
        touched = pa.concat_tables([touched, consolidate_entities(con, gazetteer, load_id, previous)])
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
    stored = con.execute("select distinct gazetteer_version from gazetteer").fetchall()
    if stored == [(gazetteer.version,)]:
        return False
    rows = [{"entity_id": entity_id_for(e.type, e.name), "name": e.name, "type": e.type,
             "wikidata_id": e.wikidata_id, "aliases": list(e.aliases), "iso_alpha2": e.iso_alpha2,
             "iso_alpha3": e.iso_alpha3, "rescue": e.rescue, "geonames_id": e.geonames_id,
             "gazetteer_version": gazetteer.version,
             "load_id": load_id} for e in gazetteer.entries]
    con.register("incoming_gazetteer", pa.Table.from_pylist(rows))
    try:
        con.execute("delete from gazetteer")
        con.execute("insert into gazetteer by name select * from incoming_gazetteer")
    finally:
        con.unregister("incoming_gazetteer")
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
    rows = con.execute(
        "select a.article_id, a.source_uri, a.title, a.body_text, m.field, m.start_char, m.end_char, m.entity_id, "
        "e.type from entity_mentions m join articles a using (article_id) join entities e using (entity_id) "
        "order by a.article_id, m.field, m.start_char, m.end_char"
    ).fetchall()
    return [StoredMention(*row) for row in rows]


_AFFECTED_LOCAL_ENTITIES = """
with incoming_keys as (
    select distinct name_key from entity_local_names
    where local_entity_id in (select entity_id from incoming_entities union select entity_id from previous_local)
), short_keys as (  -- an incoming full name may settle its surname; an incoming surname needs every full name
    select name_key from incoming_keys
    union select string_split(name_key, ' ')[-1] from incoming_keys where contains(name_key, ' ')
), affected as (
    select name_key from short_keys
    union select n.name_key from entity_local_names n
    where contains(n.name_key, ' ') and string_split(n.name_key, ' ')[-1] in (select name_key from short_keys)
)
select n.local_entity_id, n.name, n.name_key, n.type, n.wikidata_id, count(m.local_entity_id) as mentions
from entity_local_names n
left join entity_mentions m on m.local_entity_id = n.local_entity_id
where n.name_key in (select name_key from affected)
group by all
"""


def consolidate_entities(con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer | None, load_id: str,
                         previous: pa.Table) -> pa.Table:
    """Settle the warehouse-wide entity of every name the incoming batch touches, or touched before it was
    re-enriched (`previous` local entity ids; see ingest.entities.consolidate), and move mentions, aliases and salience
    to it. Returns the entity ids whose mentions changed."""
    con.execute("insert into entity_local_names by name select entity_id as local_entity_id, name, "
                "name_key, type, wikidata_id, ? as load_id from incoming_local_names i where not exists "
                "(select 1 from entity_local_names n where n.local_entity_id = i.entity_id)", [load_id])
    con.register("previous_local", previous)
    try:
        local = [LocalEntity(*row) for row in con.execute(_AFFECTED_LOCAL_ENTITIES).fetchall()]
    finally:
        con.unregister("previous_local")
    decided = consolidate([e for e in local if e.mentions], gazetteer)
    rows = [{"local_entity_id": local_id, "entity_id": c.entity_id, "name": c.name, "type": c.type,
             "wikidata_id": c.wikidata_id} for local_id, c in decided.items()]
    con.register("canonical", pa.Table.from_pylist(rows, schema=_CANONICAL_SCHEMA))
    try:
        return _move_to_canonical(con, load_id)
    finally:
        con.unregister("canonical")


def _move_to_canonical(con: duckdb.DuckDBPyConnection, load_id: str) -> pa.Table:
    moved = con.execute(
        "select distinct m.article_id, m.entity_id as old_id, c.entity_id as new_id from entity_mentions m "
        "join canonical c using (local_entity_id) where m.entity_id <> c.entity_id").to_arrow_table()
    if not moved.num_rows:
        return pa.table({"entity_id": pa.array([], pa.string())})
    con.register("moved", moved)
    try:
        con.execute("insert into entities by name select distinct on (entity_id) entity_id, name, type, wikidata_id, "
                    "now()::timestamp as created_at, ? as load_id from canonical c where not exists "
                    "(select 1 from entities e where e.entity_id = c.entity_id)", [load_id])
        con.execute("update entity_mentions set entity_id = c.entity_id from canonical c "
                    "where entity_mentions.local_entity_id = c.local_entity_id "
                    "and entity_mentions.entity_id <> c.entity_id")
        con.execute("insert into entity_aliases by name select distinct m.new_id as entity_id, a.alias, "
                    "a.first_seen_at, ? as load_id from entity_aliases a join moved m on a.entity_id = m.old_id "
                    "where not exists (select 1 from entity_aliases b where b.entity_id = m.new_id "
                    "and b.alias = a.alias)", [load_id])
        _rebuild_salience(con, load_id)
        orphans = ("select old_id from moved where not exists "
                   "(select 1 from entity_mentions m where m.entity_id = moved.old_id)")
        con.execute(f"delete from entity_aliases where entity_id in ({orphans})")
        con.execute(f"delete from entities where entity_id in ({orphans})")
        return con.execute("select distinct new_id as entity_id from moved").to_arrow_table()
    finally:
        con.unregister("moved")


def _rebuild_salience(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """Salience of the moved articles, recomputed from their mentions as they now are."""
    bodies = dict(con.execute("select article_id, body_text from articles "
                              "where article_id in (select article_id from moved)").fetchall())
    mentions = con.execute("select article_id, entity_id, field, start_char, sentence_index from entity_mentions "
                           "where article_id in (select article_id from moved) "
                           "order by article_id, entity_id, field, start_char").fetchall()
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
    con.register("rebuilt_salience", _table(rows, _SALIENCE_SCHEMA))
    try:
        con.execute("delete from article_entities where article_id in (select article_id from moved)")
        con.execute("insert into article_entities by name select * from rebuilt_salience")
    finally:
        con.unregister("rebuilt_salience")


_CANONICAL_SCHEMA = pa.schema([("local_entity_id", _S), ("entity_id", _S), ("name", _S), ("type", _S),
                               ("wikidata_id", _S)])

"""Entity enrichment's warehouse side on a real DuckDB file, with hand-made enrichment results (no NER model)."""


from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest import pipeline
from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import (
    ArticleEnrichment,
    ArticleEntity,
    Enricher,
    EnrichmentResult,
    Entity,
    EntityAlias,
    EntityMention,
)
from ingest.entities.resolve import entity_id_for
from ingest.models import BatchResult, CleanArticle
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store
from tests.support.articles import article_with_body
from tests.support.news_pages import TOPICS, write_articles

BODIES = {"a": "Ada Lovelace wrote the first program.", "b": "Lovelace later met Babbage again."}


def _article(article_id: str) -> CleanArticle:
    return article_with_body(article_id, BODIES[article_id])


def _result(article_id: str, name: str, end: int) -> EnrichmentResult:
    """One PERSON mention of `name` at the start of the article's body, resolved as the article would alone."""
    local = entity_id_for("PERSON", name)
    text_hash = hashlib.md5(f"t\0{BODIES[article_id]}".encode()).hexdigest()
    return EnrichmentResult(
        model_version="m", resolver_version="r", gazetteer_version="g",
        articles=(ArticleEnrichment(article_id=article_id, status="enriched", reason=None, mentions=1, entities=1,
                                    text_hash=text_hash),),
        mentions=(EntityMention(article_id=article_id, field="body", start_char=0, end_char=end, entity_id=local,
                                surface=name, label="PERSON", source="model", sentence_index=0),),
        entities=(Entity(entity_id=local, name=name, type="PERSON", wikidata_id=None),),
        aliases=(EntityAlias(entity_id=local, alias=name),),
        article_entities=(ArticleEntity(article_id=article_id, entity_id=local, mentions=1, first_char=0,
                                        first_sentence=0, in_title=False, in_lead=True),),
        rejects=())


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        warehouse.migrate(connection)
        warehouse.load_batch(connection, BatchResult(documents=(), articles=(_article("a"), _article("b")),
                                                     rejects=()), "run")
        yield connection


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def test_a_surname_joins_the_one_full_name_and_a_reload_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    first = entity_store.load_enrichment(con, _result("a", "Ada Lovelace", 12), "run")
    assert (first.articles, first.mentions, first.new_entities) == (1, 1, 1)
    entity_store.load_enrichment(con, _result("b", "Lovelace", 8), "run")
    full = entity_id_for("PERSON", "Ada Lovelace")
    tables = ("select * exclude (load_id) from entity_mentions order by all",
              "select * exclude (load_id) from article_entities order by all")
    before = [_rows(con, sql) for sql in tables]
    assert _rows(con, "select distinct entity_id from entity_mentions") == [(full,)]
    assert _rows(con, "select entity_id, first_seen from entities") == [(full, date(2025, 3, 1))]
    assert set(_rows(con, "select alias from entity_aliases")) == {("Ada Lovelace",), ("Lovelace",)}
    entity_store.load_enrichment(con, _result("b", "Lovelace", 8), "again")
    assert [_rows(con, sql) for sql in tables] == before and len(before[1]) == 2


def test_forgotten_articles_are_pending_again(con: duckdb.DuckDBPyConnection) -> None:
    entity_store.load_enrichment(con, _result("a", "Ada Lovelace", 12), "run")
    assert entity_store.articles_page(con, "", None, stale_only=True, size=10)[0].article_id == "b"
    with warehouse.transaction(con):
        entity_store.forget_enrichment(con, ["a"])
    assert _rows(con, "select count(*) from entity_mentions union all select count(*) from article_enrichment") \
        == [(0,), (0,)]
    assert [a.article_id for a in entity_store.articles_page(con, "", None, stale_only=True, size=10)] == ["a", "b"]
    assert _rows(con, "select first_seen from entities") == [(None,)]  # no mention left to date it


def test_pages_are_keyed_by_id_and_filtered_by_date(con: duckdb.DuckDBPyConnection) -> None:
    assert [a.article_id for a in entity_store.articles_page(con, "a", None, False, 10)] == ["b"]
    assert [a.article_id for a in entity_store.articles_page(con, "", None, False, 1)] == ["a"]
    assert entity_store.articles_page(con, "", date(2025, 3, 1) + timedelta(days=1), False, 10) == []
    assert len(entity_store.articles_page(con, "", date(2025, 3, 1), False, 10)) == 2
    assert [a.body_text for a in entity_store.articles_by_id(con, ["b", "zz"])] == [BODIES["b"]]


def test_stored_mentions_carry_their_text_and_type(con: duckdb.DuckDBPyConnection) -> None:
    entity_store.load_enrichment(con, _result("a", "Ada Lovelace", 12), "run")
    [mention] = entity_store.stored_mentions(con)
    assert mention.body_text[mention.start_char:mention.end_char] == "Ada Lovelace" and mention.type == "PERSON"


# --- loads, reloads and paging (moved from the enrichment tests) ---

ENTITY_ROWS = ("select (select count(*) from entity_mentions), (select count(*) from article_entities), "
               "(select count(*) from article_enrichment), (select count(*) from entities), "
               "(select count(*) from entity_aliases)")


def _hand_made_result(article_id: str, entity_type: str, mentions: int, name: str = "AI") -> EnrichmentResult:
    """What enrichment returns for an article naming `name` `mentions` times as `entity_type`."""
    entity_id = entity_id_for(entity_type, name)
    return EnrichmentResult(
        model_version="test", resolver_version="test", gazetteer_version="test",
        articles=(ArticleEnrichment(article_id=article_id, status="enriched", reason=None, mentions=mentions,
                                    entities=1, text_hash="0"),),
        mentions=tuple(EntityMention(article_id=article_id, field="body", start_char=10 * n, end_char=10 * n + 2,
                                     entity_id=entity_id, surface=name, label="GPE", source="model",
                                     sentence_index=n) for n in range(mentions)),
        entities=(Entity(entity_id=entity_id, name=name, type=entity_type, wikidata_id=None),),
        aliases=(EntityAlias(entity_id=entity_id, alias=name),),
        article_entities=(ArticleEntity(article_id=article_id, entity_id=entity_id, mentions=mentions, first_char=0,
                                        first_sentence=0, in_title=False, in_lead=True),),
        rejects=(),
    )


def test_one_type_per_name_across_the_warehouse(settings: Settings, query: Callable[..., list[tuple]]) -> None:
    with warehouse.open_warehouse(settings) as con:
        entity_store.load_enrichment(con, _hand_made_result("a1", "LOCATION", 33), "run-1")
        entity_store.load_enrichment(con, _hand_made_result("a2", "ORGANIZATION", 2), "run-2")
        entity_store.load_enrichment(con, _hand_made_result("a3", "ORGANIZATION", 3), "run-3")
    assert query(settings, "select name, type from entities") == [("AI", "LOCATION")]
    assert query(settings, "select count(distinct entity_id), count(*) from entity_mentions") == [(1, 38)]
    assert query(settings, "select count(distinct entity_id) from article_entities") == [(1,)]
    with warehouse.open_warehouse(settings) as con:  # the vote turns: every article moves, none is left behind
        entity_store.load_enrichment(con, _hand_made_result("a4", "ORGANIZATION", 40), "run-4")
    assert query(settings, "select name, type from entities") == [("AI", "ORGANIZATION")]
    assert query(settings, "select count(distinct entity_id), count(*) from entity_mentions") == [(1, 78)]
    assert query(settings, "select sum(mentions), count(distinct entity_id) from article_entities") == [(78, 1)]
    with warehouse.open_warehouse(settings) as con:  # re-enriched, a4 no longer names AI: the vote turns back
        entity_store.load_enrichment(con, _hand_made_result("a4", "ORGANIZATION", 1, "Bard"), "run-5")
    assert query(settings, "select name, type from entities order by name") == [("AI", "LOCATION"),
                                                                                ("Bard", "ORGANIZATION")]
    assert query(settings, "select count(distinct entity_id), count(*) from entity_mentions where surface = 'AI'") \
        == [(1, 38)]


def test_loading_the_same_result_again_changes_no_row(settings: Settings, query: Callable[..., list[tuple]]) -> None:
    result = _hand_made_result("a1", "LOCATION", 3, "Gaza")
    with warehouse.open_warehouse(settings) as con:
        first = entity_store.load_enrichment(con, result, "run-1")
    before = query(settings, ENTITY_ROWS)
    with warehouse.open_warehouse(settings) as con:
        again = entity_store.load_enrichment(con, result, "run-2")
    assert before == [(3, 1, 1, 1, 1)] and query(settings, ENTITY_ROWS) == before
    assert (first.articles, first.mentions, first.new_entities) == (1, 3, 1)
    assert (again.articles, again.mentions, again.new_entities) == (1, 3, 0)
    assert query(settings, "select run_id from article_enrichment") == [("run-2",)]


def test_forgotten_articles_lose_their_mentions_and_nobody_else_does(settings: Settings,
                                                                    query: Callable[..., list[tuple]]) -> None:
    with warehouse.open_warehouse(settings) as con:
        entity_store.load_enrichment(con, _hand_made_result("a1", "LOCATION", 2, "Gaza"), "run-1")
        entity_store.load_enrichment(con, _hand_made_result("a2", "LOCATION", 4, "Gaza"), "run-1")
        con.execute("begin transaction")
        entity_store.forget_enrichment(con, ["a1"])
        con.execute("commit")
    assert query(settings, "select article_id, count(*) from entity_mentions group by all") == [("a2", 4)]
    assert query(settings, "select article_id from article_entities") == [("a2",)]
    assert query(settings, "select article_id from article_enrichment") == [("a2",)]  # a1 is pending again


def test_the_gazetteer_is_copied_only_when_its_version_changes(settings: Settings, tmp_path: Path,
                                                              query: Callable[..., list[tuple]]) -> None:
    packaged = Gazetteer.from_csv(PACKAGED_GAZETTEER)
    small_csv = tmp_path / "small.csv"
    small_csv.write_text("name,type,wikidata_id,aliases,iso_alpha2,iso_alpha3,rescue\n"
                         "New Zealand,GPE,Q664,NZ,NZ,NZL,yes\n", encoding="utf-8")
    small = Gazetteer.from_csv(small_csv)
    with warehouse.open_warehouse(settings) as con:
        changes = [entity_store.load_gazetteer_if_changed(con, g, f"load-{n}")
                   for n, g in enumerate((packaged, packaged, small, small, packaged))]
    assert changes == [True, False, True, False, True]
    assert query(settings, "select count(*), count(distinct gazetteer_version), any_value(gazetteer_version) "
                           "from gazetteer") == [(len(packaged.entries), 1, packaged.version)]


def test_articles_to_enrich_come_in_pages_by_id_and_stale_only_skips_the_enriched(
        settings: Settings, tmp_path: Path, enricher: Enricher) -> None:
    workers = pipeline.RunWorkers(settings, enricher)
    try:
        pipeline.run_batches(write_articles(tmp_path / "pages", TOPICS[:5]), settings, "run-1", workers)
    finally:
        workers.extraction.close()  # the run enriched what it loaded; the module's enricher stays open
    pages = list(entity_store.articles_to_enrich(settings, batch_size=2))
    assert [len(page) for page in pages] == [2, 2, 1]
    ids = [article.article_id for page in pages for article in page]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert all(article.body_text and article.title for page in pages for article in page)
    assert list(entity_store.articles_to_enrich(settings, stale_only=True)) == []  # the run enriched all five
    first = pages[0][0]
    with warehouse.open_warehouse(settings) as con:
        con.execute("delete from article_enrichment")  # as if enriched by nobody yet
        entity_store.load_enrichment(con, enricher.annotate([first]), "run-2")
        assert [a.article_id for a in entity_store.articles_by_id(con, [ids[3], ids[1]])] == [ids[1], ids[3]]
    stale = [a.article_id for page in entity_store.articles_to_enrich(settings, stale_only=True) for a in page]
    assert stale == [i for i in ids if i != first.article_id]


def test_an_alias_two_old_entities_carried_is_one_row_of_the_entity_they_fold_into(tmp_path: Path) -> None:
    """Two local entities found as "Platform" (first seen at different times) settle on one canonical entity: its
    aliases get one "Platform" row, the earliest, not a primary-key violation that fails the whole load."""
    import pyarrow as pa

    from ingest.warehouse.statements import statement

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        con.execute("insert into entity_aliases values ('old-a', 'Platform', '2024-05-01', 'l1'), "
                    "('old-b', 'Platform', '2024-05-02', 'l2')")
        moved = pa.table({"article_id": ["x", "y", "y"], "old_id": ["old-a", "old-b", "old-a"],
                          "new_id": ["new", "new", "new"]})
        incoming = pa.table({"entity_id": ["new", "new"], "alias": ["Stage", "Stage"],
                             "first_seen_at": pa.array([1, 2], pa.timestamp("s")), "load_id": ["l3", "l3"]})
        with warehouse.registered(con, {"moved": moved, "incoming_aliases": incoming}):
            con.execute(statement("entities/insert_moved_aliases"), ["l3"])
            con.execute(statement("entities/insert_aliases"))
        rows = con.execute("select alias, cast(first_seen_at as date)::varchar from entity_aliases "
                           "where entity_id = 'new' order by alias").fetchall()
    assert rows == [("Platform", "2024-05-01"), ("Stage", "1970-01-01")]

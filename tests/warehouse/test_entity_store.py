"""Entity enrichment's warehouse side on a real DuckDB file, with hand-made enrichment results (no NER model)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.entities.ner import ArticleEnrichment, ArticleEntity, EnrichmentResult, Entity, EntityAlias, EntityMention
from ingest.entities.resolve import entity_id_for
from ingest.models import BatchResult, CleanArticle
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store

BODIES = {"a": "Ada Lovelace wrote the first program.", "b": "Lovelace later met Babbage again."}


def _article(article_id: str) -> CleanArticle:
    body = BODIES[article_id]
    return CleanArticle(article_id=article_id, document_id=f"d-{article_id}", source_uri=f"mem://{article_id}",
                        url=None, canonical_url=None, title="t", author=None, published_at=date(2025, 3, 1),
                        language="en", site_name=None, description=None, tags=(), body_text=body,
                        word_count=len(body.split()), extractor_version="test")


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

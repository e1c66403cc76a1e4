"""Warehouse-wide entity decisions over article-level entities: pure, and through a real DuckDB warehouse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ingest.entities.consolidate import LocalEntity, consolidate
from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import ArticleEnrichment, ArticleEntity, EnrichmentResult, Entity, EntityAlias, EntityMention
from ingest.entities.resolve import entity_id_for, name_key
from ingest.models import BatchResult, CleanArticle
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store
from tests.support.articles import article_with_body


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


def local(name: str, entity_type: str, mentions: int, wikidata_id: str | None = None) -> LocalEntity:
    return LocalEntity(entity_id_for(entity_type, name), name, name_key(name), entity_type, wikidata_id, mentions)


def test_one_type_per_name_by_the_majority_of_mentions(gazetteer: Gazetteer) -> None:
    ai_place, ai_org = local("AI", "LOCATION", 33), local("AI", "ORGANIZATION", 40)
    decided = consolidate([ai_place, ai_org], gazetteer)
    assert decided[ai_place.local_entity_id] == decided[ai_org.local_entity_id]
    assert decided[ai_place.local_entity_id].type == "ORGANIZATION"
    assert decided[ai_place.local_entity_id].entity_id == entity_id_for("ORGANIZATION", "AI")


def test_the_gazetteer_wins_the_vote(gazetteer: Gazetteer) -> None:
    linked = local("Gaza", "LOCATION", 1, "Q39760")
    mistyped = local("Gaza", "ORGANIZATION", 12)
    decided = consolidate([linked, mistyped], gazetteer)
    assert decided[mistyped.local_entity_id].type == "LOCATION"
    assert decided[mistyped.local_entity_id].wikidata_id == "Q39760"
    unlinked = local("Moscow", "PERSON", 3)  # no article linked it, the gazetteer still knows it
    assert consolidate([unlinked], gazetteer)[unlinked.local_entity_id].type == "LOCATION"


def test_a_town_in_the_long_city_list_never_outvotes_a_person(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Vladimir") is not None and not gazetteer.lookup("Vladimir").rescue  # type: ignore[union-attr]
    person = local("Vladimir", "PERSON", 4)
    assert consolidate([person], gazetteer)[person.local_entity_id].type == "PERSON"


def test_a_short_form_joins_the_one_full_name_the_warehouse_knows(gazetteer: Gazetteer) -> None:
    short, full = local("Putin", "PERSON", 5), local("Vladimir Putin", "PERSON", 2)
    decided = consolidate([short, full], gazetteer)
    assert decided[short.local_entity_id].name == "Vladimir Putin"
    assert decided[short.local_entity_id].entity_id == full.local_entity_id


def test_a_short_form_with_two_full_names_stays_apart(gazetteer: Gazetteer) -> None:
    short = local("Smith", "PERSON", 5)
    names = [short, local("John Smith", "PERSON", 2), local("Jane Smith", "PERSON", 1)]
    assert consolidate(names, gazetteer)[short.local_entity_id].entity_id == short.local_entity_id


def test_a_short_form_is_joined_only_when_it_is_a_person(gazetteer: Gazetteer) -> None:
    town = local("Lincoln", "LOCATION", 5)
    names = [town, local("Abraham Lincoln", "PERSON", 2)]
    assert consolidate(names, gazetteer)[town.local_entity_id].name == "Lincoln"


def test_an_organisation_short_form_joins_the_one_organisation_of_that_name(gazetteer: Gazetteer) -> None:
    short, full = local("Scientology", "LOCATION", 16), local("Church of Scientology", "ORGANIZATION", 20)
    decided = consolidate([short, full], gazetteer)
    assert decided[short.local_entity_id].entity_id == full.local_entity_id
    assert decided[short.local_entity_id].type == "ORGANIZATION"
    second = local("Institute of Scientology", "ORGANIZATION", 1)
    assert consolidate([short, full, second], gazetteer)[short.local_entity_id].name == "Scientology"


def test_a_place_the_gazetteer_knows_stays_apart_from_organisations_of_it(gazetteer: Gazetteer) -> None:
    place = local("Oslo", "LOCATION", 4)
    assert gazetteer.lookup("Oslo") is not None
    decided = consolidate([place, local("University of Oslo", "ORGANIZATION", 2)], gazetteer)
    assert decided[place.local_entity_id].name == "Oslo"


BODIES = {"a": "The Church of Scientology sued.", "b": "Scientology sued again."}


def _article(article_id: str) -> CleanArticle:
    return article_with_body(article_id, BODIES[article_id])


def _enrichment(article_id: str, name: str, entity_type: str) -> EnrichmentResult:
    """One mention of `name` in the article's body, resolved as the article would alone."""
    start = BODIES[article_id].index(name)
    local_id = entity_id_for(entity_type, name)
    text_hash = hashlib.md5(f"t\0{BODIES[article_id]}".encode()).hexdigest()
    return EnrichmentResult(
        model_version="m", resolver_version="r", gazetteer_version="g",
        articles=(ArticleEnrichment(article_id=article_id, status="enriched", reason=None, mentions=1, entities=1,
                                    text_hash=text_hash),),
        mentions=(EntityMention(article_id=article_id, field="body", start_char=start, end_char=start + len(name),
                                entity_id=local_id, surface=name, label="ORG", source="model", sentence_index=0),),
        entities=(Entity(entity_id=local_id, name=name, type=entity_type, wikidata_id=None),),
        aliases=(EntityAlias(entity_id=local_id, alias=name),),
        article_entities=(ArticleEntity(article_id=article_id, entity_id=local_id, mentions=1, first_char=start,
                                        first_sentence=0, in_title=False, in_lead=True),),
        rejects=())


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_an_organisation_short_form_in_another_article_joins_it_in_either_load_order(
        tmp_path: Path, gazetteer: Gazetteer, order: tuple[str, str]) -> None:
    loads = {"a": _enrichment("a", "Church of Scientology", "ORGANIZATION"),
             "b": _enrichment("b", "Scientology", "LOCATION")}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        warehouse.load_batch(con, BatchResult(documents=(), articles=(_article("a"), _article("b")), rejects=()),
                             "run")
        for article_id in order:
            entity_store.load_enrichment(con, loads[article_id], "run", gazetteer)
        rows = con.execute("select distinct e.name, e.type from entity_mentions m "
                           "join entities e using (entity_id)").fetchall()
    assert rows == [("Church of Scientology", "ORGANIZATION")]


def test_an_organisation_joins_its_one_full_name_with_body_words(gazetteer: Gazetteer) -> None:
    short, full = local("Nintendo", "ORGANIZATION", 3), local("Nintendo Co., Ltd.", "ORGANIZATION", 1)
    decided = consolidate([short, full], gazetteer)
    assert decided[short.local_entity_id] == decided[full.local_entity_id]
    assert decided[short.local_entity_id].name == "Nintendo Co., Ltd."


def test_an_organisation_with_two_full_names_with_body_words_joins_neither(gazetteer: Gazetteer) -> None:
    short = local("Duolingo", "ORGANIZATION", 3)
    inc, bank = local("Duolingo Inc.", "ORGANIZATION", 1), local("Duolingo Bank", "ORGANIZATION", 1)
    decided = consolidate([short, inc, bank], gazetteer)
    assert decided[short.local_entity_id].entity_id == entity_id_for("ORGANIZATION", "Duolingo")
    assert decided[inc.local_entity_id] != decided[bank.local_entity_id]


def test_a_person_never_joins_an_organisation_named_after_them(gazetteer: Gazetteer) -> None:
    person, company = local("Ford", "PERSON", 2), local("Ford Motor Company", "ORGANIZATION", 1)
    decided = consolidate([person, company], gazetteer)
    assert decided[person.local_entity_id].type == "PERSON"

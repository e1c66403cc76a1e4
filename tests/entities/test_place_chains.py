"""A place named with the larger places holding it is one mention of it (ingest.entities.place_chains), on the
real model's output and the whole article resolution."""

from __future__ import annotations

from functools import cache

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import annotate_texts, load_model, resolve_article
from ingest.entities.resolve import Resolved
from ingest.settings import Settings


@cache
def _gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


def resolved(body: str) -> list[Resolved]:
    nlp = load_model(Settings().spacy_model)
    title_doc, body_doc = annotate_texts(nlp, ["", body])
    return resolve_article({"title": "", "body": body}, {"title": title_doc, "body": body_doc}, _gazetteer())


def test_city_state_and_country_are_each_a_mention_of_the_first_place_held() -> None:
    body = "The museum in Evansville, Indiana, United States opened on Monday. Evansville is a small city."
    mentions = {(m.surface, m.name) for m in resolved(body)}
    assert ("Evansville, Indiana, United States", "Evansville") in mentions
    assert ("Indiana, United States", "Indiana") in mentions
    assert ("United States", "United States") in mentions
    ids = {m.entity_id for m in resolved(body) if m.name == "Evansville"}
    assert len(ids) == 1  # the long mention and the lone "Evansville" are one entity


def test_a_city_and_its_country() -> None:
    body = "Pilgrims gathered in Mecca, Saudi Arabia on Thursday."
    assert ("Mecca, Saudi Arabia", "Mecca") in {(m.surface, m.name) for m in resolved(body)}


def test_a_list_of_places_is_not_a_chain() -> None:
    body = "The tour visits Leeds, London and Manchester, then France, Germany and Italy."
    surfaces = {m.surface for m in resolved(body)}
    assert not any("," in surface for surface in surfaces), surfaces
    assert {"Leeds", "London", "Manchester", "France", "Germany", "Italy"} <= surfaces


def test_a_possessive_country_after_a_city_is_its_own_mention() -> None:
    body = "Speaking in Paris, France's president said the talks would go on."
    surfaces = {m.surface for m in resolved(body)}
    assert "Paris" in surfaces and not any("," in surface for surface in surfaces), surfaces

"""A nationality word before the lower-case body of an organisation the article names is that organisation
(ingest.entities.demonym_names), on the real model's output and the whole article resolution."""

from __future__ import annotations

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import annotate_texts, load_model, resolve_article
from ingest.entities.resolve import Resolved
from ingest.settings import Settings

BODY = ("On Friday, fishermen rescued over 700 asylum seekers whose boat sank, and the Indonesian Navy reportedly "
        "saved 200 more. The first boat was turned around twice, toward Malaysia by Indonesian navy and then "
        "toward Indonesia by Malaysian navy.")


def resolved(body: str) -> list[Resolved]:
    nlp = load_model(Settings().spacy_model)
    title_doc, body_doc = annotate_texts(nlp, ["", body])
    gazetteer = Gazetteer.from_csv(PACKAGED_GAZETTEER)
    return resolve_article({"title": "", "body": body}, {"title": title_doc, "body": body_doc}, gazetteer)


def test_the_lower_case_form_joins_the_named_organisation_and_an_unnamed_one_stays_a_nationality() -> None:
    mentions = {m.surface: m for m in resolved(BODY)}
    assert mentions["Indonesian Navy"].type == "ORGANIZATION"
    assert mentions["Indonesian navy"].entity_id == mentions["Indonesian Navy"].entity_id
    assert "Malaysian navy" not in mentions


def test_without_the_capitalised_name_the_nationality_word_is_left_alone() -> None:
    body = "The boat was turned around by Indonesian navy and then by Malaysian navy."
    assert not any(m.surface.endswith("navy") for m in resolved(body))

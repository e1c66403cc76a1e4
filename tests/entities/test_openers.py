"""Capitals given by a word's place (a line's or sentence's opening, a heading), on hand-made model output."""

from __future__ import annotations

import pytest

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import DocSpans, resolve_article
from ingest.entities.resolve import Resolved


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


def resolved(text: str, gazetteer: Gazetteer, *labelled: tuple[str, str]) -> list[Resolved]:
    """Mentions of `text` as body when the model found each (surface, label) at its next occurrence."""
    ents, used = [], 0
    for surface, label in labelled:
        start = text.index(surface, used)
        ents.append((start, start + len(surface), label))
        used = start + len(surface)
    docs = {"title": DocSpans((), (0,)), "body": DocSpans(tuple(ents), (0,))}
    return resolve_article({"title": "", "body": text}, docs, gazetteer)


def test_a_common_word_opening_a_sentence_is_no_name_where_the_text_writes_it_in_lower_case(
        gazetteer: Gazetteer) -> None:
    text = "Borrow the book today.\nWait for the email. Borrow it; you borrow nothing else. Apple paid."
    mentions = resolved(text, gazetteer, ("Borrow", "ORG"), ("Wait", "ORG"), ("Borrow", "ORG"), ("Apple", "ORG"))
    assert [m.surface for m in mentions] == ["Wait", "Apple"]  # never written "wait" here: the model's call


def test_a_common_word_the_text_also_capitalises_mid_sentence_stays(gazetteer: Gazetteer) -> None:
    text = "Tumblr grew. Target cut prices, and analysts at Target agree on the target."
    mentions = resolved(text, gazetteer, ("Target", "ORG"), ("Target", "ORG"))
    assert [m.surface for m in mentions] == ["Target", "Target"]


def test_a_title_case_heading_phrase_written_in_lower_case_elsewhere_is_no_name(gazetteer: Gazetteer) -> None:
    text = ("Machine Learning Basics\nWe explain machine learning here.\nLantern Festival in Taipei lights up\n"
            "The lantern festival drew crowds.")
    mentions = resolved(text, gazetteer, ("Machine Learning", "ORG"), ("Lantern Festival", "EVENT"),
                        ("Taipei", "GPE"))
    assert [m.surface for m in mentions] == ["Lantern Festival", "Taipei"]  # a heading in sentence case


def test_an_organisation_on_a_heading_of_common_words_is_no_name_but_a_table_row_is_no_heading(
        gazetteer: Gazetteer) -> None:
    text = ("Customer Service\nCall them on weekdays.\n| Customer Service | Open |\n"
            "Acme Bank Reviews\nAcme Bank pays well.")
    mentions = resolved(text, gazetteer, ("Customer Service", "ORG"), ("Customer Service", "ORG"),
                        ("Acme Bank", "ORG"), ("Acme Bank", "ORG"))
    found = [(m.surface, m.start) for m in mentions]
    assert found == [("Customer Service", text.index("| Customer") + 2), ("Acme Bank", text.index("Acme")),
                     ("Acme Bank", text.rindex("Acme"))]


def test_a_name_is_not_propagated_onto_a_heading_of_common_words(gazetteer: Gazetteer) -> None:
    text = "House Renovation Costs\nThe House passed the bill, and the House adjourned."
    mentions = resolved(text, gazetteer, ("House", "ORG"), ("House", "ORG"))
    assert [m.start for m in mentions] == [text.index("The House") + 4, text.rindex("House")]


def test_a_line_continuing_the_one_before_is_no_heading(gazetteer: Gazetteer) -> None:
    text = "Harbor Books\nIt was released by\nHarbor Books\nPublisher:\nHarbor Books\nShips soon."
    mentions = resolved(text, gazetteer, ("Harbor Books", "ORG"), ("Harbor Books", "ORG"), ("Harbor Books", "ORG"))
    assert [m.start for m in mentions] == [text.index("by\n") + 3, text.index(":\n") + 2]


def test_a_heading_name_stays_where_a_sentence_names_it_or_the_gazetteer_knows_it(gazetteer: Gazetteer) -> None:
    text = ("Harbor Books Reviews\nWe ordered from Harbor Books last year.\nRust\nTeams adopt Rust quickly.\n"
            "Cleaning Costs in New Orleans\nPrices vary.")
    mentions = resolved(text, gazetteer, ("Harbor Books", "ORG"), ("Harbor Books", "ORG"), ("Rust", "ORG"),
                        ("Rust", "ORG"), ("New Orleans", "GPE"))
    assert [(m.surface, m.start) for m in mentions] == [
        ("Harbor Books", 0), ("Harbor Books", text.index("Harbor Books last")), ("Rust", text.index("Rust\n")),
        ("Rust", text.index("Rust quickly")), ("New Orleans", text.index("New Orleans"))]

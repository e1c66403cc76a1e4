"""Spans and types the article's own text settles (ingest.entities.evidence), on hand-made model output."""

from __future__ import annotations

import pytest

from ingest.entities.evidence import retype_by_evidence, split_coordinated_places
from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.resolve import LABEL_TYPES, Span


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


def model_spans(text: str, *labelled: tuple[str, str]) -> list[Span]:
    found, used = [], 0
    for surface, label in labelled:
        start = text.index(surface, used)
        found.append(Span("body", start, start + len(surface), label, LABEL_TYPES[label], "model"))
        used = start + len(surface)
    return found


def kept(text: str, *labelled: tuple[str, str]) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.type) for s in retype_by_evidence({"body": text}, model_spans(text, *labelled))]


def test_a_person_span_led_by_a_known_surname_is_that_person() -> None:
    text = "Andy Warhol took pictures. There are also Warhol Polaroid exhibits in Texas."
    assert kept(text, ("Andy Warhol", "PERSON"), ("Warhol Polaroid", "PERSON")) == [
        ("Andy Warhol", "PERSON"), ("Warhol", "PERSON")]


def test_a_full_name_sharing_a_surname_is_kept_whole() -> None:
    text = "Michael Jordan played. Jordan Peterson spoke. Smith Jones and Alan Smith and Peter Jones met."
    found = kept(text, ("Michael Jordan", "PERSON"), ("Jordan Peterson", "PERSON"), ("Smith Jones", "PERSON"),
                 ("Alan Smith", "PERSON"), ("Peter Jones", "PERSON"))
    assert [surface for surface, _ in found] == ["Michael Jordan", "Jordan Peterson", "Smith Jones", "Alan Smith",
                                                 "Peter Jones"]


def test_a_singular_the_x_is_no_group_of_people() -> None:
    text = "He was the center of the Zeitgeist. The Belgians won, the French lost, the Taliban spoke."
    found = kept(text, ("Zeitgeist", "NORP"), ("Belgians", "NORP"), ("French", "NORP"), ("Taliban", "NORP"))
    assert found == [("Belgians", "GROUP"), ("French", "GROUP"), ("Taliban", "GROUP")]


def test_person_shaped_and_acronym_places_are_retyped() -> None:
    text = "Inventor Dean Kamen spoke about AI in Boston."
    found = kept(text, ("Dean Kamen", "ORG"), ("AI", "GPE"), ("Boston", "GPE"))
    assert found == [("Dean Kamen", "PERSON"), ("AI", "ORGANIZATION"), ("Boston", "LOCATION")]


def test_a_person_shaped_organisation_people_work_at_stays_an_organisation() -> None:
    text = "Analysts at Morgan Stanley said so. Inventor Dean Kamen spoke."
    found = kept(text, ("Morgan Stanley", "ORG"), ("Dean Kamen", "ORG"))
    assert found == [("Morgan Stanley", "ORGANIZATION"), ("Dean Kamen", "PERSON")]


def test_two_compass_words_before_one_place_are_two_places() -> None:
    text = "Fire between North and South Korea. Trade between Bosnia and Herzegovina and North Macedonia."
    spans = model_spans(text, ("North and South Korea", "GPE"), ("Bosnia and Herzegovina", "GPE"),
                        ("North Macedonia", "GPE"))
    found = [text[s.start:s.end] for s in split_coordinated_places({"body": text}, spans)]
    assert found == ["North", "South Korea", "Bosnia and Herzegovina", "North Macedonia"]


def test_an_organisation_run_on_from_a_known_surname_starts_after_it() -> None:
    text = "Mark Rathbun left. According to Rathbun the Scientology property was sold. Rent the Runway grew."
    found = kept(text, ("Mark Rathbun", "PERSON"), ("Rathbun the Scientology", "ORG"), ("Rent the Runway", "ORG"))
    assert found == [("Mark Rathbun", "PERSON"), ("Scientology", "ORGANIZATION"), ("Rent the Runway", "ORGANIZATION")]


def test_an_acronym_the_article_spells_out_in_lower_case_words_is_no_name() -> None:
    text = "Firms build artificial intelligence (AI) tools. AI is everywhere. The FBI (Federal Bureau) agreed."
    assert kept(text, ("AI", "GPE"), ("AI", "GPE"), ("FBI", "ORG")) == [("FBI", "ORGANIZATION")]


def test_a_common_word_person_is_dropped_and_a_named_one_kept() -> None:
    text = "Pottery Barn said sales rose, according to Holden Chow."
    assert kept(text, ("Pottery Barn", "PERSON"), ("Holden Chow", "PERSON")) == [("Holden Chow", "PERSON")]


def test_a_name_headed_by_an_event_word_is_an_event_whatever_the_model_says() -> None:
    text = "Crowds filled the Taipei City Lantern Festival. The Boston Marathon ran. The Lantern Company paid."
    assert kept(text, ("Taipei City Lantern Festival", "FAC"), ("Boston Marathon", "ORG"),
                ("Lantern Company", "ORG")) == [
        ("Taipei City Lantern Festival", "EVENT"), ("Boston Marathon", "EVENT"), ("Lantern Company", "ORGANIZATION")]


def test_the_real_model_facility_festival_leaves_the_city_inside_it_to_its_place() -> None:
    from ingest.entities.ner import annotate_texts, load_model, resolve_article
    from ingest.settings import Settings

    body = ("Hundreds of thousands crowded into Taipei on Saturday. The Taipei City Lantern Festival opened in "
            "Taipei with fireworks.")
    title_doc, body_doc = annotate_texts(load_model(Settings().spacy_model), ["", body])
    mentions = resolve_article({"title": "", "body": body}, {"title": title_doc, "body": body_doc},
                               Gazetteer.from_csv(PACKAGED_GAZETTEER))
    festival = [m for m in mentions if "Festival" in m.surface]
    assert festival and all(m.type == "EVENT" for m in festival)
    places = {m.entity_id for m in mentions if m.surface == "Taipei"}
    assert len(places) == 1 and sum(m.surface == "Taipei" for m in mentions) == 3  # one nested in the festival

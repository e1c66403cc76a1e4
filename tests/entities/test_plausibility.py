"""Type plausibility from word lists (ingest.entities.plausibility), alone and on the real model's output."""

from __future__ import annotations

import pytest

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import annotate_texts, load_model, resolve_article
from ingest.entities.plausibility import common_word, common_word_phrase, full_name_surnames, person_plausible
from ingest.entities.resolve import Span
from ingest.settings import Settings


@pytest.mark.parametrize("word", ["Cloud", "Computing", "Pottery", "Barn", "Results", "Chrome"])
def test_frequent_lower_case_words_are_common(word: str) -> None:
    assert common_word(word)


@pytest.mark.parametrize("word", ["Obama", "Warhol", "Duolingo", "Kamen", "Rathbun", "Putin"])
def test_names_and_rare_dictionary_entries_are_not_common(word: str) -> None:
    assert not common_word(word)


@pytest.mark.parametrize(("surface", "common"), [
    ("Pottery Barn", True), ("Cloud Computing", True), ("Election Results", True),
    ("Will Smith", False), ("Holden Chow", False), ("Starry Lee", False), ("Barack Obama", False),
])
def test_a_phrase_is_common_only_when_no_word_is_a_first_name_or_a_name(surface: str, common: bool) -> None:
    assert common_word_phrase(surface) is common


@pytest.mark.parametrize(("text", "surface", "surnames", "expected"), [
    ("The conference on Cloud Computing opened.", "Cloud Computing", set(), None),
    ("Users of Safari can update now.", "Safari", set(), None),
    ("The museum's Art Gallery reopened.", "Art Gallery", set(), "ORGANIZATION"),
    ("George W. Bush spoke. Later Bush left.", "Bush", {"Bush"}, "PERSON"),
    ("Later Mr. Rice left.", "Rice", set(), "PERSON"),
    ("\"The vibe is fun,\" Hall says.", "Hall", set(), "PERSON"),
    ("Even so, Wilder said he would move again.", "Wilder", set(), "PERSON"),
    ("Dean Kamen spoke.", "Dean Kamen", set(), "PERSON"),
    ("Firms say AI will change SEO.", "AI", set(), None),
    ("Lessons in French start soon.", "French", set(), "GROUP"),
    ("John F. Kennedy flew to Dallas, where JFK spoke.", "JFK", {"Kennedy", "JFK"}, "PERSON"),
])
def test_person_spans_keep_retype_or_lose_their_type(text: str, surface: str, surnames: set[str],
                                                     expected: str | None) -> None:
    start = text.rindex(surface)
    assert person_plausible(text, start, start + len(surface), surnames) == expected


def test_surnames_come_from_persons_led_by_any_first_name() -> None:
    text = "Vitas Gerulaitis met Annie Hall and Dawoud Bey near Android Studio."
    spans = [Span("body", text.index(s), text.index(s) + len(s), "PERSON", "PERSON", "model")
             for s in ("Vitas Gerulaitis", "Annie Hall", "Dawoud Bey", "Android Studio")]
    assert full_name_surnames({"body": text}, spans) == {"Gerulaitis", "Hall", "Bey", "VG", "AH", "DB"}


def test_strict_surnames_need_a_common_given_name_and_drop_the_possessive() -> None:
    text = "Andy Warhol's prints, Dawoud Bey and Android Studio."
    spans = [Span("body", text.index(s), text.index(s) + len(s), "PERSON", "PERSON", "model")
             for s in ("Andy Warhol's", "Dawoud Bey", "Android Studio")]
    assert full_name_surnames({"body": text}, spans, strict=True) == {"Warhol"}


@pytest.fixture(scope="module")
def typed() -> dict[str, set[str]]:
    """What the real model and the whole article resolution make of sentences the model types wrongly."""
    nlp = load_model(Settings().spacy_model)
    gazetteer = Gazetteer.from_csv(PACKAGED_GAZETTEER)
    body = ("Pottery Barn said sales rose. The conference on Cloud Computing opened in Berlin. "
            "Users of Chrome and Safari can update now, said Mark Hurd. The museum's Art Gallery reopened.")
    title_doc, body_doc = annotate_texts(nlp, ["", body])
    assert ("Pottery Barn", "PERSON") in {(body[s:e], label) for s, e, label in body_doc.ents}  # the premise
    result: dict[str, set[str]] = {}
    for mention in resolve_article({"title": "", "body": body}, {"title": title_doc, "body": body_doc}, gazetteer):
        result.setdefault(mention.surface, set()).add(mention.type)
    return result


def test_common_word_phrases_the_model_calls_persons_come_out_as_no_person(typed: dict[str, set[str]]) -> None:
    for surface in ("Pottery Barn", "Cloud Computing", "Safari"):
        assert "PERSON" not in typed.get(surface, set()), surface
    assert typed.get("Art Gallery") == {"ORGANIZATION"}


def test_a_real_persons_name_stays_a_person(typed: dict[str, set[str]]) -> None:
    assert typed["Mark Hurd"] == {"PERSON"}

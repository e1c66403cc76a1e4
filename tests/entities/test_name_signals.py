"""Signals that a model span is or is not a name, each on the kind of text it was made for."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.entities.name_signals import (
    _all_first_names,
    _east_asian_given_names,
    _given_names,
    _name_detector,
    _region_codes,
    acronym,
    acronyms_before_parentheses,
    after_article,
    common_noun_acronyms,
    defined_acronyms,
    general_acronym,
    is_given_name,
    join_adjacent,
    load_name_lists,
    looks_like_person,
    not_a_name,
    occurs_as_word,
    software_shaped,
    split_lines,
    surname_first,
    surname_of,
    trailing_role_cut,
)


def test_a_span_across_a_line_break_becomes_one_candidate_per_line() -> None:
    text = "Election Results\nEddie Chu won."
    assert split_lines(text, [(0, 26, "PERSON")]) == [(0, 16, "PERSON"), (17, 26, "PERSON")]
    assert [text[s:e] for s, e, _ in split_lines(text, [(0, 26, "PERSON")])] == ["Election Results", "Eddie Chu"]


@pytest.mark.parametrize(("surface", "entity_type", "rejected"), [
    ("Pro-Beijing", "LOCATION", True),
    ("Pan-democrat", "ORGANIZATION", True),
    ("Anti-Trump", "PERSON", True),
    ("IE6", "LOCATION", True),
    ("IE6", "PERSON", True),
    ("M5S", "ORGANIZATION", False),  # an organisation may well be written like that
    ("Sheriff", "LOCATION", True),
    ("Emeritus", "ORGANIZATION", True),
    ("Rolls-Royce", "ORGANIZATION", False),
    ("Coca-Cola", "ORGANIZATION", False),
    ("Hong Kong", "LOCATION", False),
    ("Army", "ORGANIZATION", False),
    ("MS", "LOCATION", False),  # Mississippi, not "Ms"
    ("AI", "ORGANIZATION", True),  # general vocabulary, whatever the type
    ("A.I.", "PERSON", True),
    ("APIs", "PRODUCT", True),
    ("UI/UX", "ORGANIZATION", True),
    ("AI/NATO", "ORGANIZATION", False),
    ("SEO", "ORGANIZATION", True),
    ("NATO", "ORGANIZATION", False),
    ("FBI", "ORGANIZATION", False),
    ("AI Act", "LAW", False),  # inside a longer name it stays
])
def test_spans_that_are_not_names(surface: str, entity_type: str, rejected: bool) -> None:
    assert not_a_name(surface, entity_type) is rejected


def test_general_acronyms_are_no_bodies_places_or_region_codes() -> None:
    from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer

    gazetteer = Gazetteer.from_csv(PACKAGED_GAZETTEER)
    listed = [w for w in ("AI", "URL", "CPU", "FAQ", "USB", "RAM", "FYI") if general_acronym(w)]
    assert listed == ["AI", "URL", "CPU", "FAQ", "USB", "RAM", "FYI"]
    assert not any(general_acronym(w) for w in ("UN", "EU", "NATO", "FBI", "US", "UK", "MA", "NY"))
    from ingest.entities.name_signals import GENERAL_ACRONYMS
    assert not GENERAL_ACRONYMS & _region_codes()
    assert [a for a in sorted(GENERAL_ACRONYMS) if gazetteer.lookup(a) is not None] == []


@pytest.mark.parametrize(("surface", "expected"), [
    ("Node.js", True), ("Amazon.com", True), ("C++", True), ("C#", True), ("Disney+", True),
    ("PostgreSQL", True), ("YouTube", True), ("iPhone", True), ("Visual Studio Code", False),
    ("U.S.", False), ("St. Louis", False), ("Washington, D.C.", False), ("McAllen", False), ("DeKalb", False),
    ("LaGuardia Airport", False), ("MacArthur Park", False), ("O'Neill", False), ("New York", False),
    ("SoCal", False), ("SoHo", False), ("NoSQL", True),
])
def test_names_written_as_software_is(surface: str, expected: bool) -> None:
    assert software_shaped(surface) is expected


def test_a_name_headed_by_an_article_is_not_a_person_but_one_qualifying_a_noun_says_nothing() -> None:
    text = "Pilgrims left for the Hajj, and the Polaroid's flash went off; the Marilyn pictures sold."
    for surface, expected in (("Hajj", True), ("Polaroid", True), ("Marilyn", False)):
        start = text.index(surface)
        assert after_article(text, start, start + len(surface)) is expected, surface


def test_given_names_and_person_shaped_spans() -> None:
    assert is_given_name("Valeska") and is_given_name("Dean") and not is_given_name("Pottery")
    assert not is_given_name("dean")  # a lower-case word is no name
    assert looks_like_person("Dean Kamen") and looks_like_person("Walker Evans")
    assert not looks_like_person("Victoria Station") and not looks_like_person("Pottery Barn")
    assert not looks_like_person("Dean") and not looks_like_person("Georgia Tech University")


def test_a_person_cut_in_two_is_joined_only_after_a_given_name() -> None:
    text = "Valeska Paris spoke in Hong Kong."
    ents = [(0, 7, "GPE"), (8, 13, "GPE"), (23, 27, "GPE"), (28, 32, "GPE")]
    assert join_adjacent(text, ents) == [(0, 13, "PERSON"), (23, 27, "GPE"), (28, 32, "GPE")]


def test_acronyms() -> None:
    assert acronym("AI") and acronym("NCLAN") and acronym("U.N.")
    assert not acronym("A") and not acronym("Paris") and not acronym("IE6")


def test_role_words_trailing_an_organisation_are_cut_off() -> None:
    surface = "State Department Spokesperson"
    assert surface[:trailing_role_cut(surface)] == "State Department"
    assert trailing_role_cut("Foreign Ministry") == len("Foreign Ministry")
    assert trailing_role_cut("Director") == len("Director")  # a lone role word is not cut to nothing
    assert trailing_role_cut("Mental Health and MS") == len("Mental Health and MS")


@pytest.mark.parametrize(("text", "expected"), [
    ("The Union of Rationalist Atheists and Agnostics (UAAR) has launched", [("Union of Rationalist Atheists and "
                                                                             "Agnostics", "UAAR")]),
    ("The secretary general of CEI (Italian Episcopal Conference), said", [("Italian Episcopal Conference", "CEI")]),
    ("the World Health Organization (WHO) said", [("World Health Organization", "WHO")]),
    ("He said it was in the USA (United States) first", []),  # capitals do not spell it
    ("the long march of the years (ABC) ended", []),  # no name before it
    ("Korean People's\nArmy (KPA) fired", []),  # a name never runs across a line break
    ("giants: Amazon (AMZN) Web Services (AWS); Microsoft", []),  # name words stand one space apart
    ("the AEC (Architecture, Engineering, and Construction) field", []),
    ("indexed in MEDLINE and PubMed Central (PMC) and", []),  # another acronym in the run: a list
    ("the National Library of Medicine's (NLM) catalogue", [("National Library of Medicine", "NLM")]),
])
def test_acronyms_defined_beside_their_full_name(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(text[a:b], text[c:d]) for a, b, c, d in defined_acronyms(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("They use artificial intelligence (AI) and VR (virtual reality) daily.", {"AI", "VR"}),
    ("The Federal Bureau of Investigation (FBI) and NATO (North Atlantic Treaty Organization) met.", set()),
    ("Prices (GDP) rose.", set()),
])
def test_common_noun_acronyms_are_those_spelt_out_in_lower_case(text: str, expected: set[str]) -> None:
    assert common_noun_acronyms(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("Leung Chun-ying", True), ("Kim Jong-un", True), ("Xi Jinping", True), ("Wong Kwok-kin", True),
    ("Lee Smith", False), ("Starry Lee", False), ("Baggio Leung", False), ("Ho Kelly", False),
    ("Leung", False), ("Donald J. Trump", False),
])
def test_surname_first_names(name: str, expected: bool) -> None:
    assert surname_first(name.split()) is expected
    assert surname_of(name.split()) == (name.split()[0] if expected else name.split()[-1])


@given(word=st.text(alphabet="aé_-1 .", max_size=3), text=st.text(alphabet="aé_-1 .x\n", max_size=30),
       joiners=st.sampled_from(["", "-"]))
def test_occurs_as_word_answers_what_the_word_bounded_pattern_finds(word: str, text: str, joiners: str) -> None:
    outside = rf"[\w{re.escape(joiners)}]"
    pattern = rf"(?<!{outside}){re.escape(word)}(?!{outside})"
    assert occurs_as_word(text, word, joiners) == (re.search(pattern, text) is not None)


def test_a_surname_the_text_writes_in_lower_case_even_only_inside_hyphens_decides() -> None:
    assert not looks_like_person("Dean Walker", "the walker came")
    assert looks_like_person("Dean Walker", "a sleep-walker came")  # glued by a hyphen: not the word
    assert not looks_like_person("Dean Walker", "walker")


def test_the_name_lists_are_parsed_from_one_reading_of_the_first_name_list() -> None:
    load_name_lists()
    assert _name_detector.cache_info().currsize == 1
    assert {"dean", "jinping"} <= _all_first_names() and "dean" in _given_names()
    assert "jinping" in _east_asian_given_names() and "john" not in _east_asian_given_names()



_ACRONYM_BEFORE_PARENTHESES = re.compile(r"(?<![\w-])(?P<acronym>[A-Z]{2,6})\s*\((?P<inner>[^()\n]{4,120})\)")


@pytest.mark.parametrize("text", [
    "CEI (Italian Episcopal Conference)", "xCEI (no name here)", "ABCDEFG (too long a run)", "-AB (after a hyphen)",
    "\u00c9AB (after a letter)", "AB \n\u00a0 (spaces and a break)", "AB (x (nested one)) CD (last one)",
    "AB (short) (open", "AB (line\nbreak)", "AB(glued on)"])
def test_acronyms_before_parentheses_are_what_the_pattern_finds(text: str) -> None:
    _assert_acronyms_as_pattern(text)


@given(text=st.text(alphabet="ABC xy-(()\n\u00c9_", max_size=60))
def test_acronyms_before_parentheses_agree_with_the_pattern_on_any_text(text: str) -> None:
    _assert_acronyms_as_pattern(text)


def _assert_acronyms_as_pattern(text: str) -> None:
    expected = [(m.start("acronym"), m.end("acronym"), m.start("inner"), m["inner"])
                for m in _ACRONYM_BEFORE_PARENTHESES.finditer(text)]
    found = [(start, end, m.start("inner"), m["inner"]) for start, end, m in acronyms_before_parentheses(text)]
    assert found == expected

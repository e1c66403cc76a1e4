"""Trimming a model span down to the name itself (ingest.entities.trim)."""

from __future__ import annotations

import pytest

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.trim import initials, trim_span


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


@pytest.mark.parametrize(("span", "entity_type", "expected"), [
    ("Russian President Vladimir Putin", "PERSON", "Vladimir Putin"),
    ("US Secretary of State Marco Rubio", "PERSON", "Marco Rubio"),
    ("Israeli Prime Minister Benjamin Netanyahu", "PERSON", "Benjamin Netanyahu"),
    ("President Donald Trump\u2019s", "PERSON", "Donald Trump"),
    ("Afghan Ambassador to the United States Hamdullah Mohib", "PERSON", "Hamdullah Mohib"),
    ("Putin's", "PERSON", "Putin"),
    ("@netanyahu", "PERSON", None),
    ("#Putin", "PERSON", "Putin"),
    ("the United Nations", "ORGANIZATION", "United Nations"),
    ("\u201cBoard of Peace,\u201d", "ORGANIZATION", "Board of Peace"),
    ("Jordan Peterson", "PERSON", "Jordan Peterson"),
    ("President", "PERSON", None),
    ("U.S.", "LOCATION", "U.S."),
    ("Rent the Runway", "ORGANIZATION", "Rent the Runway"),
    ("Scientology on French", "ORGANIZATION", "Scientology"),  # "... against Scientology on French television"
    ("Conference on Iran", "ORGANIZATION", "Conference on Iran"),
    ("Bank of Japan", "ORGANIZATION", "Bank of Japan"),
    ("International Space Station Image", "LOCATION", "International Space Station"),  # a caption's credit
    ("Getty Images", "ORGANIZATION", "Getty Images"),
    ("Amazon Prime Video", "ORGANIZATION", "Amazon Prime Video"),
    ("IRS Direct File", "ORGANIZATION", "IRS Direct File"),
    ("Read More", "ORGANIZATION", None),
    ("Share", "PERSON", None),
])
def test_trim_span_keeps_only_the_name(span: str, entity_type: str, expected: str | None,
                                       gazetteer: Gazetteer) -> None:
    text = f"Yesterday {span} spoke."
    start = text.index(span)
    trimmed = trim_span(text, start, start + len(span), entity_type, gazetteer)
    assert (text[trimmed[0]:trimmed[1]] if trimmed else None) == expected


def test_initials_skip_function_words_and_lower_case_words() -> None:
    assert initials(["University", "of", "North", "Carolina"]) == "UNC"
    assert initials(["University", "of", "Texas", "at", "Arlington"]) == "UTA"


def test_the_same_span_text_trims_by_what_stands_before_it(gazetteer: Gazetteer) -> None:
    text = "Protesters, pro-Beijing and anti-\u201cBeijing\u201d, met Beijing officials in \u201cBeijing\u201d."
    first, quoted = text.index("Beijing"), text.index("\u201cBeijing")
    middle, last = text.index("Beijing off"), text.rindex("\u201cBeijing")
    # a lower-case prefix glued to the name makes it an attitude; a quote between them does not
    assert trim_span(text, first, first + 7, "LOCATION", gazetteer) is None
    assert trim_span(text, quoted, quoted + 9, "LOCATION", gazetteer) == (quoted + 1, quoted + 8)
    assert trim_span(text, middle, middle + 7, "LOCATION", gazetteer) == (middle, middle + 7)
    assert trim_span(text, last, last + 9, "LOCATION", gazetteer) == (last + 1, last + 8)

"""The headline: the <h1> or the declared title without the site name; a title a publisher mis-decoded, repaired."""

from __future__ import annotations

import lxml.html

from ingest.extract.page_metadata import read_page_metadata
from ingest.extract.page_titles import repaired


def test_a_title_whose_utf8_was_read_as_latin1_is_decoded_back() -> None:
    broken = "A DIY Investor\u00e2\u0080\u0099s Guide to Retirement Calculators"
    assert repaired(broken) == "A DIY Investor\u2019s Guide to Retirement Calculators"
    assert repaired("Caf\u00c3\u00a9 guide") == "Caf\u00e9 guide"


def test_a_correct_or_mixed_title_is_left_alone() -> None:
    assert repaired("Zürich Ärger über Straßenbahnen") == "Zürich Ärger über Straßenbahnen"
    assert repaired("Café \u00c3\u00a9tude") == "Café \u00c3\u00a9tude"  # no clean decoding: kept as written


def test_the_page_title_is_repaired_whether_it_comes_from_the_h1_or_the_declaration() -> None:
    broken = "A DIY Investor\u00e2\u0080\u0099s Guide to Retirement Calculators"
    html = (f"<html><head><meta property='og:title' content='{broken} | White Coat Investor'></head>"
            f"<body><article><h1>{broken}</h1><p>Text.</p></article></body></html>")
    page = read_page_metadata(lxml.html.fromstring(html), "https://www.whitecoatinvestor.com/calculators/")
    assert page.title == "A DIY Investor\u2019s Guide to Retirement Calculators"


def _title(h1: str, og_title: str) -> str | None:
    html = (f"<html><head><meta property='og:title' content=\"{og_title} | AAFT\"></head>"
            f"<body><article><h1>{h1}</h1><p>Text.</p></article></body></html>")
    return read_page_metadata(lxml.html.fromstring(html), "https://aaft.edu.in/blog/x").title


def test_a_heading_whose_characters_a_conversion_turned_into_question_marks_gives_the_declared_title() -> None:
    assert _title("What Are The Basics Of Event Planning? Beginner? Guide",
                  "What Are The Basics Of Event Planning: Beginner's Guide") == \
        "What Are The Basics Of Event Planning: Beginner's Guide"
    assert _title("Caf\ufffd guide to Delhi", "Café guide to Delhi") == "Café guide to Delhi"
    # A real question in the heading stays the heading's, the declared variant wording notwithstanding.
    assert _title("Why do trams win? A look at the numbers", "Why trams win: the numbers") == \
        "Why do trams win? A look at the numbers"

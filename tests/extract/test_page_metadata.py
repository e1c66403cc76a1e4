"""What a page declares: every text field is unescaped before it is split, so an `&amp;` survives as `&`."""

from __future__ import annotations

import json

import lxml.html

from ingest.extract.html import extract
from ingest.extract.page_metadata import byline_name, read_page_metadata
from ingest.models import ExtractedArticle, RawDocument
from tests.support.pages import article_html


def _ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def test_an_escaped_ampersand_in_json_ld_is_one_name_not_a_split() -> None:
    head = _ld(headline="Tram &amp; bus", author=[{"@type": "Person", "name": "Maria &amp; Katerina"},
                                                   {"@type": "Person", "name": "Jos&#233; P&#233;rez"}],
               publisher={"@type": "Organization", "name": "Smith &amp; Sons News"},
               description="Trams &amp; buses &#8211; what changes", keywords="R&amp;D, AT&amp;T, transport")
    page = read_page_metadata(lxml.html.fromstring(article_html(title="Tram", extra_head=head)), None)
    assert page.authors == ("Maria & Katerina", "José Pérez")
    assert page.site_name == "Smith & Sons News"
    assert page.description == "Trams & buses – what changes"
    assert page.tags == ("R&D", "AT&T", "transport")


def test_an_author_string_with_entities_and_separators_splits_after_unescaping() -> None:
    head = _ld(author="Maria &amp; Katerina; Ola Nordmann")
    page = read_page_metadata(lxml.html.fromstring(article_html(extra_head=head)), None)
    assert page.authors == ("Maria & Katerina", "Ola Nordmann")


def test_twice_escaped_meta_content_is_decoded() -> None:
    head = ('<meta name="author" content="Maria &amp;amp; Katerina">'
            '<meta property="og:site_name" content="Smith &amp;amp; Sons">'
            '<meta property="og:title" content="Tram &amp;amp; bus plans">')
    html = article_html(title="Tram", extra_head=head).replace("<h1>Tram</h1>", "")
    page = read_page_metadata(lxml.html.fromstring(html), None)
    assert page.authors == ("Maria & Katerina",)
    assert (page.site_name, page.title) == ("Smith & Sons", "Tram & bus plans")


def test_a_container_declared_author_is_unescaped_before_it_is_split() -> None:
    document = RawDocument(source_uri="test://page.html", media_type="text/html",
                           content=article_html().encode(), declared_author="Maria &amp; Katerina; Ola Nordmann")
    result = extract(document)
    assert isinstance(result, ExtractedArticle)
    assert result.authors == ("Maria", "Katerina", "Ola Nordmann")  # '&' separates names in a plain string


def test_a_byline_found_in_the_page_loses_the_date_role_and_lead_around_the_name() -> None:
    assert byline_name("Luke Kim December 3, 2025") == "Luke Kim"
    assert byline_name("Cazzy Magennis Last Updated August 1") == "Cazzy Magennis"
    assert byline_name("Recipe by PJ Hamel") == "PJ Hamel"
    assert byline_name("Linda Rosencrance Contributing Writer") == "Linda Rosencrance"
    assert byline_name("Haley Hoekstra • March 4") == "Haley Hoekstra"
    assert byline_name("June Carter") == "June Carter"  # a month that opens a name is the name
    assert [byline_name(s) for s in ("Updated January", "Dec", "Written By", "CEO", "page.head.extra.author")] == \
        [None] * 5


def test_the_byline_search_result_is_cleaned_when_nothing_is_declared() -> None:
    html = article_html(title="Tram vote").replace(
        "<h1>Tram vote</h1>", "<h1>Tram vote</h1><span class='author'>Luke Kim December 3, 2025</span>")
    page = read_page_metadata(lxml.html.fromstring(html), None)
    assert page.authors == ("Luke Kim",)


def test_a_title_element_escaped_twice_is_decoded() -> None:
    html = "<html><head><title>Tools: Python, SQL &amp;#x26; AI</title></head><body><p>Text.</p></body></html>"
    assert read_page_metadata(lxml.html.fromstring(html), None).title == "Tools: Python, SQL & AI"

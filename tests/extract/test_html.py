"""Extract stage: legacy encodings, junk input, pages without an article, and the page's own declarations."""

from __future__ import annotations

import json
from datetime import date

import lxml.html
import trafilatura
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from trafilatura.utils import load_html

from ingest.extract.clean import clean
from ingest.extract.html import _VISIBLE_TEXT, _covers_less_than, decode_bytes, extract, fill_gaps, parse_html
from ingest.models import CleanArticle, ExtractedArticle, RawDocument, Reject
from ingest.settings import Settings
from ingest.words import count_words
from tests.support.pages import PARAGRAPHS, article_html

JAPANESE_PARAGRAPHS = (
    "東京都は火曜日、川沿いの新しい路面電車の路線を承認したと発表した。計画は十年にわたって議論されてきたもので、"
    "北部の住宅地と旧市街を結ぶことを目的としている。",
    "支持者は通勤時間が三分の一短くなると述べたが、反対派は建設費の見積もりが春の説明会以来すでに二倍になったと"
    "警告した。工事は来年始まり、少なくとも四年かかる見込みだという。",
    "交通局は今後数か月のうちに、各段階の詳しい工程表を公表する予定で、住民向けの説明会も各地区で開くとしている。",
)


def _html_document(content: bytes, url: str | None = "https://news.example.com/2024/tram") -> RawDocument:
    return RawDocument(source_uri="test://page.html", media_type="text/html", content=content, url=url)


def _extracted(content: bytes, url: str | None = "https://news.example.com/2024/tram") -> ExtractedArticle:
    result = extract(_html_document(content, url))
    assert isinstance(result, ExtractedArticle), result
    return result


def test_cp1252_page_without_any_declaration_is_decoded() -> None:
    paragraphs = (*PARAGRAPHS, "At the café on the square, the mayor called it “a naïve plan — but ours”, "
                               "and promised a vote on the fares before the summer break of 2025.")
    content = article_html(charset_meta=None, paragraphs=paragraphs).encode("cp1252")
    assert b"\xe9" in content  # é as a single cp1252 byte: not valid UTF-8
    article = _extracted(content)
    assert "café" in article.body
    assert "“a naïve plan — but ours”" in article.body
    assert "\ufffd" not in article.body


def test_shift_jis_page_declared_only_in_a_meta_tag() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    html = article_html(title="路面電車の延伸を承認", paragraphs=JAPANESE_PARAGRAPHS, charset_meta=None,
                        extra_head=head)
    content = html.encode("shift_jis")
    assert decode_bytes(content) == html
    article = _extracted(content)
    assert "北部の住宅地と旧市街を結ぶ" in article.body
    assert article.title == "路面電車の延伸を承認"
    cleaned = clean(article, Settings())
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.language == "ja"


def test_binary_junk_is_rejected_with_a_reason() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20
    result = extract(_html_document(png))
    assert isinstance(result, Reject)
    assert (result.stage, result.reason) == ("extract", "binary_content")


def test_control_characters_without_nul_bytes_are_rejected_too() -> None:
    junk = bytes(b for b in range(1, 32) if b not in b"\t\n\r\f") * 200
    result = extract(_html_document(junk))
    assert isinstance(result, Reject)
    assert result.reason == "binary_content"


def test_a_page_without_an_article_is_rejected_as_no_article() -> None:
    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Example News</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
            "<div class='login'><form><input name='user'><button>Sign in</button></form></div>"
            "<footer>© Example News</footer></body></html>")
    extracted = extract(_html_document(html.encode()))
    outcome = extracted if isinstance(extracted, Reject) else clean(extracted, Settings())
    assert isinstance(outcome, Reject)
    assert outcome.reason == "no_article"
    assert outcome.stage in ("extract", "clean")


def _json_ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", **fields})}</script>'


def test_json_ld_declarations_take_precedence_over_page_heuristics() -> None:
    ld = _json_ld(**{
        "@type": "NewsArticle", "headline": "Council approves tram extension across the river",
        "author": [{"@type": "Person", "name": "Jane Roe"}, {"@type": "Person", "name": "Ola Nordmann"}],
        "datePublished": "2024-03-05T10:00:00+01:00",
        "publisher": {"@type": "Organization", "name": "Example News"},
    })
    paragraphs = (*PARAGRAPHS, "By Someone Else, updated on 12 January 2019 according to the archive desk.")
    html = (article_html(title="Tram vote", paragraphs=paragraphs, extra_head=ld)
            .replace("<title>Tram vote</title>", "<title>Tram news today - Example News</title>")
            .replace("<h1>Tram vote</h1>", ""))
    article = _extracted(html.encode())
    assert article.title == "Council approves tram extension across the river"
    assert article.authors == ("Jane Roe", "Ola Nordmann")
    assert article.published_at == date(2024, 3, 5)
    assert article.site_name == "Example News"


def test_a_publisher_declared_as_author_is_no_byline() -> None:
    ld = _json_ld(**{"@type": "Article", "headline": "Tram vote",
                     "author": {"@type": "Organization", "name": "Example News"},
                     "publisher": {"@type": "Organization", "name": "Example News"}})
    article = _extracted(article_html(title="Tram vote", extra_head=ld).encode())
    assert article.authors == ()


def test_site_name_is_stripped_from_the_declared_title() -> None:
    head = '<meta property="og:site_name" content="Example News">'
    html = article_html(title="Council approves tram extension | Example News", extra_head=head)
    html = html.replace("<h1>Council approves tram extension | Example News</h1>", "")
    assert _extracted(html.encode()).title == "Council approves tram extension"


def test_the_visible_headline_wins_over_an_seo_title_and_a_menu_heading() -> None:
    head = '<meta property="og:title" content="Tram extension: what the council vote means for you - Example News">'
    html = article_html(title="Council approves tram extension", extra_head=head).replace(
        "<nav>", "<nav><h1 class='sr-only'>Main menu</h1>")
    assert _extracted(html.encode()).title == "Council approves tram extension"


def test_canonical_link_is_resolved_against_the_page_url() -> None:
    head = '<link rel="canonical" href="/2024/03/05/tram-extension">'
    article = _extracted(article_html(extra_head=head).encode(), url="https://news.example.com/amp/tram?x=1")
    assert article.canonical_url == "https://news.example.com/2024/03/05/tram-extension"


def test_declared_article_body_replaces_an_extraction_that_lost_most_of_it() -> None:
    teaser = PARAGRAPHS[0]
    rest = " ".join(f"Paragraph {n} of the full story explains the financing of the tram line in more detail, "
                    f"including the share paid by the regional government." for n in range(1, 13))
    ld = _json_ld(**{"@type": "NewsArticle", "headline": "Council approves tram extension",
                     "articleBody": f"{teaser}\n\n{rest}"})
    html = article_html(paragraphs=(teaser,), extra_head=ld)
    article = _extracted(html.encode())
    assert "Paragraph 12 of the full story" in article.body
    assert article.body.startswith("The city council voted")


def test_declared_article_body_that_is_not_on_the_page_is_ignored() -> None:
    unrelated = " ".join(f"Sentence {n} about a different story that this page does not show." for n in range(40))
    ld = _json_ld(**{"@type": "NewsArticle", "headline": "Council approves tram extension",
                     "articleBody": unrelated})
    article = _extracted(article_html(extra_head=ld).encode())
    assert "different story" not in article.body
    assert "cut commuting times by a third" in article.body


def test_utf8_bytes_with_bom_xhtml_doctype_and_stray_control_characters() -> None:
    doctype = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
               '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n')
    html = article_html(paragraphs=(*PARAGRAPHS, "Fares will stay at €2.40 — the council said so\x0b twice."))
    content = b"\xef\xbb\xbf" + (doctype + html.removeprefix("<!DOCTYPE html>")).encode("utf-8")
    article = _extracted(content)
    assert "cut commuting times by a third" in article.body
    assert "€2.40 — the council said so twice." in article.body
    clean_utf8 = _extracted(content.replace(b"\x0b", b""))
    assert clean_utf8.body == article.body
    assert clean_utf8.title == article.title == "Council approves tram extension"


# --- Property: whatever the bytes and declared charset, extraction answers with an article or a reject ---

_HTMLISH = st.builds(lambda head, body: f"<html><head>{head}</head><body><article>{body}</article></body></html>",
                     st.text(max_size=80), st.text(max_size=400))


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(st.binary(max_size=3000), _HTMLISH.map(lambda s: s.encode("utf-8", "surrogatepass")),
                         st.text(max_size=1000).map(lambda s: s.encode("utf-8", "surrogatepass"))),
       media=st.sampled_from(("text/html", "text/plain")),
       charset=st.one_of(st.none(), st.sampled_from(("utf-8", "latin-1", "shift_jis", "utf-16", "no-such-codec",
                                                     "", "x" * 40))),
       url=st.one_of(st.none(), st.just("https://news.example.com/a"), st.text(max_size=30)))
def test_any_bytes_extract_to_an_article_or_a_reject_and_clean_likewise(
        content: bytes, media: str, charset: str | None, url: str | None) -> None:
    document = RawDocument(source_uri="test://any", media_type=media, content=content,  # type: ignore[arg-type]
                           charset=charset, url=url)
    extracted = extract(document)  # no catch-all here: an exception fails the property
    assert isinstance(extracted, ExtractedArticle | Reject)
    if isinstance(extracted, ExtractedArticle):
        cleaned = clean(extracted, Settings(min_body_words=1))
        assert isinstance(cleaned, CleanArticle | Reject)
        if isinstance(cleaned, CleanArticle):
            cleaned.body_text.encode("utf-8")  # storable text: no lone surrogates
    else:
        assert extracted.stage == "extract" and extracted.input == "test://any" and extracted.reason


def test_the_recall_pass_fills_gaps_inside_the_article_but_adds_no_teasers_around_it() -> None:
    balanced = "\n".join(["First paragraph of the story, as both passes found it.", "Second paragraph, also shared.",
                          "Last paragraph of the article body."])
    recall = "\n".join(["Mehr aus Thüringen", "First paragraph of the story, as both passes found it.",
                        "A list item the balanced pass dropped but which belongs here",
                        "Hector Andrade | Agencia UNO", "Second paragraph, also shared.",
                        "Last paragraph of the article body.", "Teaser: another story from the same desk",
                        " ".join(["A long paragraph of prose after the shared span"] * 4)])
    kept = fill_gaps(recall, balanced).split("\n")
    assert kept == [recall.split("\n")[i] for i in (1, 2, 4, 5, 7)]
    assert fill_gaps("Only a teaser", balanced) == balanced  # nothing shared: the balanced text stands


GERMAN_PARAGRAPHS = (
    "Die Stadtverwaltung hat am Dienstag den Bau einer neuen Straßenbahnlinie entlang des Flusses beschlossen, "
    "nachdem der Plan zehn Jahre lang diskutiert worden war.",
    "Befürworter sagen, die Fahrzeit in die Innenstadt werde sich um ein Drittel verkürzen, während Gegner vor den "
    "Kosten warnen, die sich seit dem Frühjahr verdoppelt haben.",
    "Die Bauarbeiten sollen im kommenden Jahr beginnen und mindestens vier Jahre dauern; die Verkehrsbetriebe wollen "
    "in den nächsten Monaten einen Zeitplan vorlegen.",
    "Anwohner können sich bei Informationsabenden in allen Stadtteilen über die einzelnen Bauabschnitte und die "
    "geplanten Umleitungen informieren lassen.",
)


def test_headings_only_the_balanced_pass_keeps_stay_in_the_body() -> None:
    # trafilatura's quick recall pass drops the <h3> headings inside a container whose class reads as a teaser;
    # its balanced pass keeps them, and so must we (plain trafilatura does).
    first, second, third, fourth = GERMAN_PARAGRAPHS
    html = ("<html lang='de'><head><title>Neue Straßenbahn</title></head><body><nav><a href='/'>Start</a></nav>"
            f"<div class='teaser_blog_text'><p>{first}</p>\n<p>{second}</p>\n<h3>Kosten und Zeitplan</h3>\n"
            f"<p>{third}</p>\n<h3>Was Anwohner wissen müssen</h3>\n<p>{fourth}</p></div>"
            "<footer>Impressum</footer></body></html>")
    lines = _extracted(html.encode(), "https://stadt.example.de/strassenbahn").body.split("\n")
    assert lines == [first, second, "Kosten und Zeitplan", third, "Was Anwohner wissen müssen", fourth]


def test_the_merge_keeps_every_balanced_line_once_however_each_pass_renders_it() -> None:
    balanced = "\n".join(["Madrid aprobó el martes el nuevo plan de transporte para toda la región.", "Ciudad",
                          "Habitantes", "Madrid", "3.300.000", "Primer punto del plan con varias palabras de prosa",
                          "Un párrafo que solo encontró la pasada equilibrada.", "El último párrafo del artículo."])
    recall = "\n".join(["Madrid aprobó el martes el nuevo plan de transporte para toda la región.",
                        "| Ciudad | Habitantes |", "|---|---|", "| Madrid | 3.300.000 |",
                        "- Primer punto del plan con varias palabras de prosa",
                        "Una línea de la lista que la pasada equilibrada no guardó aquí",
                        "El último párrafo del artículo."])
    merged = fill_gaps(recall, balanced).split("\n")
    assert "Un párrafo que solo encontró la pasada equilibrada." in merged  # balanced-only: never lost
    assert "Una línea de la lista que la pasada equilibrada no guardó aquí" in merged  # recall-only gap: filled
    assert "- Primer punto del plan con varias palabras de prosa" in merged  # the same item once, not twice
    assert "Primer punto del plan con varias palabras de prosa" not in merged
    assert "| Madrid | 3.300.000 |" not in merged and "3.300.000" in merged  # the table once, as balanced has it
    assert merged.index("Un párrafo que solo encontró la pasada equilibrada.") < merged.index(
        "El último párrafo del artículo.")


def test_the_page_coverage_test_answers_as_the_whole_visible_text_count_would() -> None:
    content = article_html(title="Council approves tram extension").encode()
    tree = parse_html(content, content.decode())
    assert tree is not None
    visible = count_words(" ".join(_VISIBLE_TEXT(tree)))
    assert visible > 40
    for words in (0, 1, visible // 4 - 1, visible // 4, (visible + 3) // 4, visible, 10 * visible):
        assert _covers_less_than(tree, words) == (words < 0.25 * visible)


def test_parse_html_gives_trafilatura_the_tree_its_own_parser_would_in_plain_html_elements() -> None:
    form = ('<form action="/search"><label for="q">Search</label><input name="q" value="tram">'
            '<select name="s"><option>All</option></select><textarea name="t">Note</textarea></form>')
    content = article_html(title="Council approves tram extension").replace("<article>", form + "<article>").encode()
    ours, theirs = parse_html(content, content.decode()), load_html(content.decode())
    assert ours is not None and theirs is not None
    assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)
    # lxml.html's look-up makes <form> a FormElement; ours keeps every element a plain HtmlElement
    assert isinstance(theirs.find(".//form"), lxml.html.FormElement)
    assert {type(element) for element in ours.iter()} == {lxml.html.HtmlElement}
    assert ours.find(".//label").text_content() == "Search"
    assert trafilatura.extract(ours, include_comments=False) == trafilatura.extract(theirs, include_comments=False)

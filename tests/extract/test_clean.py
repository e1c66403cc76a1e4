"""Clean stage: the seed article's acceptance expectations, furniture removal, titles and normalisation."""

from __future__ import annotations

import json
from datetime import date
from html import escape

import py3langid
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ingest.extract.clean import LANGUAGE_SAMPLE_CHARS, clean, detect_language, normalise_text
from ingest.extract.html import extract
from ingest.models import CleanArticle, ExtractedArticle, RawDocument, Reject
from ingest.read.files import read_inputs
from ingest.settings import Settings
from tests.support.paths import SEED_ARTICLE, SEED_EXPECTED


@pytest.fixture
def seed_article(settings: Settings) -> CleanArticle:
    [document] = list(read_inputs([SEED_ARTICLE], settings))
    assert isinstance(document, RawDocument)
    extracted = extract(document)
    assert isinstance(extracted, ExtractedArticle)
    cleaned = clean(extracted, settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    return cleaned


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))


def test_seed_author_comes_from_the_bio(seed_article: CleanArticle, expected: dict) -> None:
    assert seed_article.author is not None
    assert seed_article.author.casefold() == expected["author"].casefold()


def test_seed_body_keeps_every_required_passage(seed_article: CleanArticle, expected: dict) -> None:
    body = seed_article.body_text.casefold()
    missing = [s for s in expected["body_must_contain"] if normalise_text(s).casefold() not in body]
    assert not missing


def test_seed_body_has_no_furniture(seed_article: CleanArticle, expected: dict) -> None:
    body = seed_article.body_text.casefold()
    present = [s for s in expected["body_must_not_contain"] if s.casefold() in body]
    assert not present


def test_seed_embeds_are_split_out(seed_article: CleanArticle, expected: dict) -> None:
    assert len(seed_article.embeds) == len(expected["embeds"])
    for embed, want in zip(seed_article.embeds, expected["embeds"], strict=True):
        assert embed.platform == want["platform"]
        assert (embed.handle or "").casefold() == want["handle"].casefold()
        assert embed.posted_on == date.fromisoformat(want["date"])
        assert want["text_contains"].casefold() in embed.text.casefold()
        assert want["text_contains"].casefold() not in seed_article.body_text.casefold()


def _extracted(body: str, title: str | None = "Council approves tram extension",
               authors: tuple[str, ...] = ("Jane Roe",)) -> ExtractedArticle:
    return ExtractedArticle(document_id="d" * 64, source_uri="test://page.html", url="https://news.example.com/a",
                            title=title, authors=authors, body=body)


ARTICLE_LINES = [
    "The city council voted on Tuesday to expand the tram network across the river, ending a decade of debate.",
    "Supporters said the new line would cut commuting times by a third, while opponents warned about costs.",
    "Construction is expected to begin next year and to last at least four years, the transport department said.",
]


def test_page_chrome_lines_are_taken_out_and_kept_for_audit(settings: Settings) -> None:
    chrome = ["Council approves tram extension", "By Jane Roe and Ola Nordmann", "Jane Roe",
              "Updated: March 5, 2024 10:42 AM", "5 min read", "Photo: Kari Nordmann/Getty Images",
              "Advertisement", "Share this article", "Subscribe to our newsletter for the week's best stories"]
    body = "\n".join([*chrome[:5], ARTICLE_LINES[0], chrome[5], chrome[6], *ARTICLE_LINES[1:], *chrome[7:]])
    cleaned = clean(_extracted(body), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == ARTICLE_LINES
    assert sorted(cleaned.removed_lines) == sorted(chrome)


def test_ordinary_sentences_that_start_like_furniture_stay(settings: Settings) -> None:
    kept = ["Watch out for: the fares will rise in the spring for riders who do not hold a season ticket.",
            "By Functionality", "Recommended Field Flattener: none, the lens corrects it.",
            "Related to the above: the council also approved two new bus lanes.",
            "Photographers gathered on the bridge to see the first tram cross the river."]
    cleaned = clean(_extracted("\n".join([*ARTICLE_LINES, *kept])), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*ARTICLE_LINES, *kept]
    assert cleaned.removed_lines == ()


def test_promo_lines_for_other_stories_are_removed(settings: Settings) -> None:
    promos = ["ALSO READ: Ten things to do in the old town", "Read more: how the tram was financed", "Related:"]
    cleaned = clean(_extracted("\n".join([ARTICLE_LINES[0], promos[0], *ARTICLE_LINES[1:], *promos[1:]])), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == ARTICLE_LINES
    assert list(cleaned.removed_lines) == promos



def test_a_promo_or_call_to_action_opening_a_long_line_is_prose_and_stays(settings: Settings) -> None:
    long_promo = "Read more: " + " ".join(["the council said the tram line would be finished"] * 3) + "."
    long_cta = "Subscribe " + " ".join(["to the idea that the tram line would be finished on time"] * 3) + "."
    short_cta = "Sign up for our morning newsletter"
    lines = [ARTICLE_LINES[0], long_promo, long_cta, short_cta, *ARTICLE_LINES[1:]]
    cleaned = clean(_extracted("\n".join(lines)), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [ARTICLE_LINES[0], long_promo, long_cta, *ARTICLE_LINES[1:]]
    assert list(cleaned.removed_lines) == [short_cta]


def test_the_language_answer_is_the_classifiers_for_the_bounded_sample() -> None:
    german = " ".join(GERMAN_LINES)
    for text in (german, german + " Weitere Sätze folgen hier.", "The council approved the tram line. " * 50):
        assert detect_language(text) == str(py3langid.classify(text[:LANGUAGE_SAMPLE_CHARS])[0])
    assert detect_language(german) == detect_language(german + " Weitere Sätze folgen hier.") == "de"


GERMAN_LINES = [
    "Der Stadtrat hat am Dienstag beschlossen, das Straßenbahnnetz über den Fluss hinaus zu erweitern.",
    "Befürworter sagen, die neue Linie verkürze die Pendelzeit um ein Drittel, Gegner warnen vor den Kosten.",
    "Die Bauarbeiten sollen im nächsten Jahr beginnen und mindestens vier Jahre dauern, teilte das Amt mit.",
]


def test_teaser_headings_and_prompts_are_removed_in_the_page_language(settings: Settings) -> None:
    furniture = ["Lesen Sie auch:", "Mehr zum Thema", "Anzeige", "Teilen Sie dies mit:", "Zum Weiterlesen:",
                 "Weitere Artikel zum Thema"]
    kept = ["Lesen Sie auch die Begründung des Gerichts, sagte der Sprecher, sie sei öffentlich."]
    body = "\n".join([GERMAN_LINES[0], *furniture[:3], *GERMAN_LINES[1:], *kept, *furniture[3:]])
    cleaned = clean(_extracted(body, title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.language == "de"
    assert cleaned.body_text.split("\n") == [*GERMAN_LINES, *kept]
    assert sorted(cleaned.removed_lines) == sorted(furniture)


def test_another_language_s_furniture_words_do_not_fire(settings: Settings) -> None:
    # "Listen" is a German noun (lists) and "Subscribe-Funktion" a German compound: on an English page the first
    # would open a teaser ("Listen: the podcast") and the second a call to action, on a German page they are prose.
    german_prose = ["Listen: Wer im Stadtrat wofür gestimmt hat, steht im Protokoll der Sitzung vom Dienstag.",
                    "Subscribe-Funktion: Leser können sich die Protokolle künftig zuschicken lassen."]
    cleaned = clean(_extracted("\n".join([*GERMAN_LINES, *german_prose]), title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*GERMAN_LINES, *german_prose]
    english = clean(_extracted("\n".join([*ARTICLE_LINES, "Listen: the council's podcast on the tram"])), settings)
    assert isinstance(english, CleanArticle), english
    assert english.body_text.split("\n") == ARTICLE_LINES


def test_a_body_that_is_only_furniture_is_rejected(settings: Settings) -> None:
    cleaned = clean(_extracted("Advertisement\nShare this article\nBy Jane Roe\n5 min read"), settings)
    assert isinstance(cleaned, Reject)
    assert (cleaned.stage, cleaned.reason) == ("clean", "no_article")


def test_language_is_detected_from_the_body(settings: Settings) -> None:
    cleaned = clean(_extracted("\n".join(ARTICLE_LINES)), settings)
    assert isinstance(cleaned, CleanArticle)
    assert cleaned.language == "en"
    assert cleaned.word_count == sum(len(line.split()) for line in ARTICLE_LINES)


# --- Property: whatever text and declarations reach it, cleaning answers with an article or a reject ---

_LINE = st.one_of(st.text(max_size=120), st.sampled_from((
    "Read more: another story", "By Jane Doe", "— Jane (@jane) March 3, 2025", "Advertisement",
    "Updated: March 3, 2025 at 10:00 AM", "Jane Doe is a reporter who covers the city.", "About the author", "")))


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_LINE, max_size=30), title=st.one_of(st.none(), st.text(max_size=80)),
       authors=st.lists(st.text(max_size=30), max_size=3), url=st.one_of(st.none(), st.text(max_size=40)),
       source=st.sampled_from(("a.txt", "a.html", "feed.jsonl#line=1")))
def test_any_extracted_text_cleans_to_an_article_or_a_reject(
        lines: list[str], title: str | None, authors: list[str], url: str | None, source: str) -> None:
    article = ExtractedArticle(document_id="d" * 64, source_uri=source, url=url, title=title,
                               authors=tuple(authors), body="\n".join(lines))
    for minimum in (0, 25):
        cleaned = clean(article, Settings(min_body_words=minimum))
        assert isinstance(cleaned, CleanArticle | Reject)
        if isinstance(cleaned, Reject):
            assert (cleaned.stage, cleaned.input) == ("clean", source)
        else:
            assert cleaned.word_count >= minimum and cleaned.source_uri == source


def _page(lang: str, title: str, lines: list[str]) -> RawDocument:
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (f"<html lang='{lang}'><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
            f"<nav><a href='/'>Start</a></nav><article><h1>{escape(title)}</h1>{paragraphs}</article>"
            "<footer>Impressum</footer></body></html>")
    return RawDocument(source_uri=f"test://{lang}.html", media_type="text/html", content=html.encode(),
                       url=f"https://news.example.{lang}/tram")


def _cleaned_page(document: RawDocument, settings: Settings) -> CleanArticle:
    extracted = extract(document)
    assert isinstance(extracted, ExtractedArticle), extracted
    cleaned = clean(extracted, settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    return cleaned


def test_a_german_page_loses_its_byline_dateline_credits_and_teasers_but_no_prose(settings: Settings) -> None:
    prose = [*GERMAN_LINES, "Von der Brücke aus sieht man schon die ersten Gleise, die im Winter verlegt wurden.",
             "Seit dem Frühjahr fährt dort kein Bus mehr."]
    chrome = ["Von Anna Schmidt", "Aktualisiert am 17. Januar 2024, 10:42 Uhr", "Lesezeit: 3 Minuten",
              "Foto: Max Mustermann", "Mehr Themen:", "Bus und Bahn im Überblick: Alle Linien der Stadt. mehr"]
    lines = [*chrome[:3], prose[0], chrome[3], prose[1], chrome[4], *prose[2:], chrome[5]]
    cleaned = _cleaned_page(_page("de", "Neue Straßenbahn über den Fluss", lines), settings)
    assert cleaned.language == "de"
    assert cleaned.body_text.split("\n") == prose
    assert set(chrome) <= set(cleaned.removed_lines)


def test_a_spanish_page_loses_its_byline_dateline_and_teasers_but_no_prose(settings: Settings) -> None:
    prose = ["El ayuntamiento aprobó el martes la ampliación de la red de tranvía hasta la otra orilla del río.",
             "Por la tarde, los vecinos se reunieron en la plaza para celebrar la decisión del pleno municipal.",
             "Los partidarios dicen que la nueva línea reducirá un tercio el tiempo de viaje al centro.",
             "Las obras comenzarán el próximo año y durarán al menos cuatro años, según el ayuntamiento."]
    chrome = ["Por María López Fernández", "Publicado el 5 de marzo de 2024",
              "Lee también: Las obras del metro empiezan en verano", "Compartir"]
    lines = [*chrome[:2], prose[0], chrome[2], *prose[1:3], chrome[3], prose[3]]
    cleaned = _cleaned_page(_page("es", "Nuevo tranvía sobre el río", lines), settings)
    assert cleaned.language == "es"
    assert cleaned.body_text.split("\n") == prose
    assert set(chrome) <= set(cleaned.removed_lines)


def test_a_long_line_opening_with_a_teaser_heading_is_prose(settings: Settings) -> None:
    prose = ("Mehr dazu: Der Stadtrat will in den kommenden Wochen mit den Anwohnern über die Trasse sprechen, die "
             "Verkehrsbetriebe legen bis dahin einen Zeitplan für alle Bauabschnitte vor und die Stadtwerke prüfen, "
             "welche Leitungen verlegt werden müssen.")
    cleaned = clean(_extracted("\n".join([*GERMAN_LINES, prose]), title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*GERMAN_LINES, prose]


def test_an_english_byline_needs_capitalised_names(settings: Settings) -> None:
    lines = [*ARTICLE_LINES, "by data processors and their sub-contractors.", "By Jane Roe"]
    cleaned = clean(_extracted("\n".join(lines), authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == lines[:-1]



def test_furniture_in_a_one_cell_table_row_or_in_brackets_is_read_bare(settings: Settings) -> None:
    furniture = ["| Weitere Artikel zum Thema |", "(Foto: Max Mustermann / Stadtanzeiger)", "| Kommentierte Artikel |"]
    table_row = "| Linie | Takt | Fahrzeit | Mehr Themen |"  # a row of several cells is the table's own text
    body = "\n".join([GERMAN_LINES[0], furniture[1], *GERMAN_LINES[1:], table_row, furniture[0], furniture[2]])
    cleaned = clean(_extracted(body, title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*GERMAN_LINES, table_row]
    assert sorted(cleaned.removed_lines) == sorted(furniture)


def test_a_long_line_shown_twice_keeps_its_first_copy_short_repeats_stay(settings: Settings) -> None:
    # A page that renders its article twice (a teaser above it, a second layout) gives the extractor every
    # paragraph twice; a list that repeats a short step ("Cool down: easy jogging") is the article's own.
    step = "- Cool down: ten minutes of easy jogging"
    lines = [*ARTICLE_LINES, step, ARTICLE_LINES[0], step, ARTICLE_LINES[1]]
    cleaned = clean(_extracted("\n".join(lines)), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*ARTICLE_LINES, step, step]
    assert list(cleaned.removed_lines) == [ARTICLE_LINES[0], ARTICLE_LINES[1]]


@pytest.mark.parametrize(("language", "strip"), [
    ("en", "January 13, 2020 at 08:45 AM | categories: Transport, City Council | 3 Comments"),
    ("de", "24. April 2020 | Pressemitteilungen"),
    ("de", "21. Jan. 2022 // Anna Schmidt"),
    ("zh", "2021-10-16 | 新闻"),
])
def test_a_meta_strip_joining_a_date_to_a_section_or_author_is_page_chrome(
        settings: Settings, language: str, strip: str) -> None:
    lines = GERMAN_LINES if language == "de" else ARTICLE_LINES
    cleaned = clean(_extracted("\n".join([strip, *lines]), title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == lines
    assert list(cleaned.removed_lines) == [strip]


def test_a_table_row_or_a_sentence_holding_a_date_is_not_a_meta_strip(settings: Settings) -> None:
    kept = ["| 1/1/2013 | +13.1% |", "| 2/1/2013 | +12.4% |",
            "Trams ran every 10 minutes | buses every 20, the report of 12.03.2024 says."]
    cleaned = clean(_extracted("\n".join([*ARTICLE_LINES, *kept]), title=None, authors=()), settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    assert cleaned.body_text.split("\n") == [*ARTICLE_LINES, *kept]

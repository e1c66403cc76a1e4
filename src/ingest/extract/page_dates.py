"""When a page was first published: declared dates first, htmldate's reading after, each checked for plausibility.

Precedence prefers the original publication over any later revision: the article's JSON-LD `datePublished`, then
the <meta> tags that name a publication (`article:published_time`, ...), then a day written in the byline just
under the <h1> (or a dateline just above it; a line that calls it an update is skipped), then htmldate in its
original-date mode (which reads the URL, the header tags and <time> elements), then other JSON-LD `datePublished`
values, then generic <meta> dates, and htmldate's extensive search through the text, restricted to the article
around the headline (a page's footer or comments carry other dates), or through the whole page when it has no
<article> or <main> (what plain trafilatura does on every page); that search runs only on a page that declares
itself an article. A byline day counts only near the start of its line (a day deep in a sentence is the story's).
The headline is the <h1> closest to the declared title (a logo or a list of other stories may be <h1> too; on a
page without one, the element whose text is the declared title); a <time> there gives its machine-readable day,
and a dotted day ('17.05.2021') is read day first.
Modification dates (`dateModified`, `article:modified_time`, a <time> the markup calls `updated` or `changed`,
"Updated ..." however its label is set apart) are never taken for the publication, with one exception: a page
that states no publication anywhere gives the update its byline shows, as the last resort (`byline:revision`).
htmldate's day is passed over when the page labels it an update anywhere (a footer's 'Date Last Reviewed', an
editor's note 'We updated this article on ...', the 'Updated' line of a related story's card; not a day also
labelled 'Created' or 'Published', nor the URL's), and its text search's day when it is only in a link's address
(the linked story's). A list of dated items under the headline (a blog's posts, a calendar's events) is no byline.
A bare `WebPage` entity's `datePublished` (no Article entity, no author, no Person) counts only when the page
writes that day: SEO plugins stamp every page with its creation day.
A day in digits is read when its order is plain ('10/31/2024').
A byline day a week or more before the declared publication is the original one (a system re-stamps
`datePublished` when a story moves), and so is a day the page says the article was originally published on, when
it is the page's only such day and earlier than the one found (or when nothing else gave one). A <meta> date may
be written out ('July 17, 2025'); a JSON-LD one must be ISO 8601.

A date is plausible when it is not after the extraction (the fetch is earlier still, a day of slack for time
zones) and not before 1995, when the web began to publish news. The time and zone are kept when the page states
both; the day is the one the page states, in its own zone, and when a UTC timestamp and the date in the URL
differ by one day, the URL's day is the site's local one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache, cached_property
from typing import Any
from urllib.parse import urlsplit

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement

from ingest.extract.page_titles import Headline, find_headline, in_chrome, shown_title, word_overlap

EARLIEST_PLAUSIBLE = date(1995, 1, 1)
CLOCK_SLACK = timedelta(days=1)
REPUBLISHED_AFTER = timedelta(days=7)
# <meta> keys that name the publication, most specific first; generic ones come after htmldate.
PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "published_time",
                  "article.published", "parsely-pub-date", "sailthru.date", "publish-date", "publish_date",
                  "pubdate", "dc.date.issued", "dcterms.created", "dcterms.issued", "published", "publishdate",
                  "article_date_original")
GENERIC_META = ("dc.date", "dcterms.date", "date")
# <meta> keys that name a revision: htmldate falls back to them when a page declares no publication.
_REVISION_KEYS = ("dateModified", "lastReviewed")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "modified_time", "last-modified",
                 "dc.date.modified", "dcterms.modified", "article.updated", "parsely-updated")
_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?P<month>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?"
_DAY, _YEAR = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?", r"(?P<year>\d{4})"
_MONTH_DAY_YEAR = re.compile(rf"(?:[a-z]+,? )?{_MONTH} {_DAY},? {_YEAR}", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(rf"(?:[a-z]+,? )?{_DAY} {_MONTH},? {_YEAR}", re.IGNORECASE)
_NEAR_HEADLINE = 12
_BYLINE_LINE_CHARS = 80
_CONNECTIVE_CHARS = 4  # 'on', ':', '|' between a label and its day
_LABEL_REACH = 3
_DOTTED_DAY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?![\d.]\d)")
_ISO_IN_TEXT = re.compile(r"(?<![\d/-])(?:19|20)\d{2}-\d{2}-\d{2}(?![\d-])")
# Words that introduce a revision rather than the publication, in the languages the pipeline meets most.
# Not the tail of a hyphenated compound: a 'Corona-Update' menu link labels no day.
_REVISION = re.compile(r"(?<!-)\b(?:(?:last )?update[ds]?|modified|reviewed|edited|revised|fact[- ]checked|"
                       r"aktualisiert|geändert|mis à jour|actualizado|aggiornato|bijgewerkt)\b", re.IGNORECASE)
# The elements themselves, found through their attributes: libxml2 tests the few `itemprop` attributes faster than
# a predicate on every element ('//*[@itemprop=...]'), and the parents come back in document order all the same.
_MODIFIED_MICRODATA = XPath('//@itemprop[. = "dateModified" or . = "lastReviewed"]/..')
# Revision marks in markup: schema.org `dateModified` or `lastReviewed`, an `updated` class, Drupal's
# `field--name-changed`.
_REVISION_MARK = re.compile(r"date-?modified|updated|modified|last-?update|last-?reviewed|name-changed",
                            re.IGNORECASE)
_PUBLICATION = re.compile(r"\b(?:published|posted|first published|originally published|veröffentlicht|"
                          r"publié|publicado|pubblicato|gepubliceerd)\b:?", re.IGNORECASE)
# 'This article was originally published on 26 Sep 2019 ...', in the languages the pipeline meets most. The
# elements are found in C through the labels' lower-case tails ('Originally'/'originally'), then read whole: the
# day may sit in a child ('Originally published <span>November 9, 2022</span>').
_ORIGINAL = re.compile(r"\b(?:originally|first) (?:published|posted)(?: on)?\b:?|\b(?:ursprünglich|erstmals) "
                       r"veröffentlicht\b(?: am)?:?|\binitialement publié\b(?: le)?:?|\bpublicado originalmente\b"
                       r"(?: el)?:?", re.IGNORECASE)
_BODY_TEXT = XPath("string(//body)")
# The labels' lower-case tails, looked for as plain substrings (much faster than a regular expression's alternation).
_ORIGINAL_HINTS = ("riginally published", "irst published", "riginally posted", "irst posted", "veröffentlicht",
                   "nitialement publié", "ublicado originalmente")
_ORIGINAL_LABELLED = XPath(f"//body//text()[{' or '.join(f'contains(., {hint!r})' for hint in _ORIGINAL_HINTS)}]/..")
_ORIGINAL_ELEMENT_CHARS = 640  # the label's element is a note or a byline, not a section that quotes the words
# What may stand before the label in its sentence: nothing ('Originally published ...') or the page itself ('This
# article was ...'); 'The report, first published on 3 March 2021, found ...' dates something the story cites.
_ORIGINAL_SUBJECT = re.compile(r"\s*(?:(?:this|the) (?:article|story|post|blog post|piece|page|essay|column)"
                               r"(?: was| has been| is)?)?\s*", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.:!?|]\s")
# /2025/12/18/ or /2025-12-18- in a URL path: the day the site filed the story, in its own zone.
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:[/_-]|$)")


@dataclass(frozen=True)
class Published:
    day: date
    time: datetime | None  # zone-aware, only when the page states a time with its zone
    source: str


def parse_timestamp(value: str | None) -> tuple[date, datetime | None] | None:
    """The day a date or timestamp names (in its own zone) and, when it carries a time and a zone, the instant.

    ISO 8601 ('2025-11-15', '2025-11-15T09:00:00+01:00', '...Z'), 'YYYY/MM/DD ...' and RFC 2822; else None.
    """
    text = (value or "").strip()
    if not text:
        return None
    stamp = _iso(text) or _rfc2822(text)
    if stamp is not None:
        return stamp.date(), stamp if stamp.tzinfo is not None and len(text) > 10 else None
    match = _ISO_DAY.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), None
        except ValueError:
            return None
    return None


def written_day(text: str) -> date | None:
    """A day written out in English, as some sites put it in <meta>: 'July 17, 2025', '17 Jul 2025'. Read from
    <meta> only: a JSON-LD date must be ISO 8601, and one written out comes from a hand-made template that,
    in the pages seen, more often names some other day than the publication."""
    match = _MONTH_DAY_YEAR.fullmatch(text) or _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match["year"]), _MONTHS.index(match["month"][:3].lower()) + 1, int(match["day"]))
    except ValueError:
        return None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not re.search(r"[A-Za-z]{3}", text) or not re.search(r"\d{1,2}:\d{2}", text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def plausible(day: date, now: datetime | None = None) -> bool:
    latest = ((now or datetime.now(UTC)) + CLOCK_SLACK).date()
    return EARLIEST_PLAUSIBLE <= day <= latest


def find_published(tree: HtmlElement, article: Mapping[str, Any], entities: list[dict[str, Any]],
                   meta: Mapping[str, str], url: str | None, scope: HtmlElement,
                   now: datetime | None = None, declares_article: bool = True,
                   headline: Headline | None = None) -> Published | None:
    """The first plausible candidate in precedence order (see the module docstring); None when none is.

    The text search runs only on a page that declares itself an article (a JSON-LD Article type or `og:type`
    article): a landing, product or catalogue page that states no date near its headline has no publication
    date, and a day deep in its text is a copyright line, an event or a price list's date.
    `headline` is the page's, as `page_titles.find_headline` found it for the title (found here when not given)."""
    shown = _Shown(byline_anchor(tree, headline or find_headline(tree, meta, article, set())), tree)
    revised = _declared_revisions(tree, article, entities, meta)
    search_text = declares_article and not revised
    page_stamps = cache(lambda: {day for entity in entities if (day := shown.page_stamp(entity, entities))})
    for source, value in _candidates(tree, article, entities, meta, url, scope, shown, search_text=search_text):
        parsed = parse_timestamp(value)
        if parsed is None and source.startswith("meta:") and (day := written_day(value or "")):
            parsed = (day, None)
        if parsed is not None and source.startswith("htmldate") and (
                parsed[0] in revised or parsed[0] == shown.revision_day
                or (parsed[0] in shown.labelled_revisions and parsed[0] != _url_day(url))):
            continue  # htmldate fell back to the declared (or shown) revision: the day the page changed
        if parsed is not None and source.startswith("htmldate") and parsed[0] in page_stamps():
            continue  # htmldate read the bare page stamp passed over above
        if parsed is not None and plausible(parsed[0], now):
            found = Published(day=_local_day(parsed[0], value or "", url), time=parsed[1], source=source)
            return _original_stated(tree, _earlier_byline(shown, found), now)
    return _original_stated(tree, None, now)


class _Shown:
    """The days the byline around the headline shows: the publication's and, labelled so, the last update's; and
    the days the whole page labels as updates. Each is read when first asked for: most pages declare their
    publication and need none. Also the page's visible text and its entities' bare page stamps, read once for all
    the candidates that ask."""

    def __init__(self, heading: HtmlElement | None, tree: HtmlElement) -> None:
        self.heading = heading
        self.tree = tree
        self._stamps: dict[int, tuple[Mapping[str, Any], date | None]] = {}

    @cached_property
    def visible_texts(self) -> list[Any]:
        return _visible_texts(self.tree)

    @cached_property
    def visible_text(self) -> str:
        return " ".join(str(t) for t in self.visible_texts)

    @cached_property
    def labelled_revisions(self) -> set[date]:
        return _labelled_revisions(self.visible_texts)

    def page_stamp(self, entity: Mapping[str, Any], entities: list[dict[str, Any]]) -> date | None:
        """`_bare_page_stamp` of the entity, read once (a candidate asks, and htmldate's reading is checked)."""
        known = self._stamps.get(id(entity))
        if known is None or known[0] is not entity:  # the entity is kept with its answer: its id stays its own
            known = self._stamps[id(entity)] = (entity, _bare_page_stamp(self, entity, entities))
        return known[1]

    @cached_property
    def published(self) -> str | None:
        return _day_near_headline(self.heading) if self.heading is not None else None

    @cached_property
    def revision(self) -> str | None:
        return _revision_near_headline(self.heading) if self.heading is not None else None

    @property
    def revision_day(self) -> date | None:
        parsed = parse_timestamp(self.revision)
        return parsed[0] if parsed else None


# A day written in digits either way round ('6/2/2025', '09/10/2025'): htmldate may read it either way.
_NUMERIC_DAY = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d{2})(?![\d/])")
_AFTER_LABEL_CHARS = 40
_CREATION = re.compile(rf"{_PUBLICATION.pattern}|\bcreated\b|\berstellt\b|\bcréé\b", re.IGNORECASE)
# schema.org's page types: a page, not an article (page_metadata reads declarations by them too).
PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "faqpage", "collectionpage", "qapage"})


def _labelled_revisions(visible_texts: list[Any]) -> set[date]:
    """The days the page shows anywhere under a revision label ('Updated: 6/2/2025', 'Date Last Reviewed:
    <time datetime="2025-04-14">April 2025</time>', 'We updated this article on February 2, 2026'): htmldate
    takes such a day for the publication on a page that states none; a digits-only day counts read either way.
    `visible_texts` are the page's (`_visible_texts`)."""
    texts = [_machine_day(t.getparent()) or str(t) for t in visible_texts]
    text = " ".join(" ".join(texts).split())
    # A day the page also labels as its publication ('Created 18 Oct · Edited 18 Oct') is the publication still.
    return _days_after(_REVISION, text) - _days_after(_CREATION, text)


def _visible_texts(tree: HtmlElement) -> list[Any]:
    """The body's text nodes a reader sees (not blank, not in a script, style or noscript)."""
    return [t for t in tree.xpath("//body//text()[normalize-space()]")
            if t.getparent() is not None and t.getparent().tag not in ("script", "style", "noscript")]


def _days_after(labels: re.Pattern[str], text: str) -> set[date]:
    """The days written just after each label in the text; a digits-only day read either way round."""
    days: set[date] = set()
    for label in labels.finditer(text):
        after = text[label.end():label.end() + _AFTER_LABEL_CHARS]
        if (day := day_in(after)) is not None:
            days.add(day)
        if numeric := _NUMERIC_DAY.search(after):
            first, second, year = int(numeric[1]), int(numeric[2]), int(numeric[3])
            days |= {d for month, mday in ((first, second), (second, first)) if (d := _valid_day(year, month, mday))}
    return days


def _valid_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def byline_anchor(tree: HtmlElement, headline: Headline) -> HtmlElement | None:
    """The <h1> the byline sits under: the headline's when it shares a word with the declared title; else the
    first <h1> outside the page chrome: a blog's site name above its post, whose byline follows. A page with no
    <h1> there: the element whose text is the declared title, else any <h1>."""
    if headline.element is not None and headline.declared and word_overlap(headline.headings[0][1], headline.declared):
        return headline.element
    outside_chrome = next((h for h in tree.iter("h1") if not in_chrome(h)), None)
    if outside_chrome is not None:  # an element is falsy: compared with None
        return outside_chrome
    shown = shown_title(tree, headline)  # no <h1>: the byline sits under the element that shows the title
    return shown if shown is not None else next(tree.iter("h1"), None)


def _earlier_byline(shown: _Shown, found: Published) -> Published:
    """The byline's day when it is a week or more earlier than the declared one: a page shows its first publication
    under the headline while its system re-stamps `datePublished` on a migration or a republication (that later
    day is a revision the page does not label). A day or two apart is a time zone (a UTC stamp against the local
    day) or an event the lead mentions, and the declaration stands."""
    if not found.source.startswith(("jsonld:", "meta:")):
        return found
    stated = parse_timestamp(shown.published)
    if stated is None or not EARLIEST_PLAUSIBLE <= stated[0] <= found.day - REPUBLISHED_AFTER:
        return found
    return Published(day=stated[0], time=None, source="byline")


def _original_stated(tree: HtmlElement, found: Published | None, now: datetime | None) -> Published | None:
    """The day the page says the article was first published ('This article was originally published on 26 Sep
    2019 and has been updated since') when it is earlier than the one found, or when none was: a declared or
    bylined day is then a republication or a revision. Only one such day, written out and plausible: two are a list
    of syndicated pieces, and a month alone ('originally published in March 2022') names no day."""
    text = _BODY_TEXT(tree)  # the body's text in one pass in C: most pages have no such note
    if not any(hint in text for hint in _ORIGINAL_HINTS):
        return found
    days = {day for element in _ORIGINAL_LABELLED(tree) if element.tag not in ("script", "style", "noscript")
            for day in _original_days(" ".join(element.text_content().split()))}
    if len(days) != 1:
        return found
    day = days.pop()
    if not plausible(day, now) or (found is not None and day >= found.day):
        return found
    return Published(day=day, time=None, source="text:originally_published")


def _original_days(text: str) -> Iterator[date]:
    if len(text) > _ORIGINAL_ELEMENT_CHARS:
        return
    for label in _ORIGINAL.finditer(text):
        if not _ORIGINAL_SUBJECT.fullmatch(_SENTENCE_BREAK.split(text[:label.start()])[-1]):
            continue
        if (day := day_in(text[label.end():label.end() + _AFTER_LABEL_CHARS])) is not None:
            yield day


def _declared_revisions(tree: HtmlElement, article: Mapping[str, Any], entities: list[dict[str, Any]],
                        meta: Mapping[str, str]) -> set[date]:
    """The days the page declares it was modified or reviewed (JSON-LD `dateModified` or `lastReviewed` of any
    entity: a WebPage often carries what its Article leaves out; `article:modified_time`, microdata
    `itemprop="dateModified"` or `"lastReviewed"`, a <time> the markup calls a revision, ...)."""
    values = [_first_string(entity.get(key)) for entity in [article, *entities] for key in _REVISION_KEYS]
    values += [meta.get(key) for key in MODIFIED_META]
    # XPath walks the tree in C; ElementPath's predicate would visit every element in Python.
    values += [e.get("datetime") or e.get("content") or e.text_content() for e in _MODIFIED_MICRODATA(tree)]
    values += [e.get("datetime") for e in tree.iter("time") if e.get("datetime") and _marked_revision(e)]
    days = {parsed[0] for value in values if (parsed := parse_timestamp(value))}
    return days | {day for value in values if value and (day := written_day(value.strip()))}


def _local_day(day: date, value: str, url: str | None) -> date:
    """The day in the site's own zone when a timestamp and the URL's date disagree by one day: a story filed late
    in the evening in New York is stamped the next day in UTC, and the URL (and the page) keep the local day."""
    url_day = _url_day(url) if len(value) > 10 else None
    return url_day if url_day is not None and abs((url_day - day).days) == 1 else day


def _url_day(url: str | None) -> date | None:
    match = _URL_DAY.search(urlsplit(url).path) if url else None
    return _valid_day(int(match[1]), int(match[2]), int(match[3])) if match else None


def _candidates(tree: HtmlElement, article: Mapping[str, Any], entities: list[dict[str, Any]],
                meta: Mapping[str, str], url: str | None, scope: HtmlElement, shown: _Shown,
                search_text: bool = True) -> Iterator[tuple[str, str | None]]:
    """Lazily, so htmldate runs only when nothing declared is plausible. The text search is left out on a page that
    declares a revision and no publication: a day in its text is that revision again (or a date the text cites)."""
    yield "jsonld:datePublished", _entity_published(shown, article, entities)
    for key in PUBLISHED_META:
        yield f"meta:{key}", meta.get(key)
    yield "byline", shown.published
    yield "htmldate", _htmldate(lambda: find_date(tree, extensive_search=False, original_date=True, url=url))
    for entity in entities:
        if entity is not article:
            yield "jsonld:datePublished", _entity_published(shown, entity, entities)
    for key in GENERIC_META:
        yield f"meta:{key}", meta.get(key)
    search_text = search_text and shown.revision is None  # a shown revision is what the text would give again
    # htmldate is handed the tree itself: it reads it with relative paths only and prunes its own deep copy (a
    # copy made here was copied again inside).
    if search_text and scope is not tree:
        yield "htmldate:article_text", _day_stated(_htmldate(
            lambda: find_date(scope, extensive_search=True, original_date=True, url=url)), scope)
    elif search_text:
        yield "htmldate:page_text", _day_stated(_htmldate(
            lambda: find_date(tree, extensive_search=True, original_date=True, url=url)), tree)
    yield "byline:revision", shown.revision


def _entity_published(shown: _Shown, entity: Mapping[str, Any], entities: list[dict[str, Any]]) -> str | None:
    """An entity's `datePublished`, unless it is a bare page's stamp the page never shows (`_bare_page_stamp`)."""
    value = _first_string(entity.get("datePublished"))
    return None if value is not None and shown.page_stamp(entity, entities) else value


def _bare_page_stamp(shown: _Shown, entity: Mapping[str, Any], entities: list[dict[str, Any]]) -> date | None:
    """The day of a page entity's `datePublished` the page never shows: an SEO plugin gives every page a `WebPage`
    with the day it was created, a guide or a service page as much as a story; a story has an Article entity, a
    named author (a Person, not the site's Organization) or its day in its text, and that stamp alone is no
    publication (nor is it when htmldate reads it)."""
    parsed = parse_timestamp(_first_string(entity.get("datePublished")))
    if parsed is None or not entity_types(entity) or not entity_types(entity) <= PAGE_TYPES:
        return None
    authors = entity.get("author")
    named = [a for a in (authors if isinstance(authors, list) else [authors]) if a]
    # An author that is the site itself (an Organization) names no one: the page is the site's.
    if any(not isinstance(a, dict) or "organization" not in entity_types(a) for a in named):
        return None
    if any("person" in entity_types(other) for other in entities):
        return None
    # The page's visible text, joined once per page (`_Shown.visible_text`).
    return None if _text_writes_day(shown.visible_text, parsed[0]) else parsed[0]


def entity_types(entity: Mapping[str, Any]) -> set[str]:
    """A JSON-LD entity's `@type`s, lower-cased ('NewsArticle' or ['WebPage', 'ItemPage'])."""
    kind = entity.get("@type")
    return {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}


def _text_writes_day(text: str, day: date) -> bool:
    written = (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR, _DOTTED_DAY, _ISO_IN_TEXT, _NUMERIC_DAY)
    return any(day_in(match[0]) == day for pattern in written for match in pattern.finditer(text))


def _revision_near_headline(heading: HtmlElement) -> str | None:
    """The day the byline under the <h1> gives as the last update ('Updated on July 9, 2025'), the last resort:
    a page that states no publication anywhere shows its reader that day as its date. A revision only declared
    (`dateModified`) or marked in markup is not shown, and gives nothing."""
    texts = [str(t) for t in heading.xpath(f"following::text()[normalize-space()][position() <= {_NEAR_HEADLINE}]")
             if t.getparent() is not None and t.getparent().tag not in ("script", "style", "title")]
    for number, text in enumerate(texts):
        line = text[:_BYLINE_LINE_CHARS]
        labelled = _revision_label_before(texts, number) or (
            (label := _REVISION.search(line)) is not None and day_in(line[:label.start()]) is None)
        if labelled and (day := day_in(line)) is not None:
            return day.isoformat()
    return None


def _day_near_headline(heading: HtmlElement) -> str | None:
    """A day written in the lines just after the <h1> ('by Ana Lima, 20 December 2025'), where a byline states it,
    else in the few just before it (a dateline above the headline); never a line that calls it an update."""
    after = _texts(heading, f"following::text()[normalize-space()][position() <= {_NEAR_HEADLINE}]")
    before = _texts(heading, "preceding::text()[normalize-space()][position() <= 3]")
    return _stated_day(after, range(len(after))) or _stated_day(before, reversed(range(len(before))))


def _texts(heading: HtmlElement, path: str) -> list[str]:
    """Visible text nodes along an axis, in document order, a <time>'s as its machine-readable day; one the
    markup calls a revision is blanked (a day) or stands as a revision label (its words)."""
    lists: dict[HtmlElement, bool] = {}  # the lists the texts sit in, each read once
    return [_revision_text(str(t)) if _marked_revision(t.getparent()) else _machine_day(t.getparent()) or str(t)
            for t in heading.xpath(path)
            if t.getparent() is not None and t.getparent().tag not in ("script", "style", "title")
            and not _in_dated_list(t.getparent(), lists)]


def _in_dated_list(element: HtmlElement, lists: dict[HtmlElement, bool] | None = None) -> bool:
    """The text is an item of a list whose items each carry a day (other posts, events, comments under a blog's
    or a calendar's headline): a byline is one line, never one of several dated items. A byline set out as a
    list ('<li>Published 3 May</li><li>Updated 1 June</li>') has one item that states a publication.
    `lists` keeps the answer for each list: the texts near a headline often sit in one list, and its items were
    read again for each (a list kept as a key keeps its element alive, so lxml hands back that same one)."""
    item = element if element.tag == "li" else next(element.iterancestors("li"), None)  # ancestor-or-self::li[1]
    if item is None or (items := item.getparent()) is None:
        return False
    if lists is not None and items in lists:
        return lists[items]
    lines = (" ".join(sibling.itertext())[:_BYLINE_LINE_CHARS] for sibling in items.iterchildren("li"))
    dated = sum(_published_day_in(line) is not None for line in lines) >= 2
    if lists is not None:
        lists[items] = dated
    return dated


def _revision_text(text: str) -> str:
    """A text the markup calls a revision: blank when it is the revised day itself, else a label for the day
    after it ('<span class="updated-label">Latest update</span> <time>3 Oct 2025</time>')."""
    return "" if day_in(text) is not None else _MARKED


_MARKED = "(updated)"  # stands for a text the markup calls a revision: it labels the day after it as one too


def _machine_day(element: HtmlElement) -> str | None:
    """The ISO day of a <time datetime="..."> for its shown text: '03/01/2017' is March or January only by the
    site's convention, the attribute says which."""
    if element.tag != "time" or (parsed := parse_timestamp(element.get("datetime"))) is None:
        return None
    return parsed[0].isoformat()


def _marked_revision(element: HtmlElement) -> bool:
    """The markup says the day is a revision (`itemprop="dateModified"`, `class="updated"`) where the page shows
    no word for it (the label is an icon or comes from the style sheet)."""
    for node in (element, element.getparent()):
        marks = f"{node.get('itemprop', '')} {node.get('class', '')}" if node is not None else ""
        # WordPress marks a never-revised day `class="entry-date published updated"`: that one is the publication.
        if _REVISION_MARK.search(marks) and "published" not in marks.lower():
            return True
    return False


def _stated_day(texts: list[str], order: Iterable[int]) -> str | None:
    for number in order:
        # The label just before the line ('<span>Last updated</span> <span>Mar 11, 2026</span>') says update.
        if _revision_label_before(texts, number) and not _PUBLICATION.search(texts[number]):
            continue
        # Only the line's start: a byline states its day early; a day deep in a sentence is what the text tells.
        if (day := _published_day_in(texts[number][:_BYLINE_LINE_CHARS])) is not None:
            return day.isoformat()
    return None


def _revision_label_before(texts: list[str], number: int) -> bool:
    """A revision label in the text just before, or further back over a short connective ('Last Updated' 'on'
    'Feb 27, 2026') or a second copy of the same day (one for wide screens, one for phones): a label and its day
    are often separate elements."""
    for earlier in reversed(texts[max(0, number - _LABEL_REACH):number]):
        if _REVISION.search(earlier[-40:]):
            return True
        if earlier == texts[number]:
            continue
        if _PUBLICATION.search(earlier[-40:]) or len(earlier.strip()) > _CONNECTIVE_CHARS:
            return False
    return False


def _published_day_in(text: str) -> date | None:
    """The day a line states for the publication: on a line that also names a revision ('Published 3 May 2019,
    updated 1 March 2025'), the day before the revision word or after the publication word; else none."""
    revision = _REVISION.search(text)
    if revision is None:
        return day_in(text)
    before = day_in(text[:revision.start()])
    if before is not None:
        return before
    publication = _PUBLICATION.search(text, revision.end())
    return day_in(text[publication.end():]) if publication else None


def day_in(text: str) -> date | None:
    """The first day a line writes ('July 17, 2025', '17 Jul 2025', '17.05.2021', '2025-07-17', '10/31/2024' but not
    '6/2/2025'), else None."""
    found = _MONTH_DAY_YEAR.search(text) or _DAY_MONTH_YEAR.search(text)
    if found and (day := written_day(found[0])):
        return day
    if dotted := _DOTTED_DAY.search(text):  # '17.05.2021': day, month, year wherever dots separate them
        try:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
        except ValueError:
            return None
    if (iso := _ISO_IN_TEXT.search(text)) and (parsed := parse_timestamp(iso[0])):
        return parsed[0]
    if (numeric := _NUMERIC_DAY.search(text)) and (day := _unambiguous_day(numeric)):
        return day
    return None


def _unambiguous_day(numeric: re.Match[str]) -> date | None:
    """'10/31/2024' or '31/10/2024': the part above 12 is the day; '6/2/2025' is June or February only by the
    site's convention, and is no day."""
    first, second, year = int(numeric[1]), int(numeric[2]), int(numeric[3])
    if (first > 12) == (second > 12):
        return None
    return _valid_day(year, second, first) if first > 12 else _valid_day(year, first, second)


def _htmldate(search: Callable[[], str | None]) -> str | None:
    try:
        return search()
    except (ValueError, TypeError):  # htmldate on a malformed tree: no date rather than no article
        return None


def _day_stated(value: str | None, scope: HtmlElement) -> str | None:
    """htmldate's text search makes the 1st of the month out of a month or a year alone: that is no stated day,
    unless the text does write the 1st ('1 March 2024', 'March 1st, 2024', '2024-03-01', '01.03.2024').
    Nor is a day it reads only in the address of a link ('.../2013/04/24/...'): that is the linked story's."""
    parsed = parse_timestamp(value)
    if value is None or parsed is None:
        return value
    if _only_in_links(scope, parsed[0]):
        return None
    if not value.endswith("-01"):
        return value
    return value if _writes_first_of_month(scope.text_content(), parsed[0]) else None


def _only_in_links(scope: HtmlElement, day: date) -> bool:
    """The day is in the address of a link in the scope and written nowhere in its text."""
    in_address = re.compile(rf"{day.year}[/-]?{day.month:02d}[/-]?{day.day:02d}(?!\d)")
    if not any(in_address.search(href) for href in scope.xpath(".//a/@href")):
        return False
    return not _text_writes_day(scope.text_content(), day)


def _writes_first_of_month(text: str, day: date) -> bool:
    month = _MONTHS[day.month - 1]
    written = (rf"\b0?1(?:st)?\.? {month}[a-z]*\.?,? {day.year}\b|\b{month}[a-z]*\.? 0?1(?:st)?,? {day.year}\b|"
               rf"\b{day.year}-{day.month:02d}-01\b|\b0?1\.0?{day.month}\.{day.year}\b")
    return re.search(written, text, re.IGNORECASE) is not None


def _first_string(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return value.strip() or None if isinstance(value, str) else None

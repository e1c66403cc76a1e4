"""What a page declares about itself: JSON-LD, OpenGraph and <meta> tags, the <h1> headline, the canonical link.

Read from the tree the extractor already parsed, so the page is parsed once. Declarations come first; the slower
heuristics of trafilatura/htmldate (byline search, date search in the text) run only when nothing is declared.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, partial
from html import unescape
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from trafilatura.metadata import extract_author

from ingest.entities.name_signals import any_first_name, non_person_head
from ingest.extract.page_dates import PAGE_TYPES, Published, byline_anchor, day_in, find_published, parse_timestamp
from ingest.extract.page_dates import entity_types as _types
from ingest.extract.page_names import (
    AUTHOR_PAGE,
    NOT_A_NAME,
    any_shown,
    byline_name,
    cited_authors,
    full_name,
    looks_like_name,
    named_by_author_link,
    page_text,
    site_owner,
)
from ingest.extract.page_titles import (
    INLINE_TAGS,
    Headline,
    choose_title,
    comment_threads,
    compact,
    find_headline,
    in_chrome,
    in_comments,
    is_site_name,
    repaired,
    shown_title,
    site_keys_of,
    visible_text,
)

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "techarticle", "scholarlyarticle", "report", "socialmediaposting",
    "liveblogposting", "posting", "medicalwebpage", "howto", "recipe", "review", "creativework",
})
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
                "byl")
_SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]{0,500}>")
_BY_PREFIX = re.compile(r"^\s*(?:by|written by|posted by|author:?)\s+", re.IGNORECASE)
_MAX_NAME_CHARS = 120
_NAME_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?")
_BYLINE_LABEL = re.compile(r"(?:(?:written|posted|authored|words|story|article|reported) )?by:?|authors?:?|"
                           r"contributors?:?|written by|autor(?:in)?:?|von:?", re.IGNORECASE)
_BYLINE_REACH = 60
_MAX_CO_AUTHORS = 6
_OTHER_ROLE_LEAD = re.compile(r"(?:checked|tested|reviewed|edited|illustrated|photographed|updated|produced)\s+by"
                              r"\s*:?$")
_AUTHOR_CARD = re.compile(r"(?:^|[\s_-])author[_-]?(?:info|text|details|card|box)(?:$|[\s_-])", re.IGNORECASE)
_AUTHOR_CLASS = re.compile(r"(?:^|[\s_-])author[_-]?name(?:$|[\s_-])|\bbyline[_-]?name\b", re.IGNORECASE)
_BYLINE_WORDS = 12
# An author box anywhere in the article: "Written by" or "Author:" / "Contributors:" before the name.
_WRITTEN_BY = re.compile(r"(?:written|authored|posted|article) by:?|authors?:|contributors?:", re.IGNORECASE)
_BYLINE_START = 400
_LINES_AFTER = "following::text()[normalize-space()][position() <= 12]"  # the byline's reach, as for its day
_LINES_BEFORE = "preceding::text()[normalize-space()][position() <= 6]"
_IN_SECTION = re.compile(r"\s+in$")
_DAY_ABOVE_REACH = 3  # a day above the headline is the post's among the last lines before it
_DAY_LINE_CHARS = 80
_DAY_LINE_REACH = 6  # the byline's day among the first lines under the headline
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A name alone on its line: words, no '&', ',' or '/' (a section 'Strategy & Market', a place 'Atlanta, United States').
_PLAIN_NAME = re.compile(r"[^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*)+")
_BYLINE_TAIL = re.compile(r"\s*(?:,|\||•|·|–|—| - | on | in ).*$")
# People credited next to the author who did not write the piece.
_OTHER_ROLE = re.compile(r"\s*(?:updated|reviewed|medically reviewed|edited|fact[- ]checked|illustrated|photographed)"
                         r"\s+by\b", re.IGNORECASE)


def parse_date(value: str | None) -> date | None:
    """The day an ISO date or timestamp names ('2025-11-15', '2025-11-15T09:00:00Z', '2025/11/15 ...'), else None."""
    parsed = parse_timestamp(value)
    return parsed[0] if parsed else None


@dataclass(frozen=True)
class PageMetadata:
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: Published | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    article_body: str | None = None


@dataclass(frozen=True)
class _Declarations:
    meta: dict[str, str]
    article: dict[str, Any]
    entities: list[dict[str, Any]]


def read_page_metadata(tree: HtmlElement, url: str | None) -> PageMetadata:
    entities = json_ld_entities(tree)
    found = _Declarations(meta=meta_tags(tree), article=_main_article(entities), entities=entities)
    site_name = _site_name(found)
    site_keys = site_keys_of(site_name, url)
    headline = find_headline(tree, found.meta, found.article, site_keys)
    title = choose_title(headline, site_keys)
    text = cache(partial(page_text, tree))  # the body's text, joined once for the byline check and the site owner
    return PageMetadata(
        title=repaired(unescaped(title)) if title else None,
        authors=_authors(tree, found, site_keys, headline, text) or site_owner(tree, site_name, url, text),
        published=find_published(tree, found.article, found.entities, found.meta, url, _byline_scope(tree),
                                 declares_article=_declares_article(found), headline=headline),
        site_name=site_name,
        canonical_url=_canonical(tree, found.meta, url),
        description=_first(found.meta.get("og:description"), found.meta.get("description"),
                           _text(found.article.get("description"))),
        tags=_tags(found),
        language=_language(tree, found.meta),
        article_body=_declared_body(found.article.get("articleBody")),
    )


def _declares_article(found: _Declarations) -> bool:
    """The page calls itself an article: a JSON-LD Article type (any entity) or `og:type` article."""
    return found.meta.get("og:type", "").lower() == "article" or any(_types(e) & ARTICLE_TYPES for e in found.entities)


def _declared_body(value: Any) -> str | None:
    """JSON-LD articleBody as plain text: some sites put entities or markup in it."""
    text = _text(value)
    if not text:
        return None
    if "<" in text:
        text = unescaped(_TAG.sub(" ", text))
    return text.strip() or None


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of each <meta> key (property, name or itemprop), keys lower-cased."""
    tags: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content and content.strip():
            tags.setdefault(key.strip().lower(), _SPACES.sub(" ", unescaped(content)).strip())
    return tags


def json_ld_entities(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every top-level JSON-LD object of the page, @graph members included; broken blocks are skipped."""
    entities: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().removeprefix("<!--").removesuffix("-->"), strict=False)
        except ValueError:
            continue
        entities.extend(_flatten(data))
    return entities


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def _main_article(entities: list[dict[str, Any]]) -> dict[str, Any]:
    """The article entity (the longest body if a page declares several), else the page entity."""
    articles = [e for e in entities if _types(e) & ARTICLE_TYPES]
    if articles:
        return max(articles, key=lambda e: len(_text(e.get("articleBody")) or ""))
    pages = [e for e in entities if _types(e) & PAGE_TYPES]
    return pages[0] if pages else {}


def _text(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str):
        return None
    value = unescaped(value)
    # Line breaks are kept: in an articleBody they separate paragraphs.
    text = value.strip() if "\n" in value else _SPACES.sub(" ", value).strip()
    return text or None


def unescaped(text: str) -> str:
    """HTML character references decoded. JSON-LD sits in a <script>, where the parser decodes nothing, and some
    sites escape <meta> content twice, so `&amp;` may still be there. Decoding comes before any split on ';' or
    ',' (a reference ends in ';': splitting first leaves 'Maria &' and 'Katerina')."""
    return unescape(text) if "&" in text else text


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _by_id(entities: list[dict[str, Any]], ref: Any) -> dict[str, Any]:
    if isinstance(ref, dict) and "@id" in ref and "name" not in ref:
        return next((e for e in entities if e.get("@id") == ref["@id"] and e is not ref), ref)
    return ref if isinstance(ref, dict) else {}


def _site_name(found: _Declarations) -> str | None:
    publisher = _by_id(found.entities, found.article.get("publisher"))
    website = next((e for e in found.entities if "website" in _types(e)), {})
    return _first(found.meta.get("og:site_name"), _text(publisher.get("name")), _text(website.get("name")),
                  found.meta.get("application-name"))


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            href = link.get("href", "").strip()
            return urljoin(url, href) if url else href
    og_url = meta.get("og:url")
    return (urljoin(url, og_url) if url else og_url) if og_url else url


def _language(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    declared = tree.get("lang") or meta.get("content-language") or meta.get("og:locale") or ""
    code = re.split(r"[-_]", declared.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _tags(found: _Declarations) -> tuple[str, ...]:
    values: list[str] = []
    for key in ("keywords", "articleSection"):
        value = found.article.get(key)
        values += [unescaped(v) for v in value if isinstance(v, str)] if isinstance(value, list) else \
            unescaped(str(value or "")).split(",")
    values += [v for k, v in found.meta.items() if k in ("article:tag", "article:section", "news_keywords")]
    cleaned = (_SPACES.sub(" ", v).strip() for v in values if isinstance(v, str))
    return tuple(dict.fromkeys(v for v in cleaned if v and len(v) <= 60))


def _authors(tree: HtmlElement, found: _Declarations, site_keys: set[str], headline: Headline,
             text: Callable[[], str]) -> tuple[str, ...]:
    """Declared authors; a byline search when none is declared or the only 'author' is the site itself. `text`
    gives the page's `page_text`."""
    declared = found.article.get("author") or found.article.get("creator")
    labelled = cache(lambda: _labelled_byline(tree, headline))  # asked up to three times below: read once
    names = _without_site_suffix(_author_names(found.entities, declared), site_keys)
    if not names:
        names = [n for key in _AUTHOR_META for n in _clean_names(found.meta.get(key))] + cited_authors(tree)
        names = names or _labelled_meta(found.meta)
    if names and not any_shown(text(), names):
        # Declared but never shown: the account that posted it (a login, a guest post's editor); the byline under
        # the headline names who wrote it.
        names = labelled() or names
    if not names or _only_the_publisher(found, declared, site_keys):
        names = _microdata_authors(tree)
    if not names:
        names = _searched_authors(tree, labelled) or _name_by_day(tree, headline)
    if names and all(is_site_name(n, site_keys) for n in names):
        # The site named as its own author: a person's byline on the page says more; without one the site stands.
        names = labelled() or names
    names = [part for name in names for part in _listed_names(name, names)]
    if len(names) == 1:
        names = _co_authors(tree, names[0]) or names
    return tuple(dict.fromkeys(names))


def _listed_names(name: str, declared: list[str]) -> list[str]:
    """The people a comma-separated author string lists ('Craig Randall, Alli Miles, Eszter Horanyi' in a
    `<meta name="author">`, next to an `article:author` 'Craig Randall'), each on its own, when another declared
    name is one of them: the page itself says the string is a list. Otherwise, or when any part is not a person's
    full name (2 or 3 capitalised words, the first a first name), the string stays whole: a credential ('Jillian
    Kubala, MS, RD'), a role ('Mike Marshall, Shipping Expert'), a surname-first name ('Kaufman, Jeff T.') or the
    paper a syndicated story came from ('Jane Doe, Austin American-Statesman': Austin is a first name too)."""
    parts = [part.strip() for part in _NAME_LIST_SEPARATOR.split(name)]
    if len(parts) < 2 or not set(parts) & set(declared) or not all(_listed_person(part) for part in parts):
        return [name]
    return parts


def _listed_person(text: str) -> bool:
    """A person's full name (`full_name`: no job or field word) opening with a first name and ending in no
    organisation word: 'Denver Post' and 'Art Director' start with first names too."""
    words = text.split()
    return full_name(text) and any_first_name(words[0]) and not non_person_head(words[-1])


def _writers_linked(byline: HtmlElement) -> list[str]:
    """Names linked to their author pages, without those another role credits ('Fact-checked by <a>..</a>',
    'Tested by <a>..</a> and <a>..</a>')."""
    names: list[str] = []
    credited_other = False
    for link in byline.iter("a"):
        text = visible_text(link)
        if not text or not looks_like_name(text) or not _slug_spells(link, text):
            continue
        before = link.xpath("preceding::text()[normalize-space()][1]")
        lead = str(before[0]).strip().lower() if before else ""
        if _OTHER_ROLE_LEAD.search(lead):
            credited_other = True
        elif lead not in ("and", "&", ","):
            credited_other = False
        if not credited_other:
            names.append(text)
    return names


def _co_authors(tree: HtmlElement, author: str) -> list[str]:
    """The names linked to their author pages in the byline that links the one author found, when it links more
    ('Written by <a href="/authors/adrien-ramirez">Adrien Ramirez</a>, ... <a href="/authors/joanna-nelius">
    Joanna Nelius</a>'): a page or its declaration often names only the first."""
    key = compact(author)
    link = next((a for a in _byline_scope(tree).iter("a") if AUTHOR_PAGE.search(a.get("href") or "")
                 and compact(visible_text(a)) == key), None)
    byline = link.getparent() if link is not None else None
    for _ in range(2):
        if byline is None or in_chrome(byline):
            return []
        linked = _writers_linked(byline)
        if len(linked) > 1 and len(linked) <= _MAX_CO_AUTHORS:
            return list(dict.fromkeys(linked))
        byline = byline.getparent()
    return []


def _searched_authors(tree: HtmlElement, labelled: Callable[[], list[str]]) -> list[str]:
    """The page searched for a byline: trafilatura's search by author classes, a labelled byline (`labelled`, the
    page's `_labelled_byline`), author markup."""
    return searched_byline(extract_author(_without_comments(_byline_scope(tree)))) or labelled() or _author_markup(tree)


def _name_by_day(tree: HtmlElement, headline: Headline) -> list[str]:
    """A byline without a label: right under the headline, a full name one or two lines from the line holding the
    byline's day ('Ana Lima' / 'Feb 16, 2026'). Only around the first day there: a later one is the story's. Else
    the same just above the headline, around the day nearest it: some themes put the post's meta first."""
    anchor = byline_anchor(tree, headline)
    if anchor is None:
        return []
    after = _lines(anchor.xpath(_LINES_AFTER))
    day_line = next((i for i, (text, _) in enumerate(after[:_DAY_LINE_REACH]) if day_in(text[:_DAY_LINE_CHARS])),
                    None)
    if day_line is not None:
        return _name_around(after, day_line)
    before = _lines(anchor.xpath(_LINES_BEFORE))
    day_line = next((i for i in range(len(before) - 1, max(len(before) - _DAY_ABOVE_REACH, 0) - 1, -1)
                     if day_in(before[i][0][:_DAY_LINE_CHARS])), None)
    return _name_around(before, day_line) if day_line is not None else []


def _lines(texts: list[Any]) -> list[tuple[str, HtmlElement]]:
    return [(str(t).strip(), t.getparent()) for t in texts
            if t.getparent() is not None and t.getparent().tag not in ("script", "style", "title")]


def _name_around(lines: list[tuple[str, HtmlElement]], day_line: int) -> list[str]:
    for number in (day_line - 1, day_line + 1, day_line - 2, day_line + 2):
        if 0 <= number < len(lines) and (name := _name_line(*lines[number], day=lines[day_line][1])):
            return [name]
    return []


def _name_line(text: str, element: HtmlElement, day: HtmlElement) -> str | None:
    """A full name opening with a known first name (capitalised nouns, 'Aktuelle Meldung', are none) alone on its
    line, or after a 'by', or before the 'in' of its section ('Mahua Das in' / <a>Project Management</a>) ('Zitat
    von', ending on a particle, is none), not a heading ('Related Topics'), a link elsewhere or a button, nor an
    entry of a list the day is not in (a table of contents)."""
    text = _IN_SECTION.sub("", _BY_PREFIX.sub("", _SPACES.sub(" ", text)))
    if not (_PLAIN_NAME.fullmatch(text) and text.split()[-1][:1].isupper() and byline_name(text) == text
            and full_name(text) and any_first_name(text.split()[0])):
        return None
    context = [element, *element.iterancestors()]
    if any(e.tag in _HEADINGS for e in context) or _a_link(element) or in_chrome(element) or in_comments(element):
        return None
    listed = next((e for e in context if e.tag in ("ul", "ol")), None)
    return text if listed is None or any(e is listed for e in day.iterancestors()) else None


def _a_link(element: HtmlElement) -> bool:
    """A button or a link somewhere (a category, a tag, a topic: 'Nonessential Thoughts', 'Fintech'), unless it
    leads to the author's page; an <a> without an address is no link."""
    link = next((e for e in (element, *element.iterancestors("a", "button")) if e.tag in ("a", "button")), None)
    if link is None or link.tag == "button":
        return link is not None
    href = link.get("href") or ""
    return bool(href.strip()) and not AUTHOR_PAGE.search(href)


def _without_comments(scope: HtmlElement) -> HtmlElement:
    """A copy of the scope without its comment threads: trafilatura's byline search would take a commenter's name
    marked `itemprop="author"` for the page's."""
    threads = comment_threads(scope)
    if not threads:
        return scope
    # The copy has the scope's shape: its threads are the elements at the same places in document order (`threads`
    # keeps their Python proxies, and so their ids, alive while they are compared).
    ids = {id(e) for e in threads}
    places = [place for place, e in enumerate(scope.iter()) if id(e) in ids]
    pruned = copy.deepcopy(scope)
    nodes = list(pruned.iter())
    for place in places:
        nodes[place].drop_tree()
    return pruned


def _without_site_suffix(names: list[str], site_keys: set[str]) -> list[str]:
    """Declared names without the publication a newspaper group appends ('Jane Roe, The Commercial Appeal',
    ', USA TODAY' where the name was left empty): the publication is the site, not an author."""
    kept = []
    for name in names:
        head, comma, tail = name.rpartition(",")
        if not comma or compact(tail).removeprefix("the") not in {k.removeprefix("the") for k in site_keys}:
            kept.append(name)
        elif head.strip(" ,"):
            kept.append(head.strip(" ,"))
    return kept


def searched_byline(found: str | None) -> list[str]:
    """trafilatura's byline search joins what it found with ';': the name and what follows it on the line
    ('Jane Roe; Trial Attorney; Morgan'). The first is the author; a later part counts only as a further name."""
    names = [n for n in map(byline_name, _clean_names(found)) if n]
    return names[:1] + [n for n in names[1:] if full_name(n)]


def _labelled_meta(meta: dict[str, str]) -> list[str]:
    """The `twitter:labelN` / `twitter:dataN` pairs that SEO plugins write for link previews ('Written by': name)."""
    for number in range(1, 5):
        if _BYLINE_LABEL.fullmatch(meta.get(f"twitter:label{number}", "")):
            return _clean_names(meta.get(f"twitter:data{number}"))
    return []


def _microdata_authors(tree: HtmlElement) -> list[str]:
    """schema.org microdata in the markup: `itemprop="author"`, its name in a nested `itemprop="name"` or its own
    text. Only in the article holding the headline (sidebars carry other people's names)."""
    names: list[str] = []
    for element in _byline_scope(tree).iterfind('.//*[@itemprop="author"]'):
        if in_chrome(element) or in_comments(element):  # a commenter's microdata is no byline
            continue
        named = element.find('.//*[@itemprop="name"]')
        if named is not None:  # a declared name: no byline noise around it to take off ('Tom May' keeps 'May')
            names += [n for n in _clean_names(named.get("content") or visible_text(named)) if looks_like_name(n)]
            continue
        text = element.get("content") or visible_text(element)
        if not _OTHER_ROLE.match(text):
            names += [n for n in map(byline_name, _clean_names(text)) if n and looks_like_name(n)]
    return names


def _labelled_byline(tree: HtmlElement, headline: Headline) -> list[str]:
    """A visible byline: the first after the headline ('By' / 'Written by' alone in one element and the name in the
    next, or 'By Name' on one line; on a page without an <h1>, after the element that shows the declared title),
    else an author box anywhere in the article ('Written by Name'): trafilatura's byline search looks for author
    classes, which many sites lack."""
    heading = next((h for h in tree.iter("h1") if not in_chrome(h)), None)
    scope = _byline_scope(tree)
    if heading is None:  # no <h1>: the element that shows the declared title, if one does
        heading = shown_title(tree, headline)
    if heading is None:  # the headline is no <h1> (or only a dialog's is): the byline is near the article's start
        return _first_byline(islice(scope.iter(), _BYLINE_START), _BYLINE_LABEL)
    following = heading.itersiblings() if heading.getparent() is None else _after(heading)
    # Without an <article>, the author box is looked for in everything after the headline (a sidebar before it
    # and the menus carry other people's names).
    if byline := _first_byline(following, _BYLINE_LABEL):
        return byline
    return _first_byline(scope.iter() if scope is not tree else heading.xpath("following::*"), _WRITTEN_BY)


def _author_markup(tree: HtmlElement) -> list[str]:
    """The first name the markup itself calls the author's: a link to the author's page whose address spells the
    name (`<a href="/authors/chris-toy">Chris Toy</a>`) or an element of an author-name class. Sites built with
    page builders carry the byline this way, without a 'By' label or a declaration."""
    for element in tree.iter("a", "div", "span", "p", "h5", "h6"):
        if not _names_author(element) or len(element) > 2:  # the attributes first: cheap, and rarely there
            continue
        text = visible_text(element)
        if text and len(text.split()) <= 4 and looks_like_name(text) and not _BYLINE_LABEL.fullmatch(text) \
                and _slug_spells(element, text) and not in_chrome(element) and not in_comments(element):
            return [text]
    for element in tree.iter("div", "span", "p", "section"):
        if _AUTHOR_CARD.search(element.get("class") or ""):
            first = next((t.strip() for t in element.itertext() if t.strip()), "")
            if len(first.split()) in (2, 3) and looks_like_name(first) and not in_chrome(element) \
                    and not in_comments(element):
                return [first]
    return named_by_author_link(tree)


def _names_author(element: HtmlElement) -> bool:
    if element.tag == "a":
        return bool(AUTHOR_PAGE.search(element.get("href") or ""))
    return bool(_AUTHOR_CLASS.search(element.get("class") or ""))


def _slug_spells(element: HtmlElement, text: str) -> bool:
    """A link's last path segment is the name written as a slug ('chris-toy' for 'Chris Toy')."""
    if element.tag != "a":
        return True
    match = AUTHOR_PAGE.search(urlsplit(element.get("href") or "").path)
    return match is not None and compact(match[1]) == compact(text)


def _first_byline(elements: Iterable[HtmlElement], label: re.Pattern[str]) -> list[str]:
    for element in elements:
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        own = _own_text(element)
        if label.fullmatch(own):
            name = _next_text(element)
        elif _inline_only(element) and (lead := _label_lead(label).match(text := visible_text(element))) \
                and len(text.split()) <= _BYLINE_WORDS:
            name = _BYLINE_TAIL.sub("", text[lead.end():])
        else:
            continue
        if in_chrome(element) or in_comments(element):  # last: walking the ancestors of every element costs most
            continue
        cleaned = byline_name(name) if name else None
        if cleaned and looks_like_name(cleaned):
            return [cleaned]
    return []


@cache
def _label_lead(label: re.Pattern[str]) -> re.Pattern[str]:
    """The label as the lead of a line that goes on with the name."""
    return re.compile(rf"(?:{label.pattern})\s+(?=\S)", re.IGNORECASE)


def _inline_only(element: HtmlElement) -> bool:
    """One line of text: 'By <strong>Name</strong>', not a block that holds a byline and more (a <br> that ends
    the element, nothing after it, still leaves one line)."""
    children = [child for child in element if isinstance(child.tag, str)]
    if children and children[-1].tag == "br" and not (children[-1].tail or "").strip():
        children.pop()
    return all(child.tag in INLINE_TAGS for child in children)


def _byline_scope(tree: HtmlElement) -> HtmlElement:
    """The <article> (or <main>) holding the headline: a byline sits there, and searching it alone is cheaper
    than searching the page and keeps sidebar and comment names out."""
    for heading in tree.iter("h1"):
        scope = next((a for a in heading.iterancestors() if a.tag in ("article", "main")), None)
        if scope is not None:
            return scope
    return tree


def _only_the_publisher(found: _Declarations, declared: Any, site_keys: set[str]) -> bool:
    """The declared author is the organisation that runs the site: that is no byline, a person may still be named."""
    items = [_by_id(found.entities, item) for item in (declared if isinstance(declared, list) else [declared])]
    return bool(items) and all(
        "organization" in _types(item) and is_site_name(_text(item.get("name")) or "", site_keys) for item in items
    )


def _author_names(entities: list[dict[str, Any]], declared: Any) -> list[str]:
    """Declared author names; of several, those written as a person's name when any is ('By Arlene Marturano'
    beside 'South Carolina Garden-based Learning Network on Facebook', a page credited as a second author)."""
    items = declared if isinstance(declared, list) else [declared]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names += _clean_names(item)
        elif isinstance(item, dict):
            names += _clean_names(_text(_by_id(entities, item).get("name")))
    persons = [n for n in names if looks_like_name(n)]
    return persons if len(names) > 1 and persons else names


def _clean_names(value: str | None) -> list[str]:
    """Names from a declared author string: 'By' prefixes, URLs and placeholders dropped; ';' separates names
    (after unescaping); a part with nothing before its comma (', USA TODAY') is the publication alone."""
    if not value:
        return []
    names = []
    for part in unescaped(value).split(";"):
        if part.strip().startswith(","):  # ', USA TODAY': the name before the publication was left empty
            continue
        name = _BY_PREFIX.sub("", _SPACES.sub(" ", part)).strip(" ,|-")
        if name and len(name) <= _MAX_NAME_CHARS and not NOT_A_NAME.search(name) and re.search(r"[^\W\d_]", name):
            names.append(name)
    return names


def _after(element: HtmlElement) -> list[HtmlElement]:
    return element.xpath(f"following::*[position() <= {_BYLINE_REACH}]")


def _own_text(element: HtmlElement) -> str:
    return _SPACES.sub(" ", element.text or "").strip()


def _next_text(label: HtmlElement) -> str | None:
    """The first text after the label's own: inside it ('<span>By <a>Name</a></span>') or after it."""
    inside = [t.strip() for t in list(label.itertext())[1:] if t.strip()]
    if inside:
        return inside[0]
    for text in label.xpath("following::text()[normalize-space()][position() <= 3]"):
        parent = text.getparent()
        if parent is not None and parent.tag not in ("script", "style", "noscript"):
            return str(text).strip()
    return None

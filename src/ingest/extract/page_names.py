"""Whether a text is a person's name, a name found in a page's byline without what sits next to it there, and the
owner a personal site is named after.

Split from page_metadata (which finds where a page names its authors).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement

from ingest.entities.name_signals import any_first_name, non_person_head, occurs_as_word
from ingest.extract.page_titles import compact, in_chrome, in_comments, visible_text

AUTHOR_PAGE = re.compile(r"/(?:authors?|writers?|contributors?|people|team|profile)/([\w.-]+)/?$", re.IGNORECASE)
NOT_A_NAME = re.compile(r"^(?:https?:|www\.|@|\S+@\S+\.\w+$)|^\w+(?:\.\w+){2,}$|"
                        r"^(?:undefined|null|none|admin|administrator|webmaster|author|name|written by|the author|"
                        r"staff|by)$",
                        re.IGNORECASE)
_MAX_NAME_WORDS = 8
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "de", "da", "di", "du", "dos", "del", "la", "le", "bin", "al",
                             "and", "&", "y", "e"})
_OTHER_ROLE_INSIDE = re.compile(r"\s(?:updated|reviewed|medically reviewed|edited|fact[- ]checked) by\b", re.IGNORECASE)


def full_name(text: str) -> bool:
    """Two or three capitalised words, none a job or a field ('Ana Lima', not 'Trial Attorney' or 'Privacy')."""
    words = text.split()
    return 2 <= len(words) <= 3 and looks_like_name(text) and not any(
        w.lower().strip(".,") in _ROLE_WORDS or w.lower().strip(".,") in _FIELD_WORDS for w in words)


def looks_like_name(text: str) -> bool:
    """Capitalised words (particles and joins aside), no digits: 'Sofia Gonzalez', 'Marna van der Merwe'."""
    words = text.replace(",", " ").split()
    return 1 <= len(words) <= _MAX_NAME_WORDS and len(text) <= 80 and not re.search(r"\d", text) and all(
        w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words) and any(w[:1].isupper() for w in words)


_BYLINE_PREFIX = re.compile(r"^(?:(?:this (?:post|article) was )?(?:written|posted|article|recipe|words|story|"
                            r"reviewed) by|read more about|by)\s+", re.IGNORECASE)
_DATE_WORDS = frozenset(re.findall(r"\w+", """
    january february march april may june july august september october november december jan feb mar apr jun jul
    aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri
    sat sun updated published posted last on"""))
_ROLE_WORDS = frozenset(re.findall(r"[\w-]+", """writer reporter editor founder co-founder consultant contributor
    correspondent journalist columnist expert ceo attorney lawyer director manager head specialist reviewer analyst
    strategist producer photographer"""))
# Words of a job title or a beat that a byline search returns as if they were a second name.
_FIELD_WORDS = frozenset(re.findall(r"\w+", """senior junior staff chief lead former development security privacy
    digital community marketing content communications operations research news sports business health science
    technology politics travel food opinion certified licensed registered"""))
# Words that open a description after the name ('Liz Kenny Former McKinsey', 'Ana Lima Certified Coach') and
# degrees or licences written after it ('Cara Dumaplin RN'), each only from the name's third word on.
_ROLE_LEADS = frozenset({"former", "certified", "licensed", "registered", "board-certified"})
_CREDENTIALS = frozenset(re.findall(r"\w+", """rn bsn msn md phd dvm vmd cpa cfp mba jd esq lcsw np rd ma msc
    mph dds pharmd"""))
_BYLINE_BREAK = re.compile(r"\s+[•|·–—]\s+.*$")
# 'Posted by Jane Doe at 10:42 AM', '... at December 16, 2025 11:15 AM': the time (or day) of the post, not a place.
_AT_TIME = re.compile(r"\s+at\s+(?:\d{1,2}(?:[:.]\d{2}|\s*[ap]\.?m\b)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
                      r"dec)[a-z]*\.?\s+\d|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                      r"|\d{4}-\d{2}-\d{2}).*$", re.IGNORECASE)


def byline_name(found: str) -> str | None:
    """A name found by searching the page's byline, without what sits next to it there: a 'By'/'Written by' lead,
    a date ('Luke Kim December 3', 'Updated January'), a job title after the name ('Jane Roe Tech Reporter').
    Declared names are left alone: this noise comes from the page text."""
    line = _AT_TIME.sub("", _BYLINE_BREAK.sub("", _BYLINE_PREFIX.sub("", found.strip())))
    other = _OTHER_ROLE_INSIDE.search(line)  # 'Shelby Loos, DVM Reviewed by Molly Price': the reviewer goes
    tokens = _without_initials((line[:other.start()] if other else line).split())
    words = [t.strip(".,:;()").lower() for t in tokens]
    if not words or all(w in _DATE_WORDS or w in _ROLE_WORDS or w.isdigit() for w in words):
        return None
    cut = next((i for i, w in enumerate(words) if i >= 1 and (w in _DATE_WORDS or w[:1].isdigit())), len(words))
    role = next((i for i, w in enumerate(words[:cut]) if i >= 2 and (w in _ROLE_WORDS or w in _ROLE_LEADS or (
        w in _CREDENTIALS and tokens[i][:1].isupper()))), cut)
    while role > 2 and words[role - 1] in ("former", "senior", "contributing", "staff", "tech", "lead", "chief"):
        role -= 1
    name = " ".join(tokens[:role]).strip(" ,|-•")
    return name if name and not NOT_A_NAME.search(name) else None


def _without_initials(tokens: list[str]) -> list[str]:
    """The name without the avatar a byline draws from its initials before it ('CM Craig McCarthy')."""
    lead = tokens[0] if tokens else ""
    spelled = "".join(t[:1] for t in tokens[1:1 + len(lead)]).upper()
    if 2 <= len(lead) <= 3 and lead.isalpha() and lead.isupper() and len(tokens) > len(lead) and lead == spelled:
        return tokens[1:]
    return tokens


# '© 2025 Toby Hede. All rights reserved.', 'Copyright (c) 2019-2025 Jane Roe': the holder after the sign and years.
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:(?:©|\(c\))\s*)?(?:\d{4}\s*(?:[-–]\s*\d{4}\s*)?)?[,.]?\s*"
                        r"([^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*){1,2})", re.IGNORECASE)
_COPYRIGHT_TEXT = XPath("//body//text()[contains(., '©') or contains(., 'opyright')]", smart_strings=False)
_BODY_TEXT = XPath("//body//text()[not(ancestor::script or ancestor::style)]", smart_strings=False)
_OWNED = re.compile(r"(?:'s|’s)\s+(?:blog|site|website|weblog|notes|journal)$", re.IGNORECASE)
_TITLE_PARTS = re.compile(r"\s*[|•]\s*|\s+[–—·-]\s+")
_ARTICLES = frozenset({"the", "a", "an"})
_OWNER_STEM = 5  # 'cassidoo.co' is Cassidy's: a name word's first letters in the address count


def site_owner(tree: HtmlElement, site_name: str | None, url: str | None,
               text: Callable[[], str] | None = None) -> tuple[str, ...]:
    """No byline: the owner of a personal site (see `owner_in`), whose address is its host and first folder. Only
    on a page in English or of no stated language: where every noun is capitalised (German), a school or an
    institute named after someone reads as a name ('Siegfried Marcus Berufsschule', 'Urania Berlin').
    `text` gives the page's `page_text` when the caller holds it already."""
    if not url or not (tree.get("lang") or "en").lower().startswith("en"):
        return ()
    parts = urlsplit(url)
    title = next((visible_text(t) for t in tree.iter("title")), None)
    folder = parts.path.split("/")[1] if "/" in parts.path else ""
    owner = owner_in(owner_candidates(site_name, title, _COPYRIGHT_TEXT(tree)[:5]), f"{parts.hostname or ''}/{folder}",
                     text() if text is not None else page_text(tree))
    return (owner,) if owner else ()


def page_text(tree: HtmlElement) -> str:
    """The text of the page's body, scripts and styles aside, as one string."""
    return " ".join(_BODY_TEXT(tree))


def any_shown(text: str, names: list[str]) -> bool:
    """One of the names is written in the page's text (its `page_text`), whatever the case and spacing ('KIM LEE'
    for 'Kim Lee')."""
    text = " ".join(text.split()).casefold()
    return any(" ".join(name.split()).casefold() in text for name in names)


def owner_in(candidates: list[str], address: str, page_text: str) -> str | None:
    """A personal site's owner, the author of its posts when no byline names one: a person's full name that the
    site is named after ('Owain Brennan' as og:site_name, "Colin Watson's blog", the holder of '© 2025 Toby Hede'),
    when one of its words (or that word's first letters) is in the site's address ('owain.bearblog.dev',
    '/~cjwatson/'). The address check keeps a company or a blog title that reads like a name ('Model Remodel') out."""
    where = address.lower()
    for candidate in candidates:
        name = _OWNED.sub("", candidate.strip(" .,"))
        if not full_name(name) or NOT_A_NAME.search(name) or not _personal(name, page_text):
            continue
        stems = [w.lower()[:_OWNER_STEM] for w in re.findall(r"[^\W\d_]{4,}", name)]
        if any(stem.isascii() and stem in where for stem in stems):
            return name
    return None


def _personal(name: str, page_text: str) -> bool:
    """A person's name, not a business's: it opens with a first name (not an article: 'The Jodel Venture'), none
    of its words is one the page uses in lower case ('The Writing Center' writes 'the', 'Austin Hardware'
    'hardware'; 'Hede' is only a surname) nor a word that heads a place or an organisation ('Royal Road'), and
    its words are letters ('Mila Hacke_Berlin' is a file's credit)."""
    words = [w.strip(".,") for w in name.split()]
    return (any_first_name(words[0]) and words[0].lower() not in _ARTICLES and all("_" not in w for w in words)
            and not any(occurs_as_word(page_text, w.lower()) or non_person_head(w) for w in words))


def owner_candidates(site_name: str | None, title: str | None, footer_texts: list[str]) -> list[str]:
    """Where a personal site names its owner: the site name, a part of the <title> ('Post | Pierce Freeman'), the
    holder of a copyright line."""
    found = [site_name] if site_name else []
    found += _TITLE_PARTS.split(title or "")[1:]
    # The holder ends at a sentence's end: '© 2025 Toby Hede. All rights reserved.'
    found += [re.split(r"\.\s", m[1])[0] for text in footer_texts for m in _COPYRIGHT.finditer(text)]
    return found


_CITATION_KEYS = frozenset({"citation_author", "citation_authors"})


def cited_authors(tree: HtmlElement) -> list[str]:
    """Every `citation_author` of a scholarly page, one tag an author (the Highwire Press convention Google Scholar
    reads), each as written ('Kaufman, Jeff T.' stays so: the page shows it that way)."""
    names = (" ".join((e.get("content") or "").split()) for e in tree.iter("meta")
             if (e.get("name") or "").strip().lower() in _CITATION_KEYS)
    return [n for n in dict.fromkeys(names) if n and not NOT_A_NAME.search(n)]


def named_by_author_link(tree: HtmlElement) -> list[str]:
    """An author card whose link to the author's page says something else ('Articles by ...', 'View profile'): the
    name beside it that the link's address spells ('Juliette Carreiro' / 'Tech Writer' / <a href=
    "/blog/authors/juliette-carreiro">)."""
    for link in tree.iter("a"):
        slug = AUTHOR_PAGE.search(urlsplit(link.get("href") or "").path)
        if slug is None or compact(visible_text(link)) == compact(slug[1]) or in_chrome(link) or in_comments(link):
            continue
        card = link.getparent()
        for _ in range(2):
            if card is None:
                break
            name = next((" ".join(t.split()) for t in card.itertext() if compact(t) == compact(slug[1])), None)
            if name and full_name(name):
                return [name]
            card = card.getparent()
    return []

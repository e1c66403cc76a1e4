"""A page's headline: the visible <h1> when it is the page's own title, else the declared title without the site name.

Split from page_metadata (which reads the declarations); the rendering helpers (`visible_text`, `in_chrome`) are
shared with the byline search there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

_BAR = re.compile(r"\s+\|\s+")
_KICKER_WORDS = 4
_LABEL_WORDS = 3
_SITE_PART_WORDS = 3
# A full stop after a word ends a sentence, not a headline ('... travel hacks .'); 'U.S.' and '...' do not.
_SENTENCE = re.compile(r"[^\W\d_]{2}\s?\.$")
_SAME_TITLE = 0.3  # the words an <h1> shares with the declared title when both name the same article
_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—•·»:/]{1,2}\s+|\s*\|\s*")
_HEADLINE_WORDS = (2, 30)
_SHOWN_TITLE_CHARS = 12
_CHROME_TAGS = frozenset({"nav", "footer", "aside", "menu", "dialog", "noscript", "template"})
_CHROME_ROLES = frozenset({"navigation", "dialog", "search", "menu", "menubar", "complementary", "contentinfo"})
_HIDDEN_CLASSES = frozenset({"sr-only", "screen-reader-text", "visually-hidden", "visuallyhidden", "hidden"})
# 'hidden md:block' (Tailwind): hidden on a phone, shown from a breakpoint up, so shown as a desktop reader sees it
_SHOWN_FROM = re.compile(r"^[\w-]+:(?:block|flex|inline|inline-block|inline-flex|grid|table|contents)$")
_SPACES = re.compile(r"\s+")
_LINE_BREAK = "\x00"  # where `text_lines` breaks: no character of a page's text
_UNRENDERED = frozenset({"script", "style", "noscript", "template"})
# A word as a reader counts it: 'M&A', 'Wi-Fi' and "Jan's" are one word each.
_WORD = re.compile(r"\w+(?:[&'’-]\w+)*")
# A class or id token of a comment thread or one comment; not a state of the post ('comments-open', 'no-comments')
# nor a link to the thread ('comments-link', 'comment-count').
_COMMENT_MARK = re.compile(r"(?:[\w-]*[_-])?(?:comments?|commentlist|respond|disqus)(?:[_-][\w-]*)?", re.IGNORECASE)
_NOT_A_THREAD = re.compile(r"(?:^|[_-])(?:open|closed|link|links|count|number|icon|button|btn|toggle|has|no|"
                           r"enabled|disabled|off|on|status)(?:$|[_-])", re.IGNORECASE)
# UTF-8 bytes read as Latin-1 somewhere upstream of the page: 'â\x80\x99' for '’', 'Ã©' for 'é'.
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")
INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "mark", "q", "s", "small", "strong",
                         "sub", "sup", "u", "time", "font", "span", "label"})


@dataclass(frozen=True)
class Headline:
    """The page's headline, found once per page for the title and for the byline under it: the title the page
    declares (without the site name) and its plausible <h1> outside the page chrome, the closest to it first."""

    declared: str | None
    headings: tuple[tuple[HtmlElement, str], ...]  # (element, visible text), closest to `declared` first
    titles: tuple[str, ...] = ()  # the titles the page declares as written (og:title, <title>, JSON-LD headline)

    @property
    def element(self) -> HtmlElement | None:
        return self.headings[0][0] if self.headings else None


def find_headline(tree: HtmlElement, meta: Mapping[str, str], article: Mapping[str, Any],
                  site_keys: set[str]) -> Headline:
    """A page may hold several <h1> (logo, menu, list of other stories, the article): they are ranked by how many
    words they share with the declared title; `sorted` keeps the page's order among equals."""
    titles = tuple(v for v in (meta.get("og:title"), meta.get("twitter:title"), _headline(article),
                               _title_element(tree)) if v)
    chosen = _not_a_teaser(titles) if titles else None
    declared = _headline_part(strip_site_name(chosen, site_keys)) if chosen else None
    teaser = compact(titles[0]) if chosen and chosen != titles[0] else None  # an <h1> that repeats it is no headline
    headings = [(h, text) for h in tree.iter("h1") if not _in_page_chrome(h) and not _links_home(h)
                if (text := visible_text(h)) and _plausible_headline(text, site_keys, declared)
                and compact(text) != teaser]
    ranked = sorted(headings, key=lambda pair: -word_overlap(pair[1], declared or ""))
    return Headline(declared, tuple(ranked), titles)


def _not_a_teaser(titles: tuple[str, ...]) -> str:
    """The first declared title, unless it is a sentence (a teaser: 'Here are the six types of HR outsourcing.')
    and another title says something else in 2 or more words: then that one. The same sentence with the site
    name after it ('Laufen im Winter: ... in 12 Monaten. › Nordish by Nature') is no other title."""
    first = titles[0]
    if not _SENTENCE.search(first):
        return first
    others = (t for t in titles[1:] if not _SENTENCE.search(t) and not compact(t).startswith(compact(first)))
    return next((t for t in others if len(re.findall(r"\w+", t)) >= _HEADLINE_WORDS[0]), first)


def shown_title(tree: HtmlElement, headline: Headline) -> HtmlElement | None:
    """Where a page without an <h1> shows its title: the first element outside the page chrome whose text is a
    title the page declares (as written or without the site name). Only a title of 12 characters or more: a
    short one ('Blog', 'News') is also a menu entry or a section label."""
    keys = {compact(t) for t in (*headline.titles, headline.declared or "") if len(t.strip()) >= _SHOWN_TITLE_CHARS}
    keys.discard("")
    if not keys:
        return None
    shortest, longest = min(map(len, keys)), max(map(len, keys))
    body = tree.find("body")
    for element in (body if body is not None else tree).iter():
        if not isinstance(element.tag, str) or element.tag in ("title", "script", "style", "noscript"):
            continue
        text = element.text_content()
        # A cheap bound first: most elements hold far more (or less) text than a title.
        if shortest <= len(text) <= 4 * longest + 200 and compact(text) in keys and not in_chrome(element):
            return element
    return None


def choose_title(headline: Headline, site_keys: set[str]) -> str | None:
    """The visible headline (<h1>) when it is the page's own title, else the declared title without the site name.

    The <h1> closest to the declared title wins; a single plausible <h1> wins even when the declared title is an
    SEO variant of it.
    """
    declared = headline.declared
    if not headline.headings:
        return declared
    element, closest = headline.headings[0]
    if part := _declared_part(element, closest, headline, site_keys):
        return part
    if declared and word_overlap(closest, declared) >= _SAME_TITLE:
        if (_kicker_before(closest, declared) or _lost_characters(closest, declared) or _numbered(closest, declared)
                or _shouted(closest, declared)):
            return declared
        return _headline_part(strip_site_name(closest, site_keys))
    texts = {text for _, text in headline.headings}
    if len(texts) == 1 and not (declared and _section_label(closest, declared)):
        return _headline_part(strip_site_name(closest, site_keys))
    return declared


def repaired(text: str) -> str:
    """A title whose UTF-8 a publisher's system once read as Latin-1 ('Investorâ\x80\x99s'), decoded back
    ('Investor’s'); any other text, and one that does not decode cleanly, stays as it is."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _headline(article: Mapping[str, Any]) -> str | None:
    value = article.get("headline")
    value = value[0] if isinstance(value, list) and value else value
    return _SPACES.sub(" ", value).strip() or None if isinstance(value, str) else None


def _section_label(heading: str, declared: str) -> bool:
    """A short <h1> that shares little with a much longer declared title ('VPN Services' against 'Private VPN
    Service Recommendations and Comparison') names the section the page sits in, not the article."""
    words = len(_WORD.findall(heading))
    return words <= _LABEL_WORDS and len(_WORD.findall(declared)) >= 2 * words


def _headline_part(title: str) -> str:
    """A title's part before ' | ': after the headline a bar sets off what the <title> adds for search
    engines (a section, keywords, a tagline: 'Headline | Opinion', 'Guide 2026 | Costs & Savings'); a headline
    itself keeps its dashes and colons."""
    head = _BAR.split(title, maxsplit=1)[0].strip()
    return head if len(re.findall(r"\w+", head)) >= _HEADLINE_WORDS[0] else title


def _kicker_before(heading: str, declared: str) -> bool:
    """The <h1> is the declared title behind a short lead ('Blog: Headline', 'Dec 18 2025 Headline'): a kicker
    or a date rendered in the heading, not part of the headline."""
    words, title_words = re.findall(r"\w+", heading.lower()), re.findall(r"\w+", declared.lower())
    extra = len(words) - len(title_words)
    return 0 < extra <= _KICKER_WORDS and len(title_words) >= 3 and words[extra:] == title_words


def _declared_part(element: HtmlElement, heading: str, headline: Headline, site_keys: set[str]) -> str | None:
    """The declared title the <h1> holds as one of its parts, next to others: a line before a <br> or a block
    (a dek, 'Posted on ... by ...'), or an element beside a source link and a comment count ('<span>Kicker</span>
    <br>Headline' with the headline in JSON-LD). That part is the headline; the rest of the <h1> is not. None
    when the whole <h1> is a declared title (as written or without the site name)."""
    forms: dict[str, str] = {}
    for title in (headline.declared or "", *headline.titles):
        stripped = strip_site_name(title, site_keys)
        for form in (stripped, _headline_part(stripped)):
            forms.setdefault(compact(form), _headline_part(stripped))
    # A one-word title ('News', 'Blog') may be the heading's section label rather than its headline.
    forms = {key: form for key, form in forms.items() if len(re.findall(r"\w+", form)) >= _HEADLINE_WORDS[0]}
    if not forms or compact(heading) in forms:
        return None
    parts = (visible_text(part) for part in element.iterdescendants() if isinstance(part.tag, str))
    return next((forms[key] for text in (*text_lines(element), *parts) if (key := compact(text)) in forms), None)


def _shouted(heading: str, declared: str) -> bool:
    """An <h1> in capitals ('BEST DRIP COFFEE MAKER IN 2026') lost its case to a style written into the page; the
    declared title says the same in the words' own case."""
    return heading.isupper() and not declared.isupper()


def _numbered(heading: str, declared: str) -> bool:
    """The declared title is the <h1> with a count or a year added ('8 Recent Trends in Photography' for 'Recent
    Trends in Photography', 'Best Tutoring Platforms 2025'): the number is part of the headline, the <h1> dropped it."""
    words, added = iter(re.findall(r"\w+", heading.lower())), []
    pending = next(words, None)
    for word in re.findall(r"\w+", declared.lower()):
        if word == pending:
            pending = next(words, None)
        else:
            added.append(word)
    return pending is None and bool(added) and all(w.isdigit() for w in added)


def _lost_characters(heading: str, declared: str) -> bool:
    """The <h1> is the declared title with characters a charset conversion replaced by '?' or U+FFFD
    ('Beginner? Guide' for "Beginner's Guide"): the declaration kept them."""
    if "?" not in heading and "\ufffd" not in heading:
        return False
    pattern = "".join(".{1,3}" if c in "?\ufffd" else re.escape(c) for c in heading)
    return heading != declared and re.fullmatch(pattern, declared) is not None


def _title_element(tree: HtmlElement) -> str | None:
    element = next(tree.iter("title"), None)
    return _SPACES.sub(" ", element.text_content()).strip() or None if element is not None else None


def hidden_by_class(element: HtmlElement) -> bool:
    """A class that hides the element, as a whole class ('hidden', 'sr-only'), not a part of one: 'overflow-hidden'
    clips, 'md:hidden' hides on wide screens only, and 'hidden md:block' shows from a breakpoint up."""
    classes = (element.get("class") or "").lower().split()
    if any(_SHOWN_FROM.match(c) for c in classes):
        classes = [c for c in classes if c != "hidden"]
    return any(c in _HIDDEN_CLASSES for c in classes)


def in_chrome(element: HtmlElement) -> bool:
    if hidden_by_class(element):
        return True
    return any(_is_chrome(a) for a in element.iterancestors() if isinstance(a.tag, str))


def _is_chrome(element: HtmlElement) -> bool:
    return element.tag in _CHROME_TAGS or (element.get("role") or "").lower() in _CHROME_ROLES


def _links_home(heading: HtmlElement) -> bool:
    """The <h1> is a link to the site's home page ('<h1><a href="/">Salsa-Figuren - Rueda in Berlin</a></h1>'):
    the site's name or logo, however its words read."""
    whole = compact(heading.text_content())
    links = [a for a in heading.iter("a") if compact(a.text_content()) == whole]
    links.extend(heading.iterancestors("a"))
    return any(_home_link(a.get("href") or "") for a in links)


def _home_link(href: str) -> bool:
    """'/', '/?lang=de', 'https://example.com/': not '#' nor '' (a link going nowhere)."""
    parts = urlsplit(href.strip())
    return parts.path == "/" or (bool(parts.netloc) and not parts.path)


def _in_page_chrome(heading: HtmlElement) -> bool:
    """`in_chrome` for a headline, but an <h1> inside an <article> or <main> that itself sits in a <nav> or <aside>
    belongs to the article: a tag the page left open (a menu, a pop-up) swallowed the rest of the page."""
    if hidden_by_class(heading):
        return True
    for ancestor in heading.iterancestors():
        if ancestor.tag in ("article", "main") or (ancestor.get("role") or "").lower() == "main":
            return False
        if _is_chrome(ancestor):
            return True
    return False


def in_comments(element: HtmlElement) -> bool:
    """The element sits in a comment thread: it or an ancestor (below <body>) has a class or id that marks comments
    ('comment', 'comments', 'comment-author', 'respond', 'disqus_thread'). A name there is a reader's, not a byline."""
    for node in (element, *element.iterancestors()):
        if not isinstance(node.tag, str) or node.tag in ("body", "html"):
            break
        if marks_comments(node):
            return True
    return False


def marks_comments(element: HtmlElement) -> bool:
    """The element's own class or id marks a comment thread or one comment (see `in_comments`)."""
    marks = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if "comment" not in marks and "respond" not in marks and "disqus" not in marks:  # cheap before the pattern
        return False
    return any(_COMMENT_MARK.fullmatch(t) and not _NOT_A_THREAD.search(t) for t in marks.split())


def comment_threads(scope: HtmlElement) -> list[HtmlElement]:
    """The elements of the scope, itself included (not <body> or <html>), that `marks_comments`, in document order."""
    return [e for e in scope.iter() if isinstance(e.tag, str) and e.tag not in ("body", "html") and marks_comments(e)]


def visible_text(element: HtmlElement) -> str:
    """Text as rendered: block boundaries and <br> become spaces (text_content() would glue 'WEEKEND<br>CODING')."""
    if not len(element):  # no children (most elements): its own text is all it renders
        return _SPACES.sub(" ", element.text or "").strip()
    parts: list[str] = []
    _render(element, parts, " ")
    return _SPACES.sub(" ", "".join(parts)).strip()


def text_lines(element: HtmlElement) -> list[str]:
    """The element's rendered lines: its text broken at each <br> and block boundary (not at the source's own
    line breaks, which render as spaces), blank lines left out."""
    parts: list[str] = []
    _render(element, parts, _LINE_BREAK)
    return [line for line in (_SPACES.sub(" ", t).strip() for t in "".join(parts).split(_LINE_BREAK)) if line]


def _render(element: HtmlElement, parts: list[str], gap: str) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        is_element = isinstance(child.tag, str)
        if is_element and child.tag in _UNRENDERED:
            pass  # a <style> or <script> inside a heading shows nothing
        elif is_element:
            block = child.tag not in INLINE_TAGS
            parts.append(gap if block else "")
            _render(child, parts, gap)
            parts.append(gap if block else "")
        if child.tail:
            parts.append(child.tail)


def _plausible_headline(text: str, site_keys: set[str], declared: str | None) -> bool:
    """2 to 30 words, and not the site's name. A longer <h1> holding a site key is the site's only when it is
    also unlike the declared title: a logo with a slogan ('ProNATs e.V. Verein zur ...'), a promotion ('A message
    from the co-founder of SiliconANGLE'); one like it is the headline ('The 2024 SELF Healthy Beauty Awards')."""
    words = len(re.findall(r"\w+", text))
    if not _HEADLINE_WORDS[0] <= words <= _HEADLINE_WORDS[1] or _names_site(text, site_keys):
        return False
    return not is_site_name(text, site_keys) or word_overlap(text, declared or "") >= _SAME_TITLE


def word_overlap(a: str, b: str) -> float:
    left, right = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(left & right) / len(left | right) if left | right else 0.0


def compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def site_keys_of(site_name: str | None, url: str | None) -> set[str]:
    host = re.sub(r"^www\d?\.", "", (urlsplit(url).hostname or "") if url else "")
    keys = {compact(site_name or ""), compact(host), compact(host.split(".")[0])}
    return {k for k in keys if len(k) >= 3}


def is_site_name(segment: str, site_keys: set[str]) -> bool:
    key = compact(segment)
    return not key or any(key == s or (len(key) >= 4 and (key in s or s in key)) for s in site_keys)


def _names_site(segment: str, site_keys: set[str]) -> bool:
    """`is_site_name` for a part of a title or an <h1>: a site key inside a longer part only makes it the site
    name when the part is short ('Intuit TurboTax Blog', 'Rust Blog'); a headline may name the site or start with
    a word of its host ('Gardening in a Warming World' on gardening.cals.cornell.edu, 'The 2024 SELF Awards: ...')."""
    key = compact(segment)
    short = len(re.findall(r"\w+", segment)) <= _SITE_PART_WORDS
    return not key or any(key == s or (len(key) >= 4 and (key in s or (s in key and (short or 2 * len(s) >= len(key)))))
                          for s in site_keys)


def strip_site_name(title: str, site_keys: set[str]) -> str:
    """'Headline | Site', 'Site - Headline' and 'site.com Headline' lose the site part; other separated parts stay."""
    parts = _TITLE_SEPARATOR.split(title.strip())
    separators = _TITLE_SEPARATOR.findall(title.strip())
    while len(parts) > 1 and _names_site(parts[-1], site_keys):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _names_site(parts[0], site_keys):
        parts.pop(0)
        separators.pop(0)
    stripped = (parts[0] + "".join(s + p for s, p in zip(separators, parts[1:], strict=True))).strip()
    host, _, rest = stripped.partition(" ")
    # 'example.com Headline': a host name before the headline with no separator between them.
    return rest.strip() if "." in host.strip(".") and rest.strip() and compact(host) in site_keys else stripped

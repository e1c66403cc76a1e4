"""What a fetched response really is: HTML or not, its charset, a bot wall, a paywall or an empty JS shell.

A verdict is a flag, never a reason to drop the body: a 200 body is stored and extracted whatever it is (a page
declared paid may carry the whole article), and the verdict goes on the fetch row and on the article, so an
operator can act on `paywalled` or `blocked` and `ingest reprocess` can still recover the text. The checks look
at markers that are ASCII in every encoding, so no decoding is needed; a bot-wall or paywall marker only counts
with a short visible text, because a real article may well mention "paywall" or "Are you a robot?".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

PageVerdict = Literal["blocked", "paywalled", "paywall_declared", "js_required"]
PageProblem = tuple[PageVerdict, str]
HTML_TYPES = ("text/html", "application/xhtml+xml")
SCAN_BYTES = 262_144
SHORT_PAGE_WORDS = 200  # a wall, a teaser or a shell has less visible text than this
TEASER_PARAGRAPH_WORDS = 150  # a full article has more words in its paragraphs than this
SHELL_WORDS = 40

_INVISIBLE = re.compile(rb"<(script|style|noscript|template|svg|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
_PARAGRAPH = re.compile(rb"<p\b[^>]*>(.*?)</p\s*>", re.IGNORECASE | re.DOTALL)
# Markers are searched as literals in the lower-cased head (bytes.find is fast; a case-insensitive alternation
# over 256 KB costs more than the extraction), and a regex only confirms around what was found.
_BOT_WALL_MARKERS = (
    b"cf_chl_opt", b"cf-browser-verification", b"just a moment...", b"attention required! | cloudflare",
    b"_incapsula_resource", b"incapsula incident id", b"px-captcha", b"captcha-delivery.com",
    b"please verify you are a human", b"are you a robot", b"access to this page has been denied",
    b"checking your browser before accessing",
)
_NOT_FREE_KEY = b"isaccessibleforfree"
_NOT_FREE = re.compile(rb"""isaccessibleforfree["']?\s*:\s*["']?false""")
_PAYWALL_WORDS = (b"paywall", b"subscriber-only", b"subscribers-only", b"premium-content", b"piano-offer",
                  b"tp-modal", b"regwall", b"metered-content", b"locked-content", b"article-locked")
_PAYWALL_MARKER = re.compile(
    rb"""(?:class|id)\s*=\s*["'][^"']*\b(?:paywall|subscriber-only|subscribers-only|premium-content|piano-offer|"""
    rb"""tp-modal|regwall|metered-content|locked-content|article-locked)\b"""
)
_JS_MARKERS = (b"enable javascript", b"javascript is disabled", b"javascript is required", b"requires javascript")


def _has_any(lowered: bytes, markers: tuple[bytes, ...]) -> bool:
    return any(marker in lowered for marker in markers)


def _declared_not_free(lowered: bytes) -> bool:
    start = lowered.find(_NOT_FREE_KEY)
    while start >= 0:
        if _NOT_FREE.match(lowered, start, start + 64):
            return True
        start = lowered.find(_NOT_FREE_KEY, start + 1)
    return False


def _paywall_markup(lowered: bytes) -> bool:
    return _has_any(lowered, _PAYWALL_WORDS) and bool(_PAYWALL_MARKER.search(lowered))


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, lower-cased, if any."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip("\"' "):
            return value.strip("\"' ").lower()
    return None


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_html(content_type: str | None, body: bytes) -> bool:
    """HTML by its declared type; a missing or generic type is decided by sniffing the first bytes."""
    media = media_type_of(content_type)
    if media in HTML_TYPES:
        return True
    if media not in ("", "application/octet-stream", "text/plain", "binary/octet-stream"):
        return False
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def visible_words(body: bytes) -> int:
    text = _TAG.sub(b" ", _INVISIBLE.sub(b" ", body[:SCAN_BYTES]))
    return len(text.split())


def bot_wall(headers: Mapping[str, str], body: bytes) -> bool:
    """A challenge or block page (Cloudflare, Imperva, PerimeterX, DataDome, ...) instead of the content."""
    head = body[:SCAN_BYTES]
    return _bot_wall(headers, head, head.lower())


def _bot_wall(headers: Mapping[str, str], head: bytes, lowered: bytes) -> bool:
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return True
    return _has_any(lowered, _BOT_WALL_MARKERS) and visible_words(head) < SHORT_PAGE_WORDS


def page_problem(headers: Mapping[str, str], body: bytes, text_words: int | None = None) -> PageProblem | None:
    """A verdict with its reason, or None for an ordinary page.

    `blocked`: a bot wall. `paywalled`: a paywall with a teaser-length text. `paywall_declared`: the page declares
    itself paid (`isAccessibleForFree: false`) yet carries a full-length text. `js_required`: an empty shell.
    The text's length is `text_words` when the caller extracted it, else the words of the page's <p> elements.
    """
    head = body[:SCAN_BYTES]
    lowered = head.lower()  # once: the bot-wall, paywall and shell checks all search it
    if _bot_wall(headers, head, lowered):
        return "blocked", "bot wall / challenge page"
    declared_paid = _declared_not_free(lowered)
    if declared_paid or _paywall_markup(lowered):
        words, measure = (text_words, "extracted words") if text_words is not None else (
            sum(len(_TAG.sub(b" ", p).split()) for p in _PARAGRAPH.findall(head)), "words of paragraphs")
        marker = "isAccessibleForFree: false" if declared_paid else "paywall markup"
        if words < TEASER_PARAGRAPH_WORDS:
            return "paywalled", f"{marker} and only {words} {measure}"
        if declared_paid:
            return "paywall_declared", f"{marker} but {words} {measure}: the text is there"
    if (text_words is not None and text_words >= SHELL_WORDS) or b"<script" not in lowered:
        return None  # an extracted text this long is no empty shell
    words = visible_words(head)
    if words < SHELL_WORDS and (_has_any(lowered, _JS_MARKERS) or words < SHELL_WORDS // 4):
        return "js_required", f"{words} visible words and scripts: the page needs a browser"
    return None

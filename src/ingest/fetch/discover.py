"""Article URLs out of fetched feeds and sitemaps. Parsers get bytes, never a URL: nothing here touches the network.

XML from the web is hostile input: an entity-expansion bomb ("billion laughs") or an external entity must be
refused before anything expands it. Sitemaps go through defusedxml with DTDs forbidden outright (a sitemap never
needs one). Feeds are checked by defusedxml too (entities and external references forbidden; a plain DOCTYPE, as
old RSS 0.91 feeds carry, is allowed) and then parsed by feedparser from an in-memory stream.
"""

from __future__ import annotations

import calendar
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin

import defusedxml
import defusedxml.ElementTree as SafeET
import feedparser

from ingest.extract.html import parse_date
from ingest.models import Record
from ingest.read.files import InputTooLarge, gunzip_capped
from ingest.urls import canonicalize_url

SourceKind = Literal["rss", "atom", "sitemap", "news_sitemap", "page"]
_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_GZIP_MAGIC = b"\x1f\x8b"


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot (or must not) be parsed; `reason` is a short code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class Discovered(Record):
    """A URL found in a feed or sitemap: an article to fetch, or a child sitemap of a sitemap index."""

    url: str
    canonical_url: str
    kind: Literal["article", "sitemap"]
    via: str
    title: str | None = None
    published_at: datetime | None = None


def discover(kind: SourceKind, data: bytes, base_url: str, max_bytes: int) -> list[Discovered]:
    """Article (and child sitemap) URLs from one fetched feed or sitemap body."""
    data = _maybe_gunzip(data, max_bytes)
    if kind in ("rss", "atom"):
        return parse_feed(data, base_url)
    if kind in ("sitemap", "news_sitemap"):
        return parse_sitemap(data, base_url)
    raise DiscoveryError("not_a_listing", f"a {kind!r} source lists no URLs")


def _maybe_gunzip(data: bytes, max_bytes: int) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gunzip_capped(data, max_bytes)
    except InputTooLarge as exc:
        raise DiscoveryError("too_large", str(exc)) from exc
    except (OSError, EOFError) as exc:
        raise DiscoveryError("bad_gzip", f"{type(exc).__name__}: {exc}") from exc


def _refuse_dangerous_xml(data: bytes, forbid_dtd: bool) -> ET.Element | None:
    """Parse with defusedxml; refuse entity declarations and external references. Returns the tree, or None when
    the XML is not well-formed (feedparser's loose parser may still read it, but only without entities)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=forbid_dtd, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise DiscoveryError("unsafe_xml", f"refused before expansion: {type(exc).__name__}: {exc}") from exc
    except ET.ParseError:
        if _ENTITY_DECLARATION.search(data) or _ENTITY_DECLARATION.search(data.replace(b"\x00", b"")):
            raise DiscoveryError("unsafe_xml", "entity declarations are not accepted in feeds") from None
        return None


def parse_feed(data: bytes, base_url: str) -> list[Discovered]:
    """Entry links of an RSS or Atom feed (relative links resolved against the feed URL)."""
    _refuse_dangerous_xml(data, forbid_dtd=False)
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": base_url},
                              resolve_relative_uris=True, sanitize_html=False)
    if not parsed.entries and parsed.get("bozo"):
        raise DiscoveryError("malformed_feed", f"not a feed: {parsed.get('bozo_exception')}")
    found: list[Discovered] = []
    for entry in parsed.entries:
        link = _entry_link(entry)
        if link and (item := _discovered(urljoin(base_url, link), "article", base_url, entry.get("title"),
                                         _entry_time(entry))):
            found.append(item)
    return _unique(found)


def _entry_link(entry: Any) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    if entry.get("link"):
        return str(entry["link"])
    guid = entry.get("id")
    return str(guid) if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC).replace(tzinfo=None)
    return None


def parse_sitemap(data: bytes, base_url: str) -> list[Discovered]:
    """URLs of a sitemap (articles) or a sitemap index (child sitemaps), Google News extensions included."""
    root = _refuse_dangerous_xml(data, forbid_dtd=True)
    if root is None:
        raise DiscoveryError("malformed_sitemap", "sitemap is not well-formed XML")
    kind: Literal["article", "sitemap"]
    tag = _local(root.tag)
    if tag == "sitemapindex":
        entries, kind = _children(root, "sitemap"), "sitemap"
    elif tag == "urlset":
        entries, kind = _children(root, "url"), "article"
    else:
        raise DiscoveryError("malformed_sitemap", f"root element <{tag}> is neither urlset nor sitemapindex")
    found: list[Discovered] = []
    for entry in entries:
        fields = _fields(entry)
        loc = fields.get("loc")
        if not loc:
            continue
        published = parse_datetime(fields.get("publication_date") or fields.get("lastmod"))
        item = _discovered(urljoin(base_url, loc), kind, base_url, fields.get("title"), published)
        if item:
            found.append(item)
    return _unique(found)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _children(root: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in root if _local(child.tag) == name]


def _fields(entry: ET.Element) -> dict[str, str]:
    """Text of an entry's leaf elements by local name (<loc>, <lastmod>, <news:title>, <news:publication_date>)."""
    fields: dict[str, str] = {}
    for element in entry.iter():
        if len(element) == 0 and element.text and element.text.strip():
            fields.setdefault(_local(element.tag), element.text.strip())
    return fields


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        day = parse_date(value)
        return datetime(day.year, day.month, day.day) if day else None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _discovered(url: str, kind: Literal["article", "sitemap"], via: str, title: object,
                published: datetime | None) -> Discovered | None:
    url = url.strip()
    try:
        canonical = canonicalize_url(url)
    except ValueError:
        return None  # mailto:, javascript:, relative junk: nothing to fetch
    clean_title = str(title).strip() or None if title else None
    return Discovered(url=url, canonical_url=canonical, kind=kind, via=via, title=clean_title,
                      published_at=published)


def _unique(items: list[Discovered]) -> list[Discovered]:
    seen: dict[str, Discovered] = {}
    for item in items:
        seen.setdefault(item.canonical_url, item)
    return list(seen.values())

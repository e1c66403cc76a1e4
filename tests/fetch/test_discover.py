"""Feeds and sitemaps parsed from bytes: links, dates, sitemap indexes, gzip, and hostile XML refused unexpanded."""

from __future__ import annotations

import gzip
import tracemalloc
from datetime import datetime

import pytest

from ingest.fetch.discover import DiscoveryError, discover, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Coast News</title><link>https://news.example.com/</link>
<item><title>Harbour reopens</title><link>https://news.example.com/2025/harbour?utm_source=rss</link>
<pubDate>Tue, 04 Nov 2025 08:30:00 GMT</pubDate></item>
<item><title>Ferry strike ends</title><link>/2025/ferry</link></item>
<item><title>Same story again</title><link>https://www.news.example.com/2025/harbour</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:wire</id><updated>2025-11-04T10:00:00Z</updated>
<entry><title>Budget passes</title><id>urn:1</id><link rel="alternate" href="https://wire.example.org/budget"/>
<link rel="enclosure" href="https://wire.example.org/budget.mp3"/><published>2025-11-03T21:15:00+01:00</published>
<updated>2025-11-04T09:00:00Z</updated></entry>
<entry><title>No link, URL id</title><id>https://wire.example.org/by-id</id><updated>2025-11-04T09:00:00Z</updated></entry>
</feed>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.com/sitemap-2025-11.xml.gz</loc><lastmod>2025-11-04</lastmod></sitemap>
<sitemap><loc>https://news.example.com/sitemap-2025-10.xml.gz</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example.com/2025/harbour</loc>
  <news:news><news:publication><news:name>Coast News</news:name><news:language>en</news:language></news:publication>
  <news:publication_date>2025-11-04T08:30:00+00:00</news:publication_date><news:title>Harbour reopens</news:title>
  </news:news></url>
<url><loc>https://news.example.com/2025/ferry</loc><lastmod>2025-11-02</lastmod></url>
</urlset>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://news.example.com/laughs</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<rss version="2.0"><channel><title>x</title><item><title>&secret;</title><link>https://a.example/x</link></item>
</channel></rss>"""


def test_rss_links_are_resolved_canonicalised_and_deduplicated() -> None:
    found = parse_feed(RSS, "https://news.example.com/feed.xml")
    assert [d.url for d in found] == ["https://news.example.com/2025/harbour?utm_source=rss",
                                      "https://news.example.com/2025/ferry"]
    assert [d.canonical_url for d in found] == ["https://news.example.com/2025/harbour",
                                                "https://news.example.com/2025/ferry"]
    assert found[0].title == "Harbour reopens" and found[0].published_at == datetime(2025, 11, 4, 8, 30)
    assert {d.kind for d in found} == {"article"} and found[0].via == "https://news.example.com/feed.xml"


def test_atom_uses_the_alternate_link_then_a_url_id() -> None:
    found = parse_feed(ATOM, "https://wire.example.org/atom")
    assert [d.url for d in found] == ["https://wire.example.org/budget", "https://wire.example.org/by-id"]
    assert found[0].published_at == datetime(2025, 11, 3, 20, 15)


def test_a_sitemap_index_lists_child_sitemaps() -> None:
    found = parse_sitemap(SITEMAP_INDEX, "https://news.example.com/sitemap.xml")
    assert [(d.kind, d.url) for d in found] == [("sitemap", "https://news.example.com/sitemap-2025-11.xml.gz"),
                                                ("sitemap", "https://news.example.com/sitemap-2025-10.xml.gz")]


def test_a_gzipped_news_sitemap_gives_urls_titles_and_dates() -> None:
    found = discover("news_sitemap", gzip.compress(NEWS_SITEMAP), "https://news.example.com/news.xml.gz", 10**6)
    assert [(d.url, d.title, d.published_at) for d in found] == [
        ("https://news.example.com/2025/harbour", "Harbour reopens", datetime(2025, 11, 4, 8, 30)),
        ("https://news.example.com/2025/ferry", None, datetime(2025, 11, 2)),
    ]


def test_a_gzipped_sitemap_bigger_than_the_cap_is_refused() -> None:
    with pytest.raises(DiscoveryError) as caught:
        discover("sitemap", gzip.compress(NEWS_SITEMAP + b" " * 5000), "https://x.example/s.xml.gz", 1000)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize("kind", ["rss", "sitemap"])
def test_an_entity_expansion_bomb_is_refused_without_expanding(kind: str) -> None:
    bomb = BILLION_LAUGHS if kind == "rss" else BILLION_LAUGHS.replace(b"<rss", b"<urlset").replace(b"rss>", b"urlset>")
    tracemalloc.start()
    try:
        with pytest.raises(DiscoveryError) as caught:
            discover(kind, bomb, "https://news.example.com/feed.xml", 10**7)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "unsafe_xml"
    assert peak < 2_000_000  # expanded, &lol9; alone would be three gigabytes


def test_a_malformed_bomb_is_refused_too() -> None:
    broken = BILLION_LAUGHS.replace(b"</channel>", b"</chanel>")  # not well-formed: feedparser's loose parser
    with pytest.raises(DiscoveryError) as caught:
        parse_feed(broken, "https://news.example.com/feed.xml")
    assert caught.value.reason == "unsafe_xml"


def test_an_external_entity_is_refused() -> None:
    with pytest.raises(DiscoveryError) as caught:
        parse_feed(XXE, "https://a.example/feed")
    assert caught.value.reason == "unsafe_xml"


def test_a_plain_doctype_as_old_rss_feeds_carry_is_accepted() -> None:
    rss091 = RSS.replace(b"<rss", b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                                  b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss', 1)
    assert len(parse_feed(rss091, "https://news.example.com/feed.xml")) == 2


def test_feed_bytes_are_never_taken_for_a_file_name() -> None:
    with pytest.raises(DiscoveryError) as caught:
        parse_feed(b"/etc/hostname", "https://a.example/feed")  # feedparser would open a path given as bytes
    assert caught.value.reason == "malformed_feed"


def test_a_sitemap_with_a_dtd_or_the_wrong_root_is_refused() -> None:
    with pytest.raises(DiscoveryError) as dtd:
        parse_sitemap(b'<!DOCTYPE urlset SYSTEM "http://x/d.dtd"><urlset/>', "https://x.example/s.xml")
    with pytest.raises(DiscoveryError) as root:
        parse_sitemap(b"<html><body>not a sitemap</body></html>", "https://x.example/s.xml")
    assert (dtd.value.reason, root.value.reason) == ("unsafe_xml", "malformed_sitemap")


def test_links_that_are_not_http_are_dropped() -> None:
    feed = RSS.replace(b"/2025/ferry", b"mailto:desk@news.example.com")
    assert [d.url for d in parse_feed(feed, "https://news.example.com/feed.xml")] == [
        "https://news.example.com/2025/harbour?utm_source=rss"]

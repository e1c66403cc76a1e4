"""Crawling into a real warehouse: feeds and sitemaps to pages to articles, the frontier, fetch rows, health.

A real loopback HTTP server, a real DuckDB file, the real extract/clean/load path. Every outcome is asserted as
a `fetches` row, because that row is what an operator sees.
"""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingest.fetch import crawl
from ingest.settings import Settings
from ingest.warehouse.frontier import SourcesError, read_sources_csv
from tests.support.fetch_settings import fast_settings
from tests.support.fetch_site import Hit, Reply, Site, html_page
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.usefixtures("loopback_only")  # fixtures in tests/conftest.py


def crawl_settings(tmp_path: Path, sources: list[tuple[str, str, str]], **overrides: object) -> Settings:
    lines = ["source_id,kind,url,schedule,enabled,rate_per_second"]
    lines += [f"{sid},{kind},{url},*/15 * * * *,true," for sid, kind, url in sources]
    (tmp_path / "sources.csv").write_text("\n".join(lines) + "\n")
    return fast_settings(tmp_path, sources_csv=tmp_path / "sources.csv", **overrides)


def query(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def rss(site: Site, *paths: str) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{site.url(p)}</link>"
                    f"<pubDate>Tue, 04 Nov 2025 08:30:00 GMT</pubDate></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def test_an_rss_source_loads_its_articles_once_and_a_refetch_loads_nothing_new(site: Site, tmp_path: Path) -> None:
    site.route("/feed.xml", Reply(200, rss(site, "/harbour", "/ferry"), {"Content-Type": "application/rss+xml"}))
    site.route("/harbour", Reply(200, html_page("Harbour reopens"), {"ETag": '"h1"'}))
    site.route("/ferry", Reply(200, html_page("Ferry strike ends")))
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml"))])

    first = crawl.crawl_sources(settings)
    assert first["loaded_articles"] == 2 and first["fetch:page:ok"] == 2 and first["queued"] == 2
    titles = query(settings, "select title from articles order by title")
    assert titles == [("Ferry strike ends",), ("Harbour reopens",)]

    again = crawl.crawl_sources(settings)  # the feed has not changed and both pages were fetched already
    assert again["fetch:feed:not_modified"] == 1 and "fetch:page:ok" not in again
    assert len(site.hits_for("/harbour")) == 1

    refetched = crawl.crawl_sources(settings, refetch=True)
    assert refetched["fetch:page:not_modified"] == 2 and refetched.get("loaded_documents", 0) == 0
    assert site.hits_for("/harbour")[-1].headers.get("if-none-match") == '"h1"'
    assert query(settings, "select count(*) from documents") == [(2,)]
    rows = query(settings, "select url, document_id is not null from fetches where purpose = 'page' and outcome = 'ok'")
    assert sorted(rows) == [(site.url("/ferry"), True), (site.url("/harbour"), True)]


def test_an_atom_source_is_crawled(site: Site, tmp_path: Path) -> None:
    atom = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>w</title><id>urn:w</id>'
            f'<updated>2025-11-04T10:00:00Z</updated><entry><title>Budget</title><id>urn:1</id>'
            f'<link href="{site.url("/budget")}"/><updated>2025-11-04T09:00:00Z</updated></entry></feed>').encode()
    site.route("/atom", Reply(200, atom, {"Content-Type": "application/atom+xml"}))
    site.route("/budget", Reply(200, html_page("Budget passes")))
    settings = crawl_settings(tmp_path, [("wire", "atom", site.url("/atom"))])
    assert crawl.crawl_sources(settings)["loaded_articles"] == 1
    assert query(settings, "select title, source_uri from articles") == [("Budget passes", site.url("/budget"))]


def test_a_sitemap_index_leads_to_a_gzipped_sitemap_and_its_pages(site: Site, tmp_path: Path) -> None:
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>{site.url("/sitemap-news.xml.gz")}</loc></sitemap></sitemapindex>').encode()
    urlset = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
              'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
              + "".join(f"<url><loc>{site.url(p)}</loc><news:news><news:publication_date>2025-11-04"
                        f"</news:publication_date><news:title>{p}</news:title></news:news></url>"
                        for p in ("/one", "/two", "/three")) + "</urlset>").encode()
    site.route("/sitemap.xml", Reply(200, index, {"Content-Type": "application/xml"}))
    site.route("/sitemap-news.xml.gz", Reply(200, gzip.compress(urlset), {"Content-Type": "application/gzip"}))
    for path in ("/one", "/two", "/three"):
        site.route(path, Reply(200, html_page(f"Story {path[1:]}")))
    settings = crawl_settings(tmp_path, [("coast-sitemap", "news_sitemap", site.url("/sitemap.xml"))])

    totals = crawl.crawl_sources(settings)
    assert totals["fetch:sitemap:ok"] == 2 and totals["loaded_articles"] == 3
    assert query(settings, "select count(*), min(published_at) from frontier where source_id = 'coast-sitemap'") == [
        (3, datetime(2025, 11, 4))]


def test_a_window_keeps_only_articles_published_inside_it(site: Site, tmp_path: Path) -> None:
    site.route("/feed.xml", Reply(200, rss(site, "/harbour"), {"Content-Type": "application/rss+xml"}))
    site.route("/harbour", Reply(200, html_page("Harbour reopens")))
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml"))])
    totals = crawl.crawl_sources(settings, window=(datetime(2025, 11, 5), datetime(2025, 11, 6)))
    assert totals["discovered"] == 0 and not site.hits_for("/harbour")


def test_windowed_runs_parse_an_unchanged_feed_every_time_and_leave_no_validators_behind(
        site: Site, tmp_path: Path) -> None:
    """A backfill runs one window after another (or side by side) over the same feed bytes: each must see its own
    entries. A later run without a window must still queue what no window covered; after that, it is conditional."""
    days = {"/monday": "Mon, 03 Nov 2025", "/tuesday": "Tue, 04 Nov 2025", "/wednesday": "Wed, 05 Nov 2025"}
    items = "".join(f"<item><title>{p}</title><link>{site.url(p)}</link><pubDate>{d} 08:30:00 GMT</pubDate></item>"
                    for p, d in days.items())
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    headers = {"Content-Type": "application/rss+xml", "ETag": '"feed-1"'}
    site.route("/feed.xml", lambda hit: Reply(304, b"", headers) if hit.headers.get("if-none-match") == '"feed-1"'
               else Reply(200, feed, headers))
    for path in days:
        site.route(path, Reply(200, html_page(f"Story of {path[1:]}")))
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml"))])

    monday = crawl.crawl_sources(settings, window=(datetime(2025, 11, 3), datetime(2025, 11, 4)))
    tuesday = crawl.crawl_sources(settings, window=(datetime(2025, 11, 4), datetime(2025, 11, 5)))
    assert (monday["queued"], monday["loaded_articles"]) == (1, 1) and monday["fetch:feed:ok"] == 1
    assert (tuesday["queued"], tuesday["loaded_articles"]) == (1, 1) and tuesday["fetch:feed:ok"] == 1
    assert [h.headers.get("if-none-match") for h in site.hits_for("/feed.xml")] == [None, None]
    assert not site.hits_for("/wednesday")

    unwindowed = crawl.crawl_sources(settings)  # the windows left no validators: parsed, Wednesday queued
    assert (unwindowed["fetch:feed:ok"], unwindowed["queued"], unwindowed["loaded_articles"]) == (1, 1, 1)
    again = crawl.crawl_sources(settings)  # nothing new since a run that queued every entry: a conditional 304
    assert again["fetch:feed:not_modified"] == 1 and again.get("queued", 0) == 0
    assert site.hits_for("/feed.xml")[-1].headers.get("if-none-match") == '"feed-1"'
    assert query(settings, "select count(*), count(distinct url) from articles") == [(3, 3)]


def test_an_entity_bomb_feed_is_rejected_unexpanded_and_recorded(site: Site, tmp_path: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            b'<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title>'
            b'<link>http://127.0.0.1:1/never</link></item></channel></rss>')
    site.route("/feed.xml", Reply(200, bomb, {"Content-Type": "application/rss+xml"}))
    settings = crawl_settings(tmp_path, [("hostile", "rss", site.url("/feed.xml"))])
    totals = crawl.crawl_sources(settings)
    assert totals["fetch:feed:error"] == 1 and totals["queued"] == 0
    assert query(settings, "select outcome, detail like 'unsafe_xml:%' from fetches where purpose = 'feed'") == [
        ("error", True)]
    assert query(settings, "select stage, reason from rejects") == [("fetch", "unsafe_xml")]
    assert query(settings, "select count(*) from frontier") == [(0,)]


def test_a_windows_1251_page_declared_only_in_a_meta_tag_is_decoded(site: Site, tmp_path: Path) -> None:
    sentence = "Порт снова открыт для судов после ремонта причала, сообщили власти города."
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            '<title>Порт открыт</title></head><body><article><h1>Порт открыт</h1>'
            + "".join(f"<p>{sentence} Абзац {i}.</p>" for i in range(8)) + "</article></body></html>")
    site.route("/port", Reply(200, page.encode("cp1251"), {"Content-Type": "text/html"}))
    settings = fast_settings(tmp_path)
    totals = crawl.fetch_urls(settings, [site.url("/port")])
    assert totals["loaded_articles"] == 1
    [(title, body, charset)] = query(settings, "select a.title, a.body_text, d.charset from articles a "
                                               "join documents d using (document_id)")
    assert title == "Порт открыт" and sentence in body and charset is None


def _outcome_site(site: Site) -> dict[str, str]:
    """One path per outcome; returns path -> the outcome its fetch must end with."""
    big = b"<html><body>" + b"<p>word </p>" * 200_000 + b"</body></html>"
    site.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private\n", {"Content-Type": "text/plain"}))
    site.route("/ok", Reply(200, html_page("A fine story")))
    site.route("/missing", Reply(404, b"nope"))
    site.route("/gone", Reply(410, b"gone"))
    site.route("/forbidden", Reply(403, b"no"))
    site.route("/teaser", Reply(200, b'<html><body><p>Two lines.</p><div class="paywall">Subscribe</div></body>'))
    site.route("/shell", Reply(200, b'<html><body><div id="root"></div><script src="/a.js"></script></body>'))
    site.route("/private/memo", Reply(200, html_page("Secret")))
    site.route("/big", Reply(200, big))
    site.route("/slow", Reply(200, (b"x" for _ in range(30)), {"Content-Length": "30"}, pause=0.2))
    site.route("/escape", Reply(302, b"", {"Location": "file:///etc/passwd"}))
    site.route("/data.json", Reply(200, b'{"a": 1}', {"Content-Type": "application/json"}))
    site.route("/broken", Reply(500, b"boom"))
    return {"/ok": "ok", "/missing": "not_found", "/gone": "gone", "/forbidden": "blocked",
            "/teaser": "ok", "/shell": "ok",
            "/private/memo": "robots_disallowed", "/big": "too_large", "/slow": "timeout", "/escape": "unsafe_url",
            "/data.json": "not_html", "/broken": "error"}


def test_every_outcome_ends_as_a_fetches_row(site: Site, tmp_path: Path) -> None:
    expected = _outcome_site(site)
    busy = Site("127.0.0.2")  # a 429 keeps us off its whole host, so it gets a host of its own
    busy.route("/busy", Reply(429, b"later", {"Retry-After": "7200"}))
    etags = iter(['"v1"', '"v1"'])
    site.route("/same", lambda hit: Reply(304 if hit.headers.get("if-none-match") else 200,
                                          b"" if hit.headers.get("if-none-match") else html_page("Same"),
                                          {"ETag": next(etags, '"v1"')}))
    settings = fast_settings(tmp_path, max_fetch_bytes=1_000_000, fetch_deadline_seconds=1.0, fetch_retries=1)
    try:
        totals = crawl.fetch_urls(settings, [site.url(p) for p in [*expected, "/same"]] + [busy.url("/busy")])
        crawl.fetch_urls(settings, [site.url("/same")])  # the second time the validators go with it
    finally:
        busy.close()
    expected.update({"/same": "not_modified", "/busy": "rate_limited"})

    rows = query(settings, "select url, outcome from fetches where purpose = 'page' order by fetched_at")
    outcomes = {url.removeprefix(site.url("")).removeprefix(busy.url("")): outcome for url, outcome in rows}
    assert outcomes == expected
    assert len(rows) == len(expected) + 1  # /same twice
    assert totals["loaded_articles"] == 2  # /ok and the first /same
    flagged = query(settings, "select url, page_verdict, document_id is not null from fetches "
                              "where page_verdict is not null order by url")
    assert flagged == [(site.url("/shell"), "js_required", True), (site.url("/teaser"), "paywalled", True)]
    states = dict(query(settings, "select url, state from frontier"))
    assert states[busy.url("/busy")] == "retry" and states[site.url("/missing")] == "failed"
    assert states[site.url("/ok")] == "fetched"


def _paid_article(paragraph: str) -> bytes:
    """A newspaper page that declares itself paid yet carries the whole article, set in <div>s, not <p>s."""
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour reopens", '
          '"isAccessibleForFree": false, "datePublished": "2025-11-04T08:30:00+01:00"}</script>')
    body = "".join(f'<div class="article-paragraph">{paragraph} Part {i}.</div>' for i in range(10))
    return (f"<!doctype html><html><head><title>Harbour reopens</title>{ld}</head><body><article>"
            f"<h1>Harbour reopens</h1>{body}</article></body></html>").encode()


def test_a_paid_page_carrying_the_whole_article_is_stored_extracted_and_flagged(site: Site,
                                                                                 tmp_path: Path) -> None:
    paragraph = ("The harbour reopened to ships on Tuesday after the repairs to the quay were finished, "
                 "the port authority said, ending three months of diversions to the neighbouring town.")
    site.route("/paid", Reply(200, _paid_article(paragraph)))
    settings = fast_settings(tmp_path)
    totals = crawl.fetch_urls(settings, [site.url("/paid")])
    assert totals["loaded_articles"] == 1 and totals["loaded_documents"] == 1
    [(outcome, fetch_verdict, stored)] = query(settings, "select outcome, page_verdict, document_id from fetches "
                                                         "where purpose = 'page'")
    assert (outcome, fetch_verdict) == ("ok", "paywalled")  # at fetch time: no <p> text, a declared paywall
    [(document_id, body, verdict, published)] = query(
        settings, "select a.document_id, a.body_text, a.page_verdict, a.published_time from articles a "
                  "join documents d using (document_id)")
    assert document_id == stored and paragraph in body
    assert verdict == "paywall_declared"  # the extracted text is full-length: the paywall is only declared
    assert published == datetime.fromisoformat("2025-11-04T07:30:00+00:00")


def test_a_bot_wall_served_with_200_keeps_its_document_and_its_flag(site: Site, tmp_path: Path) -> None:
    wall = b"<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body>"
    site.route("/walled", Reply(200, wall))
    settings = fast_settings(tmp_path)
    totals = crawl.fetch_urls(settings, [site.url("/walled")])
    assert totals["loaded_documents"] == 1 and totals.get("loaded_articles", 0) == 0
    [(verdict, document_id)] = query(settings, "select page_verdict, document_id from fetches where purpose = 'page'")
    assert verdict == "blocked"
    assert query(settings, "select document_id, size_bytes from documents") == [(document_id, len(wall))]
    [(stage, reason, detail)] = query(settings, "select stage, reason, detail from rejects")  # why: recorded
    assert (stage, reason) == ("extract", "no_article") and "page check: blocked" in detail


def test_source_health_shows_last_success_failure_rates_and_latency(site: Site, tmp_path: Path) -> None:
    feed = rss(site, "/a", "/b", "/c", "/d", "/e")
    site.route("/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    site.route("/a", Reply(200, html_page("Alpha")))
    site.route("/b", Reply(404, b"no"))
    site.route("/c", Reply(404, b"no"))
    site.route("/d", Reply(403, b"no"))
    wall = b"<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body>"
    site.route("/e", Reply(200, wall))  # stored, but no article: a failure under its verdict
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml")),
                                         ("dead", "rss", site.url("/dead.xml"))])
    crawl.crawl_sources(settings)
    rows = query(settings, "select source_id, last_success_at is not null, recent_fetches, failure_rate, "
                           "failure_rate_by_outcome, median_latency_seconds > 0 from source_health order by source_id")
    assert rows == [
        ("coast", True, 6, 0.667, {"blocked": 0.333, "not_found": 0.333}, True),
        ("dead", False, 1, 1.0, {"not_found": 1.0}, True),
    ]


def test_the_shipped_sources_are_all_disabled_so_a_default_run_stays_offline(tmp_path: Path) -> None:
    seeded = read_sources_csv(REPO_ROOT / "seeds" / "sources.csv")
    assert seeded and not any(s.enabled for s in seeded)
    assert {s.kind for s in seeded} == {"rss", "atom", "sitemap", "news_sitemap", "page"}
    settings = fast_settings(tmp_path, sources_csv=REPO_ROOT / "seeds" / "sources.csv", allow_private_hosts=False)
    assert crawl.crawl_sources(settings) == {}  # no source enabled: nothing fetched, nothing tried
    assert query(settings, "select count(*), count(*) filter (where enabled) from sources") == [(len(seeded), 0)]


def test_an_unknown_source_is_a_clear_error(site: Site, tmp_path: Path) -> None:
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml"))])
    with pytest.raises(SourcesError, match="unknown source nope"):
        crawl.crawl_sources(settings, ["nope"])
    assert site.hits == []


def test_a_bad_sources_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.csv"
    path.write_text("source_id,kind,url,schedule,enabled\nok,rss,https://a.example/feed,* * * * *,true\n"
                    "bad,podcast,https://a.example/pod,* * * * *,true\n")
    with pytest.raises(SourcesError, match=r"sources.csv:3"):
        read_sources_csv(path)


def test_a_page_source_and_a_per_source_rate_limit(site: Site, tmp_path: Path) -> None:
    site.route("/front", lambda hit: Reply(200, html_page("Front page")))
    (tmp_path / "sources.csv").write_text("source_id,kind,url,schedule,enabled,rate_per_second\n"
                                          f"front,page,{site.url('/front')},0 6 * * *,true,4\n")
    settings = fast_settings(tmp_path, sources_csv=tmp_path / "sources.csv")
    crawl.crawl_sources(settings)
    crawl.crawl_sources(settings)  # a page source is asked again on every run (conditionally)
    hits: list[Hit] = site.hits  # robots.txt and the page, twice
    assert [h.path for h in hits] == ["/robots.txt", "/front", "/robots.txt", "/front"]
    assert hits[1].at - hits[0].at >= 0.25  # 4 per second for this source's host, not the default 100
    assert query(settings, "select outcome from fetches where purpose = 'page' order by fetched_at") == [
        ("ok",), ("not_modified",)]


def test_a_run_fetches_at_most_the_per_source_cap_and_the_rest_waits_for_the_next_run(
        site: Site, tmp_path: Path) -> None:
    pages = [f"/story-{n}" for n in range(5)]
    site.route("/feed.xml", Reply(200, rss(site, *pages), {"Content-Type": "application/rss+xml"}))
    for path in pages:
        site.route(path, Reply(200, html_page(f"Story {path[-1]} of the harbour")))
    settings = crawl_settings(tmp_path, [("coast", "rss", site.url("/feed.xml"))], max_urls_per_source_per_run=2)

    runs = [crawl.crawl_sources(settings) for _ in range(3)]

    assert [r.get("fetch:page:ok", 0) for r in runs] == [2, 2, 1]
    assert [r.get("fetch_deferred", 0) for r in runs] == [3, 1, 0]  # reported in each run's counts
    assert sum(len(site.hits_for(p)) for p in pages) == 5  # each page fetched once, over three runs
    assert query(settings, "select count(*), count(distinct url) from articles") == [(5, 5)]
    assert query(settings, "select state, count(*) from frontier where url like '%story%' group by all") == [
        ("fetched", 5)]


def test_a_fetched_page_past_the_extraction_time_limit_is_rejected_as_a_file_would_be(site: Site,
                                                                                       tmp_path: Path) -> None:
    # about 25 s of extraction here against about 20 ms for an ordinary page: a 3 s limit separates them
    huge = ("<html><body><article>" + "<p>Word and word again here.</p>" * 200_000 + "</article></body></html>")
    site.route("/huge", Reply(200, huge.encode(), {"Content-Type": "text/html"}))
    site.route("/fine", Reply(200, html_page("A fine story")))
    settings = fast_settings(tmp_path, extract_timeout_seconds=3.0, fetch_deadline_seconds=60.0,
                             read_timeout_seconds=30.0)
    totals = crawl.fetch_urls(settings, [site.url("/huge"), site.url("/fine")])
    assert totals["rejected:extract:timeout"] == 1 and totals["loaded_articles"] == 1
    assert query(settings, "select input, stage, reason from rejects") == [(site.url("/huge"), "extract", "timeout")]
    assert query(settings, "select count(*) from documents") == [(2,)]  # the raw page is kept for a reprocess

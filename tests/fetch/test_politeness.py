"""Pacing, back-off and robots rules, and concurrency across hosts against real loopback servers; on a DuckLake,
one host's limit kept by two crawl processes together."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

from ingest.fetch.client import Fetcher, FetchRequest
from ingest.fetch.politeness import (
    HostDeferred,
    HostPacer,
    RobotsCache,
    RobotsReply,
    SharedHostPacer,
    backoff_delay,
    pacer_for,
    parse_retry_after,
)
from ingest.models import utc_now
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.connection import WarehouseError
from ingest.warehouse.host_pace import board_for
from tests.support.fetch_settings import fast_settings
from tests.support.fetch_site import Hit, Reply, Site, html_page
from tests.support.prefect_server import PrefectServer, prefect_server

pytestmark = pytest.mark.usefixtures("loopback_only")  # fixtures in tests/conftest.py


@pytest.fixture
def sites() -> Iterator[list[Site]]:
    servers = [Site(f"127.0.0.{i}") for i in (1, 2, 3)]
    yield servers
    for server in servers:
        server.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_spaces_requests_from_the_end_of_the_previous_one() -> None:
    clock = FakeClock()
    pacer = HostPacer(clock, clock.sleep)
    with pacer.slot("a.example", 1.0):
        clock.now += 0.3  # the request itself took 0.3 s
    with pacer.slot("a.example", 1.0):
        pass
    with pacer.slot("b.example", 1.0):  # another host is not held back
        pass
    assert clock.slept == [1.0]


def test_a_deferred_host_waits_and_a_far_deferral_is_refused_not_slept() -> None:
    clock = FakeClock()
    pacer = HostPacer(clock, clock.sleep)
    pacer.defer("a.example", 5.0)
    with pacer.slot("a.example", 1.0):
        pass
    pacer.defer("a.example", 3600.0)
    with pytest.raises(HostDeferred), pacer.slot("a.example", 1.0, max_wait=60.0):
        pass
    assert clock.slept == [5.0]
    assert pacer.ready_at("a.example", max_wait=60.0) == 0.0  # due "now": asking it fails fast


def test_backoff_grows_exponentially_with_real_jitter() -> None:
    rng = random.Random()
    draws = [backoff_delay(3, base=1.0, cap=60.0, rng=rng) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in draws)  # step 4 s: half fixed, half random
    assert len({round(d, 6) for d in draws}) > 150  # really random, not a fixed factor
    assert backoff_delay(20, base=1.0, cap=60.0, rng=rng) <= 60.0


def test_retry_after_as_seconds_or_an_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    when = datetime.now(UTC) + timedelta(seconds=90)
    assert 85 <= (parse_retry_after(format_datetime(when, usegmt=True)) or 0) <= 91
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def _robots(status: int | None, body: bytes = b"") -> RobotsCache:
    return RobotsCache(lambda url: RobotsReply(status, body), "news-ingest", 86_400, 600)


def test_robots_failure_rules_follow_rfc_9309() -> None:
    url = "https://a.example/story"
    assert _robots(404).verdict(url).allowed  # unavailable: no rules
    assert _robots(401).verdict(url).allowed
    assert _robots(503).verdict(url).reason == "robots_unreachable"  # unreachable: complete disallow
    assert _robots(None).verdict(url).reason == "robots_unreachable"
    assert _robots(429).verdict(url).reason == "robots_unreachable"
    rules = _robots(200, b"User-agent: news-ingest\nDisallow: /story\nCrawl-delay: 3\n\nUser-agent: *\nAllow: /\n")
    verdict = rules.verdict(url)
    assert (verdict.allowed, verdict.crawl_delay) == (False, 3.0)
    assert rules.verdict("https://a.example/other").allowed


def test_an_unreachable_robots_txt_is_asked_again_later_and_a_good_one_is_cached() -> None:
    calls: list[str] = []
    replies = iter([RobotsReply(503), RobotsReply(200, b"User-agent: *\nAllow: /\n")])
    clock = FakeClock()

    def fetch(url: str) -> RobotsReply:
        calls.append(url)
        return next(replies)

    cache = RobotsCache(fetch, "news-ingest", 86_400, 600, clock)
    assert not cache.verdict("https://a.example/x").allowed
    assert not cache.verdict("https://a.example/y").allowed  # still within the wait
    clock.now += 601
    assert cache.verdict("https://a.example/x").allowed
    clock.now += 3600
    assert cache.verdict("https://a.example/z").allowed
    assert calls == ["https://a.example/robots.txt"] * 2


def test_hosts_are_fetched_concurrently_each_one_paced(sites: list[Site], tmp_path: Path) -> None:
    for site in sites:
        for i in range(4):
            site.route(f"/p{i}", Reply(200, html_page(f"page {i}")))
    settings = fast_settings(tmp_path, host_rate_per_second=5.0, fetch_workers=3)
    requests = [FetchRequest(url=site.url(f"/p{i}")) for i in range(4) for site in sites]
    with Fetcher(settings) as fetcher:
        results = [result for _, result in fetcher.fetch_many(requests)]
    assert sorted(r.outcome for r in results) == ["ok"] * 12
    for site in sites:
        arrivals = [h.at for h in site.hits]  # robots.txt + 4 pages, one host
        assert len(arrivals) == 5
        assert min(b - a for a, b in zip(arrivals, arrivals[1:], strict=False)) >= 0.2  # server-side spacing
    # side by side, not one after another: every host had started before any host was done
    assert max(site.hits[0].at for site in sites) < min(site.hits[-1].at for site in sites)


# --- a DuckLake: the limit kept by every crawl of the lake together -------------------------------------------------

INGEST = str(Path(sys.executable).with_name("ingest"))
SHARED_INTERVAL = 0.4  # seconds between two requests to one host, whichever worker makes them
PAGES_EACH = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Iterator[PrefectServer]:
    with prefect_server(tmp_path_factory.mktemp("politeness-prefect")) as running:
        yield running


def test_a_crawl_into_a_lake_on_postgresql_shares_its_pacing_and_a_file_keeps_its_own(
        lake_settings: Settings, tmp_path: Path) -> None:
    assert isinstance(pacer_for(lake_settings.warehouse), SharedHostPacer)
    assert isinstance(pacer_for(tmp_path / "news.duckdb"), HostPacer)


def test_a_host_held_by_another_worker_longer_than_a_fetch_may_wait_is_deferred(lake_settings: Settings) -> None:
    mine, theirs = pacer_for(lake_settings.warehouse), pacer_for(lake_settings.warehouse)
    try:
        with theirs.slot("news.example", 0.1), pytest.raises(HostDeferred), \
                mine.slot("news.example", 0.1, max_wait=0.3):
            pass
        theirs.defer("news.example", 3600.0)  # a Retry-After one worker heard holds for the other
        with pytest.raises(HostDeferred), mine.slot("news.example", 0.1, max_wait=60.0):
            pass
    finally:
        mine.close()
        theirs.close()


def test_a_deferral_without_a_request_moves_the_hosts_next_turn_neither_here_nor_in_the_catalog(
        lake_settings: Settings) -> None:
    mine, theirs = pacer_for(lake_settings.warehouse), pacer_for(lake_settings.warehouse)
    try:
        with theirs.slot("news.example", 2.0):  # their request: the host is due 2 s after it
            pass
        with pytest.raises(HostDeferred), mine.slot("news.example", 30.0, max_wait=0.5):
            pytest.fail("a host not due within max_wait is no slot")
        assert mine.ready_at("news.example") == 0.0  # this process asked nothing of the host
        board = board_for(lake_settings.warehouse)
        assert board is not None
        try:
            with board.turn("news.example", 0.1, lock_wait=5) as wait:  # still due 2 s after their request, not 30
                assert 0 < wait <= 2.0
        finally:
            board.close()
    finally:
        mine.close()
        theirs.close()


def _feed(pages: Site, paths: list[str]) -> bytes:
    items = "".join(f"<item><title>{p}</title><link>{pages.url(p)}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def _gated_feed(body: bytes, fed: list[str], arrived: threading.Condition) -> Callable[[Hit], Reply]:
    """A feed answered only once both workers have asked for theirs, so both start on the pages together (each
    worker's feed is on a host of its own: a correct shared pacer lets both feed requests be in flight)."""

    def reply(hit: Hit) -> Reply:
        with arrived:
            fed.append(hit.path)
            arrived.notify_all()
            arrived.wait_for(lambda: len(set(fed)) >= 2, timeout=180)
        return Reply(200, body, {"Content-Type": "application/rss+xml"})

    return reply


def _worker_env(settings: Settings, server: PrefectServer, sources: Path, worker: str,
                **extra: str) -> dict[str, str]:
    env = server.client_env(**extra,
        INGEST_WAREHOUSE=str(settings.warehouse), INGEST_LAKE_DATA_PATH=str(settings.lake_data_path),
        INGEST_SOURCES_CSV=str(sources), INGEST_ALLOW_PRIVATE_HOSTS="true",
        INGEST_HOST_RATE_PER_SECOND=str(1 / SHARED_INTERVAL), INGEST_READ_TIMEOUT_SECONDS="200",
        INGEST_FETCH_DEADLINE_SECONDS="240", INGEST_USER_AGENT=f"news-ingest-worker-{worker}/0.1")
    env.pop("INGEST_WRITER_TIMEOUT_SECONDS", None)
    return env


def test_two_fetch_workers_on_one_lake_keep_one_host_limit_together_and_fetch_each_url_once(
        lake_settings: Settings, server: PrefectServer, sites: list[Site], tmp_path: Path) -> None:
    pages, feed_hosts = sites[0], {"a": sites[1], "b": sites[2]}  # the pages share one host; the feeds do not
    fed: list[str] = []
    arrived = threading.Condition()
    lines = ["source_id,kind,url,schedule,enabled"]
    for worker, feed_host in feed_hosts.items():
        paths = [f"/{worker}/story-{i}" for i in range(PAGES_EACH)]
        for path in paths:
            pages.route(path, Reply(200, html_page(f"Story {path}")))
        feed_host.route(f"/{worker}.xml", _gated_feed(_feed(pages, paths), fed, arrived))
        lines.append(f"{worker},rss,{feed_host.url(f'/{worker}.xml')},*/15 * * * *,false")
    (tmp_path / "sources.csv").write_text("\n".join(lines) + "\n")

    workers = {worker: subprocess.Popen(
        [INGEST, "fetch", "--source", worker], env=_worker_env(lake_settings, server, tmp_path / "sources.csv", worker),
        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for worker in feed_hosts}
    for worker, process in workers.items():
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"worker {worker}: {err[-3000:]}"

    page_hits = pages.pages_hit()
    assert sorted(h.path for h in page_hits) == sorted(f"/{w}/story-{i}" for w in feed_hosts for i in range(PAGES_EACH))
    by_worker = {w: [h.at for h in page_hits if f"worker-{w}/" in h.headers.get("user-agent", "")] for w in feed_hosts}
    assert all(len(times) == PAGES_EACH for times in by_worker.values())
    # the workers fetched side by side (each began before the other was done), not one after the other ...
    assert max(times[0] for times in by_worker.values()) < min(times[-1] for times in by_worker.values())
    # ... and the host never saw two requests, robots.txt included, closer than its limit
    arrivals = sorted(h.at for h in pages.hits)
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert len(arrivals) == 2 * PAGES_EACH + 2 and min(gaps) >= SHARED_INTERVAL * 0.9, gaps
    with warehouse.connect(lake_settings, read_only=True) as con:  # and the lake holds each page's fetch once
        fetched = con.execute("select count(*), count(distinct url) from fetches where purpose = 'page' "
                              "and outcome = 'ok'").fetchall()
    assert fetched == [(2 * PAGES_EACH, 2 * PAGES_EACH)]


def _leased(settings: Settings, source_id: str) -> int:
    """How many of the source's queued URLs a crawl has claimed (leased into the future), as the lake says now;
    -1 while the lake cannot be read yet."""
    try:
        with warehouse.connect(settings, read_only=True) as con:
            row = con.execute("select count(*) from frontier where source_id = ? and state = 'queued' "
                              "and not_before > ?", [source_id, utc_now()]).fetchone()
    except (duckdb.Error, WarehouseError):
        return -1
    return int(row[0]) if row else 0


def _page_after_both_claims(body: bytes, gate: threading.Event,
                            both_claimed: Callable[[], bool]) -> Callable[[Hit], Reply]:
    """A page whose first request is answered only once both workers have claimed their share of the frontier:
    the first worker's page waits (holding the pages host's turn) while the second reads the feed on the other
    host and claims, so the two then fetch from the one host side by side. Gives up waiting after two minutes, so a
    broken claim fails on the assertions, not on a hang."""

    def reply(hit: Hit) -> Reply:
        if not gate.is_set():
            deadline = time.monotonic() + 120
            while not both_claimed() and time.monotonic() < deadline:
                time.sleep(0.2)
            gate.set()
        return Reply(200, body)

    return reply


def test_two_fetch_workers_crawling_one_source_fetch_each_url_once_and_keep_each_host_limit_together(
        lake_settings: Settings, server: PrefectServer, sites: list[Site], tmp_path: Path) -> None:
    pages, feed_host = sites[0], sites[1]  # one source: its feed on one host, its articles on another
    paths = [f"/story-{i}" for i in range(2 * PAGES_EACH)]
    gate = threading.Event()

    def both_claimed() -> bool:
        return _leased(lake_settings, "news") == len(paths)

    for path in paths:
        pages.route(path, _page_after_both_claims(html_page(f"Story {path}"), gate, both_claimed))
    feed_host.route("/news.xml", Reply(200, _feed(pages, paths), {"Content-Type": "application/rss+xml"}))
    sources = tmp_path / "sources.csv"
    sources.write_text(f"source_id,kind,url,schedule,enabled\nnews,rss,{feed_host.url('/news.xml')},,false\n")

    # Each run claims at most half the source (the per-source cap), so both runs have pages to fetch; without
    # atomic claims both would take the same half.
    workers = {worker: subprocess.Popen(
        [INGEST, "fetch", "--source", "news"],
        env=_worker_env(lake_settings, server, sources, worker, INGEST_MAX_URLS_PER_SOURCE_PER_RUN=str(PAGES_EACH)),
        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for worker in ("a", "b")}
    for worker, process in workers.items():
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"worker {worker}: {err[-3000:]}"

    page_hits = pages.pages_hit()
    assert sorted(h.path for h in page_hits) == sorted(paths)  # every article asked for exactly once, in all
    by_worker = {w: [h.at for h in page_hits if f"worker-{w}/" in h.headers.get("user-agent", "")] for w in workers}
    assert all(len(times) == PAGES_EACH for times in by_worker.values()), by_worker  # both fetched their share
    assert max(times[0] for times in by_worker.values()) < min(times[-1] for times in by_worker.values())
    # Neither host saw two requests (robots.txt and the feed included) closer than its limit. No margin is needed:
    # the server stamps a request before it answers, and the next turn is due the interval after the answer came.
    for site in (pages, feed_host):
        arrivals = sorted(h.at for h in site.hits)
        gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
        assert min(gaps) >= SHARED_INTERVAL, (site.host, gaps)
    assert len(feed_host.hits_for("/news.xml")) == 2  # both crawled the source, not one of them alone

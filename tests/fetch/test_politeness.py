"""Pacing, back-off and robots rules, and concurrency across hosts against real loopback servers."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from ingest.fetch.client import Fetcher, FetchRequest
from ingest.fetch.politeness import HostDeferred, HostPacer, RobotsCache, RobotsReply, backoff_delay, parse_retry_after
from tests.support.fetch_settings import fast_settings
from tests.support.fetch_site import Reply, Site, html_page

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

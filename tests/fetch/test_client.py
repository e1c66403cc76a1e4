"""The fetcher against a real HTTP server on loopback: retries, limits, deadlines, redirects, robots, validators.

No request is mocked. Settings use fast rates and short back-offs so the file runs in seconds; the only time
assertions are server-side minimum gaps (the behaviour under test) and "did not hang" guards.
"""

from __future__ import annotations

import gzip
import threading
import tracemalloc
import zlib
from pathlib import Path

import pytest

from ingest.fetch.client import Fetcher, FetchResult
from ingest.fetch.validators import StoredValidators
from ingest.settings import Settings
from tests.support.fetch_settings import fast_settings
from tests.support.fetch_site import Hit, Reply, Site, html_page

PAGE = html_page("Harbour reopens")


pytestmark = pytest.mark.usefixtures("loopback_only")  # fixtures in tests/conftest.py


def fetch(settings: Settings, url: str, validators: StoredValidators | None = None) -> FetchResult:
    with Fetcher(settings) as fetcher:
        return fetcher.fetch(url, validators=validators)


def sequence(*replies: Reply) -> object:
    """A route answering with each reply in turn, then repeating the last one."""
    calls = iter(replies)
    last = [replies[-1]]

    def route(_hit: Hit) -> Reply:
        last[0] = next(calls, last[0])
        return last[0]

    return route


def test_a_500_then_200_is_retried_and_ends_ok(site: Site, tmp_path: Path) -> None:
    site.route("/story", sequence(Reply(500, b"oops"), Reply(200, PAGE)))  # type: ignore[arg-type]
    result = fetch(fast_settings(tmp_path), site.url("/story"))
    assert (result.outcome, result.status, result.attempts) == ("ok", 200, 2)
    assert result.body == PAGE and result.bytes_received == len(PAGE)
    assert len(site.hits_for("/story")) == 2


def test_a_404_is_one_attempt_and_not_found(site: Site, tmp_path: Path) -> None:
    result = fetch(fast_settings(tmp_path), site.url("/missing"))
    assert (result.outcome, result.status, result.attempts, result.transient) == ("not_found", 404, 1, False)
    assert len(site.hits_for("/missing")) == 1


def test_a_410_is_gone_and_a_403_is_blocked_without_retries(site: Site, tmp_path: Path) -> None:
    site.route("/old", Reply(410, b"gone"))
    site.route("/members", Reply(403, b"forbidden"))
    settings = fast_settings(tmp_path)
    assert fetch(settings, site.url("/old")).outcome == "gone"
    assert fetch(settings, site.url("/members")).outcome == "blocked"
    assert len(site.hits_for("/old")) == len(site.hits_for("/members")) == 1


def test_a_429_with_retry_after_is_waited_out_then_fetched(site: Site, tmp_path: Path) -> None:
    site.route("/busy", sequence(Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, PAGE)))  # type: ignore
    result = fetch(fast_settings(tmp_path), site.url("/busy"))
    assert (result.outcome, result.attempts) == ("ok", 2)
    first, second = site.hits_for("/busy")
    assert second.at - first.at >= 1.0  # the server asked for one second, and got it


def test_a_429_asking_for_an_hour_is_not_waited_for_and_ends_rate_limited(site: Site, tmp_path: Path) -> None:
    site.route("/busy", Reply(429, b"come back later", {"Retry-After": "3600"}))
    result = fetch(fast_settings(tmp_path), site.url("/busy"))
    assert (result.outcome, result.attempts, result.transient) == ("rate_limited", 1, True)
    assert result.retry_after_seconds == 3600
    assert len(site.hits_for("/busy")) == 1


def test_persistent_503s_stop_after_the_retry_budget(site: Site, tmp_path: Path) -> None:
    site.route("/down", Reply(503, b"maintenance"))
    result = fetch(fast_settings(tmp_path, fetch_retries=2), site.url("/down"))
    assert (result.outcome, result.status, result.attempts, result.transient) == ("error", 503, 3, True)
    assert len(site.hits_for("/down")) == 3


def _run_bounded(function: object, seconds: float) -> FetchResult:
    """Run a fetch in a thread and fail (instead of hanging the suite) if it is not back in `seconds`."""
    box: list[FetchResult] = []
    thread = threading.Thread(target=lambda: box.append(function()), daemon=True)  # type: ignore[operator]
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"fetch still running after {seconds}s: the deadline did not hold"
    return box[0]


def test_a_body_trickled_past_the_deadline_is_a_timeout(site: Site, tmp_path: Path) -> None:
    site.route("/slow", Reply(200, (b"x" for _ in range(40)), {"Content-Length": "40"}, pause=0.25))
    settings = fast_settings(tmp_path, fetch_deadline_seconds=1.0, read_timeout_seconds=0.8)
    result = _run_bounded(lambda: fetch(settings, site.url("/slow")), 8)
    assert (result.outcome, result.attempts, result.body) == ("timeout", 1, None)
    assert "deadline" in result.detail


def test_headers_trickled_past_the_deadline_are_a_timeout(site: Site, tmp_path: Path) -> None:
    status_line = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
    site.route("/slower", Reply(raw=(status_line[i:i + 1] for i in range(len(status_line))), pause=0.1))
    settings = fast_settings(tmp_path, fetch_deadline_seconds=1.0, read_timeout_seconds=0.8)
    result = _run_bounded(lambda: fetch(settings, site.url("/slower")), 8)
    assert result.outcome == "timeout" and result.attempts == 1


def _gzip_bomb(decompressed_bytes: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"\0" * 1_000_000
    parts = [compressor.compress(block) for _ in range(decompressed_bytes // len(block))]
    return b"".join(parts) + compressor.flush()


def _peak_memory_of(function: object) -> tuple[FetchResult, int]:
    tracemalloc.start()
    try:
        result = function()  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_stops_at_the_cap_with_memory_bounded(site: Site, tmp_path: Path) -> None:
    bomb = _gzip_bomb(200_000_000)
    assert len(bomb) < 300_000  # 200 MB of zeros in a few hundred kilobytes
    site.route("/bomb", Reply(200, bomb, {"Content-Encoding": "gzip"}))
    settings = fast_settings(tmp_path, max_fetch_bytes=1_000_000)
    result, peak = _peak_memory_of(lambda: fetch(settings, site.url("/bomb")))
    assert result.outcome == "too_large" and "after decompression" in result.detail
    assert peak < 10_000_000, f"peak {peak} bytes: the decompressed body was held in memory"


def test_an_oversized_declared_body_is_refused_before_reading(site: Site, tmp_path: Path) -> None:
    site.route("/huge", Reply(200, b"a" * 3_000_000))
    result = fetch(fast_settings(tmp_path, max_fetch_bytes=1_000_000), site.url("/huge"))
    assert result.outcome == "too_large" and "Content-Length" in result.detail and result.bytes_received == 0


def test_an_oversized_streamed_body_stops_at_the_cap(site: Site, tmp_path: Path) -> None:
    site.route("/stream", Reply(200, (b"<p>" + b"a" * 65_536 for _ in range(200))))  # 13 MB, no length
    settings = fast_settings(tmp_path, max_fetch_bytes=1_000_000)
    result, peak = _peak_memory_of(lambda: fetch(settings, site.url("/stream")))
    assert result.outcome == "too_large"
    assert peak < 10_000_000


def test_a_gzip_encoded_page_is_decoded(site: Site, tmp_path: Path) -> None:
    site.route("/zipped", Reply(200, gzip.compress(PAGE), {"Content-Encoding": "gzip"}))
    result = fetch(fast_settings(tmp_path), site.url("/zipped"))
    assert result.outcome == "ok" and result.body == PAGE


def _chain(site: Site, hops: int) -> None:
    for i in range(hops):
        site.route(f"/r{i}", Reply(302, b"", {"Location": f"/r{i + 1}"}))
    site.route(f"/r{hops}", Reply(200, PAGE))


def test_a_redirect_chain_of_five_is_followed(site: Site, tmp_path: Path) -> None:
    _chain(site, 5)
    result = fetch(fast_settings(tmp_path), site.url("/r0"))
    assert (result.outcome, result.final_url) == ("ok", site.url("/r5"))


def test_a_redirect_chain_of_six_is_refused(site: Site, tmp_path: Path) -> None:
    _chain(site, 6)
    result = fetch(fast_settings(tmp_path), site.url("/r0"))
    assert result.outcome == "error" and result.detail.startswith("too_many_redirects")
    assert not site.hits_for("/r6")  # the seventh request is never sent
    assert len(site.pages_hit()) == 6


@pytest.mark.parametrize("target", [
    "http://10.0.0.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:192.168.0.1]/",
    "http://[fd00::1]/",
    "http://0.0.0.0:{port}/",
    "http://127.0.0.2:{port}/",  # loopback, but not the allowed address
    "file:///etc/passwd",
])
def test_a_redirect_into_the_private_network_is_unsafe(site: Site, tmp_path: Path, target: str,
                                                       loopback_only: list[object]) -> None:
    site.route("/go", Reply(302, b"", {"Location": target.format(port=site.port)}))
    settings = fast_settings(tmp_path, allow_private_hosts=False, allowed_private_networks=("127.0.0.1/32",))
    result = fetch(settings, site.url("/go"))
    assert result.outcome == "unsafe_url", result.detail
    assert [h.path for h in site.pages_hit()] == ["/go"]
    assert loopback_only == []  # nothing ever tried to leave loopback


def test_with_private_hosts_off_a_loopback_url_is_refused_before_connecting(site: Site, tmp_path: Path) -> None:
    settings = fast_settings(tmp_path, allow_private_hosts=False)
    for url in (site.url("/story"), f"http://localhost:{site.port}/story"):
        result = fetch(settings, url)
        assert result.outcome == "unsafe_url", result.detail
    assert site.hits == []


def test_robots_disallow_is_honoured_and_the_page_never_requested(site: Site, tmp_path: Path) -> None:
    site.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    site.route("/private/memo", Reply(200, PAGE))
    site.route("/public", Reply(200, PAGE))
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        refused = fetcher.fetch(site.url("/private/memo"))
        allowed = fetcher.fetch(site.url("/public"))
        robots = fetcher.drain_side_fetches()
    assert (refused.outcome, refused.transient) == ("robots_disallowed", False)
    assert allowed.outcome == "ok"
    assert not site.hits_for("/private/memo")
    assert len(site.hits_for("/robots.txt")) == 1 and [r.purpose for r in robots] == ["robots"]


def test_crawl_delay_spaces_requests_to_the_host(site: Site, tmp_path: Path) -> None:
    robots = b"User-agent: news-ingest\nCrawl-delay: 0.4\n"
    site.route("/robots.txt", Reply(200, robots, {"Content-Type": "text/plain"}))
    for i in range(3):
        site.route(f"/p{i}", Reply(200, PAGE))
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        assert all(fetcher.fetch(site.url(f"/p{i}")).outcome == "ok" for i in range(3))
    arrivals = [h.at for h in site.hits]  # robots.txt, then the pages
    assert min(b - a for a, b in zip(arrivals[1:], arrivals[2:], strict=False)) >= 0.4


def test_robots_5xx_disallows_for_now_and_4xx_allows(site: Site, tmp_path: Path) -> None:
    site.route("/robots.txt", Reply(503, b"down"))
    site.route("/story", Reply(200, PAGE))
    result = fetch(fast_settings(tmp_path), site.url("/story"))
    assert (result.outcome, result.transient) == ("robots_disallowed", True) and "unreachable" in result.detail
    assert not site.hits_for("/story") and len(site.hits_for("/robots.txt")) == 1  # robots.txt is not retried

    site.route("/robots.txt", Reply(404, b"none"))
    assert fetch(fast_settings(tmp_path), site.url("/story")).outcome == "ok"


def _etag_route(state: dict[str, object]) -> object:
    def route(hit: Hit) -> Reply:
        etag = str(state["etag"])
        if hit.headers.get("if-none-match") == etag and state.get("honour", True):
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, state["body"], {"ETag": etag})  # type: ignore[arg-type]
    return route


def _validators(result: FetchResult, previous: StoredValidators | None = None) -> StoredValidators:
    if result.status != 200:
        assert previous is not None
        return previous
    return StoredValidators(etag=result.etag, last_modified=result.last_modified, body_sha256=result.body_sha256)


def test_an_etag_round_trip_ends_not_modified(site: Site, tmp_path: Path) -> None:
    site.route("/story", _etag_route({"etag": '"v1"', "body": PAGE}))  # type: ignore[arg-type]
    with Fetcher(fast_settings(tmp_path)) as fetcher:
        first = fetcher.fetch(site.url("/story"))
        second = fetcher.fetch(site.url("/story"), validators=_validators(first))
    assert (first.outcome, first.etag) == ("ok", '"v1"')
    assert (second.outcome, second.status, second.conditional, second.body) == ("not_modified", 304, True, None)
    assert site.hits_for("/story")[1].headers["if-none-match"] == '"v1"'


def test_a_server_with_a_new_etag_every_time_stops_being_trusted(site: Site, tmp_path: Path) -> None:
    counter = iter(range(100))
    site.route("/story", lambda hit: Reply(200, PAGE, {"ETag": f'"{next(counter)}"'}))
    with Fetcher(fast_settings(tmp_path, validator_strikes=2)) as fetcher:
        validators = _validators(fetcher.fetch(site.url("/story")))
        outcomes = []
        for _ in range(4):
            result = fetcher.fetch(site.url("/story"), validators=validators)
            outcomes.append((result.outcome, result.conditional))
            validators = _validators(result)
        trust = fetcher.trust.state("127.0.0.1")
    assert outcomes == [("not_modified", True), ("not_modified", True), ("not_modified", False),
                        ("not_modified", False)]
    assert not trust.trusted and "changed 2 times" in trust.reason
    assert ["if-none-match" in h.headers for h in site.hits_for("/story")] == [False, True, True, False, False]


def test_a_304_while_the_content_changed_is_caught_and_the_host_distrusted(site: Site, tmp_path: Path) -> None:
    state: dict[str, object] = {"etag": '"same"', "body": PAGE}
    site.route("/story", _etag_route(state))  # type: ignore[arg-type]
    changed = html_page("Harbour reopens, corrected")
    with Fetcher(fast_settings(tmp_path, validator_verify_every=2)) as fetcher:
        validators = _validators(fetcher.fetch(site.url("/story")))
        state["body"] = changed  # the server changes the page but keeps the ETag, answering 304 to it
        believed = fetcher.fetch(site.url("/story"), validators=validators)
        check = fetcher.fetch(site.url("/story"), validators=validators)
        after = fetcher.fetch(site.url("/story"), validators=_validators(check, validators))
        trust = fetcher.trust.state("127.0.0.1")
    assert (believed.outcome, believed.status) == ("not_modified", 304)  # cannot be known yet
    assert (check.outcome, check.conditional, check.body) == ("ok", False, changed)  # the periodic check
    assert not trust.trusted and "same ETag" in trust.reason
    assert (after.outcome, after.conditional, after.status) == ("not_modified", False, 200)  # by body hash


def test_a_non_html_page_is_not_html_and_a_challenge_page_is_blocked(site: Site, tmp_path: Path) -> None:
    site.route("/report.pdf", Reply(200, b"%PDF-1.7 binary", {"Content-Type": "application/pdf"}))
    wall = b"<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body>"
    site.route("/walled", Reply(503, wall, {"Server": "cloudflare"}))
    settings = fast_settings(tmp_path)
    assert fetch(settings, site.url("/report.pdf")).outcome == "not_html"
    walled = fetch(settings, site.url("/walled"))
    assert (walled.outcome, walled.attempts) == ("blocked", 1)  # a challenge is not retried


def test_paywall_and_javascript_shells_are_flagged_and_their_bodies_kept(site: Site, tmp_path: Path) -> None:
    teaser = (b'<html><head><script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}'
              b'</script></head><body><article><p>The first lines of the story, then the wall.</p></article>'
              b'<div class="paywall">Subscribe to read on</div></body></html>')
    shell = (b'<html><head><script src="/app.js"></script></head><body><div id="root"></div>'
             b'<noscript>You need to enable JavaScript to run this app.</noscript></body></html>')
    not_free = '<script type="application/ld+json">{"isAccessibleForFree": false}</script>'
    declared = html_page("Paid", extra_head=not_free)
    site.route("/teaser", Reply(200, teaser))
    site.route("/shell", Reply(200, shell))
    site.route("/declared", Reply(200, declared))  # marked not free, but the whole text is there
    site.route("/story", Reply(200, PAGE))
    settings = fast_settings(tmp_path)
    results = {path: fetch(settings, site.url(path)) for path in ("/teaser", "/shell", "/declared", "/story")}
    verdicts = {path: (r.outcome, r.page_verdict) for path, r in results.items()}
    assert verdicts == {"/teaser": ("ok", "paywalled"), "/shell": ("ok", "js_required"),
                        "/declared": ("ok", "paywall_declared"), "/story": ("ok", None)}
    assert results["/teaser"].body == teaser and results["/shell"].body == shell  # a 200 body is data
    assert "only 9 words of paragraphs" in results["/teaser"].detail


def test_a_challenge_page_served_with_200_is_flagged_blocked_and_kept(site: Site, tmp_path: Path) -> None:
    wall = b"<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body>"
    site.route("/walled", Reply(200, wall))
    walled = fetch(fast_settings(tmp_path), site.url("/walled"))
    assert (walled.outcome, walled.page_verdict, walled.body) == ("ok", "blocked", wall)


def test_the_user_agent_names_the_project_and_a_contact(site: Site, tmp_path: Path) -> None:
    site.route("/story", Reply(200, PAGE))
    fetch(fast_settings(tmp_path, contact_url="https://example.org/bot"), site.url("/story"))
    agent = site.hits_for("/story")[0].headers["user-agent"]
    assert agent.startswith("news-ingest/") and "+https://example.org/bot" in agent

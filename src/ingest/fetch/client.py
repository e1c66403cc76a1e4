"""HTTP fetching with one `requests` session: safe addresses, polite pacing, bounded size and time, typed outcomes.

Every call of `Fetcher.fetch` returns a `FetchResult` (never raises for anything the network or the server did):
an outcome from `FetchOutcome`, the status, validators, timings and, for `ok`, the body. Redirects are followed
by hand so each hop is checked (scheme, address, robots.txt, pacing) and counted; retries happen only on
connection errors, timeouts, 429 and 5xx, with exponential back-off and random jitter drawn here.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from pydantic import Field
from urllib3.exceptions import HTTPError as Urllib3Error

from ingest.fetch.netsafety import AddressPolicy, GuardedAdapter, UnsafeUrl, check_url, response_deadline
from ingest.fetch.pagecheck import PageVerdict, bot_wall, charset_of, is_html, page_problem
from ingest.fetch.politeness import (
    HostDeferred,
    Pacer,
    RobotsCache,
    RobotsReply,
    backoff_delay,
    host_key,
    pacer_for,
    parse_retry_after,
    run_per_host,
)
from ingest.fetch.validators import StoredValidators, ValidatorTrust
from ingest.models import Record, utc_now
from ingest.settings import Settings

FetchOutcome = Literal["ok", "not_modified", "not_found", "gone", "blocked", "rate_limited", "robots_disallowed",
                       "too_large", "timeout", "unsafe_url", "not_html", "error"]
Purpose = Literal["page", "feed", "sitemap", "robots"]
ROBOTS_MAX_BYTES = 512_000  # RFC 9309: parse at least the first 500 KiB
ERROR_BODY_BYTES = 65_536  # enough of an error page to recognise a bot wall
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5",
    "sitemap": "application/xml,text/xml;q=0.9,*/*;q=0.5",
    "robots": "text/plain,*/*;q=0.5",
}


class FetchResult(Record):
    url: str
    purpose: Purpose
    outcome: FetchOutcome
    detail: str = ""
    page_verdict: PageVerdict | None = Field(default=None, description="a 2xx page's flag: bot wall, paywall, shell")
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    charset: str | None = None
    body: bytes | None = Field(default=None, repr=False)
    bytes_received: int = 0
    elapsed_seconds: float = 0.0
    attempts: int = 0
    conditional: bool = False
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    retry_after_seconds: float | None = None
    transient: bool = Field(default=False, description="a failure worth trying again later (retries exhausted)")
    fetched_at: datetime


class FetchRequest(Record):
    url: str
    purpose: Purpose = "page"
    validators: StoredValidators | None = None


class _TooLarge(Exception):
    pass


class _DeadlineExceeded(Exception):
    pass


@dataclass
class _Attempt:
    """One try at a URL, over its whole redirect chain."""

    url: str
    outcome: FetchOutcome | None = None
    detail: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    bytes_received: int = 0
    elapsed: float = 0.0
    retryable: bool = False
    later: bool = False  # not now, but a later run should try again (robots.txt unreachable, long Retry-After)
    retry_after: float | None = None


class Fetcher:
    """One session, one pacer, one robots cache and one validator-trust table, shared by every worker thread."""

    def __init__(self, settings: Settings, trust: ValidatorTrust | None = None, rng: random.Random | None = None,
                 pacer: Pacer | None = None) -> None:
        self.settings = settings
        self.policy = AddressPolicy.from_settings(settings)
        self.pacer = pacer or pacer_for(settings.warehouse)  # shared by all crawls of a lake on PostgreSQL
        self.trust = trust or ValidatorTrust(settings.validator_strikes, settings.validator_verify_every)
        self.rng = rng or random.Random()
        self.user_agent = f"{settings.user_agent} (+{settings.contact_url})"
        self.robots = RobotsCache(self._fetch_robots, settings.user_agent.split("/")[0],
                                  settings.robots_cache_seconds, settings.robots_unreachable_retry_seconds)
        self.session = _session(self.policy, self.user_agent, settings.fetch_workers)
        self._host_rates: dict[str, float] = {}
        self._crawl_delays: dict[str, float] = {}
        self._side_fetches: list[FetchResult] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()
        self.pacer.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_host_rate(self, host: str, per_second: float) -> None:
        """A source's own rate limit; the slowest rate asked for a host wins."""
        with self._lock:
            self._host_rates[host] = min(per_second, self._host_rates.get(host, per_second))

    def interval(self, host: str) -> float:
        rate = self._host_rates.get(host, self.settings.host_rate_per_second)
        return max(1.0 / rate, self._crawl_delays.get(host, 0.0))

    def drain_side_fetches(self) -> list[FetchResult]:
        """robots.txt fetches made since the last call, so the caller can record them too."""
        with self._lock:
            taken, self._side_fetches = self._side_fetches, []
        return taken

    def fetch_many(self, requests_: Iterable[FetchRequest]) -> Iterator[tuple[FetchRequest, FetchResult]]:
        """Fetch concurrently across hosts, each host paced; yields (request, result) as they complete."""
        return run_per_host(list(requests_), lambda r: host_key(r.url),
                            lambda r: (r, self.fetch(r.url, r.purpose, r.validators)),
                            lambda host: self.pacer.ready_at(host, self.settings.max_retry_after_seconds),
                            self.settings.fetch_workers)

    def fetch(self, url: str, purpose: Purpose = "page", validators: StoredValidators | None = None) -> FetchResult:
        fetched_at = utc_now()
        try:
            check_url(url, self.policy)
        except UnsafeUrl as exc:
            return FetchResult(url=url, purpose=purpose, outcome="unsafe_url", detail=str(exc), fetched_at=fetched_at)
        host = host_key(url)
        conditional = self.trust.request_headers(host, validators)
        retries = 0 if purpose == "robots" else self.settings.fetch_retries  # RFC 9309: a failed robots.txt waits
        attempts = 0
        while True:
            attempts += 1
            attempt = self._attempt(url, purpose, conditional)
            if not attempt.retryable or attempts > retries:
                break
            if attempt.retry_after is not None and attempt.retry_after > self.settings.max_retry_after_seconds:
                self.pacer.defer(host_key(attempt.url), attempt.retry_after)
                break
            delay = backoff_delay(attempts, self.settings.retry_backoff_seconds,
                                  self.settings.retry_backoff_max_seconds, self.rng)
            self.pacer.defer(host_key(attempt.url), max(delay, attempt.retry_after or 0.0))
        return self._result(url, purpose, attempt, attempts, validators, bool(conditional), fetched_at)

    # --- one attempt: a redirect chain --------------------------------------------------------------------------

    def _attempt(self, url: str, purpose: Purpose, conditional: dict[str, str]) -> _Attempt:
        current = url
        attempt = _Attempt(url=url)
        for hop in range(self.settings.max_redirects + 1):
            if purpose != "robots" and self._robots_refusal(current, attempt):
                return attempt
            self._hop(current, purpose, conditional, attempt)
            location = attempt.headers.get("location")
            if attempt.outcome is not None or attempt.status not in REDIRECT_STATUSES or not location:
                return attempt
            target = urlunsplit(urlsplit(urljoin(current, location.strip()))._replace(fragment=""))
            try:
                check_url(target, self.policy)
            except UnsafeUrl as exc:
                attempt.outcome, attempt.detail = "unsafe_url", f"redirect {hop + 1} to {target}: {exc}"
                return attempt
            current = attempt.url = target
        attempt.outcome = "error"
        attempt.detail = f"too_many_redirects: more than {self.settings.max_redirects} (last {current})"
        return attempt

    def _robots_refusal(self, url: str, attempt: _Attempt) -> bool:
        """Ask robots.txt about `url`; on a refusal, fill `attempt` with the outcome and return True."""
        verdict = self.robots.verdict(url)
        if verdict.crawl_delay:
            with self._lock:
                self._crawl_delays[host_key(url)] = verdict.crawl_delay
        if verdict.allowed:
            return False
        if verdict.reason == "unsafe":
            attempt.outcome, attempt.detail = "unsafe_url", verdict.detail
        elif verdict.reason == "robots_unreachable":
            attempt.outcome, attempt.later = "robots_disallowed", True
            attempt.detail = "robots.txt unreachable (5xx or network error): nothing fetched until it answers"
        else:
            attempt.outcome = "robots_disallowed"
            attempt.detail = f"robots.txt disallows {urlsplit(url).path or '/'} for {self.settings.user_agent}"
        return True

    def _hop(self, url: str, purpose: Purpose, conditional: dict[str, str], attempt: _Attempt) -> None:
        """One request, in the host's slot. Fills `attempt` with status and headers, the body of a 2xx, or a
        failure outcome."""
        host = host_key(url)
        try:
            with self.pacer.slot(host, self.interval(host), self.settings.max_retry_after_seconds):
                self._request(url, purpose, conditional, attempt)
        except HostDeferred as exc:
            attempt.outcome, attempt.later, attempt.retry_after = "rate_limited", True, exc.seconds
            attempt.detail = f"{host} asked us to stay away: {exc}"
            return
        if attempt.outcome is None and attempt.status is not None:
            _mark_retryable(attempt)

    def _request(self, url: str, purpose: Purpose, conditional: dict[str, str], attempt: _Attempt) -> None:
        s = self.settings
        headers = {"Accept": _ACCEPT[purpose], **conditional}
        with response_deadline(s.fetch_deadline_seconds) as deadline:
            started = time.monotonic()
            try:
                response = self.session.get(url, headers=headers, allow_redirects=False, stream=True,
                                            timeout=(s.connect_timeout_seconds, s.read_timeout_seconds))
                try:
                    attempt.status = response.status_code
                    attempt.headers = {k.lower(): v for k, v in response.headers.items()}
                    limit, truncate = _body_limit(purpose, response.status_code, s.max_fetch_bytes)
                    if limit:
                        attempt.body = read_body(response, limit, deadline, truncate)
                        attempt.bytes_received = len(attempt.body)
                finally:
                    response.close()
            except UnsafeUrl as exc:
                attempt.outcome, attempt.detail = "unsafe_url", str(exc)
            except _TooLarge as exc:
                attempt.outcome, attempt.detail = "too_large", str(exc)
            except ValueError as exc:  # a URL or header the HTTP stack cannot encode: nothing to retry
                attempt.outcome, attempt.detail = "error", _short(exc)
            except (_DeadlineExceeded, requests.RequestException, Urllib3Error, OSError) as exc:
                _network_failure(attempt, exc, deadline)
            attempt.elapsed += time.monotonic() - started

    def _fetch_robots(self, robots_url: str) -> RobotsReply:
        result = self.fetch(robots_url, "robots")
        with self._lock:
            self._side_fetches.append(result)
        if result.outcome == "unsafe_url" and result.final_url in (None, robots_url):
            return RobotsReply(None, unsafe=result.detail)
        if result.outcome in ("timeout", "error", "unsafe_url") and result.status is None:
            return RobotsReply(None)
        return RobotsReply(result.status, result.body or b"")

    # --- what the attempt means ----------------------------------------------------------------------------------

    def _result(self, url: str, purpose: Purpose, attempt: _Attempt, attempts: int,
                stored: StoredValidators | None, conditional: bool, fetched_at: datetime) -> FetchResult:
        headers = attempt.headers
        digest = hashlib.sha256(attempt.body).hexdigest() if attempt.status and 200 <= attempt.status < 300 else None
        outcome, detail = (attempt.outcome, attempt.detail) if attempt.outcome else _classify(attempt, purpose)
        problem = page_problem(headers, attempt.body) if outcome == "ok" and purpose == "page" else None
        etag, last_modified = headers.get("etag"), headers.get("last-modified")
        self.trust.observe(host_key(attempt.url), stored, attempt.status, etag, last_modified, digest)
        if outcome == "ok" and stored is not None and digest == stored.body_sha256:
            outcome, detail = "not_modified", "body unchanged (same SHA-256)"
        if outcome == "not_modified" and attempt.status == 304 and not conditional:
            outcome, detail = "error", "304 Not Modified to a request that was not conditional"
        return FetchResult(
            url=url, purpose=purpose, outcome=outcome, detail=problem[1] if problem else detail,
            page_verdict=problem[0] if problem else None, status=attempt.status, final_url=attempt.url,
            content_type=headers.get("content-type"), charset=charset_of(headers.get("content-type")),
            body=attempt.body if outcome == "ok" or purpose == "robots" else None,
            bytes_received=attempt.bytes_received, elapsed_seconds=round(attempt.elapsed, 6), attempts=attempts,
            conditional=conditional, etag=etag, last_modified=last_modified, body_sha256=digest,
            retry_after_seconds=attempt.retry_after, transient=attempt.retryable or attempt.later,
            fetched_at=fetched_at,
        )


def _session(policy: AddressPolicy, user_agent: str, pool_size: int) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or netrc from the environment: they would bypass the address checks
    session.headers.update({"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"})
    adapter = GuardedAdapter(policy, pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _body_limit(purpose: Purpose, status: int, max_bytes: int) -> tuple[int, bool]:
    """How much of the body to read (0: none) and whether to truncate at the limit instead of refusing."""
    if 200 <= status < 300:
        return (ROBOTS_MAX_BYTES, True) if purpose == "robots" else (max_bytes, False)
    if status in REDIRECT_STATUSES or status == 304 or purpose == "robots":
        return 0, False
    return ERROR_BODY_BYTES, True


def read_body(response: requests.Response, limit: int, deadline: float, truncate: bool = False) -> bytes:
    """The decoded body, never holding more than `limit` decoded bytes (a gzip bomb stops at the cap), and never
    past `deadline` (the connection's watchdog cuts a trickling server off; this loop notices)."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    declared = response.headers.get("Content-Length", "")
    if encoding == "identity" and declared.isdigit() and int(declared) > limit and not truncate:
        raise _TooLarge(f"Content-Length {declared} exceeds the {limit}-byte cap")
    decoder = _Decoder(encoding)
    parts: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() >= deadline:
            raise _DeadlineExceeded("response deadline passed while reading the body")
        chunk = response.raw.read1(65_536, decode_content=False)
        data = decoder.feed(chunk, limit - total + 1) if chunk else decoder.flush(limit - total + 1)
        total += len(data)
        parts.append(data)
        if total > limit:
            if truncate:
                return b"".join(parts)[:limit]
            raise _TooLarge(f"body exceeds the {limit}-byte cap after decompression")
        if not chunk:
            break
    if time.monotonic() >= deadline:  # the watchdog ends a slow body early: what we have is not the whole body
        raise _DeadlineExceeded("response deadline passed while reading the body")
    return b"".join(parts)


class _Decoder:
    """Content-Encoding decoding with a bounded output per call (zlib's max_length)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._zlib: zlib._Decompress | None = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = None  # zlib-wrapped or raw: decided on the first byte
        elif encoding in ("identity", ""):
            self._zlib = None
        else:
            raise _UnsupportedEncoding(encoding)

    def feed(self, data: bytes, max_length: int) -> bytes:
        if self.encoding in ("identity", ""):
            return data
        if self._zlib is None:
            raw = not data or (data[0] & 0x0F) != 8
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        try:
            # Output stops at max_length; the caller asked for one byte over its cap, so a bomb is caught here
            # after at most cap + 1 bytes were ever made.
            return self._zlib.decompress(data, max_length)
        except zlib.error as exc:
            raise _BadEncoding(f"corrupt {self.encoding} body: {exc}") from exc

    def flush(self, max_length: int) -> bytes:
        if self._zlib is None:
            return b""
        return self._zlib.flush()[:max_length] if not self._zlib.eof else b""


class _UnsupportedEncoding(OSError):
    pass


class _BadEncoding(OSError):
    pass


def _network_failure(attempt: _Attempt, exc: BaseException, deadline: float) -> None:
    if isinstance(exc, _DeadlineExceeded) or time.monotonic() >= deadline:
        attempt.outcome, attempt.detail = "timeout", "response deadline exceeded (server too slow)"
    elif isinstance(exc, _UnsupportedEncoding | _BadEncoding):
        attempt.outcome, attempt.detail = "error", f"content encoding: {exc}"
    elif isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
        attempt.outcome, attempt.detail, attempt.retryable = "timeout", _short(exc), True
    else:
        attempt.outcome, attempt.detail, attempt.retryable = "error", _short(exc), True


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _mark_retryable(attempt: _Attempt) -> None:
    status = attempt.status or 0
    if status == 429 or status >= 500:
        if bot_wall(attempt.headers, attempt.body):
            return  # a challenge page answers the same however often it is asked
        attempt.retryable = True
        if status in (429, 503):
            attempt.retry_after = parse_retry_after(attempt.headers.get("retry-after"))


_STATUS_OUTCOMES: dict[int, FetchOutcome] = {304: "not_modified", 401: "blocked", 403: "blocked", 404: "not_found",
                                             410: "gone", 429: "rate_limited", 451: "blocked", 999: "blocked"}


def _classify(attempt: _Attempt, purpose: Purpose) -> tuple[FetchOutcome, str]:
    status = attempt.status or 0
    if not 200 <= status < 300:
        if bot_wall(attempt.headers, attempt.body):
            return "blocked", f"HTTP {status}: bot wall / challenge page"
        outcome = _STATUS_OUTCOMES.get(status, "error")
        return outcome, f"HTTP {status}"
    if purpose != "page":
        return "ok", ""
    content_type = attempt.headers.get("content-type")
    if not is_html(content_type, attempt.body):
        return "not_html", f"content type {content_type or 'missing'}"
    return "ok", ""  # a bot wall, paywall or shell with a 2xx is data too: `page_problem` flags it


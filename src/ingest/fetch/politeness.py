"""Being a client a site operator would not block: robots.txt, one request at a time per host, spaced out.

- `HostPacer`: at most one request in flight per host, the next one no sooner than the host's interval after the
  previous one *finished* (so the server never sees two requests closer than the interval, whatever the network
  did); `Retry-After` and retry back-off push a host's next slot further out.
- `SharedHostPacer`: the same limit kept by every crawl of one DuckLake together, on any machine, through the
  lake's catalog database (`ingest.warehouse.host_pace`); `pacer_for` picks it for a lake on PostgreSQL.
- `RobotsCache`: one robots.txt per origin, parsed by protego and kept for a day, with RFC 9309's failure rules:
  a 4xx means no rules (allowed), a 5xx or a network failure means everything is disallowed for now and the file
  is asked for again later. A 429 counts as a 5xx (the server is asking us to slow down, not saying "no rules").
- `run_per_host`: fetch many URLs with a thread pool, always picking a host that is ready now, so different
  hosts proceed concurrently while each one is paced.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from protego import Protego

from ingest.warehouse.host_pace import HostBusy, HostPaceBoard, board_for

T = TypeVar("T")
R = TypeVar("R")
Clock = Callable[[], float]


def host_key(url: str) -> str:
    """The unit of politeness: the host name (different ports of one machine are one server to be kind to)."""
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or garbled."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential back-off with real jitter: half the step is fixed, half drawn at random, so clients that failed
    together do not retry together. `attempt` counts from 1."""
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return step / 2 + rng.uniform(0.0, step / 2)


class HostDeferred(Exception):
    """The host asked us (Retry-After, Crawl-delay) to stay away longer than we are prepared to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"host deferred for {seconds:.0f} more seconds")
        self.seconds = seconds


@dataclass
class _HostState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0


class HostPacer:
    """Per-host spacing of requests; thread-safe."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self._hosts: dict[str, _HostState] = {}
        self._guard = threading.Lock()

    def _state(self, host: str) -> _HostState:
        with self._guard:
            return self._hosts.setdefault(host, _HostState())

    @contextmanager
    def slot(self, host: str, interval: float, max_wait: float = float("inf")) -> Iterator[None]:
        """Hold the host's only request slot: wait until it is due, and when done set the next one `interval` on.
        Raises `HostDeferred` instead of waiting longer than `max_wait`. A `HostDeferred` raised in the slot (by a
        pacer nested in it) means no request was made, so the next slot stays where it was."""
        state = self._state(host)
        with state.lock:
            wait = state.next_at - self._clock()
            if wait > max_wait:
                raise HostDeferred(wait)
            if wait > 0:
                self._sleep(wait)
            requested = True
            try:
                yield
            except HostDeferred:
                requested = False
                raise
            finally:
                if requested:
                    state.next_at = max(state.next_at, self._clock() + interval)

    def defer(self, host: str, seconds: float) -> None:
        """Nothing more to this host for `seconds` (Retry-After, back-off)."""
        state = self._state(host)
        state.next_at = max(state.next_at, self._clock() + seconds)

    def ready_at(self, host: str, max_wait: float = float("inf")) -> float:
        """When the host is due; a host deferred beyond `max_wait` counts as due now, because asking it will
        return at once (`HostDeferred`) rather than hold a worker."""
        next_at = self._state(host).next_at
        return 0.0 if next_at - self._clock() > max_wait else next_at


    def close(self) -> None:
        """Nothing to let go of: the pacer lives in this process."""


class Pacer(Protocol):
    """What a fetcher asks of a pacer (`HostPacer`, `SharedHostPacer`)."""

    def slot(self, host: str, interval: float, max_wait: float = float("inf")) -> AbstractContextManager[None]: ...

    def defer(self, host: str, seconds: float) -> None: ...

    def ready_at(self, host: str, max_wait: float = float("inf")) -> float: ...

    def close(self) -> None: ...


class SharedHostPacer:
    """`HostPacer`'s limit across every crawl of one lake: a slot is first this process's own (so its threads
    queue here, not each on a catalog session), then the host's turn in the catalog database, whose clock says
    when the host is due. `ready_at` knows only this process's requests: it orders the hosts, the turn decides."""

    def __init__(self, board: HostPaceBoard, sleep: Callable[[float], None] = time.sleep) -> None:
        self._board, self._sleep = board, sleep
        self._local = HostPacer()

    @contextmanager
    def slot(self, host: str, interval: float, max_wait: float = float("inf")) -> Iterator[None]:
        """As `HostPacer.slot`; `HostDeferred` also when other workers hold the host longer than `max_wait`. A
        deferral makes no request, so it moves the host's next turn neither here nor in the catalog."""
        with self._local.slot(host, interval, max_wait):
            try:
                with self._board.turn(host, interval, lock_wait=max_wait, max_wait=max_wait) as wait:
                    if wait > 0:
                        self._sleep(wait)
                    yield
            except HostBusy as exc:
                raise HostDeferred(exc.seconds) from None

    def defer(self, host: str, seconds: float) -> None:
        self._local.defer(host, seconds)
        self._board.defer(host, seconds)

    def ready_at(self, host: str, max_wait: float = float("inf")) -> float:
        return self._local.ready_at(host, max_wait)

    def close(self) -> None:
        self._board.close()


def pacer_for(warehouse: Path) -> Pacer:
    """The pacer of a crawl into `warehouse`: shared by all the lake's crawls on a DuckLake on PostgreSQL, this
    process's own otherwise."""
    board = board_for(warehouse)
    return HostPacer() if board is None else SharedHostPacer(board)


@dataclass(frozen=True)
class RobotsReply:
    """What fetching a robots.txt gave: an HTTP status (None when the server could not be reached) and the body."""

    status: int | None
    body: bytes = b""
    unsafe: str | None = None  # the host itself may not be fetched: every URL on it is refused the same way


@dataclass(frozen=True)
class RobotsVerdict:
    allowed: bool
    reason: str  # allowed | disallowed | robots_unreachable | unsafe
    crawl_delay: float | None = None
    detail: str = ""


@dataclass
class _RobotsEntry:
    rules: Protego | None
    allow_all: bool
    expires_at: float
    unsafe: str | None = None


class RobotsCache:
    """robots.txt per origin, fetched through `fetch_robots` (which must itself be safe and paced)."""

    def __init__(self, fetch_robots: Callable[[str], RobotsReply], user_agent: str, ttl_seconds: float,
                 unreachable_retry_seconds: float, clock: Clock = time.monotonic) -> None:
        self._fetch, self._agent, self._clock = fetch_robots, user_agent, clock
        self._ttl, self._retry = ttl_seconds, unreachable_retry_seconds
        self._entries: dict[str, _RobotsEntry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def verdict(self, url: str) -> RobotsVerdict:
        origin = origin_of(url)
        entry = self._entry(origin)
        if entry.allow_all:
            return RobotsVerdict(True, "allowed")
        if entry.unsafe:
            return RobotsVerdict(False, "unsafe", detail=entry.unsafe)
        if entry.rules is None:
            return RobotsVerdict(False, "robots_unreachable")
        delay = entry.rules.crawl_delay(self._agent)
        rate = entry.rules.request_rate(self._agent)
        if rate is not None and rate.requests:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        if entry.rules.can_fetch(url, self._agent):
            return RobotsVerdict(True, "allowed", delay)
        return RobotsVerdict(False, "disallowed", delay)

    def _entry(self, origin: str) -> _RobotsEntry:
        with self._guard:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:  # one robots.txt request per origin, however many threads ask
            entry = self._entries.get(origin)
            if entry is None or entry.expires_at <= self._clock():
                entry = self._entries[origin] = self._load(origin)
            return entry

    def _load(self, origin: str) -> _RobotsEntry:
        reply = self._fetch(f"{origin}/robots.txt")
        now = self._clock()
        status = reply.status
        if reply.unsafe:
            return _RobotsEntry(None, allow_all=False, expires_at=now + self._retry, unsafe=reply.unsafe)
        if status is None or status >= 500 or status == 429:
            return _RobotsEntry(None, allow_all=False, expires_at=now + self._retry)
        if status >= 400 or not 200 <= status < 300:
            return _RobotsEntry(None, allow_all=True, expires_at=now + self._ttl)
        text = reply.body.decode("utf-8", errors="replace")
        return _RobotsEntry(Protego.parse(text), allow_all=False, expires_at=now + self._ttl)


def run_per_host(items: Iterable[T], host_of: Callable[[T], str], work: Callable[[T], R],
                 ready_at: Callable[[str], float], workers: int,
                 clock: Clock = time.monotonic) -> Iterator[R]:
    """Apply `work` to every item with `workers` threads: one item per host at a time, always a host that is due.

    Results are yielded as they complete (not in input order). A worker never sleeps on a host that is not due
    while another host could be served: it waits on a condition until the earliest host is due or a host frees up.
    """
    queues: dict[str, deque[T]] = {}
    for item in items:
        queues.setdefault(host_of(item), deque()).append(item)
    busy: set[str] = set()
    condition = threading.Condition()
    results: queue.Queue[tuple[bool, R | BaseException]] = queue.Queue()
    remaining = sum(len(q) for q in queues.values())

    def next_item() -> tuple[str, T] | None:
        with condition:
            while True:
                free = [h for h, q in queues.items() if q and h not in busy]
                if not free:
                    if not any(queues.values()):
                        return None
                    condition.wait()
                    continue
                host = min(free, key=ready_at)
                wait = ready_at(host) - clock()
                if wait > 0:
                    condition.wait(wait)
                    continue
                busy.add(host)
                return host, queues[host].popleft()

    def worker() -> None:
        while (picked := next_item()) is not None:
            host, item = picked
            try:
                results.put((True, work(item)))
            except BaseException as exc:  # handed to the caller's thread, which re-raises it
                results.put((False, exc))
            finally:
                with condition:
                    busy.discard(host)
                    condition.notify_all()

    threads = max(1, min(workers, len(queues)))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="fetch")
    try:
        for _ in range(threads):
            pool.submit(worker)
        for _ in range(remaining):
            ok, value = results.get()
            if not ok:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:  # on an error or an abandoned iteration, let the workers finish what they hold and stop
        with condition:
            for pending in queues.values():
                pending.clear()
            condition.notify_all()
        pool.shutdown(wait=True)

"""A run whose Prefect server dies must fail, promptly, rather than hang.

Without a server a flow keeps loading (task states go out as events, queued in memory), then blocks for minutes
on the first API call that needs an answer (an artifact, the final state) and longer still at exit, trying to
deliver hundreds of queued events. The watch asks the server's health endpoint every few seconds; once it has
not answered for `api_lost_seconds`, the process stops with one line saying so. Stopping at any moment is safe:
every stage commits its own transaction, the run's row is found `crashed` (its process is gone) and the next
run finishes the work it left, so the re-run ends with the warehouse a run never interrupted would have built.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx

POLL_SECONDS = 2.0


def api_url() -> str | None:
    """The dedicated server's API this process reports to (None: Prefect's temporary server, our own child)."""
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value).rstrip("/") if value else None


def _answers(client: httpx.Client, url: str) -> str | None:
    """None when the server answers its health check, else why not."""
    try:
        response = client.get(f"{url}/health")
        return None if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return str(exc) or type(exc).__name__


def watch(lost_after_seconds: float) -> threading.Thread | None:
    """Start watching the Prefect server, if this process reports to one; stops the process when it is lost."""
    url = api_url()
    if url is None:
        return None
    thread = threading.Thread(target=_watch, args=(url, lost_after_seconds), name="prefect-server-watch",
                              daemon=True)
    thread.start()
    return thread


def _watch(url: str, lost_after_seconds: float, poll_seconds: float = POLL_SECONDS,
           stopped: threading.Event | None = None) -> None:
    """Check the server every `poll_seconds` until `stopped` is set (never, in a run: the thread is a daemon)."""
    # One client for the whole watch: a new one per check builds a TLS context (50-65 ms of CPU measured, holding the
    # GIL the flow's thread needs) and opens a new connection, every two seconds of every run.
    stopped = stopped or threading.Event()
    with httpx.Client(timeout=poll_seconds) as client:
        last_answer = time.monotonic()
        while not stopped.wait(poll_seconds):
            reason = _answers(client, url)
            if reason is None:
                last_answer = time.monotonic()
            elif time.monotonic() - last_answer >= lost_after_seconds:
                _stop(url, reason, lost_after_seconds)


def _stop(url: str, reason: str, lost_after_seconds: float) -> None:
    message = (
        f"\nerror: the Prefect server at {url} stopped answering ({reason}) for {lost_after_seconds:g}s, so this "
        "run stops here. Everything it committed is kept; run the same command again once the server is back "
        "and it finishes the work (INGEST_API_LOST_SECONDS sets the wait).\n")
    terminal = _silence_stderr()  # the flow's own threads keep logging until the exit: none of it may follow our line
    workers = [child.pid for child in multiprocessing.active_children() if child.pid is not None]
    doomed = descendants(os.getpid()) or workers
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.kill(pid, signal.SIGKILL)
    _wait_gone(doomed)  # a worker's last log line, too, must come before ours
    os.write(terminal, message.encode(errors="replace"))
    os._exit(1)  # not sys.exit: the flow engine and its event queue would wait on the dead server for minutes


def _silence_stderr() -> int:
    """Point this process's stderr at /dev/null and return a descriptor for where it went."""
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    return terminal


def _wait_gone(pids: list[int], limit_seconds: float = 5.0) -> None:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in pids):
        time.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True  # gone while we looked


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc: the extraction and NER workers, and also the fork server and
    multiprocessing's resource tracker, which are no `active_children` and would otherwise outlive the run (the
    tracker then prints a leaked-semaphore warning after our one line)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found

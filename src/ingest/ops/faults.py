"""Crash points, for the tests that prove a killed or stuck run loses nothing.

`INGEST_CRASH_AT=after_load:3` makes this process kill itself with SIGKILL the third time it reaches the stage
boundary `after_load`: no cleanup, no `finally`, exactly what an OOM kill or a power cut leaves behind.
`INGEST_STALL_AT=after_load:3` instead blocks that crossing for good, as a stage stuck on a hung mount or a dead
peer would, so a test can stop the run from outside at a point it knows. Unset (always, outside those tests), a
boundary costs two environment lookups. The boundaries a run passes, in order: `run_recorded`, then per batch
`after_load`, `after_dedupe`, `after_enrich`, and `before_finish`.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

CRASH_AT_ENV = "INGEST_CRASH_AT"
STALL_AT_ENV = "INGEST_STALL_AT"
_passed: Counter[str] = Counter()


def boundary(name: str) -> None:
    """Mark that the run reached the stage boundary `name`; dies here if INGEST_CRASH_AT names this crossing, and
    never gets past it if INGEST_STALL_AT does."""
    crash_at, stall_at = os.environ.get(CRASH_AT_ENV), os.environ.get(STALL_AT_ENV)
    if not crash_at and not stall_at:
        return
    _passed[name] += 1
    if _names_this_crossing(crash_at, name):
        os.kill(os.getpid(), signal.SIGKILL)
    if _names_this_crossing(stall_at, name):
        threading.Event().wait()  # forever: only a signal or another thread's exit ends the process now


def _names_this_crossing(wanted: str | None, name: str) -> bool:
    stage, _, nth = (wanted or "").partition(":")
    return stage == name and _passed[name] == int(nth or 1)

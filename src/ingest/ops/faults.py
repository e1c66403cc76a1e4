"""Crash points, for the soak test that proves a killed run loses nothing.

`INGEST_CRASH_AT=after_load:3` makes this process kill itself with SIGKILL the third time it reaches the stage
boundary `after_load`: no cleanup, no `finally`, exactly what an OOM kill or a power cut leaves behind. Unset
(always, outside the soak test), a boundary costs one environment lookup. The boundaries a run passes, in order:
`run_recorded`, then per batch `after_load`, `after_dedupe`, `after_enrich`, and `before_finish`.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_AT_ENV = "INGEST_CRASH_AT"
_passed: Counter[str] = Counter()


def boundary(name: str) -> None:
    """Mark that the run reached the stage boundary `name`; dies here if INGEST_CRASH_AT names this crossing."""
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted:
        return
    _passed[name] += 1
    stage, _, nth = wanted.partition(":")
    if stage == name and _passed[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)

"""Crash points: a process told to die at a stage boundary dies there, by SIGKILL, at the crossing it names."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from ingest.ops.faults import CRASH_AT_ENV, STALL_AT_ENV

# A child that crosses boundaries as a run does and says which it passed; stdout is flushed at each line.
CHILD = """
import sys
from ingest.ops import faults
for name in sys.argv[1:]:
    faults.boundary(name)
    print("passed", name, flush=True)
"""


def _cross(*boundaries: str, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_AT_ENV, STALL_AT_ENV)}
    if crash_at is not None:
        env[CRASH_AT_ENV] = crash_at
    return subprocess.run([sys.executable, "-c", CHILD, *boundaries], env=env, capture_output=True, text=True,
                          timeout=60)


def test_without_a_crash_point_every_boundary_is_passed() -> None:
    result = _cross("run_recorded", "after_load", "after_load", "before_finish", crash_at=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:-1] == ["passed run_recorded", "passed after_load", "passed after_load",
                                              "passed before_finish"]


def test_the_nth_crossing_of_the_named_boundary_is_killed_by_sigkill() -> None:
    result = _cross("run_recorded", "after_load", "after_dedupe", "after_load", "after_dedupe", crash_at="after_load:2")
    assert result.returncode == -signal.SIGKILL
    assert result.stdout.split("\n")[:-1] == ["passed run_recorded", "passed after_load", "passed after_dedupe"]


def test_a_crash_point_without_a_count_is_the_first_crossing() -> None:
    result = _cross("run_recorded", "after_enrich", crash_at="after_enrich")
    assert result.returncode == -signal.SIGKILL
    assert result.stdout == "passed run_recorded\n"


def test_a_boundary_the_run_never_reaches_kills_nothing() -> None:
    result = _cross("run_recorded", "after_load", crash_at="after_load:3")
    assert result.returncode == 0 and result.stdout == "passed run_recorded\npassed after_load\n"


def test_a_stall_point_blocks_its_crossing_until_the_process_is_stopped() -> None:
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_AT_ENV, STALL_AT_ENV)}
    env[STALL_AT_ENV] = "after_dedupe:2"
    crossings = ["after_dedupe", "after_load", "after_dedupe", "before_finish"]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *crossings], env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    try:
        lines = [child.stdout.readline() for _ in range(2)]
        assert lines == ["passed after_dedupe\n", "passed after_load\n"]
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=3)
        assert child.poll() is None  # still there, held at the second after_dedupe
    finally:
        child.kill()
        rest = child.communicate(timeout=60)[0]
    assert rest == ""  # it never passed the stall point

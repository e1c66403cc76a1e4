"""Processes seen from /proc, for tests that check what a killed command leaves behind."""

from __future__ import annotations

from pathlib import Path


def running(pid: int) -> bool:
    """A process that exists and is not a zombie (an orphan's exit status may wait for a reaper that never comes)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status

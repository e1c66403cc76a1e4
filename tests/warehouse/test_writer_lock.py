"""The writer guard: a lock held by a killed process is released by the kernel; a waiter names the real holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.warehouse.writer_lock import FileLockGuard, WriterBusy


def test_the_holder_is_named_with_its_run_and_forgotten_once_it_lets_go(tmp_path: Path) -> None:
    guard = FileLockGuard(tmp_path / "w.duckdb")
    with guard.hold("run-42", timeout_seconds=1) as me:
        assert me.pid == os.getpid() and guard.holder() == me
        # a second holder in the same process waits like any other
        with pytest.raises(WriterBusy) as busy, FileLockGuard(tmp_path / "w.duckdb").hold("run-43", 0.3):
            pass
        assert "run run-42" in str(busy.value) and f"pid {os.getpid()}" in str(busy.value)
    assert guard.holder() is None
    with guard.hold("run-43", timeout_seconds=0) as again:
        assert again.run_id == "run-43"

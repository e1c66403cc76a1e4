"""The one-writer rule in the flows: a write waits for the writer lock, gives up with one line naming the holder,
and a holder killed with SIGKILL blocks nobody."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.writer import WarehouseBusy, writer_slot
from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseLocked
from ingest.warehouse.writer_lock import FileLockGuard

HOLD_AND_SLEEP = """
import sys, time
from pathlib import Path
from flows.writer import writer_slot
from ingest.settings import Settings
with writer_slot(Settings(warehouse=Path(sys.argv[1]))):
    print("holding", flush=True)
    time.sleep(600)
"""


def _holder_process(warehouse: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", HOLD_AND_SLEEP, str(warehouse)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_writer_killed_while_holding_the_lock_does_not_block_the_next(settings: Settings) -> None:
    process = _holder_process(settings.warehouse)
    try:
        impatient = settings.model_copy(update={"writer_timeout_seconds": 0.5})
        with pytest.raises(WarehouseBusy, match=f"pid {process.pid} on {socket.gethostname()}"), \
                writer_slot(impatient):
            pass
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    # the kernel dropped the dead holder's lock: the next writer gets it well inside a generous bound
    with writer_slot(settings.model_copy(update={"writer_timeout_seconds": 10})):
        assert FileLockGuard(settings.warehouse).holder() is not None


def test_a_busy_warehouse_is_a_locked_warehouse_naming_the_timeout_setting(settings: Settings) -> None:
    process = _holder_process(settings.warehouse)
    try:
        with pytest.raises(WarehouseLocked, match="INGEST_WRITER_TIMEOUT_SECONDS") as raised, \
                writer_slot(settings.model_copy(update={"writer_timeout_seconds": 0})):
            pass
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert isinstance(raised.value, WarehouseBusy) and str(settings.warehouse) in str(raised.value)


def test_the_lock_is_let_go_when_the_write_fails(settings: Settings) -> None:
    with pytest.raises(ZeroDivisionError), writer_slot(settings):
        raise ZeroDivisionError
    assert FileLockGuard(settings.warehouse).holder() is None
    with writer_slot(settings.model_copy(update={"writer_timeout_seconds": 0})):
        assert FileLockGuard(settings.warehouse).holder() is not None

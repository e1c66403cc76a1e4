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


def test_reads_need_no_writer_lock_while_another_process_holds_it(settings: Settings, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ingest import pipeline
    from ingest.cli import app
    from ingest.read.files import read_inputs
    from tests.support.news_pages import TOPICS, write_articles

    pages = write_articles(tmp_path / "in", TOPICS[:2])
    pipeline.run_batches(pages, settings, "loaded-before")
    process = _holder_process(settings.warehouse)
    try:
        impatient = settings.model_copy(update={"writer_timeout_seconds": 0.5})
        items = list(read_inputs([str(p) for p in pages], impatient))
        assert len(pipeline.find_loaded(impatient, items)) == 2  # the flows' find-loaded stage
        runner = CliRunner()
        query = runner.invoke(app, ["sql", "select count(*) as n from articles", "-w", str(settings.warehouse),
                                    "-f", "csv"])
        assert query.exit_code == 0 and query.stdout == "n\n2\n", query.output
        status = runner.invoke(app, ["status", "-w", str(settings.warehouse)])
        assert status.exit_code == 0 and "loaded-before" in status.output, status.output
        with pytest.raises(WarehouseBusy):  # while a write does wait for the holder
            pipeline.migrate(pipeline.BatchRun(impatient, "writer", pipeline.RunWorkers(impatient)))
    finally:
        process.kill()
        process.wait()

"""Per-host turns shared through a lake's catalog database: workers that share nothing but the catalog (each its
own board, so its own sessions, as on two machines) take one host in turns, spaced by its interval, and a turn
nobody gives back (a killed worker) or a catalog that is down never hangs the rest."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseError
from ingest.warehouse.host_pace import HostBusy, HostPaceBoard, board_for
from ingest.warehouse.writer_lock import connect_catalog

INTERVAL = 0.3
TURNS_EACH = 6


def _worker(catalog: str, name: str, spans: list[tuple[str, float, float]], lock: threading.Lock) -> None:
    board = HostPaceBoard(catalog)
    try:
        for _ in range(TURNS_EACH):
            with board.turn("news.example", INTERVAL, lock_wait=60) as wait:
                if wait > 0:
                    time.sleep(wait)
                started = time.monotonic()
                time.sleep(0.02)  # the request
                with lock:
                    spans.append((name, started, time.monotonic()))
    finally:
        board.close()


def test_workers_sharing_only_the_catalog_take_a_host_in_turns_spaced_by_its_interval(
        lake_settings: Settings) -> None:
    spans: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    workers = [threading.Thread(target=_worker, args=(str(lake_settings.warehouse), name, spans, lock))
               for name in ("a", "b", "c")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    spans.sort(key=lambda span: span[1])
    assert len(spans) == 3 * TURNS_EACH
    # The workers really took turns with each other (not one after the other), and no request began sooner
    # than the interval after the previous one, whoever made it, ended.
    assert sum(1 for before, after in zip(spans, spans[1:], strict=False) if before[0] != after[0]) >= 3
    gaps = [after[1] - before[2] for before, after in zip(spans, spans[1:], strict=False)]
    assert min(gaps) >= INTERVAL * 0.95, gaps


def test_a_deferred_host_is_deferred_for_every_worker_and_other_hosts_are_not(lake_settings: Settings) -> None:
    one, other = HostPaceBoard(str(lake_settings.warehouse)), HostPaceBoard(str(lake_settings.warehouse))
    try:
        one.defer("slow.example", 30.0)  # a Retry-After seen by one worker
        with other.turn("slow.example", INTERVAL, lock_wait=5) as wait:
            assert 25.0 < wait <= 30.0
        with other.turn("fast.example", INTERVAL, lock_wait=5) as wait:
            assert wait <= 0
        one.defer("slow.example", 1.0)  # a shorter deferral never brings the host forward
        with one.turn("slow.example", INTERVAL, lock_wait=5) as wait:
            assert wait > 20.0
    finally:
        one.close()
        other.close()


def test_a_turn_held_longer_than_a_worker_will_wait_is_host_busy(lake_settings: Settings) -> None:
    holder, waiter = HostPaceBoard(str(lake_settings.warehouse)), HostPaceBoard(str(lake_settings.warehouse))
    try:
        with holder.turn("news.example", INTERVAL, lock_wait=5):
            with pytest.raises(HostBusy), waiter.turn("news.example", INTERVAL, lock_wait=0.3):
                pass
            with waiter.turn("other.example", INTERVAL, lock_wait=0.3):  # another host is free
                pass
        with waiter.turn("news.example", INTERVAL, lock_wait=5) as wait:  # given back: the interval, then due
            assert 0 < wait <= INTERVAL
    finally:
        holder.close()
        waiter.close()


def _row_version(catalog: str, host: str) -> str:
    """The host row's xmin: the transaction that last wrote it (a lock taken with FOR UPDATE leaves it alone)."""
    with connect_catalog(catalog, "the test") as con:
        row = con.execute("select xmin::text from ingest_host_pace where host = %s", (host,)).fetchone()
    assert row is not None
    return str(row[0])


def test_a_host_not_due_within_max_wait_is_busy_and_its_turn_given_back_untouched(lake_settings: Settings) -> None:
    catalog = str(lake_settings.warehouse)
    asker, other = HostPaceBoard(catalog), HostPaceBoard(catalog)
    try:
        with asker.turn("news.example", 2.0, lock_wait=5):  # a request: the host is due 2 s after it
            pass
        written = _row_version(catalog, "news.example")
        with pytest.raises(HostBusy) as busy, other.turn("news.example", 30.0, lock_wait=5, max_wait=0.5):
            pytest.fail("a host not due within max_wait is no turn")
        # busy because the host is due later than max_wait, and no later than the request's own interval
        assert 0.5 < busy.value.seconds <= 2.0
        assert _row_version(catalog, "news.example") == written  # no request, so no write
        with asker.turn("news.example", INTERVAL, lock_wait=5) as wait:  # still due 2 s after the request, not 30
            assert 0 < wait <= 2.0
    finally:
        asker.close()
        other.close()


HOLD_A_TURN = """
import sys, time
from ingest.warehouse.host_pace import HostPaceBoard
with HostPaceBoard(sys.argv[1]).turn("news.example", 0.1, lock_wait=5):
    print("holding", flush=True)
    time.sleep(600)
"""


def test_a_worker_killed_in_its_turn_never_blocks_the_next(lake_settings: Settings) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_TURN, str(lake_settings.warehouse)], text=True,
                              stdout=subprocess.PIPE)
    board = HostPaceBoard(str(lake_settings.warehouse))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(HostBusy), board.turn("news.example", INTERVAL, lock_wait=0.3):
            pass
        holder.kill()
        holder.wait()
        with board.turn("news.example", INTERVAL, lock_wait=30):  # its session ended, and its row lock with it
            pass
    finally:
        holder.kill()
        holder.wait()
        board.close()


def test_a_catalog_that_is_down_is_one_line_without_the_password() -> None:
    board = board_for(Path("ducklake:postgres:dbname=x host=127.0.0.1 port=1 user=u password=secret"))
    assert board is not None
    with pytest.raises(WarehouseError) as down, board.turn("news.example", INTERVAL, lock_wait=5):
        pass
    message = str(down.value)
    assert "shared host pacing" in message and "secret" not in message and "\n" not in message


def test_only_a_lake_on_postgresql_shares_its_pacing(tmp_path: Path) -> None:
    assert board_for(tmp_path / "news.duckdb") is None
    assert board_for(f"ducklake:{tmp_path / 'catalog.duckdb'}") is None
    assert board_for("ducklake:postgres:dbname=news host=db") is not None

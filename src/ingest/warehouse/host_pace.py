"""Per-host turns shared by every fetch worker of a DuckLake, in its PostgreSQL catalog database.

A crawl paces each host itself (`ingest.fetch.politeness.HostPacer`), but several crawls of one lake, on one
machine or several, must together keep to a host's limit. They meet in the lake's catalog database, in a small
table of their own (`ingest_host_pace`: a host and when it may next be asked), created on first use like the
writer lock's holders table; it is coordination state, not warehouse data, so it is no migration.

A turn (`HostPaceBoard.turn`) is a transaction on the host's row: `SELECT ... FOR UPDATE` makes the request one
in flight for that host across all workers (the next worker waits on the row lock, at most `lock_wait` seconds);
the wait until the host is due is measured by the database's clock and slept here, and when the request is over the
next turn is set `interval` after it, again by the database's clock, and committed. Only one clock ever says
"when", so workers on machines whose clocks disagree still agree. A worker killed mid-turn loses its session and
with it the row lock: nobody waits for the dead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from ingest.warehouse.statements import statement
from ingest.warehouse.writer_lock import POSTGRES_CATALOG, catalog_unreachable, connect_catalog

PURPOSE = "the shared host pacing"
DEFER_LOCK_WAIT_SECONDS = 60.0  # a deferral waits this long for a worker holding the host's turn (mid-request)


class HostBusy(Exception):
    """A host's turn is not this worker's within what it was willing to wait: other workers held the turn that
    long, or the host is not due for `seconds` more."""

    def __init__(self, seconds: float, held: bool = True) -> None:
        super().__init__(f"other workers held the host for {seconds:g}s" if held
                         else f"the host is not due for {seconds:.0f}s")
        self.seconds = seconds


class HostPaceBoard:
    """The per-host turns of one lake; thread-safe, each turn on a catalog session of its own (idle sessions are
    kept for the next turn, so a crawl opens about as many as it has fetch threads)."""

    def __init__(self, catalog: str) -> None:
        self.catalog = catalog
        self._idle: list[psycopg.Connection[Any]] = []
        self._guard = threading.Lock()
        self._table_made = False
        self._rows: set[str] = set()  # hosts known to have a row (rows are never deleted)

    @contextmanager
    def turn(self, host: str, interval: float, lock_wait: float,
             max_wait: float = float("inf")) -> Iterator[float]:
        """Hold `host`'s turn: yields the seconds until it is due (database clock; 0 or less: due now). On leaving,
        however the block ends, the host's next turn is due `interval` seconds later. Raises `HostBusy` when the
        turn is not ours within `lock_wait` seconds, or the host is not due within `max_wait`: then no request
        is made, so the turn is given back as it was, the host's next turn not moved (and nothing written)."""
        with self._session() as con:
            if host not in self._rows:
                con.execute(statement("lake/host_pace_add_host"), {"host": host})
                con.commit()  # the row exists for every worker from here on, whoever holds it next
                self._rows.add(host)
            con.execute(statement("lake/writer_lock_timeout"), (_milliseconds(lock_wait),))
            try:
                row = con.execute(statement("lake/host_pace_take"), {"host": host}).fetchone()
            except psycopg.errors.LockNotAvailable:
                con.rollback()
                raise HostBusy(lock_wait) from None
            wait = float(row[0]) if row else 0.0
            if wait > max_wait:
                con.rollback()
                raise HostBusy(wait, held=False)
            try:
                yield wait
            finally:
                con.execute(statement("lake/host_pace_push"), {"host": host, "seconds": interval})
                con.commit()

    def defer(self, host: str, seconds: float) -> bool:
        """Nothing more to `host` for `seconds`, from any worker (Retry-After, back-off). Returns False when
        another worker held the host's row all the while (`DEFER_LOCK_WAIT_SECONDS`), so the deferral was not
        shared: that worker's turn ends by pushing the host out anyway, and the caller still defers it itself."""
        with self._session() as con:
            con.execute(statement("lake/writer_lock_timeout"), (_milliseconds(DEFER_LOCK_WAIT_SECONDS),))
            try:
                con.execute(statement("lake/host_pace_push"), {"host": host, "seconds": seconds})
            except psycopg.errors.LockNotAvailable:
                con.rollback()
                return False
            con.commit()
        return True

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        """An idle catalog session, or a new one; kept for the next turn if the block left it idle, closed
        otherwise. A catalog lost mid-turn is one line (`WarehouseError`), as one that cannot be reached at all."""
        with self._guard:
            con = self._idle.pop() if self._idle else None
        if con is None:
            con = connect_catalog(self.catalog, PURPOSE, autocommit=False)
        try:
            self._ensure_table(con)
            yield con
        except psycopg.OperationalError as exc:
            raise catalog_unreachable(self.catalog, PURPOSE, exc) from None
        finally:
            self._give_back(con)

    def _give_back(self, con: psycopg.Connection[Any]) -> None:
        if con.closed or con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            con.close()
            return
        with self._guard:
            self._idle.append(con)

    def _ensure_table(self, con: psycopg.Connection[Any]) -> None:
        if not self._table_made:
            con.execute(statement("lake/host_pace_table"))
            con.commit()
            self._table_made = True


def _milliseconds(seconds: float) -> str:
    """A lock_timeout (text, in milliseconds): PostgreSQL's 0 means "wait for ever", so no wait at all is 1 ms."""
    if seconds == float("inf"):
        return "0"
    return str(max(1, round(seconds * 1000)))


def board_for(warehouse: Path | str) -> HostPaceBoard | None:
    """The shared per-host turns of a DuckLake on PostgreSQL; None for a DuckDB file or a lake on another catalog
    (one writer at a time anyway), whose crawls pace hosts on their own."""
    text = str(warehouse)
    return HostPaceBoard(text) if text.startswith(POSTGRES_CATALOG) else None

"""The one-writer guard of a warehouse, as a lock released when its holder dies.

A DuckDB file: DuckDB lets one process open it for writing; runs take turns through `FileLockGuard`, held around
each write (a batch load, the run record), never around extraction or NER. A guard must never outlive its holder:
a run killed by SIGKILL, an OOM or a power cut must not leave the next runs waiting for nobody. An OS file lock
(`flock` on a file beside the warehouse) has exactly that property: the kernel drops it with the last file
descriptor of the dead process. The holder writes who it is (pid, host, run, since) into the lock file, so a
run that gives up names the real holder.

A DuckLake on a PostgreSQL catalog: many processes on many machines may write, and DuckLake settles concurrent
appends, but not a read-modify-write (`ingest.warehouse.serialised`). `CatalogLockGuard` serialises writers with
PostgreSQL session advisory locks in the catalog database, each on a catalog session of its own that lives only
as long as the hold: the server drops a session's locks when its connection ends, so a holder killed by SIGKILL
(its socket closed by its kernel) never blocks the next writer, on any machine. Two kinds of lock:
- the lake-wide lock (`hold`, re-entrant in a thread): a run's writes (`writing`, `writer_slot`) hold it whole,
  and a serialised step reached through a bare connection takes it itself (`serialising`), its transaction begun
  inside, so it decides from every commit before it;
- key locks (`hold_keys`), around a batch load (`key_locks`): it inserts keys only if absent, so two loads of the
  same document take turns and the second finds it loaded, whoever calls them.
A run's write windows hold the lake-wide lock whole rather than only around their serialised steps: with
duckdb 1.5.5, two writers whose windows ran at once failed in each of four tries here (DuckDB FATAL "Attempted
to access index 0 within vector of size 0" twice, a hang, a DuckLake "transaction is aborted"). Extraction, NER
and fetching, the bulk of a run's time, hold nothing. Holders declare themselves in a small table of the catalog
database (`ingest_lock_holders`), so a writer that gives up names who held the lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import psycopg

from ingest.models import utc_now
from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseError, WarehouseLocked, display_name, open_warehouse
from ingest.warehouse.statements import statement

POLL_SECONDS = 0.2


class WriterBusy(RuntimeError):
    """Another writer held the warehouse for longer than this one was willing to wait."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    run_id: str | None
    since: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, run {self.run_id or 'unknown'}, holding it since {self.since}"


class WriterGuard(Protocol):
    def hold(self, run_id: str | None, timeout_seconds: float) -> AbstractContextManager[Holder]: ...

    def holder(self) -> Holder | None: ...


class FileLockGuard:
    """`flock` on `<warehouse>.writer.lock`: exclusive between processes and between threads (each hold opens
    its own file description), released by the kernel when the holding process dies."""

    def __init__(self, warehouse: Path) -> None:
        self.path = warehouse.with_name(warehouse.name + ".writer.lock")

    @contextmanager
    def hold(self, run_id: str | None, timeout_seconds: float) -> Iterator[Holder]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd, timeout_seconds)
            me = Holder(os.getpid(), socket.gethostname(), run_id, utc_now().isoformat(timespec="seconds"))
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(me)).encode(), 0)
            try:
                yield me
            finally:
                os.ftruncate(fd, 0)  # a reader of the file sees no holder once we let go
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _acquire(self, fd: int, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    raise WriterBusy(holder.describe() if holder else "a writer that did not say who it is") \
                        from None
                time.sleep(POLL_SECONDS)

    def holder(self) -> Holder | None:
        """Who holds the lock now, as it wrote itself into the file (None when nobody does)."""
        try:
            text = self.path.read_text()
            return Holder(**json.loads(text)) if text.strip() else None
        except (OSError, ValueError, TypeError):
            return None


POSTGRES_CATALOG = "ducklake:postgres:"
LAKE_WIDE = 0  # the key of the lake-wide lock; key locks are 1 .. 2**31 - 1
MAX_KEY_LOCKS = 4096  # more keys than this share locks (folded), so a huge batch never fills PostgreSQL's lock table


def _number(text: str) -> int:
    """A stable 31-bit number for a text (advisory lock keys are int4; non-negative so pg_locks shows them as is)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") & 0x7FFF_FFFF


@dataclass
class _Held:
    holder: Holder
    depth: int = 1


# The lake-wide locks this process holds, by (thread, lock space): a serialised step that runs inside another (a
# migration inside the run's first write) is already covered, and must not wait for its own caller.
_HELD: dict[tuple[int, int], _Held] = {}


class CatalogLockGuard:
    """PostgreSQL advisory locks in a lake's catalog database (see the module docstring): a lock space per lake
    (from its catalog string, less the password), the lake-wide lock and key locks in it."""

    def __init__(self, catalog: str) -> None:
        from ingest.warehouse import lake

        self.catalog = catalog
        self.conninfo = catalog.removeprefix(POSTGRES_CATALOG)
        self.space = _number(lake.lock_key(catalog))
        self.shown = lake.redacted(catalog)

    @contextmanager
    def hold(self, run_id: str | None, timeout_seconds: float) -> Iterator[Holder]:
        """The lake-wide lock, re-entrant within a thread."""
        mine = (threading.get_ident(), self.space)
        if (held := _HELD.get(mine)) is not None:
            held.depth += 1
            try:
                yield held.holder
            finally:
                held.depth -= 1
            return
        with self._session(run_id) as (con, me):
            self._lock(con, [LAKE_WIDE], timeout_seconds, lake_wide=True)
            _HELD[mine] = _Held(me)
            try:
                yield me
            finally:
                del _HELD[mine]

    def holds(self) -> bool:
        """Whether this thread holds the lake-wide lock now."""
        return (threading.get_ident(), self.space) in _HELD

    @contextmanager
    def hold_keys(self, keys: Iterable[str], run_id: str | None, timeout_seconds: float) -> Iterator[None]:
        """A lock on each key (taken in order, so two holders never wait for each other in a circle)."""
        numbers = {_number(key) for key in keys}
        if len(numbers) > MAX_KEY_LOCKS:
            numbers = {number % MAX_KEY_LOCKS for number in numbers}
        if not numbers:
            yield
            return
        with self._session(run_id) as (con, _):
            self._lock(con, sorted(n or MAX_KEY_LOCKS for n in numbers), timeout_seconds, lake_wide=False)
            yield

    @contextmanager
    def _session(self, run_id: str | None) -> Iterator[tuple[psycopg.Connection[Any], Holder]]:
        """A catalog session of its own that has declared who it works for; closing it lets go of its locks."""
        me = Holder(os.getpid(), socket.gethostname(), run_id, utc_now().isoformat(timespec="seconds"))
        con = self._connect()
        try:
            _ensure_holders_table(con, self.space)
            con.execute(statement("lake/writer_declare_holder"), asdict(me))
            yield con, me
        finally:
            con.close()

    def _connect(self) -> psycopg.Connection[Any]:
        return connect_catalog(self.catalog, "the writer lock")

    def _lock(self, con: psycopg.Connection[Any], numbers: list[int], timeout_seconds: float,
              lake_wide: bool) -> None:
        if timeout_seconds <= 0:  # a lock_timeout of 0 would mean waiting forever: try once instead
            for number in numbers:
                row = con.execute(statement("lake/writer_try_lock"), (self.space, number)).fetchone()
                if not (row and row[0]):
                    raise WriterBusy(self._describe(con, lake_wide))
            return
        con.execute(statement("lake/writer_lock_timeout"), (f"{max(1, round(timeout_seconds * 1000))}",))
        try:
            with con.cursor() as cursor:
                cursor.executemany(statement("lake/writer_lock"), [(self.space, n) for n in numbers])
        except psycopg.errors.LockNotAvailable:
            raise WriterBusy(self._describe(con, lake_wide)) from None

    def _describe(self, con: psycopg.Connection[Any], lake_wide: bool) -> str:
        holder = _holder_on(con, self.space, lake_wide)
        return holder.describe() if holder else "a writer that did not say who it is"

    def holder(self) -> Holder | None:
        """Who holds the lake-wide lock now (None when nobody does)."""
        try:
            con = self._connect()
        except WarehouseError:
            return None
        try:
            return _holder_on(con, self.space, lake_wide=True)
        finally:
            con.close()


CONNECT_TIMEOUT_SECONDS = 10


def connect_catalog(catalog: str, purpose: str, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A session of its own in the catalog database of a lake on PostgreSQL (`ducklake:postgres:<conninfo>`); a
    catalog that cannot be reached in `CONNECT_TIMEOUT_SECONDS` is one line naming the lake (less its password)
    and `purpose`, never a hang."""
    try:
        return psycopg.connect(catalog.removeprefix(POSTGRES_CATALOG), autocommit=autocommit,
                               connect_timeout=CONNECT_TIMEOUT_SECONDS,
                               application_name=f"ingest {purpose} pid {os.getpid()}"[:63])
    except psycopg.Error as exc:
        raise catalog_unreachable(catalog, purpose, exc) from None


def catalog_unreachable(catalog: str, purpose: str, exc: psycopg.Error) -> WarehouseError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return WarehouseError(f"warehouse {lake_redacted(catalog)}: cannot reach its catalog for {purpose} "
                          f"({lake_redacted(first)})")
_TABLE_MADE: set[str] = set()  # catalog databases (by lock space) whose holders table this process has seen made


def _ensure_holders_table(con: psycopg.Connection[Any], space: int) -> None:
    if str(space) not in _TABLE_MADE:
        con.execute(statement("lake/writer_holders_table"))
        _TABLE_MADE.add(str(space))


def _holder_on(con: psycopg.Connection[Any], space: int, lake_wide: bool) -> Holder | None:
    try:
        row = con.execute(statement("lake/writer_holders"), {"space": space, "lake_wide": lake_wide}).fetchone()
    except psycopg.errors.UndefinedTable:  # no writer has ever locked this catalog database
        return None
    return Holder(*row) if row else None


def lake_redacted(text: str) -> str:
    from ingest.warehouse import lake

    return lake.redacted(text)


def guard_for(warehouse: Path) -> WriterGuard:
    """The writer guard of a warehouse: an OS file lock beside a local DuckDB file; advisory locks in the catalog
    database of a DuckLake on PostgreSQL. A lake on another catalog (a DuckDB or SQLite file, which take one
    writer anyway) takes turns through a file lock in this machine's temporary directory keyed by the catalog."""
    from ingest.warehouse import lake

    if str(warehouse).startswith(POSTGRES_CATALOG):
        return CatalogLockGuard(str(warehouse))
    if lake.is_lake(warehouse):
        return FileLockGuard(Path(tempfile.gettempdir()) / f"ingest-lake-{lake.lock_key(str(warehouse))}")
    return FileLockGuard(warehouse)


def catalog_guard_of(con: duckdb.DuckDBPyConnection) -> CatalogLockGuard | None:
    """The advisory-lock guard of the lake `con` writes to by default (None for a DuckDB file or another catalog)."""
    row = con.execute(statement("lake/default_database_path")).fetchone()
    catalog = "ducklake:" + str(row[0]) if row else ""
    return CatalogLockGuard(catalog) if catalog.startswith(POSTGRES_CATALOG) else None


# Who this process writes for, as its last `writing`/`writer_slot` said: a serialised step reached through a
# connection only (`serialising`) names its run and waits as long as the run's own writes would.
_RUN: dict[str, Any] = {"run_id": None, "timeout_seconds": 900.0}


@contextmanager
def serialising(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Hold the lake-wide lock of `con`'s lake around a serialised step (nothing to do on a DuckDB file, which
    its writer has to itself). Begin the step's transaction inside this block, never before it."""
    guard = catalog_guard_of(con)
    if guard is None:
        yield
        return
    try:
        with guard.hold(_RUN["run_id"], _RUN["timeout_seconds"]):
            yield
    except WriterBusy as exc:
        raise WarehouseBusy(_busy_message(guard.shown, _RUN["timeout_seconds"], str(exc))) from None


@contextmanager
def key_locks(con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> Iterator[None]:
    """Hold a lock on each key around a keyed load on a lake (nothing to do on a DuckDB file)."""
    guard = catalog_guard_of(con)
    if guard is None:
        yield
        return
    try:
        with guard.hold_keys(keys, _RUN["run_id"], _RUN["timeout_seconds"]):
            yield
    except WriterBusy as exc:
        raise WarehouseBusy(_busy_message(guard.shown, _RUN["timeout_seconds"], str(exc))) from None


def holds_serialised_lock(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a serialised step may run on `con` now: always on a DuckDB file, under the lake-wide lock on a lake."""
    guard = catalog_guard_of(con)
    return guard is None or guard.holds()


def _busy_message(warehouse: str, timeout_seconds: float, holder: str) -> str:
    return (f"warehouse {warehouse} is busy: waited {timeout_seconds:g}s for its writer lock, held by {holder} "
            "(the writer timeout is INGEST_WRITER_TIMEOUT_SECONDS)")


class WarehouseBusy(WarehouseLocked):
    """Another run held the warehouse writer lock for longer than this run was willing to wait."""


@contextmanager
def writer_slot(settings: Settings, run_id: str | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse writer guard for one write (on a lake: the lake-wide lock, so the whole write is one
    serialised step), waiting at most `writer_timeout_seconds`; `on_wait` hears who holds it when this run has to
    wait."""
    _RUN.update(run_id=run_id, timeout_seconds=settings.writer_timeout_seconds)
    guard = guard_for(settings.warehouse)
    holder = guard.holder()
    if holder is not None and on_wait is not None:
        on_wait(f"waiting for the warehouse writer lock, held by {holder.describe()}")
    try:
        with guard.hold(run_id, settings.writer_timeout_seconds):
            yield
    except WriterBusy as exc:
        raise WarehouseBusy(_busy_message(display_name(settings), settings.writer_timeout_seconds, str(exc))) \
            from None


@contextmanager
def writing(settings: Settings, run_id: str | None = None,
            on_wait: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened for writing, under its writer guard: the one way the pipeline writes."""
    with writer_slot(settings, run_id, on_wait), open_warehouse(settings) as con:
        yield con

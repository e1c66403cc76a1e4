"""The one-writer guard of a warehouse, as a lock the kernel releases when its holder dies.

DuckDB lets one process open the file for writing; runs take turns through this guard, held around each write
(a batch load, the run record), never around extraction or NER. A guard must never outlive its holder: a run
killed by SIGKILL, an OOM or a power cut must not leave the next runs waiting for nobody. An OS file lock
(`flock` on a file beside the warehouse) has exactly that property: the kernel drops it with the last file
descriptor of the dead process. The holder writes who it is (pid, host, run, since) into the lock file, so a
run that gives up names the real holder.

`WriterGuard` is the seam: a DuckLake (or any networked) warehouse needs a different guard, a lease in its
catalog that expires, behind the same two methods.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from ingest.models import utc_now
from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseLocked, open_warehouse

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


def guard_for(warehouse: Path) -> WriterGuard:
    """The writer guard of a warehouse: an OS file lock beside a local DuckDB file. For a DuckLake, a file lock in
    this machine's temporary directory keyed by the catalog (`lake.lock_key`): writers on one machine take turns
    (so dedupe's read-modify-write stays serial there), writers on different machines do not yet."""
    from ingest.warehouse import lake

    if lake.is_lake(warehouse):
        return FileLockGuard(Path(tempfile.gettempdir()) / f"ingest-lake-{lake.lock_key(str(warehouse))}")
    return FileLockGuard(warehouse)


class WarehouseBusy(WarehouseLocked):
    """Another run held the warehouse writer lock for longer than this run was willing to wait."""


@contextmanager
def writer_slot(settings: Settings, run_id: str | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse writer guard for one write, waiting at most `writer_timeout_seconds`; `on_wait` hears
    who holds it when this run has to wait."""
    guard = guard_for(settings.warehouse)
    holder = guard.holder()
    if holder is not None and on_wait is not None:
        on_wait(f"waiting for the warehouse writer lock, held by {holder.describe()}")
    try:
        with guard.hold(run_id, settings.writer_timeout_seconds):
            yield
    except WriterBusy as exc:
        raise WarehouseBusy(
            f"warehouse {settings.warehouse} is busy: waited {settings.writer_timeout_seconds:g}s for its writer "
            f"lock, held by {exc} (the writer timeout is INGEST_WRITER_TIMEOUT_SECONDS)"
        ) from None


@contextmanager
def writing(settings: Settings, run_id: str | None = None,
            on_wait: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened for writing, under its writer guard: the one way the pipeline writes."""
    with writer_slot(settings, run_id, on_wait), open_warehouse(settings) as con:
        yield con

"""The one-writer rule in the flows: every warehouse write holds the warehouse's writer guard.

The guard is an OS file lock beside the warehouse (`ingest.warehouse.writer_lock`): runs take turns per write, give up
with one clear line naming the holder after `writer_timeout_seconds`, and a run killed while holding it cannot block
anyone, because the kernel releases the lock with the dead process. (It replaces the Prefect global concurrency
slot `warehouse-writer`, which a killed run could hold until its lease expired or forever.) The guard is held
only around each write, never around extraction or NER, so readers and other runs get the file between batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run

from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseLocked
from ingest.warehouse.writer_lock import WriterBusy, guard_for


class WarehouseBusy(WarehouseLocked):
    """Another run held the warehouse writer lock for longer than this run was willing to wait."""


@contextmanager
def writer_slot(settings: Settings) -> Iterator[None]:
    """Hold the warehouse writer lock for the duration of one write, waiting at most `writer_timeout_seconds`."""
    guard = guard_for(settings.warehouse)
    holder = guard.holder()
    if holder is not None:
        _log(f"waiting for the warehouse writer lock, held by {holder.describe()}")
    try:
        with guard.hold(flow_run.id, settings.writer_timeout_seconds):
            yield
    except WriterBusy as exc:
        raise WarehouseBusy(
            f"warehouse {settings.warehouse} is busy: waited {settings.writer_timeout_seconds:g}s for its writer "
            f"lock, held by {exc} (the writer timeout is INGEST_WRITER_TIMEOUT_SECONDS)"
        ) from None


def _log(message: str) -> None:
    with suppress(MissingContextError):
        get_run_logger().info(message)

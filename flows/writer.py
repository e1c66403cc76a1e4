"""The one-writer rule in the flows: every warehouse write holds the warehouse's writer guard.

The guard is an OS file lock beside the warehouse (`ingest.warehouse.writer_lock`): runs take turns per write, give up
with one clear line naming the holder after `writer_timeout_seconds`, and a run killed while holding it cannot block
anyone, because the kernel releases the lock with the dead process. The guard is held only around each write, never
around extraction or NER, so readers and other runs get the file between batches. This module only adds what a
Prefect run knows: its flow run id (written into the lock as the holder) and its logger (told when it waits).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run

from ingest.settings import Settings
from ingest.warehouse import writer_lock
from ingest.warehouse.writer_lock import WarehouseBusy

__all__ = ["WarehouseBusy", "log_wait", "writer_slot"]


@contextmanager
def writer_slot(settings: Settings) -> Iterator[None]:
    """Hold the warehouse writer lock for the duration of one write, waiting at most `writer_timeout_seconds`."""
    with writer_lock.writer_slot(settings, flow_run.id, log_wait):
        yield


def log_wait(message: str) -> None:
    with suppress(MissingContextError):
        get_run_logger().info(message)

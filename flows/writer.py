"""The one-writer rule: every warehouse write in a flow holds the `warehouse-writer` global concurrency slot.

DuckDB lets one process open the file for writing. Runs scheduled at the same time would otherwise race for the
file lock; with the slot they queue in Prefect (the wait is visible in the UI), take turns per write, and give up
with one clear line after `writer_timeout_seconds`. The slot is held only around each write (a batch load, the
run record), never around extraction, so readers and other runs get the file between batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists

from ingest.settings import Settings
from ingest.warehouse import WarehouseLocked

WRITER_LIMIT = "warehouse-writer"

class WarehouseBusy(WarehouseLocked):
    """Another run held the warehouse-writer slot for longer than this run was willing to wait."""


def ensure_writer_limit(enforce: bool = False) -> None:
    """Create the global limit (one slot) if it is missing; with `enforce`, also set an existing one back to 1."""
    with get_client(sync_client=True) as client:
        if enforce:
            client.upsert_global_concurrency_limit_by_name(WRITER_LIMIT, 1)
        else:
            with suppress(ObjectAlreadyExists):
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WRITER_LIMIT, limit=1))


@contextmanager
def writer_slot(settings: Settings) -> Iterator[None]:
    """Hold the warehouse-writer slot for the duration of one write, waiting at most `writer_timeout_seconds`."""
    held = ExitStack()
    try:
        _acquire(held, settings)
    except TimeoutError as exc:
        raise WarehouseBusy(
            f"warehouse {settings.warehouse} is busy: another run held the '{WRITER_LIMIT}' slot for more than "
            f"{settings.writer_timeout_seconds:g}s; see the running flow runs in the Prefect UI "
            "(the writer timeout is INGEST_WRITER_TIMEOUT_SECONDS)"
        ) from exc
    with held:
        yield


def _acquire(held: ExitStack, settings: Settings) -> None:
    for first_try in (True, False):
        try:
            held.enter_context(concurrency(WRITER_LIMIT, occupy=1, timeout_seconds=settings.writer_timeout_seconds,
                                           strict=True, raise_on_lease_renewal_failure=False))
            return
        except ConcurrencySlotAcquisitionError:
            if not first_try:
                raise
            ensure_writer_limit()  # a server that never ran `ingest serve` (the embedded one of `ingest run`)

"""The one retry policy of every Prefect task: retry what can pass by itself, fail a bug at once.

Worth a retry: the warehouse busy (another process holds its file or its writer lock, a write-write conflict)
and the network failing (a connection refused or reset, a timeout, the Prefect API answering 5xx). Never
retried: a bug (ValueError, KeyError, a constraint or binder error...), a full disk, a corrupt warehouse or any
other fault an operator must fix: the same call would fail the same way, and the traceback belongs in the log
at once. Every task in `flows/` takes one of the two keyword sets below, so the rule is read in one place.
"""

from __future__ import annotations

from typing import Any

import duckdb
import httpx

from ingest.warehouse.connection import WarehouseLocked, is_lock_conflict

RETRY_DELAYS_SECONDS = [1, 5, 15]


def is_transient(error: BaseException | None) -> bool:
    """An error that a later attempt of the same call can get past."""
    if isinstance(error, WarehouseLocked):  # the file or the writer lock held by another run (and timed out)
        return True
    if isinstance(error, duckdb.TransactionException):  # a write-write conflict: the other writer has gone by now
        return "conflict" in str(error).lower()
    if isinstance(error, duckdb.IOException):
        return is_lock_conflict(error)
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500 or error.response.status_code == 429
    return isinstance(error, httpx.TransportError | ConnectionError | TimeoutError)


def retry_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Prefect's retry condition: the failed attempt raised a transient error."""
    return is_transient(state.result(raise_on_failure=False))


# A task touching the warehouse or a network service.
ON_TRANSIENT: dict[str, Any] = {"retries": len(RETRY_DELAYS_SECONDS), "retry_delay_seconds": RETRY_DELAYS_SECONDS,
                                "retry_condition_fn": retry_transient}
# A task that must run once: CPU work (a retry would do the same thing again) and page fetches, whose HTTP
# retries happen inside the fetcher with back-off and robots.txt pacing (a Prefect retry would refetch a batch).
NEVER: dict[str, Any] = {"retries": 0}

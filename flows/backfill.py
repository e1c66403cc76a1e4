"""Backfills: one flow run per data interval, created through the Prefect API (so each is visible in the UI and
executed by `ingest serve` or a worker), with at most `max_active` of them scheduled or running at once.

Runs are created, never reused: backfilling a range again runs every interval again, and the idempotent loads
make the repeat add nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client

from ingest.ops.intervals import Interval

ParametersFor = Callable[[Interval], dict[str, Any]]
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class BackfillError(RuntimeError):
    pass


@dataclass
class BackfillRun:
    interval: Interval
    flow_run_id: UUID
    name: str
    state: str = "SCHEDULED"
    message: str = ""

    @property
    def done(self) -> bool:
        return self.state in TERMINAL


def backfill(deployment: str, intervals: Sequence[Interval], parameters_for: ParametersFor, label: str,
             max_active: int = 2, poll_seconds: float = 1.0, pickup_timeout: float = 300.0,
             on_change: Callable[[BackfillRun], None] | None = None) -> list[BackfillRun]:
    """Run `deployment` once per interval, `max_active` at a time; returns every run in its final state."""
    if max_active < 1:
        raise BackfillError("--max-active must be at least 1")
    with get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name(deployment).id
        pending = list(intervals)
        active: list[BackfillRun] = []
        finished: list[BackfillRun] = []
        last_change = time.monotonic()
        while pending or active:
            while pending and len(active) < max_active:
                active.append(_create(client, deployment_id, pending.pop(0), parameters_for, label))
            for run in active:
                if _refresh(client, run):
                    last_change = time.monotonic()
                    if on_change:
                        on_change(run)
            finished += [run for run in active if run.done]
            active = [run for run in active if not run.done]
            waiting = bool(active) and all(run.state in ("SCHEDULED", "PENDING") for run in active)
            if waiting and time.monotonic() - last_change > pickup_timeout:
                raise BackfillError(f"no run of {deployment} started within {pickup_timeout:g}s: is `ingest serve` "
                                    "(or a worker of its pool) running against this Prefect server?")
            if active:
                time.sleep(poll_seconds)
    return sorted(finished, key=lambda run: run.interval)


def _create(client: SyncPrefectClient, deployment_id: UUID, interval: Interval, parameters_for: ParametersFor,
            label: str) -> BackfillRun:
    name = f"backfill-{label}-{interval[0]:%Y%m%dT%H%M}"
    created = client.create_flow_run_from_deployment(deployment_id, parameters=parameters_for(interval), name=name,
                                                     tags=["backfill"])
    return BackfillRun(interval, created.id, name)


def _refresh(client: SyncPrefectClient, run: BackfillRun) -> bool:
    state = client.read_flow_run(run.flow_run_id).state
    if state is None or (state.type.value == run.state and (state.message or "") == run.message):
        return False
    run.state, run.message = state.type.value, state.message or ""
    return True

"""`ingest-backfill`: one run of a deployment per data interval, as child flow runs of one parent (so the Prefect UI
shows the backfill with its intervals under it, and their combined counts), with at most `max_active` of them
scheduled or running at once. The children are executed wherever the deployment is served: `ingest serve`, or
the workers of its work pool. The parent runs in the calling process (`ingest backfill`), like `ingest-sharded`.

Runs are created, never reused: backfilling a range again runs every interval again, and the idempotent loads
make the repeat add nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State

from flows.children import (
    POLL_SECONDS,
    ChildrenNotPickedUp,
    ChildRun,
    ChildSpec,
    not_completed,
    read_counts,
    run_children,
)
from ingest.ops.intervals import Interval
from ingest.ops.quality import counts_by_run

BACKFILL_COUNTS_ARTIFACT_KEY = "ingest-backfill-counts"
BACKFILL_TAG = "backfill"
INTERVAL_COLUMN = "interval start"


class BackfillError(RuntimeError):
    pass


def check_deployment(deployment: str) -> None:
    """BackfillError naming what to start when the server has no such deployment."""
    with get_client(sync_client=True) as client:
        try:
            client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            raise BackfillError(f"no deployment {deployment} on the Prefect server: start `ingest serve` (or deploy "
                                "it to a work pool with `prefect deploy`) against this server") from None


def _start_text(interval: Interval, minute_format: str, second_format: str) -> str:
    """The interval's start to the minute, with its seconds only when it starts inside a minute (so names stay
    short and still unique)."""
    start = interval[0]
    return f"{start:{minute_format}}" + (f"{start:{second_format}}" if start.second else "")


def interval_label(interval: Interval) -> str:
    """`2024-05-01 00:00`: the interval's start as the parent's progress lines and counts table show it."""
    return _start_text(interval, "%Y-%m-%d %H:%M", ":%S")


def run_name(label: str, interval: Interval) -> str:
    """`backfill-bbc-world-20240501T0000`: the child flow run's name in the Prefect UI."""
    return f"backfill-{label}-" + _start_text(interval, "%Y%m%dT%H%M", "%S")


def child_specs(intervals: list[Interval], parameters: dict[str, Any], label: str) -> list[ChildSpec]:
    """One child per interval: `parameters` plus the interval's `start` and `end`, named after its start."""
    return [ChildSpec(interval_label(interval), run_name(label, interval),
                      {**parameters, "start": interval[0].isoformat(), "end": interval[1].isoformat()})
            for interval in intervals]


@flow(name="ingest-backfill", log_prints=False)
def ingest_backfill(deployment: str, intervals: list[Interval], parameters: dict[str, Any], label: str,
                    max_active: int = 2, pickup_seconds: float = 300.0,
                    poll_seconds: float = POLL_SECONDS) -> list[dict[str, object]]:
    """Run `deployment` once per interval (given `parameters` and the interval's start and end), `max_active` at
    a time; returns a row per run (interval start, run name, final state, message) and fails when one did not
    complete."""
    if max_active < 1:
        raise BackfillError("--max-active must be at least 1")
    get_run_logger().info("%d runs of %s, at most %d at once", len(intervals), deployment, max_active)
    try:
        runs = run_children(deployment, child_specs(intervals, parameters, label), [BACKFILL_TAG], max_active,
                            pickup_seconds, poll_seconds=poll_seconds,
                            not_picked_up=f"no run of {deployment} started within {pickup_seconds:g}s: is `ingest "
                                          "serve` (or a worker of its pool) running against this Prefect server?")
    except ChildrenNotPickedUp as exc:
        return Failed(message=str(exc))  # type: ignore[return-value]
    counts = read_counts(runs)
    create_table_artifact(key=BACKFILL_COUNTS_ARTIFACT_KEY, table=counts_by_run(counts, INTERVAL_COLUMN),
                          description=f"Counts per interval of the backfill of {label} ({deployment})")
    return _final_state(runs, sum(counts.values(), Counter()))  # type: ignore[return-value]


def _final_state(runs: list[ChildRun], total: Counter[str]) -> State:
    rows: list[dict[str, object]] = [
        {INTERVAL_COLUMN: run.label, "run": run.name, "state": run.state.lower(), "message": run.message}
        for run in runs]
    summary = (f"{len(runs)} intervals: loaded {total['loaded_articles']} articles, "
               f"{total['loaded_rejects']} new rejects")
    if failed := not_completed(runs):
        return Failed(message=f"{summary}; {', '.join(failed)}", data=rows)
    return Completed(message=summary, data=rows)

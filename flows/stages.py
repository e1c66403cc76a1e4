"""What the flows share: the library's batch-path stages run as Prefect tasks, and a run's set-up.

`ingest.pipeline` holds the order of the stages and each stage's logic; it calls every stage through a runner.
`prefect_stages` is that runner for the flows: each stage becomes a task named after it (so the Prefect UI shows
`transform-batch`, `write-batch`, `load-articles`... per batch, nested in the window that runs them) with the retry
policy of `flows.retries` chosen by what the stage touches: a stage that opens the warehouse retries when it is busy,
everything else (CPU work, page fetches, steps on an open connection, whose window retries) runs once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import State, StateType
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run
from prefect.states import Completed, Crashed, Failed
from prefect.utilities.annotations import quote

from flows.retries import NEVER, ON_TRANSIENT
from flows.writer import log_wait
from ingest import pipeline
from ingest.ops import faults, quality
from ingest.settings import Settings

T = TypeVar("T")
CRASHED_MESSAGE = "its process died (found by a later run, which finished the work it left)"
ENDED_MESSAGE = ("the run recorded its end ({status}) in the warehouse, but its process lost the Prefect server "
                 "before reporting it (found by a later run)")
RUNNING_FLOW_RUNS_READ = 200  # Running flow runs looked at per run start: the newest, far more than ever run at once


@cache
def task_for(stage: Callable[..., Any]) -> Task[Any, Any]:
    """The Prefect task of a library stage (one per stage, made once)."""
    policy = ON_TRANSIENT if pipeline.stage_kind(stage) == "warehouse" else NEVER
    return task(name=stage.__name__.replace("_", "-"), cache_policy=NO_CACHE, **policy)(stage)


def prefect_stages(stage: Callable[..., T], /, *args: Any) -> T:
    """The flows' stage runner: each stage a task run. Its arguments are quoted: Prefect would otherwise walk
    every one of them, down to each field of each document of the batch, looking for futures to wait on (a
    stage is given none), which cost the main process seconds per run; the task receives them unquoted."""
    return cast(T, task_for(stage)(*(quote(argument) for argument in args)))  # a sync stage: returns the result


def new_run(settings: Settings, workers: pipeline.RunWorkers) -> pipeline.BatchRun:
    """A flow run's way through the batch path: its run id is the flow run's, its stages are tasks, its batches
    log a line (which also advances the CLI's progress bar)."""
    return pipeline.BatchRun(settings, flow_run.id or uuid.uuid4().hex, workers, prefect_stages, log_wait,
                             log_batch)


def log_batch(number: int, inputs: int, counts: Counter[str]) -> None:
    get_run_logger().info("batch %d: %d inputs, %d articles, %d newly loaded", number, inputs, counts["articles"],
                          counts["loaded_articles"], extra={"ingest_progress": inputs})


def start(run: pipeline.BatchRun, flow_name: str | None, inputs: list[str]) -> Counter[str]:
    """A run's start: migrate the warehouse and record the run (see `pipeline.begin_run`), then finish what
    earlier runs left undone."""
    applied = prefect_stages(pipeline.begin_run, run, flow_run.id, flow_name, inputs)
    if applied:
        get_run_logger().info("warehouse migrated: %s", ", ".join(applied))
    faults.boundary("run_recorded")
    totals = pipeline.finish_unfinished(run, mark_flow_runs_crashed)
    report_lost_ends(run)
    if totals:
        get_run_logger().info("finished what earlier runs left undone: %d articles deduplicated, %d enriched",
                              totals["resumed_dedupe_articles"], totals["resumed_enrich_articles"])
    return totals


def finish(run: pipeline.BatchRun, totals: Counter[str]) -> None:
    prefect_stages(pipeline.end_run, run, "completed", dict(totals))
    get_run_logger().info("run complete: %s", ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))


def counts_table(counts: Counter[str]) -> list[dict[str, object]]:
    return quality.counts_rows(dict(counts))


def report_lost_ends(run: pipeline.BatchRun) -> None:
    """Give Prefect the final state of runs that recorded their end in the warehouse but lost their server before
    they could report it (it shows them Running for ever otherwise): Completed, Failed or Crashed as recorded."""
    running_filter = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])))
    with get_client(sync_client=True) as client:
        running = client.read_flow_runs(flow_run_filter=running_filter, limit=RUNNING_FLOW_RUNS_READ)
        candidates = [str(r.id) for r in running if str(r.id) != flow_run.id]
        ended = prefect_stages(pipeline.find_ended, run.settings, candidates) if candidates else []
        for flow_run_id, status in ended:
            client.set_flow_run_state(UUID(flow_run_id), _final_state(status), force=True)
    if ended:
        get_run_logger().warning("gave %d flow runs whose end Prefect never heard their recorded state", len(ended))


def _final_state(status: str) -> State[Any]:
    message = ENDED_MESSAGE.format(status=status)
    if status == "completed":
        return Completed(message=message)
    return Failed(message=message) if status == "failed" else Crashed(message=message)


def mark_flow_runs_crashed(flow_run_ids: Sequence[str]) -> None:
    """Tell the Prefect server about runs whose process died: it heard no final state, so it still shows them
    Running. A run it never knew (recorded on another server) is passed over."""
    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids:
            try:
                client.set_flow_run_state(UUID(flow_run_id), Crashed(message=CRASHED_MESSAGE), force=True)
            except (ObjectNotFound, ValueError):  # unknown here, or not a Prefect id
                continue
    get_run_logger().warning("marked %d flow runs whose process died as Crashed", len(flow_run_ids))

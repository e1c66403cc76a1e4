"""Child flow runs of a parent flow, the one way `ingest-sharded` and `ingest-backfill` run theirs: each child is a
run of a deployment submitted with `run_deployment(as_subflow=True)` (so the Prefect UI shows it under the parent),
at most `max_active` of them unfinished at once, followed to its final state through the API, and its counts read
back from the `ingest-run-counts` artifact it published (the parent needs no access to the warehouse).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

from flows.ingest_files import COUNTS_ARTIFACT_KEY  # what every loading flow (ingest-files, ingest-sources) publishes
from flows.retries import ON_TRANSIENT

TERMINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
WAITING = frozenset({"SCHEDULED", "PENDING"})  # a Late run is of type SCHEDULED
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class ChildSpec:
    """A child to submit: its label (its column or row in the parent's counts table), run name and parameters."""
    label: str
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # shown beside the label in progress lines, e.g. a shard's "12 files"


@dataclass
class ChildRun:
    label: str
    name: str
    flow_run_id: UUID
    state: str = "SCHEDULED"
    message: str = ""
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.state in TERMINAL

    @property
    def outcome(self) -> str:
        """`shard 2/3 crashed: no heartbeat for 90 s ...`: what an operator needs to know of a child."""
        return f"{self.label} {self.state.lower()}" + (f": {self.message}" if self.message else "")


class ChildrenNotPickedUp(RuntimeError):
    """Every unfinished child waited for a worker longer than the pick-up timeout; the message says what to start."""


def submit(deployment: str, spec: ChildSpec, tags: list[str]) -> ChildRun:
    """One run of `deployment`, a child of the calling flow run (`as_subflow`): not waited for here."""
    child = cast(FlowRun, run_deployment(deployment, parameters=spec.parameters, timeout=0, flow_run_name=spec.name,
                                         tags=tags, as_subflow=True))
    return ChildRun(spec.label, spec.name, child.id, detail=spec.detail)


def run_children(deployment: str, specs: Sequence[ChildSpec], tags: list[str], max_active: int,
                 pickup_seconds: float, not_picked_up: str, poll_seconds: float = POLL_SECONDS) -> list[ChildRun]:
    """Submit a child per spec, at most `max_active` unfinished at once, and follow each to its final state;
    returns them in the order of `specs`. Raises ChildrenNotPickedUp(`not_picked_up`) when every unfinished child
    has waited for a worker `pickup_seconds` with no child changing state meanwhile."""
    if max_active < 1:
        raise ValueError("max_active must be at least 1")
    logger = get_run_logger()
    pending = list(specs)
    runs: list[ChildRun] = []
    active: list[ChildRun] = []
    last_change = time.monotonic()
    with get_client(sync_client=True) as client:
        while pending or active:
            while pending and len(active) < max_active:
                active.append(submit(deployment, pending.pop(0), tags))
                runs.append(active[-1])
            for run in active:
                if refresh(client, run):
                    last_change = time.monotonic()
                    logger.info("%s: %s %s", run.label + (f" ({run.detail})" if run.detail else ""),
                                run.state.lower(), run.message)
            active = [run for run in active if not run.done]
            if active and all(run.state in WAITING for run in active) and \
                    time.monotonic() - last_change > pickup_seconds:
                raise ChildrenNotPickedUp(not_picked_up)
            if active:
                time.sleep(poll_seconds)
    return runs


def refresh(client: SyncPrefectClient, run: ChildRun) -> bool:
    """Read the child's state; True when it changed."""
    state = client.read_flow_run(run.flow_run_id).state
    if state is None or (state.type.value == run.state and (state.message or "") == run.message):
        return False
    run.state, run.message = state.type.value, state.message or ""
    return True


@task(name="read-child-counts", cache_policy=NO_CACHE, **ON_TRANSIENT)  # an API read: network errors only
def read_counts(runs: list[ChildRun]) -> dict[str, Counter[str]]:
    """Each child's counts by label, from the counts artifact it published; a child that published none (it failed
    first) counts nothing."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run.flow_run_id for run in runs]),
            key=ArtifactFilterKey(any_=[COUNTS_ARTIFACT_KEY])))
    by_run: dict[UUID, Counter[str]] = {}
    for artifact in found:
        rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        if artifact.flow_run_id is not None and isinstance(rows, list):
            by_run[artifact.flow_run_id] = Counter({str(r["counter"]): int(r["count"]) for r in rows})
    return {run.label: by_run.get(run.flow_run_id, Counter()) for run in runs}


def not_completed(runs: Sequence[ChildRun]) -> list[str]:
    """The outcome of each child that did not complete, for the parent's final state message."""
    return [run.outcome for run in runs if run.state != "COMPLETED"]

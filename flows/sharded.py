"""`ingest-sharded`: one run's inputs spread over Prefect workers. The parent splits the inputs into N shards (by a
hash of each file's path: `ingest.read.shards`), submits one run of the `ingest-files/shard` deployment per shard to
a process work pool (each a child of this run in the UI), waits for them and publishes their combined counts.

Thin: each child is the ordinary `ingest-files` flow reading only its shard's files, so every guarantee of the batch
path holds per child (idempotent loads, stage state, the writer lock that serialises the writes of all children
into one DuckDB file). The parent reads and writes no warehouse itself.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.deployments.runner import RunnerDeployment
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State
from prefect.types.entrypoint import EntrypointType

from flows.ingest_files import COUNTS_ARTIFACT_KEY, ingest_files
from flows.retries import ON_TRANSIENT
from ingest.ops.quality import counts_rows
from ingest.read.shards import Shard, shard_sizes

SHARD_DEPLOYMENT_NAME = "shard"
SHARD_DEPLOYMENT = f"ingest-files/{SHARD_DEPLOYMENT_NAME}"
SHARDED_COUNTS_ARTIFACT_KEY = "ingest-sharded-counts"
DEFAULT_POOL = "ingest"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
POLL_SECONDS = 2.0
SHARD_TAG = "shard"
# A shard's process beats every HEARTBEAT_SECONDS (Prefect's minimum); three beats missed and the server's automation
# marks the run Crashed: a worker or machine that dies mid-shard ends the parent instead of keeping it waiting.
HEARTBEAT_SECONDS = 30
SILENT_FOR = timedelta(seconds=3 * HEARTBEAT_SECONDS)
ZOMBIE_AUTOMATION = "ingest: crash shard runs whose heartbeat stopped"
ZOMBIE_MESSAGE = (f"no heartbeat for {SILENT_FOR.seconds} s: the process running this shard died (its worker or "
                  "machine); run the same command again to finish it")


class ShardingUnavailable(RuntimeError):
    """No work pool to send shards to; the message says what is needed."""


def what_is_needed(pool: str) -> str:
    return (f"`--shards` sends one child flow run per shard to the Prefect process work pool `{pool}`: it needs a "
            f"Prefect server (PREFECT_API_URL, or `ingest ui`), the pool (`prefect work-pool create {pool} --type "
            f"process`) and workers polling it (`prefect worker start --pool {pool}`)")


def check_pool(pool: str) -> str:
    """The pool's status (READY when a worker polls it), or ShardingUnavailable when it does not exist."""
    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            raise ShardingUnavailable(f"no work pool `{pool}` on the Prefect server: {what_is_needed(pool)}") from None
    return found.status.value if found.status else "UNKNOWN"


def deploy_shard_child(pool: str) -> str:
    """Create (or update) the deployment the shards run: `ingest-files` on `pool`, loaded by module path, so a
    worker needs this package installed and nothing else (no code download)."""
    deployment = cast(RunnerDeployment, ingest_files.to_deployment(
        name=SHARD_DEPLOYMENT_NAME, entrypoint_type=EntrypointType.MODULE_PATH,
        tags=["news-ingest", "writer", SHARD_TAG],
        job_variables={"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}},
        description="One shard of an `ingest-sharded` run: ingest-files over the shard's files only."))
    deployment.apply(work_pool_name=pool)
    return SHARD_DEPLOYMENT


def ensure_zombie_automation() -> None:
    """The server-side automation Prefect documents for zombie flow runs ("detect zombie flows"), kept to shard
    runs: after each heartbeat of a run tagged `shard`, another heartbeat or a final state is expected within
    SILENT_FOR, else the run is set Crashed. Created once per server."""
    with get_client(sync_client=True) as client:
        if client.read_automations_by_name(ZOMBIE_AUTOMATION):
            return
        client.create_automation(_zombie_automation())


def _zombie_automation() -> AutomationCore:
    return AutomationCore(
        name=ZOMBIE_AUTOMATION,
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification({"prefect.resource.role": "tag",
                                                 "prefect.resource.id": f"prefect.tag.{SHARD_TAG}"}),
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1, within=SILENT_FOR),
        actions=[ChangeFlowRunState(name="Crashed", state=StateType.CRASHED, message=ZOMBIE_MESSAGE, force=True)],
    )


@dataclass
class ShardRun:
    shard: Shard
    files: int
    flow_run_id: UUID
    state: str = "SCHEDULED"
    message: str = ""

    @property
    def done(self) -> bool:
        return self.state in TERMINAL


def submit(shard: Shard, files: int, parameters: dict[str, Any]) -> ShardRun:
    """One child flow run of the shard deployment, linked to this run as its parent (`as_subflow`)."""
    child = cast(FlowRun, run_deployment(
        SHARD_DEPLOYMENT, parameters={**parameters, "shard": shard.index, "shards": shard.count}, timeout=0,
        flow_run_name=f"shard-{shard.index + 1}-of-{shard.count}", tags=[SHARD_TAG], as_subflow=True))
    return ShardRun(shard, files, child.id)


def wait_for(runs: list[ShardRun], pool: str, pickup_seconds: float) -> None:
    """Poll the children until each has ended; fail when none has started within `pickup_seconds`."""
    logger = get_run_logger()
    started = time.monotonic()
    with get_client(sync_client=True) as client:
        while not all(run.done for run in runs):
            for run in runs:
                if not run.done and _refresh(client, run):
                    logger.info("%s (%d files): %s %s", run.shard.label, run.files, run.state.lower(), run.message)
            if all(run.state in ("SCHEDULED", "PENDING") for run in runs) and \
                    time.monotonic() - started > pickup_seconds:
                raise ShardingUnavailable(f"no shard started within {pickup_seconds:g}s: is a worker polling the "
                                          f"pool? (`prefect worker start --pool {pool}`)")
            if not all(run.done for run in runs):
                time.sleep(POLL_SECONDS)


def _refresh(client: SyncPrefectClient, run: ShardRun) -> bool:
    state = client.read_flow_run(run.flow_run_id).state
    if state is None or (state.type.value == run.state and (state.message or "") == run.message):
        return False
    run.state, run.message = state.type.value, state.message or ""
    return True


@task(name="read-shard-counts", cache_policy=NO_CACHE, **ON_TRANSIENT)  # an API read: network errors only
def read_shard_counts(runs: list[ShardRun]) -> dict[UUID, Counter[str]]:
    """Each child's counts, from the `ingest-run-counts` artifact it published (through the API: the parent
    needs no access to the warehouse)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run.flow_run_id for run in runs]),
            key=ArtifactFilterKey(any_=[COUNTS_ARTIFACT_KEY])))
    counts: dict[UUID, Counter[str]] = {}
    for artifact in found:
        rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        if artifact.flow_run_id is not None and isinstance(rows, list):
            counts[artifact.flow_run_id] = Counter({str(r["counter"]): int(r["count"]) for r in rows})
    return counts


def combined_table(runs: list[ShardRun], counts: dict[UUID, Counter[str]]) -> tuple[Counter[str], list[dict[str, Any]]]:
    """The counts summed over the shards, and a table of them with one column per shard."""
    total: Counter[str] = Counter()
    for run in runs:
        total.update(counts.get(run.flow_run_id, Counter()))
    rows = []
    for row in counts_rows(dict(total)):
        counter = str(row["counter"])
        per_shard = {run.shard.label: counts.get(run.flow_run_id, Counter())[counter] for run in runs}
        rows.append({"stage": row["stage"], "counter": counter, "total": row["count"], **per_shard})
    return total, rows


@flow(name="ingest-sharded", log_prints=False)
def ingest_sharded(paths: list[str], shards: int, warehouse_path: str | None = None, batch_size: int | None = None,
                   enrich: bool | None = None, pool: str = DEFAULT_POOL,
                   pickup_seconds: float = 300.0) -> dict[str, int]:
    """Split the files under `paths` into `shards` shards and load each in a child run on the work pool `pool`.
    Paths must name the same files on every worker (absolute paths on a shared file system)."""
    logger = get_run_logger()
    check_pool(pool)
    deploy_shard_child(pool)
    ensure_zombie_automation()
    sizes = shard_sizes(paths, shards)
    logger.info("%d files in %d shards: %s", sum(sizes), shards, ", ".join(str(size) for size in sizes))
    parameters = {"paths": paths, "warehouse_path": warehouse_path, "batch_size": batch_size, "enrich": enrich}
    runs = [submit(Shard(index, shards), size, parameters) for index, size in enumerate(sizes)]
    wait_for(runs, pool, pickup_seconds)
    total, rows = combined_table(runs, read_shard_counts(runs))
    create_table_artifact(key=SHARDED_COUNTS_ARTIFACT_KEY, table=rows,
                          description=f"Counts per stage over {shards} shards of {', '.join(paths)}")
    return _final_state(runs, total)  # type: ignore[return-value]


def _final_state(runs: list[ShardRun], total: Counter[str]) -> State:
    failed = [f"{run.shard.label} {run.state.lower()}" for run in runs if run.state != "COMPLETED"]
    summary = (f"{len(runs)} shards: loaded {total['loaded_articles']} articles, "
               f"{total['loaded_rejects']} new rejects")
    if failed:
        return Failed(message=f"{summary}; {', '.join(failed)}", data=dict(total))
    return Completed(message=summary, data=dict(total))

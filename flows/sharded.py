"""`ingest-sharded`: one run's inputs spread over Prefect workers. The parent splits the inputs into N shards (by a
hash of each file's path: `ingest.read.shards`), submits one run of the `ingest-files/shard` deployment per shard to
a process work pool (each a child of this run in the UI), waits for them and publishes their combined counts.

Thin: each child is the ordinary `ingest-files` flow reading only its shard's files, so every guarantee of the batch
path holds per child (idempotent loads, stage state, the writer lock that serialises the writes of all children
into one DuckDB file). The parent reads and writes no warehouse itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import cast

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments.runner import RunnerDeployment
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound
from prefect.states import Completed, Failed, State
from prefect.types.entrypoint import EntrypointType

from flows.children import ChildRun, ChildSpec, not_completed, read_counts, run_children
from flows.ingest_files import ingest_files
from ingest.ops.quality import counts_by_counter
from ingest.read.shards import Shard, shard_sizes

SHARD_DEPLOYMENT_NAME = "shard"
SHARD_DEPLOYMENT = f"ingest-files/{SHARD_DEPLOYMENT_NAME}"
SHARDED_COUNTS_ARTIFACT_KEY = "ingest-sharded-counts"
DEFAULT_POOL = "ingest"
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
    specs = [ChildSpec(Shard(index, shards).label, f"shard-{index + 1}-of-{shards}",
                       {**parameters, "shard": index, "shards": shards}, detail=f"{size} files")
             for index, size in enumerate(sizes)]
    runs = run_children(SHARD_DEPLOYMENT, specs, [SHARD_TAG], max_active=shards, pickup_seconds=pickup_seconds,
                        not_picked_up=f"no shard started within {pickup_seconds:g}s: is a worker polling the pool? "
                                      f"(`prefect worker start --pool {pool}`)")
    counts = read_counts(runs)
    create_table_artifact(key=SHARDED_COUNTS_ARTIFACT_KEY, table=counts_by_counter(counts),
                          description=f"Counts per stage over {shards} shards of {', '.join(paths)}")
    return _final_state(runs, sum(counts.values(), Counter()))  # type: ignore[return-value]


def _final_state(runs: list[ChildRun], total: Counter[str]) -> State:
    summary = (f"{len(runs)} shards: loaded {total['loaded_articles']} articles, "
               f"{total['loaded_rejects']} new rejects")
    if failed := not_completed(runs):
        return Failed(message=f"{summary}; {', '.join(failed)}", data=dict(total))
    return Completed(message=summary, data=dict(total))

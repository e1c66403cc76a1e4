"""A light stand-in for `ingest-sources` that the backfill tests deploy to a process work pool and a real worker
runs: it takes the same parameters, publishes an `ingest-run-counts` table whose figures depend on its interval
(so the parent's sum can be checked against each child's own), and fails the interval named by a source id
`fail-MMDD` (so a test picks which child fails from the command line, as an operator would see it)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.deployments.runner import RunnerDeployment
from prefect.states import Completed
from prefect.types.entrypoint import EntrypointType

from flows.children import COUNTS_ARTIFACT_KEY
from ingest.ops.quality import counts_rows


class ProbeFailure(RuntimeError):
    pass


def probe_counts(start: datetime) -> dict[str, int]:
    return {"inputs": start.day, "loaded_articles": start.day % 3, "loaded_rejects": 1}


@flow(name="backfill-probe", log_prints=False)
def backfill_probe(source_ids: list[str], start: datetime, end: datetime,
                   warehouse_path: str | None = None) -> dict[str, int]:
    if f"fail-{start:%m%d}" in source_ids:
        raise ProbeFailure(f"the probe fails the interval from {start:%Y-%m-%d}")
    counts = probe_counts(start)
    create_table_artifact(key=COUNTS_ARTIFACT_KEY, table=counts_rows(counts))
    return Completed(message=f"loaded {start.isoformat()}", data=counts)  # type: ignore[return-value]


def deploy(pool: str, name: str) -> str:
    """The probe as a deployment on `pool`, loaded by module path (the worker needs the checkout on PYTHONPATH)."""
    deployment = cast(RunnerDeployment, backfill_probe.to_deployment(name=name,
                                                                     entrypoint_type=EntrypointType.MODULE_PATH))
    deployment.apply(work_pool_name=pool)
    return f"backfill-probe/{name}"

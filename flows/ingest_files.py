"""The main flow: local files in, clean articles in the warehouse out. Thin: the stages and their order are
`ingest.pipeline`'s; this wires them as Prefect tasks (`flows.stages`) and publishes the run's counts and report."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.observability import publish_run_report
from flows.search_index import refresh_search_index
from flows.stages import counts_table, finish, new_run, start
from ingest import pipeline
from ingest.ops import faults, quality
from ingest.read.files import UNMATCHED_REASONS, unmatched_inputs
from ingest.read.shards import Shard
from ingest.settings import Settings

COUNTS_ARTIFACT_KEY = "ingest-run-counts"


@flow(name="ingest-files", log_prints=False)
def ingest_files(paths: list[str], warehouse_path: str | None = None, batch_size: int | None = None,
                 shard: int | None = None, shards: int = 1, enrich: bool | None = None) -> dict[str, int]:
    """Read every input under `paths` (with `shard`, only the files of shard `shard` of `shards`, 0-based: see
    `ingest.read.shards`), extract and clean each article, load them into the warehouse. `enrich` overrides
    INGEST_ENRICH (a worker's environment is not the command line's)."""
    overrides = {k: v for k, v in {"warehouse": warehouse_path, "batch_size": batch_size, "enrich": enrich}.items()
                 if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    part = Shard(shard, shards) if shard is not None else None
    logger = get_run_logger()
    for path, reason in unmatched_inputs(paths) if part is None or part.index == 0 else []:
        logger.warning("input %s: %s", path, UNMATCHED_REASONS[reason])
    with pipeline.RunWorkers(settings) as workers:
        run = new_run(settings, workers)
        totals = start(run, "ingest-files", paths)
        totals.update(pipeline.process_batches(run, pipeline.file_batches(paths, settings, part)))
    totals.update(refresh_search_index(settings))
    faults.boundary("before_finish")
    finish(run, totals)
    over = f"{part.label} of {', '.join(paths)}" if part else ", ".join(paths)
    create_table_artifact(key=COUNTS_ARTIFACT_KEY, table=counts_table(totals),
                          description=f"Counts per stage for run {run.run_id} over {over}")
    series = quality.series_for_paths("ingest-files", sorted(paths))
    verdict = publish_run_report(settings, run.run_id, f"{series} ({part.label})" if part else series, totals)
    # Prefect unwraps a returned state: callers get the dict, the UI shows the state's name and message on the run.
    return verdict.state(dict(totals))  # type: ignore[return-value]


if __name__ == "__main__":
    ingest_files([str(Path(__file__).resolve().parents[1] / "seeds")])

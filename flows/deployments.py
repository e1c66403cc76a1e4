"""Every deployment of the pipeline, served from one process by `ingest serve` (no work pool needed).

The same deployments are declared in `prefect.yaml` for `prefect deploy` + `prefect worker start --pool ingest`.

- `ingest-sources/ingest-sources`: one schedule per enabled source of `seeds/sources.csv` (its own cron); each
  run fetches the articles of its data interval (see flows/ingest_sources.py). `ingest backfill` runs it too.
- `ingest-files/ingest-files`: polls the inbox directory; loads are idempotent, so a poll over files already
  loaded costs a read and a hash per file and loads nothing. A poll that finds the previous one still running
  is cancelled rather than queued.
- `enrich-articles/enrich`: nightly re-enrichment of the articles whose text, model or gazetteer changed
  (stale only: after `ingest reprocess` or a gazetteer edit); new articles are enriched by the ingest runs.
- `maintenance/maintenance`: nightly checkpoint, vacuum/analyze and Parquet export.

Every write of every run holds the warehouse writer lock (see flows/writer.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Schedule

from flows.enrich import enrich_articles
from flows.ingest_files import ingest_files
from flows.ingest_sources import ingest_sources
from flows.maintenance import maintenance_flow
from ingest.settings import Settings
from ingest.warehouse.frontier import Source, read_sources_csv

TAGS = ["news-ingest"]


@dataclass(frozen=True)
class ServePlan:
    """Where the served deployments read and write, and how often they run."""

    settings: Settings
    inbox_every: timedelta = timedelta(minutes=5)
    maintenance_cron: str = "30 3 * * *"
    enrich_cron: str = "0 3 * * *"
    paused: frozenset[str] = field(default_factory=frozenset)  # deployment names created with schedules off


def source_schedules(sources: list[Source]) -> list[Schedule]:
    """One cron schedule per enabled source that has one; the run gets the source and the cron (its interval)."""
    return [Cron(s.schedule, timezone="UTC", slug=f"source-{s.source_id}",
                 parameters={"source_ids": [s.source_id], "cron": s.schedule})
            for s in sources if s.enabled and s.schedule]


def sources_deployment(plan: ServePlan) -> RunnerDeployment:
    sources = read_sources_csv(plan.settings.sources_csv) if plan.settings.sources_csv.exists() else []
    return cast(RunnerDeployment, ingest_sources.to_deployment(
        name="ingest-sources",
        schedules=source_schedules(sources),
        parameters={"warehouse_path": str(plan.settings.warehouse.absolute())},
        concurrency_limit=ConcurrencyLimitConfig(limit=4, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        description="Fetch and load the articles of one data interval of web sources (one schedule per source).",
        tags=[*TAGS, "writer", "web"],
        paused="ingest-sources" in plan.paused,
    ))


def files_deployment(plan: ServePlan) -> RunnerDeployment:
    return cast(RunnerDeployment, ingest_files.to_deployment(
        name="ingest-files",
        interval=plan.inbox_every,
        parameters={"paths": [str(plan.settings.inbox.absolute())],
                    "warehouse_path": str(plan.settings.warehouse.absolute())},
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Load every new file dropped in the inbox directory (polled).",
        tags=[*TAGS, "writer"],
        paused="ingest-files" in plan.paused,
    ))


def enrich_deployment(plan: ServePlan) -> RunnerDeployment:
    return cast(RunnerDeployment, enrich_articles.to_deployment(
        name="enrich",
        cron=plan.enrich_cron,
        parameters={"warehouse_path": str(plan.settings.warehouse.absolute()), "stale_only": True},
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Re-run NER and entity resolution over articles whose text, model or gazetteer changed.",
        tags=[*TAGS, "writer"],
        paused="enrich" in plan.paused,
    ))


def maintenance_deployment(plan: ServePlan) -> RunnerDeployment:
    return cast(RunnerDeployment, maintenance_flow.to_deployment(
        name="maintenance",
        cron=plan.maintenance_cron,
        parameters={"warehouse_path": str(plan.settings.warehouse.absolute()),
                    "export_dir": str(plan.settings.export_dir.absolute())},
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="Checkpoint and analyze the warehouse, then export the analyst tables as Parquet.",
        tags=[*TAGS, "writer"],
        paused="maintenance" in plan.paused,
    ))


def build_deployments(plan: ServePlan) -> list[RunnerDeployment]:
    return [sources_deployment(plan), files_deployment(plan), enrich_deployment(plan), maintenance_deployment(plan)]


def serve_all(plan: ServePlan, limit: int | None = None) -> None:
    """Serve every deployment until interrupted (Ctrl-C pauses their schedules)."""
    plan.settings.inbox.mkdir(parents=True, exist_ok=True)
    serve(*build_deployments(plan), limit=limit)


if __name__ == "__main__":
    serve_all(ServePlan(Settings()))

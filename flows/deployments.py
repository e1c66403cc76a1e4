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
from typing import Any, cast

from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval, Schedule

from flows.enrich import enrich_articles
from flows.ingest_files import ingest_files
from flows.ingest_sources import ingest_sources
from flows.maintenance import maintenance_flow
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
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


def build_deployments(plan: ServePlan) -> list[RunnerDeployment]:
    sources = read_sources_csv(plan.settings.sources_csv) if plan.settings.sources_csv.exists() else []
    return [
        _deployment(plan, ingest_sources, "ingest-sources", source_schedules(sources), {},
                    "Fetch and load the articles of one data interval of web sources (one schedule per source).",
                    ConcurrencyLimitConfig(limit=4, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE), ["web"]),
        _deployment(plan, ingest_files, "ingest-files", [Interval(plan.inbox_every)],
                    {"paths": [str(plan.settings.inbox.absolute())]},
                    "Load every new file dropped in the inbox directory (polled)."),
        _deployment(plan, enrich_articles, "enrich", [Cron(plan.enrich_cron)], {"stale_only": True},
                    "Re-run NER and entity resolution over articles whose text, model or gazetteer changed."),
        _deployment(plan, maintenance_flow, "maintenance", [Cron(plan.maintenance_cron)],
                    {"export_dir": str(plan.settings.export_dir.absolute())},
                    "Checkpoint and analyze the warehouse, then export the analyst tables as Parquet."),
    ]


# A run that finds the previous one of its deployment still running is cancelled rather than queued.
_ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)


def _deployment(plan: ServePlan, flow: Flow[..., Any], name: str, schedules: list[Schedule],
                parameters: dict[str, Any], description: str,
                concurrency: ConcurrencyLimitConfig = _ONE_AT_A_TIME, tags: list[str] | None = None,
                ) -> RunnerDeployment:
    """One served deployment: every one writes the warehouse (`writer` tag) and may start paused."""
    return cast(RunnerDeployment, flow.to_deployment(
        name=name,
        schedules=schedules,
        parameters={"warehouse_path": warehouse.flow_parameter(plan.settings), **parameters},
        concurrency_limit=concurrency,
        description=description,
        tags=[*TAGS, "writer", *(tags or [])],
        paused=name in plan.paused,
    ))


def serve_all(plan: ServePlan, limit: int | None = None) -> None:
    """Serve every deployment until interrupted (Ctrl-C pauses their schedules)."""
    plan.settings.inbox.mkdir(parents=True, exist_ok=True)
    serve(*build_deployments(plan), limit=limit)


if __name__ == "__main__":
    serve_all(ServePlan(Settings()))

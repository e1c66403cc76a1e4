"""What an operator sees of a run in the Prefect UI: data-quality and source-health artifacts, stage log lines,
and a state message that says what looks wrong. Keyed artifacts, so the UI shows each key's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from flows.retries import ON_TRANSIENT
from flows.writer import writer_slot
from ingest.ops import quality
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse

QUALITY_ARTIFACT_KEY = "ingest-data-quality"
SOURCE_HEALTH_ARTIFACT_KEY = "ingest-source-health"
# A Completed state with its own name: still a success (exit 0, downstream runs go on), but the run list's badge
# reads differently from the plain green "Completed" of the runs that looked right.
WARNING_STATE_NAME = "Completed with warnings"


@dataclass(frozen=True)
class RunReport:
    quality: quality.QualityReport
    source_health: list[dict[str, object]]


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def assess_run(settings: Settings, run_id: str, series: str) -> RunReport:
    """Measure the run's data quality against its series' recent runs and record the figures."""
    with warehouse.open_warehouse(settings) as con:
        report = quality.assess(con, run_id, series, settings.quality_flag_factor, settings.quality_history_runs)
        quality.record(con, report, warehouse.new_load_id())
        health = quality.table_rows(con, "source_health")
    return RunReport(report, health)


@dataclass(frozen=True)
class RunVerdict:
    """What a run's final state says: its message, and whether something looked wrong."""

    message: str
    flagged: bool

    def state(self, data: Any, prefix: str = "") -> State:
        """A Completed state; a flagged run is named so that it stands out in the UI's run list."""
        name = WARNING_STATE_NAME if self.flagged else "Completed"
        return Completed(name=name, message=f"{prefix}{self.message}", data=data)


def publish_run_report(settings: Settings, run_id: str, series: str, counts: Mapping[str, int],
                       sources: Sequence[str] | None = None) -> RunVerdict:
    """Log one line per stage, publish the keyed artifacts, and return the verdict for the run's final state.

    `sources`: the web sources the run fetched ([] for all), whose health is checked; None for a run that fetched
    none (its message does not speak for sources it never touched)."""
    logger = get_run_logger()
    for line in quality.stage_lines(dict(counts)):
        logger.info(line)
    with writer_slot(settings):  # the run report is a write (run_quality)
        report = assess_run(settings, run_id, series)
    create_markdown_artifact(key=QUALITY_ARTIFACT_KEY, markdown=report.quality.markdown(),
                             description=f"Data quality of run {run_id} ({series})")
    if report.source_health:
        create_table_artifact(key=SOURCE_HEALTH_ARTIFACT_KEY, table=report.source_health,
                              description="Per source: last success, failure rate by outcome, median latency")
    health = [row for row in report.source_health if not sources or row.get("source_id") in sources]
    failing = quality.failing_sources(health) if sources is not None else []
    problems = [p for p in (report.quality.state_message(), *failing) if p]
    if problems:
        message = "; ".join(problems)
        logger.warning(message)
        return RunVerdict(message, flagged=True)
    loaded, rejected = counts.get("loaded_articles", 0), counts.get("loaded_rejects", 0)
    return RunVerdict(f"loaded {loaded} articles, {rejected} new rejects; {report.quality.verdict()}", flagged=False)

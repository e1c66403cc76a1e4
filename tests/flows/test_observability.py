"""What an operator sees of a run, published from a flow of this process to a temporary Prefect server: one log
line per stage, the data-quality artifact, the figures recorded for later runs, and a verdict whose state is
named differently when something looked wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.observability import QUALITY_ARTIFACT_KEY, WARNING_STATE_NAME, RunVerdict, publish_run_report
from ingest import pipeline
from ingest.settings import Settings
from tests.support.news_pages import TOPICS, write_articles

pytestmark = pytest.mark.usefixtures("prefect_harness")


@flow(name="report-probe")
def _report(settings: Settings, run_id: str, counts: dict[str, int]) -> RunVerdict:
    return publish_run_report(settings, run_id, "probe-series", counts)


async def _quality_artifacts() -> list[str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[QUALITY_ARTIFACT_KEY])))
        return [str(a.data) for a in found]


def test_a_run_report_is_published_recorded_and_summed_up(settings: Settings, tmp_path: Path,
                                                         query: Callable[..., list[tuple]],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    counts = pipeline.run_batches(write_articles(tmp_path / "pages", TOPICS[:3]), settings, "run-1")
    with caplog.at_level("INFO"):
        verdict = _report(settings, "run-1", dict(counts))
    assert not verdict.flagged
    assert verdict.message.startswith(f"loaded {counts['loaded_articles']} articles, ")
    assert "baseline not set yet" in verdict.message  # the series' first run has nothing to compare with
    stage_lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("load: ")]
    assert len(stage_lines) == 1 and f"loaded_articles={counts['loaded_articles']}" in stage_lines[0]
    assert query(settings, "select distinct series from run_quality where run_id = 'run-1'") == [("probe-series",)]
    artifacts = asyncio.run(_quality_artifacts())
    assert [text for text in artifacts if "Data quality of run `run-1`" in text and "Series `probe-series`" in text]


def test_a_flagged_verdict_completes_under_its_own_name() -> None:
    flagged, fine = RunVerdict("data quality looks off: empty bodies", True), RunVerdict("loaded 3", False)
    warning, completed = flagged.state({"loaded_articles": 3}, prefix="run: "), fine.state({})
    assert warning.is_completed() and completed.is_completed()  # a warning is still a success
    assert (warning.name, completed.name) == (WARNING_STATE_NAME, "Completed")
    assert warning.message == "run: data quality looks off: empty bodies"

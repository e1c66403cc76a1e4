"""A flow run's start (flows.stages) finishes what a dead run left: a real `ingest run` killed by SIGKILL right
after its first load commit, then `pipeline.finish_unfinished` with the flows' `mark_flow_runs_crashed`, in a flow of
this process, deduplicates and enriches exactly those articles, marks the dead run
crashed, and a second call finds nothing left. And a run that recorded its end but never reported it to Prefect
(its server went away) is given its recorded state (`report_lost_ends`)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import duckdb
import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Running

from flows.stages import CRASHED_MESSAGE, ENDED_MESSAGE, mark_flow_runs_crashed, new_run, report_lost_ends
from ingest import pipeline
from ingest.entities.ner import Enricher
from ingest.ops.faults import CRASH_AT_ENV
from ingest.settings import Settings
from tests.support.news_pages import TOPICS, write_articles

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@flow(name="resume-probe")
def _resume(settings: Settings, run_id: str, enricher: Enricher) -> dict[str, int]:
    workers = pipeline.RunWorkers(settings, enricher)
    try:
        run = new_run(settings, workers)
        run = pipeline.BatchRun(settings, run_id, workers, run.stages, run.on_wait, run.on_batch)
        return dict(pipeline.finish_unfinished(run, mark_flow_runs_crashed))
    finally:
        workers.extraction.close()  # the shared enricher stays open for the module


@flow(name="lost-ends-probe")
def _report_lost_ends(settings: Settings, enricher: Enricher) -> None:
    workers = pipeline.RunWorkers(settings, enricher)
    try:
        report_lost_ends(new_run(settings, workers))
    finally:
        workers.extraction.close()


def _ingest_env(**extra: str) -> dict[str, str]:
    """`ingest run` reporting to this module's Prefect server (a temporary server of its own would outlive it)."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "INGEST_"))}
    env.update({"PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "INGEST_NER_PROCESSES": "1", "INGEST_EXTRACTION_WORKERS": "1", **extra})
    return env


def _killed_after_first_load(pages: Path, warehouse: Path, run_ingest: Callable[..., int]) -> None:
    """`ingest run` SIGKILLed by its own crash point right after its first load commits."""
    assert run_ingest(pages, warehouse, 3, _ingest_env(**{CRASH_AT_ENV: "after_load:1"})) == -signal.SIGKILL


def test_a_later_run_finishes_the_stages_a_killed_run_left(tmp_path: Path, settings: Settings, enricher: Enricher,
                                                           query: Callable[..., list[tuple]],
                                                           run_ingest: Callable[..., int]) -> None:
    write_articles(tmp_path / "pages", TOPICS[:3])
    _killed_after_first_load(tmp_path / "pages", settings.warehouse, run_ingest)
    assert query(settings, "select count(*) from articles") == [(3,)]
    assert query(settings, "select count(*) from article_enrichment") == [(0,)]
    [(dead_run, flow_run_id)] = query(settings, "select run_id, flow_run_id from runs")

    totals = _resume(settings, "resume-run", enricher)
    assert totals["resumed_dedupe_articles"] == 3 and totals["resumed_enrich_articles"] == 3
    assert query(settings, "select count(distinct article_id) from article_enrichment") == [(3,)]
    assert query(settings, "select count(*) from article_stories") == [(3,)]  # each article is in its story
    assert query(settings, "select status from runs where run_id = ?", [dead_run]) == [("crashed",)]
    with get_client(sync_client=True) as client:  # the server heard no final state: it is told the run crashed
        state = client.read_flow_run(UUID(flow_run_id)).state
    assert state is not None and state.type.value == "CRASHED" and state.message == CRASHED_MESSAGE

    assert _resume(settings, "resume-run-2", enricher) == {}  # nothing left to finish
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (3,)  # and nothing loaded twice


def test_a_run_whose_end_prefect_never_heard_is_given_its_recorded_state(
        tmp_path: Path, settings: Settings, enricher: Enricher, query: Callable[..., list[tuple]],
        run_ingest: Callable[..., int]) -> None:
    write_articles(tmp_path / "pages", TOPICS[:2])
    assert run_ingest(tmp_path / "pages", settings.warehouse, 2, _ingest_env()) == 0
    [(flow_run_id, status)] = query(settings, "select flow_run_id, status from runs")
    assert status == "completed"
    with get_client(sync_client=True) as client:  # as if its server died before the run could report its end
        client.set_flow_run_state(UUID(flow_run_id), Running(), force=True)

    _report_lost_ends(settings, enricher)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(flow_run_id)).state
    assert state is not None and state.type.value == "COMPLETED"
    assert state.message == ENDED_MESSAGE.format(status="completed")

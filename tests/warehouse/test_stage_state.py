"""Stage state read from the warehouse: what each stage has left to do, and which runs died."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from ingest import pipeline
from ingest.cli import app
from ingest.read.files import read_inputs
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import stage_state
from tests.support.news_pages import TOPICS, write_articles


def _load_only(settings: Settings, paths: list[Path], run_id: str) -> str:
    """What a run killed right after its load commit leaves: articles, no dedupe, no enrichment."""
    items = list(read_inputs([str(p) for p in paths], settings))
    result = pipeline.transform(items, settings, set())
    with warehouse.open_warehouse(settings) as con:
        warehouse.start_run(con, run_id, None, "ingest-files", ["test"])
        return pipeline.load_new(con, result, run_id)[1].load_id


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _set_run_process(settings: Settings, run_id: str, pid: int) -> None:
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("update runs set pid = ?, process_started = null where run_id = ?", [pid, run_id])


def test_loaded_articles_await_dedupe_and_enrichment_until_each_stage_has_run(settings: Settings,
                                                                             tmp_path: Path) -> None:
    first = _load_only(settings, write_articles(tmp_path / "a", TOPICS[:3]), "killed-run")
    _set_run_process(settings, "killed-run", _dead_pid())
    with warehouse.open_warehouse(settings) as con:
        assert stage_state.mark_crashed(con) == ["killed-run"]
        pending = stage_state.pending_work(con)
    assert [load for load, _ in pending.dedupe] == [first] == [load for load, _ in pending.enrichment]
    assert pending.articles_awaiting_dedupe == pending.articles_awaiting_enrichment == 3

    with warehouse.open_warehouse(settings) as con:
        pipeline.dedupe_articles(con, settings, pending.dedupe[0][1], first)
        after = stage_state.pending_work(con)
    assert after.dedupe == [] and after.articles_awaiting_enrichment == 3


def test_the_work_of_a_live_run_is_left_to_it_and_only_dead_runs_are_marked_crashed(settings: Settings,
                                                                                  tmp_path: Path) -> None:
    _load_only(settings, write_articles(tmp_path / "a", TOPICS[:2]), "live-run")  # this process: alive
    with warehouse.open_warehouse(settings) as con:
        assert stage_state.mark_crashed(con) == []
        assert stage_state.pending_work(con).dedupe == []  # another run's, still working on it
        assert stage_state.pending_work(con, run_id="live-run").articles_awaiting_dedupe == 2  # its own
        assert con.execute("select status, pid, host from runs").fetchall() == [
            ("running", os.getpid(), stage_state.socket.gethostname())]


def test_a_recycled_pid_is_not_taken_for_the_runs_process(settings: Settings, tmp_path: Path) -> None:
    _load_only(settings, write_articles(tmp_path / "a", TOPICS[:1]), "old-run")
    with duckdb.connect(str(settings.warehouse)) as con:  # our pid, but a process that started at another time
        con.execute("update runs set process_started = process_started - 1000")
    with warehouse.open_warehouse(settings) as con:
        assert stage_state.mark_crashed(con) == ["old-run"]


def test_status_shows_runs_that_died_and_the_work_they_left(settings: Settings, tmp_path: Path) -> None:
    _load_only(settings, write_articles(tmp_path / "a", TOPICS[:2]), "killed-run")
    _set_run_process(settings, "killed-run", _dead_pid())
    result = CliRunner().invoke(app, ["status", "-w", str(settings.warehouse)])
    assert result.exit_code == 0, result.output
    assert "Runs that died" in result.output and "killed-run" in result.output
    assert "UNFINISHED 2 articles await dedupe, 2 await enrichment" in result.output


def test_pending_work_comes_load_by_load_in_load_order_for_each_stage(settings: Settings, tmp_path: Path) -> None:
    first = _load_only(settings, write_articles(tmp_path / "a", TOPICS[:2]), "run-1")
    second = _load_only(settings, write_articles(tmp_path / "b", TOPICS[2:5]), "run-2")
    with warehouse.open_warehouse(settings) as con:
        for run_id in ("run-1", "run-2"):
            warehouse.finish_run(con, run_id, "failed", {})
        pending = stage_state.pending_work(con)
    assert [(load, len(ids)) for load, ids in pending.dedupe] == [(first, 2), (second, 3)]
    assert pending.enrichment == pending.dedupe and all(ids == sorted(ids) for _, ids in pending.dedupe)
    with warehouse.open_warehouse(settings) as con:  # the later load first: the order stays
        pipeline.dedupe_articles(con, settings, pending.dedupe[1][1], second)
    with warehouse.open_warehouse(settings) as con:
        after = stage_state.pending_work(con)
    assert after.dedupe == pending.dedupe[:1] and after.enrichment == pending.enrichment

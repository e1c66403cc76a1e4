"""Deployments served by `ingest serve` against a real `prefect server start` on loopback.

One server and one `ingest serve` process per module. Runs are triggered and checked only through the
Prefect REST API (flow run, task runs, artifacts), and the warehouse is read back with DuckDB.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import SEED_ARTICLE
from tests.news_pages import TOPICS, write_articles
from tests.prefect_server import (
    BIN,
    PrefectServer,
    artifacts,
    deployment_id,
    flow_run,
    flow_runs_of,
    holding_writer_slot,
    prefect_server,
    run_deployment,
    start_process,
    stop_process,
    table_data,
    task_runs,
    wait_for_state,
    wait_until,
)

pytestmark = pytest.mark.slow

@dataclass(frozen=True)
class Stack:
    server: PrefectServer
    api: httpx.Client
    warehouse: Path
    inbox: Path
    workdir: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("served")
    inbox = workdir / "inbox"
    write_articles(inbox, TOPICS[:3])
    shutil.copy(SEED_ARTICLE, inbox)
    (inbox / "junk.html").write_bytes(b"\0\1\2" * 100)
    warehouse = workdir / "news.duckdb"
    with prefect_server(workdir) as server, server.api() as api:
        env = server.client_env(INGEST_WAREHOUSE=str(warehouse), INGEST_INBOX=str(inbox),
                                INGEST_EXPORT_DIR=str(workdir / "export"), INGEST_BATCH_SIZE="2")
        serve = start_process([str(BIN / "ingest"), "serve", "--pause", "ingest-files", "--pause", "maintenance"],
                              env, workdir / "ingest-serve.log")
        try:
            wait_until(lambda: deployment_id(api, "ingest-files/ingest-files") and
                       deployment_id(api, "maintenance/maintenance"), 120, "ingest serve deployments", serve)
            yield Stack(server, api, warehouse, inbox, workdir)
        finally:
            stop_process(serve)


def _loaded(warehouse: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


def test_a_served_deployment_run_shows_its_tasks_artifacts_and_articles(stack: Stack) -> None:
    run_id = run_deployment(stack.api, "ingest-files/ingest-files")
    run = wait_for_state(stack.api, run_id)
    assert run["state_type"] == "COMPLETED", run["state"]
    assert run["state"]["message"].startswith("loaded 4 articles, 1 new rejects")

    tasks = task_runs(stack.api, run_id)
    by_task = Counter(t["name"].rsplit("-", 1)[0] for t in tasks)
    # 5 inputs in batches of 2: three batches, each found/transformed/loaded/deduplicated once
    expected = {"record_run": 2, "find_loaded": 3, "transform_batch": 3, "load_batch": 3, "assess_run": 1}
    assert {name: by_task[name] for name in expected} == expected
    assert {t["state_type"] for t in tasks} == {"COMPLETED"}

    found = artifacts(stack.api, run_id)
    assert {"ingest-run-counts", "ingest-data-quality"} <= set(found)
    counts = {row["stage"]: row["count"] for row in table_data(found["ingest-run-counts"])}
    assert counts["inputs"] == 5 and counts["loaded_articles"] == 4
    assert counts["rejected:extract:binary_content"] == 1
    markdown = found["ingest-data-quality"]["data"]
    assert "| articles loaded | 4 |" in markdown
    assert "| share with author | 100.0% |" in markdown and "| share with publication date | 75.0% |" in markdown

    assert _loaded(stack.warehouse, "select count(*) from articles") == [(4,)]
    assert _loaded(stack.warehouse, "select flow_run_id, status from runs") == [(run_id, "completed")]

    status = subprocess.run([str(BIN / "ingest"), "status", "-w", str(stack.warehouse)], capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert f"ingest-files:{stack.inbox}" in status.stdout and "articles loaded" in status.stdout


def _interval(run: dict[str, object]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(str(run["start_time"])), datetime.fromisoformat(str(run["end_time"]))


def test_two_writing_runs_at_once_take_turns_and_lose_nothing(stack: Stack) -> None:
    first = write_articles(stack.workdir / "first", TOPICS[3:6])
    second = write_articles(stack.workdir / "second", TOPICS[6:9])
    shared = write_articles(stack.workdir / "shared", TOPICS[9:10])[0]
    before = len(flow_runs_of(stack.api, "ingest-files"))
    articles_before = _loaded(stack.warehouse, "select count(*) from articles")[0][0]
    with holding_writer_slot(stack.api):  # both runs start while the warehouse is taken, so they overlap
        served = run_deployment(stack.api, "ingest-files/ingest-files",
                                {"paths": [str(p) for p in (*first, shared)], "batch_size": 1})
        manual = subprocess.Popen(
            [str(BIN / "ingest"), "run", *map(str, second), str(shared), "--batch-size", "1",
             "-w", str(stack.warehouse)],
            env=stack.server.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_state(stack.api, served, {"RUNNING"}, timeout=120)
            wait_until(lambda: len([r for r in flow_runs_of(stack.api, "ingest-files")
                                    if r["state_type"] == "RUNNING"]) == 2, 120, "both runs running")
            time.sleep(1)
        except BaseException:
            manual.kill()
            raise
    _out, err = manual.communicate(timeout=300)
    assert manual.returncode == 0, err[-2000:]
    runs = [r for r in flow_runs_of(stack.api, "ingest-files")]
    assert len(runs) == before + 2
    served_run = wait_for_state(stack.api, served)
    [manual_run] = [r for r in runs if r["id"] != served and r["deployment_id"] is None]
    manual_run = flow_run(stack.api, manual_run["id"])
    assert served_run["state_type"] == manual_run["state_type"] == "COMPLETED"

    a, b = _interval(served_run), _interval(manual_run)
    assert a[0] < b[1] and b[0] < a[1], "the two runs did not overlap in time"
    loads = sorted(
        (datetime.fromisoformat(t["start_time"]), datetime.fromisoformat(t["end_time"]), run_id)
        for run_id in (served, manual_run["id"]) for t in task_runs(stack.api, run_id)
        if t["name"].startswith("load_batch"))
    assert len(loads) == 8 and {run for *_, run in loads} == {served, manual_run["id"]}
    for (_, end, _), (start, _, _) in zip(loads, loads[1:], strict=False):
        assert end <= start, "two loads held the warehouse at the same time"

    titles = {t for (t,) in _loaded(stack.warehouse, "select title from articles")}
    assert {f"News about the {topic}" for topic in TOPICS[:10]} <= titles
    after = articles_before + 7  # the shared file is loaded once, by whichever run got to it first
    assert _loaded(stack.warehouse, "select count(*), count(distinct article_id) from articles") == [(after, after)]


def test_a_run_that_cannot_get_the_writer_slot_waits_then_fails_in_one_line(stack: Stack) -> None:
    inputs = write_articles(stack.workdir / "late", TOPICS[10:12])
    with holding_writer_slot(stack.api):
        result = subprocess.run(
            [str(BIN / "ingest"), "run", *map(str, inputs), "-w", str(stack.warehouse)],
            env=stack.server.client_env(INGEST_WRITER_TIMEOUT_SECONDS="3"), capture_output=True, text=True,
            timeout=300)
    assert result.returncode == 1
    # Prefect's run log (above) keeps the traceback; the command ends on one plain line saying what to do
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: warehouse") and "is busy" in last and "warehouse-writer" in last
    failed = [r for r in flow_runs_of(stack.api, "ingest-files") if r["state_type"] == "FAILED"]
    assert len(failed) == 1 and "is busy" in failed[0]["state"]["message"]
    assert _loaded(stack.warehouse, "select count(*) from articles where title like '%ferry%'") == [(0,)]


def test_the_maintenance_deployment_checkpoints_and_exports_parquet(stack: Stack) -> None:
    run_id = run_deployment(stack.api, "maintenance/maintenance")
    run = wait_for_state(stack.api, run_id)
    assert run["state_type"] == "COMPLETED", run["state"]
    exported = {row["table"]: row["rows"] for row in table_data(artifacts(stack.api, run_id)["warehouse-export"])}
    articles = _loaded(stack.warehouse, "select count(*) from articles")[0][0]
    assert exported["articles"] == articles
    with duckdb.connect() as con:
        files = str(stack.workdir / "export" / "articles" / "*" / "*.parquet")
        row = con.execute(f"select count(*), count(distinct article_date) from read_parquet('{files}', "
                          "hive_partitioning = true)").fetchone()
    assert row is not None and row[0] == articles and row[1] >= 2

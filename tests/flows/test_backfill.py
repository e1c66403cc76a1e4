"""`ingest backfill` on a real Prefect server with a real process worker: an `ingest-backfill` parent run whose
children (read back from the API) are one run per interval with its parameters, at most `--max-active` of them
unfinished at once, the parent's counts table the sum of the children's own, a failed interval failing the parent
by name (exit 1), a repeat running every interval again, and one clear line when nothing picks the runs up.

The deployment backfilled is `tests.support.backfill_probe` (the parameters of `ingest-sources`, no web site): the
parent's wiring is what is tested here; `ingest-sources` itself is tested in test_ingest_sources.py."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from flows.backfill import BACKFILL_COUNTS_ARTIFACT_KEY, INTERVAL_COLUMN, child_specs
from flows.children import COUNTS_ARTIFACT_KEY, ChildRun
from ingest.ops.intervals import split
from tests.support import backfill_probe
from tests.support.paths import BIN, REPO_ROOT
from tests.support.prefect_server import PrefectServer

POOL, IDLE_POOL = "backfill-test", "backfill-idle"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path,
           start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]],
           create_process_pool: Callable[[PrefectServer, str], None],
           start_worker: Callable[..., subprocess.Popen[bytes]],
           stop_process: Callable[..., None],
           prefect_client_of: Callable[[str], AbstractContextManager[None]]) -> Iterator[PrefectServer]:
    """The server, the probe deployed to a pool one worker polls (one run at a time) and to a pool nobody polls."""
    workdir = tmp_path_factory.mktemp("backfill-prefect")
    with start_prefect_server(workdir) as running, ExitStack() as stack:
        for pool in (POOL, IDLE_POOL):
            create_process_pool(running, pool)
        with prefect_client_of(running.api_url):
            backfill_probe.deploy(POOL, "worked")
            backfill_probe.deploy(IDLE_POOL, "unserved")
        worker = start_worker(running, POOL, "backfill-worker", workdir / "worker.log", PYTHONPATH=str(REPO_ROOT))
        stack.callback(stop_process, worker)
        yield running


def backfill(server: PrefectServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "ingest"), "backfill", *args], env=server.client_env(), capture_output=True,
                          text=True, timeout=600)


def children_of(api: httpx.Client, parent: dict[str, Any]) -> list[dict[str, Any]]:
    """The flow runs whose parent task run is in `parent` (how the UI puts a child under its parent)."""
    response = api.post("/flow_runs/filter", json={"flow_runs": {"parent_flow_run_id": {"any_": [parent["id"]]}},
                                                   "sort": "NAME_ASC", "limit": 200})
    response.raise_for_status()
    children = list(response.json())
    for child in children:
        assert api.get(f"/task_runs/{child['parent_task_run_id']}").json()["flow_run_id"] == parent["id"]
    return children


def parents(api: httpx.Client, flow_runs_of: Callable[..., list[dict[str, Any]]], label: str) -> list[dict[str, Any]]:
    """The `ingest-backfill` runs of one label, oldest first."""
    found = [r for r in flow_runs_of(api, "ingest-backfill") if r["parameters"]["label"] == label]
    return sorted(found, key=lambda run: run["created"])


def most_unfinished_at_once(children: list[dict[str, Any]]) -> int:
    """From the server's own timestamps: at each child's creation, how many were created and not yet ended."""
    ends = {c["id"]: datetime.fromisoformat(c["end_time"]) for c in children}
    created = {c["id"]: datetime.fromisoformat(c["created"]) for c in children}
    return max(sum(1 for other in children if created[other["id"]] <= at < ends[other["id"]])
               for at in created.values())


@pytest.mark.slow
def test_the_backfill_is_a_parent_with_a_child_per_interval_at_most_max_active_at_once_and_their_counts_summed(
    server: PrefectServer, flow_runs_of: Callable[..., list[dict[str, Any]]],
    artifacts: Callable[..., dict[str, dict[str, Any]]], table_data: Callable[..., list[dict[str, Any]]],
) -> None:
    result = backfill(server, "--source", "may", "--start", "2024-05-01", "--end", "2024-05-06", "--every", "1d",
                      "--max-active", "2", "--deployment", "backfill-probe/worked")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "5 runs of backfill-probe/worked, at most 2 at once" in result.stderr  # progress goes to stderr
    days = [f"2024050{day}T0000" for day in range(1, 6)]
    assert all(f"backfill-may-{day}" in result.stdout for day in days)  # the table of final states

    with server.api() as api:
        [parent] = parents(api, flow_runs_of, "may")
        assert parent["state_type"] == "COMPLETED" and parent["state"]["message"].startswith("5 intervals: loaded")
        children = children_of(api, parent)
        own = {c["name"]: Counter({r["counter"]: r["count"] for r in table_data(artifacts(api, c["id"])[
            COUNTS_ARTIFACT_KEY])}) for c in children}
        rows = table_data(artifacts(api, parent["id"])[BACKFILL_COUNTS_ARTIFACT_KEY])
    assert [c["name"] for c in children] == [f"backfill-may-{day}" for day in days]
    assert all(c["state_type"] == "COMPLETED" and "backfill" in c["tags"] for c in children)
    assert [c["parameters"]["start"] for c in children] == [f"2024-05-0{day}T00:00:00" for day in range(1, 6)]
    assert [c["parameters"]["source_ids"] for c in children] == [["may"]] * 5
    assert [c["state"]["message"] for c in children] == [f"loaded 2024-05-0{day}T00:00:00" for day in range(1, 6)]
    assert most_unfinished_at_once(children) == 2  # the worker runs one at a time: the parent kept one queued

    assert [row[INTERVAL_COLUMN] for row in rows] == [f"2024-05-0{day} 00:00" for day in range(1, 6)] + ["total"]
    for row, child in zip(rows, children, strict=False):
        assert {k: row[k] for k in own[child["name"]]} == own[child["name"]]
    total = sum(own.values(), Counter())
    assert rows[-1] == {INTERVAL_COLUMN: "total", **total} and total["inputs"] == 1 + 2 + 3 + 4 + 5


@pytest.mark.slow
def test_a_failed_interval_fails_the_parent_by_name_and_a_repeat_runs_every_interval_again(
    server: PrefectServer, flow_runs_of: Callable[..., list[dict[str, Any]]],
) -> None:
    arguments = ["--source", "fail-0602", "--start", "2024-06-01", "--end", "2024-06-03", "--max-active", "1",
                 "--deployment", "backfill-probe/worked"]
    for _ in range(2):
        result = backfill(server, *arguments)
        assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
        assert "backfill-fail-0602-20240602T0000" in result.stdout and "failed" in result.stdout
    with server.api() as api:
        runs = parents(api, flow_runs_of, "fail-0602")
        children = [children_of(api, parent) for parent in runs]
    assert len(runs) == 2 and {run["state_type"] for run in runs} == {"FAILED"}
    assert all("2024-06-02 00:00 failed: " in run["state"]["message"] and "2024-06-01" not in run["state"]["message"]
               for run in runs)
    for each in children:  # every interval again, in a new child of the new parent
        assert [(c["name"], c["state_type"]) for c in each] == [("backfill-fail-0602-20240601T0000", "COMPLETED"),
                                                               ("backfill-fail-0602-20240602T0000", "FAILED")]
    assert not {c["id"] for c in children[0]} & {c["id"] for c in children[1]}


@pytest.mark.slow
def test_runs_nobody_picks_up_end_in_one_clear_error(
        server: PrefectServer, flow_runs_of: Callable[..., list[dict[str, Any]]]) -> None:
    result = backfill(server, "--source", "idle", "--start", "2024-05-01", "--end", "2024-05-06", "--max-active", "2",
                      "--deployment", "backfill-probe/unserved", "--pickup-timeout", "1")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: backfill failed: no run of backfill-probe/unserved started within 1s: is `ingest serve` (or a worker "
        "of its pool) running against this Prefect server?")
    with server.api() as api:
        [parent] = parents(api, flow_runs_of, "idle")
        assert len(children_of(api, parent)) == 2  # created up to max_active, then waited for


@pytest.mark.slow
def test_max_active_below_one_and_an_unknown_deployment_are_refused_before_any_run_is_created(
        server: PrefectServer, flow_runs_of: Callable[..., list[dict[str, Any]]]) -> None:
    refused = backfill(server, "--source", "none", "--start", "2024-05-01", "--end", "2024-05-03", "--max-active",
                       "0", "--deployment", "backfill-probe/worked")
    unknown = backfill(server, "--source", "none", "--start", "2024-05-01", "--end", "2024-05-03",
                       "--deployment", "backfill-probe/nowhere")
    assert refused.returncode == unknown.returncode == 1
    assert refused.stderr.strip() == "error: --max-active must be at least 1"
    assert unknown.stderr.strip().startswith("error: no deployment backfill-probe/nowhere on the Prefect server: ")
    with server.api() as api:
        assert parents(api, flow_runs_of, "none") == []


def test_a_finished_child_is_done_and_a_scheduled_one_is_not() -> None:
    run = ChildRun("2024-05-01 00:00", "backfill-x", UUID(int=1))
    assert not run.done
    run.state = "CRASHED"
    assert run.done


def test_intervals_inside_a_minute_get_a_row_and_a_name_each() -> None:
    seconds = split(datetime(2024, 5, 1), datetime(2024, 5, 1, 0, 1), timedelta(seconds=30))
    specs = child_specs(seconds, {"source_ids": ["tide"]}, "tide")
    assert [(s.label, s.name) for s in specs] == [("2024-05-01 00:00", "backfill-tide-20240501T0000"),
                                                  ("2024-05-01 00:00:30", "backfill-tide-20240501T000030")]
    assert specs[1].parameters == {"source_ids": ["tide"], "start": "2024-05-01T00:00:30",
                                   "end": "2024-05-01T00:01:00"}

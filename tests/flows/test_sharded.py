"""`ingest run --shards 3` on a real Prefect server with 3 real process workers loading one DuckDB file, or one
DuckLake (its catalog a database of a private PostgreSQL cluster, its data a temporary directory): the warehouse
equals a one-process run's DuckDB file table by table, also after a worker is SIGKILLed mid-run (the server's
heartbeat automation crashes its shard, the parent ends) and the run re-run."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from flows.server_watch import descendants
from flows.sharded import SHARDED_COUNTS_ARTIFACT_KEY, SILENT_FOR, ZOMBIE_MESSAGE
from flows.stages import CRASHED_MESSAGE
from ingest.read.shards import shard_of
from ingest.settings import Settings
from ingest.warehouse import connection
from tests.support.corpus import write_corpus
from tests.support.paths import BIN
from tests.support.prefect_server import PrefectServer

pytestmark = pytest.mark.slow

POOL = "ingest-test"
SHARDS = 3
BATCH = 4
# Small and CPU-light: one extraction and one NER process per run, three runs at once on a 2-core machine.
LIGHT = {"INGEST_NER_PROCESSES": "1", "INGEST_EXTRACTION_WORKERS": "1"}

Snapshot = Callable[[Path | Settings], dict[str, list[tuple[object, ...]]]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]],
           create_process_pool: Callable[[PrefectServer, str], None]) -> Iterator[PrefectServer]:
    with start_prefect_server(tmp_path_factory.mktemp("sharded-prefect")) as running:
        create_process_pool(running, POOL)
        yield running


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Syndicated copies (exact on another site, edited) with the original in one shard and the copy in another:
    a file's shard is a hash of its path, so the directory is named until that holds."""
    root = tmp_path_factory.mktemp("corpus")
    for attempt in range(50):
        directory = root / f"corpus-{attempt}"
        pages = write_corpus(directory, stories=12, seed=7)
        originals = {p.name[:5]: p for p in pages if p.name.endswith("-a.html")}
        copies = [p for p in pages if p.name.endswith(("-b.html", "-c.html"))]
        if any(shard_of(c, SHARDS) != shard_of(originals[c.name[:5]], SHARDS) for c in copies) and \
                len({shard_of(p, SHARDS) for p in pages}) == SHARDS:
            return directory
    raise AssertionError("no directory name splits a syndicated pair over two shards")


def links_as_pairs(tables: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    """A duplicate link names the copy that arrived later first: which of two copies in two shards arrives first
    is up to the workers, so the link is compared as an unordered pair (its method and scores as they are)."""
    pairs = [(*sorted(row[:2]), *row[2:]) for row in tables["article_duplicates"]]  # type: ignore[type-var]
    return {**tables, "article_duplicates": sorted(pairs)}


@pytest.fixture(scope="module")
def clean(server: PrefectServer, corpus: Path, tmp_path_factory: pytest.TempPathFactory,
          run_ingest: Callable[..., int]) -> Path:
    """The same inputs loaded by one `ingest run` process."""
    warehouse = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    assert run_ingest(corpus, warehouse, BATCH, server.client_env(**LIGHT)) == 0
    return warehouse


@pytest.fixture(params=["file", "lake"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Where the sharded run writes: a new DuckDB file, or a new DuckLake (`new_lake`: the PostgreSQL cluster
    starts only for the lake variant). The test's own reads of a file do not wait for its writer lock."""
    if request.param == "file":
        return Settings(warehouse=tmp_path / "sharded.duckdb", lock_timeout_seconds=0)
    new_lake: Callable[[Path], Settings] = request.getfixturevalue("new_lake")
    return new_lake(tmp_path)


def env_of(target: Settings) -> dict[str, str]:
    """The settings every process of the run needs beyond `-w`: a lake's data path (the workers' shard runs too)."""
    return {**LIGHT, **({"INGEST_LAKE_DATA_PATH": str(target.lake_data_path)} if target.lake_data_path else {})}


@pytest.fixture
def workers(server: PrefectServer, target: Settings, tmp_path: Path,
            start_worker: Callable[..., subprocess.Popen[bytes]],
            stop_process: Callable[..., None]) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    with ExitStack() as stack:
        for number in range(SHARDS):
            worker = start_worker(server, POOL, f"worker-{number}", tmp_path / f"worker-{number}.log",
                                  **env_of(target))
            stack.callback(stop_process, worker)
            started.append(worker)
        yield started


def sharded_run(server: PrefectServer, corpus: Path, target: Settings, log: Path) -> subprocess.Popen[bytes]:
    args = [str(BIN / "ingest"), "run", str(corpus), "--shards", str(SHARDS), "--pool", POOL, "-w",
            str(target.warehouse), "--batch-size", str(BATCH)]
    with log.open("ab") as out:
        return subprocess.Popen(args, env=server.client_env(**env_of(target)), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def runs_since(api: httpx.Client, flow_runs_of: Callable[..., list[dict[str, Any]]], flow_name: str,
               started: datetime) -> list[dict[str, Any]]:
    """The flow's runs created since `started`: the server is the module's, so it also holds the other tests' runs
    (the same test on the other warehouse among them)."""
    return [r for r in flow_runs_of(api, flow_name) if datetime.fromisoformat(r["created"]) >= started]


def finished(process: subprocess.Popen[bytes], log: Path, timeout: float = 600) -> str:
    process.wait(timeout)
    output = log.read_text(errors="replace")
    assert process.returncode == 0, output[-4000:]
    return output


def test_three_workers_load_the_shards_into_the_warehouse_one_process_builds(
    server: PrefectServer, corpus: Path, clean: Path, target: Settings, workers: list[subprocess.Popen[bytes]],
    tmp_path: Path, snapshot: Snapshot, differences: Callable[..., dict[str, str]],
    flow_runs_of: Callable[..., list[dict[str, Any]]], artifacts: Callable[..., dict[str, dict[str, Any]]],
    table_data: Callable[..., list[dict[str, Any]]],
) -> None:
    started = datetime.now(UTC)
    output = finished(sharded_run(server, corpus, target, tmp_path / "run.log"), tmp_path / "run.log")
    assert f"{SHARDS} shards on the work pool `{POOL}`" in output
    assert "Finished in state Completed('3 shards: loaded" in output

    expected = snapshot(clean)
    assert expected["entity_mentions"] and expected["article_duplicates"] and expected["article_versions"]
    assert differences(links_as_pairs(expected), links_as_pairs(snapshot(target))) == {}

    with server.api() as api:
        parent = next(r for r in runs_since(api, flow_runs_of, "ingest-sharded", started)
                      if r["state_type"] == "COMPLETED")
        children = [r for r in runs_since(api, flow_runs_of, "ingest-files", started) if r["name"].startswith("shard-")]
        assert sorted(r["name"] for r in children) == [f"shard-{n}-of-3" for n in (1, 2, 3)]
        for child in children:  # each a child of the parent in the UI: its parent task run is in the parent run
            assert child["state_type"] == "COMPLETED"
            assert api.get(f"/task_runs/{child['parent_task_run_id']}").json()["flow_run_id"] == parent["id"]
        rows = table_data(artifacts(api, parent["id"])[SHARDED_COUNTS_ARTIFACT_KEY])
    inputs = next(row for row in rows if row["counter"] == "inputs")
    assert inputs["total"] == len(list(corpus.iterdir())) == sum(inputs[f"shard {n}/3"] for n in (1, 2, 3))


def _running_flow(worker: subprocess.Popen[bytes]) -> bool:
    """The worker has started a flow run: a process below it."""
    return bool(descendants(worker.pid))


def _kill_with_descendants(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker and everything it started (its flow run and that run's extraction and NER processes) at
    once, as a machine that dies would."""
    for pid in [process.pid, *descendants(process.pid)]:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(30)


def _loads(target: Settings) -> int:
    with suppress(duckdb.Error, connection.WarehouseError), connection.connect(target, read_only=True) as con:
        row = con.execute("select count(*) from loads").fetchone()
        return int(row[0]) if row else 0
    return 0


def test_a_worker_killed_mid_run_then_the_run_again_leaves_the_warehouse_one_process_builds(
    server: PrefectServer, corpus: Path, clean: Path, target: Settings, workers: list[subprocess.Popen[bytes]],
    tmp_path: Path, snapshot: Snapshot, differences: Callable[..., dict[str, str]], wait_until: Callable[..., Any],
    start_worker: Callable[..., subprocess.Popen[bytes]], stop_process: Callable[..., None],
    flow_runs_of: Callable[..., list[dict[str, Any]]],
) -> None:
    log = tmp_path / "first.log"
    started = datetime.now(UTC)
    parent = sharded_run(server, corpus, target, log)
    try:
        victim = wait_until(lambda: next((w for w in workers if _running_flow(w)), None), 300,
                            "a worker running a shard", parent)
        wait_until(lambda: _loads(target) >= 1, 300, "a first committed batch", parent, interval=0.2)
        _kill_with_descendants(victim)  # the worker and the shard's flow run with it, mid-run
        # Nobody reports the shard's end: its heartbeat stops, the server's automation sets it Crashed, and the
        # parent, which was waiting for it, ends (three missed 30 s beats, plus the trigger's evaluation).
        parent.wait(SILENT_FOR.seconds + 240)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)
    assert parent.returncode == 1, log.read_text(errors="replace")[-3000:]
    with server.api() as api:
        crashed = [r for r in runs_since(api, flow_runs_of, "ingest-files", started) if r["state_type"] == "CRASHED"]
    # Crashed by the server's heartbeat automation, or, when another shard's run started on this machine after
    # the kill, by that run finding the dead process first (flows.stages.mark_flow_runs_crashed): either way the
    # parent hears it and ends without anyone stopping it.
    assert len(crashed) == 1 and crashed[0]["state"]["message"] in (ZOMBIE_MESSAGE, CRASHED_MESSAGE)
    assert "crashed" in log.read_text(errors="replace")  # the parent names the shard that did not complete

    survivors = [w for w in workers if w is not victim]
    wait_until(lambda: not any(_running_flow(w) for w in survivors), 300, "the other shards to end")
    # What is missing now depends on how far the killed shard had got: when it had read all its files, a shard that
    # started after the kill already finished its dedupe and enrichment (stage state). The run re-run completes it.

    replacement = start_worker(server, POOL, "worker-replacement", tmp_path / "replacement.log", **env_of(target))
    try:
        finished(sharded_run(server, corpus, target, tmp_path / "again.log"), tmp_path / "again.log")
    finally:
        stop_process(replacement)
    assert differences(links_as_pairs(snapshot(clean)), links_as_pairs(snapshot(target))) == {}


def test_without_a_prefect_server_shards_stop_with_one_line_naming_what_is_needed(
        server: PrefectServer, corpus: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in server.client_env().items() if k != "PREFECT_API_URL"}
    result = subprocess.run([str(BIN / "ingest"), "run", str(corpus), "--shards", "2", "-w",
                             str(tmp_path / "w.duckdb")], env={**env, "INGEST_LOCAL_PREFECT_API_URL": ""},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: `--shards` sends one child flow run per shard to the Prefect process work pool `ingest`: it needs a "
        "Prefect server (PREFECT_API_URL, or `ingest ui`), the pool (`prefect work-pool create ingest --type "
        "process`) and workers polling it (`prefect worker start --pool ingest`)"]
    assert not (tmp_path / "w.duckdb").exists()


def test_a_pool_the_server_does_not_have_stops_the_run_with_one_line(
        server: PrefectServer, corpus: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "ingest"), "run", str(corpus), "--shards", "2", "--pool", "nowhere", "-w",
                             str(tmp_path / "w.duckdb")], env=server.client_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: no work pool `nowhere` on the Prefect server: ")

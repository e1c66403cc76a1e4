"""A real `prefect server start` (and `ingest serve`) on loopback for the integration tests, plus REST helpers.

Each process is started in its own session with an isolated PREFECT_HOME and database, and is always stopped
(SIGINT, then SIGKILL to its whole process group) so nothing is left running after the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, temporary_settings

from ingest.warehouse.writer_lock import Holder, guard_for
from tests.support.paths import BIN

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PrefectServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def client_env(self, **extra: str) -> dict[str, str]:
        """Environment for a process that talks to this server (ingest serve, ingest run)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        return {**env, "PREFECT_API_URL": self.api_url, "PREFECT_HOME": str(self.home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30)


@contextmanager
def client_of(api_url: str) -> Iterator[None]:
    """Flows called in this process report to `api_url` while inside; on the way out the log and event queues are
    sent before the server may stop. Without the drain, a queue still holding items for a server that has gone
    makes pytest wait minutes at exit ("Still processing items")."""
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield
    finally:
        APILogWorker.drain_all(timeout=30)
        EventsWorker.drain_all(timeout=30)


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    try:
        return subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        handle.close()


def stop_process(process: subprocess.Popen[bytes], grace_seconds: float = 20) -> None:
    """SIGINT (Prefect shuts down cleanly), then SIGKILL to the whole group (its flow-run subprocesses too)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            process.wait(grace_seconds)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    return found[-1].parent


@contextmanager
def postgres_database() -> Iterator[str]:
    """A private PostgreSQL cluster on a free loopback port (as the `postgres` user when run as root); yields the
    SQLAlchemy URL of an empty database, and stops and removes the cluster at the end."""
    bin_dir, port = postgres_bin(), free_port()
    root = Path(tempfile.mkdtemp(prefix="news-ingest-pg-"))  # outside pytest's private tmp: `postgres` must reach it
    root.chmod(0o755)
    (root / "sock").mkdir()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
    subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "prefect", "--auth=trust",
                    "--encoding=UTF8", "--no-instructions"], check=True, capture_output=True)
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root / 'sock'} -c fsync=off"
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "postgres.log"),
                    "-w", "-o", options, "start"], check=True, capture_output=True)
    try:
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "prefect"],
                       check=True, capture_output=True)
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect"
    finally:
        subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def prefect_server(workdir: Path, ui: bool = False, startup_seconds: float = 180,
                   database_url: str | None = None) -> Iterator[PrefectServer]:
    """`prefect server start` on a free loopback port with its own home, on SQLite unless given a database."""
    port = free_port()
    home = workdir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "true" if ui else "false",
        "PREFECT_UI_API_URL": f"{url}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })
    process = start_process([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env, workdir / "prefect-server.log")
    try:
        wait_until(lambda: _healthy(url), startup_seconds, f"Prefect server on {url}", process)
        yield PrefectServer(url, home, process)
    finally:
        stop_process(process)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition: Any, timeout: float, what: str, process: subprocess.Popen[bytes] | None = None,
               interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {process.returncode}")
        time.sleep(interval)
    raise TimeoutError(f"{what}: not ready after {timeout:g}s")


def deployment_id(api: httpx.Client, name: str) -> str | None:
    response = api.get(f"/deployments/name/{name}")
    return str(response.json()["id"]) if response.status_code == 200 else None


def run_deployment(api: httpx.Client, name: str, parameters: dict[str, Any] | None = None) -> str:
    found = deployment_id(api, name)
    assert found, f"no deployment {name}"
    response = api.post(f"/deployments/{found}/create_flow_run", json={"parameters": parameters or {}})
    response.raise_for_status()
    return str(response.json()["id"])


def flow_run(api: httpx.Client, run_id: str) -> dict[str, Any]:
    response = api.get(f"/flow_runs/{run_id}")
    response.raise_for_status()
    return dict(response.json())


def wait_for_state(api: httpx.Client, run_id: str, states: set[str] = TERMINAL,
                   timeout: float = 300) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        run = flow_run(api, run_id)
        return run if run["state_type"] in states else None

    return dict(wait_until(reached, timeout, f"flow run {run_id} to reach {sorted(states)}"))


def task_runs(api: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    response = api.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}, "limit": 200})
    response.raise_for_status()
    return list(response.json())


def artifacts(api: httpx.Client, run_id: str) -> dict[str, dict[str, Any]]:
    response = api.post("/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    response.raise_for_status()
    return {a["key"]: a for a in response.json() if a.get("key")}


def table_data(artifact: dict[str, Any]) -> list[dict[str, Any]]:
    data = artifact["data"]
    return list(json.loads(data) if isinstance(data, str) else data)


def flow_runs_of(api: httpx.Client, flow_name: str) -> list[dict[str, Any]]:
    response = api.post("/flow_runs/filter", json={"flows": {"name": {"any_": [flow_name]}}, "limit": 200})
    response.raise_for_status()
    return list(response.json())


@contextmanager
def holding_writer_slot(warehouse: Path, run_id: str = "test-holder") -> Iterator[Holder]:
    """Take the warehouse writer lock the way a run does, release it at the end."""
    with guard_for(warehouse).hold(run_id, timeout_seconds=60) as holder:
        yield holder


def create_process_pool(server: PrefectServer, pool: str) -> None:
    """`prefect work-pool create POOL --type process` on the server (what an operator runs once)."""
    subprocess.run([str(BIN / "prefect"), "work-pool", "create", pool, "--type", "process"],
                   env=server.client_env(), check=True, capture_output=True, timeout=120)


def start_worker(server: PrefectServer, pool: str, name: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`prefect worker start --pool POOL --limit 1`: a real process worker, one flow run at a time, polling often
    so a test does not wait the default 10 s for a pick-up."""
    worker_env = server.client_env(PREFECT_WORKER_QUERY_SECONDS="1", PREFECT_WORKER_PREFETCH_SECONDS="5", **env)
    return start_process([str(BIN / "prefect"), "worker", "start", "--pool", pool, "--limit", "1", "--name", name],
                         worker_env, log)

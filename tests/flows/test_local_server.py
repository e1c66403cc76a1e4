"""`ingest run` reports to a Prefect server already running on this machine, and a flagged run stands out there."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.local_server import server_is_up
from flows.observability import WARNING_STATE_NAME
from ingest.ops import quality
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.fetch_site import Reply, Site
from tests.support.paths import BIN, SEED_ARTICLE
from tests.support.prefect_server import PrefectServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory,
                 start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]]) -> Iterator[PrefectServer]:
    with start_prefect_server(tmp_path_factory.mktemp("local-server")) as server:
        yield server


def _run(server: PrefectServer, *args: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """`ingest run` as a user types it: no PREFECT_API_URL, only the local server's address in the settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(workdir / "client-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "INGEST_LOCAL_PREFECT_API_URL": server.api_url})
    return subprocess.run([str(BIN / "ingest"), "run", *args], env=env, capture_output=True, text=True, timeout=600)


def test_a_run_without_prefect_api_url_reports_to_the_running_local_server(
    local_server: PrefectServer, tmp_path: Path, flow_runs_of: Callable[..., list[dict[str, Any]]],
) -> None:
    result = _run(local_server, str(SEED_ARTICLE), "-w", str(tmp_path / "news.duckdb"), workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"reporting to the Prefect server at {local_server.api_url}" in result.stderr
    with local_server.api() as api:
        runs = [r for r in flow_runs_of(api, "ingest-files")
                if r["parameters"]["warehouse_path"] == str(tmp_path / "news.duckdb")]
    assert [(r["state_type"], r["state_name"]) for r in runs] == [("COMPLETED", "Completed")]
    assert runs[0]["parameters"]["paths"] == [str(SEED_ARTICLE)]


def test_a_run_whose_quality_is_off_is_named_differently_in_the_run_list(
    local_server: PrefectServer, tmp_path: Path, flow_runs_of: Callable[..., list[dict[str, Any]]],
) -> None:
    settings = Settings(warehouse=tmp_path / "news.duckdb")
    series = quality.series_for_paths("ingest-files", [str(SEED_ARTICLE)])
    with warehouse.open_warehouse(settings) as con:  # three earlier runs of the series that each loaded 40 articles
        for day in range(3):
            con.execute("insert into run_quality values (?, ?, 'articles', 40, ?, 'load')",
                        [f"earlier-{day}", series, datetime(2024, 5, 1) + timedelta(days=day)])
    result = _run(local_server, str(SEED_ARTICLE), "-w", str(settings.warehouse), workdir=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    with local_server.api() as api:
        flagged = [r for r in flow_runs_of(api, "ingest-files") if r["state_name"] == WARNING_STATE_NAME]
    assert len(flagged) == 1 and flagged[0]["state_type"] == "COMPLETED"
    assert "articles loaded 1 vs 40 mean of last 3 runs" in flagged[0]["state"]["message"]


def test_no_server_where_the_settings_point_means_a_temporary_one(free_port: Callable[[], int]) -> None:
    assert not server_is_up(f"http://127.0.0.1:{free_port()}/api")


def test_only_a_listener_that_answers_the_health_check_is_a_server(site: Site) -> None:
    assert not server_is_up(site.url("/api"))  # something listens, but it is no Prefect API
    site.route("/api/health", Reply(200, b"true", {"Content-Type": "application/json"}))
    assert server_is_up(site.url("/api"))


def test_ingest_ui_serves_the_api_with_analytics_off(tmp_path: Path, free_port: Callable[[], int],
                                                     start_process: Callable[..., subprocess.Popen[bytes]],
                                                     stop_process: Callable[..., None],
                                                     wait_until: Callable[..., Any]) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(tmp_path / "home"), "PREFECT_UI_ENABLED": "false",
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"})
    process = start_process([str(BIN / "ingest"), "ui", "--port", str(port)], env, tmp_path / "ui.log")
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until(lambda: server_is_up(api_url), 180, "ingest ui", process)
        settings = httpx.get(f"{api_url}/admin/settings", timeout=10).json()
    finally:
        stop_process(process)
    assert settings["server"]["analytics_enabled"] is False

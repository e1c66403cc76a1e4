"""Fixtures of the flow tests only: a real Prefect server and its REST API, the soak harness, a headless browser.
Each is the helper of that name in tests/support/ (tests/conftest.py says why helpers come as fixtures)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.warehouse.writer_lock import Holder
from tests.support import browser
from tests.support import prefect_server as servers
from tests.support import soak as soak_harness


@pytest.fixture(scope="session")
def start_prefect_server() -> Callable[..., AbstractContextManager[servers.PrefectServer]]:
    """`with start_prefect_server(workdir) as server`: a real `prefect server start`, always stopped."""
    return servers.prefect_server


@pytest.fixture(scope="session")
def postgres_database() -> Callable[[], AbstractContextManager[str]]:
    """`with postgres_database() as url`: a private PostgreSQL cluster for the Prefect server, removed at the end."""
    return servers.postgres_database


@pytest.fixture(scope="session")
def start_process() -> Callable[..., subprocess.Popen[bytes]]:
    """Start a command in its own session, its output appended to a log file."""
    return servers.start_process


@pytest.fixture(scope="session")
def stop_process() -> Callable[..., None]:
    """SIGINT, then SIGKILL to the process's whole group."""
    return servers.stop_process


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., Any]:
    """Poll a condition until it is truthy, failing when the process it waits on exits or time runs out."""
    return servers.wait_until


@pytest.fixture(scope="session")
def create_process_pool() -> Callable[[servers.PrefectServer, str], None]:
    """Create a Prefect process work pool on the server."""
    return servers.create_process_pool


@pytest.fixture(scope="session")
def start_worker() -> Callable[..., subprocess.Popen[bytes]]:
    """`start_worker(server, pool, name, log, **env)`: a `prefect worker start --pool` process (stop it with
    stop_process)."""
    return servers.start_worker


@pytest.fixture(scope="session")
def deployment_id() -> Callable[[httpx.Client, str], str | None]:
    return servers.deployment_id


@pytest.fixture(scope="session")
def run_deployment() -> Callable[..., str]:
    return servers.run_deployment


@pytest.fixture(scope="session")
def flow_run() -> Callable[[httpx.Client, str], dict[str, Any]]:
    return servers.flow_run


@pytest.fixture(scope="session")
def wait_for_state() -> Callable[..., dict[str, Any]]:
    return servers.wait_for_state


@pytest.fixture(scope="session")
def task_runs() -> Callable[[httpx.Client, str], list[dict[str, Any]]]:
    return servers.task_runs


@pytest.fixture(scope="session")
def artifacts() -> Callable[[httpx.Client, str], dict[str, dict[str, Any]]]:
    return servers.artifacts


@pytest.fixture(scope="session")
def table_data() -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    return servers.table_data



@pytest.fixture(scope="session")
def holding_writer_slot() -> Callable[..., AbstractContextManager[Holder]]:
    """Take the warehouse writer lock the way a run does."""
    return servers.holding_writer_slot


@pytest.fixture(scope="session")
def run_ingest() -> Callable[..., int]:
    """`ingest run` in its own process group, SIGKILLed after `kill_after` seconds when given."""
    return soak_harness.run_ingest


@pytest.fixture(scope="session")
def soak() -> Callable[..., soak_harness.SoakLog]:
    """Kill runs over a corpus at stage boundaries and random moments, then run once to the end."""
    return soak_harness.soak


@pytest.fixture(scope="session")
def chromium_page() -> Callable[[], AbstractContextManager[browser.Page]]:
    """`with chromium_page() as page`: headless Chromium over the DevTools protocol."""
    return browser.chromium_page


@pytest.fixture(scope="module")
def prefect_harness(prefect_home: Path) -> Iterator[None]:
    """A temporary Prefect server for the module's in-process flow calls (Prefect's own test harness)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield

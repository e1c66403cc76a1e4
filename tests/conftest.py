"""Shared fixtures: every helper that starts, stops or inspects something (a server, a process, a warehouse, the
enricher) reaches a test as a fixture of the helper's own name, so a test's parameters list what it relies on. How
each works is in tests/support/. What a test needs to build its inputs (paths, texts, page and corpus builders, the
fetch tests' reply types) it imports from tests/support/ directly, since a module-level input cannot be a fixture;
no test module imports another test module."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.entities.ner import Enricher
from ingest.settings import Settings
from tests.support import enrichment, fetch_site, lakes, paths, prefect_server, soak, warehouses
from tests.support import s3_server as s3_support
from tests.support.fetch_site import Site


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "news.duckdb", lock_timeout_seconds=1.0)


@pytest.fixture
def shared_eval() -> Path:
    if not paths.SHARED_EVAL.is_dir():
        pytest.skip(f"{paths.SHARED_EVAL} is absent: the shared evaluation sets are not on this machine")
    return paths.SHARED_EVAL


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An isolated PREFECT_HOME so tests never touch the developer's own Prefect database."""
    home = tmp_path_factory.mktemp("prefect-home")
    previous = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A developer's own server on the default port must not receive the tests' runs (tests opt in explicitly).
    os.environ.setdefault("INGEST_LOCAL_PREFECT_API_URL", "")
    yield home
    if previous is None:
        os.environ.pop("PREFECT_HOME", None)
    else:
        os.environ["PREFECT_HOME"] = previous


# A real HTTP server on loopback, and nothing but loopback.

@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fails any connection outside loopback; the fetch tests use it on every test (see their `pytestmark`)."""
    return fetch_site.forbid_non_loopback(monkeypatch)


@pytest.fixture
def site() -> Iterator[Site]:
    """A threaded HTTP server on loopback, closed after the test."""
    server = Site()
    yield server
    server.close()


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    return prefect_server.free_port


@pytest.fixture(scope="session")
def flow_runs_of() -> Callable[[httpx.Client, str], list[dict[str, Any]]]:
    """The flow runs of one flow name on a server's REST API (`server.api()`)."""
    return prefect_server.flow_runs_of


@pytest.fixture(scope="session")
def prefect_client_of() -> Callable[[str], AbstractContextManager[None]]:
    """`with prefect_client_of(server.api_url):` flows called in the test report to that server; its log and event
    queues are drained on the way out, so pytest does not wait at exit for a server that has stopped."""
    return prefect_server.client_of


# Warehouses.

@pytest.fixture(scope="session")
def corrupted_warehouse() -> Callable[[Path], Path]:
    return warehouses.corrupted_warehouse


@pytest.fixture(scope="module")
def postgres() -> Iterator[lakes.Cluster]:
    """A private PostgreSQL cluster on a free loopback port, user `prefect`, trusted."""
    with prefect_server.postgres_database() as url:
        yield lakes.Cluster.at(url)


@pytest.fixture(scope="module")
def new_lake(postgres: lakes.Cluster) -> Callable[[Path], Settings]:
    """`new_lake(directory)`: settings of a fresh DuckLake, its catalog a new database of `postgres` and its data
    under `directory`; a writer waits a minute at most, not the default quarter hour."""

    def build(directory: Path) -> Settings:
        return postgres.new_lake(f"lake_{uuid.uuid4().hex[:8]}", directory / "lake-data", writer_timeout_seconds=60)

    return build


@pytest.fixture(scope="module")
def s3_server() -> Iterator[s3_support.S3Server]:
    """moto's S3-compatible server, a separate process on a free loopback port, checking request signatures."""
    with s3_support.s3_server() as running:
        yield running


@pytest.fixture(scope="session")
def start_s3_server() -> Callable[[], AbstractContextManager[s3_support.S3Server]]:
    """`with start_s3_server() as store:` a moto server of the test's own, which it may stop half-way."""
    return s3_support.s3_server


@pytest.fixture
def lake_settings(new_lake: Callable[[Path], Settings], tmp_path: Path) -> Settings:
    """A fresh DuckLake for one test (see `new_lake`)."""
    return new_lake(tmp_path)


@pytest.fixture(scope="session")
def snapshot() -> Callable[[Path], dict[str, list[tuple[object, ...]]]]:
    """Every data table's rows, sorted, without run bookkeeping: two warehouses that should match compare equal."""
    return soak.snapshot


@pytest.fixture(scope="session")
def differences() -> Callable[..., dict[str, str]]:
    return soak.differences


# Entity enrichment.

@pytest.fixture(scope="module")
def enricher() -> Iterator[Enricher]:
    """One spaCy enricher per test module (loading the model is the slow part)."""
    with Enricher(Settings(ner_processes=1)) as shared:
        yield shared


@pytest.fixture(scope="session")
def ingest_and_enrich() -> Callable[..., None]:
    return enrichment.ingest_and_enrich


@pytest.fixture(scope="session")
def query() -> Callable[..., list[tuple]]:
    """Rows of a read-only query of a warehouse: `query(settings, sql, parameters)`."""
    return enrichment.query


@pytest.fixture(scope="session")
def table_counts() -> Callable[[Settings], dict[str, int]]:
    """Row counts of the entity tables."""
    return enrichment.table_counts

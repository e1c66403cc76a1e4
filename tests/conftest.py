"""Shared fixtures: a fresh warehouse per test, paths to the seeds and the shared evaluation sets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.fetch_site import Site, forbid_non_loopback

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS = REPO_ROOT / "seeds"
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
SEED_ARTICLE = SEEDS / "000_05219128a0266354.txt"
SEED_EXPECTED = SEEDS / "000_05219128a0266354.expected.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "news.duckdb", lock_timeout_seconds=1.0)


@pytest.fixture
def shared_eval() -> Path:
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"{SHARED_EVAL} is absent: the shared evaluation sets are not on this machine")
    return SHARED_EVAL


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


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Fails any connection outside loopback; the fetch tests use it on every test (see their `pytestmark`)."""
    return forbid_non_loopback(monkeypatch)


@pytest.fixture
def site() -> Iterator[Site]:
    """A threaded HTTP server on loopback, closed after the test."""
    server = Site()
    yield server
    server.close()

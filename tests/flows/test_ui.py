"""The Prefect UI, rendered by headless Chromium, shows an ingest run with its artifacts.

Set UI_SCREENSHOTS=DIR to save the screenshots used in the README (docs/ui-run.png, docs/ui-quality.png).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import Page
from tests.support.news_pages import TOPICS, write_articles
from tests.support.paths import BIN, SEED_ARTICLE
from tests.support.prefect_server import PrefectServer

pytestmark = pytest.mark.slow
SCREENSHOTS = os.environ.get("UI_SCREENSHOTS")


@dataclass(frozen=True)
class RunInUi:
    server: PrefectServer
    run: dict[str, object]
    artifacts: dict[str, dict[str, object]]


@pytest.fixture(scope="module")
def run_in_ui(tmp_path_factory: pytest.TempPathFactory, artifacts: Callable[..., dict[str, dict[str, Any]]],
              flow_runs_of: Callable[..., list[dict[str, Any]]],
              start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]]) -> Iterator[RunInUi]:
    workdir = tmp_path_factory.mktemp("ui")
    inbox = workdir / "inbox"
    write_articles(inbox, TOPICS[:3])
    shutil.copy(SEED_ARTICLE, inbox)
    (inbox / "junk.html").write_bytes(b"\0\1\2" * 100)
    with start_prefect_server(workdir, ui=True) as server, server.api() as api:
        result = subprocess.run([str(BIN / "ingest"), "run", str(inbox), "-w", str(workdir / "news.duckdb")],
                                env=server.client_env(), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        [run] = flow_runs_of(api, "ingest-files")
        yield RunInUi(server, run, artifacts(api, str(run["id"])))


def test_the_flow_run_page_shows_the_run_and_its_artifacts(
    run_in_ui: RunInUi, chromium_page: Callable[[], AbstractContextManager[Page]],
) -> None:
    name, run_id = str(run_in_ui.run["name"]), str(run_in_ui.run["id"])
    with chromium_page() as page:
        page.open(f"{run_in_ui.server.url}/runs/flow-run/{run_id}")
        text = page.wait_for_text(name, "Completed", "ingest-files")
        assert "Can't connect to Server API" not in text
        page.wait_for_text("Artifacts")
        assert page.click_text("Artifacts")
        page.wait_for_text("ingest-run-counts", "ingest-data-quality", f"Data quality of run {run_id}")
        if SCREENSHOTS:
            page.screenshot(Path(SCREENSHOTS) / "ui-run.png")


def test_the_data_quality_artifact_renders_its_figures(
    run_in_ui: RunInUi, chromium_page: Callable[[], AbstractContextManager[Page]],
) -> None:
    quality = run_in_ui.artifacts["ingest-data-quality"]
    counts = run_in_ui.artifacts["ingest-run-counts"]
    with chromium_page() as page:
        page.open(f"{run_in_ui.server.url}/artifacts/artifact/{quality['id']}")
        text = page.wait_for_text("articles loaded", "share with author", "median body length")
        assert "Series `" not in text  # rendered as markdown, not shown as source
        if SCREENSHOTS:
            page.screenshot(Path(SCREENSHOTS) / "ui-quality.png")
        page.open(f"{run_in_ui.server.url}/artifacts/artifact/{counts['id']}")
        page.wait_for_text("loaded_articles", "rejected:extract:binary_content")


def test_the_ui_reads_the_same_server_the_tests_query(run_in_ui: RunInUi) -> None:
    settings = httpx.get(f"{run_in_ui.server.url}/ui-settings", timeout=10).json()
    assert settings["api_url"] == run_in_ui.server.api_url

"""The fetch flows under a real (temporary) Prefect server, against a loopback site: the same load path as files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.fetch_sources import fetch_sources, fetch_urls
from ingest.settings import Settings
from tests.support.fetch_site import Reply, Site, html_page
from tests.support.paths import SEEDS

INGEST = str(Path(sys.executable).with_name("ingest"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_server(prefect_home: Path) -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def site(loopback_only: list[object]) -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def test_fetch_sources_flow_loads_articles_and_records_every_fetch(
        prefect_server: None, site: Site, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f'<item><title>a</title><link>{site.url("/harbour")}</link></item>'
            f'<item><title>b</title><link>{site.url("/missing")}</link></item></channel></rss>').encode()
    site.route("/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    site.route("/harbour", Reply(200, html_page("Harbour reopens")))
    (tmp_path / "sources.csv").write_text("source_id,kind,url,schedule,enabled\n"
                                          f"coast,rss,{site.url('/feed.xml')},*/15 * * * *,false\n")
    for key, value in {"SOURCES_CSV": str(tmp_path / "sources.csv"), "ALLOW_PRIVATE_HOSTS": "true",
                       "HOST_RATE_PER_SECOND": "50"}.items():
        monkeypatch.setenv(f"INGEST_{key}", value)

    assert fetch_sources(None, str(settings.warehouse)) == {}  # the source is disabled: nothing runs by default
    totals = fetch_sources(["coast"], str(settings.warehouse))  # asked by name, it runs
    assert totals["loaded_articles"] == 1 and totals["fetch:page:not_found"] == 1

    again = fetch_urls([site.url("/harbour"), "not a url"], str(settings.warehouse))
    assert again["fetch:page:not_modified"] == 1 and again["rejected:fetch:bad_url"] == 1

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select title from articles").fetchall() == [("Harbour reopens",)]
        outcomes = con.execute("select purpose, outcome, count(*) from fetches group by all order by all").fetchall()
        runs = con.execute("select flow_name, status from runs order by started_at").fetchall()
    assert outcomes == [("feed", "ok", 1), ("page", "not_found", 1), ("page", "not_modified", 1),
                        ("page", "ok", 1), ("robots", "not_found", 2)]
    assert runs == [("fetch-sources", "completed")] * 2 + [("fetch-urls", "completed")]


def test_the_cli_fetches_a_source_and_runs_urls(prefect_home: Path, site: Site, tmp_path: Path) -> None:
    site.route("/front", Reply(200, html_page("Front page story")))
    site.route("/extra", Reply(200, html_page("Extra edition")))
    (tmp_path / "sources.csv").write_text("source_id,kind,url,schedule,enabled\n"
                                          f"front,page,{site.url('/front')},0 6 * * *,false\n")
    warehouse = str(tmp_path / "news.duckdb")
    env = {**os.environ, "INGEST_SOURCES_CSV": str(tmp_path / "sources.csv"), "INGEST_ALLOW_PRIVATE_HOSTS": "true",
           "INGEST_HOST_RATE_PER_SECOND": "50", "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)  # as a user runs it: Prefect's embedded server

    def ingest(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([INGEST, *args, "--warehouse", warehouse], capture_output=True, text=True,
                              timeout=300, env=env)

    fetched = ingest("fetch", "--source", "front")
    assert fetched.returncode == 0, fetched.stderr[-2000:]
    assert "loaded_articles" in fetched.stdout and "fetch:page:ok" in fetched.stdout
    ran = ingest("run", site.url("/extra"), str(SEEDS))
    assert ran.returncode == 0, ran.stderr[-2000:]
    with duckdb.connect(warehouse, read_only=True) as con:
        titles = {row[0] for row in con.execute("select title from articles").fetchall()}
    assert {"Front page story", "Extra edition"} <= titles and len(titles) == 3  # and the seed article

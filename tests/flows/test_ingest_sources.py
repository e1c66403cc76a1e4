"""The ingest-sources flow in-process against a temporary Prefect server and a loopback news site: only the
articles of the run's data interval are fetched (undated ones always), and its final state says which interval."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

from flows.children import COUNTS_ARTIFACT_KEY
from flows.ingest_sources import ingest_sources, series_for
from ingest.settings import Settings
from tests.support.fetch_site import Reply, Site, html_page

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "loopback_only")]


def _item(site: Site, path: str, published: str | None) -> str:
    date = f"<pubDate>{published}</pubDate>" if published else ""
    return f"<item><title>{path}</title><link>{site.url(path)}</link>{date}</item>"


@pytest.fixture
def coast(site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Site:
    """A site whose feed has a story of 1 May, one of 3 May and an undated one; a source `coast` reading it."""
    items = (_item(site, "/may-1", "Wed, 01 May 2024 10:00:00 GMT"), _item(site, "/may-3", "Fri, 03 May 2024 "
             "10:00:00 GMT"), _item(site, "/undated", None))
    site.route("/feed.xml", Reply(200, ('<?xml version="1.0"?><rss version="2.0"><channel><title>Coast</title>'
                                        f'{"".join(items)}</channel></rss>').encode(),
                                  {"Content-Type": "application/rss+xml"}))
    for path, title in (("/may-1", "Harbour reopens"), ("/may-3", "Ferry strike ends"), ("/undated", "Tide tables")):
        site.route(path, Reply(200, html_page(title)))
    sources = settings.warehouse.with_name("sources.csv")
    sources.write_text(f"source_id,kind,url,schedule,enabled\ncoast,rss,{site.url('/feed.xml')},0 6 * * *,true\n")
    monkeypatch.setenv("INGEST_SOURCES_CSV", str(sources))
    monkeypatch.setenv("INGEST_ALLOW_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("INGEST_HOST_RATE_PER_SECOND", "50")
    return site


def test_a_run_fetches_the_articles_of_its_interval_and_says_which(coast: Site, settings: Settings) -> None:
    state = ingest_sources(["coast"], datetime(2024, 5, 1), datetime(2024, 5, 2),
                           warehouse_path=str(settings.warehouse), return_state=True)
    assert state.is_completed(), state.message
    assert state.message.startswith("2024-05-01 00:00 to 2024-05-02 00:00 UTC: ")
    assert state.result()["loaded_articles"] == 2
    with get_client(sync_client=True) as client:  # the counts on the run itself, where a backfill parent reads them
        [counts] = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            key=ArtifactFilterKey(any_=[COUNTS_ARTIFACT_KEY])))
    rows = json.loads(counts.data) if isinstance(counts.data, str) else counts.data
    assert {"stage": "load", "counter": "loaded_articles", "count": 2} in rows
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        titles = sorted(t for (t,) in con.execute("select title from articles").fetchall())
    assert titles == ["Harbour reopens", "Tide tables"]  # 3 May lies outside the interval
    assert coast.hits_for("/may-3") == []


def test_half_an_interval_fails_the_run_saying_what_is_missing(coast: Site, settings: Settings) -> None:
    state = ingest_sources(["coast"], datetime(2024, 5, 1), None, warehouse_path=str(settings.warehouse),
                           return_state=True)
    assert state.is_failed() and "give both the start and the end" in str(state.message)
    assert coast.hits == []


def test_the_series_names_the_sources_in_a_stable_order() -> None:
    assert series_for(["tide", "coast"]) == series_for(["coast", "tide"]) == "ingest-sources:coast,tide"
    assert series_for(None) == series_for([]) == "ingest-sources:enabled"

"""Fetch state in a real warehouse: the sources seed, the frontier's queue, fetch rows, validators and host trust."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.fetch.client import FetchResult
from ingest.fetch.discover import Discovered
from ingest.fetch.validators import HostTrust
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import frontier
from ingest.warehouse.frontier import FetchRecord, Source, SourcesError

T0 = datetime(2024, 5, 1, 12, 0)


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse.open_warehouse(settings) as connection:
        yield connection


def _found(*paths: str, host: str = "news.test") -> list[Discovered]:
    return [Discovered(url=f"https://{host}{p}", canonical_url=f"https://{host}{p}", kind="article", via="feed")
            for p in paths]


def _fetched(url: str, outcome: str = "ok", status: int | None = 200, etag: str | None = '"v1"',
             at: datetime = T0, **record: object) -> FetchRecord:
    result = FetchResult(url=url, purpose="page", outcome=outcome, status=status, etag=etag,
                         body_sha256="abc", fetched_at=at)
    return FetchRecord(result=result, source_id="wire", canonical_url=url, **record)


def _frontier_row(con: duckdb.DuckDBPyConnection, url: str) -> tuple[object, ...] | None:
    return con.execute("select state, attempts, not_before, last_outcome from frontier where canonical_url = ?",
                       [url]).fetchone()


def test_syncing_the_seed_disables_a_source_that_left_it_and_asking_by_id_still_finds_it(
        con: duckdb.DuckDBPyConnection) -> None:
    wire = Source(source_id="wire", kind="rss", url="https://news.test/feed", enabled=True)
    maps = Source(source_id="maps", kind="sitemap", url="https://news.test/sitemap.xml", enabled=True)
    frontier.sync_sources(con, [wire, maps], "load-1")
    assert [s.source_id for s in frontier.get_sources(con)] == ["maps", "wire"]

    frontier.sync_sources(con, [wire.model_copy(update={"rate_per_second": 0.5})], "load-2")
    assert frontier.get_sources(con) == [wire.model_copy(update={"rate_per_second": 0.5})]
    assert frontier.get_sources(con, ["maps"]) == [maps.model_copy(update={"enabled": False})]
    assert con.execute("select load_id from sources order by source_id").fetchall() == [("load-2",), ("load-2",)]
    with pytest.raises(SourcesError, match="unknown source nope"):
        frontier.get_sources(con, ["wire", "nope"])


def test_a_url_is_queued_once_and_requeued_only_when_asked(con: duckdb.DuckDBPyConnection) -> None:
    assert frontier.enqueue(con, _found("/a", "/b", "/a"), "wire", "load-1") == 2
    assert frontier.enqueue(con, _found("/a", "/c"), "wire", "load-2") == 1
    frontier.record_fetches(con, [_fetched("https://news.test/a")], "run-1", "load-3")
    assert _frontier_row(con, "https://news.test/a") == ("fetched", 1, None, "ok")

    assert frontier.enqueue(con, _found("/a"), "wire", "load-4") == 0
    assert _frontier_row(con, "https://news.test/a") == ("fetched", 1, None, "ok")
    assert frontier.enqueue(con, _found("/a"), "wire", "load-5", requeue=True) == 0
    assert _frontier_row(con, "https://news.test/a") == ("queued", 1, None, "ok")
    assert frontier.enqueue(con, [], "wire", "load-6") == 0


def test_due_filters_by_source_and_url_and_caps_each_source(con: duckdb.DuckDBPyConnection) -> None:
    frontier.enqueue(con, _found("/1", "/2", "/3"), "wire", "load-1")
    frontier.enqueue(con, _found("/x", host="other.test"), "other", "load-2")

    everything = frontier.due(con)
    assert [i.canonical_url for i in everything.items] == [
        "https://news.test/1", "https://news.test/2", "https://news.test/3", "https://other.test/x"]
    capped = frontier.due(con, per_source=2)
    assert [i.url for i in capped.items] == ["https://news.test/1", "https://news.test/2", "https://other.test/x"]
    assert capped.deferred == 1
    assert [i.source_id for i in frontier.due(con, source_ids=["other"]).items] == ["other"]
    named = frontier.due(con, canonical_urls=["https://news.test/2", "https://nowhere.test/"])
    assert [i.canonical_url for i in named.items] == ["https://news.test/2"]
    assert frontier.due(con, source_ids=[]).items == []


def test_crawls_claiming_at_once_take_different_urls_and_a_dead_crawls_claim_lapses(
        con: duckdb.DuckDBPyConnection) -> None:
    """A claim leases its URLs: a second crawl claims only the others; a fetch row settles a URL (its lease gone
    with its state); a URL whose crawl died is claimed again once the lease ends."""
    frontier.enqueue(con, _found("/1", "/2", "/3"), "wire", "load-1")
    first = frontier.claim_due(con, now=T0, per_source=2)
    second = frontier.claim_due(con, now=T0 + timedelta(seconds=1))
    assert [i.url for i in first.items] == ["https://news.test/1", "https://news.test/2"]
    assert [i.url for i in second.items] == ["https://news.test/3"]
    assert frontier.claim_due(con, now=T0 + timedelta(seconds=2)).items == []
    frontier.record_fetches(con, [_fetched("https://news.test/1", at=T0 + timedelta(seconds=5))], "run-1", "load-2")
    assert _frontier_row(con, "https://news.test/1") == ("fetched", 1, None, "ok")
    lapsed = T0 + timedelta(seconds=frontier.CLAIM_LEASE_SECONDS)  # the first crawl died before fetching /2
    assert [i.url for i in frontier.claim_due(con, now=lapsed).items] == ["https://news.test/2"]


def test_a_transient_failure_waits_a_doubling_delay_then_gives_up(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://news.test/flaky"
    frontier.enqueue(con, _found("/flaky"), "wire", "load-1")
    for attempt in range(frontier.MAX_ATTEMPTS):
        at = T0 + timedelta(days=attempt)
        frontier.record_fetches(con, [_fetched(url, "timeout", None, None, at, retry_later=True)], "run", f"l{attempt}")
        delay = timedelta(seconds=min(frontier.RETRY_CAP_SECONDS, frontier.RETRY_BASE_SECONDS * 2 ** attempt))
        assert _frontier_row(con, url) == ("retry", attempt + 1, at + delay, "timeout")
        assert frontier.due(con, now=at + delay - timedelta(seconds=1)).items == []
        assert [i.url for i in frontier.due(con, now=at + delay).items] == [url]

    claimed = frontier.claim_due(con, now=T0 + timedelta(days=30))
    assert claimed.items == [] and _frontier_row(con, url) == ("failed", frontier.MAX_ATTEMPTS, None, "timeout")
    assert frontier.requeue_fetched(con, ["wire"]) == 1
    assert [i.url for i in frontier.claim_due(con).items] == [url]


def test_a_server_retry_after_longer_than_the_backoff_is_respected(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://news.test/busy"
    frontier.enqueue(con, _found("/busy"), "wire", "load-1")
    record = _fetched(url, "rate_limited", 429, None, retry_later=True)
    record = record.model_copy(update={"result": record.result.model_copy(update={"retry_after_seconds": 7200.0})})
    frontier.record_fetches(con, [record], "run", "load-2")
    assert _frontier_row(con, url) == ("retry", 1, T0 + timedelta(hours=2), "rate_limited")


def test_validators_are_kept_only_from_a_successful_fetch_that_may_store_them(con: duckdb.DuckDBPyConnection) -> None:
    frontier.record_fetches(con, [
        _fetched("https://news.test/ok", etag='"old"', at=T0),
        _fetched("https://news.test/ok", etag='"new"', at=T0 + timedelta(minutes=1)),
        _fetched("https://news.test/missing", "not_found", 404, '"x"'),
        _fetched("https://news.test/window", store_validators=False),
    ], "run-1", "load-1")
    urls = ["https://news.test/ok", "https://news.test/missing", "https://news.test/window"]
    stored = frontier.stored_validators(con, urls)
    assert list(stored) == ["https://news.test/ok"] and stored["https://news.test/ok"].etag == '"new"'
    assert frontier.stored_validators(con, []) == {}
    rows = con.execute("select url, outcome, run_id, load_id from fetches order by fetched_at, url").fetchall()
    assert len(rows) == 4 and {r[2:] for r in rows} == {("run-1", "load-1")}


def test_a_round_is_recorded_whole_or_not_at_all(con: duckdb.DuckDBPyConnection) -> None:
    frontier.enqueue(con, _found("/a"), "wire", "load-1")
    trust = {"news.test": HostTrust(trusted=False, strikes=3, since_check=1, reason="etag reused")}
    frontier.record_round(con, [_fetched("https://news.test/a")], trust, "run-1", "load-2")
    assert frontier.load_trust(con) == trust
    assert _frontier_row(con, "https://news.test/a") == ("fetched", 1, None, "ok")

    frontier.enqueue(con, _found("/b"), "wire", "load-3")
    unstorable = {"news.test": HostTrust(trusted=None)}  # breaks a not-null column
    with pytest.raises(duckdb.ConstraintException):
        frontier.record_round(con, [_fetched("https://news.test/b")], unstorable, "run-2", "load-4")
    assert _frontier_row(con, "https://news.test/b") == ("queued", 0, None, None)
    assert con.execute("select count(*) from fetches where run_id = 'run-2'").fetchone() == (0,)
    assert frontier.load_trust(con) == trust


def test_a_bad_seed_row_names_its_line_and_a_repeated_id_is_refused(tmp_path: Path) -> None:
    seed = tmp_path / "sources.csv"
    seed.write_text("source_id,kind,url,schedule,enabled\nwire,rss,https://news.test/feed,,true\n"
                    "bad,rss,ftp://news.test/feed,,true\n", encoding="utf-8")
    with pytest.raises(SourcesError, match=r"sources.csv:3: .*url"):
        frontier.read_sources_csv(seed)
    seed.write_text("source_id,kind,url,schedule,enabled,rate_per_second\nwire,rss,https://news.test/feed,,yes,2\n"
                    "wire,page,https://news.test/,,no,\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="duplicate source_id wire"):
        frontier.read_sources_csv(seed)

"""Deployments served by `ingest serve` against a real `prefect server start` on loopback.

One server (on a private PostgreSQL cluster, as in docker-compose.yml) and one `ingest serve` process per module.
Runs are triggered and checked only through the Prefect REST API (flow run, task runs, artifacts), and the
warehouse is read back with DuckDB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.support.fetch_site import Reply, Site
from tests.support.news_pages import TOPICS, article_page, write_articles
from tests.support.paths import BIN, REPO_ROOT, SEED_ARTICLE
from tests.support.prefect_server import PrefectServer

pytestmark = pytest.mark.slow

DEPLOYMENTS = ("ingest-sources/ingest-sources", "ingest-files/ingest-files", "enrich-articles/enrich",
               "maintenance/maintenance")


@dataclass(frozen=True)
class Stack:
    server: PrefectServer
    api: httpx.Client
    warehouse: Path
    inbox: Path
    workdir: Path


FEED_DAYS = [datetime(2024, 5, day, 12, 0, tzinfo=UTC) for day in range(1, 8)]


def rss_feed(site: Site) -> bytes:
    """One story a day for a week; the same bytes on every request, so a backfill's intervals after the first (and
    those running side by side) find it unchanged and must still read their own stories from it."""
    items = "".join(
        f"<item><title>Day {n} story</title><link>{site.url(f'/story/{n}')}</link><guid>{site.url(f'/story/{n}')}"
        f"</guid><pubDate>{format_datetime(day, usegmt=True)}</pubDate></item>"
        for n, day in enumerate(FEED_DAYS, start=1))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local news</title>'
            f"<link>{site.url('/')}</link><description>A week of stories</description>"
            f"<lastBuildDate>{format_datetime(FEED_DAYS[-1], usegmt=True)}</lastBuildDate>{items}</channel></rss>"
            ).encode()


FEED_HEADERS = {"Content-Type": "application/rss+xml", "ETag": '"week-1"'}


@pytest.fixture(scope="module")
def feed_site() -> Iterator[Site]:
    """A news site on loopback: an RSS feed with one story a day for a week, and the stories."""
    site = Site()
    feed = rss_feed(site)
    site.route("/feed.xml", lambda hit: Reply(304, b"", FEED_HEADERS)  # a server that honours conditional GETs
               if hit.headers.get("if-none-match") == FEED_HEADERS["ETag"] else Reply(200, feed, FEED_HEADERS))
    for n, topic in enumerate(TOPICS[11:18], start=1):
        site.route(f"/story/{n}", Reply(200, article_page(topic, day=n).encode()))
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, feed_site: Site, deployment_id: Callable[..., str | None],
          postgres_database: Callable[[], AbstractContextManager[str]],
          start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]],
          start_process: Callable[..., subprocess.Popen[bytes]], stop_process: Callable[..., None],
          wait_until: Callable[..., Any]) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("served")
    sources = workdir / "sources.csv"
    sources.write_text("source_id,kind,url,schedule,enabled,rate_per_second\n"
                       f"local-feed,rss,{feed_site.url('/feed.xml')},,false,\n")
    inbox = workdir / "inbox"
    write_articles(inbox, TOPICS[:3])
    shutil.copy(SEED_ARTICLE, inbox)
    (inbox / "junk.html").write_bytes(b"\0\1\2" * 100)
    warehouse = workdir / "news.duckdb"
    with postgres_database() as database, start_prefect_server(workdir, database_url=database) as server, \
            server.api() as api:
        env = server.client_env(INGEST_WAREHOUSE=str(warehouse), INGEST_INBOX=str(inbox),
                                INGEST_EXPORT_DIR=str(workdir / "export"), INGEST_BATCH_SIZE="2",
                                INGEST_SOURCES_CSV=str(sources), INGEST_ALLOW_PRIVATE_HOSTS="true",
                                INGEST_HOST_RATE_PER_SECOND="50", INGEST_NER_PROCESSES="1")
        serve = start_process([str(BIN / "ingest"), "serve", "--pause", "ingest-files", "--pause", "maintenance"],
                              env, workdir / "ingest-serve.log")
        try:
            wait_until(lambda: all(deployment_id(api, name) for name in DEPLOYMENTS), 120, "ingest serve", serve)
            yield Stack(server, api, warehouse, inbox, workdir)
        finally:
            stop_process(serve)


def _loaded(warehouse: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


def test_a_served_deployment_run_shows_its_tasks_artifacts_and_articles(
    stack: Stack, artifacts: Callable[..., dict[str, dict[str, Any]]], run_deployment: Callable[..., str],
    table_data: Callable[..., list[dict[str, Any]]], task_runs: Callable[..., list[dict[str, Any]]],
    wait_for_state: Callable[..., dict[str, Any]],
) -> None:
    run_id = run_deployment(stack.api, "ingest-files/ingest-files")
    run = wait_for_state(stack.api, run_id)
    assert run["state_type"] == "COMPLETED", run["state"]
    assert run["state"]["message"].startswith("loaded 4 articles, 1 new rejects")

    tasks = task_runs(stack.api, run_id)
    by_task = Counter(t["name"].rsplit("-", 1)[0] for t in tasks)
    # 5 inputs in batches of 2: three batches, each transformed, loaded and deduplicated once in one warehouse
    # window (the next batch's look-up rides in it), plus a last window for the last batch's entities if it had any
    expected = {"begin-run": 1, "find-loaded": 1, "transform-batch": 3, "load-articles": 3, "dedupe-articles": 3,
                "annotate-articles": 3, "end-run": 1, "assess_run": 1}
    assert {name: by_task[name] for name in expected} == expected
    assert by_task["write-batch"] in (3, 4)
    assert {t["state_type"] for t in tasks} == {"COMPLETED"}

    found = artifacts(stack.api, run_id)
    assert {"ingest-run-counts", "ingest-data-quality"} <= set(found)
    counts = {row["counter"]: row["count"] for row in table_data(found["ingest-run-counts"])}
    assert counts["inputs"] == 5 and counts["loaded_articles"] == 4
    assert counts["rejected:extract:binary_content"] == 1
    markdown = found["ingest-data-quality"]["data"]
    assert "| articles loaded | 4 |" in markdown
    assert "| share with author | 100.0% |" in markdown and "| share with publication date | 75.0% |" in markdown

    assert _loaded(stack.warehouse, "select count(*) from articles") == [(4,)]
    assert _loaded(stack.warehouse, "select flow_run_id, status from runs") == [(run_id, "completed")]

    status = subprocess.run([str(BIN / "ingest"), "status", "-w", str(stack.warehouse)], capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert f"ingest-files:{stack.inbox}" in status.stdout and "articles loaded" in status.stdout


def _interval(run: dict[str, object]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(str(run["start_time"])), datetime.fromisoformat(str(run["end_time"]))


def test_two_writing_runs_at_once_take_turns_and_lose_nothing(
    stack: Stack, flow_run: Callable[..., dict[str, Any]], flow_runs_of: Callable[..., list[dict[str, Any]]],
    holding_writer_slot: Callable[..., AbstractContextManager[Any]], run_deployment: Callable[..., str],
    task_runs: Callable[..., list[dict[str, Any]]], wait_for_state: Callable[..., dict[str, Any]],
    wait_until: Callable[..., Any],
) -> None:
    first = write_articles(stack.workdir / "first", TOPICS[3:6])
    second = write_articles(stack.workdir / "second", TOPICS[6:9])
    shared = write_articles(stack.workdir / "shared", TOPICS[9:10])[0]
    before = len(flow_runs_of(stack.api, "ingest-files"))
    articles_before = _loaded(stack.warehouse, "select count(*) from articles")[0][0]
    with holding_writer_slot(stack.warehouse):  # both runs start while the warehouse is taken, so they overlap
        served = run_deployment(stack.api, "ingest-files/ingest-files",
                                {"paths": [str(p) for p in (*first, shared)], "batch_size": 1})
        manual = subprocess.Popen(
            [str(BIN / "ingest"), "run", *map(str, second), str(shared), "--batch-size", "1",
             "-w", str(stack.warehouse)],
            env=stack.server.client_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_state(stack.api, served, {"RUNNING"}, timeout=120)
            wait_until(lambda: len([r for r in flow_runs_of(stack.api, "ingest-files")
                                    if r["state_type"] == "RUNNING"]) == 2, 120, "both runs running")
            time.sleep(1)
        except BaseException:
            manual.kill()
            raise
    _out, err = manual.communicate(timeout=300)
    assert manual.returncode == 0, err[-2000:]
    runs = [r for r in flow_runs_of(stack.api, "ingest-files")]
    assert len(runs) == before + 2
    served_run = wait_for_state(stack.api, served)
    [manual_run] = [r for r in runs if r["id"] != served and r["deployment_id"] is None]
    manual_run = flow_run(stack.api, manual_run["id"])
    assert served_run["state_type"] == manual_run["state_type"] == "COMPLETED"

    a, b = _interval(served_run), _interval(manual_run)
    assert a[0] < b[1] and b[0] < a[1], "the two runs did not overlap in time"
    tasks = [(t, run_id) for run_id in (served, manual_run["id"]) for t in task_runs(stack.api, run_id)]
    assert sum(t["name"].startswith("load-articles") for t, _ in tasks) == 8
    # The writes nested in each batch window run while it holds the writer lock (a `write-batch` task itself may
    # start before it gets the lock, so its own times can overlap another run's): no two runs' writes overlap.
    writes = [(datetime.fromisoformat(t["start_time"]), datetime.fromisoformat(t["end_time"]), run_id)
              for t, run_id in tasks if t["name"].startswith(("load-articles", "dedupe-articles", "load-entities"))]
    assert {run for *_, run in writes} == {served, manual_run["id"]}
    for start, end, run in writes:
        for other_start, other_end, other_run in writes:
            if run != other_run:
                assert end <= other_start or other_end <= start, "two runs wrote the warehouse at the same time"

    titles = {t for (t,) in _loaded(stack.warehouse, "select title from articles")}
    assert {f"News about the {topic}" for topic in TOPICS[:10]} <= titles
    after = articles_before + 7  # the shared file is loaded once, by whichever run got to it first
    assert _loaded(stack.warehouse, "select count(*), count(distinct article_id) from articles") == [(after, after)]


def test_a_run_that_cannot_get_the_writer_slot_waits_then_fails_in_one_line(
    stack: Stack, flow_runs_of: Callable[..., list[dict[str, Any]]],
    holding_writer_slot: Callable[..., AbstractContextManager[Any]],
) -> None:
    inputs = write_articles(stack.workdir / "late", TOPICS[10:12])
    with holding_writer_slot(stack.warehouse):
        result = subprocess.run(
            [str(BIN / "ingest"), "run", *map(str, inputs), "-w", str(stack.warehouse)],
            env=stack.server.client_env(INGEST_WRITER_TIMEOUT_SECONDS="3"), capture_output=True, text=True,
            timeout=300)
    assert result.returncode == 1
    # Prefect's run log (above) keeps the traceback; the command ends on one plain line saying what to do
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: warehouse") and "is busy" in last
    assert "test-holder" in last and f"pid {os.getpid()}" in last  # the real holder: this test
    failed = [r for r in flow_runs_of(stack.api, "ingest-files") if r["state_type"] == "FAILED"]
    assert len(failed) == 1 and "is busy" in failed[0]["state"]["message"]
    assert _loaded(stack.warehouse, "select count(*) from articles where title like '%ferry%'") == [(0,)]


def test_the_maintenance_deployment_checkpoints_and_exports_parquet(
    stack: Stack, artifacts: Callable[..., dict[str, dict[str, Any]]], run_deployment: Callable[..., str],
    table_data: Callable[..., list[dict[str, Any]]], wait_for_state: Callable[..., dict[str, Any]],
) -> None:
    run_id = run_deployment(stack.api, "maintenance/maintenance")
    run = wait_for_state(stack.api, run_id)
    assert run["state_type"] == "COMPLETED", run["state"]
    exported = {row["table"]: row["rows"] for row in table_data(artifacts(stack.api, run_id)["warehouse-export"])}
    articles = _loaded(stack.warehouse, "select count(*) from articles")[0][0]
    assert exported["articles"] == articles
    with duckdb.connect() as con:
        files = str(stack.workdir / "export" / "articles" / "*" / "*.parquet")
        row = con.execute(f"select count(*), count(distinct article_date) from read_parquet('{files}', "
                          "hive_partitioning = true)").fetchone()
    assert row is not None and row[0] == articles and row[1] >= 2


def _backfill(stack: Stack) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ingest"), "backfill", "--source", "local-feed", "--start", "2024-05-01", "--end", "2024-05-08",
         "--every", "1d", "--max-active", "2"], env=stack.server.client_env(), capture_output=True, text=True,
        timeout=900)


def _backfill_runs(stack: Stack, flow_runs_of: Callable[..., list[dict[str, Any]]]) -> list[dict[str, object]]:
    return [r for r in flow_runs_of(stack.api, "ingest-sources") if "backfill" in r["tags"]]


def test_a_backfill_of_seven_days_runs_each_interval_once_and_a_repeat_adds_nothing(
    stack: Stack, feed_site: Site, artifacts: Callable[..., dict[str, dict[str, Any]]],
    table_data: Callable[..., list[dict[str, Any]]], flow_runs_of: Callable[..., list[dict[str, Any]]],
) -> None:
    story_count = "select count(*), count(distinct article_id) from articles where url like '%/story/%'"
    first = _backfill(stack)
    assert first.returncode == 0, first.stderr[-3000:]
    runs = _backfill_runs(stack, flow_runs_of)
    assert len(runs) == 7 and {r["state_type"] for r in runs} == {"COMPLETED"}
    intervals = sorted((r["parameters"]["start"], r["parameters"]["end"]) for r in runs)
    assert intervals == [(f"2024-05-0{d}T00:00:00", f"2024-05-0{d + 1}T00:00:00") for d in range(1, 8)]
    assert _loaded(stack.warehouse, story_count) == [(7, 7)]
    assert all(feed_site.hits_for(f"/story/{n}") for n in range(1, 8))
    feed_hits = feed_site.hits_for("/feed.xml")  # every interval read the unchanged feed in full
    assert len(feed_hits) == 7 and not any("if-none-match" in hit.headers for hit in feed_hits)
    quality = [artifacts(stack.api, str(r["id"]))["ingest-data-quality"]["data"] for r in runs]
    assert sum(int(q.split("| articles loaded | ")[1].split(" ")[0]) for q in quality) == 7
    health = table_data(artifacts(stack.api, str(runs[0]["id"]))["ingest-source-health"])
    assert [row["source_id"] for row in health] == ["local-feed"]

    again = _backfill(stack)
    assert again.returncode == 0, again.stderr[-3000:]
    repeat = [r for r in _backfill_runs(stack, flow_runs_of) if r["id"] not in {run["id"] for run in runs}]
    assert len(repeat) == 7 and {r["state_type"] for r in repeat} == {"COMPLETED"}
    assert _loaded(stack.warehouse, story_count) == [(7, 7)]
    assert all("| articles loaded | 0 |" in artifacts(stack.api, str(r["id"]))["ingest-data-quality"]["data"]
               for r in repeat)


def test_prefect_yaml_deploys_the_same_deployments_to_a_work_pool(stack: Stack) -> None:
    """Last in the module: it re-registers the four deployments (same names) on the `ingest` work pool."""
    created = stack.api.post("/work_pools/", json={"name": "ingest", "type": "process"})
    assert created.status_code in (201, 409), created.text
    result = subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=REPO_ROOT,
                            env=stack.server.client_env(INGEST_HOME=str(REPO_ROOT)), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    for name in DEPLOYMENTS:
        deployment = stack.api.get(f"/deployments/name/{name}").json()
        assert deployment["work_pool_name"] == "ingest", name
        assert deployment["pull_steps"][0]["prefect.deployments.steps.set_working_directory"] == {
            "directory": str(REPO_ROOT)}
    files = stack.api.get("/deployments/name/ingest-files/ingest-files").json()
    assert files["parameters"] == {"paths": ["/app/inbox"], "warehouse_path": "/app/warehouse/news.duckdb"}
    assert [s["schedule"]["interval"] for s in files["schedules"]] == [300.0]
    assert files["global_concurrency_limit"]["limit"] == 1
    assert files["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"

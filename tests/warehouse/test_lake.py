"""The warehouse on DuckLake (ingest.warehouse.lake), against a real private PostgreSQL cluster as the catalog.

`ingest run` and `ingest sql` are run as a user runs them (the console script, a Prefect server of the module's own),
once on a DuckDB file and once on a lake, and the two warehouses are compared table by table.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from flows.maintenance import maintenance_flow
from ingest.fetch.client import FetchResult
from ingest.fetch.discover import Discovered
from ingest.fetch.validators import HostTrust
from ingest.settings import Settings, without_password
from ingest.warehouse import connection as warehouse
from ingest.warehouse import frontier, lake, maintenance, search
from tests.support.fetch_site import Reply, Site, html_page
from tests.support.news_pages import write_articles
from tests.support.paths import SEEDS
from tests.support.prefect_server import PrefectServer, prefect_server

INGEST = str(Path(sys.executable).with_name("ingest"))
# The tables a run writes, compared between the two backends (runs, loads and run_quality hold run ids and times).
COMPARED = ("documents", "articles", "article_embeds", "article_furniture", "rejects", "input_warnings",
            "dedupe_fingerprints", "article_duplicates", "article_stories", "article_versions", "entities",
            "entity_mentions", "article_entities", "article_enrichment")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Iterator[PrefectServer]:
    with prefect_server(tmp_path_factory.mktemp("lake-prefect")) as running:
        yield running


def _env(settings: Settings, server: PrefectServer, **extra: str) -> dict[str, str]:
    env = server.client_env(INGEST_WAREHOUSE=str(settings.warehouse), **extra)
    env.pop("INGEST_LAKE_DATA_PATH", None)
    if settings.lake_data_path is not None:
        env["INGEST_LAKE_DATA_PATH"] = str(settings.lake_data_path)
    return env


def _ingest(settings: Settings, server: PrefectServer, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=600,
                          env=_env(settings, server, **env))


def _table_rows(output: str) -> list[tuple[str, ...]]:
    """The body rows of the tables a command printed (its title, naming the warehouse, left out)."""
    return [tuple(cell.strip() for cell in line.strip("│").split("│")) for line in output.splitlines()
            if line.startswith("│")]


def _run(settings: Settings, server: PrefectServer, *inputs: Path) -> None:
    result = _ingest(settings, server, "run", *map(str, inputs))
    assert result.returncode == 0, result.stderr[-3000:]


def _corpus(directory: Path, topics: tuple[str, ...]) -> Path:
    """Generated pages, an exact copy of the first (a duplicate for dedupe) and a file that is no page (a reject)."""
    pages = write_articles(directory, topics)
    shutil.copy(pages[0], directory / "copy-of-first.html")
    (directory / "junk.html").write_bytes(b"\0\1\2" * 100)
    return directory


def _counts(settings: Settings) -> dict[str, int]:
    con = warehouse.connect(settings, read_only=True)
    try:
        return {name: _count(con, name) for name in COMPARED}
    finally:
        con.close()


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0


# --- the migrations, translated --------------------------------------------------------------------------------


def test_lake_dialect_drops_keys_checks_and_indexes_but_not_comments_or_literals() -> None:
    """A column's primary key keeps its NOT NULL half, which DuckLake takes."""
    sql = ("-- a primary key, unique per run\n"
           "create table t (id varchar primary key, kind varchar not null check (kind in ('a (1)', 'b')),\n"
           "    n integer default 0 unique, note varchar default 'primary key', primary key (id, n));\n"
           "create table u (a integer, b integer, constraint ab unique (a, b), check ((a > 0) and (b > 0)));\n"
           "create unique index u_a on u (a);\n"
           "insert into u values (1, 2);")
    assert lake.lake_dialect(sql) == (
        "-- a primary key, unique per run\n"
        "create table t (id varchar not null, kind varchar not null,\n"
        "    n integer default 0, note varchar default 'primary key');\n"
        "create table u (a integer, b integer);\n"
        "\n"
        "insert into u values (1, 2);")


def test_lake_dialect_refuses_a_sequence() -> None:
    with pytest.raises(warehouse.WarehouseError, match="sequence article_seq"):
        lake.lake_dialect("create sequence article_seq start 1;")


def test_every_migration_translates_to_sql_without_constraints() -> None:
    for path in warehouse.migration_files():
        translated = lake.lake_dialect(path.read_text())
        code = re.sub(r"--[^\n]*", "", translated).lower()
        assert not re.search(r"primary\s+key|\bunique\b|\bcheck\s*\(|create\s+index", code), path.name
        # Nothing else is touched: every comment line of the source is still there.
        assert re.findall(r"--[^\n]*", translated) == re.findall(r"--[^\n]*", path.read_text()), path.name


def test_a_lake_without_a_data_path_is_refused_in_one_line() -> None:
    settings = Settings(warehouse=Path("ducklake:postgres:dbname=x password=secret"), lake_data_path=None)
    with pytest.raises(warehouse.WarehouseError, match="INGEST_LAKE_DATA_PATH") as raised:
        warehouse.connect(settings)
    assert "secret" not in str(raised.value)


def test_a_lake_named_with_or_without_its_password_is_one_lock_and_one_parameter() -> None:
    """A run holds the lock under the catalog it was given (with the password), a flow run under the parameter
    (without): both must be the same lake's one lock. Messages show the password as ***."""
    full = "ducklake:postgres:dbname=news host=db port=5432 user=u password='a b'"
    bare = "ducklake:postgres:dbname=news host=db port=5432 user=u"
    assert lake.lock_key(full) == lake.lock_key(bare) != lake.lock_key(bare.replace("news", "other"))
    assert lake.redacted(full) == bare + " password=***"
    assert warehouse.flow_parameter(Settings(warehouse=Path(full))) == bare
    assert warehouse.flow_parameter(Settings(warehouse=Path("w.duckdb"))) == str(Path("w.duckdb").absolute())


def test_an_unreachable_catalog_is_one_line_without_the_password(tmp_path: Path) -> None:
    settings = Settings(warehouse=Path("ducklake:postgres:dbname=x host=127.0.0.1 port=1 user=u password=secret"),
                        lake_data_path=tmp_path / "data")
    with pytest.raises(warehouse.WarehouseError, match="Unable to connect") as raised:
        warehouse.connect(settings)
    assert "secret" not in str(raised.value) and "\n" not in str(raised.value)


def test_migrations_apply_on_a_fresh_lake_and_again(lake_settings: Settings) -> None:
    files = warehouse.migration_files()
    con = warehouse.connect(lake_settings)
    try:
        assert warehouse.migrate(con) == [path.stem for path in files]
        assert lake.is_lake_connection(con)
        assert {r.name for r in warehouse.relations(con, counts=False)} >= {"articles", "documents", "stories"}
    finally:
        con.close()
    con = warehouse.connect(lake_settings)  # a second process's view: nothing left to apply
    try:
        assert warehouse.migrate(con) == []
        ledger = con.execute("select version, checksum from schema_migrations order by version").fetchall()
    finally:
        con.close()
    # The checksum is the source file's, as on a DuckDB file: the translation is no second source of truth.
    assert ledger == [(int(p.name[:3]), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]


def test_is_lake_connection_asks_duckdb_once_per_connection(lake_settings: Settings, tmp_path: Path) -> None:
    """The storage modules ask on every look-up; the answer is decided on a connection's first question and kept
    for its life (a closed connection can run no query, yet still answers), each connection its own."""
    lake_con = warehouse.connect(lake_settings)
    file_con = warehouse.connect(Settings(warehouse=tmp_path / "news.duckdb"))
    try:
        assert lake.is_lake_connection(lake_con) and not lake.is_lake_connection(file_con)
    finally:
        lake_con.close()
        file_con.close()
    with pytest.raises(duckdb.ConnectionException):
        lake_con.execute("select 1")
    assert lake.is_lake_connection(lake_con) and not lake.is_lake_connection(file_con)
    never_asked = duckdb.connect()
    never_asked.close()
    with pytest.raises(duckdb.ConnectionException):
        lake.is_lake_connection(never_asked)


def test_a_fresh_lake_has_the_columns_of_a_fresh_file_nullability_included(lake_settings: Settings,
                                                                          tmp_path: Path) -> None:
    """Key columns stay NOT NULL on a lake (a column's primary key keeps that half), so `ingest schema` agrees."""
    columns = {}
    for name, settings in {"file": Settings(warehouse=tmp_path / "news.duckdb"), "lake": lake_settings}.items():
        with warehouse.open_warehouse(settings) as con:
            columns[name] = {r.name: warehouse.columns_of(con, r.name) for r in warehouse.relations(con, counts=False)
                             if r.kind == "table" and r.name != "schema_migrations"}
    assert not {c.name: c.nullable for c in columns["file"]["articles"]}["article_id"]
    assert columns["lake"] == columns["file"]


def test_a_lake_exists_once_migrated_not_when_merely_opened(lake_settings: Settings) -> None:
    """`warehouse_exists`, what a run asks before looking up what is loaded: a lake opened writable has DuckLake's
    catalog and an empty migrations ledger, which is no warehouse yet; `open_warehouse` migrates it."""
    assert not warehouse.warehouse_exists(lake_settings)
    with pytest.raises(warehouse.WarehouseError, match="no warehouse at .*run `ingest run` first"):
        warehouse.connect(lake_settings, read_only=True)
    warehouse.connect(lake_settings).close()
    assert not warehouse.warehouse_exists(lake_settings)
    with warehouse.open_warehouse(lake_settings) as con:
        assert {"articles", "frontier"} <= {r.name for r in warehouse.relations(con, counts=False)}
    assert warehouse.warehouse_exists(lake_settings)


def test_processes_meeting_a_new_lake_at_once_all_open_it(lake_settings: Settings) -> None:
    """Each creates DuckLake's catalog tables on first use; the ones that lose that race try again and get in.
    (The race depends on timing: two `ingest run`s starting together lost it here once without the retry.)"""
    env = {**os.environ, "INGEST_WAREHOUSE": str(lake_settings.warehouse),
           "INGEST_LAKE_DATA_PATH": str(lake_settings.lake_data_path)}
    opening = ("from ingest.settings import Settings\nfrom ingest.warehouse import connection\n"
               "connection.connect(Settings()).close()")
    openers = [subprocess.Popen([sys.executable, "-c", opening], env=env, text=True, stderr=subprocess.PIPE)
               for _ in range(3)]
    for process in openers:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr[-2000:]


# --- the CLI on a lake, beside a DuckDB file loaded from the same inputs ------------------------------------------


@dataclass(frozen=True)
class Twins:
    """A DuckDB file and a lake each loaded twice by `ingest run` from the same inputs, and what the second run
    printed on each. The tests below do the same to both and compare what they print and hold."""

    file: Settings
    lake: Settings
    second_run: dict[str, list[tuple[str, ...]]]

    def both(self) -> dict[str, Settings]:
        return {"file": self.file, "lake": self.lake}


@pytest.fixture(scope="module")
def twins(new_lake: Callable[[Path], Settings], server: PrefectServer,
          tmp_path_factory: pytest.TempPathFactory) -> Twins:
    root = tmp_path_factory.mktemp("twins")
    corpus = _corpus(root / "corpus", ("harbour", "orchard", "railway"))
    backends = {"file": Settings(warehouse=root / "news.duckdb"), "lake": new_lake(root)}
    for settings in backends.values():
        _run(settings, server, SEEDS, corpus)
    second = {}
    for name, settings in backends.items():  # the same inputs again: nothing new
        result = _ingest(settings, server, "run", str(SEEDS), str(corpus))
        assert result.returncode == 0, result.stderr[-3000:]
        second[name] = _table_rows(result.stdout)
    return Twins(backends["file"], backends["lake"], second)


def _each(twins: Twins, server: PrefectServer, *args: str) -> dict[str, subprocess.CompletedProcess[str]]:
    results = {name: _ingest(settings, server, *args) for name, settings in twins.both().items()}
    for name, result in results.items():
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
    return results


def test_ingest_run_on_a_lake_loads_what_a_duckdb_file_loads_and_once(twins: Twins) -> None:
    expected = _counts(twins.file)
    assert expected["articles"] == 5 and expected["rejects"] == 1 and expected["article_duplicates"] == 1
    assert expected["entity_mentions"] > 0
    assert _counts(twins.lake) == expected


def test_a_second_run_on_a_lake_extracts_nothing_and_says_it_is_already_loaded(twins: Twins) -> None:
    """The run looks up which inputs the lake holds before extracting them, as on a file (no re-extraction, no
    re-enrichment of what is there)."""
    counts = dict(twins.second_run["lake"])
    assert counts["already_loaded"] == "5" and counts["articles"] == counts["loaded_articles"] == "0"
    assert "enriched_articles" not in counts
    assert twins.second_run["lake"] == twins.second_run["file"]


def test_ingest_sql_on_a_lake_answers_as_on_a_file(twins: Twins, server: PrefectServer) -> None:
    for query in ("select count(*) as n, count(distinct story_id) as stories from article_stories",
                  "select article_id, title, author, word_count from articles order by article_id",
                  "select type, count(*) as n from entities group by all order by all"):
        answers = {name: json.loads(r.stdout) for name, r in _each(twins, server, "sql", query, "-f", "json").items()}
        assert answers["lake"] == answers["file"] and answers["file"], query
    refused = _ingest(twins.lake, server, "sql", f"copy articles to '{twins.lake.lake_data_path}/x.csv'")
    assert refused.returncode != 0 and "ingest export" in refused.stderr
    assert twins.lake.lake_data_path is not None and not (twins.lake.lake_data_path / "x.csv").exists()


def test_ingest_status_on_a_lake_prints_what_it_prints_on_a_file(twins: Twins, server: PrefectServer) -> None:
    printed = {name: re.sub(r"\(run [^)]*\)", "(run ...)", result.stdout)  # each warehouse names its own run ids
               for name, result in _each(twins, server, "status", "--runs", "0").items()}
    assert "Data quality" in printed["file"] and "No stage work pending" in printed["file"]
    assert printed["lake"] == printed["file"]


def test_ingest_export_of_a_lake_writes_what_a_file_writes(
        twins: Twins, server: PrefectServer, tmp_path: Path) -> None:
    tables = {}
    for name, settings in twins.both().items():
        result = _ingest(settings, server, "export", str(tmp_path / name))
        assert result.returncode == 0, result.stderr[-3000:]
        tables[name] = [row[:2] for row in _table_rows(result.stdout)]  # (table, rows): the paths differ
        with duckdb.connect() as con:
            titles = con.execute("select title from read_parquet(?, hive_partitioning = true) order by all",
                                 [f"{tmp_path / name}/articles/**/*.parquet"]).fetchall()
        tables[name].append(("titles", repr(titles)))
    assert ("articles", "5") in tables["file"] and tables["lake"] == tables["file"]


def test_ingest_reprocess_on_a_lake_does_what_it_does_on_a_file(twins: Twins, server: PrefectServer) -> None:
    before = _counts(twins.file)
    results = _each(twins, server, "reprocess", "--force")
    printed = {name: _table_rows(result.stdout) for name, result in results.items()}
    assert dict(printed["file"])["documents"] == "6" and printed["lake"] == printed["file"]
    assert _counts(twins.lake) == _counts(twins.file) == before  # same extractor: nothing replaced


def test_ingest_enrich_on_a_lake_does_what_it_does_on_a_file(twins: Twins, server: PrefectServer) -> None:
    printed = {name: _table_rows(result.stdout) for name, result in _each(twins, server, "enrich").items()}
    assert dict(printed["file"])["enriched_articles"] == "5" and printed["lake"] == printed["file"]
    assert _counts(twins.lake) == _counts(twins.file)


def test_two_runs_at_once_on_different_inputs_both_land_every_row(
        lake_settings: Settings, server: PrefectServer, tmp_path: Path) -> None:
    first = write_articles(tmp_path / "first", ("library", "glacier", "vineyard"))
    second = write_articles(tmp_path / "second", ("bakery", "stadium", "ferry", "canal"))
    env = _env(lake_settings, server)
    runs = [subprocess.Popen([INGEST, "run", str(tmp_path / name)], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("first", "second")]
    for process in runs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr[-3000:]
    counts = _counts(lake_settings)
    assert counts["documents"] == counts["articles"] == len(first) + len(second)
    assert counts["article_stories"] == len(first) + len(second)
    con = warehouse.connect(lake_settings, read_only=True)
    try:
        runs_done = con.execute("select count(*) from runs where status = 'completed'").fetchone()
    finally:
        con.close()
    assert runs_done == (2,)


LIBRARY_LOAD = ("import sys\nfrom ingest import pipeline\nfrom ingest.settings import Settings\n"
                "print(dict(pipeline.run_batches([sys.argv[1]], Settings(), sys.argv[2])))")


def test_two_library_loads_at_once_both_land_every_row(lake_settings: Settings, tmp_path: Path) -> None:
    """The library path: two processes taking turns for their writes through the lake's advisory lock."""
    con = warehouse.connect(lake_settings)
    try:
        warehouse.migrate(con)  # once, first: two processes changing one schema at once would conflict
    finally:
        con.close()
    first = write_articles(tmp_path / "first", ("harbour", "orchard", "railway", "library", "glacier", "vineyard"))
    second = write_articles(tmp_path / "second", ("bakery", "stadium", "ferry", "canal", "quarry", "lighthouse"))
    env = {**os.environ, "INGEST_WAREHOUSE": str(lake_settings.warehouse), "INGEST_BATCH_SIZE": "2",
           "INGEST_LAKE_DATA_PATH": str(lake_settings.lake_data_path)}
    loads = [subprocess.Popen([sys.executable, "-c", LIBRARY_LOAD, str(tmp_path / name), f"run-{name}"], env=env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name in ("first", "second")]
    for process in loads:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr[-3000:]
    counts = _counts(lake_settings)
    assert counts["documents"] == counts["articles"] == counts["article_stories"] == len(first) + len(second)
    con = warehouse.connect(lake_settings, read_only=True)
    try:
        assert con.execute("select count(*) from loads").fetchone() == (6,)  # three batches of two, per process
    finally:
        con.close()


def test_the_search_index_of_a_lake_is_a_local_file_beside_its_data_path(lake_settings: Settings) -> None:
    """A lake setting is no path: the index is not named after it (nor created inside the data path, which DuckLake's
    clean-up owns)."""
    assert lake_settings.lake_data_path is not None
    data = lake_settings.lake_data_path.absolute()
    assert search.index_path(lake_settings) == data.parent / f"{data.name}.search.duckdb"


# --- fetching into a lake: the frontier's upserts without keys ---------------------------------------------------

T0 = datetime(2024, 5, 1, 12, 0)


def _fetched(url: str, etag: str, at: datetime) -> frontier.FetchRecord:
    result = FetchResult(url=url, purpose="page", outcome="ok", status=200, etag=etag, body_sha256=etag, fetched_at=at)
    return frontier.FetchRecord(result=result, source_id="wire", canonical_url=url)


def _frontier_rounds(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """Each upsert twice, the second changing the row (the path a key used to settle), as a fetch run does it."""
    wire = frontier.Source(source_id="wire", kind="rss", url="https://news.test/feed", enabled=True)
    maps = frontier.Source(source_id="maps", kind="sitemap", url="https://news.test/sitemap.xml", enabled=True)
    url = "https://news.test/a"
    with warehouse.open_warehouse(settings) as con:
        frontier.sync_sources(con, [wire, maps], "load-1")
        frontier.sync_sources(con, [wire.model_copy(update={"rate_per_second": 0.5}), maps], "load-2")
        frontier.enqueue(con, [Discovered(url=url, canonical_url=url, kind="article", via="feed")], "wire", "load-3")
        frontier.record_round(con, [_fetched(url, '"v1"', T0)], {"news.test": HostTrust()}, "run-1", "load-4")
        trust = {"news.test": HostTrust(trusted=False, strikes=3, reason="etag reused")}
        frontier.record_round(con, [_fetched(url, '"v2"', T0 + timedelta(hours=1))], trust, "run-2", "load-5")
        return {table: con.execute(query).fetchall() for table, query in {
            "sources": "select source_id, rate_per_second, enabled, load_id from sources order by all",
            "validators": "select url, etag, updated_at, load_id from fetch_validators order by all",
            "trust": "select host, trusted, strikes, reason, load_id from host_validator_trust order by all",
            "frontier": "select canonical_url, state, attempts from frontier order by all",
        }.items()}


def test_the_frontier_upserts_on_a_lake_leave_what_they_leave_on_a_file(
        lake_settings: Settings, tmp_path: Path) -> None:
    on_file = _frontier_rounds(Settings(warehouse=tmp_path / "news.duckdb"))
    assert on_file == {
        "sources": [("maps", None, True, "load-1"), ("wire", 0.5, True, "load-2")],
        "validators": [("https://news.test/a", '"v2"', T0 + timedelta(hours=1), "load-5")],
        "trust": [("news.test", False, 3, "etag reused", "load-5")],
        "frontier": [("https://news.test/a", "fetched", 2)],
    }
    assert _frontier_rounds(lake_settings) == on_file


def test_ingest_fetch_into_a_lake_fetches_and_loads_what_it_does_into_a_file(
        lake_settings: Settings, server: PrefectServer, site: Site, tmp_path: Path) -> None:
    feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f'<item><title>a</title><link>{site.url("/harbour")}</link></item>'
            f'<item><title>b</title><link>{site.url("/missing")}</link></item></channel></rss>').encode()
    site.route("/feed.xml", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    site.route("/harbour", Reply(200, html_page("Harbour reopens"), {"ETag": '"h1"'}))
    (tmp_path / "sources.csv").write_text("source_id,kind,url,schedule,enabled\n"
                                          f"coast,rss,{site.url('/feed.xml')},*/15 * * * *,false\n")
    env = {"INGEST_SOURCES_CSV": str(tmp_path / "sources.csv"), "INGEST_ALLOW_PRIVATE_HOSTS": "true",
           "INGEST_HOST_RATE_PER_SECOND": "50"}
    held = {}
    for name, settings in {"file": Settings(warehouse=tmp_path / "news.duckdb"), "lake": lake_settings}.items():
        result = _ingest(settings, server, "fetch", "--source", "coast", **env)
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
        con = warehouse.connect(settings, read_only=True)
        try:
            held[name] = [_table_rows(result.stdout)] + [con.execute(query).fetchall() for query in (
                "select title from articles",
                "select purpose, outcome, count(*) from fetches group by all order by all",
                "select canonical_url, state, attempts, last_outcome from frontier order by all",
                "select source_id, enabled from sources",
                "select url, etag from fetch_validators order by all")]
        finally:
            con.close()
    assert held["file"][1] == [("Harbour reopens",)] and ("loaded_articles", "1") in held["file"][0]
    assert held["lake"] == held["file"]


# --- maintenance on a lake ---------------------------------------------------------------------------------------


def _rows(settings: Settings, tables: tuple[str, ...]) -> dict[str, list[str]]:
    con = warehouse.connect(settings, read_only=True)
    try:
        return {name: sorted(map(repr, con.execute(f"select * from {name}").fetchall())) for name in tables}
    finally:
        con.close()


def _small_files_and_an_orphan(settings: Settings) -> Path:
    """Four loads of a table, each its own Parquet file, and a file no commit knows (as a writer killed between
    writing its files and committing leaves one)."""
    con = warehouse.connect(settings)
    try:
        con.execute("create table notes (n integer, text varchar)")
        for load in range(4):
            con.execute("insert into notes select range + ?, repeat('x', 50) from range(1000)", [load * 1000])
    finally:
        con.close()
    assert settings.lake_data_path is not None
    orphan = settings.lake_data_path / "main" / "notes" / "ducklake-killed-writer.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select 1 as n, 'x' as text) to '{orphan}' (format parquet)")
    return orphan


def test_the_maintenance_flow_compacts_a_lake_and_keeps_every_row(
        twins: Twins, server: PrefectServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        prefect_client_of: Callable[[str], AbstractContextManager[None]]) -> None:
    """Merge small files, expire every snapshot but the latest, delete the files let go and the orphan: every row
    stays. (Retention 0 here; by default a week of snapshots and a day's grace for files.)"""
    orphan = _small_files_and_an_orphan(twins.lake)
    tables = (*COMPARED, "notes")
    before = _rows(twins.lake, tables)
    assert twins.lake.lake_data_path is not None
    notes = twins.lake.lake_data_path / "main" / "notes"
    assert len(list(notes.iterdir())) == 5
    for key, value in {"LAKE_DATA_PATH": str(twins.lake.lake_data_path), "LAKE_SNAPSHOT_DAYS": "0",
                       "LAKE_FILE_GRACE_HOURS": "0"}.items():
        monkeypatch.setenv(f"INGEST_{key}", value)
    with prefect_client_of(server.api_url):
        summary = maintenance_flow(str(twins.lake.warehouse), str(tmp_path / "export"))
    assert _rows(twins.lake, tables) == before
    assert not orphan.exists() and len(list(notes.iterdir())) == 1  # four files merged into one, old ones deleted
    assert int(summary["bytes_after"]) < int(summary["bytes_before"])  # type: ignore[call-overload]
    exported = summary["exported"]
    assert isinstance(exported, dict) and exported["articles"] == 5
    con = warehouse.connect(twins.lake)
    try:
        assert con.execute("select count(*) from ducklake_snapshots('lake')").fetchone() == (1,)
        assert con.execute("select count(*) from ducklake_list_files('lake', 'notes')").fetchone() == (1,)
        assert maintenance.lake_upkeep(con, twins.lake) == maintenance.LakeUpkeep(0, 0, 0)  # nothing left to do
    finally:
        con.close()


def test_runs_on_a_lake_show_prefect_its_catalog_without_the_password(
        twins: Twins, server: PrefectServer,
        flow_runs_of: Callable[[httpx.Client, str], list[dict[str, Any]]]) -> None:
    """A flow run's parameters are stored by the Prefect server and shown in its UI: the lake's catalog reaches
    them without its password (the run's process takes it from INGEST_WAREHOUSE), and no log line has it."""
    catalog = str(twins.lake.warehouse)
    assert "password=not-checked" in catalog  # the test's lakes carry one, so its absence below means something
    with server.api() as api:
        runs = [run for run in flow_runs_of(api, "ingest-files")
                if run["parameters"].get("warehouse_path", "").startswith("ducklake:")]
        assert not [run for run in runs if "password" in run["parameters"]["warehouse_path"]]
        runs = [run for run in runs if run["parameters"]["warehouse_path"] == without_password(catalog)]
        assert len(runs) == 2  # the twins' two runs on this lake
        response = api.post("/logs/filter", json={"logs": {"flow_run_id": {"any_": [run["id"] for run in runs]}},
                                                  "limit": 200})
        response.raise_for_status()
        messages = [log["message"] for log in response.json()]
    assert messages and not any("not-checked" in message for message in messages)

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
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import lake, search
from ingest.warehouse.writer_lock import FileLockGuard, guard_for
from tests.support.news_pages import write_articles
from tests.support.paths import SEEDS
from tests.support.prefect_server import PrefectServer, postgres_bin, postgres_database, prefect_server

INGEST = str(Path(sys.executable).with_name("ingest"))
# The tables a run writes, compared between the two backends (runs, loads and run_quality hold run ids and times).
COMPARED = ("documents", "articles", "article_embeds", "article_furniture", "rejects", "input_warnings",
            "dedupe_fingerprints", "article_duplicates", "article_stories", "article_versions", "entities",
            "entity_mentions", "article_entities", "article_enrichment")


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[str, int]]:
    """A private PostgreSQL cluster on a free loopback port: (host, port), user `prefect`, trusted."""
    with postgres_database() as url:
        parsed = urlparse(url)
        assert parsed.hostname is not None and parsed.port is not None
        yield parsed.hostname, parsed.port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Iterator[PrefectServer]:
    with prefect_server(tmp_path_factory.mktemp("lake-prefect")) as running:
        yield running


@pytest.fixture
def lake_settings(postgres: tuple[str, int], tmp_path: Path) -> Settings:
    """A new, empty catalog database (so a fresh lake) and a data directory of its own."""
    host, port = postgres
    name = f"lake_{uuid.uuid4().hex[:8]}"
    subprocess.run([str(postgres_bin() / "createdb"), "-h", host, "-p", str(port), "-U", "prefect", name],
                   check=True, capture_output=True)
    catalog = f"ducklake:postgres:dbname={name} host={host} port={port} user=prefect password=not-checked"
    return Settings(warehouse=Path(catalog), lake_data_path=tmp_path / "lake-data")


def _env(settings: Settings, server: PrefectServer) -> dict[str, str]:
    env = server.client_env(INGEST_WAREHOUSE=str(settings.warehouse))
    env.pop("INGEST_LAKE_DATA_PATH", None)
    if settings.lake_data_path is not None:
        env["INGEST_LAKE_DATA_PATH"] = str(settings.lake_data_path)
    return env


def _ingest(settings: Settings, server: PrefectServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=600, env=_env(settings, server))


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
    sql = ("-- a primary key, unique per run\n"
           "create table t (id varchar primary key, kind varchar not null check (kind in ('a (1)', 'b')),\n"
           "    n integer default 0 unique, note varchar default 'primary key', primary key (id, n));\n"
           "create table u (a integer, b integer, constraint ab unique (a, b), check ((a > 0) and (b > 0)));\n"
           "create unique index u_a on u (a);\n"
           "insert into u values (1, 2);")
    assert lake.lake_dialect(sql) == (
        "-- a primary key, unique per run\n"
        "create table t (id varchar, kind varchar not null,\n"
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


def test_an_unreachable_catalog_is_one_line_without_the_password(tmp_path: Path) -> None:
    settings = Settings(warehouse=Path("ducklake:postgres:dbname=x host=127.0.0.1 port=1 user=u password=secret"),
                        lake_data_path=tmp_path / "data")
    with pytest.raises(warehouse.WarehouseError, match="Unable to connect") as raised:
        warehouse.connect(settings)
    assert "secret" not in str(raised.value) and "\n" not in str(raised.value)


def test_the_writer_lock_of_a_lake_is_keyed_by_its_catalog_not_its_password(tmp_path: Path) -> None:
    one = guard_for(Path("ducklake:postgres:dbname=news host=db user=u password=a"))
    same = guard_for(Path("ducklake:postgres:dbname=news host=db user=u password=b"))
    other = guard_for(Path("ducklake:postgres:dbname=other host=db user=u password=a"))
    assert isinstance(one, FileLockGuard) and isinstance(same, FileLockGuard) and isinstance(other, FileLockGuard)
    assert one.path == same.path != other.path
    assert "password" not in str(one.path) and not str(one.path).startswith("ducklake:")


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


# --- ingest run / ingest sql on a lake --------------------------------------------------------------------------


def test_ingest_run_on_a_lake_loads_what_a_duckdb_file_loads_and_once(
        lake_settings: Settings, server: PrefectServer, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", ("harbour", "orchard", "railway"))
    on_file = Settings(warehouse=tmp_path / "news.duckdb")
    _run(on_file, server, SEEDS, corpus)
    _run(lake_settings, server, SEEDS, corpus)
    expected = _counts(on_file)
    assert expected["articles"] == 5 and expected["rejects"] == 1 and expected["article_duplicates"] == 1
    assert expected["entity_mentions"] > 0
    assert _counts(lake_settings) == expected

    _run(lake_settings, server, SEEDS, corpus)  # the same inputs again: nothing new
    assert _counts(lake_settings) == expected

    result = _ingest(lake_settings, server, "sql", "select count(*) as n, count(distinct story_id) as stories "
                     "from article_stories", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"n": 5, "stories": 4}]
    refused = _ingest(lake_settings, server, "sql", f"copy articles to '{lake_settings.lake_data_path}/x.csv'")
    assert refused.returncode != 0 and "ingest export" in refused.stderr
    assert lake_settings.lake_data_path is not None and not (lake_settings.lake_data_path / "x.csv").exists()


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


def test_two_library_loads_at_once_without_the_writer_lock_both_land_every_row(
        lake_settings: Settings, tmp_path: Path) -> None:
    """The library path takes no writer lock: here DuckLake alone settles two processes committing batches at once."""
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

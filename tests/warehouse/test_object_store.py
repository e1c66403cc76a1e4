"""A lake whose data path is `s3://bucket/prefix/` (ingest.warehouse.object_store): the catalog in a real private
PostgreSQL, the data in a real S3-compatible server (moto's `moto_server`, a separate process checking request
signatures: tests/support/s3_server.py), driven through the `ingest` console script as a user runs it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.maintenance import maintenance_flow
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import lake, maintenance, object_store, search
from tests.support.corpus import write_corpus
from tests.support.lakes import Cluster
from tests.support.paths import SEEDS
from tests.support.prefect_server import PrefectServer, prefect_server
from tests.support.s3_server import S3Server

INGEST = str(Path(sys.executable).with_name("ingest"))
BUCKET = "news"
COUNTED = ("documents", "articles", "rejects", "article_stories", "entity_mentions", "runs")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Iterator[PrefectServer]:
    with prefect_server(tmp_path_factory.mktemp("s3-lake-prefect")) as running:
        yield running


@dataclass(frozen=True)
class S3Lake:
    settings: Settings
    env: dict[str, str]  # INGEST_* variables of the lake: catalog, data path, the object store's settings
    workdir: Path  # where the commands run: a lake in a bucket keeps its search index in ./warehouse/

    def ingest(self, server: PrefectServer, *args: str, timeout: float = 600,
               **overrides: str) -> subprocess.CompletedProcess[str]:
        env = server.client_env(**{**self.env, **overrides})
        return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=self.workdir)


@pytest.fixture(scope="module")
def s3_lake(postgres: Cluster, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> S3Lake:
    """A fresh lake in `s3://news/lake/`, its search index and exports in a temporary directory."""
    s3_server.create_bucket(BUCKET)
    postgres.create_database("s3_lake")
    work = tmp_path_factory.mktemp("s3-lake")
    env = {"INGEST_WAREHOUSE": postgres.catalog("s3_lake"), "INGEST_LAKE_DATA_PATH": f"s3://{BUCKET}/lake/",
           "INGEST_EXPORT_DIR": str(work / "export"), **s3_server.settings_env()}
    return S3Lake(_settings(env), env, work)


def _settings(env: dict[str, str]) -> Settings:
    """The Settings the `ingest` processes build from `env`."""
    fields = {name.removeprefix("INGEST_").lower(): value for name, value in env.items()}
    return Settings.model_validate(fields)


@pytest.fixture(scope="module")
def loaded(s3_lake: S3Lake, server: PrefectServer) -> dict[str, dict[str, int]]:
    """The seeds loaded twice by `ingest run`: the table counts after each run."""
    counts = {}
    for run in ("first", "second"):
        result = s3_lake.ingest(server, "run", str(SEEDS))
        assert result.returncode == 0, result.stderr[-3000:]
        counts[run] = _counts(s3_lake.settings)
    return counts


def _counts(settings: Settings) -> dict[str, int]:
    con = warehouse.connect(settings, read_only=True)
    try:
        return {name: int(con.execute(f"select count(*) from {name}").fetchone()[0])  # type: ignore[index]
                for name in COUNTED}
    finally:
        con.close()


def test_ingest_run_writes_the_lakes_parquet_files_to_the_bucket_once(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake, s3_server: S3Server) -> None:
    first, second = loaded["first"], loaded["second"]
    assert first["articles"] > 0 and first["documents"] >= first["articles"] and first["entity_mentions"] > 0
    assert {k: v for k, v in second.items() if k != "runs"} == {k: v for k, v in first.items() if k != "runs"}
    assert second["runs"] == first["runs"] + 1
    keys = s3_server.keys(BUCKET, "lake/")
    articles = [key for key in keys if key.startswith("lake/main/articles/") and key.endswith(".parquet")]
    assert articles and all(key.endswith(".parquet") for key in keys)
    # The catalog names those objects as the articles' data files: nothing is kept on local disk.
    con = warehouse.connect(s3_lake.settings, read_only=True)
    try:
        files = [row[0] for row in con.execute("select data_file from ducklake_list_files('lake', 'articles')")
                 .fetchall()]
    finally:
        con.close()
    assert files and {f"s3://{BUCKET}/{key}" for key in articles} >= set(files)


def test_ingest_sql_reads_the_articles_from_the_bucket_and_nothing_else(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake, server: PrefectServer) -> None:
    """`ingest sql` turns external access off and locks the configuration: the lake's prefix stays readable, the
    rest of the bucket does not, and the secret is not to be had from it."""
    result = s3_lake.ingest(server, "sql", "select count(*) as n from articles", "-f", "json")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout) == [{"n": loaded["second"]["articles"]}]
    outside = s3_lake.ingest(server, "sql", f"select * from glob('s3://{BUCKET}/elsewhere/*')")
    assert outside.returncode != 0 and "cannot read or write files" in outside.stderr
    secrets = s3_lake.ingest(server, "sql", "select * from duckdb_secrets(redact := false)", "-f", "json")
    secret = s3_lake.env["INGEST_S3_SECRET_ACCESS_KEY"]
    assert secret not in secrets.stdout + secrets.stderr


def test_status_and_export_read_the_lake_in_the_bucket(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake, server: PrefectServer, tmp_path: Path) -> None:
    status = s3_lake.ingest(server, "status", "--runs", "1")
    assert status.returncode == 0 and "Data quality" in status.stdout, status.stderr[-3000:]
    exported = s3_lake.ingest(server, "export", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert ("articles", str(loaded["second"]["articles"])) in [
        tuple(cell.strip() for cell in line.strip("│").split("│"))[:2] for line in exported.stdout.splitlines()
        if line.startswith("│")]
    assert list((tmp_path / "out" / "articles").rglob("*.parquet"))


def test_the_maintenance_flow_compacts_the_lake_in_the_bucket_and_keeps_every_row(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake, s3_server: S3Server, server: PrefectServer,
        monkeypatch: pytest.MonkeyPatch, prefect_client_of: Callable[[str], AbstractContextManager[None]]) -> None:
    """Two runs left two loads' files per table; maintenance (retention 0) merges them and deletes the objects let
    go from the bucket. Its size figures are the bucket's."""
    before_keys = set(s3_server.keys(BUCKET, "lake/"))
    bucket_bytes = sum(item["Size"] for item in s3_server.client().list_objects_v2(
        Bucket=BUCKET, Prefix="lake/")["Contents"])
    assert maintenance.stored_bytes(s3_lake.settings) == bucket_bytes
    for key, value in {**s3_lake.env, "INGEST_LAKE_SNAPSHOT_DAYS": "0", "INGEST_LAKE_FILE_GRACE_HOURS": "0"}.items():
        monkeypatch.setenv(key, value)
    with prefect_client_of(server.api_url):
        summary = maintenance_flow(s3_lake.env["INGEST_WAREHOUSE"])
    assert summary["bytes_before"] == bucket_bytes
    assert _counts(s3_lake.settings) == loaded["second"]
    after_keys = set(s3_server.keys(BUCKET, "lake/"))
    assert before_keys - after_keys, "no object was deleted from the bucket"
    con = warehouse.connect(s3_lake.settings)
    try:
        listed = {row[0] for row in con.execute("select data_file from ducklake_list_files('lake', 'articles')")
                  .fetchall()}
        assert maintenance.lake_upkeep(con, s3_lake.settings) == maintenance.LakeUpkeep(0, 0, 0)
    finally:
        con.close()
    assert listed <= {f"s3://{BUCKET}/{key}" for key in after_keys}


def test_a_wrong_secret_key_fails_in_one_line_without_the_secret(
        s3_lake: S3Lake, server: PrefectServer) -> None:
    for args in (("run", str(SEEDS)), ("sql", "select count(*) from articles")):
        result = s3_lake.ingest(server, *args, timeout=300, INGEST_S3_SECRET_ACCESS_KEY="not-the-secret")
        assert result.returncode != 0, args
        assert "refused the keys (HTTP 403)" in result.stderr and "INGEST_S3_SECRET_ACCESS_KEY" in result.stderr
        assert "Traceback" not in result.stderr and "not-the-secret" not in result.stderr + result.stdout


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback port that takes connections and never answers (a hung or half-dead server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_an_unreachable_or_silent_endpoint_fails_in_one_line_not_a_hang(
        s3_lake: S3Lake, server: PrefectServer, free_port: Callable[[], int], silent_endpoint: str) -> None:
    """Nothing listening: refused at once. Listening but silent: each try gives up after INGEST_S3_TIMEOUT_SECONDS
    (the subprocess timeout is the test's guard against a hang)."""
    for endpoint in (f"127.0.0.1:{free_port()}", silent_endpoint):
        result = s3_lake.ingest(server, "sql", "select 1", timeout=120, INGEST_S3_ENDPOINT=endpoint,
                                INGEST_S3_TIMEOUT_SECONDS="1")
        assert result.returncode != 0, endpoint
        assert f"at {endpoint} cannot be reached" in result.stderr and "INGEST_S3_ENDPOINT" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_missing_bucket_is_named(s3_lake: S3Lake) -> None:
    settings = s3_lake.settings.model_copy(update={"lake_data_path": "s3://no-such-bucket/lake/"})
    with pytest.raises(object_store.ObjectStoreError, match="has no bucket 'no-such-bucket'"):
        lake.connect(settings, read_only=True)


def test_the_search_index_of_a_lake_in_a_bucket_is_a_local_file(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake) -> None:
    """Built by the runs, in the directory they ran in (DuckDB's full-text index cannot live in the lake)."""
    assert search.index_path(s3_lake.settings) == Path("warehouse") / "news-lake.search.duckdb"
    assert (s3_lake.workdir / "warehouse" / "news-lake.search.duckdb").is_file()


def test_each_connection_has_a_temporary_secret_scoped_to_the_bucket(
        loaded: dict[str, dict[str, int]], s3_lake: S3Lake) -> None:
    """In memory for the connection's life, never written to DuckDB's secret directory, used for this bucket only."""
    con = warehouse.connect(s3_lake.settings, read_only=True)
    try:
        secrets = con.execute("select name, type, persistent, storage, scope, secret_string from duckdb_secrets()"
                              ).fetchall()
    finally:
        con.close()
    assert [row[:5] for row in secrets] == [("ingest_lake_s3", "s3", False, "memory", [f"s3://{BUCKET}"])]
    assert s3_lake.env["INGEST_S3_SECRET_ACCESS_KEY"] not in secrets[0][5]  # redacted when listed


def test_the_store_failing_after_connect_is_the_object_stores_one_line(
        postgres: Cluster, start_s3_server: Callable[[], AbstractContextManager[S3Server]]) -> None:
    """The connect-time probe passed; then the store went away and a write of the lake's data fails. The error is
    the object store's one line (which store, what to check), counted an operator's fault, without the catalog's
    password."""
    postgres.create_database("dying_store")
    with start_s3_server() as store:
        store.create_bucket(BUCKET)
        env = {"INGEST_WAREHOUSE": postgres.catalog("dying_store"), "INGEST_LAKE_DATA_PATH": f"s3://{BUCKET}/lake/",
               **store.settings_env()}
        settings = _settings(env)
        con = warehouse.connect(settings)
        con.execute("create table probe_rows (x integer)")
    try:
        with pytest.raises(duckdb.Error) as raised:
            # More rows than DuckLake inlines into the catalog: they must go to a Parquet file in the store.
            con.execute("insert into probe_rows select range from range(100000)")
    finally:
        con.close()
    explained = warehouse.explain_for(raised.value, settings)
    assert isinstance(explained, object_store.ObjectStoreError)
    assert str(explained).startswith(f"object store s3://{BUCKET}/lake/ at {store.endpoint} cannot be reached")
    assert "INGEST_S3_ENDPOINT" in str(explained) and "not-checked" not in str(explained)
    assert warehouse.is_operator_fault(raised.value, settings)
    assert not warehouse.is_operator_fault(raised.value)  # without the settings, the store is not known


def test_ingest_run_whose_store_dies_mid_run_ends_in_one_line(
        postgres: Cluster, server: PrefectServer, tmp_path: Path,
        start_s3_server: Callable[[], AbstractContextManager[S3Server]]) -> None:
    """The store stops answering after the first batch has loaded: the run ends with the object store's one line,
    no traceback and no password (before, the last line was DuckDB's, naming the catalog with its password)."""
    postgres.create_database("store_dies")
    write_corpus(tmp_path / "corpus", stories=150, seed=23)
    with start_s3_server() as store:
        store.create_bucket(BUCKET)
        env = server.client_env(**{"INGEST_WAREHOUSE": postgres.catalog("store_dies"), "INGEST_ENRICH": "false",
                                   "INGEST_LAKE_DATA_PATH": f"s3://{BUCKET}/lake/", "INGEST_BATCH_SIZE": "10",
                                   "INGEST_S3_TIMEOUT_SECONDS": "2", **store.settings_env()})
        out, err = tmp_path / "out.log", tmp_path / "err.log"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            run = subprocess.Popen([INGEST, "run", str(tmp_path / "corpus")], env=env, cwd=tmp_path,
                                   stdout=stdout, stderr=stderr)
        try:
            _wait_for_text((out, err), "batch 1:", run)
        except BaseException:
            run.kill()
            raise
    try:
        run.wait(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    stderr_text = err.read_text()
    last = stderr_text.strip().splitlines()[-1]
    assert run.returncode != 0
    assert last.startswith(f"error: object store s3://{BUCKET}/lake/ at {store.endpoint}"), last
    assert "Traceback" not in stderr_text and "not-checked" not in stderr_text + out.read_text()


def _wait_for_text(logs: tuple[Path, ...], text: str, process: subprocess.Popen[bytes], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(text in log.read_text(errors="replace") for log in logs):
            return
        assert process.poll() is None, f"the run ended before {text!r}: {logs[1].read_text()[-2000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {seconds:g}s")

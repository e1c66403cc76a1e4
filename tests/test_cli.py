"""The `ingest` console script, run as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.paths import SEED_ARTICLE

INGEST = str(Path(sys.executable).with_name("ingest"))


def _ingest(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def loaded_warehouse(tmp_path: Path, prefect_home: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED_ARTICLE, inputs)
    (inputs / "junk.html").write_bytes(b"\0\1\2" * 100)
    warehouse = tmp_path / "news.duckdb"
    result = _ingest("run", str(inputs), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "loaded_articles" in result.stdout
    return warehouse


def test_run_then_sql_answers_in_each_format(loaded_warehouse: Path) -> None:
    env = {"INGEST_WAREHOUSE": str(loaded_warehouse)}
    as_json = _ingest("sql", "select count(*) as n from articles", "--format", "json", env=env)
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == [{"n": 1}]
    as_csv = _ingest("sql", "select stage, reason from rejects", "-f", "csv", env=env)
    assert as_csv.stdout.splitlines() == ["stage,reason", "extract,binary_content"]
    as_table = _ingest("sql", "select author from articles", env=env)
    assert "Sofia Babu Chacko" in as_table.stdout


def test_sql_is_read_only_and_errors_are_one_line(loaded_warehouse: Path) -> None:
    result = _ingest("sql", "delete from articles", "-w", str(loaded_warehouse))
    assert result.returncode != 0
    assert "read-only" in result.stderr.lower() and "Traceback" not in result.stderr


def test_a_locked_warehouse_gives_one_line_and_a_non_zero_exit(tmp_path: Path, prefect_home: Path) -> None:
    warehouse = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); "
                               "print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = _ingest("run", str(SEED_ARTICLE), "-w", str(warehouse), env={"INGEST_LOCK_TIMEOUT_SECONDS": "1"})
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "locked by another process" in line


def test_csv_lines_end_with_lf_only(loaded_warehouse: Path) -> None:
    result = subprocess.run([INGEST, "sql", "select stage, reason from rejects", "-f", "csv", "-w",
                             str(loaded_warehouse)], capture_output=True, timeout=300)
    assert result.returncode == 0 and result.stdout == b"stage,reason\nextract,binary_content\n"


def test_tables_lists_tables_and_views_with_counts_and_schema_their_columns(loaded_warehouse: Path) -> None:
    listed = _ingest("tables", "-w", str(loaded_warehouse), "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split(",")[0]: line.split(",")[1:] for line in listed.stdout.splitlines()[1:]}
    assert rows["articles"] == ["table", "1"] and rows["rejects"] == ["table", "1"]
    assert rows["rejects_by_reason"] == ["view", "1"]

    schema = _ingest("schema", "rejects", "-w", str(loaded_warehouse), "--format", "json")
    assert schema.returncode == 0, schema.stderr
    columns = {c["column"]: c["type"] for c in json.loads(schema.stdout)}
    assert columns["rejected_at"] == "TIMESTAMP" and "at" not in columns

    unknown = _ingest("schema", "article", "-w", str(loaded_warehouse))
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    [line] = [line for line in unknown.stderr.splitlines() if line.strip()]
    assert "no table or view named 'article'" in line and "articles" in line


def test_run_with_no_input_found_exits_non_zero_in_one_line(tmp_path: Path, prefect_home: Path) -> None:
    warehouse = tmp_path / "news.duckdb"
    result = _ingest("run", str(tmp_path / "*.html"), str(tmp_path / "missing"), "-w", str(warehouse))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: no input found") and f"{tmp_path / '*.html'}: the glob pattern matches no file" \
        in line and "missing: no such file" in line
    assert not warehouse.exists()  # nothing ran, nothing was created


def test_a_glob_matching_nothing_is_warned_about_and_recorded(tmp_path: Path, prefect_home: Path) -> None:
    warehouse = tmp_path / "news.duckdb"
    pattern = str(tmp_path / "*.warc")
    result = _ingest("run", str(SEED_ARTICLE), pattern, "-w", str(warehouse))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"warning: {pattern}: the glob pattern matches no file" in result.stderr
    rejects = _ingest("sql", "select input, stage, reason from rejects", "-f", "csv", "-w", str(warehouse))
    assert rejects.stdout.splitlines()[1:] == [f"{pattern},read,no_match"]


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """A migrated warehouse holding one reject, built without a flow run (these tests are about `ingest sql`)."""
    from ingest.models import BatchResult, Reject
    from ingest.settings import Settings
    from ingest.warehouse import connection as warehouse

    settings = Settings(warehouse=tmp_path / "news.duckdb")
    with warehouse.open_warehouse(settings) as con:
        warehouse.load_batch(con, BatchResult(documents=(), articles=(), rejects=(
            Reject(input="a.html", stage="read", reason="empty"),)), "run-1")
    return settings.warehouse


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    return line


def test_sql_cannot_write_a_file(small_warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    line = _refused(_ingest("sql", f"copy (select 1) to '{target}'", "-w", str(small_warehouse)))
    assert "ingest export" in line and not target.exists()
    before = small_warehouse.read_bytes()
    _refused(_ingest("sql", f"copy (select 1) to '{small_warehouse}'", "-w", str(small_warehouse)))
    assert small_warehouse.read_bytes() == before


def test_sql_cannot_read_files_or_list_directories(small_warehouse: Path) -> None:
    assert "cannot read or write files" in _refused(
        _ingest("sql", "select * from read_text('/etc/hostname')", "-w", str(small_warehouse)))
    _refused(_ingest("sql", "select * from glob('/etc/*')", "-w", str(small_warehouse)))
    _refused(_ingest("sql", "select * from read_csv('/etc/passwd', sep = ':')", "-w", str(small_warehouse)))


def test_sql_cannot_attach_another_warehouse_or_install_extensions(small_warehouse: Path, tmp_path: Path) -> None:
    import duckdb

    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table t as select 1 as x")
    line = _refused(_ingest("sql", f"attach '{other}' as o (read_only false); delete from o.t",
                            "-w", str(small_warehouse)))
    assert "ATTACH is not allowed" in line
    with duckdb.connect(str(other), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone() == (1,)
    _refused(_ingest("sql", "install httpfs", "-w", str(small_warehouse)))
    _refused(_ingest("sql", "load httpfs", "-w", str(small_warehouse)))
    _refused(_ingest("sql", "set enable_external_access = true", "-w", str(small_warehouse)))


def test_sql_still_answers_selects_on_tables_and_views(small_warehouse: Path) -> None:
    table = _ingest("sql", "select stage, reason from rejects", "-f", "csv", "-w", str(small_warehouse))
    assert table.returncode == 0 and table.stdout.splitlines() == ["stage,reason", "read,empty"]
    view = _ingest("sql", "select reason, rejects from rejects_by_reason", "-f", "json", "-w", str(small_warehouse))
    assert view.returncode == 0, view.stderr
    assert [row["reason"] for row in json.loads(view.stdout)] == ["empty"]


# --- True messages on real faults (issue 12 item 7) ---

def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "│" not in result.stderr, result.stderr[-3000:]
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    return line


def test_a_corrupt_warehouse_is_named_corrupt_at_once_not_locked(tmp_path: Path,
                                                                 corrupted_warehouse: Callable[[Path], Path]) -> None:

    path = corrupted_warehouse(tmp_path)
    env = {"INGEST_LOCK_TIMEOUT_SECONDS": "600"}  # a lock wait would show as a timeout of this test
    for args in (("sql", "select count(*) from rejects"), ("run", str(SEED_ARTICLE))):
        line = _one_error_line(_ingest(*args, "-w", str(path), env=env, timeout=120))
        assert "is corrupt" in line and "checksum" in line and "locked" not in line


def test_a_dead_prefect_api_url_is_one_line_naming_it(tmp_path: Path, free_port: Callable[[], int]) -> None:

    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    result = _ingest("run", str(SEED_ARTICLE), "-w", str(tmp_path / "w.duckdb"), env={"PREFECT_API_URL": url},
                     timeout=120)
    line = _one_error_line(result)
    assert f"PREFECT_API_URL={url}" in line and "prefect server start" in line
    assert len(result.stderr.splitlines()) == 1


def _in_a_tiny_filesystem(command: list[str], mount: Path, size: str) -> subprocess.CompletedProcess[str]:
    """Run `command` in a private mount namespace where `mount` is a tmpfs of `size`: a real full disk, seen by
    nothing else on the machine and gone when the command ends."""
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare.insert(1, "--map-root-user")
    script = 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"'
    result = subprocess.run([*unshare, "sh", "-c", script, "sh", size, str(mount), *command],
                            capture_output=True, text=True, timeout=400)
    # A machine that cannot mount a private tmpfs (no user namespaces) fails here, loudly, rather than skipping.
    assert not (result.returncode != 0 and "mount" in result.stderr.lower()
                and "permission" in result.stderr.lower()), f"cannot mount a tmpfs here: {result.stderr.strip()}"
    return result


def test_a_full_disk_ends_the_run_in_one_line_naming_it(tmp_path: Path, prefect_home: Path) -> None:
    import random
    import string

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rng = random.Random(7)
    for number in range(6):  # text that compresses badly, so the warehouse outgrows the filesystem
        words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(60_000))
        (corpus / f"{number}.txt").write_text(f"Title {number}\n\n" + " ".join(words) + ".")
    mount = tmp_path / "small"
    mount.mkdir()
    result = _in_a_tiny_filesystem([INGEST, "run", str(corpus), "-w", str(mount / "w.duckdb"), "--batch-size", "2"],
                                   mount, "3m")
    line = _one_error_line(result)
    assert "no space left on the device" in line and "free space and run again" in line
    assert "cannot rollback" not in result.stderr and "Retry" not in result.stderr


def test_runs_starting_at_once_share_prefect_home_without_a_start_up_race(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"  # fresh: every temporary server would create and migrate its database
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    runs = [subprocess.Popen([INGEST, "run", str(SEED_ARTICLE), "-w", str(tmp_path / f"w{i}.duckdb")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for i in range(3)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert "UNIQUE constraint failed" not in stderr and "Traceback" not in stderr, stderr[-3000:]
        assert run.returncode == 0, stderr[-3000:]


def test_run_takes_a_file_name_that_is_not_utf8_and_a_fifo_on_the_command_line(
        tmp_path: Path, prefect_home: Path) -> None:
    named = tmp_path / os.fsdecode(b"caf\xe9.txt")
    shutil.copy(SEED_ARTICLE, named)
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    warehouse = tmp_path / "w.duckdb"
    result = subprocess.run([os.fsencode(INGEST), b"run", os.fsencode(named), os.fsencode(fifo),
                             b"-w", os.fsencode(warehouse)], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert b"skipped:not_a_regular_file" in result.stdout
    rows = _ingest("sql", "select source_uri from articles", "-f", "csv", "-w", str(warehouse))
    assert rows.stdout.splitlines()[1:] == [str(tmp_path / "caf\\xe9.txt")]


def _old_warehouse(tmp_path: Path) -> Path:
    """A warehouse an older version made: every migration but the newest applied, no views."""
    import duckdb

    from ingest.warehouse import connection as warehouse

    older = tmp_path / "older-sql"
    (older / "views").mkdir(parents=True)
    shutil.copytree(warehouse.SQL_DIR / "migrations", older / "migrations")
    newest = warehouse.migration_files()[-1]
    (older / "migrations" / newest.name).unlink()
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        warehouse.migrate(con, older)
    return path


def _applied(path: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return [row[0] for row in con.execute("select name from schema_migrations order by version").fetchall()]


def test_migrate_brings_an_old_warehouse_to_the_schema_and_opening_it_does_not(tmp_path: Path) -> None:
    from ingest.settings import Settings
    from ingest.warehouse import connection as warehouse

    path = _old_warehouse(tmp_path)
    everything = [p.stem for p in warehouse.migration_files()]
    with warehouse.open_warehouse(Settings(warehouse=path)):
        pass  # an open is no migration: only the explicit step migrates
    assert _applied(path) == everything[:-1]

    result = _ingest("migrate", "-w", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: applied {everything[-1]}"
    assert _applied(path) == everything
    assert _ingest("sql", "select count(*) from rejects_by_reason", "-w", str(path)).returncode == 0  # views made
    again = _ingest("migrate", "-w", str(path))
    assert again.returncode == 0 and again.stdout.strip() == f"{path}: schema up to date"


def _one_number(warehouse: Path, query: str) -> int:
    result = _ingest("sql", query, "-w", str(warehouse), "-f", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    return int(next(iter(json.loads(result.stdout)[0].values())))


def test_no_enrich_leaves_the_articles_to_the_next_run_with_enrichment_on(tmp_path: Path, prefect_home: Path) -> None:
    warehouse = tmp_path / "news.duckdb"
    enriched = "select count(*) from article_enrichment where status = 'enriched'"
    for switch_off in (["--no-enrich"], []):  # the flag, then the setting: the second run leaves them too
        result = _ingest("run", str(SEED_ARTICLE), "-w", str(warehouse), *switch_off, env={"INGEST_ENRICH": "false"})
        assert result.returncode == 0, result.stderr[-2000:]
        assert _one_number(warehouse, "select count(*) from articles") == 1
        assert _one_number(warehouse, enriched) == 0
    result = _ingest("run", str(SEED_ARTICLE), "-w", str(warehouse), "--enrich", env={"INGEST_ENRICH": "false"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resumed_enrich_articles" in result.stdout
    assert _one_number(warehouse, enriched) == 1
    assert _one_number(warehouse, "select count(*) from entity_mentions") > 0

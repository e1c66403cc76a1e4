"""The `ingest` console script, run as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_ARTICLE

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

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

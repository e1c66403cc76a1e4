"""Parquet export: date-partitioned analyst tables, read back with DuckDB, repeatable, from a read-only open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from ingest import pipeline
from ingest.settings import Settings
from ingest.warehouse import export
from tests.support.news_pages import TOPICS, write_articles
from tests.support.paths import SEED_ARTICLE

INGEST = str(Path(sys.executable).with_name("ingest"))


def _load(settings: Settings, tmp_path: Path) -> None:
    inputs = [*write_articles(tmp_path / "may3", TOPICS[:2], day=3),
              *write_articles(tmp_path / "may4", TOPICS[2:5], day=4)]
    (tmp_path / "junk.html").write_bytes(b"\0\1" * 40)
    pipeline.run_batches([SEED_ARTICLE, *inputs, tmp_path / "junk.html"], settings, "run-1")


def _read(pattern: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect() as con:
        return con.execute(query.replace("$files", f"read_parquet('{pattern}', hive_partitioning = true)")).fetchall()


def test_articles_are_written_partitioned_by_date(settings: Settings, tmp_path: Path) -> None:
    _load(settings, tmp_path)
    out = tmp_path / "export"
    results = {r.table: r.rows for r in export.export_parquet(settings, out)}
    assert results["articles"] == 6 and results["rejects"] == 1 and results["article_embeds"] == 1

    partitions = sorted(p.name for p in (out / "articles").iterdir())
    assert "article_date=2024-05-03" in partitions and "article_date=2024-05-04" in partitions
    per_day = _read(out / "articles" / "*" / "*.parquet",
                    "select cast(article_date as varchar), count(*) from $files group by 1 order by 1")
    assert per_day[:2] == [("2024-05-03", 2), ("2024-05-04", 3)] and sum(n for _, n in per_day) == 6
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        expected = con.execute("select article_id, title, body_text from articles order by article_id").fetchall()
    exported = _read(out / "articles" / "*" / "*.parquet",
                     "select article_id, title, body_text from $files order by article_id")
    assert exported == expected


def test_exporting_twice_replaces_the_files_and_leaves_nothing_behind(settings: Settings, tmp_path: Path) -> None:
    _load(settings, tmp_path)
    out = tmp_path / "export"
    first = export.export_parquet(settings, out)
    second = export.export_parquet(settings, out)
    assert [(r.table, r.rows) for r in first] == [(r.table, r.rows) for r in second]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert _read(out / "articles" / "*" / "*.parquet", "select count(*) from $files") == [(6,)]


def test_the_export_command_reads_while_another_reader_is_open(settings: Settings, tmp_path: Path) -> None:
    _load(settings, tmp_path)
    out = tmp_path / "export"
    with duckdb.connect(str(settings.warehouse), read_only=True):  # an analyst's notebook, say
        result = subprocess.run([INGEST, "export", "--format", "parquet", str(out), "-w", str(settings.warehouse)],
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "articles" in result.stdout and (out / "rejects").is_dir()
    bad = subprocess.run([INGEST, "export", "--format", "csv", str(out), "-w", str(settings.warehouse)],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "parquet" in bad.stderr


def test_an_empty_table_exports_as_a_readable_file_with_its_schema(settings: Settings, tmp_path: Path) -> None:
    pipeline.run_batches([SEED_ARTICLE], settings, "run-1")  # one article, no reject
    out = tmp_path / "export"
    results = {r.table: r.rows for r in export.export_parquet(settings, out)}
    assert results["rejects"] == 0 and results["articles"] == 1
    rejects = out / "rejects" / "*" / "*.parquet"
    assert _read(rejects, "select count(*) from $files") == [(0,)]
    with duckdb.connect() as con:
        described = con.execute(f"describe select * from read_parquet('{rejects}', hive_partitioning = true)")
        columns = {row[0]: row[1] for row in described.fetchall()}
    assert columns["rejected_at"] == "TIMESTAMP" and columns["reject_date"] == "DATE" and "reason" in columns
    # the same pattern reads rows once the table has some: the empty file is replaced, not added to
    (tmp_path / "junk.html").write_bytes(b"\0\1" * 40)
    pipeline.run_batches([tmp_path / "junk.html"], settings, "run-2")
    export.export_parquet(settings, out)
    assert _read(rejects, "select count(*), count(reject_date) from $files") == [(1, 1)]


def test_an_export_directory_may_have_a_quote_in_its_name(settings: Settings, tmp_path: Path) -> None:
    pipeline.run_batches([SEED_ARTICLE], settings, "run-1")
    out = tmp_path / "analyst's export"
    results = {r.table: r.rows for r in export.export_parquet(settings, out)}
    assert results["articles"] == 1
    with duckdb.connect() as con:
        row = con.execute("select count(*) from read_parquet($files, hive_partitioning = true)",
                          {"files": str(out / "articles" / "*" / "*.parquet")}).fetchone()
    assert row == (1,)

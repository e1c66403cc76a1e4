"""Analyst tables as Parquet, partitioned by date (hive layout: `articles/article_date=2024-05-01/...`).

Written with DuckDB's `COPY ... (format parquet, partition_by ...)`, which streams: memory does not grow with
the warehouse. Each table is written to a fresh directory next to its destination and swapped in at the end,
so a reader of the export never sees half a table, and exporting twice gives the same files. Each table's query is
sql/queries/export/<table>.sql; the COPY around it (its options differ with partitioning) is put together here.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.statements import statement

FORMATS = ("parquet",)
EMPTY_PARTITION = "empty"  # the directory of the one schema-only file an empty partitioned table exports as


@dataclass(frozen=True)
class Export:
    name: str
    statement_name: str  # sql/queries/<statement_name>.sql
    partition: str | None  # a date column; None writes one unpartitioned file set
    requires: tuple[str, ...]

    @property
    def query(self) -> str:
        return statement(self.statement_name)


EXPORTS: tuple[Export, ...] = (
    Export("articles", "export/articles", "article_date", ("articles",)),
    Export("article_embeds", "export/article_embeds", "article_date", ("article_embeds",)),
    Export("rejects", "export/rejects", "reject_date", ("rejects",)),
    Export("article_duplicates", "export/article_duplicates", "article_date", ("article_duplicates",)),
    Export("entities", "export/entities", None, ("entities",)),
    Export("entity_mentions", "export/entity_mentions", "article_date", ("entity_mentions",)),
)


@dataclass(frozen=True)
class ExportResult:
    table: str
    rows: int
    path: Path


def export_parquet(settings: Settings, out_dir: Path) -> list[ExportResult]:
    """Write every analyst table the warehouse holds under `out_dir`, one directory per table. Reads only."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with warehouse.open_warehouse(settings, read_only=True) as con:
        tables = {relation.name for relation in warehouse.relations(con, counts=False)}
        for export in EXPORTS:
            if set(export.requires) <= tables:
                results.append(_export_one(con, export, out_dir))
    return results


def _export_one(con: duckdb.DuckDBPyConnection, export: Export, out_dir: Path) -> ExportResult:
    final = out_dir / export.name
    staging = out_dir / f".{export.name}.{uuid.uuid4().hex[:8]}.tmp"
    staging.mkdir()
    try:
        options = "format parquet, compression zstd"
        if export.partition:
            options += f", partition_by ({export.partition}), filename_pattern 'part_{{i}}'"
            target = staging
        else:
            target = staging / "part_0.parquet"
        row = con.execute(f"copy ({export.query}) to $path ({options})", {"path": str(target)}).fetchone()
        rows = int(row[0]) if row else 0
        if rows == 0 and export.partition:
            _write_empty(con, export, staging)
        _swap_in(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(export.name, rows, final)


def _write_empty(con: duckdb.DuckDBPyConnection, export: Export, staging: Path) -> None:
    """A partitioned COPY of no rows writes no file, and `read_parquet('DIR/table/*/*.parquet')` then fails with
    "No files found". One file with no rows and the full schema (the partition column included) reads as an empty
    table; its directory is not `key=value`, so hive partitioning adds nothing to it."""
    (staging / EMPTY_PARTITION).mkdir()
    target = staging / EMPTY_PARTITION / "part_0.parquet"
    con.execute(f"copy (select * from ({export.query}) limit 0) to $path (format parquet, compression zstd)",
                {"path": str(target)})


def _swap_in(staging: Path, final: Path) -> None:
    retired = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.old")
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    shutil.rmtree(retired, ignore_errors=True)

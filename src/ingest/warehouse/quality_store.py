"""Data-quality figures' warehouse side (migration 005): measure a run, read and record figures, list runs.

`ingest.ops.quality` decides what a figure means (baselines, flags, reports); this module runs the SQL in
sql/queries/quality/, one file per figure (`metric_<name>.sql`, over what the run loaded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from ingest.warehouse.connection import registered, transaction
from ingest.warehouse.statements import statement

_FIGURE_SCHEMA = pa.schema([("run_id", pa.string()), ("series", pa.string()), ("metric", pa.string()),
                            ("value", pa.float64()), ("computed_at", pa.timestamp("us")), ("load_id", pa.string())])


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute(statement("catalog/table_names")).fetchall()}


def measure(con: duckdb.DuckDBPyConnection, query: str, run_id: str) -> float | None:
    """One figure (the named statement, e.g. "quality/metric_articles") of the run; None when nothing to measure."""
    row = con.execute(statement(query), {"run_id": run_id}).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def history(con: duckdb.DuckDBPyConnection, series: str, run_id: str, runs: int,
            before: datetime | None = None) -> dict[str, list[float]]:
    """Each metric's values over the last `runs` other runs of the series (recorded before `before`, if given)."""
    rows = con.execute(statement("quality/history"),
                       {"series": series, "run_id": run_id, "runs": runs, "before": before}).fetchall()
    return {metric: [float(v) for v in values] for metric, values in rows}


def record(con: duckdb.DuckDBPyConnection, run_id: str,
           figures: Sequence[tuple[str, str, str, float | None, datetime, str]]) -> None:
    """Replace the run's recorded figures (run_id, series, metric, value, computed_at, load_id), atomically."""
    incoming = pa.Table.from_pylist([dict(zip(_FIGURE_SCHEMA.names, row, strict=True)) for row in figures],
                                    schema=_FIGURE_SCHEMA)
    with transaction(con):
        con.execute(statement("quality/forget_run"), [run_id])
        if figures:
            with registered(con, {"incoming_quality": incoming}):
                con.execute(statement("quality/record_figures"))


def latest_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime]]:
    """(series, run_id, computed_at) of the most recently recorded run of every series."""
    return [(series, run_id, computed_at)
            for series, run_id, computed_at in con.execute(statement("quality/latest_runs")).fetchall()]


def run_figures(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, float | None]:
    return dict(con.execute(statement("quality/run_figures"), [run_id]).fetchall())


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of the latest runs, newest first."""
    cursor = con.execute(statement("quality/recent_runs"), [limit])
    return [d[0] for d in cursor.description or []], cursor.fetchall()


def relation_rows(con: duckdb.DuckDBPyConnection, relation: str, limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and the first `limit` rows of a table or view the caller knows exists."""
    quoted = '"' + relation.replace('"', '""') + '"'
    cursor = con.execute(f"select * from {quoted} limit {int(limit)}")
    return [d[0] for d in cursor.description or []], cursor.fetchall()

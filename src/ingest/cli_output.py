"""What the command line prints: the run summary, query results in a table, CSV or JSON, and report tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.ops.quality import counts_rows
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse


def print_summary(totals: dict[str, int], settings: Settings) -> None:
    table = Table(title=f"Loaded into {warehouse.display_name(settings)}")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for row in counts_rows(totals):  # the order of the run's counts artifact: inputs, skips, rejects, loads...
        table.add_row(str(row["counter"]), str(row["count"]))
    Console().print(table)


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], output: str) -> str:
    if output == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_json_value, indent=2) + "\n"
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # LF, so `tail` and `awk` see no stray \r
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue()
    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    buffer_console = Console(file=io.StringIO(), width=max(80, Console().width), force_terminal=False)
    buffer_console.print(table)
    return buffer_console.file.getvalue()  # type: ignore[attr-defined]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def print_unfinished(out: Console, pending: Any) -> None:
    if pending.dedupe or pending.enrichment:
        out.print(f"UNFINISHED {pending.articles_awaiting_dedupe} articles await dedupe, "
                  f"{pending.articles_awaiting_enrichment} await enrichment (the next run finishes them)")
    else:
        out.print("No stage work pending: every loaded article is deduplicated and enriched.")


def print_rows(out: Console, title: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    out.print(table)

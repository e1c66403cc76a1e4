"""`ingest`: a thin command line over the library and the flows."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest import warehouse
from ingest.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="News ingestion: load, query and enrich.")
console = Console(stderr=True)
WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", "-w", help="DuckDB file (default: $INGEST_WAREHOUSE or warehouse/news.duckdb)"),
]


def settings_for(warehouse_path: Path | None) -> Settings:
    return Settings(warehouse=warehouse_path) if warehouse_path else Settings()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


class _ProgressHandler(logging.Handler):
    """Advances the progress bar from the flow's per-batch log records."""

    def __init__(self, progress: Progress, task_id: Any) -> None:
        super().__init__()
        self.progress, self.task_id = progress, task_id

    def emit(self, record: logging.LogRecord) -> None:
        advance = getattr(record, "ingest_progress", None)
        if isinstance(advance, int):
            self.progress.advance(self.task_id, advance)


@app.command()
def run(
    paths: Annotated[list[str], typer.Argument(help="files, directories, glob patterns or http(s) URLs")],
    warehouse_path: WarehouseOption = None,
    batch_size: Annotated[int | None, typer.Option(help="documents per batch")] = None,
) -> None:
    """Run the ingest flow over PATHs (Prefect's embedded server unless PREFECT_API_URL is set). URLs are fetched
    (politely, conditionally when fetched before) by the fetch-urls flow and loaded the same way."""
    settings = settings_for(warehouse_path)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        warehouse.connect(settings).close()  # fail fast, in one line, when another process holds the file
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    from flows.ingest_files import ingest_files

    with Progress(SpinnerColumn(), TextColumn("ingesting"), BarColumn(), TextColumn("{task.completed} inputs"),
                  TimeElapsedColumn(), console=console, disable=not console.is_terminal) as progress:
        handler = _ProgressHandler(progress, progress.add_task("ingest", total=None))
        logging.getLogger("prefect.flow_runs").addHandler(handler)
        urls = [p for p in paths if p.startswith(("http://", "https://"))]
        files = [p for p in paths if p not in urls]
        try:
            totals = ingest_files([str(p) for p in files], str(settings.warehouse), batch_size) if files else {}
            if urls:
                from flows.fetch_sources import fetch_urls

                totals = _merged(totals, fetch_urls(urls, str(settings.warehouse)))
        except warehouse.WarehouseError as exc:
            raise fail(str(exc)) from None
        finally:
            logging.getLogger("prefect.flow_runs").removeHandler(handler)
    _print_summary(totals, settings)


def _merged(*counts: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for count in counts:
        for key, value in count.items():
            merged[key] = merged.get(key, 0) + value
    return merged


@app.command()
def fetch(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="source_id from the sources seed (repeat); default: every enabled source")] = None,
    refetch: Annotated[bool, typer.Option(help="fetch URLs fetched before again (conditional requests)")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Fetch web sources: find articles in their feeds and sitemaps, fetch the new ones politely, load them."""
    from ingest.frontier import SourcesError

    settings = settings_for(warehouse_path)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        warehouse.connect(settings).close()
        from flows.fetch_sources import fetch_sources

        totals = fetch_sources(source or None, str(settings.warehouse), refetch)
    except (warehouse.WarehouseError, SourcesError) as exc:
        raise fail(str(exc)) from None
    _print_summary(totals, settings)


def _print_summary(totals: dict[str, int], settings: Settings) -> None:
    table = Table(title=f"Loaded into {settings.warehouse}")
    table.add_column("stage")
    table.add_column("count", justify="right")
    for key, value in sorted(totals.items()):
        table.add_row(key, str(value))
    Console().print(table)


@app.command()
def enrich(
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="only articles dated on/after (published, else ingested)")] = None,
    stale: Annotated[bool, typer.Option("--stale", help="only articles never enriched or changed since")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Re-run NER and entity resolution over articles in the warehouse (after a model or gazetteer change)."""
    settings = settings_for(warehouse_path)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        warehouse.connect(settings).close()
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    from flows.enrich import enrich_articles

    try:
        totals = enrich_articles(str(settings.warehouse), since.date().isoformat() if since else None, stale)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    _print_summary(totals, settings)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against the warehouse, read-only")],
    warehouse_path: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
) -> None:
    """Run an ad hoc read-only query and print the result."""
    if output not in ("table", "csv", "json"):
        raise fail("--format must be one of table, csv, json", 2)
    settings = settings_for(warehouse_path)
    try:
        con = warehouse.connect(settings, read_only=True)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    try:
        cursor = con.execute(query)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise fail(str(exc).splitlines()[0]) from None
    finally:
        con.close()
    sys.stdout.write(format_rows(columns, rows, output))


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], output: str) -> str:
    if output == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_json_value, indent=2) + "\n"
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
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


if __name__ == "__main__":
    app()

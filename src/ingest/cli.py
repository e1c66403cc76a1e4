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

    _watch_server(settings)
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


def _watch_server(settings: Settings) -> None:
    """A run reporting to a Prefect server stops, in one line, if that server dies (see flows.server_watch)."""
    from flows.server_watch import watch

    watch(settings.api_lost_seconds)


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

        _watch_server(settings)
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

    _watch_server(settings)
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



@app.command()
def serve(
    warehouse_path: WarehouseOption = None,
    inbox: Annotated[Path | None, typer.Option(help="directory ingest-files polls (default: $INGEST_INBOX)")] = None,
    export_dir: Annotated[Path | None, typer.Option(help="Parquet export directory of maintenance")] = None,
    inbox_every: Annotated[int, typer.Option(help="seconds between inbox polls")] = 300,
    maintenance_cron: Annotated[str, typer.Option(help="cron of the maintenance deployment")] = "30 3 * * *",
    pause: Annotated[list[str] | None, typer.Option(help="deployment whose schedule starts paused (repeat)")] = None,
    limit: Annotated[int | None, typer.Option(help="most flow runs this process executes at once")] = None,
) -> None:
    """Serve every deployment with its schedule from this process (needs PREFECT_API_URL: a Prefect server)."""
    from datetime import timedelta

    from flows.deployments import ServePlan, serve_all

    overrides = {k: v for k, v in {"warehouse": warehouse_path, "inbox": inbox, "export_dir": export_dir}.items() if v}
    plan = ServePlan(Settings(**overrides), inbox_every=timedelta(seconds=inbox_every),  # type: ignore[arg-type]
                     maintenance_cron=maintenance_cron, paused=frozenset(pause or ()))
    serve_all(plan, limit=limit)


@app.command()
def backfill(
    source: Annotated[list[str], typer.Option("--source", help="source_id of seeds/sources.csv (repeat)")],
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"], help="first interval start, UTC")],
    end: Annotated[datetime, typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"], help="last interval end (excluded)")],
    every: Annotated[str, typer.Option(help="interval length: 30m, 6h, 1d, 1w")] = "1d",
    max_active: Annotated[int, typer.Option(help="runs scheduled or running at once")] = 2,
    deployment: Annotated[str, typer.Option(help="deployment to run")] = "ingest-sources/ingest-sources",
    warehouse_path: WarehouseOption = None,
) -> None:
    """One flow run per interval of [START, END) through the Prefect API (needs `ingest serve` or a worker)."""
    from flows.backfill import BackfillError, BackfillRun
    from flows.backfill import backfill as run_backfill
    from ingest.intervals import IntervalError, parse_every, split

    try:
        intervals = split(start, end, parse_every(every))
    except IntervalError as exc:
        raise fail(str(exc), 2) from None
    extra = {"warehouse_path": str(warehouse_path.absolute())} if warehouse_path else {}

    def parameters(interval: tuple[datetime, datetime]) -> dict[str, Any]:
        return {"source_ids": source, "start": interval[0].isoformat(), "end": interval[1].isoformat(), **extra}

    def show(run: BackfillRun) -> None:
        console.print(f"{run.name}  {run.state.lower()}  {run.message}".rstrip())

    console.print(f"{len(intervals)} runs of {deployment}, at most {max_active} at once")
    try:
        runs = run_backfill(deployment, intervals, parameters, "-".join(source), max_active, on_change=show)
    except BackfillError as exc:
        raise fail(str(exc)) from None
    _print_rows(Console(width=max(120, Console().width)), f"Backfill of {', '.join(source)}",
                [{"interval start": f"{r.interval[0]:%Y-%m-%d %H:%M}", "run": r.name, "state": r.state.lower(),
                  "message": r.message} for r in runs])
    if any(r.state != "COMPLETED" for r in runs):
        raise typer.Exit(1)


@app.command()
def status(
    warehouse_path: WarehouseOption = None,
    runs: Annotated[int, typer.Option(help="recent runs to list")] = 10,
) -> None:
    """Recent runs, each series' latest data-quality figures against its recent mean, and source health."""
    from ingest import quality, stage_state

    settings = settings_for(warehouse_path)
    try:
        with warehouse.open_warehouse(settings, read_only=True) as con:
            summary = quality.status_summary(con, settings.quality_flag_factor, settings.quality_history_runs, runs)
            pending, crashed = stage_state.pending_work(con), stage_state.crashed_runs(con)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    out = Console(width=max(120, Console().width))
    _print_rows(out, "Recent runs", summary.runs)
    for report in summary.reports:
        rows = [{"figure": f.metric.label, "this run": quality.format_value(f.metric, f.value),
                 f"mean of last {report.history}": quality.format_value(f.metric, f.baseline),
                 "runs": f.history_runs, "status": f.verdict.strip("*")} for f in report.figures]
        _print_rows(out, f"Data quality: {report.series} (run {report.run_id})", rows)
    _print_rows(out, "Source health", summary.source_health)
    _print_rows(out, "Runs that died (their unfinished work is finished by the next run)", crashed[:runs])
    problems = summary.problems()
    _print_unfinished(out, pending)
    out.print("\n".join(f"PROBLEM {p}" for p in problems) if problems else "No data-quality figure is off.")


def _print_unfinished(out: Console, pending: Any) -> None:
    if pending.dedupe or pending.enrichment:
        out.print(f"UNFINISHED {pending.articles_awaiting_dedupe} articles await dedupe, "
                  f"{pending.articles_awaiting_enrichment} await enrichment (the next run finishes them)")
    else:
        out.print("No stage work pending: every loaded article is deduplicated and enriched.")


def _print_rows(out: Console, title: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    table = Table(*rows[0].keys(), title=title)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    out.print(table)


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="directory that receives one sub-directory per table")],
    output_format: Annotated[str, typer.Option("--format", help="only parquet for now")] = "parquet",
    warehouse_path: WarehouseOption = None,
) -> None:
    """Write the analyst tables as Parquet, partitioned by date (hive layout), reading the warehouse only."""
    from ingest import export as exporter

    if output_format not in exporter.FORMATS:
        raise fail(f"--format must be one of {', '.join(exporter.FORMATS)}", 2)
    try:
        results = exporter.export_parquet(settings_for(warehouse_path), out_dir)
    except (warehouse.WarehouseError, duckdb.Error) as exc:
        raise fail(str(exc).splitlines()[0]) from None
    _print_rows(Console(), f"Exported to {out_dir}", [{"table": r.table, "rows": r.rows, "path": str(r.path)}
                                                      for r in results])


@app.command()
def reprocess(
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="documents first seen on/after")] = None,
    force: Annotated[bool, typer.Option(help="also articles already extracted by this extractor version")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Re-extract, re-clean and re-enrich stored raw documents (after an extractor upgrade); old rows kept."""
    from ingest import reprocess as reprocessor
    from ingest.entities import Enricher

    settings = settings_for(warehouse_path)
    try:
        with Enricher(settings) as enricher:  # NER starts only if some article changed
            followers = (reprocessor.rededupe, reprocessor.reenrich(enricher))
            totals = reprocessor.reprocess(settings, since.date() if since else None, force, followers)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    _print_summary(dict(totals), settings)


if __name__ == "__main__":
    app()

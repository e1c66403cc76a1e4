"""`ingest`: a thin command line over the library and the flows."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ingest.cli_output import format_rows, print_rows, print_summary, print_unfinished
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse

app = typer.Typer(add_completion=False, no_args_is_help=True, help="News ingestion: load, query and enrich.")
console = Console(stderr=True)
WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", "-w", help="DuckDB file, or a DuckLake: ducklake:postgres:dbname=... host=... "
                 "(default: $INGEST_WAREHOUSE or warehouse/news.duckdb)"),
]


def settings_for(warehouse_path: Path | None) -> Settings:
    return _lake_password_kept(Settings(warehouse=warehouse_path) if warehouse_path else Settings())


def _lake_password_kept(settings: Settings) -> Settings:
    """The flows a command starts are given a lake's catalog without its password (a Prefect parameter is stored
    and shown); they find it in this process's INGEST_WAREHOUSE, and so do the flow runs `ingest serve` starts."""
    if settings.is_lake:
        os.environ["INGEST_WAREHOUSE"] = str(settings.warehouse)
    return settings


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def query_fault(exc: Exception, settings: Settings) -> str:
    """The one line a reading command ends with: an operator's fault (a lake's object store gone, a corrupt or full
    warehouse) explained with what to do; anything else, a query's own mistake included, DuckDB's first line."""
    if isinstance(exc, duckdb.Error) and warehouse.is_operator_fault(exc, settings):
        return str(warehouse.explain_for(exc, settings))
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def one_line_faults(settings: Settings) -> Iterator[None]:
    """Run a flow-starting command so that the faults an operator meets (a dead Prefect server, a locked, corrupt
    or full warehouse) end it with one line naming the cause and what to do, not a traceback."""
    from ingest.ops.prefect_api import PrefectUnavailable, ensure_prefect_api, quiet_console_tracebacks

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        warehouse.connect(settings).close()  # fail fast, in one line, when the file is locked or corrupt
        reporting_to = _choose_prefect_server(settings)
        ensure_prefect_api()
        console.print(reporting_to, style="dim", highlight=False)
        quiet_console_tracebacks(lambda exc: warehouse.is_operator_fault(exc, settings))
        yield
    except (warehouse.WarehouseError, PrefectUnavailable) as exc:
        raise fail(str(exc)) from None
    except duckdb.Error as exc:
        raise fail(str(warehouse.explain_for(exc, settings))) from None


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
    enrich: Annotated[bool | None, typer.Option(
        "--enrich/--no-enrich", help="find entities (default: INGEST_ENRICH, on); --no-enrich leaves the articles "
                                     "for the next run with it on, or `ingest enrich --stale`")] = None,
    shards: Annotated[int | None, typer.Option(
        min=1, help="split the files into N shards, one child flow run each on the work pool's Prefect workers "
                    "(needs a Prefect server, the pool and workers; see README \"Scaling out\")")] = None,
    pool: Annotated[str, typer.Option(envvar="INGEST_WORK_POOL", help="process work pool of --shards")] = "ingest",
) -> None:
    """Run the ingest flow over PATHs, reporting to PREFECT_API_URL, else a running `ingest ui`, else a temporary
    Prefect server. URLs are fetched (politely, conditionally when fetched before) by the fetch-urls flow and
    loaded the same way. With --shards, the files are loaded by child flow runs on a work pool's workers."""
    settings = settings_for(warehouse_path)
    urls = [p for p in paths if p.startswith(("http://", "https://"))]
    _check_inputs([p for p in paths if p not in urls], any_urls=bool(urls))
    if shards is not None:
        if urls:
            raise fail("--shards splits files; fetch URLs without it (or with `ingest fetch`)", 2)
        _run_sharded(paths, settings, batch_size, enrich, shards, pool)
        return
    _launch_prefect_server(settings)  # its start-up overlaps the fork server's and the imports below
    _start_fork_server(settings, enrich)
    from flows.ingest_files import ingest_files
    from ingest.read.files import portable_path

    with one_line_faults(settings), _setting("INGEST_ENRICH", enrich), Progress(
            SpinnerColumn(), TextColumn("ingesting"), BarColumn(), TextColumn("{task.completed} inputs"),
            TimeElapsedColumn(), console=console, disable=not console.is_terminal) as progress:
        _watch_server(settings)
        handler = _ProgressHandler(progress, progress.add_task("ingest", total=None))
        logging.getLogger("prefect.flow_runs").addHandler(handler)
        urls = [p for p in paths if p.startswith(("http://", "https://"))]
        files = [portable_path(p) for p in paths if p not in urls]  # flow parameters must be UTF-8
        try:
            parameter = warehouse.flow_parameter(settings)
            totals = ingest_files(files, parameter, batch_size) if files else {}
            if urls:
                from flows.fetch_sources import fetch_urls

                totals = _merged(totals, fetch_urls(urls, parameter))
        finally:
            logging.getLogger("prefect.flow_runs").removeHandler(handler)
    print_summary(totals, settings)




def _run_sharded(paths: list[str], settings: Settings, batch_size: int | None, enrich: bool | None, shards: int,
                 pool: str) -> None:
    """The `ingest-sharded` parent flow in this process, its children on the pool's workers; exit 1 when a shard
    did not complete."""
    from flows.local_server import report_to_local_server
    from flows.sharded import ShardingUnavailable, check_pool, ingest_sharded, what_is_needed
    from ingest.ops.prefect_api import PrefectUnavailable, check_reachable
    from ingest.read.files import path_from_uri, portable_path

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    api_url = report_to_local_server(settings.local_prefect_api_url)
    if api_url is None:  # a temporary server lives and dies with this process: no worker could reach it
        raise fail(what_is_needed(pool))
    try:
        check_reachable(api_url)
        if check_pool(pool) != "READY":
            console.print(f"warning: no worker polls the work pool `{pool}` yet (`prefect worker start --pool {pool}`)",
                          soft_wrap=True)
    except (PrefectUnavailable, ShardingUnavailable) as exc:
        raise fail(str(exc)) from None
    console.print(f"reporting to the Prefect server at {api_url}; {shards} shards on the work pool `{pool}`",
                  style="dim", highlight=False, soft_wrap=True)
    # Absolute paths: the workers start in other directories, and a file's shard is a hash of its absolute path.
    files = [portable_path(os.path.abspath(path_from_uri(p))) for p in paths]
    state = ingest_sharded(files, shards, warehouse.flow_parameter(settings), batch_size, enrich, pool,
                           return_state=True)
    totals = state.result(raise_on_failure=False)
    print_summary(totals if isinstance(totals, dict) else {}, settings)
    if not state.is_completed():
        raise fail(f"sharded run {state.name.lower() if state.name else 'failed'}: {state.message}")


@contextmanager
def _setting(variable: str, value: bool | None) -> Iterator[None]:
    """A command-line flag for a setting the flows read from the environment, for this command only."""
    previous = os.environ.get(variable)
    if value is not None:
        os.environ[variable] = "true" if value else "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = previous


def _start_fork_server(settings: Settings, enrich: bool | None = None) -> None:
    """Start the workers' fork server now, without waiting for it (`ingest.extract.fork_server`); with the NER
    model loaded in it when this command will find entities in worker processes, so they inherit it."""
    from ingest.extract.fork_server import start_fork_server

    enriching = (settings.enrich if enrich is None else enrich) and settings.ner_processes > 1
    start_fork_server(settings.spacy_model if enriching else None)


def _launch_prefect_server(settings: Settings) -> None:
    """Start the temporary Prefect server now, without waiting for it, unless a server is configured or running."""
    from flows.local_server import report_to_local_server
    from ingest.ops.prefect_api import launch_temporary_server

    if report_to_local_server(settings.local_prefect_api_url) is None:
        launch_temporary_server()


def _choose_prefect_server(settings: Settings) -> str:
    """Report to PREFECT_API_URL, else to a local server already running (`ingest ui`), else a temporary one.
    Returns the line that says which, printed once the server is known to answer."""
    from flows.local_server import report_to_local_server

    api_url = report_to_local_server(settings.local_prefect_api_url)
    return (f"reporting to the Prefect server at {api_url}" if api_url else
            "reporting to a temporary Prefect server (start one with `ingest ui` to keep runs live)")


@app.command()
def ui(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port of the UI and the API")] = 4200,
) -> None:
    """Start the Prefect server and UI in the foreground (analytics off); `ingest run` reports to it while it runs."""
    from flows.local_server import server_command

    program, argv, env = server_command(host, port)
    console.print(f"Prefect UI on http://{host}:{port} (Ctrl-C stops it)")
    os.execve(program, argv, env)  # the server gets the terminal, and Ctrl-C, directly


def _check_inputs(files: list[str], any_urls: bool) -> None:
    """A warning per path that names no file; a one-line error when no path names any and there is no URL."""
    from ingest.read.files import UNMATCHED_REASONS, unmatched_inputs

    unmatched = unmatched_inputs(files)
    if files and len(unmatched) == len(files) and not any_urls:
        raise fail("no input found: " + "; ".join(f"{p}: {UNMATCHED_REASONS[r]}" for p, r in unmatched))
    for path, reason in unmatched:
        typer.echo(f"warning: {path}: {UNMATCHED_REASONS[reason]}", err=True)


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
    from ingest.warehouse.frontier import SourcesError

    settings = settings_for(warehouse_path)
    _launch_prefect_server(settings)
    _start_fork_server(settings)
    from flows.fetch_sources import fetch_sources

    try:
        with one_line_faults(settings):
            _watch_server(settings)
            totals = fetch_sources(source or None, warehouse.flow_parameter(settings), refetch)
    except SourcesError as exc:
        raise fail(str(exc)) from None
    print_summary(totals, settings)


@app.command()
def enrich(
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="only articles dated on/after (published, else ingested)")] = None,
    stale: Annotated[bool, typer.Option("--stale", help="only articles never enriched or changed since")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Re-run NER and entity resolution over articles in the warehouse (after a model or gazetteer change)."""
    settings = settings_for(warehouse_path)
    _launch_prefect_server(settings)
    _start_fork_server(settings, enrich=True)
    from flows.enrich import enrich_articles

    with one_line_faults(settings):
        _watch_server(settings)
        totals = enrich_articles(warehouse.flow_parameter(settings), since.date().isoformat() if since else None,
                                 stale)
    print_summary(totals, settings)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against the warehouse, read-only")],
    warehouse_path: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
) -> None:
    """Run an ad hoc read-only query and print the result (no file, network or extension access)."""
    if output not in ("table", "csv", "json"):
        raise fail("--format must be one of table, csv, json", 2)
    settings = settings_for(warehouse_path)
    try:
        con = warehouse.connect_for_queries(settings, prepare=lambda c: _attach_search_index(c, settings))
    except (warehouse.WarehouseError, duckdb.Error) as exc:
        raise fail(query_fault(exc, settings)) from None
    try:
        columns, rows = warehouse.run_query(con, query)
    except (warehouse.WarehouseError, duckdb.Error) as exc:
        raise fail(query_fault(exc, settings)) from None
    finally:
        con.close()
    sys.stdout.write(format_rows(columns, rows, output))


def _attach_search_index(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """`search_articles('query')` in ad hoc SQL when the index exists; a query that needs no search still runs
    when attaching fails."""
    from ingest.warehouse import search as fulltext
    from ingest.warehouse.extensions import ExtensionMissing

    try:
        fulltext.attach_search_index(con, settings)
    except (ExtensionMissing, duckdb.Error) as exc:
        console.print(f"warning: search index not attached: {str(exc).splitlines()[0]}")


@app.command()
def tables(
    warehouse_path: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    counts: Annotated[bool, typer.Option("--counts/--no-counts", help="count each one's rows")] = True,
) -> None:
    """List the warehouse's tables and views, with their row counts."""
    output = _checked_format(output)
    with _read_only(warehouse_path) as con:
        found = warehouse.relations(con, counts)
    columns = ["name", "kind", "rows"] if counts else ["name", "kind"]
    rows = [(r.name, r.kind, r.rows)[:len(columns)] for r in found]
    sys.stdout.write(format_rows(columns, rows, output))


@app.command()
def schema(
    table: Annotated[str, typer.Argument(help="table or view name (see `ingest tables`)")],
    warehouse_path: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
) -> None:
    """Show the columns of a table or view and their types."""
    output = _checked_format(output)
    with _read_only(warehouse_path) as con:
        try:
            found = warehouse.columns_of(con, table)
        except warehouse.WarehouseError as exc:
            raise fail(str(exc)) from None
    rows = [(c.name, c.type, c.nullable) for c in found]
    sys.stdout.write(format_rows(["column", "type", "nullable"], rows, output))


def _checked_format(output: str) -> str:
    if output not in ("table", "csv", "json"):
        raise fail("--format must be one of table, csv, json", 2)
    return output


@contextmanager
def _read_only(warehouse_path: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened read-only, or a one-line error when it cannot be."""
    try:
        con = warehouse.connect(settings_for(warehouse_path), read_only=True)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    try:
        yield con
    finally:
        con.close()


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
    plan = ServePlan(_lake_password_kept(Settings(**overrides)), inbox_every=timedelta(seconds=inbox_every),  # type: ignore[arg-type]
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
    pickup_timeout: Annotated[float, typer.Option(help="seconds the runs may wait for a worker")] = 300.0,
    warehouse_path: WarehouseOption = None,
) -> None:
    """One child flow run per interval of [START, END) under an `ingest-backfill` parent run in this process
    (needs a Prefect server, and `ingest serve` or a worker executing the deployment)."""
    from flows.backfill import BackfillError, check_deployment, ingest_backfill
    from ingest.ops.intervals import IntervalError, parse_every, split

    try:
        intervals = split(start, end, parse_every(every))
    except IntervalError as exc:
        raise fail(str(exc), 2) from None
    if max_active < 1:
        raise fail("--max-active must be at least 1")
    _report_to_server_for("`ingest backfill` runs its intervals on `ingest serve` or a worker")
    try:
        check_deployment(deployment)
    except BackfillError as exc:
        raise fail(str(exc)) from None
    extra = {"warehouse_path": warehouse.flow_parameter(settings_for(warehouse_path))} if warehouse_path else {}
    console.print(f"{len(intervals)} runs of {deployment}, at most {max_active} at once")
    state = ingest_backfill(deployment, intervals, {"source_ids": source, **extra}, "-".join(source), max_active,
                            pickup_timeout, return_state=True)
    rows = state.result(raise_on_failure=False)
    if not isinstance(rows, list):  # the parent itself failed (nothing picked the runs up): its message says why
        raise fail(f"backfill {state.name.lower() if state.name else 'failed'}: {state.message}")
    print_rows(Console(width=max(120, Console().width)), f"Backfill of {', '.join(source)}", rows)
    if not state.is_completed():
        raise typer.Exit(1)


def _report_to_server_for(what: str) -> None:
    """Report to PREFECT_API_URL or a running `ingest ui`, or stop with one line: a temporary server lives and
    dies with this process, so nothing else could run the children it hands out."""
    from flows.local_server import report_to_local_server
    from ingest.ops.prefect_api import PrefectUnavailable, check_reachable

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    api_url = report_to_local_server(Settings().local_prefect_api_url)
    if api_url is None:
        raise fail(f"{what}: it needs a Prefect server (PREFECT_API_URL, or `ingest ui`)")
    try:
        check_reachable(api_url)
    except PrefectUnavailable as exc:
        raise fail(str(exc)) from None


@app.command()
def status(
    warehouse_path: WarehouseOption = None,
    runs: Annotated[int, typer.Option(help="recent runs to list")] = 10,
) -> None:
    """Recent runs, each series' latest data-quality figures against its recent mean, and source health."""
    from ingest.ops import quality
    from ingest.warehouse import stage_state

    settings = settings_for(warehouse_path)
    try:
        with warehouse.open_warehouse(settings, read_only=True) as con:
            summary = quality.status_summary(con, settings.quality_flag_factor, settings.quality_history_runs, runs)
            pending, crashed = stage_state.pending_work(con), stage_state.crashed_runs(con)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    out = Console(width=max(120, Console().width))
    print_rows(out, "Recent runs", summary.runs)
    for report in summary.reports:
        rows = [{"figure": f.metric.label, "this run": quality.format_value(f.metric, f.value),
                 f"mean of last {report.history}": quality.format_value(f.metric, f.baseline),
                 "runs": f.history_runs, "status": f.verdict.strip("*")} for f in report.figures]
        print_rows(out, f"Data quality: {report.series} (run {report.run_id})", rows)
    print_rows(out, "Source health", summary.source_health)
    print_rows(out, "Runs that died (their unfinished work is finished by the next run)", crashed[:runs])
    problems = summary.problems()
    print_unfinished(out, pending)
    out.print("\n".join(f"PROBLEM {p}" for p in problems) if problems else "No data-quality figure is off.")


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="directory that receives one sub-directory per table")],
    output_format: Annotated[str, typer.Option("--format", help="only parquet for now")] = "parquet",
    warehouse_path: WarehouseOption = None,
) -> None:
    """Write the analyst tables as Parquet, partitioned by date (hive layout), reading the warehouse only."""
    from ingest.warehouse import export as exporter

    if output_format not in exporter.FORMATS:
        raise fail(f"--format must be one of {', '.join(exporter.FORMATS)}", 2)
    settings = settings_for(warehouse_path)
    try:
        results = exporter.export_parquet(settings, out_dir)
    except (warehouse.WarehouseError, duckdb.Error) as exc:
        raise fail(query_fault(exc, settings)) from None
    print_rows(Console(), f"Exported to {out_dir}", [{"table": r.table, "rows": r.rows, "path": str(r.path)}
                                                      for r in results])


@app.command()
def reprocess(
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="documents first seen on/after")] = None,
    force: Annotated[bool, typer.Option(help="also articles already extracted by this extractor version")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Re-extract, re-clean and re-enrich stored raw documents (after an extractor upgrade); old rows kept."""
    from ingest.ops import reprocess as reprocessor
    from ingest.pipeline import RunWorkers

    settings = settings_for(warehouse_path)
    try:
        with RunWorkers(settings) as workers:  # extraction and NER workers start only when needed
            followers = (reprocessor.rededupe, reprocessor.reenrich(workers.enricher))
            totals = reprocessor.reprocess(settings, since.date() if since else None, force, followers,
                                           workers=workers)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    print_summary(dict(totals), settings)


@app.command()
def migrate(warehouse_path: WarehouseOption = None) -> None:
    """Bring the warehouse to this version's schema (every run does this first; creates the file if need be)."""
    from ingest.warehouse.writer_lock import writer_slot

    settings = settings_for(warehouse_path)
    try:
        with writer_slot(settings, on_wait=lambda message: console.print(message, highlight=False)):
            applied = warehouse.migrate_warehouse(settings)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    except duckdb.Error as exc:
        raise fail(str(warehouse.explain_for(exc, settings))) from None
    name = warehouse.display_name(settings)
    typer.echo(f"{name}: applied {', '.join(applied)}" if applied else f"{name}: schema up to date")


@app.command("search")
def search_articles(
    query: Annotated[str, typer.Argument(help="words to look for in titles and bodies (BM25 ranking)")],
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="only articles dated on/after (published, else ingested)")] = None,
    entity: Annotated[str | None, typer.Option(help="only articles naming this entity (name or alias)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="most articles listed")] = 20,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    warehouse_path: WarehouseOption = None,
) -> None:
    """Full-text search over the warehouse's articles, best match first (the index is refreshed by every load)."""
    from ingest.warehouse import search as fulltext
    from ingest.warehouse.extensions import ExtensionMissing

    if output not in ("table", "csv", "json"):
        raise fail("--format must be one of table, csv, json", 2)
    settings = settings_for(warehouse_path)
    try:
        con = warehouse.connect(settings, read_only=True)
    except warehouse.WarehouseError as exc:
        raise fail(str(exc)) from None
    try:
        if not fulltext.attach_search_index(con, settings):
            raise fail(f"no search index at {fulltext.index_path(settings)}: build it with `ingest index` "
                       "(every `ingest run` keeps it current afterwards)")
        if lag := fulltext.index_lag(con):
            console.print(f"warning: the search index lacks {lag} article version(s) of the warehouse: "
                          "run `ingest index` to bring it up to date")
        query_spec = fulltext.SearchQuery(query, since.date() if since else None, entity, limit)
        columns, rows = fulltext.search(con, query_spec)
    except (fulltext.SearchIndexError, ExtensionMissing) as exc:
        raise fail(str(exc)) from None
    except duckdb.Error as exc:
        raise fail(query_fault(exc, settings)) from None
    finally:
        con.close()
    if not rows:
        console.print("no article matches")
    sys.stdout.write(format_rows(columns, rows, output))


@app.command("index")
def index_articles(
    full: Annotated[bool, typer.Option(help="index every article anew (gives back space updates left)")] = False,
    warehouse_path: WarehouseOption = None,
) -> None:
    """Build or refresh the full-text search index beside the warehouse (loads refresh it themselves)."""
    from ingest.warehouse import search as fulltext
    from ingest.warehouse.extensions import ExtensionMissing

    settings = settings_for(warehouse_path)
    if not warehouse.warehouse_exists(settings):
        raise fail(f"no warehouse at {warehouse.display_name(settings)}: run `ingest run` first")
    try:
        # An absent index is built even for a warehouse without articles, so that search answers "no match".
        refresh = fulltext.refresh_search_index(settings, full=full or not fulltext.index_path(settings).exists())
    except (warehouse.WarehouseError, ExtensionMissing) as exc:
        raise fail(str(exc)) from None
    state = f"rebuilt in {refresh.build_seconds:.2f}s" if refresh.rebuilt else "already current"
    typer.echo(f"{fulltext.index_path(settings)}: {refresh.articles} articles, {refresh.read} read from the "
               f"warehouse, {refresh.dropped} dropped; {state}")


@app.command("extract")
def extract_page(
    target: Annotated[str, typer.Argument(help="a file (file.jsonl#line=N for one line of a container) or a URL")],
    output: Annotated[str, typer.Option("--format", "-f", help="markdown, json or text (the body alone)")] = "markdown",
    entities: Annotated[bool, typer.Option(help="run NER too (loads the spaCy model)")] = True,
) -> None:
    """Print what `ingest run` would store for one page (body, metadata, embeds, entities); no warehouse."""
    from ingest.ops import page_report

    if output not in page_report.FORMATS:
        raise fail(f"--format must be one of {', '.join(page_report.FORMATS)}", 2)
    try:
        report = page_report.page_report(target, Settings(), with_entities=entities)
    except page_report.PageError as exc:
        raise fail(str(exc)) from None
    sys.stdout.write(page_report.render(report, output))


if __name__ == "__main__":
    app()

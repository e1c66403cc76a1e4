"""The maintenance flow: checkpoint and analyze the warehouse, then export the analyst tables as Parquet."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.retries import ON_TRANSIENT
from flows.writer import writer_slot
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import export, maintenance

EXPORT_ARTIFACT_KEY = "warehouse-export"


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def upkeep(settings: Settings) -> maintenance.Upkeep:
    return maintenance.upkeep(settings)


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def export_tables(settings: Settings, out_dir: Path) -> list[export.ExportResult]:
    return export.export_parquet(settings, out_dir)  # reads only: no writer slot


@flow(name="maintenance", log_prints=False)
def maintenance_flow(warehouse_path: str | None = None, export_dir: str | None = None,
                     run_export: bool = True) -> dict[str, object]:
    """Checkpoint, vacuum/analyze, and (by default) export every analyst table as date-partitioned Parquet."""
    overrides = {k: v for k, v in {"warehouse": warehouse_path, "export_dir": export_dir}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    logger = get_run_logger()
    with writer_slot(settings):
        kept = upkeep(settings)
    logger.info("upkeep: %d bytes before, %d after, %.2fs", kept.bytes_before, kept.bytes_after, kept.seconds)
    summary: dict[str, object] = asdict(kept)
    if run_export:
        results = export_tables(settings, settings.export_dir)
        rows = [{"table": r.table, "rows": r.rows, "path": str(r.path)} for r in results]
        source = warehouse.display_name(settings)  # a lake's catalog string without its password
        create_table_artifact(key=EXPORT_ARTIFACT_KEY, table=rows,
                              description=f"Parquet export of {source} to {settings.export_dir}")
        logger.info("export: %s", ", ".join(f"{r.table}={r.rows}" for r in results))
        summary["exported"] = {r.table: r.rows for r in results}
    return summary

"""Warehouse upkeep: fold the write-ahead log into the file, refresh optimizer statistics, report the size; on a
lake, merge small data files, expire old snapshots and delete the files nothing references any more.

The statements are sql/queries/maintenance/*.sql and sql/queries/lake/*.sql.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import lake, object_store
from ingest.warehouse.statements import statement


@dataclass(frozen=True)
class Upkeep:
    bytes_before: int
    bytes_after: int
    seconds: float


@dataclass(frozen=True)
class LakeUpkeep:
    """What maintenance did to a lake: merge results, snapshots expired, data files deleted."""

    tables_merged: int
    snapshots_expired: int
    files_deleted: int


def file_bytes(path: Path) -> int:
    """The warehouse file plus its write-ahead log, as they are on disk."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def stored_bytes(settings: Settings) -> int:
    """What the warehouse takes on disk: the file and its log, or every file (object) under a lake's data path."""
    if not settings.is_lake:
        return file_bytes(settings.warehouse)
    if settings.lake_on_object_store:
        return object_store.stored_bytes(settings)
    assert isinstance(settings.lake_data_path, Path)  # a lake without one is refused when opened
    return sum(p.stat().st_size for p in settings.lake_data_path.rglob("*") if p.is_file())


def upkeep(settings: Settings) -> Upkeep:
    """Checkpoint (WAL into the file, free blocks reused), then `vacuum analyze` so the planner sees fresh counts;
    on a lake, `lake_upkeep` instead.

    Needs the write lock; the caller (the maintenance flow) holds the warehouse writer lock around it.
    """
    before = stored_bytes(settings)
    started = time.monotonic()
    with warehouse.open_warehouse(settings) as con:
        if settings.is_lake:
            lake_upkeep(con, settings)
        else:
            for step in ("maintenance/checkpoint", "maintenance/vacuum_analyze", "maintenance/force_checkpoint"):
                con.execute(statement(step))
    return Upkeep(before, stored_bytes(settings), round(time.monotonic() - started, 3))


def lake_upkeep(con: duckdb.DuckDBPyConnection, settings: Settings) -> LakeUpkeep:
    """Merge each table's small files, expire snapshots older than `lake_snapshot_days`, then delete the files let
    go (and those a killed writer left behind) more than `lake_file_grace_hours` ago. DuckLake's own functions,
    each its own commit; the rows every current query sees are the same before and after."""
    merged = con.execute(statement("lake/merge_adjacent_files"), {"lake": lake.ALIAS}).fetchall()
    expired = con.execute(statement("lake/expire_snapshots"), {
        "lake": lake.ALIAS, "older_than": datetime.now(UTC) - timedelta(days=settings.lake_snapshot_days)})
    snapshots = len(expired.fetchall())
    # The clock is read again: the files the steps above let go were scheduled for deletion after the first reading.
    grace = {"lake": lake.ALIAS, "older_than": datetime.now(UTC) - timedelta(hours=settings.lake_file_grace_hours)}
    deleted = len(con.execute(statement("lake/cleanup_old_files"), grace).fetchall())
    deleted += len(con.execute(statement("lake/delete_orphaned_files"), grace).fetchall())
    return LakeUpkeep(len(merged), snapshots, deleted)

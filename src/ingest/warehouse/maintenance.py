"""Warehouse upkeep: fold the write-ahead log into the file, refresh optimizer statistics, report the size.

The statements are sql/queries/maintenance/*.sql.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.statements import statement


@dataclass(frozen=True)
class Upkeep:
    bytes_before: int
    bytes_after: int
    seconds: float


def file_bytes(path: Path) -> int:
    """The warehouse file plus its write-ahead log, as they are on disk."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def upkeep(settings: Settings) -> Upkeep:
    """Checkpoint (WAL into the file, free blocks reused), then `vacuum analyze` so the planner sees fresh counts.

    Needs the write lock; the caller (the maintenance flow) holds the warehouse writer lock around it.
    """
    before = file_bytes(settings.warehouse)
    started = time.monotonic()
    with warehouse.open_warehouse(settings) as con:
        for step in ("maintenance/checkpoint", "maintenance/vacuum_analyze", "maintenance/force_checkpoint"):
            con.execute(statement(step))
    return Upkeep(before, file_bytes(settings.warehouse), round(time.monotonic() - started, 3))

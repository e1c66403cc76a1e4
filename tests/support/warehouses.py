"""Warehouses in states a test needs: here, a real one whose file a bad disk has damaged."""

from __future__ import annotations

from pathlib import Path

from ingest.models import BatchResult, Reject
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse


def corrupted_warehouse(tmp_path: Path) -> Path:
    """A real warehouse with rows, then garbage written over its data blocks (what a bad disk or copy leaves)."""
    settings = Settings(warehouse=tmp_path / "corrupt.duckdb")
    rejects = tuple(Reject(input=f"in-{i}", stage="read", reason="empty", detail="x" * 200) for i in range(5000))
    with warehouse.open_warehouse(settings) as con:
        warehouse.load_batch(con, BatchResult(documents=(), articles=(), rejects=rejects), "run")
    size = settings.warehouse.stat().st_size
    with settings.warehouse.open("r+b") as handle:
        for block_start in range(3 * 4096, size, 256 * 1024):  # after the file headers, each 256 KiB block
            handle.seek(block_start + 64)  # past the block's stored checksum, so the block no longer matches it
            handle.write(b"\xde\xad\xbe\xef" * 64)
    return settings.warehouse

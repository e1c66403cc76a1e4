"""Warehouse upkeep on a real file: the write-ahead log folded in, the data intact, sizes reported."""

from __future__ import annotations

import duckdb

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import maintenance


def _write_leaving_a_wal(settings: Settings) -> None:
    """Rows written by a process that did not checkpoint on its way out (as one killed mid-run leaves them)."""
    with warehouse.open_warehouse(settings):
        pass  # migrated
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("create table notes as select range as n, repeat('x', 200) as text from range(20000)")
        con.execute("delete from notes where n % 2 = 0")


def test_upkeep_folds_the_wal_into_the_file_and_keeps_every_row(settings: Settings) -> None:
    _write_leaving_a_wal(settings)
    wal = settings.warehouse.with_name(settings.warehouse.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert maintenance.file_bytes(settings.warehouse) == settings.warehouse.stat().st_size + wal.stat().st_size

    upkeep = maintenance.upkeep(settings)
    assert not wal.exists() or wal.stat().st_size == 0
    assert upkeep.bytes_after == maintenance.file_bytes(settings.warehouse) == settings.warehouse.stat().st_size
    assert upkeep.bytes_before > upkeep.bytes_after
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*), min(n), max(n) from notes").fetchone() == (10000, 1, 19999)

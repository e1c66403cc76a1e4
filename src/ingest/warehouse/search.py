"""Full-text search: BM25 over article titles and bodies (DuckDB's fts extension), kept in a file beside the warehouse.

Why a side file: the fts extension cannot build its index on a DuckLake table, and a DuckLake backend is coming; a
plain DuckDB file next to the warehouse works for both. It holds copies of each article's id, version (load_id),
title, body and date, the fts index over them, and the `search_articles(query)` table macro.

Refresh after each load, incrementally: only the articles added or re-extracted since the last refresh are read from
the warehouse ((article_id, load_id) names a version) and indexed (`ingest.warehouse.fts_index`), in a copy of the old
file that is then renamed over it, so a reader has the old index or the new one open, never half of one; a lock file
makes refreshes take turns. The first build, or `full=True` (which also drops the space updates leave behind),
indexes everything from scratch.

The statements are in sql/queries/search/; only the ATTACH of the index file, whose path no parameter can carry,
is formatted here.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import fts_index
from ingest.warehouse.extensions import load_packaged_extension
from ingest.warehouse.statements import statement

INDEX_FORMAT = 1  # bump when the file's layout changes: an index of another format is rebuilt from scratch
FTS_SCHEMA = fts_index.FTS
ALIAS = "search"  # the catalog name of the attached index in warehouse connections (search/index_lag.sql names it)
_KEYS_SCHEMA = pa.schema([("article_id", pa.string()), ("load_id", pa.string())])


class SearchIndexError(warehouse.WarehouseError):
    """A search index problem worth one clear line."""


@dataclass(frozen=True)
class IndexChanges:
    """What the warehouse holds now against what the index holds: every current version's keys, and the rows of
    the versions the index lacks."""

    current: pa.Table
    changed: pa.Table
    indexed: int


@dataclass(frozen=True)
class Refresh:
    articles: int  # articles the index holds after the refresh
    read: int  # article versions read from the warehouse (new or re-extracted)
    dropped: int  # versions the index held that the warehouse no longer does
    rebuilt: bool
    read_seconds: float = 0.0
    build_seconds: float = 0.0

    def as_counts(self) -> dict[str, int]:
        """For run summaries: nothing when the index did not change."""
        if not self.rebuilt:
            return {}
        return {"search_indexed_articles": self.articles, "search_index_updates": self.read + self.dropped}


def index_path(settings: Settings) -> Path:
    """`warehouse/news.duckdb` -> `warehouse/news.search.duckdb`. A lake's index is a local file beside its data path
    (`lake/` -> `lake.search.duckdb`): DuckDB cannot build a full-text index on a lake table, and DuckLake's file
    clean-up would take a file inside the data path for an orphan. A lake in object storage (`s3://news/lake/`) has
    its index in the local directory `warehouse/` (`warehouse/news-lake.search.duckdb`), as a file warehouse has."""
    if settings.is_lake and isinstance(settings.lake_data_path, str):
        name = "-".join(part for part in settings.lake_data_path[len("s3://"):].split("/") if part)
        return Path("warehouse") / f"{name}.search.duckdb"
    if settings.is_lake and isinstance(settings.lake_data_path, Path):
        return settings.lake_data_path.absolute().with_name(settings.lake_data_path.name + ".search.duckdb")
    return settings.warehouse.with_suffix(".search.duckdb")


@contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """One refresh at a time per index (another process's refresh is waited for)."""
    path = index_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def indexed_keys(settings: Settings) -> pa.Table:
    """(article_id, load_id) of every article the current index holds; none when there is no usable index."""
    path = index_path(settings)
    if not path.exists():
        return _KEYS_SCHEMA.empty_table()
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            if _format_of(con) != INDEX_FORMAT:
                return _KEYS_SCHEMA.empty_table()
            return con.execute(statement("search/indexed_keys")).to_arrow_table().cast(_KEYS_SCHEMA)
    except duckdb.Error:
        return _KEYS_SCHEMA.empty_table()  # unreadable or half-written by a crashed tool: rebuilt from scratch


def _format_of(con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        row = con.execute(statement("search/index_format")).fetchone()
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row else None


def read_changes(con: duckdb.DuckDBPyConnection, indexed: pa.Table) -> IndexChanges:
    """Read, from the warehouse `con`, every current article version's keys and the rows of those `indexed` lacks."""
    con.register("indexed_keys", indexed)
    try:
        current = con.execute(statement("search/current_versions")).to_arrow_table().cast(_KEYS_SCHEMA)
        changed = con.execute(statement("search/changed_articles")).to_arrow_table()
    finally:
        con.unregister("indexed_keys")
    return IndexChanges(current=current, changed=changed, indexed=indexed.num_rows)


def build_index(settings: Settings, changes: IndexChanges, full: bool = False) -> Refresh:
    """Write the index of `changes` under a temporary name, then rename it over the old one: a copy of the old
    index updated in place when there is one, else a fresh build. Nothing to change (and no article at all, when
    there is no index yet): nothing is written, unless `full`."""
    path = index_path(settings)
    kept = changes.current.num_rows - changes.changed.num_rows
    dropped = changes.indexed - kept
    unchanged = changes.changed.num_rows == 0 and dropped == 0
    if not full and unchanged and (path.exists() or changes.current.num_rows == 0):
        return Refresh(articles=kept, read=0, dropped=0, rebuilt=False)
    started = time.monotonic()
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        if changes.indexed:
            shutil.copyfile(path, temporary)
        with duckdb.connect(str(temporary)) as con:
            load_packaged_extension(con, "fts")
            _write_rows(con, changes, update=bool(changes.indexed))
            con.execute(statement("maintenance/checkpoint"))
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            with suppress(FileNotFoundError):
                leftover.unlink()
    return Refresh(articles=changes.current.num_rows, read=changes.changed.num_rows, dropped=dropped, rebuilt=True,
                   build_seconds=time.monotonic() - started)


def _write_rows(con: duckdb.DuckDBPyConnection, changes: IndexChanges, update: bool) -> None:
    """The article copies, then their fts index: updated for the rows that changed, or built from scratch."""
    con.register("current_keys", changes.current)
    con.register("changed_rows", changes.changed)
    con.execute(statement("search/drop_stale_copies" if update else "search/create_article_copies"))
    con.execute(statement("search/insert_article_copies"))
    con.unregister("current_keys")
    con.unregister("changed_rows")
    if update:
        fts_index.update_index(con, changes.changed.column("article_id").to_pylist())
    else:
        fts_index.create_index(con)
        con.execute(statement("search/create_search_macro"))
    con.execute(statement("search/write_index_info"), {"format": INDEX_FORMAT})


def refresh_search_index(settings: Settings, full: bool = False) -> Refresh:
    """Bring the index up to date with the warehouse, or with `full` build it anew (for callers outside Prefect;
    the warehouse is only read, so no writer guard)."""
    with index_lock(settings):
        indexed = _KEYS_SCHEMA.empty_table() if full else indexed_keys(settings)
        started = time.monotonic()
        with warehouse.open_warehouse(settings, read_only=True) as con:
            changes = read_changes(con, indexed)
        read_seconds = time.monotonic() - started
        refresh = build_index(settings, changes, full)
    return dataclasses.replace(refresh, read_seconds=read_seconds)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


# --- reading ------------------------------------------------------------------------------------------------------


def attach_search_index(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """Attach the index read-only to a warehouse connection as catalog `search`, so `search_articles('query')`
    answers there. Loads the fts extension and attaches a file, both external access: call it before the
    connection's configuration is locked down. False (and `con` untouched) when there is no index yet."""
    path = index_path(settings)
    if not path.exists():
        return False
    load_packaged_extension(con, "fts")
    con.execute(f"attach '{_quoted(path)}' as {ALIAS} (read_only)")
    row = con.execute(statement("search/current_catalog")).fetchone()
    assert row is not None
    # The fts macros name their tables without a catalog: only the search path finds them in an attached file.
    # The warehouse comes first, so its own tables and views keep their meaning.
    own = f'"{row[0]}"."{row[1]}"'
    con.execute(statement("search/set_search_path"), {"search_path": f"{own},{ALIAS}.main,{ALIAS}.{FTS_SCHEMA}"})
    return True


@dataclass(frozen=True)
class SearchQuery:
    text: str
    since: date | None = None
    entity: str | None = None
    limit: int = 20


def search(con: duckdb.DuckDBPyConnection, query: SearchQuery) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Articles matching `query.text`, best BM25 score first, as (columns, rows). `con` is a warehouse connection
    with the index attached (`attach_search_index`)."""
    entity_ids = _entity_ids(con, query.entity) if query.entity else None
    cursor = con.execute(statement("search/search"), {"text": query.text, "since": query.since,
                                                      "entity_ids": entity_ids, "limit": query.limit})
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


def _entity_ids(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """Entities whose canonical name or any alias is `name`, ignoring case."""
    rows = con.execute(statement("search/entity_ids"), {"name": name.strip()}).fetchall()
    if not rows:
        raise SearchIndexError(f"no entity named {name!r} in the warehouse (names and aliases: ingest sql "
                               "\"select name, type from entity_catalog\")")
    return [row[0] for row in rows]


def index_lag(con: duckdb.DuckDBPyConnection) -> int:
    """How many article versions the warehouse holds that the attached index does not (0: the index is current).
    Compares counts and the latest load, so it costs two aggregates, not a join."""
    row = con.execute(statement("search/index_lag")).fetchone()
    if row is None:
        return 0
    warehouse_count, warehouse_latest, index_count, index_latest = row
    if warehouse_count == index_count and warehouse_latest == index_latest:
        return 0
    return max(1, int(warehouse_count) - int(index_count))

"""The warehouse on DuckLake: the catalog in PostgreSQL, the data as Parquet files under a data path.

`INGEST_WAREHOUSE=ducklake:postgres:dbname=news host=... port=... user=... password=...` (the string DuckDB users
ATTACH) selects it, with the data path in `INGEST_LAKE_DATA_PATH`: a directory, or an `s3://bucket/prefix/` whose
endpoint and keys are the `INGEST_S3_*` settings (`ingest.warehouse.object_store`). A connection is an in-memory
DuckDB with the lake attached as `lake` and made the default database, so every statement of the storage package
runs unchanged.
The extensions come from their registry packages (`ingest.warehouse.extensions`), never downloaded.

DuckLake refuses PRIMARY KEY, UNIQUE and CHECK constraints, indexes and sequences. The migrations stay the one
source of truth: `lake_dialect` translates each one mechanically when it is applied to a lake (see there), and
its checksum is the source file's, as on a DuckDB file. Keys are then the load logic's job: the batch load inserts
only rows whose keys are absent (an anti-join), and no statement on the lake may rely on a constraint
(`insert or replace`, `on conflict`).
"""

from __future__ import annotations

import hashlib
import re
import time
import weakref
from pathlib import Path

import duckdb

from ingest.settings import LAKE_PREFIX, PASSWORD, Settings, without_password
from ingest.warehouse import object_store
from ingest.warehouse.connection import WarehouseError, has_schema
from ingest.warehouse.extensions import load_packaged_extension
from ingest.warehouse.statements import statement

PREFIX = LAKE_PREFIX
ALIAS = "lake"
EXTENSIONS = ("ducklake", "postgres_scanner")


def is_lake(warehouse: str | Path) -> bool:
    """Whether a warehouse setting names a DuckLake (`ducklake:...`) rather than a DuckDB file."""
    return str(warehouse).startswith(PREFIX)


def redacted(catalog: str) -> str:
    """The catalog string fit for a message or a log: its password replaced."""
    return PASSWORD.sub(r"\1***", catalog)


def lock_key(catalog: str) -> str:
    """A short name for one lake, the same for every process on every machine (the password is no part of it, so
    a run given the catalog with it and a flow given it without share one lock)."""
    return hashlib.sha256(without_password(catalog).encode()).hexdigest()[:16]


# Lakes this process has seen created: a lake, once made, is not unmade under a run, and asking costs an opening
# (loading two extensions, most of a second), which `exists` would otherwise pay on every batch.
_KNOWN_TO_EXIST: set[str] = set()


def exists(settings: Settings) -> bool:
    """Whether the lake has been created: its catalog initialised and holding the migrations ledger."""
    key = lock_key(str(settings.warehouse))
    if key in _KNOWN_TO_EXIST:
        return True
    try:
        con = connect(settings, read_only=True)
    except WarehouseMissing:
        return False
    try:
        found = has_schema(con)
    finally:
        con.close()
    if found:
        _KNOWN_TO_EXIST.add(key)
    return found


class WarehouseMissing(WarehouseError):
    """A lake opened read-only before anything created it."""


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use; the catalog schema is created on first (writable) use."""
    catalog = str(settings.warehouse)
    if settings.lake_data_path is None:
        raise WarehouseError(f"warehouse {redacted(catalog)} is a DuckLake: set INGEST_LAKE_DATA_PATH to the "
                             "directory (or s3://bucket/prefix/) that holds its data files")
    if not read_only and isinstance(settings.lake_data_path, Path):
        settings.lake_data_path.absolute().mkdir(parents=True, exist_ok=True)
    for attempt in range(FIRST_USE_TRIES):
        try:
            return _attached(settings, read_only)
        except duckdb.Error as exc:
            if attempt + 1 < FIRST_USE_TRIES and _lost_first_use_race(exc):
                time.sleep(0.5)
                continue
            if read_only and _never_created(exc):
                raise WarehouseMissing(f"no warehouse at {redacted(catalog)}: run `ingest run` first") from None
            raise WarehouseError(f"warehouse {redacted(catalog)}: {_one_line(redacted(str(exc)))}") from None
    raise AssertionError("unreachable: the last try returns or raises")


def data_path(settings: Settings) -> str:
    """Where the lake's data files are, as DuckDB takes it: an absolute directory or the `s3://` prefix, with `/`."""
    assert settings.lake_data_path is not None  # `connect` refused the lake without it
    if isinstance(settings.lake_data_path, str):
        return settings.lake_data_path  # s3://bucket/prefix/, made to end in / by the settings
    return str(settings.lake_data_path.absolute()) + "/"


# Two processes meeting a new lake at once both create DuckLake's catalog tables (or the migrations ledger): the
# loser's error names a relation that "already exists" or a write-write conflict. Its next try finds them made.
FIRST_USE_TRIES = 10


def _lost_first_use_race(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "already exists" in text or "conflict" in text


def _never_created(exc: duckdb.Error) -> bool:
    """DuckLake's words for a read-only ATTACH of a catalog no one has initialised yet."""
    return "creating a new ducklake is explicitly disabled" in str(exc).lower()


def _attached(settings: Settings, read_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    try:
        for name in EXTENSIONS:
            load_packaged_extension(con, name)
        if settings.lake_on_object_store:
            object_store.prepare(con, settings)  # its own one-line errors (ObjectStoreError), before the catalog
        options = f"data_path {_literal(data_path(settings))}" + (", read_only" if read_only else "")
        con.execute(f"attach {_literal(str(settings.warehouse))} as {ALIAS} ({options})")  # no parameters here
        con.execute(f"use {ALIAS}")
        if not read_only:
            con.execute(statement("lake/create_migrations_table"))
    except BaseException:
        con.close()
        raise
    return con


def allow_reading_data(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Keep the data directory (or `s3://` prefix) readable once a query connection turns external access off: a
    lake's tables are files there. (Writing files is refused by statement type in `connection.run_query`.)"""
    con.execute(f"set allowed_directories = [{_literal(data_path(settings))}]")  # SET takes no parameters


# What `is_lake_connection` found, per connection: the storage modules ask on every look-up, and the answer is
# fixed once a connection is open (`connect` makes the lake the default database before returning it). Weak keys:
# a closed and dropped connection leaves the cache with it.
_LAKE_CONNECTIONS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, bool] = weakref.WeakKeyDictionary()


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con`'s default database is a DuckLake (how `migrate` knows to translate), asked of DuckDB once
    per connection."""
    known = _LAKE_CONNECTIONS.get(con)
    if known is None:
        row = con.execute(statement("lake/default_database_type")).fetchone()
        known = _LAKE_CONNECTIONS[con] = bool(row and row[0] == "ducklake")
    return known


# The translation works on a masked copy of the text (string literals, quoted names and comments blanked, same
# length), so a comment saying "unique" or a literal holding a parenthesis is never rewritten; each span found
# there is cut from the real text:
# - a table constraint `, [constraint name] primary key (...)` / `unique (...)` / `check (...)` goes whole;
# - a column constraint `check (...)` goes with its parenthesised condition and `unique` alone; a column's
#   `primary key` becomes `not null` (`varchar primary key` -> `varchar not null`: the key's other half, which
#   DuckLake keeps, as it keeps NOT NULL and DEFAULT);
# - `create [unique] index ...;` goes (a lake has no indexes: its Parquet files carry min/max statistics);
# - `create sequence` cannot be translated (a default reading it would have no source): refused, naming it.
_QUOTED_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
_NAMED = r"(?:constraint\s+\w+\s+)?"
_WITH_CONDITION = re.compile(r",\s*" + _NAMED + r"(?:primary\s+key|unique|check)\s*\(|\s+" + _NAMED + r"check\s*\(",
                             re.IGNORECASE)
_KEY_WORDS = re.compile(r"\s+(primary\s+key|unique)\b(?!\s*\()", re.IGNORECASE)
_INDEX = re.compile(r"\bcreate\s+(?:unique\s+)?index\b[^;]*;?", re.IGNORECASE)
_SEQUENCE = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?sequence\s+(?:if\s+not\s+exists\s+)?(\w+)",
                       re.IGNORECASE)


def lake_dialect(sql: str) -> str:
    """A migration as DuckLake takes it: the same tables and columns without what DuckLake refuses (see above)."""
    masked = _QUOTED_OR_COMMENT.sub(lambda m: " " * len(m.group(0)), sql)
    if found := _SEQUENCE.search(masked):
        raise WarehouseError(f"DuckLake has no sequences: a migration creates sequence {found.group(1)}; derive "
                             "the value in the load logic instead")
    while refused := _next_refused(masked):
        start, end, replacement = refused
        sql, masked = sql[:start] + replacement + sql[end:], masked[:start] + replacement + masked[end:]
    return sql


def _next_refused(masked: str) -> tuple[int, int, str] | None:
    """The span of the first index, key or check clause left in `masked` and what replaces it, or None."""
    if found := _INDEX.search(masked):
        return *found.span(), ""
    if found := _WITH_CONDITION.search(masked):
        return found.start(), _closing(masked, found.end() - 1) + 1, ""
    if found := _KEY_WORDS.search(masked):
        return *found.span(), (" not null" if found.group(1).lower().startswith("primary") else "")
    return None


def _closing(masked: str, opening: int) -> int:
    """The index of the parenthesis closing the one at `opening`."""
    depth = 0
    for index in range(opening, len(masked)):
        depth += {"(": 1, ")": -1}.get(masked[index], 0)
        if depth == 0:
            return index
    raise WarehouseError(f"unbalanced parentheses in a migration near: {masked[opening:opening + 60]!r}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _one_line(text: str) -> str:
    return " ".join(text.split())

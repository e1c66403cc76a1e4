"""Load stage: connections, migrations, runs and batch loads. Bulk Arrow inserts inside one transaction per batch."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest.models import BatchResult, utc_now
from ingest.settings import Settings, without_password
from ingest.warehouse.serialised import serialised
from ingest.warehouse.stage_state import this_process
from ingest.warehouse.statements import statement

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"  # shipped inside the package


class WarehouseError(RuntimeError):
    """A warehouse problem worth one clear line to the user."""


class WarehouseLocked(WarehouseError):
    pass


class WarehouseCorrupt(WarehouseError):
    pass


class DiskFull(WarehouseError):
    pass


def is_lock_conflict(exc: duckdb.Error) -> bool:
    """DuckDB's own words for a file another process holds ("Could not set lock on file ...: Conflicting lock is
    held in ..."); a bare "lock" would also match the "block" of a corruption message."""
    text = str(exc).lower()
    return "could not set lock" in text or "conflicting lock" in text


def is_operator_fault(exc: BaseException, settings: Settings | None = None) -> bool:
    """A fault of the machine or the file (a full disk, a corrupt or locked warehouse, a lake's object store gone),
    not of the code: retrying it does not help, and its one-line explanation says all there is to say."""
    if isinstance(exc, WarehouseError):
        return True
    if not isinstance(exc, duckdb.Error):
        return False
    explained = explain_for(exc, settings) if settings is not None else explain(exc, Path())
    return type(explained) is not WarehouseError  # the plain one is `explain`'s line for a fault it cannot name


def explain(exc: duckdb.Error, where: str | Path) -> WarehouseError:
    """A DuckDB error as one line naming its cause and what to do, for the faults an operator can meet. `where`
    names the warehouse as a message may (a lake's catalog without its password: see `explain_for`)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = str(exc).lower()
    if "corrupt" in text or "checksum" in text:
        return WarehouseCorrupt(f"warehouse {where} is corrupt ({first}); restore it from a backup or export, or load "
                                "into a new file with --warehouse")
    if "no space left" in text or "disk is full" in text or "enospc" in text:
        return DiskFull(f"no space left on the device of warehouse {where} ({first}); free space and run again: "
                        "batches already committed are kept")
    return WarehouseError(f"warehouse {where}: {first}")


def explain_for(exc: duckdb.Error, settings: Settings) -> WarehouseError:
    """`explain` for the warehouse of `settings`: an error of a lake's object store (which can die mid-run, long
    after the connect-time check) is the object store's one line; any other names the warehouse with the catalog's
    password hidden."""
    if settings.lake_on_object_store:
        from ingest.warehouse import object_store  # imports this module

        if object_store.concerns(exc, settings):
            return object_store.explain(exc, settings)
    return explain(exc, display_name(settings))


@dataclass(frozen=True)
class LoadCounts:
    load_id: str
    documents: int
    articles: int
    embeds: int
    rejects: int
    unchanged_refetches: int = 0


# Every opening of a warehouse file by this process, by path: what a run costs in opens is measured, not guessed.
OPENS: Counter[str] = Counter()


def opens_of(path: Path) -> int:
    """How many times this process has opened the warehouse at `path`."""
    return OPENS[str(path.absolute())]


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `lock_timeout_seconds` for another writer to let go."""
    if settings.is_lake:
        from ingest.warehouse import lake  # imports this module

        return lake.connect(settings, read_only=read_only)
    path = settings.warehouse
    OPENS[str(path.absolute())] += 1
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `ingest run` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + settings.lock_timeout_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not is_lock_conflict(exc):
                raise explain(exc, path) from exc
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"warehouse {path} is locked by another process (waited {settings.lock_timeout_seconds:g}s); "
                    "wait for the running load to finish or point --warehouse elsewhere"
                ) from exc
            time.sleep(0.5)


def display_name(settings: Settings) -> str:
    """The warehouse as a message names it: its path, or a lake's catalog string with the password hidden."""
    if settings.is_lake:
        from ingest.warehouse import lake  # imports this module

        return lake.redacted(str(settings.warehouse))
    return str(settings.warehouse)


def flow_parameter(settings: Settings) -> str:
    """The warehouse as a flow run's parameter, which Prefect's server stores and its UI shows: a file as an
    absolute path (a run may start in another directory), a lake's catalog string without its password (the
    process running the flow takes it from INGEST_WAREHOUSE, PGPASSWORD or ~/.pgpass: see `Settings`)."""
    if settings.is_lake:
        return without_password(str(settings.warehouse))
    return str(settings.warehouse.absolute())


def warehouse_exists(settings: Settings) -> bool:
    """Whether the warehouse has been created: the DuckDB file is there, or the lake's catalog is initialised and
    holds the schema ledger. (Before a first run there is nothing to read: look-ups of what is loaded find nothing.)"""
    if settings.is_lake:
        from ingest.warehouse import lake  # imports this module

        return lake.exists(settings)
    return settings.warehouse.exists()


# Statements DuckDB still runs with external access off: a file attached before the lock could be detached and
# attached again writable (and with it the warehouse), so `ingest sql` refuses them outright.
_REFUSED_STATEMENTS = frozenset({duckdb.StatementType.ATTACH, duckdb.StatementType.DETACH})
# Statements that write files: refused by type too, since a lake's data directory stays readable (and so writable)
# to its `ingest sql` connection.
_FILE_WRITING_STATEMENTS = frozenset({duckdb.StatementType.COPY, duckdb.StatementType.COPY_DATABASE,
                                      duckdb.StatementType.EXPORT})


class QueryRefused(WarehouseError):
    """An analyst query tried to write or to reach outside the warehouse."""


def connect_for_queries(settings: Settings, attachments: Sequence[tuple[str, Path]] = (),
                        prepare: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
                        ) -> duckdb.DuckDBPyConnection:
    """A read-only connection for ad hoc SQL that cannot write files, read files or reach the network.

    `attachments` (alias, file) are attached read-only first, then `prepare` runs (the search index attaches
    itself and loads its extension there): the one place extra files join the connection. Then external access
    goes off and the configuration is locked, so no query can turn either back on (DuckDB refuses
    `COPY ... TO`, `read_text`, globbing, `INSTALL`/`LOAD` and `ATTACH` from then).
    """
    con = connect(settings, read_only=True)
    try:
        for alias, path in attachments:
            con.execute(f"attach {_sql_literal(str(path))} as {_identifier(alias)} (read_only)")
        if prepare is not None:
            prepare(con)
        if settings.is_lake:
            from ingest.warehouse import lake  # imports this module

            lake.allow_reading_data(con, settings)
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def run_query(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of an analyst query on a `connect_for_queries` connection."""
    for parsed in duckdb.extract_statements(query):
        if parsed.type in _REFUSED_STATEMENTS:
            raise QueryRefused(f"{parsed.type.name} is not allowed: `ingest sql` reads the warehouse only")
        if parsed.type in _FILE_WRITING_STATEMENTS:
            raise QueryRefused(f"{parsed.type.name} is not allowed: `ingest sql` cannot write files; use "
                               "`ingest export` for files")
    try:
        cursor = con.execute(query)
    except duckdb.PermissionException as exc:
        raise QueryRefused(f"`ingest sql` cannot read or write files or reach the network "
                           f"({str(exc).splitlines()[0]}); use `ingest export` for files") from exc
    return [d[0] for d in cursor.description or []], cursor.fetchall()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def open_warehouse(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, as it is: opening never migrates an existing warehouse (`migrate_warehouse` does, once at
    the start of every run and command that writes, and `ingest migrate`). Only a file without a schema yet,
    opened writable, gets one: creating the warehouse is that caller's write."""
    con = connect(settings, read_only=read_only)
    try:
        if not read_only and not has_schema(con):
            migrate(con)
        yield con
    finally:
        con.close()


def migrate_warehouse(settings: Settings) -> list[str]:
    """The explicit migration step: apply the migrations the warehouse lacks (creating it if need be) and
    re-create changed views. The caller holds the writer guard. Returns the migrations applied."""
    con = connect(settings)
    try:
        return migrate(con)
    finally:
        con.close()


def has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has been migrated at all: its ledger exists and records a migration."""
    if con.execute(statement("schema/has_migrations")).fetchone() is None:
        return False
    return con.execute(statement("schema/any_migration_applied")).fetchone() is not None


def migration_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    return sorted((sql_dir / "migrations").glob("[0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply each numbered migration once, in order; refuse to run if an applied one was edited. On a lake, under
    its lake-wide writer lock (two processes migrating at once would both apply a migration)."""
    from ingest.warehouse.writer_lock import serialising  # imports this module

    with serialising(con):
        return _migrate(con, sql_dir)


@serialised("migrations")
def _migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> list[str]:
    con.execute(statement("schema/create_migrations_table"))
    rows = con.execute(statement("schema/applied_migrations")).fetchall()
    applied = {row[0]: row[1:] for row in rows}
    newly: list[str] = []
    for path in migration_files(sql_dir):
        version = int(path.name[:3])
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        if version in applied:
            if applied[version][1] != checksum:
                raise WarehouseError(f"migration {path.name} changed after it was applied; add a new migration instead")
            continue
        with transaction(con):
            if sql := migration_sql(con, path):
                con.execute(sql)
            con.execute(statement("schema/record_migration"), [version, path.stem, checksum, utc_now()])
        newly.append(path.stem)
    _create_views(con, sql_dir, force=bool(newly))
    return newly


FILE_ONLY_MARK = "-- duckdb file only"  # a migration's first line: a lake records it without running it


def migration_sql(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A migration's text as `con`'s database takes it: as written for a DuckDB file, translated for a lake; on a
    lake, nothing for a migration marked as for a DuckDB file only (one that changes what a lake never had)."""
    from ingest.warehouse import lake  # imports this module

    text = path.read_text()
    if not lake.is_lake_connection(con):
        return text
    return "" if text.startswith(FILE_ONLY_MARK) else lake.lake_dialect(text)


# Staging views clean one table each (once); marts answer analysts' questions from tables, staging and other marts.
VIEW_LAYERS = ("staging", "marts")
_VIEW_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_SQL_COMMENT = re.compile(r"--[^\n]*")


def view_references(path: Path) -> set[str]:
    """The relations a view file reads (`from`/`join` names, its own CTEs included): the caller keeps the views."""
    text = _SQL_COMMENT.sub("", path.read_text())
    return {name.lower() for name in _VIEW_REFERENCE.findall(text)} - {path.stem}


def view_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    """Every view file in creation order: layer by layer, by name, each after the views it reads (DuckDB binds a
    view when it is created, so a view read by another must exist first)."""
    files = {path.stem: path for layer in VIEW_LAYERS for path in sorted((sql_dir / layer).glob("*.sql"))}
    ordered: dict[str, Path] = {}

    def place(name: str, reading: tuple[str, ...]) -> None:
        if name in reading:
            raise WarehouseError(f"views read each other in a cycle: {' -> '.join((*reading, name))}")
        if name in ordered:
            return
        for needed in sorted(view_references(files[name]) & files.keys()):
            place(needed, (*reading, name))
        ordered[name] = files[name]

    for name in files:
        place(name, ())
    return list(ordered.values())


def _create_views(con: duckdb.DuckDBPyConnection, sql_dir: Path, force: bool) -> None:
    """Re-create the views when their files changed (or the schema did): not on every open, which costs each batch."""
    files = view_files(sql_dir)
    named = b"".join(str(path.relative_to(sql_dir)).encode() + path.read_bytes() for path in files)
    checksum = hashlib.sha256(named).hexdigest()
    con.execute(statement("schema/create_views_table"))
    if not force and con.execute(statement("schema/views_current"), [checksum]).fetchone():
        return
    with transaction(con):
        for path in files:
            con.execute(path.read_text())
        con.execute(statement("schema/clear_views_checksum"))
        con.execute(statement("schema/record_views_checksum"), [checksum, utc_now()])


def existing_ids(con: duckdb.DuckDBPyConnection, table: str, column: str, ids: Sequence[str]) -> set[str]:
    """Which of `ids` are already loaded, asked in one query."""
    if not ids:
        return set()
    with registered(con, {"probe_ids": pa.table({"id": pa.array(list(ids), pa.string())})}):
        rows = con.execute(statement("loads/existing_ids").format(table=table, column=column)).fetchall()
    return {row[0] for row in rows}


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_run_id: str | None, flow_name: str,
              inputs: Iterable[str]) -> None:
    """Record a run as running, with the process that runs it (so a run whose process dies is seen as crashed)."""
    pid, host, started = this_process()
    con.execute(statement("runs/start_run"),
                [run_id, flow_run_id, flow_name, list(inputs), utc_now(), pid, host, started])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, counts: dict[str, Any]) -> None:
    con.execute(statement("runs/finish_run"), [utc_now(), status, json.dumps(counts, sort_keys=True), run_id])
    con.execute(statement("runs/checkpoint"))


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back after a failure inside a transaction. A failed COMMIT (a full disk) has ended the transaction
    already: its error is the one the caller must see, not "cannot rollback - no transaction is active"."""
    with suppress(duckdb.TransactionException):
        con.execute("rollback")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back (see `rollback`) when it raises."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> Iterator[None]:
    """Arrow tables visible to SQL under these names for the duration of the block (how a batch reaches a query)."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def new_load_id() -> str:
    return f"{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def load_batch(con: duckdb.DuckDBPyConnection, batch: BatchResult, run_id: str) -> LoadCounts:
    """Insert one batch atomically; rows already present (same ids) are left as they are."""
    from ingest.warehouse.writer_lock import key_locks  # imports this module

    load_id = new_load_id()
    tables = _batch_tables(batch, run_id, load_id)
    # On a lake two writers may load the same document at once: each inserts only absent keys, so they take turns
    # per key (the second one's transaction, begun after the first committed, finds the rows there).
    with key_locks(con, _lock_keys(tables)), transaction(con):
        inserted = {name: _insert_new(con, name, table) for name, table in tables.items()}
        counts = LoadCounts(load_id, inserted["documents"], inserted["articles"], inserted["article_embeds"],
                            inserted["rejects"])
        if any(inserted.values()):  # an all-duplicate batch changed nothing, so it records nothing either
            con.execute(statement("loads/record_load"),
                        [load_id, run_id, utc_now(), counts.documents, counts.articles, counts.embeds, counts.rejects])
    return counts


_KEYS = {
    "documents": ("document_id",),
    "articles": ("article_id",),
    "article_embeds": ("article_id", "position"),
    "article_furniture": ("article_id", "position"),
    "rejects": ("reject_id",),
    "input_warnings": ("warning_id",),
}


# Which of a batch's rows sharing a key is kept: the same bytes read from two places in one batch are one document,
# stored with the least of the places (every place is an article's source_uri), whatever order the batch came in.
_FIRST_OF_A_KEY = {"documents": ("source_uri",)}


def _lock_keys(tables: dict[str, pa.Table]) -> set[str]:
    """The keys a batch load inserts if absent, one per row (embeds and furniture share their article's key)."""
    keys: set[str] = set()
    for name, table in tables.items():
        column = _KEYS[name][0]
        if table.num_rows:
            owner = "articles" if column == "article_id" else name
            keys.update(f"{owner}:{value}" for value in table.column(column).to_pylist())
    return keys


def insert_new(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> int:
    """Insert the rows of `table` whose keys `name` does not hold yet (the caller owns the transaction)."""
    return _insert_new(con, name, table)


def batch_tables(batch: BatchResult, run_id: str, load_id: str) -> dict[str, pa.Table]:
    """The Arrow table each warehouse table receives for a batch, by table name."""
    return _batch_tables(batch, run_id, load_id)


def _insert_new(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> int:
    if table.num_rows == 0:
        return 0
    keys = _KEYS[name]
    con.register("incoming", table)
    try:
        match = " and ".join(f"t.{k} = i.{k}" for k in keys)
        columns = ", ".join(f'"{c}"' for c in table.column_names)
        first = ", ".join((*keys, *_FIRST_OF_A_KEY.get(name, ())))
        row = con.execute(
            f"insert into {name} ({columns}) select distinct on ({', '.join(keys)}) {columns} from incoming i "
            f"where not exists (select 1 from {name} t where {match}) order by {first}"
        ).fetchone()
    finally:
        con.unregister("incoming")
    return int(row[0]) if row else 0


def _batch_tables(batch: BatchResult, run_id: str, load_id: str) -> dict[str, pa.Table]:
    now = utc_now()
    documents = pa.Table.from_pylist([
        {"document_id": d.document_id, "source_uri": d.source_uri, "media_type": d.media_type, "url": d.url,
         "declared_title": d.declared_title, "declared_author": d.declared_author,
         "declared_published": d.declared_published, "charset": d.charset, "size_bytes": len(d.content),
         "raw_zlib": zlib.compress(d.content, 1), "first_seen_at": now, "load_id": load_id}
        for d in batch.documents
    ])
    articles = pa.Table.from_pylist([
        {**a.model_dump(exclude={"embeds", "removed_lines"}), "tags": list(a.tags), "ingested_at": now,
         "published_time": a.published_time.astimezone(UTC) if a.published_time else None, "load_id": load_id}
        for a in batch.articles
    ])
    embeds = pa.Table.from_pylist([
        {"article_id": a.article_id, "position": e.position, "platform": e.platform, "handle": e.handle,
         "posted_on": e.posted_on, "text": e.text, "load_id": load_id}
        for a in batch.articles for e in a.embeds
    ])
    furniture = pa.Table.from_pylist([
        {"article_id": a.article_id, "position": i, "line": line, "load_id": load_id}
        for a in batch.articles for i, line in enumerate(a.removed_lines)
    ])
    rejects = pa.Table.from_pylist([
        {"reject_id": reject_id_for(r.input, r.stage, r.reason), "input": r.input, "stage": r.stage,
         "reason": r.reason, "detail": r.detail, "run_id": run_id, "rejected_at": now, "load_id": load_id}
        for r in batch.rejects
    ])
    warnings = pa.Table.from_pylist([
        {"warning_id": reject_id_for(w.input, w.stage, w.field), "input": w.input, "stage": w.stage,
         "field": w.field, "value": w.value, "detail": w.detail, "run_id": run_id, "warned_at": now, "load_id": load_id}
        for w in batch.warnings
    ])
    return {"documents": documents, "articles": articles, "article_embeds": embeds,
            "article_furniture": furniture, "rejects": rejects, "input_warnings": warnings}


def reject_id_for(input_uri: str, stage: str, reason: str) -> str:
    """The same input turned away for the same reason is one row, however many runs see it."""
    return hashlib.sha256(f"{input_uri}\0{stage}\0{reason}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Relation:
    """A table or view of the warehouse, with its row count (None when not counted)."""

    name: str
    kind: str  # "table" or "view"
    rows: int | None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool


def relations(con: duckdb.DuckDBPyConnection, counts: bool = True) -> list[Relation]:
    """Every table and view of the warehouse's main schema, by name, each counted in one query."""
    listed = con.execute(statement("catalog/relations")).fetchall()
    return [Relation(name, kind, _row_count(con, name) if counts else None) for name, kind in listed]


def _row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute(f"select count(*) from {_quoted(name)}").fetchone()
    return int(row[0]) if row else 0


def columns_of(con: duckdb.DuckDBPyConnection, name: str) -> list[Column]:
    """The columns of one table or view in their declared order; a clear error naming the close matches."""
    rows = con.execute(statement("catalog/columns"), [name]).fetchall()
    if not rows:
        known = [r.name for r in relations(con, counts=False)]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise WarehouseError(f"no table or view named {name!r}{hint}; `ingest tables` lists them")
    return [Column(column, data_type, bool(nullable)) for column, data_type, nullable in rows]


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'

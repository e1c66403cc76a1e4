"""The load layer: migrations recorded by name, edits refused, views kept current, loads atomic."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ingest.models import BatchResult, RawDocument, Reject
from ingest.warehouse import connection as warehouse


def _copy_sql(tmp_path: Path) -> Path:
    sql_dir = tmp_path / "sql"
    shutil.copytree(warehouse.SQL_DIR, sql_dir)
    return sql_dir


def _made_before(sql_dir: Path, first_missing: str) -> list[str]:
    """Leave in `sql_dir` only the migrations a warehouse made before `first_missing` had; return the rest's names."""
    later = sorted(path for path in (sql_dir / "migrations").glob("*.sql") if path.name >= first_missing)
    for path in later:
        path.unlink()
    return [path.stem for path in later]


def test_every_migration_is_applied_once_and_recorded_by_name(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        first = warehouse.migrate(con)
        again = warehouse.migrate(con)
        recorded = [r[0] for r in con.execute("select name from schema_migrations order by version").fetchall()]
    assert first == [p.stem for p in warehouse.migration_files()] and again == []
    assert recorded == first and recorded[0] == "001_core"


def test_an_applied_migration_that_was_edited_is_refused(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con, sql_dir)
        core = sql_dir / "migrations" / "001_core.sql"
        core.write_text(core.read_text() + "\n-- edited\n")
        with pytest.raises(warehouse.WarehouseError, match="001_core.sql changed after it was applied"):
            warehouse.migrate(con, sql_dir)


def test_a_changed_view_file_is_recreated_on_the_next_open(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con, sql_dir)
        (sql_dir / "marts" / "zz_probe.sql").write_text("create or replace view zz_probe as select 1 as answer;")
        warehouse.migrate(con, sql_dir)
        assert con.execute("select answer from zz_probe").fetchone() == (1,)
        (sql_dir / "marts" / "zz_probe.sql").write_text("create or replace view zz_probe as select 2 as answer;")
        warehouse.migrate(con, sql_dir)
        assert con.execute("select answer from zz_probe").fetchone() == (2,)


def test_a_failing_load_leaves_nothing_of_its_batch(tmp_path: Path) -> None:
    doc = RawDocument(source_uri="a.html", media_type="text/html", content=b"<p>x</p>")
    bad_reject = Reject(input="a.html", stage="read", reason="empty", detail="x")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        con.execute("drop table rejects")  # the last insert of the batch now fails
        with pytest.raises(duckdb.Error):
            warehouse.load_batch(con, BatchResult(documents=(doc,), articles=(), rejects=(bad_reject,)), "run")
        assert con.execute("select count(*) from documents").fetchone() == (0,)
        assert con.execute("select count(*) from loads").fetchone() == (0,)


def test_the_same_bytes_from_two_places_in_one_batch_are_one_document_stored_with_the_least_place(
        tmp_path: Path) -> None:
    places = [f"{name}/page.html" for name in ("wire", "desk", "mirror", "archive")]
    batch = tuple(RawDocument(source_uri=place, media_type="text/html", content=b"<p>x</p>") for place in places)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        assert warehouse.load_batch(con, BatchResult(documents=batch, articles=(), rejects=()), "run").documents == 1
        assert con.execute("select source_uri from documents").fetchall() == [("archive/page.html",)]


def test_rejects_carry_rejected_at_a_column_name_sql_can_sort_by_unquoted(tmp_path: Path) -> None:
    reject = Reject(input="a.html", stage="read", reason="empty", detail="x")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        warehouse.load_batch(con, BatchResult(documents=(), articles=(), rejects=(reject,)), "run")
        assert con.execute("select input from rejects order by rejected_at").fetchall() == [("a.html",)]
        assert con.execute("select rejects, last_seen is not null from rejects_by_reason").fetchall() == [(1, True)]


def test_a_warehouse_made_before_the_rename_keeps_its_rejects(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    later = _made_before(sql_dir, "008_rejected_at")
    (sql_dir / "marts" / "rejects_by_reason.sql").write_text("create or replace view rejects_by_reason as select 1;")
    reject = Reject(input="old.html", stage="read", reason="empty", detail="x")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con, sql_dir)
        con.execute("insert into rejects values ('r1', 'old.html', 'read', 'empty', 'x', 'run', "
                    "timestamp '2024-05-01 10:00', 'load')")
        assert warehouse.migrate(con) == later
        assert con.execute("select input, rejected_at from rejects").fetchall()[0][0] == reject.input
        assert con.execute("select cast(last_seen as varchar) from rejects_by_reason").fetchone() == (
            "2024-05-01 10:00:00",)


# The tables whose key migration 016 leaves to the load logic, and those that keep theirs (small, or reference).
_KEYLESS = ("documents", "articles", "article_embeds", "article_furniture", "rejects", "entities", "entity_aliases",
            "entity_mentions", "article_entities", "article_enrichment", "entity_local_names", "dedupe_fingerprints",
            "article_duplicates", "article_stories", "article_versions", "frontier", "fetches", "fetch_validators",
            "superseded_articles", "input_warnings")
_KEYED = ("runs", "loads", "sources", "run_quality", "host_validator_trust", "gazetteer", "schema_migrations")
_SAMPLE_BY_TYPE = {"VARCHAR": "'x'", "INTEGER": "1", "BIGINT": "2", "DOUBLE": "0.5", "FLOAT": "0.25", "BOOLEAN": "true",
                   "DATE": "date '2024-05-01'", "TIMESTAMP": "timestamp '2024-05-01 10:00'", "BLOB": "'\\x01'::blob",
                   "TIMESTAMP WITH TIME ZONE": "timestamptz '2024-05-01 10:00:00+02'", "VARCHAR[]": "['a', 'b']"}


def _sample_row(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """One row of plausible values for every column of `table` (a CHECKed `method` gets a value it admits)."""
    columns = con.execute("select column_name, data_type from duckdb_columns() where table_name = ? "
                          "order by column_index", [table]).fetchall()
    return ", ".join("'exact'" if name == "method" else _SAMPLE_BY_TYPE[kind] for name, kind in columns)


def _keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_constraints() "
                                      "where constraint_type = 'PRIMARY KEY'").fetchall()}


def test_the_tables_that_grow_with_the_corpus_keep_no_key_index_and_a_warehouse_from_before_keeps_every_row(
        tmp_path: Path) -> None:
    """A key is an ART index that DuckDB re-writes whole at every checkpoint (each batch's close): migration 016
    drops the keys of the growing tables, which the loads enforce themselves (as on a lake), and keeps every row,
    column order and NOT NULL of a warehouse made before it."""
    sql_dir = _copy_sql(tmp_path)
    later = _made_before(sql_dir, "016_keys_kept_by_the_loads")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con, sql_dir)
        assert set(_KEYLESS) | set(_KEYED) <= _keys(con)
        for table in _KEYLESS:
            con.execute(f"insert into {table} values ({_sample_row(con, table)})")
        before = {t: con.execute(f"select * from {t}").fetchall() for t in _KEYLESS}
        shape = con.execute("select table_name, column_name, column_index, data_type, is_nullable "
                            "from duckdb_columns() order by all").fetchall()
        assert warehouse.migrate(con) == later
        assert _keys(con) == set(_KEYED)
        assert {t: con.execute(f"select * from {t}").fetchall() for t in _KEYLESS} == before
        assert con.execute("select table_name, column_name, column_index, data_type, is_nullable "
                           "from duckdb_columns() order by all").fetchall() == shape
        assert con.execute("select count(*) from stg_articles").fetchone() == (1,)  # the views read the new tables
        with pytest.raises(duckdb.ConstraintException):  # a key column still refuses NULL
            con.execute("insert into articles (article_id) values (null)")


def test_loading_a_batch_twice_leaves_one_row_per_key_without_a_key_index(tmp_path: Path) -> None:
    doc = RawDocument(source_uri="a.html", media_type="text/html", content=b"<p>x</p>")
    reject = Reject(input="b.html", stage="read", reason="empty", detail="x")
    batch = BatchResult(documents=(doc,), articles=(), rejects=(reject,))
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        first = warehouse.load_batch(con, batch, "run")
        again = warehouse.load_batch(con, batch, "run")
        assert (first.documents, again.documents) == (1, 0)
        assert con.execute("select count(*), count(distinct document_id) from documents").fetchone() == (1, 1)


def test_relations_list_tables_and_views_with_row_counts(tmp_path: Path) -> None:
    doc = RawDocument(source_uri="a.html", media_type="text/html", content=b"<p>x</p>")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        warehouse.load_batch(con, BatchResult(documents=(doc,), articles=(), rejects=()), "run")
        found = {r.name: r for r in warehouse.relations(con)}
        names = [r.name for r in warehouse.relations(con, counts=False)]
    assert found["documents"].kind == "table" and found["documents"].rows == 1
    assert found["articles"].rows == 0 and found["stg_articles"].kind == "view"
    assert found["schema_migrations"].rows == len(warehouse.migration_files())
    assert names == sorted(names) and {"documents", "rejects_by_reason"} <= set(names)


def test_columns_of_a_table_in_order_and_a_clear_error_for_an_unknown_one(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        columns = warehouse.columns_of(con, "rejects")
        with pytest.raises(warehouse.WarehouseError, match="no table or view named 'reject'.*did you mean rejects"):
            warehouse.columns_of(con, "reject")
    assert [c.name for c in columns] == ["reject_id", "input", "stage", "reason", "detail", "run_id", "rejected_at",
                                         "load_id"]
    assert columns[6].type == "TIMESTAMP" and columns[0].nullable is False and columns[4].nullable is True


def test_query_connection_keeps_its_read_only_attachments_and_refuses_new_ones(tmp_path: Path) -> None:
    from ingest.settings import Settings

    settings = Settings(warehouse=tmp_path / "w.duckdb")
    with warehouse.open_warehouse(settings):
        pass
    side = tmp_path / "side.duckdb"
    with duckdb.connect(str(side)) as con:
        con.execute("create table hits as select 7 as n")
    con = warehouse.connect_for_queries(settings, attachments=[("side", side)])
    try:
        assert warehouse.run_query(con, "select n from side.hits") == (["n"], [(7,)])
        # Re-attaching the side file writable would also let the warehouse be re-attached writable after it.
        with pytest.raises(warehouse.QueryRefused, match="DETACH is not allowed"):
            warehouse.run_query(con, "detach side")
        with pytest.raises(duckdb.Error, match="read-only"):
            warehouse.run_query(con, "insert into side.hits values (8)")
        with pytest.raises(duckdb.Error, match="locked"):
            warehouse.run_query(con, "set enable_external_access = true")
    finally:
        con.close()


def test_a_corrupt_warehouse_is_reported_as_corrupt_not_as_locked(tmp_path: Path,
                                                                  corrupted_warehouse: Callable[[Path], Path]) -> None:
    from ingest.settings import Settings

    path = corrupted_warehouse(tmp_path)
    with pytest.raises(warehouse.WarehouseCorrupt, match="is corrupt .*checksum") as raised:
        warehouse.connect(Settings(warehouse=path, lock_timeout_seconds=30))
    assert "locked" not in str(raised.value)


def test_a_commit_that_fails_keeps_its_own_error_not_cannot_rollback(tmp_path: Path) -> None:
    """A failed COMMIT ends the transaction itself; the rollback after it must not replace the error."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create table t (x integer primary key)")
        con.execute("begin transaction")
        con.execute("insert into t values (1)")
        other = con.cursor()
        other.execute("insert into t values (1)")  # commits first: the outer commit now conflicts
        try:
            con.execute("commit")
        except duckdb.Error as failed:
            warehouse.rollback(con)  # must not raise "cannot rollback - no transaction is active"
            assert "rollback" not in str(failed)
        else:
            raise AssertionError("the conflicting commit was expected to fail")
        assert con.execute("select count(*) from t").fetchone() == (1,)


def test_migration_015_keeps_the_dedupe_hashes_under_their_new_name(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    later = _made_before(sql_dir, "015_folded_text_hash")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con, sql_dir)
        con.execute("insert into dedupe_fingerprints values ('a1', 1, null, 'https://x.example/a', 'h1', 10, 1, "
                    "'l1', now())")
        con.execute("insert into article_versions values ('https://x.example/a', 1, 'a1', 'h1', 'l1')")
        assert warehouse.migrate(con) == later
        assert con.execute("select folded_text_hash from dedupe_fingerprints").fetchall() == [("h1",)]
        assert con.execute("select folded_text_hash from article_versions").fetchall() == [("h1",)]
        hashes = con.execute("select table_name from information_schema.columns where column_name = 'text_hash'")
        assert hashes.fetchall() == [("article_enrichment",)]  # the enrichment's md5 of the exact text keeps its name


def test_a_failing_migration_is_rolled_back_and_not_recorded(tmp_path: Path) -> None:
    sql_dir = _copy_sql(tmp_path)
    (sql_dir / "migrations" / "999_broken.sql").write_text("create table half_done (x integer);\nselect nonsense;\n")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with pytest.raises(duckdb.Error):
            warehouse.migrate(con, sql_dir)
        recorded = [r[0] for r in con.execute("select name from schema_migrations").fetchall()]
        assert "999_broken" not in recorded and "001_core" in recorded
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'half_done'").fetchone() == (0,)


def test_registered_tables_are_visible_only_inside_the_block(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        with warehouse.registered(con, {"probe": pa.table({"x": [1, 2]})}):
            assert con.execute("select sum(x) from probe").fetchone() == (3,)
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from probe")

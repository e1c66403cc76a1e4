"""The warehouse side of `ingest reprocess`: which stored documents to re-extract, and replacing an article in
place (its previous row kept in `superseded_articles`). The statements are in sql/queries/reprocess/; the caller
(`ingest.ops.reprocess`) owns the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from ingest.models import utc_now
from ingest.warehouse.statements import statement

TargetRow = tuple[Any, ...]


def target_rows(con: duckdb.DuckDBPyConnection, after: tuple[str, str], since: date | None, force: bool,
                version: str, limit: int) -> list[TargetRow]:
    """The next `limit` documents after `after` (document_id, source_uri) to re-extract: document_id, source_uri,
    media_type, url, declared title/author/published, charset, raw_zlib, article_id (None: no article yet)."""
    parameters = {"doc": after[0], "uri": after[1], "since": since, "force": force, "version": version,
                  "limit": limit}
    return con.execute(statement("reprocess/targets"), parameters).fetchall()


def current_articles(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The article rows, as loaded, by article_id."""
    if not article_ids:
        return {}
    con.register("wanted", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    try:
        cursor = con.execute(statement("reprocess/current_articles"))
        columns = [d[0] for d in cursor.description or []]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.unregister("wanted")


def archive_and_update(con: duckdb.DuckDBPyConnection, incoming: pa.Table, replaced_ids: list[str],
                       reprocess_id: str, load_id: str) -> None:
    """Copy the current rows to superseded_articles, update them from `incoming`, drop their old embeds and
    removed lines (the new extraction brings its own)."""
    con.register("incoming", incoming)
    con.register("replaced_ids", pa.table({"article_id": pa.array(replaced_ids, pa.string())}))
    try:
        con.execute(statement("reprocess/archive_replaced"), {"rid": reprocess_id, "load_id": load_id,
                                                              "now": utc_now()})
        con.execute(statement("reprocess/update_replaced"))
        con.execute(statement("reprocess/drop_replaced_embeds"))
        con.execute(statement("reprocess/drop_replaced_furniture"))
    finally:
        con.unregister("incoming")
        con.unregister("replaced_ids")


def record_load(con: duckdb.DuckDBPyConnection, load_id: str, reprocess_id: str, articles: int, embeds: int,
                rejects: int) -> None:
    """The reprocess batch as a load (it stores no document)."""
    con.execute(statement("loads/record_load"), [load_id, reprocess_id, utc_now(), 0, articles, embeds, rejects])

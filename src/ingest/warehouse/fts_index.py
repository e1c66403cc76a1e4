"""The fts extension's index over `article_text`, built once by its PRAGMA and then kept current in place.

`PRAGMA create_fts_index` rebuilds the whole index (tokenising and stemming every article again: about ten seconds
per few thousand articles), and the extension has no incremental update. Its index is plain tables, though, which
`match_bm25` reads at query time:
  docs(docid, name, len)       one row per article: len = its terms after stop words are dropped
  terms(docid, fieldid, termid) one row per term occurrence, fieldid from fields(fieldid, field)
  dict(termid, term, df)        df = how many articles hold the term
  stats(num_docs, avgdl)
so an update touches only the rows of the articles added, re-extracted or gone, tokenised with the index's own
`tokenize` macro, `stopwords` table and the porter `stem`, and recounts df for the terms they hold. The tests check
that the result scores exactly as a fresh PRAGMA build does. Pinned to the extension of duckdb==1.5.5.

The statements are sql/queries/search/create_fts_index.sql and the three update steps fts_*.sql; they name the
table and the index schema literally (`TABLE`, `FTS` below, which only the PRAGMA's naming decides).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from ingest.warehouse.connection import registered, transaction
from ingest.warehouse.statements import statement

TABLE = "article_text"
FTS = f"fts_main_{TABLE}"  # the schema the PRAGMA creates for TABLE's index


def create_index(con: duckdb.DuckDBPyConnection) -> None:
    """Index every row of `article_text` from scratch."""
    con.execute(statement("search/create_fts_index"))


def update_index(con: duckdb.DuckDBPyConnection, inserted_ids: Sequence[str]) -> None:
    """Bring the index in line with `article_text` after rows were deleted from it and `inserted_ids` inserted
    (an id may be both: a re-extracted article). Entries of ids without a row, or re-inserted, are dropped; the
    inserted rows are indexed; then document frequencies and collection statistics are recounted."""
    inserted = pa.table({"article_id": pa.array(list(inserted_ids), pa.string())})
    with registered(con, {"inserted_ids": inserted}), transaction(con):
        for step in ("search/fts_drop_gone", "search/fts_add_new", "search/fts_recount"):
            con.execute(statement(step))

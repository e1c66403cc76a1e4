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
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

TABLE = "article_text"
FTS = f"fts_main_{TABLE}"
STEMMER = "porter"


def create_index(con: duckdb.DuckDBPyConnection) -> None:
    """Index every row of `article_text` from scratch."""
    con.execute(f"pragma create_fts_index('{TABLE}', 'article_id', 'title', 'body', stemmer = '{STEMMER}', "
                "stopwords = 'english', overwrite = 1)")


def update_index(con: duckdb.DuckDBPyConnection, inserted_ids: Sequence[str]) -> None:
    """Bring the index in line with `article_text` after rows were deleted from it and `inserted_ids` inserted
    (an id may be both: a re-extracted article). Entries of ids without a row, or re-inserted, are dropped; the
    inserted rows are indexed."""
    con.register("inserted_ids", pa.table({"article_id": pa.array(list(inserted_ids), pa.string())}))
    con.execute("begin transaction")
    try:
        _drop_gone(con)
        _add_new(con)
        _recount(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("inserted_ids")


def _drop_gone(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create temp table gone_docs as select docid from {FTS}.docs d "
                f"where not exists (select 1 from {TABLE} t where t.article_id = d.name) "
                "or d.name in (select article_id from inserted_ids)")
    con.execute(f"create temp table touched_terms as select distinct termid from {FTS}.terms "
                "where docid in (select docid from gone_docs)")
    con.execute(f"delete from {FTS}.terms where docid in (select docid from gone_docs)")
    con.execute(f"delete from {FTS}.docs where docid in (select docid from gone_docs)")


def _add_new(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create temp table new_docs as select (select coalesce(max(docid), -1) from {FTS}.docs) "
                f"+ row_number() over (order by article_id) as docid, article_id, title, body from {TABLE} t "
                "where article_id in (select article_id from inserted_ids)")
    fields = dict(con.execute(f"select field, fieldid from {FTS}.fields").fetchall())
    con.execute(
        "create temp table new_terms as with tokens as ("
        f"select docid, {int(fields['title'])} as fieldid, unnest({FTS}.tokenize(title)) as w from new_docs "
        f"union all select docid, {int(fields['body'])}, unnest({FTS}.tokenize(body)) from new_docs) "
        f"select docid, fieldid, stem(w, '{STEMMER}') as term from tokens "
        f"where w not in (select sw from {FTS}.stopwords) and w != ''")
    con.execute(f"insert into {FTS}.dict (termid, term, df) "
                f"select (select coalesce(max(termid), -1) from {FTS}.dict) + row_number() over (order by term), "
                f"term, 0 from (select distinct term from new_terms) n "
                f"where not exists (select 1 from {FTS}.dict d where d.term = n.term)")
    con.execute(f"insert into {FTS}.terms (docid, fieldid, termid) select n.docid, n.fieldid, d.termid "
                f"from new_terms n join {FTS}.dict d on d.term = n.term")
    con.execute(f"insert into {FTS}.docs (docid, name, len) select n.docid, n.article_id, "
                "(select count(*) from new_terms t where t.docid = n.docid) from new_docs n")
    con.execute(f"insert into touched_terms select distinct d.termid from (select distinct term from new_terms) n "
                f"join {FTS}.dict d on d.term = n.term")


def _recount(con: duckdb.DuckDBPyConnection) -> None:
    """df of every term an added or dropped article held; terms no article holds any more leave the dictionary;
    the collection statistics from the documents."""
    con.execute(f"create temp table term_counts as select termid, count(distinct docid) as df from {FTS}.terms "
                "where termid in (select termid from touched_terms) group by termid")
    con.execute(f"delete from {FTS}.dict where termid in (select termid from touched_terms) "
                "and termid not in (select termid from term_counts)")
    con.execute(f"update {FTS}.dict set df = c.df from term_counts c where {FTS}.dict.termid = c.termid")
    con.execute(f"delete from {FTS}.stats")
    con.execute(f"insert into {FTS}.stats select count(docid), sum(len) / count(len) from {FTS}.docs")
    for table in ("gone_docs", "touched_terms", "new_docs", "new_terms", "term_counts"):
        con.execute(f"drop table {table}")

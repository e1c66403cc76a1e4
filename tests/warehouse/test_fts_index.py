"""The fts index kept current in place scores exactly as the extension's own fresh build does."""

from __future__ import annotations

import duckdb
import pytest

from ingest.warehouse import fts_index
from ingest.warehouse.extensions import load_packaged_extension

ARTICLES = {
    "a1": ("Heat pumps: subsidies doubled", "The ministry doubles subsidies for heat pumps in older homes. A pump "
                                             "costs 12,000 euros; the grant now covers half."),
    "a2": ("Rail strike", "Train drivers walked out, and the rail operator said the trains would not run."),
    "a3": (None, "A water pump station reopened after repairs. Pumping resumed on Monday at the station."),
    "a4": ("Café owners protest", "Café and bar owners in Zürich protested against the new opening hours."),
    "a5": ("Geothermal permits", "Regulators approved geothermal drilling permits; heat from the ground warms homes."),
    "a6": ("Heat wave", "The heat wave broke records; the heat is expected to last until the weekend."),
}
REVISED = {"a1": ("Heat pump subsidies cut", "The ministry cut subsidies for heat pumps, citing its cost.")}
QUERIES = ("heat pump subsidies", "pumps", "rail strike", "cafe zurich", "heat", "geothermal homes", "the and of",
           "records weekend", "nothing matches this")


def _connection(rows: dict[str, tuple[str | None, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_packaged_extension(con, "fts")
    con.execute(f"create table {fts_index.TABLE} (article_id varchar primary key, load_id varchar, title varchar, "
                "body varchar, article_date date)")
    _insert(con, rows)
    return con


def _insert(con: duckdb.DuckDBPyConnection, rows: dict[str, tuple[str | None, str]]) -> None:
    if rows:
        con.executemany(f"insert into {fts_index.TABLE} values (?, 'load', ?, ?, null)",
                        [(key, title, body) for key, (title, body) in rows.items()])


def _scores(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, float]]]:
    return {query: [(row[0], round(row[1], 12)) for row in con.execute(
        f"select article_id, score from (select article_id, {fts_index.FTS}.match_bm25(article_id, ?) as score "
        f"from {fts_index.TABLE}) where score is not null order by score desc, article_id", [query]).fetchall()]
        for query in QUERIES}


def _index_contents(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    fts = fts_index.FTS
    return (con.execute(f"select name, len from {fts}.docs order by name").fetchall(),
            con.execute(f"select term, df from {fts}.dict order by term").fetchall(),
            con.execute(f"select d.name, f.field, t.term, count(*) from {fts}.terms x join {fts}.docs d using (docid) "
                        f"join {fts}.dict t using (termid) join {fts}.fields f using (fieldid) "
                        "group by all order by all").fetchall(),
            con.execute(f"select num_docs, round(avgdl, 9) from {fts}.stats").fetchall())


@pytest.mark.parametrize("first, then_deleted, then_added", [
    (["a1", "a2", "a3"], [], ["a4", "a5"]),  # a load of new articles
    (["a1", "a2", "a3", "a4"], ["a2"], []),  # an article gone
    (["a1", "a2", "a3", "a4", "a5"], ["a1", "a3"], ["a1*", "a6"]),  # a1 re-extracted, a3 gone, a6 new
    (["a1"], ["a1"], ["a2", "a6"]),  # every article replaced: terms nobody holds leave the dictionary
])
def test_an_updated_index_equals_a_fresh_build(first: list[str], then_deleted: list[str],
                                               then_added: list[str]) -> None:
    updated = _connection({key: ARTICLES[key] for key in first})
    fts_index.create_index(updated)
    updated.execute(f"delete from {fts_index.TABLE} where article_id in (select unnest(?::varchar[]))",
                    [then_deleted])
    added = {key.rstrip("*"): REVISED[key.rstrip("*")] if key.endswith("*") else ARTICLES[key] for key in then_added}
    _insert(updated, added)
    fts_index.update_index(updated, list(added))

    fresh = _connection({**{key: ARTICLES[key] for key in first if key not in then_deleted}, **added})
    fts_index.create_index(fresh)
    assert _index_contents(updated) == _index_contents(fresh)
    assert _scores(updated) == _scores(fresh)
    assert _scores(fresh)["heat"]  # the comparison is not between two empty answers


def test_an_update_with_nothing_changed_leaves_the_index_as_it_was() -> None:
    con = _connection(ARTICLES)
    fts_index.create_index(con)
    before = _index_contents(con)
    fts_index.update_index(con, [])
    assert _index_contents(con) == before

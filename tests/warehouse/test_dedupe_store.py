"""Dedupe's warehouse side on a real DuckDB file: postings, candidates, stories, forgetting, versions; the text
look-ups on a DuckLake too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from ingest.dedupe.fingerprints import fingerprint
from ingest.models import BatchResult, CleanArticle
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import dedupe_store as store
from ingest.warehouse import lake
from ingest.warehouse.statements import statement

FLOOD = ("Residents of the lower valley were told to leave their homes on Sunday night after the river rose faster "
         "than forecast, reaching the top of the flood wall near the old mill before midnight. Emergency crews "
         "went door to door in the three streets closest to the water, and the council opened the sports hall.")
TRAM = ("The city council voted on Tuesday to expand the tram network across the river, ending a decade of debate "
        "about how to connect the northern districts with the old town centre and the station.")


def _article(article_id: str, body: str, url: str, published: date | None = None) -> CleanArticle:
    return CleanArticle(article_id=article_id, document_id=f"d-{article_id}", source_uri=f"mem://{article_id}",
                        url=url, canonical_url=None, title="t", author=None, published_at=published, language="en",
                        site_name=None, description=None, tags=(), body_text=body, word_count=len(body.split()),
                        extractor_version="test")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse holding three loaded articles: a, its exact copy b (same URL), and c on another topic."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        warehouse.migrate(connection)
        articles = (_article("a", FLOOD, "https://x.example/flood"), _article("b", FLOOD, "https://x.example/flood"),
                    _article("c", TRAM, "https://y.example/tram", date(2024, 5, 1)))
        warehouse.load_batch(connection, BatchResult(documents=(), articles=articles, rejects=()), "run")
        yield connection


def _fingerprinted(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[store.FingerprintedArticle]:
    return [store.FingerprintedArticle(a.article_id, store.article_key(a.article_id), a.url, a.url, a.ingested_at,
                                       fingerprint(a.title, a.body_text)) for a in store.loaded_articles(con, ids)]


def test_postings_are_stored_and_an_exact_copy_is_a_candidate(con: duckdb.DuckDBPyConnection) -> None:
    assert store.unfingerprinted(con, 10) == ["a", "b", "c"]
    first = store.postings(_fingerprinted(con, ["a", "c"]), "l1")
    store.insert_postings(con, first)
    assert store.fingerprinted(con, ["a", "b", "c"]) == {"a", "c"}
    assert store.unfingerprinted(con, 10) == ["b"]
    second = store.postings(_fingerprinted(con, ["b"]), "l2")
    store.insert_postings(con, second)
    found = store.candidates(con, second, per_story=5, anchor_max_postings=100)
    assert [(c.article_id, c.other_id, c.exact, c.same_url, c.in_batch) for c in found] == \
        [("b", "a", True, True, True)]
    assert con.execute("select count(*) from duckdb_tables() where table_name in ('dedupe_anchor_postings', "
                       "'dedupe_band_postings')").fetchone() == (0,)  # its scratch tables are gone


def test_stories_are_written_merged_and_forgotten(con: duckdb.DuckDBPyConnection) -> None:
    store.insert_postings(con, store.postings(_fingerprinted(con, ["a", "b", "c"]), "l1"))
    store.write_stories(con, {"a": "a", "b": "a", "c": "c"}, {}, [store.DuplicateLink("b", "a", "exact", 1.0, 1.0)],
                        "l1")
    assert store.story_members(con, ["b"]) == {"a", "b"} and store.stories_of(con, ["a", "b", "c"]) == {"a", "c"}
    store.write_stories(con, {}, {"c": "a"}, [], "l2")  # story c folds into story a
    assert store.stories_of(con, ["c"]) == {"a"}
    urls, links = store.forget(con, ["a", "b"])
    assert urls == {"https://x.example/flood"} and links == 1
    assert store.fingerprinted(con, ["a", "b", "c"]) == {"c"} and store.story_members(con, ["c"]) == {"c"}
    assert con.execute("select count(*) from dedupe_bands where article_key = ?",
                       [store.article_key("a")]).fetchone() == (0,)


def test_versions_are_numbered_found_again_and_renumbered(con: duckdb.DuckDBPyConnection) -> None:
    batch = _fingerprinted(con, ["a", "c"])
    store.insert_postings(con, store.postings(batch, "l1"))
    url = "https://x.example/flood"
    assert store.known_versions(con, [url]) == {}
    store.insert_versions(con, [{"url_canonical": url, "version": 1, "article_id": "a",
                                 "folded_text_hash": batch[0].fingerprint.text_hash, "load_id": "l1"}])
    assert store.known_versions(con, [url, "https://nowhere.example/"]) == {
        url: (1, {batch[0].fingerprint.text_hash})}
    assert store.known_texts(con, [("b", url, batch[0].fingerprint.text_hash), ("c", url, "other")]) == {"b"}
    con.execute("update article_versions set version = 7")  # out of order: renumbering puts it back
    store.renumber_versions(con, {url}, "l3")
    assert con.execute("select version, article_id, load_id from article_versions").fetchall() == [(1, "a", "l3")]


def test_id_lookups_go_in_chunks_and_quote_their_literals(con: duckdb.DuckDBPyConnection) -> None:
    ids = [f"missing-{n}" for n in range(2500)] + ["it's", "a"]
    assert [a.article_id for a in store.loaded_articles(con, ids)] == ["a"]
    assert store.article_texts(con, ids) == [("a", "t", FLOOD)]
    assert store.stored_fingerprints(con, ids) == {}



Rows = list[tuple[object, ...]]


def _lookups(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[Rows, Rows, Rows]:
    loaded: Rows = [(a.article_id, a.url, a.canonical_url, a.title, a.body_text, a.published_at)
                    for a in store.loaded_articles(con, ids)]
    orders: Rows = sorted((i, *order[:2]) for i, order in store.copy_orders(con, ids).items())  # load times differ
    return loaded, sorted(store.article_texts(con, ids)), orders


def test_a_lake_finds_by_row_id_the_articles_a_file_finds_by_key(con: duckdb.DuckDBPyConnection,
                                                                   lake_settings: Settings) -> None:
    """On a lake the text lookups go by row id (`_articles_for_ids`): the same rows as on a file, in chunks, from
    several loads' files, and inside a transaction its own new and changed rows."""
    first = (_article("a", FLOOD, "https://x.example/flood"), _article("b", FLOOD, "https://x.example/flood"),
             _article("c", TRAM, "https://y.example/tram", date(2024, 5, 1)))  # what the file fixture holds
    later = (_article("d", TRAM + " Later.", "https://y.example/tram-2"), _article("it's", FLOOD, "https://z.example/q"))
    ids = [f"missing-{n}" for n in range(2500)] + ["it's", "a", "c", "d", "e"]
    lake_con = warehouse.connect(lake_settings)
    try:
        warehouse.migrate(lake_con)
        assert lake.is_lake_connection(lake_con)
        for connection, batches in ((lake_con, (first, later)), (con, (later,))):
            for articles in batches:
                warehouse.load_batch(connection, BatchResult(documents=(), articles=articles, rejects=()), "run")
        assert _lookups(lake_con, ids) == _lookups(con, ids)
        assert [row[0] for row in _lookups(lake_con, ids)[0]] == ["a", "c", "d", "it's"]
        assert [row[0] for row in _lookups(lake_con, ids)[2]] == ["a", "c", "d", "it's"]
        for connection in (con, lake_con):
            with warehouse.transaction(connection):
                connection.execute("update articles set body_text = 'changed' where article_id = 'a'")
                connection.execute("insert into articles select * replace ('e' as article_id) from articles "
                                   "where article_id = 'c'")
                if connection is lake_con:
                    assert _lookups(lake_con, ids) == _lookups(con, ids)
                    assert ("a", "t", "changed") in _lookups(lake_con, ids)[1]
                    assert "e" in [row[0] for row in _lookups(lake_con, ids)[0]]
    finally:
        lake_con.close()


def test_a_lake_finds_a_loads_articles_and_fingerprints_as_a_file_does(con: duckdb.DuckDBPyConnection,
                                                                        lake_settings: Settings) -> None:
    """The lake's shortcuts (the batch's own load looked in first, fingerprints found by their integer key) give
    the file's answers: ids of another load, and ids that are nowhere, included."""
    first = (_article("a", FLOOD, "https://x.example/flood"), _article("b", FLOOD, "https://x.example/flood"),
             _article("c", TRAM, "https://y.example/tram"))
    later = (_article("d", TRAM + " Later.", "https://y.example/tram-2"),)
    ids = ["a", "c", "d", "it's", "nowhere"]
    lake_con = warehouse.connect(lake_settings)
    try:
        warehouse.migrate(lake_con)
        warehouse.load_batch(lake_con, BatchResult(documents=(), articles=first, rejects=()), "run")
        load = warehouse.load_batch(lake_con, BatchResult(documents=(), articles=later, rejects=()), "run").load_id
        file_load = warehouse.load_batch(con, BatchResult(documents=(), articles=later, rejects=()), "run").load_id
        texts = [[(a.article_id, a.title, a.body_text) for a in store.loaded_articles(c, ids, load_id)]
                 for c, load_id in ((con, file_load), (con, None), (lake_con, load), (lake_con, None))]
        assert [row[0] for row in texts[0]] == ["a", "c", "d"] and all(found == texts[0] for found in texts)
        for connection in (con, lake_con):
            store.insert_postings(connection, store.postings(_fingerprinted(connection, ["a", "d"]), "l1"))
        assert store.fingerprinted(lake_con, ids) == store.fingerprinted(con, ids) == {"a", "d"}
    finally:
        lake_con.close()


def test_rowid_ranges_cover_every_row_id_in_at_most_the_ranges_asked_split_at_the_widest_gaps() -> None:
    rowids = [5001, 1, 3, 2, 100, 9_000_000, 5000, 101, 3]
    ranges = store.rowid_ranges(rowids, most=3)
    assert ranges == [(1, 101), (5000, 5001), (9_000_000, 9_000_000)]
    assert all(any(low <= r <= high for low, high in ranges) for r in rowids)
    assert store.rowid_ranges([7, 4], most=8) == [(4, 4), (7, 7)]
    assert store.rowid_ranges([42]) == [(42, 42)] and store.rowid_ranges([]) == []


def test_an_absent_value_is_none_of_the_hashes_and_inside_their_range_when_there_is_room() -> None:
    assert store.absent_value(pa.array([9, 3, 4, 5, 12], pa.int64())) == 6
    assert store.absent_value(pa.array([7, 8, 9], pa.int64())) == 6
    lowest, highest = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    assert store.absent_value(pa.array([lowest, lowest + 1], pa.int64())) == lowest + 2
    assert store.absent_value(pa.array([highest, lowest], pa.int64())) == lowest + 1  # a gap wider than 2**63
    assert store.absent_value(pa.array([], pa.int64())) == 0


def test_the_band_postings_are_gathered_through_a_bloom_filter_and_are_those_a_plain_join_finds(
        con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    stored = rng.integers(-2**63, 2**63 - 1, size=400_000, dtype=np.int64)
    postings = pa.table({"band": np.zeros(stored.size, np.int16), "hash": stored,
                         "article_key": rng.integers(-2**63, 2**63 - 1, size=stored.size, dtype=np.int64)})
    with warehouse.registered(con, {"stored_postings": postings}):
        con.execute("insert into dedupe_bands select * from stored_postings")
    probe = pa.table({"hash": np.concatenate([rng.integers(-2**63, 2**63 - 1, size=3_000, dtype=np.int64),
                                              stored[::4_000]])})
    profile = tmp_path / "gather.json"
    with warehouse.registered(con, {"probe_bands": probe}):
        con.execute(f"pragma enable_profiling = 'json'; pragma profiling_output = '{profile}'")
        con.execute(statement("dedupe/gather_band_postings"), [store.absent_value(probe["hash"])])
        con.execute("pragma disable_profiling")
        gathered = con.execute("select hash, article_key from dedupe_band_postings order by all").fetchall()
        joined = con.execute("select hash, article_key from dedupe_bands semi join probe_bands using (hash) "
                             "order by all").fetchall()
    assert gathered == joined and len(gathered) == 100
    scanned = [node["operator_cardinality"] for node in _plan_nodes(json.loads(profile.read_text()))
               if "dedupe_bands" in str(node.get("extra_info", {}).get("Table", ""))]
    assert scanned and scanned[0] < stored.size // 10  # the Bloom filter dropped most rows inside the scan


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        yield from _plan_nodes(child)

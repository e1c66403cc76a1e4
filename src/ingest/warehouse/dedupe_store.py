"""Dedupe's warehouse side (migration 003): fingerprints and postings, candidate search, stories, links, versions.

`ingest.dedupe.match` decides (which candidate is a copy, which stories a batch joins, which text is a new
version); this module only reads what those decisions need and writes what they decided, with the SQL in
sql/queries/dedupe/. Every function works inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ingest.dedupe.fingerprints import Fingerprint
from ingest.models import utc_now
from ingest.warehouse.connection import registered
from ingest.warehouse.serialised import serialised
from ingest.warehouse.statements import statement

_ID_LOOKUP_CHUNK = 1000  # under DuckDB's index_scan_max_count (2048)


def article_key(article_id: str) -> int:
    """A signed 64-bit hash of an article_id: the narrow join key of the posting tables."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "little", signed=True)


@dataclass(frozen=True)
class StoredArticle:
    """What fingerprinting needs of a loaded article."""

    article_id: str
    url: str | None
    canonical_url: str | None
    title: str | None
    body_text: str
    ingested_at: datetime
    published_at: date | None


@dataclass(frozen=True)
class FingerprintedArticle:
    article_id: str
    key: int  # article_key(article_id)
    url_as_given: str | None
    url_canonical: str | None
    ingested_at: datetime
    fingerprint: Fingerprint
    published_at: date | None = None

    @property
    def copy_order(self) -> CopyOrder:
        return copy_order(self.article_id, self.published_at, self.ingested_at)


CopyOrder = tuple[bool, date, datetime, str]


def copy_order(article_id: str, published_at: date | None, ingested_at: datetime) -> CopyOrder:
    """Which of two copies is the original: the one published first, undated ones after dated ones, then the one
    loaded first, then the least id. The same order as `article_copies` ranks a story's members by, so a link and
    `articles_unique` name the same original; and an order of the articles themselves, not of which writer's
    dedupe step ran first, so writers racing each other record the links one writer would."""
    return published_at is None, published_at or date.min, ingested_at, article_id


@dataclass(frozen=True)
class Candidate:
    """An article that may copy a new one, with the evidence the warehouse has for it."""

    article_id: str
    other_id: str
    other_story: str  # the story of `other_id`, or `other_id` itself when it has none yet (same batch)
    exact: bool
    same_url: bool
    in_batch: bool


@dataclass(frozen=True)
class DuplicateLink:
    """A recorded link: `article_id` copies `duplicate_of`."""

    article_id: str
    duplicate_of: str
    method: str
    similarity: float
    containment: float


def _rows_for_ids(con: duckdb.DuckDBPyConnection, name: str, ids: Sequence[str],
                  parameters: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Run the named statement (with one `{ids}` slot, and its other `parameters`) for a few ids at a time. The ids
    go in as SQL literals: DuckDB pushes a literal IN list into the scan as a filter, where a bound parameter list
    is joined after reading every row."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _ID_LOOKUP_CHUNK):
        literals = ", ".join(_literal(i) for i in ids[start:start + _ID_LOOKUP_CHUNK])
        rows += con.execute(statement(name).format(ids=literals), list(parameters)).fetchall()
    return rows


def _articles_for_ids(con: duckdb.DuckDBPyConnection, name: str, ids: Sequence[str],
                      load_id: str | None = None) -> list[tuple[Any, ...]]:
    """`_rows_for_ids` over `articles` for statements that read its text. `articles` has no index (on a lake none
    is possible; on a file its key was dropped, migration 016), and an id filter decompresses the text of every
    row group holding a wanted id (0.4 s for a batch's 1,000 articles among a million); so the rows are first found
    by id alone (their row ids, `_article_rowids`), then read by row id. A row-id list alone is only an optional
    filter to DuckLake (every file is still read), so the read also names the ranges those row ids fall in
    (`rowid_ranges`), which DuckLake prunes its data files by and a DuckDB file its row groups: rows loaded together
    (a batch, a day's copies of one story) cost the files holding them, not the whole warehouse (0.06 s for the
    same 1,000). `name` is that read by row id."""
    rowids = _article_rowids(con, ids, load_id)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(rowids), _ID_LOOKUP_CHUNK):
        chunk = rowids[start:start + _ID_LOOKUP_CHUNK]
        ranges = " or ".join(f"rowid between {low} and {high}" for low, high in rowid_ranges(chunk))
        rows += con.execute(statement(name).format(rowids=", ".join(map(str, chunk)), ranges=ranges)).fetchall()
    return rows


def _article_rowids(con: duckdb.DuckDBPyConnection, ids: Sequence[str], load_id: str | None) -> list[int]:
    """The row ids of the given articles. With the load they are expected in, they are looked for among
    its rows first: load ids grow with time, so that filter lets DuckLake skip every other load's files by their
    min/max statistics. Whatever is not found there is looked for among all articles' ids."""
    found: dict[str, int] = {}
    if load_id is not None:
        found.update(_rows_for_ids(con, "dedupe/article_rowids_in_load", ids, [load_id]))
    rest = [i for i in ids if i not in found]
    return [*found.values(), *(int(row[0]) for row in _rows_for_ids(con, "dedupe/article_rowids", rest))]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_ROWID_RANGES = 8  # ranges per row-id read: enough to skip the gaps between clusters, few enough to stay cheap


def rowid_ranges(rowids: Sequence[int], most: int = _ROWID_RANGES) -> list[tuple[int, int]]:
    """At most `most` (low, high) ranges, in order, covering every given row id: split at the widest gaps."""
    ordered = sorted(set(rowids))
    if not ordered:
        return []
    widest_gaps = sorted(range(1, len(ordered)), key=lambda i: ordered[i] - ordered[i - 1], reverse=True)
    bounds = [0, *sorted(widest_gaps[:most - 1]), len(ordered)]  # each range runs from one bound to the next
    return [(ordered[low], ordered[high - 1]) for low, high in zip(bounds, bounds[1:], strict=False)]


def unfingerprinted(con: duckdb.DuckDBPyConnection, limit: int) -> list[str]:
    """Up to `limit` loaded articles not fingerprinted yet, oldest first."""
    return [row[0] for row in con.execute(statement("dedupe/unfingerprinted"), [limit]).fetchall()]


def fingerprinted(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> set[str]:
    """Which of the given articles are fingerprinted. No index answers (see `_articles_for_ids`): the narrow
    integer `article_key` is scanned instead of the id strings (then only the ids asked for are kept)."""
    wanted, rows = set(article_ids), []
    keys = sorted({article_key(i) for i in wanted})
    for start in range(0, len(keys), _ID_LOOKUP_CHUNK):
        literals = ", ".join(map(str, keys[start:start + _ID_LOOKUP_CHUNK]))
        rows += con.execute(statement("dedupe/fingerprinted_by_key").format(keys=literals)).fetchall()
    return {row[0] for row in rows} & wanted


def loaded_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str],
                    load_id: str | None = None) -> list[StoredArticle]:
    """The given articles that are loaded, in article_id order; `load_id`, the load they are expected in, only
    speeds up finding them on a lake (see `_article_rowids`)."""
    rows = _articles_for_ids(con, "dedupe/loaded_articles_by_rowid", sorted(set(article_ids)), load_id)
    return [StoredArticle(*row) for row in sorted(rows)]


def copy_orders(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> dict[str, CopyOrder]:
    """The `copy_order` of each given loaded article."""
    rows = _articles_for_ids(con, "dedupe/copy_orders_by_rowid", sorted(set(article_ids)))
    return {i: copy_order(i, published_at, ingested_at) for i, published_at, ingested_at in rows}


def article_texts(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[tuple[str, str | None, str]]:
    """(article_id, title, body_text) of the given loaded articles."""
    return [(i, title, body) for i, title, body in _articles_for_ids(con, "dedupe/article_texts_by_rowid", article_ids)]


def stored_fingerprints(con: duckdb.DuckDBPyConnection,
                        article_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """The stored (text hash, canonical URL) of each given article that has a fingerprint."""
    rows = _rows_for_ids(con, "dedupe/stored_fingerprints", article_ids)
    return {article_id: (text_hash, url) for article_id, text_hash, url in rows}


def story_members(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> set[str]:
    """Every article of the stories the given articles belong to."""
    return {row[0] for row in _rows_for_ids(con, "dedupe/story_members", article_ids)}


def stories_of(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> set[str]:
    return {row[0] for row in _rows_for_ids(con, "dedupe/stories_of", article_ids)}


def forget(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> tuple[set[str], int]:
    """Delete the articles' fingerprints, postings, story rows and links; returns their former canonical
    URLs and the number of links deleted."""
    forgotten = pa.table({"article_id": pa.array(article_ids, pa.string()),
                          "article_key": pa.array([article_key(i) for i in article_ids], pa.int64())})
    with registered(con, {"dedupe_forget": forgotten}):
        urls = {row[0] for row in con.execute(statement("dedupe/forgotten_urls")).fetchall()}
        for name in ("dedupe/forget_bands", "dedupe/forget_anchors", "dedupe/forget_fingerprints",
                     "dedupe/forget_stories"):
            con.execute(statement(name))
        removed = con.execute(statement("dedupe/forget_links")).fetchone()
    return urls, int(removed[0]) if removed else 0


@serialised("version numbering")
def renumber_versions(con: duckdb.DuckDBPyConnection, urls: set[str], load_id: str) -> None:
    """Each distinct text at each URL, numbered by first ingest (as loading them in that order does); rows
    that already say so are kept with their load_id."""
    if not urls:
        return
    wanted = pa.table({"url_canonical": pa.array(sorted(urls), pa.string())})
    try:
        with registered(con, {"dedupe_version_urls": wanted}):
            con.execute(statement("dedupe/wanted_versions"))
            con.execute(statement("dedupe/drop_outdated_versions"))
            con.execute(statement("dedupe/insert_wanted_versions"), [load_id])
    finally:
        con.execute(statement("dedupe/drop_wanted_versions"))


def postings(batch: Sequence[FingerprintedArticle], load_id: str) -> dict[str, pa.Table]:
    """The batch's fingerprint rows and postings as Arrow tables, by the table they go to: inserted by
    `insert_postings`, then probed with by `candidates`."""
    now = utc_now()
    keys = np.array([a.key for a in batch], dtype=np.int64)
    band_count = len(batch[0].fingerprint.bands)
    anchor_counts = [a.fingerprint.anchors.size for a in batch]
    return {
        "dedupe_fingerprints": pa.table({
            "article_id": [a.article_id for a in batch],
            "article_key": keys,
            "url_as_given": pa.array([a.url_as_given for a in batch], pa.string()),
            "url_canonical": pa.array([a.url_canonical for a in batch], pa.string()),
            "folded_text_hash": [a.fingerprint.text_hash for a in batch],
            "shingles": pa.array([a.fingerprint.size for a in batch], pa.int32()),
            "anchors": pa.array(anchor_counts, pa.int32()),
            "load_id": [load_id] * len(batch),
            "fingerprinted_at": pa.array([now] * len(batch), pa.timestamp("us")),
        }),
        "dedupe_bands": pa.table({
            "band": np.tile(np.arange(band_count, dtype=np.int16), len(batch)),
            "hash": np.concatenate([a.fingerprint.bands for a in batch]),
            "article_key": np.repeat(keys, band_count),
        }),
        "dedupe_anchors": pa.table({
            "hash": np.concatenate([a.fingerprint.anchors for a in batch]),
            "article_key": np.repeat(keys, anchor_counts),
        }),
    }


_INSERT_POSTINGS = {"dedupe_fingerprints": "dedupe/insert_fingerprints", "dedupe_bands": "dedupe/insert_bands",
                    "dedupe_anchors": "dedupe/insert_anchors"}


def insert_postings(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Store the batch's fingerprints and postings; an anchor already known to be common is not stored."""
    for table_name, table in tables.items():
        with registered(con, {"dedupe_incoming": table}):
            con.execute(statement(_INSERT_POSTINGS[table_name]))


def candidates(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], per_story: int,
               anchor_max_postings: int) -> list[Candidate]:
    """Every earlier or same-batch article sharing a text hash, canonical URL, LSH band or enough anchors with
    one of the batch's (`postings`, inserted already), at most `per_story` per existing story (the strongest
    evidence first). Anchors found in more than `anchor_max_postings` articles join the common list first: they
    are dropped from later batches' postings and are no evidence of copying ('said in a statement').

    The rows of the large tables that match the batch are gathered first into small temporary tables
    (dedupe/gather_*), each by a semi join whose batch side is filtered (`absent_value`), so DuckDB pushes a Bloom
    filter of the batch's keys into the large table's scan: it still reads the key column, but hands the join
    about 0.5% of the rows."""
    probes = {f"probe_{name.removeprefix('dedupe_')}": table for name, table in tables.items()}
    try:
        with registered(con, probes):
            con.execute(statement("dedupe/gather_fingerprint_matches"))
            con.execute(statement("dedupe/gather_band_postings"), [absent_value(tables["dedupe_bands"]["hash"])])
            con.execute(statement("dedupe/gather_anchor_postings"), [absent_value(tables["dedupe_anchors"]["hash"])])
            con.execute(statement("dedupe/add_common_anchors"), [anchor_max_postings])
            rows = con.execute(statement("dedupe/candidates"), [per_story]).fetchall()
    finally:
        con.execute(statement("dedupe/drop_gathered_postings"))
    return [Candidate(*row) for row in rows]


def absent_value(hashes: pa.ChunkedArray | pa.Array) -> int:
    """A 64-bit integer that is none of `hashes`, between their least and greatest where there is room: filtering
    a probe on it keeps every probe row, yet is a filter the planner cannot prove always true from the probe's
    statistics, which is what makes DuckDB push a Bloom filter of the probe into the scan of the posting table
    (see dedupe/gather_band_postings)."""
    ordered = np.unique(np.asarray(hashes, dtype=np.int64))
    if ordered.size == 0:
        return 0
    with np.errstate(over="ignore"):  # a difference past 2**63 wraps negative: it is a gap too, only 1 is none
        gaps = np.flatnonzero(np.diff(ordered) != 1)
    if gaps.size:
        return int(ordered[gaps[0]]) + 1
    return int(ordered[0]) - 1 if ordered[0] > np.iinfo(np.int64).min else int(ordered[-1]) + 1


@serialised("story clustering")
def write_stories(con: duckdb.DuckDBPyConnection, stories: dict[str, str], merges: dict[str, str],
                  links: Sequence[DuplicateLink], load_id: str) -> None:
    """The story of each article of the batch, the older stories merged into another, and the links that
    joined two clusters."""
    tables = {
        "dedupe_new_stories": pa.table({"article_id": list(stories), "story_id": list(stories.values()),
                                        "load_id": [load_id] * len(stories)}),
        "dedupe_merges": pa.table({"old_story": pa.array(list(merges), pa.string()),
                                   "new_story": pa.array(list(merges.values()), pa.string())}),
        "dedupe_links": pa.table({
            "article_id": pa.array([k.article_id for k in links], pa.string()),
            "duplicate_of": pa.array([k.duplicate_of for k in links], pa.string()),
            "method": pa.array([k.method for k in links], pa.string()),
            "similarity": pa.array([k.similarity for k in links], pa.float64()),
            "containment": pa.array([k.containment for k in links], pa.float64()),
            "load_id": pa.array([load_id] * len(links), pa.string())}),
    }
    with registered(con, tables):
        for name, source in _STORY_WRITES:
            if tables[source].num_rows:  # with nothing to write, the statement would still scan its table
                con.execute(statement(name))


_STORY_WRITES = (("dedupe/merge_stories", "dedupe_merges"), ("dedupe/insert_stories", "dedupe_new_stories"),
                 ("dedupe/insert_links", "dedupe_links"))


def known_versions(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, tuple[int, set[str]]]:
    """The highest version and every text hash stored at each of these canonical URLs that has any."""
    with registered(con, {"dedupe_urls": pa.table({"url_canonical": pa.array(list(urls), pa.string())})}):
        rows = con.execute(statement("dedupe/known_versions")).fetchall()
    return {url: (int(top), set(hashes)) for url, top, hashes in rows}


@serialised("version numbering")
def insert_versions(con: duckdb.DuckDBPyConnection, rows: list[dict[str, object]]) -> None:
    """New versions (url_canonical, version, article_id, folded_text_hash, load_id), numbered by the caller."""
    if rows:
        with registered(con, {"dedupe_versions": pa.Table.from_pylist(rows)}):
            con.execute(statement("dedupe/insert_versions"))


def known_texts(con: duckdb.DuckDBPyConnection, keyed: Sequence[tuple[str, str, str]]) -> set[str]:
    """Of these (article_id, canonical URL, text hash), the articles whose text is already a version there."""
    if not keyed:
        return set()
    probe = pa.table({"article_id": [r[0] for r in keyed], "url_canonical": [r[1] for r in keyed],
                      "folded_text_hash": [r[2] for r in keyed]})
    with registered(con, {"refetch_probe": probe}):
        return {row[0] for row in con.execute(statement("dedupe/refetched_texts")).fetchall()}

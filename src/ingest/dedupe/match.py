"""Dedupe stage: link every newly loaded article to the copies of it already in the warehouse.

For a batch of loaded articles, inside one transaction:
1. fingerprint each one (canonical URL, normalised-text hash, shingles, MinHash bands, anchors) and store the
   postings, so later batches find it;
2. ask the warehouse, with joins, which articles share the text hash, the canonical URL, an LSH band or enough
   anchors with a new one: candidates from every earlier run, not just this one;
3. confirm each candidate on the real shingle sets (Jaccard, or containment for a text inside a longer one);
4. union the confirmed links with the existing stories (story_id = smallest member article_id, so any load
   order gives the same clusters) and record which canonical URLs got a new text version.

Articles already fingerprinted are skipped, so running a batch twice changes nothing. `rededupe_articles` is the
way back for an article whose text changed (a reprocess): it forgets and redoes the article and its story.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ingest.dedupe.fingerprints import Fingerprint, Similarity, fingerprint, fingerprint_tokens, similarity
from ingest.models import utc_now
from ingest.settings import Settings
from ingest.urls import canonical_url_for
from ingest.warehouse import connection as warehouse

CANDIDATES_PER_STORY = 5  # confirm at most this many members of one existing story for a new article
ANCHOR_MAX_POSTINGS = 100  # an anchor shared by more articles than this is a stock phrase, not a quotation
_ID_LOOKUP_CHUNK = 1000  # under DuckDB's index_scan_max_count (2048)
_METHOD_RANK = {"exact": 0, "url": 1, "near": 2}


@dataclass(frozen=True)
class DedupeCounts:
    articles: int = 0  # newly fingerprinted
    exact: int = 0  # links recorded per method
    near: int = 0
    url: int = 0
    new_stories: int = 0
    merged_stories: int = 0  # existing stories folded into another by a linking article
    new_versions: int = 0  # a changed text at a known canonical URL
    unchanged_refetches: int = 0  # a known text at a known canonical URL

    def as_counts(self) -> dict[str, int]:
        """Flat keys for the run's counts table."""
        names = {"articles": "dedupe_articles", "exact": "duplicates_exact", "near": "duplicates_near",
                 "url": "duplicates_url", "new_stories": "stories_new", "merged_stories": "stories_merged",
                 "new_versions": "versions_new", "unchanged_refetches": "versions_unchanged"}
        return {names[f.name]: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Article:
    article_id: str
    key: int
    url_as_given: str | None
    url_canonical: str | None
    ingested_at: datetime
    fingerprint: Fingerprint


@dataclass(frozen=True)
class _Candidate:
    article_id: str
    other_id: str
    other_story: str
    exact: bool
    same_url: bool
    in_batch: bool


@dataclass(frozen=True)
class _Link:
    article_id: str
    other_id: str
    other_node: str  # the existing story of `other_id`, or `other_id` itself when it is in this batch
    other_in_batch: bool
    method: str
    similarity: Similarity


def dedupe_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
                    load_id: str) -> DedupeCounts:
    """Deduplicate the given loaded articles against everything fingerprinted before, in one transaction."""
    con.execute("begin transaction")
    try:
        counts = _dedupe(con, article_ids, settings, load_id)
        con.execute("commit")
    except BaseException:
        warehouse.rollback(con)
        raise
    return counts


def dedupe_pending(con: duckdb.DuckDBPyConnection, settings: Settings, load_id: str,
                   batch_size: int = 1000) -> DedupeCounts:
    """Deduplicate every loaded article not fingerprinted yet (a warehouse loaded before migration 003, or a
    batch whose dedupe failed), oldest first, `batch_size` at a time."""
    totals: dict[str, int] = defaultdict(int)
    while True:
        ids = [row[0] for row in con.execute(
            "select article_id from articles a where not exists "
            "(select 1 from dedupe_fingerprints f where f.article_id = a.article_id) "
            "order by ingested_at, article_id limit ?", [batch_size]).fetchall()]
        if not ids:
            return DedupeCounts(**totals)
        counts = dedupe_articles(con, ids, settings, load_id)
        for field in fields(counts):
            totals[field.name] += getattr(counts, field.name)


@dataclass(frozen=True)
class RededupeCounts:
    changed: int = 0  # articles whose fingerprint no longer matched their text (or had none)
    links_removed: int = 0  # links of the forgotten stories, re-derived below
    stories_before: int = 0  # stories the changed articles belonged to
    stories_after: int = 0  # stories the changed articles and their former story-mates belong to now
    dedupe: DedupeCounts = DedupeCounts()  # the redo, over the changed articles and their former story-mates

    def as_counts(self) -> dict[str, int]:
        return {**self.dedupe.as_counts(), "rededupe_changed": self.changed,
                "rededupe_links_removed": self.links_removed, "rededupe_stories_before": self.stories_before,
                "rededupe_stories_after": self.stories_after}


def rededupe_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
                      load_id: str) -> RededupeCounts:
    """Forget and redo the dedupe of articles whose text was replaced (`ingest reprocess`), in one transaction.

    Articles whose stored fingerprint still matches their text are left alone. For the others, every member
    of their stories is forgotten (fingerprint, postings, story row, links) and deduplicated again as one
    batch: links that existed only through a changed text disappear, splitting its story, and the new text
    links wherever it now belongs. Links only ever join articles of one story, so no other story is touched;
    story_id is the smallest member, so the clusters are those a first load of the new texts would give.
    Article versions at the canonical URLs involved are renumbered in ingest order."""
    con.execute("begin transaction")
    try:
        counts = rededupe_within(con, article_ids, settings, load_id)
        con.execute("commit")
    except BaseException:
        warehouse.rollback(con)
        raise
    return counts


def rededupe_within(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
                    load_id: str) -> RededupeCounts:
    """`rededupe_articles` inside the caller's transaction (a reprocess changes a text and its dedupe together)."""
    changed = _changed_articles(con, article_ids)
    if not changed:
        return RededupeCounts()
    members = sorted({*changed, *(row[0] for row in _rows_for_ids(
        con, "select article_id from article_stories where story_id in "
             "(select story_id from article_stories where article_id in ({ids}))", changed))})
    stories_before = _story_count(con, changed)
    old_urls, links_removed = _forget(con, members)
    batch = _loaded_articles(con, members)
    redone = _dedupe_batch(con, batch, settings, load_id, record_versions=False)
    _renumber_versions(con, old_urls | {a.url_canonical for a in batch if a.url_canonical}, load_id)
    return RededupeCounts(changed=len(changed), links_removed=links_removed, stories_before=stories_before,
                          stories_after=_story_count(con, members), dedupe=redone)


def _changed_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[str]:
    """The given loaded articles not fingerprinted, or whose text hash or canonical URL moved: the whole
    fingerprint (shingles, bands, anchors) follows from those, so the others need nothing redone."""
    stored = {article_id: (text_hash, url) for article_id, text_hash, url in _rows_for_ids(
        con, "select article_id, folded_text_hash, url_canonical from dedupe_fingerprints where article_id in ({ids})",
        sorted(set(article_ids)))}
    return [a.article_id for a in _loaded_articles(con, article_ids)
            if stored.get(a.article_id) != (a.fingerprint.text_hash, a.url_canonical)]


def _story_count(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> int:
    return len({row[0] for row in _rows_for_ids(
        con, "select story_id from article_stories where article_id in ({ids})", article_ids)})


def _forget(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> tuple[set[str], int]:
    """Delete the articles' fingerprints, postings, story rows and links; returns their former canonical
    URLs and the number of links deleted."""
    con.register("dedupe_forget", pa.table({"article_id": pa.array(article_ids, pa.string()),
                                            "article_key": pa.array([article_key(i) for i in article_ids],
                                                                    pa.int64())}))
    try:
        urls = {row[0] for row in con.execute(
            "select distinct url_canonical from dedupe_fingerprints where url_canonical is not null "
            "and article_id in (select article_id from dedupe_forget)").fetchall()}
        for table in ("dedupe_bands", "dedupe_anchors"):
            con.execute(f"delete from {table} where article_key in (select article_key from dedupe_forget)")
        for table in ("dedupe_fingerprints", "article_stories"):
            con.execute(f"delete from {table} where article_id in (select article_id from dedupe_forget)")
        removed = con.execute("delete from article_duplicates where article_id in (select article_id from "
                              "dedupe_forget) or duplicate_of in (select article_id from dedupe_forget)").fetchone()
    finally:
        con.unregister("dedupe_forget")
    return urls, int(removed[0]) if removed else 0


_WANTED_VERSIONS = """
create or replace temp table dedupe_wanted_versions as
with texts as (
    select f.url_canonical, f.folded_text_hash, f.article_id, a.ingested_at,
           row_number() over (partition by f.url_canonical, f.folded_text_hash
                              order by a.ingested_at, f.article_id) as nth
    from dedupe_fingerprints f join articles a using (article_id)
    where f.url_canonical in (select url_canonical from dedupe_version_urls)
)
select url_canonical,
       cast(row_number() over (partition by url_canonical order by ingested_at, article_id) as integer) as version,
       article_id, folded_text_hash
from texts
where nth = 1
"""


def _renumber_versions(con: duckdb.DuckDBPyConnection, urls: set[str], load_id: str) -> None:
    """Each distinct text at each URL, numbered by first ingest (as loading them in that order does); rows
    that already say so are kept with their load_id."""
    if not urls:
        return
    con.register("dedupe_version_urls", pa.table({"url_canonical": pa.array(sorted(urls), pa.string())}))
    try:
        con.execute(_WANTED_VERSIONS)
        con.execute("delete from article_versions v where url_canonical in "
                    "(select url_canonical from dedupe_version_urls) and not exists "
                    "(select 1 from dedupe_wanted_versions w where w.url_canonical = v.url_canonical "
                    "and w.version = v.version and w.article_id = v.article_id "
                    "and w.folded_text_hash = v.folded_text_hash)")
        con.execute("insert into article_versions by name select w.*, ? as load_id from dedupe_wanted_versions w "
                    "anti join article_versions v on v.url_canonical = w.url_canonical and v.version = w.version",
                    [load_id])
    finally:
        con.unregister("dedupe_version_urls")
        con.execute("drop table if exists dedupe_wanted_versions")


def _dedupe(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
            load_id: str) -> DedupeCounts:
    return _dedupe_batch(con, _new_articles(con, article_ids), settings, load_id)


def _dedupe_batch(con: duckdb.DuckDBPyConnection, batch: list[_Article], settings: Settings, load_id: str,
                  record_versions: bool = True) -> DedupeCounts:
    if not batch:
        return DedupeCounts()
    tables = _probe_tables(batch, load_id)
    _insert_postings(con, tables)
    candidates = _candidates(con, tables)
    links = _confirm(con, batch, candidates, settings)
    stories = _cluster(con, batch, links, load_id)
    versions = _record_versions(con, batch, load_id) if record_versions else (0, 0)
    methods = defaultdict(int, {m: 0 for m in _METHOD_RANK})
    for link in stories.recorded:
        methods[link.method] += 1
    return DedupeCounts(articles=len(batch), exact=methods["exact"], near=methods["near"], url=methods["url"],
                        new_stories=stories.new, merged_stories=stories.merged, new_versions=versions[0],
                        unchanged_refetches=versions[1])


def article_key(article_id: str) -> int:
    """A signed 64-bit hash of an article_id: the narrow join key of the posting tables."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "little", signed=True)


def _rows_for_ids(con: duckdb.DuckDBPyConnection, sql: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """Run `sql` (with one `{ids}` slot) for a few ids at a time. The ids go in as SQL literals: DuckDB
    answers a literal IN list from the primary-key index, where a bound parameter list scans every row."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), _ID_LOOKUP_CHUNK):
        literals = ", ".join("'" + i.replace("'", "''") + "'" for i in ids[start:start + _ID_LOOKUP_CHUNK])
        rows += con.execute(sql.format(ids=literals)).fetchall()
    return rows


def _new_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[_Article]:
    """The given articles that are loaded and not fingerprinted yet, in article_id order."""
    wanted = sorted(set(article_ids))
    done = {row[0] for row in _rows_for_ids(
        con, "select article_id from dedupe_fingerprints where article_id in ({ids})", wanted)}
    return _loaded_articles(con, [i for i in wanted if i not in done])


def _loaded_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[_Article]:
    """The given loaded articles, fingerprinted from their current text, in article_id order."""
    rows = _rows_for_ids(con, "select article_id, url, canonical_url, title, body_text, ingested_at "
                              "from articles where article_id in ({ids})", sorted(set(article_ids)))
    return [_Article(article_id, article_key(article_id), url, canonical_url_for(url, declared), ingested_at,
                     fingerprint(title, body))
            for article_id, url, declared, title, body, ingested_at in sorted(rows)]


def _probe_tables(batch: list[_Article], load_id: str) -> dict[str, pa.Table]:
    """The batch's fingerprint rows and postings, as Arrow tables to insert and to probe with."""
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


def _insert_postings(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Store the batch's fingerprints and postings; an anchor already known to be common is not stored."""
    for table_name, table in tables.items():
        common = " where hash not in (select hash from dedupe_common_anchors)" if table_name == "dedupe_anchors" else ""
        con.register("dedupe_incoming", table)
        try:
            con.execute(f"insert into {table_name} by name select * from dedupe_incoming{common}")
        finally:
            con.unregister("dedupe_incoming")


def _gather_anchor_postings(con: duckdb.DuckDBPyConnection) -> None:
    """The postings of the batch's anchors into a temporary table; anchors found in more than
    `ANCHOR_MAX_POSTINGS` articles join the common list, are dropped from later batches' postings and are
    no evidence of copying (stock phrases: 'one of the most', 'said in a statement')."""
    con.execute("create or replace temp table dedupe_anchor_postings as "
                "select a.hash, a.article_key from dedupe_anchors a semi join probe_anchors p on p.hash = a.hash "
                "where a.hash not in (select hash from dedupe_common_anchors)")
    con.execute("insert into dedupe_common_anchors select hash from dedupe_anchor_postings group by hash "
                "having count(*) > ?", [ANCHOR_MAX_POSTINGS])


_CANDIDATES_SQL = """
with hits as (
    select p.article_key, o.article_key as other_key, 'exact' as kind, 0 as strength
    from probe_fingerprints p join dedupe_fingerprints o on o.folded_text_hash = p.folded_text_hash
    union all
    select p.article_key, o.article_key, 'url', 0
    from probe_fingerprints p join dedupe_fingerprints o on o.url_canonical = p.url_canonical
    union all
    select p.article_key, b.article_key, 'band', count(*)
    from probe_bands p join dedupe_bands b on b.hash = p.hash
    group by all
    union all
    select p.article_key, a.article_key, 'anchor', count(*)
    from probe_anchors p join dedupe_anchor_postings a on a.hash = p.hash
    where p.hash not in (select hash from dedupe_common_anchors)  -- including those this batch made common
    group by all
),
paired as (
    select article_key, other_key, bool_or(kind = 'exact') as exact, bool_or(kind = 'url') as same_url,
           coalesce(sum(strength) filter (where kind = 'band'), 0) as bands,
           coalesce(sum(strength) filter (where kind = 'anchor'), 0) as shared_anchors
    from hits
    where other_key <> article_key
    group by all
),
named as (
    select n.article_id, o.article_id as other_id, p.exact, p.same_url, p.bands + p.shared_anchors as strength
    from paired p
    join probe_fingerprints n on n.article_key = p.article_key
    join dedupe_fingerprints o on o.article_key = p.other_key
    -- enough shared anchors that the shorter text may be contained in the other
    where p.exact or p.same_url or p.bands > 0 or p.shared_anchors >= greatest(1, 0.4 * least(n.anchors, o.anchors))
),
ranked as (
    select c.*, coalesce(s.story_id, c.other_id) as other_story, s.story_id is null as in_batch,
           row_number() over (partition by c.article_id, coalesce(s.story_id, c.other_id)
                              order by c.exact desc, c.same_url desc, c.strength desc, c.other_id) as rank
    from named c left join article_stories s on s.article_id = c.other_id
)
select article_id, other_id, other_story, exact, same_url, in_batch
from ranked
where rank <= ?
order by article_id, other_id
"""


def _candidates(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> list[_Candidate]:
    """Every earlier or same-batch article sharing a text hash, canonical URL, LSH band or enough anchors with
    a new one, at most `CANDIDATES_PER_STORY` per existing story (the strongest evidence first)."""
    probes = {f"probe_{name.removeprefix('dedupe_')}": table for name, table in tables.items()}
    for name, table in probes.items():
        con.register(name, table)
    try:
        _gather_anchor_postings(con)
        rows = con.execute(_CANDIDATES_SQL, [CANDIDATES_PER_STORY]).fetchall()
    finally:
        for name in probes:
            con.unregister(name)
        con.execute("drop table if exists dedupe_anchor_postings")
    return [_Candidate(*row) for row in rows]


def _confirm(con: duckdb.DuckDBPyConnection, batch: list[_Article], candidates: list[_Candidate],
             settings: Settings) -> list[_Link]:
    """Keep exact and same-URL candidates, and near ones whose real shingle sets are similar enough."""
    mine = {a.article_id: a.fingerprint for a in batch}
    wanted = {c.other_id for c in candidates if not c.exact and c.other_id not in mine}
    theirs = {**mine, **_fingerprints_of(con, wanted)}
    links: list[_Link] = []
    for candidate in candidates:
        method, measured = "exact", Similarity(1.0, 1.0, 0)
        if not candidate.exact:
            other = theirs.get(candidate.other_id)
            if other is None:
                continue
            measured = similarity(mine[candidate.article_id].shingles, other.shingles)
            method = "url" if candidate.same_url else "near"
            if method == "near" and not is_near_duplicate(measured, settings):
                continue
        node = candidate.other_id if candidate.in_batch else candidate.other_story
        links.append(_Link(candidate.article_id, candidate.other_id, node, candidate.in_batch, method, measured))
    return links


def is_near_duplicate(measured: Similarity, settings: Settings) -> bool:
    if measured.jaccard >= settings.dedupe_min_jaccard:
        return True
    return measured.containment >= settings.dedupe_min_containment and \
        measured.smaller >= settings.dedupe_min_contained_shingles


def _fingerprints_of(con: duckdb.DuckDBPyConnection, article_ids: set[str]) -> dict[str, Fingerprint]:
    rows = _rows_for_ids(con, "select article_id, title, body_text from articles where article_id in ({ids})",
                         sorted(article_ids))
    return {article_id: fingerprint(title, body) for article_id, title, body in rows}


class _UnionFind:
    """Union by smallest id: the root of every component is its least node, whatever the union order."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        root = node
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while node != root:
            self.parent[node], node = root, self.parent.get(node, node)
        return root

    def union(self, a: str, b: str) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return False
        low, high = sorted((root_a, root_b))
        self.parent[high] = low
        return True


@dataclass(frozen=True)
class _StoryOutcome:
    recorded: list[_Link]
    new: int
    merged: int


def _cluster(con: duckdb.DuckDBPyConnection, batch: list[_Article], links: list[_Link],
             load_id: str) -> _StoryOutcome:
    """Union the batch into the existing stories; keep the links that joined two clusters."""
    forest = _UnionFind()
    by_article: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        by_article[link.article_id].append(link)
    recorded: list[_Link] = []
    # first ingested first (article_id order within one load), so a same-batch link is taken from its later
    # end and points at the earlier copy, also when a reprocess redoes articles of several loads together
    position = {a.article_id: (a.ingested_at, a.article_id) for a in batch}
    for article in sorted(batch, key=lambda a: position[a.article_id]):
        ordered = sorted(by_article[article.article_id],
                         key=lambda k: (_METHOD_RANK[k.method], -k.similarity.jaccard, k.other_id))
        for link in ordered:
            if link.other_in_batch and position[link.other_id] > position[article.article_id]:
                continue  # that article takes this link from its side
            if forest.union(article.article_id, link.other_node):
                recorded.append(link)
    old_stories = sorted({link.other_node for link in links if not link.other_in_batch})
    merges = {old: forest.find(old) for old in old_stories if forest.find(old) != old}
    stories = {a.article_id: forest.find(a.article_id) for a in batch}
    _write_stories(con, stories, merges, recorded, load_id)
    surviving = {forest.find(old) for old in old_stories}
    new = len(set(stories.values()) - surviving)
    return _StoryOutcome(recorded=recorded, new=new, merged=len(old_stories) - len(surviving))


def _write_stories(con: duckdb.DuckDBPyConnection, stories: dict[str, str], merges: dict[str, str],
                   recorded: list[_Link], load_id: str) -> None:
    tables = {
        "dedupe_new_stories": pa.table({"article_id": list(stories), "story_id": list(stories.values()),
                                        "load_id": [load_id] * len(stories)}),
        "dedupe_merges": pa.table({"old_story": pa.array(list(merges), pa.string()),
                                   "new_story": pa.array(list(merges.values()), pa.string())}),
        "dedupe_links": pa.table({
            "article_id": pa.array([k.article_id for k in recorded], pa.string()),
            "duplicate_of": pa.array([k.other_id for k in recorded], pa.string()),
            "method": pa.array([k.method for k in recorded], pa.string()),
            "similarity": pa.array([round(k.similarity.jaccard, 4) for k in recorded], pa.float64()),
            "containment": pa.array([round(k.similarity.containment, 4) for k in recorded], pa.float64()),
            "load_id": pa.array([load_id] * len(recorded), pa.string())}),
    }
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute("update article_stories set story_id = m.new_story from dedupe_merges m "
                    "where article_stories.story_id = m.old_story")
        con.execute("insert into article_stories by name select * from dedupe_new_stories")
        con.execute("insert into article_duplicates by name select * from dedupe_links")
    finally:
        for name in tables:
            con.unregister(name)


def text_hash_of(title: str | None, body: str) -> str:
    """The exact-duplicate hash of `fingerprint`, without the cost of shingles and MinHash."""
    return hashlib.blake2b(" ".join(fingerprint_tokens(title, body)).encode(), digest_size=16).hexdigest()


def unchanged_refetches(con: duckdb.DuckDBPyConnection, articles: Sequence[Any]) -> set[str]:
    """Articles (CleanArticle-like: article_id, url, canonical_url, title, body_text) whose text is already a
    version at their canonical URL: a page fetched again with the same text, which must load nothing new."""
    keyed = [(a.article_id, canonical_url_for(a.url, a.canonical_url), text_hash_of(a.title, a.body_text))
             for a in articles]
    keyed = [row for row in keyed if row[1]]
    if not keyed:
        return set()
    con.register("refetch_probe", pa.table({"article_id": [r[0] for r in keyed], "url_canonical": [r[1] for r in keyed],
                                            "folded_text_hash": [r[2] for r in keyed]}))
    try:
        rows = con.execute("select p.article_id from refetch_probe p semi join article_versions v "
                           "on v.url_canonical = p.url_canonical "
                           "and v.folded_text_hash = p.folded_text_hash").fetchall()
    finally:
        con.unregister("refetch_probe")
    return {row[0] for row in rows}


def _record_versions(con: duckdb.DuckDBPyConnection, batch: list[_Article], load_id: str) -> tuple[int, int]:
    """Number each new text at a canonical URL; a text already seen there is an unchanged refetch."""
    by_url: dict[str, list[_Article]] = defaultdict(list)
    for article in batch:
        if article.url_canonical:
            by_url[article.url_canonical].append(article)
    if not by_url:
        return 0, 0
    con.register("dedupe_urls", pa.table({"url_canonical": list(by_url)}))
    try:
        known = {url: (int(top), set(hashes)) for url, top, hashes in con.execute(
            "select v.url_canonical, max(v.version), list(v.folded_text_hash) from article_versions v "
            "semi join dedupe_urls u on u.url_canonical = v.url_canonical group by 1").fetchall()}
    finally:
        con.unregister("dedupe_urls")
    rows: list[dict[str, object]] = []
    unchanged = 0
    for url, articles in sorted(by_url.items()):
        top, hashes = known.get(url, (0, set()))
        for article in sorted(articles, key=lambda a: (a.ingested_at, a.article_id)):
            if article.fingerprint.text_hash in hashes:
                unchanged += 1
                continue
            top += 1
            hashes.add(article.fingerprint.text_hash)
            rows.append({"url_canonical": url, "version": top, "article_id": article.article_id,
                         "folded_text_hash": article.fingerprint.text_hash, "load_id": load_id})
    if rows:
        con.register("dedupe_versions", pa.Table.from_pylist(rows))
        try:
            con.execute("insert into article_versions by name select * from dedupe_versions")
        finally:
            con.unregister("dedupe_versions")
    return len(rows), unchanged

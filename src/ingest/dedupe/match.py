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

This module decides (which candidate is a copy, how stories join, which text is a new version); every read and
write of the warehouse goes through `ingest.warehouse.dedupe_store`. Story clustering and version numbering read,
decide and write back, so they are marked `@serialised` (see `ingest.warehouse.serialised`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import duckdb

from ingest.dedupe.fingerprints import Fingerprint, Similarity, fingerprint, fingerprint_tokens, similarity
from ingest.settings import Settings
from ingest.urls import canonical_url_for
from ingest.warehouse import connection as warehouse
from ingest.warehouse import dedupe_store as store
from ingest.warehouse.dedupe_store import FingerprintedArticle as _Article
from ingest.warehouse.dedupe_store import article_key
from ingest.warehouse.serialised import serialised
from ingest.warehouse.writer_lock import serialising

CANDIDATES_PER_STORY = 5  # confirm at most this many members of one existing story for a new article
ANCHOR_MAX_POSTINGS = 100  # an anchor shared by more articles than this is a stock phrase, not a quotation
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
class _Link:
    article_id: str
    other_id: str
    other_node: str  # the existing story of `other_id`, or `other_id` itself when it is in this batch
    other_in_batch: bool
    method: str
    similarity: Similarity


def dedupe_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
                    load_id: str) -> DedupeCounts:
    """Deduplicate the given loaded articles against everything fingerprinted before, in one transaction (on a
    lake, under its writer lock: clustering and versions read what other writers committed)."""
    with serialising(con), warehouse.transaction(con):
        return _dedupe_batch(con, _new_articles(con, article_ids, load_id), settings, load_id)


def dedupe_pending(con: duckdb.DuckDBPyConnection, settings: Settings, load_id: str,
                   batch_size: int = 1000) -> DedupeCounts:
    """Deduplicate every loaded article not fingerprinted yet (a warehouse loaded before migration 003, or a
    batch whose dedupe failed), oldest first, `batch_size` at a time."""
    totals: dict[str, int] = defaultdict(int)
    while True:
        ids = store.unfingerprinted(con, batch_size)
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
    with serialising(con), warehouse.transaction(con):
        return rededupe_within(con, article_ids, settings, load_id)


def rededupe_within(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], settings: Settings,
                    load_id: str) -> RededupeCounts:
    """`rededupe_articles` inside the caller's transaction (a reprocess changes a text and its dedupe together)."""
    changed = _changed_articles(con, article_ids)
    if not changed:
        return RededupeCounts()
    members = sorted({*changed, *store.story_members(con, changed)})
    stories_before = len(store.stories_of(con, changed))
    old_urls, links_removed = store.forget(con, members)
    batch = _loaded_articles(con, members)
    redone = _dedupe_batch(con, batch, settings, load_id, record_versions=False)
    store.renumber_versions(con, old_urls | {a.url_canonical for a in batch if a.url_canonical}, load_id)
    return RededupeCounts(changed=len(changed), links_removed=links_removed, stories_before=stories_before,
                          stories_after=len(store.stories_of(con, members)), dedupe=redone)


def _changed_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[str]:
    """The given loaded articles not fingerprinted, or whose text hash or canonical URL moved: the whole
    fingerprint (shingles, bands, anchors) follows from those, so the others need nothing redone."""
    stored = store.stored_fingerprints(con, sorted(set(article_ids)))
    return [a.article_id for a in _loaded_articles(con, article_ids)
            if stored.get(a.article_id) != (a.fingerprint.text_hash, a.url_canonical)]


def _dedupe_batch(con: duckdb.DuckDBPyConnection, batch: list[_Article], settings: Settings, load_id: str,
                  record_versions: bool = True) -> DedupeCounts:
    if not batch:
        return DedupeCounts()
    tables = store.postings(batch, load_id)
    store.insert_postings(con, tables)
    candidates = store.candidates(con, tables, CANDIDATES_PER_STORY, ANCHOR_MAX_POSTINGS)
    links = _confirm(con, batch, candidates, settings)
    stories = _cluster(con, batch, links, load_id)
    versions = _record_versions(con, batch, load_id) if record_versions else (0, 0)
    methods = defaultdict(int, {m: 0 for m in _METHOD_RANK})
    for link in stories.recorded:
        methods[link.method] += 1
    return DedupeCounts(articles=len(batch), exact=methods["exact"], near=methods["near"], url=methods["url"],
                        new_stories=stories.new, merged_stories=stories.merged, new_versions=versions[0],
                        unchanged_refetches=versions[1])


def _new_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str], load_id: str) -> list[_Article]:
    """The given articles that are loaded and not fingerprinted yet, in article_id order (looked for in `load_id`,
    the load they normally come from, first)."""
    wanted = sorted(set(article_ids))
    done = store.fingerprinted(con, wanted)
    return _loaded_articles(con, [i for i in wanted if i not in done], load_id)


def _loaded_articles(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str],
                     load_id: str | None = None) -> list[_Article]:
    """The given loaded articles, fingerprinted from their current text, in article_id order."""
    return [_Article(a.article_id, article_key(a.article_id), a.url, canonical_url_for(a.url, a.canonical_url),
                     a.ingested_at, fingerprint(a.title, a.body_text), a.published_at)
            for a in store.loaded_articles(con, article_ids, load_id)]


def _confirm(con: duckdb.DuckDBPyConnection, batch: list[_Article], candidates: list[store.Candidate],
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
    return {article_id: fingerprint(title, body)
            for article_id, title, body in store.article_texts(con, sorted(article_ids))}


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


@serialised("story clustering")
def _cluster(con: duckdb.DuckDBPyConnection, batch: list[_Article], links: list[_Link],
             load_id: str) -> _StoryOutcome:
    """Union the batch into the existing stories; keep the links that joined two clusters."""
    forest = _UnionFind()
    by_article: dict[str, list[_Link]] = defaultdict(list)
    for link in links:
        by_article[link.article_id].append(link)
    recorded: list[_Link] = []
    # originals first (store.copy_order), so a same-batch link is taken from its later end and points at the earlier
    # copy, also when a reprocess redoes articles of several loads together
    position = {a.article_id: a.copy_order for a in batch}
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
    store.write_stories(con, stories, merges, _oriented(con, recorded, position), load_id)
    surviving = {forest.find(old) for old in old_stories}
    new = len(set(stories.values()) - surviving)
    return _StoryOutcome(recorded=recorded, new=new, merged=len(old_stories) - len(surviving))


def _oriented(con: duckdb.DuckDBPyConnection, recorded: list[_Link],
              position: dict[str, store.CopyOrder]) -> list[store.DuplicateLink]:
    """The links as rows, each from the copy to its original by `store.copy_order`: an earlier article found only
    now (a backfill, or a writer whose dedupe step ran after another's) is the original of the one stored before."""
    earlier = store.copy_orders(con, [k.other_id for k in recorded if not k.other_in_batch])
    order = {**earlier, **position}
    rows = []
    for k in recorded:
        copy, original = (k.article_id, k.other_id)
        if k.other_id in order and order[k.other_id] > order[k.article_id]:
            copy, original = original, copy
        rows.append(store.DuplicateLink(copy, original, k.method, round(k.similarity.jaccard, 4),
                                        round(k.similarity.containment, 4)))
    return rows


def text_hash_of(title: str | None, body: str) -> str:
    """The exact-duplicate hash of `fingerprint`, without the cost of shingles and MinHash."""
    return hashlib.blake2b(" ".join(fingerprint_tokens(title, body)).encode(), digest_size=16).hexdigest()


def unchanged_refetches(con: duckdb.DuckDBPyConnection, articles: Sequence[Any]) -> set[str]:
    """Articles (CleanArticle-like: article_id, url, canonical_url, title, body_text) whose text is already a
    version at their canonical URL: a page fetched again with the same text, which must load nothing new. An
    earlier article of the same batch counts as much as one already loaded, so what loads does not depend on how
    the inputs were cut into batches."""
    keyed = [(a.article_id, url, text_hash_of(a.title, a.body_text))
             for a in articles if (url := canonical_url_for(a.url, a.canonical_url))]
    first_in_batch: dict[tuple[str, str], str] = {}
    repeated = {article_id for article_id, url, text_hash in keyed
                if first_in_batch.setdefault((url, text_hash), article_id) != article_id}
    return store.known_texts(con, keyed) | repeated


@serialised("version numbering")
def _record_versions(con: duckdb.DuckDBPyConnection, batch: list[_Article], load_id: str) -> tuple[int, int]:
    """Number each new text at a canonical URL; a text already seen there is an unchanged refetch."""
    by_url: dict[str, list[_Article]] = defaultdict(list)
    for article in batch:
        if article.url_canonical:
            by_url[article.url_canonical].append(article)
    if not by_url:
        return 0, 0
    known = store.known_versions(con, list(by_url))
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
    store.insert_versions(con, rows)
    return len(rows), unchanged

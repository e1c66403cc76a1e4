"""Deduplication through the real pipeline and a real DuckDB file: copies across runs, stable stories, versions."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.dedupe import match as dedupe
from ingest.dedupe.fingerprints import fingerprint, similarity
from ingest.models import BatchResult, CleanArticle
from ingest.pipeline import run_batches
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.stories import (
    BRIEF_A,
    BRIEF_B,
    DISCLAIMER,
    FLOOD,
    FLOOD_COPY,
    FLOOD_URL,
    MUSEUM,
    ROUNDUP_FILLER,
    SCHOOL,
    TRAM,
    page,
    write,
)


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def stories_by_url(settings: Settings) -> dict[str, str]:
    return dict(query(settings, "select a.url, s.story_id from articles a join article_stories s using (article_id)"))


def test_a_syndicated_copy_in_a_later_run_is_linked_to_the_original(tmp_path: Path, settings: Settings) -> None:
    first = run_batches([write(tmp_path / "monday.jsonl",
                               (FLOOD_URL, page("Families told to leave as river rises", FLOOD)))], settings, "run-1")
    second = run_batches([write(tmp_path / "tuesday.jsonl", FLOOD_COPY)], settings, "run-2")

    assert first["stories_new"] == 1 and first["duplicates_near"] == 0
    assert second["duplicates_near"] == 1 and second["stories_new"] == 0
    [(copy_url, original_url, method, similarity_, containment)] = query(settings, (
        "select a.url, o.url, d.method, d.similarity, d.containment from article_duplicates d "
        "join articles a on a.article_id = d.article_id join articles o on o.article_id = d.duplicate_of"))
    assert (copy_url, original_url, method) == (FLOOD_COPY[0], FLOOD_URL, "near")
    assert containment > 0.9 and similarity_ < containment  # the cut last paragraph lowers Jaccard only
    [(copies, sources, first_url)] = query(settings, "select copies, sources, first_url from stories")
    assert copies == 2 and sources == ["valleygazette.example", "wire.example"]
    assert query(settings, "select url from articles_unique") == [(FLOOD_URL,)]


def _story_inputs(root: Path) -> list[Path]:
    """One file per page, so each page is the same article (same id) whatever order it is read in."""
    root.mkdir()
    pages = {
        "flood": (FLOOD_URL, page("Families told to leave as river rises", FLOOD)),
        "flood-copy": FLOOD_COPY,
        "tram": ("https://citynews.example/tram", page("Council approves tram extension", TRAM)),
        "tram-mirror": ("https://mirror.example/tram-vote", page("Opinion | Council approves tram extension", TRAM,
                                                                 site="Mirror", style=1)),
        "brief-a": ("https://citynews.example/ring-road", page("Ring road closed after lorry sheds load", BRIEF_A)),
        "brief-b": ("https://citynews.example/library", page("Library hours extended", BRIEF_B)),
        "roundup": ("https://digest.example/morning", page("Morning briefing", (
            ROUNDUP_FILLER[0], *BRIEF_A, *BRIEF_B, ROUNDUP_FILLER[1]), site="Digest")),
        "school": ("https://valleygazette.example/news/school-merger", page("Parents oppose school merger", SCHOOL)),
        "museum": ("https://valleygazette.example/news/dinosaur-hall", page("Dinosaur hall reopens", MUSEUM)),
    }
    return [write(root / f"{name}.jsonl", item) for name, item in pages.items()]


def test_the_same_inputs_in_reverse_order_give_the_same_stories(tmp_path: Path) -> None:
    inputs = _story_inputs(tmp_path / "in")
    forward = Settings(warehouse=tmp_path / "forward.duckdb", batch_size=1)
    backward = Settings(warehouse=tmp_path / "backward.duckdb", batch_size=2)
    forward_totals = run_batches(inputs, forward, "forward")
    run_batches(list(reversed(inputs)), backward, "backward")

    forward_stories = dict(query(forward, "select article_id, story_id from article_stories"))
    assert forward_stories == dict(query(backward, "select article_id, story_id from article_stories"))
    groups = Counter(stories_by_url(forward).values())
    # flood + copy, tram + mirror, both briefs + the roundup quoting them, school, museum
    assert sorted(groups.values()) == [1, 1, 2, 2, 3]
    by_url = stories_by_url(forward)
    assert by_url["https://citynews.example/ring-road"] == by_url["https://digest.example/morning"] == \
        by_url["https://citynews.example/library"]
    assert forward_totals["stories_merged"] == 1  # the roundup, loaded last, joined the two briefs' stories
    assert set(forward_stories.values()) == {min(a for a, s in forward_stories.items() if s == story)
                                             for story in forward_stories.values()}


def test_running_again_changes_no_row_counts(tmp_path: Path, settings: Settings) -> None:
    inputs = _story_inputs(tmp_path / "in")
    tables = ("articles", "dedupe_fingerprints", "dedupe_bands", "dedupe_anchors", "article_duplicates",
              "article_stories", "article_versions", "stories", "articles_unique")

    def counts() -> dict[str, int]:
        return {t: query(settings, f"select count(*) from {t}")[0][0] for t in tables}

    run_batches(inputs, settings, "run-1")
    before = counts()
    again = run_batches(inputs, settings, "run-2")
    assert counts() == before and again["dedupe_articles"] == 0
    with warehouse.open_warehouse(settings) as con:
        ids = [row[0] for row in con.execute("select article_id from articles").fetchall()]
        assert dedupe.dedupe_articles(con, ids, settings, "again") == dedupe.DedupeCounts()
    assert counts() == before


def test_an_updated_article_is_a_new_version_and_an_unchanged_refetch_is_not(tmp_path: Path,
                                                                            settings: Settings) -> None:
    corrected = (FLOOD[0], FLOOD[1].replace("three streets", "four streets"), *FLOOD[2:])
    run_batches([write(tmp_path / "1.jsonl", (FLOOD_URL, page("River rises", FLOOD)))], settings, "r1")
    updated = run_batches([write(tmp_path / "2.jsonl", (FLOOD_URL + "?utm_source=newsletter",
                                                        page("River rises", corrected)))], settings, "r2")
    refetched = run_batches([write(tmp_path / "3.jsonl", (FLOOD_URL, page("River rises", corrected,
                                                                          sidebar=("Traffic",))))], settings, "r3")

    assert updated["versions_new"] == 1 and updated["duplicates_url"] == 1
    # The refetch's bytes differ (a new sidebar) but its text does not: its raw document is stored, and nothing
    # else is loaded: no article, no version, no link.
    assert refetched["unchanged_refetches"] == 1 and refetched["loaded_documents"] == 1
    assert refetched["loaded_articles"] == 0 and refetched.get("versions_new", 0) == 0
    versions = query(settings, "select url_canonical, version, a.source_uri from article_versions v "
                               "join articles a using (article_id) order by version")
    assert [(v[0], v[1], Path(v[2].split("#")[0]).name) for v in versions] == [
        ("https://valleygazette.example/news/flood-warning", 1, "1.jsonl"),
        ("https://valleygazette.example/news/flood-warning", 2, "2.jsonl")]
    assert query(settings, "select count(*), count(distinct story_id) from article_stories") == [(2, 1)]
    assert query(settings, "select copies, sources from stories") == [(2, ["valleygazette.example"])]
    assert query(settings, "select count(*) from documents") == [(3,)]


def test_unrelated_articles_in_one_site_template_are_not_linked(tmp_path: Path, settings: Settings) -> None:
    sidebar = ("Flood warning for the valley", "Tram vote", "Letters to the editor")
    run_batches([write(tmp_path / "site.jsonl",
                       ("https://valleygazette.example/news/school-merger",
                        page("Parents oppose school merger", (*SCHOOL, DISCLAIMER), sidebar=sidebar)),
                       ("https://valleygazette.example/news/dinosaur-hall",
                        page("Dinosaur hall reopens", (*MUSEUM, DISCLAIMER), sidebar=sidebar)))], settings, "r1")
    bodies = [b for (b,) in query(settings, "select body_text from articles")]
    assert all(DISCLAIMER in b for b in bodies)  # the shared paragraph really is in both bodies
    assert query(settings, "select count(*) from article_duplicates") == [(0,)]
    assert query(settings, "select count(distinct story_id) from article_stories") == [(2,)]


def test_pending_articles_are_deduplicated_by_the_backfill(settings: Settings) -> None:
    """A warehouse loaded before migration 003 (or a batch whose dedupe failed) catches up in one call."""
    def article(number: int, paragraphs: tuple[str, ...]) -> CleanArticle:
        body = "\n\n".join(paragraphs)
        return CleanArticle(article_id=f"{number:032x}", document_id=f"d{number}", source_uri=f"mem://{number}",
                            url=f"https://site{number}.example/a", canonical_url=None, title="t", author=None,
                            published_at=None, language="en", site_name=None, description=None, tags=(),
                            body_text=body, word_count=len(body.split()), extractor_version="test")

    articles = (article(1, FLOOD), article(2, FLOOD[:3]), article(3, SCHOOL))
    with warehouse.open_warehouse(settings) as con:
        loaded = warehouse.load_batch(con, BatchResult(documents=(), articles=articles, rejects=()), "r1")
        counts = dedupe.dedupe_pending(con, settings, loaded.load_id, batch_size=2)
        assert (counts.articles, counts.near, counts.new_stories) == (3, 1, 2)
        assert dedupe.dedupe_pending(con, settings, loaded.load_id) == dedupe.DedupeCounts()


def test_the_original_is_the_copy_published_first_then_loaded_first_whichever_dedupe_runs_first(
        settings: Settings) -> None:
    """Two writers racing: the one that loaded its copy first may run its dedupe step last. And a backfill loads an
    article published before its copy already stored. Either way the link points at the copy `articles_unique`
    keeps, not at the one deduplicated first."""
    def article(number: int, paragraphs: tuple[str, ...], published: date | None = None) -> CleanArticle:
        body = "\n\n".join(paragraphs)
        return CleanArticle(article_id=f"{number:032x}", document_id=f"d{number}", source_uri=f"mem://{number}",
                            url=f"https://site{number}.example/a", canonical_url=None, title="t", author=None,
                            published_at=published, language="en", site_name=None, description=None, tags=(),
                            body_text=body, word_count=len(body.split()), extractor_version="test")

    def load(*articles: CleanArticle) -> str:
        return warehouse.load_batch(con, BatchResult(documents=(), articles=articles, rejects=()), "r").load_id

    with warehouse.open_warehouse(settings) as con:
        loaded_first, loaded_second = load(article(2, FLOOD)), load(article(1, FLOOD))  # undated exact copies
        dedupe.dedupe_articles(con, [f"{1:032x}"], settings, loaded_second)  # the later writer's step runs first
        dedupe.dedupe_articles(con, [f"{2:032x}"], settings, loaded_first)
        stored = load(article(4, SCHOOL, date(2024, 5, 3)))
        dedupe.dedupe_articles(con, [f"{4:032x}"], settings, stored)
        backfilled = load(article(3, SCHOOL, date(2024, 5, 1)))
        dedupe.dedupe_articles(con, [f"{3:032x}"], settings, backfilled)
    links = query(settings, "select article_id[-1:], duplicate_of[-1:], method from article_duplicates order by 1")
    assert links == [("1", "2", "exact"), ("4", "3", "exact")]
    assert query(settings, "select article_id[-1:] from articles_unique order by 1") == [("2",), ("3",)]


def test_containment_finds_a_short_article_inside_a_longer_one() -> None:
    brief = fingerprint(None, BRIEF_A[0]).shingles
    roundup = fingerprint(None, "\n\n".join((ROUNDUP_FILLER[0], *BRIEF_A, *SCHOOL))).shingles
    measured = similarity(brief, roundup)
    assert measured.containment == 1.0 and measured.jaccard < 0.3
    assert dedupe.is_near_duplicate(measured, Settings())
    unrelated = similarity(fingerprint(None, "\n\n".join(SCHOOL)).shingles,
                           fingerprint(None, "\n\n".join(MUSEUM)).shingles)
    assert unrelated.jaccard == 0 and not dedupe.is_near_duplicate(unrelated, Settings())


@pytest.mark.slow
def test_the_flow_reports_duplicates_per_method(tmp_path: Path, settings: Settings, prefect_home: Path) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest_files import ingest_files

    inputs = _story_inputs(tmp_path / "in")
    with prefect_test_harness(server_startup_timeout=120):
        totals = ingest_files([str(p) for p in inputs], str(settings.warehouse))
    # one batch: flood copy, and the roundup to each brief, by text; the tram mirror has the very same text
    assert (totals["duplicates_near"], totals["duplicates_exact"], totals["duplicates_url"]) == (3, 1, 0)
    assert totals["dedupe_articles"] == 9 and totals["stories_new"] == 5
    [(counts,)] = query(settings, "select counts from runs")
    assert json.loads(counts)["duplicates_near"] == totals["duplicates_near"]


def test_a_changed_text_is_forgotten_and_its_story_split_and_rejoined(tmp_path: Path, settings: Settings) -> None:
    """The roundup alone links the two briefs; once its text is the school story, the briefs part and the
    roundup joins the school story, exactly as a first load of the new text clusters them."""
    inputs = _story_inputs(tmp_path / "in")
    run_batches(inputs, settings, "run-1")
    roundup = "https://digest.example/morning"
    new_text = "\n\n".join((ROUNDUP_FILLER[0], *SCHOOL))
    with warehouse.open_warehouse(settings) as con:  # what `ingest reprocess` writes for a changed extraction
        con.execute("update articles set body_text = ? where url = ?", [new_text, roundup])
        [(roundup_id,)] = con.execute("select article_id from articles where url = ?", [roundup]).fetchall()
        counts = dedupe.rededupe_articles(con, [roundup_id], settings, "redo")
        assert dedupe.rededupe_articles(con, [roundup_id], settings, "redo-again") == dedupe.RededupeCounts()

    assert (counts.changed, counts.stories_before, counts.stories_after) == (1, 1, 3)
    by_url = stories_by_url(settings)
    assert by_url["https://citynews.example/ring-road"] != by_url["https://citynews.example/library"]
    assert by_url[roundup] == by_url["https://valleygazette.example/news/school-merger"]

    fresh = Settings(warehouse=tmp_path / "fresh.duckdb")
    rewritten = write(tmp_path / "roundup.jsonl",
                      (roundup, page("Morning briefing", (ROUNDUP_FILLER[0], *SCHOOL), site="Digest")))
    run_batches([*(i for i in inputs if i.stem != "roundup"), rewritten], fresh, "fresh")

    def partition(of: Settings) -> set[frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for url, story in stories_by_url(of).items():
            groups.setdefault(story, set()).add(url)
        return {frozenset(urls) for urls in groups.values()}

    assert partition(settings) == partition(fresh)


@pytest.mark.parametrize("batch_size", [1, 10])
def test_a_refetch_in_the_same_batch_loads_as_one_in_a_later_batch(tmp_path: Path, settings: Settings,
                                                                     batch_size: int) -> None:
    settings = settings.model_copy(update={"batch_size": batch_size})
    story = page("River rises", FLOOD)
    inputs = [write(tmp_path / "1.jsonl", (FLOOD_URL, story)),
              write(tmp_path / "2.jsonl", (FLOOD_URL, page("River rises", FLOOD, sidebar=("Traffic",))))]
    counts = run_batches(inputs, settings, "r1")
    assert counts["unchanged_refetches"] == 1 and counts["loaded_documents"] == 2
    assert [Path(r[0].split("#")[0]).name for r in query(settings, "select source_uri from articles")] == ["1.jsonl"]

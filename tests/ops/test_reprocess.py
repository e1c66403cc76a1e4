"""Reprocess: re-extraction from stored raw documents replaces articles in place and keeps the old rows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest import pipeline
from ingest.dedupe import match as dedupe
from ingest.entities.ner import Enricher
from ingest.extract.html import EXTRACTOR_VERSION
from ingest.ops import reprocess
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store
from tests.support.corpus import write_corpus
from tests.support.news_pages import TOPICS, write_articles
from tests.support.paths import SEED_ARTICLE
from tests.support.stories import FLOOD, FLOOD_COPY, FLOOD_URL, MUSEUM, SCHOOL, TRAM, page, write

OLD_VERSION = "ingest-0.0+old-extractor"


@pytest.fixture
def loaded(settings: Settings, tmp_path: Path) -> Settings:
    pipeline.run_batches([SEED_ARTICLE, *write_articles(tmp_path / "in", TOPICS[:3])], settings, "first-load")
    return settings


def _as_if_an_older_extractor_made(settings: Settings, where: str) -> None:
    """Rewrite rows the way an older extractor would have left them: another version, a worse title and body."""
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute(f"update articles set extractor_version = '{OLD_VERSION}', title = 'Untitled', "
                    f"body_text = left(body_text, 40), word_count = 7 where {where}")


def _query(settings: Settings, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_articles_from_an_older_extractor_are_replaced_and_the_old_rows_kept(loaded: Settings) -> None:
    _as_if_an_older_extractor_made(loaded, "title like 'News about%'")
    before = _query(loaded, "select article_id, ingested_at, document_id from articles order by article_id")

    totals = reprocess.reprocess(loaded, reprocess_id="reprocess-1")

    assert totals["replaced"] == 3 and totals["documents"] == 3  # the seed article was already current
    after = _query(loaded, "select article_id, ingested_at, document_id from articles order by article_id")
    assert after == before  # same ids, same first-ingest time, same documents: every link stays valid
    assert _query(loaded, "select distinct extractor_version from articles") == [(EXTRACTOR_VERSION,)]
    assert _query(loaded, "select count(*) from articles where title = 'Untitled'") == [(0,)]
    changes = _query(loaded, "select old_extractor_version, new_extractor_version, title_changed, body_changed, "
                             "word_count_change > 100 from reprocess_changes")
    assert changes == [(OLD_VERSION, EXTRACTOR_VERSION, True, True, True)] * 3
    assert _query(loaded, "select flow_name, status from runs where run_id = 'reprocess-1'") == [
        ("reprocess", "completed")]


def test_a_second_reprocess_finds_nothing_to_do_and_force_changes_nothing(loaded: Settings) -> None:
    _as_if_an_older_extractor_made(loaded, "true")
    reprocess.reprocess(loaded)
    snapshot = _query(loaded, "select * exclude (load_id) from articles order by article_id")

    assert reprocess.reprocess(loaded) == {}
    forced = reprocess.reprocess(loaded, force=True)

    assert forced["unchanged"] == forced["documents"] == 4 and forced["replaced"] == 0
    assert _query(loaded, "select * exclude (load_id) from articles order by article_id") == snapshot
    assert _query(loaded, "select count(*) from superseded_articles") == [(4,)]


def test_embeds_are_rebuilt_with_the_article(loaded: Settings) -> None:
    with duckdb.connect(str(loaded.warehouse)) as con:
        con.execute("delete from article_embeds")
    _as_if_an_older_extractor_made(loaded, "source_uri like '%.txt'")
    reprocess.reprocess(loaded)
    assert _query(loaded, "select platform, count(*) from article_embeds group by all") == [("twitter", 1)]


def test_a_document_the_new_rules_reject_keeps_its_article_and_records_why(loaded: Settings) -> None:
    stricter = loaded.model_copy(update={"min_body_words": 100_000})
    totals = reprocess.reprocess(stricter, force=True)
    assert totals["rejected_kept_previous"] == 4
    assert _query(loaded, "select count(*) from articles") == [(4,)]
    assert _query(loaded, "select stage, reason, count(*) from rejects group by all") == [("clean", "no_article", 4)]


def test_a_stored_document_without_an_article_gets_one(loaded: Settings) -> None:
    with duckdb.connect(str(loaded.warehouse)) as con:
        con.execute("delete from articles where title = 'News about the orchard'")
    totals = reprocess.reprocess(loaded)
    assert totals["new_articles"] == 1
    assert _query(loaded, "select count(*) from articles where title = 'News about the orchard'") == [(1,)]


def test_since_limits_the_work_to_documents_first_seen_on_or_after_the_date(loaded: Settings) -> None:
    _as_if_an_older_extractor_made(loaded, "true")
    assert reprocess.reprocess(loaded, since=date.today() + timedelta(days=1)) == {}
    assert reprocess.reprocess(loaded, since=date.today() - timedelta(days=1))["replaced"] == 4


def test_memory_is_bounded_by_batches_not_the_corpus(loaded: Settings) -> None:
    _as_if_an_older_extractor_made(loaded, "true")
    small = loaded.model_copy(update={"batch_size": 1})
    assert reprocess.reprocess(small)["replaced"] == 4
    with warehouse.open_warehouse(loaded, read_only=True) as con:
        loads = con.execute("select count(*) from loads where run_id like 'reprocess-%'").fetchone()
    assert loads == (4,)  # one transaction per batch of one


def test_replaced_articles_are_re_enriched_against_their_new_text(loaded: Settings) -> None:
    single = loaded.model_copy(update={"ner_processes": 1})
    with duckdb.connect(str(loaded.warehouse)) as con:
        con.execute(f"update articles set extractor_version = '{OLD_VERSION}', body_text = 'Old intro. ' || body_text")
    with Enricher(single) as enricher:
        with warehouse.open_warehouse(single) as con:  # the old text's entities, as the first load made them
            old = enricher.annotate(entity_store.articles_page(con, "", None, False, 100))
            entity_store.load_enrichment(con, old, "first-load", enricher.gazetteer)
        totals = reprocess.reprocess(single, after_batch=(reprocess.rededupe, reprocess.reenrich(enricher)))

    assert totals["replaced"] == 4 and totals["reenrich_mentions_loaded"] > 0
    bodies = dict(_query(loaded, "select article_id, body_text from articles"))
    mentions = _query(loaded, "select article_id, start_char, end_char, surface from entity_mentions "
                              "where field = 'body'")
    assert mentions and all(bodies[a][start:end] == surface for a, start, end, surface in mentions)
    assert _query(loaded, "select count(*) from entity_enrichment_status where status = 'not_enriched'") == [(0,)]


def test_the_reprocess_command(loaded: Settings) -> None:
    _as_if_an_older_extractor_made(loaded, "true")
    ingest = str(Path(sys.executable).with_name("ingest"))
    result = subprocess.run([ingest, "reprocess", "--since", date.today().isoformat(), "-w", str(loaded.warehouse)],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert "replaced" in result.stdout and "4" in result.stdout


STORY_PAGES = {
    "flood": (FLOOD_URL, page("Families told to leave as river rises", FLOOD)),
    "flood-copy": FLOOD_COPY,
    "tram": ("https://citynews.example/tram", page("Council approves tram extension", TRAM)),
    "mirror": ("https://mirror.example/tram-vote", page("Opinion | Council approves tram extension", TRAM,
                                                        site="Mirror", style=1)),
    "digest": ("https://digest.example/morning", page("Parents oppose school merger", SCHOOL, site="Digest")),
}
# What an older extractor made of two pages: the digest's text took in the flood and tram stories of its rail
# (linking those two stories through it), the mirror's text was the wrong block of the page
OLD_TEXTS = {"https://digest.example/morning": "\n\n".join((*FLOOD, *TRAM)),
             "https://mirror.example/tram-vote": "\n\n".join(MUSEUM)}
DEDUPE_TABLES = ("dedupe_fingerprints", "dedupe_bands", "dedupe_anchors", "article_duplicates", "article_stories",
                 "article_versions", "stories", "articles_unique")


def _story_inputs(root: Path) -> list[Path]:
    root.mkdir()
    return [write(root / f"{name}.jsonl", item) for name, item in STORY_PAGES.items()]


def _loaded_by_an_older_extractor(settings: Settings, inputs: list[Path]) -> None:
    """The warehouse as a first load by the older extractor leaves it: its texts, deduplicated from scratch."""
    pipeline.run_batches(inputs, settings, "old-load")
    with warehouse.open_warehouse(settings) as con:
        for url, body in OLD_TEXTS.items():
            con.execute("update articles set body_text = ?, extractor_version = ? where url = ?",
                        [body, OLD_VERSION, url])
        for table in ("dedupe_fingerprints", "dedupe_bands", "dedupe_anchors", "dedupe_common_anchors",
                      "article_duplicates", "article_stories", "article_versions"):
            con.execute(f"delete from {table}")
        dedupe.dedupe_pending(con, settings, "old-dedupe")


def _partition(settings: Settings) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for url, story in _query(settings, "select a.url, s.story_id from articles a join article_stories s "
                                       "using (article_id)"):
        groups.setdefault(str(story), set()).add(str(url))
    return {frozenset(urls) for urls in groups.values()}


def _links(settings: Settings) -> set[tuple[object, ...]]:
    return set(_query(settings, "select a.url, o.url, d.method from article_duplicates d join articles a "
                                "on a.article_id = d.article_id join articles o on o.article_id = d.duplicate_of"))


def _row_counts(settings: Settings) -> dict[str, object]:
    return {t: _query(settings, f"select count(*) from {t}")[0][0] for t in DEDUPE_TABLES}


def test_reprocess_splits_a_story_linked_only_through_a_changed_text(tmp_path: Path, settings: Settings) -> None:
    _loaded_by_an_older_extractor(settings, _story_inputs(tmp_path / "in"))
    flood, tram, mirror, digest = (STORY_PAGES[k][0] for k in ("flood", "tram", "mirror", "digest"))
    assert {flood, tram, digest, FLOOD_COPY[0]} in _partition(settings)  # one story through the digest
    assert [set(link[:2]) for link in _links(settings) if tram in link] == [{tram, digest}]

    totals = reprocess.reprocess(settings, after_batch=(reprocess.rededupe,))

    assert totals["replaced"] == 2 and totals["rededupe_changed"] == 2
    assert totals["rededupe_stories_before"] == 2 and totals["rededupe_stories_after"] == 3
    assert _partition(settings) == {frozenset({flood, FLOOD_COPY[0]}), frozenset({tram, mirror}),
                                    frozenset({digest})}
    assert not {link for link in _links(settings) if digest in link}
    assert _query(settings, "select count(*) from article_stories s join articles a using (article_id) "
                            "where s.story_id <> (select min(article_id) from article_stories t "
                            "where t.story_id = s.story_id)") == [(0,)]


def test_reprocess_gives_the_stories_of_a_first_load_of_the_new_texts(tmp_path: Path, settings: Settings) -> None:
    inputs = _story_inputs(tmp_path / "in")
    _loaded_by_an_older_extractor(settings, inputs)
    reprocess.reprocess(settings, after_batch=(reprocess.rededupe,))

    fresh = Settings(warehouse=tmp_path / "fresh.duckdb")
    pipeline.run_batches(inputs, fresh, "fresh-load")
    for sql in ("select article_id, story_id from article_stories order by all",
                "select article_id, duplicate_of, method from article_duplicates order by all",
                "select url_canonical, version, article_id, folded_text_hash from article_versions order by all",
                "select * exclude (first_seen_at) from stories order by all"):
        assert _query(settings, sql) == _query(fresh, sql), sql
    assert _row_counts(settings) == _row_counts(fresh)


def test_reprocessing_again_changes_no_dedupe_rows(tmp_path: Path, settings: Settings) -> None:
    _loaded_by_an_older_extractor(settings, _story_inputs(tmp_path / "in"))
    reprocess.reprocess(settings, after_batch=(reprocess.rededupe,))
    counts, partition, links = _row_counts(settings), _partition(settings), _links(settings)

    assert reprocess.reprocess(settings, after_batch=(reprocess.rededupe,)) == {}
    with duckdb.connect(str(settings.warehouse)) as con:  # a version bump that does not change the texts
        con.execute(f"update articles set extractor_version = '{OLD_VERSION}'")
    again = reprocess.reprocess(settings, after_batch=(reprocess.rededupe,))

    assert again["replaced"] == 5 and again["rededupe_changed"] == 0
    with warehouse.open_warehouse(settings) as con:
        ids = [row[0] for row in con.execute("select article_id from articles").fetchall()]
        assert dedupe.rededupe_articles(con, ids, settings, "again") == dedupe.RededupeCounts()
    assert (_row_counts(settings), _partition(settings), _links(settings)) == (counts, partition, links)


DIE_ON_SECOND_NER_BATCH = """
import os, signal, sys
from ingest.cli import app
from ingest.entities.ner import Enricher

calls = []
annotate = Enricher.annotate


def dying(self, inputs):
    calls.append(1)
    if len(calls) == 2:  # the second batch's NER: the first batch is done, the second in flight
        os.kill(os.getpid(), signal.SIGKILL)
    return annotate(self, inputs)


Enricher.annotate = dying
app(["reprocess", "-w", sys.argv[1]])
"""
MISPLACED_MENTIONS = ("select count(*) from entity_mentions m join articles a using (article_id) where "
                      "substring(case m.field when 'body' then a.body_text else a.title end, "
                      "m.start_char + 1, m.end_char - m.start_char) is distinct from m.surface")


def test_a_reprocess_killed_mid_batch_leaves_every_mention_on_its_text_and_a_rerun_finishes(
        settings: Settings, tmp_path: Path) -> None:
    pipeline.run_batches(write_corpus(tmp_path / "in", stories=4, seed=5), settings, "first-load")  # names galore
    loaded = settings
    single = loaded.model_copy(update={"ner_processes": 1, "batch_size": 1})
    with duckdb.connect(str(loaded.warehouse)) as con:  # every offset moves in the new text
        con.execute(f"update articles set extractor_version = '{OLD_VERSION}', body_text = 'Old intro. ' || body_text")
    with Enricher(single) as enricher, warehouse.open_warehouse(single) as con:
        old = enricher.annotate(entity_store.articles_page(con, "", None, False, 100))
        entity_store.load_enrichment(con, old, "first-load", enricher.gazetteer)
    assert _query(loaded, "select count(*) from entity_mentions")[0][0] > 0

    env = {**os.environ, "INGEST_BATCH_SIZE": "1", "INGEST_NER_PROCESSES": "1"}
    killed = subprocess.run([sys.executable, "-c", DIE_ON_SECOND_NER_BATCH, str(loaded.warehouse)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    versions = dict(_query(loaded, "select extractor_version, count(*) from articles group by all"))
    assert versions[EXTRACTOR_VERSION] >= 1 and versions[OLD_VERSION] >= 1  # it died part-way through
    assert _query(loaded, MISPLACED_MENTIONS) == [(0,)]

    again = subprocess.run([str(Path(sys.executable).with_name("ingest")), "reprocess", "-w", str(loaded.warehouse)],
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _query(loaded, "select distinct extractor_version from articles") == [(EXTRACTOR_VERSION,)]
    assert _query(loaded, MISPLACED_MENTIONS) == [(0,)]
    assert _query(loaded, "select count(*) from entity_mentions")[0][0] > 0
    assert _query(loaded, "select count(*) from articles a anti join dedupe_fingerprints using (article_id)") == [(0,)]
    assert _query(loaded, "select count(*) from entity_enrichment_status where status = 'not_enriched'") == [(0,)]


def test_reprocess_takes_the_batch_path_time_limit_and_writer_guard(settings: Settings, tmp_path: Path) -> None:
    from ingest.warehouse.writer_lock import WarehouseBusy, guard_for

    huge = tmp_path / "in" / "huge.html"
    huge.parent.mkdir()
    # about 25 s of extraction here against well under a second for the seed page, even on a loaded machine
    huge.write_text("<html><body><article>" + "<p>Word and word again here.</p>" * 200_000 + "</article></body></html>")
    limited = settings.model_copy(update={"extract_timeout_seconds": 8.0, "ner_processes": 1})
    first = pipeline.run_batches([SEED_ARTICLE, huge], limited, "first-load")
    assert first["rejected:extract:timeout"] == 1 and first["loaded_articles"] == 1

    totals = reprocess.reprocess(limited, force=True)  # the stored page again, on a worker, under the limit
    assert totals["still_rejected"] == 1 and totals["unchanged"] == 1
    assert _query(limited, "select stage, reason from rejects") == [("extract", "timeout")]

    impatient = limited.model_copy(update={"writer_timeout_seconds": 0.3})
    with guard_for(limited.warehouse).hold("another-run", 1.0), pytest.raises(WarehouseBusy):
        reprocess.reprocess(impatient, force=True)  # its writes wait for the writer guard like a run's

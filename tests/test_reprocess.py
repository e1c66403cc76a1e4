"""Reprocess: re-extraction from stored raw documents replaces articles in place and keeps the old rows."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest import entity_store, pipeline, reprocess, warehouse
from ingest.entities import Enricher
from ingest.extract import EXTRACTOR_VERSION
from ingest.settings import Settings
from tests.conftest import SEED_ARTICLE
from tests.news_pages import TOPICS, write_articles

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
        totals = reprocess.reprocess(single, after_batch=(reprocess.dedupe_new_articles, reprocess.reenrich(enricher)))

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

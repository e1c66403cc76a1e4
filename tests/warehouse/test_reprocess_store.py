"""The warehouse side of reprocessing: targets page through stored documents; a replacement keeps the old row."""

from __future__ import annotations

from ingest.extract.workers import extract_and_clean
from ingest.models import BatchResult, CleanArticle, RawDocument
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import reprocess_store
from tests.support.pages import article_html


def test_targets_page_through_documents_and_a_replacement_keeps_the_previous_row(settings: Settings) -> None:
    documents = [RawDocument(source_uri=f"page{n}.html", media_type="text/html",
                             content=article_html(title=f"Story {n}").replace("tram", f"tram {n}").encode())
                 for n in range(3)]
    articles = [extract_and_clean(d, settings) for d in documents]
    assert all(isinstance(a, CleanArticle) for a in articles)
    first = articles[0]
    assert isinstance(first, CleanArticle)
    with warehouse.open_warehouse(settings) as con:
        warehouse.load_batch(con, BatchResult(documents=tuple(documents), articles=tuple(articles),  # type: ignore[arg-type]
                                              rejects=()), "first-run")
        page = reprocess_store.target_rows(con, ("", ""), None, True, first.extractor_version, 2)
        rest = reprocess_store.target_rows(con, (page[-1][0], page[-1][1]), None, True, first.extractor_version, 10)
        assert len(page) == 2 and len(rest) == 1 and page[-1][:2] < rest[0][:2]
        assert reprocess_store.target_rows(con, ("", ""), None, False, first.extractor_version, 10) == []
        assert set(reprocess_store.current_articles(con, [first.article_id])) == {first.article_id}

        better = first.model_copy(update={"title": "A better title"})
        tables = warehouse.batch_tables(BatchResult(documents=(), articles=(better,), rejects=()), "re-1", "load-2")
        with warehouse.transaction(con):
            reprocess_store.archive_and_update(con, tables["articles"], [first.article_id], "re-1", "load-2")
            reprocess_store.record_load(con, "load-2", "re-1", 1, 0, 0)
        assert con.execute("select title, load_id from articles where article_id = ?",
                           [first.article_id]).fetchall() == [("A better title", "load-2")]
        assert con.execute("select title, reprocess_id from superseded_articles").fetchall() == [(first.title, "re-1")]
        assert con.execute("select run_id, articles from loads where load_id = 'load-2'").fetchall() == [("re-1", 1)]

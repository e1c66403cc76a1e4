"""Data-quality figures' warehouse side on a real DuckDB file: measured, recorded, read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingest.models import BatchResult, CleanArticle, Reject
from ingest.ops.quality import METRICS
from ingest.warehouse import connection as warehouse
from ingest.warehouse import quality_store as store

T0 = datetime(2025, 3, 1, 12, 0)


def _article(article_id: str, author: str | None) -> CleanArticle:
    return CleanArticle(article_id=article_id, document_id=f"d-{article_id}", source_uri=f"mem://{article_id}",
                        url=None, canonical_url=None, title="t", author=author, published_at=None, language="en",
                        site_name=None, description=None, tags=(), body_text="one two three", word_count=3,
                        extractor_version="test")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        warehouse.migrate(connection)
        yield connection


def test_every_figure_is_measured_over_the_articles_the_run_loaded(con: duckdb.DuckDBPyConnection) -> None:
    batch = BatchResult(documents=(), articles=(_article("a", "Ann"), _article("b", None)),
                        rejects=(Reject(input="x.html", stage="extract", reason="no_article"),))
    warehouse.load_batch(con, batch, "run-1")
    values = {m.name: store.measure(con, m.query, "run-1") for m in METRICS}
    assert values["articles"] == 2 and values["author_share"] == 0.5 and values["median_words"] == 3
    assert values["reject_share"] == pytest.approx(1 / 3) and values["duplicate_rate"] == 0
    assert values["entities_per_article"] is None  # none enriched
    assert store.measure(con, "quality/metric_author_share", "another-run") is None
    assert store.measure(con, "quality/metric_articles", "another-run") == 0


def test_figures_are_replaced_and_read_back_by_series(con: duckdb.DuckDBPyConnection) -> None:
    for n in range(4):
        store.record(con, f"r{n}", [(f"r{n}", "inbox", "articles", float(n), T0 + timedelta(hours=n), "l")])
    store.record(con, "r3", [("r3", "inbox", "articles", 30.0, T0 + timedelta(hours=3), "l"),
                             ("r3", "inbox", "author_share", None, T0 + timedelta(hours=3), "l")])
    assert store.run_figures(con, "r3") == {"articles": 30.0, "author_share": None}
    assert store.latest_runs(con) == [("inbox", "r3", T0 + timedelta(hours=3))]
    assert store.history(con, "inbox", "r3", runs=2) == {"articles": [2.0, 1.0]}
    assert store.history(con, "inbox", "r3", runs=9, before=T0 + timedelta(hours=2)) == {"articles": [1.0, 0.0]}
    store.record(con, "r3", [])
    assert store.run_figures(con, "r3") == {}


def test_a_failing_record_keeps_the_figures_it_would_replace(con: duckdb.DuckDBPyConnection) -> None:
    store.record(con, "r1", [("r1", "inbox", "articles", 1.0, T0, "l")])
    with pytest.raises(duckdb.Error):  # a second row for one (run_id, metric) breaks the primary key
        store.record(con, "r1", [("r1", "inbox", "articles", 2.0, T0, "l"), ("r1", "inbox", "articles", 3.0, T0, "l")])
    assert store.run_figures(con, "r1") == {"articles": 1.0}


def test_tables_runs_and_rows_are_listed(con: duckdb.DuckDBPyConnection) -> None:
    assert {"runs", "run_quality", "source_health"} <= store.existing_tables(con)
    warehouse.start_run(con, "run-1", None, "ingest-files", ["inbox"])
    columns, rows = store.recent_runs(con, 5)
    assert columns[:2] == ["run_id", "flow_name"] and [r[:2] for r in rows] == [("run-1", "ingest-files")]
    columns, rows = store.relation_rows(con, "runs", 1)
    assert "status" in columns and len(rows) == 1

"""The search-index refresh a loading run ends with, in a flow of this process: new articles are indexed, a
refresh with nothing new changes nothing, and a warehouse that cannot be read is counted and logged, never a
failed run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from prefect import flow

from flows.search_index import refresh_search_index
from ingest import pipeline
from ingest.settings import Settings
from tests.support.news_pages import TOPICS, write_articles

pytestmark = pytest.mark.usefixtures("prefect_harness")


@flow(name="search-index-probe")
def _refresh(settings: Settings) -> Counter[str]:
    return refresh_search_index(settings)


def test_articles_missing_from_the_index_are_indexed_and_a_current_index_is_left_alone(settings: Settings,
                                                                                       tmp_path: Path) -> None:
    pipeline.run_batches(write_articles(tmp_path / "pages", TOPICS[:3]), settings, "run-1")
    assert _refresh(settings) == Counter()  # the batch path refreshed it already: nothing to report
    index = settings.warehouse.with_suffix(".search.duckdb")  # the index file beside the warehouse
    assert index.is_file()
    index.unlink()  # lost (or never built): every article is missing from it
    assert _refresh(settings) == Counter({"search_indexed_articles": 3, "search_index_updates": 3})
    assert _refresh(settings) == Counter()


def test_an_unreadable_warehouse_is_counted_and_logged_not_raised(tmp_path: Path,
                                                                 corrupted_warehouse: Callable[[Path], Path],
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(warehouse=corrupted_warehouse(tmp_path), lock_timeout_seconds=1.0)
    with caplog.at_level("ERROR"):
        assert _refresh(settings) == Counter({"search_index_failed": 1})
    assert [r for r in caplog.records if r.getMessage().startswith("search index not refreshed: ")]

"""The Prefect side of enrichment: ingest-files enriches each batch it loads, enrich-articles re-runs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.support.paths import SEED_ARTICLE


@pytest.mark.slow
def test_flows_enrich_each_load_and_a_re_run_changes_no_counts(prefect_home: Path, settings: Settings,
                                                               table_counts: Callable[..., dict[str, int]]) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from flows.enrich import enrich_articles
    from flows.ingest_files import ingest_files

    with prefect_test_harness(server_startup_timeout=120):
        totals = ingest_files([str(SEED_ARTICLE)], str(settings.warehouse))
        assert totals["enriched_articles"] == 1 and totals["mentions_loaded"] > 20
        before = table_counts(settings)
        assert before["entity_mentions"] == totals["mentions_loaded"]
        again = enrich_articles(str(settings.warehouse))
        assert again["enriched_articles"] == 1 and again["entities_new"] == 0
        assert table_counts(settings) == before
        assert enrich_articles(str(settings.warehouse), stale_only=True).get("enriched_articles", 0) == 0

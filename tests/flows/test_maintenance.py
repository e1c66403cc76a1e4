"""The maintenance flow called in-process against a temporary Prefect server: upkeep under the writer lock, then
the analyst tables exported as Parquet that reads back to the warehouse's rows, with an artifact naming them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.maintenance import EXPORT_ARTIFACT_KEY, maintenance_flow
from ingest import pipeline
from ingest.settings import Settings
from tests.support.news_pages import TOPICS, write_articles

pytestmark = pytest.mark.usefixtures("prefect_harness")


async def _artifact_tables(key: str) -> list[object]:
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return [a.data for a in found]


def test_the_flow_keeps_the_rows_and_exports_every_article(settings: Settings, tmp_path: Path) -> None:
    pipeline.run_batches(write_articles(tmp_path / "pages", TOPICS[:4]), settings, "run-1")
    out = tmp_path / "export"
    summary = maintenance_flow(str(settings.warehouse), str(out))
    assert int(summary["bytes_after"]) > 0 and int(summary["bytes_before"]) > 0  # type: ignore[call-overload]
    exported = summary["exported"]
    assert isinstance(exported, dict) and exported["articles"] == 4
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (4,)  # upkeep lost nothing
        from_parquet = con.execute(f"select count(*), count(distinct article_id) from read_parquet("
                                   f"'{out}/articles/**/*.parquet', hive_partitioning = true)").fetchone()
    assert from_parquet == (4, 4)
    tables = asyncio.run(_artifact_tables(EXPORT_ARTIFACT_KEY))
    assert any('"articles"' in str(t).replace("'", '"') for t in tables)


def test_without_export_the_flow_only_keeps_the_warehouse(settings: Settings, tmp_path: Path) -> None:
    pipeline.run_batches(write_articles(tmp_path / "pages", TOPICS[4:6]), settings, "run-1")
    summary = maintenance_flow(str(settings.warehouse), str(tmp_path / "export"), run_export=False)
    assert "exported" not in summary and set(summary) == {"bytes_before", "bytes_after", "seconds"}
    assert not (tmp_path / "export").exists()

"""The Prefect flow against a real (temporary) Prefect server: runs table, counts artifact, idempotency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.testing.utilities import prefect_test_harness

from flows.ingest_files import COUNTS_ARTIFACT_KEY, ingest_files
from ingest import pipeline
from ingest.read.files import read_inputs
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.corpus import write_corpus
from tests.support.paths import SEEDS


@pytest.fixture(scope="module")
def prefect_server(prefect_home: Path) -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


async def _artifacts(key: str) -> list[dict[str, object]]:
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return [{"flow_run_id": str(a.flow_run_id), "data": a.data} for a in found]


def test_flow_loads_the_seeds_records_the_run_and_publishes_counts(prefect_server: None, settings: Settings) -> None:
    totals = ingest_files([str(SEEDS)], str(settings.warehouse))
    assert totals["loaded_articles"] == 1 and totals["embeds"] == 1

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        run = con.execute("select flow_run_id, status, counts from runs").fetchall()
        load_ids = con.execute("select count(distinct load_id) from articles").fetchone()
    assert len(run) == 1 and run[0][1] == "completed" and run[0][0]
    assert '"loaded_articles": 1' in run[0][2]
    assert load_ids == (1,)

    artifacts = asyncio.run(_artifacts(COUNTS_ARTIFACT_KEY))
    mine = [a for a in artifacts if a["flow_run_id"] == run[0][0]]
    assert len(mine) == 1
    assert '"counter": "loaded_articles", "count": 1' in str(mine[0]["data"]).replace("'", '"')


def test_second_flow_run_over_the_same_inputs_loads_nothing(prefect_server: None, settings: Settings) -> None:
    ingest_files([str(SEEDS)], str(settings.warehouse))
    again = ingest_files([str(SEEDS)], str(settings.warehouse))
    assert again["loaded_articles"] == 0 and again["already_loaded"] == 1
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (1,)
        assert con.execute("select count(*) from runs where status = 'completed'").fetchone() == (2,)


def test_a_run_finishes_what_a_killed_run_left_and_ends_as_a_run_never_killed(
    prefect_server: None, settings: Settings, tmp_path: Path, differences: Callable[..., dict[str, str]],
    snapshot: Callable[..., dict[str, list[tuple[object, ...]]]],
) -> None:
    corpus = tmp_path / "corpus"
    paths = write_corpus(corpus, stories=5, seed=3)
    clean = settings.model_copy(update={"warehouse": tmp_path / "clean.duckdb"})
    ingest_files([str(corpus)], str(clean.warehouse), batch_size=3)

    # a run killed right after loading its first batch: articles committed, neither deduplicated nor enriched
    items = list(read_inputs([str(p) for p in paths[:3]], settings))
    with warehouse.open_warehouse(settings) as con:
        warehouse.start_run(con, "killed", None, "ingest-files", [str(corpus)])
        pipeline.load_new(con, pipeline.transform(items, settings, set()), "killed")
        con.execute("update runs set pid = 2147483647, process_started = null")  # a pid no process has
    totals = ingest_files([str(corpus)], str(settings.warehouse), batch_size=3)

    assert totals["already_loaded"] == 3 and totals["resumed_dedupe_articles"] == 3
    assert totals["resumed_enrich_articles"] == 3
    assert differences(snapshot(clean.warehouse), snapshot(settings.warehouse)) == {}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select status from runs where run_id = 'killed'").fetchone() == ("crashed",)


def test_each_batch_of_a_flow_run_opens_the_warehouse_once(prefect_server: None, settings: Settings,
                                                           tmp_path: Path) -> None:
    from tests.support.news_pages import TOPICS, write_articles

    def opens_of_a_run(batches: int) -> int:
        corpus = tmp_path / f"{batches}-batches"
        write_articles(corpus, TOPICS[:2 * batches])
        path = tmp_path / f"{batches}-batches.duckdb"
        before = warehouse.opens_of(path)
        totals = ingest_files([str(corpus)], str(path), batch_size=2)
        assert totals["loaded_articles"] == 2 * batches
        return warehouse.opens_of(path) - before

    assert opens_of_a_run(5) - opens_of_a_run(2) == 3  # three more batches, three more opens

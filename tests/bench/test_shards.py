"""The shards bench's own checks: a configuration that ends with other articles than the one process fails the
bench, and a lake configuration writes a new lake on the cluster. (The timings are figures, never asserted on.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.shards import check_counts, lake_target
from ingest.settings import Settings
from ingest.warehouse import lake
from tests.support.lakes import Cluster


def test_a_configuration_that_ends_with_other_articles_than_the_one_process_fails_the_bench() -> None:
    rows: list[dict[str, object]] = [{"mode": "one process", "articles": 24},
                                     {"mode": "lake, 2 workers", "articles": 24},
                                     {"mode": "lake, 3 workers", "articles": 23}]
    check_counts(rows[:2])
    with pytest.raises(SystemExit, match="lake, 3 workers: 23"):
        check_counts(rows)


def test_a_lake_target_is_a_new_lake_on_the_cluster_with_its_own_data_directory(
        postgres: Cluster, tmp_path: Path) -> None:
    one, two = lake_target(postgres, tmp_path, "shards-1"), lake_target(postgres, tmp_path, "shards-2")
    assert lake.is_lake(one.warehouse) and one.warehouse != two.warehouse
    assert one.env["INGEST_LAKE_DATA_PATH"] != two.env["INGEST_LAKE_DATA_PATH"]
    settings = Settings(warehouse=Path(one.warehouse), lake_data_path=Path(one.env["INGEST_LAKE_DATA_PATH"]))
    assert not lake.exists(settings)  # an empty catalog database, nothing created in it yet

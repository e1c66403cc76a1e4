"""The dedupe scale bench's lake copies: a catalog copied at a size holds that size's articles, and a probe leaves
the shared data directory as it found it. (The timings themselves are figures, never asserted on.)"""

from __future__ import annotations

from pathlib import Path

from bench.dedupe_scale import Corpus, LakeWarehouses, build, measure, probe_batch
from ingest.warehouse import connection as warehouse
from tests.support.lakes import Cluster


def test_a_lake_kept_at_each_size_holds_that_size_and_a_probe_leaves_no_file_behind(
        postgres: Cluster, tmp_path: Path) -> None:
    warehouses = LakeWarehouses(postgres, tmp_path)
    corpus = Corpus(seed=3)
    build(warehouses, corpus, [30, 80])
    files = set(warehouses.data.rglob("*"))
    batch = probe_batch(corpus, 10**6, 10, 30, seed=0)  # two of the ten are edited copies of loaded articles

    small, large = measure(warehouses, 30, batch), measure(warehouses, 80, batch)  # each checks its copy's size

    assert small.links == large.links >= 2
    assert set(warehouses.data.rglob("*")) == files
    with warehouses.probe(80) as settings, warehouse.open_warehouse(settings, read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchall() == [(80,)]

"""The dedupe scale bench's lake copies: a catalog copied at a size holds that size's articles (the first ones
loaded through the stages, the rest written as synthetic rows), and a probe leaves the shared data directory as it
found it. (The timings themselves are figures, never asserted on.)"""

from __future__ import annotations

from pathlib import Path

from bench.dedupe_scale import Corpus, LakeWarehouses, build, measure, probe_batch
from ingest.warehouse import connection as warehouse
from tests.support.lakes import Cluster


def test_a_lake_kept_at_each_size_holds_that_size_and_a_probe_leaves_no_file_behind(
        postgres: Cluster, tmp_path: Path) -> None:
    warehouses = LakeWarehouses(postgres, tmp_path)
    corpus = Corpus(seed=3)
    build(warehouses, corpus, [30, 80], real=30)  # 50 of the 80 are synthetic rows (bench.dedupe_scale.Filler)
    files = set(warehouses.data.rglob("*"))
    batch = probe_batch(corpus, 10**6, 10, 30, seed=0)  # two of the ten are edited copies of loaded articles

    # Each checks its copy's size; the second also times its statements by name (`--profile`).
    small, large = measure(warehouses, 30, batch, profile=False), measure(warehouses, 80, batch, profile=True)

    assert small.links == large.links >= 2
    assert small.statements == {} and any(name.startswith("dedupe/") for name in large.statements)
    # ... and how far each raised the process's peak RSS: never below zero, together no more than the whole peak
    assert small.statement_peaks == {} and large.statement_peaks.keys() == large.statements.keys()
    assert min(large.statement_peaks.values()) >= 0 and sum(large.statement_peaks.values()) <= large.peak_rss_mb
    assert small.peak_rss_mb > 0 and large.peak_rss_mb > 0  # read in the probe's own process
    assert set(warehouses.data.rglob("*")) == files
    with warehouses.probe(80) as settings, warehouse.open_warehouse(settings, read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchall() == [(80,)]

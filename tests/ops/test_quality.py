"""Data-quality figures from real loads: measured per run, compared with the series' last runs, flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import pipeline
from ingest.ops import quality
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.news_pages import TOPICS, write_articles


def _run(settings: Settings, run_id: str, inputs: list[Path], series: str = "inbox") -> quality.QualityReport:
    """Load like a run does, then assess and record the run's figures."""
    pipeline.run_batches([str(p) for p in inputs], settings, run_id)
    with warehouse.open_warehouse(settings) as con:
        report = quality.assess(con, run_id, series)
        quality.record(con, report, warehouse.new_load_id())
    return report


def _batch(tmp_path: Path, name: str, topics: tuple[str, ...], author: str | None = "Ana Lima") -> list[Path]:
    return write_articles(tmp_path / name, topics, author=author)


def test_figures_describe_the_articles_the_run_loaded(settings: Settings, tmp_path: Path) -> None:
    inputs = _batch(tmp_path, "a", TOPICS[:3]) + _batch(tmp_path, "b", TOPICS[3:4], author=None)
    (tmp_path / "b" / "junk.html").write_bytes(b"\0\1" * 50)
    report = _run(settings, "run-1", [*inputs, tmp_path / "b" / "junk.html"])
    assert report.value("articles") == 4
    assert report.value("author_share") == 0.75
    assert report.value("date_share") == 1.0
    assert report.value("reject_share") == pytest.approx(1 / 5)
    median = report.value("median_words")
    assert median is not None and median > 100
    assert report.problems() == [] and "baseline not set yet" in report.verdict()
    assert "| share with author | 75.0% | - | 0 | no baseline yet |" in report.markdown()


def test_a_sudden_drop_is_flagged_against_the_mean_of_earlier_runs(settings: Settings, tmp_path: Path) -> None:
    for number in range(3):
        topics = TOPICS[number * 2:number * 2 + 2]
        assert _run(settings, f"run-{number}", _batch(tmp_path, f"ok{number}", topics)).problems() == []
    report = _run(settings, "run-bad", _batch(tmp_path, "bad", TOPICS[6:8], author=None))
    assert report.value("author_share") == 0.0
    assert report.problems() == ["share with author 0.0% vs 100.0% mean of last 3 runs"]
    message = report.state_message()
    assert message is not None and message.startswith("data quality looks off: share with author")
    assert "| share with author | 0.0% | 100.0% | 3 | **off** |" in report.markdown()


def test_a_run_with_no_articles_where_the_series_usually_has_many_is_flagged(settings: Settings,
                                                                            tmp_path: Path) -> None:
    for number in range(3):
        _run(settings, f"run-{number}", _batch(tmp_path, f"day{number}", TOPICS[number * 6:number * 6 + 6]))
    empty = _run(settings, "run-empty", [tmp_path / "day0"])  # everything there is loaded already
    assert empty.value("articles") == 0 and empty.value("author_share") is None
    assert empty.problems() == ["articles loaded 0 vs 6 mean of last 3 runs"]


def test_runs_of_another_series_are_not_a_baseline(settings: Settings, tmp_path: Path) -> None:
    for number in range(3):
        _run(settings, f"other-{number}", _batch(tmp_path, f"o{number}", TOPICS[number:number + 1]), series="other")
    report = _run(settings, "mine", _batch(tmp_path, "mine", TOPICS[5:6], author=None), series="mine")
    assert report.problems() == [] and all(f.history_runs == 0 for f in report.figures)


def test_latest_reports_reassess_the_last_recorded_run_of_each_series(settings: Settings, tmp_path: Path) -> None:
    for number in range(3):
        _run(settings, f"run-{number}", _batch(tmp_path, f"ok{number}", TOPICS[number:number + 1]))
    _run(settings, "run-bad", _batch(tmp_path, "bad", TOPICS[9:10], author=None))
    with warehouse.open_warehouse(settings, read_only=True) as con:
        summary = quality.status_summary(con)
    [report] = summary.reports
    assert report.run_id == "run-bad"
    assert summary.problems() == ["inbox: share with author 0.0% vs 100.0% mean of last 3 runs"]


def test_recording_a_run_twice_keeps_one_row_per_figure(settings: Settings, tmp_path: Path) -> None:
    report = _run(settings, "run-1", _batch(tmp_path, "a", TOPICS[:2]))
    with warehouse.open_warehouse(settings) as con:
        quality.record(con, report, warehouse.new_load_id())
        rows = con.execute("select count(*), count(distinct metric) from run_quality").fetchone()
    assert rows is not None and rows[0] == rows[1] == len(report.figures)


def test_stage_lines_group_counters_by_stage_in_pipeline_order() -> None:
    lines = quality.stage_lines({"loaded_articles": 2, "inputs": 3, "rejected:extract:binary_content": 1,
                                 "articles": 2, "duplicates_exact": 0})
    assert lines == ["read: inputs=3", "extract: rejected:extract:binary_content=1", "clean: articles=2",
                     "load: loaded_articles=2", "dedupe: duplicates_exact=0"]


def test_sources_whose_recent_fetches_mostly_fail_are_named() -> None:
    health: list[dict[str, object]] = [
        {"source_id": "dying", "recent_fetches": 10, "failure_rate": 0.8},
        {"source_id": "fine", "recent_fetches": 10, "failure_rate": 0.1},
        {"source_id": "new", "recent_fetches": 2, "failure_rate": 1.0},  # too few fetches to judge
        {"source_id": "never", "recent_fetches": 0, "failure_rate": None},
    ]
    assert quality.failing_sources(health) == ["source dying failing: 80% of its last 10 fetches"]


def test_the_counts_table_reads_in_stage_order_with_rejects_near_the_top() -> None:
    counts = {"entities_seen": 9, "loaded_articles": 2, "articles": 2, "duplicates_exact": 0, "inputs": 4,
              "rejected:extract:binary_content": 1, "rejected:read:empty": 1, "skipped:blank_line": 1,
              "embeds": 1, "loaded_rejects": 2}
    rows = quality.counts_rows(counts)
    assert [r["counter"] for r in rows] == [
        "inputs", "skipped:blank_line", "rejected:read:empty", "rejected:extract:binary_content", "articles",
        "embeds", "loaded_articles", "loaded_rejects", "duplicates_exact", "entities_seen"]
    assert rows[2] == {"stage": "read", "counter": "rejected:read:empty", "count": 1}


def test_the_counts_of_several_runs_sum_into_one_table_either_way_round() -> None:
    runs = {"shard 1/2": {"inputs": 3, "loaded_articles": 2}, "shard 2/2": {"inputs": 4, "rejected:read:empty": 1}}
    by_counter = quality.counts_by_counter(runs)
    assert [r["counter"] for r in by_counter] == ["inputs", "rejected:read:empty", "loaded_articles"]
    assert by_counter[0] == {"stage": "read", "counter": "inputs", "total": 7, "shard 1/2": 3, "shard 2/2": 4}
    assert by_counter[1]["shard 1/2"] == 0 and by_counter[1]["total"] == 1

    by_run = quality.counts_by_run(runs, "run")
    assert by_run == [
        {"run": "shard 1/2", "inputs": 3, "rejected:read:empty": 0, "loaded_articles": 2},
        {"run": "shard 2/2", "inputs": 4, "rejected:read:empty": 1, "loaded_articles": 0},
        {"run": "total", "inputs": 7, "rejected:read:empty": 1, "loaded_articles": 2}]
    assert quality.counts_by_run({}, "run") == [{"run": "total"}]


def test_a_mean_of_counts_prints_with_one_decimal_and_a_whole_count_without() -> None:
    articles = next(m for m in quality.METRICS if m.name == "articles")
    assert quality.format_value(articles, 22 / 3) == "7.3"
    assert quality.format_value(articles, 1200.0) == "1,200"


def test_the_series_of_a_run_over_listed_files_is_short_and_the_same_next_time(tmp_path: Path) -> None:
    first = [str(tmp_path / "in" / f"page-{i}.html") for i in range(40)]
    second = [str(tmp_path / "in" / "more" / "other.html"), str(tmp_path / "in" / "x.jsonl")]
    series = quality.series_for_paths("ingest-files", first)
    assert series == f"ingest-files:files in {tmp_path / 'in'}"
    assert quality.series_for_paths("ingest-files", second) == series
    assert quality.series_for_paths("ingest-files", [str(tmp_path / "in")]) == f"ingest-files:{tmp_path / 'in'}"

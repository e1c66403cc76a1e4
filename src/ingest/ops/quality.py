"""Data-quality figures per run, compared with the mean of earlier runs of the same series.

A "series" is a group of runs that should look alike (one inbox, one web source). Each figure is computed
over the articles the run loaded; a figure is flagged when it differs from the mean of the last runs of the
series by more than a factor (both ways), so a sudden drop in the share of dated articles or in body length
shows up as a message on the run rather than weeks later in an analyst's chart.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from ingest.models import utc_now
from ingest.warehouse import quality_store as store
from ingest.warehouse.quality_store import existing_tables  # ingest.warehouse.export imports it from here

DEFAULT_FACTOR = 2.0
DEFAULT_HISTORY = 7
# Below this many articles in a run's past, "fewer articles than usual" is noise, not a signal.
MIN_ARTICLE_BASELINE = 5.0
# A mean over fewer earlier runs than this is not a baseline yet: the first runs of a series flag nothing.
MIN_HISTORY_RUNS = 3

@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    query: str  # the statement that measures it (sql/queries/quality/): null when the run loaded no articles
    requires: tuple[str, ...] = ()  # tables that must exist for the figure to mean anything
    kind: str = "share"  # share, count or number: how the value is printed and judged
    low_side_only: bool = False


METRICS: tuple[Metric, ...] = (
    Metric("articles", "articles loaded", "quality/metric_articles", kind="count", low_side_only=True),
    Metric("reject_share", "share of new inputs rejected", "quality/metric_reject_share"),
    Metric("author_share", "share with author", "quality/metric_author_share"),
    Metric("date_share", "share with publication date", "quality/metric_date_share"),
    Metric("language_share", "share with language", "quality/metric_language_share"),
    Metric("median_words", "median body length (words)", "quality/metric_median_words", kind="number"),
    Metric("duplicate_rate", "duplicate rate", "quality/metric_duplicate_rate", requires=("article_duplicates",)),
    Metric("entities_per_article", "entities per enriched article", "quality/metric_entities_per_article",
           requires=("article_entities", "article_enrichment"), kind="number"),
)


@dataclass(frozen=True)
class Figure:
    metric: Metric
    value: float | None
    baseline: float | None  # mean over the earlier runs of the series
    history_runs: int
    flagged: bool

    @property
    def verdict(self) -> str:
        if self.flagged:
            return "**off**"
        if self.value is None:
            return "-"
        return "ok" if self.history_runs >= MIN_HISTORY_RUNS else "no baseline yet"

    def describe(self) -> str:
        return (f"{self.metric.label} {format_value(self.metric, self.value)} vs "
                f"{format_value(self.metric, self.baseline)} mean of last {self.history_runs} runs")


@dataclass(frozen=True)
class QualityReport:
    run_id: str
    series: str
    factor: float
    history: int
    figures: tuple[Figure, ...]

    def problems(self) -> list[str]:
        return [figure.describe() for figure in self.figures if figure.flagged]

    def state_message(self) -> str | None:
        problems = self.problems()
        return f"data quality looks off: {'; '.join(problems)}" if problems else None

    def verdict(self) -> str:
        """One line for the run's state message."""
        problem = self.state_message()
        if problem:
            return problem
        if not any(f.history_runs >= MIN_HISTORY_RUNS for f in self.figures):
            return f"data-quality baseline not set yet (fewer than {MIN_HISTORY_RUNS} earlier runs of the series)"
        return "no data-quality figure off"

    def value(self, name: str) -> float | None:
        return next((f.value for f in self.figures if f.metric.name == name), None)

    def markdown(self) -> str:
        lines = [
            f"### Data quality of run `{self.run_id}`",
            "",
            f"Series `{self.series}`; each figure compared with the mean of the last {self.history} runs of the "
            f"series, flagged when off by more than x{self.factor:g} (once {MIN_HISTORY_RUNS} earlier runs exist).",
            "",
            f"| figure | this run | mean of last {self.history} | runs | status |",
            "|---|---:|---:|---:|---|",
        ]
        for f in self.figures:
            lines.append(f"| {f.metric.label} | {format_value(f.metric, f.value)} | "
                         f"{format_value(f.metric, f.baseline)} | {f.history_runs} | {f.verdict} |")
        problems = self.problems()
        lines += ["", "**Problems:** " + "; ".join(problems) if problems else "No figure is off."]
        return "\n".join(lines) + "\n"


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.kind == "share":
        return f"{value:.1%}"
    if metric.kind == "count" and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"  # a mean of counts too: 7.3, never 7.33333


def available_metrics(con: duckdb.DuckDBPyConnection) -> tuple[Metric, ...]:
    tables = existing_tables(con)
    return tuple(m for m in METRICS if set(m.requires) <= tables)


def measure(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, float | None]:
    """Every available figure for the articles `run_id` loaded; shares are null when it loaded none."""
    return {metric.name: store.measure(con, metric.query, run_id) for metric in available_metrics(con)}


def is_off(metric: Metric, value: float | None, baseline: float | None, factor: float) -> bool:
    if value is None or baseline is None:
        return False
    if metric.kind == "count" and baseline < MIN_ARTICLE_BASELINE:
        return False
    if baseline == 0:
        return not metric.low_side_only and value > 0 and metric.kind != "count"
    too_low = value < baseline / factor
    too_high = value > baseline * factor
    return too_low or (too_high and not metric.low_side_only)


def compare(metrics: Sequence[Metric], values: dict[str, float | None], past: dict[str, list[float]],
            factor: float) -> tuple[Figure, ...]:
    figures = []
    for metric in metrics:
        earlier = past.get(metric.name, [])
        baseline = statistics.fmean(earlier) if earlier else None
        value = values.get(metric.name)
        off = len(earlier) >= MIN_HISTORY_RUNS and is_off(metric, value, baseline, factor)
        figures.append(Figure(metric, value, baseline, len(earlier), off))
    return tuple(figures)


def assess(con: duckdb.DuckDBPyConnection, run_id: str, series: str, factor: float = DEFAULT_FACTOR,
           runs: int = DEFAULT_HISTORY) -> QualityReport:
    """Measure the run and compare each figure with its series' recent mean. Reads only."""
    figures = compare(available_metrics(con), measure(con, run_id), store.history(con, series, run_id, runs), factor)
    return QualityReport(run_id, series, factor, runs, figures)


def record(con: duckdb.DuckDBPyConnection, report: QualityReport, load_id: str) -> None:
    """Store the run's figures so later runs compare against them; recording a run again replaces its rows."""
    now = utc_now()
    store.record(con, report.run_id,
                 [(report.run_id, report.series, f.metric.name, f.value, now, load_id) for f in report.figures])


def latest_reports(con: duckdb.DuckDBPyConnection, factor: float = DEFAULT_FACTOR,
                   runs: int = DEFAULT_HISTORY) -> list[QualityReport]:
    """The most recent recorded run of every series, compared with the runs recorded before it."""
    if "run_quality" not in existing_tables(con):
        return []
    reports = []
    for series, run_id, computed_at in store.latest_runs(con):
        stored = store.run_figures(con, run_id)
        metrics = [m for m in METRICS if m.name in stored]
        figures = compare(metrics, stored, store.history(con, series, run_id, runs, before=computed_at), factor)
        reports.append(QualityReport(run_id, series, factor, runs, figures))
    return reports


FAILING_SOURCE_RATE = 0.5
FAILING_SOURCE_MIN_FETCHES = 3


def failing_sources(health: Sequence[dict[str, object]], rate: float = FAILING_SOURCE_RATE,
                    min_fetches: int = FAILING_SOURCE_MIN_FETCHES) -> list[str]:
    """Sources of the `source_health` view whose recent fetches mostly fail, as one phrase each."""
    failing = []
    for row in health:
        fetches, failure_rate = row.get("recent_fetches"), row.get("failure_rate")
        if isinstance(fetches, int) and isinstance(failure_rate, int | float) and fetches >= min_fetches \
                and failure_rate >= rate:
            failing.append(f"source {row.get('source_id')} failing: {failure_rate:.0%} of its last {fetches} fetches")
    return failing


def table_rows(con: duckdb.DuckDBPyConnection, relation: str, limit: int = 200) -> list[dict[str, object]]:
    """Rows of a table or view as plain JSON-able dicts (for table artifacts and the terminal); [] if absent."""
    if relation not in existing_tables(con):
        return []
    return _plain_rows(*store.relation_rows(con, relation, limit))


def _plain_rows(columns: list[str], rows: list[tuple[object, ...]]) -> list[dict[str, object]]:
    return [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, object]]:
    if "runs" not in existing_tables(con):
        return []
    return _plain_rows(*store.recent_runs(con, limit))



_STAGE_OF_PREFIX = (("rejected:", None), ("skipped:", "read"), ("loaded_", "load"), ("dedupe_", "dedupe"),
                    ("duplicates_", "dedupe"), ("stories_", "dedupe"), ("versions_", "dedupe"),
                    ("enrich", "enrich"), ("entities", "enrich"), ("mentions", "enrich"), ("fetch", "fetch"))
_STAGE_OF_KEY = {"inputs": "read", "already_loaded": "read", "articles": "clean", "embeds": "clean"}
STAGE_ORDER = ("fetch", "read", "extract", "clean", "load", "dedupe", "enrich", "other")


def stage_of(key: str) -> str:
    """The stage a run counter belongs to: `rejected:extract:no_article` is extract, `loaded_articles` load."""
    if key in _STAGE_OF_KEY:
        return _STAGE_OF_KEY[key]
    for prefix, stage in _STAGE_OF_PREFIX:
        if key.startswith(prefix):
            return stage or (key.split(":")[1] if key.count(":") >= 2 else "other")
    return "other"


def _counter_rank(key: str) -> tuple[int, int, str]:
    """Where a counter sits in the run's counts table: inputs and skips, then every reject (by stage), then the
    other counters by pipeline stage. Rejects near the top, where an operator looks first."""
    stage = stage_of(key)
    stage_index = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER)
    if key == "inputs":
        return (0, 0, key)
    if key.startswith("skipped:") or key == "already_loaded":
        return (1, 0, key)
    if key.startswith("rejected:"):
        return (2, stage_index, key)
    return (3, stage_index, key)


def counts_rows(counts: dict[str, int]) -> list[dict[str, object]]:
    """The run's counters as table rows in reading order (see `_counter_rank`), with the stage of each."""
    return [{"stage": stage_of(key), "counter": key, "count": int(value)}
            for key, value in sorted(counts.items(), key=lambda item: _counter_rank(item[0]))]


def counts_by_counter(children: Mapping[str, Mapping[str, int]]) -> list[dict[str, object]]:
    """The counts of several runs (each under its label) as one table: a row per counter in reading order, with
    the total and then one column per run. For a few runs side by side (the shards of a sharded run)."""
    total = Counter[str]()
    for counts in children.values():
        total.update(counts)
    return [{"stage": row["stage"], "counter": row["counter"], "total": row["count"],
             **{label: int(counts.get(str(row["counter"]), 0)) for label, counts in children.items()}}
            for row in counts_rows(dict(total))]


def counts_by_run(children: Mapping[str, Mapping[str, int]], first_column: str) -> list[dict[str, object]]:
    """The counts of several runs as one table: a row per run (its label in `first_column`), a column per counter
    in reading order, and a last row `total`. For many runs (the intervals of a backfill)."""
    total = Counter[str]()
    for counts in children.values():
        total.update(counts)
    counters = [str(row["counter"]) for row in counts_rows(dict(total))]
    rows: list[dict[str, object]] = [{first_column: label, **{c: int(counts.get(c, 0)) for c in counters}}
                                     for label, counts in children.items()]
    return [*rows, {first_column: "total", **{c: total[c] for c in counters}}]


def series_for_paths(flow_name: str, paths: Sequence[str]) -> str:
    """The data-quality series of a run over local paths: short and the same from run to run. One path names
    itself; several name the directory they share, so a run given a list of files compares with the next list."""
    if len(paths) == 1:
        return f"{flow_name}:{paths[0]}"
    parents = [os.path.abspath(_literal_prefix(p)) for p in paths]
    return f"{flow_name}:files in {os.path.commonpath(parents)}" if parents else flow_name


def _literal_prefix(path: str) -> str:
    """The directory part of a path before any glob character (the directory a file or pattern lives in)."""
    head = path.split("*")[0].split("?")[0].split("[")[0]
    return os.path.dirname(head) or "."


def stage_lines(counts: dict[str, int]) -> list[str]:
    """One log line per stage with its counters, in pipeline order: never a line per document."""
    grouped: dict[str, list[str]] = {}
    for key, value in sorted(counts.items()):
        grouped.setdefault(stage_of(key), []).append(f"{key}={value}")
    order = [s for s in STAGE_ORDER if s in grouped] + sorted(set(grouped) - set(STAGE_ORDER))
    return [f"{stage}: {', '.join(grouped[stage])}" for stage in order]


@dataclass(frozen=True)
class StatusSummary:
    runs: list[dict[str, object]]
    reports: list[QualityReport]
    source_health: list[dict[str, object]]

    def problems(self) -> list[str]:
        return [f"{r.series}: {p}" for r in self.reports for p in r.problems()]


def status_summary(con: duckdb.DuckDBPyConnection, settings_factor: float = DEFAULT_FACTOR,
                   runs: int = DEFAULT_HISTORY, recent: int = 10) -> StatusSummary:
    """What `ingest status` prints: recent runs, each series' latest quality report, and source health."""
    return StatusSummary(recent_runs(con, recent), latest_reports(con, settings_factor, runs),
                         table_rows(con, "source_health"))

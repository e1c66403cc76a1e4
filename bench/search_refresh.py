"""What keeping the full-text search index current costs: the refresh at the end of a load, on a few thousand articles.

    .venv/bin/python bench/search_refresh.py [--copies 4] [--added 50] [--repeats 3]

A fresh warehouse holds the WCXB development articles (title and main text of the ground truth) `--copies` times,
each copy its own article (709 x 4 = 2836 by default). Measured, in the same run, each `--repeats` times (median):
  full      the index built from nothing (every article read from the warehouse, fts index built)
  added     the refresh after a load of `--added` new articles: only those are read from the warehouse, tokenised and
            added to a copy of the old index (ingest.warehouse.fts_index), which then replaces it
  unchanged the refresh after a run that loaded nothing: the keys are compared, nothing is written
Wall time and this process's CPU time (all its threads) are printed: on a shared machine the CPU time is the steadier.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import search

GROUND_TRUTH = Path(__file__).resolve().parents[2] / "shared" / "eval" / "wcxb-dev" / "ground-truth"


def _pages() -> list[tuple[str, str]]:
    pages = []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        truth = json.loads(path.read_text())["ground_truth"]
        if truth.get("main_content"):
            pages.append((truth.get("title") or path.stem, truth["main_content"]))
    return pages


def _articles(pages: list[tuple[str, str]], copies: range, load_id: str) -> pa.Table:
    now = datetime(2026, 1, 1)
    rows = [{"article_id": f"{copy:04}-{n:05}", "document_id": f"doc-{copy:04}-{n:05}", "url": None,
             "canonical_url": None, "source_uri": f"bench/{copy}/{n}", "title": title,
             "author": None, "published_at": date(2025, 1 + n % 12, 1 + copy % 28), "language": "en",
             "site_name": None, "description": None, "tags": [], "body_text": f"{body}\n(copy {copy})",
             "word_count": len(body.split()), "extractor_version": "bench", "ingested_at": now, "load_id": load_id}
            for copy in copies for n, (title, body) in enumerate(pages)]
    return pa.Table.from_pylist(rows)


def _load(settings: Settings, table: pa.Table) -> None:
    with warehouse.open_warehouse(settings) as con:
        warehouse.insert_new(con, "articles", table)


def _timed(settings: Settings) -> tuple[tuple[float, float], search.Refresh]:
    started, cpu = time.monotonic(), time.process_time()
    refresh = search.refresh_search_index(settings)
    return (time.monotonic() - started, time.process_time() - cpu), refresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--added", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not GROUND_TRUTH.is_dir():
        sys.exit(f"{GROUND_TRUTH} is absent: the shared evaluation sets are not on this machine")
    pages = _pages()
    results: dict[str, list[tuple[float, float]]] = {"full": [], "added": [], "unchanged": []}
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(warehouse=Path(scratch) / "bench.duckdb")
        _load(settings, _articles(pages, range(args.copies), "load-0"))
        for repeat in range(args.repeats):
            search.index_path(settings).unlink(missing_ok=True)
            seconds, full = _timed(settings)
            results["full"].append(seconds)
            extra = _articles(pages[: args.added], range(1000 + repeat, 1001 + repeat), f"load-{repeat + 1}")
            _load(settings, extra)
            seconds, added = _timed(settings)
            assert added.read == extra.num_rows, added
            results["added"].append(seconds)
            seconds, unchanged = _timed(settings)
            assert not unchanged.rebuilt
            results["unchanged"].append(seconds)
        size = search.index_path(settings).stat().st_size
        print(f"articles: {full.articles} (then +{args.added} per repeat); index file {size / 1e6:.1f} MB; "
              f"median of {args.repeats}")
        for name, values in results.items():
            wall, cpu = statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)
            runs = ", ".join(f"{v[0]:.2f}" for v in values)
            print(f"  {name:<9} wall {wall:6.2f} s  cpu {cpu:6.2f} s   (wall of each run: {runs})")


if __name__ == "__main__":
    main()

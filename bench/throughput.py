"""End-to-end throughput: the real pipeline (read, extract, clean, load into a fresh DuckDB) against a bare
`trafilatura.extract` loop over the same files, in the same run; our extract+clean stages alone in between, so the
stages' cost can be told from the load's.

    .venv/bin/python bench/throughput.py [--copies 4] [--limit N] [--profile pipeline|bare]

The WCXB development pages are written to a temporary directory `--copies` times, each copy with its own HTML
comment so that every file is a distinct document (709 pages x 4 = 2836 documents by default).
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench.` imports when run as a script

from bench.extraction_quality import page_ids  # noqa: E402
from ingest.extract.clean import clean  # noqa: E402
from ingest.extract.html import extract  # noqa: E402
from ingest.models import CleanArticle, RawDocument, Reject  # noqa: E402
from ingest.pipeline import run_batches  # noqa: E402
from ingest.settings import Settings  # noqa: E402

WCXB_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "wcxb-dev"
GOAL_RATIO = 1.3


def write_corpus(source: Path, target: Path, copies: int, limit: int | None) -> list[Path]:
    """Each page `copies` times, made distinct by a trailing comment; plain .html so both loops read the same."""
    files: list[Path] = []
    for page_id in page_ids(source)[:limit]:
        html = gzip.decompress((source / "html" / f"{page_id}.html.gz").read_bytes())
        for copy in range(copies):
            path = target / f"copy{copy}" / f"{page_id}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            # Each copy's paragraphs carry a copy mark: a different text, so no copy is an unchanged refetch of
            # another at the same declared canonical URL (those would load nothing) and every copy is loaded.
            marked = html.replace(b"<p>", f"<p>c{copy} ".encode()) if copy else html
            path.write_bytes(marked + f"\n<!-- throughput copy {copy} -->\n".encode())
            files.append(path)
    return files


def bare_loop(files: list[Path]) -> int:
    extracted = 0
    for path in files:
        if trafilatura.extract(path.read_bytes()):
            extracted += 1
    return extracted


def stages_loop(files: list[Path]) -> int:
    """Our extract and clean stages alone, on the same bytes: tells the stages' cost from the load's."""
    settings = Settings()
    articles = 0
    for path in files:
        document = RawDocument(source_uri=str(path), media_type="text/html", content=path.read_bytes())
        extracted = extract(document)
        if not isinstance(extracted, Reject) and isinstance(clean(extracted, settings), CleanArticle):
            articles += 1
    return articles


def pipeline_run(corpus: Path, warehouse: Path, workers: int) -> int:
    settings = Settings(warehouse=warehouse, lock_timeout_seconds=5.0, extraction_workers=workers)
    totals = run_batches([corpus], settings, run_id="throughput-bench")
    return int(totals.get("loaded_articles", 0))


def _cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine (/proc/stat): extraction workers are children of a fork server, not
    of this process, so only a machine-wide count sees them. Run it on a quiet machine."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    count: int


def timed(label: str, work: Callable[[], int], profile: bool) -> Timing:
    """Wall-clock seconds, and busy CPU seconds of the machine while the work ran."""
    profiler = cProfile.Profile() if profile else None
    started, started_cpu = time.perf_counter(), _cpu_seconds()
    if profiler:
        profiler.enable()
    count = work()
    if profiler:
        profiler.disable()
    timing = Timing(time.perf_counter() - started, _cpu_seconds() - started_cpu, count)
    if profiler:
        print(f"\n--- profile: {label} (cumulative, top 40) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=WCXB_DEV, help="WCXB split directory")
    parser.add_argument("--copies", type=int, default=4, help="copies of each page")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--profile", choices=("pipeline", "stages", "bare"), default=None,
                        help="cProfile one of the runs")
    args = parser.parse_args(argv)
    if not (args.data / "html").is_dir():
        print(f"no WCXB split at {args.data}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ingest-throughput-") as tmp:
        corpus = Path(tmp) / "corpus"
        files = write_corpus(args.data, corpus, args.copies, args.limit)
        print(f"{len(files)} documents ({args.copies} copies of {len(files) // args.copies} pages)")
        bare = timed("bare", lambda: bare_loop(files), args.profile == "bare")
        stages = timed("stages", lambda: stages_loop(files), args.profile == "stages")
        serial = timed("pipeline-1", lambda: pipeline_run(corpus, Path(tmp) / "one.duckdb", 1), False)
        pipe = timed("pipeline", lambda: pipeline_run(corpus, Path(tmp) / "two.duckdb", 2), args.profile == "pipeline")
    docs = len(files)
    print(f"{'':<38}{'wall s':>8}{'docs/s':>8}{'cpu s':>8}{'docs/cpu-s':>11}")
    for label, timing, what in (("bare trafilatura.extract loop", bare, "with text"),
                                ("extract+clean stages only", stages, "articles"),
                                ("pipeline, 1 extraction process", serial, "articles loaded"),
                                ("pipeline, 2 extraction processes", pipe, "articles loaded")):
        print(f"{label:<38}{timing.wall:>8.1f}{docs / timing.wall:>8.1f}{timing.cpu:>8.1f}{docs / timing.cpu:>11.1f}"
              f"  ({timing.count} {what})")
    wall_ratio = pipe.wall / bare.wall
    verdict = "within" if wall_ratio <= GOAL_RATIO else "over"
    print(f"time ratio pipeline (2 processes, as shipped) / bare loop: {wall_ratio:.2f}x wall "
          f"({verdict} the {GOAL_RATIO}x goal)")
    print(f"work ratio (machine cpu seconds): 1 process {serial.cpu / bare.cpu:.2f}x, "
          f"2 processes {pipe.cpu / bare.cpu:.2f}x; of which extract+clean stages {stages.cpu / bare.cpu:.2f}x, "
          f"read, load and dedupe {(serial.cpu - stages.cpu) / bare.cpu:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

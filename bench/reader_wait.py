"""How long does a reader (`ingest sql`, a notebook) wait for the warehouse while a run is loading?

A writer process runs the real batch path (`ingest.pipeline.run_batches`: the stages and warehouse windows of
`ingest run`, without Prefect): per batch one opening of the file under the writer guard, extraction and NER with
the file closed. Meanwhile this process opens the warehouse read-only again and again and times each wait:
- "tight": retrying every 10 ms, i.e. the time the file was really unavailable;
- "ingest sql": through `warehouse.connect(read_only=True)`, which retries every 0.5 s (what a user sees).

Prints the waits beside the writer's run time. Usage:
    python bench/reader_wait.py [--pages 600] [--batch-size 100]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ingest import pipeline
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse

ROOT = Path(__file__).resolve().parents[1]
WCXB = ROOT.parent / "shared" / "eval" / "wcxb-dev" / "html"


def inputs(pages: int, workdir: Path) -> list[Path]:
    if WCXB.is_dir():
        return sorted(WCXB.glob("*.html.gz"))[:pages]
    sys.path.insert(0, str(ROOT))
    from tests.support.news_pages import write_articles

    topics = tuple(f"topic{n}" for n in range(pages))
    return write_articles(workdir / "pages", topics)


def writer(paths: list[str], settings: Settings) -> None:
    """The run, as `ingest run` does it (NER included)."""
    pipeline.run_batches(paths, settings, "reader-wait-bench")


def tight_wait(path: Path) -> float:
    started = time.monotonic()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            time.sleep(0.01)
            continue
        waited = time.monotonic() - started
        con.execute("select count(*) from articles").fetchone()
        con.close()
        return waited


def cli_wait(settings: Settings) -> float:
    started = time.monotonic()
    con = warehouse.connect(settings, read_only=True)
    waited = time.monotonic() - started
    con.execute("select count(*) from articles").fetchone()
    con.close()
    return waited


def summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{label:<28} n={len(values):<5} median={statistics.median(values) * 1000:7.1f} ms  "
            f"p95={p95 * 1000:7.1f} ms  max={max(values) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="reader-wait-"))
    settings = Settings(warehouse=workdir / "news.duckdb", batch_size=args.batch_size, lock_timeout_seconds=600)
    warehouse.migrate_warehouse(settings)  # an existing (empty) warehouse, as a reader would find it
    paths = [str(p) for p in inputs(args.pages, workdir)]
    process = multiprocessing.get_context("spawn").Process(target=writer, args=(paths, settings))
    started = time.monotonic()
    process.start()
    tight: list[float] = []
    through_cli: list[float] = []
    while process.is_alive():
        tight.append(tight_wait(settings.warehouse))
        through_cli.append(cli_wait(settings))
        time.sleep(0.05)
    process.join()
    elapsed = time.monotonic() - started
    print(f"writer: {len(paths)} pages in batches of {args.batch_size}, {elapsed:.1f}s")
    print(summary("reader wait (10 ms retry)", tight))
    print(summary("reader wait (ingest sql)", through_cli))


if __name__ == "__main__":
    main()

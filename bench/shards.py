"""End-to-end time of `ingest run DIR --shards W` through W real Prefect process workers (W = 1, 2, 3) against one
`ingest run DIR` process, the same corpus, NER off, in one run: each into a new DuckDB file, all reporting to one
Prefect server this script starts (on SQLite, in a temporary directory) and stops.

    python bench/shards.py [--pages 300] [--workers 1 2 3] [--json bench/out/shards.json]

The sharded times include what sharding adds: the parent flow, the child deployment, the workers' pick-up and
each child's own process start and warehouse migration check. The workers start (and warm up) before the timer.
Every child writes the one DuckDB file under its writer lock, so the writes are serialised whatever W is; on
this 2-core machine the extraction of W children shares the same two cores, so W > 1 is not expected to be
faster here: the figures measure the overhead of distribution, not the speed-up of more machines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # `bench.`/`tests.` imports when run as a script

from bench.extraction_quality import page_ids  # noqa: E402
from tests.support.paths import BIN  # noqa: E402
from tests.support.prefect_server import (  # noqa: E402
    PrefectServer,
    create_process_pool,
    prefect_server,
    start_worker,
    stop_process,
    wait_until,
)

WCXB_DEV = REPO_ROOT.parent / "shared" / "eval" / "wcxb-dev"
DEFAULT_JSON = REPO_ROOT / "bench" / "out" / "shards.json"
POOL = "bench-shards"


def write_corpus(source: Path, target: Path, pages: int) -> int:
    target.mkdir(parents=True, exist_ok=True)
    ids = page_ids(source)[:pages]
    for page_id in ids:
        (target / f"{page_id}.html").write_bytes(gzip.decompress((source / "html" / f"{page_id}.html.gz").read_bytes()))
    return len(ids)


def timed_run(args: list[str], env: dict[str, str], log: Path) -> float:
    started = time.monotonic()
    with log.open("wb") as out:
        result = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=3600)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{log.read_text()[-3000:]}")
    return seconds


def articles_in(warehouse: Path, env: dict[str, str]) -> int:
    out = subprocess.run([str(BIN / "ingest"), "sql", "select count(*) as n from articles", "-w", str(warehouse),
                          "--format", "csv"], env=env, capture_output=True, text=True, check=True, timeout=120)
    return int(out.stdout.strip().splitlines()[-1])


def sharded(server: PrefectServer, corpus: Path, work: Path, workers: int, env: dict[str, str]) -> float:
    """Start `workers` workers, wait until the pool sees them, then time the sharded run; stop them."""
    with ExitStack() as stack:
        for number in range(workers):
            process = start_worker(server, POOL, f"bench-{workers}-{number}", work / f"worker-{workers}-{number}.log",
                                   INGEST_ENRICH="false")
            stack.callback(stop_process, process)
        with server.api() as api:
            wait_until(lambda: sum(w["status"] == "ONLINE" for w in api.post(
                f"/work_pools/{POOL}/workers/filter", json={}).json()) >= workers, 120, f"{workers} workers online")
        warehouse = work / f"shards-{workers}.duckdb"
        seconds = timed_run([str(BIN / "ingest"), "run", str(corpus), "--shards", str(workers), "--pool", POOL,
                             "--no-enrich", "-w", str(warehouse)], env, work / f"shards-{workers}.log")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp, prefect_server(Path(tmp) / "server") as server:
        work = Path(tmp)
        pages = write_corpus(WCXB_DEV, work / "corpus", options.pages)
        create_process_pool(server, POOL)
        env = server.client_env()
        results = [{"mode": "one process (ingest run, no workers)", "workers": 0,
                    "seconds": timed_run([str(BIN / "ingest"), "run", str(work / "corpus"), "--no-enrich", "-w",
                                          str(work / "one.duckdb")], env, work / "one.log"),
                    "articles": articles_in(work / "one.duckdb", env)}]
        for workers in options.workers:
            seconds = sharded(server, work / "corpus", work, workers, env)
            results.append({"mode": f"--shards {workers}, {workers} process workers", "workers": workers,
                            "seconds": seconds, "articles": articles_in(work / f"shards-{workers}.duckdb", env)})
    report(results, pages, options.json)


def report(results: list[dict[str, object]], pages: int, json_path: Path) -> None:
    base = float(results[0]["seconds"])  # type: ignore[arg-type]
    print(f"{pages} wcxb-dev pages, NER off, one DuckDB file each; 2-core machine")
    print(f"{'mode':44} {'seconds':>8} {'pages/s':>8} {'vs one process':>15} {'articles':>9}")
    for row in results:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        print(f"{row['mode']:44} {seconds:8.1f} {pages / seconds:8.1f} {base / seconds:14.2f}x {row['articles']:>9}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(), "pages": pages,
                                     "results": results}, indent=2))


if __name__ == "__main__":
    main()

"""End-to-end time of `ingest run DIR --shards W` through W real Prefect process workers (W = 1, 2, 3) against one
`ingest run DIR` process into a DuckDB file, the same corpus, NER off, in one run, all reporting to one Prefect
server this script starts (on SQLite, in a temporary directory) and stops. Each sharded run writes a new DuckDB
file, or with `--lake` a new DuckLake (its catalog a new database of a private PostgreSQL cluster started here,
its data a new directory). Every configuration must end with the one process's article count, or the script fails.

    python bench/shards.py [--pages 300] [--workers 1 2 3] [--lake] [--json bench/out/shards.json]

The sharded times include what sharding adds: the parent flow, the child deployment, the workers' pick-up and
each child's own process start and warehouse migration check. The workers start (and warm up) before the timer.
Every child writes a DuckDB file under its writer lock, and a lake under its lake-wide lock (each batch's write
window whole: see README "One writer, many readers"), so the writes are serialised whatever W is; on this 2-core
machine the extraction of W children shares the same two cores, so W > 1 is not expected to be faster here: the
figures measure the overhead of distribution (and of the lake), not the speed-up of more machines.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # `bench.`/`tests.` imports when run as a script

from bench.extraction_quality import page_ids  # noqa: E402
from tests.support.lakes import Cluster  # noqa: E402
from tests.support.paths import BIN  # noqa: E402
from tests.support.prefect_server import (  # noqa: E402
    PrefectServer,
    create_process_pool,
    postgres_database,
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


@dataclass(frozen=True)
class Target:
    """Where one configuration writes: a DuckDB file, or a lake (its catalog string, its data path in `env`)."""
    kind: str
    warehouse: str
    env: dict[str, str] = field(default_factory=dict)


def file_target(work: Path, name: str) -> Target:
    return Target("DuckDB file", str(work / f"{name}.duckdb"))


def lake_target(cluster: Cluster, work: Path, name: str) -> Target:
    """A new lake: its catalog a new database of the private PostgreSQL, its data a new directory."""
    database = name.replace("-", "_")
    cluster.create_database(database)
    return Target("lake", cluster.catalog(database), {"INGEST_LAKE_DATA_PATH": str(work / f"{name}-data")})


def articles_in(target: Target, env: dict[str, str]) -> int:
    out = subprocess.run([str(BIN / "ingest"), "sql", "select count(*) as n from articles", "-w", target.warehouse,
                          "--format", "csv"], env={**env, **target.env}, capture_output=True, text=True, check=True,
                         timeout=120)
    return int(out.stdout.strip().splitlines()[-1])


def one_process(corpus: Path, work: Path, env: dict[str, str]) -> dict[str, object]:
    """The baseline: one `ingest run` process, no workers, into a DuckDB file."""
    target = file_target(work, "one")
    seconds = timed_run([str(BIN / "ingest"), "run", str(corpus), "--no-enrich", "-w", target.warehouse], env,
                        work / "one.log")
    return {"mode": "one process (ingest run, no workers), DuckDB file", "workers": 0, "target": target.kind,
            "seconds": seconds, "articles": articles_in(target, env)}


def sharded(server: PrefectServer, corpus: Path, work: Path, workers: int, target: Target) -> dict[str, object]:
    """Start `workers` workers, wait until the pool sees them, then time the sharded run; stop them."""
    env = {**server.client_env(), **target.env}
    with ExitStack() as stack:
        for number in range(workers):
            process = start_worker(server, POOL, f"bench-{workers}-{number}", work / f"worker-{workers}-{number}.log",
                                   INGEST_ENRICH="false", **target.env)
            stack.callback(stop_process, process)
        with server.api() as api:
            wait_until(lambda: sum(w["status"] == "ONLINE" for w in api.post(
                f"/work_pools/{POOL}/workers/filter", json={}).json()) >= workers, 120, f"{workers} workers online")
        seconds = timed_run([str(BIN / "ingest"), "run", str(corpus), "--shards", str(workers), "--pool", POOL,
                             "--no-enrich", "-w", target.warehouse], env, work / f"shards-{workers}.log")
    return {"mode": f"--shards {workers}, {workers} process workers, {target.kind}", "workers": workers,
            "target": target.kind, "seconds": seconds, "articles": articles_in(target, env)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--lake", action="store_true",
                        help="the sharded runs write a new DuckLake each (catalog on a private PostgreSQL)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    options = parser.parse_args()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-shards-")))
        server = stack.enter_context(prefect_server(work / "server"))
        cluster = Cluster.at(stack.enter_context(postgres_database())) if options.lake else None
        pages = write_corpus(WCXB_DEV, work / "corpus", options.pages)
        create_process_pool(server, POOL)
        results = [one_process(work / "corpus", work, server.client_env())]
        for workers in options.workers:
            name = f"shards-{workers}"
            target = lake_target(cluster, work, name) if cluster else file_target(work, name)
            results.append(sharded(server, work / "corpus", work, workers, target))
    report(results, pages, options.json)
    check_counts(results)


def report(results: list[dict[str, object]], pages: int, json_path: Path) -> None:
    base = float(results[0]["seconds"])  # type: ignore[arg-type]
    print(f"{pages} wcxb-dev pages (one document each), NER off; 2-core machine")
    print(f"{'mode':56} {'seconds':>8} {'docs/s':>7} {'vs one process':>15} {'articles':>9}")
    for row in results:
        seconds = float(row["seconds"])  # type: ignore[arg-type]
        print(f"{row['mode']:56} {seconds:8.1f} {pages / seconds:7.1f} {base / seconds:14.2f}x {row['articles']:>9}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(), "pages": pages,
                                     "results": results}, indent=2))


def check_counts(results: list[dict[str, object]]) -> None:
    """Every configuration must end with the one process's articles: a faster run that lost some proves nothing."""
    expected = results[0]["articles"]
    wrong = [f"{row['mode']}: {row['articles']}" for row in results[1:] if row["articles"] != expected]
    if wrong:
        raise SystemExit(f"article counts differ from the one-process run's {expected}: {'; '.join(wrong)}")
    print(f"every configuration holds the one-process run's {expected} articles")


if __name__ == "__main__":
    main()

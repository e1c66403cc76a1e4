"""Soak: a seeded corpus loaded by `ingest run`s killed with SIGKILL (at every stage boundary in turn, and at
seeded random moments), then one ordinary run; every warehouse table must equal a clean run's.

    .venv/bin/python bench/soak.py --kills 50          (make soak)

Prints the kills made, the tables compared and any difference, and the time taken; exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.corpus import write_corpus  # noqa: E402
from tests.support.prefect_server import prefect_server  # noqa: E402
from tests.support.soak import differences, run_ingest, snapshot, soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--stories", type=int, default=120, help="original stories (copies come on top)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        documents = len(write_corpus(corpus, args.stories, args.seed))
        with prefect_server(work / "prefect") as server:
            env = server.client_env(INGEST_NER_PROCESSES="1", INGEST_EXTRACTION_WORKERS="1")
            started = time.monotonic()
            run_ingest(corpus, work / "clean.duckdb", args.batch_size, env)
            clean_seconds = time.monotonic() - started
            log = soak(corpus, work / "crashed.duckdb", args.batch_size, args.kills, args.seed, clean_seconds, env)
        clean, crashed = snapshot(work / "clean.duckdb"), snapshot(work / "crashed.duckdb")
        found = differences(clean, crashed)
    print(f"corpus: {documents} documents, batch size {args.batch_size}; clean run {clean_seconds:.0f}s")
    print(f"kills: {len(log.kills)} ({', '.join(log.kills)}); runs that finished before their kill: "
          f"{log.completed_early}; soak time {log.seconds:.0f}s")
    print(f"tables compared: {len(clean)}; rows in the clean warehouse: {sum(map(len, clean.values()))}")
    for table, text in found.items():
        print(f"DIFFERENT {table}: {text}")
    print("every table equals the clean run's" if not found else f"{len(found)} tables differ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

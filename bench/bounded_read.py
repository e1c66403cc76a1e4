"""Peak memory of the read stage on one huge line: a .jsonl.gz whose first line is SIZE bytes of text (over the
per-document cap), then one ordinary line; and a .warc.gz whose first record has a SIZE-byte header line. Neither
line may be held in memory: the JSONL line is rejected as too large, the WARC record as malformed.

Generates the file (gzip level 1, seconds), then reads it in a child process per source tree and prints what the
read stage yielded and the child's peak RSS. Usage (the second tree is a checkout to compare with, e.g. main):
    python bench/bounded_read.py [--size-mib 2048] [--src src] [--src ../main/src]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from ingest.settings import Settings
from ingest.read.files import read_inputs
start = time.monotonic()
settings = Settings(warehouse=sys.argv[3])
items = [(type(i).__name__, getattr(i, "reason", "")) for i in read_inputs([sys.argv[2]], settings)]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{items}  peak RSS {rss:,.0f} MiB  {time.monotonic() - start:.1f} s")
"""


def write_huge_line(path: Path, size: int) -> None:
    chunk = b"a" * (1 << 24)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'{"url": "https://example.org/huge", "text": "')
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(b'"}\n{"url": "https://example.org/ok", "text": "A short body after the huge line."}\n')


def write_huge_warc_header(path: Path, size: int) -> None:
    chunk = b"a" * (1 << 24)
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b"WARC/1.0\r\nWARC-Type: response\r\nX-Endless: ")
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(b"\r\nContent-Length: 0\r\n\r\n\r\n\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--src", action="append", help="source tree holding the ingest package (repeat)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        jsonl, warc = Path(folder) / "huge.jsonl.gz", Path(folder) / "huge.warc.gz"
        write_huge_line(jsonl, args.size_mib << 20)
        write_huge_warc_header(warc, args.size_mib << 20)
        for data in (jsonl, warc):
            for src in args.src or [str(Path(__file__).resolve().parents[1] / "src")]:
                result = subprocess.run([sys.executable, "-c", _CHILD, src, str(data), str(Path(folder) / "w.duckdb")],
                                        capture_output=True, text=True, check=False)
                print(f"{data.name} {src}: {result.stdout.strip() or result.stderr.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()

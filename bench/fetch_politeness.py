"""Politeness at speed: 1,000 pages over 20 loopback hosts at the default 1 request/second per host.

Each host is its own address (127.0.0.1 .. 127.0.0.20) with its own threaded HTTP server that records when each
request arrives. The fetcher (default settings, private hosts allowed for loopback) fetches every page through
`Fetcher.fetch_many`. Printed: total time against the politeness floor (the busiest host's requests, robots.txt
included, spaced by the per-host interval), the smallest gap the servers saw between two requests to one host, and
the outcomes.

Goal: total within 1.2x of the floor (50 s), and no gap below the interval.

    .venv/bin/python bench/fetch_politeness.py [--hosts 20] [--pages 1000]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ingest.fetch.client import Fetcher, FetchRequest
from ingest.settings import Settings

PAGE = (b"<!doctype html><html><head><title>Bench page</title></head><body><article>"
        + b"<p>A paragraph of an article served for the politeness benchmark, long enough to look real.</p>" * 20
        + b"</article></body></html>")


class Host:
    def __init__(self, address: str) -> None:
        self.arrivals: list[float] = []
        lock = threading.Lock()
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    arrivals.append(time.monotonic())
                body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else PAGE
                self.send_response(200)
                self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{address}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def min_gap(self) -> float:
        times = sorted(self.arrivals)
        return min((b - a for a, b in zip(times, times[1:], strict=False)), default=float("inf"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    settings = Settings(allow_private_hosts=True, warehouse=Path("/nonexistent/unused.duckdb"))
    interval = 1.0 / settings.host_rate_per_second
    hosts = [Host(f"127.0.0.{i + 1}") for i in range(args.hosts)]
    requests = [FetchRequest(url=f"{hosts[i % args.hosts].base}/article/{i}") for i in range(args.pages)]

    started = time.monotonic()
    with Fetcher(settings) as fetcher:
        outcomes = Counter(result.outcome for _, result in fetcher.fetch_many(requests))
    total = time.monotonic() - started
    for host in hosts:
        host.server.shutdown()

    busiest = max(len(h.arrivals) for h in hosts)  # pages + robots.txt on the busiest host
    floor = (busiest - 1) * interval
    min_gap = min(h.min_gap() for h in hosts)
    print(f"pages: {args.pages} over {args.hosts} hosts, {settings.fetch_workers} worker threads, "
          f"{settings.host_rate_per_second:g} request/s per host")
    print(f"requests seen by the servers: {sum(len(h.arrivals) for h in hosts)} "
          f"(busiest host {busiest}, robots.txt included)")
    print(f"outcomes: {dict(outcomes)}")
    print(f"total time: {total:.2f} s; politeness floor: {floor:.2f} s; ratio: {total / floor:.3f} (goal <= 1.2)")
    print(f"smallest gap between two requests to one host (server side): {min_gap:.4f} s "
          f"(limit {interval:.3f} s): {'never closer than the limit' if min_gap >= interval else 'TOO CLOSE'}")
    ok = total <= 1.2 * floor and min_gap >= interval and outcomes == Counter({"ok": args.pages})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""A Prefect server killed mid-run: the run fails in bounded time with one line, loses nothing it committed,
and the re-run (against a server that is back) finishes the job. A real `prefect server start`."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from flows.server_watch import _watch
from ingest.ops.faults import STALL_AT_ENV
from ingest.warehouse import stage_state
from tests.support.corpus import write_corpus
from tests.support.paths import BIN
from tests.support.prefect_server import PrefectServer


def _ingest(corpus: Path, warehouse: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([str(BIN / "ingest"), "run", str(corpus), "-w", str(warehouse), "--batch-size", "1"],
                                env=env, stdout=subprocess.DEVNULL, stderr=out, start_new_session=True)


def test_a_run_whose_prefect_server_dies_fails_in_one_line_and_the_rerun_finishes(
    tmp_path: Path, start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]],
    wait_until: Callable[..., Any],
) -> None:
    corpus, warehouse = tmp_path / "corpus", tmp_path / "news.duckdb"
    documents = len(write_corpus(corpus, stories=12, seed=9))
    log = tmp_path / "first.log"
    with start_prefect_server(tmp_path / "first-server") as server:
        # Without the server the run goes on (its task states queue in memory) and a fast machine would finish the
        # small corpus before the watch notices; held at batch 3's load it cannot, so it dies mid-run every time.
        env = server.client_env(INGEST_NER_PROCESSES="1", INGEST_EXTRACTION_WORKERS="1", INGEST_API_LOST_SECONDS="5",
                                **{STALL_AT_ENV: "after_load:3"})
        run = _ingest(corpus, warehouse, env, log)
        try:
            wait_until(lambda: b"batch 2:" in log.read_bytes(), 300, "the run's second batch", run)
            os.killpg(server.process.pid, signal.SIGKILL)  # the server dies mid-run
            code = run.wait(timeout=180)  # a generous bound: without the watch it hangs for many minutes
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
    assert code == 1
    last = log.read_text(errors="replace").strip().splitlines()[-1]
    assert last.startswith("error: the Prefect server at") and "stopped answering" in last
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = con.execute("select count(*) from articles").fetchone()
    assert kept is not None and kept[0] >= 2  # what it committed before the server died is there

    with duckdb.connect(str(warehouse), read_only=True) as con:
        first = con.execute("select flow_run_id, status from runs").fetchone()
    assert first is not None and first[1] == "running"  # it died before it could record its end
    # The server is back, on its own database, and the same command runs again.
    with start_prefect_server(tmp_path / "first-server") as server:
        with server.api() as api:  # it never heard the end of the first run
            assert api.get(f"/flow_runs/{first[0]}").json()["state"]["type"] == "RUNNING"
        rerun = subprocess.run([str(BIN / "ingest"), "run", str(corpus), "-w", str(warehouse), "--batch-size", "1"],
                               env=server.client_env(INGEST_NER_PROCESSES="1", INGEST_EXTRACTION_WORKERS="1"),
                               capture_output=True, timeout=600)
        with server.api() as api:  # the re-run told it that the first run's process died
            assert api.get(f"/flow_runs/{first[0]}").json()["state"]["type"] == "CRASHED"
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (documents,)
        assert con.execute("select status, count(*) from runs group by all order by all").fetchall() == [
            ("completed", 1), ("crashed", 1)]
        pending = stage_state.pending_work(con)
    assert pending.dedupe == [] and pending.enrichment == []


class _CountingHealth(BaseHTTPRequestHandler):
    """A health endpoint that keeps connections alive and counts the connections and the checks it sees."""

    protocol_version = "HTTP/1.1"
    connections = 0
    checks = 0

    def setup(self) -> None:
        type(self).connections += 1
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 (the handler's name is http.server's)
        type(self).checks += 1
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        pass


def test_the_watch_keeps_one_connection_to_the_server_across_its_checks(
    wait_until: Callable[..., Any],
) -> None:
    # A new client per check built a TLS context and opened a connection every two seconds of every run.
    _CountingHealth.connections = _CountingHealth.checks = 0  # the handler class counts; a rerun starts afresh
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        stopped = threading.Event()
        watching = threading.Thread(target=_watch, args=(url, 60.0, 0.05, stopped), daemon=True)
        watching.start()
        try:
            wait_until(lambda: _CountingHealth.checks >= 5, 30, "five health checks")
        finally:
            stopped.set()
            watching.join(5)
    finally:
        server.shutdown()
    assert _CountingHealth.connections == 1

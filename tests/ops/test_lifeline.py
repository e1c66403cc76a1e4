"""Workers end with the command that started them, however it dies (ops.lifeline): a pool's worker whose command
is SIGKILLed exits, and an `ingest run` killed outright leaves none of its processes behind (extraction workers,
the fork server they come from, spaCy's NER workers, the temporary Prefect server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.server_watch import descendants
from ingest.ops.faults import CRASH_AT_ENV
from tests.support.news_pages import TOPICS, write_articles
from tests.support.paths import BIN
from tests.support.prefect_server import wait_until
from tests.support.processes import running

# A command that starts a spawned pool whose workers watch it, prints a worker's pid, then dies by SIGKILL.
COMMAND = """
import multiprocessing, os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from ingest.ops.lifeline import exit_with
watch = sys.argv[1] == "watch"
pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                           initializer=exit_with if watch else None, initargs=(os.getpid(),) if watch else ())
print(pool.submit(os.getpid).result(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""



def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _worker_of_a_killed_command(mode: str) -> int:
    # Its first line only: a worker that outlives the command holds the pipe open, so no end of output would come.
    command = subprocess.Popen([sys.executable, "-c", COMMAND, mode], stdout=subprocess.PIPE, text=True)
    assert command.stdout is not None
    worker = int(command.stdout.readline())
    assert command.wait(120) == -signal.SIGKILL
    command.stdout.close()
    return worker


def test_a_pool_worker_exits_when_the_command_that_started_it_is_killed() -> None:
    worker = _worker_of_a_killed_command("watch")
    wait_until(lambda: not running(worker), 30, "the worker of the killed command to exit")


def test_without_the_watch_the_worker_of_a_killed_command_outlives_it() -> None:
    """The baseline the watch is for: multiprocessing alone leaves the worker waiting for work that never comes."""
    worker = _worker_of_a_killed_command("none")
    try:
        time.sleep(3)  # what the watched worker above takes well under a second to do
        assert running(worker)
    finally:
        os.kill(worker, signal.SIGKILL)


@pytest.mark.slow
def test_an_ingest_run_killed_outright_leaves_no_process_behind(tmp_path: Path) -> None:
    write_articles(tmp_path / "pages", TOPICS[:4])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "INGEST_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               INGEST_NER_PROCESSES="2", INGEST_EXTRACTION_WORKERS="2",
               **{CRASH_AT_ENV: "after_load:2"})  # the run SIGKILLs itself after its second batch's load
    run = subprocess.Popen([str(BIN / "ingest"), "run", str(tmp_path / "pages"), "-w", str(tmp_path / "w.duckdb"),
                            "--batch-size", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           start_new_session=True)
    seen: dict[int, str] = {}
    try:
        while run.poll() is None:  # every process the run starts, recorded while it lives
            seen.update((pid, _command_line(pid)) for pid in descendants(run.pid) if pid not in seen)
            time.sleep(0.05)
        assert run.returncode == -signal.SIGKILL, run.stderr.read().decode()[-3000:] if run.stderr else ""
        forked = [command for command in seen.values() if "forkserver" in command]
        # The fork server, the two extraction workers forked from it (a Pool starts all of its workers at once) and
        # at least one NER worker (a ProcessPoolExecutor forks another only while none is idle) had started.
        assert len(forked) >= 4, " | ".join(seen.values())
        wait_until(lambda: not [pid for pid in seen if running(pid)], 60, "every process of the killed run to end")
    finally:
        for pid in seen:  # whatever a failure left, so it does not outlive the test
            if running(pid):
                os.kill(pid, signal.SIGKILL)

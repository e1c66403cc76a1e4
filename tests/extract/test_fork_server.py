"""The extraction workers' fork server: started early, it is the one the pool then forks from, stages imported."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import sys

from ingest.extract.fork_server import PRELOADED_MODULES, fork_server_context, start_fork_server


def _stages_imported_and_parent(_: int) -> tuple[bool, int]:
    return "ingest.extract.clean" in sys.modules and "ingest.extract.html" in sys.modules, os.getppid()


def test_started_fork_server_is_the_pools_parent_with_the_stages_preloaded() -> None:
    start_fork_server()
    server_pid = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert server_pid is not None
    with fork_server_context().Pool(1) as pool:
        preloaded, parent = pool.map(_stages_imported_and_parent, [0])[0]
    assert preloaded
    assert parent == server_pid
    assert PRELOADED_MODULES == ["ingest.extract.workers"]

"""The fork server the extraction workers are forked from, startable early without importing the stages here.

Not plain fork: the caller may run threads (Prefect does), which fork would copy mid-state. The fork server is a
clean single-threaded process with the stages imported, so new workers start fast.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver

# Imported once by the fork server, inherited by every worker it forks.
PRELOADED_MODULES = ["ingest.extract.preload"]


def fork_server_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED_MODULES)
    return context


def start_fork_server() -> None:
    """Start the fork server now and return at once: it imports the stages (a second or more) while the caller
    does something else (the command line: while Prefect's server starts). The first pool then forks from it."""
    fork_server_context()
    multiprocessing.forkserver.ensure_running()

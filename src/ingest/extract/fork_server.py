"""The fork server the extraction and NER workers are forked from, startable early without importing the stages.

Not plain fork: the caller may run threads (Prefect does), which fork would copy mid-state. The fork server is a
clean single-threaded process with the stages imported, so new workers start fast. A run that will find entities
also has it load the spaCy model once (`ingest.entities.preload`), which every NER worker then inherits instead of
importing spaCy and loading the model itself (a few CPU seconds a worker, on a machine whose cores are all busy).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os

# Imported once by the fork server, inherited by every worker it forks.
PRELOADED_MODULES = ["ingest.extract.preload"]
NER_PRELOAD_MODULE = "ingest.entities.preload"
NER_MODEL_VARIABLE = "INGEST_PRELOAD_NER_MODEL"  # read by NER_PRELOAD_MODULE in the fork server only


def fork_server_context() -> multiprocessing.context.ForkServerContext:
    """The context whose pools fork from the fork server (started on first use, with the stages only, unless
    `start_fork_server` started it already)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED_MODULES)
    return context


def start_fork_server(ner_model: str | None = None) -> None:
    """Start the fork server now and return at once: it imports the stages (a second or more), and loads
    `ner_model` when given, while the caller does something else (the command line: while Prefect's server
    starts). The first pool then forks from it."""
    context = fork_server_context()
    if ner_model is None:
        multiprocessing.forkserver.ensure_running()
        return
    context.set_forkserver_preload([*PRELOADED_MODULES, NER_PRELOAD_MODULE])
    previous = os.environ.get(NER_MODEL_VARIABLE)
    os.environ[NER_MODEL_VARIABLE] = ner_model  # the server takes this process's environment as it starts
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if previous is None:
            os.environ.pop(NER_MODEL_VARIABLE, None)
        else:
            os.environ[NER_MODEL_VARIABLE] = previous
        context.set_forkserver_preload(PRELOADED_MODULES)  # a server restarted later loads no model: no name

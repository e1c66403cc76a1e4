"""Soak: `ingest run`s killed with SIGKILL at stage boundaries and at random moments, then one ordinary run,
leave every table equal to a run that was never killed (bench/soak.py does the same with 50 kills)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.support.corpus import write_corpus
from tests.support.paths import BIN
from tests.support.prefect_server import PrefectServer

SEED = 2024
BATCH = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           start_prefect_server: Callable[..., AbstractContextManager[PrefectServer]]) -> Iterator[PrefectServer]:
    with start_prefect_server(tmp_path_factory.mktemp("soak-prefect")) as running:
        yield running


def test_killed_runs_then_one_ordinary_run_give_the_clean_warehouse(
    server: PrefectServer, tmp_path: Path, differences: Callable[..., dict[str, str]], run_ingest: Callable[..., int],
    snapshot: Callable[..., dict[str, list[tuple[object, ...]]]], soak: Callable[..., Any],
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, stories=14, seed=SEED)
    env = server.client_env(INGEST_NER_PROCESSES="1", INGEST_EXTRACTION_WORKERS="1")
    started = time.monotonic()
    assert run_ingest(corpus, tmp_path / "clean.duckdb", BATCH, env) == 0
    clean_seconds = time.monotonic() - started
    crashed = tmp_path / "crashed.duckdb"

    log = soak(corpus, crashed, BATCH, kills=4, seed=SEED, clean_seconds=clean_seconds, env=env, finish=False)
    assert log.kills[0] == "after_load:2" and len(log.kills) == 4
    status = subprocess.run([str(BIN / "ingest"), "status", "-w", str(crashed)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert "Runs that died" in status.stdout  # every killed run is found dead, none is left `running`

    assert run_ingest(corpus, crashed, BATCH, env) == 0
    clean = snapshot(tmp_path / "clean.duckdb")
    assert clean["entity_mentions"] and clean["article_duplicates"]  # the later stages had work to lose
    assert differences(clean, snapshot(crashed)) == {}

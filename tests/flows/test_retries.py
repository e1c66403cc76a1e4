"""The one retry policy, with real Prefect: a bug fails at once, a busy warehouse is retried, every task says which."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from prefect import Task, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.testing.utilities import prefect_test_harness

import flows
from flows.retries import NEVER, ON_TRANSIENT, is_transient, retry_transient
from flows.stages import task_for
from ingest import pipeline
from ingest.fetch import crawl
from ingest.warehouse.connection import DiskFull, WarehouseCorrupt, WarehouseLocked

attempts: list[str] = []


@pytest.fixture(scope="module")
def prefect_server(prefect_home: Path) -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def buggy() -> None:
    attempts.append("buggy")
    raise ValueError("a bug: the same call fails the same way")


@task(cache_policy=NO_CACHE, **ON_TRANSIENT)
def busy_once() -> str:
    attempts.append("busy")
    if len(attempts) == 1:
        raise WarehouseLocked("warehouse w.duckdb is locked by another process")
    return "loaded"


@flow
def run_buggy() -> None:
    buggy()


@flow
def run_busy_once() -> str:
    return busy_once()


def test_a_bug_fails_at_once_and_a_busy_warehouse_is_retried(prefect_server: None) -> None:
    attempts.clear()
    with pytest.raises(ValueError, match="a bug"):
        run_buggy()
    assert attempts == ["buggy"]

    attempts.clear()
    assert run_busy_once() == "loaded"
    assert attempts == ["busy", "busy"]


def test_only_busy_and_network_errors_are_transient() -> None:
    import httpx

    assert is_transient(WarehouseLocked("locked"))
    assert is_transient(duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held'))
    assert is_transient(duckdb.TransactionException("TransactionContext Error: Catalog write-write conflict"))
    assert is_transient(httpx.ConnectError("connection refused"))
    assert not is_transient(ValueError("bug"))
    assert not is_transient(duckdb.ConstraintException("Duplicate key"))
    assert not is_transient(duckdb.IOException("checksum mismatch in block 12"))
    assert not is_transient(DiskFull("no space left"))
    assert not is_transient(WarehouseCorrupt("corrupt"))
    assert not is_transient(OSError(28, "No space left on device"))


def _flow_tasks() -> list[Task[..., object]]:
    found = []
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"flows.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, Task)]
    stages = [v for m in (pipeline, crawl) for v in vars(m).values()
              if callable(v) and hasattr(v, "stage_kind")]
    return found + [task_for(s) for s in stages]


def test_every_task_takes_the_policy_and_only_warehouse_stages_retry() -> None:
    tasks = _flow_tasks()
    assert len(tasks) > 20
    for each in tasks:
        assert (each.retries == 0) or (each.retry_condition_fn is retry_transient), each.name
    assert task_for(pipeline.write_batch).retries == ON_TRANSIENT["retries"]
    assert task_for(crawl.fetch_pages).retries == NEVER["retries"] == 0  # the fetcher paces its own retries
    assert task_for(pipeline.transform_batch).retries == 0 and task_for(pipeline.load_articles).retries == 0

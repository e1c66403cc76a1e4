"""Extract and clean on worker processes: both cores busy, and a page that hangs the parser cannot hang the run."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from types import TracebackType

from ingest.extract.clean import clean
from ingest.extract.fork_server import fork_server_context
from ingest.extract.html import extract
from ingest.models import CleanArticle, RawDocument, Reject
from ingest.ops.lifeline import exit_with
from ingest.settings import Settings

Outcome = CleanArticle | Reject


def extract_and_clean(document: RawDocument, settings: Settings) -> Outcome:
    extracted = extract(document)
    if isinstance(extracted, Reject):
        return extracted
    return clean(extracted, settings)


def _guarded(document: RawDocument, settings: Settings) -> Outcome:
    """A bug or a hostile page raising anywhere in the stages rejects that document, never the batch."""
    try:
        return extract_and_clean(document, settings)
    except Exception as exc:  # noqa: BLE001 - anything a page provokes becomes a reject naming it
        return Reject(input=document.source_uri, stage="extract", reason="error",
                      detail=f"{type(exc).__name__}: {exc}"[:500])


def _warm_up(_: int) -> None:
    """Runs in a worker: the module import it triggers is the point."""


@dataclass(frozen=True)
class Ahead:
    """Documents handed to the workers before their batch's turn (`ExtractionPool.submit_ahead`), so the workers
    extract them while the caller does something else (writes the batch before). Their outcomes are taken by
    `ExtractionPool.run` for whichever of them it is then given; the others are simply never collected."""

    generation: int  # the pool they were handed to: a pool restarted since (a timeout) lost them
    documents: tuple[RawDocument, ...]  # held, so the ids below stay theirs
    results: dict[int, AsyncResult[Outcome]]  # by id() of the document


class ExtractionPool:
    """Worker processes started on first use and kept for the whole run; `close()` (or `with`) stops them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: Pool | None = None
        self._generation = 0  # counts pool restarts: results handed to an earlier pool are gone

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            self._generation += 1

    def submit_ahead(self, documents: Sequence[RawDocument]) -> Ahead:
        """Start extracting `documents` now, without waiting; `run` collects them (each under its time limit)."""
        pool = self._ensure_pool()
        return Ahead(self._generation, tuple(documents),
                     {id(d): pool.apply_async(_guarded, (d, self.settings)) for d in documents})

    def run(self, documents: Sequence[RawDocument], ahead: Ahead | None = None) -> list[Outcome]:
        """Every document goes through a worker, even in a small batch: only there can its time limit be enforced.
        Documents already handed over in `ahead` are not extracted twice."""
        outcomes: dict[int, Outcome] = {}
        pending = list(range(len(documents)))
        started = ahead.results if ahead is not None and ahead.generation == self._generation else {}
        while pending:
            pending = self._run_round(documents, pending, outcomes, started)
            started = {}  # a later round follows a restart: everything handed over before it is gone
        return [outcomes[i] for i in range(len(documents))]

    def _ensure_pool(self) -> Pool:
        if self._pool is None:
            context = fork_server_context()
            # Each worker exits when this process dies, even by SIGKILL (see `ops.lifeline`).
            self._pool = context.Pool(self.settings.extraction_workers, maxtasksperchild=2000,
                                      initializer=exit_with, initargs=(os.getpid(),))
            # Import the stages in every worker now, so start-up is not counted against the first page's limit.
            self._pool.map(_warm_up, range(self.settings.extraction_workers), chunksize=1)
        return self._pool

    def _run_round(self, documents: Sequence[RawDocument], indexes: list[int], outcomes: dict[int, Outcome],
                   started: dict[int, AsyncResult[Outcome]]) -> list[int]:
        """Collect results in order; on a document past its time limit, reject it, restart the pool, and return
        the documents still unfinished so the next round redoes them."""
        pool = self._ensure_pool()
        submitted: list[tuple[int, AsyncResult[Outcome]]] = [
            (i, started.get(id(documents[i])) or pool.apply_async(_guarded, (documents[i], self.settings)))
            for i in indexes
        ]
        for position, (index, result) in enumerate(submitted):
            try:
                outcomes[index] = result.get(timeout=self.settings.extract_timeout_seconds)
            except multiprocessing.TimeoutError:
                outcomes[index] = Reject(
                    input=documents[index].source_uri, stage="extract", reason="timeout",
                    detail=f"extraction took longer than {self.settings.extract_timeout_seconds:g}s")
                rest = submitted[position + 1:]
                for other, done in rest:
                    if done.ready():
                        outcomes[other] = done.get()
                self.close()  # the stuck worker holds its page forever: only killing it frees the core
                return [other for other, done in rest if other not in outcomes]
        return []

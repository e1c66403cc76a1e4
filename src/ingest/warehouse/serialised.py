"""The few warehouse operations that must run one writer at a time, named as such.

Almost every write of the pipeline is safe to repeat and to run beside another: rows are keyed by content or by
id and inserted only where missing. A few are not: they read what the warehouse holds, decide from it, and write
the decision back, so two writers running them at once would each decide from a state the other is changing.
- story clustering: a new article joins (and may merge) the stories its copies belong to now, and a story is
  named by its smallest member; two writers would each miss the other's articles and leave one story split.
- version numbering: the next text at a canonical URL gets the highest stored version plus one; two writers
  would both give out the same number.
- entity first/last seen: an entity's first and last sighting are recomputed from the mentions the writer sees.
- frontier claim: the URLs due are picked from the frontier's states, which the fetch rows of the round advance.
- migrations: which migrations are applied is read from the ledger, then each is applied and recorded.
On a DuckDB file DuckDB lets one process write at a time (and the writer lock orders the processes), which is what
makes them safe. On a DuckLake several writers commit at once, so each of these steps runs under the lake-wide
advisory lock of `ingest.warehouse.writer_lock` (`serialising`, or a write held whole), its transaction begun
inside the lock. `@serialised("name")` marks each of them, `serialised_operations()` lists them, and a marked
function called on a lake connection without that lock raises `NotSerialised` rather than race.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import duckdb

F = TypeVar("F", bound=Callable[..., object])

_OPERATIONS: dict[str, list[str]] = {}  # operation name -> the functions that perform it ("module.qualname")


class NotSerialised(RuntimeError):
    """A serialised step was called on a lake without the lake-wide lock: a bug in its caller, never a retry."""


def serialised(operation: str) -> Callable[[F], F]:
    """Mark a function (its first argument a warehouse connection) as (part of) an operation that must run one
    writer at a time: listed, and checked on each call to hold the lake-wide lock when the connection is a lake's."""

    def mark(function: F) -> F:
        where = f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"
        functions = _OPERATIONS.setdefault(operation, [])
        if where not in functions:  # a module imported twice registers once
            functions.append(where)

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], duckdb.DuckDBPyConnection):
                from ingest.warehouse.writer_lock import holds_serialised_lock  # imports the storage package

                if not holds_serialised_lock(args[0]):
                    raise NotSerialised(f"{where} ({operation}) must run under the lake's writer lock: wrap its "
                                        "transaction in writer_lock.serialising(con)")
            return function(*args, **kwargs)

        return cast(F, checked)

    return mark


def serialised_operations() -> dict[str, tuple[str, ...]]:
    """Every operation marked so far (its modules imported), with the functions that perform it."""
    return {name: tuple(functions) for name, functions in sorted(_OPERATIONS.items())}

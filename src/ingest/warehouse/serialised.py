"""The few warehouse operations that must run one writer at a time, named as such.

Almost every write of the pipeline is safe to repeat and to run beside another: rows are keyed by content or by
id and inserted only where missing. A few are not: they read what the warehouse holds, decide from it, and write
the decision back, so two writers running them at once would each decide from a state the other is changing.
- story clustering: a new article joins (and may merge) the stories its copies belong to now, and a story is
  named by its smallest member; two writers would each miss the other's articles and leave one story split.
- version numbering: the next text at a canonical URL gets the highest stored version plus one; two writers
  would both give out the same number.
Today DuckDB lets one process write the file at a time (and the writer lock orders the processes), which is what
makes them safe. A backend with several writers must keep that guarantee for exactly these operations (a lock,
or one place that runs them): `@serialised("name")` marks each of them, and `serialised_operations()` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])

_OPERATIONS: dict[str, list[str]] = {}  # operation name -> the functions that perform it ("module.qualname")


def serialised(operation: str) -> Callable[[F], F]:
    """Mark a function as (part of) an operation that must run one writer at a time; the function is unchanged."""

    def mark(function: F) -> F:
        where = f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"
        functions = _OPERATIONS.setdefault(operation, [])
        if where not in functions:  # a module imported twice registers once
            functions.append(where)
        return function

    return mark


def serialised_operations() -> dict[str, tuple[str, ...]]:
    """Every operation marked so far (its modules imported), with the functions that perform it."""
    return {name: tuple(functions) for name, functions in sorted(_OPERATIONS.items())}

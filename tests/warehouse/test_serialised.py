"""Operations that must run one writer at a time are marked and can be listed."""

from __future__ import annotations

from ingest.warehouse import serialised as serialised_module
from ingest.warehouse.serialised import serialised, serialised_operations


def test_a_marked_function_is_listed_under_its_operation_and_works_as_before() -> None:
    def renumber(x: int) -> int:
        return x + 1

    marked = serialised("probe operation")(renumber)
    try:
        assert marked(1) == 2 and marked.__wrapped__ is renumber  # type: ignore[attr-defined]
        listed = serialised_operations()["probe operation"]
        assert listed == (f"{__name__}.{renumber.__qualname__}",)
        serialised("probe operation")(renumber)  # marking again (a re-import) lists it once
        assert serialised_operations()["probe operation"] == listed
    finally:
        serialised_module._OPERATIONS.pop("probe operation", None)


def test_every_read_modify_write_step_is_marked() -> None:
    import ingest.dedupe.match  # noqa: F401  (marks its operations on import)
    import ingest.warehouse.entity_store  # noqa: F401
    import ingest.warehouse.frontier  # noqa: F401

    operations = serialised_operations()
    assert {"story clustering", "version numbering", "entity first/last seen", "frontier claim", "migrations"} \
        <= set(operations)
    assert all(name.startswith("ingest.") for names in operations.values() for name in names)

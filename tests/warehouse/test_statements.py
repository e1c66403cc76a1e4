"""SQL statements are loaded by name; a missing one is a clear error, and no statement file lies unused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.warehouse.statements import QUERIES, UnknownStatement, statement

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_statement_is_the_text_of_its_file_and_a_missing_name_is_refused() -> None:
    assert statement("loads/record_load") == (QUERIES / "loads" / "record_load.sql").read_text(encoding="utf-8")
    with pytest.raises(UnknownStatement, match="no SQL statement 'loads/no_such_statement'"):
        statement("loads/no_such_statement")


def test_every_statement_file_is_named_in_the_code() -> None:
    """A statement is named literally ("group/name") somewhere in src/ or flows/, so a dead SQL file shows up here
    and `git grep group/name` finds every caller."""
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("src", "flows")
                     for p in (REPO_ROOT / folder).rglob("*.py"))
    names = sorted(p.relative_to(QUERIES).with_suffix("").as_posix() for p in QUERIES.rglob("*.sql"))
    assert names, f"no statement files under {QUERIES}"
    unused = [name for name in names if f'"{name}"' not in code]
    assert unused == []


def test_every_statement_file_says_what_it_is_for() -> None:
    undocumented = [p.name for p in QUERIES.rglob("*.sql") if not p.read_text(encoding="utf-8").startswith("-- ")]
    assert undocumented == []

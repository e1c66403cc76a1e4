"""SQL loaded by name: every name the code asks for has its file, each file says what it is for, an unknown name
is an error naming the path it looked for."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from ingest.warehouse import connection as warehouse
from ingest.warehouse.statements import QUERIES, UnknownStatement, statement
from tests.support.paths import REPO_ROOT

# `statement("group/name")` with a literal name, wherever the library or a flow asks for one.
NAMED = re.compile(r"""\bstatement\(\s*["']([a-z0-9_/]+)["']""")


def _names_in_code() -> set[str]:
    sources = [*(REPO_ROOT / "src" / "ingest").rglob("*.py"), *(REPO_ROOT / "flows").rglob("*.py")]
    return {name for path in sources for name in NAMED.findall(path.read_text(encoding="utf-8"))
            if path.name != "statements.py"}  # its docstring's example is not a use


def test_every_statement_the_code_names_has_its_file() -> None:
    names = _names_in_code()
    assert "loads/record_load" in names  # the scan finds the uses it must find
    missing = sorted(n for n in names if not (QUERIES / f"{n}.sql").is_file())
    assert missing == []
    for name in names:
        assert statement(name).strip(), name


def test_every_statement_file_begins_with_a_comment_saying_what_it_is_for() -> None:
    files = sorted(QUERIES.rglob("*.sql"))
    assert files
    silent = [str(p.relative_to(QUERIES)) for p in files
              if not p.read_text(encoding="utf-8").lstrip().startswith("--")]
    assert silent == []


def test_the_statement_is_the_file_text_read_once() -> None:
    text = statement("loads/record_load")
    assert text == (QUERIES / "loads" / "record_load.sql").read_text(encoding="utf-8")
    assert statement("loads/record_load") is text  # cached: files are read once per process


def test_an_unknown_name_is_an_error_naming_the_path_it_looked_for() -> None:
    with pytest.raises(UnknownStatement, match=re.escape(str(QUERIES / "loads" / "no_such_thing.sql"))):
        statement("loads/no_such_thing")


def test_a_named_statement_runs_against_a_migrated_warehouse(tmp_path: Path) -> None:
    """The statements are written for the warehouse's schema: each one at least prepares against it."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        for name in sorted(_names_in_code()):
            text = statement(name)
            numbered = [int(n) for n in re.findall(r"\$(\d+)", text)]
            parameters = max(numbered) if numbered else text.count("?")
            # EXPLAIN binds every table and column without running the statement (no rows written).
            con.execute(f"explain {text}", [None] * parameters)

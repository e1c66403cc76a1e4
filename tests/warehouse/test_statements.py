"""SQL loaded by name: every name the code asks for has its file, each file says what it is for, an unknown name
is an error naming the path it looked for."""

from __future__ import annotations

import re

import pytest

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


def test_every_statement_file_is_named_in_the_code() -> None:
    """A statement is named literally ("group/name") somewhere in src/ or flows/, so a dead SQL file shows up here
    and `git grep group/name` finds every caller."""
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("src", "flows")
                     for p in (REPO_ROOT / folder).rglob("*.py"))
    names = sorted(p.relative_to(QUERIES).with_suffix("").as_posix() for p in QUERIES.rglob("*.sql"))
    assert names, f"no statement files under {QUERIES}"
    unused = [name for name in names if f'"{name}"' not in code]
    assert unused == []

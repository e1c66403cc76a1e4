"""SQL kept in files, loaded by name: `statement("loads/record_load")` is src/ingest/sql/queries/loads/record_load.sql.

Every query and DML statement the pipeline sends to the warehouse lives under sql/queries/, grouped by what it
serves (loads, dedupe, entities, frontier, search, ...), so the SQL can be read, diffed and translated for a second
backend without reading Python. Files are read once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

SQL_ROOT = Path(__file__).resolve().parents[1] / "sql"
QUERIES = SQL_ROOT / "queries"


class UnknownStatement(LookupError):
    pass


@functools.cache
def statement(name: str) -> str:
    """The text of the named statement; a name that has no file is a bug, reported with the path it looked for."""
    path = QUERIES / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnknownStatement(f"no SQL statement {name!r} (looked for {path})") from None

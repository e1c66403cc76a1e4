"""DuckDB extensions from the Python package registry, loaded from the installed file, never downloaded.

DuckDB's own `INSTALL` fetches extensions from DuckDB's server, which machines here (and many production hosts)
cannot reach. The registry packages `duckdb-extension-<name>` ship the signed extension binary for one DuckDB
release under `duckdb_extension_<name>/extensions/v<duckdb version>/<name>.duckdb_extension`; `LOAD` of that path
needs no network. Pin each package to the `duckdb` version in pyproject.toml: a binary built for another release
does not load.
"""

from __future__ import annotations

import importlib.resources
from importlib.resources.abc import Traversable

import duckdb

from ingest.warehouse.statements import statement


class ExtensionMissing(RuntimeError):
    """The registry package that ships an extension is not installed, or ships no build for this DuckDB."""


def packaged_extension_path(name: str) -> Traversable:
    """Where the installed package `duckdb-extension-<name>` keeps the extension built for this DuckDB."""
    package = f"duckdb_extension_{name}"
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise ExtensionMissing(
            f"DuckDB extension {name!r} is not installed: pip install duckdb-extension-{name.replace('_', '-')}"
            f"=={duckdb.__version__}") from None
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise ExtensionMissing(
            f"package {package} holds no {name} extension for DuckDB {duckdb.__version__}: install "
            f"duckdb-extension-{name.replace('_', '-')}=={duckdb.__version__}")
    return path


def load_packaged_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD extension `name` into `con` from its registry package (call before any lock-down of `con`'s
    configuration: loading an extension is external access)."""
    path = str(packaged_extension_path(name))
    con.execute(statement("extensions/no_autoinstall"))
    con.execute(f"load '{path.replace(chr(39), chr(39) * 2)}'")  # LOAD takes no parameter: the path is quoted here

"""DuckDB extensions load from their registry packages, never from DuckDB's server."""

from __future__ import annotations

import duckdb
import pytest

from ingest.warehouse.extensions import ExtensionMissing, load_packaged_extension, packaged_extension_path


def test_the_extension_loads_from_its_registry_package_and_a_missing_one_is_named() -> None:
    assert packaged_extension_path("fts").is_file()
    with duckdb.connect() as con:
        load_packaged_extension(con, "fts")
        loaded = con.execute("select loaded from duckdb_extensions() where extension_name = 'fts'").fetchone()
        assert loaded == (True,)
        with pytest.raises(ExtensionMissing, match="pip install duckdb-extension-no-such-thing==1.5.5"):
            load_packaged_extension(con, "no_such_thing")


def test_loading_turns_off_autoinstall_so_no_statement_reaches_for_the_network() -> None:
    with duckdb.connect() as con:
        assert con.execute("select current_setting('autoinstall_known_extensions')").fetchone() == (True,)
        load_packaged_extension(con, "fts")
        assert con.execute("select current_setting('autoinstall_known_extensions')").fetchone() == (False,)
        with pytest.raises(duckdb.Error, match="(?i)spatial"):  # a known extension, not installed: refused, not fetched
            con.execute("select st_point(1, 2)")

"""What the command line prints, called directly: query results in each format and the report tables."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from rich.console import Console

from ingest.cli_output import format_rows, print_rows, print_unfinished


def test_json_rows_keep_their_columns_and_render_dates_decimals_and_bytes_readably() -> None:
    rows = [(date(2024, 5, 1), datetime(2024, 5, 1, 12, 30), Decimal("1.5"), b"\x01\xff", None)]
    parsed = json.loads(format_rows(["day", "at", "share", "raw", "missing"], rows, "json"))
    assert parsed == [{"day": "2024-05-01", "at": "2024-05-01T12:30:00", "share": 1.5, "raw": "01ff",
                       "missing": None}]


def test_csv_has_a_header_quotes_commas_and_ends_lines_with_lf() -> None:
    text = format_rows(["name", "count"], [("Hamas, Gaza", 3), ("Reuters", 1)], "csv")
    assert text == 'name,count\n"Hamas, Gaza",3\nReuters,1\n'


def test_a_table_shows_every_value_and_none_as_blank() -> None:
    text = format_rows(["name", "count"], [("Reuters", 1), (None, 2)], "table")
    assert "Reuters" in text and "None" not in text and "count" in text


def test_report_tables_print_rows_and_nothing_for_no_rows(capsys: pytest.CaptureFixture[str]) -> None:
    out = Console(width=100, force_terminal=False)
    print_rows(out, "Recent runs", [])
    print_rows(out, "Source health", [{"source": "example", "failures": None}])
    printed = capsys.readouterr().out
    assert "Recent runs" not in printed and "Source health" in printed and "example" in printed


class _Pending:
    def __init__(self, dedupe: int, enrichment: int) -> None:
        self.dedupe, self.enrichment = bool(dedupe), bool(enrichment)
        self.articles_awaiting_dedupe, self.articles_awaiting_enrichment = dedupe, enrichment


def test_unfinished_work_is_named_with_its_counts(capsys: pytest.CaptureFixture[str]) -> None:
    out = Console(width=200, force_terminal=False)
    print_unfinished(out, _Pending(3, 0))
    print_unfinished(out, _Pending(0, 0))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("UNFINISHED 3 articles await dedupe, 0 await enrichment")
    assert lines[1].startswith("No stage work pending")

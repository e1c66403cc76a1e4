"""Full-text search: the side index file, its refresh after loads, and `ingest search` / `ingest index` / `ingest sql`.

A small corpus with a known answer: one article is about heat pump subsidies in Germany; others share some of its
words (a heat pump rebate in Canada, a water pump station) or none (a rail strike).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import run_batches
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import search
from ingest.warehouse.extensions import load_packaged_extension

INGEST = str(Path(sys.executable).with_name("ingest"))
FILLER = ("Officials said further figures would be published in the spring after a review by independent auditors. "
          "Local councils were asked to report back on how the money had been spent by the end of the year. ")
SUBSIDIES = {"url": "https://news.example/germany-heat-pumps", "published": "2024-03-01",
             "title": "Germany doubles heat pump subsidies for older homes",
             "text": "Germany will double its subsidies for heat pumps installed in older homes, the economy ministry "
                     "in Berlin said. The heat pump subsidies now cover half of the cost of a new pump. " + FILLER * 2}
REBATES = {"url": "https://news.example/canada-rebates", "published": "2024-02-10",
           "title": "Canada offers rebates on home heating",
           "text": "Canada will offer rebates to households in Ontario that replace oil furnaces with a heat pump, "
                   "the federal government said on Tuesday. " + FILLER * 2}
PUMP_STATION = {"url": "https://news.example/pump-station", "published": "2023-01-05",
                "title": "Water pump station reopens after repairs",
                "text": "The water pump station on the river reopened after repairs that took six weeks, the city "
                        "utility said. Engineers replaced two motors and a control panel. " + FILLER * 2}
RAIL = {"url": "https://news.example/rail-strike", "published": "2024-02-01",
        "title": "Rail strike halts trains across the north",
        "text": "Train drivers walked out on Monday, halting rail services across the north of England. Commuters "
                "faced long delays and crowded buses, the operator said. " + FILLER * 2}
GEOTHERMAL = {"url": "https://news.example/geothermal", "published": "2024-04-02",
              "title": "Geothermal drilling permits approved",
              "text": "Regulators approved permits for geothermal drilling at three sites near the coast, opening the "
                      "way for a district heating network. " + FILLER * 2}
CORPUS = (SUBSIDIES, REBATES, PUMP_STATION, RAIL)


def write_jsonl(path: Path, *articles: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles))
    return path


def _ingest(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # A loaded machine can take more than Prefect's default 20 s to start the run's temporary server.
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=timeout, env=env)


def _titles(settings: Settings, query: search.SearchQuery) -> list[str]:
    with warehouse.connect(settings, read_only=True) as con:
        assert search.attach_search_index(con, settings)
        columns, rows = search.search(con, query)
    return [row[columns.index("title")] for row in rows]


@pytest.fixture
def indexed(tmp_path: Path, settings: Settings) -> Settings:
    """The corpus loaded by the pipeline, which refreshes the index at the end of the run."""
    totals = run_batches([write_jsonl(tmp_path / "first.jsonl", *CORPUS)], settings, "run-1")
    assert totals["loaded_articles"] == len(CORPUS)
    assert totals["search_indexed_articles"] == len(CORPUS)
    return settings


def test_the_relevant_article_ranks_first(indexed: Settings) -> None:
    titles = _titles(indexed, search.SearchQuery("heat pump subsidies"))
    assert titles[0] == SUBSIDIES["title"]
    assert set(titles) == {SUBSIDIES["title"], REBATES["title"], PUMP_STATION["title"]}  # not the rail strike
    assert _titles(indexed, search.SearchQuery("rail strike")) == [RAIL["title"]]


def test_since_keeps_articles_dated_on_or_after_the_day(indexed: Settings) -> None:
    query = search.SearchQuery("pump", since=date(2024, 2, 10))
    assert _titles(indexed, query) == [SUBSIDIES["title"], REBATES["title"]]
    assert _titles(indexed, search.SearchQuery("pump", since=date(2024, 3, 2))) == []
    assert _titles(indexed, search.SearchQuery("pump", limit=1)) == [SUBSIDIES["title"]]


def test_a_second_load_is_findable_and_only_its_articles_are_read_again(indexed: Settings, tmp_path: Path) -> None:
    assert _titles(indexed, search.SearchQuery("geothermal drilling")) == []
    totals = run_batches([write_jsonl(tmp_path / "second.jsonl", GEOTHERMAL)], indexed, "run-2")
    assert totals["search_indexed_articles"] == len(CORPUS) + 1
    assert totals["search_index_updates"] == 1  # the older copies came from the old index, not the warehouse
    assert _titles(indexed, search.SearchQuery("geothermal drilling")) == [GEOTHERMAL["title"]]
    assert _titles(indexed, search.SearchQuery("heat pump subsidies"))[0] == SUBSIDIES["title"]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".tmp.wal"))]
    assert leftovers == []


def test_a_refresh_with_nothing_new_rewrites_nothing(indexed: Settings) -> None:
    path = search.index_path(indexed)
    before = path.stat()
    refresh = search.refresh_search_index(indexed)
    assert (refresh.rebuilt, refresh.read, refresh.articles) == (False, 0, len(CORPUS))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_an_index_of_another_format_or_a_broken_file_is_rebuilt_whole(indexed: Settings) -> None:
    path = search.index_path(indexed)
    path.write_bytes(b"not a duckdb file")
    refresh = search.refresh_search_index(indexed)
    assert (refresh.rebuilt, refresh.read) == (True, len(CORPUS))
    assert _titles(indexed, search.SearchQuery("rail strike")) == [RAIL["title"]]


def test_a_reader_keeps_the_index_it_opened_while_a_refresh_replaces_it(indexed: Settings, tmp_path: Path) -> None:
    with duckdb.connect(str(search.index_path(indexed)), read_only=True) as reader:
        load_packaged_extension(reader, "fts")
        run_batches([write_jsonl(tmp_path / "second.jsonl", GEOTHERMAL)], indexed, "run-2")  # replaces the file
        assert reader.execute("select count(*) from article_text").fetchone() == (len(CORPUS),)
        assert reader.execute("select count(*) from search_articles('pump')").fetchone() == (3,)
    with warehouse.connect(indexed, read_only=True) as con:
        assert search.attach_search_index(con, indexed)
        assert search.index_lag(con) == 0
        assert con.execute("select count(*) from search_articles('geothermal')").fetchone() == (1,)


def test_search_articles_answers_in_a_read_only_warehouse_connection(indexed: Settings) -> None:
    with warehouse.connect(indexed, read_only=True) as con:
        assert search.attach_search_index(con, indexed)
        ranked = con.execute("select title from search_articles('heat pump subsidies')").fetchall()
        assert ranked[0] == (SUBSIDIES["title"],)
        assert con.execute("select count(*) from articles").fetchone() == (len(CORPUS),)  # the warehouse's own


def test_the_lag_of_an_index_behind_its_warehouse_is_reported(indexed: Settings, tmp_path: Path) -> None:
    stale = search.index_path(indexed).read_bytes()
    run_batches([write_jsonl(tmp_path / "second.jsonl", GEOTHERMAL)], indexed, "run-2")
    search.index_path(indexed).write_bytes(stale)  # as if the run's refresh had failed
    with warehouse.connect(indexed, read_only=True) as con:
        assert search.attach_search_index(con, indexed)
        assert search.index_lag(con) == 1


def test_an_unknown_entity_is_one_clear_error(indexed: Settings) -> None:
    with warehouse.connect(indexed, read_only=True) as con:
        assert search.attach_search_index(con, indexed)
        with pytest.raises(search.SearchIndexError, match="no entity named 'Atlantis'"):
            search.search(con, search.SearchQuery("pump", entity="Atlantis"))


def test_no_index_is_one_clear_line_naming_the_fix(settings: Settings) -> None:
    with warehouse.open_warehouse(settings):
        pass  # a warehouse with its tables and no index beside it
    result = _ingest("search", "heat pump", "-w", str(settings.warehouse))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "no search index" in line and "ingest index" in line
    built = _ingest("index", "-w", str(settings.warehouse))
    assert built.returncode == 0, built.stderr
    assert "0 articles" in built.stdout
    searched = _ingest("search", "heat pump", "-w", str(settings.warehouse), "--format", "json")
    assert searched.returncode == 0 and json.loads(searched.stdout) == []


@pytest.mark.slow
def test_ingest_run_keeps_the_index_current_for_search_entities_and_sql(tmp_path: Path, prefect_home: Path) -> None:
    """The real flow (Prefect, NER) loads twice; `ingest search` finds the second load's article too."""
    db = str(tmp_path / "news.duckdb")
    first = _ingest("run", str(write_jsonl(tmp_path / "first.jsonl", *CORPUS)), "-w", db)
    assert first.returncode == 0, first.stderr[-2000:]
    ranked = _ingest("search", "heat pump subsidies", "-w", db, "--format", "json")
    assert ranked.returncode == 0, ranked.stderr
    assert [r["title"] for r in json.loads(ranked.stdout)][0] == SUBSIDIES["title"]
    in_canada = _ingest("search", "heat pump", "--entity", "canada", "-w", db, "--format", "csv")
    assert in_canada.returncode == 0, in_canada.stderr
    assert [line.split(",")[2] for line in in_canada.stdout.strip().splitlines()[1:]] == [REBATES["title"]]
    since = _ingest("search", "pump", "--since", "2024-02-11", "-w", db, "--format", "json")
    assert [r["title"] for r in json.loads(since.stdout)] == [SUBSIDIES["title"]]

    second = _ingest("run", str(write_jsonl(tmp_path / "second.jsonl", GEOTHERMAL)), "-w", db)
    assert second.returncode == 0, second.stderr[-2000:]
    found = _ingest("search", "geothermal", "-w", db, "--format", "json")
    assert [r["title"] for r in json.loads(found.stdout)] == [GEOTHERMAL["title"]]
    assert "lacks" not in found.stderr
    in_sql = _ingest("sql", "select title from search_articles('geothermal drilling') limit 1", "-w", db,
                     "--format", "json")
    assert in_sql.returncode == 0, in_sql.stderr
    assert json.loads(in_sql.stdout) == [{"title": GEOTHERMAL["title"]}]


def test_a_full_refresh_reads_every_article_again_and_answers_the_same(indexed: Settings, tmp_path: Path) -> None:
    run_batches([write_jsonl(tmp_path / "second.jsonl", GEOTHERMAL)], indexed, "run-2")  # an updated index
    updated = _titles(indexed, search.SearchQuery("heat"))
    refresh = search.refresh_search_index(indexed, full=True)
    assert (refresh.rebuilt, refresh.read, refresh.articles) == (True, len(CORPUS) + 1, len(CORPUS) + 1)
    assert _titles(indexed, search.SearchQuery("heat")) == updated

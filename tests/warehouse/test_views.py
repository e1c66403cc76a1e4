"""Analyst views: staging cleans each table once, marts build on it in dependency order; entities counted per
story, not per copy."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import run_batches
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.paths import SEED_ARTICLE

FOLLOW_UP = """\
Hamas said on Sunday it had received the new proposal through Egyptian mediators and would study it carefully
before giving an answer, according to a statement published by the group late in the evening.
Russian President Vladimir Putin told reporters in Moscow that any settlement had to include guarantees for the
civilian population of Gaza and should be endorsed by the United Nations Security Council.
Officials in Cairo said talks would resume on Tuesday with delegations from both sides expected to attend.
"""


def test_people_named_with_hamas_count_each_story_once(tmp_path: Path, settings: Settings,
                                                       enricher: object, ingest_and_enrich: Callable[..., None],
                                                       query: Callable[..., list[tuple]]) -> None:  # noqa: F811
    copy = tmp_path / "syndicated" / "copy.txt"
    copy.parent.mkdir()
    copy.write_text("Reporting by our wire service.\n" + SEED_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    follow_up = tmp_path / "follow_up.txt"
    follow_up.write_text(FOLLOW_UP, encoding="utf-8")
    ingest_and_enrich(settings, enricher, [SEED_ARTICLE, copy, follow_up])  # type: ignore[arg-type]

    rows = query(settings, "select companion, count(distinct story_id), count(distinct article_id) "
                           "from entity_companions where entity = 'Hamas' and companion_type = 'PERSON' "
                           "group by companion order by companion")
    counts = {name: (stories, articles) for name, stories, articles in rows}
    assert counts["Vladimir Putin"] == (2, 3)  # the seed and its copy are one story, the follow-up another
    assert counts["Marco Rubio"] == (1, 2)
    assert "Sofia Babu Chacko" not in counts


def _layer(path: Path) -> str:
    return path.parent.name


def test_every_view_reads_only_tables_and_views_created_before_it() -> None:
    files = warehouse.view_files()
    names = [p.stem for p in files]
    assert [_layer(p) for p in files] == sorted((_layer(p) for p in files), key=warehouse.VIEW_LAYERS.index)
    assert {_layer(p) for p in files} == set(warehouse.VIEW_LAYERS) and len(set(names)) == len(names)
    for position, path in enumerate(files):
        read_views = warehouse.view_references(path) & set(names)
        assert read_views <= set(names[:position]), (path.name, read_views - set(names[:position]))
        if _layer(path) == "staging":
            assert all(name.startswith("stg_") for name in read_views | {path.stem}), path.name
    marts = {p.stem: warehouse.view_references(p) & set(names) for p in files if _layer(p) == "marts"}
    assert "stg_articles" in marts["article_copies"] and "article_copies" in marts["stories"]


def test_duckdb_accepts_that_order_and_refuses_a_mart_before_its_staging_view(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        warehouse.migrate(con)
        views = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()]
        assert sorted(views) == sorted(p.stem for p in warehouse.view_files())
        for name in views:
            con.execute(f"drop view {name}")
        with pytest.raises(duckdb.CatalogException, match="stg_articles"):
            con.execute((warehouse.SQL_DIR / "marts" / "article_copies.sql").read_text())
        for path in warehouse.view_files():
            con.execute(path.read_text())
        assert con.execute("select count(*) from stories").fetchone() == (0,)


def test_no_mart_recomputes_the_article_date_or_the_source() -> None:
    derivations = re.compile(r"as\s+(article_date|source)\b|cast\s*\(\s*\w*\.?ingested_at\s+as\s+date|regexp_extract",
                             re.IGNORECASE)
    for path in warehouse.view_files():
        sql = re.sub(r"--[^\n]*", "", path.read_text())
        found = derivations.findall(sql)
        if path.stem == "stg_articles":
            assert {f.lower() for f in found} >= {"article_date", "source"}
        else:
            assert found == [], (path.name, found)


def test_source_is_the_host_first_then_the_site_name_the_same_in_every_mart(
        tmp_path: Path, settings: Settings, query: Callable[..., list[tuple]]) -> None:
    body = "".join(f"<p>The river rose by {n} metres overnight, and families on the lower streets were told to "
                   f"leave their homes before noon as the water kept rising across the valley.</p>" for n in range(8))
    html = (f"<html><head><meta property='og:site_name' content='Wire Service'><title>Flood</title></head>"
            f"<body><article><h1>Families told to leave</h1>{body}</article></body></html>")
    web = tmp_path / "pages.jsonl"
    web.write_text(json.dumps({"url": "https://WWW.Valley.example/news/flood?utm_source=x", "html": html}) + "\n")
    local = tmp_path / "local.txt"
    local.write_text("Officials in Cairo said talks would resume on Tuesday with delegations from both sides. " * 8)
    run_batches([web, local], settings, "run-1")
    assert query(settings, "select source, site_name from stg_articles order by source") == [
        ("local files", None), ("valley.example", "Wire Service")]
    assert query(settings, "select source from article_copies order by source") == [("local files",),
                                                                                     ("valley.example",)]
    assert query(settings, "select sources from stories order by first_source") == [(["local files"],),
                                                                                     (["valley.example"],)]

"""The stages end to end without Prefect: bad inputs, idempotency, a run killed mid-load."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from ingest.pipeline import RunWorkers, run_batches
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from tests.support.pages import PARAGRAPHS, article_html

TABLES = ("documents", "articles", "article_embeds", "article_furniture", "rejects")


def _counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def _bad_inputs(root: Path) -> None:
    root.mkdir(exist_ok=True)
    (root / "empty.html").write_bytes(b"")
    (root / "junk.html").write_bytes(bytes(range(256)) * 40)
    (root / "truncated.html.gz").write_bytes(gzip.compress(article_html().encode())[:-30])
    (root / "no_article.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    (root / "feed.jsonl").write_text(
        json.dumps({"url": "https://example.org/ok", "html": article_html()}) + "\n{not json\n"
    )
    cp1252 = article_html(title="Caf\u00e9 owners\u2019 protest", charset_meta=None,
                          paragraphs=(*PARAGRAPHS, "Caf\u00e9 owners said \u201cenough\u201d on Friday."))
    (root / "legacy_cp1252.html").write_bytes(cp1252.encode("cp1252"))
    japanese = article_html(title="東京の新しい路面電車", charset_meta="Shift_JIS",
                            paragraphs=("東京都は火曜日、川を渡る路面電車網の拡張を決定した。" * 6,) * 3)
    (root / "legacy_sjis.html").write_bytes(japanese.encode("shift_jis"))


def test_bad_inputs_end_as_articles_or_named_rejects(tmp_path: Path, settings: Settings) -> None:
    _bad_inputs(tmp_path / "in")
    with warehouse.open_warehouse(settings) as con:
        warehouse.start_run(con, "run-1", None, "test", [str(tmp_path)])
    run_batches([tmp_path / "in"], settings, "run-1")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rejects = {(Path(i.split("#")[0]).name + ("#" + i.split("#")[1] if "#" in i else ""), s, r)
                   for i, s, r in con.execute("select input, stage, reason from rejects").fetchall()}
        titles = dict(con.execute("select regexp_extract(source_uri, '[^/]+$'), title from articles").fetchall())
    assert rejects == {
        ("empty.html", "read", "empty"),
        ("junk.html", "extract", "binary_content"),
        ("truncated.html.gz", "read", "unreadable"),
        ("no_article.html", "clean", "no_article"),
        ("feed.jsonl#line=2", "read", "malformed_jsonl"),
    }
    assert titles["legacy_cp1252.html"] == "Caf\u00e9 owners\u2019 protest"
    assert titles["legacy_sjis.html"] == "東京の新しい路面電車"
    assert "feed.jsonl#line=1" in titles


def test_running_the_same_inputs_twice_changes_nothing(tmp_path: Path, settings: Settings) -> None:
    _bad_inputs(tmp_path / "in")
    run_batches([tmp_path / "in"], settings, "run-1")
    first = _counts(settings)
    run_batches([tmp_path / "in"], settings, "run-2")
    assert _counts(settings) == first
    assert first["articles"] == 3 and first["rejects"] == 5


def test_same_bytes_at_two_paths_are_one_document_and_two_articles(tmp_path: Path, settings: Settings) -> None:
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(article_html())
    run_batches([tmp_path / "a.html", tmp_path / "b.html"], settings, "run-1")
    counts = _counts(settings)
    assert counts["documents"] == 1 and counts["articles"] == 2


KILLER = textwrap.dedent("""
    import os, signal, sys
    from ingest.warehouse import connection as warehouse
    from ingest.pipeline import RunWorkers, run_batches
    from ingest.settings import Settings

    original, articles_batches = warehouse._insert_new, []

    def insert_then_die(con, name, table):
        inserted = original(con, name, table)
        if name == "articles":
            articles_batches.append(inserted)
            if len(articles_batches) == 3:  # mid-transaction: documents and articles written, no commit
                os.kill(os.getpid(), signal.SIGKILL)
        return inserted

    warehouse._insert_new = insert_then_die
    # NER in this process: a worker pool would outlive the SIGKILL and keep the test's pipes open
    run_batches([sys.argv[1]], Settings(warehouse=sys.argv[2], batch_size=4, ner_processes=1), "killed-run")
""")


def test_a_run_killed_mid_load_leaves_a_consistent_warehouse_and_the_next_run_finishes(
    tmp_path: Path, settings: Settings
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(20):
        (inputs / f"page{n:02}.html").write_text(article_html(title=f"Story number {n}").replace("tram", f"tram {n}"))
    result = subprocess.run([sys.executable, "-c", KILLER, str(inputs), str(settings.warehouse)],
                            capture_output=True, text=True, timeout=120, env={**os.environ})
    assert result.returncode == -signal.SIGKILL, result.stderr
    after_kill = _counts(settings)
    assert after_kill["articles"] == 8 and after_kill["documents"] == 8  # two whole batches, nothing of the third
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        orphans = con.execute("select count(*) from articles a anti join documents d using (document_id)").fetchone()
    assert orphans == (0,)

    run_batches([inputs], Settings(warehouse=settings.warehouse, batch_size=4), "next-run")
    clean = Settings(warehouse=tmp_path / "clean.duckdb")
    run_batches([inputs], clean, "clean-run")
    assert _counts(settings) == _counts(clean)
    assert _counts(settings)["articles"] == 20


def _hostile_inputs(root: Path) -> None:
    """The inputs that each ended a whole run before (issue 12 item 4), next to one good page."""
    root.mkdir(exist_ok=True)
    (root / "good.html").write_text(article_html())
    text = json.dumps(article_html())
    (root / "feed.jsonl").write_text("\n".join([
        '{"url": "https://example.org/big", "html": ' + text + ', "id": ' + "9" * 5000 + "}",
        '{"url": "https://example.org/surrogate", "text": "Lone \\ud800 escape. ' + "More words here. " * 10 + '"}',
        '{"url": "https://example.org/deep", "text": "x", "nest": ' + "[" * 50_000 + "]" * 50_000 + "}",
        json.dumps({"html": article_html()}),
        json.dumps({"url": "https://example.org/undated", "html": article_html(), "published": "not a date"}),
    ]) + "\n")
    (root / "not_an_archive.warc").write_text("<html><body>not a WARC</body></html>\n" * 10)
    (root / os.fsdecode(b"caf\xe9.html")).write_text(article_html(title="Named in Latin-1"))
    os.mkfifo(root / "pipe.html")


def test_hostile_inputs_each_cost_one_input_and_the_run_loads_the_rest(tmp_path: Path, settings: Settings) -> None:
    _hostile_inputs(tmp_path / "in")
    totals = run_batches([tmp_path / "in"], settings, "run-1")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rejects = {(i.rpartition("/")[2], s, r) for i, s, r in
                   con.execute("select input, stage, reason from rejects").fetchall()}
        loaded = {r[0].rpartition("/")[2] for r in con.execute("select source_uri from articles").fetchall()}
        warnings = con.execute("select input, stage, field, value from input_warnings").fetchall()
    assert rejects == {("feed.jsonl#line=1", "read", "malformed_jsonl"),
                       ("feed.jsonl#line=3", "read", "malformed_jsonl"),
                       ("feed.jsonl#line=4", "read", "missing_url"),
                       ("not_an_archive.warc", "read", "not_a_warc")}
    assert loaded == {"good.html", "caf\\xe9.html", "feed.jsonl#line=2", "feed.jsonl#line=5"}
    assert [(i.rpartition("/")[2], s, f, v) for i, s, f, v in warnings] == [
        ("feed.jsonl#line=5", "read", "published", "not a date")]
    assert totals["skipped:not_a_regular_file"] == 1 and totals["warned:read:published"] == 1


def test_each_batch_opens_the_warehouse_once(tmp_path: Path, settings: Settings) -> None:
    from tests.support.news_pages import TOPICS, write_articles

    def opens_of_a_run(batches: int) -> int:
        name = f"{batches}-batches"
        run_settings = settings.model_copy(update={"warehouse": tmp_path / f"{name}.duckdb", "batch_size": 2,
                                                   "ner_processes": 1})
        pages = write_articles(tmp_path / name, TOPICS[:2 * batches])
        before = warehouse.opens_of(run_settings.warehouse)
        totals = run_batches(pages, run_settings, name)
        assert totals["loaded_articles"] == 2 * batches and totals["enriched_articles"] == 2 * batches
        return warehouse.opens_of(run_settings.warehouse) - before

    two, five = opens_of_a_run(2), opens_of_a_run(5)
    assert five - two == 3  # three more batches, three more opens
    # per run besides: migrate and record, find pending work, the first batch's lookup, the last batch's entities,
    # the search index's read, the run's end
    assert two == 2 + 6


def test_a_run_migrates_a_warehouse_an_older_version_made(tmp_path: Path, settings: Settings) -> None:
    import shutil

    older = tmp_path / "older-sql"
    (older / "views").mkdir(parents=True)
    shutil.copytree(warehouse.SQL_DIR / "migrations", older / "migrations")
    (older / "migrations" / warehouse.migration_files()[-1].name).unlink()
    with duckdb.connect(str(settings.warehouse)) as con:
        warehouse.migrate(con, older)
    run_batches([tmp_path / "none"], settings.model_copy(update={"ner_processes": 1}), "next-version")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        applied = [r[0] for r in con.execute("select name from schema_migrations order by version").fetchall()]
        assert con.execute("select status from runs").fetchall() == [("completed",)]
    assert applied == [p.stem for p in warehouse.migration_files()]


def test_entities_are_of_the_loaded_articles_when_ner_started_before_the_load(tmp_path: Path,
                                                                              settings: Settings) -> None:
    """NER of a batch starts before its window (`enrich_ahead`), on every article extracted; the load then drops
    an unchanged refetch of the same page in the batch, and only the article it kept gets entities."""
    from tests.support.stories import FLOOD, FLOOD_URL, TRAM, page, write

    settings = settings.model_copy(update={"batch_size": 10, "ner_processes": 1})
    inputs = [write(tmp_path / "1.jsonl", (FLOOD_URL, page("River rises", FLOOD))),
              write(tmp_path / "2.jsonl", (FLOOD_URL, page("River rises", FLOOD, sidebar=("Traffic",)))),
              write(tmp_path / "3.jsonl", ("https://valleygazette.example/news/tram", page("Tram line", TRAM)))]
    counts = run_batches(inputs, settings, "r1")
    assert counts["unchanged_refetches"] == 1 and counts["enriched_articles"] == 2
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        articles = {r[0] for r in con.execute("select article_id from articles").fetchall()}
        enriched = {r[0] for r in con.execute("select article_id from article_enrichment").fetchall()}
        mentioned = {r[0] for r in con.execute("select distinct article_id from entity_mentions").fetchall()}
    assert len(articles) == 2 and enriched == articles and mentioned and mentioned <= articles


def test_ner_workers_start_with_a_batch_that_has_pages_to_extract_and_not_for_one_already_loaded(
        tmp_path: Path, settings: Settings) -> None:
    from tests.support.stories import FLOOD, FLOOD_URL, TRAM, page, write

    inputs = [write(tmp_path / "1.jsonl", (FLOOD_URL, page("River rises", FLOOD))),
              write(tmp_path / "2.jsonl", ("https://valleygazette.example/news/tram", page("Tram line", TRAM)))]
    two_processes = settings.model_copy(update={"ner_processes": 2})
    with RunWorkers(two_processes) as workers:
        assert not workers.enricher.engine.started
        counts = run_batches(inputs[:1], two_processes, "r1", workers)
        assert counts["enriched_articles"] == 1 and workers.enricher.engine.started
    with RunWorkers(two_processes) as workers:
        counts = run_batches(inputs[:1], two_processes, "r2", workers)  # loaded and enriched already
        assert counts["loaded_articles"] == 0 and not workers.enricher.engine.started
        counts = run_batches(inputs, two_processes, "r3", workers)
        assert counts["enriched_articles"] == 1 and workers.enricher.engine.started


def test_ner_workers_hold_at_most_two_batches_and_each_batch_gets_its_entities_once(tmp_path: Path,
                                                                                    settings: Settings) -> None:
    """A window loads the entities of the batches whose NER has finished and waits only for those older than the
    batch before: before batch N is written, batch N-2's entities have been collected (so the workers hold batch
    N-1 and N at most), and every batch's entities are loaded once, oldest first."""
    from ingest.pipeline import BatchRun, begin_run, file_batches, process_batches
    from tests.support.news_pages import TOPICS, write_articles

    run_settings = settings.model_copy(update={"batch_size": 2, "ner_processes": 2})
    pages = write_articles(tmp_path / "pages", TOPICS[:10])
    calls: list[str] = []

    def recording(stage, *args):  # type: ignore[no-untyped-def]
        calls.append(stage.__name__)
        return stage(*args)

    with RunWorkers(run_settings) as workers:
        run = BatchRun(run_settings, "r1", workers, stages=recording)
        begin_run(run, None, "ingest-files", [str(p) for p in pages])
        totals = process_batches(run, file_batches(pages, run_settings))
    writes = [i for i, name in enumerate(calls) if name == "write_batch"]
    collected_before = [calls[:i].count("annotate_articles") for i in writes]
    assert len(writes) == 5 + 1  # five batches, then the last entities in a window of their own
    assert all(collected >= number - 2 for number, collected in enumerate(collected_before[:5], start=1))
    assert calls.count("annotate_articles") == 5 and calls.count("load_entities") == 5
    assert totals["loaded_articles"] == 10 and totals["enriched_articles"] == 10
    with duckdb.connect(str(run_settings.warehouse), read_only=True) as con:
        enriched = con.execute("select count(*), count(distinct article_id) from article_enrichment").fetchone()
    assert enriched == (10, 10)

"""The writer guard: a lock held by a killed process is released (by the kernel, or by PostgreSQL when its session
ends); a waiter names the real holder. On a DuckLake, two writers that share no file lock (each its own TMPDIR, as
on two machines) meet only in the catalog database, whose advisory locks serialise the read-modify-write steps and
the keyed loads."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse.serialised import NotSerialised
from ingest.warehouse.writer_lock import (
    CatalogLockGuard,
    FileLockGuard,
    WarehouseBusy,
    WriterBusy,
    guard_for,
    writer_slot,
)
from tests.support.news_pages import article_page, write_articles


def test_the_holder_is_named_with_its_run_and_forgotten_once_it_lets_go(tmp_path: Path) -> None:
    guard = FileLockGuard(tmp_path / "w.duckdb")
    with guard.hold("run-42", timeout_seconds=1) as me:
        assert me.pid == os.getpid() and guard.holder() == me
        # a second holder in the same process waits like any other
        with pytest.raises(WriterBusy) as busy, FileLockGuard(tmp_path / "w.duckdb").hold("run-43", 0.3):
            pass
        assert "run run-42" in str(busy.value) and f"pid {os.getpid()}" in str(busy.value)
    assert guard.holder() is None
    with guard.hold("run-43", timeout_seconds=0) as again:
        assert again.run_id == "run-43"


# --- a DuckLake on PostgreSQL: advisory locks in the catalog database, across processes and machines ------------


def test_the_lock_of_a_lake_is_in_its_catalog_database_keyed_by_the_catalog_not_the_password() -> None:
    one = guard_for(Path("ducklake:postgres:dbname=news host=db user=u password=a"))
    same = guard_for(Path("ducklake:postgres:dbname=news host=db user=u password=b"))
    other = guard_for(Path("ducklake:postgres:dbname=other host=db user=u password=a"))
    assert isinstance(one, CatalogLockGuard) and isinstance(same, CatalogLockGuard)
    assert isinstance(other, CatalogLockGuard)
    assert one.space == same.space != other.space
    assert one.conninfo == "dbname=news host=db user=u password=a"


def test_a_lake_writer_waits_for_the_holder_in_another_session_and_names_it(lake_settings: Settings) -> None:
    guard = guard_for(lake_settings.warehouse)
    assert isinstance(guard, CatalogLockGuard) and guard.holder() is None
    with guard.hold("run-42", timeout_seconds=5) as me:
        assert guard.holder() == me and guard.holds()
        with guard.hold("run-42", timeout_seconds=5):  # re-entrant in its thread: a migration inside a run's write
            pass
        waited: dict[str, str] = {}
        impatient = lake_settings.model_copy(update={"writer_timeout_seconds": 0.5})
        thread = threading.Thread(target=_try_slot, args=(impatient, waited))  # another thread is another writer
        thread.start()
        thread.join()
        assert "run run-42" in waited["busy"] and f"pid {os.getpid()}" in waited["busy"]
        assert "waited 0.5s" in waited["busy"] and "not-checked" not in waited["busy"]
    assert guard.holder() is None
    with guard.hold("run-43", timeout_seconds=0) as again:
        assert again.run_id == "run-43"


def _try_slot(settings: Settings, outcome: dict[str, str]) -> None:
    try:
        with writer_slot(settings, "run-other"):
            outcome["held"] = "yes"
    except WarehouseBusy as exc:
        outcome["busy"] = str(exc)


def test_key_locks_make_loads_of_one_key_take_turns_and_leave_other_keys_free(lake_settings: Settings) -> None:
    guard = CatalogLockGuard(str(lake_settings.warehouse))
    other = CatalogLockGuard(str(lake_settings.warehouse))
    with guard.hold_keys(["articles:a", "articles:b"], "run-1", 5):
        with other.hold_keys(["articles:c"], "run-2", 0):  # a different document: no wait
            pass
        with pytest.raises(WriterBusy, match="run run-1"), other.hold_keys(["articles:c", "articles:b"], "run-2", 0.3):
            pass
        with other.hold("run-2", 0):  # the lake-wide lock is another lock
            pass
    with other.hold_keys(["articles:b"], "run-2", 0):
        pass


def test_a_serialised_step_on_a_lake_without_the_lock_is_refused(lake_settings: Settings) -> None:
    con = warehouse.connect(lake_settings)
    try:
        with pytest.raises(NotSerialised, match="migrations"):
            warehouse._migrate(con, warehouse.SQL_DIR)
        assert warehouse.migrate(con)  # the public step takes the lock itself
    finally:
        con.close()


HOLD_AND_HANG = ("import sys, time\nfrom pathlib import Path\nfrom ingest.warehouse.writer_lock import guard_for\n"
                 "with guard_for(Path(sys.argv[1])).hold('doomed-run', 30):\n"
                 "    print('held', flush=True)\n    time.sleep(600)\n")


def test_a_lake_writer_killed_while_holding_the_lock_never_blocks_the_next_one(lake_settings: Settings) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_AND_HANG, str(lake_settings.warehouse)], text=True,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        guard = CatalogLockGuard(str(lake_settings.warehouse))
        seen = guard.holder()
        assert seen is not None and (seen.pid, seen.run_id) == (holder.pid, "doomed-run")
        with pytest.raises(WriterBusy, match="doomed-run"), guard.hold("next-run", 0):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # The server ends the dead process's session (its socket closed by the kernel) and with it the lock.
    with guard.hold("next-run", timeout_seconds=30) as me:
        assert guard.holder() == me


# Each writer: its own TMPDIR (no shared local lock: two machines), waits for the starting signal, then loads.
LAKE_LOAD = ("import sys, time\nfrom pathlib import Path\nfrom ingest import pipeline\nfrom ingest.settings import "
             "Settings\nprint('ready', flush=True)\ngo = Path(sys.argv[3])\nwhile not go.exists():\n"
             "    time.sleep(0.02)\nprint(dict(pipeline.run_batches(sys.argv[1].split(','), Settings(), sys.argv[2])))")
# The tables a run writes, less the columns that name a run or a moment of processing, or that follow from which
# writer loaded a row first (LOAD_ORDER): a document's place (its articles' places are all compared) and a link's
# direction (its two ends are compared as a pair).
COMPARED = ("documents", "articles", "article_embeds", "article_furniture", "rejects", "input_warnings",
            "dedupe_fingerprints", "article_duplicates", "article_stories", "article_versions", "entities",
            "entity_mentions", "article_entities", "article_enrichment")
PER_RUN = {"load_id", "run_id", "enrichment_run_id"}
LOAD_ORDER = {"documents": {"source_uri"}, "article_duplicates": {"article_id", "duplicate_of"}}
PAIRED = {"article_duplicates": ["least(article_id, duplicate_of)", "greatest(article_id, duplicate_of)"]}


def _overlapping_corpus(root: Path) -> tuple[list[Path], list[Path]]:
    """Two writers' inputs: pages both load, pages one loads, and in each one half of a pair of copies (an exact
    copy of one page, the same story with another byline and date of another)."""
    shared = write_articles(root / "shared", ("harbour", "orchard", "railway"))
    first = write_articles(root / "first", ("library", "glacier", "festival", "stadium"))
    second = write_articles(root / "second", ("vineyard", "bakery", "ferry"))
    exact = root / "second" / "glacier-syndicated.html"
    shutil.copy(first[1], exact)
    near = root / "second" / "festival-wire.html"
    near.write_text(article_page("festival", author="Wire Desk", day=4), encoding="utf-8")
    (root / "shared" / "junk.html").write_bytes(b"\0\1\2" * 100)  # a reject both writers meet
    return [*shared, root / "shared" / "junk.html", *first], [*shared, root / "shared" / "junk.html", *second,
                                                              exact, near]


def _held(settings: Settings) -> dict[str, list[str]]:
    con = warehouse.connect(settings, read_only=True)
    try:
        held = {}
        for table in COMPARED:
            columns = PAIRED.get(table, []) + [
                c.name for c in warehouse.columns_of(con, table)
                if c.name not in PER_RUN | LOAD_ORDER.get(table, set()) and not c.type.startswith("TIMESTAMP")]
            rows = con.execute(f"select {', '.join(columns)} from {table}").fetchall()
            held[table] = sorted(map(repr, rows))
        return held
    finally:
        con.close()


def test_two_lake_writers_loading_overlapping_inputs_at_once_leave_what_one_writer_leaves(
        lake_settings: Settings, tmp_path: Path) -> None:
    """Both start together (after their imports), in batches of two so their windows interleave: every key once,
    one story for each pair of copies loaded by different writers, the same entities as a single run. Which of two
    writers loads a page first is a fact of the race, as which input comes first is of one run: an exact copy's
    document keeps the place it was first loaded from, and a link points at the copy loaded first (dates equal).
    So those two are compared without their direction, and checked against the load times of each warehouse."""
    first, second = _overlapping_corpus(tmp_path / "corpus")
    go = tmp_path / "go"
    writers = []
    for name, inputs in (("first", first), ("second", second)):
        (tmp_path / f"tmp-{name}").mkdir()
        env = {**os.environ, "INGEST_WAREHOUSE": str(lake_settings.warehouse), "INGEST_BATCH_SIZE": "2",
               "INGEST_LAKE_DATA_PATH": str(lake_settings.lake_data_path), "TMPDIR": str(tmp_path / f"tmp-{name}")}
        writers.append(subprocess.Popen([sys.executable, "-c", LAKE_LOAD, ",".join(map(str, inputs)), f"run-{name}",
                                         str(go)], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    go.touch()
    for writer in writers:
        _, stderr = writer.communicate(timeout=600)
        assert writer.returncode == 0, stderr[-3000:]
    alone = Settings(warehouse=tmp_path / "alone.duckdb", batch_size=2)
    pipeline.run_batches(sorted({*map(str, first), *map(str, second)}), alone, "run-alone")
    expected = _held(alone)
    assert len(expected["articles"]) == len(expected["documents"]) == 12 and len(expected["rejects"]) == 1
    stories = _stories(alone)
    assert sorted(map(len, stories)) == [1] * 8 + [2, 2]  # the exact and the near copy each joined their original
    assert _stories(lake_settings) == stories
    assert _differences(_held(lake_settings), expected) == {}
    for settings in (alone, lake_settings):
        assert _against_load_order(settings) == {"documents": [], "article_duplicates": []}


def _against_load_order(settings: Settings) -> dict[str, list[tuple[str, ...]]]:
    """The documents stored with another place than their first-loaded article's, and the links whose original is
    not the copy `articles_unique` keeps (published first, then loaded first)."""
    con = warehouse.connect(settings, read_only=True)
    try:
        return {
            "documents": con.execute(
                "select d.source_uri, min_by(a.source_uri, (a.ingested_at, a.source_uri)) from documents d "
                "join articles a using (document_id) group by all having d.source_uri <> "
                "min_by(a.source_uri, (a.ingested_at, a.source_uri))").fetchall(),
            "article_duplicates": con.execute(
                "select d.article_id, d.duplicate_of from article_duplicates d "
                "join article_copies copy on copy.article_id = d.article_id "
                "join article_copies original on original.article_id = d.duplicate_of "
                "where original.copy_rank > copy.copy_rank").fetchall()}
    finally:
        con.close()


def _differences(held: dict[str, list[str]], expected: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """Per table, the rows only the one or only the other holds (pytest would cut a long list's difference)."""
    return {table: {"only here": sorted(set(held[table]) - set(rows)),
                    "only alone": sorted(set(rows) - set(held[table]))}
            for table, rows in expected.items() if sorted(held[table]) != rows}


def _stories(settings: Settings) -> list[list[str]]:
    con = warehouse.connect(settings, read_only=True)
    try:
        rows = con.execute("select list(a.source_uri order by a.source_uri) from article_stories s join articles a "
                           "using (article_id) group by s.story_id order by 1").fetchall()
    finally:
        con.close()
    return [[Path(uri).name for uri in row[0]] for row in rows]

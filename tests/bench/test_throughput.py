"""The throughput bench's own pieces: its corpus, its baselines, the `ingest run` command it times, and how it reads
the run's log into phases. (The timings themselves are figures, never asserted on.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.throughput import IngestCommand, baseline_trafilatura, corpus_files, ingest_env, phases, write_corpus

INGEST = Path(sys.executable).with_name("ingest")


def test_the_corpus_holds_each_page_once_per_copy_each_copy_a_distinct_document(
        shared_eval: Path, tmp_path: Path) -> None:
    written = write_corpus(shared_eval / "wcxb-dev", tmp_path, pages=3, copies=2)
    files = corpus_files(tmp_path)
    assert written == len(files) == 6
    assert len({path.read_bytes() for path in files}) == 6
    assert {path.parent.name for path in files} == {"copy0", "copy1"}


def test_the_bare_baseline_counts_the_files_trafilatura_finds_text_in(shared_eval: Path, tmp_path: Path) -> None:
    write_corpus(shared_eval / "wcxb-dev", tmp_path, pages=2, copies=1)
    (tmp_path / "copy0" / "empty.html").write_bytes(b"<html><body></body></html>")
    assert baseline_trafilatura(tmp_path) == {"with_text": 2}


def test_ner_is_switched_off_with_the_flag_where_the_checkout_has_it(tmp_path: Path) -> None:
    ingest = IngestCommand.find(INGEST)
    assert ingest.no_enrich_flag
    argv = ingest.argv(tmp_path / "in", tmp_path / "w.duckdb", enrich=False, profile=False)
    assert argv[:3] == [str(INGEST), "run", str(tmp_path / "in")] and argv[-1] == "--no-enrich"
    assert "INGEST_NER_LANGUAGES" not in ingest.env(tmp_path, enrich=False)
    older = IngestCommand(INGEST, no_enrich_flag=False)
    assert "--no-enrich" not in older.argv(tmp_path / "in", tmp_path / "w.duckdb", enrich=False, profile=False)
    assert older.env(tmp_path, enrich=False)["INGEST_NER_LANGUAGES"] == "[]"


def test_runs_get_a_temporary_prefect_server_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("INGEST_BATCH_SIZE", "7")
    env = ingest_env(tmp_path, ner_off_by_setting=False)
    assert env["PREFECT_HOME"] == str(tmp_path) and env["INGEST_LOCAL_PREFECT_API_URL"] == ""
    assert "PREFECT_API_URL" not in env and "INGEST_BATCH_SIZE" not in env


def test_phases_are_read_from_when_the_log_lines_arrived() -> None:
    lines = [(0.5, "reporting to a temporary Prefect server"),
             (6.0, "12:00:00.000 | INFO    | Flow run 'x' - Beginning flow run 'x' for flow 'ingest-files'"),
             (10.0, "12:00:04.000 | INFO    | Flow run 'x' - batch 1: 200 inputs, 190 articles, 190 newly loaded"),
             (14.0, "12:00:08.000 | INFO    | Flow run 'x' - batch 2: 200 inputs, 195 articles, 195 newly loaded"),
             (16.0, "12:00:10.000 | INFO    | Flow run 'x' - batch 3: 9 inputs, 9 articles, 9 newly loaded")]
    assert phases(lines, wall=19.0) == {"start_up": 6.0, "before_first_batch": 4.0, "batches": 6.0,
                                        "after_last_batch": 3.0, "batch_count": 3.0}
    assert phases(lines[:1], wall=2.0) == {}

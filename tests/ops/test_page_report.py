"""`ingest extract`: one page through the pipeline's stages, printed, with no warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.ops import page_report
from ingest.settings import Settings
from tests.support.fetch_site import Reply, Site, html_page
from tests.support.paths import REPO_ROOT, SEED_ARTICLE

INGEST = str(Path(sys.executable).with_name("ingest"))
BODY = ("The harbour authority approved a new ferry terminal on Thursday after two years of public hearings. "
        "Construction starts in the autumn and should take three years, officials said. ")


def _ingest(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # A loaded machine can take more than Prefect's default 20 s to start the run's temporary server.
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    return subprocess.run([INGEST, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


@pytest.mark.slow
def test_extract_prints_the_body_and_author_a_run_stores(tmp_path: Path, prefect_home: Path) -> None:
    seed = str(shutil.copy(SEED_ARTICLE, tmp_path / SEED_ARTICLE.name))
    db = tmp_path / "news.duckdb"
    loaded = _ingest("run", str(seed), "-w", str(db))
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("select article_id, body_text, author, title, language from articles").fetchall()
        stored_entities = con.execute("select count(*) from article_entities").fetchone()
    [(article_id, body, author, title, language)] = stored

    before = sorted(p.name for p in tmp_path.iterdir())
    printed = _ingest("extract", seed, "--format", "json", cwd=REPO_ROOT)
    assert printed.returncode == 0, printed.stderr[-2000:]
    report = json.loads(printed.stdout)
    assert (report["article_id"], report["body"], report["author"]) == (article_id, body, author)
    assert (report["title"], report["language"]) == (title, language)
    assert report["entities_status"] == "enriched" and stored_entities is not None
    assert len(report["entities"]) == stored_entities[0]
    assert {"name": "Vladimir Putin", "type": "PERSON"}.items() <= next(
        e for e in report["entities"] if e["name"] == "Vladimir Putin").items()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no warehouse, no index touched or created

    as_text = _ingest("extract", seed, "--format", "text", "--no-entities", cwd=REPO_ROOT)
    assert as_text.returncode == 0 and as_text.stdout == body + "\n"


def test_a_url_is_fetched_through_the_safe_fetcher(site: Site, loopback_only: list[object]) -> None:
    site.route("/robots.txt", Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}))
    site.route("/news/ferry", Reply(200, html_page("Ferry terminal approved")))
    runner = CliRunner()
    result = runner.invoke(app, ["extract", site.url("/news/ferry"), "--format", "json", "--no-entities"],
                           env={"INGEST_ALLOW_PRIVATE_HOSTS": "true"})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["title"] == "Ferry terminal approved"
    assert report["url"] == site.url("/news/ferry") and "sentence number 3" in report["body"]
    assert "entities" not in report
    assert [hit.path for hit in site.hits] == ["/robots.txt", "/news/ferry"]  # robots.txt asked first
    assert loopback_only == []


def test_a_url_the_fetcher_refuses_is_one_line(site: Site, loopback_only: list[object]) -> None:
    site.route("/news/ferry", Reply(200, html_page("Ferry terminal approved")))
    result = CliRunner().invoke(app, ["extract", site.url("/news/ferry")], env={"INGEST_ALLOW_PRIVATE_HOSTS": "false"})
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "fetch: unsafe_url" in result.stderr
    assert site.hits == []  # refused before any request


@pytest.mark.parametrize("name, content, expected", [
    ("missing.html", None, "read: not_found"),
    ("binary.html", b"\0\1\2" * 100, "extract: binary_content"),
    ("notes.pdf", b"%PDF-1.4", "not a supported input"),
])
def test_an_unusable_path_is_one_clear_line_and_a_non_zero_exit(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = _ingest("extract", str(path), "--no-entities")
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {path}") and expected in line


def test_one_line_of_a_jsonl_file_is_named_as_the_warehouse_names_it(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps({"url": f"https://news.example/{n}", "title": f"Ferry story {n}",
                                        "text": f"Story {n}. " + BODY * 2}) + "\n" for n in (1, 2)))
    settings = Settings(warehouse=tmp_path / "unused.duckdb")
    with pytest.raises(page_report.PageError, match=r"holds 2 documents; name one, e\.g\. .*feed\.jsonl#line=1"):
        page_report.page_report(str(path), settings, with_entities=False)
    report = page_report.page_report(f"{path}#line=2", settings, with_entities=False)
    assert (report["title"], report["source_uri"]) == ("Ferry story 2", f"{path}#line=2")
    assert report["body"].startswith("Story 2.")
    assert not settings.warehouse.exists()


def test_markdown_shows_the_facts_the_body_and_the_entities() -> None:
    report = {"title": "Ferry terminal approved", "author": "Ann Lee", "date": None, "language": "en",
              "site_name": None, "url": "https://news.example/1", "canonical_url": None, "source_uri": "x.html",
              "word_count": 12, "body": "First paragraph.\nSecond paragraph.", "embeds": [], "removed_lines": [],
              "entities_status": "enriched", "entities": [{"name": "A|B Ltd", "type": "ORGANIZATION", "mentions": 2,
                                                           "in_title": True, "in_lead": False}]}
    text = page_report.render(report, "markdown")
    assert text.startswith("# Ferry terminal approved\n\n- **Author:** Ann Lee\n- **Language:** en\n")
    assert "First paragraph.\n\nSecond paragraph." in text
    assert "| A\\|B Ltd | ORGANIZATION | 2 | yes |  |" in text
    assert "Date" not in text and "Removed" not in text


"""Read stage: every input kind streams into documents, and every bad input into a reject."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.models import RawDocument, Reject, Skipped
from ingest.settings import Settings
from ingest.sources import expand_inputs, gunzip_capped, read_inputs, unmatched_inputs

PAGE = b"<html><head><title>T</title></head><body><article><p>Hello world.</p></article></body></html>"


def _read(paths: list[Path | str], settings: Settings) -> list[RawDocument | Reject | Skipped]:
    return list(read_inputs(paths, settings))


def test_directories_and_globs_expand_once_each_in_stable_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("a.html", "b/c.txt", "b/d.htm"):
        (tmp_path / name).write_bytes(PAGE)
    found = list(expand_inputs([tmp_path, str(tmp_path / "*.html"), str(tmp_path / "b" / "*")]))
    assert [p.relative_to(tmp_path.absolute()).as_posix() for p in found] == ["a.html", "b/c.txt", "b/d.htm"]


def test_html_gz_is_decompressed(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(PAGE))
    [doc] = _read([tmp_path], settings)
    assert isinstance(doc, RawDocument)
    assert doc.content == PAGE and doc.media_type == "text/html"


def test_truncated_gzip_is_rejected_and_the_rest_still_read(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a_broken.html.gz").write_bytes(gzip.compress(PAGE)[:-12])
    (tmp_path / "b_good.html").write_bytes(PAGE)
    broken, good = _read([tmp_path], settings)
    assert isinstance(broken, Reject) and broken.stage == "read" and broken.reason == "unreadable"
    assert "a_broken.html.gz" in broken.input
    assert isinstance(good, RawDocument)


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    try:
        gunzip_capped(bomb, 100_000)
    except ValueError as exc:
        assert "more than 100000 bytes" in str(exc)
    else:
        raise AssertionError("a bomb over the cap must be refused")


def test_empty_file_is_rejected(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty.html").write_bytes(b"  \n")
    [reject] = _read([tmp_path], settings)
    assert isinstance(reject, Reject) and reject.reason == "empty"


def test_oversized_file_is_rejected(tmp_path: Path) -> None:
    small = Settings(warehouse=tmp_path / "w.duckdb", max_document_bytes=50)
    (tmp_path / "big.html").write_bytes(PAGE)
    [reject] = _read([tmp_path / "big.html"], small)
    assert isinstance(reject, Reject) and reject.reason == "too_large"


def test_jsonl_lines_become_documents_and_a_malformed_line_a_reject(tmp_path: Path, settings: Settings) -> None:
    lines = [
        json.dumps({"url": "https://example.org/a", "html": PAGE.decode(), "title": "A", "author": "Jo Bloggs",
                    "published": "2025-11-15T10:00:00Z"}),
        '{"url": "https://example.org/b", "text": "unterminated',
        "",
        json.dumps({"url": "https://example.org/c", "text": "Plain text body."}),
        json.dumps({"url": "https://example.org/d"}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    items = _read([tmp_path / "feed.jsonl"], settings)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["RawDocument", "Reject", "Skipped", "RawDocument", "Reject"]
    first, malformed, _, plain, missing = items
    assert isinstance(first, RawDocument) and first.declared_author == "Jo Bloggs"
    assert first.url == "https://example.org/a" and first.source_uri.endswith("feed.jsonl#line=1")
    assert isinstance(malformed, Reject) and malformed.reason == "malformed_jsonl"
    assert malformed.input.endswith("#line=2")
    assert isinstance(plain, RawDocument) and plain.media_type == "text/plain"
    assert isinstance(missing, Reject) and missing.reason == "empty"


def _warc_bytes() -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=windows-1252")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.org/page", "response",
                                                  payload=io.BytesIO(PAGE), http_headers=headers))
    image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://example.org/i.png", "response",
                                                  payload=io.BytesIO(b"\x89PNG"), http_headers=image))
    writer.write_record(writer.create_warc_record("https://example.org/page", "request",
                                                  payload=io.BytesIO(b"GET /page HTTP/1.1\r\n\r\n")))
    return buffer.getvalue()


def test_warc_html_responses_are_read_and_other_records_skipped(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "crawl.warc.gz").write_bytes(_warc_bytes())
    items = _read([tmp_path], settings)
    docs = [i for i in items if isinstance(i, RawDocument)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert len(docs) == 1 and docs[0].url == "https://example.org/page" and docs[0].content == PAGE
    assert docs[0].charset == "windows-1252"
    assert sorted(s.reason for s in skipped) == ["warc_non_html_response", "warc_request_record"]


def test_document_id_is_a_content_address_including_declared_fields() -> None:
    a = RawDocument(source_uri="x", media_type="text/html", content=PAGE)
    b = RawDocument(source_uri="y", media_type="text/html", content=PAGE)
    c = RawDocument(source_uri="x", media_type="text/html", content=PAGE, url="https://example.org/")
    assert a.document_id == b.document_id != c.document_id


def test_paths_that_name_no_file_are_reported_with_why(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.html").write_bytes(PAGE)
    paths = [str(tmp_path / "*.htm"), str(tmp_path / "missing.html"), str(tmp_path / "empty"), str(tmp_path / "*.html")]
    assert unmatched_inputs(paths) == [(paths[0], "no_match"), (paths[1], "not_found"), (paths[2], "empty_directory")]


def test_a_glob_matching_nothing_is_a_read_reject_naming_the_pattern(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a.html").write_bytes(PAGE)
    items = _read([str(tmp_path / "*.warc"), tmp_path / "a.html"], settings)
    [reject] = [i for i in items if isinstance(i, Reject)]
    assert (reject.input, reject.stage, reject.reason) == (str(tmp_path / "*.warc"), "read", "no_match")
    assert "matches no file" in reject.detail
    assert [i.source_uri for i in items if isinstance(i, RawDocument)] == [str(tmp_path / "a.html")]

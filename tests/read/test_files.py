"""Read stage: every input kind streams into documents, and every bad input into a reject."""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.models import BatchResult, FieldWarning, RawDocument, Reject, Skipped
from ingest.read.files import (
    JSONL_SUFFIXES,
    SUPPORTED_SUFFIXES,
    WARC_SUFFIXES,
    bounded_lines,
    display_path,
    expand_inputs,
    gunzip_capped,
    read_inputs,
    unmatched_inputs,
)
from ingest.settings import Settings
from ingest.warehouse.connection import batch_tables

PAGE = b"<html><head><title>T</title></head><body><article><p>Hello world.</p></article></body></html>"


def _read(paths: list[Path | str], settings: Settings) -> list[RawDocument | Reject | Skipped | FieldWarning]:
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


# --- Every input ends as a document, a reject or a skip (issue 12 item 4) ---

def _only(items: list[RawDocument | Reject | Skipped], kind: type) -> list:
    return [i for i in items if isinstance(i, kind)]


def _line(obj: dict[str, object]) -> str:
    return json.dumps(obj)


def test_a_jsonl_line_with_a_5000_digit_number_is_rejected_and_the_next_line_read(
        tmp_path: Path, settings: Settings) -> None:
    huge = '{"url": "https://example.org/a", "text": "x", "n": ' + "9" * 5000 + "}"
    good = _line({"url": "https://example.org/b", "text": "A plain text body."})
    (tmp_path / "feed.jsonl").write_text(huge + "\n" + good + "\n")
    reject, doc = _read([tmp_path / "feed.jsonl"], settings)
    assert isinstance(reject, Reject) and reject.reason == "malformed_jsonl" and reject.input.endswith("#line=1")
    assert "4300 digits" in reject.detail
    assert isinstance(doc, RawDocument) and doc.url == "https://example.org/b"


def test_deeply_nested_json_is_rejected_not_a_recursion_error(tmp_path: Path, settings: Settings) -> None:
    deep = '{"url": "https://example.org/a", "text": "x", "nest": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "deep.jsonl").write_text(deep + "\n")
    [reject] = _read([tmp_path / "deep.jsonl"], settings)
    assert isinstance(reject, Reject) and reject.reason == "malformed_jsonl" and "RecursionError" in reject.detail


def test_a_lone_surrogate_escape_becomes_a_replacement_character(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "s.jsonl").write_text('{"url": "https://example.org/a", "title": "A \\udc80 title",'
                                      ' "text": "Body \\ud800 text."}\n')
    [doc] = _read([tmp_path / "s.jsonl"], settings)
    assert isinstance(doc, RawDocument)
    assert doc.content == "Body \ufffd text.".encode() and doc.declared_title == "A \ufffd title"


def test_a_file_name_that_is_not_utf8_is_read_under_an_escaped_name(tmp_path: Path, settings: Settings) -> None:
    name = os.fsdecode(b"caf\xe9.html")
    (tmp_path / name).write_bytes(PAGE)
    for path in (tmp_path, tmp_path / name):
        [doc] = _read([path], settings)
        assert isinstance(doc, RawDocument) and doc.source_uri.endswith("caf\\xe9.html")
        doc.source_uri.encode("utf-8")  # storable: no surrogates left


def test_fifos_devices_and_links_to_devices_are_skipped_unopened(tmp_path: Path, settings: Settings) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    (tmp_path / "zero.html").symlink_to("/dev/zero")
    (tmp_path / "ok.html").write_bytes(PAGE)
    # Opening the FIFO for reading would block until a writer came: the read returning at all is the proof.
    for paths in ([tmp_path], [fifo, tmp_path / "zero.html", "/dev/null"]):
        items = _read(paths, settings)  # type: ignore[arg-type]
        skipped = _only(items, Skipped)
        assert {s.reason for s in skipped} == {"not_a_regular_file"}
        assert len(skipped) == (2 if paths == [tmp_path] else 3)
    assert _only(_read([tmp_path], settings), RawDocument)[0].source_uri.endswith("ok.html")


# --- JSONL fields (issue 13 item 6) ---

def test_a_jsonl_line_without_a_url_is_rejected(tmp_path: Path, settings: Settings) -> None:
    lines = [_line({"text": "A body."}), _line({"url": "  ", "text": "A body."}), _line({"url": 7, "text": "A body."})]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n")
    items = _read([tmp_path / "f.jsonl"], settings)
    assert [(type(i).__name__, getattr(i, "reason", "")) for i in items] == [("Reject", "missing_url")] * 3


def test_a_published_value_that_is_not_a_date_loads_the_article_with_a_warning(
        tmp_path: Path, settings: Settings) -> None:
    lines = [_line({"url": "https://example.org/a", "text": "A body.", "published": "not a date", "title": ["x"]}),
             _line({"url": "https://example.org/b", "text": "A body.", "published": "2025-11-15"})]
    (tmp_path / "f.jsonl").write_text("\n".join(lines) + "\n")
    items = _read([tmp_path / "f.jsonl"], settings)
    assert [type(i).__name__ for i in items] == ["RawDocument", "FieldWarning", "FieldWarning", "RawDocument"]
    doc, title, published, _ = items
    assert isinstance(doc, RawDocument) and doc.declared_title is None
    assert isinstance(published, FieldWarning) and (published.field, published.value) == ("published", "not a date")
    assert published.input == doc.source_uri and published.stage == "read"
    assert isinstance(title, FieldWarning) and (title.field, title.value) == ("title", '["x"]')


# --- Bounded reading (issue 12 item 5) ---

def test_a_line_over_the_cap_in_a_jsonl_gz_is_rejected_without_being_read_whole(tmp_path: Path) -> None:
    small = Settings(warehouse=tmp_path / "w.duckdb", max_document_bytes=1000)
    long_line = _line({"url": "https://example.org/a", "text": "x" * 50_000})
    with gzip.open(tmp_path / "f.jsonl.gz", "wt") as handle:
        handle.write(long_line + "\n" + _line({"url": "https://example.org/b", "text": "fine"}) + "\n")
    reject, doc = _read([tmp_path / "f.jsonl.gz"], small)
    assert isinstance(reject, Reject) and reject.reason == "too_large" and reject.input.endswith("#line=1")
    assert reject.detail.startswith(f"{len(long_line) + 1} bytes")
    assert isinstance(doc, RawDocument) and doc.url == "https://example.org/b"


def test_bounded_lines_never_returns_more_than_the_cap() -> None:
    stream = io.BytesIO(b"short\n" + b"y" * 10_000 + b"\nlast")
    assert list(bounded_lines(stream, 100)) == [b"short\n", 10_001, b"last"]


def test_a_truncated_jsonl_gz_rejects_the_line_it_broke_in(tmp_path: Path, settings: Settings) -> None:
    lines = "".join(_line({"url": f"https://example.org/{i}", "text": f"body {i} " * 50}) + "\n" for i in range(50))
    data = gzip.compress(lines.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    items = _read([tmp_path / "cut.jsonl.gz"], settings)
    *docs, last = items
    assert docs and all(isinstance(d, RawDocument) for d in docs)
    assert isinstance(last, Reject) and last.reason == "unreadable"
    assert last.input.endswith(f"#line={len(docs) + 1}")


# --- Properties: whatever the bytes, JSON or file name, the read stage answers with items, never an exception ---

_SURROGATE_TEXT = st.builds(lambda a, n, b: a + chr(0xD800 + n) + b, st.text(max_size=20), st.integers(0, 0x7FF),
                            st.text(max_size=20))
_ANY_TEXT = st.one_of(st.text(max_size=60), _SURROGATE_TEXT)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | _ANY_TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ANY_TEXT, inner, max_size=4),
                     max_leaves=12)
_FIELD = st.one_of(_JSON, st.just("https://example.org/a"), st.just("<p>Some words of a body.</p>"),
                   st.just("2025-11-15"), st.just("not a date"))
_JSONL_OBJECT = st.fixed_dictionaries({}, optional={key: _FIELD for key in
                                                    ("url", "html", "text", "title", "author", "published")})
_FILE_NAME = st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\0" not in b
                                                       and b not in (b".", b".."))
_SUFFIX = st.sampled_from((*SUPPORTED_SUFFIXES, ".bin", ""))
_PROPERTY = hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_storable(items: list[RawDocument | Reject | Skipped | FieldWarning], limit: int) -> None:
    """Every item is one of the stage's records, and the load stage can turn them into Arrow rows."""
    for item in items:
        assert isinstance(item, RawDocument | Reject | Skipped | FieldWarning)
        if isinstance(item, RawDocument):
            assert len(item.content) <= limit
    batch = BatchResult(documents=tuple(i for i in items if isinstance(i, RawDocument)), articles=(),
                        rejects=tuple(i for i in items if isinstance(i, Reject)),
                        warnings=tuple(i for i in items if isinstance(i, FieldWarning)))
    batch_tables(batch, "run", "load")  # raises on text that cannot be stored (lone surrogates)


@_PROPERTY
@given(name=_FILE_NAME, suffix=_SUFFIX, content=st.binary(max_size=2000), gzip_it=st.booleans())
def test_any_bytes_under_any_file_name_end_as_items(name: bytes, suffix: str, content: bytes, gzip_it: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Settings(warehouse=Path(folder) / "w.duckdb", max_document_bytes=1500)
        path = Path(os.fsdecode(os.fsencode(folder) + b"/" + name + suffix.encode()))
        path.write_bytes(gzip.compress(content) if gzip_it and suffix.endswith(".gz") else content)
        items = _read([path], config)  # named as a user names it: glob characters and all
        _assert_storable(items, config.max_document_bytes)
        assert items, "the file left no document, reject or skip"
        if not path.name.lower().endswith((*JSONL_SUFFIXES, *WARC_SUFFIXES)):
            [item] = items
            assert (item.source_uri if isinstance(item, RawDocument) else item.input) == display_path(path)


@_PROPERTY
@given(lines=st.lists(st.one_of(_JSONL_OBJECT.map(json.dumps), _JSON.map(json.dumps), _ANY_TEXT), min_size=1,
                      max_size=6))
def test_any_jsonl_line_ends_as_one_item(lines: list[str]) -> None:
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    with tempfile.TemporaryDirectory() as folder:
        config = Settings(warehouse=Path(folder) / "w.duckdb")
        path = Path(folder) / "feed.jsonl"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
        items = _read([path], config)
        _assert_storable(items, config.max_document_bytes)
        outcomes = [i for i in items if not isinstance(i, FieldWarning)]
        assert len(outcomes) == len(lines)  # one document, reject or skip per line, in order
        assert [(i.source_uri if isinstance(i, RawDocument) else i.input).rpartition("#")[2] for i in outcomes] == [
            f"line={n}" for n in range(1, len(lines) + 1)]


def test_a_file_uri_names_the_file_even_when_its_name_is_not_utf8(tmp_path: Path, settings: Settings) -> None:
    from ingest.read.files import portable_path

    path = tmp_path / os.fsdecode(b"caf\xe9[1].html")
    path.write_bytes(PAGE)
    uri = portable_path(str(path))
    assert uri.startswith("file://") and uri.isascii()
    [doc] = _read([uri], settings)
    assert isinstance(doc, RawDocument) and doc.source_uri == display_path(path)
    assert portable_path("/plain/name.html") == "/plain/name.html"

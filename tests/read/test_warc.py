"""WARC records: each ends as a document, a reject or a skip; a damaged archive costs only the records it damaged."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.models import RawDocument, Reject, Skipped
from ingest.read.files import read_inputs
from ingest.settings import Settings

PARAGRAPH = b"<p>A paragraph of the article, long enough to matter.</p>"
BODY = b"<html><body><article>" + PARAGRAPH * 40 + b"</article></body></html>"


def _archive(urls: list[str | None], gzip: bool) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    for number, url in enumerate(urls):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(url or "https://example.org/placeholder", "response",
                                           payload=io.BytesIO(BODY + str(number).encode()), http_headers=headers)
        if url is None:
            record.rec_headers.remove_header("WARC-Target-URI")
        writer.write_record(record)
    return buffer.getvalue()


def _kinds(items: list[RawDocument | Reject | Skipped]) -> list[tuple[str, str, str]]:
    return [(type(i).__name__, getattr(i, "reason", ""), (i.source_uri if isinstance(i, RawDocument) else i.input)
             .rpartition("#")[2]) for i in items]


def _read(path: Path, settings: Settings) -> list[RawDocument | Reject | Skipped]:
    return list(read_inputs([path], settings))  # type: ignore[arg-type]


def test_a_file_that_is_not_a_warc_is_one_reject(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "page.warc").write_bytes(b"<html><body>not an archive</body></html>\n" * 20)
    (tmp_path / "junk.warc.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 200)
    for name in ("page.warc", "junk.warc.gz"):
        [reject] = _read(tmp_path / name, settings)
        assert isinstance(reject, Reject) and reject.reason == "not_a_warc" and reject.input.endswith(name)


def test_a_response_without_a_target_uri_is_rejected_and_the_next_record_read(
        tmp_path: Path, settings: Settings) -> None:
    for gzip in (False, True):
        path = tmp_path / ("a.warc.gz" if gzip else "a.warc")
        path.write_bytes(_archive([None, "https://example.org/b"], gzip))
        assert _kinds(_read(path, settings)) == [("Reject", "malformed_warc_record", "record=0"),
                                                 ("RawDocument", "", "record=1")]


def test_a_truncated_warc_rejects_its_last_record_instead_of_loading_a_fragment(
        tmp_path: Path, settings: Settings) -> None:
    data = _archive(["https://example.org/a", "https://example.org/b"], gzip=False)
    for cut in (10, 400, 1500):
        (tmp_path / "cut.warc").write_bytes(data[:-cut])
        assert _kinds(_read(tmp_path / "cut.warc", settings)) == [("RawDocument", "", "record=0"),
                                                                  ("Reject", "truncated", "record=1")]


def test_a_truncated_warc_gz_rejects_its_last_record_instead_of_losing_it(tmp_path: Path, settings: Settings) -> None:
    data = _archive(["https://example.org/a", "https://example.org/b"], gzip=True)
    first_member = len(_archive(["https://example.org/a"], gzip=True))
    for cut in (10, (len(data) - first_member) // 2, len(data) - first_member - 20):
        (tmp_path / "cut.warc.gz").write_bytes(data[:-cut])
        assert _kinds(_read(tmp_path / "cut.warc.gz", settings)) == [("RawDocument", "", "record=0"),
                                                                     ("Reject", "truncated", "record=1")]


def test_a_complete_archive_reads_every_record(tmp_path: Path, settings: Settings) -> None:
    for gzip in (False, True):
        path = tmp_path / ("ok.warc.gz" if gzip else "ok.warc")
        path.write_bytes(_archive(["https://example.org/a", "https://example.org/b"], gzip))
        items = _read(path, settings)
        assert [type(i) for i in items] == [RawDocument, RawDocument]
        assert [i.content for i in items if isinstance(i, RawDocument)] == [BODY + b"0", BODY + b"1"]
        assert not any(isinstance(i, Skipped) for i in items)


def test_an_endless_header_line_is_read_in_bounded_pieces_and_its_record_rejected(
        tmp_path: Path, settings: Settings) -> None:
    from ingest.read.warc import MAX_LINE_BYTES, _BoundedLineReader

    endless = b"WARC/1.0\r\nWARC-Type: response\r\nX-Endless: " + b"a" * (3 * MAX_LINE_BYTES) + b"\r\n\r\n"
    reader = _BoundedLineReader(io.BytesIO(endless))
    assert max(len(line) for line in iter(reader.readline, b"")) <= MAX_LINE_BYTES
    (tmp_path / "endless.warc").write_bytes(endless)
    items = _read(tmp_path / "endless.warc", settings)
    assert items and not any(isinstance(i, RawDocument) for i in items)
    assert isinstance(items[0], Reject) and items[0].input.endswith("#record=0")

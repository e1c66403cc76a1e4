"""WARC archives for the read stage: each record becomes a document, a reject or a skip.

A damaged archive costs the records it damaged, named by `#record=N`: a file that is not a WARC is one reject, a
record cut short by the end of the file (plain or inside a gzip member) is rejected rather than loaded as a
fragment, and a record warcio cannot parse ends the file with a reject naming it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import IO, Any

from warcio.archiveiterator import WARCIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.utils import BUFF_SIZE

from ingest.models import RawDocument, Reject, Skipped

WarcItem = RawDocument | Reject | Skipped
_GZIP_MAGIC = b"\x1f\x8b"
_DRAIN_CHUNK = 1 << 16
MAX_LINE_BYTES = 1 << 20  # far beyond any real header line
_LOADER = ArcWarcRecordLoader()
_WARC_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, EOFError, zlib.error, OSError)


class _BoundedLineReader(DecompressingBufferedReader):
    """warcio's reader, except that one line (a WARC or HTTP header, a chunk size) is at most `MAX_LINE_BYTES`:
    warcio reads header lines whole, so one endless line would otherwise be held in memory entire. A longer line is
    cut, and the record it is in then fails to parse and is rejected."""

    def readline(self, length: int | None = None) -> bytes:
        return bytes(super().readline(MAX_LINE_BYTES if length is None else min(length, MAX_LINE_BYTES)))


class _Records(WARCIterator):
    """warcio's iterator over a line-bounded reader, noting whether the archive ended inside a gzip member (a
    truncated .warc.gz), which warcio itself takes for a clean end."""

    ended_inside_member = False

    def __init__(self, handle: IO[bytes], **options: Any) -> None:
        super().__init__(handle, **options)
        self.reader = _BoundedLineReader(self.fh, block_size=BUFF_SIZE)

    def member_cut_short(self) -> bool:
        """After `read_to_end()`: the gzip member holding the current record ended before its gzip trailer."""
        decompressor = self.reader.decompressor if self.reader else None
        return decompressor is not None and not decompressor.eof

    def close(self) -> None:
        self.ended_inside_member = self.member_cut_short()
        super().close()


def read_warc(handle: IO[bytes], uri: str, limit: int) -> Iterator[WarcItem]:
    """Every record of the archive in `handle`, in order; payloads over `limit` bytes are rejected unread."""
    if not _starts_like_warc(handle):
        yield Reject(input=uri, stage="read", reason="not_a_warc", detail="the file does not start with a WARC record")
        return
    # no_record_parse: warcio's own HTTP parsing raises on a response without WARC-Target-URI; ours rejects it.
    records = _Records(handle, no_record_parse=True)
    index, last_truncated = 0, False
    try:
        for record in records:
            record_uri = f"{uri}#record={index}"
            item = _record_item(record, record_uri, limit)
            records.read_to_end()
            last_truncated = isinstance(item, Reject) and item.reason == "truncated"
            if records.member_cut_short() and not last_truncated:
                item, last_truncated = Reject(input=record_uri, stage="read", reason="truncated", detail=(
                    "the archive ends inside this record's gzip member")), True
            yield item
            index += 1
    except _WARC_ERRORS as exc:
        yield Reject(input=f"{uri}#record={index}", stage="read", reason="malformed_warc",
                     detail=f"{type(exc).__name__}: {exc}".strip()[:300])
        return
    if records.ended_inside_member and not last_truncated:
        yield Reject(input=f"{uri}#record={index}", stage="read", reason="truncated",
                     detail="the archive ends inside a gzip member: its last record is cut short")


def _starts_like_warc(handle: IO[bytes]) -> bool:
    head = handle.read(4096)
    handle.seek(0)
    if head.startswith(_GZIP_MAGIC):
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


def _record_item(record: Any, uri: str, limit: int) -> WarcItem:
    if record.rec_type != "response":
        return Skipped(input=uri, reason=f"warc_{record.rec_type}_record")
    target = record.rec_headers.get_header("WARC-Target-URI")
    if not target:
        return Reject(input=uri, stage="read", reason="malformed_warc_record",
                      detail="response record without WARC-Target-URI")
    if record.length is None:
        return Reject(input=uri, stage="read", reason="malformed_warc_record",
                      detail="response record without Content-Length")
    if not target.lower().startswith(("http:", "https:")):
        return Skipped(input=uri, reason="warc_non_http_response")
    try:
        record.http_headers = _LOADER.load_http_headers("response", target, record.raw_stream, record.length)
    except (StatusAndHeadersParserException, EOFError, ValueError) as exc:
        return Reject(input=uri, stage="read", reason="malformed_warc_record", detail=f"HTTP headers: {exc}"[:300])
    content_type = record.http_headers.get_header("Content-Type") if record.http_headers else None
    if "html" not in (content_type or "").lower():
        return Skipped(input=uri, reason="warc_non_html_response")
    body = record.content_stream().read(limit + 1)
    if len(body) > limit:
        return Reject(input=uri, stage="read", reason="too_large", detail="WARC payload over the size cap")
    missing = _bytes_missing(record)
    if missing:
        return Reject(input=uri, stage="read", reason="truncated",
                      detail=f"the archive ends {missing} bytes before the end of this record")
    if not body.strip():
        return Reject(input=uri, stage="read", reason="empty", detail="WARC response has no body")
    return RawDocument(source_uri=uri, media_type="text/html", content=body, url=target,
                       charset=charset_of(content_type or ""))


def _bytes_missing(record: Any) -> int:
    """How many bytes of the record's declared Content-Length the archive does not hold (0 when complete)."""
    stream = record.raw_stream
    while getattr(stream, "limit", 0) > 0:
        if not stream.read(_DRAIN_CHUNK):
            return int(stream.limit)
    return 0


def charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None

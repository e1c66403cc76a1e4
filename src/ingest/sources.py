"""Read stage: expand paths into a stream of raw documents, one at a time, never the whole corpus in memory."""

from __future__ import annotations

import glob
import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from ingest.models import MediaType, RawDocument, Reject, Skipped
from ingest.settings import Settings

ReadItem = RawDocument | Reject | Skipped

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")
SUPPORTED_SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES + JSONL_SUFFIXES + WARC_SUFFIXES


class InputTooLarge(ValueError):
    pass


def expand_inputs(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files, directories (recursively) and glob patterns, in a stable order, each file once."""
    seen: set[Path] = set()
    for raw in paths:
        text = str(raw)
        matches = sorted(Path(m) for m in glob.glob(text, recursive=True)) if glob.has_magic(text) else [Path(text)]
        for match in matches:
            files = sorted(p for p in match.rglob("*") if p.is_file()) if match.is_dir() else [match]
            for file in files:
                # Absolute paths, so the same file read from another working directory is the same input.
                file = file.absolute()
                if file not in seen and (file.suffix != "" or not match.is_dir()):
                    seen.add(file)
                    yield file


UNMATCHED_REASONS = {"no_match": "the glob pattern matches no file", "not_found": "no such file or directory",
                     "empty_directory": "the directory holds no file"}


def unmatched_inputs(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """The paths that name no file, each with why: `no_match` (a glob matching nothing), `not_found` (a missing
    path) or `empty_directory` (a directory holding no file)."""
    unmatched = []
    for raw in paths:
        text = str(raw)
        if glob.has_magic(text):
            if not glob.glob(text, recursive=True):
                unmatched.append((text, "no_match"))
        elif not Path(text).exists():
            unmatched.append((text, "not_found"))
        elif Path(text).is_dir() and not any(p.is_file() for p in Path(text).rglob("*")):
            unmatched.append((text, "empty_directory"))
    return unmatched


def read_inputs(paths: Iterable[str | Path], settings: Settings) -> Iterator[ReadItem]:
    """Stream every document the inputs hold; bad inputs become rejects, never exceptions."""
    paths = list(paths)
    for pattern, reason in unmatched_inputs(paths):
        if reason == "no_match":  # a missing path is rejected by read_file; an empty directory is no error
            yield Reject(input=os.path.abspath(pattern), stage="read", reason=reason, detail=UNMATCHED_REASONS[reason])
    for path in expand_inputs(paths):
        yield from read_file(path, settings)


def read_file(path: Path, settings: Settings) -> Iterator[ReadItem]:
    name = path.name.lower()
    uri = str(path)
    if not path.exists():
        yield Reject(input=uri, stage="read", reason="not_found", detail="no such file or directory")
        return
    if not name.endswith(SUPPORTED_SUFFIXES):
        yield Skipped(input=uri, reason="unsupported_file_type")
        return
    try:
        if name.endswith(WARC_SUFFIXES):
            yield from _read_warc(path, settings)
        elif name.endswith(JSONL_SUFFIXES):
            yield from _read_jsonl(path, settings)
        else:
            media: MediaType = "text/plain" if name.endswith(TEXT_SUFFIXES) else "text/html"
            yield _read_single(path, media, settings)
    except InputTooLarge as exc:
        yield Reject(input=uri, stage="read", reason="too_large", detail=str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        yield Reject(input=uri, stage="read", reason="unreadable", detail=f"{type(exc).__name__}: {exc}")


def _read_single(path: Path, media: MediaType, settings: Settings) -> RawDocument | Reject:
    uri = str(path)
    size = path.stat().st_size
    if size > settings.max_document_bytes:
        return Reject(input=uri, stage="read", reason="too_large", detail=f"{size} bytes")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gunzip_capped(data, settings.max_document_bytes)
    if not data.strip():
        return Reject(input=uri, stage="read", reason="empty", detail="file holds no content")
    return RawDocument(source_uri=uri, media_type=media, content=data)


def gunzip_capped(data: bytes, limit: int) -> bytes:
    """Decompress without ever holding more than `limit` bytes, so a gzip bomb stops early."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = decompressor.decompress(data, limit + 1)
    if len(out) > limit or decompressor.unconsumed_tail:
        raise InputTooLarge(f"decompresses to more than {limit} bytes")
    if not decompressor.eof:
        raise EOFError("truncated gzip stream")
    return out


def _open_text_stream(path: Path) -> Iterator[bytes]:
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield from handle
    else:
        with path.open("rb") as handle:
            yield from handle


def _read_jsonl(path: Path, settings: Settings) -> Iterator[ReadItem]:
    for number, line in enumerate(_open_text_stream(path), start=1):
        uri = f"{path}#line={number}"
        if not line.strip():
            yield Skipped(input=uri, reason="blank_line")
            continue
        if len(line) > settings.max_document_bytes:
            yield Reject(input=uri, stage="read", reason="too_large", detail=f"{len(line)} bytes")
            continue
        yield _jsonl_record(uri, line)


def _jsonl_record(uri: str, line: bytes) -> ReadItem:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return Reject(input=uri, stage="read", reason="malformed_jsonl", detail=str(exc)[:200])
    if not isinstance(obj, dict):
        return Reject(input=uri, stage="read", reason="malformed_jsonl", detail="line is not a JSON object")
    html, text = obj.get("html"), obj.get("text")
    payload = html if isinstance(html, str) and html.strip() else text
    if not isinstance(payload, str) or not payload.strip():
        return Reject(input=uri, stage="read", reason="empty", detail="neither 'html' nor 'text' holds content")
    media: MediaType = "text/html" if payload is html else "text/plain"

    def field(key: str) -> str | None:
        value = obj.get(key)
        return str(value).strip() or None if value is not None else None

    return RawDocument(
        source_uri=uri, media_type=media, content=payload.encode("utf-8"), url=field("url"),
        declared_title=field("title"), declared_author=field("author"), declared_published=field("published"),
    )


def _read_warc(path: Path, settings: Settings) -> Iterator[ReadItem]:
    with path.open("rb") as handle:
        for index, record in enumerate(ArchiveIterator(handle)):
            uri = f"{path}#record={index}"
            if record.rec_type != "response" or record.http_headers is None:
                yield Skipped(input=uri, reason=f"warc_{record.rec_type}_record")
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            if "html" not in content_type.lower():
                yield Skipped(input=uri, reason="warc_non_html_response")
                continue
            stream = record.content_stream()
            body = stream.read(settings.max_document_bytes + 1)
            if len(body) > settings.max_document_bytes:
                yield Reject(input=uri, stage="read", reason="too_large", detail="WARC payload over the size cap")
                continue
            if not body.strip():
                yield Reject(input=uri, stage="read", reason="empty", detail="WARC response has no body")
                continue
            yield RawDocument(
                source_uri=uri, media_type="text/html", content=body,
                url=record.rec_headers.get_header("WARC-Target-URI"), charset=_charset_of(content_type),
            )


def _charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None

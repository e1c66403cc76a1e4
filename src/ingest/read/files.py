"""Read stage: expand paths into a stream of raw documents, one at a time, never the whole corpus in memory.

Every input ends as a document, a reject or a skip: nothing an input holds (a FIFO, a 2 GiB line, a truncated
archive, a file name that is not UTF-8) raises out of this module, and no input is read into memory past its cap.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote_to_bytes, urlsplit

from ingest.extract.page_metadata import parse_date
from ingest.models import FieldWarning, MediaType, RawDocument, Reject, Skipped
from ingest.read.warc import read_warc
from ingest.settings import Settings

ReadItem = RawDocument | Reject | Skipped | FieldWarning

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".txt.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz")
SUPPORTED_SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES + JSONL_SUFFIXES + WARC_SUFFIXES
_SKIP_CHUNK = 1 << 20
_SURROGATES = re.compile(r"[\ud800-\udfff]")


class InputTooLarge(ValueError):
    pass


class NotRegularFile(OSError):
    """A FIFO, device or socket: reading it could block forever or never end."""


def expand_inputs(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files, directories (recursively) and glob patterns, in a stable order, each file once. Non-regular entries
    of a directory (FIFOs, devices) are listed too, so the read stage can skip them with a reason."""
    seen: set[Path] = set()
    for raw in paths:
        text = path_from_uri(str(raw))
        matches = sorted(Path(m) for m in glob.glob(text, recursive=True)) if _is_pattern(raw) else [Path(text)]
        for match in matches:
            files = sorted(p for p in match.rglob("*") if not p.is_dir()) if match.is_dir() else [match]
            for file in files:
                # Absolute paths, so the same file read from another working directory is the same input.
                file = file.absolute()
                if file not in seen and (file.suffix != "" or not match.is_dir()):
                    seen.add(file)
                    yield file


def _is_pattern(raw: str | Path) -> bool:
    """A glob pattern, unless a file's own name holds glob characters ("a[1].html"): that is the file."""
    text = str(raw)
    return glob.has_magic(text) and not os.path.lexists(text) and not text.startswith("file://")


UNMATCHED_REASONS = {"no_match": "the glob pattern matches no file", "not_found": "no such file or directory",
                     "empty_directory": "the directory holds no file"}


def unmatched_inputs(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """The paths that name no file, each with why: `no_match` (a glob matching nothing), `not_found` (a missing
    path) or `empty_directory` (a directory holding no file)."""
    unmatched = []
    for raw in paths:
        text = path_from_uri(str(raw))
        if _is_pattern(raw):
            if not glob.glob(text, recursive=True):
                unmatched.append((text, "no_match"))
        elif not Path(text).exists():
            unmatched.append((text, "not_found"))
        elif Path(text).is_dir() and not any(p.is_file() for p in Path(text).rglob("*")):
            unmatched.append((text, "empty_directory"))
    return unmatched


def path_from_uri(text: str) -> str:
    """A `file://` URI as the path it names (its percent-escapes may be bytes that are not UTF-8); other text as it
    is. The command line hands such names to the flow as URIs: a flow's parameters must be UTF-8 JSON."""
    if not text.startswith("file://"):
        return text
    return os.fsdecode(unquote_to_bytes(urlsplit(text).path))


def portable_path(text: str) -> str:
    """`text` itself, or for a path that is not valid UTF-8 its `file://` URI (read back by `path_from_uri`)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Path(text).absolute().as_uri()
    return text


def display_path(path: Path) -> str:
    """The path as text every later stage can store: bytes that are not UTF-8 shown as `\\xff` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


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
    uri = display_path(path)
    try:
        mode = path.stat().st_mode  # follows symlinks: a link to /dev/zero is a device
    except FileNotFoundError:
        yield Reject(input=uri, stage="read", reason="not_found", detail="no such file or directory")
        return
    except OSError as exc:
        yield Reject(input=uri, stage="read", reason="unreadable", detail=f"{type(exc).__name__}: {exc}")
        return
    if not stat.S_ISREG(mode):
        yield Skipped(input=uri, reason="not_a_regular_file")
        return
    if not name.endswith(SUPPORTED_SUFFIXES):
        yield Skipped(input=uri, reason="unsupported_file_type")
        return
    try:
        if name.endswith(WARC_SUFFIXES):
            with open_regular(path) as handle:
                yield from read_warc(handle, uri, settings.max_document_bytes)
        elif name.endswith(JSONL_SUFFIXES):
            yield from _read_jsonl(path, uri, settings)
        else:
            media: MediaType = "text/plain" if name.endswith(TEXT_SUFFIXES) else "text/html"
            yield _read_single(path, uri, media, settings)
    except NotRegularFile:
        yield Skipped(input=uri, reason="not_a_regular_file")
    except InputTooLarge as exc:
        yield Reject(input=uri, stage="read", reason="too_large", detail=str(exc))
    except (OSError, EOFError, zlib.error) as exc:
        yield Reject(input=uri, stage="read", reason="unreadable", detail=f"{type(exc).__name__}: {exc}")


def open_regular(path: Path) -> IO[bytes]:
    """Open for reading only if it is a regular file; non-blocking, so a FIFO swapped in after the check cannot
    hang the open itself."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotRegularFile(f"{display_path(path)} is not a regular file")
    return os.fdopen(fd, "rb")


def _read_single(path: Path, uri: str, media: MediaType, settings: Settings) -> RawDocument | Reject:
    with open_regular(path) as handle:
        data = handle.read(settings.max_document_bytes + 1)
    if len(data) > settings.max_document_bytes:
        return Reject(input=uri, stage="read", reason="too_large", detail=f"over {settings.max_document_bytes} bytes")
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


def bounded_lines(handle: IO[bytes] | gzip.GzipFile, limit: int) -> Iterator[bytes | int]:
    """Each line of the stream; for a line longer than `limit` bytes only its length, read past in chunks and
    never held whole in memory (one 2 GiB line costs `limit` bytes, not 2 GiB)."""
    while line := handle.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = handle.readline(_SKIP_CHUNK)
            size += len(line)
        yield size


def _read_jsonl(path: Path, uri: str, settings: Settings) -> Iterator[ReadItem]:
    number = 0
    with open_regular(path) as raw:
        handle = gzip.GzipFile(fileobj=raw, mode="rb") if path.name.lower().endswith(".gz") else raw
        try:
            for number, line in enumerate(bounded_lines(handle, settings.max_document_bytes), start=1):
                yield from _jsonl_line(f"{uri}#line={number}", line, settings.max_document_bytes)
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt .gz: the line it broke in
            yield Reject(input=f"{uri}#line={number + 1}", stage="read", reason="unreadable",
                         detail=f"{type(exc).__name__}: {exc}")
            return
    if number == 0:
        yield Reject(input=uri, stage="read", reason="empty", detail="file holds no lines")


def _jsonl_line(uri: str, line: bytes | int, limit: int) -> Iterator[ReadItem]:
    if isinstance(line, int) or len(line) > limit:
        size = line if isinstance(line, int) else len(line)
        yield Reject(input=uri, stage="read", reason="too_large", detail=f"{size} bytes (cap {limit})")
    elif not line.strip():
        yield Skipped(input=uri, reason="blank_line")
    else:
        yield from jsonl_record(uri, line)


def jsonl_record(uri: str, line: bytes) -> Iterator[ReadItem]:
    """One JSONL line: a document (with a warning per declared field it cannot use) or a reject."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, an int over 4300 digits, deep nesting
        yield Reject(input=uri, stage="read", reason="malformed_jsonl", detail=f"{type(exc).__name__}: {exc}"[:200])
        return
    if not isinstance(obj, dict):
        yield Reject(input=uri, stage="read", reason="malformed_jsonl", detail="line is not a JSON object")
        return
    url = _text(obj.get("url"))
    if url is None:
        yield Reject(input=uri, stage="read", reason="missing_url",
                     detail="'url' is required: a non-empty string naming where the article was published")
        return
    html, text = _text(obj.get("html")), _text(obj.get("text"))
    payload = html or text
    if payload is None:
        yield Reject(input=uri, stage="read", reason="empty", detail="neither 'html' nor 'text' holds content")
        return
    declared, warnings = _declared_fields(uri, obj)
    yield RawDocument(source_uri=uri, media_type="text/html" if html else "text/plain",
                      content=payload.encode("utf-8"), url=url, **declared)
    yield from warnings


def _declared_fields(uri: str, obj: dict[str, Any]) -> tuple[dict[str, str | None], list[FieldWarning]]:
    """title, author and published as the line gives them; a value that cannot be used is dropped with a warning
    (published is kept as given, for the record, but is not a date)."""
    declared: dict[str, str | None] = {}
    warnings: list[FieldWarning] = []
    for key, target in (("title", "declared_title"), ("author", "declared_author"),
                        ("published", "declared_published")):
        value = obj.get(key)
        text = _text(value)
        if value is not None and not isinstance(value, str):
            warnings.append(FieldWarning(input=uri, stage="read", field=key, value=_shown(value),
                                         detail=f"'{key}' must be a string; the article loads without it"))
        elif key == "published" and text is not None and parse_date(text) is None:
            warnings.append(FieldWarning(input=uri, stage="read", field=key, value=_shown(text),
                                         detail="not an ISO date; the article loads without a publication date"))
        declared[target] = text
    return declared, warnings


def _text(value: object) -> str | None:
    """A usable string value: stripped, non-empty, lone surrogates (invalid UTF-16 escapes) replaced."""
    if not isinstance(value, str):
        return None
    return _SURROGATES.sub("\ufffd", value).strip() or None


def _shown(value: object) -> str:
    return _SURROGATES.sub("\ufffd", json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)[
        :200]

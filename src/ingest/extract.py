"""Extract stage: raw bytes to an `ExtractedArticle` (body, title, authors, date, site, canonical URL)."""

from __future__ import annotations

import codecs
import re
from datetime import date, datetime

import trafilatura
from trafilatura.settings import Document

from ingest.models import ExtractedArticle, RawDocument, Reject

EXTRACTOR_VERSION = f"ingest-0.1+trafilatura-{trafilatura.__version__}"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class ExtractionError(ValueError):
    """The input holds no article; `reason` is the short code stored in rejects."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def decode_bytes(content: bytes, declared_charset: str | None = None) -> str:
    """Transport charset, then BOM, then <meta charset>, then strict UTF-8, then cp1252."""
    if b"\x00" in content[:4096] and not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractionError("binary_content", "input holds NUL bytes: not a text document")
    candidates: list[str] = []
    if declared_charset:
        candidates.append(declared_charset)
    candidates += [name for bom, name in _BOMS if content.startswith(bom)]
    meta = _META_CHARSET.search(content[:8192])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1252"]
    for name in candidates:
        try:
            text = content.decode(_python_codec(name))
        except (LookupError, UnicodeDecodeError):
            continue
        return text.lstrip("\ufeff")
    raise ExtractionError("undecodable", "no charset decodes the input")


def _python_codec(name: str) -> str:
    lowered = name.lower()
    # Browsers treat these labels as their Windows supersets (WHATWG Encoding Standard).
    return {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932"}.get(lowered, lowered)


def extract(document: RawDocument) -> ExtractedArticle | Reject:
    try:
        text = decode_bytes(document.content, document.charset)
        if document.media_type == "text/html":
            return _from_html(document, text)
        return _from_text(document, text)
    except ExtractionError as exc:
        return Reject(input=document.source_uri, stage="extract", reason=exc.reason, detail=str(exc))


def _from_html(document: RawDocument, html: str) -> ExtractedArticle:
    if not _looks_like_text(html):
        raise ExtractionError("binary_content", "input is not text")
    result = trafilatura.bare_extraction(
        html, url=document.url, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
    )
    if not isinstance(result, Document) or not (result.text or "").strip():
        raise ExtractionError("no_article", "no article body found in the page")
    return ExtractedArticle(
        document_id=document.document_id,
        source_uri=document.source_uri,
        url=document.url,
        canonical_url=result.url,
        title=document.declared_title or _strip(result.title),
        authors=_split_authors(document.declared_author or result.author),
        published_at=parse_date(document.declared_published) or parse_date(result.date),
        site_name=_strip(result.sitename),
        description=_strip(result.description),
        tags=tuple(t for t in (result.tags or []) + (result.categories or []) if t),
        declared_language=_strip(result.language),
        body=result.text or "",
    )


def _from_text(document: RawDocument, text: str) -> ExtractedArticle:
    if not _looks_like_text(text):
        raise ExtractionError("binary_content", "input is not text")
    body = text.strip()
    if not body:
        raise ExtractionError("no_article", "text input is empty")
    return ExtractedArticle(
        document_id=document.document_id,
        source_uri=document.source_uri,
        url=document.url,
        title=document.declared_title,
        authors=_split_authors(document.declared_author),
        published_at=parse_date(document.declared_published),
        body=body,
    )


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f") + sample.count("\ufffd")
    return control / len(sample) < 0.02


def _strip(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _split_authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    parts = re.split(r"\s*;\s*|\s*\|\s*|\s+and\s+|\s*&\s*", value.strip())
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    return None

"""Immutable records passed between stages. Each stage takes one kind and returns the next."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MediaType = Literal["text/html", "text/plain"]
Stage = Literal["read", "extract", "clean", "load", "enrich", "dedupe", "fetch"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RawDocument(Record):
    """One distinct raw input: an HTML page, a text scrape, a JSONL line or a WARC response record."""

    source_uri: str = Field(description="file path (with #line or #record for containers) or URL")
    media_type: MediaType
    content: bytes
    url: str | None = None
    declared_title: str | None = None
    declared_author: str | None = None
    declared_published: str | None = None
    charset: str | None = None

    @cached_property
    def document_id(self) -> str:
        """Content address: the bytes, plus what a container declared about them (JSONL fields, WARC URL)."""
        digest = hashlib.sha256(self.content)
        declared = (self.url, self.declared_title, self.declared_author, self.declared_published)
        if any(declared):
            digest.update(b"\0" + "\x1f".join(v or "" for v in declared).encode())
        return digest.hexdigest()


class Skipped(Record):
    """An input part that is not an article by design (a WARC request record, a blank JSONL line)."""

    input: str
    reason: str


class Reject(Record):
    input: str
    stage: Stage
    reason: str
    detail: str = ""


class FieldWarning(Record):
    """A declared value that could not be used (a `published` that is not a date): the input still loads without it,
    and the warehouse keeps a row naming the input, the field and the value."""

    input: str
    stage: Stage
    field: str
    value: str
    detail: str = ""


class ExtractedArticle(Record):
    """What the page (or text) says, before cleaning."""

    document_id: str
    source_uri: str
    url: str | None
    canonical_url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: date | None = None
    published_time: datetime | None = Field(default=None, description="to the second, zone-aware, when stated")
    date_source: str | None = Field(default=None, description="where published_at came from")
    page_verdict: str | None = Field(default=None, description="bot wall, paywall or JS shell (ingest.fetch.pagecheck)")
    site_name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    declared_language: str | None = None
    body: str


class Embed(Record):
    platform: str
    handle: str | None
    posted_on: date | None
    text: str
    position: int = Field(description="order of the embed within the article")


class CleanArticle(Record):
    """An article ready to load: body with furniture removed, embeds split out."""

    article_id: str
    document_id: str
    source_uri: str
    url: str | None
    canonical_url: str | None
    title: str | None
    author: str | None
    published_at: date | None
    published_time: datetime | None = None
    date_source: str | None = None
    page_verdict: str | None = None
    language: str | None
    site_name: str | None
    description: str | None
    tags: tuple[str, ...]
    body_text: str
    word_count: int
    embeds: tuple[Embed, ...] = ()
    removed_lines: tuple[str, ...] = Field(default=(), description="furniture lines taken out, kept for audit")
    extractor_version: str


class BatchResult(Record):
    """Everything one batch produced: what to load and what to reject."""

    documents: tuple[RawDocument, ...]
    articles: tuple[CleanArticle, ...]
    rejects: tuple[Reject, ...]
    warnings: tuple[FieldWarning, ...] = ()
    stage_counts: dict[str, int] = Field(default_factory=dict)


def utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC).replace(tzinfo=None)

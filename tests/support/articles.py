"""A clean article around a given body, for tests that load articles without extracting pages."""

from __future__ import annotations

from datetime import date

from ingest.models import CleanArticle


def article_with_body(article_id: str, body: str) -> CleanArticle:
    return CleanArticle(article_id=article_id, document_id=f"d-{article_id}", source_uri=f"mem://{article_id}",
                        url=None, canonical_url=None, title="t", author=None, published_at=date(2025, 3, 1),
                        language="en", site_name=None, description=None, tags=(), body_text=body,
                        word_count=len(body.split()), extractor_version="test")

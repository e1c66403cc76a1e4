"""The records between stages: frozen, strict about their fields, and a raw document addressed by its content."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from ingest.models import BatchResult, RawDocument, Reject, utc_now


def _page(content: bytes = b"<p>Flood warning</p>", **declared: str) -> RawDocument:
    return RawDocument(source_uri="pages/a.html", media_type="text/html", content=content, **declared)


def test_a_document_is_addressed_by_its_bytes_not_its_path() -> None:
    one, moved = _page(), RawDocument(source_uri="elsewhere/b.html", media_type="text/html",
                                      content=b"<p>Flood warning</p>")
    assert one.document_id == moved.document_id and len(one.document_id) == 64
    assert _page(b"<p>Flood warnings</p>").document_id != one.document_id


def test_what_a_container_declares_is_part_of_the_address() -> None:
    """Two JSONL lines with the same HTML but different URLs are two documents; an empty declaration is none."""
    plain = _page()
    at_one, at_other = _page(url="https://a.example/1"), _page(url="https://a.example/2")
    assert len({plain.document_id, at_one.document_id, at_other.document_id}) == 3
    assert _page(declared_title="Flood").document_id != _page(declared_author="Flood").document_id
    assert _page(url="").document_id == plain.document_id


def test_records_are_frozen_and_refuse_unknown_fields_and_stages() -> None:
    reject = Reject(input="a.html", stage="read", reason="empty")
    with pytest.raises(ValidationError):
        reject.reason = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        Reject(input="a.html", stage="read", reason="empty", severity="high")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="stage"):
        Reject(input="a.html", stage="parse", reason="empty")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="media_type"):
        RawDocument(source_uri="a.pdf", media_type="application/pdf", content=b"%PDF")  # type: ignore[arg-type]


def test_a_batch_crosses_to_a_worker_process_intact() -> None:
    """Batches travel between the pool's processes by pickling: nothing may be lost on the way."""
    batch = BatchResult(documents=(_page(url="https://a.example/1"),), articles=(),
                        rejects=(Reject(input="b.html", stage="extract", reason="no_article", detail="0 words"),),
                        stage_counts={"read": 2})
    copy = pickle.loads(pickle.dumps(batch))
    assert copy == batch and copy.documents[0].document_id == batch.documents[0].document_id


def test_utc_now_is_naive_utc() -> None:
    now = utc_now()
    assert now.tzinfo is None
    assert abs((datetime.now(UTC).replace(tzinfo=None) - now).total_seconds()) < 60

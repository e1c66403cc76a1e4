"""The spans of an article by field and start, to find those overlapping a stretch of text without a scan of them
all: `resolve._propagate` asks that for every mention it finds, and an article holds hundreds of spans."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.entities.resolve import Span


class SpanIndex:
    def __init__(self, spans: Iterable[Span]) -> None:
        self._starts: dict[str, list[int]] = {}
        self._spans: dict[str, list[Span]] = {}
        self._longest = 0  # a span overlapping `start` opens no further than this before it
        for span in spans:
            self.add(span)

    def add(self, span: Span) -> None:
        starts = self._starts.setdefault(span.field, [])
        at = bisect_right(starts, span.start)
        starts.insert(at, span.start)
        self._spans.setdefault(span.field, []).insert(at, span)
        self._longest = max(self._longest, span.end - span.start)

    def overlapping(self, field: str, start: int, end: int) -> list[Span]:
        """The spans of `field` that share a character with `start`-`end`, by start."""
        starts = self._starts.get(field, [])
        low, high = bisect_left(starts, start - self._longest), bisect_left(starts, end)
        return [span for span in self._spans.get(field, [])[low:high] if start < span.end]

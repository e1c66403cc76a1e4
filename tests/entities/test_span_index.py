"""The span index finds exactly the spans of a field that overlap a stretch, however long or nested they are."""

from __future__ import annotations

import random

from ingest.entities.resolve import Span
from ingest.entities.span_index import SpanIndex


def _span(field: str, start: int, end: int) -> Span:
    return Span(field, start, end, None, "ORGANIZATION", "model")


def test_overlapping_finds_long_nested_and_later_added_spans_but_not_touching_ones() -> None:
    long_name, inside, after = _span("body", 0, 60), _span("body", 20, 25), _span("body", 70, 80)
    index = SpanIndex([after, long_name, _span("title", 20, 25)])
    assert index.overlapping("body", 20, 25) == [long_name]  # a span opening long before still covers it
    index.add(inside)
    assert index.overlapping("body", 22, 75) == [long_name, inside, after]
    assert index.overlapping("body", 60, 70) == []  # ends are exclusive: touching is no overlap
    assert index.overlapping("title", 0, 20) == [] and index.overlapping("missing", 0, 99) == []


def test_overlapping_agrees_with_a_scan_of_every_span() -> None:
    chooser = random.Random(7)
    spans = [_span(chooser.choice(["title", "body"]), start, start + chooser.randint(1, 40))
             for start in (chooser.randint(0, 300) for _ in range(200))]
    index = SpanIndex(spans[:100])
    for span in spans[100:]:
        index.add(span)
    for start in range(0, 320, 3):
        end = start + chooser.randint(1, 30)
        for field in ("title", "body"):
            expected = [s for s in spans if s.field == field and s.start < end and start < s.end]
            assert sorted(map(id, index.overlapping(field, start, end))) == sorted(map(id, expected))

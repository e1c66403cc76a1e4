"""Campuses of a university system: "University of North Carolina at Greensboro" and "... at Chapel Hill" are two
universities, and "UNC Greensboro" is the first of them.

The small model ends the name before "at" ("University of North Carolina"), which merges every campus into one
entity; a university or college name followed by "at" and a capitalised place name takes that place in. A name
written as the system's initials and the place ("UNC Greensboro", "UT Arlington") then joins the campus the
article names in full.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.entities.gazetteer import Gazetteer
from ingest.entities.trim import initials

if TYPE_CHECKING:
    from ingest.entities.resolve import Span

_CAMPUS_WORDS = frozenset({"university", "college"})
_AT_PLACE = re.compile(r" at (?P<place>[A-Z][\w'-]*(?: [A-Z][\w'-]*)*)")
_SHORT_CAMPUS = re.compile(r"(?P<initials>[A-Z]{2,5}) (?P<place>[A-Z]\w+(?: [A-Z]\w+)*)")


def extend_campus_names(texts: dict[str, str], spans: list[Span], gazetteer: Gazetteer) -> None:
    """Stretch a university or college name over a following "at <Place>" when the place is one the gazetteer
    or the model knows ("at Greensboro", not "at Christmas"); a span the model made of that place stays, nested
    in the name."""
    for span in spans:
        text = texts[span.field]
        words = text[span.start:span.end].casefold().split()
        if (span.type != "ORGANIZATION" or span.gazetteer is not None or "at" in words[1:-1]
                or not _CAMPUS_WORDS & set(words)):
            continue
        # the model may end the name on "at" itself ("University of North Carolina at" + "Chapel Hill")
        match = _AT_PLACE.match(text, span.end - 3 if words[-1] == "at" else span.end)
        if match is None or not _a_place(match.group("place"), match.start("place"), spans, gazetteer):
            continue
        for other in spans:
            if other.field == span.field and span.end < other.start < match.end():
                other.source = "nested"
        span.end = match.end()


def _a_place(place: str, start: int, spans: list[Span], gazetteer: Gazetteer) -> bool:
    entry = gazetteer.lookup(place)
    return (entry is not None and entry.type == "LOCATION") or any(
        s.type == "LOCATION" and s.start == start and s.end == start + len(place) for s in spans)


def link_campus_short_forms(texts: dict[str, str], spans: list[Span]) -> None:
    """"UNC Greensboro" joins the "University of North Carolina at Greensboro" the article names (run once
    every span has its name)."""
    campuses: dict[tuple[str, str], Span] = {}
    for span in spans:
        system, separator, place = span.name.partition(" at ")
        if span.type == "ORGANIZATION" and separator and _CAMPUS_WORDS & set(system.casefold().split()):
            campuses.setdefault((initials(system.split()), place), span)
    for span in spans:
        match = _SHORT_CAMPUS.fullmatch(texts[span.field][span.start:span.end])
        if span.type != "ORGANIZATION" or span.gazetteer is not None or match is None:
            continue
        full = campuses.get((match.group("initials"), match.group("place")))
        if full is not None and full is not span:
            span.name, span.wikidata_id = full.name, full.wikidata_id

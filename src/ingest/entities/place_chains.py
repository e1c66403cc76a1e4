"""A place named with the larger places that hold it: "Evansville, Indiana, United States", "Mecca, Saudi
Arabia". The whole phrase is one mention of its first place (as news writes it and as GUM annotates it), and
"Indiana, United States" inside it one of Indiana; the country keeps its own mention.

"Larger" comes from the gazetteer alone: a country (it has an ISO code) holds anything that is not a country; a
linked reference place that is not a country (a US state, a capital) holds a place of the long city list or
one the model found and no reference knows. A run of places that is a list ("Leeds, London and Manchester",
"Paris, London, Berlin") is left alone: every step must go to a larger place, and the run must not go on with
another place after it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.entities.resolve import Span

_POSSESSIVE_AFTER = re.compile(r"['\u2019]s?\b")  # "Paris, France's president": France is its own
_LIST_GOES_ON = re.compile(r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)[A-Z]")


def place_rank(span: Span) -> int:
    """3 a country, 2 a linked place that is no country, 1 a place of the long list or unknown to the reference."""
    entry = span.gazetteer
    if entry is None or entry.type != "LOCATION":
        return 1
    if entry.iso_alpha2:
        return 3
    return 2 if entry.wikidata_id and entry.rescue else 1


def extend_place_chains(texts: dict[str, str], spans: list[Span]) -> None:
    """Stretch each place of a "Place, Larger Place[, Larger Place]" run to the end of the run."""
    for fld, text in texts.items():
        places = sorted((s for s in spans if s.field == fld and s.type == "LOCATION"), key=lambda s: s.start)
        index = 0
        while index < len(places):
            chain = _chain_from(text, places, index)
            end = chain[-1].end
            if len(chain) >= 2 and not _LIST_GOES_ON.match(text, end) and not _POSSESSIVE_AFTER.match(text, end):
                for span in chain[:-1]:
                    span.end = end
            index += len(chain)


def _chain_from(text: str, places: list[Span], index: int) -> list[Span]:
    """The places from `index` on that each follow the one before after a bare ", ", each larger than it."""
    chain = [places[index]]
    for candidate in places[index + 1:]:
        last = chain[-1]
        if text[last.end:candidate.start] != ", " or place_rank(candidate) <= place_rank(last):
            break
        chain.append(candidate)
    return chain

"""An organisation named by a nationality word and a kind of body is the same organisation when the article writes
the body in lower case: "Indonesian navy" beside "the Indonesian Navy", "British army" beside "the British Army".

The small model tags only the nationality word there ("Indonesian", a group of people), which splits one navy
into a navy and a people. Only a name the article itself writes capitalised elsewhere is joined, so "Malaysian
navy" stays a nationality word where no "Malaysian Navy" is named.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.entities.trim import DEMONYM

if TYPE_CHECKING:
    from ingest.entities.resolve import Span

_NEXT_WORD = re.compile(r" (?P<word>[a-z]+)\b")


def join_lower_case_bodies(texts: dict[str, str], spans: list[Span]) -> None:
    """Stretch a nationality word over the lower-case word after it when the two are an organisation's name the
    article uses ("Indonesian" + " navy" -> the "Indonesian Navy"); run once every span has its name."""
    organisations = {s.name.casefold(): s for s in spans
                     if s.type == "ORGANIZATION" and len(s.name.split()) == 2 and DEMONYM.match(s.name.split()[0])}
    for span in spans:
        text = texts[span.field]
        surface = text[span.start:span.end]
        following = _NEXT_WORD.match(text, span.end)
        if span.type != "GROUP" or " " in surface or following is None:
            continue
        full = organisations.get(f"{surface} {following.group('word')}".casefold())
        if full is not None:
            span.end = following.end()
            span.type, span.name, span.wikidata_id, span.gazetteer = full.type, full.name, full.wikidata_id, None
            span.words = [surface, following.group("word")]

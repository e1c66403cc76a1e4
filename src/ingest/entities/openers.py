"""Capitals that the place of a word gives it, not its being a name: a line's or a sentence's first word
("Read the guide", "Wait. Click here") and the words of a heading ("Machine Learning Basics"). The small model
takes many of them for names. A span is dropped when the same document shows its words to be ordinary ones:

- one common word opening a line or sentence, written in lower case elsewhere in the document and capitalised
  nowhere but at such openings ("Read" beside "read");
- a Title-Case phrase on a heading line, written in lower case elsewhere ("Machine Learning" beside "machine
  learning");
- an organisation or place on a heading line made only of common words ("Customer Service", "Mobile Apps").

A heading line is a short line of its own, not a sentence (no full stop ends it), a list item, a table row
("| Mobile | Yes |") nor the value or continuation of the line before ("Publisher:", "Released by"); the title
is one. A name the gazetteer knows for sure (its strong entries) always stays.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from ingest.entities.name_signals import any_first_name
from ingest.entities.plausibility import common_word

if TYPE_CHECKING:
    from ingest.entities.resolve import Span

HEADING_MAX_WORDS = 10
_WORD = re.compile(r"\w+")
_LINE_LEAD = re.compile(r"^[\s\"'\u201c\u2018(\[*\u2022#>]*(?:\d+[.)]\s+)?$")  # quotes, a bullet, "39. "
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+$")
# A line after one ending in a colon or a linking word is that line's value or continuation, not a heading:
# "Published by\nKensington Books", "Publisher:\nKensington Books".
_CONTINUED = re.compile(r"(?::|\b(?:by|of|from|at|in|on|for|to|with|and|or|the|a|an))[ \t]*\n[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u2013]\s|\d+[.)]\s)")


class PositionalCapitals:
    """One document's test of whether a span's capitals are only those of its place."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.words = frozenset().union(*(text_words(text) for text in texts.values()))
        self.joined = "\n".join(texts.values())

    def only_positional(self, field: str, start: int, end: int, entity_type: str, linked: bool = False) -> bool:
        """`linked`: the gazetteer knows the name, if only from the long city list (then headings keep it)."""
        text = self.texts[field]
        surface = text[start:end]
        if " " not in surface and _opening_common_word(self.texts, field, start, surface, self.words):
            return True  # "Read" opening a sentence, "read" elsewhere
        heading = _heading_line(self.texts, field, start, end)
        if not heading or linked:
            return False
        if " " in surface and _title_case(heading) and _written_lower(self.joined, surface):
            return True  # "Machine Learning" in a heading "Machine Learning Basics", "machine learning" elsewhere
            # (not "Lantern Festival" in "Lantern Festival in Taipei lights up the night": capitals mid-line)
        # one word names itself only as the whole heading ("Rust"; not "House" of "House Renovation Costs")
        named = (" " in surface or heading.strip(" :?!") == surface) and self._named_in_running_text(surface)
        return entity_type in ("ORGANIZATION", "LOCATION") and _common_words_only(heading) and not named
        # "Customer Service" as a heading; not "H&R Block" where a sentence says "their H&R Block locations"

    def _named_in_running_text(self, surface: str) -> bool:
        """Whether a sentence of the body (a line ending in a full stop, or a long one; no table row) writes
        `surface` with capitals its place does not give: anywhere for several words ("Longevity Lab is
        dedicated"), away from a sentence's opening for one ("developers using Rust")."""
        text = self.texts.get("body", "")
        for start in _word_starts(text, surface):
            line = text[text.rfind("\n", 0, start) + 1:_line_end(text, start)].strip()
            if ("|" in line or not (line[-1:] in ".!?" or len(line.split()) > HEADING_MAX_WORDS)
                    or _heading_line(self.texts, "body", start, start + len(surface))):
                continue
            if " " in surface or not _at_opening(text, start):
                return True
        return False

    def drops(self, span: Span, field: str, start: int, end: int) -> bool:
        """Whether `span`'s kind of name at `field[start:end]` is only capitals of place; a name the gazetteer
        knows for sure (a strong entry) never is."""
        if span.gazetteer is not None and span.gazetteer.rescue:
            return False
        return self.only_positional(field, start, end, span.type, span.gazetteer is not None)


@lru_cache(maxsize=8)  # an article's title and body, asked for again by `resolve._propagate`
def text_words(text: str) -> frozenset[str]:
    """The words (runs of word characters) of `text`."""
    return frozenset(_WORD.findall(text))


def drop_positional_capitals(texts: dict[str, str], spans: list[Span]) -> list[Span]:
    """The spans less those whose capitals only their place in a line, sentence or heading gives them."""
    capitals = PositionalCapitals(texts)
    return [s for s in spans if not capitals.drops(s, s.field, s.start, s.end)]


def _opening_common_word(texts: dict[str, str], field: str, start: int, surface: str, words: frozenset[str]) -> bool:
    if not (surface[:1].isupper() and surface[1:].islower() and surface.lower() in words and common_word(surface)):
        return False
    if not _at_opening(texts[field], start):
        return False
    body = texts.get("body", "")
    return all(_at_opening(body, position) for position in _word_starts(body, surface))


def _word_starts(text: str, word: str) -> list[int]:
    """Where `word` stands in `text` as a word of its own (no pattern compiled per word)."""
    starts, position = [], text.find(word)
    while position >= 0:
        end = position + len(word)
        if not (position and text[position - 1].isalnum()) and not (end < len(text) and text[end].isalnum()):
            starts.append(position)
        position = text.find(word, end)
    return starts


def _at_opening(text: str, start: int) -> bool:
    """Whether `start` opens a line (after quotes, a bullet or a list number) or a sentence."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    return _LINE_LEAD.match(before) is not None or _SENTENCE_END.search(before) is not None


def _heading_line(texts: dict[str, str], field: str, start: int, end: int) -> str:
    """The heading line holding a span ("" when its line is no heading): the title, or a short line of the
    body that no full stop or comma ends and that is no list item or table row."""
    text = texts[field]
    if field == "title":
        return text
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start:_line_end(text, end)].strip()
    if (not line or "|" in line or line[-1] in ".,;" or _LIST_ITEM.match(line)
            or len(line.split()) > HEADING_MAX_WORDS or _CONTINUED.search(text[max(0, line_start - 40):line_start])):
        return ""
    return line


def _line_end(text: str, end: int) -> int:
    found = text.find("\n", end)
    return len(text) if found < 0 else found


def _title_case(line: str) -> bool:
    """"Machine Learning Basics", "Terms of Service": each word capitalised but short linking ones."""
    words = [w for w in _WORD.findall(line) if w.isalpha()]
    return bool(words) and words[0][:1].isupper() and all(w[:1].isupper() or len(w) <= 3 for w in words)


def _written_lower(text: str, surface: str) -> bool:
    return bool(_word_starts(text, surface.lower()))


def _common_words_only(line: str) -> bool:
    """Every word of the line (numbers aside) a common lower-case word and none a first name."""
    words = [w for w in _WORD.findall(line) if not any(ch.isdigit() for ch in w)]
    return bool(words) and all(common_word(w) and not any_first_name(w) for w in words)

"""Trimming a model span down to the name itself: no title or role, article, possessive, handle sign or quotes
("Russian President Vladimir Putin's" -> "Vladimir Putin"). The first step of resolution (ingest.entities.resolve);
it reads only the span's text and the gazetteer."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.entities.gazetteer import Gazetteer
from ingest.entities.name_signals import not_a_name, trailing_caption_cut, trailing_role_cut

_TITLES = """
president vice prime minister ministers secretary general chancellor premier king queen prince princess crown
pope sheikh emir sultan ayatollah imam rabbi reverend rev father bishop archbishop cardinal senator sen
representative rep congressman congresswoman governor gov mayor ambassador envoy admiral adm colonel col
lieutenant lt sergeant sgt captain capt commander chief justice judge attorney prosecutor director spokesman
spokeswoman spokesperson leader speaker chairman chairwoman chair ceo founder co-founder coach manager dr mr
mrs ms mx sir dame lord lady professor prof former late acting deputy foreign defence defense interior finance
health state supreme commissioner officer head first opposition army military labour labor treasury home
education justice environment energy trade economy economic affairs security national senior top adviser
advisor aide negotiator official
"""
TITLE_WORDS = frozenset(_TITLES.split())
CONNECTORS = frozenset({"of", "for", "to", "the", "and", "at", "in", "on"})
DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ian|ean|an|ese|ish|i|ic|ch)$|^(?:Greek|Swiss|Czech|Thai|Welsh|Irish)$")
POSSESSIVE = re.compile(r"(?:['\u2019]s|(?<=s)['\u2019])$")
_EDGE_PUNCT = "\"'\u201c\u201d\u2018\u2019()[]\u00ab\u00bb<>*_,;:!?|/\\-\u2013\u2014"
_WORD = re.compile(r"\S+")
ARTICLE = re.compile(r"^(?:the|The|THE)\s+")
FUNCTION_WORDS = frozenset({"of", "the", "and", "for", "de", "la", "le", "du", "des", "al", "&", "in", "on"})
_TRAILING_QUALIFIER = re.compile(r"\s+(?!of\b|de\b|and\b|the\b)[a-z]+\s+(?P<word>\S+)$")


def trim_span(text: str, start: int, end: int, entity_type: str, gazetteer: Gazetteer) -> tuple[int, int] | None:
    """Shrink a span to the name itself: no title or role, article, possessive, handle sign or quotes."""
    trimmed = _trim_surface(text[start:end], entity_type, gazetteer)
    if trimmed is None or after_lowercase_prefix(text, start + trimmed[0]):
        return None  # after a prefix: "pro-Beijing", "anti-Trump": an attitude, not a mention of the place or person
    return start + trimmed[0], start + trimmed[1]


@lru_cache(maxsize=16384)  # the same names recur within and across articles; bounded for a long run
def _trim_surface(surface: str, entity_type: str, gazetteer: Gazetteer) -> tuple[int, int] | None:
    """`trim_span` within the span's own text (all it reads but the characters before it)."""
    start, end = _strip_edges(surface, 0, len(surface))
    if entity_type == "PERSON":
        words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(surface[start:end])]
        cut = _title_prefix_length([surface[s:e] for s, e in words], gazetteer)
        if cut:
            start = words[cut][0]
    else:
        article = ARTICLE.match(surface[start:end])
        if article and article.end() < end - start:
            start += article.end()
        end = start + trailing_role_cut(surface[start:end])
        end = start + _before_trailing_qualifier(surface[start:end], gazetteer)
    end = start + trailing_caption_cut(surface[start:end])
    possessive = POSSESSIVE.search(surface[start:end])
    if possessive:
        end = start + possessive.start()
    start, end = _strip_edges(surface, start, end)
    name = surface[start:end]
    if len(name) < 2 or not any(ch.isalpha() for ch in name):
        return None
    first = next(ch for ch in name if ch.isalpha())
    if first.islower() and not (len(name) > 1 and name[1:2].isupper()):
        return None  # "pro-Beijing", lower-case handles: not a name mention
    if entity_type == "PERSON" and all(is_title(w) for w in name.split()):
        return None  # "President" alone refers to someone but names no one
    if not_a_name(name, entity_type):
        return None
    return start, end


def _before_trailing_qualifier(surface: str, gazetteer: Gazetteer) -> int:
    """Where the name ends when a run-on span closes on a preposition and a nationality word: "Scientology on
    French" (from "Scientology on French television") is "Scientology". A name may end "of Japan" or "on Iran",
    which the gazetteer knows as places, but not "on French"."""
    match = _TRAILING_QUALIFIER.search(surface)
    if match is None or not DEMONYM.match(match.group("word")) or gazetteer.lookup(match.group("word")):
        return len(surface)
    return match.start()


def after_lowercase_prefix(text: str, start: int) -> bool:
    return start >= 2 and text[start - 1] == "-" and text[start - 2].islower()


def _strip_edges(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start] in _EDGE_PUNCT or text[start] in "@#." or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _EDGE_PUNCT or text[end - 1].isspace()):
        end -= 1
    if end > start and text[end - 1] == ".":
        last_word = text[start:end].split()[-1]
        if last_word.count(".") == 1 and len(last_word) > 5:  # a sentence full stop, not "U.S." or "Inc."
            end -= 1
    return start, end


def is_title(word: str) -> bool:
    parts = [p for p in re.split(r"[-\u2010]", word.casefold().strip(".,")) if p]
    return bool(parts) and all(p in TITLE_WORDS for p in parts)


def _title_prefix_length(words: list[str], gazetteer: Gazetteer) -> int:
    """How many leading words are a title with its qualifiers: "US Secretary of State", "Russian President"."""
    index = cut = 0
    while index < len(words) - 1:
        word = POSSESSIVE.sub("", words[index])
        if is_title(word):
            index += 1
            cut = index
        elif word.casefold() in CONNECTORS and cut:
            index += 1
        elif (place := _place_length(words, index, gazetteer)) > 0:
            index += place
            cut = index if cut else 0
        elif DEMONYM.match(word):
            index += 1
        else:
            break
    return cut if 0 < cut < len(words) else 0


def _place_length(words: list[str], index: int, gazetteer: Gazetteer) -> int:
    for length in (3, 2, 1):
        if index + length < len(words):
            candidate = " ".join(POSSESSIVE.sub("", w) for w in words[index:index + length])
            entry = gazetteer.lookup(candidate)
            if entry is not None and entry.type == "LOCATION" and entry.rescue:  # not "Vladimir" the town
                return length
    return 0


def initials(words: list[str]) -> str:
    """"UNC" for "University of North Carolina": the capitals of the words that are not function words."""
    return "".join(w[0] for w in words if w and w.casefold() not in FUNCTION_WORDS and w[0].isupper())

"""Types and spans the article's own text settles, before resolution: what the small model got wrong that the
same article shows plainly. Every rule reads only the article at hand and general signals (name_signals)."""

from __future__ import annotations

import re

from ingest.entities.name_signals import (
    acronym,
    after_article,
    common_noun_acronyms,
    is_given_name,
    looks_like_person,
    software_shaped,
    surname_first,
)
from ingest.entities.plausibility import full_name_surnames, person_plausible
from ingest.entities.resolve import Span
from ingest.entities.trim import DEMONYM

_COMPASS_WORD = r"(?:North|South|East|West)(?:ern)?"
_COORDINATED_COMPASS = re.compile(rf"(?P<first>{_COMPASS_WORD}) and (?P<second>{_COMPASS_WORD} [A-Z]\S+)")
_PERSON_THEN_ARTICLE = re.compile(r"(?P<person>[\w'-]+) the (?=[A-Z])")
# Last words that make a name an event whatever the model calls it: a festival is held, not visited or run.
_EVENT_HEADS = frozenset({"festival", "festivals", "championship", "championships", "tournament", "olympics",
                          "marathon", "carnival"})
_ARTICLE_BEFORE = re.compile(r"(?:^|\W)(?:the|The)\s+$")
# "analysts at Morgan Stanley", "she works at Dean Witter": a person-shaped name the model calls an organisation is
# one when people are "at" it (a firm named after its founders), as a person seldom is.
_WORKPLACE_BEFORE = re.compile(r"(?:^|\W)at\s+$")


def retype_by_evidence(texts: dict[str, str], spans: list[Span]) -> list[Span]:
    """A span named like a person ("Dean Kamen" typed ORG) is a person; a single word the model calls a person
    but the text calls "the X" anywhere ("the Hajj") is none, nor a group "the X" that names no people ("the
    Zeitgeist"); an acronym no gazetteer knows as a place ("IE") is not one, nor a name written as software is
    ("Node.js", "C++", "PostgreSQL"); a person span opening with the
    surname of a person the article names in full is that person ("Warhol Polaroid" -> "Warhol"), and an
    organisation run on from such a surname starts after it ("Rathbun the Scientology"); a person span of
    common words ("Cloud Computing") is none (ingest.entities.plausibility), nor an acronym the article spells
    out in lower-case words ("artificial intelligence (AI)")."""
    not_persons = {texts[s.field][s.start:s.end] for s in spans
                   if s.type == "PERSON" and s.source == "model" and " " not in texts[s.field][s.start:s.end]
                   and after_article(texts[s.field], s.start, s.end)}
    surnames = full_name_surnames(texts, spans, strict=True)
    things = set().union(*(common_noun_acronyms(text) for text in texts.values()))
    named = surnames | full_name_surnames(texts, spans)
    kept = []
    for span in spans:
        surface = texts[span.field][span.start:span.end]
        if span.type == "PERSON" and span.gazetteer is None and surface in not_persons:
            continue
        if span.type == "GROUP" and _names_no_group(texts[span.field], span.start, span.end):
            continue
        unlinked = span.gazetteer is None
        if unlinked and surface in things:
            continue  # "AI" where the article writes "artificial intelligence (AI)": a thing, not a name
        if span.type == "PERSON" and unlinked and span.source == "model":
            plausible = person_plausible(texts[span.field], span.start, span.end, named)
            if plausible is None:
                continue
            span.type = plausible
        if (span.type in ("ORGANIZATION", "LOCATION") and unlinked and looks_like_person(surface, texts[span.field])
                and not _WORKPLACE_BEFORE.search(texts[span.field][max(0, span.start - 4):span.start])):
            span.type = "PERSON"
        elif span.type == "LOCATION" and span.gazetteer is None and (acronym(surface) or software_shaped(surface)):
            span.type = "ORGANIZATION"  # "IE" typed GPE: an unknown acronym is an organisation or a thing, and so
            # is a name written as software is ("Node.js", "C++", "PostgreSQL")
        elif span.type == "PERSON" and unlinked:
            span.end = _hyphenated_given_name_end(texts[span.field], span.start, span.end)
            span.end = span.start + _surname_led_length(texts[span.field][span.start:span.end], surnames)
        elif span.type in ("ORGANIZATION", "LOCATION") and unlinked:
            span.start += _after_person_and_article(surface, surnames)
            if surface.split()[-1].casefold() in _EVENT_HEADS:
                span.type = "EVENT"  # "The Taipei City Lantern Festival" the model calls a facility
        kept.append(span)
    return kept


def split_coordinated_places(texts: dict[str, str], spans: list[Span]) -> list[Span]:
    """"North and South Korea" is two places, "North" (Korea) and "South Korea": a place span joining two
    compass words before one name is cut in two, so each half can join the place it stands for."""
    result = []
    for span in spans:
        match = _COORDINATED_COMPASS.fullmatch(texts[span.field][span.start:span.end])
        if span.type != "LOCATION" or match is None:
            result.append(span)
            continue
        first_end, second_start = span.start + match.end("first"), span.start + match.start("second")
        result.append(Span(span.field, span.start, first_end, span.label, span.type, span.source))
        known = next((s for s in spans if (s.field, s.start, s.end) == (span.field, second_start, span.end)), None)
        if known is None:  # else the gazetteer found it inside the coordination: it is no longer nested
            result.append(Span(span.field, second_start, span.end, span.label, span.type, span.source))
        else:
            known.source, known.label = span.source, span.label
    return result


def _surname_led_length(surface: str, surnames: set[str]) -> int:
    """"Warhol Polaroid" (the model ran a surname into the next capitalised word) is "Warhol" when the article
    names someone "... Warhol" and "Warhol" is no given name; "Warhol Polaroid" as a full name it keeps, and
    "Leung Kwok-hung" beside "Priscilla Leung" too: a surname written first, as Chinese names are."""
    words = surface.split()
    if (len(words) < 2 or words[0] not in surnames or is_given_name(words[0]) or words[-1] in surnames
            or surname_first(words)):
        return len(surface)
    return len(words[0])


_HYPHEN_SYLLABLE = re.compile(r"-[a-z]{1,6}\b(?!-)")


def _hyphenated_given_name_end(text: str, start: int, end: int) -> int:
    """"Wong Kwok" before "-hing": the model cut a surname-first name at the hyphen of its given name; the
    name is "Wong Kwok-hing"."""
    match = _HYPHEN_SYLLABLE.match(text, end)
    if match is None or not surname_first(text[start:match.end()].split()):
        return end
    return match.end()


def _after_person_and_article(surface: str, surnames: set[str]) -> int:
    """"Rathbun the Scientology" (from "According to Rathbun the Scientology property", a comma missing) is
    "Scientology" when the article names someone "... Rathbun"; "Rent the Runway" stays whole."""
    match = _PERSON_THEN_ARTICLE.match(surface)
    return match.end() if match is not None and match.group("person") in surnames else 0


def _names_no_group(text: str, start: int, end: int) -> bool:
    """"The Zeitgeist": a group of people after "the" is plural or a nationality ("the Belgians", "the French",
    "the Taliban"); one singular word that is neither is a thing the model took for a group."""
    surface = text[start:end]
    return (" " not in surface and _ARTICLE_BEFORE.search(text[max(0, start - 6):start]) is not None
            and not surface.endswith("s") and not DEMONYM.match(surface))

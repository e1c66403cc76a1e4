"""Entity resolution: from the model's raw spans to one canonical entity per real-world thing in an article.

Within an article, once titles, roles, possessives and handles are trimmed off the span
(ingest.entities.trim): short forms join the full name used elsewhere ("Putin" -> "Vladimir
Putin"), acronyms join the name they abbreviate, the gazetteer links names to Wikidata and corrects types, and
a name found once is found everywhere else it occurs in the same article. Across articles and runs: the
entity id is a hash of (type, canonical name), so it is the same wherever and whenever the name is seen.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache

from ingest.entities.campus_names import extend_campus_names, link_campus_short_forms
from ingest.entities.demonym_names import join_lower_case_bodies
from ingest.entities.gazetteer import Gazetteer, GazetteerEntry, GazetteerMatch, normalise_surface
from ingest.entities.name_signals import (
    SURNAME_FIRST_SURNAMES,
    all_capitals,
    defined_acronyms,
    general_acronym,
    is_given_name,
    occurs_as_word,
    surname_first,
    surname_of,
)
from ingest.entities.openers import PositionalCapitals, text_words
from ingest.entities.place_chains import extend_place_chains
from ingest.entities.plausibility import common_word_city, weak_common_place
from ingest.entities.span_index import SpanIndex
from ingest.entities.trim import (
    ARTICLE,
    CONNECTORS,
    DEMONYM,
    FUNCTION_WORDS,
    POSSESSIVE,
    after_lowercase_prefix,
    initials,
)

RESOLVER_VERSION = "resolve-7"  # 7: general acronyms, software-shaped names, capitals of place (openers), no
# common-word city nested; 6: no place nested as the end of another place's name; "at" keeps a firm a firm

LABEL_TYPES = {
    "PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "NORP": "GROUP", "EVENT": "EVENT", "PRODUCT": "PRODUCT", "WORK_OF_ART": "WORK", "LAW": "LAW",
}
ENTITY_TYPES = tuple(dict.fromkeys(LABEL_TYPES.values()))

_WORD_CHARS = re.compile(r"\w+")
_NESTING_TYPES = ("ORGANIZATION", "LOCATION", "EVENT")
# Words that open a place's name ("New York", "Fort Worth", "San Jose"): a known place right after one of them is
# the end of another place's name. Not a compass word: "Southern California" and "East Africa" lie in the place.
_PLACE_NAME_PREFIXES = frozenset({"New", "Little", "Saint", "St.", "St", "San", "Santa", "Los", "Las", "Fort",
                                  "Port", "Mount", "Lake", "Palm", "Grand"})
_INNER_POSSESSIVE = re.compile(r"'s\s")
_COMPASS = frozenset({"north", "south", "east", "west"})
# What may follow a one-word name in the full name it stands for ("Toyota Motor Corporation", "Harvard University"):
# words naming the kind of body, not a thing of its own ("Walmart's Inventory System", "Apple Music").
_BODY_WORD_LIST = """
    inc inc. corp corp. corporation co co. company companies group holdings ltd ltd. llc plc ag sa gmbh nv bv
    party university college school institute foundation association society council committee
    motor motors airlines airways bank international worldwide global
"""
BODY_WORDS = frozenset(_BODY_WORD_LIST.split())


@dataclass
class Span:
    """A working mention inside one field of one article; `resolve` fills the canonical fields."""

    field: str
    start: int
    end: int
    label: str | None
    type: str
    source: str
    gazetteer: GazetteerEntry | None = None
    name: str = ""
    wikidata_id: str | None = None
    words: list[str] = dataclass_field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    field: str
    start: int
    end: int
    surface: str
    label: str | None
    source: str
    type: str
    name: str
    wikidata_id: str | None
    entity_id: str
    geonames_id: str | None = None


def entity_id_for(entity_type: str, name: str) -> str:
    """Stable across articles and runs: the same canonical name and type always give the same id."""
    return hashlib.sha256(f"{entity_type}\0{name_key(name)}".encode()).hexdigest()[:16]


@lru_cache(maxsize=16384)  # asked for each span at several steps (types vote, nesting, entity ids)
def name_key(name: str) -> str:
    """"New People's Party" and "New People Party" are one name; so are "U.S." and "US"."""
    return _INNER_POSSESSIVE.sub(" ", normalise_surface(name)).casefold().replace(".", "")


def name_words(surface: str) -> list[str]:
    return list(_name_words(surface))  # a list of its own: a span's words are its own to change


@lru_cache(maxsize=16384)  # every span's surface, at several steps; bounded for a long run
def _name_words(surface: str) -> tuple[str, ...]:
    return tuple(POSSESSIVE.sub("", w) for w in normalise_surface(surface).split())


def merge_gazetteer(text: str, field: str, spans: list[Span], gazetteer: Gazetteer) -> list[Span]:
    """Attach gazetteer entries to model spans; let an alias that covers model spans replace them ("UN" +
    "Security Council" -> "UN Security Council"); add names the model missed when they stand alone."""
    result = list(spans)
    for match in gazetteer.find(text):
        overlapping = [s for s in result if s.start < match.end and match.start < s.end]
        if not overlapping:
            if match.entry.rescue and _standalone(text, match.start, match.end):
                result.append(Span(field, match.start, match.end, None, match.entry.type, "gazetteer", match.entry))
        elif all(match.start <= s.start and s.end <= match.end for s in overlapping):
            first = min(overlapping, key=lambda s: s.start)
            exact = len(overlapping) == 1 and (first.start, first.end) == (match.start, match.end)
            for span in overlapping:
                result.remove(span)
            result.append(Span(field, match.start, match.end, first.label, first.type,
                               first.source if exact else "gazetteer", match.entry))
        elif _nests_place(text, match, overlapping, gazetteer):
            result.append(Span(field, match.start, match.end, None, match.entry.type, "nested", match.entry))
    return sorted(result, key=lambda s: s.start)


def _nests_place(text: str, match: GazetteerMatch, overlapping: list[Span], gazetteer: Gazetteer) -> bool:
    """A known place inside an organisation's, place's or event's name: "Texas" in "University of Texas",
    "Arlington" in "University of Texas Arlington" (a city of the long list, unless named like a person, or like
    a common word away from what places it: "Mobile App" but "Downtown Phoenix", "Mesa Arizona"); not the tail
    of a longer place name the list lacks: "York" in "New York Stock Exchange", "Worth" in "Fort Worth Zoo"."""
    known = match.entry.rescue or not (is_given_name(match.entry.name.split()[0])
                                       or common_word_city(text, match.start, match.end, match.entry, gazetteer))
    return (match.entry.type == "LOCATION" and known and len(overlapping) == 1
            and overlapping[0].type in _NESTING_TYPES
            and overlapping[0].start <= match.start and match.end <= overlapping[0].end
            and not _after_place_prefix(text[overlapping[0].start:match.start]))


def _after_place_prefix(before: str) -> bool:
    words = before.split()
    return bool(words) and words[-1] in _PLACE_NAME_PREFIXES


def _standalone(text: str, start: int, end: int) -> bool:
    """Not part of a longer capitalised name: "Jordan" alone, not "Jordan Peterson" or "Washington Post"."""
    if text[end:end + 1] == " " and text[end + 1:end + 2].isupper():
        return False
    if start and text[start - 1] in "@#" or after_lowercase_prefix(text, start):
        return False
    if text[start - 1:start] != " ":
        return True
    head = text[max(0, start - 200):start - 1]
    previous = head.rsplit(None, 1)[-1] if head.strip() else ""
    if not previous[:1].isupper():
        return True
    before_previous = head[:len(head) - len(previous)].rstrip(" ")
    return not before_previous or before_previous[-1] in ".!?:\n\"\u201c"  # sentence-initial capital


def resolve(texts: dict[str, str], spans: list[Span], gazetteer: Gazetteer) -> list[Resolved]:
    """Give every span of one article its canonical name, type, Wikidata id and entity id."""
    extend_campus_names(texts, spans, gazetteer)
    for span in spans:
        span.words = name_words(texts[span.field][span.start:span.end])
        span.name = ""
    spans = _define_acronyms(texts, spans)
    persons = _person_clusters(texts, spans)
    _link_inverted_republics(spans, gazetteer)
    _apply_gazetteer(spans, persons)
    _link_short_names(spans, persons)
    _link_acronyms(texts, spans)
    _link_organisation_short_forms(texts, spans, gazetteer)
    for span in spans:
        if not span.name:
            span.name = span.gazetteer.name if span.gazetteer else _display_name(texts[span.field], span)
            span.wikidata_id = span.gazetteer.wikidata_id if span.gazetteer else None
    link_campus_short_forms(texts, spans)
    join_lower_case_bodies(texts, spans)
    _join_transposed_names(spans)
    spans = spans + _propagate(texts, spans)
    _vote_types(spans)
    extend_place_chains(texts, spans)
    return [
        Resolved(field=s.field, start=s.start, end=s.end, surface=texts[s.field][s.start:s.end], label=s.label,
                 source=s.source, type=s.type, name=s.name, wikidata_id=s.wikidata_id,
                 entity_id=entity_id_for(s.type, s.name),
                 geonames_id=s.gazetteer.geonames_id if s.gazetteer and s.gazetteer.type == s.type else None)
        for s in sorted(spans, key=lambda s: (s.field != "title", s.start))
    ]


def _display_name(text: str, span: Span) -> str:
    return POSSESSIVE.sub("", normalise_surface(ARTICLE.sub("", text[span.start:span.end])))


@dataclass
class _Cluster:
    """Mentions of one person under their full name ("Donald Trump", "Donald J. Trump"); `first` and `last` are
    the name's first and last words, `surname` the one of them that is the surname ("Leung" of "Leung Chun-ying")."""

    name: str
    first: str
    last: str
    surname_first: bool = False
    positions: list[tuple[int, int]] = dataclass_field(default_factory=list)  # (title first, start)

    @property
    def surname(self) -> str:
        return self.first if self.surname_first else self.last


def _position(span: Span) -> tuple[int, int]:
    return (0 if span.field == "title" else 1, span.start)


def _person_clusters(texts: dict[str, str], spans: list[Span]) -> list[_Cluster]:
    clusters: dict[tuple[str, str], _Cluster] = {}
    surfaces: dict[tuple[str, str], Counter[str]] = {}
    for span in spans:
        if span.type != "PERSON" or len(span.words) < 2 or span.source != "model" or span.gazetteer:
            continue
        key = (span.words[0].casefold(), span.words[-1].casefold())
        cluster = clusters.setdefault(key, _Cluster("", span.words[0], span.words[-1], surname_first(span.words)))
        cluster.positions.append(_position(span))
        surfaces.setdefault(key, Counter())[" ".join(span.words)] += 1
        span.name = "\0" + "|".join(key)  # resolved to the cluster's name below
    for key, cluster in clusters.items():
        counts = surfaces[key]
        cluster.name = max(counts, key=lambda s: (len(s.split()), counts[s], -len(s)))
    for span in spans:
        if span.name.startswith("\0"):
            first, last = span.name[1:].split("|")
            span.name = clusters[(first, last)].name
    return list(clusters.values())


def _link_inverted_republics(spans: list[Span], gazetteer: Gazetteer) -> None:
    """"Korea Republic" (as football writes country names) is the "Republic of Korea" the gazetteer knows."""
    for span in spans:
        if span.gazetteer is None and span.type == "LOCATION" and len(span.words) == 2 and span.words[1] == "Republic":
            entry = gazetteer.lookup(f"Republic of {span.words[0]}")
            if entry is not None and entry.iso_alpha2:
                span.gazetteer = entry


def _apply_gazetteer(spans: list[Span], persons: list[_Cluster]) -> None:
    """Gazetteer types win, except for a model PERSON whose name is the surname of a person named in full; an
    entry too often something else (rescue "no": the long city list) only settles a place or organisation."""
    surnames = {c.surname.casefold() for c in persons}
    # "Toyota" beside "Toyota Motor Corporation": the firm's short name, not the town of the long list
    organisation_openings = {s.words[0].casefold() for s in spans
                             if s.type == "ORGANIZATION" and len(s.words) >= 2 and s.gazetteer is None}
    for span in spans:
        entry = span.gazetteer
        if entry is None or span.name:
            continue
        if span.type == "PERSON" and entry.type != "PERSON" and span.words[-1].casefold() in surnames:
            span.gazetteer = None  # a surname
            continue
        if (not entry.rescue and span.type == "ORGANIZATION" and len(span.words) == 1
                and span.words[0].casefold() in organisation_openings):
            span.gazetteer = None
            continue
        if not entry.rescue and span.type not in ("ORGANIZATION", "LOCATION"):
            span.gazetteer = None  # a person, work or group named like a town ("Florence", "Jordan", "Batman")
            continue
        span.type = entry.type


def _link_short_names(spans: list[Span], persons: list[_Cluster]) -> None:
    """A lone surname (or a first name the model calls PERSON) joins the full name used in the article. A surname
    that leads a name ("Leung" of "Leung Chun-ying") is no first name, and "Leung" alone joins a person only when
    one person of the article carries it: Hong Kong news names several Leungs, Wongs and Chans in one article."""
    by_last: dict[str, list[_Cluster]] = {}
    by_first: dict[str, list[_Cluster]] = {}
    for cluster in persons:
        by_last.setdefault(cluster.surname.casefold(), []).append(cluster)
        if not cluster.surname_first:
            by_first.setdefault(cluster.first.casefold(), []).append(cluster)
    for span in spans:
        if span.name or len(span.words) != 1 or span.type == "GROUP" or (
                span.type != "PERSON" and all_capitals(span.words[0])):
            continue  # "AI" the model calls an organisation is no surname of a "Generative AI" it calls a person,
            # nor "French" it calls a people or language the surname of "Clara French"
        word = span.words[0].casefold()
        by_first_name = span.type == "PERSON" or is_given_name(span.words[0])
        candidates = by_last.get(word) or (by_first.get(word) if by_first_name else None)
        if candidates and len(candidates) > 1 and any(c.surname_first for c in candidates):
            continue  # "Leung" beside "Leung Chun-ying" and "Leung Kwok-hung" (or "Baggio Leung"): which one?
        if candidates:
            span.name = _nearest(candidates, _position(span)).name
            span.type, span.gazetteer, span.wikidata_id = "PERSON", None, None


def _nearest(clusters: list[_Cluster], position: tuple[int, int]) -> _Cluster:
    """The cluster named most recently before this position, else the first one named after it."""
    def distance(cluster: _Cluster) -> tuple[int, tuple[int, int]]:
        before = [p for p in cluster.positions if p <= position]
        return (0, (-max(before)[0], -max(before)[1])) if before else (1, min(cluster.positions))
    return min(clusters, key=distance)


def _link_acronyms(texts: dict[str, str], spans: list[Span]) -> None:
    """"KPA" is the "Korean People's Army" named elsewhere in the article."""
    expansions: dict[str, Span] = {}
    for span in spans:
        if len(span.words) >= 2 and span.type in ("ORGANIZATION", "LOCATION", "EVENT", "GROUP", "LAW"):
            expansions.setdefault(initials(ARTICLE.sub("", " ".join(span.words)).split()), span)
    for span in spans:
        surface = texts[span.field][span.start:span.end].replace(".", "")
        if span.name or span.gazetteer or len(span.words) != 1 or not (2 <= len(surface) <= 6):
            continue
        if surface.isupper() and surface in expansions:
            full = expansions[surface]
            span.name = full.gazetteer.name if full.gazetteer else _display_name(texts[full.field], full)
            span.wikidata_id = full.gazetteer.wikidata_id if full.gazetteer else None
            span.type = full.type


def _define_acronyms(texts: dict[str, str], spans: list[Span]) -> list[Span]:
    """An acronym the model takes for an organisation or place, defined beside its full name ("... Agnostics
    (UAAR)"), is one entity with it; the full name becomes one span, whatever pieces the model cut it into
    ("Italian" + nothing for "Italian Episcopal Conference"). Names the gazetteer knows inside it stay nested."""
    result = list(spans)
    for fld, text in texts.items():
        for name_start, name_end, acronym_start, acronym_end in defined_acronyms(text):
            short = next((s for s in result if s.field == fld and (s.start, s.end) == (acronym_start, acronym_end)),
                         None)
            inside = [s for s in result if s.field == fld and s.start < name_end and name_start < s.end]
            if short is None or short.gazetteer is not None or short.type not in ("ORGANIZATION", "LOCATION") or any(
                    s.start < name_start or name_end < s.end or (s.gazetteer and s.type != "LOCATION")
                    or (s.gazetteer and (s.start, s.end) == (name_start, name_end)) for s in inside):
                continue  # not an organisation's or place's acronym to the model ("SEO (Search Engine
                # Optimization)" is a thing), the reference knows it, or the model found a longer name around it
            name = normalise_surface(text[name_start:name_end])
            exact = next((s for s in inside if (s.start, s.end) == (name_start, name_end)), None)
            # the full name's own type when the model gave it one ("Affordable Care Act" a LAW, "DHH" a person)
            entity_type = exact.type if exact is not None and exact.type != "GROUP" else short.type
            for span in inside:
                result.remove(span)
                if span.gazetteer is not None and span is not exact:
                    span.source = "nested"  # "Texas" in "University of Texas (UT)"
                    result.append(span)
            result.append(Span(fld, name_start, name_end, exact.label if exact else None, entity_type,
                               exact.source if exact else "expansion", None, name, None, name_words(name)))
            short.name, short.type, short.words = name, entity_type, [text[acronym_start:acronym_end]]
    return result


def _link_organisation_short_forms(texts: dict[str, str], spans: list[Span], gazetteer: Gazetteer) -> None:
    """"Church" or "Scientology" alone is the one "Church of Scientology" the article names, "Court" its
    "Supreme Court", "State Department" its "US State Department", "Supreme Court" its "Italian Supreme Court of
    Cassation"; with two candidates, neither. Longer short forms are settled first, so "Court" follows
    "Supreme Court" to the name it stands for."""
    longer = [s for s in spans if s.type in ("ORGANIZATION", "LOCATION") and len(s.words) >= 2]
    halves = {(s.words[0].casefold(), s.words[1].casefold()) for s in longer
              if s.type == "LOCATION" and len(s.words) == 2 and s.words[0].casefold() in _COMPASS}
    divided = {place for place, count in Counter(place for _, place in halves).items() if count >= 2}
    # A short form's first word is a word of the full name it stands for (`_shortens`): try only those holding it
    holding: dict[str, list[Span]] = {}
    for candidate in longer:
        for word in dict.fromkeys(w.casefold() for w in candidate.words):
            holding.setdefault(word, []).append(candidate)
    # the same words, type and "the" find the same full name: its candidates (longer) are all settled before
    settled: dict[tuple[tuple[str, ...], str, bool], Span | None] = {}
    for span in sorted(spans, key=lambda s: -len(s.words)):
        if span.name or span.gazetteer or span.type not in ("ORGANIZATION", "LOCATION") or not span.words:
            continue
        definite = re.search(r"\b[Tt]he\s+$", texts[span.field][max(0, span.start - 5):span.start]) is not None
        key = (tuple(span.words), span.type, definite)
        if key not in settled:
            settled[key] = _only_full_form(texts, span, holding, gazetteer, definite, divided)
        full = settled[key]
        if full is not None:
            span.name = _full_name(texts, full)
            span.wikidata_id = full.wikidata_id or (full.gazetteer.wikidata_id if full.gazetteer else None)
            span.type = full.type


def _only_full_form(texts: dict[str, str], span: Span, holding: dict[str, list[Span]], gazetteer: Gazetteer,
                    definite: bool, divided: set[str]) -> Span | None:
    """The one full name (a span naming it) that `span` can stand for; None when none or several. `holding`: the
    longer names by each of their words."""
    found: dict[str, Span] = {}
    for candidate in holding.get(span.words[0].casefold(), []):
        if len(candidate.words) > len(span.words) and _shortens(span, candidate, gazetteer, definite, divided):
            found[name_key(_full_name(texts, candidate))] = candidate
    return next(iter(found.values())) if len(found) == 1 else None


def _full_name(texts: dict[str, str], span: Span) -> str:
    return span.name or (span.gazetteer.name if span.gazetteer else _display_name(texts[span.field], span))


def _shortens(span: Span, candidate: Span, gazetteer: Gazetteer, definite: bool, divided: set[str]) -> bool:
    """Whether `span` can stand for `candidate`; a trailing "of ..." may be dropped only by a form written with
    "the" ("the Supreme Court"), as a name standing alone ("Blue Cross Blue Shield") is its own."""
    short = [w.casefold() for w in span.words]
    full, words = candidate.words, [w.casefold() for w in candidate.words]
    if candidate.type == "LOCATION":  # "the North" for "North Korea" where "South Korea" is named too; "Korea"
        # for the one "South Korea" named (with "North Korea" named too, two candidates: neither)
        return span.type == "LOCATION" and len(short) == 1 and len(words) == 2 and words[0] in _COMPASS and (
            (words[:1] == short and words[1] in divided) or words[1] == short[0])
    if len(short) > 1:  # a leading place and a trailing "of ..." dropped: "US State Department" -> "State
        # Department", "Italian Supreme Court of Cassation" -> "Supreme Court"
        return span.type == "ORGANIZATION" and any(
            words[start:start + len(short)] == short
            and all(DEMONYM.match(w) or _is_place(w, gazetteer) for w in full[:start])
            and (start + len(short) == len(words) or (definite and words[start + len(short)] == "of"))
            for start in range(len(words) - len(short) + 1))
    word = short[0]
    if word in FUNCTION_WORDS or not span.words[0][:1].isupper():
        return False
    if span.type == "LOCATION":  # only as what an organisation is "of": "Scientology", not "Arlington"
        return len(words) >= 3 and words[-2] == "of" and words[-1] == word
    if word == words[-1]:  # "Scientology" for "Church of Scientology", "Reuters" for "Thomson Reuters"
        return True
    return word == words[0] and (words[1] == "of" or all(w.strip(",") in BODY_WORDS for w in words[1:]))


def _is_place(word: str, gazetteer: Gazetteer) -> bool:
    entry = gazetteer.lookup(word)
    return entry is not None and entry.type == "LOCATION" and entry.rescue


def _propagate(texts: dict[str, str], spans: list[Span]) -> list[Span]:
    """Find the article's other mentions of each name: "Rathbun" again, "Scientology" the model missed."""
    taken = SpanIndex(s for s in spans if s.field in texts)
    surnames = Counter(surname_of(n.split()) for n in {s.name for s in spans if s.type == "PERSON" and " " in s.name})
    forms: dict[str, Span] = {}
    for span in spans:
        forms.setdefault(POSSESSIVE.sub("", texts[span.field][span.start:span.end]), span)
        surname = surname_of(span.name.split()) if span.type == "PERSON" and " " in span.name else ""
        if surname and surnames[surname] == 1 and not general_acronym(surname):
            forms.setdefault(surname, span)  # not "AI" of a "Watson Studio AI" the model calls a person
    capitals = PositionalCapitals(texts)
    added: list[Span] = []
    lower_words = {fld: text_words(text) for fld, text in texts.items()}
    for surface, model in sorted(forms.items(), key=lambda item: -len(item[0])):
        if len(surface) < 2 or not surface[:1].isupper():
            continue
        for fld, text in texts.items():
            if " " not in surface and not surface.isupper() and _written_lower_case(surface, text, lower_words[fld]):
                continue  # also an ordinary lower-case word here ("State" / "state"): too risky
            for start, end in _standalone_matches(surface, text):
                if " " not in surface and _inside_surname_first_name(text, start, end):
                    continue  # "Yiu" (of "Edward Yiu") in "Leung Yiu-chung", "Leung" in "Leung Kwok-hung"
                if capitals.drops(model, fld, start, end):
                    continue  # "House" on a heading line "How to Renovate a House" (ingest.entities.openers)
                source = "propagated"
                overlapping = taken.overlapping(fld, start, end)
                if overlapping:
                    if not _nests(model, surface, text, overlapping, start, end):
                        continue
                    source = "nested"  # "Andy Warhol" in "Andy Warhol Foundation", "Google" in "Google Science Fair"
                added.append(Span(fld, start, end, None, model.type, source,
                                  model.gazetteer, model.name, model.wikidata_id, [surface]))
                taken.add(added[-1])
    return added


# What may follow a mention: no word character, nor an apostrophe gluing a word other than a possessive "s" to it.
_MENTION_END = re.compile(r"(?!\w|['\u2019](?!s\b)\w)")


def _standalone_matches(surface: str, text: str) -> Iterator[tuple[int, int]]:
    r"""Start and end of each mention of `surface` in `text` that is not glued to a word, handle or hyphen before
    it (as a `(?<![\w@#&-])` lookbehind would give them) nor to a word after it (`_MENTION_END`), left to right
    and not overlapping: what searching `surface` + `_MENTION_END` repeatedly gives, without compiling a pattern
    per surface (there are thousands, more than the regex cache keeps)."""
    position = text.find(surface)
    while position >= 0:
        end = position + len(surface)
        before = text[position - 1] if position else ""
        if _MENTION_END.match(text, end) is None or (before and (before.isalnum() or before in "_@#&-")):
            position = text.find(surface, position + 1)
            continue
        yield position, end
        position = text.find(surface, end)


_NAME_AROUND = re.compile(r"[\w'\u2019-]+")


def _inside_surname_first_name(text: str, start: int, end: int) -> bool:
    """Whether the word at `start`-`end` belongs to a surname-first name written around it ("Leung Yiu-chung")."""
    before = text[max(0, start - 20):start]
    previous = before.rsplit(None, 1)[-1] if before.endswith(" ") and before.strip() else ""
    after = _NAME_AROUND.match(text, end)
    word = text[start:after.end()] if after else text[start:end]
    if previous.casefold() in SURNAME_FIRST_SURNAMES and surname_first([previous, word]):
        return True
    following = _NAME_AROUND.match(text, end + 1) if text[end:end + 1] == " " else None
    return following is not None and surname_first([text[start:end], following.group()])


def _written_lower_case(surface: str, text: str, words: frozenset[str]) -> bool:
    """Whether the text has `surface` in lower case as a word of its own (a set lookup for a plain word)."""
    lower = surface.lower()
    if _WORD_CHARS.fullmatch(lower):
        return lower in words
    return occurs_as_word(text, lower)


def _nests(model: Span, surface: str, text: str, overlapping: list[Span], start: int, end: int) -> bool:
    """A name the article uses on its own, found again inside a longer organisation, place or event name: a
    person's full name ("Andy Warhol" in "Andy Warhol Foundation"; a lone surname inside a name is too often a
    namesake), a one-word or known organisation or place that opens the longer name or follows a connector
    ("Google" in "Google Science Fair", "Livorno" in "Municipality of Livorno"), never one a qualifier changes
    ("Korea" in "South Korea", "York" in "New York") nor a lone word that qualifies a place ("North" in "North
    Korea"); an unknown name of several words only when a word of it names a kind of body ("University of Texas
    Arlington" in "University of Texas Arlington Muslim Student Association"). `overlapping`: the spans of the
    field that overlap `start`-`end`."""
    covering = [s for s in overlapping if s.start <= start and end <= s.end]
    if not _inside_other_name(overlapping, start, end) or any(name_key(s.name) == name_key(model.name)
                                                              for s in covering):
        return False  # "Church" inside "Church of Scientology" when the article calls that "the Church
    if model.type == "PERSON":
        return " " in surface
    if model.type not in ("ORGANIZATION", "LOCATION") or (" " in surface and model.gazetteer is None
                                                          and not BODY_WORDS & set(surface.casefold().split())) or (
            model.gazetteer is not None and not model.gazetteer.rescue
            and (model.type != model.gazetteer.type or weak_common_place(model.gazetteer))):
        return False  # an unknown phrase the model called an organisation ("Social Media") is too often none, and
        # a city named like a common word ("Mobile") is the word inside a longer name ("Mobile App")
    before = text[min(s.start for s in covering):start].split()
    if before:
        return before[-1].casefold() in CONNECTORS
    # opening the longer name: one unknown place word is a qualifier there ("North" in "North Korea")
    return model.type != "LOCATION" or " " in surface or model.gazetteer is not None


def _inside_other_name(overlapping: list[Span], start: int, end: int) -> bool:
    covering = [s for s in overlapping if not (start <= s.start and s.end <= end and (s.start, s.end) != (start, end))]
    # names nested inside this one ("Texas" in "University of Texas") do not cover it
    return bool(covering) and all(s.type in _NESTING_TYPES and s.start <= start and end <= s.end
                                  and (s.start, s.end) != (start, end) for s in covering)


def _join_transposed_names(spans: list[Span]) -> None:
    """"The Untied Nations" beside "the United Nations": a long organisation or place name that is another name
    of the article with two adjacent letters swapped is that name misspelt; it joins the one the gazetteer knows,
    else the one named more often (with a tie, neither)."""
    named = [s for s in spans if s.type in ("ORGANIZATION", "LOCATION") and " " in s.name and len(s.name) >= 10]
    counts = Counter(s.name for s in named)
    linked = {s.name for s in named if s.gazetteer is not None}
    for span in named:
        for other in counts:
            if (other in linked, counts[other]) > (span.name in linked, counts[span.name]) \
                    and _one_transposition(span.name, other):
                span.name, span.type, span.gazetteer = other, next(s.type for s in named if s.name == other), None
                span.wikidata_id = next((s.wikidata_id for s in named if s.name == other and s.wikidata_id), None)
                break


def _one_transposition(first: str, second: str) -> bool:
    if len(first) != len(second):
        return False
    differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
    return (len(differ) == 2 and differ[1] == differ[0] + 1
            and first[differ[0]] == second[differ[1]] and first[differ[1]] == second[differ[0]])


def _vote_types(spans: list[Span]) -> None:
    """One type per name within an article: the gazetteer's, else the model's majority (first seen on a tie)."""
    groups: dict[str, list[Span]] = {}
    for span in sorted(spans, key=_position):
        groups.setdefault(name_key(span.name), []).append(span)
    for members in groups.values():
        linked = next((s.gazetteer for s in members if s.gazetteer), None)
        if linked:
            chosen, name = linked.type, linked.name
        else:
            votes = Counter(s.type for s in members if s.source == "model") or Counter(s.type for s in members)
            top = max(votes.values())
            chosen = "PERSON" if votes["PERSON"] == top else next(t for t in votes if votes[t] == top)
            name = members[0].name
        wikidata = next((s.wikidata_id for s in members if s.wikidata_id), None)
        for span in members:
            span.type, span.name, span.wikidata_id = chosen, name, wikidata

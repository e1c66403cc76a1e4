"""Reference entities (countries, international bodies, major places) from the gazetteer.csv shipped beside this module.

The gazetteer does two jobs: it links a mention to a Wikidata id ("UN" and "United Nations" are Q1065), and it
finds names the model missed or mistyped. Matching works on word tokens, so "U.S." and "U. S." are the same
alias, and is case-sensitive for acronyms ("WHO" the organisation, never "Who" the pronoun).
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice
from pathlib import Path

PACKAGED_GAZETTEER = Path(__file__).resolve().with_name("gazetteer.csv")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@cache
def _capital_token() -> re.Pattern[str]:
    """A `_TOKEN` that may open with a capital (`find` asks `str.isupper` of the astral plane's): a run of word
    characters after no word character, or a lone symbol ("Ⓐ"). Built on first use, not on import: it takes a tenth
    of a second, which every process importing the models would pay, the command line before it starts anything
    (the NER workers inherit it from the fork server, `load_patterns`). The pattern opens with a plain character class
    (the basic plane's capitals and the whole astral plane), which the regex engine scans for fast, unlike a
    look-behind tried at every position or a class holding the astral plane's scattered capitals."""
    capitals = [code for code in range(sys.maxunicode + 1) if chr(code).isupper()]
    basic = _char_ranges([code for code in capitals if code <= 0xFFFF])
    word = _char_ranges([code for code in capitals if re.match(r"\w", chr(code))])
    return re.compile(f"[{basic}\U00010000-\U0010ffff](?<!\\w[{word}])(?:(?<=\\w)\\w*)?")


def load_patterns() -> None:
    """Build the capital-token pattern now, not during the first article (see `_capital_token`)."""
    _capital_token()


def _char_ranges(codes: list[int]) -> str:
    """A character class's body for the sorted code points `codes`, in ranges: the regex scans faster so."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last > first else "")
                   for first, last in runs)



@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    type: str
    wikidata_id: str | None
    aliases: tuple[str, ...]
    iso_alpha2: str | None
    iso_alpha3: str | None
    rescue: bool
    geonames_id: str | None = None


@dataclass(frozen=True)
class GazetteerMatch:
    start: int
    end: int
    entry: GazetteerEntry


@lru_cache(maxsize=16384)  # a name is normalised again at each step of its resolution; bounded for a long run
def normalise_surface(text: str) -> str:
    """One spelling per name: NFKC, straight apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return _SPACES.sub(" ", text).strip()


def _is_acronym(tokens: list[str]) -> bool:
    letters = "".join(t for t in tokens if t.isalpha())
    return bool(letters) and letters.isupper()


def _key(tokens: list[str]) -> tuple[str, ...]:
    """Acronyms keep their case; everything else matches case-insensitively."""
    return tuple(tokens) if _is_acronym(tokens) else tuple(t.casefold() for t in tokens)


class Gazetteer:
    def __init__(self, entries: list[GazetteerEntry], version: str) -> None:
        self.entries = tuple(entries)
        self.version = version
        self._by_key: dict[tuple[str, ...], GazetteerEntry] = {}
        for entry in entries:
            for alias in (entry.name, *entry.aliases):
                tokens = _TOKEN.findall(_LEADING_THE.sub("", normalise_surface(alias)))
                if tokens:
                    self._by_key.setdefault(_key(tokens), entry)
        self._longest = max((len(k) for k in self._by_key), default=0)
        # The longest key opening with each first token (as keys hold it): `find` tries a text position only
        # where some key can start, and no longer than the longest such key.
        self._longest_from: dict[str, int] = {}
        for key in self._by_key:
            self._longest_from[key[0]] = max(self._longest_from.get(key[0], 0), len(key))

    @classmethod
    def from_csv(cls, path: Path) -> Gazetteer:
        data = path.read_bytes()
        rows = csv.DictReader(data.decode("utf-8").splitlines())
        entries = [
            GazetteerEntry(
                name=row["name"], type=row["type"], wikidata_id=row["wikidata_id"] or None,
                aliases=tuple(a for a in row["aliases"].split("|") if a),
                iso_alpha2=row.get("iso_alpha2") or None, iso_alpha3=row.get("iso_alpha3") or None,
                rescue=row.get("rescue", "yes") != "no", geonames_id=row.get("geonames_id") or None,
            )
            for row in rows
        ]
        return cls(entries, hashlib.sha256(data).hexdigest()[:12])

    def lookup(self, surface: str) -> GazetteerEntry | None:
        tokens = _TOKEN.findall(_LEADING_THE.sub("", normalise_surface(surface)))
        if not tokens:
            return None
        found = self._by_key.get(_key(tokens))
        if found is None and _is_acronym(tokens) and len("".join(tokens)) > 4:
            found = self._by_key.get(tuple(t.casefold() for t in tokens))  # an all-caps headline word
        return found

    def find(self, text: str) -> list[GazetteerMatch]:
        """Every longest alias occurrence that starts with a capital letter, left to right, not overlapping."""
        normalised = text.replace("\u2019", "'").replace("\u2018", "'")
        matches: list[GazetteerMatch] = []
        resume = 0  # the end of the last match: tokens inside it start no other
        for capital in _capital_token().finditer(normalised):
            first = capital.group()  # a key's first token is as written (an acronym) or case-folded
            if not first[0].isupper():
                continue  # an astral character, no capital
            longest = max(self._longest_from.get(first, 0), self._longest_from.get(first.casefold(), 0))
            if not longest or capital.start() < resume:
                continue
            found = self._longest_at(normalised, capital.start(), longest)
            if found is not None:
                matches.append(GazetteerMatch(capital.start(), found[0], found[1]))
                resume = found[0]
        return matches

    def _longest_at(self, text: str, start: int, longest: int) -> tuple[int, GazetteerEntry] | None:
        """The end and entry of the longest alias of at most `longest` tokens from `start` (a token's start)."""
        tokens = [(m.end(), m.group()) for m in islice(_TOKEN.finditer(text, start), longest)]
        for length in range(len(tokens), 0, -1):
            end = tokens[length - 1][0]
            if "\n" in text[start:end]:
                continue  # an alias never spans a line break
            entry = self._by_key.get(_key([token for _, token in tokens[:length]]))
            if entry is not None:
                return end, entry
        return None

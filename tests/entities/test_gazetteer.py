"""The gazetteer on its own: the packaged CSV, aliases matched on word tokens (acronyms by case), longest
matches found in text, and a version that follows the file's bytes."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer, GazetteerEntry, _key, normalise_surface

SMALL = """name,type,wikidata_id,aliases,iso_alpha2,iso_alpha3,rescue
United Kingdom,GPE,Q145,UK|U.K.|Britain|Great Britain,GB,GBR,yes
World Health Organization,ORG,Q7817,WHO,,,yes
New York City,GPE,Q60,New York|NYC,,,no
New Zealand,GPE,Q664,,NZ,NZL,yes
Ivory Coast,GPE,Q1008,Côte d’Ivoire|Cote d'Ivoire,CI,CIV,yes
"""


def _small(tmp_path: Path) -> Gazetteer:
    path = tmp_path / "gazetteer.csv"
    path.write_text(SMALL, encoding="utf-8")
    return Gazetteer.from_csv(path)


def test_gazetteer_csv_covers_every_country_and_the_named_bodies() -> None:
    import pycountry

    gazetteer = Gazetteer.from_csv(PACKAGED_GAZETTEER)
    alpha2 = {e.iso_alpha2 for e in gazetteer.entries if e.iso_alpha2}
    assert {c.alpha_2 for c in pycountry.countries} <= alpha2
    for alias, qid in (("UN", "Q1065"), ("United Nations", "Q1065"), ("UN Security Council", "Q37470"),
                       ("NATO", "Q7184"), ("EU", "Q458"), ("WHO", "Q7817"), ("IMF", "Q7804"),
                       ("Hamas", "Q38799"), ("Hezbollah", "Q41053"), ("U.S.", "Q30"), ("America", "Q30"),
                       ("United States", "Q30"), ("US", "Q30")):
        entry = gazetteer.lookup(alias)
        assert entry is not None and entry.wikidata_id == qid, alias
    assert gazetteer.lookup("Who") is None and gazetteer.lookup("us") is None


def test_a_csv_loads_its_rows_flags_and_a_version_from_its_bytes(tmp_path: Path) -> None:
    gazetteer = _small(tmp_path)
    assert [e.name for e in gazetteer.entries] == ["United Kingdom", "World Health Organization", "New York City",
                                                 "New Zealand", "Ivory Coast"]
    uk = gazetteer.entries[0]
    assert (uk.type, uk.wikidata_id, uk.iso_alpha2, uk.iso_alpha3, uk.rescue) == ("GPE", "Q145", "GB", "GBR", True)
    assert uk.aliases == ("UK", "U.K.", "Britain", "Great Britain") and gazetteer.entries[3].aliases == ()
    assert gazetteer.entries[1].iso_alpha2 is None and gazetteer.entries[2].rescue is False
    assert gazetteer.version == hashlib.sha256(SMALL.encode()).hexdigest()[:12]
    (tmp_path / "gazetteer.csv").write_text(SMALL.replace("Q60", "Q1384"), encoding="utf-8")
    assert Gazetteer.from_csv(tmp_path / "gazetteer.csv").version != gazetteer.version


def test_lookup_matches_tokens_not_spelling(tmp_path: Path) -> None:
    gazetteer = _small(tmp_path)
    for surface in ("U.K.", "U. K.", "UK", "the United Kingdom", "The  united   kingdom", "Great Britain"):
        entry = gazetteer.lookup(surface)
        assert entry is not None and entry.wikidata_id == "Q145", surface
    ivory = gazetteer.lookup("Côte d\u2019Ivoire")  # a curly apostrophe is the straight one
    assert ivory is not None and ivory.wikidata_id == "Q1008"
    assert gazetteer.lookup("") is None and gazetteer.lookup("France") is None


def test_acronyms_match_by_case_but_an_all_caps_headline_word_matches_the_name(tmp_path: Path) -> None:
    gazetteer = _small(tmp_path)
    assert gazetteer.lookup("WHO") is not None and gazetteer.lookup("Who") is None
    assert gazetteer.lookup("who") is None
    shouted = gazetteer.lookup("BRITAIN")  # longer than an acronym: a headline in capitals
    assert shouted is not None and shouted.wikidata_id == "Q145"
    assert gazetteer.lookup("NYC") is not None and gazetteer.lookup("Nyc") is None


def test_find_takes_the_longest_capitalised_match_left_to_right(tmp_path: Path) -> None:
    gazetteer = _small(tmp_path)
    text = "Officials in New York City met the WHO. who knew? New\nZealand and Great Britain said no, uk too."
    found = [(text[m.start:m.end], m.entry.wikidata_id) for m in gazetteer.find(text)]
    # "New York City" over "New York", "Great Britain" over "Britain"; "who" and "uk" are not capitalised, and
    # "New\nZealand" spans a line break.
    assert found == [("New York City", "Q60"), ("WHO", "Q7817"), ("Great Britain", "Q145")]


def test_find_starts_only_at_a_token_opening_with_a_capital(tmp_path: Path) -> None:
    gazetteer = _small(tmp_path)
    text = "Côte d\u2019Ivoire (UK) and ex-Britain; iPhoneUK, UKs and \u00c9tats, NYC_UK, NYC."
    found = [text[m.start:m.end] for m in gazetteer.find(text)]
    # an accented capital opens a name and a curly apostrophe is a straight one; "UK" glued inside a word
    # ("iPhoneUK", "UKs", "NYC_UK") is none, but a hyphen or bracket ends a token ("ex-Britain", "(UK)")
    assert found == ["Côte d\u2019Ivoire", "UK", "Britain", "NYC"]


_ODD = Gazetteer([GazetteerEntry("United Kingdom", "LOCATION", "Q145", ("UK", "U.K.", "Br", "B r", "\u24b6"),
                                  "GB", "GBR", True),
                   GazetteerEntry("\u00c9a", "ORGANIZATION", "Q1", ("\u24b6 B", "\U00010400 B", "\u00c9a-UK"),
                                  None, None, True)], "odd")


def _token_walk(gazetteer: Gazetteer, text: str) -> list[tuple[int, int, str]]:
    """What `find` answers, the plain way: at every token opening with a capital, the longest alias first."""
    normalised = text.replace("\u2019", "'").replace("\u2018", "'")
    tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\w+|[^\w\s]", normalised)]
    found, index = [], 0
    while index < len(tokens):
        lengths = range(len(tokens) - index, 0, -1) if tokens[index][2][:1].isupper() else range(0)
        match = next(((length, entry) for length in lengths
                      if "\n" not in normalised[tokens[index][0]:tokens[index + length - 1][1]]
                      and (entry := gazetteer._by_key.get(_key([t[2] for t in tokens[index:index + length]])))),
                     None)
        if match is None:
            index += 1
            continue
        found.append((tokens[index][0], tokens[index + match[0] - 1][1], match[1].name))
        index += match[0]
    return found


@example("(\U00010400 B) a\U00010400 B \U0001d41aUK \U0001f600UK \u24b6 B\u24b6Br \u00c9a-UK")
@given(st.text(alphabet="UKBr \n-(.\u2019\u00c9a_1\u24b6\U00010400\U0001d41a\U0001f130\U0001f600", max_size=40))
def test_find_answers_what_walking_every_token_does(text: str) -> None:
    # capitals of the astral plane: a word's (Deseret, which NFKC keeps) and a symbol's (squared A); a small
    # mathematical bold a; a symbol that is no capital (an emoji)
    assert [(m.start, m.end, m.entry.name) for m in _ODD.find(text)] == _token_walk(_ODD, text)


def test_normalise_surface_gives_one_spelling() -> None:
    assert normalise_surface("  Côte\u00a0d\u2019Ivoire \n") == "Côte d'Ivoire"
    assert normalise_surface("\uff35\uff2e") == "UN"  # full-width letters fold by NFKC


def test_importing_the_gazetteer_builds_no_pattern_until_one_is_needed() -> None:
    """The capital-token pattern walks every code point: the command line imports this module and must not pay it."""
    probe = ("import ingest.entities.gazetteer as g; before = g._capital_token.cache_info().currsize; "
             "g.Gazetteer.from_csv(g.PACKAGED_GAZETTEER).find('Talks in Paris'); "
             "print(before, g._capital_token.cache_info().currsize)")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert completed.stdout.split() == ["0", "1"]

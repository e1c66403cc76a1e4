"""The gazetteer on its own: the packaged CSV, aliases matched on word tokens (acronyms by case), longest
matches found in text, and a version that follows the file's bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer, normalise_surface

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


def test_normalise_surface_gives_one_spelling() -> None:
    assert normalise_surface("  Côte\u00a0d\u2019Ivoire \n") == "Côte d'Ivoire"
    assert normalise_surface("\uff35\uff2e") == "UN"  # full-width letters fold by NFKC

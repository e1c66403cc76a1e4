"""Whether a type the model gave a span is plausible for its words, from registry word lists, not from names.

The small model types Title-Case phrases of ordinary words as persons ("Cloud Computing", "Pottery Barn",
"Election Results") and ordinary words as persons or places ("Chrome", "Safari"). A person's name is made of
given names and surnames, which dictionaries of English write capitalised or not at all; so a span whose every
word is a common English word written in lower case is no person's name unless the article shows it is (a given
name leads it, or the word is the surname of someone the article names in full, or a title stands before it).

"Common English word written in lower case": the word (or its stem without a plain -s/-es/-ed/-ing ending) is a
lower-case entry of the Webster's 2nd or GCIDE word lists (english-words), and frequent in English text by
wordfreq (Zipf >= 3: about once per million words), which drops the dictionaries' rare entries that are also
surnames or brands ("batman" the weight, "kamen").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ingest.entities.name_signals import acronym, any_first_name, is_given_name, non_person_head, surname_of

if TYPE_CHECKING:
    from ingest.entities.gazetteer import Gazetteer, GazetteerEntry
    from ingest.entities.resolve import Span

COMMON_ZIPF = 3.0
_INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"))
_TITLE_BEFORE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Sir|Dame|President|Senator|Sen|Governor|Gov|Mayor|Judge|"
                           r"Minister|General|Gen|Colonel|Col|Captain|Capt|Rep|Representative|Chairman|Prof|"
                           r"Professor|Pope|King|Queen|Prince|Princess|Lord|Lady|Rev|Reverend|Father|Sister)\.?"
                           r"|\b[A-Z][a-z]+ [A-Z]\.)\s+$")
# A reporting verb after a lone word makes it someone speaking: "Hall says", "Wilder said he ...".
_REPORTED_AFTER = re.compile(r",?\s+(?:said|says|told|explained|added|noted|wrote|writes)\b")


def load_word_lists() -> None:
    """Read the dictionaries, language names and word frequencies now, not during the first article (a NER
    worker's start-up; in the fork server, once for every worker forked from it)."""
    from wordfreq import zipf_frequency

    _dictionary_words(), _language_names()
    zipf_frequency("the", "en")  # imports wordfreq and reads its English table (cached for later calls)


@cache
def _dictionary_words() -> frozenset[str]:
    """Lower-case entries of the two dictionaries english-words ships (about 300,000 words)."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2", "gcide"], lower=False, alpha=True)
    return frozenset(w for w in words if w.islower())


@cache
def _language_names() -> frozenset[str]:
    """One-word names of the ISO 639-1 languages (pycountry): "French", "Japanese", "Hindi"."""
    import pycountry

    return frozenset(language.name for language in pycountry.languages
                     if hasattr(language, "alpha_2") and " " not in language.name)


def _in_dictionary(word: str) -> bool:
    words = _dictionary_words()
    if word in words:
        return True
    return any(word.endswith(ending) and word[:-len(ending)] + stem in words
               for ending, stem in _INFLECTIONS if len(word) > len(ending) + 2)


@lru_cache(maxsize=16384)  # asked again for each mention of a word; bounded for a long run
def common_word(word: str) -> bool:
    """"Cloud", "Computing", "Barn": a frequent English word a dictionary writes in lower case (not "Obama",
    not "Warhol", not "Duolingo")."""
    from wordfreq import zipf_frequency

    bare = word.strip(".,:;'\"’").casefold()
    return bare.isalpha() and _in_dictionary(bare) and zipf_frequency(bare, "en") >= COMMON_ZIPF


def common_word_phrase(surface: str) -> bool:
    """Every word a common lower-case English word and none a first name anywhere: "Pottery Barn", "Cloud
    Computing"; not "Will Smith", not "Holden Chow" nor "Starry Lee" ("Holden", "Lee" are first names too)."""
    words = surface.split()
    return bool(words) and all(common_word(w) and not any_first_name(w) for w in words)


def person_plausible(text: str, start: int, end: int, surnames: set[str]) -> str | None:
    """The type a model PERSON span should carry: "PERSON", "ORGANIZATION" (a common-word phrase ending in an
    organisation or place word: "Art Gallery"), "GROUP" (a language or people: "French") or None (not a name
    of anyone: "Cloud Computing", "Chrome", an acronym that is no full-named person's initials: "AI", "SEO").
    `surnames` holds the article's surnames and initials of persons named in full (full_name_surnames)."""
    surface = text[start:end]
    words = surface.split()
    if len(words) == 1 and words[0] in _language_names() and not is_given_name(words[0]):
        return "GROUP"  # "French", "Japanese": a language or a people, as the model's NORP says
    if acronym(surface):  # "AI", "SEO": a thing or a body; "JFK" only where the article names John F. Kennedy
        return "PERSON" if surface.replace(".", "") in surnames else None
    if len(words) >= 2 and not is_given_name(words[0]) and non_person_head(words[-1]):
        return "ORGANIZATION"
    if not common_word_phrase(surface):
        return "PERSON"
    if len(words) == 1 and (words[0] in surnames or _TITLE_BEFORE.search(text[max(0, start - 30):start])
                            or _REPORTED_AFTER.match(text, end)):
        return "PERSON"  # "Bush" where the article names "George W. Bush"; "Mr. Rice"; "Hall says"
    return None


def full_name_surnames(texts: dict[str, str], spans: Sequence[Span], strict: bool = False) -> set[str]:
    """Last words of the article's multi-word persons (possessive dropped) led by a first name of any rarity or
    by a word no dictionary has: "Hall" when "Annie Hall" is named, "Bey" for "Dawoud Bey"; not "Studio" for
    "Android Studio" (a common word leads it); and their initials ("JFK" for "John F. Kennedy"). `strict`: only
    names led by a common given name ("Warhol" for "Andy Warhol"), no initials."""
    from ingest.entities.resolve import name_words

    surnames = set()
    for span in spans:
        if span.type != "PERSON":
            continue
        words = name_words(texts[span.field][span.start:span.end])
        if len(words) < 2:
            continue
        if strict:
            if is_given_name(words[0]):
                surnames.add(surname_of(words))
        elif any_first_name(words[0]) or not common_word(words[0]):
            surnames.add(surname_of(words).strip(".,'’"))  # "Leung" for "Leung Chun-ying"
            surnames.add("".join(w[0] for w in words if w[:1].isupper()))  # "JFK" for "John F. Kennedy"
    return surnames


# Words that place a city named like a common word: "Downtown Phoenix", "Greater Buffalo".
_CITY_QUALIFIERS = frozenset({"downtown", "uptown", "midtown", "greater", "metro", "central", "city"})


def weak_common_place(entry: GazetteerEntry) -> bool:
    """A city of the long list named like a common word ("Mobile", "Buffalo", "Independence"): inside a longer
    name ("Mobile App", "Buffalo Bayou", "Independence Pet Insurance") it is mostly the word, not the city. Not a
    name of several words ("Cape Town"): together they name the place."""
    return not entry.rescue and " " not in entry.name and common_word(entry.name)


def common_word_city(text: str, start: int, end: int, entry: GazetteerEntry, gazetteer: Gazetteer) -> bool:
    """A city named like a common word (`weak_common_place`) that nothing beside it places: not "Downtown
    Phoenix", "Mesa Arizona", "Colorado Boulder", "Buffalo, New York" (a qualifier, or a state or country the
    gazetteer knows for sure, next to it)."""
    if not weak_common_place(entry):
        return False
    before = text[max(0, start - 40):start].split()
    after = text[end:end + 40].split()
    neighbours = [" ".join(w.strip(",.") for w in words) for words in (before[-1:], before[-2:], after[:1], after[:2])]
    if before and before[-1].casefold() in _CITY_QUALIFIERS:
        return False
    for name in neighbours:
        place = gazetteer.lookup(name) if name else None
        if place is not None and place.rescue and place.type == "LOCATION":
            return False
    return True

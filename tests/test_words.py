"""One word tokeniser for every stage: spaced scripts by word, CJK by character."""

from __future__ import annotations

import unicodedata

from ingest.dedupe.fingerprints import tokens
from ingest.extract import clean, html
from ingest.words import count_words, words


def test_spaced_scripts_count_by_word_and_cjk_by_character() -> None:
    assert words("Putin's call, at 10:30 — in Moscow.") == ["Putin", "s", "call", "at", "10", "30", "in", "Moscow"]
    assert count_words("Президент позвонил премьер-министру") == 4
    assert count_words("東京で会談した") == 7  # no spaces in Japanese: one token per character
    assert words("Seoul 서울 talks") == ["Seoul", "서", "울", "talks"]


def test_extraction_cleaning_and_dedupe_count_the_same_words() -> None:
    text = "北京：外交部发言人表示，会谈将于周二恢复。 Talks resume on Tuesday."
    assert html.count_words is clean.count_words is count_words
    assert tokens(text) == words(unicodedata.normalize("NFKD", text).casefold())  # dedupe folds the forms first

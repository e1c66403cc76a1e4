"""One word tokeniser for every stage: spaced scripts by word, CJK by character."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ingest.dedupe.fingerprints import tokens
from ingest.extract import clean, html
from ingest.words import WORD, count_words, count_words_upto, words


def test_spaced_scripts_count_by_word_and_cjk_by_character() -> None:
    assert words("Putin's call, at 10:30 — in Moscow.") == ["Putin", "s", "call", "at", "10", "30", "in", "Moscow"]
    assert count_words("Президент позвонил премьер-министру") == 4
    assert count_words("東京で会談した") == 7  # no spaces in Japanese: one token per character
    assert words("Seoul 서울 talks") == ["Seoul", "서", "울", "talks"]


def test_extraction_cleaning_and_dedupe_count_the_same_words() -> None:
    text = "北京：外交部发言人表示，会谈将于周二恢复。 Talks resume on Tuesday."
    assert html.count_words is clean.count_words is count_words
    assert tokens(text) == words(unicodedata.normalize("NFKD", text).casefold())  # dedupe folds the forms first


@given(st.text(alphabet="ab 中文,.\né-", max_size=600), st.integers(min_value=0, max_value=40))
def test_a_bounded_count_is_the_count_capped_at_its_limit(text: str, limit: int) -> None:
    assert count_words_upto(text, limit) == min(count_words(text), limit)


def test_a_bounded_count_stops_early_on_a_long_text_and_still_counts_a_short_one() -> None:
    long_text = "word " * 10_000
    assert count_words_upto(long_text, 8) == 8
    assert count_words_upto("one two three", 8) == 3
    assert count_words_upto("x" * 200 + " y", 8) == 2  # one long word fills the probe: the whole text is counted


@given(st.text(alphabet=st.sampled_from("ab é1_-.,\n\t中文서울ー’'\u0301\u00a0"), max_size=300))
def test_the_shortcut_for_texts_without_cjk_gives_the_one_definitions_tokens(text: str) -> None:
    assert words(text) == WORD.findall(text)

"""Word tokens: the one definition every stage counts and compares words by (extraction thresholds, cleaning,
an article's `word_count`, dedupe shingles)."""

from __future__ import annotations

import re

# CJK scripts do not put spaces between words: each of their characters is a token on its own, so a Chinese or
# Japanese paragraph counts like a paragraph of the same length in a spaced script, not as one long "word".
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
# The same tokens for a text without CJK characters (then no character is excluded from `\w`), found about a
# fifth faster: the search for a CJK character first costs less than the alternation at every position.
_PLAIN_WORD = re.compile(r"\w+")
_ANY_CJK = re.compile(rf"[{_CJK}]")
_PROBE_CHARS_PER_WORD = 16  # most texts hold a word in under 8 characters, spaces included


def words(text: str) -> list[str]:
    return (WORD if _ANY_CJK.search(text) else _PLAIN_WORD).findall(text)


def count_words(text: str) -> int:
    return len(words(text))


def count_words_upto(text: str, limit: int) -> int:
    """`min(count_words(text), limit)`, without tokenising all of a long text when its opening already holds
    `limit` words. Exact: the tokens of a prefix are the text's own, but for the last one, which may be cut short
    (still one token), so a prefix never holds more tokens than the whole text."""
    probe = limit * _PROBE_CHARS_PER_WORD
    if len(text) > probe and len(WORD.findall(text, 0, probe)) >= limit:
        return limit
    return min(len(WORD.findall(text)), limit)

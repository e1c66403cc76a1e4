"""Text fingerprints for duplicate detection: a normalised-text hash, word shingles, MinHash bands and anchors.

Pure functions over one article's title and body; `ingest.dedupe.match` uses them to decide, and
`ingest.warehouse.dedupe_store` stores them.

- `text_hash`: the body with case, whitespace, punctuation and Unicode forms folded, hashed: exact copies.
- shingles: hashes of every run of `SHINGLE_WORDS` words; similarity is measured on these sets.
- MinHash signature of the shingles (`NUM_PERM` multiply-shift hashes), cut into `BANDS` bands whose hashes
  are stored: two texts with Jaccard similarity s share at least one band with probability 1 - (1 - s^r)^b.
- anchors: the shingles whose hash falls in a fixed 1/`ANCHOR_MODULUS` slice. The selection depends on the
  shingle alone, so every anchor of a short text quoted inside a longer one is also an anchor of the longer
  text: this finds containment, which banding (a Jaccard estimate) misses when the lengths differ a lot.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ingest.words import words

SHINGLE_WORDS = 4
NUM_PERM = 128
BANDS = 32
ROWS_PER_BAND = NUM_PERM // BANDS
ANCHOR_BITS = 4
ANCHOR_MODULUS = 2**ANCHOR_BITS
_ANCHOR_SHIFT = np.uint64(64 - ANCHOR_BITS)

U64 = npt.NDArray[np.uint64]
# Latin, Greek and Cyrillic accents only: in other scripts combining marks are letters, not decoration
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_HEADLINE_PREFIX = re.compile(
    r"^\s*(?:(?:breaking|update[ds]?|updated|exclusive|opinion|analysis|editorial|watch|video|live|"
    r"just in|developing|explainer|commentary|review|photos|listen|podcast|corrected|correction|"
    r"fact check|perspective|column|news)\b[^:|\-–—]{0,20}\s*[:|\-–—]\s*)+",
    re.IGNORECASE,
)

_MASK64 = (1 << 64) - 1
_rng = np.random.default_rng(20240521)  # fixed seed: signatures must be identical in every process and run
_PERM_A = _rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_PERM_B = _rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_BAND_SEEDS = _rng.integers(1, 2**63, size=BANDS, dtype=np.uint64)


@dataclass(frozen=True)
class Fingerprint:
    text_hash: str
    shingles: U64  # sorted, unique
    bands: npt.NDArray[np.int64]  # one hash per band, signed for DuckDB BIGINT
    anchors: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.shingles.size)


def strip_headline_prefix(title: str) -> str:
    """'UPDATE: Opinion | Storm hits coast' → 'Storm hits coast'."""
    stripped = _HEADLINE_PREFIX.sub("", title)
    return stripped if stripped.strip() else title


def tokens(text: str) -> list[str]:
    """Words with case, accents, compatibility forms and punctuation folded away."""
    if not text.isascii():
        text = _DIACRITICS.sub("", unicodedata.normalize("NFKD", text))
    return words(text.casefold())


def fingerprint_tokens(title: str | None, body: str) -> list[str]:
    """The body's words, without a leading headline line: templates differ in whether the headline (with or
    without 'UPDATE:' or 'Opinion |') is part of the extracted body, and that must not separate two copies."""
    lines = [line for line in body.split("\n") if line.strip()]
    if title and lines:
        headline = tokens(strip_headline_prefix(title))
        for index, line in enumerate(lines[:3]):
            words = tokens(strip_headline_prefix(line))
            if headline and words and (words == headline or (len(words) <= 25 and _mostly_within(words, headline))):
                del lines[index]
                break
    return tokens("\n".join(lines))


def _mostly_within(words: list[str], headline: list[str]) -> bool:
    """A reworded headline line: nearly all of its words are the title's words."""
    title_words = set(headline)
    return sum(w in title_words for w in words) >= 0.8 * max(len(words), len(headline))


def fingerprint(title: str | None, body: str) -> Fingerprint:
    words = fingerprint_tokens(title, body)
    text_hash = hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()
    shingles = shingle_hashes(words)
    signature = minhash(shingles)
    anchors = shingles[(shingles >> _ANCHOR_SHIFT) == 0]
    return Fingerprint(text_hash=text_hash, shingles=shingles, bands=band_hashes(signature),
                       anchors=anchors.view(np.int64))


@lru_cache(maxsize=500_000)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _mix(values: U64) -> U64:
    """splitmix64 finaliser: spreads every input bit over the whole word."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def shingle_hashes(words: list[str]) -> U64:
    """Sorted unique hashes of every `SHINGLE_WORDS`-word run (the whole text when it is shorter)."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashed = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    width = min(SHINGLE_WORDS, len(hashed))
    count = len(hashed) - width + 1
    accumulator = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        accumulator = accumulator * _SHINGLE_MULTIPLIER + hashed[offset:offset + count]
    return np.unique(_mix(accumulator))


def minhash(shingles: U64) -> npt.NDArray[np.uint32]:
    """Per permutation, the least (a*x + b) >> 32 over the shingles (multiply-shift hashing, mod 2^64)."""
    if shingles.size == 0:
        return np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    result = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, shingles.size, 4096):  # bounded scratch memory for very long texts
        block = shingles[start:start + 4096, None] * _PERM_A[None, :] + _PERM_B[None, :]
        np.minimum(result, (block >> np.uint64(32)).min(axis=0), out=result)
    return result.astype(np.uint32)


def band_hashes(signature: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
    rows = signature.astype(np.uint64).reshape(BANDS, ROWS_PER_BAND)
    accumulator = _BAND_SEEDS.copy()
    for column in range(ROWS_PER_BAND):
        accumulator = _mix(accumulator * _SHINGLE_MULTIPLIER + rows[:, column])
    return accumulator.view(np.int64)


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float  # shared shingles over the smaller text's shingles
    smaller: int


def similarity(a: U64, b: U64) -> Similarity:
    if a.size == 0 or b.size == 0:
        return Similarity(0.0, 0.0, 0)
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    smaller = min(a.size, b.size)
    return Similarity(shared / (a.size + b.size - shared), shared / smaller, int(smaller))

"""Text fingerprints on their own: what the text hash folds, shingles, MinHash bands that agree across processes,
anchors that survive quoting, and Jaccard/containment."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import numpy as np

from ingest.dedupe.fingerprints import (
    ANCHOR_MODULUS,
    BANDS,
    SHINGLE_WORDS,
    fingerprint,
    shingle_hashes,
    similarity,
    strip_headline_prefix,
    tokens,
)
from tests.support.stories import FLOOD, MUSEUM, SCHOOL, TRAM


def test_text_hash_folds_case_whitespace_punctuation_and_unicode_forms() -> None:
    text = "Café owners said “enough” on Friday.\n\nThe protest — peaceful — lasted an hour."
    variants = [
        text.upper(),
        unicodedata.normalize("NFD", text),
        text.replace("“", '"').replace("”", '"').replace(" — ", ", "),
        "  ".join(text.split()),
        "Cafe owners said enough on Friday the protest peaceful lasted an hour",
    ]
    assert {fingerprint(None, v).text_hash for v in variants} == {fingerprint(None, text).text_hash}
    assert fingerprint(None, text.replace("Friday", "Monday")).text_hash != fingerprint(None, text).text_hash


def test_a_prefixed_headline_in_the_body_does_not_separate_copies() -> None:
    body = "\n\n".join(TRAM)
    plain = fingerprint("Council approves tram extension", body)
    for title in ("UPDATE: Council approves tram extension", "Opinion | Council approves tram extension"):
        assert fingerprint(title, f"{title}\n\n{body}").text_hash == plain.text_hash
    assert strip_headline_prefix("BREAKING: Analysis | Storm hits coast") == "Storm hits coast"
    assert strip_headline_prefix("Update") == "Update"


def test_tokens_fold_case_accents_and_compatibility_forms_and_split_cjk_per_character() -> None:
    assert tokens("Café—CAFÉ, ﬁnal (2024)!") == ["cafe", "cafe", "final", "2024"]
    assert tokens("東京会議") == ["東", "京", "会", "議"]
    assert tokens("Ελληνικά νέα") == ["ελληνικα", "νεα"]  # Greek accents are decoration too


def test_shingles_are_every_run_of_words_or_the_whole_short_text() -> None:
    words = tokens("one two three four five six")
    assert shingle_hashes(words).size == len(words) - SHINGLE_WORDS + 1
    assert shingle_hashes(["just", "two"]).size == 1 and shingle_hashes([]).size == 0
    repeated = shingle_hashes(tokens("a b c d a b c d a b c d"))
    assert repeated.size == 4 and np.all(np.diff(repeated.astype(np.float64)) > 0)  # sorted and unique


def test_signatures_are_the_same_in_another_process() -> None:
    """Bands are stored and compared across runs and worker processes: they must not depend on the process."""
    body = "\n\n".join(FLOOD)
    here = fingerprint("Flood warning", body)
    script = ("import json, sys; from ingest.dedupe.fingerprints import fingerprint; "
              "f = fingerprint('Flood warning', sys.stdin.read()); "
              "print(json.dumps([f.text_hash, f.bands.tolist(), f.anchors.tolist()]))")
    child = subprocess.run([sys.executable, "-c", script], input=body, capture_output=True, text=True,
                           check=True, timeout=60, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert json.loads(child.stdout) == [here.text_hash, here.bands.tolist(), here.anchors.tolist()]
    assert here.bands.size == BANDS


def test_a_near_copy_shares_bands_and_an_unrelated_text_none() -> None:
    original = fingerprint(None, "\n\n".join(FLOOD))
    edited = fingerprint(None, "\n\n".join((*FLOOD[:3], FLOOD[3].replace("second time", "third time"))))
    unrelated = fingerprint(None, "\n\n".join(MUSEUM))
    assert similarity(original.shingles, edited.shingles).jaccard > 0.8
    assert np.intersect1d(original.bands, edited.bands).size >= 1
    assert np.intersect1d(original.bands, unrelated.bands).size == 0


def test_every_anchor_of_a_quoted_text_is_an_anchor_of_the_text_quoting_it() -> None:
    quoted = fingerprint(None, "\n\n".join(SCHOOL))
    quoting = fingerprint(None, "\n\n".join((*TRAM, *SCHOOL, *MUSEUM)))
    assert quoted.anchors.size > 0
    assert set(quoted.anchors.tolist()) <= set(quoting.anchors.tolist())
    # about one shingle in ANCHOR_MODULUS is an anchor: a fixed slice of the hash space
    assert quoting.anchors.size < quoting.shingles.size / ANCHOR_MODULUS * 3


def test_similarity_of_nothing_is_zero_and_of_a_text_with_itself_one() -> None:
    text = fingerprint(None, "\n\n".join(TRAM)).shingles
    assert similarity(text, text).jaccard == 1.0 and similarity(text, text).containment == 1.0
    empty = fingerprint(None, "").shingles
    assert similarity(text, empty) == similarity(empty, text) and similarity(text, empty).jaccard == 0.0

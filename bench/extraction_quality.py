"""Scoring extraction against a WCXB-style ground truth: body word F1, title, author and date agreement.

Shared by `bench/eval_extraction.py` and the quality-floor test, so both score exactly the same way.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"[\W_]+")
_NAME_SEPARATORS = re.compile(r"\s*(?:;|,|&|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class BodyScore:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class GroundTruth:
    page_id: str
    url: str
    title: str | None
    author: str | None
    published: str | None
    main_content: str


def word_scores(predicted: str | None, reference: str) -> BodyScore:
    """WCXB's definition: lower-cased `\\w+` tokens as multisets; empty reference matches only emptiness."""
    ref = Counter(_WORD.findall(reference.lower()))
    pred = Counter(_WORD.findall((predicted or "").lower()))
    if not ref:
        score = 1.0 if not pred else 0.0
        return BodyScore(score, score, score)
    if not pred:
        return BodyScore(0.0, 0.0, 0.0)
    overlap = sum((ref & pred).values())
    precision, recall = overlap / sum(pred.values()), overlap / sum(ref.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return BodyScore(precision, recall, f1)


def normalise_field(value: str | None) -> str:
    """Lower-case, punctuation dropped, spaces collapsed: how titles and names are compared."""
    return _NOT_WORD.sub(" ", (value or "").lower()).strip()


def title_matches(predicted: str | None, expected: str | None) -> bool:
    return normalise_field(predicted) == normalise_field(expected)


def author_matches(predicted: str | None, expected: str | None) -> bool:
    """Same normalised string, or the same set of names however they are joined ("A; B" vs "A and B")."""
    if normalise_field(predicted) == normalise_field(expected):
        return True
    return _name_set(predicted) == _name_set(expected)


def _name_set(value: str | None) -> frozenset[str]:
    return frozenset(n for n in (normalise_field(p) for p in _NAME_SEPARATORS.split(value or "")) if n)


def date_matches(predicted: str | None, expected: str | None) -> bool:
    """ISO dates compared as written (a ground truth of "2003-11" only matches a prediction in that month)."""
    if not expected:
        return not predicted
    if not predicted:
        return False
    return predicted[: len(expected)] == expected[:10]


def load_ground_truth(path: Path) -> GroundTruth:
    data = json.loads(path.read_text(encoding="utf-8"))
    truth = data["ground_truth"]
    return GroundTruth(
        page_id=path.name.split(".")[0], url=data["url"], title=truth.get("title"),
        author=truth.get("author"), published=truth.get("publish_date"),
        main_content=truth.get("main_content") or "",
    )


def page_ids(root: Path) -> list[str]:
    return sorted(p.name.split(".")[0] for p in (root / "ground-truth").glob("*.json"))


def wcxb_pages(root: Path, ids: list[str] | None = None) -> Iterator[tuple[GroundTruth, bytes]]:
    """Each page of a WCXB split (html/NNNN.html.gz + ground-truth/NNNN.json) with its raw HTML bytes."""
    for page_id in ids if ids is not None else page_ids(root):
        truth = load_ground_truth(root / "ground-truth" / f"{page_id}.json")
        yield truth, gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())


# --- the multilingual corpus: `with` / `without` snippets --------------------------------------------------------

_SPACE_RUNS = re.compile(r"\s+")
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3})", re.IGNORECASE)


@dataclass(frozen=True)
class SnippetPage:
    url: str
    html: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]

    @property
    def language(self) -> str:
        """The primary subtag of `<html lang>`, lower-cased; "none" when the page declares none."""
        match = _HTML_LANG.search(self.html[:20_000])
        return match.group(1).lower() if match else "none"


@dataclass(frozen=True)
class SnippetCounts:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: SnippetCounts) -> SnippetCounts:
        return SnippetCounts(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fn + self.fp + self.tn
        return (self.tp + self.tn) / total if total else 0.0


def _collapsed(text: str) -> str:
    return _SPACE_RUNS.sub(" ", text).strip()


def snippet_counts(body: str | None, page: SnippetPage) -> SnippetCounts:
    """The corpus's definition: whitespace runs collapsed to one space on both sides, then substring tests."""
    text = _collapsed(body or "")
    kept = [_collapsed(s) in text for s in page.with_snippets]
    leaked = [_collapsed(s) in text for s in page.without_snippets]
    return SnippetCounts(tp=sum(kept), fn=len(kept) - sum(kept), fp=sum(leaked), tn=len(leaked) - sum(leaked))


def snippet_pages(path: Path) -> Iterator[SnippetPage]:
    """The pages of a `pages.jsonl.gz` snippet corpus, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                data = json.loads(line)
                yield SnippetPage(url=data["url"], html=data["html"], with_snippets=tuple(data.get("with") or ()),
                                  without_snippets=tuple(data.get("without") or ()))

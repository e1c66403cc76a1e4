"""Quality gate: our extract+clean stages on a pinned sample of WCXB development pages must stay above a floor.

The floors sit a little under what the stages score today (see `bench/eval_extraction.py` for the whole set), so a
change that makes extraction or cleaning worse fails here. Skipped cleanly where ../shared/eval is absent.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import trafilatura

from bench.extraction_quality import (
    SnippetCounts,
    author_matches,
    date_matches,
    snippet_counts,
    snippet_pages,
    title_matches,
    wcxb_pages,
    word_scores,
)
from ingest.extract.clean import clean
from ingest.extract.html import extract
from ingest.models import CleanArticle, RawDocument, Reject
from ingest.settings import Settings

# Every 18th page of the 709, fixed so the figures are comparable from run to run.
PINNED_PAGES = [
    "0001", "0019", "0041", "0060", "0086", "0108", "0128", "0155", "0179", "0206",
    "0228", "0251", "0276", "0297", "0317", "0336", "0358", "0382", "0400", "0420",
    "0440", "0459", "0479", "0781", "2020", "2825", "4041", "4101", "4155", "4194",
    "4257", "4362", "4446", "4512", "4565", "4604", "4646", "4690", "4809", "4863",
]
# Measured on these pages when the gate was set: F1 0.955, P 0.946, R 0.974, title 0.900, author 0.775, date 0.725;
# the metadata floors raised on 2026-11-30 under that day's title 0.900, author 0.800, date 0.800 (one page is 0.025);
# the date floor again under date 0.825 (the text search only on pages that declare an article).
MIN_BODY_F1 = 0.945
MIN_BODY_PRECISION = 0.935
MIN_BODY_RECALL = 0.96
MIN_TITLE_ACCURACY = 0.875
MIN_AUTHOR_ACCURACY = 0.775
MIN_DATE_ACCURACY = 0.8
MIN_SNIPPET_F1 = 0.91  # multilingual-dev sample below: 0.914 when set, recall 0.947 (plain trafilatura 0.899 / 0.947)
MIN_PAGE_F1 = 0.40  # no pinned page may collapse (today's weakest scores about 0.6)


@dataclass(frozen=True)
class PageScore:
    page_id: str
    f1: float
    precision: float
    recall: float
    title: bool
    author: bool
    date: bool


@pytest.fixture
def scores(shared_eval: Path) -> list[PageScore]:
    return _score_pinned_pages(shared_eval / "wcxb-dev")


@cache
def _score_pinned_pages(split: Path) -> list[PageScore]:
    """Computed once per session, shared by the tests below."""
    settings = Settings()
    results = []
    for truth, html in wcxb_pages(split, PINNED_PAGES):
        document = RawDocument(source_uri=f"wcxb-dev/{truth.page_id}.html", media_type="text/html",
                               url=truth.url, content=html)
        extracted = extract(document)
        article = extracted if isinstance(extracted, Reject) else clean(extracted, settings)
        got = article if isinstance(article, CleanArticle) else None
        body = word_scores(got.body_text if got else None, truth.main_content)
        published = got.published_at.isoformat() if got and got.published_at else None
        results.append(PageScore(
            truth.page_id, body.f1, body.precision, body.recall,
            title=title_matches(got.title if got else None, truth.title),
            author=author_matches(got.author if got else None, truth.author),
            date=date_matches(published, truth.published),
        ))
    return results


def test_every_pinned_page_is_scored(scores: list[PageScore]) -> None:
    assert [s.page_id for s in scores] == PINNED_PAGES


def test_mean_body_f1_precision_and_recall_stay_above_the_floor(scores: list[PageScore]) -> None:
    assert statistics.fmean(s.f1 for s in scores) >= MIN_BODY_F1
    assert statistics.fmean(s.precision for s in scores) >= MIN_BODY_PRECISION
    assert statistics.fmean(s.recall for s in scores) >= MIN_BODY_RECALL


def test_no_pinned_page_collapses(scores: list[PageScore]) -> None:
    collapsed = {s.page_id: round(s.f1, 3) for s in scores if s.f1 < MIN_PAGE_F1}
    assert not collapsed


def test_metadata_accuracy_stays_above_the_floor(scores: list[PageScore]) -> None:
    assert statistics.fmean(s.title for s in scores) >= MIN_TITLE_ACCURACY
    assert statistics.fmean(s.author for s in scores) >= MIN_AUTHOR_ACCURACY
    assert statistics.fmean(s.date for s in scores) >= MIN_DATE_ACCURACY


# Every 10th page of multilingual-dev (50 of 495, most of them German), fixed; plain trafilatura on the same pages
# in the same run must not beat us, in F1 or in recall (the issue-11 rule: never below the plain tool on non-English
# pages).
MULTILINGUAL_EVERY = 10


@cache
def _snippet_totals(corpus: Path) -> tuple[SnippetCounts, SnippetCounts]:
    """Ours and plain trafilatura on the pinned pages, summed (the corpus's own scoring)."""
    settings = Settings()
    ours, plain = SnippetCounts(), SnippetCounts()
    for page in list(snippet_pages(corpus))[::MULTILINGUAL_EVERY]:
        url = page.url if page.url.startswith(("http://", "https://")) else None
        document = RawDocument(source_uri=f"multilingual-dev/{page.url}", media_type="text/html", url=url,
                               content=page.html.encode(), charset="utf-8")
        extracted = extract(document)
        article = extracted if isinstance(extracted, Reject) else clean(extracted, settings)
        ours += snippet_counts(article.body_text if isinstance(article, CleanArticle) else None, page)
        plain += snippet_counts(trafilatura.extract(page.html, url=url, include_comments=False), page)
    return ours, plain


def test_multilingual_snippets_stay_above_the_floor_and_plain_trafilatura(shared_eval: Path) -> None:
    ours, plain = _snippet_totals(shared_eval / "multilingual-dev" / "pages.jsonl.gz")
    assert ours.tp + ours.fn > 100  # the sample really holds the pages
    assert ours.f1 >= MIN_SNIPPET_F1
    assert ours.f1 >= plain.f1
    assert ours.recall >= plain.recall  # no passage plain trafilatura keeps may be lost on the way

"""Extraction quality on the WCXB development pages: our extract+clean stages against bare trafilatura.

    .venv/bin/python bench/eval_extraction.py [--limit N] [--jobs J] [--details out.jsonl]

Body: mean word-level F1 / precision / recall against `main_content` (WCXB's definition). Metadata: title,
author and date accuracy after lower-casing and dropping punctuation. Both systems run in the same process on
the same bytes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

from ingest.clean import clean
from ingest.extract import extract
from ingest.extraction_quality import (
    GroundTruth,
    author_matches,
    date_matches,
    page_ids,
    title_matches,
    wcxb_pages,
    word_scores,
)
from ingest.models import CleanArticle, RawDocument, Reject
from ingest.settings import Settings

WCXB_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "wcxb-dev"
SYSTEMS = ("ours", "trafilatura")


@dataclass(frozen=True)
class Prediction:
    body: str | None
    title: str | None
    author: str | None
    date: str | None
    seconds: float


@dataclass(frozen=True)
class PageResult:
    page_id: str
    url: str
    scores: dict[str, dict[str, float]]
    predictions: dict[str, dict[str, str | float | None]]


def ours(truth: GroundTruth, html: bytes, settings: Settings) -> Prediction:
    started = time.perf_counter()
    document = RawDocument(source_uri=f"wcxb-dev/{truth.page_id}.html", media_type="text/html",
                           url=truth.url, content=html)
    extracted = extract(document)
    article = extracted if isinstance(extracted, Reject) else clean(extracted, settings)
    elapsed = time.perf_counter() - started
    if not isinstance(article, CleanArticle):
        return Prediction(None, None, None, None, elapsed)
    published = article.published_at.isoformat() if article.published_at else None
    return Prediction(article.body_text, article.title, article.author, published, elapsed)


def baseline(truth: GroundTruth, html: bytes) -> Prediction:
    started = time.perf_counter()
    text = html.decode("utf-8", "replace")
    body = trafilatura.extract(text, url=truth.url)
    elapsed = time.perf_counter() - started
    meta = trafilatura.extract_metadata(text, default_url=truth.url)
    if meta is None:
        return Prediction(body, None, None, None, elapsed)
    return Prediction(body, meta.title, meta.author, meta.date, elapsed)


def score(truth: GroundTruth, prediction: Prediction) -> dict[str, float]:
    body = word_scores(prediction.body, truth.main_content)
    return {
        "f1": body.f1, "precision": body.precision, "recall": body.recall,
        "title": float(title_matches(prediction.title, truth.title)),
        "author": float(author_matches(prediction.author, truth.author)),
        "date": float(date_matches(prediction.date, truth.published)),
        "seconds": prediction.seconds,
    }


def evaluate(page: tuple[GroundTruth, bytes]) -> PageResult:
    truth, html = page
    predictions = {"ours": ours(truth, html, Settings()), "trafilatura": baseline(truth, html)}
    return PageResult(
        page_id=truth.page_id, url=truth.url,
        scores={name: score(truth, p) for name, p in predictions.items()},
        predictions={name: asdict(p) for name, p in predictions.items()},
    )


def report(results: list[PageResult], worst: int) -> None:
    print(f"{len(results)} pages\n")
    print(f"{'metric':<18}{'ours':>10}{'trafilatura':>13}{'delta':>9}")
    for metric in ("f1", "precision", "recall", "title", "author", "date"):
        means = [statistics.fmean(r.scores[s][metric] for r in results) for s in SYSTEMS]
        label = f"body {metric}" if metric in ("f1", "precision", "recall") else f"{metric} accuracy"
        print(f"{label:<18}{means[0]:>10.4f}{means[1]:>13.4f}{means[0] - means[1]:>+9.4f}")
    times = [sum(r.scores[s]["seconds"] for r in results) for s in SYSTEMS]
    print(f"{'seconds (sum)':<18}{times[0]:>10.1f}{times[1]:>13.1f}")
    ranked = sorted(results, key=lambda r: r.scores["ours"]["f1"] - r.scores["trafilatura"]["f1"])[:worst]
    print(f"\n{worst} worst pages by body F1 delta (ours - trafilatura):")
    print(f"{'page':<6}{'ours':>7}{'traf':>7}{'delta':>8}{'P':>7}{'R':>7}  url")
    for r in ranked:
        mine, base = r.scores["ours"], r.scores["trafilatura"]
        print(f"{r.page_id:<6}{mine['f1']:>7.3f}{base['f1']:>7.3f}{mine['f1'] - base['f1']:>+8.3f}"
              f"{mine['precision']:>7.3f}{mine['recall']:>7.3f}  {r.url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=WCXB_DEV, help="WCXB split directory")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--worst", type=int, default=15, help="how many worst pages to list")
    parser.add_argument("--details", type=Path, default=None, help="write per-page results as JSON lines")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth").is_dir():
        print(f"no WCXB split at {args.data}", file=sys.stderr)
        return 2
    ids = page_ids(args.data)[: args.limit]
    pages = wcxb_pages(args.data, ids)
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(evaluate, pages, chunksize=8))
    else:
        results = [evaluate(page) for page in pages]
    report(results, args.worst)
    if args.details:
        with args.details.open("w", encoding="utf-8") as out:
            for r in results:
                out.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extraction quality on the development sets: our extract+clean stages against plain trafilatura, same run.

    .venv/bin/python bench/eval_extraction.py [--corpus wcxb|multilingual|all] [--limit N] [--jobs J]
                                              [--details out.jsonl]

wcxb-dev (its README): body word-F1 / precision / recall against `main_content`, averaged over pages; title,
author and date accuracy after lower-casing and dropping punctuation. The plain side is
`trafilatura.extract(html, include_comments=False)` for the body and `trafilatura.extract_metadata` for the fields.

multilingual-dev (its README): `with` / `without` snippets found in the body, summed over pages, as precision,
recall and F1, overall and per `<html lang>` group (groups of 20+ pages on their own, the rest pooled as "other").
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from functools import reduce
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench.` imports when run as a script

from bench.extraction_quality import (  # noqa: E402
    GroundTruth,
    SnippetCounts,
    SnippetPage,
    author_matches,
    date_matches,
    page_ids,
    snippet_counts,
    snippet_pages,
    title_matches,
    wcxb_pages,
    word_scores,
)
from ingest.extract.clean import clean  # noqa: E402
from ingest.extract.html import extract  # noqa: E402
from ingest.models import CleanArticle, RawDocument, Reject  # noqa: E402
from ingest.settings import Settings  # noqa: E402

SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
WCXB_DEV = SHARED_EVAL / "wcxb-dev"
MULTILINGUAL_DEV = SHARED_EVAL / "multilingual-dev" / "pages.jsonl.gz"
SYSTEMS = ("ours", "trafilatura")
MIN_GROUP_PAGES = 20


@dataclass(frozen=True)
class Prediction:
    body: str | None
    title: str | None
    author: str | None
    date: str | None
    seconds: float
    date_source: str | None = None


@dataclass(frozen=True)
class PageResult:
    page_id: str
    url: str
    scores: dict[str, dict[str, float]]
    predictions: dict[str, dict[str, str | float | None]]


@dataclass(frozen=True)
class SnippetResult:
    url: str
    language: str
    counts: dict[str, SnippetCounts]


def ours(source_uri: str, url: str | None, html: bytes, settings: Settings, charset: str | None = None) -> Prediction:
    started = time.perf_counter()
    document = RawDocument(source_uri=source_uri, media_type="text/html", url=url, content=html, charset=charset)
    extracted = extract(document)
    article = extracted if isinstance(extracted, Reject) else clean(extracted, settings)
    elapsed = time.perf_counter() - started
    if not isinstance(article, CleanArticle):
        return Prediction(None, None, None, None, elapsed)
    published = article.published_at.isoformat() if article.published_at else None
    return Prediction(article.body_text, article.title, article.author, published, elapsed,
                      getattr(article, "date_source", None))


def plain_body(text: str, url: str | None) -> str | None:
    return trafilatura.extract(text, url=url, include_comments=False)


def baseline(truth: GroundTruth, html: bytes) -> Prediction:
    started = time.perf_counter()
    text = html.decode("utf-8", "replace")
    body = plain_body(text, truth.url)
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
    predictions = {"ours": ours(f"wcxb-dev/{truth.page_id}.html", truth.url, html, Settings()),
                   "trafilatura": baseline(truth, html)}
    return PageResult(
        page_id=truth.page_id, url=truth.url,
        scores={name: score(truth, p) for name, p in predictions.items()},
        predictions={name: asdict(p) for name, p in predictions.items()},
    )


def evaluate_snippets(page: SnippetPage) -> SnippetResult:
    url = page.url if page.url.startswith(("http://", "https://")) else None
    # The corpus holds decoded text (legacy charsets too): its UTF-8 bytes go in with that charset declared, as a
    # Content-Type header would declare it, or a legacy <meta charset> would be believed over the bytes.
    mine = ours(f"multilingual-dev/{page.url}", url, page.html.encode("utf-8"), Settings(), charset="utf-8")
    counts = {"ours": snippet_counts(mine.body, page), "trafilatura": snippet_counts(plain_body(page.html, url), page)}
    return SnippetResult(url=page.url, language=page.language, counts=counts)


def report_wcxb(results: list[PageResult], worst: int) -> None:
    print(f"wcxb-dev: {len(results)} pages\n")
    print(f"{'metric':<18}{'ours':>10}{'trafilatura':>13}{'delta':>9}")
    for metric in ("f1", "precision", "recall", "title", "author", "date"):
        means = [statistics.fmean(r.scores[s][metric] for r in results) for s in SYSTEMS]
        label = f"body {metric}" if metric in ("f1", "precision", "recall") else f"{metric} accuracy"
        print(f"{label:<18}{means[0]:>10.4f}{means[1]:>13.4f}{means[0] - means[1]:>+9.4f}")
    times = [sum(r.scores[s]["seconds"] for r in results) for s in SYSTEMS]
    print(f"{'seconds (sum)':<18}{times[0]:>10.1f}{times[1]:>13.1f}")
    sources = Counter(str(r.predictions["ours"].get("date_source")) for r in results)
    print("our date sources: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    ranked = sorted(results, key=lambda r: r.scores["ours"]["f1"] - r.scores["trafilatura"]["f1"])[:worst]
    print(f"\n{worst} worst pages by body F1 delta (ours - trafilatura):")
    print(f"{'page':<6}{'ours':>7}{'traf':>7}{'delta':>8}{'P':>7}{'R':>7}  url")
    for r in ranked:
        mine, base = r.scores["ours"], r.scores["trafilatura"]
        print(f"{r.page_id:<6}{mine['f1']:>7.3f}{base['f1']:>7.3f}{mine['f1'] - base['f1']:>+8.3f}"
              f"{mine['precision']:>7.3f}{mine['recall']:>7.3f}  {r.url}")


def language_groups(results: list[SnippetResult]) -> dict[str, list[SnippetResult]]:
    """Groups of 20+ pages by language, largest first, then every smaller group pooled as "other"."""
    sizes = Counter(r.language for r in results)
    groups: dict[str, list[SnippetResult]] = {"all": results}
    for language, size in sizes.most_common():
        if size >= MIN_GROUP_PAGES:
            groups[language] = [r for r in results if r.language == language]
    small = [r for r in results if sizes[r.language] < MIN_GROUP_PAGES]
    if small:
        groups["other"] = small
    return groups


def report_snippets(results: list[SnippetResult]) -> None:
    print(f"\nmultilingual-dev: {len(results)} pages (snippets: P / R / F1)\n")
    print(f"{'group':<8}{'pages':>6}   {'ours P / R / F1':<27}{'trafilatura P / R / F1':<27}{'F1 delta':>9}")
    for name, members in language_groups(results).items():
        totals = [reduce(SnippetCounts.__add__, (r.counts[s] for r in members), SnippetCounts()) for s in SYSTEMS]
        cells = [f"{t.precision:.4f} / {t.recall:.4f} / {t.f1:.4f}" for t in totals]
        print(f"{name:<8}{len(members):>6}   {cells[0]:<27}{cells[1]:<27}{totals[0].f1 - totals[1].f1:>+9.4f}")


def run(function, items: Iterable, jobs: int) -> list:  # type: ignore[no-untyped-def, type-arg]
    if jobs <= 1:
        return [function(item) for item in items]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(function, items, chunksize=8))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("wcxb", "multilingual", "all"), default="all")
    parser.add_argument("--data", type=Path, default=WCXB_DEV, help="WCXB split directory")
    parser.add_argument("--multilingual", type=Path, default=MULTILINGUAL_DEV, help="snippet corpus (jsonl.gz)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each corpus")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--worst", type=int, default=15, help="how many worst pages to list")
    parser.add_argument("--details", type=Path, default=None, help="write per-page wcxb results as JSON lines")
    args = parser.parse_args(argv)
    if args.corpus in ("wcxb", "all"):
        if not (args.data / "ground-truth").is_dir():
            print(f"no WCXB split at {args.data}", file=sys.stderr)
            return 2
        results = run(evaluate, wcxb_pages(args.data, page_ids(args.data)[: args.limit]), args.jobs)
        report_wcxb(results, args.worst)
        if args.details:
            with args.details.open("w", encoding="utf-8") as out:
                for r in results:
                    out.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    if args.corpus in ("multilingual", "all"):
        if not args.multilingual.is_file():
            print(f"no snippet corpus at {args.multilingual}", file=sys.stderr)
            return 2
        pages = list(snippet_pages(args.multilingual))[: args.limit]
        report_snippets(run(evaluate_snippets, pages, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Entity quality on GUM news (../shared/eval/gum-news): our pipeline against bare spaCy, in one run.

Scored exactly as ../shared/eval/gum-news/README.md defines it (see `bench.entity_quality`): our side runs the
real pipeline (JSONL in, warehouse out, stored offsets mapped back onto the gold text); the bare side is the same
model's `nlp(text).ents` with the same label-to-type mapping, one entity per (surface, type).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench.` imports when run as a script

from bench.entity_quality import Scores, bare_predictions, pipeline_predictions, read_corpus, score  # noqa: E402
from ingest.entities.gazetteer import PACKAGED_GAZETTEER  # noqa: E402
from ingest.settings import Settings  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "eval" / "gum-news" / "conllu"


def _row(label: str, bare: float, ours: float, bare_counts: str, our_counts: str) -> str:
    return f"{label:40}{bare:>12.3f}{ours:>10.3f}    ({bare_counts} vs {our_counts})"


def table(variant: str, bare: Scores, ours: Scores) -> list[str]:
    return [
        f"-- {variant} types",
        _row("recall (linked P/O/L, capitalised)", bare.recall, ours.recall,
             f"{bare.recall_found}/{bare.recall_total}", f"{ours.recall_found}/{ours.recall_total}"),
        _row("precision (PERSON/ORG/LOC)", bare.precision, ours.precision,
             f"{bare.precision_correct}/{bare.precision_total}", f"{ours.precision_correct}/{ours.precision_total}"),
        _row("resolution (one entity id per identity)", bare.resolution, ours.resolution,
             f"{bare.corpus_single}/{bare.corpus_eligible}", f"{ours.corpus_single}/{ours.corpus_eligible}"),
        _row("  within each article", bare.article_resolution, ours.article_resolution,
             f"{bare.article_single}/{bare.article_eligible}", f"{ours.article_single}/{ours.article_eligible}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} is absent: the shared evaluation set is not on this machine")
    docs = read_corpus(args.corpus)[:args.limit]
    settings = Settings(gazetteer=PACKAGED_GAZETTEER, ner_processes=1)
    bare = bare_predictions(docs, settings.spacy_model)
    ours = pipeline_predictions(docs, settings)
    gold = [m for d in docs for m in d.gold_for_recall()]
    print(f"GUM news: {len(docs)} articles, {len(gold)} gold mentions for recall "
          f"({', '.join(f'{k} {v}' for k, v in sorted(Counter(m.etype for m in gold).items()))})")
    print(f"{'':40}{'bare spaCy':>12}{'ours':>10}")
    for strict in (False, True):
        lines = table("strict" if strict else "role-compatible", score(docs, bare, strict), score(docs, ours, strict))
        print("\n".join(lines))


if __name__ == "__main__":
    main()

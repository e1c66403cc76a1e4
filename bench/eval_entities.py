"""Entity quality on GUM news (../shared/eval/gum-news): our pipeline against the bare spaCy model, one run.

Both sides read the same model output (NER runs once); "bare" takes the model's spans as they are, with the
surface string and label as the entity; "ours" adds trimming, the gazetteer, propagation and resolution.

Rules (the same for both sides):
- Gold for recall: linked mentions (those with a Wikipedia identity) of type person, organization or place
  that name the entity: they hold a proper noun and share a word with the identity's title or are an acronym.
  Descriptions that carry an identity through coreference ("The President", "Man of the Match") are left out:
  no name recogniser can find them, and they are counted separately.
- A gold mention is found when a predicted mention of a compatible type overlaps it by a character.
  person <- PERSON or GROUP (GUM types groups of people as person: "Muslims", "the Taliban");
  organization <- ORGANIZATION, GROUP or LOCATION (a country acting or fielding a team is an organization in
  GUM, a geo-political entity in OntoNotes); place <- LOCATION.
- Precision over our PERSON, ORGANIZATION and LOCATION mentions: correct when the mention overlaps a gold mention
  holding a proper noun (linked or not) of a compatible type: PERSON -> person, ORGANIZATION -> organization,
  LOCATION -> place or organization.
- Resolution: for each gold identity with at least two found mentions, are all of them one entity row (the
  predicted mention overlapping most)? Corpus-wide (ids shared across articles, as in the warehouse) and within
  each article. Merges: entity rows that hold mentions of more than one gold identity.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gum_reader import GoldMention, GumDocument, read_corpus  # noqa: E402
from ingest.entities import DocSpans, NerEngine, resolve_article  # noqa: E402
from ingest.gazetteer import Gazetteer  # noqa: E402
from ingest.resolve import LABEL_TYPES  # noqa: E402
from ingest.settings import Settings  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "eval" / "gum-news" / "conllu"
GOLD_TYPES = ("person", "organization", "place")
FOUND_BY = {"person": {"PERSON", "GROUP"}, "organization": {"ORGANIZATION", "GROUP", "LOCATION"},
            "place": {"LOCATION"}}
CORRECT_AS = {"PERSON": {"person"}, "ORGANIZATION": {"organization"}, "LOCATION": {"place", "organization"}}


@dataclass(frozen=True)
class Predicted:
    start: int
    end: int
    type: str
    entity: str  # the entity row this mention resolves to


@dataclass
class Scores:
    recall_found: int = 0
    recall_total: int = 0
    precision_correct: int = 0
    precision_total: int = 0
    corpus_single: int = 0
    corpus_eligible: int = 0
    article_single: int = 0
    article_eligible: int = 0
    merges: int = 0

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_total if self.recall_total else 0.0

    @property
    def precision(self) -> float:
        return self.precision_correct / self.precision_total if self.precision_total else 0.0

    @property
    def corpus_resolution(self) -> float:
        return self.corpus_single / self.corpus_eligible if self.corpus_eligible else 0.0

    @property
    def article_resolution(self) -> float:
        return self.article_single / self.article_eligible if self.article_eligible else 0.0


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


def names_entity(mention: GoldMention) -> bool:
    """A name of the entity, not a description of it."""
    if mention.identity is None or not mention.named:
        return False
    acronym = any(len(t.replace(".", "")) >= 2 and t.replace(".", "").isupper() for t in mention.text.split())
    return acronym or bool(_words(mention.text) & _words(mention.identity))


def gold_names(doc: GumDocument) -> list[GoldMention]:
    return [m for m in doc.linked(GOLD_TYPES) if names_entity(m)]


def score(docs: Sequence[GumDocument], predictions: Sequence[list[Predicted]]) -> Scores:
    scores = Scores()
    corpus_entities: dict[str, list[str]] = defaultdict(list)
    identities_of_entity: dict[str, set[str]] = defaultdict(set)
    for doc, predicted in zip(docs, predictions, strict=True):
        article_entities: dict[str, list[str]] = defaultdict(list)
        for gold in gold_names(doc):
            scores.recall_total += 1
            best = _best_match(gold, predicted)
            if best is None:
                continue
            scores.recall_found += 1
            corpus_entities[gold.identity or ""].append(best.entity)
            article_entities[gold.identity or ""].append(best.entity)
            identities_of_entity[best.entity].add(gold.identity or "")
        for mention in predicted:
            if mention.type not in CORRECT_AS:
                continue
            scores.precision_total += 1
            scores.precision_correct += any(
                g.named and g.etype in CORRECT_AS[mention.type] and g.start < mention.end and mention.start < g.end
                for g in doc.mentions
            )
        for entities in article_entities.values():
            if len(entities) >= 2:
                scores.article_eligible += 1
                scores.article_single += len(set(entities)) == 1
    for entities in corpus_entities.values():
        if len(entities) >= 2:
            scores.corpus_eligible += 1
            scores.corpus_single += len(set(entities)) == 1
    scores.merges = sum(1 for identities in identities_of_entity.values() if len(identities) > 1)
    return scores


def _best_match(gold: GoldMention, predicted: Sequence[Predicted]) -> Predicted | None:
    candidates = [p for p in predicted if p.type in FOUND_BY[gold.etype] and p.start < gold.end and gold.start < p.end]
    if not candidates:
        return None
    return max(candidates, key=lambda p: min(p.end, gold.end) - max(p.start, gold.start))


def run(corpus: Path, processes: int = 1, limit: int | None = None) -> tuple[Scores, Scores, list[GumDocument]]:
    """NER once over the corpus; score the bare model and the full pipeline on the same output."""
    docs = read_corpus(corpus)[:limit]
    settings = Settings()
    gazetteer = Gazetteer.from_csv(settings.gazetteer if settings.gazetteer.is_absolute()
                                   else REPO_ROOT / settings.gazetteer)
    engine = NerEngine(settings.spacy_model, processes)
    try:
        annotated = engine.annotate([d.text for d in docs])
    finally:
        engine.close()
    bare = [[Predicted(s, e, LABEL_TYPES[lbl], f"{d.text[s:e]}\0{lbl}") for s, e, lbl in a.ents if lbl in LABEL_TYPES]
            for d, a in zip(docs, annotated, strict=True)]
    ours = []
    for doc, spans in zip(docs, annotated, strict=True):
        resolved = resolve_article({"title": "", "body": doc.text}, {"title": DocSpans((), (0,)), "body": spans},
                                   gazetteer)
        ours.append([Predicted(m.start, m.end, m.type, m.entity_id) for m in resolved])
    return score(docs, bare), score(docs, ours), docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} is absent: the shared evaluation set is not on this machine")
    bare, ours, docs = run(args.corpus, args.processes)
    described = sum(1 for d in docs for m in d.linked(GOLD_TYPES) if not names_entity(m))
    print(f"GUM news: {len(docs)} articles, {bare.recall_total} gold linked name mentions "
          f"({described} linked descriptions left out)")
    print(f"{'':34}{'bare spaCy':>12}{'ours':>12}")
    rows = [
        ("recall (linked P/O/L names)", bare.recall, ours.recall, f"{bare.recall_found}", f"{ours.recall_found}"),
        ("precision (PERSON/ORG/LOC)", bare.precision, ours.precision,
         f"{bare.precision_correct}/{bare.precision_total}", f"{ours.precision_correct}/{ours.precision_total}"),
        ("one row per identity, corpus", bare.corpus_resolution, ours.corpus_resolution,
         f"{bare.corpus_single}/{bare.corpus_eligible}", f"{ours.corpus_single}/{ours.corpus_eligible}"),
        ("one row per identity, article", bare.article_resolution, ours.article_resolution,
         f"{bare.article_single}/{bare.article_eligible}", f"{ours.article_single}/{ours.article_eligible}"),
    ]
    for label, b, o, bn, on in rows:
        print(f"{label:34}{b:>12.3f}{o:>12.3f}    ({bn} vs {on})")
    print(f"{'rows merging two gold identities':34}{bare.merges:>12d}{ours.merges:>12d}")
    counts = Counter(m.etype for d in docs for m in gold_names(d))
    print("gold name mentions by type: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()

"""Entity quality against the GUM news gold, exactly as ../shared/eval/gum-news/README.md defines it.

Shared by `bench/eval_entities.py` and the quality-floor test, so both score the same way. Our side runs the
real pipeline: each article's title, dateCreated and text go in as a JSONL line, through read, extract, clean,
load and enrichment into a throw-away warehouse, and the stored `entity_mentions` offsets are mapped back onto
the gold text. The bare side is the same spaCy model's `nlp(text).ents`, typed by the same label mapping, one
entity per (surface, type).

- Gold for recall: person / organization / place mentions that carry an identity (a Wikipedia title) and hold
  a capitalised word that is not a pronoun.
- Role-compatible types: gold person is found by PERSON or GROUP, organization by ORGANIZATION, GROUP or
  LOCATION, place by LOCATION; a predicted PERSON is right on a person, ORGANIZATION on an organization,
  LOCATION on a place or an organization. Strict: each type by its own label only.
- Recall: gold mentions overlapped (one character or more) by a predicted mention of a matching type.
- Precision: predicted PERSON / ORGANIZATION / LOCATION mentions overlapping a gold mention (linked or not) of a
  type they may stand for.
- Resolution: gold identities with two or more found mentions whose found mentions all carry one entity id
  (across the corpus, as ids are shared across articles in the warehouse; per article is reported too).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from urllib.parse import unquote

from ingest.entities.resolve import LABEL_TYPES
from ingest.settings import Settings
from ingest.warehouse.entity_store import StoredMention

GOLD_TYPES = ("person", "organization", "place")
ROLE_FOUND_BY = {"person": {"PERSON", "GROUP"}, "organization": {"ORGANIZATION", "GROUP", "LOCATION"},
                 "place": {"LOCATION"}}
ROLE_CORRECT_AS = {"PERSON": {"person"}, "ORGANIZATION": {"organization"}, "LOCATION": {"place", "organization"}}
STRICT_FOUND_BY = {"person": {"PERSON"}, "organization": {"ORGANIZATION"}, "place": {"LOCATION"}}
STRICT_CORRECT_AS = {"PERSON": {"person"}, "ORGANIZATION": {"organization"}, "LOCATION": {"place"}}
_OPEN_OR_CLOSE = re.compile(r"\((?P<open>\d+-[^()]*)|(?P<close>\d+)\)")


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    text: str
    etype: str  # person, organization, place, event, ...
    identity: str | None  # Wikipedia title when the mention is linked
    capitalised: bool  # holds a word with a capital that is not a pronoun


@dataclass
class GumDocument:
    name: str
    title: str
    date_created: str | None = None
    source_url: str | None = None
    text: str = ""
    mentions: list[GoldMention] = field(default_factory=list)

    def gold_for_recall(self) -> list[GoldMention]:
        return [m for m in self.mentions if m.identity and m.capitalised and m.etype in GOLD_TYPES]


@dataclass
class _Open:
    start: int
    etype: str
    identity: str | None
    first_token: int


@dataclass
class _Builder:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    tokens: list[tuple[str, str]] = field(default_factory=list)  # form, upos
    pending_space: bool = False

    def add(self, form: str, space_after: bool) -> tuple[int, int]:
        if self.pending_space:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(form)
        self.length += len(form)
        self.pending_space = space_after
        return start, self.length

    def separator(self, sep: str) -> None:
        if self.length:
            self.parts.append(sep)
            self.length += len(sep)
        self.pending_space = False


def read_document(path: Path) -> GumDocument:
    """Text rebuilt from the tokens (SpaceAfter=No kept, paragraphs on new lines); gold mentions slice it."""
    doc = GumDocument(name=path.stem, title="")
    text = _Builder()
    stack: dict[str, list[_Open]] = {}
    multiword: tuple[int, int, int, int] | None = None  # first id, last id, start, end
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# meta::title = "):
            doc.title = line.split(" = ", 1)[1]
        elif line.startswith("# meta::dateCreated = "):
            doc.date_created = line.split(" = ", 1)[1].strip()
        elif line.startswith("# meta::sourceURL = "):
            doc.source_url = line.split(" = ", 1)[1].strip()
        elif line.startswith("# newpar"):
            if not line.startswith("# newpar_block"):
                text.separator("\n")
        elif line.startswith("#") or not line.strip():
            continue
        else:
            columns = line.split("\t")
            space_after = "SpaceAfter=No" not in columns[9]
            if "-" in columns[0]:
                first, last = (int(x) for x in columns[0].split("-"))
                start, end = text.add(columns[1], space_after)
                multiword = (first, last, start, end)
                continue
            if "." in columns[0]:
                continue  # empty nodes carry no surface text
            number = int(columns[0])
            if multiword and multiword[0] <= number <= multiword[1]:
                start, end = multiword[2], multiword[3]
            else:
                multiword = None
                start, end = text.add(columns[1], space_after)
            text.tokens.append((columns[1], columns[3]))
            _apply_entities(doc, text, stack, columns[9], start, end)
    doc.text = "".join(text.parts)
    return doc


def _apply_entities(doc: GumDocument, text: _Builder, stack: dict[str, list[_Open]], misc: str,
                    start: int, end: int) -> None:
    entity = next((p[len("Entity="):] for p in misc.split("|") if p.startswith("Entity=")), None)
    if entity is None:
        return
    for match in _OPEN_OR_CLOSE.finditer(entity):
        if match["open"]:
            fields = match["open"].split("-", 7)
            identity = unquote(fields[7]).replace("_", " ") if len(fields) > 7 and fields[7] else None
            stack.setdefault(fields[0], []).append(_Open(start, fields[1], identity, len(text.tokens) - 1))
            if entity[match.end():match.end() + 1] == ")":  # single-token mention "(id-...)"
                _close(doc, text, stack, fields[0], end)
        elif match["close"] and stack.get(match["close"]):
            _close(doc, text, stack, match["close"], end)


def _close(doc: GumDocument, text: _Builder, stack: dict[str, list[_Open]], entity_id: str, end: int) -> None:
    opened = stack[entity_id].pop()
    tokens = text.tokens[opened.first_token:]
    capitalised = any(form[:1].isupper() and upos != "PRON" for form, upos in tokens)
    body = "".join(text.parts)
    doc.mentions.append(GoldMention(opened.start, end, body[opened.start:end], opened.etype, opened.identity,
                                    capitalised))


def read_corpus(directory: Path) -> list[GumDocument]:
    return [read_document(path) for path in sorted(directory.glob("*.conllu"))]


@dataclass(frozen=True)
class Predicted:
    start: int
    end: int
    type: str
    entity: str  # the entity id this mention resolves to


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

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_total if self.recall_total else 0.0

    @property
    def precision(self) -> float:
        return self.precision_correct / self.precision_total if self.precision_total else 0.0

    @property
    def resolution(self) -> float:
        return self.corpus_single / self.corpus_eligible if self.corpus_eligible else 0.0

    @property
    def article_resolution(self) -> float:
        return self.article_single / self.article_eligible if self.article_eligible else 0.0


def score(docs: Sequence[GumDocument], predictions: Sequence[Sequence[Predicted]], strict: bool = False) -> Scores:
    found_by = STRICT_FOUND_BY if strict else ROLE_FOUND_BY
    correct_as = STRICT_CORRECT_AS if strict else ROLE_CORRECT_AS
    scores = Scores()
    corpus: dict[str, list[str]] = defaultdict(list)
    for doc, predicted in zip(docs, predictions, strict=True):
        article: dict[str, list[str]] = defaultdict(list)
        for gold in doc.gold_for_recall():
            scores.recall_total += 1
            candidates = [p for p in predicted if p.type in found_by[gold.etype] and _overlap(p, gold) > 0]
            if candidates:
                # most overlap, then the tightest span: a nested "Washington D.C." over "Washington D.C. Image"
                best = max(candidates, key=lambda p: (_overlap(p, gold), p.start - p.end, p.start))
                scores.recall_found += 1
                corpus[gold.identity or ""].append(best.entity)
                article[gold.identity or ""].append(best.entity)
        for mention in predicted:
            if mention.type in correct_as:
                scores.precision_total += 1
                scores.precision_correct += any(g.etype in correct_as[mention.type] and _overlap(mention, g) > 0
                                                for g in doc.mentions)
        for entities in article.values():
            if len(entities) >= 2:
                scores.article_eligible += 1
                scores.article_single += len(set(entities)) == 1
    for entities in corpus.values():
        if len(entities) >= 2:
            scores.corpus_eligible += 1
            scores.corpus_single += len(set(entities)) == 1
    return scores


def _overlap(predicted: Predicted, gold: GoldMention) -> int:
    return min(predicted.end, gold.end) - max(predicted.start, gold.start)


def bare_predictions(docs: Sequence[GumDocument], model: str) -> list[list[Predicted]]:
    """The bare model: `nlp(text).ents`, the project's label mapping, one entity per (surface, type)."""
    import spacy

    nlp = spacy.load(model)
    predictions = []
    for doc in docs:
        ents = nlp(doc.text).ents
        predictions.append([Predicted(e.start_char, e.end_char, LABEL_TYPES[e.label_],
                                      f"{LABEL_TYPES[e.label_]}\0{e.text}")
                            for e in ents if e.label_ in LABEL_TYPES])
    return predictions


def write_jsonl(docs: Sequence[GumDocument], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            # A JSONL line needs its url; the article's own Wikinews address, or a stable stand-in.
            url = doc.source_url or f"https://en.wikinews.org/wiki/{doc.name}"
            line = {"url": url, "title": doc.title, "published": doc.date_created, "text": doc.text}
            handle.write(json.dumps(line) + "\n")


def pipeline_predictions(docs: Sequence[GumDocument], settings: Settings | None = None) -> list[list[Predicted]]:
    """Our side: the articles through read, extract, clean, load and enrich into a temporary warehouse."""
    from ingest import pipeline
    from ingest.entities.ner import Enricher
    from ingest.warehouse import connection as warehouse
    from ingest.warehouse import entity_store

    with tempfile.TemporaryDirectory(prefix="gum-eval-") as workdir:
        inputs = Path(workdir) / "gum-news.jsonl"
        write_jsonl(docs, inputs)
        base = settings or Settings()
        settings = base.model_copy(update={"warehouse": Path(workdir) / "eval.duckdb", "extraction_workers": 1})
        pipeline.run_batches([inputs], settings, "gum-eval")
        with Enricher(settings) as enricher:
            for page in entity_store.articles_to_enrich(settings):
                result = enricher.annotate(page)
                with warehouse.open_warehouse(settings) as con:
                    entity_store.load_enrichment(con, result, "gum-eval", enricher.gazetteer)
        with warehouse.open_warehouse(settings) as con:
            stored = entity_store.stored_mentions(con)
    by_line: dict[int, list[StoredMention]] = defaultdict(list)
    for mention in stored:
        by_line[int(mention.source_uri.rsplit("#line=", 1)[1])].append(mention)
    return [_mapped(doc, by_line.get(number, [])) for number, doc in enumerate(docs, start=1)]


def _mapped(doc: GumDocument, mentions: Sequence[StoredMention]) -> list[Predicted]:
    """Stored offsets index the stored title and body: carry them onto the gold text by alignment. The gold
    text opens with the headline; title mentions count only when the stored body lost that line."""
    maps: dict[str, Callable[[int, int], tuple[int, int] | None]] = {}
    predicted = []
    for mention in mentions:
        stored_text = mention.body_text if mention.field == "body" else mention.title or ""
        if mention.field == "title" and stored_text in mention.body_text:
            continue
        if mention.field not in maps:
            maps[mention.field] = offset_map(stored_text, doc.text)
        span = maps[mention.field](mention.start_char, mention.end_char)
        if span is not None:
            predicted.append(Predicted(span[0], span[1], mention.type, mention.entity_id))
    return predicted


def offset_map(source: str, target: str) -> Callable[[int, int], tuple[int, int] | None]:
    """Character alignment of `source` onto `target` (the pipeline may have changed spacing or dropped lines)."""
    positions: dict[int, int] = {}
    matcher = SequenceMatcher(None, source, target, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            positions[block.a + offset] = block.b + offset

    def mapped(start: int, end: int) -> tuple[int, int] | None:
        inside = [positions[i] for i in range(start, end) if i in positions]
        return (min(inside), max(inside) + 1) if inside else None

    return mapped

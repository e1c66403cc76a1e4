"""Enrich stage: named entities of clean articles, found with spaCy and resolved to one row per real entity.

Only the components NER needs run (the NER model and a sentence splitter), over `nlp.pipe` batches, in a pool
of worker processes that lives as long as the `Enricher` (starting one costs a model load, so never per batch).
Each article's own resolution (trimming, gazetteer, evidence, clustering: `resolve_article`) runs in the worker
that ran its NER, so it runs on every core and never leaves the workers idle while the main process resolves;
the main process only assembles the batch's rows. Articles in a language the model does not serve get a status
row with the reason and no entities.
"""

from __future__ import annotations

import hashlib
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ingest.entities.evidence import retype_by_evidence, split_coordinated_places
from ingest.entities.gazetteer import Gazetteer
from ingest.entities.name_signals import join_adjacent, load_name_lists
from ingest.entities.openers import drop_positional_capitals
from ingest.entities.plausibility import load_word_lists
from ingest.entities.resolve import (
    LABEL_TYPES,
    RESOLVER_VERSION,
    Resolved,
    Span,
    merge_gazetteer,
    resolve,
)
from ingest.entities.trim import is_title, trim_span
from ingest.extract.fork_server import fork_server_context
from ingest.models import CleanArticle, Record, Reject
from ingest.ops.lifeline import exit_with
from ingest.settings import Settings

if TYPE_CHECKING:
    from spacy.language import Language

SEGMENT_CHARS = 50_000  # long bodies go to the model in paragraph-aligned pieces of at most this size
PIPE_BATCH_SIZE = 32
CHUNKS_PER_PROCESS = 4  # a batch's articles go to the workers in this many pieces per process: the last piece
# to finish leaves one core idle, so pieces are small, and cheap to send (the gazetteer is in the workers already)
LEAD_MIN_WORDS = 20
_TITLE_OF = re.compile(r"\b(?:(?:Under-?)?[Ss]ecretary|Minister|Ministry|Department|Secretary-General|Commissioner"
                       r"|Director)\s+(?:of|for)\s+(?:the\s+)?$")

T = TypeVar("T")
MentionSource = Literal["model", "gazetteer", "propagated", "nested", "expansion"]


class EnrichInput(Record):
    """What enrichment needs of an article; built from a `CleanArticle` or read back from the warehouse."""

    article_id: str
    source_uri: str
    title: str | None
    body_text: str
    language: str | None

    @property
    def text_hash(self) -> str:
        """Fingerprint of the enriched text; the warehouse computes the same from the article row."""
        return hashlib.md5(f"{self.title or ''}\0{self.body_text}".encode()).hexdigest()

    @classmethod
    def from_article(cls, article: CleanArticle) -> EnrichInput:
        return cls(article_id=article.article_id, source_uri=article.source_uri, title=article.title,
                   body_text=article.body_text, language=article.language)


class EntityMention(Record):
    article_id: str
    field: Literal["title", "body"]
    start_char: int
    end_char: int
    entity_id: str
    surface: str
    label: str | None
    source: MentionSource
    sentence_index: int | None


class Entity(Record):
    entity_id: str
    name: str
    type: str
    wikidata_id: str | None
    geonames_id: str | None = None


class EntityAlias(Record):
    entity_id: str
    alias: str


class ArticleEntity(Record):
    """How prominent an entity is in one article."""

    article_id: str
    entity_id: str
    mentions: int
    first_char: int | None
    first_sentence: int | None
    in_title: bool
    in_lead: bool


class ArticleEnrichment(Record):
    article_id: str
    status: Literal["enriched", "skipped", "failed"]
    reason: str | None
    mentions: int
    entities: int
    text_hash: str


class EnrichmentResult(Record):
    model_version: str
    resolver_version: str
    gazetteer_version: str
    articles: tuple[ArticleEnrichment, ...]
    mentions: tuple[EntityMention, ...]
    entities: tuple[Entity, ...]
    aliases: tuple[EntityAlias, ...]
    article_entities: tuple[ArticleEntity, ...]
    rejects: tuple[Reject, ...]


@dataclass(frozen=True)
class DocSpans:
    """The model's output for one text, small enough to send back from a worker process."""

    ents: tuple[tuple[int, int, str], ...]
    sentence_starts: tuple[int, ...]
    error: str | None = None


@dataclass(frozen=True)
class ArticleSpans:
    """One article's model output and its resolved mentions (None when the model failed on its title or body)."""

    title: DocSpans
    body: DocSpans
    resolved: tuple[Resolved, ...] | None

    @property
    def error(self) -> str | None:
        return self.body.error or self.title.error


def load_model(name: str) -> Language:
    """The pipeline with only NER, what NER listens to, and a sentence splitter enabled."""
    import spacy

    nlp = spacy.load(name)
    if "ner" not in nlp.component_names:
        raise ValueError(f"spaCy pipeline {name!r} has no 'ner' component")
    needed = {"ner"} | _upstream_of(nlp, "ner")
    if "senter" in nlp.component_names:
        needed.add("senter")
    for component in nlp.component_names:
        if component in needed:
            nlp.enable_pipe(component)  # senter ships disabled
        else:
            nlp.disable_pipe(component)
    if "senter" not in needed:
        nlp.add_pipe("sentencizer", first=True)
    return nlp


def _upstream_of(nlp: Language, component: str) -> set[str]:
    """Components a listener layer of `component` reads from (a shared tok2vec or transformer)."""
    model_config = nlp.config["components"][component].get("model", {})
    upstream = set()
    for value in model_config.values():
        if isinstance(value, dict) and "Listener" in str(value.get("@architectures", "")):
            name = value.get("upstream", "*")
            upstream |= {c for c in nlp.component_names if name in ("*", c) and c in ("tok2vec", "transformer")}
    return upstream


def model_version(nlp: Language) -> str:
    return f"{nlp.meta['lang']}_{nlp.meta['name']}-{nlp.meta['version']}"


def annotate_texts(nlp: Language, texts: Sequence[str]) -> list[DocSpans]:
    """Entities and sentence starts of each text; a text the model fails on gets an error instead."""
    try:
        return list(_annotate(nlp, texts))
    except Exception:  # find the one bad text, keep the others
        return [_annotate_one(nlp, text) for text in texts]


def _annotate_one(nlp: Language, text: str) -> DocSpans:
    try:
        return next(_annotate(nlp, [text]))
    except Exception as exc:
        return DocSpans((), (), error=f"{type(exc).__name__}: {exc}"[:500])


def _annotate(nlp: Language, texts: Sequence[str]) -> Iterator[DocSpans]:
    pieces = [(index, offset, piece) for index, text in enumerate(texts) for offset, piece in _segments(text)
              if piece.strip()]  # an empty doc has no sentences to ask about
    ents: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    starts: list[list[int]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=PIPE_BATCH_SIZE)
    for (index, offset, _piece), doc in zip(pieces, docs, strict=True):
        ents[index].extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
        starts[index].extend(offset + s.start_char for s in doc.sents)
    for index in range(len(texts)):
        yield DocSpans(tuple(ents[index]), tuple(starts[index]) or (0,))


def _segments(text: str) -> Iterator[tuple[int, str]]:
    """Paragraph-aligned pieces of at most SEGMENT_CHARS, with their offsets into `text`."""
    start = 0
    while len(text) - start > SEGMENT_CHARS:
        cut = text.rfind("\n", start, start + SEGMENT_CHARS)
        cut = cut + 1 if cut > start else start + SEGMENT_CHARS
        yield start, text[start:cut]
        start = cut
    if start < len(text) or not text:
        yield start, text[start:]


def annotate_and_resolve(nlp: Language, articles: Sequence[tuple[str, str]],
                         gazetteer: Gazetteer) -> list[ArticleSpans]:
    """NER of each (title, body), then each article's resolution (`resolve_article`)."""
    docs = annotate_texts(nlp, [text for pair in articles for text in pair])
    return [_resolve_spans(title, body, docs[2 * number], docs[2 * number + 1], gazetteer)
            for number, (title, body) in enumerate(articles)]


def _resolve_spans(title: str, body: str, title_doc: DocSpans, body_doc: DocSpans,
                   gazetteer: Gazetteer) -> ArticleSpans:
    if title_doc.error or body_doc.error:
        return ArticleSpans(title_doc, body_doc, None)
    resolved = resolve_article({"title": title, "body": body}, {"title": title_doc, "body": body_doc}, gazetteer)
    return ArticleSpans(title_doc, body_doc, tuple(resolved))


_worker_nlp: Language | None = None  # one model per worker process, loaded by the pool initializer
# Models the fork server loaded before forking the workers (`ingest.entities.preload`), by name: a worker takes its
# inherited copy instead of loading its own.
PRELOADED_MODELS: dict[str, Language] = {}
_worker_gazetteer: Gazetteer | None = None  # the engine's gazetteer, sent once, at the worker's start


def _init_worker(command_pid: int, model_name: str, gazetteer: Gazetteer | None = None) -> None:
    global _worker_nlp, _worker_gazetteer
    exit_with(command_pid)  # a command killed by SIGKILL leaves no NER worker behind (see `ops.lifeline`)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")  # one core per worker: the pool is the parallelism
    _worker_nlp = PRELOADED_MODELS.get(model_name) or load_model(model_name)
    _worker_gazetteer = gazetteer
    load_name_lists()
    load_word_lists()


def _worker_annotate(texts: list[str]) -> list[DocSpans]:
    assert _worker_nlp is not None, "worker started without a model"
    return annotate_texts(_worker_nlp, texts)


def _worker_annotate_articles(articles: list[tuple[str, str]], gazetteer: Gazetteer | None) -> list[ArticleSpans]:
    """NER and resolution of `articles` with `gazetteer` (None: the one the worker was started with)."""
    assert _worker_nlp is not None, "worker started without a model"
    gazetteer = _worker_gazetteer if gazetteer is None else gazetteer
    assert gazetteer is not None, "no gazetteer sent, and the worker was started without one"
    return annotate_and_resolve(_worker_nlp, articles, gazetteer)


def _worker_model_version() -> str:
    assert _worker_nlp is not None, "worker started without a model"
    return model_version(_worker_nlp)


@dataclass(frozen=True)
class Underway:
    """Work handed to the NER workers: `wait` returns its spans; `done` says whether that would return at once
    (in one process nothing runs before the wait, so it is always "done": the wait does the work)."""

    wait: Callable[[], list[ArticleSpans]]
    done: Callable[[], bool] = lambda: True


class NerEngine:
    """spaCy NER in-process (one process) or in a pool of workers (forked from the fork server) kept alive until
    `close`. The workers are started with `gazetteer` (when given), so articles resolved with it do not carry it
    to them."""

    def __init__(self, model_name: str, processes: int, gazetteer: Gazetteer | None = None) -> None:
        self.model_name = model_name
        self.processes = processes
        self.gazetteer = gazetteer
        self._nlp: Language | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._version: str | None = None

    @property
    def version(self) -> str:
        if self._version is None:
            if self.processes > 1:
                self._version = self._start_pool().submit(_worker_model_version).result()
            else:
                self._version = model_version(self._local())
        return self._version

    def warm_up(self) -> None:
        """Load the model everywhere now, so the first batch's timing is the model's, not the start-up's."""
        if self.processes > 1:
            pool = self._start_pool()
            list(pool.map(_worker_annotate, [["warm up"]] * self.processes))
        else:
            self._local()

    @property
    def started(self) -> bool:
        """Whether the worker processes are running (or starting)."""
        return self._pool is not None

    def start(self) -> None:
        """Start the workers loading the model and word lists, and return at once: a run calls this before its
        first batch is extracted, so the loading overlaps the extraction instead of delaying the first NER."""
        if self.processes > 1 and self._pool is None:
            pool = self._start_pool()
            # A task each starts the workers now; forked from a fork server that holds the model, the first may be
            # idle again before the next task, and the pool then forks another only when work finds none idle.
            for _ in range(self.processes):
                pool.submit(_worker_annotate, ["warm up"])

    def annotate(self, texts: Sequence[str]) -> list[DocSpans]:
        if not texts:
            return []
        if self.processes == 1:
            return annotate_texts(self._local(), texts)
        chunks = _balanced_chunks(list(texts), self.processes * 2, len)
        results = self._start_pool().map(_worker_annotate, chunks)
        return [spans for chunk in results for spans in chunk]

    def annotate_articles(self, articles: Sequence[tuple[str, str]], gazetteer: Gazetteer) -> list[ArticleSpans]:
        return self.submit_articles(articles, gazetteer).wait()

    def submit_articles(self, articles: Sequence[tuple[str, str]], gazetteer: Gazetteer) -> Underway:
        """Start NER and resolution of each (title, body) in the workers and return without waiting (in one
        process, the work itself is done when waited for). A gazetteer other than the engine's travels with each
        chunk (pickling it costs tens of milliseconds); the engine's is in the workers already."""
        if not articles:
            return Underway(list)
        if self.processes == 1:
            return Underway(lambda: annotate_and_resolve(self._local(), articles, gazetteer))
        chunks = _balanced_chunks(list(articles), self.processes * CHUNKS_PER_PROCESS,
                                  lambda pair: len(pair[0]) + len(pair[1]))
        pool = self._start_pool()
        sent = None if gazetteer is self.gazetteer else gazetteer
        futures = [pool.submit(_worker_annotate_articles, chunk, sent) for chunk in chunks]
        return Underway(lambda: [spans for future in futures for spans in future.result()],
                        lambda: all(future.done() for future in futures))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _local(self) -> Language:
        if self._nlp is None:
            self._nlp = load_model(self.model_name)
        return self._nlp

    def _start_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Forked from the fork server, not from this process: the parent runs threads (Prefect), and forking a
            # threaded process can deadlock; the fork server has the stages imported (and may hold the model).
            self._pool = ProcessPoolExecutor(self.processes, mp_context=fork_server_context(),
                                             initializer=_init_worker,
                                             initargs=(os.getpid(), self.model_name, self.gazetteer))
        return self._pool


def _balanced_chunks(items: list[T], parts: int, length: Callable[[T], int]) -> list[list[T]]:
    """Consecutive chunks of about equal total length, order kept."""
    total = sum(length(i) for i in items) or 1
    chunks: list[list[T]] = [[]]
    size = 0
    for item in items:
        if size >= total / parts * len(chunks) and chunks[-1]:
            chunks.append([])
        chunks[-1].append(item)
        size += length(item)
    return chunks


class Enricher:
    """NER engine, gazetteer and settings together; use as a context manager so the worker pool is closed."""

    def __init__(self, settings: Settings, gazetteer: Gazetteer | None = None,
                 engine: NerEngine | None = None) -> None:
        self.settings = settings
        self.gazetteer = gazetteer or Gazetteer.from_csv(settings.gazetteer)
        self.engine = engine or NerEngine(settings.spacy_model, settings.ner_processes, self.gazetteer)

    def __enter__(self) -> Enricher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    def start(self) -> None:
        """Start the NER workers now (see `NerEngine.start`)."""
        self.engine.start()

    def annotate(self, inputs: Sequence[EnrichInput]) -> EnrichmentResult:
        return self.collect(self.submit(inputs), inputs)

    def submit(self, inputs: Sequence[EnrichInput]) -> PendingSpans:
        """Start NER and resolution of the served `inputs` in the workers and return without waiting for them, so
        the caller works meanwhile (the pipeline writes the batch); `collect` then waits (in one process, runs)."""
        texts = list(dict.fromkeys((i.title or "", i.body_text) for i in self._served(inputs)))
        return PendingSpans(texts, self.engine.submit_articles(texts, self.gazetteer))

    def collect(self, pending: PendingSpans, inputs: Sequence[EnrichInput]) -> EnrichmentResult:
        """The result for `inputs`: the articles `pending` was started for, or some of them (a batch's articles
        less those its load dropped). An article's spans depend on its title and body alone."""
        unique = list({i.article_id: i for i in inputs}.values())
        served = self._served(unique)
        spans = pending.spans()
        builder = _ResultBuilder()
        for article in unique:
            if article.language not in self.settings.ner_languages:
                reason = "language_unknown" if article.language is None else "language_not_supported"
                builder.articles.append(ArticleEnrichment(article_id=article.article_id, status="skipped",
                                                          reason=reason, mentions=0, entities=0,
                                                          text_hash=article.text_hash))
        for article in served:
            builder.add(article, spans[(article.title or "", article.body_text)])
        return builder.result(self.engine.version if served else self.engine.model_name, self.gazetteer.version)

    def _served(self, inputs: Sequence[EnrichInput]) -> list[EnrichInput]:
        """The inputs in a language the model serves, one per article id (the last one given)."""
        unique = {i.article_id: i for i in inputs}.values()
        return [i for i in unique if i.language in self.settings.ner_languages]


class PendingSpans:
    """NER and resolution of some (title, body) texts, under way in the workers. A plain class, not a dataclass:
    Prefect walks a task's dataclass parameters, and there is nothing in here for it."""

    def __init__(self, texts: list[tuple[str, str]], underway: Underway) -> None:
        self.texts = texts
        self.underway = underway

    def done(self) -> bool:
        """Whether the workers have finished it (`spans` returns at once)."""
        return self.underway.done()

    def spans(self) -> dict[tuple[str, str], ArticleSpans]:
        return dict(zip(self.texts, self.underway.wait(), strict=True))


@dataclass
class _ResultBuilder:
    articles: list[ArticleEnrichment]
    mentions: list[EntityMention]
    entities: dict[str, Entity]
    aliases: set[tuple[str, str]]
    article_entities: list[ArticleEntity]
    rejects: list[Reject]

    def __init__(self) -> None:
        self.articles, self.mentions, self.article_entities, self.rejects = [], [], [], []
        self.entities, self.aliases = {}, set()

    def add(self, article: EnrichInput, spans: ArticleSpans) -> None:
        resolved, body_doc = spans.resolved, spans.body
        if resolved is None:  # the model failed on its title or body
            self.articles.append(ArticleEnrichment(article_id=article.article_id, status="failed",
                                                   reason="ner_failed", mentions=0, entities=0,
                                                   text_hash=article.text_hash))
            self.rejects.append(Reject(input=article.source_uri, stage="enrich", reason="ner_failed",
                                       detail=spans.error or ""))
            return
        for mention in resolved:
            self.entities.setdefault(mention.entity_id, Entity(
                entity_id=mention.entity_id, name=mention.name, type=mention.type, wikidata_id=mention.wikidata_id,
                geonames_id=mention.geonames_id))
            self.aliases.add((mention.entity_id, " ".join(mention.surface.split())))
            self.mentions.append(EntityMention(
                article_id=article.article_id, field=mention.field,  # type: ignore[arg-type]
                start_char=mention.start, end_char=mention.end, entity_id=mention.entity_id,
                surface=mention.surface, label=mention.label, source=mention.source,  # type: ignore[arg-type]
                sentence_index=_sentence_of(body_doc, mention.start) if mention.field == "body" else None,
            ))
        salience = article_salience(article, resolved, body_doc)
        self.article_entities.extend(salience)
        self.articles.append(ArticleEnrichment(article_id=article.article_id, status="enriched", reason=None,
                                               mentions=len(resolved), entities=len(salience),
                                               text_hash=article.text_hash))

    def result(self, model: str, gazetteer_version: str) -> EnrichmentResult:
        return EnrichmentResult(
            model_version=model, resolver_version=RESOLVER_VERSION, gazetteer_version=gazetteer_version,
            articles=tuple(self.articles), mentions=tuple(self.mentions), entities=tuple(self.entities.values()),
            aliases=tuple(EntityAlias(entity_id=e, alias=a) for e, a in sorted(self.aliases)),
            article_entities=tuple(self.article_entities), rejects=tuple(self.rejects),
        )


def resolve_article(texts: dict[str, str], docs: dict[str, DocSpans], gazetteer: Gazetteer) -> list[Resolved]:
    """Model spans -> trimmed, gazetteer-checked spans, less capitals only a line, sentence or heading gives
    (ingest.entities.openers) -> resolved mentions. Title-only names must be linked."""
    spans: list[Span] = []
    for field, doc in docs.items():
        text = texts[field]
        model_spans = []
        for start, end, label in join_adjacent(text, list(doc.ents)):
            entity_type = LABEL_TYPES.get(label)
            trimmed = trim_span(text, start, end, entity_type, gazetteer) if entity_type else None
            if entity_type and trimmed:
                model_spans.append(Span(field, trimmed[0], trimmed[1], label, entity_type, "model"))
        spans.extend(merge_gazetteer(text, field, _drop_title_fragments(text, model_spans), gazetteer))
    spans = drop_positional_capitals(texts, spans)
    resolved = resolve(texts, retype_by_evidence(texts, split_coordinated_places(texts, spans)), gazetteer)
    in_body = {m.entity_id for m in resolved if m.field == "body"}
    # A headline in Title Case makes every word look like a name: keep title names the body or gazetteer confirms.
    return [m for m in resolved if m.field == "body" or m.entity_id in in_body or m.wikidata_id]


def _drop_title_fragments(text: str, spans: list[Span]) -> list[Span]:
    """"State" in "Secretary of State Marco Rubio" or "the Secretary of State" is a title, not an organisation."""
    kept = []
    for index, span in enumerate(spans):
        following = spans[index + 1] if index + 1 < len(spans) else None
        before_person = following is not None and following.type == "PERSON" and following.start - span.end <= 2
        after_title = _TITLE_OF.search(text[max(0, span.start - 40):span.start]) is not None
        words = text[span.start:span.end].split()
        if span.type != "PERSON" and (before_person or after_title) and all(is_title(w) for w in words):
            continue
        kept.append(span)
    return kept


def _sentence_of(doc: DocSpans, start: int) -> int:
    return max(0, bisect_right(doc.sentence_starts, start) - 1)


def lead_end(body: str) -> int:
    """Where the lead ends: after the first paragraph of at least LEAD_MIN_WORDS words (a dateline is not one)."""
    position = 0
    for paragraph in body.split("\n"):
        position += len(paragraph) + 1
        if len(paragraph.split()) >= LEAD_MIN_WORDS:
            return position
    return len(body)


def article_salience(article: EnrichInput, mentions: Sequence[Resolved], body_doc: DocSpans) -> list[ArticleEntity]:
    by_entity: dict[str, list[Resolved]] = {}
    for mention in mentions:
        by_entity.setdefault(mention.entity_id, []).append(mention)
    lead = lead_end(article.body_text)
    rows = []
    for entity_id, group in by_entity.items():
        body_starts = [m.start for m in group if m.field == "body"]
        first = min(body_starts) if body_starts else None
        rows.append(ArticleEntity(
            article_id=article.article_id, entity_id=entity_id, mentions=len(group), first_char=first,
            first_sentence=_sentence_of(body_doc, first) if first is not None else None,
            in_title=any(m.field == "title" for m in group), in_lead=first is not None and first < lead,
        ))
    return rows


def inputs_from_articles(articles: Sequence[CleanArticle]) -> list[EnrichInput]:
    return [EnrichInput.from_article(a) for a in articles]


def describe(result: EnrichmentResult) -> dict[str, Any]:
    """Counts for run summaries."""
    statuses: dict[str, int] = {}
    for article in result.articles:
        key = f"enrich:{article.status}" + (f":{article.reason}" if article.reason else "")
        statuses[key] = statuses.get(key, 0) + 1
    return {**statuses, "mentions_found": len(result.mentions), "entities_seen": len(result.entities)}

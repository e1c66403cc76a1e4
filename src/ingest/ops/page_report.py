"""One page through the pipeline's own stages, no warehouse: what `ingest run` would store for it (`ingest extract`).

The same functions as a load: `sources.read_file` (or the safe fetcher for a URL), `pipeline.transform` on an
extraction worker (so the page's time limit holds), the `Enricher` for entities. Nothing is written anywhere.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from ingest import pipeline
from ingest.entities.ner import Enricher, EnrichmentResult, inputs_from_articles
from ingest.extract.workers import ExtractionPool
from ingest.fetch.client import Fetcher
from ingest.fetch.crawl import fetched_document
from ingest.models import CleanArticle, RawDocument, Reject, Skipped
from ingest.read.files import SUPPORTED_SUFFIXES, read_file
from ingest.settings import Settings

ReportFormat = Literal["json", "markdown", "text"]
FORMATS: tuple[ReportFormat, ...] = ("json", "markdown", "text")


class PageError(ValueError):
    """The page yields no article (unreadable, unfetchable, rejected by a stage): one line saying where and why."""


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def document_from_path(target: str, settings: Settings) -> RawDocument:
    """The one document a file holds; for a JSONL or WARC file, name it as the warehouse's source_uri does
    (`file.jsonl#line=3`, `file.warc.gz#record=1`)."""
    base, _, selector = target.partition("#") if not Path(target).exists() else (target, "", "")
    path = Path(base).absolute()  # as `ingest run` reads it, so the article id is the same
    if path.is_dir():
        raise PageError(f"{path}: is a directory; give one file")
    items = list(read_file(path, settings))
    wanted = f"{path}#{selector}" if selector else None
    for item in items:
        if isinstance(item, Reject) and wanted in (None, item.input):
            raise PageError(_rejected(item))
    documents = [i for i in items if isinstance(i, RawDocument) and wanted in (None, i.source_uri)]
    if not documents:
        skipped = next((i for i in items if isinstance(i, Skipped)), None)
        if skipped is not None and skipped.reason == "unsupported_file_type":
            raise PageError(f"{path}: not a supported input (file names ending {', '.join(SUPPORTED_SUFFIXES)})")
        raise PageError(f"{target}: holds no document" + (f" named #{selector}" if selector else ""))
    if len(documents) > 1:
        raise PageError(f"{path}: holds {len(documents)} documents; name one, e.g. {documents[0].source_uri}")
    return documents[0]


def document_from_url(url: str, settings: Settings) -> RawDocument:
    """Fetch `url` the way the fetch flows do: address checks, robots.txt, size and time limits."""
    with Fetcher(settings) as fetcher:
        result = fetcher.fetch(url)
    document = fetched_document(result)
    if document is None:
        raise PageError(f"{url}: fetch: {result.outcome}" + (f" ({result.detail})" if result.detail else ""))
    return document


def extract_page(document: RawDocument, settings: Settings) -> CleanArticle:
    """Extract and clean `document` exactly as a load's batch stage does, on one worker process."""
    with ExtractionPool(settings.model_copy(update={"extraction_workers": 1})) as pool:
        result = pipeline.transform([document], settings, set(), pool)
    if result.rejects:
        raise PageError(_rejected(result.rejects[0]))
    return result.articles[0]


def enrich_page(article: CleanArticle, settings: Settings) -> EnrichmentResult:
    """Entities as the load's enrich stage finds them (one process: one page does not pay for a worker pool)."""
    with Enricher(settings.model_copy(update={"ner_processes": 1})) as enricher:
        return enricher.annotate(inputs_from_articles([article]))


def _rejected(reject: Reject) -> str:
    return f"{reject.input}: {reject.stage}: {reject.reason}" + (f" ({reject.detail})" if reject.detail else "")


def page_report(target: str, settings: Settings, with_entities: bool = True) -> dict[str, Any]:
    """What the pipeline would store for the page at `target` (a path or an http(s) URL), as one JSON-ready dict."""
    document = document_from_url(target, settings) if is_url(target) else document_from_path(target, settings)
    article = extract_page(document, settings)
    report = _article_fields(article)
    if with_entities:
        report.update(_entity_fields(enrich_page(article, settings)))
    report["removed_lines"] = list(article.removed_lines)
    return report


def _article_fields(article: CleanArticle) -> dict[str, Any]:
    return {
        "source_uri": article.source_uri, "article_id": article.article_id, "url": article.url,
        "canonical_url": article.canonical_url, "title": article.title, "author": article.author,
        "date": article.published_at, "language": article.language, "site_name": article.site_name,
        "description": article.description, "tags": list(article.tags), "word_count": article.word_count,
        "extractor_version": article.extractor_version, "body": article.body_text,
        "embeds": [{"platform": e.platform, "handle": e.handle, "posted_on": e.posted_on, "text": e.text}
                   for e in article.embeds],
    }


def _entity_fields(result: EnrichmentResult) -> dict[str, Any]:
    [status] = result.articles
    entities = {e.entity_id: e for e in result.entities}
    ranked = sorted(result.article_entities, key=lambda a: (-a.mentions, entities[a.entity_id].name))
    rows = [{"name": entities[a.entity_id].name, "type": entities[a.entity_id].type,
             "wikidata_id": entities[a.entity_id].wikidata_id, "mentions": a.mentions, "in_title": a.in_title,
             "in_lead": a.in_lead} for a in ranked]
    return {"entities_status": status.status + (f": {status.reason}" if status.reason else ""), "entities": rows}


def render(report: dict[str, Any], output: ReportFormat) -> str:
    if output == "json":
        return json.dumps(report, default=_json_value, indent=2, ensure_ascii=False) + "\n"
    if output == "text":
        return report["body"] + "\n"
    return _markdown(report)


def _json_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _markdown(report: dict[str, Any]) -> str:
    facts = [("Author", report["author"]), ("Date", report["date"]), ("Language", report["language"]),
             ("Site", report["site_name"]), ("URL", report["canonical_url"] or report["url"]),
             ("Source", report["source_uri"]), ("Words", report["word_count"])]
    lines = [f"# {report['title'] or '(no title)'}", ""]
    lines += [f"- **{name}:** {value}" for name, value in facts if value is not None]
    lines += ["", *(f"{paragraph}\n" for paragraph in report["body"].split("\n") if paragraph.strip())]
    if report["embeds"]:
        lines += ["## Embeds", ""]
        lines += [f"- **{e['platform']}** {e['handle'] or ''} {e['posted_on'] or ''}: {e['text']}".replace("  ", " ")
                  for e in report["embeds"]]
        lines.append("")
    if "entities" in report:
        lines += [f"## Entities ({report['entities_status']})", ""]
        if report["entities"]:
            lines += ["| name | type | mentions | in title | in lead |", "| --- | --- | ---: | --- | --- |"]
            lines += [f"| {_cell(e['name'])} | {e['type']} | {e['mentions']} | {'yes' if e['in_title'] else ''} | "
                      f"{'yes' if e['in_lead'] else ''} |" for e in report["entities"]]
        lines.append("")
    if report["removed_lines"]:
        lines += ["## Removed as page furniture", "", *(f"- {line}" for line in report["removed_lines"]), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")

"""Extract stage: raw bytes to an `ExtractedArticle` (body, title, authors, date, site, canonical URL)."""

from __future__ import annotations

import codecs
import re
from difflib import SequenceMatcher

import lxml.etree
import lxml.html
import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from ingest.extract.page_dates import Published, parse_timestamp
from ingest.extract.page_metadata import parse_date, read_page_metadata, unescaped
from ingest.fetch.pagecheck import page_problem
from ingest.models import ExtractedArticle, RawDocument, Reject
from ingest.words import count_words, count_words_upto, words

__all__ = ["EXTRACTOR_VERSION", "ExtractionError", "choose_body", "decode_bytes", "extract", "fill_gaps", "main_text",
           "parse_date", "parse_html"]

# Bump when extraction or cleaning output changes: `ingest reprocess` redoes the articles of other versions.
EXTRACTOR_VERSION = f"ingest-0.9+trafilatura-{trafilatura.__version__}"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_MIN_DECLARED_BODY_WORDS = 150
_SHORT_EXTRACTION = 0.6
_RETRY_BELOW_WORDS = 25
_MIN_PAGE_COVERAGE = 0.25
_LONG_ENOUGH_WORDS = 800
_GAP_LINE_MIN_WORDS = 8  # a recall-only line inside the article: a list item or a short paragraph, no caption
_OUTSIDE_LINE_MIN_WORDS = 25  # a recall-only line outside it: only long prose
# Plain strings, not lxml's "smart" ones (each a str subclass keeping a link to its element): only the text is
# wanted, and building smart strings costs as much as the search itself.
_VISIBLE_TEXT = XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]",
    smart_strings=False,
)
_XML_INVALID_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_DOCTYPE_WITH_PATH = re.compile(rb"^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_SELF_CLOSING_HTML = re.compile(rb"(<html.*?)\s*/>", re.IGNORECASE)
_UTF8_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                                    remove_pis=True)
# lxml.html's own class look-up calls back into Python for every element object lxml creates (millions a page
# across trafilatura's passes over the tree and its copies), only to give <form>, <input>, <select>, <textarea> and
# <label> subclasses whose form-handling extras nothing here reads. A look-up done in C gives every element the
# same HtmlElement class, so the tree behaves the same and costs less to walk.
_UTF8_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity))
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class ExtractionError(ValueError):
    """The input holds no article; `reason` is the short code stored in rejects."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def decode_bytes(content: bytes, declared_charset: str | None = None) -> str:
    """Transport charset, then BOM, then <meta charset>, then strict UTF-8, then cp1252."""
    return _decode(content, declared_charset)[0]


def _decode(content: bytes, declared_charset: str | None) -> tuple[str, str]:
    """The text and the Python codec that decoded it."""
    if b"\x00" in content[:4096] and not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractionError("binary_content", "input holds NUL bytes: not a text document")
    candidates: list[str] = []
    if declared_charset:
        candidates.append(declared_charset)
    candidates += [name for bom, name in _BOMS if content.startswith(bom)]
    meta = _META_CHARSET.search(content[:8192])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1252"]
    for name in candidates:
        try:
            codec = codecs.lookup(_python_codec(name)).name  # first: decoding b"" never looks the codec up
            text = content.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
        return text.lstrip("\ufeff"), codec
    raise ExtractionError("undecodable", "no charset decodes the input")


def _python_codec(name: str) -> str:
    lowered = name.lower()
    # Browsers treat these labels as their Windows supersets (WHATWG Encoding Standard).
    return {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932"}.get(lowered, lowered)


def extract(document: RawDocument) -> ExtractedArticle | Reject:
    try:
        text, codec = _decode(document.content, document.charset)
        if document.media_type == "text/html":
            return _from_html(document, text, codec)
        return _from_text(document, text)
    except ExtractionError as exc:
        return Reject(input=document.source_uri, stage="extract", reason=exc.reason, detail=str(exc))


def _from_html(document: RawDocument, html: str, codec: str) -> ExtractedArticle:
    if not _looks_like_text(html):
        raise ExtractionError("binary_content", "input is not text")
    tree = parse_html(document.content, html) if codec == "utf-8" else load_html(html)
    if tree is None:
        raise ExtractionError("not_html", "the input does not parse as an HTML document")
    page = read_page_metadata(tree, document.url)
    body = choose_body(main_text(tree, document.url), page.article_body, tree)
    verdict = page_problem({}, document.content, count_words(body))
    if not body.strip():
        found = f" (page check: {verdict[0]}: {verdict[1]})" if verdict else ""
        raise ExtractionError("no_article", f"no article body found in the page{found}")
    published = _declared_published(document) or page.published
    return ExtractedArticle(
        document_id=document.document_id,
        source_uri=document.source_uri,
        url=document.url,
        canonical_url=page.canonical_url,
        title=document.declared_title or page.title,
        authors=_split_authors(document.declared_author) or page.authors,
        published_at=published.day if published else None,
        published_time=published.time if published else None,
        date_source=published.source if published else None,
        page_verdict=verdict[0] if verdict else None,
        site_name=page.site_name,
        description=page.description,
        tags=page.tags,
        declared_language=page.language,
        body=body,
    )


def parse_html(content: bytes, text: str) -> HtmlElement | None:
    """trafilatura's `load_html` for UTF-8 bytes, minus its costly steps: lxml reads the bytes as they are (no round
    trip through a Python string) and the full-text control-character pass only runs when such bytes exist."""
    content = content.removeprefix(codecs.BOM_UTF8)
    if len(content.translate(None, _XML_INVALID_BYTES)) != len(content):
        return load_html(text)
    beginning = content[:50].lower()
    if b"doctype" in beginning:  # the same libxml2 workaround as trafilatura's (lxml bug 1955915)
        first, newline, rest = content.partition(b"\n")
        content = _DOCTYPE_WITH_PATH.sub(b"", first, count=1) + newline + rest
    if any(b"<html" in line and line.endswith(b"/>") for line in content[:4096].splitlines()[:4]):
        content = _SELF_CLOSING_HTML.sub(rb"\1>", content, count=1)
    try:
        tree = lxml.html.fromstring(content, parser=_UTF8_PARSER)
    except (ValueError, lxml.etree.ParserError):
        return load_html(text)
    if tree is None or len(tree) < 1:
        return load_html(text)
    return None if b"html" not in beginning and len(tree) < 2 else tree


def main_text(tree: HtmlElement, url: str | None) -> str:
    """trafilatura's balanced pass, with the gaps its recall pass fills inside the article.

    The quick recall pass (no readability/jusText comparison, `favor_recall`) keeps list items, headings and short
    paragraphs that the balanced pass drops inside an article, but around it also teaser blocks, link lists and
    "related" headings, in whatever language the page is written. So the balanced text decides where the article
    is, and every line of it is kept (the quick pass drops some headings and list items the balanced one keeps: a
    route that lost them would do worse than plain trafilatura). A line only the recall pass found is added when it
    sits between the first and last line both passes share and has a few words (a bare name, a caption or a "Read
    also" is shorter), or when it is long prose anywhere.
    When the quick pass kept only a sliver of the page, the longer of the two texts stands in for it.
    """
    quick = _trafilatura_text(tree, url, fast=True)
    balanced = _trafilatura_text(tree, url, fast=False)
    words = count_words_upto(quick, _LONG_ENOUGH_WORDS)  # past the threshold the exact count cannot matter
    if words < _LONG_ENOUGH_WORDS and (words < _RETRY_BELOW_WORDS or _covers_less_than(tree, words)):
        quick = balanced if count_words(balanced) > words else quick  # the first of equals, as `max` picks
    return fill_gaps(quick, balanced) if quick and balanced else quick or balanced


def _covers_less_than(tree: HtmlElement, words: int) -> bool:
    """`words < _MIN_PAGE_COVERAGE * (words of the page's visible text)`, counting the page's text only until the
    answer is known. The text nodes are joined with a space (no token spans two of them) and tokenised in one
    call: a count per node cost a Python call for each of the page's thousands of text nodes."""
    needed = int(words / _MIN_PAGE_COVERAGE) + 1  # the fewest visible words for which the coverage falls short
    return count_words_upto(" ".join(_VISIBLE_TEXT(tree)), needed) >= needed


def fill_gaps(recall: str, balanced: str) -> str:
    """Every line of the balanced text, in its order, with the recall text's own lines merged in where they pass
    (see `main_text`): whatever the page's language, nothing the balanced pass kept is lost.

    Lines are compared by their words only, since the two passes render the same text differently (a list item
    with or without its "- ", a table as rows or as one cell a line); a recall line whose words the balanced text
    already holds is left out, so the merge repeats nothing."""
    recall_lines, balanced_lines = recall.split("\n"), balanced.split("\n")
    keys: dict[str, str] = {}  # the two texts share most of their lines: each distinct line is tokenised once
    recall_keys = [keys.get(line) or keys.setdefault(line, _line_key(line)) for line in recall_lines]
    balanced_keys = [keys.get(line) or keys.setdefault(line, _line_key(line)) for line in balanced_lines]
    shared = set(balanced_keys) - {""}
    inside = [i for i, key in enumerate(recall_keys) if key in shared]
    if not inside:
        return balanced
    first, last = inside[0], inside[-1]
    balanced_words = f" {' '.join(key for key in balanced_keys if key)} "

    def kept(index: int) -> bool:
        key = recall_keys[index]
        if not key or f" {key} " in balanced_words:
            return False
        needed = _GAP_LINE_MIN_WORDS if first <= index <= last else _OUTSIDE_LINE_MIN_WORDS
        return count_words(recall_lines[index]) >= needed

    merged: list[str] = []
    matcher = SequenceMatcher(None, recall_keys, balanced_keys, autojunk=False)
    for tag, start, end, balanced_start, balanced_end in matcher.get_opcodes():
        if tag == "equal":
            merged += recall_lines[start:end]
            continue
        merged += [recall_lines[i] for i in range(start, end) if kept(i)]
        merged += balanced_lines[balanced_start:balanced_end]
    return "\n".join(merged)


def _line_key(line: str) -> str:
    return " ".join(words(line))


def _trafilatura_text(tree: HtmlElement, url: str | None, fast: bool) -> str:
    # The parsed tree is handed over (trafilatura works on a copy), so the page is parsed once.
    result = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False, fast=fast, favor_recall=fast,
    )
    return result.text if isinstance(result, Document) and result.text else ""


def choose_body(extracted: str, declared_body: str | None, tree: HtmlElement) -> str:
    """The extracted text, unless the page's JSON-LD `articleBody` is much longer and really is on the page.

    A short extraction next to a long declared body means the extractor lost most of the article (a paywall
    teaser layout, a gallery); the declared body is used only when its opening words appear in the page text.
    """
    if not declared_body:
        return extracted
    declared_words = count_words(declared_body)
    if declared_words < _MIN_DECLARED_BODY_WORDS or count_words(extracted) >= _SHORT_EXTRACTION * declared_words:
        return extracted
    opening = " ".join(words(declared_body)[:12]).lower()
    page_words = " ".join(words(" ".join(_VISIBLE_TEXT(tree)))).lower()
    return declared_body if opening in page_words else extracted


def _from_text(document: RawDocument, text: str) -> ExtractedArticle:
    if not _looks_like_text(text):
        raise ExtractionError("binary_content", "input is not text")
    body = text.strip()
    if not body:
        raise ExtractionError("no_article", "text input is empty")
    return ExtractedArticle(
        document_id=document.document_id,
        source_uri=document.source_uri,
        url=document.url,
        title=document.declared_title,
        authors=_split_authors(document.declared_author),
        published_at=published.day if (published := _declared_published(document)) else None,
        published_time=published.time if published else None,
        date_source=published.source if published else None,
        body=body,
    )


def _declared_published(document: RawDocument) -> Published | None:
    """What the container (a JSONL field, ...) declared: it wins over the page, as the title and author do."""
    parsed = parse_timestamp(document.declared_published)
    return Published(day=parsed[0], time=parsed[1], source="declared") if parsed else None


def _looks_like_text(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    control = len(_CONTROL_CHARS.findall(sample))
    return control / len(sample) < 0.02


def _split_authors(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    parts = re.split(r"\s*;\s*|\s*\|\s*|\s+and\s+|\s*&\s*", unescaped(value).strip())
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))

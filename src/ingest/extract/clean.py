"""Clean stage: take page furniture out of a body (promos, social embeds, author bio), normalise it, detect language."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import py3langid

from ingest.extract.furniture import LanguageRules, rules_for
from ingest.extract.html import EXTRACTOR_VERSION
from ingest.models import CleanArticle, Embed, ExtractedArticle, Reject
from ingest.settings import Settings
from ingest.words import count_words, count_words_upto, words

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTHS_SHORT = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
TWEET_ATTRIBUTION = re.compile(
    r"^\s*[—–-]{1,2}\s*(?P<name>[^\n(]{0,80}?)\s*\(@(?P<handle>\w{1,30})\)\s*"
    rf"(?P<date>(?:{_MONTHS}|{_MONTHS_SHORT})\.?\s+\d{{1,2}},\s+\d{{4}})\s*$"
)
INSTAGRAM_ATTRIBUTION = re.compile(r"^\s*A post shared by (?P<name>[^\n(]{0,80}?)\s*\(@(?P<handle>[\w.]{1,30})\)")
TWITTER_RESIDUE = re.compile(r"(?:https?://)?(?:t\.co|pic\.twitter\.com)/\w+", re.IGNORECASE)
_TWEET_MARKERS = re.compile(r"(?:t\.co/|pic\.twitter\.com|(?:^|\s)[#@]\w|[\U0001F1E6-\U0001F1FF\U0001F300-\U0001FAFF])")

# The author bio rule reads English sentences: it only runs on English pages (see `ingest.extract.furniture`).
BIO_SENTENCE = re.compile(
    r"^(?P<name>(?:[A-Z][\w'’.-]+\s){1,3}[A-Z][\w'’-]+)\s+(?:is|was|has been|has worked as|covers|writes)\b"
)
BIO_KEYWORDS = re.compile(
    r"\b(?:journalist|reporter|writer|editor|correspondent|columnist|contributor|newsroom|journalism|"
    r"covers|covering|bureau|freelance)\b",
    re.IGNORECASE,
)
ABOUT_AUTHOR = re.compile(r"^\s*about the author\s*:?\s*$", re.IGNORECASE)
_CTA_MAX_WORDS = 25
_PROMO_MAX_WORDS = 25  # a teaser heading with its title; a longer line opening with "More from ..." is prose
_CHROME_MAX_WORDS = 16
_META_SEPARATORS = re.compile(r"\s+(?:\||//|·|•)\s*|\s*(?:\||//|·|•)\s+")
_REPEAT_MIN_WORDS = 10  # a line this long seen twice is one passage rendered twice
_CHROME_MAX_CHARS = 200  # a line this long is prose: skip the word count


_WIDE_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_HORIZONTAL_RUNS = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")
_BLANK_RUNS = re.compile(r"\n{3,}")
LANGUAGE_SAMPLE_CHARS = 1000


@dataclass
class _Body:
    """Mutable scratchpad of one cleaning pass; the stage returns an immutable `CleanArticle`."""

    lines: list[str]
    rules: LanguageRules  # the line rules of the page's language
    embeds: list[Embed] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bio_author: str | None = None


def normalise_text(text: str) -> str:
    """NFC, typographic spaces to plain spaces, no trailing blanks, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _WIDE_SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _HORIZONTAL_RUNS.sub(" ", text)
    return _BLANK_RUNS.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def clean(article: ExtractedArticle, settings: Settings) -> CleanArticle | Reject:
    normalised = normalise_text(article.body)
    language = _page_language(normalised, article.declared_language)
    body = _Body(lines=normalised.split("\n"), rules=rules_for(language))
    title = normalise_text(article.title) if article.title else None
    if title is None and article.url is None and article.source_uri.endswith((".txt", ".txt.gz")):
        title = _title_from_first_line(body)
    _extract_embeds(body)
    _drop_furniture_lines(body)
    _drop_page_chrome(body, title, article.authors)
    _drop_repeated_lines(body)
    if language == "en":  # the bio rule reads English sentences
        _drop_author_bio(body)
    # The lines are normalised already: only blank runs left by removed lines need collapsing.
    text = _BLANK_RUNS.sub("\n\n", "\n".join(body.lines)).strip()
    body_words = count_words(text)
    if body_words < settings.min_body_words:
        return Reject(input=article.source_uri, stage="clean", reason="no_article",
                      detail=f"{body_words} words left after cleaning (minimum {settings.min_body_words})"
                      + (f"; page check: {article.page_verdict}" if article.page_verdict else ""))
    author = "; ".join(article.authors) or body.bio_author
    return CleanArticle(
        article_id=article_id_for(article.document_id, article.source_uri),
        document_id=article.document_id, source_uri=article.source_uri, url=article.url,
        canonical_url=article.canonical_url, title=title, author=author, published_at=article.published_at,
        published_time=article.published_time, date_source=article.date_source, page_verdict=article.page_verdict,
        language=article.declared_language if body_words < 8 else detect_language(text),
        site_name=article.site_name, description=article.description, tags=article.tags,
        body_text=text, word_count=body_words, embeds=tuple(body.embeds), removed_lines=tuple(body.removed),
        extractor_version=EXTRACTOR_VERSION,
    )


def article_id_for(document_id: str, source_uri: str) -> str:
    """Stable across runs: the same bytes from the same place are the same article."""
    return hashlib.sha256(f"{document_id}\0{source_uri}".encode()).hexdigest()[:32]


def detect_language(text: str) -> str:
    """A bounded prefix is plenty for the classifier and keeps its cost flat on long articles."""
    return _classify(text[:LANGUAGE_SAMPLE_CHARS])


@lru_cache(maxsize=8)
def _classify(sample: str) -> str:
    # A page is classified twice, before and after cleaning; unless cleaning touched its opening, the sample is
    # the same text and the second answer is this cached one.
    language, _score = py3langid.classify(sample)
    return str(language)


def _page_language(text: str, declared: str | None) -> str | None:
    """The language the line rules are chosen by: the body's own (py3langid), the page's declared one when the body
    is too short to tell."""
    if count_words_upto(text, 8) >= 8:
        return detect_language(text)
    return declared.split("-")[0].lower() if declared else None


def _title_from_first_line(body: _Body) -> str | None:
    """A plain-text scrape may start with its headline: short, unpunctuated, followed by more text."""
    lines = [line for line in body.lines if line]
    if len(lines) < 2:
        return None
    first = lines[0]
    if count_words(first) <= 20 and not first.endswith((".", "!", "?", ":", ",", ";", "”", '"')):
        body.lines.remove(first)
        return first
    return None


def _extract_embeds(body: _Body) -> None:
    index = 0
    while index < len(body.lines):
        match = TWEET_ATTRIBUTION.match(body.lines[index]) or INSTAGRAM_ATTRIBUTION.match(body.lines[index])
        if not match:
            index += 1
            continue
        platform = "twitter" if match.re is TWEET_ATTRIBUTION else "instagram"
        start = _embed_start(body.lines, index) if platform == "twitter" else index
        post_lines = body.lines[start:index] if platform == "twitter" else []
        text = normalise_text(TWITTER_RESIDUE.sub(" ", " ".join(post_lines)))
        posted = _parse_attribution_date(match.groupdict().get("date"))
        body.embeds.append(Embed(platform=platform, handle=match["handle"], posted_on=posted, text=text,
                                 position=len(body.embeds)))
        body.removed.extend(body.lines[start:index + 1])
        del body.lines[start:index + 1]
        index = start


def _embed_start(lines: list[str], attribution: int) -> int:
    """Walk back from the attribution over the post's own lines: the one just above, then lines with tweet marks."""
    start = attribution - 1
    if start < 0 or not lines[start]:
        return attribution
    while start - 1 >= 0 and lines[start - 1] and _TWEET_MARKERS.search(lines[start - 1]):
        if len(lines[start - 1]) > 400:
            break
        start -= 1
    return start


def _parse_attribution_date(value: str | None) -> date | None:
    if not value:
        return None
    cleaned = re.sub(r"\.", "", value).replace("Sept", "Sep")
    for fmt in ("%B %d, %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def _drop_furniture_lines(body: _Body) -> None:
    rules = body.rules
    kept: list[str] = []
    for line in body.lines:
        residue = TWITTER_RESIDUE.search(line)
        stripped = _HORIZONTAL_RUNS.sub(" ", TWITTER_RESIDUE.sub("", line)).strip() if residue else line
        if line and not stripped:
            body.removed.append(line)
            continue
        if _is_furniture(_bare(stripped), rules):
            body.removed.append(line)
            continue
        kept.append(stripped)
    body.lines = kept


def _bare(line: str) -> str:
    """The line without what wraps it: the pipes of a one-cell table row ("| More on this |") and the brackets
    of a credit set apart ("(Photo: ...)"), so the line rules read the words inside."""
    bare = line.strip("| \t")
    if "|" in bare:  # a row of several cells: a table's own text
        return line
    if bare.startswith("(") and bare.endswith(")") and bare.count("(") == 1:
        bare = bare[1:-1].strip()
    return bare


def _is_furniture(line: str, rules: LanguageRules) -> bool:
    """A short call to action or teaser heading, or a lone "more" link. The words are only counted for a line
    that opens like one: most lines do not, and counting every line would cost more than the rules."""
    cta = rules.call_to_action.match(line)
    promo = rules.promo.match(line)
    if cta or promo:
        words_in_line = count_words(line)
        if (cta and words_in_line <= _CTA_MAX_WORDS) or (promo and words_in_line <= _PROMO_MAX_WORDS):
            return True
    return bool(rules.more_link.search(line))


def _drop_page_chrome(body: _Body, title: str | None, authors: tuple[str, ...]) -> None:
    """Lines that belong to the page around the article: the headline repeated on top, bylines, datelines,
    reading times, image credits and share/newsletter prompts."""
    first = next((i for i, line in enumerate(body.lines) if line), None)
    if title and first is not None and _comparable(body.lines[first]) == _comparable(title):
        body.removed.append(body.lines.pop(first))
    names = {_comparable(a) for a in authors if a}
    kept: list[str] = []
    for line in body.lines:
        if line and _is_chrome_line(_bare(line), names, body.rules):
            body.removed.append(line)
        else:
            kept.append(line)
    body.lines = kept


def _drop_repeated_lines(body: _Body) -> None:
    """A passage the page shows twice (a teaser of the article above it, a slider's copy, a block the template
    renders for two layouts) comes out of the extractor twice: the body keeps its first copy. Short lines repeat
    in real articles (a list's "Cool down", a table's labels) and are left alone."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in body.lines:
        if line in seen:
            body.removed.append(line)
            continue
        if count_words_upto(line, _REPEAT_MIN_WORDS) >= _REPEAT_MIN_WORDS:
            seen.add(line)
        kept.append(line)
    body.lines = kept


def _comparable(text: str) -> str:
    return " ".join(words(text.casefold()))


def _is_chrome_line(line: str, author_names: set[str], rules: LanguageRules) -> bool:
    if len(line) > _CHROME_MAX_CHARS or count_words(line) > _CHROME_MAX_WORDS:
        return False
    if rules.byline.match(line) or (author_names and _comparable(line) in author_names):
        return True
    return bool(rules.dateline.match(line) or rules.reading_time.match(line) or rules.image_credit.match(line)
                or rules.prompt.match(line) or _is_dated_meta_strip(line, rules))


def _is_dated_meta_strip(line: str, rules: LanguageRules) -> bool:
    """A post's meta strip: a date joined by separators to a section, an author or a comment link ("2021-10-16 |
    News", "January 13, 2020 | categories: Python | 3 Comments"). A table row ("| 1/1/2013 | +13.1% |") is data."""
    if line.startswith("|") or not _META_SEPARATORS.search(line):
        return False
    return any(rules.dateline.match(part) for part in _META_SEPARATORS.split(line))


def _drop_author_bio(body: _Body) -> None:
    """An author bio sits at the end: '<Name> is a journalist ...'. Take it out and keep the name."""
    paragraphs = [i for i, line in enumerate(body.lines) if line]
    for index in reversed(paragraphs[-2:]):
        line = body.lines[index]
        match = BIO_SENTENCE.match(line)
        if match and BIO_KEYWORDS.search(line):
            body.bio_author = body.bio_author or match["name"].strip()
            cut = index - 1 if index > 0 and ABOUT_AUTHOR.match(body.lines[index - 1]) else index
            body.removed.extend(body.lines[cut:])
            del body.lines[cut:]
            return

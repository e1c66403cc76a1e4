"""Clean stage: the seed article's acceptance expectations, furniture removal, titles and normalisation."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ingest.clean import clean, normalise_text
from ingest.extract import extract
from ingest.models import CleanArticle, ExtractedArticle, RawDocument
from ingest.settings import Settings
from ingest.sources import read_inputs
from tests.conftest import SEED_ARTICLE, SEED_EXPECTED


@pytest.fixture
def seed_article(settings: Settings) -> CleanArticle:
    [document] = list(read_inputs([SEED_ARTICLE], settings))
    assert isinstance(document, RawDocument)
    extracted = extract(document)
    assert isinstance(extracted, ExtractedArticle)
    cleaned = clean(extracted, settings)
    assert isinstance(cleaned, CleanArticle), cleaned
    return cleaned


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))


def test_seed_author_comes_from_the_bio(seed_article: CleanArticle, expected: dict) -> None:
    assert seed_article.author is not None
    assert seed_article.author.casefold() == expected["author"].casefold()


def test_seed_body_keeps_every_required_passage(seed_article: CleanArticle, expected: dict) -> None:
    body = seed_article.body_text.casefold()
    missing = [s for s in expected["body_must_contain"] if normalise_text(s).casefold() not in body]
    assert not missing


def test_seed_body_has_no_furniture(seed_article: CleanArticle, expected: dict) -> None:
    body = seed_article.body_text.casefold()
    present = [s for s in expected["body_must_not_contain"] if s.casefold() in body]
    assert not present


def test_seed_embeds_are_split_out(seed_article: CleanArticle, expected: dict) -> None:
    assert len(seed_article.embeds) == len(expected["embeds"])
    for embed, want in zip(seed_article.embeds, expected["embeds"], strict=True):
        assert embed.platform == want["platform"]
        assert (embed.handle or "").casefold() == want["handle"].casefold()
        assert embed.posted_on == date.fromisoformat(want["date"])
        assert want["text_contains"].casefold() in embed.text.casefold()
        assert want["text_contains"].casefold() not in seed_article.body_text.casefold()

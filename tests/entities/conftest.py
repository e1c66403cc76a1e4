"""Fixtures of the entity tests: a body resolved as a whole article through the real spaCy model."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import annotate_texts, load_model, resolve_article
from ingest.entities.resolve import Resolved
from ingest.settings import Settings


@pytest.fixture(scope="module")
def resolve_body() -> Callable[[str], list[Resolved]]:
    """The mentions of an article with this body and no title, on the real model's output and the packaged
    gazetteer (both loaded once per module)."""
    nlp = load_model(Settings().spacy_model)
    gazetteer = Gazetteer.from_csv(PACKAGED_GAZETTEER)

    def resolved(body: str) -> list[Resolved]:
        title_doc, body_doc = annotate_texts(nlp, ["", body])
        return resolve_article({"title": "", "body": body}, {"title": title_doc, "body": body_doc}, gazetteer)

    return resolved

"""A nationality word before the lower-case body of an organisation the article names is that organisation
(ingest.entities.demonym_names), on the real model's output and the whole article resolution."""

from __future__ import annotations

from collections.abc import Callable

from ingest.entities.resolve import Resolved

ResolveBody = Callable[[str], list[Resolved]]

BODY = ("On Friday, fishermen rescued over 700 asylum seekers whose boat sank, and the Indonesian Navy reportedly "
        "saved 200 more. The first boat was turned around twice, toward Malaysia by Indonesian navy and then "
        "toward Indonesia by Malaysian navy.")


def test_the_lower_case_form_joins_the_named_organisation_and_an_unnamed_one_stays_a_nationality(
        resolve_body: ResolveBody) -> None:
    mentions = {m.surface: m for m in resolve_body(BODY)}
    assert mentions["Indonesian Navy"].type == "ORGANIZATION"
    assert mentions["Indonesian navy"].entity_id == mentions["Indonesian Navy"].entity_id
    assert "Malaysian navy" not in mentions


def test_without_the_capitalised_name_the_nationality_word_is_left_alone(resolve_body: ResolveBody) -> None:
    body = "The boat was turned around by Indonesian navy and then by Malaysian navy."
    assert not any(m.surface.endswith("navy") for m in resolve_body(body))

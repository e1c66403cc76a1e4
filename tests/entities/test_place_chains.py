"""A place named with the larger places holding it is one mention of it (ingest.entities.place_chains), on the
real model's output and the whole article resolution."""

from __future__ import annotations

from collections.abc import Callable

from ingest.entities.resolve import Resolved

ResolveBody = Callable[[str], list[Resolved]]


def test_city_state_and_country_are_each_a_mention_of_the_first_place_held(resolve_body: ResolveBody) -> None:
    body = "The museum in Evansville, Indiana, United States opened on Monday. Evansville is a small city."
    mentions = {(m.surface, m.name) for m in resolve_body(body)}
    assert ("Evansville, Indiana, United States", "Evansville") in mentions
    assert ("Indiana, United States", "Indiana") in mentions
    assert ("United States", "United States") in mentions
    ids = {m.entity_id for m in resolve_body(body) if m.name == "Evansville"}
    assert len(ids) == 1  # the long mention and the lone "Evansville" are one entity


def test_a_city_and_its_country(resolve_body: ResolveBody) -> None:
    body = "Pilgrims gathered in Mecca, Saudi Arabia on Thursday."
    assert ("Mecca, Saudi Arabia", "Mecca") in {(m.surface, m.name) for m in resolve_body(body)}


def test_a_list_of_places_is_not_a_chain(resolve_body: ResolveBody) -> None:
    body = "The tour visits Leeds, London and Manchester, then France, Germany and Italy."
    surfaces = {m.surface for m in resolve_body(body)}
    assert not any("," in surface for surface in surfaces), surfaces
    assert {"Leeds", "London", "Manchester", "France", "Germany", "Italy"} <= surfaces


def test_a_possessive_country_after_a_city_is_its_own_mention(resolve_body: ResolveBody) -> None:
    body = "Speaking in Paris, France's president said the talks would go on."
    surfaces = {m.surface for m in resolve_body(body)}
    assert "Paris" in surfaces and not any("," in surface for surface in surfaces), surfaces

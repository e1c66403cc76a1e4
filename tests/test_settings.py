"""Settings: defaults, INGEST_* environment variables and a .env file, bounds checked, frozen once built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from ingest.entities.gazetteer import PACKAGED_GAZETTEER
from ingest.settings import Settings, without_password


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No INGEST_* variable from the caller's shell, and a working directory without a .env file."""
    for name in [n for n in os.environ if n.startswith("INGEST_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_defaults_point_inside_the_checkout_and_the_package(clean_environment: Path) -> None:
    settings = Settings()
    assert settings.warehouse == Path("warehouse/news.duckdb") and settings.batch_size == 200
    assert settings.gazetteer == PACKAGED_GAZETTEER and settings.gazetteer.is_file()
    assert settings.allow_private_hosts is False  # safe by default: fetching never reaches the private network


def test_environment_variables_with_the_prefix_set_values(clean_environment: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_BATCH_SIZE", "17")
    monkeypatch.setenv("INGEST_WAREHOUSE", "/data/w.duckdb")
    monkeypatch.setenv("INGEST_NER_LANGUAGES", '["en", "de"]')
    monkeypatch.setenv("BATCH_SIZE", "99")  # without the prefix: not ours
    settings = Settings()
    assert (settings.batch_size, settings.warehouse, settings.ner_languages) == (17, Path("/data/w.duckdb"),
                                                                                 ("en", "de"))


def test_a_dot_env_file_in_the_working_directory_is_read_and_the_environment_wins(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_environment / ".env").write_text("INGEST_BATCH_SIZE=5\nINGEST_FETCH_WORKERS=3\nOTHER_TOOL=x\n")
    monkeypatch.setenv("INGEST_FETCH_WORKERS", "4")
    settings = Settings()
    assert (settings.batch_size, settings.fetch_workers) == (5, 4)


def test_out_of_bounds_values_are_refused_naming_the_setting(clean_environment: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="batch_size"):
        Settings(batch_size=0)
    with pytest.raises(ValidationError, match="dedupe_min_jaccard"):
        Settings(dedupe_min_jaccard=1.5)
    with pytest.raises(ValidationError, match="quality_flag_factor"):
        Settings(quality_flag_factor=1.0)
    monkeypatch.setenv("INGEST_EXTRACTION_WORKERS", "many")
    with pytest.raises(ValidationError, match="extraction_workers"):
        Settings()


def test_settings_are_frozen_and_copied_with_changes(clean_environment: Path) -> None:
    settings = Settings(batch_size=10)
    with pytest.raises(ValidationError):
        settings.batch_size = 20  # type: ignore[misc]
    changed = settings.model_copy(update={"batch_size": 20})
    assert (settings.batch_size, changed.batch_size) == (10, 20)


def test_a_lake_data_path_is_a_directory_or_an_s3_prefix_with_its_store_from_the_environment(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"LAKE_DATA_PATH": "S3://news/lake", "S3_ENDPOINT": "minio:9000", "S3_REGION": "eu-west-1",
                        "S3_ACCESS_KEY_ID": "ingest", "S3_SECRET_ACCESS_KEY": "very-secret", "S3_USE_SSL": "false",
                        "S3_URL_STYLE": "vhost", "S3_TIMEOUT_SECONDS": "3"}.items():
        monkeypatch.setenv(f"INGEST_{name}", value)
    settings = Settings()
    assert settings.lake_data_path == "s3://news/lake/" and settings.lake_on_object_store  # not Path's "s3:/news"
    assert (settings.s3_endpoint, settings.s3_region, settings.s3_access_key_id, settings.s3_use_ssl,
            settings.s3_url_style, settings.s3_timeout_seconds) == ("minio:9000", "eu-west-1", "ingest", False,
                                                                    "vhost", 3)
    assert settings.s3_secret_access_key.get_secret_value() == "very-secret"
    assert "very-secret" not in repr(settings) + str(settings) + settings.model_dump_json()
    assert Settings(lake_data_path="/srv/lake").lake_data_path == Path("/srv/lake")
    assert not Settings(lake_data_path="/srv/lake").lake_on_object_store
    assert Settings(lake_data_path="").lake_data_path is None  # an unset variable of docker-compose


@pytest.mark.parametrize(("field", "value", "says"), [
    ("lake_data_path", "s3:///lake/", "names no bucket"),
    ("lake_data_path", "gs://news/lake/", "a directory or s3://bucket/prefix/"),
    ("s3_endpoint", "http://minio:9000", "without a scheme"),
    ("s3_url_style", "virtual", "path"),
    ("s3_timeout_seconds", "0", "greater than or equal to 1"),
])
def test_a_malformed_object_store_setting_is_refused(clean_environment: Path, field: str, value: str,
                                                     says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        Settings(**{field: value})  # type: ignore[arg-type]


LAKE = "ducklake:postgres:dbname=news host=db.internal port=5432 user=news"


@pytest.mark.parametrize("password", ["s3cr3t", "'two words'"])
def test_a_lake_without_its_password_takes_it_back_from_the_environment_of_the_same_lake(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    """A flow is given the catalog without its password (a Prefect parameter is stored and shown): where it runs,
    INGEST_WAREHOUSE naming the same lake gives the password back."""
    full = f"{LAKE} password={password}"
    assert without_password(full) == LAKE and without_password(LAKE) == LAKE
    assert without_password(f"ducklake:postgres:password={password} dbname=news") == "ducklake:postgres:dbname=news"
    monkeypatch.setenv("INGEST_WAREHOUSE", full)
    assert str(Settings(warehouse=LAKE).warehouse) == full
    assert str(Settings(warehouse=Path(LAKE)).warehouse) == full


def test_a_lake_without_a_password_stays_without_when_the_environment_names_another_lake(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another lake's password is never lent (libpq then looks in PGPASSWORD and ~/.pgpass), and a file warehouse
    or a catalog given its own password is kept as written."""
    monkeypatch.setenv("INGEST_WAREHOUSE", LAKE.replace("dbname=news", "dbname=other") + " password=theirs")
    assert str(Settings(warehouse=LAKE).warehouse) == LAKE
    assert str(Settings(warehouse=f"{LAKE} password=mine").warehouse) == f"{LAKE} password=mine"
    assert Settings(warehouse=Path("w.duckdb")).warehouse == Path("w.duckdb")
    monkeypatch.setenv("INGEST_WAREHOUSE", LAKE)  # the same lake, without a password itself
    assert str(Settings(warehouse=LAKE).warehouse) == LAKE

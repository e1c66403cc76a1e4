"""Deployments as `ingest serve` builds them and as prefect.yaml declares them; the compose file."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from flows.deployments import ServePlan, build_deployments
from ingest.settings import Settings
from tests.support.paths import REPO_ROOT

SOURCES = """source_id,kind,url,schedule,enabled,rate_per_second
hourly,rss,https://hourly.example/feed.xml,0 * * * *,true,
unscheduled,rss,https://manual.example/feed.xml,,true,
disabled,atom,https://off.example/atom.xml,*/5 * * * *,false,
"""


@pytest.fixture
def plan(tmp_path: Path) -> ServePlan:
    (tmp_path / "sources.csv").write_text(SOURCES)
    settings = Settings(warehouse=tmp_path / "w.duckdb", inbox=tmp_path / "inbox", export_dir=tmp_path / "export",
                        sources_csv=tmp_path / "sources.csv")
    return ServePlan(settings, inbox_every=timedelta(minutes=2), maintenance_cron="15 4 * * *",
                     paused=frozenset({"maintenance"}))


def test_serve_builds_the_four_deployments_with_their_schedules(plan: ServePlan, tmp_path: Path) -> None:
    built = {d.name: d for d in build_deployments(plan)}
    assert set(built) == {"ingest-sources", "ingest-files", "enrich", "maintenance"}

    files = built["ingest-files"]
    assert files.parameters == {"paths": [str(tmp_path / "inbox")], "warehouse_path": str(tmp_path / "w.duckdb")}
    assert [s.schedule.interval for s in files.schedules] == [timedelta(minutes=2)]
    assert files.concurrency_limit == 1 and str(files.concurrency_options.collision_strategy).endswith("CANCEL_NEW")

    sources = built["ingest-sources"]
    assert [(s.slug, s.schedule.cron, s.parameters) for s in sources.schedules] == [
        ("source-hourly", "0 * * * *", {"source_ids": ["hourly"], "cron": "0 * * * *"})]
    assert built["enrich"].parameters["stale_only"] is True
    assert built["maintenance"].schedules[0].schedule.cron == "15 4 * * *"
    assert built["maintenance"].paused and not files.paused
    assert all("writer" in d.tags for d in built.values())


def test_a_lake_reaches_every_deployment_as_its_catalog_string(plan: ServePlan) -> None:
    """Not made absolute like a file path (which would turn it into a file named `ducklake:...` in the cwd)."""
    catalog = "ducklake:postgres:dbname=news host=db.internal port=5432 user=ingest"
    lake_plan = ServePlan(plan.settings.model_copy(update={"warehouse": Path(catalog)}))
    assert {d.parameters["warehouse_path"] for d in build_deployments(lake_plan)} == {catalog}


def test_prefect_yaml_declares_the_deployments_serve_builds(plan: ServePlan) -> None:
    declared = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]
    built = {d.name: d for d in build_deployments(plan)}
    assert {d["name"] for d in declared} == set(built)
    for deployment in declared:
        flow = load_flow_from_entrypoint(str(REPO_ROOT / deployment["entrypoint"]))
        same = built[deployment["name"]]
        assert flow.name == same.flow_name and deployment["entrypoint"] == same.entrypoint
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(deployment["parameters"]) <= accepted, deployment["name"]
        assert deployment["work_pool"]["name"] == "ingest"


def _compose(*args: str, env_file: Path, files: tuple[str, ...] = ("docker-compose.yml",)
             ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "PREFECT_", "INGEST_", "MINIO_"))}
    chosen = [option for name in files for option in ("-f", str(REPO_ROOT / name))]
    return subprocess.run(["docker-compose", "--env-file", str(env_file), *chosen, *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_docker_compose_config_is_valid_with_the_example_environment() -> None:
    result = _compose("config", env_file=REPO_ROOT / ".env.example")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "prefect-server", "ingest", "worker"}
    assert all("healthcheck" in services[name] for name in ("postgres", "prefect-server"))
    assert services["ingest"]["depends_on"]["prefect-server"]["condition"] == "service_healthy"
    assert services["ingest"]["command"][:2] == ["ingest", "serve"]
    assert services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].startswith(
        "postgresql+asyncpg://")
    assert "warehouse:/app/warehouse:rw" in services["ingest"]["volumes"] and "warehouse" in config["volumes"]


def test_the_compose_worker_scales_and_polls_the_process_pool_writing_the_shared_warehouse() -> None:
    """`--scale worker=N` needs a service with no fixed container name and no published host port."""
    result = _compose("config", env_file=REPO_ROOT / ".env.example")
    assert result.returncode == 0, result.stderr
    worker = yaml.safe_load(result.stdout)["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["prefect", "worker", "start", "--pool", "ingest", "--type", "process", "--limit", "1"]
    assert worker["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert worker["environment"]["INGEST_WAREHOUSE"] == "/app/warehouse/news.duckdb"
    assert "warehouse:/app/warehouse:rw" in worker["volumes"]
    assert worker["depends_on"]["prefect-server"]["condition"] == "service_healthy"


def test_docker_compose_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _compose("config", env_file=empty)
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr


LAKE_FILES = ("docker-compose.yml", "docker-compose.lake.yml")


def test_the_lake_override_puts_the_warehouse_in_minio_for_the_ingest_and_worker_services() -> None:
    """What `docker-compose -f docker-compose.yml -f docker-compose.lake.yml` runs (checked as config only: no
    container engine here): MinIO, its bucket and key made by a one-shot mc, the catalog database made by a
    one-shot psql, and ingest and worker settings that make a lake in the bucket."""
    result = _compose("config", env_file=REPO_ROOT / ".env.example", files=LAKE_FILES)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"postgres", "prefect-server", "ingest", "worker", "minio", "minio-init", "lake-catalog"}
    assert services["minio-init"]["image"].startswith("minio/mc:")
    assert "mc mb --ignore-existing" in services["minio-init"]["command"][0]
    assert "LAKE_SECRET" in services["minio-init"]["command"][0]  # the key reaches mc through its environment only
    example = dict(line.split("=", 1) for line in (REPO_ROOT / ".env.example").read_text().splitlines()
                   if "=" in line and not line.startswith("#"))
    assert example["INGEST_S3_SECRET_ACCESS_KEY"] not in services["minio-init"]["command"][0]
    for name in ("ingest", "worker"):
        service = services[name]
        for prepared in ("minio-init", "lake-catalog"):
            assert service["depends_on"][prepared]["condition"] == "service_completed_successfully"
        environment = service["environment"]
        fields = {key.removeprefix("INGEST_").lower(): value for key, value in environment.items()
                  if key.startswith("INGEST_") and key.removeprefix("INGEST_").lower() in Settings.model_fields}
        settings = Settings.model_validate(fields)  # what `ingest` in the container builds
        assert settings.is_lake and settings.lake_data_path == "s3://news-lake/lake/"
        assert (settings.s3_endpoint, settings.s3_use_ssl, settings.s3_url_style) == ("minio:9000", False, "path")
        assert "password" not in str(settings.warehouse) and environment["PGPASSWORD"] == example["POSTGRES_PASSWORD"]


def test_the_lake_override_refuses_to_start_without_its_keys(tmp_path: Path) -> None:
    partial = tmp_path / "partial.env"
    partial.write_text("POSTGRES_PASSWORD=x\nMINIO_ROOT_PASSWORD=y\n")
    result = _compose("config", env_file=partial, files=LAKE_FILES)
    assert result.returncode != 0 and "INGEST_S3_SECRET_ACCESS_KEY" in result.stderr


def test_every_variable_the_compose_file_reads_is_in_the_example() -> None:
    used = {name for file in LAKE_FILES for name in re.findall(r"\$\{([A-Z0-9_]+)", (REPO_ROOT / file).read_text())}
    example = {line.split("=", 1)[0] for line in (REPO_ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert used <= example, used - example

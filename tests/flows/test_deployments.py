"""Deployments as `ingest serve` builds them and as prefect.yaml declares them; data intervals; the compose file."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from flows.deployments import ServePlan, build_deployments
from ingest.ops.intervals import IntervalError, data_interval, parse_every, split
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


def test_intervals_split_a_range_like_a_backfill() -> None:
    days = split(date(2024, 5, 1), date(2024, 5, 8), parse_every("1d"))
    assert len(days) == 7 and days[0] == (datetime(2024, 5, 1), datetime(2024, 5, 2))
    assert days[-1] == (datetime(2024, 5, 7), datetime(2024, 5, 8))
    uneven = split(datetime(2024, 5, 1), datetime(2024, 5, 1, 10), parse_every("6h"))
    assert uneven == [(datetime(2024, 5, 1), datetime(2024, 5, 1, 6)), (datetime(2024, 5, 1, 6),
                                                                          datetime(2024, 5, 1, 10))]
    assert parse_every("30m") == timedelta(minutes=30) and parse_every("1w") == timedelta(days=7)
    for bad in ("0d", "1 day", "d", "-1h"):
        with pytest.raises(IntervalError):
            parse_every(bad)
    with pytest.raises(IntervalError, match="must come after"):
        split(date(2024, 5, 8), date(2024, 5, 1), timedelta(days=1))


def test_a_run_covers_its_given_interval_else_the_one_since_the_previous_schedule() -> None:
    given = data_interval(datetime(2024, 5, 1), datetime(2024, 5, 2), datetime(2024, 6, 1), datetime(2024, 5, 31))
    assert given == (datetime(2024, 5, 1), datetime(2024, 5, 2))
    scheduled = data_interval(None, None, datetime(2024, 5, 3, 6), datetime(2024, 5, 3, 5))
    assert scheduled == (datetime(2024, 5, 3, 5), datetime(2024, 5, 3, 6))
    assert data_interval(None, None, None, None) is None
    with pytest.raises(IntervalError):
        data_interval(datetime(2024, 5, 1), None, None, None)


def _compose(*args: str, env_file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "PREFECT_", "INGEST_"))}
    return subprocess.run(["docker-compose", "--env-file", str(env_file), "-f", str(REPO_ROOT / "docker-compose.yml"),
                           *args], capture_output=True, text=True, env=env, timeout=120)


def test_docker_compose_config_is_valid_with_the_example_environment() -> None:
    result = _compose("config", env_file=REPO_ROOT / ".env.example")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert set(services) == {"postgres", "prefect-server", "ingest"}
    assert all("healthcheck" in services[name] for name in ("postgres", "prefect-server"))
    assert services["ingest"]["depends_on"]["prefect-server"]["condition"] == "service_healthy"
    assert services["ingest"]["command"][:2] == ["ingest", "serve"]
    assert services["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].startswith(
        "postgresql+asyncpg://")
    assert "warehouse:/app/warehouse:rw" in services["ingest"]["volumes"] and "warehouse" in config["volumes"]


def test_docker_compose_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = _compose("config", env_file=empty)
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr


def test_every_variable_the_compose_file_reads_is_in_the_example() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", (REPO_ROOT / "docker-compose.yml").read_text()))
    example = {line.split("=", 1)[0] for line in (REPO_ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert used <= example, used - example

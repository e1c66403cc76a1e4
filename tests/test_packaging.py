"""A real package: a wheel built from the checkout, installed in a fresh venv outside it, runs the pipeline.

The fresh venv gets the wheel only (`--no-deps`); its third-party dependencies come from the test environment's
site-packages through a `.pth` line, which makes them importable but does not run that directory's own `.pth`
files, so the checkout's editable install stays out. The tests check that `ingest` and `flows` are the wheel's
copies and that no directory of the checkout's sources is on the fresh interpreter's path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT, SEED_ARTICLE, SEED_EXPECTED

pytestmark = pytest.mark.slow

# What the build reads: the project file (and the README it names) and the two source trees.
BUILD_INPUTS = ("pyproject.toml", "README.md", "src", "flows")
SQL_LAYERS = ("migrations", "staging", "marts", "queries")


@dataclass(frozen=True)
class FreshVenv:
    root: Path
    python: Path
    workdir: Path  # outside the checkout: every command runs here
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=600)

    def ingest(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(str(self.root / "bin" / "ingest"), *args)

    def python_json(self, code: str) -> object:
        result = self.run(str(self.python), "-c", code)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])


def _build_wheel(into: Path) -> Path:
    """Build from a copy of the build inputs, so the build leaves nothing in the checkout and stale files
    there (an egg-info, a `build/` directory) cannot leak into the wheel."""
    source = into / "source"
    source.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in BUILD_INPUTS:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, source / name, ignore=junk)
        else:
            shutil.copy2(REPO_ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(into / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = (into / "dist").glob("news_ingest-*.whl")
    return wheel


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    base = tmp_path_factory.mktemp("packaging")
    assert not base.resolve().is_relative_to(REPO_ROOT)
    wheel = _build_wheel(base)
    root = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    dependencies = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(purelib) / "test_dependencies.pth").write_text("".join(f"{path}\n" for path in dependencies))
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--quiet", str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    workdir = base / "work"
    workdir.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "PREFECT_", "INGEST_", "VIRTUAL_ENV"))}
    env.update(PREFECT_HOME=str(base / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               INGEST_LOCAL_PREFECT_API_URL="", PATH=f"{root / 'bin'}:{env.get('PATH', '')}")
    return FreshVenv(root, python, workdir, env)


def test_the_fresh_venv_imports_the_wheels_code_and_nothing_of_the_checkout(venv: FreshVenv) -> None:
    found = venv.python_json(
        "import json, sys, flows, ingest; from ingest.warehouse import connection, statements; "
        "print(json.dumps({'ingest': ingest.__file__, 'flows': flows.__file__, 'sql': str(connection.SQL_DIR), "
        "'queries': str(statements.SQL_ROOT), 'path': sys.path}))")
    assert isinstance(found, dict)
    for module in ("ingest", "flows", "sql", "queries"):
        assert Path(found[module]).resolve().is_relative_to(venv.root.resolve()), (module, found[module])
    dependencies = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    on_path = [Path(entry).resolve() for entry in found["path"] if entry]
    from_checkout = [p for p in on_path if p.is_relative_to(REPO_ROOT) and p not in dependencies]
    assert from_checkout == []


def test_the_wheel_ships_every_sql_layer_and_the_gazetteer(venv: FreshVenv) -> None:
    found = venv.python_json(
        "import json; from ingest.warehouse.connection import SQL_DIR; "
        "from ingest.entities.gazetteer import PACKAGED_GAZETTEER; "
        "print(json.dumps({'sql': sorted(str(p.relative_to(SQL_DIR)) for p in SQL_DIR.rglob('*.sql')), "
        "'gazetteer': PACKAGED_GAZETTEER.stat().st_size}))")
    assert isinstance(found, dict)
    source = REPO_ROOT / "src" / "ingest" / "sql"
    assert found["sql"] == sorted(str(p.relative_to(source)) for p in source.rglob("*.sql"))
    assert {Path(name).parts[0] for name in found["sql"]} == set(SQL_LAYERS)
    assert found["gazetteer"] == (REPO_ROOT / "src" / "ingest" / "entities" / "gazetteer.csv").stat().st_size


def test_ingest_run_on_the_seed_then_ingest_sql_answers(venv: FreshVenv) -> None:
    warehouse = venv.workdir / "warehouse" / "news.duckdb"
    seed = venv.workdir / SEED_ARTICLE.name
    shutil.copy(SEED_ARTICLE, seed)
    ran = venv.ingest("run", str(seed), "-w", str(warehouse))
    assert ran.returncode == 0, ran.stderr[-3000:]
    answer = venv.ingest("sql", "select title, author, source_uri, "
                                "body_text like '%thorough exchange of views%' as body_found from articles",
                         "-w", str(warehouse), "--format", "json")
    assert answer.returncode == 0, answer.stderr[-3000:]
    # The seed's first line ends with a full stop, so cleaning does not take it for a headline: no title.
    expected = json.loads(SEED_EXPECTED.read_text())
    assert json.loads(answer.stdout) == [{"title": None, "author": expected["author"], "source_uri": str(seed),
                                          "body_found": True}]


def test_served_deployments_load_their_flows_from_the_installed_package(venv: FreshVenv) -> None:
    """`ingest serve` (the Dockerfile's command) hands each deployment's entrypoint to Prefect's runner, which
    loads the flow from it again: that must work from site-packages, with no checkout in the working directory."""
    found = venv.python_json(
        "import json; from prefect.flows import load_flow_from_entrypoint; "
        "from flows.deployments import ServePlan, build_deployments; from ingest.settings import Settings; "
        "print(json.dumps({d.name: [d.entrypoint, load_flow_from_entrypoint(d.entrypoint).name] "
        "for d in build_deployments(ServePlan(Settings()))}))")
    assert isinstance(found, dict) and set(found) == {"ingest-sources", "ingest-files", "enrich", "maintenance"}
    for name, (entrypoint, flow_name) in found.items():
        path = Path(entrypoint.rpartition(":")[0])
        assert (venv.workdir / path).resolve().is_relative_to(venv.root.resolve()), (name, entrypoint)
        assert flow_name, name

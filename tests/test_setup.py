"""Set-up on a fresh machine: `make test` brings the system packages, and the venv holds exactly the lock."""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path

from tests.support.paths import REPO_ROOT

SYSTEM_DEPS = REPO_ROOT / "scripts" / "system_deps.sh"
LOCK = REPO_ROOT / "requirements.lock"
PROJECT = "news-ingest"
# pip's own tooling: `pip freeze` leaves these out, and a venv's pip is not the project's choice
UNLOCKED = {"pip", "setuptools", "wheel", "distribute"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_after_make_test_set_up_no_system_package_is_missing() -> None:
    check = subprocess.run([str(SYSTEM_DEPS), "--check"], capture_output=True, text=True, timeout=60)
    assert (check.returncode, check.stdout) == (0, ""), check.stdout
    again = subprocess.run([str(SYSTEM_DEPS)], capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")  # nothing to do, nothing said


def test_the_check_names_a_missing_package_in_one_line(tmp_path: Path) -> None:
    # with an empty PATH, docker-compose cannot be found: the check must say so, not pass
    check = subprocess.run(["/bin/bash", str(SYSTEM_DEPS), "--check"], capture_output=True, text=True, timeout=60,
                           env={"PATH": str(tmp_path)})
    assert check.returncode == 1
    [line] = check.stdout.splitlines()
    assert line.startswith("missing system packages:") and "docker-compose" in line


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock line not pinned exactly: {line}"
            pins[_canonical(name)] = version.strip()
    return pins


def test_the_environment_holds_exactly_the_locked_versions() -> None:
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed = {name: version for name, version in installed.items()
                 if name not in UNLOCKED and name != PROJECT}
    locked = _locked()
    differing = {name: (installed.get(name), locked.get(name)) for name in installed.keys() | locked.keys()
                 if installed.get(name) != locked.get(name)}
    assert not differing, f"installed vs requirements.lock (run `make lock` after changing dependencies): {differing}"
    assert locked["duckdb"] == "1.5.5"

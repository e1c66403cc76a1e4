"""`make stack`: PostgreSQL, the Prefect server on it and `ingest serve`, one scheduled run, then a work pool with
3 process workers and a sharded run through them, clean teardown."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command)
    return found


def test_make_stack_runs_the_seeds_through_postgres_prefect_and_ingest_serve_then_tears_down() -> None:
    result = subprocess.run(["make", "-s", "stack", "WORKERS=3"], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=900)
    output = result.stdout
    assert result.returncode == 0, output[-4000:]
    assert re.search(r"stack: PostgreSQL \(/usr/lib/postgresql/\d+/bin\) on 127\.0\.0\.1:\d+", output)
    assert ("deployments: enrich-articles/enrich ingest-files/ingest-files ingest-sources/ingest-sources "
            "maintenance/maintenance") in output
    assert "Flow run finished successfully in 'Completed'" in output
    assert "stack: articles loaded: 1" in output and "articles loaded" in output  # and `ingest status` ran
    assert "stack: work pool ingest: 3 process workers" in output
    assert sorted(re.findall(r"shard (\d)/3 \(\d+ files\): completed", output)) == ["1", "2", "3"]
    # seeds/ itself, where the served run loaded copies from the inbox: its one article again, under its own path
    assert "Finished in state Completed('3 shards: loaded 1 articles, 0 new rejects')" in output
    assert output.rstrip().endswith("stack: teardown complete (exit 0)")
    workdir = re.search(r"warehouse (/\S+)/warehouse/news\.duckdb", output)
    assert workdir is not None
    assert not Path(workdir.group(1)).exists()
    assert _processes_mentioning(workdir.group(1)) == []

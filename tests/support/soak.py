"""The soak harness: a seeded corpus (tests/support/corpus.py) loaded by `ingest run`s killed with SIGKILL, then
one ordinary run, compared table by table with a run that was never killed. Used by tests/flows/test_soak.py (a few
kills) and bench/soak.py (50).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from ingest.settings import Settings
from ingest.warehouse import connection
from tests.support.paths import BIN

BOUNDARIES = ("after_load", "after_dedupe", "run_recorded", "after_enrich", "before_finish")  # the costliest first
# Run bookkeeping differs between any two runs; every other table must match row for row.
RUN_TABLES = {"runs", "loads", "run_quality", "schema_migrations", "schema_views"}
RUN_COLUMNS = {"load_id", "run_id", "reprocess_id"}


@dataclass
class SoakLog:
    kills: list[str] = field(default_factory=list)  # how each killed run died
    completed_early: int = 0  # runs meant to be killed that finished first
    seconds: float = 0.0


def run_ingest(corpus: Path, warehouse: Path, batch_size: int, env: dict[str, str],
               kill_after: float | None = None, timeout: float = 600) -> int:
    """`ingest run` in its own process group; with `kill_after`, SIGKILL the whole group after that many seconds.
    Returns the exit code (negative: killed by that signal)."""
    process = subprocess.Popen([str(BIN / "ingest"), "run", str(corpus), "-w", str(warehouse),
                                "--batch-size", str(batch_size)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        _out, err = process.communicate(timeout=kill_after if kill_after is not None else timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(60)
        return -signal.SIGKILL
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # orphans of a run that killed itself (its Prefect server)
    if process.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"ingest run failed ({process.returncode}): {err.decode(errors='replace')[-3000:]}")
    return process.returncode


def kill_plan(attempts: int, seed: int, clean_seconds: float) -> Iterator[tuple[str | None, float | None]]:
    """(crash point, timer) per run meant to be killed: every stage boundary in turn (at a seeded batch),
    alternating with a SIGKILL at a seeded random moment of a run."""
    pick = random.Random(seed)
    for number in range(attempts):
        if number % 2 == 0:
            point = BOUNDARIES[(number // 2) % len(BOUNDARIES)]
            nth = 1 if point in ("run_recorded", "before_finish") else pick.randint(1, 2)
            yield f"{point}:{nth}", None
        else:
            yield None, pick.uniform(0.3, 1.0) * clean_seconds


def soak(corpus: Path, warehouse: Path, batch_size: int, kills: int, seed: int, clean_seconds: float,
         env: dict[str, str], finish: bool = True) -> SoakLog:
    """Kill `kills` runs over the corpus as `kill_plan` says (a run that finishes before its kill point does not
    count; at most twice as many runs are tried), then (with `finish`) run once more to the end."""
    log = SoakLog()
    started = time.monotonic()
    for crash_at, timer in kill_plan(2 * kills, seed, clean_seconds):
        if len(log.kills) == kills:
            break
        run_env = {**env, "INGEST_CRASH_AT": crash_at} if crash_at else env
        code = run_ingest(corpus, warehouse, batch_size, run_env, kill_after=timer)
        if code == -signal.SIGKILL:
            log.kills.append(crash_at or f"at {timer:.1f}s")
        else:
            log.completed_early += 1
    if finish and run_ingest(corpus, warehouse, batch_size, env) != 0:
        raise RuntimeError("the final ordinary run did not complete")
    log.seconds = time.monotonic() - started
    return log


def snapshot(warehouse: Path | Settings) -> dict[str, list[tuple[object, ...]]]:
    """Every data table's rows, sorted, without run bookkeeping columns and timestamps: of a DuckDB file (a path)
    or of any warehouse its settings name (a DuckLake too, so a lake compares with a file)."""
    settings = warehouse if isinstance(warehouse, Settings) else Settings(warehouse=warehouse)
    with connection.connect(settings, read_only=True) as con:
        # A lake's connection also holds DuckDB's own in-memory catalog: only the warehouse's tables count.
        columns = con.execute(
            "select c.table_name, list(c.column_name order by c.ordinal_position) filter ("
            "where c.data_type not like 'TIMESTAMP%' and c.column_name not in (select unnest(?))) "
            "from information_schema.columns c join information_schema.tables t "
            "using (table_catalog, table_schema, table_name) where t.table_type = 'BASE TABLE' "
            "and t.table_schema = 'main' and t.table_catalog = current_database() group by all",
            [sorted(RUN_COLUMNS)]).fetchall()
        tables = {}
        for table, kept in sorted(columns):
            if table in RUN_TABLES:
                continue
            select = ", ".join(f'"{c}"' for c in kept)
            tables[table] = con.execute(f"select {select} from {table} order by all").fetchall()
    return tables


def differences(clean: dict[str, list[tuple[object, ...]]],
                crashed: dict[str, list[tuple[object, ...]]]) -> dict[str, str]:
    """Per table that differs: row counts and a few rows on either side only."""
    found = {}
    for table in sorted(set(clean) | set(crashed)):
        mine, theirs = clean.get(table, []), crashed.get(table, [])
        if mine != theirs:
            # repr: a row may hold a list (tags), which a set cannot
            mine_seen, theirs_seen = set(map(repr, mine)), set(map(repr, theirs))
            only_clean = [r for r in mine if repr(r) not in theirs_seen][:2]
            only_crashed = [r for r in theirs if repr(r) not in mine_seen][:2]
            found[table] = f"clean {len(mine)} rows, crashed {len(theirs)}; only clean: {only_clean}; " \
                           f"only crashed: {only_crashed}"
    return found

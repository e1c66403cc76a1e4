"""What each stage has left to do, read from the warehouse itself, and which runs died.

A run's progress is never kept in the run: an article is deduplicated when it has a `dedupe_fingerprints` row
and enriched when it has an `article_enrichment` row, and each of those is written in the same transaction as
the rest of its stage's output. So whoever left work unfinished (a killed run, a full disk, a dead Prefect
server), the next run finds it here and finishes it before its own inputs, load by load in load order: the
warehouse then equals the one a run that never stopped would have built.

Work belonging to a run that is still alive (status `running`, its process still there) is left to that run.
A `running` run whose process is gone from this host is marked `crashed` (`mark_crashed`); a run on another
host cannot be checked from here and keeps its work until it finishes or is marked by its own host.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.models import utc_now
from ingest.warehouse.statements import statement


@dataclass(frozen=True)
class PendingWork:
    """Articles awaiting a stage, grouped by the load that brought them (in load order)."""

    dedupe: list[tuple[str, list[str]]]
    enrichment: list[tuple[str, list[str]]]
    # Prefect flow runs of the runs just found dead: their server still shows them Running until told.
    crashed_flow_runs: tuple[str, ...] = ()

    @property
    def articles_awaiting_dedupe(self) -> int:
        return sum(len(ids) for _, ids in self.dedupe)

    @property
    def articles_awaiting_enrichment(self) -> int:
        return sum(len(ids) for _, ids in self.enrichment)


def pending_work(con: duckdb.DuckDBPyConnection, run_id: str = "") -> PendingWork:
    """Every loaded article no dedupe or no enrichment has covered yet, except work of other live runs."""
    dead = set(dead_runs(con))
    live = [r for r in _running_runs(con) if r != run_id and r not in dead]

    awaiting: dict[str, list[tuple[str, list[str]]]] = {"dedupe": [], "enrichment": []}
    for stage, load_id, ids in con.execute(statement("pending/by_load"), {"live": live}).fetchall():
        awaiting[stage].append((load_id, list(ids)))
    return PendingWork(awaiting["dedupe"], awaiting["enrichment"])


def process_started(pid: int) -> float | None:
    """When a process started, in seconds since boot (Linux /proc); None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def this_process() -> tuple[int, str, float | None]:
    pid = os.getpid()
    return pid, socket.gethostname(), process_started(pid)


def is_alive(pid: int, started: float | None) -> bool:
    """Is this process (the very one, not a later one given the same pid) still running on this host?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    now_started = process_started(pid)
    return started is None or now_started is None or abs(now_started - started) < 0.05


def _running_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs recorded as running by a known process (rows from before migration 007 have none to wait for)."""
    return [row[0] for row in con.execute(statement("runs/running")).fetchall()]


def dead_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """`running` runs of this host whose process is gone (read only: `mark_crashed` records them)."""
    rows = con.execute(statement("runs/running_on_host"), [socket.gethostname()]).fetchall()
    return [run_id for run_id, pid, started in rows if not is_alive(pid, started)]


def mark_crashed(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Mark `crashed` every `running` run of this host whose process is gone; returns their run ids."""
    dead = dead_runs(con)
    if dead:
        con.execute(statement("runs/mark_crashed"), [utc_now(), dead])
    return dead


def flow_runs_of(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> tuple[str, ...]:
    """The Prefect flow run ids recorded for these runs (runs started outside Prefect have none)."""
    rows = con.execute(statement("runs/flow_runs"), [run_ids]).fetchall()
    return tuple(row[0] for row in rows)


def ended_runs(con: duckdb.DuckDBPyConnection, flow_run_ids: list[str]) -> list[tuple[str, str]]:
    """(flow run id, status) of the given Prefect flow runs whose run recorded its end here and whose process is
    gone: a server that went away before the run could report that end still shows them Running. A run whose
    process still lives is passed over: it is about to report its end itself."""
    rows = con.execute(statement("runs/ended_on_host"), [flow_run_ids, socket.gethostname()]).fetchall()
    return [(flow_run_id, status) for flow_run_id, status, pid, started in rows if not is_alive(pid, started)]


def crashed_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Runs that died, newest first, for `ingest status`: marked crashed, or running with their process gone."""
    rows = con.execute(statement("runs/crashed"), [dead_runs(con)]).fetchall()
    return [{"run_id": r[0], "flow": r[1], "started_at": str(r[2]), "pid": r[3], "host": r[4]} for r in rows]

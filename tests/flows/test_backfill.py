"""Backfills against a temporary Prefect server: one flow run per interval, created through the API with its
parameters, at most `max_active` unfinished at once, every run followed to its final state, and one clear error
when nothing picks the runs up. The runs are executed here by a stand-in worker that moves their states through
the same API a real worker uses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.states import Completed, Running

from flows.backfill import BackfillError, BackfillRun, backfill
from ingest.ops.intervals import Interval, split

pytestmark = pytest.mark.usefixtures("prefect_harness")
DAYS = split(datetime(2024, 5, 1), datetime(2024, 5, 6), timedelta(days=1))


def _parameters(interval: Interval) -> dict[str, Any]:
    return {"start": interval[0].isoformat(), "end": interval[1].isoformat()}


def _deployment(name: str) -> UUID:
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("backfill-probe")
        return client.create_deployment(flow_id=flow_id, name=name)


def _runs_of(deployment_id: UUID) -> list[Any]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))


class StandInWorker:
    """Runs each scheduled flow run of a deployment to Completed, noting how many were unfinished at once."""

    def __init__(self, deployment_id: UUID) -> None:
        self.deployment_id, self.most_unfinished = deployment_id, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._work, daemon=True)

    def _work(self) -> None:
        with get_client(sync_client=True) as client:
            while not self.stop.wait(0.2):
                runs = _runs_of(self.deployment_id)
                unfinished = [r for r in runs if r.state_type.value not in ("COMPLETED", "FAILED")]
                self.most_unfinished = max(self.most_unfinished, len(unfinished))
                for run in unfinished:
                    client.set_flow_run_state(run.id, Running(), force=True)
                    client.set_flow_run_state(run.id, Completed(message=f"loaded {run.parameters['start']}"),
                                              force=True)


@pytest.fixture
def worker() -> Iterator[StandInWorker]:
    stand_in = StandInWorker(_deployment("worked"))
    stand_in.thread.start()
    yield stand_in
    stand_in.stop.set()
    stand_in.thread.join(30)


def test_every_interval_runs_once_with_its_parameters_at_most_max_active_at_once(worker: StandInWorker) -> None:
    changes: list[tuple[str, str]] = []
    runs = backfill("backfill-probe/worked", DAYS, _parameters, "may", max_active=2, poll_seconds=0.1,
                    on_change=lambda run: changes.append((run.name, run.state)))
    assert [run.interval for run in runs] == DAYS and {run.state for run in runs} == {"COMPLETED"}
    assert [run.message for run in runs] == [f"loaded {start.isoformat()}" for start, _ in DAYS]
    assert [run.name for run in runs] == [f"backfill-may-2024050{day}T0000" for day in range(1, 6)]
    assert 1 <= worker.most_unfinished <= 2
    created = {run.id: run for run in _runs_of(worker.deployment_id)}
    assert len(created) == 5 and all("backfill" in run.tags for run in created.values())
    assert sorted(run.parameters["start"] for run in created.values()) == [s.isoformat() for s, _ in DAYS]
    assert {name for name, state in changes if state == "COMPLETED"} == {run.name for run in runs}


def test_runs_nobody_picks_up_end_in_one_clear_error() -> None:
    deployment_id = _deployment("unserved")
    with pytest.raises(BackfillError, match=r"no run of backfill-probe/unserved started within 1s: is `ingest serve`"):
        backfill("backfill-probe/unserved", DAYS, _parameters, "idle", max_active=2, poll_seconds=0.1,
                 pickup_timeout=1)
    assert len(_runs_of(deployment_id)) == 2  # created up to max_active, then waited for


def test_max_active_below_one_is_refused_before_any_run_is_created() -> None:
    deployment_id = _deployment("refused")
    with pytest.raises(BackfillError, match="at least 1"):
        backfill("backfill-probe/refused", DAYS, _parameters, "none", max_active=0)
    assert _runs_of(deployment_id) == []


def test_a_finished_run_is_done_and_a_scheduled_one_is_not() -> None:
    run = BackfillRun(DAYS[0], UUID(int=1), "backfill-x")
    assert not run.done
    run.state = "CRASHED"
    assert run.done

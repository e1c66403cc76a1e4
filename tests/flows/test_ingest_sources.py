"""The data interval of a scheduled `ingest-sources` run: from the schedule's previous time to this run's."""

from __future__ import annotations

from datetime import datetime

import pytest

from ingest.ops.intervals import previous_cron_time


@pytest.mark.parametrize(("cron", "at", "previous"), [
    ("*/15 * * * *", datetime(2026, 1, 1, 12, 0), datetime(2026, 1, 1, 11, 45)),  # on the schedule: the one before
    ("*/15 * * * *", datetime(2026, 1, 1, 12, 7, 30), datetime(2026, 1, 1, 12, 0)),
    ("0 6 * * *", datetime(2026, 1, 1, 5, 59), datetime(2025, 12, 31, 6, 0)),
    ("30 3 * * 1", datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 23, 3, 30)),  # Mondays only
])
def test_the_previous_schedule_time_is_strictly_before_the_runs(cron: str, at: datetime, previous: datetime) -> None:
    assert previous_cron_time(cron, at) == previous

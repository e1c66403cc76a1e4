"""Data intervals: a range cut like a backfill, a run's interval given or taken from its schedule, times in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ingest.ops.intervals import IntervalError, as_utc, data_interval, parse_every, split


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


def test_times_become_naive_utc_and_a_date_its_midnight() -> None:
    assert as_utc(date(2024, 5, 1)) == datetime(2024, 5, 1)
    paris_summer = timezone(timedelta(hours=2))
    assert as_utc(datetime(2024, 5, 1, 8, 30, tzinfo=paris_summer)) == datetime(2024, 5, 1, 6, 30)
    assert as_utc(datetime(2024, 5, 1, 8, 30, tzinfo=UTC)) == datetime(2024, 5, 1, 8, 30)
    assert as_utc(datetime(2024, 5, 1, 8, 30)) == datetime(2024, 5, 1, 8, 30)  # naive is already UTC


def test_an_aware_interval_is_compared_in_utc() -> None:
    """10:00+02:00 is 08:00 UTC: an interval from 09:00 UTC to it runs backwards and is refused."""
    with pytest.raises(IntervalError, match="end must come after"):
        data_interval(datetime(2024, 5, 1, 9), datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=2))),
                      None, None)
    hours = split(datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=2))), datetime(2024, 5, 1, 10),
                  parse_every("1h"))
    assert hours == [(datetime(2024, 5, 1, 8), datetime(2024, 5, 1, 9)), (datetime(2024, 5, 1, 9),
                                                                         datetime(2024, 5, 1, 10))]

"""Data intervals: a range cut like a backfill, a run's interval given or taken from its schedule, times in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ingest.ops.intervals import IntervalError, as_utc, data_interval, parse_every, previous_cron_time, split


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


def test_a_scheduled_run_covers_the_time_since_its_schedules_previous_time() -> None:
    at = datetime(2024, 5, 6, 6, 0)  # a Monday, on the hour: the run's own scheduled time is not its previous one
    assert previous_cron_time("0 * * * *", at) == datetime(2024, 5, 6, 5, 0)
    assert previous_cron_time("@hourly", at) == datetime(2024, 5, 6, 5, 0)
    assert previous_cron_time("30 3 * * 1-5", at) == datetime(2024, 5, 6, 3, 30)
    assert previous_cron_time("0 12 * * sun", at) == datetime(2024, 5, 5, 12, 0)
    assert previous_cron_time("0 0 L * *", at) == datetime(2024, 4, 30, 0, 0)
    assert previous_cron_time("0 0 13 * 5", at) == datetime(2024, 5, 3, 0, 0)  # day 13 or a Friday, as cron has it
    assert previous_cron_time("15 4 * * *", datetime(2024, 5, 6, 8, 0, tzinfo=UTC) + timedelta(hours=-2)) == \
        datetime(2024, 5, 6, 4, 15)
    assert data_interval(None, None, at, previous_cron_time("0 */6 * * *", at)) == (datetime(2024, 5, 6),
                                                                                     datetime(2024, 5, 6, 6))
    for bad in ("every hour", "61 * * * *", "* * *"):
        with pytest.raises(IntervalError, match="not a cron schedule"):
            previous_cron_time(bad, at)

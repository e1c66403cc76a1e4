"""Data intervals, as Airflow has them: a run covers [start, end), a backfill is one run per interval.

A scheduled run that is given no interval covers the period from the schedule's previous time to its own (the
06:00 run of an hourly schedule covers 05:00-06:00), so a late or retried run still covers the same data.
Times are naive UTC, the convention of the warehouse.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from cronsim import CronSim, CronSimError

_EVERY = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

Interval = tuple[datetime, datetime]


class IntervalError(ValueError):
    pass


def parse_every(text: str) -> timedelta:
    """`30m`, `6h`, `1d`, `1w` to a timedelta."""
    found = _EVERY.match(text)
    if not found or int(found.group(1)) == 0:
        raise IntervalError(f"--every must look like 30m, 6h, 1d or 1w, not {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def as_utc(value: datetime | date) -> datetime:
    """A date is its midnight; an aware time is converted to UTC; the result is naive."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def split(start: datetime | date, end: datetime | date, every: timedelta) -> list[Interval]:
    """[start, end) cut into consecutive intervals of `every`; the last one ends at `end`."""
    first, last = as_utc(start), as_utc(end)
    if last <= first:
        raise IntervalError(f"the end ({last:%Y-%m-%d %H:%M}) must come after the start ({first:%Y-%m-%d %H:%M})")
    intervals = []
    while first < last:
        intervals.append((first, min(first + every, last)))
        first += every
    return intervals


def data_interval(start: datetime | None, end: datetime | None, scheduled: datetime | None,
                  previous: datetime | None) -> Interval | None:
    """The run's interval: the one it was given, else [previous scheduled time, this scheduled time), else none."""
    if start is not None and end is not None:
        interval = (as_utc(start), as_utc(end))
        if interval[1] <= interval[0]:
            raise IntervalError("the interval end must come after its start")
        return interval
    if start is not None or end is not None:
        raise IntervalError("give both the start and the end of the interval, or neither")
    if scheduled is not None and previous is not None:
        return as_utc(previous), as_utc(scheduled)
    return None


# The nicknames Prefect's cron schedules accept, in the five fields cronsim reads.
_CRON_NICKNAMES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                   "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


def previous_cron_time(cron: str, at: datetime) -> datetime:
    """The schedule's last time strictly before `at` (naive UTC): where a scheduled run's interval starts.

    cronsim (a dependency of Prefect's own) reads the standard cron fields as Prefect's schedules do (day of month
    or day of week when both are given, `L` for the last day); a bad expression is an IntervalError."""
    expression = _CRON_NICKNAMES.get(cron.strip().lower(), cron)
    try:
        return next(CronSim(expression, as_utc(at), reverse=True))
    except (CronSimError, StopIteration) as exc:
        raise IntervalError(f"not a cron schedule: {cron!r} ({exc})") from exc

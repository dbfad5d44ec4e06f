"""Bulletin weeks: the calendar arithmetic under the bulletin stage — ISO weeks ``YYYY-Www`` cut
at Monday 00:00 in the ledger's time zone, and the issue number 第N期 of a week. Nothing here reads
the history; ``bulletin`` uses it to decide which commits and which ledger a week is built from.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from site_builder.core import clock

DEFAULT_TZ = clock.DEFAULT_TZ
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week that is not ``YYYY-Www`` or does not exist; carries a message code and parameters."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def parse_week(week: str) -> tuple[int, int]:
    """``"2023-W28"`` → ``(2023, 28)``; raises ``WeekError`` for a malformed or impossible week."""
    m = _WEEK_RE.match(week.strip()) if isinstance(week, str) else None
    if not m:
        raise WeekError("bulletin.bad_week", week=week)
    year, number = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError("bulletin.no_such_week", week=week, year=year, number=number) from None
    return year, number


def _monday(week: str) -> dt.date:
    return dt.date.fromisocalendar(*parse_week(week), 1)


def week_label(day: dt.date) -> str:
    """The ISO week containing ``day``, as ``YYYY-Www``."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def zone(tz: str | dt.tzinfo | None) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    return ZoneInfo(tz or DEFAULT_TZ)


def midnight(day: dt.date, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> dt.datetime:
    """00:00 of ``day`` in ``tz``: weeks and issue days start then."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone(tz))


def _local_date(instant: dt.datetime, tz: str | dt.tzinfo | None) -> dt.date:
    """The day an instant falls on in ``tz``; a naive instant is already local time."""
    z = zone(tz)
    return (instant.replace(tzinfo=z) if instant.tzinfo is None else instant.astimezone(z)).date()


def week_bounds(week: str, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of ``week``: Monday 00:00 and the next Monday 00:00 in ``tz`` (end excluded)."""
    monday = _monday(week)
    return midnight(monday, tz), midnight(monday + dt.timedelta(days=7), tz)


def week_of(instant: dt.datetime, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> str:
    """The ISO week an instant falls in, in local time of ``tz`` (a naive instant is local time)."""
    return week_label(_local_date(instant, tz))


def last_complete_week(now: dt.datetime | dt.date, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> str:
    """The last ISO week that has ended by ``now`` (a date counts as its own start of day)."""
    day = _local_date(now, tz) if isinstance(now, dt.datetime) else now
    return week_label(day - dt.timedelta(days=day.isoweekday()))


def weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week from ``first`` to ``last``, both included (empty when last < first)."""
    day, stop = _monday(first), _monday(last)
    out = []
    while day <= stop:
        out.append(week_label(day))
        day += dt.timedelta(days=7)
    return out


def issue_number(week: str, first_week: str) -> int:
    """第N期 of ``week`` for a ledger whose first commit fell in ``first_week`` (the rule is in
    ``bulletin``'s docstring)."""
    year, number = parse_week(week)
    first_year, first_number = parse_week(first_week)
    return number - first_number + 1 if first_year == year else number

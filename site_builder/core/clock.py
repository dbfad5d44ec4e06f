"""Clock: the one source of "now" and "today" for every stage and command.

"Today" is the current date in the ledger's time zone (``timezone`` in ledger.yaml, Beijing time by
default), wherever the command runs: a UTC CI runner at 07:00 Beijing time is already on the
Beijing day. ``RECTIFY_NOW`` (an ISO instant with its offset, e.g. ``2026-12-01T23:30:00+08:00``)
sets the clock, for tests and for rebuilding what a past day showed. Imports nothing of the pipeline.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"


def now() -> dt.datetime:
    """The current instant (aware), or the one ``RECTIFY_NOW`` gives."""
    fixed = os.environ.get("RECTIFY_NOW", "").strip()
    if fixed:
        try:
            value = dt.datetime.fromisoformat(fixed)
        except ValueError:
            value = None
        if value is not None:
            return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(DEFAULT_TZ))
    return dt.datetime.now(dt.timezone.utc)


def zone(name: str | None) -> dt.tzinfo:
    """The named time zone; the default one for a name that is missing or unknown (validation
    reports an unknown name)."""
    try:
        return ZoneInfo(name or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def today(tz_name: str | None = None) -> dt.date:
    """Today's date in the time zone ``tz_name`` (the ledger's)."""
    return now().astimezone(zone(tz_name)).date()


def ledger_today(settings) -> dt.date:
    """Today in the time zone of ``settings`` (a ``Settings`` or None)."""
    return today(getattr(settings, "timezone", None))

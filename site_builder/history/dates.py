"""Changes, dates: the rules of DESIGN.md §4 on time, applied by ``history.rules`` to each judged
commit and by ``history.judge`` to each record a change adds. A record is recorded when its commit
was committed (the committer date): its own date may be neither after that day nor earlier than the
backdating tolerance allows. A commit may be dated neither in the future (beyond a small skew of the
gate's clock) nor before its first parent; author and committer dates far apart are a warning.
The thresholds are the settings the change is judged by: the base's, for a pull request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from site_builder.core import clock
from site_builder.core.problems import Problem
from site_builder.history.graph import commit_of
from site_builder.history.timeline import Commit, History
from site_builder.ledger.models import Settings

#: how far ahead of the gate's clock a commit may be dated (clocks differ a little)
SKEW = dt.timedelta(hours=1)


@dataclass
class _Rules:
    tz: ZoneInfo
    tolerance: dt.timedelta
    now: dt.datetime
    #: author and committer dates further apart than this are a warning (rewritten or stale work)
    gap: dt.timedelta = dt.timedelta(days=3)

    @classmethod
    def of(cls, settings: Settings | None, now: dt.datetime | None) -> "_Rules":
        settings = settings or Settings(organisation="-", office="-")
        return cls(ZoneInfo(settings.timezone), dt.timedelta(days=settings.thresholds.backdate_days),
                   now or clock.now(), dt.timedelta(days=settings.thresholds.date_gap_days))


def where(history: History, commit: Commit) -> str:
    """The file a commit's own problem is shown at: its first changed ledger file, else the ledger."""
    return commit.changes[0].path if commit.changes else (history.ledger_prefix.rstrip("/") or ".")


def dates_apart(history: History, commit: Commit, rules: _Rules) -> list[Problem]:
    """A warning, not an error: author and committer dates far apart are what a history rewrite
    or work kept back for days looks like, yet also what an honest late rebase does."""
    if abs(commit.committed - commit.authored) <= rules.gap:
        return []
    return [Problem.at(where(history, commit), None, "change.dates_apart", commit=commit.sha, severity="warning",
                       authored=commit.authored.isoformat(timespec="minutes"),
                       committed=commit.committed.isoformat(timespec="minutes"), days=rules.gap.days)]


def in_future(commit: Commit, rules: _Rules) -> bool:
    """Whether the commit is dated later than the gate's clock allows: the one verdict on a commit
    that depends on when it is judged."""
    return commit.authored - rules.now > SKEW or commit.committed - rules.now > SKEW


def commit_problems(history: History, commit: Commit, by_sha: dict[str, Commit], rules: _Rules) -> list[Problem]:
    """A commit's own dates: the committer date is when its records were recorded, so it may be
    neither in the future (beyond a small skew of the gate's clock) nor before its first parent's."""
    path = where(history, commit)
    if in_future(commit, rules):
        return [Problem.at(path, None, "change.commit_in_future", commit=commit.sha,
                           date=max(commit.authored, commit.committed).isoformat(timespec="minutes"))]
    if commit.parents:
        parent = by_sha.get(commit.parents[0]) or commit_of(history, commit.parents[0])
        if commit.committed < parent.committed:
            return [Problem.at(path, None, "change.commit_before_parent", commit=commit.sha,
                               date=commit.committed.isoformat(timespec="minutes"),
                               parent=parent.committed.isoformat(timespec="minutes"))]
    return []


def record_dates(name: str, index: int, rec, commit: Commit, rules: _Rules) -> list[tuple[tuple, str, dict]]:
    """A new record's date against the commit that recorded it."""
    # recorded when committed: the committer date, which a rebase or squash renews
    day = commit.committed.astimezone(rules.tz).date()
    earliest = (commit.committed - rules.tolerance).astimezone(rules.tz).date()
    if rec.date > day:
        return [((name, index, "date"), "change.record_after_commit", {"date": rec.date, "commit_date": day})]
    if rec.date < earliest:
        return [((name, index, "date"), "change.record_backdated",
                 {"date": rec.date, "commit_date": day, "days": rules.tolerance.days})]
    return []

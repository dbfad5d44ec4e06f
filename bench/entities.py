"""Entities: the synthetic ledger as data, before any file is written.

A plan holds every unit, round, item, action, evaluation and bulletin of one year (2023), and the
dated events that build each file up: an item is opened, reported on, supervised, its measures are
done, it is submitted, verified (sometimes returned first), cleared and looked back on. The final
ledger is every event applied; the git history applies them a commit at a time. Events after
``END`` are dropped, so late rounds are still in progress when the year ends, as in a real ledger.
Everything derives from one seeded ``random.Random`` (``Context``); nothing depends on hash order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any


START = dt.date(2023, 1, 3)   # the first commit
END = dt.date(2023, 12, 29)   # no record is dated later
DAY = dt.timedelta(days=1)
RECORD_LISTS = ("reports", "supervision", "submissions", "verifications", "lookbacks", "mechanisms")


@dataclass(frozen=True)
class Scale:
    name: str
    items: int
    rounds: int
    units: int
    commits: int      # first-parent commits of main in the generated history


SCALES = {"small": Scale("small", 450, 3, 20, 1_500),     # for tests: above every parallel threshold
          "county": Scale("county", 1_000, 10, 50, 20_000),
          "city": Scale("city", 10_000, 60, 400, 200_000)}


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass
class Unit:
    id: str
    name: str
    category: str
    supervisor: str
    head: str
    liaison: Person     # reports, submits and commits for the unit
    inspector: Person   # the supervising body's member who records supervision


@dataclass
class Round:
    id: str
    name: str
    level: str
    kind: str
    feedback_date: dt.date
    deadline: dt.date
    aspects: list[str]
    units: list[str]
    feedback: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, aspect, unit, text


@dataclass(slots=True)
class Event:
    """One dated change to one file; a commit applies one or a few of them."""
    date: dt.date
    author: Person
    path: str                 # repository-relative path of the file it changes
    kind: str                 # open, report, supervision, measure, submit, verify, clear, ...
    seq: int
    subject: str = ""         # what the commit message names (an item id, a file stem)
    record: str = ""          # the list that grows by one record
    status: str = ""          # the item's status after the event, when it changes
    measure: int = -1         # the measure marked done


@dataclass
class Item:
    id: str
    round: str
    unit: str
    feedback: list[str]
    aspect: str
    title: str
    problem: str
    scope: str
    tags: list[str]
    term: str
    opened: dt.date
    due: dt.date
    leader: str
    department: str
    measures: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in RECORD_LISTS})
    withdrawal: dict[str, Any] | None = None
    internal_note: str | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"ledger/issues/{self.round}/{self.id}.yaml"


@dataclass
class Plan:
    scale: Scale
    seed: int
    director: Person
    staff: list[Person]
    units: list[Unit]
    rounds: list[Round]
    items: list[Item]
    actions: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    bulletins: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)   # file-level events (settings, rounds, actions …)


class Context:
    """The random source and the event counter shared by every planning step."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.seq = 0

    def event(self, date: dt.date, author: Person, path: str, kind: str, **kw: Any) -> Event:
        self.seq += 1
        return Event(date, author, path, kind, self.seq, **kw)

    def between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + DAY * self.rng.randint(0, max(0, (b - a).days))


def weekdays(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + DAY * i for i in range((b - a).days + 1) if (a + DAY * i).weekday() < 5]



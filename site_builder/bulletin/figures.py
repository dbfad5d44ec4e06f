"""Bulletin figures: the sections of one week's bulletin (每周情况通报), computed from the as-of
ledger by ``metrics`` with ``as_of`` = the week's Sunday — this week's changes, overdue and due-soon
items, units that did not report, supervision and actions, the ranking, and the units that get a
reminder letter (提醒函). ``bulletin`` decides which ledger and which transitions a week reads and
hands them to ``WeekFigures``; the section rules are these:

- **Changes**: opened (the item file first appears), submitted (status becomes submitted), returned
  (a verification with result ``returned`` was added by a commit in the week), cleared (status
  becomes cleared), reopened (cleared → in_progress, a relapse found by a look-back).
- **Did not report**: units with owing items (open or in progress) at the end of the week and no
  progress report dated inside the week.
- **Lagging units** (reminder letters, 提醒函): in some round the unit's completion rate is behind
  that round's time progress by more than ``lag_margin`` points; or it has a red item (overdue, or a
  measure overdue); or it has owing items and no report for more than ``silent_days`` days.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from site_builder import metrics
from site_builder.history.timeline import Transition
from site_builder.ledger.load import Ledger
from site_builder.ledger.models import ActionKind, Item, Method, Status, Thresholds


@dataclass(frozen=True)
class RoundLine:
    """Overall progress of one round at the end of the week (from ``metrics.round_metrics``)."""
    round_id: str
    name: str
    feedback_date: dt.date
    deadline: dt.date
    total: int
    cleared: int
    active: int
    withdrawn: int
    completion_rate: float
    measure_rate: float
    time_progress: float
    task_progress: float
    on_track: bool
    half_and_half: bool
    lagging_by: float
    overdue_items: int
    red: int
    yellow: int
    green: int


@dataclass(frozen=True)
class ItemRef:
    """An item named in the bulletin, with what the section says about it."""
    item: str
    title: str
    unit: str
    unit_name: str
    round: str
    date: dt.date | None = None      # the change's day, the due date, …
    detail: str = ""                 # a measure's id and text, a verification's note, …
    days: int | None = None          # days overdue, days left


@dataclass(frozen=True)
class Changes:
    """This week's changes, each a list of distinct items in the order they happened."""
    opened: tuple[ItemRef, ...] = ()
    submitted: tuple[ItemRef, ...] = ()
    returned: tuple[ItemRef, ...] = ()
    cleared: tuple[ItemRef, ...] = ()
    reopened: tuple[ItemRef, ...] = ()

    KINDS = ("opened", "submitted", "returned", "cleared", "reopened")

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in self.KINDS}


@dataclass(frozen=True)
class SilentUnit:
    unit: str
    name: str
    owing: int                       # items open or in progress
    last_report: dt.date | None
    days: int | None                 # days since the last report, as of Sunday


@dataclass(frozen=True)
class ActionLine:
    id: str
    kind: str
    date: dt.date
    title: str
    units: tuple[str, ...]           # unit names
    to: str | None


@dataclass(frozen=True)
class RankLine:
    rank: int
    unit: str
    name: str
    total: int
    cleared: int
    completion_rate: float
    proposed_score: float
    final_score: float | None


@dataclass(frozen=True)
class LagReason:
    kind: str                        # behind | overdue | silent
    round_id: str = ""
    round_name: str = ""
    completion: float = 0.0
    time_progress: float = 0.0
    gap: float = 0.0
    items: tuple[str, ...] = ()
    days: int | None = None
    last_report: dt.date | None = None


@dataclass(frozen=True)
class LaggingUnit:
    """A unit that gets a reminder-letter draft (提醒函), with every reason that applies."""
    unit: str
    name: str
    reasons: tuple[LagReason, ...]
    overdue: tuple[ItemRef, ...]     # its red items and measures



class WeekFigures:
    """The figures of one week, from the as-of ledger (and the ledger at the week's start)."""

    def __init__(self, ledger: Ledger, shown: Ledger, before: Ledger, monday: dt.date, sunday: dt.date,
                 tz: dt.tzinfo):
        self.ledger, self.shown, self.before = ledger, shown, before
        self.monday, self.sunday, self.tz = monday, sunday, tz
        self.by_unit: dict[str, list] = {}
        for item in ledger.items.values():
            self.by_unit.setdefault(item.unit, []).append(item)
        self.rounds_open = [rid for rid, r in ledger.rounds.items() if r.feedback_date <= sunday]
        self._unit_metrics: dict[tuple[str, str | None], metrics.UnitMetrics] = {}

    # ------------------------------------------------------------ helpers

    def in_week(self, day: dt.date) -> bool:
        return self.monday <= day <= self.sunday

    def unit_name(self, uid: str) -> str:
        unit = self.shown.units.get(uid)
        return unit.name if unit else uid

    def ref(self, iid: str, **kw) -> ItemRef:
        item = self.shown.items.get(iid) or self.ledger.items.get(iid)
        if item is None:
            return ItemRef(iid, "", "", "", "", **kw)
        return ItemRef(iid, item.title, item.unit, self.unit_name(item.unit), item.round, **kw)

    def unit_metrics(self, uid: str, round_id: str | None = None) -> metrics.UnitMetrics:
        key = (uid, round_id)
        if key not in self._unit_metrics:
            view = replace(self.ledger, items={i.id: i for i in self.by_unit.get(uid, [])})
            self._unit_metrics[key] = metrics.unit_metrics(view, uid, self.sunday, round_id)
        return self._unit_metrics[key]

    def late_item(self, item: Item) -> list[ItemRef]:
        """The item itself when it is overdue (at most one reference)."""
        if not metrics.item_overdue(item, self.sunday):
            return []
        return [self.ref(item.id, date=item.due, days=(self.sunday - item.due).days)]

    def late_measures(self, item: Item) -> list[ItemRef]:
        """The item's overdue measures, each with its text as the audience may read it."""
        shown = self.shown.items.get(item.id, item)
        out = []
        for m in metrics.overdue_measures(item, self.sunday):
            text = next((x.text for x in shown.measures if x.id == m.id), m.text)
            out.append(self.ref(item.id, date=m.due, detail=f"{m.id} {text}", days=(self.sunday - m.due).days))
        return out

    # ------------------------------------------------------------ sections

    def rounds(self) -> tuple[RoundLine, ...]:
        out = []
        for rid in self.rounds_open:
            m = metrics.round_metrics(self.ledger, rid, self.sunday)
            p = m.progress
            out.append(RoundLine(rid, self.shown.rounds[rid].name, m.round.feedback_date, m.round.deadline,
                                 p.total, p.cleared, p.active, p.withdrawn, p.completion_rate, p.measure_rate,
                                 m.time_progress, m.task_progress, m.on_track, m.half_and_half, m.lagging_by,
                                 p.overdue_items, p.red, p.yellow, p.green))
        return tuple(out)

    def changes(self, moves: list[Transition]) -> Changes:
        found: dict[str, dict[str, ItemRef]] = {k: {} for k in Changes.KINDS}

        def add(kind: str, iid: str, when: dt.datetime, detail: str = "") -> None:
            if iid not in found[kind]:
                found[kind][iid] = self.ref(iid, date=when.astimezone(self.tz).date(), detail=detail)

        for tr in moves:
            when = tr.commit.committed
            if tr.after is None:
                continue
            if tr.before is None:
                add("opened", tr.item, when)
            if tr.after == Status.submitted.value and tr.before != Status.submitted.value:
                add("submitted", tr.item, when)
            if tr.after == Status.cleared.value and tr.before != Status.cleared.value:
                add("cleared", tr.item, when)
            if tr.before == Status.cleared.value and tr.after == Status.in_progress.value:
                add("reopened", tr.item, when)
        # returned: verifications with result "returned" present at the end of the week and not at its start
        returned = []
        for iid, item in self.ledger.items.items():
            old = self.before.items.get(iid)
            start = len(old.verifications) if old else 0
            shown = self.shown.items.get(iid, item)
            for k, v in enumerate(item.verifications[start:], start=start):
                if v.result.value == "returned":
                    note = shown.verifications[k].note if k < len(shown.verifications) else None
                    returned.append((v.date, iid, note or ""))
        for day, iid, note in sorted(returned, key=lambda r: (r[0], r[1])):
            if iid not in found["returned"]:
                found["returned"][iid] = self.ref(iid, date=day, detail=note)
        return Changes(**{k: tuple(v.values()) for k, v in found.items()})

    def overdue_items(self) -> tuple[ItemRef, ...]:
        return tuple(ref for item in self.ledger.items.values() for ref in self.late_item(item))

    def overdue_measures(self) -> tuple[ItemRef, ...]:
        return tuple(ref for item in self.ledger.items.values() for ref in self.late_measures(item))

    def due_soon(self, days: int) -> tuple[ItemRef, ...]:
        out = []
        for iid, item in self.ledger.items.items():
            if metrics.warning_colour(item, self.sunday, days) != "yellow":
                continue
            pending = [m.due for m in item.measures if m.done is None]
            if item.status in metrics.OWING:
                pending.append(item.due)
            nxt = min(d for d in pending if 0 <= (d - self.sunday).days <= days)
            out.append(self.ref(iid, date=nxt, days=(nxt - self.sunday).days))
        return tuple(out)

    def silent(self, silent_days: int) -> tuple[SilentUnit, ...]:
        """Units that did not report (未报告): owing items and no report for more than ``silent_days``
        days as of Sunday — the one definition, shared with the lagging units' "silent" reason and
        the site's alerts."""
        out = []
        for uid in self.ledger.units:
            items = self.by_unit.get(uid, [])
            owing = [i for i in items if i.status in metrics.OWING]
            if not owing or not self._silent(uid, items, silent_days):
                continue
            last = metrics.last_report(items, self.sunday)
            out.append(SilentUnit(uid, self.unit_name(uid), len(owing), last,
                                  (self.sunday - last).days if last else None))
        return tuple(out)

    def _silent(self, uid: str, items: list, silent_days: int) -> bool:
        um = self.unit_metrics(uid)
        owing = any(i.status in metrics.OWING for i in items)
        return owing and (um.days_since_report is None or um.days_since_report > silent_days)

    def supervision(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(s.method.value for i in self.ledger.items.values() for s in i.supervision
                         if self.in_week(s.date))
        return tuple((m.value, counts.get(m.value, 0)) for m in Method)

    def action_counts(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(a.kind.value for a in metrics.in_force(self.ledger.actions, self.sunday)
                         if self.in_week(a.date))
        return tuple((k.value, counts.get(k.value, 0)) for k in ActionKind)

    def actions(self) -> tuple[ActionLine, ...]:
        rows = [ActionLine(a.id, a.kind.value, a.date, a.title, tuple(self.unit_name(u) for u in a.units), a.to)
                for a in metrics.in_force(self.shown.actions, self.sunday) if self.in_week(a.date)]
        return tuple(sorted(rows, key=lambda a: (a.date, a.id)))

    def ranking(self) -> tuple[RankLine, ...]:
        order = {uid: k for k, uid in enumerate(self.ledger.units)}
        rows = []
        for uid in self.ledger.units:
            m = self.unit_metrics(uid)
            if not m.progress.total:
                continue
            rows.append((m, uid))
        rows.sort(key=lambda r: (-r[0].progress.completion_rate, -r[0].proposed_score, order[r[1]]))
        return tuple(RankLine(k, uid, self.unit_name(uid), m.progress.total, m.progress.cleared,
                              m.progress.completion_rate, m.proposed_score, m.final_score)
                     for k, (m, uid) in enumerate(rows, start=1))

    def lagging(self, th: Thresholds, rounds: tuple[RoundLine, ...]) -> tuple[LaggingUnit, ...]:
        out = []
        time_of = {r.round_id: r for r in rounds}
        for uid in self.ledger.units:
            items = self.by_unit.get(uid, [])
            if not items:
                continue
            reasons: list[LagReason] = []
            for rid in self.rounds_open:
                if not any(i.round == rid for i in items):
                    continue
                p = self.unit_metrics(uid, rid).progress
                if p.total == p.withdrawn:
                    continue
                tp = time_of[rid].time_progress
                # in Decimal: in floats 50.0 - 33.3 is 16.700000000000003, over a margin of 16.7
                gap = float(Decimal(str(tp)) - Decimal(str(p.completion_rate)))
                if gap > th.lag_margin:
                    reasons.append(LagReason("behind", rid, time_of[rid].name, p.completion_rate, tp, gap))
            overdue = [ref for item in items for ref in self.late_item(item) + self.late_measures(item)]
            if overdue:
                ids = tuple(dict.fromkeys(r.item for r in overdue))
                reasons.append(LagReason("overdue", items=ids))
            um = self.unit_metrics(uid)
            if self._silent(uid, items, th.silent_days):
                reasons.append(LagReason("silent", days=um.days_since_report, last_report=um.last_report))
            if reasons:
                out.append(LaggingUnit(uid, self.unit_name(uid), tuple(reasons), tuple(overdue)))
        return tuple(out)

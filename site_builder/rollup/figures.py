"""Roll-up stage, figures: one member's numbers, computed by ``metrics`` from its own ledger as of the
roll-up's date, and the sums across members.

A ``MemberFigures`` is plain data (it is pickled into the roll-up's cache and sent back from worker
processes). A member that is a roll-up itself carries its members as ``children`` and its numbers
are their sums. Only members read and validated (``state`` ``ok``, or ``stale`` with an old commit
that still reads) count in sums; the others are listed with why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from site_builder import metrics
from site_builder.ledger.load import Ledger

#: the per-member counts that add up across members
COUNTS = ("items", "withdrawn", "cleared", "active", "overdue_items", "overdue_measures", "red", "yellow", "green",
          "measures_total", "measures_done", "silent_units")


@dataclass(frozen=True)
class RoundFigures:
    """One round of one member (or of a member of a member)."""
    member: str
    id: str
    name: str
    level: str
    kind: str
    items: int
    withdrawn: int
    cleared: int
    completion: float
    time_progress: float
    lagging_by: float
    on_track: bool


@dataclass(frozen=True)
class MemberFigures:
    id: str
    name: str
    level: str
    site: str | None
    commit: str | None
    state: str                      # ok, stale (fetch failed, older commit read), invalid, missing
    reason: str = ""                # message code of why not ok
    reason_params: tuple = ()
    errors: int = 0                 # validation problems of an invalid member
    organisation: str = ""
    items: int = 0
    withdrawn: int = 0
    cleared: int = 0
    active: int = 0
    overdue_items: int = 0
    overdue_measures: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    measures_total: int = 0
    measures_done: int = 0
    silent_units: int = 0
    last_report: dt.date | None = None
    actions: dict = field(default_factory=dict)
    rounds: tuple[RoundFigures, ...] = ()
    tags: tuple[tuple[str, str, int], ...] = ()      # (tag, round id, items)
    aspects: tuple[tuple[str, str, int], ...] = ()   # (aspect, round id, items)
    lag_margin: float = 10.0
    silent_days: int = 3
    children: tuple["MemberFigures", ...] = ()

    @property
    def counted(self) -> bool:
        """Whether its numbers are in the sums: read and validated (an old commit for a stale one)."""
        return self.state in ("ok", "stale") and self.commit is not None and not self.errors

    @property
    def completion(self) -> float:
        return metrics.percent(self.cleared, self.items - self.withdrawn)

    def days_since_report(self, as_of: dt.date) -> int | None:
        return (as_of - self.last_report).days if self.last_report else None

    @property
    def time_progress(self) -> float:
        """The time progress of its rounds, weighted by their items (a member's rounds differ)."""
        weights = [(r.time_progress, r.items - r.withdrawn) for r in self.rounds if r.items - r.withdrawn]
        total = sum(w for _, w in weights)
        return round(sum(t * w for t, w in weights) / total, 1) if total else 0.0

    def lagging_rounds(self) -> list[RoundFigures]:
        return [r for r in self.rounds if r.lagging_by > self.lag_margin]


def member_figures(ledger: Ledger, as_of: dt.date, **identity) -> MemberFigures:
    """A member's figures from its own (validated, for a public roll-up redacted) ledger."""
    items = list(ledger.items.values())
    due_soon = ledger.settings.thresholds.due_soon_days if ledger.settings else 7
    prog = metrics.progress(items, as_of, due_soon)
    rounds = []
    for rid, rnd in ledger.rounds.items():
        rm = metrics.round_metrics(ledger, rid, as_of)
        rounds.append(RoundFigures(identity["id"], rid, rnd.name, rnd.level.value, rnd.kind.value,
                                   rm.progress.total, rm.progress.withdrawn, rm.progress.cleared,
                                   rm.progress.completion_rate, rm.time_progress, rm.lagging_by, rm.on_track))
    tags, aspects = Counter(), Counter()
    for item in items:
        if item.status.value == "withdrawn":
            continue
        for tag in dict.fromkeys(item.tags):
            tags[(tag, item.round)] += 1
        if item.aspect:
            aspects[(item.aspect, item.round)] += 1
    thresholds = ledger.settings.thresholds if ledger.settings else None
    return MemberFigures(
        **identity, state="ok", organisation=ledger.settings.organisation if ledger.settings else "",
        items=prog.total, withdrawn=prog.withdrawn, cleared=prog.cleared, active=prog.active,
        overdue_items=prog.overdue_items, overdue_measures=prog.overdue_measures,
        red=prog.red, yellow=prog.yellow, green=prog.green,
        measures_total=prog.measures_total, measures_done=prog.measures_done,
        silent_units=len(metrics.silent_units(ledger, as_of)),
        last_report=metrics.last_report(items, as_of),
        actions=metrics.action_totals(ledger, as_of),
        rounds=tuple(rounds),
        tags=tuple(sorted((t, r, n) for (t, r), n in tags.items())),
        aspects=tuple(sorted((a, r, n) for (a, r), n in aspects.items())),
        lag_margin=thresholds.lag_margin if thresholds else 10.0,
        silent_days=thresholds.silent_days if thresholds else 3)


def summed(parent: MemberFigures, children: list[MemberFigures]) -> MemberFigures:
    """A roll-up member: its children's sums (only of those counted), the children kept for display.
    Rounds, tags and aspects are kept per child (their round ids are the child's)."""
    counted = [c for c in children if c.counted]
    sums = {name: sum(getattr(c, name) for c in counted) for name in COUNTS}
    actions: Counter = Counter()
    for c in counted:
        actions.update(c.actions)
    reports = [c.last_report for c in counted if c.last_report]
    return replace(parent, **sums, actions=dict(sorted(actions.items())), last_report=max(reports) if reports else None,
                   rounds=tuple(r for c in counted for r in c.rounds),
                   tags=tuple((t, f"{c.id}/{r}", n) for c in counted for t, r, n in c.tags),
                   aspects=tuple((a, f"{c.id}/{r}", n) for c in counted for a, r, n in c.aspects),
                   children=tuple(children))


# ---------------------------------------------------------------- across members

@dataclass(frozen=True)
class Totals:
    members: int
    items: int
    withdrawn: int
    cleared: int
    overdue_items: int
    overdue_measures: int
    red: int
    yellow: int
    green: int

    @property
    def completion(self) -> float:
        return metrics.percent(self.cleared, self.items - self.withdrawn)


def totals(members: list[MemberFigures]) -> Totals:
    counted = [m for m in members if m.counted]
    return Totals(len(counted), *(sum(getattr(m, n) for m in counted) for n in
                                  ("items", "withdrawn", "cleared", "overdue_items", "overdue_measures",
                                   "red", "yellow", "green")))


def action_totals(members: list[MemberFigures]) -> dict[str, int]:
    """Actions by kind (talks, letters, suspensions, …) and mechanisms, summed over counted members."""
    out: Counter = Counter()
    for m in members:
        if m.counted:
            out.update(m.actions)
    return dict(sorted(out.items()))


def totals_by_level(members: list[MemberFigures]) -> dict[str, Totals]:
    """Sums per member level (county, city): a province's cities and its directly read counties apart."""
    groups: dict[str, list] = defaultdict(list)
    for m in members:
        groups[m.level].append(m)
    return {level: totals(group) for level, group in sorted(groups.items())}


@dataclass(frozen=True)
class KindTotals:
    level: str
    kind: str
    rounds: int
    members: int
    items: int
    withdrawn: int
    cleared: int

    @property
    def completion(self) -> float:
        return metrics.percent(self.cleared, self.items - self.withdrawn)


def totals_by_round_kind(members: list[MemberFigures]) -> list[KindTotals]:
    """Sums per (level, kind) of round across every counted member's rounds."""
    groups: dict[tuple[str, str], list[RoundFigures]] = defaultdict(list)
    for m in members:
        if m.counted:
            for r in m.rounds:
                groups[(r.level, r.kind)].append(r)
    return [KindTotals(level, kind, len(rs), len({r.member for r in rs}), sum(r.items for r in rs),
                       sum(r.withdrawn for r in rs), sum(r.cleared for r in rs))
            for (level, kind), rs in sorted(groups.items())]


@dataclass(frozen=True)
class Shared:
    """A tag or an aspect found across members (共性) or across rounds (每巡每有、常巡常有)."""
    what: str           # "tag" or "aspect"
    name: str
    members: tuple[str, ...]
    rounds: int         # distinct (member, round) pairs
    items: int


def _pairs(members: list[MemberFigures], what: str) -> dict[str, list[tuple[str, str, int]]]:
    found: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for m in members:
        if m.counted:
            for name, rnd, n in getattr(m, what + "s"):
                found[name].append((m.id, rnd, n))
    return found


def common_problems(members: list[MemberFigures]) -> list[Shared]:
    """Tags and aspects found in two members or more, most widespread first."""
    out = []
    for what in ("tag", "aspect"):
        for name, pairs in _pairs(members, what).items():
            ids = tuple(sorted({m for m, _, _ in pairs}))
            if len(ids) >= 2:
                out.append(Shared(what, name, ids, len({(m, r) for m, r, _ in pairs}), sum(n for _, _, n in pairs)))
    return sorted(out, key=lambda s: (-len(s.members), -s.items, s.what, s.name))


def recurring_problems(members: list[MemberFigures]) -> list[Shared]:
    """Tags and aspects found again in a later round of the same member (每巡每有、常巡常有):
    listed with the members where they recur and every round they were found in."""
    out = []
    for what in ("tag", "aspect"):
        for name, pairs in _pairs(members, what).items():
            per_member: dict[str, set] = defaultdict(set)
            for m, r, _ in pairs:
                per_member[m].add(r)
            recurring = tuple(sorted(m for m, rs in per_member.items() if len(rs) >= 2))
            if recurring:
                out.append(Shared(what, name, recurring, sum(len(per_member[m]) for m in recurring),
                                  sum(n for m, _, n in pairs if m in recurring)))
    return sorted(out, key=lambda s: (-s.rounds, -s.items, s.what, s.name))


def ranked(members: list[MemberFigures]) -> list[MemberFigures]:
    """Counted members by completion, then fewer red; the others after, by id."""
    counted = sorted((m for m in members if m.counted), key=lambda m: (-m.completion, m.red, m.id))
    return counted + sorted((m for m in members if not m.counted), key=lambda m: m.id)


def lagging(members: list[MemberFigures], as_of: dt.date) -> list[tuple[MemberFigures, list[str]]]:
    """Members to send a reminder letter (提醒函), with the reasons (message codes): a round whose
    completion lags its time beyond the member's margin, overdue items or measures, units silent
    too long, or data that could not be read."""
    out = []
    for m in members:
        reasons = []
        if not m.counted or m.state == "stale":
            reasons.append("rollup.lag_stale")
        if m.counted:
            if m.lagging_rounds():
                reasons.append("rollup.lag_rounds")
            if m.overdue_items or m.overdue_measures:
                reasons.append("rollup.lag_overdue")
            if m.silent_units:
                reasons.append("rollup.lag_silent")
        if reasons:
            out.append((m, reasons))
    return out

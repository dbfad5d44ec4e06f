"""Bulletin: the weekly bulletin (每周情况通报) of one ISO week, computed from the git history.

A bulletin is built *as of the end of its week*: the ledger is the one of the last main-line
commit made before Monday 00:00 of the following week in the ledger's time zone (``timezone`` in
``ledger.yaml``, Asia/Shanghai by default), and "this week's changes" are the status transitions
of commits made inside the week. Later commits therefore never change a past bulletin: rebuilding
2023-W28 next year gives the figures it gave then. Every figure comes from ``metrics`` with
``as_of`` = the week's Sunday; thresholds (lag margin, silent days, due-soon days) are those of the
settings as they stood at that time.

Rules, in one place:

- **Week** ``YYYY-Www`` is an ISO week: Monday 00:00 to the next Monday 00:00, local time.
- **Issue number** 第N期 counts every ISO week of the (ISO) year, starting at the first week in
  which the ledger existed that year: the week of the ledger's first commit when that fell in the
  year, otherwise week 1 (a ledger kept across New Year restarts at 第1期 in 2024-W01, whether or
  not anything was committed that week). Weeks without commits still count, so the number of a
  week never depends on later commits.
- **Issue date** is the Monday after the week.
- **Changes**: opened (the item file first appears), submitted (status becomes submitted), returned
  (a verification with result ``returned`` was added by a commit in the week), cleared (status
  becomes cleared), reopened (cleared → in_progress, a relapse found by a look-back).
- **Did not report**: units with owing items (open or in progress) at the end of the week and no
  progress report dated inside the week.
- **Lagging units** (reminder letters, 提醒函): in some round the unit's completion rate is behind
  that round's time progress by more than ``lag_margin`` points; or it has a red item (overdue, or a
  measure overdue); or it has owing items and no report for more than ``silent_days`` days.
- **Office notes** (``bulletins/<week>.yaml``) are taken as they stood at the end of the issue day,
  because the office writes them when it issues the bulletin.

The stage is pure: it reads the history, returns a frozen ``Bulletin`` and problems, prints nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import metrics, yamlsafe
from .audience import redact
from .history import Commit, History, Transition
from .load import Ledger, kind_of
from .models import ActionKind, Method, Settings, Status, Thresholds
from .problems import Problem

DEFAULT_TZ = "Asia/Shanghai"
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_TICK = dt.timedelta(microseconds=1)
_NULL = "0" * 40


# ---------------------------------------------------------------- weeks

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


def week_label(day: dt.date) -> str:
    """The ISO week containing ``day``, as ``YYYY-Www``."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def zone(tz: str | dt.tzinfo | None) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    return ZoneInfo(tz or DEFAULT_TZ)


def week_bounds(week: str, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of ``week``: Monday 00:00 and the next Monday 00:00 in ``tz`` (end excluded)."""
    year, number = parse_week(week)
    z = zone(tz)
    monday = dt.date.fromisocalendar(year, number, 1)
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=z)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=z)
    return start, end


def week_of(instant: dt.datetime, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> str:
    """The ISO week an instant falls in, in local time of ``tz`` (a naive instant is local time)."""
    z = zone(tz)
    local = instant.replace(tzinfo=z) if instant.tzinfo is None else instant.astimezone(z)
    return week_label(local.date())


def last_complete_week(now: dt.datetime | dt.date, tz: str | dt.tzinfo | None = DEFAULT_TZ) -> str:
    """The last ISO week that has ended by ``now`` (a date counts as its own start of day)."""
    if isinstance(now, dt.datetime):
        z = zone(tz)
        day = (now.replace(tzinfo=z) if now.tzinfo is None else now.astimezone(z)).date()
    else:
        day = now
    return week_label(day - dt.timedelta(days=day.isoweekday()))


def weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week from ``first`` to ``last``, both included (empty when last < first)."""
    y, w = parse_week(first)
    day = dt.date.fromisocalendar(y, w, 1)
    y, w = parse_week(last)
    stop = dt.date.fromisocalendar(y, w, 1)
    out = []
    while day <= stop:
        out.append(week_label(day))
        day += dt.timedelta(days=7)
    return out


def issue_number(week: str, first_week: str) -> int:
    """第N期 of ``week`` for a ledger whose first commit fell in ``first_week`` (see the module rule)."""
    year, number = parse_week(week)
    first_year, first_number = parse_week(first_week)
    return number - first_number + 1 if first_year == year else number


# ---------------------------------------------------------------- the bulletin's data

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


@dataclass(frozen=True)
class Bulletin:
    week: str
    year: int                        # ISO year of the week
    number: int                      # 第N期
    start: dt.date                   # Monday
    end: dt.date                     # Sunday: figures are as of the end of this day
    issue_date: dt.date              # the Monday after
    timezone: str
    organisation: str
    office: str
    language: str                    # the settings' language at the time
    audience: str
    commit: str                      # the as-of commit
    commit_time: dt.datetime
    commits_in_week: int
    thresholds: Thresholds
    rounds: tuple[RoundLine, ...]
    changes: Changes
    overdue_items: tuple[ItemRef, ...]
    overdue_measures: tuple[ItemRef, ...]
    due_soon: tuple[ItemRef, ...]
    silent: tuple[SilentUnit, ...]
    supervision: tuple[tuple[str, int], ...]      # every method in order, with its count
    supervision_total: int
    actions: tuple[ActionLine, ...]               # as displayed (internal ones left out of a public build)
    action_counts: tuple[tuple[str, int], ...]    # every kind in order, with its count (all actions)
    ranking: tuple[RankLine, ...]
    lagging: tuple[LaggingUnit, ...]
    notes: tuple[str, ...]
    next_steps: tuple[str, ...]

    @property
    def cleared_this_week(self) -> int:
        return len(self.changes.cleared)

    @property
    def overdue_total(self) -> int:
        return len(self.overdue_items)


# ---------------------------------------------------------------- building

def build_bulletin(history: History, week: str, settings: Settings | None = None,
                   audience: str = "internal") -> tuple[Bulletin | None, list[Problem]]:
    """The bulletin of ``week`` from ``history``; (None, problems) when it cannot be built."""
    builder = BulletinBuilder(history, settings, audience)
    if builder.problems:
        return None, builder.problems
    return builder.build(week)


class BulletinBuilder:
    """Builds bulletins of many weeks from one history, sharing as-of ledgers between them."""

    def __init__(self, history: History, settings: Settings | None = None, audience: str = "internal"):
        self.history = history
        self.audience = getattr(audience, "value", audience)
        self.problems: list[Problem] = []
        self._ledgers: dict[str | None, tuple[Ledger, list[Problem]]] = {}
        self._shown: dict[str | None, Ledger] = {}
        self._trees: dict[str, dict[str, str]] = {}     # prefetched trees, by commit
        self._index = {c.sha: i for i, c in enumerate(history.commits)}
        self._paths: dict[str, list[tuple[int, str]]] | None = None
        times = [c.committed for c in history.commits]
        self._times = times if all(a <= b for a, b in zip(times, times[1:])) else None
        transitions = history.transitions or history.compute_transitions()
        flat = [tr for trs in transitions.values() for tr in trs]
        flat.sort(key=lambda tr: (tr.commit.committed, self._index.get(tr.commit.sha, 0)))
        self._moves: list[Transition] = flat
        self._move_times = [tr.commit.committed for tr in flat]
        self.settings = settings
        self.tz_name = DEFAULT_TZ
        self.tz: dt.tzinfo = ZoneInfo(DEFAULT_TZ)
        self._resolve_timezone()

    # ------------------------------------------------------------ reading the past

    def _resolve_timezone(self) -> None:
        name, file, text = None, "", ""
        if self.settings is not None:
            name = self.settings.timezone
        elif self.history.commits:
            file = self.history.ledger_prefix + "ledger.yaml"
            blob = self.blob_at(file, self.history.commits[-1])
            if blob:
                raw = self.history.read_blobs([blob]).get(blob, b"")
                model, _, _ = self.history.cache.get(raw, "settings", file, blob)
                if isinstance(model, Settings):
                    name = model.timezone
                    text = yamlsafe.decode(raw, file)[0] or ""
        if not name:
            return
        try:
            self.tz = ZoneInfo(name)
            self.tz_name = name
        except (ValueError, OSError, KeyError):
            pos = yamlsafe.locate(text, ("timezone",)) if text else None
            self.problems.append(Problem.at(file or self.history.ledger_prefix + "ledger.yaml", pos,
                                            "bulletin.bad_timezone", timezone=name))

    def commit_at(self, instant: dt.datetime) -> Commit | None:
        if self._times is None:
            return self.history.commit_at(instant)
        i = bisect.bisect_right(self._times, instant)
        return self.history.commits[i - 1] if i else None

    def blob_at(self, path: str, commit: Commit | None) -> str | None:
        """The blob of repository path ``path`` at ``commit``, from the changes already read."""
        if commit is None:
            return None
        if self._paths is None:
            self._paths = {}
            watched = (self.history.ledger_prefix + "bulletins/", self.history.ledger_prefix + "ledger.yaml")
            for k, c in enumerate(self.history.commits):
                for ch in c.changes:
                    if ch.path.startswith(watched):
                        self._paths.setdefault(ch.path, []).append((k, ch.new_blob))
        changes = self._paths.get(path, [])
        k = bisect.bisect_right(changes, (self._index[commit.sha], "~"))
        if not k:
            return None
        blob = changes[k - 1][1]
        return None if blob == _NULL else blob

    def ledger(self, commit: Commit | None) -> tuple[Ledger, list[Problem]]:
        """The ledger as of ``commit``. Weeks are built in order and each needs only its own end and
        start (the week before's end), so only the last few are kept."""
        key = commit.sha if commit else None
        if key not in self._ledgers:
            tree = self._trees.pop(key, None) if commit is not None else None
            if commit is None or tree is None:
                ledger, problems = self.history.ledger_at(commit)
            else:
                ledger, problems = self.history.ledger_from_tree(tree, commit.sha)
            self._ledgers[key] = (ledger, [replace(p, commit=key or "") for p in problems])
            while len(self._ledgers) > 3:
                old = next(iter(self._ledgers))
                del self._ledgers[old]
                self._shown.pop(old, None)
        return self._ledgers[key]

    def prefetch(self, weeks: list[str]) -> None:
        """Parse, in one batch (in parallel when there are many), every file version that the as-of
        ledgers of ``weeks`` need and the parse cache has not seen; then forget the models that no
        ledger of these weeks uses, so that a year of weekly ledgers never sits in memory at once."""
        commits: dict[str, Commit] = {}
        for week in weeks:
            try:
                start, end = week_bounds(week, self.tz)
            except WeekError:
                continue
            for instant in (start - _TICK, end - _TICK):
                c = self.commit_at(instant)
                if c is not None and c.sha not in self._ledgers:
                    commits[c.sha] = c
        for sha, c in commits.items():
            if sha not in self._trees:
                self._trees[sha] = self.history.tree(c)
        models = self.history.cache.models
        current: set[str] = {b for tree in self._trees.values() for b in tree.values()}
        for key in [k for k in models if k[0] not in current]:
            del models[key]
        need: dict[tuple[str, str], None] = {}
        for tree in self._trees.values():
            for rel, blob in tree.items():
                kind = kind_of(rel)
                if kind and (blob, kind) not in models:
                    need[(blob, kind)] = None
        contents = self.history.read_blobs(b for b, _ in need)
        self.history.cache.prepare([(contents[b], kind, b) for b, kind in need if b in contents])
        self.history.cache.save()   # write the new parses out now rather than hold them to the end

    def shown(self, commit: Commit | None, ledger: Ledger) -> Ledger:
        if self.audience != "public":
            return ledger
        key = commit.sha if commit else None
        if key not in self._shown:
            self._shown[key] = redact(ledger)
        return self._shown[key]

    def first_week(self) -> str | None:
        if not self.history.commits:
            return None
        return week_of(self.history.commits[0].committed, self.tz)

    def weeks_until(self, as_of: dt.date) -> list[str]:
        """Every week from the ledger's first commit to the last week complete by ``as_of``."""
        first = self.first_week()
        if first is None:
            return []
        return weeks_between(first, last_complete_week(as_of, self.tz))

    # ------------------------------------------------------------ one week

    def build(self, week: str) -> tuple[Bulletin | None, list[Problem]]:
        root = self.history.ledger_prefix.rstrip("/") or "."
        try:
            year, number = parse_week(week)
            start, end = week_bounds(week, self.tz)
        except WeekError as exc:
            return None, [Problem.at(str(week), None, exc.code, **exc.params)]
        first = self.first_week()
        commit = self.commit_at(end - _TICK)
        if commit is None or first is None or parse_week(first) > (year, number):
            return None, [Problem.at(root, None, "bulletin.before_history", week=week, first=first or "—")]
        ledger, problems = self.ledger(commit)
        if problems:
            return None, problems
        if ledger.settings is None:
            return None, [Problem.at(self.history.ledger_prefix + "ledger.yaml", None, "rule.no_settings",
                                     commit=commit.sha)]
        monday, sunday = start.date(), (end - _TICK).date()
        issue = sunday + dt.timedelta(days=1)
        before, _ = self.ledger(self.commit_at(start - _TICK))
        shown = self.shown(commit, ledger)
        settings = ledger.settings
        th = settings.thresholds
        notes, next_steps, note_problems = self.notes(week, issue)
        if note_problems:
            return None, note_problems

        ctx = _Week(ledger, shown, before, monday, sunday, self.tz)
        moves = self._moves[bisect.bisect_left(self._move_times, start):bisect.bisect_left(self._move_times, end)]
        rounds = ctx.rounds()
        i, j = bisect.bisect_left(self._times or [], start), bisect.bisect_left(self._times or [], end)
        commits_in_week = (j - i) if self._times is not None else sum(
            1 for c in self.history.commits if start <= c.committed < end)
        return Bulletin(
            week=week, year=year, number=issue_number(week, first), start=monday, end=sunday, issue_date=issue,
            timezone=self.tz_name, organisation=settings.organisation, office=settings.office, language=settings.language,
            audience=self.audience, commit=commit.sha, commit_time=commit.committed,
            commits_in_week=commits_in_week, thresholds=th, rounds=rounds,
            changes=ctx.changes(moves), overdue_items=ctx.overdue_items(), overdue_measures=ctx.overdue_measures(),
            due_soon=ctx.due_soon(th.due_soon_days), silent=ctx.silent(), supervision=ctx.supervision(),
            supervision_total=sum(n for _, n in ctx.supervision()), actions=ctx.actions(),
            action_counts=ctx.action_counts(), ranking=ctx.ranking(), lagging=ctx.lagging(th, rounds),
            notes=notes, next_steps=next_steps), []

    def issue_end(self, issue: dt.date) -> dt.datetime:
        """The last instant of the issue day: the office's notes are read as they stood then."""
        return dt.datetime.combine(issue + dt.timedelta(days=1), dt.time(0), tzinfo=self.tz) - _TICK

    def fingerprint(self, week: str, extra: str = "") -> str | None:
        """A key that changes whenever the bulletin of ``week`` could: the commit at the end of its
        issue day (whose first-parent ancestry is every commit the bulletin reads), the ledger's
        first commit, the time zone, the audience and the ledger's place in the repository."""
        try:
            _, end = week_bounds(week, self.tz)
        except WeekError:
            return None
        commit = self.commit_at(self.issue_end(end.date()))
        if commit is None:
            return None
        text = "|".join((week, commit.sha, self.history.commits[0].sha, self.tz_name, self.audience,
                         self.history.ledger_prefix, extra))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def notes(self, week: str, issue: dt.date) -> tuple[tuple[str, ...], tuple[str, ...], list[Problem]]:
        """The office's notes for ``week`` as they stood at the end of the issue day."""
        commit = self.commit_at(self.issue_end(issue))
        path = f"{self.history.ledger_prefix}bulletins/{week}.yaml"
        blob = self.blob_at(path, commit)
        if blob is None:
            return (), (), []
        raw = self.history.read_blobs([blob]).get(blob, b"")
        model, problems, _ = self.history.cache.get(raw, "bulletin", path, blob)
        if problems or model is None:
            return (), (), [replace(p, commit=commit.sha) for p in problems]
        return tuple(model.paragraphs), tuple(model.next_steps), []


class _Week:
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
        return tuple(self.ref(iid, date=i.due, days=(self.sunday - i.due).days)
                     for iid, i in self.ledger.items.items() if metrics.item_overdue(i, self.sunday))

    def overdue_measures(self) -> tuple[ItemRef, ...]:
        out = []
        for iid, item in self.ledger.items.items():
            shown = self.shown.items.get(iid, item)
            for m in metrics.overdue_measures(item, self.sunday):
                text = next((x.text for x in shown.measures if x.id == m.id), m.text)
                out.append(self.ref(iid, date=m.due, detail=f"{m.id} {text}", days=(self.sunday - m.due).days))
        return tuple(out)

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

    def silent(self) -> tuple[SilentUnit, ...]:
        out = []
        for uid in self.ledger.units:
            items = self.by_unit.get(uid, [])
            owing = [i for i in items if i.status in metrics.OWING]
            if not owing or any(self.in_week(r.date) for i in items for r in i.reports):
                continue
            last = metrics.last_report(items, self.sunday)
            out.append(SilentUnit(uid, self.unit_name(uid), len(owing), last,
                                  (self.sunday - last).days if last else None))
        return tuple(out)

    def supervision(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(s.method.value for i in self.ledger.items.values() for s in i.supervision
                         if self.in_week(s.date))
        return tuple((m.value, counts.get(m.value, 0)) for m in Method)

    def action_counts(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(a.kind.value for a in self.ledger.actions if self.in_week(a.date))
        return tuple((k.value, counts.get(k.value, 0)) for k in ActionKind)

    def actions(self) -> tuple[ActionLine, ...]:
        rows = [ActionLine(a.id, a.kind.value, a.date, a.title, tuple(self.unit_name(u) for u in a.units), a.to)
                for a in self.shown.actions if self.in_week(a.date)]
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
                gap = float(Decimal(str(tp)) - Decimal(str(p.completion_rate)))
                if gap > th.lag_margin:
                    reasons.append(LagReason("behind", rid, time_of[rid].name, p.completion_rate, tp, gap))
            overdue = []
            for item in items:
                if metrics.item_overdue(item, self.sunday):
                    overdue.append(self.ref(item.id, date=item.due, days=(self.sunday - item.due).days))
                shown = self.shown.items.get(item.id, item)
                for m in metrics.overdue_measures(item, self.sunday):
                    text = next((x.text for x in shown.measures if x.id == m.id), m.text)
                    overdue.append(self.ref(item.id, date=m.due, detail=f"{m.id} {text}",
                                            days=(self.sunday - m.due).days))
            if overdue:
                ids = tuple(dict.fromkeys(r.item for r in overdue))
                reasons.append(LagReason("overdue", items=ids))
            um = self.unit_metrics(uid)
            owing = any(i.status in metrics.OWING for i in items)
            if owing and (um.days_since_report is None or um.days_since_report > th.silent_days):
                reasons.append(LagReason("silent", days=um.days_since_report, last_report=um.last_report))
            if reasons:
                out.append(LaggingUnit(uid, self.unit_name(uid), tuple(reasons), tuple(overdue)))
        return tuple(out)

"""Bulletin: the weekly bulletin (每周情况通报) of one ISO week, computed from the git history.

A bulletin is built *as of the end of its week*: the ledger is the one of the last main-line
commit made before Monday 00:00 of the following week in the ledger's time zone (``timezone`` in
``ledger.yaml``, Asia/Shanghai by default), and "this week's changes" are the status transitions
of commits made inside the week. Later commits therefore never change a past bulletin: rebuilding
2023-W28 next year gives the figures it gave then. Every figure comes from ``metrics`` with
``as_of`` = the week's Sunday (the sections and their rules are in ``bulletin.figures``);
thresholds (lag margin, silent days, due-soon days) are those of the settings as they stood at
that time.

Rules, in one place (the calendar arithmetic is in ``bulletin.weeks``):

- **Week** ``YYYY-Www`` is an ISO week: Monday 00:00 to the next Monday 00:00, local time.
- **Issue number** 第N期 counts every ISO week of the (ISO) year, starting at the first week in
  which the ledger existed that year: the week of the ledger's first commit when that fell in the
  year, otherwise week 1 (a ledger kept across New Year restarts at 第1期 in 2024-W01, whether or
  not anything was committed that week). Weeks without commits still count, so the number of a
  week never depends on later commits.
- **Issue date** is the Monday after the week.
- **Office notes** (``bulletins/<week>.yaml``) are taken as they stood at the end of the issue day,
  because the office writes them when it issues the bulletin.

The stage is pure: it reads the history, returns a frozen ``Bulletin`` and problems, prints nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from site_builder.ledger import yamlsafe
from site_builder.ledger.audience import Redaction
from site_builder.bulletin.figures import (ActionLine, Changes, ItemRef, LaggingUnit, RankLine, RoundLine, SilentUnit,
                               WeekFigures)
from site_builder.bulletin.weeks import (DEFAULT_TZ, WeekError, issue_number, last_complete_week, midnight, parse_week,
                             week_bounds, week_of, weeks_between)
from site_builder.ledger.filecheck import kind_of
from site_builder.history.timeline import Commit, History, Transition, _NULL
from site_builder.ledger.load import Ledger
from site_builder.ledger.models import Settings, Thresholds
from site_builder.core.problems import Problem

_TICK = dt.timedelta(microseconds=1)


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

    def __init__(self, history: History, settings: Settings | None = None, audience: str = "internal",
                 redaction: Redaction | None = None):
        self.history = history
        self.audience = getattr(audience, "value", audience)
        # what a public bulletin keeps back is decided by the build's ledger (today's), never by the
        # week's own: a tag or an action marked internal later must vanish from past weeks too
        self._redaction = redaction
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
                raw, model, _ = self._parse(blob, "settings", file)
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

    def _parse(self, blob: str, kind: str, path: str) -> tuple[bytes, Any, list[Problem]]:
        """(bytes, model, problems) of one file version, through the history's parse cache."""
        raw = self.history.read_blobs([blob]).get(blob, b"")
        model, problems, _ = self.history.cache.get(raw, kind, path, blob)
        return raw, model, problems

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
        need: dict[tuple[str, str], str] = {}
        for tree in self._trees.values():
            for rel, blob in tree.items():
                kind = kind_of(rel)
                if kind and (blob, kind) not in models:
                    need.setdefault((blob, kind), rel)
        contents = self.history.read_blobs(b for b, _ in need)
        # a file's versions one after another (in time, within a path), so that each is read by
        # pieces from the version before
        order = sorted(need, key=lambda bk: need[bk])
        self.history.cache.prepare([(contents[b], kind, b) for b, kind in order if b in contents], pieces=True)
        self.history.cache.save()   # write the new parses out now rather than hold them to the end

    def shown(self, commit: Commit | None, ledger: Ledger) -> Ledger:
        if self.audience != "public":
            return ledger
        key = commit.sha if commit else None
        if key not in self._shown:
            self._shown[key] = self.redaction.apply(ledger)
        return self._shown[key]

    @property
    def redaction(self) -> Redaction:
        """The build's redaction; without one given, that of the ledger at the last commit read."""
        if self._redaction is None:
            last = self.history.commits[-1] if self.history.commits else None
            self._redaction = Redaction.of(self.ledger(last)[0])
        return self._redaction

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

        ctx = WeekFigures(ledger, shown, before, monday, sunday, self.tz)
        moves = self.moves_between(start, end)
        rounds, supervision = ctx.rounds(), ctx.supervision()
        i, j = bisect.bisect_left(self._times or [], start), bisect.bisect_left(self._times or [], end)
        commits_in_week = (j - i) if self._times is not None else sum(
            1 for c in self.history.commits if start <= c.committed < end)
        return Bulletin(
            week=week, year=year, number=issue_number(week, first), start=monday, end=sunday, issue_date=issue,
            timezone=self.tz_name, organisation=settings.organisation, office=settings.office, language=settings.language,
            audience=self.audience, commit=commit.sha, commit_time=commit.committed,
            commits_in_week=commits_in_week, thresholds=th, rounds=rounds,
            changes=ctx.changes(moves), overdue_items=ctx.overdue_items(), overdue_measures=ctx.overdue_measures(),
            due_soon=ctx.due_soon(th.due_soon_days), silent=ctx.silent(th.silent_days), supervision=supervision,
            supervision_total=sum(n for _, n in supervision), actions=ctx.actions(),
            action_counts=ctx.action_counts(), ranking=ctx.ranking(), lagging=ctx.lagging(th, rounds),
            notes=notes, next_steps=next_steps), []

    def changes_so_far(self, day: dt.date) -> tuple[Changes | None, dt.date]:
        """This week's changes from its Monday to the end of ``day`` (local time), by the rules of a
        week's bulletin, and the Monday: the site's overview shows the week that is not over yet.
        None when the ledger of that time does not load (the site then leaves the block out)."""
        monday = day - dt.timedelta(days=day.weekday())
        start, end = midnight(monday, self.tz), midnight(day + dt.timedelta(days=1), self.tz)
        commit = self.commit_at(end - _TICK)
        if commit is None:
            return Changes(), monday
        ledger, problems = self.ledger(commit)
        if problems:
            return None, monday
        before, _ = self.ledger(self.commit_at(start - _TICK))
        ctx = WeekFigures(ledger, self.shown(commit, ledger), before, monday, day, self.tz)
        return ctx.changes(self.moves_between(start, end)), monday

    def moves_between(self, start: dt.datetime, end: dt.datetime) -> list[Transition]:
        """Status transitions of the commits made from ``start`` up to (not including) ``end``."""
        return self._moves[bisect.bisect_left(self._move_times, start):bisect.bisect_left(self._move_times, end)]

    def issue_end(self, issue: dt.date) -> dt.datetime:
        """The last instant of the issue day: the office's notes are read as they stood then."""
        return midnight(issue + dt.timedelta(days=1), self.tz) - _TICK

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
        kept_back = self.redaction.key() if self.audience == "public" else ""
        text = "|".join((week, commit.sha, self.history.commits[0].sha, self.tz_name, self.audience, kept_back,
                         self.history.ledger_prefix, extra))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def notes(self, week: str, issue: dt.date) -> tuple[tuple[str, ...], tuple[str, ...], list[Problem]]:
        """The office's notes for ``week`` as they stood at the end of the issue day."""
        commit = self.commit_at(self.issue_end(issue))
        path = f"{self.history.ledger_prefix}bulletins/{week}.yaml"
        blob = self.blob_at(path, commit)
        if blob is None:
            return (), (), []
        _, model, problems = self._parse(blob, "bulletin", path)
        if problems or model is None:
            return (), (), [replace(p, commit=commit.sha) for p in problems]
        return tuple(model.paragraphs), tuple(model.next_steps), []


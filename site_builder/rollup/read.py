"""Roll-up stage, reading members: each member's ledger at its locked commit, out of its bare copy,
validated, redacted by the member's own settings for a public roll-up, and turned into figures.

Figures are cached by (member, source, commit, as-of date, audience) in the roll-up's cache store,
which is emptied whenever the code changes; so a build after one member moved reads that member
only. Members not in the cache are read in parallel through ``core.runner``. A member that cannot
be read (never locked, its locked commit gone, its ledger invalid) comes back with a state and a
reason, never left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass, replace
from pathlib import Path

from site_builder.core import clock, runner
from site_builder.core.problems import LedgerError
from site_builder.ledger.audience import Redaction
from site_builder.ledger.cache import default_cache_path, open_store
from site_builder.ledger.models import LockedMember, Member, MembersLock, Settings
from site_builder.ledger.validate import validate
from site_builder.rollup import gitfetch
from site_builder.rollup.figures import MemberFigures, member_figures, summed
from site_builder.rollup.members import MAX_DEPTH, ledger_at_commit, member_key, nested_source, open_member, repo_root


@dataclass(frozen=True)
class Task:
    path: tuple[str, ...]          # ids from the roll-up down to this member
    member: Member
    locked: LockedMember | None
    source: str
    root: Path
    as_of: dt.date
    public: bool
    parse_cache: Path | None = None    # the roll-up's parse cache (None: --no-cache)

    def key(self) -> str:
        commit = self.locked.commit if self.locked else None
        stale = self.locked.stale if self.locked else None
        text = repr((self.path, self.source, commit, stale, self.member.ledger, self.as_of.isoformat(), self.public))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RollupRead:
    members: list[MemberFigures]
    read: list[str]                # ids of the members read now (the others came from the cache)


def _identity(task: Task) -> dict:
    m = task.member
    return dict(id=m.id, name=m.name, level=m.level.value, site=m.site,
                commit=task.locked.commit if task.locked else None)


def _not_read(task: Task, reason: str, **params) -> MemberFigures:
    return MemberFigures(**_identity(task), state="missing", reason=reason, reason_params=tuple(sorted(params.items())))


def read_member(task: Task) -> MemberFigures:
    """One member's figures (a roll-up member: its members' sums), read from git."""
    if task.locked is None or not task.locked.commit:
        return _not_read(task, "rollup.never_read")
    commit = task.locked.commit
    target = gitfetch.cache_path(task.root, member_key(task.path))
    if not gitfetch.has_commit(target, commit):
        # a new checkout of the roll-up (CI) has no copies yet: fetch; a rewritten history has lost it
        gitfetch.fetch(task.source, target)
        if not gitfetch.has_commit(target, commit):
            return _not_read(task, "rollup.commit_gone", commit=commit[:10])
    try:
        with open_member(target, task.parse_cache) as history:
            ledger, problems = ledger_at_commit(history, commit, task.member.ledger)
            history.cache.save()
            if history.cache.db is not None:
                history.cache.db.close()
    except (LedgerError, OSError, ValueError) as exc:   # a damaged copy reads as not read
        return _not_read(task, "rollup.unreadable", detail=type(exc).__name__)
    settings: Settings | None = ledger.settings
    problems += validate(ledger, clock.ledger_today(settings))
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        return MemberFigures(**_identity(task), state="invalid", reason="rollup.invalid",
                             reason_params=(("count", errors),), errors=errors,
                             organisation=settings.organisation if settings else "")
    if settings is not None and settings.members:
        figures = _rolled_up(task, ledger.members_lock, settings)
    else:
        shown = Redaction.of(ledger).apply(ledger) if task.public else ledger
        figures = member_figures(shown, task.as_of, **_identity(task))
    if task.locked.stale:
        figures = replace(figures, state="stale", reason="rollup.stale", reason_params=(("reason", task.locked.reason or "-"),))
    return figures


def _rolled_up(task: Task, lock: MembersLock | None, settings: Settings) -> MemberFigures:
    locked = {m.id: m for m in (lock.members if lock else ())}
    parent = MemberFigures(**_identity(task), state="ok", organisation=settings.organisation)
    if len(task.path) >= MAX_DEPTH:
        return replace(parent, state="missing", reason="rollup.too_deep")
    children = [read_member(Task((*task.path, sub.id), sub, locked.get(sub.id),
                                 nested_source(task.member, task.source, sub.repo), task.root, task.as_of, task.public,
                                 task.parse_cache))
                for sub in settings.members]
    return summed(parent, children)


def _read_task(_, task: Task) -> MemberFigures:
    return read_member(task)


def _cacheable(f: MemberFigures) -> bool:
    return f.state in ("ok", "invalid") and all(_cacheable(c) for c in f.children)


def read_members(ledger_dir: Path, settings: Settings, lock: MembersLock | None, as_of: dt.date, public: bool,
                 use_cache: bool = True) -> RollupRead:
    """Every member's figures, in the settings' order."""
    root = repo_root(ledger_dir)
    locked = {m.id: m for m in (lock.members if lock else ())}
    parse_cache = default_cache_path(ledger_dir) if use_cache else None
    tasks = [Task((m.id,), m, locked.get(m.id), gitfetch.source_of(m.repo, root), root, as_of, public, parse_cache)
             for m in settings.members]
    store = open_store(default_cache_path(ledger_dir).with_name("rollup-figures.sqlite"),
                       ("CREATE TABLE IF NOT EXISTS figures (key TEXT PRIMARY KEY, data BLOB)",)) if use_cache else None
    found: dict[str, MemberFigures] = {}
    try:
        if store is not None:
            for task in tasks:
                row = store.execute("SELECT data FROM figures WHERE key = ?", (task.key(),)).fetchone()
                if row is not None:
                    try:
                        found[task.key()] = pickle.loads(row[0])
                    except Exception:  # noqa: BLE001 - a damaged entry is read again
                        pass
        todo = [t for t in tasks if t.key() not in found]
        workers = runner.worker_count(len(todo), 2)
        for task, figures in zip(todo, runner.run(_read_task, todo, workers=workers)):
            found[task.key()] = figures
            if store is not None and _cacheable(figures):
                with store:
                    store.execute("INSERT OR REPLACE INTO figures VALUES (?, ?)",
                                  (task.key(), pickle.dumps(figures, protocol=pickle.HIGHEST_PROTOCOL)))
    finally:
        if store is not None:
            store.close()
    return RollupRead([found[t.key()] for t in tasks], [t.member.id for t in todo])

"""Changes: the change rules of DESIGN.md §4, applied to the history (``graph``). The gate (``rectify
check``) and the audit (``rectify audit``) share one model: every commit is judged by what it did
itself, so a pull request passes the gate exactly when main, once it is merged, holds nothing new
for the audit to report, whatever the merge method. A merge commit is judged only for what first
appears in it (conflict resolutions, edits made while merging), as its author's change; what it
takes over from a side was judged with the commits, authors and dates that made it there.

A change is judged by the item before and after it: status moves only along legal edges, with the
record each edge needs added in the change; the problem statement, round, unit and feedback links
never change; records are append-only; items are never deleted; a new record's date is not after
the commit that added it nor earlier than the backdating tolerance allows; and the verification
(核账) is neither by the person nor in a commit by the author who made the submission (交账).
A record is recorded when its commit was committed (the committer date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

from site_builder.core import clock
from site_builder.ledger import yamlsafe
from site_builder.history.files import file_problems
from site_builder.history.graph import Step, commit_of, diff_commit, read_range, walk
from site_builder.history.timeline import Commit, History, _NULL
from site_builder.ledger.models import Item, LookbackResult, Settings, Status, Term, VerificationResult, same_person
from site_builder.core.problems import Problem
from site_builder.history.protect import protected as _protected, shown as _shown
from site_builder.ledger.validate import RECORD_LISTS

#: legal status edges → the record list that must grow in the same change (None: no record needed)
EDGES: dict[tuple[str, str], str | None] = {
    ("open", "in_progress"): None,
    ("open", "submitted"): "submissions",          # 立行立改 only, checked below
    ("in_progress", "submitted"): "submissions",
    ("submitted", "verified"): "verifications",    # a passed one
    ("submitted", "in_progress"): "verifications",  # a returned one
    ("verified", "cleared"): None,
    ("cleared", "in_progress"): "lookbacks",       # a relapse
}
CREATABLE = ("open", "in_progress")
IMMUTABLE = ("round", "unit", "feedback", "problem")
#: fixed once written too (protected data): the day the item was opened, and its term, by which
#: the rules judge it (an immediate item may skip in_progress)
FIXED = ("opened", "term")
#: how far ahead of the gate's clock a commit may be dated (clocks differ a little)
SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Moved:
    """A status change, as the gate's summary lists it."""
    item: str
    before: str | None
    after: str | None
    commit: Commit


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


@dataclass
class _Version:
    """An item as one commit left it."""
    item: Item
    path: str
    blob: str
    commit: Commit


def link_problems(commits: Iterable[Commit]) -> list[Problem]:
    """A link (or submodule) committed anywhere in the ledger folder, at the commit that wrote it.
    Its blob, the link's target, is never read: the path and the mode say all."""
    return [Problem.at(ch.path, None, ch.irregular, commit=c.sha) for c in commits for ch in c.changes if ch.irregular]


def _located(history: History, version: _Version, loc: tuple, code: str, commit: Commit, **params) -> Problem:
    raw = history.read_blobs([version.blob]).get(version.blob, b"")
    text, _ = yamlsafe.decode(raw, version.path)
    pos = yamlsafe.locate(text, loc) if text and loc else None
    return Problem.at(version.path, pos, code, commit=commit.sha, **params)


class _Origins:
    """Which commit first brought each record, so dates and authorship are judged per record."""

    def __init__(self) -> None:
        self.by_item: dict[str, dict[tuple[str, object], Commit]] = {}

    def note(self, version: _Version) -> None:
        known = self.by_item.setdefault(version.item.id, {})
        for name in RECORD_LISTS:
            for rec in getattr(version.item, name):
                known.setdefault((name, rec), version.commit)

    def of(self, item_id: str, name: str, rec) -> Commit | None:
        return self.by_item.get(item_id, {}).get((name, rec))


class _Reader:
    """Item versions parsed by blob, their contents read ahead in batches of commits."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.contents: dict[str, bytes] = {}

    def prefetch(self, blobs: list[str]) -> None:
        models = self.history.cache.models
        self.contents = self.history.read_blobs([b for b in blobs if (b, "item") not in models])

    def version(self, entry: tuple[str, str], commit: Commit) -> tuple[_Version | None, list[Problem]]:
        path, blob = entry
        raw = self.contents.get(blob)
        if raw is None and (blob, "item") not in self.history.cache.models:
            raw = self.history.read_blobs([blob]).get(blob, b"")   # a parent outside the batch: rare
        model, problems, _ = self.history.cache.get(raw or b"", "item", path, blob)
        if model is None:
            return None, [Problem(p.file, p.line, p.col, p.code, p.params, commit.sha) for p in problems]
        return _Version(model, path, blob, commit), []


def audit_history(history: History, settings: Settings | None, now: dt.datetime | None = None,
                  ref: str = "HEAD") -> tuple[list[Problem], list[Moved], list[Commit]]:
    """Judge every commit that ``ref`` holds, side branches and merges included (``rectify audit``).
    From the ref itself: a merge that leaves the ledger as its first parent had it is missing from
    the path-limited main line, yet the side commits it brings are main's history."""
    commits = read_range(history, ref) if history.commits else []
    problems, moves = judge_history(history, commits, _Rules.of(settings, now))
    return problems, moves, commits


def check_range(history: History, settings: Settings | None, base: str, head: str, method: str = "merge",
                now: dt.datetime | None = None) -> tuple[list[Problem], list[Moved], int]:
    """Judge a pull request from the merge base ``base`` to ``head`` as main will hold it once merged
    (``rectify check``). Merge commit and rebase keep every commit, so every commit of the pull
    request is judged by itself (a slip mended later is still in main's history); a squash puts the
    net change on main as one commit by the head's author, made now, and is judged as that."""
    rules = _Rules.of(settings, now)
    if method == "squash":
        commits = read_range(history, base)
        tip = commit_of(history, head)
        if history.repo.git.rev_parse(base) == tip.sha:
            return [], [], 0
        commits.append(diff_commit(history, base, head, tip, rules.now))
        judged = {tip.sha}
    else:
        commits = read_range(history, head)
        judged = set(history.repo.git.rev_list(f"{base}..{head}").split())
    problems, moves = judge_history(history, commits, rules, judged)
    return problems, moves, len(judged)


def judge_history(history: History, commits: list[Commit], rules: _Rules,
                  judged: set[str] | None = None) -> tuple[list[Problem], list[Moved]]:
    """Walk ``commits`` (parents first) and judge those in ``judged`` (all when None), each by what it
    did itself: an ordinary commit against its parent; a merge only where its result differs from
    every parent (what first appears in the merge), while whatever it takes over unchanged from a
    side was judged with the commits that made it there. The others are walked for the records'
    origins (who recorded what, when) only, for the items the judged commits touch."""
    reader = _Reader(history)
    by_sha = {c.sha: c for c in commits}
    problems: list[Problem] = link_problems(c for c in commits if judged is None or c.sha in judged)
    moves: list[Moved] = []
    origins = _Origins()
    wanted: set[str] | None = None
    if judged is not None:
        ids = history.scan([ch.new_blob for c in commits if c.sha in judged for ch in c.changes
                            if ch.new_blob != _NULL and not ch.irregular])
        wanted = {i for i, _ in ids.values() if i}
    for n, step in enumerate(walk(history, commits)):
        if n % 5000 == 0:
            batch = commits[n:n + 5000]
            reader.prefetch([ch.new_blob for c in batch for ch in c.changes if ch.new_blob != _NULL
                             and not ch.irregular and ch.path.startswith(history.ledger_prefix + "issues/")])
        commit = step.commit
        judging = judged is None or commit.sha in judged
        if judging:
            # a commit's dates order every record after it, whatever files it touches
            problems += _dates_apart(history, commit, rules) + _commit_problems(history, commit, by_sha, rules)
            problems += file_problems(history, commit)
        ids = step.touched if judging or wanted is None else step.touched & wanted
        if not ids:
            continue
        found, moved = _judge_step(history, reader, step, ids, origins, rules, judging)
        problems += found
        moves += moved
    return problems, moves


def _judge_step(history: History, reader: _Reader, step: Step, ids: set[str], origins: _Origins,
                rules: _Rules, judging: bool) -> tuple[list[Problem], list[Moved]]:
    commit = step.commit
    problems: list[Problem] = []
    moves: list[Moved] = []
    gone: dict[str, tuple[str, str]] = {}
    born: dict[str, _Version] = {}
    for item_id in sorted(ids):
        old, now = step.before.get(item_id), step.after.by_id.get(item_id)
        if old == now:
            continue
        others = [ps.by_id.get(item_id) for ps in step.parents[1:]]
        if now is None:
            if all(o is not None for o in others):   # not removed on a side already
                gone[item_id] = old
            continue
        if any(o is not None and o[1] == now[1] for o in others):
            continue   # taken over from a side branch: judged with the commits that made it
        version, broken = reader.version(now, commit)
        if version is None:
            problems += broken if judging else []
            continue
        origins.note(version)
        if not judging:
            continue
        if old is None and all(o is None for o in others):
            born[item_id] = version
            continue
        olds = []
        for entry in [old, *others]:
            parsed = reader.version(entry, commit)[0] if entry else None
            if entry and parsed is None:
                break   # a parent's file did not load: reported at the commit that broke it
            olds.append(parsed)
        else:
            results = [judge(o.item if o else None, version.item, origins, rules, False, single=commit) for o in olds]
            # a merge's own change is what no parent explains
            common = set.intersection(*[{(loc, code) for loc, code, _ in r} for r in results])
            problems += [_located(history, version, loc, code, commit, **params)
                         for loc, code, params in results[0] if (loc, code) in common]
            first = olds[0]
            if first is None or first.item.status != version.item.status:
                moves.append(Moved(item_id, first.item.status.value if first else None,
                                   version.item.status.value, commit))
    for item_id, version in born.items():
        twin = _twin(reader, gone, version, commit)
        if twin is not None:
            old_id, same_path = twin
            twin_path = gone.pop(old_id)[0]
            if same_path:
                problems.append(_located(history, version, ("id",), "change.immutable_field", commit, field="id",
                                         old=old_id, new=version.item.id))
            else:
                problems.append(_located(history, version, ("id",), "change.item_renamed", commit, old=old_id,
                                         new=version.item.id, path=twin_path))
            continue
        found = judge(None, version.item, origins, rules, not commit.parents, single=commit)
        problems += [_located(history, version, loc, code, commit, **params) for loc, code, params in found]
        moves.append(Moved(item_id, None, version.item.status.value, commit))
    for item_id, (path, _) in gone.items():
        problems.append(Problem.at(path, None, "change.item_deleted", commit=commit.sha, item=item_id))
    return problems, moves


def _twin(reader: _Reader, gone: dict[str, tuple[str, str]], version: _Version,
          commit: Commit) -> tuple[str, bool] | None:
    """The item a new id replaces: one removed in the same commit at the same path (the id was
    edited), or with the same round, unit and problem (the file was renamed with its id)."""
    for old_id, entry in gone.items():
        if entry[0] == version.path:
            return old_id, True
    for old_id, entry in gone.items():
        old = reader.version(entry, commit)[0]
        if old is not None and all(getattr(old.item, f) == getattr(version.item, f) for f in IMMUTABLE):
            return old_id, False
    return None


def _where(history: History, commit: Commit) -> str:
    """The file a commit's own problem is shown at: its first changed ledger file, else the ledger."""
    return commit.changes[0].path if commit.changes else (history.ledger_prefix.rstrip("/") or ".")


def _dates_apart(history: History, commit: Commit, rules: _Rules) -> list[Problem]:
    """A warning, not an error: author and committer dates far apart are what a history rewrite
    or work kept back for days looks like, yet also what an honest late rebase does."""
    if abs(commit.committed - commit.authored) <= rules.gap:
        return []
    return [Problem.at(_where(history, commit), None, "change.dates_apart", commit=commit.sha, severity="warning",
                       authored=commit.authored.isoformat(timespec="minutes"),
                       committed=commit.committed.isoformat(timespec="minutes"), days=rules.gap.days)]


def _commit_problems(history: History, commit: Commit, by_sha: dict[str, Commit], rules: _Rules) -> list[Problem]:
    """A commit's own dates: the committer date is when its records were recorded, so it may be
    neither in the future (beyond a small skew of the gate's clock) nor before its first parent's."""
    path = _where(history, commit)
    if commit.authored - rules.now > SKEW or commit.committed - rules.now > SKEW:
        return [Problem.at(path, None, "change.commit_in_future", commit=commit.sha,
                           date=max(commit.authored, commit.committed).isoformat(timespec="minutes"))]
    if commit.parents:
        parent = by_sha.get(commit.parents[0]) or commit_of(history, commit.parents[0])
        if commit.committed < parent.committed:
            return [Problem.at(path, None, "change.commit_before_parent", commit=commit.sha,
                               date=commit.committed.isoformat(timespec="minutes"),
                               parent=parent.committed.isoformat(timespec="minutes"))]
    return []


def judge(old: Item | None, new: Item, origins: _Origins, rules: _Rules, root: bool,
          single: Commit | None = None, status: bool = True) -> list[tuple[tuple, str, dict]]:
    """Problems of one item's change from ``old`` to ``new``: (location in the new file, code, params).

    ``single``: the change is one commit, whose author is every new record's author; otherwise each
    record's author and date come from the commit that first brought it.
    """
    out: list[tuple[tuple, str, dict]] = []
    added: dict[str, int] = {}
    if old is None:
        if status:
            out += _judge_creation(new, root)
        added = {name: 0 for name in RECORD_LISTS}
    else:
        out += _protected(old, new)
        for name in IMMUTABLE + FIXED:
            if getattr(old, name) != getattr(new, name):
                was, now = _shown(getattr(old, name), getattr(new, name))
                out.append(((name,), "change.immutable_field", {"field": name, "old": was, "new": now}))
        for name in RECORD_LISTS:
            before, after = getattr(old, name), getattr(new, name)
            if after[:len(before)] != before:
                if len(after) < len(before):
                    out.append(((name,), "change.record_removed", {"list": name, "count": len(before) - len(after)}))
                else:
                    index = next(i for i, (a, b) in enumerate(zip(before, after)) if a != b)
                    out.append(((name, index), "change.record_edited", {"list": name, "index": index + 1}))
                added[name] = len(after)   # the list was rewritten: judge no record as new
            else:
                added[name] = len(before)
        if status:
            out += _judge_status(old, new, added)

    def origin(name: str, rec) -> Commit | None:
        return single or origins.of(new.id, name, rec)

    if not root:
        for name in RECORD_LISTS:
            for i, rec in enumerate(getattr(new, name)[added[name]:], start=added[name]):
                commit = origin(name, rec)
                if commit is None:
                    continue
                # recorded when committed: the committer date, which a rebase or squash renews
                day = commit.committed.astimezone(rules.tz).date()
                earliest = (commit.committed - rules.tolerance).astimezone(rules.tz).date()
                if rec.date > day:
                    out.append(((name, i, "date"), "change.record_after_commit", {"date": rec.date, "commit_date": day}))
                elif rec.date < earliest:
                    out.append(((name, i, "date"), "change.record_backdated",
                                {"date": rec.date, "commit_date": day, "days": rules.tolerance.days}))
    for i, ver in enumerate(new.verifications[added["verifications"]:] if not root else (), start=added["verifications"]):
        subs = [s for s in new.submissions if s.date <= ver.date]
        if not subs:
            continue
        by_ver, by_sub = origin("verifications", ver), origins.of(new.id, "submissions", subs[-1]) or single
        if by_ver is None or by_sub is None:
            continue
        if same_person(by_ver.author, by_sub.author) or (by_ver.email and by_ver.email == by_sub.email):
            out.append((("verifications", i), "change.same_author_verifies", {"author": by_ver.author}))
    return out


def _judge_creation(new: Item, root: bool) -> list[tuple[tuple, str, dict]]:
    if new.status.value not in CREATABLE and not root:
        return [(("status",), "change.created_in_state", {"status": new.status.value})]
    return []


def _added(old: Item, new: Item) -> dict[str, int]:
    """How many records of each list ``old`` had, when ``new`` only appended to it."""
    return {name: len(getattr(old, name)) if getattr(new, name)[:len(getattr(old, name))] == getattr(old, name)
            else len(getattr(new, name)) for name in RECORD_LISTS}


def _judge_status(old: Item, new: Item, added: dict[str, int]) -> list[tuple[tuple, str, dict]]:
    """One legal edge per change, with the record the edge needs among the new ones."""
    a, b = old.status.value, new.status.value
    if a == b:
        return []
    if b == Status.withdrawn.value:
        return [] if a != Status.cleared.value else [(("status",), "change.illegal_edge", {"before": a, "after": b})]
    if (a, b) not in EDGES:
        return [(("status",), "change.illegal_edge", {"before": a, "after": b})]
    if (a, b) == ("open", "submitted") and old.term != Term.immediate:   # the term before, not the one set now
        return [(("status",), "change.open_to_submitted", {})]
    needed = EDGES[(a, b)]
    if needed is None:
        return []
    fresh = getattr(new, needed)[added[needed]:]
    ok = bool(fresh)
    if (a, b) == ("submitted", "verified"):
        ok = any(v.result == VerificationResult.passed for v in fresh)
    elif (a, b) == ("submitted", "in_progress"):
        ok = any(v.result == VerificationResult.returned for v in fresh)
    elif (a, b) == ("cleared", "in_progress"):
        ok = any(x.result == LookbackResult.relapsed for x in fresh)
    if not ok:
        if fresh and (a, b) == ("submitted", "in_progress"):
            return [(("status",), "change.edge_needs_returned", {})]
        if fresh and (a, b) == ("cleared", "in_progress"):
            return [(("status",), "change.edge_needs_relapse", {})]
        return [(("status",), "change.edge_needs_record", {"before": a, "after": b, "record": needed})]
    return []

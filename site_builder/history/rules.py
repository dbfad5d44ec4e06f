"""Changes: the change rules of DESIGN.md §4, applied to the history. The audit (``rectify audit``)
judges every commit of the main line on its own; the gate (``rectify check``) judges a pull request
as one change, from the merge base to the head, so that a mistake made and mended inside the pull
request does not block it forever.

A change is judged by the item before and after it: status moves only along legal edges, with the
record each edge needs added in the change; the problem statement, round, unit and feedback links
never change; records are append-only; items are never deleted; a new record's date is not after
the commit that added it nor earlier than the backdating tolerance allows; and the verification
(核账) is neither by the person nor in a commit by the author who made the submission (交账).
Dates of commits are author dates, which survive a rebase or a squash; a merge commit is judged
as the change it brings, but its author (the person who merged) is not taken for the records' author.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

from site_builder.core import clock
from site_builder.ledger import yamlsafe
from site_builder.history.timeline import Commit, History, _NULL
from site_builder.ledger.load import kind_of
from site_builder.ledger.models import Item, LookbackResult, Settings, Status, Term, VerificationResult
from site_builder.core.problems import Problem
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

    @classmethod
    def of(cls, settings: Settings | None, now: dt.datetime | None) -> "_Rules":
        settings = settings or Settings(organisation="-", office="-")
        return cls(ZoneInfo(settings.timezone), dt.timedelta(days=settings.thresholds.backdate_days),
                   now or clock.now())


@dataclass
class _Version:
    """An item as one commit left it."""
    item: Item
    path: str
    blob: str
    commit: Commit


@dataclass
class _Step:
    """What one commit did to the items it touched."""
    commit: Commit
    versions: dict[str, _Version] = field(default_factory=dict)
    deleted: dict[str, str] = field(default_factory=dict)        # item id → path
    renamed_ids: list[tuple[str, str, _Version]] = field(default_factory=list)  # (old id, new id, version)
    broken: list[Problem] = field(default_factory=list)          # files that did not load


def _walk(history: History, wanted: set[str] | None) -> Iterator[_Step]:
    """Every commit touching item files, with the item versions it wrote (one cat-file run per batch)."""
    issues = history.ledger_prefix + "issues/"
    prefix_len = len(history.ledger_prefix)

    def is_item(path: str) -> bool:
        return path.startswith(issues) and kind_of(path[prefix_len:]) == "item"

    # a link where an item belongs is never read (``link_problems`` reports it); the item stays as it was
    commits = [c for c in history.commits if any(is_item(ch.path) and not ch.irregular for ch in c.changes)]
    scans = history.scan([ch.new_blob for c in commits for ch in c.changes if is_item(ch.path) and ch.new_blob != _NULL
                          and not ch.irregular]) \
        if wanted is not None else {}
    path_to_id: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    for n, commit in enumerate(commits):
        if n % 5000 == 0:   # bounded memory: read the next batch of blobs in one run
            batch = commits[n:n + 5000]
            contents = history.read_blobs([ch.new_blob for c in batch for ch in c.changes if is_item(ch.path)
                                           and ch.new_blob != _NULL and not ch.irregular and (ch.new_blob, "item") not in history.cache.models])
        step = _Step(commit)
        changes = [ch for ch in commit.changes if is_item(ch.path) and not ch.irregular]
        if wanted is not None:
            changes = [ch for ch in changes if path_to_id.get(ch.path) in wanted
                       or (ch.new_blob != _NULL and scans.get(ch.new_blob, (None,))[0] in wanted)]
        for ch in changes:
            if ch.new_blob == _NULL:
                old_id = path_to_id.pop(ch.path, None)
                if old_id:
                    step.deleted[old_id] = ch.path
                continue
            model, problems, _ = history.cache.get(contents.get(ch.new_blob, b""), "item", ch.path, ch.new_blob)
            if model is None:
                step.broken += [Problem(p.file, p.line, p.col, p.code, p.params, commit.sha) for p in problems]
                continue
            version = _Version(model, ch.path, ch.new_blob, commit)
            old_id = path_to_id.get(ch.path)
            if old_id and old_id != model.id:
                step.renamed_ids.append((old_id, model.id, version))
                step.deleted.setdefault(old_id, ch.path)
            path_to_id[ch.path] = model.id
            step.versions[model.id] = version
        for item_id in list(step.deleted):
            if item_id in step.versions or item_id in path_to_id.values():
                del step.deleted[item_id]   # moved to another path, not deleted
        if step.versions or step.deleted or step.broken:
            yield step


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


def audit_history(history: History, settings: Settings | None,
                  now: dt.datetime | None = None) -> tuple[list[Problem], list[Moved]]:
    """Judge every commit of the main line as its own change (``rectify audit``)."""
    rules = _Rules.of(settings, now)
    problems: list[Problem] = []
    moves: list[Moved] = []
    state: dict[str, _Version] = {}
    origins = _Origins()
    root = history.commits[0].sha if history.commits else ""
    problems += link_problems(history.commits)
    for step in _walk(history, None):
        commit = step.commit
        problems += step.broken
        problems += _commit_problems(commit, step, rules)
        for old_id, new_id, version in step.renamed_ids:
            problems.append(_located(history, version, ("id",), "change.immutable_field", commit,
                                     field="id", old=old_id, new=new_id))
        for item_id, path in step.deleted.items():
            if not any(r[0] == item_id for r in step.renamed_ids):
                problems.append(Problem.at(path, None, "change.item_deleted", commit=commit.sha, item=item_id))
            state.pop(item_id, None)
        for item_id, version in step.versions.items():
            before = state.get(item_id)
            origins.note(version)
            found = judge(before.item if before else None, version.item, origins, rules, commit.sha == root,
                          single=commit)
            problems += [_located(history, version, loc, code, commit, **params) for loc, code, params in found]
            if before is None or before.item.status != version.item.status:
                moves.append(Moved(item_id, before.item.status.value if before else None, version.item.status.value, commit))
            state[item_id] = version
    return problems, moves


def check_range(history: History, settings: Settings | None, in_range: set[str],
                now: dt.datetime | None = None) -> tuple[list[Problem], list[Moved]]:
    """Judge a pull request as one change: each item at the merge base against the head (``rectify check``).

    Files broken in a commit of the range but mended by the head are not reported (the head is
    validated on its own); records changed inside the range before it ends count as new records.
    """
    rules = _Rules.of(settings, now)
    issues = history.ledger_prefix + "issues/"
    touched = [ch for c in history.commits if c.sha in in_range for ch in c.changes if ch.path.startswith(issues)]
    wanted = {i for i, _ in history.scan([b for ch in touched for b in (ch.old_blob, ch.new_blob) if b != _NULL]).values() if i}
    problems: list[Problem] = []
    moves: list[Moved] = []
    base: dict[str, _Version] = {}
    head: dict[str, _Version] = {}
    deleted: dict[str, tuple[str, Commit]] = {}
    origins = _Origins()
    root = history.commits[0].sha if history.commits else ""
    renamed: set[str] = set()
    problems += link_problems(c for c in history.commits if c.sha in in_range)
    for step in _walk(history, wanted):
        commit = step.commit
        inside = commit.sha in in_range
        if inside:
            problems += _commit_problems(commit, step, rules)
            for old_id, new_id, version in step.renamed_ids:
                renamed.add(old_id)
                problems.append(_located(history, version, ("id",), "change.immutable_field", commit,
                                         field="id", old=old_id, new=new_id))
        for item_id, path in step.deleted.items():
            if inside:
                deleted[item_id] = (path, commit)
            head.pop(item_id, None)
            if not inside:
                base.pop(item_id, None)
        for item_id, version in step.versions.items():
            origins.note(version)
            deleted.pop(item_id, None)
            if not inside:
                base[item_id] = version
                head.pop(item_id, None)
                continue
            previous = head.get(item_id) or base.get(item_id)
            # the status moves commit by commit, each move a legal edge with its record
            if previous is None:
                found = _judge_creation(version.item, commit.sha == root)
            else:
                found = _judge_status(previous.item, version.item, _added(previous.item, version.item))
            problems += [_located(history, version, loc, code, commit, **params) for loc, code, params in found]
            if previous is None or previous.item.status != version.item.status:
                moves.append(Moved(item_id, previous.item.status.value if previous else None,
                                   version.item.status.value, commit))
            head[item_id] = version
    for item_id, (path, commit) in deleted.items():
        if item_id in base and item_id not in renamed:
            problems.append(Problem.at(path, None, "change.item_deleted", commit=commit.sha, item=item_id))
    for item_id, version in head.items():
        before = base.get(item_id)
        if before is not None and before.item == version.item:
            continue
        # everything else is judged on the net change, so a slip mended inside the pull request passes
        found = judge(before.item if before else None, version.item, origins, rules, version.commit.sha == root,
                      status=False)
        problems += [_located(history, version, loc, code, version.commit, **params) for loc, code, params in found]
    return problems, moves


def _commit_problems(commit: Commit, step: _Step, rules: _Rules) -> list[Problem]:
    if commit.authored - rules.now > dt.timedelta(hours=1) or commit.committed - rules.now > dt.timedelta(hours=1):
        path = next(iter([v.path for v in step.versions.values()] + list(step.deleted.values())), "")
        return [Problem.at(path, None, "change.commit_in_future", commit=commit.sha,
                           date=max(commit.authored, commit.committed).isoformat(timespec="minutes"))]
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
        for name in IMMUTABLE:
            if getattr(old, name) != getattr(new, name):
                out.append(((name,), "change.immutable_field", {"field": name, "old": _short(getattr(old, name)),
                                                               "new": _short(getattr(new, name))}))
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
                if commit is None or len(commit.parents) > 1:
                    continue   # records brought by a merge were judged where they were made
                day = commit.authored.astimezone(rules.tz).date()
                earliest = (commit.authored - rules.tolerance).astimezone(rules.tz).date()
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
        if by_ver is None or by_sub is None or len(by_ver.parents) > 1 or len(by_sub.parents) > 1:
            continue   # a merge commit's author is the person who merged, not the records' author
        if by_ver.author == by_sub.author or (by_ver.email and by_ver.email == by_sub.email):
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
    if (a, b) == ("open", "submitted") and new.term != Term.immediate:
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
        return [(("status",), "change.edge_needs_record", {"before": a, "after": b, "record": needed})]
    return []


def _short(value) -> str:
    text = "、".join(value) if isinstance(value, tuple) else str(value)
    return text if len(text) <= 30 else text[:29] + "…"

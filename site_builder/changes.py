"""Changes: the change rules of DESIGN.md §4, applied to commits of the history. The gate
(``rectify check``) applies them to a pull request's commits, the audit to every commit ever made.

A change is judged by the item before and after it: status moves only along legal edges, with the
record each edge needs added in the same change; the problem statement, round, unit and feedback
links never change; records are append-only; items are never deleted; a new record's date is not
after its commit nor earlier than the backdating tolerance allows; and the verification (核账) is
neither by the person nor in a commit by the author who made the submission (交账).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .history import Commit, History, _NULL
from .load import kind_of
from .models import Item, LookbackResult, Settings, Status, Term, VerificationResult
from .problems import Problem
from .validate import RECORD_LISTS

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
    """A status change made by a commit, as the gate's summary lists it."""
    item: str
    before: str | None
    after: str | None
    commit: Commit


def _local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    return moment.astimezone(tz).date()


class _ItemState:
    __slots__ = ("item", "path", "submission_authors")

    def __init__(self, item: Item, path: str, submission_authors: list[tuple[str, str]]):
        self.item = item
        self.path = path
        self.submission_authors = submission_authors


def _located(history: History, path: str, blob: str, loc: tuple, code: str, commit: Commit, **params) -> Problem:
    from . import yamlsafe
    raw = history.read_blobs([blob]).get(blob, b"") if blob and blob != _NULL else b""
    text, _ = yamlsafe.decode(raw, path)
    pos = yamlsafe.locate(text, loc) if text and loc else None
    return Problem.at(path, pos, code, commit=commit.sha, **params)


def check_history(history: History, settings: Settings | None, report: set[str] | None = None,
                  now: dt.datetime | None = None) -> tuple[list[Problem], list[Moved]]:
    """Apply the change rules to the history's commits.

    Only commits in ``report`` (all when None) yield problems and moves; earlier ones are replayed
    so that each item's past (who submitted what) is known.
    """
    settings = settings or Settings(organisation="-", office="-")
    tz = ZoneInfo(settings.timezone)
    tolerance = dt.timedelta(days=settings.thresholds.backdate_days)
    now = now or dt.datetime.now(dt.timezone.utc)
    issues = history.ledger_prefix + "issues/"

    wanted_ids: set[str] | None = None
    if report is not None:
        touched = [ch.new_blob for c in history.commits if c.sha in report for ch in c.changes
                   if ch.path.startswith(issues) and ch.new_blob != _NULL]
        touched_old = [ch.old_blob for c in history.commits if c.sha in report for ch in c.changes
                       if ch.path.startswith(issues) and ch.old_blob != _NULL]
        wanted_ids = {i for i, _ in history.scan(touched + touched_old).values() if i}
        all_blobs = [ch.new_blob for c in history.commits for ch in c.changes
                     if ch.path.startswith(issues) and ch.new_blob != _NULL]
        scans = history.scan(all_blobs)
    commits_with_items = [c for c in history.commits
                          if any(ch.path.startswith(issues) and ch.new_blob != _NULL for ch in c.changes)]
    positions = {c.sha: i for i, c in enumerate(commits_with_items)}
    prefetched: set[str] = set()
    contents: dict[str, bytes] = {}
    problems: list[Problem] = []
    moves: list[Moved] = []
    state: dict[str, _ItemState] = {}
    path_to_id: dict[str, str] = {}

    for commit in history.commits:
        reporting = report is None or commit.sha in report
        item_changes = [ch for ch in commit.changes if ch.path.startswith(issues) and kind_of(ch.path[len(history.ledger_prefix):]) == "item"]
        if wanted_ids is not None:
            item_changes = [ch for ch in item_changes
                            if (ch.new_blob != _NULL and scans.get(ch.new_blob, (None,))[0] in wanted_ids)
                            or path_to_id.get(ch.path) in wanted_ids]
        if not item_changes:
            continue
        if reporting and commit.committed - now > dt.timedelta(hours=1):
            problems.append(Problem.at(item_changes[0].path, None, "change.commit_in_future", commit=commit.sha,
                                       date=commit.committed.isoformat(timespec="minutes")))
        if commit.sha in positions and commit.sha not in prefetched:
            prefetched, contents = _prefetch(history, commits_with_items[positions[commit.sha]:])
        seen_now: dict[str, tuple[Item, str, str]] = {}
        removed: list[tuple[str, str]] = []
        for ch in item_changes:
            if ch.new_blob == _NULL:
                old_id = path_to_id.pop(ch.path, None)
                if old_id:
                    removed.append((old_id, ch.path))
                continue
            model, file_problems, _ = history.cache.get(contents.get(ch.new_blob, b""), "item", ch.path, ch.new_blob)
            if model is None:
                if reporting:
                    problems.extend(p.__class__(p.file, p.line, p.col, p.code, p.params, commit.sha) for p in file_problems)
                continue
            old_id = path_to_id.get(ch.path)
            if old_id and old_id != model.id and reporting:
                problems.append(_located(history, ch.path, ch.new_blob, ("id",), "change.immutable_field", commit,
                                         field="id", old=old_id, new=model.id))
            path_to_id[ch.path] = model.id
            seen_now[model.id] = (model, ch.path, ch.new_blob)
        for old_id, path in removed:
            if old_id not in seen_now and old_id not in path_to_id.values():
                if reporting:
                    problems.append(Problem.at(path, None, "change.item_deleted", commit=commit.sha, item=old_id))
                state.pop(old_id, None)
        for item_id, (new, path, blob) in seen_now.items():
            before = state.get(item_id)
            found = _judge(before.item if before else None, new, commit, tz, tolerance,
                           before.submission_authors if before else [], history.commits[0] is commit)
            if reporting:
                for loc, code, params in found:
                    problems.append(_located(history, path, blob, loc, code, commit, **params))
                old_status = before.item.status.value if before else None
                if old_status != new.status.value:
                    moves.append(Moved(item_id, old_status, new.status.value, commit))
            authors = list(before.submission_authors) if before else []
            authors += [(commit.author, commit.email)] * (len(new.submissions) - len(authors))
            state[item_id] = _ItemState(new, path, authors[:len(new.submissions)])
    return problems, moves


def _prefetch(history: History, commits: list[Commit], batch: int = 5000) -> tuple[set[str], dict[str, bytes]]:
    """Read the item blobs of the next ``batch`` commits in one cat-file run (bounded memory)."""
    chunk = commits[:batch]
    issues = history.ledger_prefix + "issues/"
    wanted = [ch.new_blob for c in chunk for ch in c.changes
              if ch.path.startswith(issues) and ch.new_blob != _NULL and (ch.new_blob, "item") not in history.cache.models]
    return {c.sha for c in chunk}, history.read_blobs(wanted)


def _judge(old: Item | None, new: Item, commit: Commit, tz: ZoneInfo, tolerance: dt.timedelta,
           submission_authors: list[tuple[str, str]], root: bool) -> list[tuple[tuple, str, dict]]:
    """Problems of one item's change: (location in the new file, code, params)."""
    out: list[tuple[tuple, str, dict]] = []
    commit_day = _local_date(commit.committed, tz)
    earliest = _local_date(commit.committed - tolerance, tz)
    added: dict[str, int] = {}
    if old is None:
        if new.status.value not in CREATABLE and not root:
            out.append((("status",), "change.created_in_state", {"status": new.status.value}))
        for name in RECORD_LISTS:
            added[name] = 0
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
        out += _judge_edge(old, new, added)
    for name in RECORD_LISTS:
        for i, rec in enumerate(getattr(new, name)[added[name]:], start=added[name]):
            if rec.date > commit_day:
                out.append(((name, i, "date"), "change.record_after_commit", {"date": rec.date, "commit_date": commit_day}))
            elif rec.date < earliest and not root:
                out.append(((name, i, "date"), "change.record_backdated",
                            {"date": rec.date, "commit_date": commit_day, "days": tolerance.days}))
    authors = list(submission_authors) + [(commit.author, commit.email)] * (len(new.submissions) - len(submission_authors))
    for i, ver in enumerate(new.verifications[added["verifications"]:], start=added["verifications"]):
        subs = [j for j, s in enumerate(new.submissions) if s.date <= ver.date]
        if subs and subs[-1] < len(authors):
            name, email = authors[subs[-1]]
            if name == commit.author or (email and email == commit.email):
                out.append((("verifications", i), "change.same_author_verifies", {"author": commit.author}))
    return out


def _judge_edge(old: Item, new: Item, added: dict[str, int]) -> list[tuple[tuple, str, dict]]:
    a, b = old.status.value, new.status.value
    if a == b:
        return []
    if b == Status.withdrawn.value:
        if a == Status.cleared.value:
            return [(("status",), "change.illegal_edge", {"before": a, "after": b})]
        return []
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

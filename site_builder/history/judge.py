"""Changes, one item's change: the rules of DESIGN.md §4 that judge an item before and after one
change, applied by ``history.rules`` to each judged commit and by the edit helpers to an edit. Once
opened, the problem statement, round, unit and feedback links never change, nor the day it was
opened and its term; protected data keeps what ``history.protect`` says; records are append-only;
status moves follow ``history.moves``; new records' dates follow ``history.dates``; and the
verification (核账) is neither by the person nor in a commit by the author who made the submission
(交账).
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.history.dates import _Rules, record_dates
from site_builder.history.moves import judge_creation, judge_status
from site_builder.history.protect import protected as _protected, shown as _shown
from site_builder.history.timeline import Commit
from site_builder.ledger.models import Item, same_person
from site_builder.ledger.validate import RECORD_LISTS

IMMUTABLE = ("round", "unit", "feedback", "problem")
#: fixed once written too (protected data): the day the item was opened, and its term, by which
#: the rules judge it (an immediate item may skip in_progress)
FIXED = ("opened", "term")


@dataclass
class _Version:
    """An item as one commit left it."""
    item: Item
    path: str
    blob: str
    commit: Commit


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
            out += judge_creation(new, root)
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
            out += judge_status(old, new, added)

    def origin(name: str, rec) -> Commit | None:
        return single or origins.of(new.id, name, rec)

    if not root:
        for name in RECORD_LISTS:
            for i, rec in enumerate(getattr(new, name)[added[name]:], start=added[name]):
                commit = origin(name, rec)
                if commit is not None:
                    out += record_dates(name, i, rec, commit, rules)
    for i, ver in enumerate(new.verifications[added["verifications"]:] if not root else (), start=added["verifications"]):
        subs = [s for s in new.submissions if s.date <= ver.date]
        if not subs:
            continue
        by_ver, by_sub = origin("verifications", ver), origins.of(new.id, "submissions", subs[-1]) or single
        if by_ver is None or by_sub is None:
            continue
        shared = _shared_person(by_ver, by_sub)
        if shared is not None:
            out.append((("verifications", i), "change.same_author_verifies", {"author": shared}))
    return out


def _shared_person(a: Commit, b: Commit) -> str | None:
    """The name, as ``a`` gives it, of someone both commits are by (author or co-author): a squash
    commit is by everyone who committed to its pull request."""
    for name, email in a.people:
        for other, other_email in b.people:
            if same_person(name, other) or (email and email == other_email):
                return name
    return None

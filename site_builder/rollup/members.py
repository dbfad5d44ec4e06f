"""Roll-up stage, members and their lock: ``rectify members update`` fetches every member declared in
the roll-up's settings and records, in ``ledger/members.lock.yaml``, the commit it read of each.

The lock file is an ordinary ledger file committed in the roll-up's own repository, so the roll-up's
history of it says which member commits any past week was built from. A member that cannot be
reached keeps its last locked commit and is marked stale; a member whose branch no longer contains
the locked commit (history rewritten, force-pushed) is re-locked to what its branch holds now, with
a warning that names both commits. A member that is a roll-up itself has its own members fetched
too (the commits its own lock pins at the commit read), so a province reads cities and counties.
"""

from __future__ import annotations

import datetime as dt
import json
import types
from dataclasses import dataclass
from pathlib import Path

import git

from site_builder.core.problems import Problem
from site_builder.history.timeline import History
from site_builder.ledger.cache import ParseCache
from site_builder.ledger.filecheck import check_file
from site_builder.ledger.load import Ledger
from site_builder.ledger.models import LockedMember, Member, MembersLock, Settings
from site_builder.rollup import gitfetch

LOCK_FILE = "members.lock.yaml"
#: how deep roll-ups of roll-ups are followed (province → city → county)
MAX_DEPTH = 3


@dataclass(frozen=True)
class Outcome:
    """What one member's update came to: ``locked`` (read now), ``stale`` (kept its old commit),
    ``rewritten`` (read now, and its old commit is no longer on its branch)."""
    member: str
    name: str
    state: str
    commit: str | None
    reason: str = ""


def repo_root(ledger_dir: Path) -> Path:
    """The roll-up's repository: the folder that holds the ledger folder."""
    return ledger_dir.resolve().parent


def member_key(path: tuple[str, ...]) -> str:
    """The bare copy's name: the member's id, after its parents' ids for a member of a member."""
    return "/".join(path)


def lock_text(lock: MembersLock) -> str:
    """The lock file's text: strings quoted (a commit id of digits must stay text), one member a block."""
    q = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - a JSON string is a YAML string
    lines = ["# rectify members update 写入，请勿手改（each member's locked commit; written by rectify members update）",
             "members:"]
    for m in lock.members:
        lines += [f"  - id: {q(m.id)}", f"    repo: {q(m.repo)}", f"    ref: {q(m.ref)}"]
        if m.commit:
            lines.append(f"    commit: {q(m.commit)}")
        lines.append(f"    fetched: {m.fetched.isoformat()}")
        if m.stale:
            lines += ["    stale: true", f"    reason: {q(m.reason or '-')}"]
    if not lock.members:
        lines[-1] = "members: []"
    return "\n".join(lines) + "\n"


def write_lock(ledger_dir: Path, lock: MembersLock) -> Path:
    path = ledger_dir / LOCK_FILE
    tmp = path.with_name(f".{LOCK_FILE}.tmp")
    tmp.write_text(lock_text(lock), encoding="utf-8", newline="\n")
    tmp.replace(path)
    return path


# ---------------------------------------------------------------- reading a member's files at a commit

def open_member(target: Path, cache_path: Path | None = None) -> History:
    """A member's bare copy as a history with no main line read: only trees at named commits are
    loaded from it (``ledger_at_commit``), which needs no ``git log``. Parsed files are kept in the
    roll-up's parse cache (by blob id), so a member's new commit parses only the files it changed."""
    cache = ParseCache(cache_path)
    cache.workers = 1        # members are read one per worker process already
    return History(git.Repo(target), "", [], cache)


def ledger_at_commit(history: History, sha: str, ledger_dir: str = "ledger") -> tuple[Ledger, list[Problem]]:
    """The member's ledger folder as it stood at ``sha``, every file checked (not yet cross-checked)."""
    history.ledger_prefix = ledger_dir.strip("/") + "/"
    return history.ledger_from_tree(history.tree(types.SimpleNamespace(sha=sha)), sha)


def _file_at(target: Path, sha: str, path: str, kind: str):
    shown = gitfetch.run_git(["cat-file", "blob", f"{sha}:{path}"], cwd=target, timeout=30)
    if not shown.ok:
        return None
    _, model, problems = check_file(shown.out.encode("utf-8"), kind, path)
    return None if problems else model


def nested_lock(target: Path, sha: str, ledger_dir: str) -> tuple[Settings | None, MembersLock | None]:
    """A member's own settings and lock at ``sha``: whether it is a roll-up, and what it pins."""
    base = ledger_dir.strip("/") + "/"
    settings = _file_at(target, sha, base + "ledger.yaml", "settings")
    if settings is None or not settings.members:
        return settings, None
    return settings, _file_at(target, sha, base + LOCK_FILE, "members_lock")


def nested_source(parent: Member, parent_source: str, repo: str) -> str:
    """Where a member of a member is fetched from: a URL as written; a relative path from the
    parent's repository when that is a folder here (a URL parent leaves it as written)."""
    if gitfetch.is_url(repo) or Path(repo).is_absolute():
        return repo
    if gitfetch.is_url(parent_source):
        return repo
    return str((Path(parent_source) / repo).resolve())


# ---------------------------------------------------------------- update

def update_members(ledger_dir: Path, settings: Settings, old: MembersLock | None,
                   today: dt.date) -> tuple[MembersLock, list[Outcome], list[Problem]]:
    """Fetch every member and work out the new lock. Problems: one per member not read (error) or
    re-locked after a rewrite (warning), placed on the member's entry in ``ledger.yaml``."""
    root = repo_root(ledger_dir)
    previous = {m.id: m for m in (old.members if old else ())}
    settings_file = str(ledger_dir / "ledger.yaml")
    locked, outcomes, problems = [], [], []
    for member in settings.members:
        source = gitfetch.source_of(member.repo, root)
        target = gitfetch.cache_path(root, member_key((member.id,)))
        before = previous.get(member.id)
        result = gitfetch.fetch(source, target)
        commit = None
        reason = result.reason if not result.ok else ""
        if result.ok:
            commit = gitfetch.resolve(target, member.commit or member.ref)
            if commit is None:
                reason = f"{member.commit or member.ref}?"
        if commit is None:
            kept = before.commit if before and before.repo == member.repo else None
            locked.append(LockedMember(id=member.id, repo=member.repo, ref=member.ref, commit=kept,
                                       fetched=before.fetched if kept else today, stale=True, reason=reason or "-"))
            outcomes.append(Outcome(member.id, member.name, "stale", kept, reason))
            problems.append(Problem.at(settings_file, None, "rollup.unreachable", member=member.name,
                                       id=member.id, repo=member.repo, reason=reason or "-",
                                       kept=(kept or "-")[:10]))
            continue
        state = "locked"
        if before and before.commit and before.commit != commit and not member.commit and \
                not (gitfetch.has_commit(target, before.commit) and gitfetch.is_ancestor(target, before.commit, commit)):
            state = "rewritten"
            problems.append(Problem.at(settings_file, None, "rollup.rewritten", severity="warning",
                                       member=member.name, id=member.id, old=before.commit[:10], new=commit[:10]))
        locked.append(LockedMember(id=member.id, repo=member.repo, ref=member.ref, commit=commit, fetched=today))
        outcomes.append(Outcome(member.id, member.name, state, commit))
        problems += _fetch_nested(root, member, source, target, commit, (member.id,), settings_file, 1)
    return MembersLock(members=tuple(locked)), outcomes, problems


def _fetch_nested(root: Path, member: Member, source: str, target: Path, sha: str, path: tuple[str, ...],
                  settings_file: str, depth: int) -> list[Problem]:
    """The members of a member that is a roll-up, fetched at the commits its lock pins."""
    sub_settings, lock = nested_lock(target, sha, member.ledger)
    if lock is None or depth >= MAX_DEPTH:
        return []
    problems = []
    declared = {m.id: m for m in (sub_settings.members if sub_settings else ())}
    for entry in lock.members:
        sub = declared.get(entry.id)
        if sub is None or not entry.commit:
            continue
        sub_source = nested_source(member, source, entry.repo)
        sub_target = gitfetch.cache_path(root, member_key((*path, entry.id)))
        if not gitfetch.has_commit(sub_target, entry.commit):
            result = gitfetch.fetch(sub_source, sub_target)
            if not result.ok or not gitfetch.has_commit(sub_target, entry.commit):
                problems.append(Problem.at(settings_file, None, "rollup.nested_unreachable", member=member.name,
                                           sub=sub.name, reason=result.reason or entry.commit[:10]))
                continue
        problems += _fetch_nested(root, sub, sub_source, sub_target, entry.commit, (*path, entry.id),
                                  settings_file, depth + 1)
    return problems

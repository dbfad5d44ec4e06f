"""Changes: the change rules of DESIGN.md §4, applied to the history (``graph``). The gate (``rectify
check``) and the audit (``rectify audit``) share one model: every commit is judged by what it did
itself, so a pull request passes the gate exactly when main, once it is merged, holds nothing new
for the audit to report, whatever the merge method. A merge commit is judged only for what first
appears in it (conflict resolutions, edits made while merging), as its author's change; what it
takes over from a side was judged with the commits, authors and dates that made it there.

This module walks the commits and hands each change on: an item's change to ``history.judge``
(fields, records, separation of duties, with ``moves`` for status and ``dates`` for record dates),
a commit's own dates to ``history.dates``, the other files to ``history.files``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass
from typing import Iterable

from site_builder.core.problems import Problem
from site_builder.history.dates import _Rules, commit_problems, dates_apart, in_future
from site_builder.history.files import file_problems
from site_builder.history.graph import Step, commit_of, diff_commit, read_range, walk
from site_builder.history.judge import IMMUTABLE, _Origins, _Version, judge
from site_builder.history.timeline import Commit, History, _NULL
from site_builder.ledger import yamlsafe
from site_builder.ledger.models import Settings

#: what the edit helpers take from here: one change judged as the gate judges it
__all__ = ["Moved", "audit_history", "check_range", "judge", "judge_history", "_Origins", "_Rules", "_Version"]


@dataclass(frozen=True)
class Moved:
    """A status change, as the gate's summary lists it."""
    item: str
    before: str | None
    after: str | None
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


class _Reader:
    """Item versions parsed by blob, their contents read ahead in batches of commits."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.contents: dict[str, bytes] = {}
        self.earlier: list[list[str]] = []   # the blobs parsed for each batch so far

    def prefetch(self, blobs: list[str], wanted: set[str] | None, keep: set[str]) -> None:
        """Read a batch's item versions and parse those of the ``wanted`` items (all when None)
        together: parsing every version is the audit's cost, and together they are parsed by a pool
        of one process per core (``cache.prepare``) rather than one by one. The models of the batch
        before last are let go, but for those in ``keep`` (the item files the walk stands on): a
        county's every version at once held 700 MB, and a later need of one (a merge's side) is
        rare and costs one parse."""
        models = self.history.cache.models
        if len(self.earlier) >= 2:
            for blob in self.earlier.pop(0):
                if blob not in keep:
                    models.pop((blob, "item"), None)
        todo = [b for b in dict.fromkeys(blobs) if (b, "item") not in models]
        self.contents = self.history.read_blobs(todo)
        ids = self.history.scan(todo)
        if wanted is not None:
            todo = [b for b in todo if ids.get(b, (None,))[0] in wanted]
        # an item's versions one after another, so that each is read by pieces from the one before
        by_item = sorted(todo, key=lambda b: ids.get(b, (None,))[0] or "")
        self.history.cache.prepare([(self.contents.get(b, b""), "item", b) for b in by_item], pieces=True)
        self.history.cache.save()   # the batch's parsed data goes to the store, not to memory till the end
        self.earlier.append(todo)

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
    net change on main as one commit, made now, and is judged as that. GitHub credits that commit
    to the pull request's author and lists every other author of its commits as a co-author
    (Co-authored-by), which is all the audit of main can know of who made what: so the squash is
    judged as made by everyone who authored a commit of the pull request, not by whoever made the
    last one, and a verification in it is refused when any of them made the submission."""
    rules = _Rules.of(settings, now)
    if method == "squash":
        commits = read_range(history, base)
        tip = commit_of(history, head)
        if history.repo.git.rev_parse(base) == tip.sha:
            return [], [], 0
        commits.append(diff_commit(history, base, head, _authors(history, base, head), rules.now, tip.subject))
        judged = {tip.sha}
    else:
        commits = read_range(history, head)
        judged = set(history.repo.git.rev_list(f"{base}..{head}").split())
    problems, moves = judge_history(history, commits, rules, judged, remember=method != "squash")
    return problems, moves, len(judged)


def _authors(history: History, base: str, head: str) -> list[tuple[str, str]]:
    """Everyone who authored (or co-authored) a commit of ``base..head``, oldest first, once each."""
    people: dict[tuple[str, str], None] = {}
    for c in read_range(history, f"{base}..{head}"):
        people.update(dict.fromkeys(c.people))
    if not people:
        tip = commit_of(history, head)
        people[tip.author, tip.email] = None
    return list(people)


def judge_history(history: History, commits: list[Commit], rules: _Rules, judged: set[str] | None = None,
                  remember: bool = True) -> tuple[list[Problem], list[Moved]]:
    """The verdicts on the commits in ``judged`` (all when None), in the order of ``commits``.

    A commit's verdict depends only on the commit (its id fixes its parents and so all it holds),
    the settings judged by and the code, unless it is dated in the future: so it is kept in the
    cache store by commit id and settings (``remember``; not for a squash, a commit made up here),
    and only the commits without one are judged, with the others walked for the records' origins
    of the items they touch. An audit of main after one more push judges that push alone."""
    wanted = [c for c in commits if judged is None or c.sha in judged]
    keys = {c.sha: _verdict_key(history, c, rules) for c in wanted if remember and not in_future(c, rules)}
    stored = history.cache.verdicts(list(keys.values())) if keys else {}
    known: dict[str, tuple] = {}
    for sha, key in keys.items():
        if key in stored:
            try:
                known[sha] = pickle.loads(stored[key])
            except Exception:  # noqa: BLE001 - a damaged entry: judged again
                pass
    todo = {c.sha for c in wanted} - known.keys()
    if todo:
        found, moved = _judge_commits(history, commits, rules, None if judged is None and not known else todo)
    else:
        found, moved = [], []
    fresh: dict[str, tuple[list, list]] = {sha: ([], []) for sha in todo}
    for p in found:
        fresh.setdefault(p.commit, ([], []))[0].append(p)
    for m in moved:
        fresh.setdefault(m.commit.sha, ([], []))[1].append((m.item, m.before, m.after))
    history.cache.store_verdicts({keys[sha]: pickle.dumps((tuple(ps), tuple(ms)), protocol=pickle.HIGHEST_PROTOCOL)
                                  for sha, (ps, ms) in fresh.items() if sha in keys})
    problems = [p for p in found if p.commit not in known]
    moves: list[Moved] = []
    for c in commits:
        if c.sha in known:
            ps, ms = known[c.sha]
            problems += ps
            moves += [Moved(item, before, after, c) for item, before, after in ms]
        elif c.sha in fresh:
            moves += [Moved(item, before, after, c) for item, before, after in fresh[c.sha][1]]
    return problems, moves


def _verdict_key(history: History, commit: Commit, rules: _Rules) -> str:
    return hashlib.sha1(f"{commit.sha}\0{history.ledger_prefix}\0{rules.tz.key}\0{rules.tolerance}\0"
                        f"{rules.gap}".encode()).hexdigest()


def _judge_commits(history: History, commits: list[Commit], rules: _Rules,
                   judged: set[str] | None) -> tuple[list[Problem], list[Moved]]:
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
            keep = {entry[1] for state in (step.after, *step.parents) for entry in state.by_id.values()}
            keep |= {entry[1] for entry in step.before.values() if entry}
            reader.prefetch([ch.new_blob for c in batch for ch in c.changes if ch.new_blob != _NULL
                             and not ch.irregular and ch.path.startswith(history.ledger_prefix + "issues/")],
                            wanted, keep)
        commit = step.commit
        judging = judged is None or commit.sha in judged
        if judging:
            # a commit's dates order every record after it, whatever files it touches
            problems += dates_apart(history, commit, rules) + commit_problems(history, commit, by_sha, rules)
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

"""History stage, for the gate and the audit: the commit graph, not only the main line. Every commit
of a range (side branches and merges included) comes in an order where parents come before their
children, each with the item files it leaves (item id → path and blob) and the item files its
parents left, so that the change rules (``history.rules``) can judge every commit by what it did itself:
an ordinary commit against its parent, a merge by what neither of its parents had.

One ``git log --topo-order --reverse --diff-merges=first-parent --raw`` reads the range; a parent
outside the range (the base of a pull request, a main-line commit merged into it) is read with one
``ls-tree``. The state of a commit is handed on to its last child rather than copied, so a straight
line costs no copies at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterator

from site_builder.history.gitlog import _NULL, Change, Commit, _parse_log
from site_builder.ledger.load import kind_of

#: the main line's fields plus the Co-authored-by trailers, by whom a squash commit is too
_FORMAT = ("--format=%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x00"
           "%(trailers:key=Co-authored-by,valueonly,separator=%x1f)%x00")


@dataclass
class State:
    """The item files one commit leaves: id → (path, blob), and path → id."""
    by_id: dict[str, tuple[str, str]] = field(default_factory=dict)
    by_path: dict[str, str] = field(default_factory=dict)

    def copy(self) -> "State":
        return State(dict(self.by_id), dict(self.by_path))


@dataclass
class Step:
    """One commit with its parents' states and its own. The first parent's state may have become
    this commit's own (handed on): what it held for the touched ids is kept in ``before``."""
    commit: Commit
    parents: list[State]
    before: dict[str, tuple[str, str] | None]   # id → (path, blob) at the first parent, for the ids it touched
    after: State
    touched: set[str]


class _Shim:
    def __init__(self, sha: str) -> None:
        self.sha = sha


def read_range(history, *revs: str) -> list[Commit]:
    """Every commit of ``revs`` (e.g. ``base..head``, or a ref for all its ancestors), parents first.
    Not path-limited: git would simplify merges away when it limits by path."""
    text = history.repo.git.log("--topo-order", "--reverse", "--diff-merges=first-parent", "--raw", "-z",
                                "--no-abbrev", "--no-renames", _FORMAT, *revs, "--", stdout_as_string=True)
    return _parse_log(text, history.ledger_prefix, trailers=True)


def commit_of(history, sha: str) -> Commit:
    """One commit (no changes listed), e.g. a parent outside the range."""
    text = history.repo.git.log("-1", "--no-walk", _FORMAT, sha, stdout_as_string=True)
    return _parse_log(text, history.ledger_prefix, trailers=True)[0]


def diff_commit(history, base: str, head: str, by: list[tuple[str, str]], when: dt.datetime,
                subject: str = "") -> Commit:
    """The net change base → head as one commit made at ``when`` by the people ``by`` (the first as
    its author, the others as co-authors): what a squash merge of the pull request puts on main."""
    out = history.repo.git.diff_tree("-r", "-z", "--no-renames", "--no-abbrev", base, head, "--",
                                     history.ledger_prefix or ".")
    tokens = [t for t in out.split("\0")]
    changes = []
    for i in range(0, len(tokens) - 1, 2):
        meta = tokens[i].lstrip(":").split()
        if len(meta) >= 5:
            changes.append(Change(meta[4][0], tokens[i + 1], meta[2], meta[3], meta[1]))
    sha = history.repo.git.rev_parse(head)
    return Commit(sha, (base,), by[0][0], by[0][1], when, when, subject, tuple(changes), tuple(by[1:]))


def walk(history, commits: list[Commit]) -> Iterator[Step]:
    """Each commit of ``commits`` (parents first) with the item files before and after it."""
    prefix = history.ledger_prefix
    issues = prefix + "issues/"

    def is_item(ch: Change) -> bool:
        return ch.path.startswith(issues) and kind_of(ch.path[len(prefix):]) == "item" and not ch.irregular

    new_blobs = [ch.new_blob for c in commits for ch in c.changes if is_item(ch) and ch.new_blob != _NULL]
    scans = history.scan(new_blobs)
    waiting: dict[str, int] = {}
    for c in commits:
        for p in c.parents:
            waiting[p] = waiting.get(p, 0) + 1
    states: dict[str, State] = {}

    def state_of(sha: str) -> State:
        if sha not in states:   # a parent outside the range: its tree, read once
            tree = history.tree(_Shim(sha))
            found = history.scan([b for rel, b in tree.items() if kind_of(rel) == "item" and rel.startswith("issues/")])
            st = State()
            for rel, blob in tree.items():
                item = found.get(blob, (None,))[0]
                if item and rel.startswith("issues/") and kind_of(rel) == "item":
                    st.by_id[item] = (prefix + rel, blob)
                    st.by_path[prefix + rel] = item
            states[sha] = st
        return states[sha]

    for c in commits:
        parents = [state_of(p) for p in c.parents]
        first = parents[0] if parents else State()
        changed = [ch for ch in c.changes if is_item(ch)]
        touched = {first.by_path[ch.path] for ch in changed if ch.path in first.by_path}
        touched |= {scans[ch.new_blob][0] for ch in changed
                    if ch.new_blob != _NULL and scans.get(ch.new_blob, (None,))[0]}
        before = {i: first.by_id.get(i) for i in touched}
        # the last child takes its first parent's state over instead of copying it
        own = first if (parents and waiting.get(c.parents[0]) == 1 and len(set(c.parents)) == len(c.parents)) \
            else first.copy()
        for ch in changed:
            old = own.by_path.pop(ch.path, None)
            if old is not None and own.by_id.get(old, ("",))[0] == ch.path:
                del own.by_id[old]
        for ch in changed:
            item = scans.get(ch.new_blob, (None,))[0] if ch.new_blob != _NULL else None
            if item:
                own.by_id[item] = (ch.path, ch.new_blob)
                own.by_path[ch.path] = item
        yield Step(c, parents, before, own, touched)
        states[c.sha] = own
        for p in c.parents:
            waiting[p] -= 1
            if waiting[p] <= 0:
                states.pop(p, None)

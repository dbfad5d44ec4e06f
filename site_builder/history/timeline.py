"""History: the git history of the ledger, read in one pass, as commits, item transitions and as-of
ledgers. It sits between load/validate and metrics: the gate, the audit, the site's curves and
timelines and the weekly bulletin all read the past through it.

One ``git log --first-parent --raw -z`` lists every change on the main line; one ``git cat-file
--batch`` process streams the blobs that the cache has not seen (both in ``history.gitlog``). Transitions need only an item's id
and status, which a light scan reads from the raw text (cached by blob id too); a full parse is made
only for the trees that a caller asks for (``ledger_at``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import git

from site_builder.history.gitlog import (_NULL, Change, Commit, _object_count, prescan,  # noqa: F401 - Change: re-exported
                     _read_commits, _scan_text, iter_blobs, read_blobs)
from site_builder.ledger.load import Ledger, ParseCache, assemble, kind_of
from site_builder.core.problems import LedgerError, Problem
from site_builder.core import runner
from site_builder.ledger import yamlsafe

#: objects in a repository from which a first read of its history scans every blob of it in a
#: separate process while ``git log`` runs
PRESCAN_MIN_OBJECTS = 20000


@dataclass(frozen=True, slots=True)
class Transition:
    """An item's status moving in one commit (状态变更). ``before`` None: created; ``after`` None: deleted."""
    item: str
    before: str | None
    after: str | None
    commit: Commit
    path: str


class Tree(dict):
    """A commit's ledger files (path → blob id), with the entries that are not regular files
    (path → problem code) in ``links``."""
    links: dict[str, str] = {}


@dataclass
class History:
    """The ledger's first-parent history on one ref, oldest commit first."""
    repo: git.Repo
    ledger_prefix: str                       # e.g. "ledger/" (repository-relative, with slash)
    commits: list[Commit]
    cache: ParseCache
    transitions: dict[str, list[Transition]] = field(default_factory=dict)
    _scan: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    _prescan: "runner.Batch | None" = None     # the first read's scan of every blob, under way

    def close(self) -> None:
        if self._prescan is not None:   # never asked for: stop it rather than leave it running
            self._prescan.close()
            self._prescan = None
        self.repo.close()

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ reading blobs

    def read_blobs(self, blobs: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs through one ``git cat-file --batch`` process."""
        return read_blobs(self.repo, blobs)

    # ------------------------------------------------------------ as-of

    def commit_at(self, instant: dt.datetime) -> Commit | None:
        """The last main-line commit made at or before ``instant`` (by committer time)."""
        times = [c.committed for c in self.commits]
        # Committer times on a first-parent line are almost always increasing; where a clock was
        # wrong they are not, and the line order wins: take the last commit not after the instant.
        if all(a <= b for a, b in zip(times, times[1:])):
            i = bisect.bisect_right(times, instant)
            return self.commits[i - 1] if i else None
        found = None
        for c in self.commits:
            if c.committed <= instant:
                found = c
        return found

    def tree(self, commit: Commit) -> "Tree":
        """Ledger path (relative to the ledger folder) → blob id, at ``commit``; links and
        submodules are kept apart in ``links``, never read."""
        out = self.repo.git.ls_tree("-r", "-z", "--full-tree", commit.sha, "--", self.ledger_prefix or ".")
        tree, links = Tree(), {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, otype, blob = meta.split()
            if not path.startswith(self.ledger_prefix):
                continue
            rel = path[len(self.ledger_prefix):]
            irregular = Change("A", path, _NULL, blob, mode).irregular
            if irregular:
                links[rel] = irregular
            elif otype == "blob":
                tree[rel] = blob
        tree.links = links
        return tree

    def ledger_at(self, commit: Commit | None) -> tuple[Ledger, list[Problem]]:
        """The ledger as it stood at ``commit`` (an empty ledger before the first one)."""
        if commit is None:
            return assemble([], lambda p: "", {}, self.ledger_prefix.rstrip("/")), []
        return self.ledger_from_tree(self.tree(commit), commit.sha)

    def ledger_from_tree(self, tree: dict[str, str], sha: str = "") -> tuple[Ledger, list[Problem]]:
        need = [b for rel, b in tree.items() if kind_of(rel) and (b, kind_of(rel)) not in self.cache.models]
        contents = self.read_blobs(need)
        self.cache.prepare([(contents.get(b, b""), kind_of(rel), b) for rel, b in tree.items()
                            if kind_of(rel) and b in contents])
        checked, problems, blobs, display_blob = [], [], {}, {}
        for rel, code in sorted(getattr(tree, "links", {}).items()):
            problems.append(Problem.at(self.ledger_prefix + rel, None, code))
            if kind_of(rel):
                checked.append((rel, self.ledger_prefix + rel, None))
        for rel, blob in sorted(tree.items()):
            kind = kind_of(rel)
            if kind is None:
                continue
            display = self.ledger_prefix + rel
            model, file_problems, _ = self.cache.get(contents.get(blob, b""), kind, display, blob)
            problems.extend(file_problems)
            checked.append((rel, display, model))
            blobs[display] = blob
            display_blob[display] = blob

        def text(display: str) -> str:
            blob = display_blob.get(display)
            if blob is None:
                return ""
            raw = contents.get(blob) or self.read_blobs([blob]).get(blob, b"")
            decoded, _ = yamlsafe.decode(raw, display)
            return decoded or ""

        return assemble(checked, text, blobs, self.ledger_prefix.rstrip("/")), problems

    # ------------------------------------------------------------ transitions

    def scan(self, blobs: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """(id, status) of item blobs, by a light scan of the raw text, cached by blob id."""
        # commit order, not hash order: cat-file then reads pack data sequentially (8× faster)
        if self._prescan is not None:
            try:
                found = self._prescan.results()[0]
            except (OSError, runner.WorkerFailed):
                found = {}   # the scan one by one covers everything
            self._prescan = None
            self._scan.update(found)
            self.cache.store_scans(found)
        todo = [b for b in dict.fromkeys(blobs) if b not in self._scan]
        stored = self.cache.scans(todo)
        self._scan.update(stored)
        todo = [b for b in todo if b not in stored]
        if todo:
            fresh = {}
            for blob, raw in iter_blobs(self.repo, todo):
                fresh[blob] = _scan_text(raw)
            self._scan.update(fresh)
            self.cache.store_scans(fresh)
        return {b: self._scan[b] for b in blobs if b in self._scan}

    def compute_transitions(self) -> dict[str, list[Transition]]:
        """Every item's status changes along the main line, in order."""
        issues = self.ledger_prefix + "issues/"
        item_blobs = [ch.new_blob for c in self.commits for ch in c.changes
                      if ch.path.startswith(issues) and ch.new_blob != _NULL and not ch.irregular]
        scanned = self.scan(item_blobs)
        by_path: dict[str, str] = {}          # path → item id
        status_of: dict[str, str | None] = {}  # item id → status
        out: dict[str, list[Transition]] = {}
        for c in self.commits:
            touched: dict[str, str] = {}
            removed: dict[str, str] = {}
            for ch in c.changes:
                if not ch.path.startswith(issues) or ch.irregular:   # a link is never read as an item
                    continue
                if ch.new_blob == _NULL:
                    old = by_path.pop(ch.path, None)
                    if old:
                        removed[old] = ch.path
                    continue
                item, status = scanned.get(ch.new_blob, (None, None))
                if item is None:
                    continue
                by_path[ch.path] = item
                touched[item] = ch.path
                before = status_of.get(item)
                if item not in status_of or before != status:
                    out.setdefault(item, []).append(Transition(item, before, status, c, ch.path))
                status_of[item] = status
            for item, path in removed.items():
                if item not in touched and item not in by_path.values():
                    out.setdefault(item, []).append(Transition(item, status_of.pop(item, None), None, c, path))
        self.transitions = out
        return out


def open_history(repo_path: str | Path, ref: str = "HEAD", ledger_dir: str = "ledger",
                 cache: ParseCache | None = None) -> History:
    """Read the first-parent history of ``ref`` touching ``ledger_dir``. Raises ``LedgerError``
    for a shallow clone or an unknown ref: both would give a silently wrong timeline."""
    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise LedgerError([Problem.at(str(repo_path), None, "history.not_a_repo")]) from None
    scan = None
    try:
        if repo.git.rev_parse("--is-shallow-repository").strip() == "true":
            raise LedgerError([Problem.at(str(repo_path), None, "history.shallow")])
        try:
            head = repo.git.rev_parse("--verify", "--quiet", ref + "^{commit}").strip()
        except git.GitCommandError:
            raise LedgerError([Problem.at(str(repo_path), None, "history.unknown_ref", ref=ref)]) from None
        root = Path(repo.working_tree_dir or repo_path).resolve()
        ledger_abs = (Path(repo_path) / ledger_dir).resolve() if not Path(ledger_dir).is_absolute() else Path(ledger_dir)
        try:
            prefix = ledger_abs.relative_to(root).as_posix().strip("/")
        except ValueError:
            prefix = ledger_dir.strip("/")
        prefix = prefix + "/" if prefix and prefix != "." else ""
        if (runner.background() and (cache is None or not cache.has_scans())
                and _object_count(repo) >= PRESCAN_MIN_OBJECTS):
            scan = runner.Batch(prescan, [repo.common_dir], workers=1)
        commits = _read_commits(repo, head, prefix, cache)
    except LedgerError:
        if scan is not None:
            scan.close()
        repo.close()
        raise
    except git.GitCommandError as exc:
        if scan is not None:
            scan.close()
        repo.close()
        raise LedgerError([Problem.at(str(repo_path), None, "history.git_failed",
                                      detail=(exc.stderr or "").strip()[:200])]) from None
    return History(repo, prefix, commits, cache or ParseCache(None), _prescan=scan)

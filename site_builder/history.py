"""History: the git history of the ledger, read in one pass, as commits, item transitions and as-of
ledgers. It sits between load/validate and metrics: the gate, the audit, the site's curves and
timelines and the weekly bulletin all read the past through it.

One ``git log --first-parent --raw -z`` lists every change on the main line; one ``git cat-file
--batch`` process streams the blobs that the cache has not seen. Transitions need only an item's id
and status, which a light scan reads from the raw text (cached by blob id too); a full parse is made
only for the trees that a caller asks for (``ledger_at``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import marshal
import os
import pickle
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import Iterable, Iterator

import git

from .load import Ledger, ParseCache, assemble, kind_of
from .problems import LedgerError, Problem
from . import yamlsafe

_ID_RE = re.compile(rb"^id:[ \t]*['\"]?([^'\"\s#]+)", re.M)
_STATUS_RE = re.compile(rb"^status:[ \t]*['\"]?([a-z_]+)", re.M)
_NULL = "0" * 40


@dataclass(frozen=True, slots=True)   # slots: a city's history holds 200,000 commits
class Change:
    """One file changed by a commit, relative to its first parent."""
    status: str          # A added, M modified, D deleted, T type changed
    path: str            # repository-relative
    old_blob: str
    new_blob: str


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: dt.datetime
    committed: dt.datetime
    subject: str
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Transition:
    """An item's status moving in one commit (状态变更). ``before`` None: created; ``after`` None: deleted."""
    item: str
    before: str | None
    after: str | None
    commit: Commit
    path: str


@dataclass
class History:
    """The ledger's first-parent history on one ref, oldest commit first."""
    repo: git.Repo
    ledger_prefix: str                       # e.g. "ledger/" (repository-relative, with slash)
    commits: list[Commit]
    cache: ParseCache
    transitions: dict[str, list[Transition]] = field(default_factory=dict)
    _scan: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    _prescan: "Prescan | None" = None

    def close(self) -> None:
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

    def tree(self, commit: Commit) -> dict[str, str]:
        """Ledger path (relative to the ledger folder) → blob id, at ``commit``."""
        out = self.repo.git.ls_tree("-r", "-z", "--full-tree", commit.sha, "--", self.ledger_prefix or ".")
        tree = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            _, otype, blob = meta.split()
            if otype == "blob" and path.startswith(self.ledger_prefix):
                tree[path[len(self.ledger_prefix):]] = blob
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
            found = self._prescan.result()
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
                      if ch.path.startswith(issues) and ch.new_blob != _NULL]
        scanned = self.scan(item_blobs)
        by_path: dict[str, str] = {}          # path → item id
        status_of: dict[str, str | None] = {}  # item id → status
        out: dict[str, list[Transition]] = {}
        for c in self.commits:
            touched: dict[str, str] = {}
            removed: dict[str, str] = {}
            for ch in c.changes:
                if not ch.path.startswith(issues):
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


def _scan_text(raw: bytes) -> tuple[str | None, str | None]:
    m_id, m_status = _ID_RE.search(raw), _STATUS_RE.search(raw)
    return (m_id.group(1).decode("utf-8", "replace") if m_id else None,
            m_status.group(1).decode() if m_status else None)


#: objects in a repository from which a first read of its history scans every blob of it in a
#: separate process while ``git log`` runs
PRESCAN_MIN_OBJECTS = 20000


class Prescan:
    """The light scan of every blob in the repository, made in a forked process while the main
    line is read: on a first read the two take about as long, and each keeps a core busy.
    Blobs are read in pack order (``--unordered``), the fastest; only those with an ``id:`` line
    are kept. Blobs it misses (none, unless the object store changes meanwhile) are scanned later
    one by one as before."""

    def __init__(self, git_dir: str):
        import multiprocessing
        self._receive, send = multiprocessing.Pipe(duplex=False)
        self._process = multiprocessing.get_context("fork").Process(target=self._run, args=(git_dir, send))
        self._process.start()
        send.close()

    @staticmethod
    def _run(git_dir: str, send) -> None:
        found: dict[str, tuple[str | None, str | None]] = {}
        try:
            proc = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch-all-objects", "--batch",
                                     "--unordered"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            stream = proc.stdout
            while True:
                header = stream.readline().split()
                if len(header) < 3:
                    break
                data = stream.read(int(header[2]))
                stream.read(1)
                if header[1] == b"blob":
                    scanned = _scan_text(data)
                    if scanned[0] is not None:
                        found[header[0].decode()] = scanned
            proc.wait()
            send.send_bytes(pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            os._exit(0)

    def result(self) -> dict[str, tuple[str | None, str | None]]:
        try:
            found = pickle.loads(self._receive.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            found = {}   # the scan one by one covers everything
        self._process.join()
        return found


def _object_count(repo: git.Repo) -> int:
    try:
        counts = dict(line.split(": ", 1) for line in repo.git.count_objects("-v").splitlines() if ": " in line)
        return int(counts.get("count", 0)) + int(counts.get("in-pack", 0))
    except (git.GitCommandError, ValueError):
        return 0


# ---------------------------------------------------------------- reading git

def read_blobs(repo: git.Repo, blobs: Iterable[str]) -> dict[str, bytes]:
    """Many blobs' contents through one ``git cat-file --batch``."""
    return dict(iter_blobs(repo, blobs))


def iter_blobs(repo: git.Repo, blobs: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """Stream many blobs through one ``git cat-file --batch``, one (id, contents) at a time, so that
    a city's 200,000 file versions never sit in memory together; a writer thread avoids pipe
    deadlock."""
    wanted = list(dict.fromkeys(b for b in blobs if b and b != _NULL))
    if not wanted:
        return
    proc = repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)

    def feed() -> None:
        try:
            proc.stdin.write("".join(b + "\n" for b in wanted).encode())
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    stream = proc.stdout
    finished = False
    try:
        for _ in wanted:
            header = stream.readline().split()
            if len(header) < 3:      # "<sha> missing"
                continue
            size = int(header[2])
            data = stream.read(size)
            stream.read(1)
            yield header[0].decode(), data
        finished = True
    finally:
        if not finished:
            proc.kill()          # the reader stopped early: nothing more will be read
        writer.join()
        try:
            proc.wait()
        except git.GitCommandError:
            if finished:
                raise


def _parse_log(text: str, prefix: str) -> list[Commit]:
    commits = []
    for chunk in text.split("\x01"):
        if not chunk:
            continue
        parts = chunk.split("\0")
        sha, parents, author, email, authored, committed, subject = parts[:7]
        changes = []
        tokens = [t.strip("\n") for t in parts[7:]]
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.startswith(":"):
                meta = tok[1:].split()
                path = tokens[i + 1]
                if path.startswith(prefix):
                    changes.append(Change(meta[4][0], intern(path), meta[2], meta[3]))
                i += 2
            else:
                i += 1
        commits.append(Commit(sha, tuple(parents.split()), intern(author), intern(email), dt.datetime.fromisoformat(authored),
                              dt.datetime.fromisoformat(committed), subject, tuple(changes)))
    return commits


_CHUNK = 5000   # commits per marshalled chunk: decoding a city's line whole doubled its memory for a moment


def _encode(commits: list[Commit]) -> bytes:
    rows = [(c.sha, c.parents, c.author, c.email, c.authored.isoformat(), c.committed.isoformat(),
             c.subject, tuple((ch.status, ch.path, ch.old_blob, ch.new_blob) for ch in c.changes))
            for c in commits]
    return marshal.dumps([marshal.dumps(rows[k:k + _CHUNK]) for k in range(0, len(rows), _CHUNK)])


def _decode(payload: bytes) -> list[Commit]:
    iso = dt.datetime.fromisoformat
    commits: list[Commit] = []
    for chunk in marshal.loads(payload):
        commits += [Commit(sha, parents, intern(author), intern(email), iso(authored), iso(committed), subject,
                           tuple(Change(status, intern(path), old, new) for status, path, old, new in changes))
                    for sha, parents, author, email, authored, committed, subject, changes in marshal.loads(chunk)]
    return commits


def _log(repo: git.Repo, rev: str, prefix: str) -> list[Commit]:
    text = repo.git.log("--first-parent", "--reverse", "--raw", "-z", "--no-abbrev", "--no-renames",
                        "--format=%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x00", rev, "--",
                        prefix or ".", stdout_as_string=True)
    return _parse_log(text, prefix)


def _read_commits(repo: git.Repo, head: str, prefix: str, cache: ParseCache | None) -> list[Commit]:
    """The main line's commits, read again only from where the cached reading stopped.

    The cached line is reused when its head lies on the first-parent line of the new head (the
    usual case: main moved forward); after a rewrite of history it is read whole again.
    """
    # by the repository's git folder, which its worktrees share: the commits are the same
    key = f"{Path(repo.common_dir).resolve()}\0{prefix}"
    stored = cache.history_get(key) if cache is not None else None
    commits = None
    if stored is not None:
        old_head, payload = stored
        if old_head == head:
            return _decode(payload)
        try:
            walk = repo.git.rev_list("--first-parent", "--parents", f"{old_head}..{head}").split("\n")
        except git.GitCommandError:      # the old head is gone (a rewrite, then gc): read it all
            walk = []
        oldest = walk[-1].split() if walk and walk[-1] else []
        if len(oldest) >= 2 and oldest[1] == old_head:
            commits = _decode(payload) + _log(repo, f"{old_head}..{head}", prefix)
    if commits is None:
        commits = _log(repo, head, prefix)
    if cache is not None:
        cache.history_put(key, head, _encode(commits))
    return commits


def open_history(repo_path: str | Path, ref: str = "HEAD", ledger_dir: str = "ledger",
                 cache: ParseCache | None = None) -> History:
    """Read the first-parent history of ``ref`` touching ``ledger_dir``. Raises ``LedgerError``
    for a shallow clone or an unknown ref: both would give a silently wrong timeline."""
    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise LedgerError([Problem.at(str(repo_path), None, "history.not_a_repo")]) from None
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
        prescan = None
        if (cache is None or not cache.has_scans()) and _object_count(repo) >= PRESCAN_MIN_OBJECTS:
            prescan = Prescan(repo.common_dir)
        commits = _read_commits(repo, head, prefix, cache)
    except LedgerError:
        repo.close()
        raise
    except git.GitCommandError as exc:
        repo.close()
        raise LedgerError([Problem.at(str(repo_path), None, "history.git_failed",
                                      detail=(exc.stderr or "").strip()[:200])]) from None
    return History(repo, prefix, commits, cache or ParseCache(None), _prescan=prescan)

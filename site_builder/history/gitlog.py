"""Git reading for the history stage: the main line's commits (one ``git log``, parsed, cached by
head and read again only from there), blob streams (one ``git cat-file --batch``), and the light
scan of an item's id and status from its raw text, including the first read's scan of every blob
in a worker process (``prescan``). ``history`` builds transitions and as-of ledgers on top.
"""

from __future__ import annotations

import datetime as dt
import marshal
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Iterable, Iterator

import git

from site_builder.ledger.cache import ParseCache

_ID_RE = re.compile(rb"^id:[ \t]*['\"]?([^'\"\s#]+)", re.M)
_STATUS_RE = re.compile(rb"^status:[ \t]*['\"]?([a-z_]+)", re.M)
_NULL = "0" * 40
_REGULAR = ("100644", "100755", "000000")   # 000000: deleted


@dataclass(frozen=True, slots=True)   # slots: a city's history holds 200,000 commits
class Change:
    """One file changed by a commit, relative to its first parent."""
    status: str          # A added, M modified, D deleted, T type changed
    path: str            # repository-relative
    old_blob: str
    new_blob: str
    mode: str = "100644"  # the new git file mode: 120000 a symbolic link, 160000 a submodule

    @property
    def irregular(self) -> str | None:
        """The problem code of a change that writes no regular file (None for a regular one or a
        deletion): such an entry's blob is never read, so a link's target is never quoted."""
        return None if self.mode in _REGULAR else "load.symlink" if self.mode == "120000" else "load.not_regular"


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
    #: (name, email) of each Co-authored-by trailer: a squash merge on GitHub credits the pull
    #: request's author and lists every other author of its commits so
    coauthors: tuple[tuple[str, str], ...] = ()

    @property
    def people(self) -> tuple[tuple[str, str], ...]:
        """Everyone the commit is by: its author, then its co-authors."""
        return ((self.author, self.email),) + self.coauthors


def _scan_text(raw: bytes) -> tuple[str | None, str | None]:
    m_id, m_status = _ID_RE.search(raw), _STATUS_RE.search(raw)
    return (m_id.group(1).decode("utf-8", "replace") if m_id else None,
            m_status.group(1).decode() if m_status else None)


def prescan(_, git_dir: str) -> dict[str, tuple[str | None, str | None]]:
    """The light scan of every blob in the repository, run in a worker process (``runner``) while
    the main line is read: on a first read the two take about as long, and each keeps a core busy.
    Blobs are read in pack order (``--unordered``), the fastest; only those with an ``id:`` line
    are kept. Blobs it misses (none, unless the object store changes meanwhile) are scanned later
    one by one as before."""
    found: dict[str, tuple[str | None, str | None]] = {}
    with subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch-all-objects", "--batch", "--unordered"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
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


def _coauthors(trailers: str) -> tuple[tuple[str, str], ...]:
    """"Name <email>" values of Co-authored-by trailers, separated by U+001F."""
    out = []
    for value in trailers.split("\x1f"):
        name, _, email = value.strip().partition("<")
        if name.strip():
            out.append((intern(name.strip()), intern(email.rstrip("> \n"))))
    return tuple(out)


def _parse_log(text: str, prefix: str, trailers: bool = False) -> list[Commit]:
    """Commits of a ``git log -z --raw`` in the format of ``_log`` (``trailers``: with one more
    field after the subject, the Co-authored-by trailers)."""
    commits = []
    fields = 8 if trailers else 7
    for chunk in text.split("\x01"):
        if not chunk:
            continue
        parts = chunk.split("\0")
        sha, parents, author, email, authored, committed, subject = parts[:7]
        coauthors = _coauthors(parts[7]) if trailers else ()
        changes = []
        tokens = [t.strip("\n") for t in parts[fields:]]
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.startswith(":"):
                meta = tok[1:].split()
                path = tokens[i + 1]
                if path.startswith(prefix):
                    changes.append(Change(meta[4][0], intern(path), meta[2], meta[3], intern(meta[1])))
                i += 2
            else:
                i += 1
        commits.append(Commit(sha, tuple(parents.split()), intern(author), intern(email), dt.datetime.fromisoformat(authored),
                              dt.datetime.fromisoformat(committed), subject, tuple(changes), coauthors))
    return commits


_CHUNK = 5000   # commits per marshalled chunk: decoding a city's line whole doubled its memory for a moment


def _encode(commits: list[Commit]) -> bytes:
    rows = [(c.sha, c.parents, c.author, c.email, c.authored.isoformat(), c.committed.isoformat(),
             c.subject, tuple((ch.status, ch.path, ch.old_blob, ch.new_blob, ch.mode) for ch in c.changes))
            for c in commits]
    return marshal.dumps([marshal.dumps(rows[k:k + _CHUNK]) for k in range(0, len(rows), _CHUNK)])


def _decode(payload: bytes) -> list[Commit]:
    iso = dt.datetime.fromisoformat
    commits: list[Commit] = []
    for chunk in marshal.loads(payload):
        commits += [Commit(sha, parents, intern(author), intern(email), iso(authored), iso(committed), subject,
                           tuple(Change(status, intern(path), old, new, intern(mode))
                                 for status, path, old, new, mode in changes))
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
        try:
            known = _decode(payload)
        except Exception:  # noqa: BLE001 - a damaged entry: the main line is read again
            known = None
        if known is not None and old_head == head:
            return known
        try:
            walk = [] if known is None else repo.git.rev_list("--first-parent", "--parents", f"{old_head}..{head}").split("\n")
        except git.GitCommandError:      # the old head is gone (a rewrite, then gc): read it all
            walk = []
        oldest = walk[-1].split() if walk and walk[-1] else []
        if len(oldest) >= 2 and oldest[1] == old_head:
            commits = known + _log(repo, f"{old_head}..{head}", prefix)
    if commits is None:
        commits = _log(repo, head, prefix)
    if cache is not None:
        cache.history_put(key, head, _encode(commits))
    return commits

"""Git history: the plan's events as one ``git fast-import`` stream, never a git command per commit.

Events are ordered by date; within a day each author gets a time slot, so one person's changes
of the day sit together. Consecutive events of one author and one day are then merged into a
commit (at most ``MAX_GROUP``; never two status changes of one item, so every commit moves an
item along one legal edge) just often enough to land on the target number of commits. Commit
times are fixed (08:00–22:00, +0800) and strictly increasing. Every ``merge_every``-th commit of
``main`` is a pull-request merge: its change is made on a side branch and merged with
``--no-ff``, so first-parent readers see the same change as on a plain commit. Blobs go inline, or
by mark when a merge needs them twice. The final tree is checked against the files on disk.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
import zlib
from pathlib import Path
from typing import IO, Any

from entities import Event
from render import StaticFile

TZ = dt.timezone(dt.timedelta(hours=8))
DAY_START, DAY_SPAN = 8 * 3600, 14 * 3600
MAX_GROUP = 6
# glibc otherwise gives memory back after nearly every commit: 200,000 brk calls, 45% of the time
FAST_IMPORT_ENV = {**os.environ, "MALLOC_TRIM_THRESHOLD_": str(256 << 20), "MALLOC_TOP_PAD_": str(64 << 20)}
LABELS = {"init": "初始化台账", "round": "新增巡察轮次", "open": "建账", "report": "报告整改进展",
          "supervision": "记录日常监督", "measure": "措施完成", "mechanism": "建立制度机制", "submit": "交账",
          "verify": "核账通过", "return": "核账退回", "clear": "销号", "lookback": "回头看",
          "relapse": "回头看发现反弹", "withdraw": "撤销（合并）", "action": "记录成果运用",
          "evaluation": "评估晒账", "bulletin": "每周情况通报"}


def order_events(events: list[Event]) -> list[Event]:
    """By date, then by the author's time slot that day, then in planning order."""
    def key(e: Event) -> tuple:
        return e.date, zlib.crc32(f"{e.author.email}|{e.date}".encode()), e.author.email, e.seq
    return sorted(events, key=key)


def group_commits(events: list[Event], target: int) -> list[list[Event]]:
    """Split ordered events into about ``target`` commits, merging neighbours at an even pace."""
    merges_needed = max(0, len(events) - target)
    commits: list[list[Event]] = []
    status_paths: set[str] = set()
    merges = 0
    for i, event in enumerate(events):
        wanted = -(-i * merges_needed // max(1, len(events) - 1))
        current = commits[-1] if commits else None
        if (current is not None and merges < wanted and len(current) < MAX_GROUP
                and event.date == current[0].date and event.author == current[0].author
                and not (event.status and event.path in status_paths)):
            current.append(event)
            merges += 1
        else:
            commits.append([event])
            status_paths = set()
        if event.status:
            status_paths.add(event.path)
    return commits


def timestamps(commits: list[list[Event]]) -> list[int]:
    """Strictly increasing Unix times, spread over each commit's day (at least 2 s apart)."""
    per_day: dict[dt.date, int] = {}
    for events in commits:
        per_day[events[0].date] = per_day.get(events[0].date, 0) + 1
    if per_day and max(per_day.values()) > DAY_SPAN // 2:
        raise ValueError("more than one commit every 2 s on some day; lower the commit target")
    seen: dict[dt.date, int] = {}
    stamps = []
    for events in commits:
        day = events[0].date
        k = seen.get(day, 0)
        seen[day] = k + 1
        midnight = int(dt.datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp())
        stamps.append(midnight + DAY_START + k * DAY_SPAN // per_day[day])
    return stamps


def _message(events: list[Event]) -> bytes:
    first = events[0]
    subjects = list(dict.fromkeys(e.subject for e in events))
    label = LABELS[first.kind] if all(e.kind == first.kind for e in events) else "更新台账"
    more = f"等{len(subjects)}项" if len(subjects) > 1 else ""
    return f"{label}：{subjects[0]}{more}\n".encode()


def _commit_header(ref: str, ident: bytes, message: bytes) -> bytes:
    return (b"commit " + ref.encode() + b"\nauthor " + ident + b"\ncommitter " + ident
            + b"\ndata %d\n" % len(message) + message)


class StreamWriter:
    """Writes commits into a fast-import stream; counts what it wrote."""

    def __init__(self, out: IO[bytes], merge_every: int):
        self.out = out
        self.merge_every = merge_every
        self.mark = 0
        self.commits = 0
        self.merges = 0
        self.blob_bytes = 0

    def commit(self, events: list[Event], stamp: int, blobs: list[tuple[str, bytes]]) -> None:
        author = events[0].author
        ident = f"{author.name} <{author.email}> %d +0800".encode()
        self.blob_bytes += sum(len(data) for _, data in blobs)
        self.commits += 1
        if self.merge_every and self.commits % self.merge_every == 0:
            self._merge(ident, stamp, _message(events), blobs)
            return
        w = self.out.write
        w(_commit_header("refs/heads/main", ident % stamp, _message(events)))
        for path, data in blobs:
            w(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
            w(data)
            w(b"\n")

    def _merge(self, ident: bytes, stamp: int, message: bytes, blobs: list[tuple[str, bytes]]) -> None:
        """The change as a side-branch commit, then a merge of it into main."""
        w = self.out.write
        marks = []
        for _, data in blobs:
            self.mark += 1
            marks.append(self.mark)
            w(b"blob\nmark :%d\ndata %d\n" % (self.mark, len(data)))
            w(data)
            w(b"\n")
        changes = b"".join(b"M 100644 :%d %s\n" % (m, path.encode()) for m, (path, _) in zip(marks, blobs))
        self.merges += 1
        w(_commit_header("refs/heads/pr", ident % (stamp - 1), message))
        w(b"from refs/heads/main\n" + changes)
        title = f"Merge pull request #{self.merges} from ledger/pr-{self.merges}\n\n".encode()
        w(_commit_header("refs/heads/main", ident % stamp, title + message))
        w(b"merge refs/heads/pr\n" + changes)


def write_stream(out: IO[bytes], files: dict[str, StaticFile], target: int, merge_every: int) -> StreamWriter:
    """The whole history as a fast-import stream; every file ends with all its events applied."""
    events = order_events([e for f in files.values() for e in f.events])
    commits = group_commits(events, target)
    writer = StreamWriter(out, merge_every)
    for f in files.values():
        f.reset()
    for group, stamp in zip(commits, timestamps(commits)):
        changed = list(dict.fromkeys(e.path for e in group))
        for event in group:
            files[event.path].apply(event)
        writer.commit(group, stamp, [(path, files[path].text().encode("utf-8")) for path in changed])
    out.write(b"done\n")
    return writer


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_history(files: dict[str, StaticFile], repo: Path, target: int, merge_every: int) -> dict[str, Any]:
    """Make ``repo`` (already holding the final files) a git repository with the planned history."""
    started = time.perf_counter()
    _git(repo, "init", "-q", "-b", "main")
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=repo, env=FAST_IMPORT_ENV,
                            stdin=subprocess.PIPE, bufsize=1 << 20)
    assert proc.stdin is not None
    try:
        writer = write_stream(proc.stdin, files, target, merge_every)
    finally:
        proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    imported = time.perf_counter()
    if writer.merges:
        _git(repo, "update-ref", "-d", "refs/heads/pr")
    _git(repo, "reset", "-q")  # the index from HEAD; the working tree already holds the files
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=all")
    if dirty:
        raise RuntimeError("the last commit differs from the generated files:\n" + dirty[:2000])
    pack_bytes = sum(p.stat().st_size for p in (repo / ".git" / "objects").rglob("*") if p.is_file())
    return {"commits_first_parent": writer.commits, "commits_total": writer.commits + writer.merges,
            "merges": writer.merges, "blob_mb": round(writer.blob_bytes / 1e6, 1),
            "git_mb": round(pack_bytes / 1e6, 1), "import_seconds": round(imported - started, 2),
            "history_seconds": round(time.perf_counter() - started, 2)}

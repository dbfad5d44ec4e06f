"""Parse cache: the load stage's memory, checked files by git blob id, kept in SQLite.

Working-tree files and history share it, because both are named by blob id; a rebuild only parses
what changed. Many uncached files are parsed in a pool of one process per core. The same store
keeps the history stage's light scans (item id and status of a blob) and its reading of the main
line, so that a rebuild reads only the commits that came since.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import yaml

from site_builder.core import runner
from site_builder.ledger import yamlsafe
from site_builder.ledger.filecheck import check_file
from site_builder.ledger.models import FILE_KINDS
from site_builder.core.problems import Problem

CACHE_VERSION = 6
_PLACEHOLDER = "\0"

PARALLEL_MIN = 200   # below this many files a process pool costs more than it saves


def _payload(job: tuple[bytes, str] | tuple[bytes, str, bool]) -> bytes:
    """What the cache stores for one file: plain data if it passed, else its problems (the same
    whether or not it was read by pieces)."""
    raw, kind, *pieces = job
    data, model, problems = check_file(raw, kind, _PLACEHOLDER, bool(pieces and pieces[0]))
    return pickle.dumps((data if model is not None else None,
                         tuple((p.line, p.col, p.code, p.params) for p in problems)), protocol=pickle.HIGHEST_PROTOCOL)


def _payload_task(_, job: tuple[bytes, str]) -> bytes:
    return _payload(job)


def _payloads(jobs: list[tuple], workers: int | None = None) -> Iterator[bytes]:
    """Payloads of ``jobs`` in order, as they are made."""
    # Parsing is CPU-bound Python: one process per core. The payloads come back as pickled plain data,
    # cheaper to send than models; the parent rebuilds models from them (a sixth of a parse) while
    # the workers go on, so both cores stay busy to the end.
    count = runner.worker_count(len(jobs), PARALLEL_MIN, cap=workers)
    with runner.Batch(_payload_task, jobs, workers=count, chunk=max(8, len(jobs) // (max(count, 1) * 32))) as batch:
        yield from batch.stream()


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """What every stored result depends on besides its input: the package's version, the code of
    every module (models, rules, parsers) and the libraries that shape parsed data. A cache written
    by other code is discarded whole, never read."""
    from importlib import metadata
    import pydantic
    h = hashlib.sha1(f"{CACHE_VERSION}\0{pydantic.VERSION}\0{yaml.__version__}\0".encode())
    try:
        h.update(metadata.version("rectification-ledger").encode())
    except metadata.PackageNotFoundError:
        pass
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def open_store(path: Path, tables: tuple[str, ...]) -> sqlite3.Connection | None:
    """A SQLite store at ``path`` holding ``tables`` (their CREATE statements), for this code only.

    A store written by other code (another version, changed models) is emptied; one that is corrupt,
    not a database, or unreadable is deleted and made anew; when even that fails, None (no cache is
    only a slower run)."""
    for attempt in (1, 2):
        db = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path)
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = db.execute("SELECT value FROM meta WHERE key = 'code'").fetchone()
            if row is None or row[0] != code_version():
                with db:
                    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                                      " AND name != 'meta'")]
                    for name in names:
                        db.execute(f'DROP TABLE "{name}"')
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('code', ?)", (code_version(),))
            for create in tables:
                db.execute(create)
            return db
        except (OSError, sqlite3.Error):
            if db is not None:
                db.close()
            if attempt == 2:
                return None
            for suffix in ("", "-journal", "-wal", "-shm"):
                try:
                    Path(str(path) + suffix).unlink()
                except OSError:
                    pass
    return None


def _tolerant(default):
    """A store read that fails (a database damaged since it was opened) reads as nothing stored."""
    def wrap(method):
        @functools.wraps(method)
        def read(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except sqlite3.Error:
                return default() if callable(default) else default
        return read
    return wrap


class ParseCache:
    """Checked files by (blob id, kind), kept in SQLite between runs and in memory within one.

    The store holds pickled plain data (faster to read back and validate than pickled models)
    or, for a file that failed, its problems without a file name, because one blob may live at
    several paths. Models are rebuilt from plain data, which costs a twentieth of a parse.
    """

    def __init__(self, path: Path | None):
        self.path = path
        self.models: dict[tuple[str, str], tuple[Any, tuple[Problem, ...]]] = {}
        self.pending: list[tuple[str, str, bytes]] = []
        self.db: sqlite3.Connection | None = None
        self.workers: int | None = None     # parsing processes at most; None: one per core
        self._forked_from: sqlite3.Connection | None = None
        if path is not None:
            self.db = open_store(path, (
                "CREATE TABLE IF NOT EXISTS parsed (blob TEXT, kind TEXT, version INTEGER,"
                " data BLOB, PRIMARY KEY (blob, kind))",
                "CREATE TABLE IF NOT EXISTS scan (blob TEXT PRIMARY KEY, item TEXT, status TEXT)",
                "CREATE TABLE IF NOT EXISTS history (key TEXT PRIMARY KEY, version INTEGER, head TEXT, data BLOB)",
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data BLOB)",
                "CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, data BLOB)"))

    def reopened(self) -> "ParseCache":
        """In a forked process: the same store through a connection of its own, sharing the models
        already made in memory."""
        other = ParseCache(self.path)
        other.models = self.models
        other.workers = self.workers
        return other

    def detach(self) -> None:
        """In a forked worker: parse in this process only, and leave the store alone. A SQLite
        connection must not be used across a fork, nor closed in the child (the parent still uses
        it), so the child keeps a reference and never touches it."""
        self._forked_from, self.db, self.workers = self.db, None, 1
        self.pending.clear()

    @staticmethod
    def _decode(kind: str, payload: bytes) -> tuple[Any, tuple[Problem, ...]]:
        data, problems = pickle.loads(payload)
        if problems:
            return None, tuple(Problem(_PLACEHOLDER, line, col, code, params) for line, col, code, params in problems)
        return FILE_KINDS[kind][0].model_validate(data), ()

    @_tolerant(dict)
    def _stored_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
        if self.db is None or not keys:
            return {}
        found: dict[tuple[str, str], bytes] = {}
        blobs = sorted({b for b, _ in keys})
        for start in range(0, len(blobs), 900):
            chunk = blobs[start:start + 900]
            rows = self.db.execute(f"SELECT blob, kind, data FROM parsed WHERE version = ? AND blob IN "
                                   f"({','.join('?' * len(chunk))})", [CACHE_VERSION, *chunk])
            found.update({(b, k): d for b, k, d in rows})
        return found

    def prepare(self, entries: list[tuple[bytes, str, str]], pieces: bool = False) -> None:
        """Check every (raw, kind, blob) not yet known, in parallel when there are many. ``pieces``
        for many versions of the same files, given path by path (``yamlsafe.parse``)."""
        todo = [(raw, kind, blob) for raw, kind, blob in entries if (blob, kind) not in self.models]
        stored = self._stored_many([(blob, kind) for _, kind, blob in todo])
        misses = []
        for raw, kind, blob in todo:
            payload = stored.get((blob, kind))
            try:
                decoded = None if payload is None else self._decode(kind, payload)
            except Exception:  # noqa: BLE001 - a damaged entry is parsed again, never trusted
                decoded = None
            if decoded is None:
                misses.append((raw, kind, blob))
            else:
                self.models[(blob, kind)] = decoded
        for (raw, kind, blob), payload in zip(misses, _payloads([(raw, kind, pieces) for raw, kind, _ in misses],
                                                                 self.workers)):
            self.models[(blob, kind)] = self._decode(kind, payload)
            self.pending.append((blob, kind, payload))

    def get(self, raw: bytes, kind: str, file: str, blob: str | None = None) -> tuple[Any, list[Problem], str]:
        blob = blob or yamlsafe.blob_id(raw)
        if (blob, kind) not in self.models:
            self.prepare([(raw, kind, blob)])
        model, problems = self.models[(blob, kind)]
        return model, [replace(p, file=file) for p in problems], blob

    def has_scans(self) -> bool:
        """Whether any light scan is stored (none: the history is read for the first time)."""
        if self.db is None:
            return False
        try:
            return self.db.execute("SELECT 1 FROM scan LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return False

    @_tolerant(dict)
    def scans(self, blobs: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """Stored light scans (item id, status) of item blobs; see ``history.History.scan``."""
        if self.db is None or not blobs:
            return {}
        out = {}
        for start in range(0, len(blobs), 900):
            chunk = blobs[start:start + 900]
            rows = self.db.execute(f"SELECT blob, item, status FROM scan WHERE blob IN ({','.join('?' * len(chunk))})",
                                   chunk)
            out.update({b: (i, s) for b, i, s in rows})
        return out

    def store_scans(self, scans: dict[str, tuple[str | None, str | None]]) -> None:
        if self.db is None or not scans:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO scan VALUES (?, ?, ?)",
                                    [(b, i, s) for b, (i, s) in scans.items()])
        except sqlite3.Error:
            pass

    @_tolerant(None)
    def history_get(self, key: str) -> tuple[str, bytes] | None:
        """The main line's commits as last read (see ``gitlog._read_commits``): (head, payload)."""
        if self.db is None:
            return None
        row = self.db.execute("SELECT head, data FROM history WHERE key = ? AND version = ?",
                              (key, CACHE_VERSION)).fetchone()
        return (row[0], row[1]) if row else None

    def history_put(self, key: str, head: str, payload: bytes) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)", (key, CACHE_VERSION, head, payload))
        except sqlite3.Error:
            pass

    @_tolerant(None)
    def result_get(self, key: str) -> bytes | None:
        """A whole validation's outcome for one tree (see ``cli``): equal trees are not checked twice."""
        if self.db is None:
            return None
        row = self.db.execute("SELECT data FROM results WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def result_put(self, key: str, payload: bytes) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("DELETE FROM results")   # only the latest tree is worth keeping
                self.db.execute("INSERT INTO results VALUES (?, ?)", (key, payload))
        except sqlite3.Error:
            pass

    @_tolerant(dict)
    def verdicts(self, keys: list[str]) -> dict[str, bytes]:
        """The change rules' stored verdicts of commits (see ``history.rules``), by key."""
        if self.db is None or not keys:
            return {}
        out: dict[str, bytes] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start:start + 900]
            rows = self.db.execute(f"SELECT key, data FROM verdicts WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            out.update(dict(rows))
        return out

    def store_verdicts(self, verdicts: dict[str, bytes]) -> None:
        if self.db is None or not verdicts:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?)", list(verdicts.items()))
        except sqlite3.Error:
            pass

    def save(self) -> None:
        if self.db is None or not self.pending:
            self.pending = []
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?, ?, ?)",
                                    [(b, k, CACHE_VERSION, d) for b, k, d in self.pending])
        except sqlite3.Error:
            pass
        self.pending = []


def default_cache_path(ledger_dir: Path) -> Path:
    return Path(os.environ.get("RECTIFY_CACHE_DIR", ledger_dir.resolve().parent / ".rectify-cache")) / "parsed.sqlite"

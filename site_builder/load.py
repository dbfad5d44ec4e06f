"""Load: the second stage of the pipeline, a ledger folder (or a git tree) in, a ``Ledger`` out.

Each file is parsed by ``yamlsafe`` and checked against its model; every problem found is
returned with its place, none raised. Parsed and checked files are cached by git blob id, so the
working tree and the history share one cache and a rebuild only parses what changed.
"""

from __future__ import annotations

import fnmatch
import math
import os
import pickle
import multiprocessing
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import BaseModel, ValidationError

from . import yamlsafe
from .models import (FILE_KINDS, ID_PATTERN, Action, BulletinNotes, Evaluation, Item, Round, Settings, Unit)
from .problems import Problem

CACHE_VERSION = 5
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ Tt]\d")
_DATE_SHAPE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER = "\0"


def kind_of(rel: str) -> str | None:
    """The file kind of a ledger-relative path, or None when no kind matches."""
    for kind, (_, _, pattern) in FILE_KINDS.items():
        if fnmatch.fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/"):
            return kind
    return None


# ---------------------------------------------------------------- pydantic errors → problems

_TYPE_CODES = {
    "missing": "schema.missing",
    "extra_forbidden": "schema.unknown_field",
    "string_type": "schema.expected_text",
    "string_too_short": "schema.empty_text",
    "string_pattern_mismatch": "schema.pattern",
    "enum": "schema.enum",
    "too_short": "schema.too_short",
    "tuple_type": "schema.expected_list",
    "list_type": "schema.expected_list",
    "model_type": "schema.expected_mapping",
    "model_attributes_type": "schema.expected_mapping",
    "dict_type": "schema.expected_mapping",
    "bool_type": "schema.expected_bool",
    "int_type": "schema.expected_number",
    "int_parsing": "schema.expected_number",
    "float_type": "schema.expected_number",
    "float_parsing": "schema.expected_number",
    "greater_than_equal": "schema.too_small",
    "less_than_equal": "schema.too_large",
    "string_too_long": "schema.too_long",
    "int_from_float": "schema.expected_number",
    "literal_error": "schema.enum",
    "finite_number": "schema.expected_number",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10 ** 20:
        try:
            return str(value)[:20] + "…"
        except ValueError:  # more digits than Python will print
            return "…"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _problem_from_pydantic(err: dict, text: str, file: str) -> Problem:
    loc = tuple(err["loc"])
    etype = err["type"]
    field_name = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
    value = err.get("input")
    if etype == "date_type":
        code = "schema.date_format"
        if isinstance(value, str) and _DATETIME_RE.match(value):
            code = "schema.date_not_datetime"
        elif isinstance(value, str) and _DATE_SHAPE_RE.match(value):
            code = "schema.date_impossible"
        return Problem.at(file, yamlsafe.locate(text, loc), code, field=field_name, value=_describe(value))
    code = _TYPE_CODES.get(etype, "schema.invalid")
    huge = (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and math.isinf(value))
    if huge and code == "schema.expected_number":
        return Problem.at(file, yamlsafe.locate(text, loc), "schema.number_too_large", field=field_name)
    params: dict[str, Any] = {"field": field_name}
    if etype == "extra_forbidden":
        return Problem.at(file, yamlsafe.locate(text, loc, key=True), code, **params)
    if etype == "missing":
        return Problem.at(file, yamlsafe.locate(text, loc[:-1]), code, **params)
    if value is None and etype not in ("missing", "extra_forbidden"):
        return Problem.at(file, yamlsafe.locate(text, loc), "schema.empty_value", field=field_name)
    if etype in ("enum", "literal_error"):
        params["expected"] = " / ".join(re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", ""))))
    if etype in ("greater_than_equal", "less_than_equal"):
        params["limit"] = next(iter(err.get("ctx", {}).values()), "")
    if etype == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern == ID_PATTERN:
            code = "schema.bad_id"
        elif "W" in pattern:
            code = "schema.bad_week"
        params["expected"] = pattern
    if etype == "too_short":
        params["min"] = err.get("ctx", {}).get("min_length", 1)
    if etype == "string_too_long":
        params["max"] = err.get("ctx", {}).get("max_length", "")
    if code == "schema.invalid":
        params["detail"] = err.get("msg", "")
    params["value"] = _describe(value)
    return Problem.at(file, yamlsafe.locate(text, loc), code, **params)


def check_file(raw: bytes, kind: str, file: str) -> tuple[Any, BaseModel | None, list[Problem]]:
    """Parse and model-check one file: (plain data, model, problems). The unit the cache stores."""
    model_cls = FILE_KINDS[kind][0]
    data, problems = yamlsafe.parse(raw, file)
    if data is None:
        return None, None, problems
    try:
        return data, model_cls.model_validate(data), []
    except ValidationError as exc:
        text, _ = yamlsafe.decode(raw, file)
        errors = exc.errors(include_url=False)
        # pydantic adds "too short" for a list whose only entries failed; the entry's own error says it
        failed_under = {tuple(e["loc"][:-1]) for e in errors if len(e["loc"]) > 1}
        failed_under |= {loc[:i] for loc in failed_under for i in range(1, len(loc))}
        errors = [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in failed_under)]
        limit = yamlsafe.MAX_FILE_PROBLEMS
        problems = sorted(_problem_from_pydantic(e, text or "", file) for e in errors)
        if len(problems) > limit:
            problems = problems[:limit] + [yamlsafe.more_problems(file, problems[limit - 1], len(problems) - limit)]
        return data, None, problems


# ---------------------------------------------------------------- the cache

PARALLEL_MIN = 200   # below this many files a process pool costs more than it saves


def _payload(job: tuple[bytes, str]) -> bytes:
    """What the cache stores for one file: plain data if it passed, else its problems."""
    raw, kind = job
    data, model, problems = check_file(raw, kind, _PLACEHOLDER)
    return pickle.dumps((data if model is not None else None,
                         tuple((p.line, p.col, p.code, p.params) for p in problems)), protocol=pickle.HIGHEST_PROTOCOL)


def _payloads(jobs: list[tuple[bytes, str]]) -> list[bytes]:
    workers = os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN or workers < 2:
        return [_payload(job) for job in jobs]
    # Parsing is CPU-bound Python: one process per core. The payloads come back as pickled plain data,
    # cheaper to send than models; the parent rebuilds models from them in a twentieth of a parse.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_payload, jobs, chunksize=max(16, len(jobs) // (workers * 8)))



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
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path)
                self.db.execute("CREATE TABLE IF NOT EXISTS parsed (blob TEXT, kind TEXT, version INTEGER,"
                                " data BLOB, PRIMARY KEY (blob, kind))")
                self.db.execute("CREATE TABLE IF NOT EXISTS scan (blob TEXT PRIMARY KEY, item TEXT, status TEXT)")
                self.db.execute("CREATE TABLE IF NOT EXISTS history (key TEXT PRIMARY KEY, version INTEGER,"
                                " head TEXT, data BLOB)")
            except (OSError, sqlite3.Error):  # an unusable cache is only a slower run
                self.db = None

    @staticmethod
    def _decode(kind: str, payload: bytes) -> tuple[Any, tuple[Problem, ...]]:
        data, problems = pickle.loads(payload)
        if problems:
            return None, tuple(Problem(_PLACEHOLDER, line, col, code, params) for line, col, code, params in problems)
        return FILE_KINDS[kind][0].model_validate(data), ()

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

    def prepare(self, entries: list[tuple[bytes, str, str]]) -> None:
        """Check every (raw, kind, blob) not yet known, in parallel when there are many."""
        todo = [(raw, kind, blob) for raw, kind, blob in entries if (blob, kind) not in self.models]
        stored = self._stored_many([(blob, kind) for _, kind, blob in todo])
        misses = []
        for raw, kind, blob in todo:
            payload = stored.get((blob, kind))
            if payload is None:
                misses.append((raw, kind, blob))
            else:
                self.models[(blob, kind)] = self._decode(kind, payload)
        for (raw, kind, blob), payload in zip(misses, _payloads([(raw, kind) for raw, kind, _ in misses])):
            self.models[(blob, kind)] = self._decode(kind, payload)
            self.pending.append((blob, kind, payload))

    def get(self, raw: bytes, kind: str, file: str, blob: str | None = None) -> tuple[Any, list[Problem], str]:
        blob = blob or yamlsafe.blob_id(raw)
        if (blob, kind) not in self.models:
            self.prepare([(raw, kind, blob)])
        model, problems = self.models[(blob, kind)]
        return model, [replace(p, file=file) for p in problems], blob

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

    def history_get(self, key: str) -> tuple[str, bytes] | None:
        """The main line's commits as last read (see ``history._read_commits``): (head, payload)."""
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

    def save(self) -> None:
        if self.db is None or not self.pending:
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


# ---------------------------------------------------------------- the ledger

@dataclass(frozen=True)
class Ledger:
    """The whole ledger as loaded: every file's model, keyed by id, with its source path.

    ``files`` maps ledger-relative path → display path; ``text`` reads a file's text again when a
    later stage needs to place a problem.
    """

    settings: Settings | None
    units: dict[str, Unit]
    rounds: dict[str, Round]
    items: dict[str, Item]
    actions: tuple[Action, ...]
    evaluations: tuple[Evaluation, ...]
    bulletins: dict[str, BulletinNotes]
    paths: dict[str, str] = field(default_factory=dict)   # "item:<id>" / "round:<id>" / kind → display path
    blobs: dict[str, str] = field(default_factory=dict)   # display path → blob id
    duplicates: tuple[tuple[str, str, str], ...] = ()     # (kind, id, display path) seen twice
    failed: tuple[str, ...] = ()                          # ledger-relative paths that did not load
    text: Callable[[str], str] = field(default=lambda path: "", repr=False, compare=False)
    root: str = "ledger"                                  # display path of the ledger folder

    def locate(self, path: str, loc: tuple, key: bool = False) -> tuple[int, int]:
        return yamlsafe.locate(self.text(path), loc, key=key)


def assemble(files: Iterable[tuple[str, str, Any]], text: Callable[[str], str],
             blobs: dict[str, str], root: str = "ledger") -> Ledger:
    files = list(files)
    """Build a ``Ledger`` from ``(rel, display, model)`` triples of checked files."""
    settings = None
    units: dict[str, Unit] = {}
    rounds: dict[str, Round] = {}
    items: dict[str, Item] = {}
    actions: list[Action] = []
    evaluations: list[Evaluation] = []
    bulletins: dict[str, BulletinNotes] = {}
    paths: dict[str, str] = {}
    duplicates: list[tuple[str, str, str]] = []
    for rel, display, model in files:
        kind = kind_of(rel)
        if model is None or kind is None:
            continue
        if kind == "settings":
            settings = model
            paths["settings"] = display
        elif kind == "units":
            paths["units"] = display
            for unit in model.units:
                if unit.id in units:
                    duplicates.append(("unit", unit.id, display))
                units.setdefault(unit.id, unit)
        elif kind == "round":
            if model.id in rounds:
                duplicates.append(("round", model.id, display))
            else:
                rounds[model.id] = model
                paths["round:" + model.id] = display
        elif kind == "item":
            if model.id in items:
                duplicates.append(("item", model.id, display))
            else:
                items[model.id] = model
                paths["item:" + model.id] = display
        elif kind == "actions":
            actions.extend(model.actions)
            paths["actions"] = display
        elif kind == "evaluations":
            evaluations.extend(model.evaluations)
            paths["evaluations"] = display
        elif kind == "bulletin":
            bulletins[model.week] = model
            paths["bulletin:" + model.week] = display
    return Ledger(settings, units, rounds, dict(sorted(items.items())), tuple(actions), tuple(evaluations),
                  bulletins, paths, blobs, tuple(duplicates),
                  tuple(rel for rel, _, model in files if model is None), text, root)


def _walk(ledger_dir: Path) -> list[str]:
    rels: list[str] = []
    for dirpath, dirnames, filenames in os.walk(ledger_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, ledger_dir)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            rels.append(name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/"))
    return rels


def load_ledger(ledger_dir: str | os.PathLike, cache: ParseCache | None = None,
                display_root: str | None = None) -> tuple[Ledger, list[Problem]]:
    """Load every file of a ledger folder. Returns the ledger and all problems found."""
    root = Path(ledger_dir)
    prefix = display_root if display_root is not None else str(ledger_dir)
    cache = cache or ParseCache(None)
    problems: list[Problem] = []
    if not root.is_dir():
        return assemble([], lambda p: "", {}, prefix), [Problem.at(prefix, None, "load.no_ledger_dir")]
    checked: list[tuple[str, str, Any]] = []
    blobs: dict[str, str] = {}
    display_to_abs: dict[str, Path] = {}
    found: list[tuple[str, str, bytes, str, str]] = []
    for rel in _walk(root):
        display = f"{prefix.rstrip('/')}/{rel}" if prefix else rel
        kind = kind_of(rel)
        if kind is None:
            if rel.endswith((".yaml", ".yml")) or rel.startswith("issues/"):
                problems.append(Problem.at(display, None, "load.unknown_file"))
            continue
        if (root / rel).stat().st_size > yamlsafe.MAX_FILE_BYTES:  # refuse before reading a huge file
            problems.append(Problem.at(display, None, "load.too_large", size=(root / rel).stat().st_size,
                                       limit=yamlsafe.MAX_FILE_BYTES))
            checked.append((rel, display, None))
            continue
        raw = (root / rel).read_bytes()
        found.append((rel, display, raw, kind, yamlsafe.blob_id(raw)))
    cache.prepare([(raw, kind, blob) for _, _, raw, kind, blob in found])
    for rel, display, raw, kind, blob in found:
        model, file_problems, _ = cache.get(raw, kind, display, blob)
        blobs[display] = blob
        display_to_abs[display] = root / rel
        problems.extend(file_problems)
        checked.append((rel, display, model))

    def text(display: str) -> str:
        path = display_to_abs.get(display)
        if path is None:
            return ""
        decoded, _ = yamlsafe.decode(path.read_bytes(), display)
        return decoded or ""

    return assemble(checked, text, blobs, prefix), problems

"""Load: the second stage of the pipeline, a ledger folder (or a git tree) in, a ``Ledger`` out.

Each file is parsed by ``ledger.yamlsafe`` and checked against its model; every problem found is
returned with its place, none raised. Parsed and checked files are cached by git blob id, so the
working tree and the history share one cache and a rebuild only parses what changed.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from site_builder.ledger import yamlsafe
from site_builder.ledger.cache import ParseCache, default_cache_path  # noqa: F401 - the load stage's cache, re-exported
from site_builder.ledger.filecheck import check_file, kind_of  # noqa: F401 - re-exported for callers of the load stage
from site_builder.ledger.models import Action, BulletinNotes, Evaluation, Item, MembersLock, Round, Settings, Unit
from site_builder.core.problems import Problem


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
    members_lock: MembersLock | None = None               # a roll-up's members.lock.yaml

    def locate(self, path: str, loc: tuple, key: bool = False) -> tuple[int, int]:
        return yamlsafe.locate(self.text(path), loc, key=key)

    @functools.cached_property
    def unit_items(self) -> dict[str, tuple[Item, ...]]:
        """Each unit's items, in the items' order: the per-unit figures of a city ledger (hundreds of
        units, ten thousand items) would otherwise scan every item once per unit."""
        return _grouped(self.items.values(), lambda item: (item.unit,))

    @functools.cached_property
    def round_items(self) -> dict[str, tuple[Item, ...]]:
        """Each round's items, in the items' order."""
        return _grouped(self.items.values(), lambda item: (item.round,))

    @functools.cached_property
    def unit_actions(self) -> dict[str, tuple[Action, ...]]:
        """Each unit's actions, in the actions' order."""
        return _grouped(self.actions, lambda action: dict.fromkeys(action.units))


def _grouped(values: Iterable, keys: Callable[[Any], Iterable[str]]) -> dict[str, tuple]:
    out: dict[str, list] = {}
    for value in values:
        for key in keys(value):
            out.setdefault(key, []).append(value)
    return {key: tuple(group) for key, group in out.items()}


def assemble(files: Iterable[tuple[str, str, Any]], text: Callable[[str], str],
             blobs: dict[str, str], root: str = "ledger") -> Ledger:
    files = list(files)
    """Build a ``Ledger`` from ``(rel, display, model)`` triples of checked files."""
    settings = None
    lock = None
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
        elif kind == "members_lock":
            lock = model
            paths["members_lock"] = display
    return Ledger(settings, units, rounds, dict(sorted(items.items())), tuple(actions), tuple(evaluations),
                  bulletins, paths, blobs, tuple(duplicates),
                  tuple(rel for rel, _, model in files if model is None), text, root, lock)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
# O_NONBLOCK: a pipe swapped in between the listing and the open must not hang the run
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_ODD_NAME = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\udc80-\udcff]")


def _shown(rel: str) -> str:
    """A path safe to show: control characters and undecodable bytes written as escapes."""
    return _ODD_NAME.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii")
                         if not 0xDC80 <= ord(m.group()) <= 0xDCFF else f"\\x{ord(m.group()) - 0xDC00:02x}", rel)


def _walk(root_fd: int) -> Iterator[tuple[str, str, int, str]]:
    """Every entry below the ledger folder as (rel, shape, parent fd, name), without following any
    link: shape is "file", "dir", "link", "other" (pipe, device, socket) or "error: <reason>".
    Folders are opened relative to their parent's descriptor, so a folder replaced by a link while
    the walk runs is refused by ``O_NOFOLLOW`` instead of being followed."""
    def walk(fd: int, rel_dir: str) -> Iterator[tuple[str, str, int, str]]:
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_dir}{entry.name}"
            try:
                if entry.is_symlink():
                    yield rel, "link", fd, entry.name
                elif entry.is_dir(follow_symlinks=False):
                    yield rel, "dir", fd, entry.name
                    try:
                        sub = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
                    except OSError as exc:
                        yield rel, "error: " + (exc.strerror or type(exc).__name__), fd, entry.name
                        continue
                    try:
                        yield from walk(sub, rel + "/")
                    finally:
                        os.close(sub)
                elif entry.is_file(follow_symlinks=False):
                    yield rel, "file", fd, entry.name
                else:
                    yield rel, "other", fd, entry.name
            except OSError as exc:
                yield rel, "error: " + (exc.strerror or type(exc).__name__), fd, entry.name
    return walk(root_fd, "")


def _read(fd: int, name: str) -> bytes | int | str:
    """A regular file's bytes, its size when over the limit, or the reason it cannot be read."""
    try:
        handle = os.open(name, _FILE_FLAGS, dir_fd=fd)
    except OSError as exc:
        return "link" if exc.errno == errno.ELOOP else (exc.strerror or type(exc).__name__)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            return "other"
        if info.st_size > yamlsafe.MAX_FILE_BYTES:   # refuse before reading a huge file
            return info.st_size
        os.set_blocking(handle, True)
        chunks = []
        while True:
            chunk = os.read(handle, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    finally:
        os.close(handle)


@dataclass(frozen=True)
class TreeRead:
    """A ledger folder's files as read from disk, before any parsing."""
    root: Path
    prefix: str
    files: tuple[tuple[str, str, bytes, str, str], ...]   # (rel, display, raw, kind, blob id)
    problems: tuple[Problem, ...]                         # unknown and oversized files
    refused: tuple[tuple[str, str], ...]                  # (rel, display) of oversized files

    def digest(self) -> str:
        """One id for the whole tree: equal trees, equal ids (the validation cache's key)."""
        h = hashlib.sha1()
        for rel, _, _, _, blob in self.files:
            h.update(f"{rel}\0{blob}\n".encode())
        for p in self.problems:
            h.update(f"{p.file}\0{p.code}\n".encode())
        return h.hexdigest()


def read_tree(ledger_dir: str | os.PathLike, display_root: str | None = None) -> TreeRead | None:
    """Read every ledger file's bytes (None when the folder does not exist).

    Nothing outside the folder is opened: the folder is resolved once and is the root; below it
    a link, a pipe or a folder where a file belongs is a located problem, never followed or read.
    """
    root = Path(os.path.realpath(ledger_dir))
    prefix = display_root if display_root is not None else str(ledger_dir)
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError:
        return None
    files, problems, refused = [], [], []

    def refuse(display: str, rel: str, code: str, **params: Any) -> None:
        problems.append(Problem.at(display, None, code, **params))
        if kind_of(rel) is not None:
            refused.append((rel, display))

    try:
        for rel, shape, fd, name in _walk(root_fd):
            display = f"{prefix.rstrip('/')}/{_shown(rel)}" if prefix else _shown(rel)
            kind = kind_of(rel)
            if shape == "dir":
                if kind is not None:
                    problems.append(Problem.at(display, None, "load.is_dir"))
                continue
            if shape == "link":
                refuse(display, rel, "load.symlink")
                continue
            if shape.startswith("error: "):
                refuse(display, rel, "load.unreadable", detail=shape.removeprefix("error: "))
                continue
            if _ODD_NAME.search(name):
                refuse(display, rel, "load.bad_name")
                continue
            if kind is None:
                if shape != "file" or rel.endswith((".yaml", ".yml")) or rel.startswith("issues/"):
                    problems.append(Problem.at(display, None, "load.not_regular" if shape == "other"
                                               else "load.unknown_file"))
                continue
            raw = _read(fd, name) if shape == "file" else shape
            if isinstance(raw, int):
                refuse(display, rel, "load.too_large", size=raw, limit=yamlsafe.MAX_FILE_BYTES)
            elif raw == "link":
                refuse(display, rel, "load.symlink")
            elif raw == "other":
                refuse(display, rel, "load.not_regular")
            elif isinstance(raw, str):
                refuse(display, rel, "load.unreadable", detail=raw)
            else:
                files.append((rel, display, raw, kind, yamlsafe.blob_id(raw)))
    except OSError as exc:   # the folder itself cannot be listed
        problems.append(Problem.at(prefix, None, "load.unreadable", detail=exc.strerror or type(exc).__name__))
    finally:
        os.close(root_fd)
    return TreeRead(root, prefix, tuple(files), tuple(problems), tuple(refused))


def load_ledger(ledger_dir: str | os.PathLike, cache: ParseCache | None = None,
                display_root: str | None = None, tree: TreeRead | None = None) -> tuple[Ledger, list[Problem]]:
    """Load every file of a ledger folder. Returns the ledger and all problems found."""
    prefix = display_root if display_root is not None else str(ledger_dir)
    cache = cache or ParseCache(None)
    tree = tree or read_tree(ledger_dir, display_root)
    if tree is None:
        return assemble([], lambda p: "", {}, prefix), [Problem.at(prefix, None, "load.no_ledger_dir")]
    problems: list[Problem] = list(tree.problems)
    checked: list[tuple[str, str, Any]] = [(rel, display, None) for rel, display in tree.refused]
    blobs: dict[str, str] = {}
    display_raw: dict[str, bytes] = {}
    cache.prepare([(raw, kind, blob) for _, _, raw, kind, blob in tree.files])
    for rel, display, raw, kind, blob in tree.files:
        model, file_problems, _ = cache.get(raw, kind, display, blob)
        blobs[display] = blob
        display_raw[display] = raw
        problems.extend(file_problems)
        checked.append((rel, display, model))

    def text(display: str) -> str:
        # the bytes read once, not the path again: the file may have become a link since
        raw = display_raw.get(display)
        if raw is None:
            return ""
        decoded, _ = yamlsafe.decode(raw, display)
        return decoded or ""

    return assemble(checked, text, blobs, tree.prefix), problems

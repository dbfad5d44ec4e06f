"""Load: the second stage of the pipeline, a ledger folder (or a git tree) in, a ``Ledger`` out.

Each file is parsed by ``yamlsafe`` and checked against its model; every problem found is
returned with its place, none raised. Parsed and checked files are cached by git blob id, so the
working tree and the history share one cache and a rebuild only parses what changed.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import yamlsafe
from .cache import ParseCache, default_cache_path  # noqa: F401 - the load stage's cache, re-exported
from .filecheck import check_file, kind_of  # noqa: F401 - re-exported for callers of the load stage
from .models import Action, BulletinNotes, Evaluation, Item, Round, Settings, Unit
from .problems import Problem


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
    """Read every ledger file's bytes (None when the folder does not exist)."""
    root = Path(ledger_dir)
    prefix = display_root if display_root is not None else str(ledger_dir)
    if not root.is_dir():
        return None
    files, problems, refused = [], [], []
    for rel in _walk(root):
        display = f"{prefix.rstrip('/')}/{rel}" if prefix else rel
        kind = kind_of(rel)
        if kind is None:
            if rel.endswith((".yaml", ".yml")) or rel.startswith("issues/"):
                problems.append(Problem.at(display, None, "load.unknown_file"))
            continue
        size = (root / rel).stat().st_size
        if size > yamlsafe.MAX_FILE_BYTES:  # refuse before reading a huge file
            problems.append(Problem.at(display, None, "load.too_large", size=size, limit=yamlsafe.MAX_FILE_BYTES))
            refused.append((rel, display))
            continue
        raw = (root / rel).read_bytes()
        files.append((rel, display, raw, kind, yamlsafe.blob_id(raw)))
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
    display_to_abs: dict[str, Path] = {}
    cache.prepare([(raw, kind, blob) for _, _, raw, kind, blob in tree.files])
    for rel, display, raw, kind, blob in tree.files:
        model, file_problems, _ = cache.get(raw, kind, display, blob)
        blobs[display] = blob
        display_to_abs[display] = tree.root / rel
        problems.extend(file_problems)
        checked.append((rel, display, model))

    def text(display: str) -> str:
        path = display_to_abs.get(display)
        if path is None:
            return ""
        decoded, _ = yamlsafe.decode(path.read_bytes(), display)
        return decoded or ""

    return assemble(checked, text, blobs, tree.prefix), problems

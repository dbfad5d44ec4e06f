"""Output folders of the site stage: which folder a build may replace, and the mark that says a
build made it.

A build replaces its output folder whole (``site._swap``), so the folder must hold nothing the
build did not make: it is replaced only when it is absent, empty, or marked by an earlier build
whose manifest lists every file now in it. A folder that is, contains or lies inside the ledger,
the repository (or its ``.git``) or the docs folder is refused whatever it holds. The mark is a
file in the site (``.rectify-site.json``) listing the site's own files; it is the same bytes for
two builds of the same commit.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from site_builder.core.problems import Problem

MARK = ".rectify-site.json"


def _related(out: Path, protected: Path) -> str | None:
    """How ``out`` stands to ``protected``: "is", "contains", "inside", or None."""
    if out == protected:
        return "is"
    if out in protected.parents:
        return "contains"
    if protected in out.parents:
        return "inside"
    return None


def check_output(out: Path, protected: dict[str, Path]) -> Problem | None:
    """Why ``out`` may not be replaced by a build, or None. ``protected`` names the folders no
    build may touch (label → path), e.g. the ledger, the repository, the docs folder."""
    shown = str(out)
    if out.is_symlink():
        return Problem.at(shown, None, "output.symlink")
    target = out.resolve()
    for label, folder in protected.items():
        folder = folder.resolve()
        relation = _related(target, folder)
        # a site folder inside the repository is where it belongs; inside the ledger or .git it is not
        if relation and not (relation == "inside" and label == "repository"):
            return Problem.at(shown, None, f"output.protected_{label}", path=str(folder))
    if not target.exists():
        return None
    if not target.is_dir():
        return Problem.at(shown, None, "output.not_a_folder")
    if not any(target.iterdir()):
        return None
    present = _files(target)
    made = read_mark(target)
    if made is None:
        return Problem.at(shown, None, "output.unmarked")
    foreign = sorted(present - made - {MARK})
    if foreign:
        return Problem.at(shown, None, "output.foreign_file", name=foreign[0], count=len(foreign))
    return None


def protected_folders(ledger_dir: Path, repo: Path | None, docs: Path | None) -> dict[str, Path]:
    """The folders a build must never replace: the ledger, the repository holding it (and the one
    given), its ``.git``, the docs folder."""
    out: dict[str, Path] = {}
    for start in (ledger_dir, repo):
        if start is None:
            continue
        for folder in (start.resolve(), *start.resolve().parents):
            if (folder / ".git").exists():
                out.setdefault("repository", folder)
                out.setdefault("git", folder / ".git")
                break
    if repo is not None:
        out.setdefault("repository", repo)
    out["ledger"] = ledger_dir
    if docs is not None and docs.exists():
        out["docs"] = docs
    return out


def _files(folder: Path) -> set[str]:
    """Every file (and link) below ``folder``, as relative POSIX paths; links are not followed."""
    out = set()
    for top, dirs, files in os.walk(folder):
        rel = os.path.relpath(top, folder).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        out.update(prefix + name for name in files)
        out.update(prefix + name for name in dirs if os.path.islink(os.path.join(top, name)))
    return out


def read_mark(folder: Path) -> set[str] | None:
    """The files an earlier build recorded in ``folder``'s mark, or None when it has no valid mark."""
    try:
        data = json.loads((folder / MARK).read_text(encoding="utf-8"))
        return set(data["files"]) if data.get("made_by") == "rectify" else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_mark(site_dir: Path) -> None:
    """Record every file of the built ``site_dir`` in its mark."""
    files = sorted(_files(site_dir))
    (site_dir / MARK).write_text(json.dumps({"made_by": "rectify", "files": files}, ensure_ascii=False, indent=0),
                                 encoding="utf-8")


def swap(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` with renames, so a reader sees the old site or the new one."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

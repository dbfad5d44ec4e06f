"""``rectify init DIR``: a new county's ledger repository, ready to validate, build and publish.

The skeleton is package data under ``site_builder/skeleton/``: an example ledger that validates
(settings with placeholders, one unit, one round, one item), a Chinese README, ``requirements.txt``;
and, as links to this repository's own files so that they never drift apart, the editors' guide
(``docs/``), ``mkdocs.yml`` and ``.github/`` (workflows, pull-request checklist, CODEOWNERS); its
``.pre-commit-config.yaml`` is its own, using this repository's ``.pre-commit-hooks.yaml``. Names that begin with a dot are stored without it (package data skips
hidden files). This repository installs rectify from itself (``pip install -e .``); a county's
repository installs it from ``requirements.txt``, and the copied files are changed to say so;
``requirements.txt`` pins the version of the rectify that ran ``init``.

``rectify init DIR --rollup`` makes a city's or province's roll-up repository instead, from
``site_builder/edit/rollup/``: settings with example ``members:`` and no units, rounds or items, its
own README, and, per forge, the gate and a scheduled roll-up workflow (``rectify members update``,
the lock file committed and pushed when it changed, the members' copies and figures cached, the
roll-up site built and published) in place of the county's site and bulletin workflows.

The new repository gets ``git init`` and one commit with everything except ``ledger/``: the example
is there to be replaced, and the county's first ledger commit should be its own (the gate never
lets an item be deleted once committed).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SKELETON = Path(__file__).resolve().parent / "skeleton"
#: the forges a county may run, and what each gets instead of the skeleton's ``.github/``: GitLab a
#: ``.gitlab-ci.yml`` (merge-request gate with a Code Quality report, pages, scheduled bulletin),
#: Gitea/Forgejo ``.gitea/`` (workflows for its runner, no GitHub-only actions; pull-request checklist)
FORGES = ("github", "gitlab", "gitea")
FORGE_FILES = Path(__file__).resolve().parent / "forges"
FORGE_RENAMED = {"gitlab-ci.yml": ".gitlab-ci.yml", "gitea": ".gitea"}
#: skeleton name → name in the new repository
RENAMED = {"github": ".github", "gitignore": ".gitignore", "pre-commit-config.yaml": ".pre-commit-config.yaml",
           "vscode": ".vscode"}
#: how this repository installs rectify → how a county's repository does
INSTALL_HERE, INSTALL_THERE = "pip install -e .", "pip install -r requirements.txt"
#: skeleton files that are this repository's own business: the release of rectify itself
LEFT_OUT = {("github", "workflows", "release.yml")}
ROLLUP = Path(__file__).resolve().parent / "rollup"
#: a county's files a roll-up does without: its site and bulletin workflows (the roll-up workflow does both)
ROLLUP_LEFT_OUT = {("github", "workflows", "site.yml"), ("github", "workflows", "bulletin.yml"),
                   ("gitea", "workflows", "site.yml"), ("gitea", "workflows", "bulletin.yml")}
#: the roll-up's CI files → the forge they are for
ROLLUP_FORGE_FILES = {"github": "github", "gitea": "gitea", "gitlab-ci.yml": "gitlab"}
PLACEHOLDERS = {"organisation": "中共某某县委", "office": "某某县巡视巡察整改监督工作办公室"}


class InitError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _copy(src: Path, dst: Path, rel: tuple[str, ...] = (), left_out: frozenset = frozenset()) -> None:
    if src.is_dir():
        dst.mkdir(parents=True, exist_ok=True)
        for child in sorted(src.iterdir()):
            if child.name in ("__pycache__",) or child.name.startswith(".") or (*rel, child.name) in LEFT_OUT | left_out:
                continue
            _copy(child, dst / child.name, (*rel, child.name), left_out)
        return
    data = src.read_bytes()
    if src.suffix in (".yml", ".yaml", ".md", ".txt", "") and INSTALL_HERE.encode() in data:
        data = data.replace(INSTALL_HERE.encode(), INSTALL_THERE.encode())
    if src.name == "requirements.txt":
        # the county installs the very version that made its repository (and that its gate judges by)
        from site_builder import version
        data = data.replace(b"@VERSION@", version().encode())
    dst.write_bytes(data)


def _settings(path: Path, organisation: str | None, office: str | None) -> None:
    if not organisation and not office:
        return
    from site_builder.edit.yamledit import dump, load_rt, text_value
    data, y = load_rt(path.read_text(encoding="utf-8"))
    if organisation:
        data["organisation"] = text_value(organisation)
    if office:
        data["office"] = text_value(office)
    path.write_text(dump(data, y), encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    env = dict(os.environ)
    for var, fallback in (("GIT_AUTHOR_NAME", "rectify init"), ("GIT_COMMITTER_NAME", "rectify init"),
                          ("GIT_AUTHOR_EMAIL", "rectify-init@example.invalid"),
                          ("GIT_COMMITTER_EMAIL", "rectify-init@example.invalid")):
        key = "user.name" if var.endswith("NAME") else "user.email"
        if var not in env and not _git_config(repo, key):
            env[var] = fallback   # a machine without a git identity still gets its first commit
    try:
        proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", check=False)
    except OSError as exc:
        raise InitError("init.git_failed", detail=str(exc)) from None
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise InitError("init.git_failed", detail=lines[-1] if lines else f"git {args[0]}")


def _git_config(repo: Path, key: str) -> str:
    try:
        proc = subprocess.run(["git", "config", key], cwd=repo, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", check=False)
    except OSError:
        return ""
    return proc.stdout.strip()


def init_repository(target: Path, organisation: str | None = None, office: str | None = None,
                    commit: bool = True, forge: str = "github", rollup: bool = False) -> None:
    """Create the repository in ``target`` (absent or empty); a roll-up's when ``rollup``. Raises ``InitError``."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError("init.not_empty", dir=str(target))
    target.mkdir(parents=True, exist_ok=True)
    left_out = frozenset(ROLLUP_LEFT_OUT) if rollup else frozenset()
    own = {c.name for c in ROLLUP.iterdir()} if rollup else set()
    for child in sorted(SKELETON.iterdir()):
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        if child.name == "github" and forge != "github":
            continue
        if child.name in own - {"github"}:       # the roll-up's own ledger and README
            continue
        _copy(child, target / RENAMED.get(child.name, child.name), (child.name,), left_out)
    if forge != "github":
        for child in sorted((FORGE_FILES / forge).iterdir()):
            if rollup and child.name == "gitlab-ci.yml":
                continue                           # the roll-up's pipeline replaces the county's
            _copy(child, target / FORGE_RENAMED.get(child.name, child.name), (child.name,), left_out)
    if rollup:
        for child in sorted(ROLLUP.iterdir()):
            if ROLLUP_FORGE_FILES.get(child.name, forge) != forge:
                continue
            name = RENAMED.get(child.name, FORGE_RENAMED.get(child.name, child.name))
            _copy(child, target / name, (child.name,))
    _settings(target / "ledger" / "ledger.yaml", organisation, office)
    from site_builder.ledger.schema import write_schemas
    write_schemas(target / "schemas")
    _git(target, "init", "-q")
    _git(target, "symbolic-ref", "HEAD", "refs/heads/main")
    if commit:
        _git(target, "add", "--all", "--", ".", ":(exclude)ledger")
        _git(target, "commit", "-q", "-m", "rectify init: 台账仓库骨架（不含台账数据）")


def _main() -> None:  # pragma: no cover - a developer's check that the links resolve
    for child in sorted(SKELETON.iterdir()):
        print(f"{child.name:28} → {RENAMED.get(child.name, child.name):28} {'ok' if child.exists() else 'MISSING'}")


if __name__ == "__main__":  # pragma: no cover
    _main()

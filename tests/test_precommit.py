"""pre-commit, as a county runs it: the skeleton's ``.pre-commit-config.yaml`` uses this repository's
``.pre-commit-hooks.yaml`` (``language: python``), so pre-commit installs rectify into its own
environment. Here the config points at a local copy of this repository (``repo: <path>``, ``rev:``
its commit), and real pre-commit runs on a good and a bad staged change.

pre-commit's environments live in ``build/pre-commit-home``: the copy is committed with fixed dates,
so its commit, and with it the installed environment, stays the same until the code changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXED = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
         "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_AUTHOR_DATE": "2024-03-05T10:00:00+08:00",
         "GIT_COMMITTER_DATE": "2024-03-05T10:00:00+08:00"}


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "RECTIFY_LANG", "GITHUB_ACTIONS")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(ROOT / ".venv")))
    return env | FIXED | {"PRE_COMMIT_HOME": str(ROOT / "build" / "pre-commit-home")}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=_env(), check=True, capture_output=True, text=True).stdout


def _hook_repo() -> tuple[Path, str]:
    """This repository's files as they are now (committed or not), as a git repository of one commit.
    Its place is fixed (pre-commit keys its environments by repository and rev), so an unchanged
    package reuses the environment pre-commit installed last time."""
    files = git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    copy = ROOT / "build" / "pre-commit-hook-repo"
    shutil.rmtree(copy, ignore_errors=True)
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not src.is_symlink() and not rel.startswith(("ledger/", "bench/", "tests/")):
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, copy / rel)
        elif src.is_symlink():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(src), copy / rel)
    git(copy.parent, "init", "-q", copy.name)
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "hook repository")
    return copy, git(copy, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    from site_builder.edit.scaffold import init_repository
    base = tmp_path_factory.mktemp("precommit")
    hooks, rev = _hook_repo()
    target = base / "county"
    init_repository(target)
    config = yaml.safe_load((target / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["rectify-validate"]
    config["repos"][0].update(repo=str(hooks), rev=rev)
    (target / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "台账")
    return target


def pre_commit(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never"], cwd=repo, env=_env(),
                          capture_output=True, text=True, timeout=600)


ITEM = "ledger/issues/2024-R1/2024-R1-001.yaml"


def test_a_good_change_passes_and_a_bad_one_is_stopped_with_a_located_chinese_error(county: Path):
    item = county / ITEM
    good = item.read_text(encoding="utf-8") + "reports:\n  - {date: 2024-03-06, by: 示例局, text: 已制定整改方案}\n"
    item.write_text(good.replace("status: open", "status: in_progress"), encoding="utf-8")
    git(county, "add", ITEM)
    run = pre_commit(county)
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.rstrip().splitlines()[-1]
    assert last.startswith("rectify validate（检查台账）....") and last.endswith("Passed"), run.stdout

    item.write_text(good.replace("status: open", "status: no"), encoding="utf-8")
    git(county, "add", ITEM)
    run = pre_commit(county)
    assert run.returncode == 1
    assert "Failed" in run.stdout and "Traceback" not in run.stdout + run.stderr
    assert f"{ITEM}:17:9: " in run.stdout, run.stdout
    assert "共发现 1 个错误。" in run.stdout


def test_the_hooks_file_offers_rectify_validate_in_python():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"], hook["pass_filenames"], hook["files"]) == \
        ("rectify-validate", "rectify validate", "python", False, "^ledger/")

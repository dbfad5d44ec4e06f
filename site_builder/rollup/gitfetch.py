"""Roll-up stage, git transport: the members' repositories fetched into bare copies in the roll-up's
repository (``.rectify-members/<id>.git``, ignored by git), by the ``git`` program itself.

Every call runs with a timeout, with no terminal and no credential prompt (a county forge asking
for a password must fail, not hang a scheduled job), in a process group of its own that is killed
whole on timeout, so a hung ``git-remote-https`` child never outlives the command. Failures come
back as a one-line reason, never raised: an unreachable member is an ordinary outcome.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: seconds one git command may take (a clone of a county's history takes a few)
TIMEOUT = float(os.environ.get("RECTIFY_GIT_TIMEOUT", "120"))

CACHE_DIR = ".rectify-members"

_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class GitResult:
    ok: bool
    out: str
    reason: str = ""      # a one-line reason when not ok


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="", GCM_INTERACTIVE="never",
               GIT_SSH_COMMAND=env.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"), LC_ALL="C")
    return env


def run_git(args: list[str], cwd: Path | None = None, timeout: float | None = None) -> GitResult:
    """``git ARGS`` with no prompt and a timeout; the whole process group is killed on timeout."""
    posix = os.name == "posix"
    try:
        proc = subprocess.Popen(["git", "-c", "credential.helper=", *args], cwd=cwd, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=posix)
    except OSError as exc:
        return GitResult(False, "", f"git: {exc}")
    try:
        out, err = proc.communicate(timeout=timeout or TIMEOUT)
    except subprocess.TimeoutExpired:
        if posix:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        proc.kill()
        proc.communicate()
        return GitResult(False, "", "timeout")
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        lines = [ln.strip() for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
        return GitResult(False, text, (lines[-1] if lines else f"git exit {proc.returncode}")[:200])
    return GitResult(True, text)


def is_url(repo: str) -> bool:
    return "://" in repo or bool(_SCP_LIKE.match(repo))


def source_of(repo: str, base: Path) -> str:
    """Where git fetches from: a URL as written, a path relative to ``base`` (the roll-up's repository)."""
    if is_url(repo):
        return repo
    path = Path(repo)
    return str(path if path.is_absolute() else (base / path).resolve())


def cache_path(root: Path, key: str) -> Path:
    return root / CACHE_DIR / f"{key}.git"


def fetch(source: str, target: Path) -> GitResult:
    """Bring every branch of ``source`` into the bare copy ``target`` (cloned on first use). Branches
    are forced: a member that rewrote its history is read as it now is (the caller compares)."""
    if not (target / "HEAD").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        result = run_git(["clone", "--bare", "--quiet", "--no-tags", source, str(tmp / "repo.git")])
        if not result.ok:
            shutil.rmtree(tmp, ignore_errors=True)
            return result
        shutil.rmtree(target, ignore_errors=True)
        (tmp / "repo.git").rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
        return result
    return run_git(["fetch", "--quiet", "--force", "--prune", "--no-tags", source, "+refs/heads/*:refs/heads/*"],
                   cwd=target)


def resolve(target: Path, ref: str) -> str | None:
    """The commit a branch (or a commit id) names in the bare copy, or None."""
    if not (target / "HEAD").is_file():
        return None
    name = ref if _SHA.match(ref) else f"refs/heads/{ref}"
    result = run_git(["rev-parse", "--verify", "--quiet", name + "^{commit}"], cwd=target, timeout=30)
    return result.out.strip() if result.ok and result.out.strip() else None


def has_commit(target: Path, sha: str) -> bool:
    return bool(sha) and resolve(target, sha) == sha


def is_ancestor(target: Path, old: str, new: str) -> bool:
    return run_git(["merge-base", "--is-ancestor", old, new], cwd=target, timeout=30).ok

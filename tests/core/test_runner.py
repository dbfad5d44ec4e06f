"""The parallel runner, and the invariant it carries: no child process outlives its command or
blocks its exit.

The unit tests drive ``runner.Batch`` directly; the command tests run every command as its own
process on a generated repository above every threshold that turns a parallel path on (the
history's prescan needs 20,000 objects and a result bigger than a pipe holds; the site's history
read and item render are switched on for this size), with an empty and a warm cache, under a
timeout, and then look for any process left in the command's session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.core import runner
from site_builder.core.problems import LedgerError, Problem

ROOT = Path(__file__).resolve().parents[2]


def _square(job, task):
    return (job or 0) + task * task


def _fail(_, task):
    if task == 3:
        raise LedgerError([Problem.at("ledger/x.yaml", (3, 1), "yaml.syntax", detail="bad")])
    return task


def _die(_, task):
    if task == 2:
        os._exit(7)
    return task


def _sleep(_, task):
    time.sleep(task)
    return task


def _live(field: int, value: int) -> dict[int, str]:
    """Live (not zombie) processes whose /proc stat field ``field`` (after the name) is ``value``:
    1 is the parent, 3 the session. Their command lines, by pid."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if int(fields[field]) == value and fields[0] != "Z":
            out[int(entry)] = cmdline
    return out


def _children() -> set[int]:
    """Live children of this process, but for multiprocessing's resource tracker (spawn starts one
    per process; it ends when its parent does)."""
    return {pid for pid, cmd in _live(1, os.getpid()).items() if "resource_tracker" not in cmd}


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_results_come_back_in_order_whatever_the_method(monkeypatch, method):
    monkeypatch.setenv("RECTIFY_START_METHOD", method)
    tasks = list(range(50))
    expected = [10 + t * t for t in tasks]
    assert runner.run(_square, tasks, job=10, workers=0) == expected
    with runner.Batch(_square, tasks, job=10, workers=2, chunk=3) as batch:
        assert batch.parallel
        assert batch.results() == expected
    assert _children() == set()


def test_a_job_spawn_cannot_carry_runs_in_process(monkeypatch):
    monkeypatch.setenv("RECTIFY_START_METHOD", "spawn")
    unpicklable = lambda: None  # noqa: E731
    with runner.Batch(_square, [1, 2], job=unpicklable, workers=2) as batch:
        assert not batch.parallel
        with pytest.raises(TypeError):
            batch.results()      # ran here: _square got the lambda as job


def test_one_worker_setting_runs_everything_in_process(monkeypatch):
    monkeypatch.setenv("RECTIFY_WORKERS", "1")
    assert runner.worker_count(10_000, 200) == 0
    assert runner.background() == 0
    monkeypatch.setenv("RECTIFY_WORKERS", "2")
    assert runner.worker_count(10_000, 200) == 2
    assert runner.worker_count(100, 200) == 0


def test_a_failing_worker_raises_its_own_error_in_the_parent():
    with pytest.raises(LedgerError) as caught:
        runner.run(_fail, range(6), workers=2)
    assert caught.value.problems == [Problem.at("ledger/x.yaml", (3, 1), "yaml.syntax", detail="bad")]
    assert _children() == set()


def test_a_worker_that_dies_is_one_line():
    with pytest.raises(runner.WorkerFailed) as caught:
        runner.run(_die, range(4), workers=2)
    assert str(caught.value) == "worker exited with code 7"
    assert _children() == set()


def test_an_abandoned_batch_leaves_no_child():
    batch = runner.Batch(_sleep, [30, 30], workers=2)
    assert len(_children()) == 2
    started = time.monotonic()
    batch.close()
    assert _children() == set()
    assert time.monotonic() - started < 5


def test_a_result_nobody_reads_does_not_block_exit(tmp_path):
    """The hang this runner replaced: a child blocked writing a result larger than a pipe holds,
    in a process that exits without asking for it."""
    script = ("import sys; sys.path.insert(0, %r)\n"
              "from site_builder.core import runner\n"
              "def big(_, n): return b'x' * n\n"
              "b = runner.Batch(big, [4 << 20], workers=1)\n") % str(ROOT)
    (tmp_path / "big.py").write_text(script, encoding="utf-8")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(tmp_path / "big.py")], timeout=60, capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 30


# ---------------------------------------------------------------- every command, every path

@pytest.fixture(scope="module")
def big_repo(tmp_path_factory) -> Path:
    """A generated repository above every parallel threshold (35,000 objects, 450 items)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = tmp_path_factory.mktemp("big") / "repo"
    generate.generate("small", out, history=True)
    return out


#: run the real command line in a process of its own, with the site's two size thresholds lowered
#: so that the history read and the item render go to workers at this size too
LAUNCH = """\
import sys
sys.path.insert(0, {root!r})
import site_builder.site.build as site
site.FORK_HISTORY_MIN = 0
site.PARALLEL_RENDER_MIN = 0
from site_builder.cli.main import main
sys.exit(main(sys.argv[1:]))
"""

AS_OF = """\
import sys
sys.path.insert(0, {root!r})
from site_builder.history.timeline import open_history
from site_builder.ledger.load import ParseCache
with open_history(sys.argv[1], "HEAD", "ledger", ParseCache(None if sys.argv[2] == "-" else __import__("pathlib").Path(sys.argv[2]))) as h:
    ledger, problems = h.ledger_at(h.commits[len(h.commits) // 2])
print(len(ledger.items))
"""


def _session_left(sid: int) -> list[str]:
    return sorted(_live(3, sid).values())


def _run(code: str, args: list[str], cwd: Path, env: dict) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-c", code.format(root=str(ROOT)), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{args[:1]} did not exit within 240 s")
    time.sleep(0.2)
    left = _session_left(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], f"{args[:1]} left processes behind: {left}"
    return proc.returncode, out.decode("utf-8", "replace")


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_no_command_leaves_a_process_or_hangs(big_repo, tmp_path, method):
    env = dict(os.environ, RECTIFY_START_METHOD=method, RECTIFY_CACHE_DIR=str(tmp_path / "cache"),
               RECTIFY_WORKERS="2")
    env.pop("GITHUB_ACTIONS", None)
    base = big_repo.joinpath(".git").exists() and subprocess.run(
        ["git", "rev-list", "--max-parents=0", "HEAD"], cwd=big_repo, capture_output=True, text=True).stdout.split()[0]
    commands = [
        ["validate", "ledger"],
        ["status", "ledger", "--as-of", "2023-09-01"],
        ["check", "ledger", "--base", base],
        ["audit", "ledger"],
        ["bulletin", "ledger", "--week", "2023-W30", "--out", str(tmp_path / "bulletins")],
        ["build", "ledger", "--out", str(tmp_path / "site"), "--config", str(ROOT / "mkdocs.yml"),
         "--docs", str(ROOT / "docs")],
    ]
    if method == "spawn":   # as on Windows: the paths that differ are the parse pool, prescan and shards
        commands = [c for c in commands if c[0] in ("audit", "build")]
    for cache in ("empty", "warm"):
        for args in commands:
            code, out = _run(LAUNCH, args, big_repo, env)
            assert "internal error" not in out and "Traceback" not in out, out[-2000:]
            assert code in (0, 1), (args, code, out[-2000:])
        code, out = _run(AS_OF, [str(big_repo), str(tmp_path / "cache" / "parsed.sqlite")], big_repo, env)
        assert code == 0 and int(out.split()[-1]) > 0, out[-2000:]
    assert (tmp_path / "site" / "index.html").is_file()

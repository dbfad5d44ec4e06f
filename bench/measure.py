"""Measure: the timing primitives of the benchmarks.

``run_child`` times one command in a subprocess and takes two memory figures: its peak RSS from
``wait4`` (like ``/usr/bin/time``: the largest single process of the child's tree, so the workers
of a process pool do not show in it) and the peak of the whole tree, the sum of every process's
proportional set size (PSS: a page shared by forked workers is counted once, split between them),
sampled ten times a second. The tree figure is the one held against the bars. ``validate_in_process`` times the
stages of ``rectify validate`` inside this interpreter, without start-up and imports;
``profile_validate`` does the same under cProfile.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import importlib
import importlib.util
import io
import os
import pstats
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator


@dataclass
class ChildRun:
    seconds: float
    rss_mb: float
    code: int
    output: str
    tree_mb: float = 0.0


def _tree_pss_mb(root: int) -> float:
    """The summed PSS of ``root`` and its descendants, in MB (0 when /proc cannot tell)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


class _TreeSampler:
    """Samples a process tree's summed PSS in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.1):
        import threading
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_pss_mb(self.pid))
            self._stop.wait(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_child(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
              stdin: Path | None = None, discard: bool = False) -> ChildRun:
    """Run ``cmd`` to completion: wall time, peak RSS (MB), exit code and combined output.

    ``stdin`` feeds a file; ``discard`` throws standard output away (only errors are kept).
    """
    with tempfile.TemporaryFile() as out, open(stdin or os.devnull, "rb") as feed:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=feed, stdout=subprocess.DEVNULL if discard else out,
                                stderr=out if discard else subprocess.STDOUT, env=env, cwd=cwd)
        sampler = _TreeSampler(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        tree_mb = sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return ChildRun(seconds, usage.ru_maxrss / 1024, proc.returncode, text, max(tree_mb, usage.ru_maxrss / 1024))


def summarize(values: list[float], stat: str = "median") -> float:
    """The median (typical) or minimum (least disturbed by other work) of repeated timings."""
    if not values:
        return float("nan")
    return min(values) if stat == "min" else statistics.median(values)


def cache_file(cache_dir: Path) -> Path:
    """The parse cache file ``rectify`` uses when RECTIFY_CACHE_DIR is ``cache_dir``."""
    from site_builder.ledger.load import default_cache_path

    saved = os.environ.get("RECTIFY_CACHE_DIR")
    os.environ["RECTIFY_CACHE_DIR"] = str(cache_dir)
    try:
        return default_cache_path(Path("."))
    finally:
        if saved is None:
            del os.environ["RECTIFY_CACHE_DIR"]
        else:
            os.environ["RECTIFY_CACHE_DIR"] = saved


def validate_in_process(ledger: Path, cache_dir: Path | None, collect: bool = True) -> dict[str, Any]:
    """Load and validate as ``rectify validate`` does, timing each step (seconds)."""
    from site_builder.ledger.load import ParseCache, load_ledger
    from site_builder.ledger.validate import validate

    if collect:
        gc.collect()  # the garbage of the previous run is not this run's cost
    t0 = time.perf_counter()
    cache = ParseCache(cache_file(cache_dir) if cache_dir is not None else None)
    t1 = time.perf_counter()
    loaded, problems = load_ledger(ledger, cache)
    t2 = time.perf_counter()
    problems += validate(loaded)
    t3 = time.perf_counter()
    cache.save()
    t4 = time.perf_counter()
    return {"cache_open": t1 - t0, "load": t2 - t1, "validate": t3 - t2, "cache_save": t4 - t3,
            "total": t4 - t0, "problems": len(problems)}


@contextlib.contextmanager
def serial_parsing() -> Iterator[None]:
    """Switch off the loader's process pool (``PARALLEL_MIN``, wherever it lives) for a while."""
    modules = [m for m in (importlib.import_module(f"site_builder.ledger.{name}") for name in ("cache", "load")
                           if importlib.util.find_spec(f"site_builder.ledger.{name}")) if hasattr(m, "PARALLEL_MIN")]
    saved = [m.PARALLEL_MIN for m in modules]
    for m in modules:
        m.PARALLEL_MIN = 1 << 60
    try:
        yield
    finally:
        for m, value in zip(modules, saved):
            m.PARALLEL_MIN = value


def profile_validate(ledger: Path, cache_dir: Path, top: int = 15) -> str:
    """cProfile of one in-process load + validate + save; the ``top`` entries by cumulative time.

    Parsing runs serially here (the loader's process pool is switched off), because a profile of
    the parent alone would show the pool's workers as one long wait.
    """
    profiler = cProfile.Profile()
    gc.collect()
    with serial_parsing():
        profiler.enable()
        validate_in_process(ledger, cache_dir, collect=False)
        profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "function calls" in line), 0)
    return "\n".join(line.replace(str(Path.cwd()) + "/", "") for line in lines[start:]).strip()


def tree_size(path: Path) -> tuple[int, int]:
    """(files, bytes) under ``path``."""
    files = total = 0
    for root, _, names in os.walk(path):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(root, name))
    return files, total

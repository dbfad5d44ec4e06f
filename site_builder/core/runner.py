"""Parallel runner: the one way any stage runs work in other processes.

It belongs to no stage and imports none: the load stage's parse pool, the history's prescan, the
site's history read, item render and mkdocs shards, and the bulletin's weeks all go through
``Batch``. Workers are started with fork where the platform has it (they share the parent's
memory, so a job of live objects costs nothing to hand over) and otherwise with spawn (the job is
pickled; a job that cannot be is run in-process). Below a size, with ``RECTIFY_WORKERS=1``, or on
one core, work runs in-process, with the same results.

Every worker is an ordinary child process owned by the ``Batch`` that started it: closing the
batch (it is a context manager; callers close it in ``finally``) terminates and reaps any child
still running, and an exit hook does the same for a batch nobody closed, so no child outlives its
command or blocks its exit (a child blocked writing a result nobody reads is the hang this module
replaced). Results come back as pickled values over one pipe per worker; a worker that fails sends
its exception, which the caller gets raised as it was, or a one-line ``WorkerFailed``.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import multiprocessing
import multiprocessing.util  # noqa: F401 - registers its exit hook now, so that ours runs before it
import os
import pickle
import sys
import weakref
from typing import Any, Callable, Iterable, Iterator

#: batches whose children may still run: terminated at exit if their owner never closed them
_LIVE: "weakref.WeakSet[Batch]" = weakref.WeakSet()


class WorkerFailed(RuntimeError):
    """A worker process ended without a result (killed, out of memory, or an error that could not
    be sent back); the message is one line."""


def start_method() -> str | None:
    """``fork`` where the platform has it, else ``spawn``; ``RECTIFY_START_METHOD`` chooses
    (tests use it to run as on Windows). None: no method at all, so everything runs in-process."""
    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get("RECTIFY_START_METHOD")
    if wanted:
        return wanted if wanted in methods else None
    return "fork" if "fork" in methods else ("spawn" if "spawn" in methods else None)


def cores() -> int:
    """Processes the machine allows: ``RECTIFY_WORKERS`` if set, else the number of cores."""
    value = os.environ.get("RECTIFY_WORKERS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


def worker_count(size: int, minimum: int, cap: int | None = None) -> int:
    """Worker processes worth starting for ``size`` pieces of work: one per core (at most ``cap``
    and ``size``), or 0 (in-process) below ``minimum`` or on one core."""
    n = min(cores(), cap or size, size)
    return n if size >= minimum and n >= 2 and start_method() is not None else 0


def background() -> int:
    """Worker processes for one task run beside the caller's own work: 1, or 0 on one core."""
    return 1 if cores() >= 2 and start_method() is not None else 0


@contextlib.contextmanager
def _frozen() -> Iterator[None]:
    # Objects made so far leave the garbage collector's view while children are forked, so the
    # children's collections do not write to (and so copy) every page they share with the parent.
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _child(fn: Callable, job: Any, chunks: list[tuple[int, list]], send, forked: bool) -> None:
    """A worker's whole life: each of its chunks in turn, one message per chunk."""
    code = 0
    try:
        for index, tasks in chunks:
            try:
                message = (index, True, [fn(job, task) for task in tasks])
            except BaseException as exc:  # noqa: BLE001 - sent to the parent, raised there
                message, code = (index, False, exc), 1
            try:
                data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - an unpicklable result or exception
                data, code = pickle.dumps((index, False, WorkerFailed(_one_line(exc)))), 1
            send.send_bytes(data)
            if code:
                break
        send.close()
    except BaseException:  # noqa: BLE001 - the parent sees the pipe close early
        code = 1
    finally:
        if forked:
            # A forked child shares the parent's open files and SQLite connections: leave without
            # any clean-up that would touch them.
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    sys.exit(code)


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__


class Batch:
    """Tasks run by ``workers`` child processes (0: in-process), ``fn(job, task)`` each, results in
    the tasks' order.

    Tasks are grouped into chunks of ``chunk`` tasks and dealt to the workers in turn, so that
    results read in order keep every worker busy. The children start at once: the caller may do
    its own work before asking for ``results()`` (or iterating ``stream()``).
    """

    def __init__(self, fn: Callable[[Any, Any], Any], tasks: Iterable[Any], *, job: Any = None,
                 workers: int = 0, chunk: int = 1):
        self._fn, self._job = fn, job
        tasks = list(tasks)
        self._chunks = [tasks[k:k + chunk] for k in range(0, len(tasks), max(1, chunk))]
        self._procs: list = []
        self._pipes: list = []
        self._read_all = False
        method = start_method()
        workers = min(workers, len(self._chunks))
        if workers < 1 or method is None or (method != "fork" and not _picklable(fn, job, tasks)):
            return
        context = multiprocessing.get_context(method)
        forked = method == "fork"
        dealt = [[(i, c) for i, c in enumerate(self._chunks) if i % workers == w] for w in range(workers)]
        with _frozen() if forked else contextlib.nullcontext():
            for share in dealt:
                receive, send = context.Pipe(duplex=False)
                proc = context.Process(target=_child, args=(fn, job, share, send, forked), daemon=False)
                proc.start()
                send.close()
                self._procs.append(proc)
                self._pipes.append(receive)
        _LIVE.add(self)

    @property
    def parallel(self) -> bool:
        return bool(self._procs)

    def stream(self) -> Iterator[Any]:
        """Each task's result in order, as it arrives."""
        if not self._procs:
            for tasks in self._chunks:
                yield from (self._fn(self._job, task) for task in tasks)
            return
        try:
            for index in range(len(self._chunks)):
                w = index % len(self._procs)
                try:
                    got, ok, value = pickle.loads(self._pipes[w].recv_bytes())
                except (EOFError, OSError):
                    self._procs[w].join(5)
                    raise WorkerFailed(f"worker exited with code {self._procs[w].exitcode}") from None
                if got != index:
                    raise WorkerFailed(f"worker sent chunk {got}, expected {index}")
                if not ok:
                    raise value
                if index == len(self._chunks) - 1:
                    self._read_all = True
                yield from value
        finally:
            self.close()

    def results(self) -> list[Any]:
        return list(self.stream())

    def close(self) -> None:
        """Stop and reap every child still running; idempotent."""
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.close()
        for proc in self._procs:
            if not self._read_all:
                proc.terminate()   # abandoned (an error, or a caller that stopped reading)
            proc.join(5)
            if proc.exitcode is None:
                proc.kill()
                proc.join()
            with contextlib.suppress(ValueError):
                proc.close()
        self._procs, self._pipes = [], []
        _LIVE.discard(self)

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if self._procs:
            self.close()


def run(fn: Callable[[Any, Any], Any], tasks: Iterable[Any], *, job: Any = None, workers: int = 0,
        chunk: int = 1) -> list[Any]:
    """``fn(job, task)`` for every task, by ``workers`` processes; results in order."""
    with Batch(fn, tasks, job=job, workers=workers, chunk=chunk) as batch:
        return batch.results()


def _picklable(*values: Any) -> bool:
    try:
        pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
        return True
    except Exception:  # noqa: BLE001 - anything unpicklable runs in-process instead
        return False


@atexit.register
def _close_all() -> None:
    # Registered after multiprocessing's own exit hook, so it runs first: that hook joins every
    # non-daemon child and would wait forever for one blocked on a full pipe.
    for batch in list(_LIVE):
        batch.close()

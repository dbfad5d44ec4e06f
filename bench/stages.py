"""Stages: what the benchmarks time, one function per pipeline stage, listed in ``STAGES``.

A stage takes the run's ``Ctx`` (scale, data folder, repeat count, temp folder) and returns table
rows. A stage that names a module is reported as skipped while that module is not in the package;
a stage that raises ``NotImplementedError`` is reported as "not wired yet". To add a timing, fill
in (or add) a stage function and list it in ``STAGES``; ``time_cli`` and ``time_in_process`` do the
measuring. Times are medians (or minima) over ``ctx.repeat`` runs; peak memory is the child's own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from measure import run_child, summarize, tree_size, validate_in_process

BARS = {  # DESIGN.md §6: seconds, and peak memory in MB
    "county": {"cold": 1.0, "cached": 0.5, "history": 2.0, "site": 10.0, "rss_mb": 300},
    "city": {"cold": 5.0, "cached": 1.0, "history": 15.0, "site": 60.0, "rss_mb": 1024},
}


@dataclass
class Row:
    scale: str
    stage: str
    mode: str
    wall: float | None = None      # CLI wall seconds (median or min over runs)
    inproc: float | None = None    # in-process seconds (likewise)
    rss_mb: float | None = None    # peak memory of the CLI child and its workers, MB (max over runs; see measure)
    bar: float | None = None       # the DESIGN bar for ``wall``, seconds
    note: str = ""

    def verdict(self) -> str:
        if self.bar is None or self.wall is None:
            return ""
        limit = BARS[self.scale]["rss_mb"]
        ok = self.wall <= self.bar and (self.rss_mb is None or self.rss_mb <= limit)
        return "yes" if ok else "**no**"


@dataclass
class Ctx:
    scale: str
    out: Path            # the generated folder (a git repository when made with history)
    repeat: int
    tmp: Path
    stat: str            # "median" or "min": how repeated runs are summarised
    info: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)   # figures for the sizes table

    @property
    def ledger(self) -> Path:
        return self.out / "ledger"

    @property
    def has_history(self) -> bool:
        return (self.out / ".git").is_dir()

    def fresh_cache(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="cache-", dir=self.tmp))

    def env(self, cache_dir: Path | None = None) -> dict[str, str]:
        """The children's environment: byte-compiled as an installed tool is (the sandbox sets
        PYTHONDONTWRITEBYTECODE, which costs every start-up ~0.1 s of compiling), no CI variables."""
        dropped = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "PYTHONDONTWRITEBYTECODE")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env["PYTHONPYCACHEPREFIX"] = str(self.out.parent / "pycache")
        if cache_dir is not None:
            env["RECTIFY_CACHE_DIR"] = str(cache_dir)
        return env


def rectify(*args: str) -> list[str]:
    """The ``rectify`` entry point of the interpreter running the benchmarks (the venv's)."""
    exe = Path(sys.executable).parent / "rectify"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "site_builder.cli.main", *args]


def time_cli(ctx: Ctx, cmd: list[str], cache: Callable[[], Path], runs: int | None = None,
             warm_up: bool = False) -> tuple[float, float, str]:
    """Wall (summarised), max peak RSS and a failure note of ``cmd`` run ``runs`` times.

    ``cache`` gives the RECTIFY_CACHE_DIR of each run; ``warm_up`` runs once first, untimed.
    """
    walls, rss, note = [], [], ""
    for i in range(-1 if warm_up else 0, runs or ctx.repeat):
        result = run_child(cmd, ctx.env(cache()))
        if result.code != 0:
            last = (result.output.strip().splitlines() or [""])[-1]
            note = f"FAILED (exit {result.code}): {last[:200]}"
        if i >= 0:
            walls.append(result.seconds)
            rss.append(result.tree_mb)
    return summarize(walls, ctx.stat), max(rss), note


def time_in_process(ctx: Ctx, fn: Callable[[], dict[str, Any]]) -> dict[str, float]:
    """Each figure ``fn`` returns, summarised over ``ctx.repeat`` calls."""
    runs = [fn() for _ in range(ctx.repeat)]
    return {key: summarize([r[key] for r in runs], ctx.stat) for key in runs[0]}


# ---------------------------------------------------------------- the stages

def stage_startup(ctx: Ctx) -> list[Row]:
    """The fixed cost in every CLI figure: the interpreter starting and importing the package."""
    cmd = [sys.executable, "-c", "import site_builder.cli.main, site_builder.ledger.load, site_builder.ledger.validate"]
    wall, rss, note = time_cli(ctx, cmd, ctx.fresh_cache)
    return [Row(ctx.scale, "start-up", "python + imports", wall, None, rss, None, note)]


def _split(t: dict[str, float]) -> str:
    return (f"cache open {t['cache_open']:.2f} + load {t['load']:.2f} + validate {t['validate']:.2f}"
            f" + cache write {t['cache_save']:.2f}")


def stage_validate(ctx: Ctx) -> list[Row]:
    """``rectify validate``: cold (no parse cache) and cached, as the CLI and in-process."""
    bars = BARS[ctx.scale]
    cmd = rectify("validate", str(ctx.ledger))
    cold_wall, cold_rss, cold_note = time_cli(ctx, cmd, ctx.fresh_cache)
    shared = ctx.fresh_cache()
    hot_wall, hot_rss, hot_note = time_cli(ctx, cmd, lambda: shared, warm_up=True)
    ctx.extra["cache_mb"] = tree_size(shared)[1] / 1e6

    cold = time_in_process(ctx, lambda: validate_in_process(ctx.ledger, ctx.fresh_cache()))
    warm = ctx.fresh_cache()
    validate_in_process(ctx.ledger, warm)
    hot = time_in_process(ctx, lambda: validate_in_process(ctx.ledger, warm))
    for figures, label in ((cold, "cold"), (hot, "cached")):
        if figures["problems"]:
            raise RuntimeError(f"{label} in-process validate found {figures['problems']:.0f} problems")
    return [Row(ctx.scale, "validate", "cold", cold_wall, cold["total"], cold_rss, bars["cold"],
                cold_note or _split(cold)),
            Row(ctx.scale, "validate", "cached", hot_wall, hot["total"], hot_rss, bars["cached"],
                hot_note or _split(hot))]


def stage_git_floor(ctx: Ctx) -> list[Row]:
    """What git alone costs for one pass over the history: the floor under the history bar.

    Blobs are read oldest first, as the history was written; the same blobs in hash order (what
    iterating a ``set`` gives) cost far more, because every read then starts a new delta chain.
    """
    log_cmd = ["git", "-C", str(ctx.out), "log", "--first-parent", "--reverse", "--raw", "--no-abbrev", "--no-renames",
               "--format=%H %an %at", "main"]
    log_wall, log_rss, note = time_cli(ctx, log_cmd, ctx.fresh_cache, runs=1)
    raw = subprocess.run(log_cmd, capture_output=True, text=True, check=True).stdout
    ordered = list(dict.fromkeys(line.split()[3] for line in raw.splitlines() if line.startswith(":")))
    ordered = [b for b in ordered if b != "0" * 40]
    size = subprocess.run(["git", "-C", str(ctx.out), "cat-file", "--batch-check=%(objectsize)"],
                          input="\n".join(ordered) + "\n", capture_output=True, text=True, check=True).stdout
    what = f"{len(ordered):,} blobs, {sum(int(x) for x in size.split()) / 1e6:,.0f} MB"
    rows = [Row(ctx.scale, "history floor", "git log --first-parent --raw", log_wall, None, log_rss, None,
                note or "reference, no bar")]
    for label, blobs in (("oldest first", ordered), ("hash order", sorted(ordered))):
        ids = ctx.tmp / f"{ctx.scale}-blobs.txt"
        ids.write_text("\n".join(blobs) + "\n")
        cat = run_child(["git", "-C", str(ctx.out), "cat-file", "--batch"], stdin=ids, discard=True)
        rows.append(Row(ctx.scale, "history floor", f"git cat-file --batch, every blob version, {label}",
                        cat.seconds, None, cat.rss_mb, None, f"{what}; reference, no bar"))
    return rows


# Runs in a child so that its peak memory is its own; prints its in-process figures as JSON.
HISTORY_SNIPPET = """
import json, sys, time
from pathlib import Path
from site_builder.history.timeline import open_history
from site_builder.ledger.load import ParseCache
from measure import cache_file
t0 = time.perf_counter()
history = open_history(sys.argv[1], "HEAD", "ledger", ParseCache(cache_file(Path(sys.argv[2]))))
t1 = time.perf_counter()
transitions = history.compute_transitions()
t2 = time.perf_counter()
history.cache.save()
history.close()
print(json.dumps({"log": t1 - t0, "transitions": t2 - t1, "total": time.perf_counter() - t0,
                  "commits": len(history.commits), "items": len(transitions)}))
"""


def time_python(ctx: Ctx, snippet: str, args: list[str], cache: Callable[[], Path],
                warm_up: bool = False) -> tuple[float, float, dict[str, float]]:
    """Wall, max RSS and in-process figures of a snippet run ``ctx.repeat`` times."""
    walls, rss, figures = [], [], []
    for i in range(-1 if warm_up else 0, ctx.repeat):
        cache_dir = cache()
        env = {**ctx.env(cache_dir), "PYTHONPATH": str(Path(__file__).resolve().parent)}
        result = run_child([sys.executable, "-c", snippet, *args, str(cache_dir)], env)
        if result.code != 0:
            raise RuntimeError(f"snippet failed (exit {result.code}):\n{result.output[-2000:]}")
        if i >= 0:
            walls.append(result.seconds)
            rss.append(result.tree_mb)
            figures.append(json.loads(result.output.strip().splitlines()[-1]))
    return (summarize(walls, ctx.stat), max(rss),
            {k: summarize([f[k] for f in figures], ctx.stat) for k in figures[0]})


def stage_history(ctx: Ctx) -> list[Row]:
    """SLOT (lead): the first-parent history read and every item's transitions, cold and cached.

    Wired to ``open_history`` + ``compute_transitions`` as they stand; adjust when the API moves.
    """
    bar = BARS[ctx.scale]["history"]
    rows = []
    shared = ctx.fresh_cache()
    for mode, cache, warm_up in (("cold", ctx.fresh_cache, False), ("cached", lambda: shared, True)):
        wall, rss, f = time_python(ctx, HISTORY_SNIPPET, [str(ctx.out)], cache, warm_up)
        rows.append(Row(ctx.scale, "history", mode, wall, f["total"], rss, bar,
                        f"git log + parse {f['log']:.2f} + transitions {f['transitions']:.2f}; "
                        f"{f['commits']:,.0f} commits, {f['items']:,.0f} items"))
    return rows


AS_OF_SNIPPET = r"""
import json, sys, time
from pathlib import Path
from site_builder.history.timeline import open_history
from site_builder.ledger.load import ParseCache, default_cache_path as cache_file
history = open_history(sys.argv[1], "HEAD", "ledger", ParseCache(cache_file(Path(sys.argv[2]))))
middle = history.commits[len(history.commits) // 2]
t0 = time.perf_counter()
commit = history.commit_at(middle.committed)
ledger, problems = history.ledger_at(commit)
t1 = time.perf_counter()
history.cache.save()
history.close()
print(json.dumps({"total": t1 - t0, "items": len(ledger.items), "problems": len(problems)}))
"""

NAIVE_SNIPPET = r"""
import json, re, sys, time
import git
repo = git.Repo(sys.argv[1])
paths = sorted(p for p in repo.git.ls_files("ledger/issues").split("\n") if p)
sample = paths[:: max(1, len(paths) // int(sys.argv[2]))][: int(sys.argv[2])]
status = re.compile(rb"^status:[ \t]*([a-z_]+)", re.M)
t0 = time.perf_counter()
moves = 0
for path in sample:  # the naive way: one log walk and one blob read per file and commit
    before = None
    for commit in reversed(list(repo.iter_commits("HEAD", paths=path, first_parent=True))):
        try:
            data = (commit.tree / path).data_stream.read()
        except KeyError:
            continue
        found = status.search(data)
        now = found.group(1) if found else None
        moves += now != before
        before = now
seconds = time.perf_counter() - t0
repo.close()
print(json.dumps({"total": seconds * len(paths) / len(sample), "sample": seconds, "files": len(sample),
                  "all_files": len(paths), "moves": moves}))
"""


def stage_as_of(ctx: Ctx) -> list[Row]:
    """One as-of query: the whole ledger as it stood at the middle commit of the history (cached cache)."""
    shared = ctx.fresh_cache()
    wall, rss, f = time_python(ctx, AS_OF_SNIPPET, [str(ctx.out)], lambda: shared, warm_up=True)
    return [Row(ctx.scale, "as-of query", "cached", wall, f["total"], rss, None,
                f"ledger at the middle commit: {f['items']:,.0f} items")]


def stage_naive(ctx: Ctx) -> list[Row]:
    """The naive way (GitPython ``iter_commits(paths=…)`` per file), on a sample, scaled to all files,
    beside our one-pass history read in the same run; county only (the naive way takes hours at city)."""
    if ctx.scale != "county":
        return [Row(ctx.scale, "naive history", "", note="skipped: county only")]
    ours_wall, _, ours = time_python(ctx, HISTORY_SNIPPET, [str(ctx.out)], ctx.fresh_cache)
    wall, rss, f = time_python(ctx, NAIVE_SNIPPET, [str(ctx.out), "50"], ctx.fresh_cache)
    return [Row(ctx.scale, "naive history", "cold", None, f["total"], rss, None,
                f"{f['files']:.0f} of {f['all_files']:.0f} files took {f['sample']:.2f} s, scaled to all files; "
                f"one-pass history in the same run {ours['total']:.2f} s: ratio {f['total'] / ours['total']:.0f}×")]


def stage_site(ctx: Ctx) -> list[Row]:
    """The full site build three ways: cold (fresh caches); after one new commit (the caches of a
    build of the commit before, as the site workflow keeps them between pushes); and again with
    the cache of the same commit."""
    rows = []

    def build_cmd(root: Path) -> list[str]:
        site = Path(tempfile.mkdtemp(prefix="site-", dir=ctx.tmp))
        return rectify("build", str(root / "ledger"), "--out", str(site / "site"), "--repo", str(root))

    shared = ctx.fresh_cache()
    wall, rss, note = time_cli(ctx, build_cmd(ctx.out), lambda: shared, runs=1)
    rows.append(Row(ctx.scale, "site build", "cold", wall, None, rss, BARS[ctx.scale]["site"], note))

    before = ctx.tmp / "worktree-before"
    subprocess.run(["git", "-C", str(ctx.out), "worktree", "add", "--detach", str(before), "HEAD~1"],
                   check=True, capture_output=True)
    try:
        previous = ctx.fresh_cache()
        warm = run_child(build_cmd(before), ctx.env(previous))
        if warm.code != 0:
            note = "FAILED to build the commit before: " + (warm.output.strip().splitlines() or [""])[-1][:200]
            rows.append(Row(ctx.scale, "site build", "after one new commit", note=note))
        else:
            wall, rss, note = time_cli(ctx, build_cmd(ctx.out), lambda: previous, runs=1)
            rows.append(Row(ctx.scale, "site build", "after one new commit", wall, None, rss,
                            BARS[ctx.scale]["site"], note + " cache of a build of HEAD~1"))
    finally:
        subprocess.run(["git", "-C", str(ctx.out), "worktree", "remove", "--force", str(before)], capture_output=True)
        subprocess.run(["git", "-C", str(ctx.out), "worktree", "prune"], capture_output=True)

    wall, rss, note = time_cli(ctx, build_cmd(ctx.out), lambda: shared, runs=1)
    rows.append(Row(ctx.scale, "site build", "cached (same commit)", wall, None, rss, BARS[ctx.scale]["site"], note))
    return rows


BARE_SNIPPET = r"""
import json, sys, time, tempfile, yaml
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
pages, base = int(sys.argv[1]), Path(tempfile.mkdtemp())
docs = base / "docs"
(docs / "items").mkdir(parents=True)
(docs / "index.md").write_text("# 总览\n\n整改进度。\n", encoding="utf-8")
for i in range(pages - 1):
    (docs / "items" / f"p{i:05d}.md").write_text(f"# 问题 {i}\n\n高标准农田建设项目验收不严，措施已完成。\n",
                                                encoding="utf-8")
cfg = {"site_name": "bare", "docs_dir": str(docs), "site_dir": str(base / "site"), "use_directory_urls": False,
       "theme": {"name": "material", "language": "zh", "font": False}, "nav": [{"总览": "index.md"}],
       "not_in_nav": "/items/\n", "plugins": [{"search": {"lang": "zh", "separator": "[\s\u200b\-]"}}]}
(base / "mkdocs.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
t0 = time.perf_counter()
build(load_config(config_file=str(base / "mkdocs.yml")))
print(json.dumps({"total": time.perf_counter() - t0, "pages": pages}))
"""


def stage_bare(ctx: Ctx) -> list[Row]:
    """A bare mkdocs-material build of as many simple pages as the site has, for the per-page floor."""
    pages = int(ctx.info.get("items", 0)) + 125 if ctx.info.get("items") else (1125 if ctx.scale == "county" else 10500)
    wall, rss, f = time_python(ctx, BARE_SNIPPET, [str(pages)], ctx.fresh_cache)
    return [Row(ctx.scale, "bare mkdocs", "", wall, f["total"], rss, None,
                f"{pages:,} simple pages, item pages out of the nav: {1000 * f['total'] / pages:.1f} ms a page")]


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Ctx], list[Row]]
    module: str | None = None       # skipped while this module is missing from the package
    needs_history: bool = False     # skipped when the data was generated without history


STAGES = [
    Stage("start-up", stage_startup),
    Stage("validate", stage_validate),
    Stage("history floor", stage_git_floor, needs_history=True),
    Stage("history", stage_history, module="site_builder.history.timeline", needs_history=True),
    Stage("as-of", stage_as_of, module="site_builder.history.timeline", needs_history=True),
    Stage("naive history", stage_naive, module="site_builder.history.timeline", needs_history=True),
    Stage("site build", stage_site, module="site_builder.site.build", needs_history=True),
    Stage("bare mkdocs", stage_bare),
]


def run_stages(ctx: Ctx, only: set[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for stage in STAGES:
        if only and stage.name not in only:
            continue
        if stage.module and importlib.util.find_spec(stage.module) is None:
            rows.append(Row(ctx.scale, stage.name, "", note=f"skipped: {stage.module} is not in the package yet"))
        elif stage.needs_history and not ctx.has_history:
            rows.append(Row(ctx.scale, stage.name, "", note="skipped: data generated without history"))
        else:
            print(f"[{ctx.scale}] {stage.name} …", file=sys.stderr, flush=True)
            try:
                rows += stage.run(ctx)
            except NotImplementedError as exc:
                rows.append(Row(ctx.scale, stage.name, "", note=f"not wired yet: {exc}"))
            except Exception as exc:  # one broken stage must not lose the other figures
                rows.append(Row(ctx.scale, stage.name, "", note=f"ERROR: {type(exc).__name__}: {exc}"[:300]))
    return rows

"""Benchmarks: time the pipeline on generated ledgers and print Markdown tables.

    .venv/bin/python bench/run.py [--scale county|city|all] [--repeat N] [--stat median|min] [--regen]
                                  [--no-history] [--stage NAME ...] [--profile] [--json FILE]

For each scale the synthetic ledger (``bench/generate.py``) lives in ``bench/out/<scale>/`` and is
reused while its ``.generated.json`` matches; ``--regen`` makes it again. Then every stage of
``stages.STAGES`` runs: start-up, validate (cold: a fresh RECTIFY_CACHE_DIR; cached: the same one
again; both as the ``rectify`` CLI in a subprocess and in-process), the git floor under the history
bar, history and site build (slots to adjust). The tables compare the CLI figures with the bars
of DESIGN.md §6. ``--profile`` adds cProfile (top 15 by cumulative time) of an in-process cold
and cached validate.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import generate
from measure import profile_validate, run_child, tree_size
from stages import BARS, STAGES, Ctx, Row, run_stages

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def ensure_data(scale: str, history: bool, regen: bool) -> dict[str, Any]:
    """The generated folder's record, generating it first when missing, stale or asked to."""
    out = OUT / scale
    info = generate.read_marker(out)
    if (regen or info is None or info.get("seed") != generate.DEFAULT_SEED
            or (history and not info.get("history"))):
        print(f"generating the {scale} ledger{' and its history' if history else ''} in {out} …", file=sys.stderr)
        cmd = [sys.executable, str(ROOT / "bench" / "generate.py"), "--scale", scale, "--out", str(out)]
        result = run_child(cmd + (["--history"] if history else []))
        if result.code != 0:
            raise SystemExit(f"generate failed:\n{result.output}")
        info = generate.read_marker(out) or {}
        info["generate_wall"] = round(result.seconds, 1)
        info["generate_rss_mb"] = round(result.rss_mb)
    return info


def _fmt(value: float | None, digits: int = 2) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"


def timings_table(rows: list[Row]) -> str:
    lines = ["| scale | stage | mode | CLI wall (s) | in-process (s) | peak memory (MB) | bar (s) | within bar | notes |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        bar = f"≤ {r.bar:g}" if r.bar is not None else ""
        lines.append(f"| {r.scale} | {r.stage} | {r.mode} | {_fmt(r.wall)} | {_fmt(r.inproc)} | "
                     f"{_fmt(r.rss_mb, 0)} | {bar} | {r.verdict()} | {r.note} |")
    return "\n".join(lines)


def sizes_table(ctxs: list[Ctx]) -> str:
    lines = ["| scale | items | ledger files | ledger MB | parse cache MB | commits (first-parent / all) | "
             ".git MB | generated in (s) | memory bar (MB) |",
             "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |"]
    for ctx in ctxs:
        info, extra = ctx.info, ctx.extra
        commits = (f"{info['commits_first_parent']:,} / {info['commits_total']:,}"
                   if info.get("history") else "no history")
        git_mb = _fmt(tree_size(ctx.out / ".git")[1] / 1e6, 0) if ctx.has_history else ""
        made = (f"plan {info.get('plan_seconds')} + write {info.get('write_seconds')}"
                + (f" + history {info.get('history_seconds')}" if info.get("history") else ""))
        lines.append(f"| {ctx.scale} | {info.get('items', 0):,} | {extra['files']:,} | {extra['mb']:.1f} | "
                     f"{_fmt(extra.get('cache_mb'), 1)} | {commits} | {git_mb} | {made} | "
                     f"{BARS[ctx.scale]['rss_mb']} |")
    return "\n".join(lines)


def header() -> str:
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip() or "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"Benchmarks of {rev} (working tree) on {platform.node()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, {dt.datetime.now():%Y-%m-%d %H:%M}, "
            f"load average {load} at the end (other work on the machine skews the figures)")


def profiles(ctx: Ctx) -> str:
    cold = profile_validate(ctx.ledger, ctx.fresh_cache())
    warm = ctx.fresh_cache()
    profile_validate(ctx.ledger, warm)
    cached = profile_validate(ctx.ledger, warm)
    return (f"### cProfile, {ctx.scale}, in-process validate, cold (no cache)\n\n```\n{cold}\n```\n\n"
            f"### cProfile, {ctx.scale}, in-process validate, cached\n\n```\n{cached}\n```\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("county", "city", "all"), default="county")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--stat", choices=("median", "min"), default="median",
                        help="how repeated runs are summarised: median (default) or min (on a busy machine)")
    parser.add_argument("--regen", action="store_true", help="generate the data again")
    parser.add_argument("--no-history", action="store_true", help="generate (if needed) without git history")
    parser.add_argument("--stage", action="append", choices=[s.name for s in STAGES], help="only these stages")
    parser.add_argument("--profile", action="store_true", help="add cProfile of in-process validate")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    scales = ("county", "city") if args.scale == "all" else (args.scale,)
    tmp = Path(tempfile.mkdtemp(prefix="rectify-bench-"))
    ctxs, rows, extra_text = [], [], []
    try:
        for scale in scales:
            info = ensure_data(scale, not args.no_history, args.regen)
            ctx = Ctx(scale, OUT / scale, max(1, args.repeat), tmp, args.stat, info)
            ctx.extra["files"], size = tree_size(ctx.ledger)
            ctx.extra["mb"] = size / 1e6
            rows += run_stages(ctx, set(args.stage) if args.stage else None)
            if args.profile:
                extra_text.append(profiles(ctx))
            ctxs.append(ctx)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{header()}\n\nCLI wall: {args.stat} of {args.repeat} runs of the command in a subprocess (OS file cache "
          f"warm, byte-compiled); in-process: the same work without interpreter start-up and imports; "
          f"peak memory: the child's process tree, summed PSS sampled every 0.1 s (forked workers "
          f"included, shared pages counted once), or its own ru_maxrss when larger.\n")
    print(timings_table(rows) + "\n\n" + sizes_table(ctxs) + "\n")
    print("\n".join(extra_text))
    if args.json:
        args.json.write_text(json.dumps({"rows": [dataclasses.asdict(r) for r in rows],
                                         "data": {c.scale: {**c.info, **c.extra} for c in ctxs}},
                                        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

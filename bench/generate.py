"""Generate a synthetic ledger (and optionally its git history) for the benchmarks.

    python bench/generate.py --scale county|city --out DIR [--history] [--seed N]

Writes ``DIR/ledger/`` (county: 1,000 items in 10 rounds over 50 units; city: 10,000 items in 60
rounds over 400 units), all valid for ``rectify validate``. With ``--history`` DIR also becomes a
git repository whose ``main`` has about 20,000 / 200,000 first-parent commits through 2023, made
with one ``git fast-import`` stream, whose last tree is exactly the files written. The output is
a function of the scale and the seed only. ``DIR/.generated.json`` records what was made; a
folder without it is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, also when imported

import render  # noqa: E402
from entities import SCALES  # noqa: E402
from plan import build_plan  # noqa: E402

MARKER = ".generated.json"
DEFAULT_SEED = 2023


def read_marker(out: Path) -> dict[str, Any] | None:
    """What the generator recorded in ``out``, or None when it did not make (or finish) it."""
    try:
        info = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if info.get("complete") else None


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"generate: {out} is not empty and was not made by this generator; not touching it")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)


def _write(files: dict[str, render.StaticFile], out: Path) -> tuple[int, int]:
    total = 0
    for path, file in files.items():
        data = render.final_text(file).encode("utf-8")
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return len(files), total


def generate(scale_name: str, out: Path, history: bool = False, seed: int = DEFAULT_SEED,
             commits: int | None = None, merge_every: int = 20) -> dict[str, Any]:
    """Make the ledger (and history) in ``out``; returns what ``.generated.json`` records."""
    scale = SCALES[scale_name]
    started = time.perf_counter()
    plan = build_plan(scale, seed)
    files = render.build_files(plan)
    planned = time.perf_counter()
    _prepare(out)
    info: dict[str, Any] = {"scale": scale_name, "seed": seed, "history": history, "complete": False}
    (out / MARKER).write_text(json.dumps(info), encoding="utf-8")
    n_files, n_bytes = _write(files, out)
    info.update(items=sum(1 for p in files if p.startswith("ledger/issues/")), files=n_files,
                bytes=n_bytes, plan_seconds=round(planned - started, 2),
                write_seconds=round(time.perf_counter() - planned, 2))
    if history:
        import githistory
        info.update(githistory.make_history(files, out, commits or scale.commits, merge_every))
    info["complete"] = True
    (out / MARKER).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--out", type=Path, required=True, help="output folder (the git repository with --history)")
    parser.add_argument("--history", action="store_true", help="also make the git history with git fast-import")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--commits", type=int, default=None, help="first-parent commits (default: per scale)")
    parser.add_argument("--merge-every", type=int, default=20,
                        help="every Nth first-parent commit is a pull-request merge (0: none)")
    args = parser.parse_args(argv)
    info = generate(args.scale, args.out, args.history, args.seed, args.commits, args.merge_every)
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the city/province roll-up: N generated county members, a roll-up repository listing
them, and the times and memory of ``rectify members update`` and ``rectify build`` on it.

    python bench/rollup.py --members 16 [--out bench/out/rollup] [--commits 300] [--seeds 4]

Each member is a county of 1,000 items (``bench/generate.py --scale county``) with a short history
(``--commits`` first-parent commits, not the county benchmark's 20,000); ``--seeds`` distinct
counties are generated and each is cloned into several members, so making 16 members costs four
generations. Measured: members update from nothing (16 bare clones), the roll-up build cold (no
figures cached), the same lock again, and after one member changed (one new commit, locked anew).
Memory is the peak of the command's whole process tree (summed PSS), as in ``bench/measure.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from measure import run_child  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECTIFY = ROOT / ".venv" / "bin" / "rectify"


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
           "GIT_AUTHOR_DATE": "2023-12-30T10:00:00+08:00", "GIT_COMMITTER_DATE": "2023-12-30T10:00:00+08:00"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def make_members(out: Path, count: int, seeds: int, commits: int) -> list[Path]:
    sources = []
    for k in range(seeds):
        src = out / "sources" / f"seed{k}"
        if generate.read_marker(src) is None:
            generate.generate("county", src, history=True, seed=2023 + k, commits=commits)
        sources.append(src)
    members = []
    for i in range(count):
        path = out / "members" / f"m{i:03d}"
        if not (path / ".git").is_dir():
            shutil.rmtree(path, ignore_errors=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            git("clone", "-q", str(sources[i % seeds]), str(path), cwd=out)
        members.append(path)
    return members


def make_rollup(out: Path, members: list[Path]) -> Path:
    city = out / "city"
    shutil.rmtree(city, ignore_errors=True)
    (city / "ledger").mkdir(parents=True)
    lines = ["organisation: 基准市市委", "office: 基准市巡察整改监督工作办公室", "as_of: 2023-12-31", "members:"]
    for i, m in enumerate(members):
        lines += [f"  - id: m{i:03d}", f"    name: 第{i + 1}县", "    level: county", f"    repo: {m}"]
    (city / "ledger" / "ledger.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    git("init", "-q", "-b", "main", cwd=city)
    git("add", "-A", cwd=city)
    git("commit", "-q", "-m", "roll-up", cwd=city)
    return city


def change_one(member: Path) -> None:
    """One new commit in one member, changing one file (a unit's supervisor renamed)."""
    units = member / "ledger" / "units.yaml"
    text = units.read_text(encoding="utf-8")
    at = text.index("supervisor: ") + len("supervisor: ")
    units.write_text(text[:at] + "基准" + text[at:], encoding="utf-8")
    git("commit", "-qam", "one change", cwd=member)


def timed(label: str, cmd: list[str], cwd: Path) -> None:
    run = run_child(cmd, cwd=cwd)
    tail = run.output.strip().splitlines()[-1:] if run.output.strip() else []
    print(f"{label:<44} {run.seconds:7.1f} s  {run.tree_mb:7.0f} MB tree  exit {run.code}  {tail[0][:70] if tail else ''}",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "rollup")
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    members = make_members(args.out.resolve(), args.members, args.seeds, args.commits)
    city = make_rollup(args.out.resolve(), members)
    rectify = str(RECTIFY)
    print(f"{args.members} members of 1,000 items, {args.commits} commits each ({args.seeds} distinct counties)")
    timed("members update (bare clones from nothing)", [rectify, "members", "update"], city)
    git("add", "-A", cwd=city)
    git("commit", "-q", "-m", "lock", cwd=city)
    timed("roll-up build, cold (nothing cached)", [rectify, "build", "--out", "site"], city)
    timed("roll-up build, same lock again", [rectify, "build", "--out", "site"], city)
    change_one(members[min(3, len(members) - 1)])
    timed("members update after one member changed", [rectify, "members", "update"], city)
    timed("roll-up build after one member changed", [rectify, "build", "--out", "site"], city)
    timed("roll-up bulletin 2023-W52 (as of its Sunday)", [rectify, "bulletin", "--week", "2023-W52",
                                                                    "--out", "bulletins"], city)
    return 0


if __name__ == "__main__":
    sys.exit(main())

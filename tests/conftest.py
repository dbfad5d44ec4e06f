"""Shared fixtures: a minimal valid ledger written into a temporary folder, file by file.

Tests change one file of it (inline, as text) and assert what ``rectify`` says about it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from site_builder.cli.main import main

SETTINGS = """\
organisation: 测试县委
office: 测试县巡视巡察整改监督工作办公室
as_of: 2023-08-18
"""

UNITS = """\
units:
  - id: agri-bureau
    name: 县农业农村局
    category: county_department
    supervisor: 县纪委监委第三派驻纪检监察组
  - id: east-town
    name: 东关镇
    category: township
    supervisor: 东关镇纪委
"""

ROUND = """\
id: 2023-R2
name: 涉农资金项目管理和防汛救灾提级巡察
level: city
kind: elevated
feedback_date: 2023-05-30
deadline: 2023-10-30
aspects: [资金项目管理, 防汛救灾]
units: [agri-bureau, east-town]
feedback:
  - id: 2023-R2-F01
    aspect: 资金项目管理
    unit: agri-bureau
    text: 高标准农田建设项目验收把关不严
  - id: 2023-R2-F02
    aspect: 防汛救灾
    unit: east-town
    text: 防汛物资储备不足
"""

ITEM_1 = """\
id: 2023-R2-001
round: 2023-R2
feedback: [2023-R2-F01]
unit: agri-bureau
aspect: 资金项目管理
title: 高标准农田建设项目验收不严
problem: 2021年以来部分项目未按规定组织竣工验收。
term: time_limited
opened: 2023-06-05
due: 2023-09-30
leader: 王某某
department: 农田建设股
measures:
  - {id: M1, text: 对2021年以来的项目逐一复验, owner: 农田建设股, due: 2023-08-31, done: 2023-08-10}
status: cleared
reports:
  - {date: 2023-07-11, by: 县农业农村局, text: 已成立复验工作组}
submissions:
  - {date: 2023-08-11, by: 李某, text: 复验完成, evidence: [复验报告]}
verifications:
  - {date: 2023-08-14, by: 赵某, result: passed}
"""

ITEM_2 = """\
id: 2023-R2-002
round: 2023-R2
feedback: [2023-R2-F02]
unit: east-town
aspect: 防汛救灾
title: 防汛物资储备不足
problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。
term: time_limited
opened: 2023-06-05
due: 2023-10-15
leader: 孙某某
department: 应急办
measures:
  - {id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30}
status: in_progress
reports:
  - {date: 2023-08-16, by: 东关镇, text: 已采购编织袋5000条}
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    """A minimal valid ledger: settings, two units, one round, two items."""
    root = tmp_path / "ledger"
    write(root, "ledger.yaml", SETTINGS)
    write(root, "units.yaml", UNITS)
    write(root, "rounds/2023-R2.yaml", ROUND)
    write(root, "issues/2023-R2/2023-R2-001.yaml", ITEM_1)
    write(root, "issues/2023-R2/2023-R2-002.yaml", ITEM_2)
    return root


def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """Run ``rectify`` in a subprocess (as a user would) and return (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "site_builder.cli.main", *args], cwd=cwd,
                          capture_output=True, text=True, env=_env())
    return proc.returncode, proc.stdout, proc.stderr


def _env() -> dict:
    import os
    env = dict(os.environ)
    env.pop("GITHUB_ACTIONS", None)
    import tempfile
    env["RECTIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="rectify-cache-")
    return env


def rectify(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``rectify`` in-process (fast) and return (exit code, stdout, stderr)."""
    code = main([*args, "--no-cache"] if args and args[0] in ("validate", "status") else list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def example_site(tmp_path_factory):
    """The example ledger replayed into a dated repository and built, once per test session."""
    from site_builder.history.replay import replay
    base = tmp_path_factory.mktemp("example")
    replay(ROOT / "ledger", base / "repo")
    code = main(["build", str(base / "repo" / "ledger"), "--repo", str(base / "repo"), "--out", str(base / "site"),
                 "--no-cache", "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs")])
    assert code == 0
    return base / "site"

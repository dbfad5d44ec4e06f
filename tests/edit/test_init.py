"""``rectify init DIR``: a new county's ledger repository that validates and builds as it comes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import rectify
from site_builder.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> tuple[Path, int, str, str]:
    target = tmp_path_factory.mktemp("init") / "云岭县台账"
    code = main(["init", str(target), "--organisation", "中共云岭县委", "--office", "云岭县巡视巡察整改监督工作办公室"])
    return target, code, "", ""


def test_init_says_what_it_did_and_what_comes_next(tmp_path: Path, capsys):
    target = tmp_path / "repo"
    code, out, err = rectify(capsys, "init", str(target))
    assert (code, err) == (0, "")
    assert out == (f"已创建台账仓库 {target}，并已提交仓库骨架（不含 ledger/）。下一步：把 ledger/ 中的示例换成本县的台账，"
                   "运行 rectify validate，再提交。\n")


def test_the_repository_has_everything_a_county_needs(county):
    target, code, _, _ = county
    assert code == 0
    for rel in ("ledger/ledger.yaml", "ledger/units.yaml", "ledger/rounds/2024-R1.yaml", "ledger/issues/2024-R1/2024-R1-001.yaml",
                "mkdocs.yml", "README.md", "requirements.txt", ".gitignore", ".pre-commit-config.yaml", ".vscode/settings.json",
                ".github/workflows/gate.yml", ".github/workflows/site.yml", ".github/workflows/bulletin.yml",
                ".github/pull_request_template.md", ".github/CODEOWNERS", "schemas/item.schema.json"):
        assert (target / rel).is_file(), rel
    # the editors' guide is this repository's, page for page (installing from requirements.txt)
    pages = sorted(p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*.md"))
    assert pages and pages == sorted(p.relative_to(target / "docs") for p in (target / "docs").rglob("*.md"))
    for page in pages:
        assert (target / "docs" / page).read_text(encoding="utf-8") == \
            (ROOT / "docs" / page).read_text(encoding="utf-8").replace("pip install -e .", "pip install -r requirements.txt")
    # a county installs rectify from requirements.txt, not from its own (package-less) repository
    for rel in (".github/workflows/gate.yml", ".github/workflows/site.yml", ".github/workflows/bulletin.yml"):
        text = (target / rel).read_text(encoding="utf-8")
        assert "run: pip install -r requirements.txt\n" in text and "pip install -e ." not in text
        assert text.replace("pip install -r requirements.txt", "pip install -e .") == \
            (ROOT / rel).read_text(encoding="utf-8")
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert "rectify validate" in readme and "rectify build --out site" in readme and "巡察整改监督台账" in readme


def test_settings_take_the_names_given_and_keep_their_comments(county):
    target = county[0]
    text = (target / "ledger/ledger.yaml").read_text(encoding="utf-8")
    assert "organisation: 中共云岭县委  # ← 本县县委全称\n" in text
    assert "office: 云岭县巡视巡察整改监督工作办公室  # ← 监督办全称\n" in text
    assert text.startswith("# 台账设置。")


def test_git_holds_the_skeleton_and_leaves_the_ledger_to_the_county(county):
    target = county[0]
    assert git(target, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(target, "log", "--format=%s").splitlines() == ["rectify init: 台账仓库骨架（不含台账数据）"]
    assert git(target, "status", "--porcelain").splitlines() == ["?? ledger/"]


def test_it_validates_and_builds(county, capsys, monkeypatch):
    target = county[0]
    monkeypatch.chdir(target)
    assert rectify(capsys, "validate") == (0, "台账检查通过：1 个轮次，1 个问题，未发现错误。\n", "")
    assert rectify(capsys, "schema", "--check") == (0, "", "")
    code, out, err = rectify(capsys, "build", "--out", "site", "--no-cache")
    assert (code, err) == (0, "")
    assert out.startswith("站点已生成：site（") and (target / "site" / "index.html").is_file()
    assert "中共云岭县委" in (target / "site" / "index.html").read_text(encoding="utf-8")
    assert (target / "site" / "help" / "guide" / "index.html").is_file()


def test_init_refuses_a_folder_in_use(tmp_path: Path, capsys):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("x", encoding="utf-8")
    code, out, err = rectify(capsys, "init", str(tmp_path / "used"))
    assert (code, out, err) == (1, "", f"文件夹 {tmp_path / 'used'} 已存在且不为空；请指定一个新文件夹。\n")
    assert [p.name for p in (tmp_path / "used").iterdir()] == ["notes.txt"]

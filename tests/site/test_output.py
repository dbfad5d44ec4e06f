"""The output folder: a build replaces only a folder it made, and nothing it did not make is deleted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from conftest import ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS, rectify
from gitrepo import Repo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND)
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", ITEM_1)
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", ITEM_2)
    repo.write("docs/index.md", "# 指南\n")
    repo.commit("台账", "2023-08-17T10:00:00+08:00", author="监督办 王某")
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", ITEM_2 + "# 未提交的修改\n")    # uncommitted work
    return repo


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(capsys, repo: Repo, out: str, cwd: Path | None = None):
    old = os.getcwd()
    os.chdir(cwd or repo.root)
    try:
        return rectify(capsys, "build", "ledger", "--out", out, "--no-cache",
                       "--config", str(ROOT / "mkdocs.yml"), "--docs", "docs")
    finally:
        os.chdir(old)


@pytest.mark.parametrize("out, message", [
    ("ledger", "输出文件夹不能是、包含或位于台账文件夹（{root}/ledger）之内"),
    ("ledger/issues", "输出文件夹不能是、包含或位于台账文件夹（{root}/ledger）之内"),
    (".", "输出文件夹不能是或包含仓库根目录（{root}）"),
    ("..", "输出文件夹不能是或包含仓库根目录（{root}）"),
    (".git", "输出文件夹不能是、包含或位于 .git 文件夹（{root}/.git）之内"),
    (".git/objects", "输出文件夹不能是、包含或位于 .git 文件夹（{root}/.git）之内"),
    ("docs", "输出文件夹不能是、包含或位于手写页面文件夹（{root}/docs）之内"),
])
def test_a_protected_folder_is_refused_and_untouched(capsys, repo, out, message):
    before = snapshot(repo.root)
    code, stdout, stderr = build(capsys, repo, out)
    assert code == 2
    assert stderr.startswith(f"{out}: " + message.format(root=repo.root.resolve())), stderr
    assert "Traceback" not in stderr and stdout == ""
    assert snapshot(repo.root) == before


def test_an_unmarked_folder_is_refused(capsys, repo, tmp_path):
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "a.jpg").write_bytes(b"\xff\xd8")
    code, _, stderr = build(capsys, repo, str(mine))
    assert code == 2
    assert stderr == (f"{mine}: 输出文件夹已存在且不是空的，也不是 rectify 生成的站点（缺少 .rectify-site.json），"
                      "不会替换它。请给出一个不存在的或空的文件夹。\n")
    assert (mine / "a.jpg").read_bytes() == b"\xff\xd8"


def test_a_file_and_a_symlink_are_refused(capsys, repo, tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert build(capsys, repo, str(tmp_path / "notes.txt"))[0] == 2
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "x"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    code, _, stderr = build(capsys, repo, str(tmp_path / "link"))
    assert code == 2 and "符号链接" in stderr
    assert (tmp_path / "link").is_symlink()


def test_absent_empty_and_marked_folders_are_replaced(capsys, repo, tmp_path):
    site = tmp_path / "site"
    assert build(capsys, repo, str(site))[0] == 0               # absent
    assert (site / ".rectify-site.json").is_file()
    assert build(capsys, repo, str(site))[0] == 0               # marked by the build before
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build(capsys, repo, str(empty))[0] == 0
    assert snapshot(site) == snapshot(empty)


def test_a_file_the_build_did_not_make_stops_the_replacement(capsys, repo, tmp_path):
    site = tmp_path / "site"
    assert build(capsys, repo, str(site))[0] == 0
    (site / "assets" / "mine.css").write_text("/* mine */", encoding="utf-8")
    code, _, stderr = build(capsys, repo, str(site))
    assert code == 2
    assert "（assets/mine.css，共 1 个）" in stderr
    assert (site / "assets" / "mine.css").read_text(encoding="utf-8") == "/* mine */"


def test_a_forged_mark_does_not_open_a_protected_folder(capsys, repo):
    (repo.root / "ledger" / ".rectify-site.json").write_text('{"made_by": "rectify", "files": []}', encoding="utf-8")
    before = snapshot(repo.root)
    assert build(capsys, repo, "ledger")[0] == 2
    assert snapshot(repo.root) == before

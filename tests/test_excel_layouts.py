"""A new county in three commands: ``rectify init``, ``rectify import WORKBOOK --round … `` with the
round created from the workbook, then ``rectify validate`` and ``rectify build`` — for every workbook
layout of ``excel_layouts`` (real workbooks, real repositories, real CLI runs).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import rectify
from excel_layouts import LAYOUTS, ROUND_ARGS, make_department, make_merged_rows, make_summary
from site_builder.load import load_ledger

NOW = "2026-09-15T10:00:00+08:00"


@pytest.fixture(autouse=True)
def dates(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", NOW)
    monkeypatch.setenv("RECTIFY_NOW", NOW)
    monkeypatch.chdir(tmp_path)


def county(capsys, tmp_path: Path) -> Path:
    repo = tmp_path / "county"
    code, _, err = rectify(capsys, "init", str(repo))
    assert code == 0, err
    return repo


def import_into(capsys, repo: Path, *files: Path, args: tuple[str, ...] = ()) -> tuple[int, str, str]:
    return rectify(capsys, "import", *map(str, files), "--ledger", str(repo / "ledger"), *ROUND_ARGS, *args,
                   "--no-cache")


def items(repo: Path) -> dict:
    ledger, problems = load_ledger(repo / "ledger")
    assert problems == []
    return {i.id: i for i in ledger.items.values() if i.round == "2026-R1"}, ledger


@pytest.mark.parametrize("layout", LAYOUTS, ids=[x.name for x in LAYOUTS])
def test_each_layout_imports_in_one_command_then_validates(capsys, tmp_path: Path, layout):
    repo = county(capsys, tmp_path)
    workbook = layout.make(tmp_path / layout.file)
    code, out, err = import_into(capsys, repo, workbook, args=tuple(layout.args))
    assert code == 0, out + err
    found, ledger = items(repo)
    assert len(found) == layout.items, out
    rnd = ledger.rounds["2026-R1"]
    assert sorted(ledger.units[u].name for u in rnd.units) == sorted(layout.units)
    code, out, err = rectify(capsys, "validate", str(repo / "ledger"))
    assert code == 0, out + err


def test_a_county_publishes_its_site_after_importing(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    code, out, err = import_into(capsys, repo, make_department(tmp_path / "a.xlsx"), make_summary(tmp_path / "b.xlsx"))
    assert code == 0, out + err
    subprocess.run(["git", "add", "ledger"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=监督办", "-c", "user.email=o@example.invalid", "commit", "-qm", "导入台账"],
                   cwd=repo, check=True)
    code, out, err = rectify(capsys, "build", str(repo / "ledger"), "--repo", str(repo), "--out", str(tmp_path / "site"),
                             "--config", str(repo / "mkdocs.yml"), "--docs", str(repo / "docs"), "--no-cache")
    assert code == 0, out + err
    assert "惠农补贴发放不及时" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8") or \
        any("惠农补贴" in p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))


def test_department_ledger_fields(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    code, out, err = import_into(capsys, repo, make_department(tmp_path / "农业.xlsx"))
    assert code == 0, out + err
    found, ledger = items(repo)
    rnd = ledger.rounds["2026-R1"]
    assert list(rnd.aspects) == ["落实惠农政策", "项目资金管理"]
    assert [f.text for f in rnd.feedback] == ["惠农补贴发放不及时", "项目验收把关不严", "项目资金拨付不规范"]
    first, second, third, fourth = (found[k] for k in sorted(found))
    assert first.feedback == second.feedback == (rnd.feedback[0].id,)
    assert first.aspect == "落实惠农政策" and third.aspect == "项目资金管理"
    assert [(m.text, m.owner, m.due.isoformat(), m.done and m.done.isoformat()) for m in first.measures] == [
        ("全面清理2025年补贴发放台账", "王芳", "2026-12-31", "2026-05-20"),
        ("建立补贴发放进度周调度制度", "赵强", "2026-12-31", "2026-05-20")]
    assert first.leader == "李明" and first.department == "计划财务股"
    assert [(r.date.isoformat(), r.text) for r in first.reports] == [("2026-04-10", "已完成台账清理"),
                                                                     ("2026-05-20", "调度制度已印发")]
    assert first.internal_note == "需市局复核"
    assert second.due.isoformat() == "2026-12-31"
    assert [m.text for m in third.measures] == ["对2024年以来项目逐一复验", "修订项目验收管理办法"]
    assert third.due.isoformat() == "2026-10-31" and third.status.value == "open"
    assert fourth.term.value == "immediate"
    assert [m.done and m.done.isoformat() for m in fourth.measures] == ["2026-03-15"]
    # the note row under the table and the title rows are named in the report, not read as problems
    assert "A10" in out and "注：" in out


def test_merged_rows_read_every_row(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    code, out, err = import_into(capsys, repo, make_merged_rows(tmp_path / "林业.xlsx"))
    assert code == 0, out + err
    found, _ = items(repo)
    first = found[sorted(found)[0]]
    assert [(m.text, m.owner, m.due.isoformat(), m.done and m.done.isoformat()) for m in first.measures] == [
        ("对违规占用林地逐一查处", "朱军", "2026-06-30", "2026-06-25"),
        ("建立林地巡查制度", "秦岚", "2026-09-30", None)]
    assert [(r.date.isoformat(), r.text) for r in first.reports] == [("2026-06-25", "已查处12起"),
                                                                     ("2026-09-01", "制度已起草")]


def test_summary_skips_subtotals_with_a_reason(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    code, out, err = import_into(capsys, repo, make_summary(tmp_path / "汇总.xlsx"))
    assert code == 0, out + err
    for cell in ("A5", "A7", "A8"):
        assert f"汇总.xlsx:汇总!{cell}" in out
    found, ledger = items(repo)
    assert sorted(ledger.units[i.unit].name for i in found.values()) == ["县卫健委", "县教育局", "县教育局"]
    edu = [i for i in found.values() if i.problem == "学校食堂采购未公开招标"][0]
    assert [(m.owner) for m in edu.measures] == ["教育股 何平", "财务股 马丽"]

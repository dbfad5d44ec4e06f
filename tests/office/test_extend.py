"""Excel import, one unit at a time: a second unit's ledger imported into a round that an earlier
import made extends that round (units, aspects, feedback problems) and numbers its items after the
first's; a unit the round has already must still match its feedback problems; a changed cell on a
re-import is refused at that cell; appended progress lines come in as new reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from conftest import rectify
from excel_layouts import county, dates, make_department, make_township, NOW, ROUND_ARGS  # noqa: F401 - dates is an autouse fixture
from site_builder.ledger.load import load_ledger



def run_import(capsys, repo: Path, book: Path, *args: str) -> tuple[int, str, str]:
    return rectify(capsys, "import", book.name, "--ledger", str(repo / "ledger"), *ROUND_ARGS, *args, "--no-cache")


def test_a_second_unit_s_ledger_extends_the_round_an_earlier_import_made(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    ledger = repo / "ledger"
    assert run_import(capsys, repo, make_department(tmp_path / "农业.xlsx"))[0] == 0
    first = yaml.safe_load((ledger / "rounds/2026-R1.yaml").read_text(encoding="utf-8"))
    code, out, err = run_import(capsys, repo, make_township(tmp_path / "东风镇.xlsx"), "--unit", "东风镇")
    assert code == 0, out + err
    assert f"{ledger}/rounds/2026-R1.yaml: 轮次 2026-R1 由此前的导入新建，本次补充 1 个方面、2 个反馈问题、1 个单位；" \
           "请与反馈意见原文核对。" in out.splitlines()
    assert out.splitlines()[-1] == f"已从 东风镇.xlsx 导入 3 个问题到 {ledger}/issues/2026-R1/：2026-R1-005 至 2026-R1-007。"
    after = yaml.safe_load((ledger / "rounds/2026-R1.yaml").read_text(encoding="utf-8"))
    # the first import's round stays as it was; the township's come after it
    assert after["units"] == first["units"] + ["dongfengzhen"]
    assert after["feedback"][:len(first["feedback"])] == first["feedback"]
    assert [(f["id"], f["unit"], f["text"]) for f in after["feedback"][len(first["feedback"]):]] == [
        ("2026-R1-F04", "dongfengzhen", "基层党组织建设薄弱"), ("2026-R1-F05", "dongfengzhen", "集体资产管理混乱")]
    loaded, problems = load_ledger(ledger)
    assert problems == []
    mine = {i.id: i for i in loaded.items.values() if i.round == "2026-R1"}
    assert [mine[i].unit for i in sorted(mine)] == ["nongyenongcunju"] * 4 + ["dongfengzhen"] * 3
    assert [mine[i].feedback for i in ("2026-R1-005", "2026-R1-006", "2026-R1-007")] == \
        [("2026-R1-F04",), ("2026-R1-F04",), ("2026-R1-F05",)]
    assert rectify(capsys, "validate", str(ledger))[0] == 0


def test_a_round_written_by_hand_is_not_extended(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    ledger = repo / "ledger"
    assert run_import(capsys, repo, make_department(tmp_path / "农业.xlsx"))[0] == 0
    path = ledger / "rounds/2026-R1.yaml"
    path.write_text("\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("#")) + "\n", encoding="utf-8")
    before = path.read_bytes()
    code, out, err = run_import(capsys, repo, make_township(tmp_path / "东风镇.xlsx"), "--unit", "东风镇")
    assert code == 1
    assert "东风镇.xlsx:Sheet1!C3: 责任单位“东风镇”不在 units.yaml 中" in out
    assert path.read_bytes() == before


def _commit(repo: Path) -> None:
    import subprocess
    subprocess.run(["git", "add", "ledger"], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=监督办", "-c", "user.email=o@x", "commit", "-qm", "导入"], cwd=repo,
                   check=True, capture_output=True)


def test_a_changed_cell_on_a_re_import_is_refused_at_that_cell(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    book = make_department(tmp_path / "农业.xlsx")
    assert run_import(capsys, repo, book)[0] == 0
    _commit(repo)
    files = {p: p.read_bytes() for p in (repo / "ledger").rglob("*.yaml")}
    wb = load_workbook(book)
    ws = wb.active
    ws["C5"] = ws["C5"].value + "，涉及农户120户"            # the problem (its title stays the same)
    ws["H8"] = "2026年11月30日"                               # a measure's due date
    wb.save(book)
    code, out, err = run_import(capsys, repo, book)
    assert code == 1
    assert out.splitlines()[-2:] == [
        "农业.xlsx:整改台账!C5: 本行已在台账中（2026-R1-001），但“问题具体表现”与台账不同：台账中为“2025年耕地地力保护补贴延迟3个月发放”，"
        "表格中为“2025年耕地地力保护补贴延迟3个月发放，涉及农户120户”。已建账的内容不能通过再次导入修改，请改回表格，或按规则在台账中修改（如延期）。",
        "农业.xlsx:整改台账!H8: 本行已在台账中（2026-R1-003），但“整改时限”与台账不同：台账中为“2026-10-31”，表格中为“2026-11-30”。"
        "已建账的内容不能通过再次导入修改，请改回表格，或按规则在台账中修改（如延期）。",
    ]
    assert err == "共发现 2 个错误，未写入任何文件。\n"
    assert {p: p.read_bytes() for p in (repo / "ledger").rglob("*.yaml")} == files


def test_new_progress_lines_on_a_re_import_are_appended_within_the_gate_s_rules(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    ledger = repo / "ledger"
    book = make_department(tmp_path / "农业.xlsx")
    assert run_import(capsys, repo, book)[0] == 0
    _commit(repo)
    before, _ = load_ledger(ledger)
    wb = load_workbook(book)
    wb.active["I6"] = wb.active["I6"].value + "\n2026年9月14日 已核查全部乡镇"
    wb.save(book)
    code, out, err = run_import(capsys, repo, book)
    assert code == 0, out + err
    assert "农业.xlsx:整改台账!C6: 本行已在台账中（2026-R1-002），追加 1 条进展报告、0 项措施记为完成。" in out.splitlines()
    assert out.splitlines()[-1] == "农业.xlsx 中没有新的问题；已给台账中的 1 个问题追加进展：2026-R1-002。"
    after, _ = load_ledger(ledger)
    old, new = before.items["2026-R1-002"], after.items["2026-R1-002"]
    assert new.reports[:-1] == old.reports
    assert (new.reports[-1].date.isoformat(), new.reports[-1].text) == ("2026-09-14", "已核查全部乡镇")
    assert {i: x for i, x in after.items.items() if i != "2026-R1-002"} == \
        {i: x for i, x in before.items.items() if i != "2026-R1-002"}
    # importing it once more changes nothing
    code, out, err = run_import(capsys, repo, book)
    assert (code, out.splitlines()[-1]) == (0, "农业.xlsx 中没有可导入的行。")
    # a line dated long before the commit that would add it is refused, as the gate refuses it
    _commit(repo)
    wb = load_workbook(book)
    wb.active["I6"] = wb.active["I6"].value + "\n2026年4月1日 补记的进展"
    wb.save(book)
    code, out, err = run_import(capsys, repo, book)
    assert code == 1
    assert "农业.xlsx:整改台账!I6: 记录日期 2026-04-01 比提交日期 2026-09-15 早了 7 天以上（补记容许天数见 thresholds.backdate_days）。" \
        in out.splitlines()

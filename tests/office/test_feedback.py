"""``rectify import-feedback``: the feedback report (巡察反馈意见) read into the round file — Word
documents made here with python-docx in two styles (numbered paragraphs; a table) and a workbook;
then the units' ledgers imported against it, and 全部认领 enforced until every unit's is in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from docx import Document
from openpyxl import Workbook, load_workbook

from conftest import rectify
from excel_layouts import county, dates, make_department, make_township, NOW  # noqa: F401 - dates is an autouse fixture

ROUND = ["--round", "2026-R1", "--round-name", "县委第一轮巡察", "--feedback-date", "2026-03-01", "--deadline", "2026-12-31"]


def paragraphs_report(path: Path) -> Path:
    """The department's report as a county writes it: title, preamble, 一、 aspects, 1. problems,
    a closing requirement."""
    doc = Document()
    doc.add_heading("县委第一巡察组关于巡察县农业农村局党组的反馈意见", level=1)
    doc.add_paragraph("根据县委统一部署，2026年1月至2月，县委第一巡察组对县农业农村局党组进行了常规巡察。")
    doc.add_paragraph("一、落实惠农政策方面存在的问题")
    doc.add_paragraph("1.惠农补贴发放不及时")
    doc.add_paragraph("二、项目资金管理方面存在的问题")
    doc.add_paragraph("1. 项目验收把关不严")
    doc.add_paragraph("（2）项目资金拨付不规范")
    doc.add_paragraph("请于两个月内报送整改情况。")
    doc.save(path)
    return path


def table_report(path: Path) -> Path:
    """The township's report as a table: 序号 | 方面 (merged over its rows) | 问题."""
    doc = Document()
    doc.add_paragraph("县委第二巡察组对东风镇党委巡察情况的反馈意见")
    table = doc.add_table(rows=4, cols=3)
    for c, text in enumerate(["序号", "方面", "问题"]):
        table.cell(0, c).text = text
    table.cell(1, 1).merge(table.cell(2, 1))
    table.cell(1, 1).text = "党的建设方面"
    table.cell(1, 0).text, table.cell(1, 2).text = "1", "基层党组织建设薄弱"
    table.cell(2, 0).text, table.cell(2, 2).text = "2", "（2）党员发展程序不规范"
    table.cell(3, 0).text, table.cell(3, 1).text, table.cell(3, 2).text = "3", "集体经济方面", "集体资产管理混乱"
    doc.save(path)
    return path


def sheet_report(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in (["关于对县教育局党组开展巡察的反馈意见"], ["一、食堂管理方面"], [None, "1.食堂管理不规范"],
                [None, "2.学校食堂采购未公开招标"], ["二、作风建设方面"], [None, "1、公务用车管理不严"]):
        ws.append(row)
    wb.save(path)
    return path


def feedback_of(repo: Path) -> list[tuple]:
    data = yaml.safe_load((repo / "ledger/rounds/2026-R1.yaml").read_text(encoding="utf-8"))
    return data["aspects"], data["units"], [(f["id"], f["aspect"], f["unit"], f["text"]) for f in data["feedback"]]


def test_a_report_of_numbered_paragraphs_makes_the_round(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    report = paragraphs_report(tmp_path / "农业农村局反馈意见.docx")
    code, out, err = rectify(capsys, "import-feedback", report.name, "--ledger", str(repo / "ledger"), *ROUND, "--no-cache")
    assert code == 0, out + err
    lines = out.splitlines()
    assert "农业农村局反馈意见.docx:第1段: 不是方面或问题，未导入：“县委第一巡察组关于巡察县农业农村局党组的反馈意见”" in lines
    assert "农业农村局反馈意见.docx:第8段: 不是方面或问题，未导入：“请于两个月内报送整改情况。”" in lines
    assert lines[-1] == f"已把 3 个反馈问题写入 {repo}/ledger/rounds/2026-R1.yaml（新增 2 个方面）：2026-R1-F01 至 2026-R1-F03。"
    assert feedback_of(repo) == (["落实惠农政策", "项目资金管理"], ["nongyenongcunju"], [
        ("2026-R1-F01", "落实惠农政策", "nongyenongcunju", "惠农补贴发放不及时"),
        ("2026-R1-F02", "项目资金管理", "nongyenongcunju", "项目验收把关不严"),
        ("2026-R1-F03", "项目资金管理", "nongyenongcunju", "项目资金拨付不规范")])
    units = yaml.safe_load((repo / "ledger/units.yaml").read_text(encoding="utf-8"))["units"]
    assert [u["name"] for u in units if u["id"] == "nongyenongcunju"] == ["县农业农村局"]
    # the same report again adds nothing
    before = (repo / "ledger/rounds/2026-R1.yaml").read_bytes()
    code, out, err = rectify(capsys, "import-feedback", report.name, "--ledger", str(repo / "ledger"), *ROUND, "--no-cache")
    assert (code, out.splitlines()[-1]) == (0, "农业农村局反馈意见.docx 中的反馈问题都已在本轮中，未写入任何文件。")
    assert (repo / "ledger/rounds/2026-R1.yaml").read_bytes() == before


def test_a_table_report_and_a_workbook_extend_the_round(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    ledger = str(repo / "ledger")
    assert rectify(capsys, "import-feedback", paragraphs_report(tmp_path / "a.docx").name, "--ledger", ledger, *ROUND,
                   "--no-cache")[0] == 0
    code, out, err = rectify(capsys, "import-feedback", table_report(tmp_path / "b.docx").name, "--ledger", ledger,
                             "--round", "2026-R1", "--no-cache")
    assert code == 0, out + err
    code, out, err = rectify(capsys, "import-feedback", sheet_report(tmp_path / "c.xlsx").name, "--ledger", ledger,
                             "--round", "2026-R1", "--no-cache")
    assert code == 0, out + err
    assert "c.xlsx:Sheet!B3: 反馈问题 2026-R1-F07（食堂管理）：食堂管理不规范" in out.splitlines()
    aspects, units, feedback = feedback_of(repo)
    assert aspects == ["落实惠农政策", "项目资金管理", "党的建设", "集体经济", "食堂管理", "作风建设"]
    assert units == ["nongyenongcunju", "dongfengzhen", "jiaoyuju"]
    assert feedback[3:] == [
        ("2026-R1-F04", "党的建设", "dongfengzhen", "基层党组织建设薄弱"),
        ("2026-R1-F05", "党的建设", "dongfengzhen", "党员发展程序不规范"),
        ("2026-R1-F06", "集体经济", "dongfengzhen", "集体资产管理混乱"),
        ("2026-R1-F07", "食堂管理", "jiaoyuju", "食堂管理不规范"),
        ("2026-R1-F08", "食堂管理", "jiaoyuju", "学校食堂采购未公开招标"),
        ("2026-R1-F09", "作风建设", "jiaoyuju", "公务用车管理不严")]


def test_a_report_without_a_unit_or_numbered_problems_is_refused(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    doc = Document()
    doc.add_paragraph("反馈意见")
    doc.add_paragraph("一、党的建设方面")
    doc.add_paragraph("组织生活不规范")
    doc.save(tmp_path / "x.docx")
    code, out, err = rectify(capsys, "import-feedback", "x.docx", "--ledger", str(repo / "ledger"), *ROUND, "--no-cache")
    assert code == 1
    assert out.splitlines()[-2:] == [
        "x.docx: 没有读到编号的反馈问题：方面应写成“一、……”或“（一）……”，其下的问题写成“1. ……”或“（1）……”。",
        "x.docx: 反馈意见没有说明是哪个单位的：请用 --unit 指定被巡察单位（全称或编号）。"]
    assert err == "共发现 2 个错误，未写入任何文件。\n"
    assert not (repo / "ledger/rounds/2026-R1.yaml").exists()


def test_every_feedback_problem_is_claimed_once_every_unit_s_ledger_is_in(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    ledger = str(repo / "ledger")
    assert rectify(capsys, "import-feedback", paragraphs_report(tmp_path / "a.docx").name, "--ledger", ledger, *ROUND,
                   "--no-cache")[0] == 0
    assert rectify(capsys, "import-feedback", table_report(tmp_path / "b.docx").name, "--ledger", ledger,
                   "--round", "2026-R1", "--unit", "东风镇", "--no-cache")[0] == 0
    # before any ledger: every feedback problem is unclaimed, and validate says so
    code, out, _ = rectify(capsys, "validate", ledger)
    assert code == 1 and out.count("没有被任何整改问题认领") == 6, out
    # the department's ledger: its three are claimed, the township's three still are not (a warning here)
    code, out, err = rectify(capsys, "import", make_department(tmp_path / "农业.xlsx").name, "--ledger", ledger,
                             "--round", "2026-R1", "--no-cache")
    assert code == 0, out + err
    assert f"{ledger}/rounds/2026-R1.yaml: 警告：本轮还有 3 个反馈问题未被认领：2026-R1-F04、2026-R1-F05、2026-R1-F06。" \
        in out.splitlines()
    code, out, _ = rectify(capsys, "validate", ledger)
    assert code == 1 and out.count("没有被任何整改问题认领") == 3, out
    # the township's ledger: nothing left unclaimed; the round was not changed by either import
    before = (repo / "ledger/rounds/2026-R1.yaml").read_bytes()
    township = make_township(tmp_path / "东风镇.xlsx")
    wb = load_workbook(township)
    wb.active["B4"] = "党员发展程序不规范"       # its second row refines the report's second problem
    wb.save(township)
    code, out, err = rectify(capsys, "import", township.name, "--ledger", ledger,
                             "--round", "2026-R1", "--unit", "东风镇", "--no-cache")
    assert code == 0, out + err
    assert "未被认领" not in out
    assert (repo / "ledger/rounds/2026-R1.yaml").read_bytes() == before
    assert rectify(capsys, "validate", ledger)[0] == 0


def test_a_dry_run_lists_what_it_would_write_and_writes_nothing(capsys, tmp_path: Path):
    repo = county(capsys, tmp_path)
    before = {p: p.read_bytes() for p in (repo / "ledger").rglob("*") if p.is_file()}
    report = paragraphs_report(tmp_path / "a.docx")
    code, out, err = rectify(capsys, "import-feedback", report.name, "--ledger", str(repo / "ledger"), *ROUND, "--dry-run",
                             "--no-cache")
    assert code == 0, out + err
    assert "a.docx:第7段: 反馈问题 2026-R1-F03（项目资金管理）：项目资金拨付不规范" in out.splitlines()
    assert out.splitlines()[-1] == "试导入（--dry-run），未写入任何文件：将新增 3 个反馈问题。"
    assert {p: p.read_bytes() for p in (repo / "ledger").rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("name, data, expected", [
    ("旧.doc", b"\xd0\xcf\x11\xe0old", "旧.doc: 这是旧的 Word 格式（.doc/.wps），无法读取：请在 Word 或 WPS 中“另存为”.docx 后再导入。"),
    ("坏.docx", b"not a zip", "坏.docx: 无法读取此 Word 文件（文件可能已损坏或加密）：请用 Word 或 WPS 打开后另存为 .docx 再导入。"),
])
def test_a_file_that_cannot_be_read_gets_a_chinese_message(capsys, tmp_path: Path, name, data, expected):
    repo = county(capsys, tmp_path)
    (tmp_path / name).write_bytes(data)
    code, out, err = rectify(capsys, "import-feedback", name, "--ledger", str(repo / "ledger"), *ROUND, "--no-cache")
    assert code == 1 and out.startswith(expected) and "Traceback" not in out + err

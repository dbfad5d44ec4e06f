"""Excel: ``rectify export`` writes the county layout, ``rectify import`` reads a county's sheet back.

Real workbooks in temporary folders (openpyxl), real item files; every unmappable cell is reported
as ``FILE.xlsx:<sheet>!<cell>: message`` and then nothing is written.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import rectify
from site_builder.office.cells import parse_date, split_measures, split_problem
from site_builder.ledger.load import load_ledger

NOW = "2023-08-18T10:00:00+08:00"
HEADER = ["序号", "问题", "整改措施", "责任单位", "责任人", "完成时限", "整改进展", "完成情况"]


@pytest.fixture(autouse=True)
def commit_date(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def empty_ledger(ledger_dir: Path, tmp_path: Path) -> Path:
    """The fixture ledger without its items: settings, units, the round."""
    target = tmp_path / "county" / "ledger"
    shutil.copytree(ledger_dir, target)
    shutil.rmtree(target / "issues")
    return target


def run(capsys, *args: str) -> tuple[int, str, str]:
    return rectify(capsys, *args, "--no-cache")


def sheet(path: Path, rows: list[list], title: str = "Sheet1", merges: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def items_of(ledger: Path) -> dict:
    loaded, problems = load_ledger(ledger)
    assert problems == []
    return loaded.items


# ---------------------------------------------------------------- export, and back

def test_export_writes_the_import_s_own_headers_and_a_row_per_measure(ledger_dir: Path, empty_ledger: Path, capsys):
    code, out, _ = run(capsys, "export", str(ledger_dir), "--out", "台账.xlsx")
    assert (code, out) == (0, "已导出 2 个问题到 台账.xlsx。\n")
    ws = load_workbook("台账.xlsx")["2023-R2"]
    assert [c.value for c in ws[2]] == [
        "序号", "问题编号", "轮次", "方面", "反馈问题编号", "反馈问题", "反馈问题单位", "被巡察单位", "问题标题", "问题描述",
        "问题性质", "标签", "整改类型", "建账日期", "问题完成时限", "责任领导", "责任股室", "整改措施", "责任人", "完成时限",
        "完成情况", "整改进展", "状态", "交账核账记录", "备注"]
    assert ws.max_row == 2 + sum(len(i.measures) for i in items_of(ledger_dir).values())

    # a ledger folder with no commit yet takes every state as written (the gate's rule for a first commit)
    code, out, err = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, err) == (0, ""), out
    assert out.splitlines()[-1] == f"已从 台账.xlsx 导入 2 个问题到 {empty_ledger}/issues/2023-R2/：2023-R2-001 至 2023-R2-002。"
    assert run(capsys, "validate", str(empty_ledger), "--today", "2023-08-18")[0] == 0
    before, after = items_of(ledger_dir), items_of(empty_ledger)
    assert after == before


def test_export_refuses_an_invalid_ledger(ledger_dir: Path, capsys):
    item = ledger_dir / "issues/2023-R2/2023-R2-002.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("unit: east-town", "unit: nowhere"), encoding="utf-8")
    code, out, err = run(capsys, "export", str(ledger_dir), "--out", "台账.xlsx")
    assert (code, out, err) == (1, f"{item}:4:7: 找不到单位“nowhere”（应为 units.yaml 中的单位编号）。\n",
                                "共发现 1 个错误，未写入任何文件。\n")
    assert not Path("台账.xlsx").exists()


# ---------------------------------------------------------------- a county's own sheet

COUNTY_ROWS = [
    ["测试县巡察反馈问题整改台账"],
    HEADER,
    ["一、资金项目管理方面"],
    [1, "高标准农田建设项目验收把关不严，部分项目未按规定组织竣工验收", "1.对2021年以来的项目逐一复验\n2.修订项目验收管理办法",
     "县农业农村局", "王某某、农田建设股、办公室", dt.datetime(2023, 8, 31), "2023年7月11日 已成立复验工作组", "整改中"],
    [2, "项目资金拨付滞后", "建立拨付台账，每月通报进度", None, "王某某", "2023年9月30日", None, "未启动"],
    ["二、防汛救灾方面"],
    [3, "防汛物资储备不足：镇防汛物资仓库编织袋、救生衣储备低于标准", "（1）按标准补齐防汛物资", "东关镇", "孙某某、应急办",
     "2023.9.30", "2023-08-16 已采购编织袋5000条\n救生衣200件已入库", "已完成"],
]


def test_import_a_typical_county_sheet(empty_ledger: Path, capsys):
    sheet(Path("台账.xlsx"), COUNTY_ROWS, merges=("A1:H1", "D4:D5"))
    code, out, err = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "台账.xlsx:Sheet1!A1: 跳过表头以上的标题行“测试县巡察反馈问题整改台账”。",
        "台账.xlsx:Sheet1!A3: 分类行“一、资金项目管理方面”：以下各行的方面按此导入。",
        "台账.xlsx:Sheet1!A6: 分类行“二、防汛救灾方面”：以下各行的方面按此导入。",
        "台账.xlsx:Sheet1!H7: 提示：完成情况为“已完成”，按“整改中”导入，措施记为 2023-08-16 完成；交账、核账记录请在导入后用 rectify transition 补录。",
        f"已从 台账.xlsx 导入 3 个问题到 {empty_ledger}/issues/2023-R2/：2023-R2-001 至 2023-R2-003。",
    ]
    folder = empty_ledger / "issues/2023-R2"
    assert (folder / "2023-R2-001.yaml").read_text(encoding="utf-8") == """\
id: 2023-R2-001
round: 2023-R2
feedback: [2023-R2-F01]
unit: agri-bureau
aspect: 资金项目管理
title: 高标准农田建设项目验收把关不严
problem: 高标准农田建设项目验收把关不严，部分项目未按规定组织竣工验收
term: time_limited
opened: 2023-05-30
due: 2023-08-31
leader: 王某某
department: 农田建设股
measures:
  - {id: M1, text: 对2021年以来的项目逐一复验, owner: 农田建设股, due: 2023-08-31}
  - {id: M2, text: 修订项目验收管理办法, owner: 办公室, due: 2023-08-31}
status: in_progress
reports:
  - {date: 2023-07-11, by: 县农业农村局, text: 已成立复验工作组}
"""
    items = items_of(empty_ledger)
    second, third = items["2023-R2-002"], items["2023-R2-003"]
    assert (second.unit, second.status.value, second.due, second.leader, second.measures[0].owner, second.reports) == \
           ("agri-bureau", "open", dt.date(2023, 9, 30), "王某某", "王某某", ())
    assert (third.unit, third.aspect, third.title, third.problem) == \
           ("east-town", "防汛救灾", "防汛物资储备不足", "镇防汛物资仓库编织袋、救生衣储备低于标准")
    assert [(r.date, r.by, r.text) for r in third.reports] == [(dt.date(2023, 8, 16), "东关镇", "已采购编织袋5000条救生衣200件已入库")]
    assert [(m.id, m.owner, m.done) for m in third.measures] == [("M1", "应急办", dt.date(2023, 8, 16))]
    assert run(capsys, "validate", str(empty_ledger), "--today", "2023-08-18")[0] == 0


def test_every_unmappable_cell_is_reported_and_nothing_is_written(empty_ledger: Path, capsys):
    rows = [
        HEADER,
        [1, "高标准农田建设项目验收把关不严", "对项目逐一复验", "县农业局", "王某某、农田建设股", "2023年8月底", None, "整改中"],
        [2, "防汛物资储备不足", "补齐防汛物资", "东关镇", "孙某某、应急办", "8月31日前", None, "差不多"],
        [3, "防汛物资储备不足", None, "东关镇", "孙某某", "2023-09-31", None, None],
        [4, "防汛预案未修订", "修订防汛预案", "东关镇、县农业农村局", "孙某某", "2023-09-30", None, None],
        ["（以下为新增问题）"],
        [5, "项目资金拨付滞后", "建立拨付台账", "县农业农村局", "王某某", "2023-12-31", "2023年9月1日 已建台账", "整改中"],
    ]
    sheet(Path("台账.xlsx"), rows)
    code, out, err = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert code == 1
    assert out.splitlines() == [
        "台账.xlsx:Sheet1!D2: 责任单位“县农业局”不在 units.yaml 中（应为单位全称或编号）。",
        "台账.xlsx:Sheet1!H3: 无法识别的完成情况“差不多”：应为 已完成、已整改、整改中、未启动 等。",
        "台账.xlsx:Sheet1!C4: “整改措施”不能为空。",
        "台账.xlsx:Sheet1!D5: 一个问题只能有一个责任单位，这里有 2 个：东关镇、县农业农村局。请按单位拆成多行。",
        "台账.xlsx:Sheet1!A6: 无法识别的行：只有“（以下为新增问题）”一格有内容，又不是本轮反馈意见中的方面。",
    ]
    assert err == "共发现 5 个错误，未写入任何文件。\n"
    assert not (empty_ledger / "issues").exists()


def test_ledger_rules_are_reported_at_the_cells_they_come_from(empty_ledger: Path, capsys):
    rows = [
        HEADER,
        [1, "项目资金拨付滞后", "建立拨付台账", "县农业农村局", "王某某", "2023-12-31", "2023年9月1日 已建台账", "整改中"],
        [2, "防汛物资储备不足", "补齐防汛物资", "东关镇", "孙某某", "2023-09-30", None, None],
    ]
    sheet(Path("台账.xlsx"), rows)
    code, out, err = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert code == 1
    assert out.splitlines() == [
        "台账.xlsx:Sheet1!C2: 措施 M1 的完成时限 2023-12-31 晚于本轮整改期限 2023-10-30。",
        "台账.xlsx:Sheet1!F2: 完成时限 2023-12-31 晚于本轮整改期限 2023-10-30（长期坚持的问题除外）。",
        "台账.xlsx:Sheet1!G2: 日期 2023-09-01 晚于今天（2023-08-18）。",
    ]
    assert err == "共发现 3 个错误，未写入任何文件。\n"
    assert not (empty_ledger / "issues").exists()


def test_other_column_names_sheet_ids_and_terms(empty_ledger: Path, capsys):
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("台账")
    for row in (["编号", "存在问题", "具体措施", "责任单位", "责任领导", "责任人", "完成时限", "整改进展", "完成情况"],
                ["2023-R2-101", "防汛物资储备不足", "① 补齐物资\n② 建立储备制度", "east-town", "孙某某", "应急办", "长期坚持", None, None],
                ["2023-R2-102", "高标准农田建设项目验收不严", "M1. 逐一复验", "县农业农村局", "王某某", "农田建设股",
                 "立行立改，2023年6月30日前", "2023-06-20：复验完成", "已整改"]):
        ws.append(row)
    wb.save("county.xlsx")
    code, out, _ = run(capsys, "import", "county.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger),
                       "--sheet", "台账", "--columns", "problem=存在问题, measures=具体措施, id=编号")
    assert code == 0, out
    assert out.splitlines()[-1] == f"已从 county.xlsx 导入 2 个问题到 {empty_ledger}/issues/2023-R2/：2023-R2-101 至 2023-R2-102。"
    items = items_of(empty_ledger)
    long_term, immediate = items["2023-R2-101"], items["2023-R2-102"]
    assert (long_term.term.value, long_term.due, long_term.leader, long_term.department, long_term.status.value) == \
           ("long_term", dt.date(2023, 10, 30), "孙某某", "应急办", "open")
    assert [(m.id, m.text, m.owner) for m in long_term.measures] == [("M1", "补齐物资", "应急办"), ("M2", "建立储备制度", "应急办")]
    assert (immediate.term.value, immediate.due, immediate.status.value) == ("immediate", dt.date(2023, 6, 30), "in_progress")
    assert [(m.id, m.done) for m in immediate.measures] == [("M1", dt.date(2023, 6, 20))]


def test_usage_errors(empty_ledger: Path, capsys):
    sheet(Path("台账.xlsx"), [HEADER])
    code, _, err = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger), "--columns", "problme=问题")
    assert (code, err) == (2, "rectify import: error: --columns 应写成“字段=列名,字段=列名”，字段为 seq, id, round, aspect, feedback_id, "
                              "feedback, feedback_unit, unit, title, scope, tags, problem, measures, leader, owner, department, term, "
                              "due, opened, item_due, progress, result, status, records, note；“problme=问题”不对。\n")
    code, out, _ = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger), "--sheet", "台账")
    assert (code, out) == (1, "台账.xlsx: 找不到工作表“台账”，现有：Sheet1。\n")
    code, out, _ = run(capsys, "import", "台账.xlsx", "--round", "2023-R9", "--ledger", str(empty_ledger))
    assert (code, out) == (1, f"{empty_ledger}/rounds/2023-R9.yaml: 轮次“2023-R9”尚不存在，导入时将据表格新建；"
                              "表格无法提供的信息请用选项给出：--round-name --feedback-date --deadline。\n")
    sheet(Path("台账.xlsx"), [["序号", "问题", "整改措施", "责任单位", "完成时限"]])
    code, out, _ = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, out) == (1, "台账.xlsx:Sheet1!A1: 表头中找不到“责任人”列。列名不同时用 --columns owner=实际列名 指定。\n")
    sheet(Path("台账.xlsx"), [["问题清单"]])
    code, out, _ = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert code == 1 and out.startswith("台账.xlsx:Sheet1!A1: 前 10 行中找不到表头：应有“问题”和“整改措施”两列。")
    Path("broken.xlsx").write_bytes(b"not a workbook")
    code, out, _ = run(capsys, "import", "broken.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, out) == (1, "broken.xlsx: 无法读取此 Excel 文件（文件可能已损坏、加密或并非 Excel 格式）：请用 Excel 或 WPS "
                              "打开后另存为 .xlsx 再导入。详情：BadZipFile: File is not a zip file\n")
    Path("old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really an old workbook")
    code, out, err = run(capsys, "import", "old.xls", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert code == 1 and out.startswith("old.xls: 无法读取此 Excel 文件（文件可能已损坏、加密或并非 Excel 格式）") \
        and "Traceback" not in out + err
    Path("台账.et").write_bytes(b"x")
    code, out, _ = run(capsys, "import", "台账.et", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, out) == (1, "台账.et: 这是 WPS 专用格式（.et/.wps），无法读取：请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再导入。\n")
    code, out, _ = run(capsys, "import", "没有.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger))
    assert (code, out) == (1, "没有.xlsx: 找不到文件。请核对文件名和路径。\n")


# ---------------------------------------------------------------- the pieces

@pytest.mark.parametrize("value,expected", [
    (dt.datetime(2023, 8, 31, 0, 0), dt.date(2023, 8, 31)),
    ("2023年8月31日", dt.date(2023, 8, 31)), ("2023.8.31", dt.date(2023, 8, 31)), ("2023-08-31", dt.date(2023, 8, 31)),
    ("2023/8/31", dt.date(2023, 8, 31)), ("2023 年 8 月 31 日前", dt.date(2023, 8, 31)), ("2024年2月底", dt.date(2024, 2, 29)),
])
def test_dates_people_write(value, expected):
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize("value,code", [("8月31日", "excel.bad_date"), ("2023年8月", "excel.bad_date"),
                                        ("2023-02-30", "excel.date_impossible"), (45169, "excel.bad_date")])
def test_dates_not_guessed(value, code):
    assert parse_date(value) == (None, code)


def test_measures_and_titles():
    assert split_measures("1.逐一复验；\n2.修订办法\n（含验收标准）") == [(None, "逐一复验"), (None, "修订办法（含验收标准）")]
    assert split_measures("逐一复验\n修订办法") == [(None, "逐一复验"), (None, "修订办法")]
    assert split_measures("M3. 逐一复验\nM4. 修订办法") == [("M3", "逐一复验"), ("M4", "修订办法")]
    assert split_problem("（一）资金拨付滞后：2022年有3个项目资金未按期拨付") == ("资金拨付滞后", "2022年有3个项目资金未按期拨付")
    assert split_problem("2021年以来部分项目未按规定验收，存在隐患") == ("2021年以来部分项目未按规定验收", "2021年以来部分项目未按规定验收，存在隐患")


def test_done_without_a_dated_progress_is_done_on_the_given_date(empty_ledger: Path, capsys):
    sheet(Path("台账.xlsx"), [HEADER, [1, "防汛物资储备不足", "补齐防汛物资", "东关镇", "孙某某、应急办", "2023-09-30",
                                      "物资已全部补齐", "已整改"],
                              [2, "项目验收不严", "逐一复验", "县农业农村局", "王某某", "2023-09-30", None, None]])
    code, out, _ = run(capsys, "import", "台账.xlsx", "--round", "2023-R2", "--ledger", str(empty_ledger), "--date", "2023-08-15")
    assert code == 0
    assert out.splitlines()[:2] == [
        "台账.xlsx:Sheet1!H2: 提示：完成情况为“已整改”，整改进展中没有带日期的记录，措施的完成日期按 2023-08-15 记（可用 --date 指定）。",
        "台账.xlsx:Sheet1!H2: 提示：完成情况为“已整改”，按“整改中”导入，措施记为 2023-08-15 完成；交账、核账记录请在导入后用 rectify transition 补录。"]
    item = items_of(empty_ledger)["2023-R2-001"]
    assert [(r.date, r.text) for r in item.reports] == [(dt.date(2023, 8, 15), "物资已全部补齐")]
    assert (item.status.value, item.measures[0].done) == ("in_progress", dt.date(2023, 8, 15))

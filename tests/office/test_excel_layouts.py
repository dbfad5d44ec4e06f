"""A new county in three commands: ``rectify init``, ``rectify import WORKBOOK --round … `` with the
round created from the workbook, then ``rectify validate`` and ``rectify build`` — for every workbook
layout of ``excel_layouts`` (real workbooks, real repositories, real CLI runs).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import rectify
from excel_layouts import county, dates, LAYOUTS, make_department, make_merged_rows, make_summary, NOW, ROUND_ARGS  # noqa: F401 - dates is an autouse fixture
from site_builder.ledger.load import load_ledger



def import_into(capsys, repo: Path, *files: Path, args: tuple[str, ...] = ()) -> tuple[int, str, str]:
    return rectify(capsys, "import", *(f.name for f in files), "--ledger", str(repo / "ledger"), *ROUND_ARGS, *args,
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


def test_dry_run_prints_the_mapping_and_writes_nothing(capsys, tmp_path: Path):
    from excel_layouts import make_township
    repo = county(capsys, tmp_path)
    before = sorted(p.relative_to(repo) for p in (repo / "ledger").rglob("*"))
    code, out, err = import_into(capsys, repo, make_township(tmp_path / "东风镇.xlsx"), args=("--unit", "东风镇", "--dry-run"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Sheet1：列“序号” → seq",
        "Sheet1：列“反馈问题” → feedback",
        "Sheet1：列“具体问题” → problem",
        "Sheet1：列“整改措施” → measures",
        "Sheet1：列“责任领导” → leader",
        "Sheet1：列“责任单位” → department",
        "Sheet1：列“责任人” → owner",
        "Sheet1：列“整改时限” → due",
        "Sheet1：列“进展情况” → progress",
        "Sheet1：列“整改状态” → result",
        f"{repo}/ledger/rounds/2026-R1.yaml: 新建轮次 2026-R1：1 个方面、2 个反馈问题、1 个单位；请与反馈意见原文核对。",
        f"{repo}/ledger/units.yaml: 新建单位 dongfengzhen（东风镇），日常监督主体暂记为“东风镇纪委”，请在 units.yaml 中核对。",
        "东风镇.xlsx:Sheet1!A1: 跳过表头以上的标题行“东风镇巡察整改工作台账”。",
        "东风镇.xlsx:Sheet1!J3: 提示：完成情况为“已完成”，按“整改中”导入，措施记为 2026-06-20 完成；交账、核账记录请在导入后用 rectify transition 补录。",
        "试导入（--dry-run），未写入任何文件：将新建 3 个问题，已在台账中 0 个。",
    ]
    assert sorted(p.relative_to(repo) for p in (repo / "ledger").rglob("*")) == before


def test_importing_again_adds_only_what_is_new(capsys, tmp_path: Path):
    from openpyxl import load_workbook
    repo = county(capsys, tmp_path)
    book = make_department(tmp_path / "农业.xlsx")
    assert import_into(capsys, repo, book)[0] == 0
    first, _ = items(repo)
    code, out, err = import_into(capsys, repo, book)
    assert code == 0 and out.splitlines()[-1] == "农业.xlsx 中没有可导入的行。"
    assert "农业.xlsx:整改台账!C5: 本行已在台账中（2026-R1-001），未重复导入。" in out.splitlines()
    assert items(repo)[0].keys() == first.keys()
    # a row added to the workbook later is the only one imported; its feedback is matched by text
    wb = load_workbook(book)
    for col, value in enumerate([5, "项目验收把关不严", "验收专家库未建立", "建立验收专家库", "张伟", "农田建设股", "刘洋",
                                 "2026年11月30日", None, "未完成", None], start=1):
        wb.active.cell(11, col, value)
    wb.save(book)
    code, out, err = import_into(capsys, repo, book)
    assert code == 0, out + err
    assert out.splitlines()[-1] == f"已从 农业.xlsx 导入 1 个问题到 {repo}/ledger/issues/2026-R1/：2026-R1-005 至 2026-R1-005。"
    new = items(repo)[0]["2026-R1-005"]
    assert (new.problem, new.feedback, new.aspect) == ("验收专家库未建立", ("2026-R1-F02",), "项目资金管理")


def test_partial_import_into_an_existing_round_warns_of_unclaimed_feedback(capsys, tmp_path: Path):
    from excel_layouts import make_several_sheets
    repo = county(capsys, tmp_path)
    ledger = repo / "ledger"
    with (ledger / "units.yaml").open("a", encoding="utf-8") as f:
        f.write("  - {id: caizhengju, name: 县财政局, category: county_department, supervisor: 派驻第一组}\n"
                "  - {id: shenjiju, name: 县审计局, category: county_department, supervisor: 派驻第一组}\n")
    (ledger / "rounds" / "2026-R1.yaml").write_text(
        "id: 2026-R1\nname: 县委第一轮巡察\nlevel: county\nkind: routine\nfeedback_date: 2026-03-01\n"
        "deadline: 2026-12-31\naspects: [财经纪律]\nunits: [caizhengju, shenjiju]\nfeedback:\n"
        "  - {id: 2026-R1-F01, aspect: 财经纪律, unit: caizhengju, text: 预算执行不严}\n"
        "  - {id: 2026-R1-F02, aspect: 财经纪律, unit: shenjiju, text: 审计整改跟踪不到位}\n", encoding="utf-8")
    book = make_several_sheets(tmp_path / "财政审计.xlsx")
    code, out, err = import_into(capsys, repo, book, args=("--sheet", "县财政局"))
    assert code == 0, out + err
    assert f"{ledger}/rounds/2026-R1.yaml: 警告：本轮还有 1 个反馈问题未被认领：2026-R1-F02。" in out.splitlines()
    # the rest of the round comes with the next ledger; then every feedback problem is claimed
    code, out, err = import_into(capsys, repo, book, args=("--sheet", "县审计局"))
    assert code == 0, out + err
    assert "未被认领" not in out
    assert rectify(capsys, "validate", str(ledger))[0] == 0


def test_a_feedback_text_close_to_the_round_s_is_offered(capsys, tmp_path: Path):
    from openpyxl import load_workbook
    repo = county(capsys, tmp_path)
    book = make_department(tmp_path / "农业.xlsx")
    assert import_into(capsys, repo, book)[0] == 0
    wb = load_workbook(book)
    for col, value in enumerate([5, "惠农补贴发放不够及时的问题", "补贴台账不全", "补齐台账", "李明", "计划财务股", "王芳",
                                 "2026年11月30日", None, "未完成", None], start=1):
        wb.active.cell(11, col, value)
    wb.save(book)
    code, out, err = import_into(capsys, repo, book)
    assert code == 1
    assert "农业.xlsx:整改台账!B11: 反馈问题“惠农补贴发放不够及时的问题”在轮次“2026-R1”的反馈意见中找不到（按编号、原文和近似文字都未匹配）。" \
           "相近的有：2026-R1-F01“惠农补贴发放不及时”。" in out.splitlines()


def test_columns_override_any_field(capsys, tmp_path: Path):
    from openpyxl import Workbook
    repo = county(capsys, tmp_path)
    wb = Workbook()
    for row in (["号", "问题事项", "怎么改", "谁负责", "何时完", "哪个单位"],
                [1, "会议费超标", "清退超标会议费", "许静", "2026年10月31日", "县财政局"]):
        wb.active.append(row)
    wb.save(tmp_path / "x.xlsx")
    code, out, err = import_into(capsys, repo, tmp_path / "x.xlsx", args=(
        "--columns", "problem=问题事项,measures=怎么改,owner=谁负责,due=何时完,unit=哪个单位,seq=号"))
    assert code == 0, out + err
    (item,) = items(repo)[0].values()
    assert (item.problem, item.measures[0].text, item.measures[0].owner, item.due.isoformat()) == \
        ("会议费超标", "清退超标会议费", "许静", "2026-10-31")


@pytest.mark.parametrize("written,term,due", [
    ("2026年12月底前完成", "time_limited", "2026-12-31"), ("年底前", "time_limited", "2026-12-31"),
    ("6月底前", "time_limited", "2026-06-30"), ("月底前完成", "time_limited", "2026-03-31"),
    ("第三季度", "time_limited", "2026-09-30"), ("三季度末", "time_limited", "2026-09-30"),
    ("上半年", "time_limited", "2026-06-30"), ("下半年", "time_limited", "2026-12-31"),
    ("10月31日", "time_limited", "2026-10-31"), ("2月15日前", "time_limited", "2027-02-15"),
    ("2023.10.31", "time_limited", "2023-10-31"), ("立行立改", "immediate", "2026-12-31"),
    ("立行立改，2026年4月30日前", "immediate", "2026-04-30"), ("长期坚持", "long_term", "2026-12-31"),
    ("持续推进", "long_term", "2026-12-31"),
])
def test_dates_counties_write(written, term, due):
    import datetime as dt
    from site_builder.office.dates import parse_due
    got_term, got_due, code = parse_due(written, dt.date(2026, 3, 1), dt.date(2026, 12, 31))
    assert (got_term.value if got_term else "time_limited", got_due.isoformat(), code) == (term, due, None)


def test_a_date_that_cannot_be_read_is_an_error_at_its_own_cell(capsys, tmp_path: Path):
    from openpyxl import load_workbook
    repo = county(capsys, tmp_path)
    book = make_merged_rows(tmp_path / "林业.xlsx")
    wb = load_workbook(book)
    wb.active["H4"] = "尽快"
    wb.save(book)
    code, out, err = import_into(capsys, repo, book)
    assert code == 1 and err == "共发现 1 个错误，未写入任何文件。\n"
    assert out.splitlines()[-1] == ("林业.xlsx:林业局!H4: 无法识别的日期“尽快”：应为日期单元格，"
                                    "或写成 2023-08-31、2023年8月31日、2023.8.31。")


def test_the_guide_lists_every_header_synonym():
    import re
    from site_builder.office.cells import COLUMNS
    text = (Path(__file__).resolve().parents[2] / "docs/guide/commands.md").read_text(encoding="utf-8")
    table = text.split("<!-- excel-columns -->", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (.+) \|$", table, re.M)
    assert {name: tuple(headers.split("、")) for name, headers in rows} == COLUMNS


def test_a_first_row_holding_a_header_word_is_data_not_a_second_header(capsys, tmp_path: Path):
    from openpyxl import Workbook
    repo = county(capsys, tmp_path)
    wb = Workbook()
    for row in (["序号", "被巡察单位", "问题", "整改措施", "责任人", "完成时限", "备注"],
                [1, "县财政局", "会议费超标", "清退超标会议费", "许静", "2026年10月31日", "备注"],
                [2, "县财政局", "公务接待超标", "规范接待", "许静", "2026年10月31日", None]):
        wb.active.append(row)
    wb.save(tmp_path / "x.xlsx")
    code, out, err = import_into(capsys, repo, tmp_path / "x.xlsx")
    assert code == 0, out + err
    assert sorted(i.problem for i in items(repo)[0].values()) == ["会议费超标", "公务接待超标"]

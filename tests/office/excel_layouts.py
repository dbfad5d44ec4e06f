"""Workbooks in the layouts counties keep their rectification ledgers (整改台账) in, for the import tests.

Each ``make_*`` writes one workbook the way a county's office, a department or a township writes it
(not the tool's own export layout): title rows, 填报单位/填报日期 rows, one- and two-row merged headers,
header synonyms, section rows 「一、…方面存在的问题」, totals, merged cells across rows, several
measures in one cell, several sheets, a WPS-style file and an old ``.xls``. ``LAYOUTS`` lists them
with the options a county would give ``rectify import`` and what the import must produce.

The round they belong to is a new county round (2026-R1, fed back on 2026-03-01, due 2026-12-31);
today is 2026-09-15 in the tests that use them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

ROUND_ARGS = ["--round", "2026-R1", "--round-name", "县委第一轮巡察", "--feedback-date", "2026-03-01",
              "--deadline", "2026-12-31", "--level", "county", "--kind", "routine"]


def _sheet(wb: Workbook, title: str, rows: list[list], merges: tuple[str, ...] = (), first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws["A1"].font = Font(bold=True, size=16)
    return ws


def make_department(path: Path) -> Path:
    """A department's own ledger: title, 填报单位/填报日期, section rows, 问题具体表现, 责任股室, 备注,
    numbered measures 1. 2. in one cell, dates as text, a note row under the table."""
    wb = Workbook()
    rows = [
        ["县农业农村局落实县委第一轮巡察反馈意见整改台账"] + [None] * 10,
        ["填报单位：县农业农村局（盖章）", None, None, None, None, None, None, None, "填报日期：2026年9月10日", None, None],
        ["序号", "反馈问题", "问题具体表现", "整改措施", "责任领导", "责任股室", "责任人", "整改时限", "整改进展情况",
         "完成情况", "备注"],
        ["一、落实惠农政策方面存在的问题"] + [None] * 10,
        [1, "惠农补贴发放不及时", "2025年耕地地力保护补贴延迟3个月发放",
         "1.全面清理2025年补贴发放台账；\n2.建立补贴发放进度周调度制度。", "李明", "计划财务股", "王芳、赵强",
         "2026年12月底前完成", "2026.4.10 已完成台账清理\n2026年5月20日 调度制度已印发", "已完成", "需市局复核"],
        [2, "惠农补贴发放不及时", "部分农户补贴信息未及时更新", "开展补贴对象信息核查", "李明", "计划财务股", "王芳",
         "年底前", "2026年6月1日 已核查3个乡镇", "整改中", None],
        ["二、项目资金管理方面存在的问题"] + [None] * 10,
        [3, "项目验收把关不严", "高标准农田建设项目验收资料不全",
         "①对2024年以来项目逐一复验\n②修订项目验收管理办法", "张伟", "农田建设股", "刘洋", "10月31日", None, "未完成", None],
        [4, "项目资金拨付不规范", "项目资金未按进度拨付", "立即整改资金拨付流程", "张伟", "计划财务股", "王芳",
         "立行立改", "2026年3月15日 已按进度拨付", "已完成", None],
        ["注：完成情况填写“已完成”“整改中”“未完成”。"] + [None] * 10,
    ]
    _sheet(wb, "整改台账", rows, merges=("A1:K1", "A2:H2", "I2:K2", "A4:K4", "A7:K7", "A10:K10"), first=True)
    wb.save(path)
    return path


def make_township(path: Path) -> Path:
    """A township's ledger where 责任单位 is the township's own office (the unit comes from --unit),
    具体问题 / 整改时限 / 进展情况 / 整改状态, measures ①②, 上半年 and 第三季度, 2026.10.31."""
    wb = Workbook()
    rows = [
        ["东风镇巡察整改工作台账"] + [None] * 8,
        ["序号", "反馈问题", "具体问题", "整改措施", "责任领导", "责任单位", "责任人", "整改时限", "进展情况", "整改状态"],
        [1, "基层党组织建设薄弱", "村党组织“三会一课”落实不到位", "①制定学习计划\n②每月督查一次",
         "陈书记", "党政办", "周敏", "上半年", "2026年6月20日 学习计划已制定，督查4次", "已完成"],
        [2, "基层党组织建设薄弱", "党员发展程序不规范", "重新审查近三年党员发展材料", "陈书记", "党建办",
         "吴刚", "第三季度", "2026年8月1日 已审查2个村", "整改中"],
        [3, "集体资产管理混乱", "村集体资产底数不清", "开展集体资产清产核资", "孙镇长", "经发办", "郑华",
         "2026.10.31", None, "未完成"],
    ]
    _sheet(wb, "Sheet1", rows, merges=("A1:J1",), first=True)
    wb.save(path)
    return path


def make_summary(path: Path) -> Path:
    """The office's summary of several units: 被巡察单位 column, 问题表现, 完成时限, 整改进展, subtotals
    and a total row."""
    wb = Workbook()
    rows = [
        ["县委巡察反馈问题整改情况汇总表"] + [None] * 9,
        ["序号", "被巡察单位", "反馈问题", "问题表现", "整改措施", "责任领导", "责任人", "完成时限", "整改进展", "完成情况"],
        [1, "县教育局", "食堂管理不规范", "学校食堂采购未公开招标", "1.规范食堂采购\n2.开展专项检查", "黄局长",
         "教育股 何平、财务股 马丽", "2026年11月30日", "2026年5月10日 采购制度已修订", "整改中"],
        [2, "县教育局", "食堂管理不规范", "食堂账目不清", "全面审计学校食堂账目", "黄局长", "财务股 马丽",
         "2026年9月底前", "2026年8月30日 审计完成", "已完成"],
        ["小计", None, None, None, "2项", None, None, None, None, "完成1项"],
        [3, "县卫健委", "医疗设备采购不规范", "部分设备采购未经集体研究", "建立重大采购集体决策制度", "林主任",
         "规划财务科 罗军", "月底前完成", None, "未完成"],
        ["小计", None, None, None, "1项", None, None, None, None, "完成0项"],
        ["合计", None, None, None, "3项", None, None, None, None, "完成1项"],
    ]
    _sheet(wb, "汇总", rows, merges=("A1:J1",), first=True)
    wb.save(path)
    return path


def make_two_row_header(path: Path) -> Path:
    """A two-row header: 责任主体 over 责任领导/责任部门/责任人, 整改情况 over 整改进展/完成情况; the
    other headers merged over both rows; 填报单位 names the unit."""
    wb = Workbook()
    rows = [
        ["县水利局巡察整改台账"] + [None] * 9,
        ["填报单位：县水利局", None, None, None, None, None, None, "填报时间：2026年9月1日", None, None],
        ["序号", "反馈问题", "问题表现", "整改措施", "责任主体", None, None, "完成时限", "整改情况", None],
        [None, None, None, None, "责任领导", "责任部门", "责任人", None, "整改进展", "完成情况"],
        [1, "防汛物资储备不足", "部分乡镇防汛物资储备不达标", "补充采购防汛物资", "钱局长", "防汛办", "冯涛",
         "2026年7月31日", "2026年7月20日 物资已采购入库", "已完成"],
        [2, "河道管护不到位", "河长制巡河记录不全", "（一）完善巡河记录\n（二）开展巡河考核", "钱局长", "河长办",
         "蒋丽", "长期坚持", "2026年8月15日 考核办法已印发", "整改中"],
    ]
    _sheet(wb, "台账", rows, merges=("A1:J1", "A2:G2", "H2:J2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3",
                                     "H3:H4", "I3:J3"), first=True)
    wb.save(path)
    return path


def make_several_sheets(path: Path) -> Path:
    """One workbook, one sheet per unit, each with its own title naming the unit; 存在问题/整改时限."""
    wb = Workbook()
    header = ["序号", "反馈问题", "存在问题", "整改措施", "责任领导", "责任股室", "责任人", "整改时限", "整改进展",
              "完成情况"]
    _sheet(wb, "县财政局", [
        ["县财政局巡察整改台账"] + [None] * 9, header,
        [1, "预算执行不严", "超预算列支会议费", "清理2025年会议费支出", "何局长", "预算股", "许静", "2026年10月31日",
         "2026年4月1日 已清理", "已完成"],
    ], merges=("A1:J1",), first=True)
    _sheet(wb, "县审计局", [
        ["县审计局巡察整改台账"] + [None] * 9, header,
        [1, "审计整改跟踪不到位", "审计发现问题整改销号不及时", "建立审计整改台账", "施局长", "法规股", "韩梅",
         "2026年12月31日", None, "未完成"],
    ], merges=("A1:J1",))
    wb.save(path)
    return path


def make_merged_rows(path: Path) -> Path:
    """One problem over several rows, one measure a row with its own owner, due, progress and
    completion; the problem, feedback and leader cells merged down; an empty row inside the range."""
    wb = Workbook()
    rows = [
        ["县林业局巡察反馈问题整改台账"] + [None] * 9,
        ["序号", "反馈问题", "问题表现", "整改措施", "责任领导", "责任股室", "责任人", "完成时限", "整改进展",
         "完成情况"],
        [1, "林地管理不严", "违规占用林地问题查处不力", "对违规占用林地逐一查处", "杨局长", "资源股", "朱军",
         "2026年6月30日", "2026年6月25日 已查处12起", "已完成"],
        [None, None, None, "建立林地巡查制度", None, "资源股", "秦岚", "2026年9月30日",
         "2026年9月1日 制度已起草", "整改中"],
        [None] * 10,
        [2, "生态护林员管理松散", "护林员考勤流于形式", "推行护林员电子考勤", "杨局长", "护林站", "尤亮",
         "2026年11月30日", None, "未完成"],
    ]
    _sheet(wb, "林业局", rows, merges=("A1:J1", "A3:A5", "B3:B5", "C3:C5", "E3:E5"), first=True)
    wb.save(path)
    return path


def make_wps(path: Path) -> Path:
    """As WPS 表格 saves a sheet people typed into: the application named in the document properties,
    headers broken over lines and padded with full-width spaces, numbers and dates stored as text,
    a date as a real date cell, 完成时限 written 整改期限."""
    wb = Workbook()
    rows = [
        ["县民政局巡察整改台账（WPS）"] + [None] * 8,
        ["序\n号", "反馈\n问题", "问题具体\n表现", "整改\u3000措施", "责任\n领导", "责任\n股室", "责任人",
         "整改\n期限", "整改\n进展"],
        ["1", "低保审核不严", "部分低保对象家庭收入核查不实", "1、开展低保对象全面复核\n2、建立动态管理机制",
         "许局长", "社会救助股", "邓琳", dt.date(2026, 11, 30), "2026年7月1日 已复核5个乡镇"],
    ]
    _sheet(wb, "Sheet1", rows, merges=("A1:I1",), first=True)
    wb.properties.creator = "WPS_1700000000"
    wb.save(path)
    return path


def make_xls(path: Path) -> Path:
    """An old Excel 97-2003 ``.xls`` (xlwt), a title row merged, one problem merged over two rows."""
    import xlwt
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("整改台账")
    ws.write_merge(0, 0, 0, 8, "县交通运输局巡察整改台账")
    header = ["序号", "反馈问题", "问题表现", "整改措施", "责任领导", "责任股室", "责任人", "完成时限", "整改进展"]
    for c, text in enumerate(header):
        ws.write(1, c, text)
    ws.write_merge(2, 3, 0, 0, 1)
    ws.write_merge(2, 3, 1, 1, "农村公路养护不到位")
    ws.write_merge(2, 3, 2, 2, "部分农村公路坑槽未及时修补")
    ws.write_merge(2, 3, 4, 4, "曹局长")
    for r, (measure, office, owner, due, progress) in enumerate([
            ("排查修补坑槽", "公路股", "袁飞", "2026年8月31日", "2026年8月20日 已修补坑槽300处"),
            ("建立养护考核办法", "公路股", "袁飞", "2026年12月底前", "")], start=2):
        ws.write(r, 3, measure)
        ws.write(r, 5, office)
        ws.write(r, 6, owner)
        ws.write(r, 7, due)
        ws.write(r, 8, progress)
    book.save(str(path))
    return path


@dataclass
class Layout:
    name: str
    make: Callable[[Path], Path]
    file: str
    args: list[str] = field(default_factory=list)
    items: int = 0          # items the import must write
    units: tuple[str, ...] = ()   # unit names the new round must list


LAYOUTS = [
    Layout("department", make_department, "农业农村局整改台账.xlsx", [], 4, ("县农业农村局",)),
    Layout("township", make_township, "东风镇台账.xlsx", ["--unit", "东风镇"], 3, ("东风镇",)),
    Layout("summary", make_summary, "汇总表.xlsx", [], 3, ("县教育局", "县卫健委")),
    Layout("two_row_header", make_two_row_header, "水利局.xlsx", [], 2, ("县水利局",)),
    Layout("several_sheets", make_several_sheets, "财政审计.xlsx", [], 2, ("县财政局", "县审计局")),
    Layout("merged_rows", make_merged_rows, "林业局.xlsx", [], 2, ("县林业局",)),
    Layout("wps", make_wps, "民政局（WPS）.xlsx", [], 1, ("县民政局",)),
    Layout("xls", make_xls, "交通运输局.xls", [], 1, ("县交通运输局",)),
]


# ---------------------------------------------------------------- shared by the import tests

#: the moment the import tests run at (git dates and rectify's clock)
NOW = "2026-09-15T10:00:00+08:00"


@pytest.fixture(autouse=True)
def dates(monkeypatch, tmp_path: Path):
    """Every import test that imports ``dates`` runs at ``NOW`` in its own folder."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", NOW)
    monkeypatch.setenv("RECTIFY_NOW", NOW)
    monkeypatch.chdir(tmp_path)


def county(capsys, tmp_path: Path) -> Path:
    """A new county's repository, made by ``rectify init``."""
    from conftest import rectify
    repo = tmp_path / "county"
    code, _, err = rectify(capsys, "init", str(repo))
    assert code == 0, err
    return repo

"""Excel export: the other direction of the import stage (``excel``) — the ledger written as counties'
rectification ledgers (整改台账), one sheet per round, in a layout the import reads back whole: one
row per measure (措施, 责任人, 完成时限, 完成情况 with its done date), the item's own cells merged over
its rows (问题编号, 方面, 反馈问题编号 and 原文, 问题标题 and 描述, 性质, 标签, 整改类型, 建账日期, 问题完成时限,
责任领导, 责任股室, 整改进展 with every dated report, 状态, 交账核账记录, 备注).

The headers are the first names of the import's own column table (``office.cells.COLUMNS``), so
that an export imports without ``--columns``. What this layout cannot carry is listed in the guide
(docs/guide/commands.md, ``rectify export``): unit ids, categories and supervisors, a round's name,
level, kind, dates and extensions, line breaks inside a progress report.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from site_builder.core.outputs import workbook_bytes
from site_builder.office.cells import COLUMNS
from site_builder.office.records import record_lines

#: the export's columns, left to right; the per-measure ones are not merged
EXPORT_FIELDS = ("seq", "id", "round", "aspect", "feedback_id", "feedback", "feedback_unit", "unit", "title", "problem",
                 "scope", "tags", "term", "opened", "item_due", "leader", "department", "measures", "owner", "due",
                 "result", "progress", "status", "records", "note")
PER_MEASURE = ("measures", "owner", "due", "result")
WIDTHS = {"problem": 50, "measures": 40, "progress": 50, "records": 50, "feedback": 40, "title": 24}
STATUS_TEXT = {"open": "已建账", "in_progress": "整改中", "submitted": "已交账", "verified": "已核账", "cleared": "已销号",
               "withdrawn": "已撤销"}
TERM_TEXT = {"immediate": "立行立改", "time_limited": "限期整改", "long_term": "长期坚持"}
SCOPE_TEXT = {"individual": "个性问题", "common": "共性问题"}
DONE, NOT_DONE = "已完成", "未完成"
#: the header when not the column table's first name (the title has a column of its own here)
HEADERS = {"problem": "问题描述"}
#: characters a sheet name may not hold
_SHEET_BAD = str.maketrans({c: "-" for c in "[]:*?/\\"})


def report_line(report, unit_name: str) -> str:
    """A progress report as the import reads it back: ``date text``, or ``date【by】text`` when someone
    other than the unit itself reported."""
    by = "" if report.by == unit_name else f"【{report.by}】"
    return f"{report.date.isoformat()} {by}{report.text.replace(chr(10), ' ')}"


def item_rows(ledger, item, n: int) -> list[dict[str, str]]:
    """The rows of one item: field → cell text, one row per measure."""
    unit = ledger.units.get(item.unit)
    unit_name = unit.name if unit else item.unit
    rnd = ledger.rounds.get(item.round)
    feedback = {f.id: f for f in (rnd.feedback if rnd else ())}
    fb_units = []
    for f in item.feedback:
        fu = feedback[f].unit if f in feedback else item.unit
        fb_units.append(ledger.units[fu].name if fu in ledger.units else fu)
    common = {
        "seq": str(n), "id": item.id, "round": item.round, "aspect": item.aspect,
        "feedback_id": "、".join(item.feedback),
        "feedback": "\n".join(feedback[f].text if f in feedback else "" for f in item.feedback),
        "feedback_unit": "\n".join(fb_units) if fb_units != [unit_name] * len(fb_units) else "",
        "unit": unit_name, "title": item.title, "problem": item.problem, "scope": SCOPE_TEXT[item.scope.value],
        "tags": "、".join(item.tags), "term": TERM_TEXT[item.term.value], "opened": item.opened.isoformat(),
        "item_due": item.due.isoformat(), "leader": item.leader, "department": item.department,
        "progress": "\n".join(report_line(r, unit_name) for r in item.reports),
        "status": STATUS_TEXT[item.status.value], "records": "\n".join(record_lines(item)),
        "note": item.internal_note or "",
    }
    rows = []
    for m in item.measures:
        row = dict(common)
        row.update({"measures": f"{m.id}. {m.text}", "owner": m.owner, "due": m.due.isoformat(),
                    "result": f"{DONE}（{m.done.isoformat()}）" if m.done else NOT_DONE})
        rows.append(row)
    return rows


def sheet_name(round_id: str) -> str:
    return round_id.translate(_SHEET_BAD)[:31]


def export_workbook(ledger, as_of: dt.date) -> bytes:
    """The whole ledger as a workbook, a sheet per round (rounds without items too), byte-identical
    for the same ledger and date."""
    wb = Workbook()
    wb.remove(wb.active)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    by_round: dict[str, list] = {r: [] for r in ledger.rounds}
    for item in ledger.items.values():
        by_round.setdefault(item.round, []).append(item)
    last = get_column_letter(len(EXPORT_FIELDS))
    for round_id, items in by_round.items():
        ws = wb.create_sheet(sheet_name(round_id))
        rnd = ledger.rounds.get(round_id)
        ws.append([f"{rnd.name if rnd else round_id}整改台账"])
        ws.merge_cells(f"A1:{last}1")
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([HEADERS.get(f, COLUMNS[f][0]) for f in EXPORT_FIELDS])
        for c in ws[2]:
            c.font = bold
        for i, f in enumerate(EXPORT_FIELDS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(f, 14)
        row_no = 3
        for n, item in enumerate(items, start=1):
            rows = item_rows(ledger, item, n)
            for row in rows:
                ws.append([row[f] or None for f in EXPORT_FIELDS])
            if len(rows) > 1:
                for i, f in enumerate(EXPORT_FIELDS, start=1):
                    if f not in PER_MEASURE:
                        col = get_column_letter(i)
                        ws.merge_cells(f"{col}{row_no}:{col}{row_no + len(rows) - 1}")
            for cells in ws.iter_rows(min_row=row_no, max_row=row_no + len(rows) - 1):
                for c in cells:
                    c.alignment = wrap
                    if isinstance(c.value, str) and c.value.startswith("="):
                        c.data_type = "s"     # ledger text, never a formula
            row_no += len(rows)
        ws.freeze_panes = "C3"
    if not wb.worksheets:
        wb.create_sheet("整改台账").append([HEADERS.get(f, COLUMNS[f][0]) for f in EXPORT_FIELDS])
    return workbook_bytes(wb, as_of)

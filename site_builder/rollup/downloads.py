"""Roll-up stage, downloads: the members table of the roll-up site as CSV and as an Excel workbook
(header frozen, a filter on every column), written by ``rollup.site`` into ``downloads/``.

One row per member in the ranking's order, figures as numbers (a spreadsheet sums and sorts them); a
member not counted has its figures left empty rather than zero, so that a sum over the column is the
roll-up's own total. Member names and the other texts come from the members' ledgers: a text that a
spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) is stored as text in the
workbook and quoted with an apostrophe in the CSV, so that no ledger text runs as a formula. The
workbook is byte-identical across builds of the same lock (fixed zip timestamps, as-of properties).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from site_builder.core.messages import translate
from site_builder.core.outputs import workbook_bytes
from site_builder.rollup import figures as fig
from site_builder.rollup.figures import MemberFigures

COLUMNS = ("rank", "member", "id", "level", "items", "cleared", "completion", "time", "overdue", "overdue_measures",
           "red", "yellow", "green", "days", "talks", "letters", "suspensions", "state", "site")
#: the columns whose values are the members' own text
TEXT = {"member", "id", "state", "site"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def members_rows(members: list[MemberFigures], as_of: dt.date, lang: str) -> list[list]:
    """The header (first row) and one row per member in ranking order; numbers as numbers."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    rows: list[list] = [[t("rollup.col_" + c) for c in COLUMNS]]
    rank = 0
    for m in fig.ranked(members):
        state = t("rollup.state_" + m.state) + (("：" if lang == "zh" else ": ") + t(m.reason, **dict(m.reason_params))
                                                if m.reason else "")
        head = [None, m.name, m.id, t("rollup.level_" + m.level)]
        if m.counted:
            rank += 1
            days = m.days_since_report(as_of)
            head[0] = rank
            figures = [m.items, m.cleared, m.completion, m.time_progress, m.overdue_items, m.overdue_measures,
                       m.red, m.yellow, m.green, days, m.actions.get("talk", 0), m.actions.get("reminder_letter", 0),
                       m.actions.get("suspension", 0)]
        else:
            figures = [None] * 13
        rows.append([*head, *figures, state, m.site or ""])
    return rows


def _csv_text(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def members_csv(members: list[MemberFigures], as_of: dt.date, lang: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in members_rows(members, as_of, lang):
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")   # the BOM makes Excel open it as UTF-8


def members_xlsx(members: list[MemberFigures], as_of: dt.date, lang: str) -> bytes:
    rows = members_rows(members, as_of, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = translate("rollup.xls_sheet", lang)
    bold = Font(bold=True)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"      # never a formula, whatever the text begins with
            if r == 1:
                cell.font = bold
    widths = {"member": 24, "state": 30, "site": 32, "id": 16}
    for c, key in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 10)
    ws.freeze_panes = "C2"              # the header and the rank and name stay in view
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows)}"
    return workbook_bytes(wb, as_of)

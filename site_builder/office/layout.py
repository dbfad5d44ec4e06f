"""Excel layout: the step of the Excel import (``excel``) that finds where a county's sheet keeps
what — the header (one row, or two when a merged group header stands over sub-columns), the unit a
unit's own ledger belongs to (``--unit``, a 填报单位 row, or the title), and what each row below
the header is: an item (rows sharing a merged 问题 cell are one item), a section row naming an
aspect (「一、…方面存在的问题」), a total or subtotal, a note, or empty. Rows that are not items
are skipped with a reason that the import reports, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from site_builder.office.cells import HEADER_ROWS, OWN_LEDGER_DEPARTMENT, REQUIRED, Sheet, cell_text, norm

_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+部分)")
_TOTAL = re.compile(r"^(?:合计|小计|总计|共计|累计)")
_NOTE = re.compile(r"^(?:注|备注|说明|填表说明|附注)\s*[:：\d]")
_FILLER = re.compile(r"(?:填报|报送)(?:单位|部门)\s*[:：]\s*([^\s（(：:]+)")
_TITLE_UNIT = re.compile(r"^(.+?(?:局|委员会|委|办公室|办|镇|乡|街道|公司|集团|院|中心|所|站|队|馆|社|会|部|厂|学校|校|医院))"
                         r"(?=落实|关于|巡察|巡视|整改|贯彻|对照|反馈|问题)")
_NOT_A_UNIT = {"县委", "市委", "省委", "区委", "州委", "县委巡察办", "市委巡察办"}


@dataclass
class Group:
    kind: str                  # item, section, total, note, empty
    rows: list[int]
    label: str = ""            # the text of a section, total or note row
    aspect: str | None = None  # the section an item falls under (its label)


@dataclass
class Layout:
    header: int | None = None         # first header row
    data: int = 0                     # first data row
    cols: dict[str, int] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)   # column → header text
    unit: str | None = None           # the unit named by --unit, 填报单位 or the title
    unit_from: str = ""               # option, filler, title
    unit_cell: str = ""
    missing: list[str] = field(default_factory=list)
    above: list[tuple[str, str]] = field(default_factory=list)  # (cell, text) of rows above the header


def _match(sheet: Sheet, row: int, columns: dict[str, tuple[str, ...]], first: tuple[str, ...]) -> dict[int, str]:
    """column → field of one header row; fields named by --columns are matched first."""
    cells = {c: norm(sheet.value(row, c)) for c in range(1, sheet.ws.max_column + 1)}
    out: dict[int, str] = {}
    taken: set[str] = set()
    order = list(first) + [f for f in columns if f not in first]
    for name in order:
        wanted = [norm(h) for h in columns[name]]
        for h in wanted:
            col = next((c for c, v in cells.items() if v == h and c not in out), None)
            if col is not None:
                out[col] = name
                taken.add(name)
                break
    return out


def _grouped(sheet: Sheet, row: int, col: int) -> bool:
    """Whether a header cell stands over sub-columns: empty, or merged across several columns (a
    data row that happens to hold a header word, such as 备注, is not a second header row)."""
    if not cell_text(sheet.value(row, col)):
        return True
    top = sheet.top(row, col)
    return any(sheet.top(row, c) == top for c in (col - 1, col + 1) if c >= 1)


def find_layout(sheet: Sheet, columns: dict[str, tuple[str, ...]], overridden: tuple[str, ...],
                unit_option: str | None) -> Layout:
    lay = Layout()
    for row in range(1, min(sheet.ws.max_row, HEADER_ROWS) + 1):
        found = _match(sheet, row, columns, overridden)
        names = set(found.values())
        if not ({"problem", "measures"} <= names):
            continue
        lay.header, lay.data = row, row + 1
        below = _match(sheet, row + 1, columns, overridden) if row < sheet.ws.max_row else {}
        own = {c: f for c, f in below.items() if sheet.top(row + 1, c) != sheet.top(row, c) and _grouped(sheet, row, c)}
        if own:     # a two-row header: the sub-columns under a merged group header win
            for c, f in own.items():
                for other in [k for k, v in found.items() if v == f and k != c]:
                    del found[other]
                found[c] = f
            lay.data = row + 2
        cols: dict[str, int] = {}
        for c in sorted(found):
            cols.setdefault(found[c], c)
        lay.cols = cols
        for c in range(1, sheet.ws.max_column + 1):
            text = cell_text(sheet.value(lay.data - 1, c)) or cell_text(sheet.value(row, c))
            if text:
                lay.headers[c] = text
        break
    if lay.header is None:
        return lay
    for row in range(1, lay.header):
        texts = []
        for c in range(1, sheet.ws.max_column + 1):
            if sheet.top(row, c) == (row, c) and cell_text(sheet.value(row, c)):
                texts.append((sheet.where(row, c), cell_text(sheet.value(row, c))))
        lay.above += texts
    if unit_option:
        lay.unit, lay.unit_from = unit_option, "option"
    else:
        for where, text in lay.above:
            m = _FILLER.search(norm(text))
            if m:
                lay.unit, lay.unit_from, lay.unit_cell = m.group(1), "filler", where
                break
    if lay.unit is not None and "unit" in lay.cols and "unit" not in overridden \
            and norm(lay.headers.get(lay.cols["unit"], "")) in OWN_LEDGER_DEPARTMENT and "department" not in lay.cols:
        lay.cols["department"] = lay.cols.pop("unit")   # in a unit's own ledger 责任单位 is its office
    if lay.unit is None and "unit" not in lay.cols:
        for where, text in lay.above[:1]:
            m = _TITLE_UNIT.match(norm(text))
            if m and m.group(1) not in _NOT_A_UNIT:
                lay.unit, lay.unit_from, lay.unit_cell = m.group(1), "title", where
    lay.missing = [name for name in REQUIRED if name not in lay.cols]
    return lay


def classify(sheet: Sheet, lay: Layout) -> list[Group]:
    """The rows under the header, grouped into items and the rows that are not items."""
    out: list[Group] = []
    col = lay.cols["problem"]
    aspect = None
    for row in range(lay.data, sheet.ws.max_row + 1):
        own = [cell_text(sheet.value(row, c)) for c in range(1, sheet.ws.max_column + 1)
               if sheet.top(row, c) == (row, c)]
        values = [cell_text(sheet.value(row, c)) for c in range(1, sheet.ws.max_column + 1)]
        texts = [v for v in values if v]
        top = sheet.top(row, col)
        continues = out and out[-1].kind == "item" and top != (row, col) and top[0] <= out[-1].rows[0]
        if continues:
            if any(own):
                out[-1].rows.append(row)
            continue
        if not texts:
            out.append(Group("empty", [row]))
            continue
        first = texts[0]
        if any(_TOTAL.match(norm(v)) for v in values[:3] if v):
            out.append(Group("total", [row], next(v for v in values[:3] if v and _TOTAL.match(norm(v)))))
            continue
        if len(set(texts)) == 1 and _NOTE.match(norm(first)):
            out.append(Group("note", [row], first))
            continue
        if len(set(texts)) == 1:
            merged = sheet.top(row, 1) == sheet.top(row, max(2, sheet.ws.max_column)) and sheet.ws.max_column > 1
            if first.isdigit():
                out.append(Group("empty", [row], first))
                continue
            if _SECTION.match(first) or merged or cell_text(sheet.value(row, 1)) == first:
                aspect = first
                out.append(Group("section", [row], first))
                continue
        if _NOTE.match(norm(first)) and not cell_text(sheet.value(row, lay.cols["measures"])):
            out.append(Group("note", [row], first))
            continue
        out.append(Group("item", [row], aspect=aspect))
    return out

"""Excel workbooks: the file-reading step under the Excel import (``excel``) — one workbook of any
format counties have (.xlsx/.xlsm through openpyxl; the old .xls, .xlsb and .ods through
python-calamine) read into plain grids of cell values with their merged ranges, so that the steps
above (``office.cells``, ``office.rows``) never see which library read the file.

python-calamine was chosen over xlrd for the old formats: it reads .xls with its merged ranges, and
also .xlsb and .ods, which xlrd does not; one Rust library instead of two Python ones.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from site_builder.core.problems import Problem

OPENPYXL = {".xlsx", ".xlsm", ".xltx", ".xltm"}
CALAMINE = {".xls", ".xlsb", ".ods"}


class Grid:
    """One sheet's values (1-based rows and columns) and merged ranges (min_row, min_col, max_row, max_col)."""

    def __init__(self, title: str, rows: list[list[Any]], merges: list[tuple[int, int, int, int]]):
        self.title = title
        self.rows = rows
        self.merges = merges
        self.max_row = len(rows)
        self.max_column = max((len(r) for r in rows), default=0)

    def value(self, row: int, col: int) -> Any:
        if 1 <= row <= self.max_row:
            values = self.rows[row - 1]
            if 1 <= col <= len(values):
                v = values[col - 1]
                return None if v == "" else v
        return None


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without trailing empty rows (a sheet formatted down to row 1,048,576 has no more data)."""
    end = len(rows)
    while end and all(v is None or v == "" for v in rows[end - 1]):
        end -= 1
    return rows[:end]


def _openpyxl(path: Path) -> list[Grid]:
    from openpyxl import load_workbook
    wb = load_workbook(path, data_only=True)
    grids = []
    for ws in wb.worksheets:
        rows = _trim([list(r) for r in ws.iter_rows(values_only=True)])
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        grids.append(Grid(ws.title, rows, merges))
    return grids


def _calamine(path: Path) -> list[Grid]:
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(path))
    grids = []
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = _trim([[_calamine_value(v) for v in r] for r in sheet.to_python(skip_empty_area=False)])
        merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
        grids.append(Grid(name, rows, merges))
    return grids


def _calamine_value(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.time):
        return None if v == dt.time(0) else v
    return v


def read_workbook(path: Path, display: str) -> tuple[list[Grid], Problem | None]:
    """Every sheet of the workbook, or a Chinese located problem saying what to do."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return [], Problem.at(display, None, "excel.no_file")
    if suffix == ".et" or suffix == ".wps":
        return [], Problem.at(display, None, "excel.wps_format")
    if suffix == ".csv":
        return [], Problem.at(display, None, "excel.csv_format")
    try:
        if suffix in CALAMINE:
            return _calamine(path), None
        if suffix in OPENPYXL:
            return _openpyxl(path), None
        with path.open("rb") as f:
            magic = f.read(8)
        if magic.startswith(b"PK"):
            return _openpyxl(path), None
        if magic.startswith(b"\xd0\xcf\x11\xe0"):
            return _calamine(path), None
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one located problem
        return [], Problem.at(display, None, "excel.unreadable", detail=f"{type(exc).__name__}: {exc}"[:200])
    return [], Problem.at(display, None, "excel.unknown_format", suffix=suffix or "（无）")

"""Excel import: a county's rectification ledger sheet (整改台账) in, item files out.

Counties keep their ledgers in Excel today, one row per problem: 序号, 问题, 整改措施, 责任单位,
责任人, 完成时限, 整改进展, 完成情况 (names configurable with ``--columns``). ``import_workbook``
turns each row into an item of one round — ``excel_cells`` reads the cells, ``excel_rows`` maps a
row onto the fields of an item file — then numbers the new items, validates them and writes them.

Every cell that cannot be mapped is reported as ``FILE.xlsx:<sheet>!<cell>: message``; the new
ledger is then validated as a whole. Nothing is written unless no error remains (all files are
collected first and written together).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from site_builder.edit.helpers import next_item_id
from site_builder.edit.workspace import Workspace
from site_builder.edit.yamledit import dump, item_document
from site_builder.office.cells import COLUMNS, Row, Sheet
from site_builder.office.rows import SheetReader
from site_builder.core.problems import Problem


@dataclass
class ImportResult:
    items: list[str] = field(default_factory=list)       # ids written, in sheet order
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)   # warnings: written anyway


#: a top-level field of an item file → the column a problem with it is shown at
_FIELD_COLUMN = {"id": "id", "round": "round", "feedback": "feedback", "unit": "unit", "aspect": "aspect",
                 "title": "problem", "problem": "problem", "term": "due", "opened": "opened", "due": "due",
                 "leader": "owner", "department": "owner", "measures": "measures", "status": "result",
                 "reports": "progress"}
#: a column the sheet may lack → the column shown instead (else the 问题 column)
_FALLBACK_COLUMN = {"id": "seq", "round": "seq"}
_TOP_KEY = re.compile(r"^([a-z_]+):")


def _cell_of(problem: Problem, text: str, row: Row) -> str:
    """The sheet cell that a problem found in a generated item file comes from."""
    key = None
    for line in reversed(text.split("\n")[:max(problem.line, 1)]):
        m = _TOP_KEY.match(line)
        if m:
            key = m.group(1)
            break
    column = _FIELD_COLUMN.get(key or "", "problem")
    for candidate in (column, _FALLBACK_COLUMN.get(column, "problem")):
        if candidate in row.cols:
            return row.at(candidate)
    return row.at("problem")


def _sheet_order(p: Problem) -> tuple:
    """Problems of a sheet top to bottom, left to right ("A10" after "A9")."""
    m = re.search(r"!([A-Z]+)(\d+)$", p.file)
    if not m:
        return (0, 0, 0, p.file)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (1, int(m.group(2)), col, p.file)


def import_workbook(ws: Workspace, path: Path, round_id: str, *, display: str | None = None, sheet: str | None = None,
                    columns: dict[str, tuple[str, ...]] | None = None, opened: dt.date | None = None,
                    undated: dt.date | None = None) -> ImportResult:
    """Read one sheet into new items of ``round_id``; write them all, or nothing when any error remains."""
    display = display or str(path)
    result = ImportResult()
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one located problem
        result.problems.append(Problem.at(display, None, "excel.unreadable", detail=f"{type(exc).__name__}: {exc}"[:200]))
        return result
    if sheet is not None and sheet not in wb.sheetnames:
        result.problems.append(Problem.at(display, None, "excel.no_sheet", sheet=sheet, sheets="、".join(wb.sheetnames)))
        return result
    rnd = ws.ledger.rounds.get(round_id)
    if rnd is None:
        result.problems.append(Problem.at(ws.display_of(f"rounds/{round_id}.yaml"), None, "rule.unknown_round", round=round_id))
        return result
    data = Sheet(wb[sheet] if sheet else wb.worksheets[0], display)
    reader = SheetReader(ws, data, rnd, columns or COLUMNS, opened, undated)
    header = reader.find_header()
    rows: list[dict] = []
    if header is not None and not reader.problems:
        aspect = None
        for group in reader.groups(header):
            fields, aspect = reader.read(group, aspect)
            if fields is not None:
                rows.append(fields)
    result.notes = reader.notes
    # ids: those the sheet gives, then the next free ones of the round
    given: dict[str, str] = {}
    for fields in rows:
        if "id" in fields:
            if fields["id"] in given:
                reader.error(fields["_row"].at("id"), "excel.id_twice", value=fields["id"], cell=given[fields["id"]])
            given.setdefault(fields["id"], fields["_row"].at("id"))
    result.problems = sorted(reader.problems, key=_sheet_order)
    if result.problems:
        return result
    files: dict[str, str] = {}
    where: dict[str, Row] = {}
    taken = set(given)
    for fields in rows:
        if "id" not in fields:
            candidate = next_item_id(ws, round_id)
            number = int(candidate.rsplit("-", 1)[1])
            while candidate in taken:
                number += 1
                candidate = f"{round_id}-{number:0{len(candidate.rsplit('-', 1)[1])}d}"
            fields["id"] = candidate
            taken.add(candidate)
        row = fields.pop("_row")
        display_path = ws.display_of(f"issues/{round_id}/{fields['id']}.yaml")
        files[display_path] = dump(item_document(fields))
        where[display_path] = row
        result.items.append(fields["id"])
    problems, _ = ws.check(files)
    mapped = []
    for p in problems:
        if p.file in files:
            mapped.append(Problem(_cell_of(p, files[p.file], where[p.file]), 0, 0, p.code, p.params))
        else:
            mapped.append(p)
    if mapped:
        result.problems = sorted(set(mapped), key=_sheet_order)
        result.items = []
        return result
    ws.write(files)
    return result

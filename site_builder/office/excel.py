"""Excel import: counties' rectification ledgers (整改台账) in, item files out — the top of the import
stage. ``import_workbooks`` reads every sheet of every workbook (``office.book``), finds each sheet's
layout and sorts its rows (``office.layout``), creates the round and the units when the round does not
exist yet, or extends one an earlier import made (``office.roundfile``), maps each item's rows onto the fields of an item file (``office.rows``),
then numbers the new items, validates them with the whole ledger and writes them.

Every cell that cannot be mapped is reported as ``FILE.xlsx:<sheet>!<cell>: message``; every
non-empty cell that lands in no field (title rows, totals, notes, unknown columns) is named in the
report. Nothing is written unless no error remains (all files are collected first and written
together); ``dry_run`` writes nothing at all. Items already in the ledger (same id; round, feedback
and title; or round, unit and problem) are recognised and compared (``office.again``): a changed cell
is refused there, new progress lines are appended, so importing a workbook again never duplicates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.edit.helpers import next_item_id
from site_builder.edit.workspace import Workspace
from site_builder.edit.yamlemit import emit_item
from site_builder.office import again
from site_builder.office.book import read_workbook
from site_builder.office.cells import COLUMNS, Row, Sheet, aspect_key, cell_text, sheet_order
from site_builder.office.layout import classify, find_layout
from site_builder.office.round import RoundOptions
from site_builder.office.roundfile import settle_round
from site_builder.office.context import text_key
from site_builder.office.rows import SheetReader
from site_builder.core.problems import Problem


@dataclass
class ImportResult:
    items: list[str] = field(default_factory=list)       # ids written (or to be written), in sheet order
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)   # warnings and the report: written anyway
    mapping: list[tuple[str, str, str]] = field(default_factory=list)   # (sheet, column header, field)
    created: list[str] = field(default_factory=list)     # files of a new round and units
    known: int = 0                                       # rows already in the ledger
    updated: list[str] = field(default_factory=list)     # items already in the ledger given new reports


#: a top-level field of an item file → the column a problem with it is shown at
_FIELD_COLUMN = {"id": "id", "round": "round", "feedback": "feedback", "unit": "unit", "aspect": "aspect",
                 "title": "problem", "problem": "problem", "term": "due", "opened": "opened", "due": "due",
                 "leader": "leader", "department": "department", "measures": "measures", "status": "result",
                 "reports": "progress", "internal_note": "note"}
_FALLBACK_COLUMN = {"id": "seq", "round": "seq", "leader": "owner", "department": "owner"}
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


def import_workbooks(ws: Workspace, paths: list[tuple[Path, str]], round_id: str, *, sheet: str | None = None,
                     columns: dict[str, tuple[str, ...]] | None = None, overridden: tuple[str, ...] = (),
                     unit: str | None = None, opened: dt.date | None = None, undated: dt.date | None = None,
                     options: RoundOptions | None = None, dry_run: bool = False) -> ImportResult:
    """Read the workbooks into new items of ``round_id``; write them all, or nothing when any error remains."""
    columns = columns or COLUMNS
    result = ImportResult()
    sheets: list[Sheet] = []
    for path, display in paths:
        grids, problem = read_workbook(path, display)
        if problem is not None:
            result.problems.append(problem)
            continue
        chosen = [g for g in grids if sheet is None or g.title == sheet]
        if sheet is None and any(g.title == round_id for g in grids):
            chosen = [g for g in grids if g.title == round_id]     # an export: a sheet per round
        if sheet is not None and not chosen:
            result.problems.append(Problem.at(display, None, "excel.no_sheet", sheet=sheet,
                                              sheets="、".join(g.title for g in grids)))
        sheets += [Sheet(g, display) for g in chosen]
    if result.problems:
        return result
    note = lambda where, code, **p: result.notes.append(Problem.at(where, None, code, severity="warning", **p))  # noqa: E731
    laid = []
    for s in sheets:
        lay = find_layout(s, columns, overridden, unit)
        if lay.header is None:
            if len(sheets) == 1 or s.ws.max_row > 0 and any(cell_text(v) for r in s.ws.rows for v in r):
                result.problems.append(Problem.at(s.where(1, 1), None, "excel.no_header", rows=10,
                                                  problem=columns["problem"][0], measures=columns["measures"][0]))
            continue
        for name in lay.missing:
            result.problems.append(Problem.at(s.where(lay.header, 1), None, "excel.missing_column", field=name,
                                              header=columns[name][0]))
        fields_of = {c: f for f, c in lay.cols.items()}
        for c, header in sorted(lay.headers.items()):
            result.mapping.append((s.name, header, fields_of.get(c, "")))
            if c not in fields_of and any(cell_text(s.value(r, c)) for r in range(lay.data, s.ws.max_row + 1)):
                note(s.where(lay.data - 1, c), "excel.column_ignored", header=header, fields=", ".join(columns))
        for where, text in lay.above:
            if where == lay.unit_cell:
                note(where, "excel.unit_from_sheet", value=text[:40], unit=lay.unit)
            else:
                note(where, "excel.skip_title", value=text[:40])
        laid.append((s, lay, classify(s, lay)))
    if result.problems:
        result.problems.sort(key=sheet_order)
        return result
    for s, lay, groups in laid:
        for g in groups:
            if g.kind in ("total", "note") or (g.kind == "empty" and g.label):
                note(s.where(g.rows[0], 1), f"excel.skip_{g.kind}", value=g.label[:40])
            elif g.kind == "section":
                note(s.where(g.rows[0], 1), "excel.section", value=g.label[:40])
    # the round: existing, or made (or extended) from the rows
    settled = settle_round(ws, round_id, laid, options, result, note)
    if settled is None:
        return result
    ctx, rnd, created = settled
    if rnd is not None and not result.created:     # an existing round: a one-cell row must name one of its aspects
        for s, lay, groups in laid:
            aspect = None
            for g in groups:
                if g.kind == "section":
                    if aspect_key(g.label) in ctx.aspects:
                        aspect = g.label
                    else:
                        result.problems.append(Problem.at(s.where(g.rows[0], 1), None, "excel.row_not_understood",
                                                          value=g.label[:40]))
                        result.notes = [n for n in result.notes if n.file != s.where(g.rows[0], 1)]
                elif g.kind == "item":
                    g.aspect = aspect
    # the items; 状态 as written only while the ledger's first commit is to come (the gate's rule)
    exact = ws.git_root is None or not ws._ledger_has_commits()
    opened = opened or ctx.start
    undated = undated or ws.today
    rows_read: list[dict] = []
    readers = []
    for s, lay, groups in laid:
        reader = SheetReader(s, lay, columns, ctx, opened, undated, exact)
        readers.append(reader)
        for g in groups:
            if g.kind == "item":
                fields = reader.read(g.rows, g.aspect)
                if fields is not None:
                    rows_read.append(fields)
    for reader in readers:
        result.problems += reader.problems
        result.notes += reader.notes
    # idempotent: a row whose item is already in the ledger (its id; round, feedback and title; or round,
    # unit and problem) is compared with it: a changed cell is refused, new progress lines are appended
    existing = {(i.round, tuple(sorted(i.feedback)), text_key(i.title)): i.id for i in ws.ledger.items.values()}
    by_problem = {(i.round, i.unit, text_key(i.problem)): i.id for i in ws.ledger.items.values()}
    headers = {id(reader.sheet): reader.header for reader in readers}
    fresh = []
    edits: dict[str, tuple[str, Row]] = {}
    changes: dict = {}
    for fields in rows_read:
        key = (fields["round"], tuple(sorted(fields["feedback"])), text_key(fields["title"]))
        known_id = fields.get("id") if fields.get("id") in ws.ledger.items else \
            existing.get(key) or by_problem.get((fields["round"], fields["unit"], text_key(fields["problem"])))
        if known_id is None:
            fresh.append(fields)
            continue
        result.known += 1
        row = fields["_row"]
        cells = {row.sheet.where(r, c) for r in row.rows for c in row.cols.values()}
        result.notes = [n for n in result.notes if n.file not in cells]
        old = ws.ledger.items[known_id]
        conflicts, add = again.compare(fields, old, headers[id(row.sheet)], fields.get("_assumed", set()))
        if conflicts:
            result.problems += conflicts
        elif add:
            display, path = ws.item_file(known_id)
            edits[display] = (again.apply(path.read_bytes().decode("utf-8-sig"), add), row)
            changes[display] = old
            result.updated.append(known_id)
            note(row.at("problem"), "excel.appended", item=known_id, reports=len(add.reports),
                 done=len(add.done) + len(add.measures))
        else:
            note(row.at("problem"), "excel.already_imported", item=known_id)
    given: dict[str, str] = {}
    for fields in fresh:
        if "id" in fields:
            if fields["id"] in given:
                result.problems.append(Problem.at(fields["_row"].at("id"), None, "excel.id_twice", value=fields["id"],
                                                  cell=given[fields["id"]]))
            given.setdefault(fields["id"], fields["_row"].at("id"))
    if result.problems:
        result.problems = sorted(set(result.problems), key=sheet_order)
        return result
    files: dict[str, str] = {}
    where: dict[str, Row] = {}
    taken = set(given)
    first = next_item_id(ws, round_id)          # asked once: the ledger does not change while numbering
    width, number = len(first.rsplit("-", 1)[1]), int(first.rsplit("-", 1)[1])
    for fields in fresh:
        if "id" not in fields:
            candidate = f"{round_id}-{number:0{width}d}"
            while candidate in taken or candidate in ws.ledger.items:
                number += 1
                candidate = f"{round_id}-{number:0{width}d}"
            fields["id"] = candidate
            taken.add(candidate)
        row = fields.pop("_row")
        display_path = ws.display_of(f"issues/{round_id}/{fields['id']}.yaml")
        files[display_path] = emit_item(fields)[0]      # a new file: the plain emitter, as ruamel would write it
        where[display_path] = row
        result.items.append(fields["id"])
    for display, (text, row) in edits.items():
        files[display] = text
        where[display] = row
    problems, _ = ws.check(files, changes)
    mapped = []
    for p in problems:
        if p.code == "rule.unclaimed_feedback" and p.file not in created:
            continue          # a partial import into an existing round: said below, not refused
        if p.file in files:
            mapped.append(Problem(_cell_of(p, files[p.file], where[p.file]), 0, 0, p.code, p.params))
        else:
            mapped.append(p)
    if mapped:
        result.problems = sorted(set(mapped), key=sheet_order)
        result.items = []
        return result
    claimed = {f for i in ws.ledger.items.values() if i.round == round_id for f in i.feedback}
    claimed |= {f for text in files.values() for f in re.findall(r"\b" + re.escape(round_id) + r"-F\d+\b", text)}
    unclaimed = [f.id for f in ctx.feedback if f.id not in claimed]
    if unclaimed:
        note(ws.ledger.paths.get("round:" + round_id, ws.display_of(f"rounds/{round_id}.yaml")), "excel.unclaimed",
             count=len(unclaimed), ids="、".join(unclaimed))
    result.notes.sort(key=sheet_order)
    if not dry_run:
        ws.write({**created, **files})
    return result

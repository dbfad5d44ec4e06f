"""Excel import: counties' rectification ledgers (整改台账) in, item files out — the top of the import
stage. ``import_workbooks`` reads every sheet of every workbook (``office.book``), finds each sheet's
layout and sorts its rows (``office.layout``), creates the round and the units when the round does not
exist yet (``office.round``), maps each item's rows onto the fields of an item file (``office.rows``),
then numbers the new items, validates them with the whole ledger and writes them.

Every cell that cannot be mapped is reported as ``FILE.xlsx:<sheet>!<cell>: message``; every
non-empty cell that lands in no field (title rows, totals, notes, unknown columns) is named in the
report. Nothing is written unless no error remains (all files are collected first and written
together); ``dry_run`` writes nothing at all. Items already in the ledger (same round, feedback and
title) are recognised and left alone, so importing a workbook again adds only what is new.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ruamel.yaml.comments import CommentedSeq

from site_builder.edit.helpers import next_item_id
from site_builder.edit.workspace import Workspace
from site_builder.edit.yamledit import block_map, dump, flow_seq, item_document, load_rt, text_value
from site_builder.office.book import read_workbook
from site_builder.office.cells import COLUMNS, Row, Sheet, aspect_key, cell_text, split_names
from site_builder.office.layout import classify, find_layout
from site_builder.office.round import RoundOptions, context_of, plan_round
from site_builder.office.rows import SheetReader, text_key
from site_builder.core.problems import Problem


@dataclass
class ImportResult:
    items: list[str] = field(default_factory=list)       # ids written (or to be written), in sheet order
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)   # warnings and the report: written anyway
    mapping: list[tuple[str, str, str]] = field(default_factory=list)   # (sheet, column header, field)
    created: list[str] = field(default_factory=list)     # files of a new round and units
    known: int = 0                                       # rows already in the ledger


#: a top-level field of an item file → the column a problem with it is shown at
_FIELD_COLUMN = {"id": "id", "round": "round", "feedback": "feedback", "unit": "unit", "aspect": "aspect",
                 "title": "problem", "problem": "problem", "term": "due", "opened": "opened", "due": "due",
                 "leader": "leader", "department": "department", "measures": "measures", "status": "result",
                 "reports": "progress", "internal_note": "note"}
_FALLBACK_COLUMN = {"id": "seq", "round": "seq", "leader": "owner", "department": "owner"}
_TOP_KEY = re.compile(r"^([a-z_]+):")
_UNIT_HEADER = ("# 被巡察单位。每个单位一项；id 用英文短编号，建账后不再改动。\n")


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
    m = re.search(r"^(.*)!([A-Z]+)(\d+)$", p.file)
    if not m:
        return (p.file, 0, 0)
    col = 0
    for ch in m.group(2):
        col = col * 26 + ord(ch) - 64
    return (m.group(1), int(m.group(3)), col)


def _text_of(ws: Workspace, display: str) -> str:
    try:
        return ws.ledger.text(display) or ""
    except (OSError, KeyError):
        return ""


def extend_round_yaml(text: str, base, doc: dict) -> str:
    """The round file with the aspects, units and feedback problems of ``doc`` that ``base`` lacks
    appended, its comments and layout kept."""
    data, y = load_rt(text)
    for key, old in (("aspects", base.aspects), ("units", base.units)):
        for value in doc[key][len(old):]:
            data[key].append(text_value(value))
    known = {f.id for f in base.feedback}
    for f in doc["feedback"]:
        if f["id"] not in known:
            entry = block_map([(k, text_value(v) if k == "text" else v) for k, v in f.items()])
            seq = data["feedback"]
            if len(seq) and hasattr(seq[-1], "fa") and seq[-1].fa.flow_style():
                entry.fa.set_flow_style()
            seq.append(entry)
    return dump(data, y)


IMPORT_MARK = "由 rectify import 从整改台账生成"


def _round_yaml(doc: dict) -> str:
    data = block_map([("id", doc["id"]), ("name", text_value(doc["name"])), ("level", doc["level"]),
                      ("kind", doc["kind"]), ("feedback_date", doc["feedback_date"]), ("deadline", doc["deadline"]),
                      ("aspects", flow_seq(doc["aspects"])), ("units", flow_seq(doc["units"])),
                      ("feedback", CommentedSeq([block_map([(k, text_value(v) if k == "text" else v)
                                                            for k, v in f.items()]) for f in doc["feedback"]]))])
    return "# 巡察轮次，由 rectify import 从整改台账生成；feedback 请与反馈意见原文核对。\n" + dump(data)


def _units_yaml(ws: Workspace, units) -> str:
    path = ws.root / "units.yaml"
    text = path.read_text(encoding="utf-8") if path.is_file() else _UNIT_HEADER + "units: []\n"
    data, y = load_rt(text)
    seq = data.get("units")
    if seq is None or not hasattr(seq, "append"):
        data["units"] = seq = []
    if hasattr(seq, "fa") and seq.fa.flow_style():
        seq.fa.set_block_style()
    for u in units:
        seq.append(block_map([("id", u.id), ("name", text_value(u.name)), ("category", u.category.value),
                              ("supervisor", text_value(u.supervisor))]))
    return dump(data, y)


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
        result.problems.sort(key=_sheet_order)
        return result
    for s, lay, groups in laid:
        for g in groups:
            if g.kind in ("total", "note") or (g.kind == "empty" and g.label):
                note(s.where(g.rows[0], 1), f"excel.skip_{g.kind}", value=g.label[:40])
            elif g.kind == "section":
                note(s.where(g.rows[0], 1), "excel.section", value=g.label[:40])
    # the round: existing, or made from the rows
    rnd = ws.ledger.rounds.get(round_id)
    created: dict[str, str] = {}
    round_display = ws.ledger.paths.get("round:" + round_id, ws.display_of(f"rounds/{round_id}.yaml"))
    base = rnd if rnd is not None and IMPORT_MARK in _text_of(ws, round_display) else None
    if rnd is not None and base is None:
        ctx = context_of(ws.ledger, rnd)
    else:
        options = options or RoundOptions()
        missing = [o for o, v in (("--round-name", options.name), ("--feedback-date", options.feedback_date),
                                  ("--deadline", options.deadline)) if not v]
        if missing and base is None:
            result.problems.append(Problem.at(ws.display_of(f"rounds/{round_id}.yaml"), None, "excel.round_options",
                                              round=round_id, options=" ".join(missing)))
            return result
        rows = []
        for s, lay, groups in laid:
            for g in groups:
                if g.kind != "item":
                    continue
                r = Row(s, lay.cols, g.rows)
                name = lay.unit if lay.unit_from == "option" else (r.text("unit") or lay.unit)
                if not name:
                    result.problems.append(Problem.at(r.at("unit") if "unit" in lay.cols else r.at("problem"), None,
                                                      "excel.no_unit"))
                    continue
                label = r.text("aspect") or g.aspect
                ids = split_names(r.text("feedback_id")) if r.text("feedback_id") else []
                feedback = r.text("feedback") or (None if ids else r.text("problem"))
                fb_units = [u for u in r.text("feedback_unit").split("\n") if u.strip()] or [name] * len(ids)
                rows.append((name, label, feedback, ids, fb_units, bool(r.text("aspect"))))
        if result.problems or not rows:
            result.problems.sort(key=_sheet_order)
            return result
        planned = plan_round(ws.ledger, round_id, options, rows, base)
        ctx = planned.ctx
        rnd = planned.round
        created[round_display] = _round_yaml(planned.round_doc) if base is None else \
            extend_round_yaml(_text_of(ws, round_display), base, planned.round_doc)
        units = dict(ws.ledger.units)
        paths_map = dict(ws.ledger.paths, **{"round:" + round_id: round_display})
        if planned.units:
            units_display = ws.ledger.paths.get("units", ws.display_of("units.yaml"))
            created[units_display] = _units_yaml(ws, planned.units)
            units.update({u.id: u for u in planned.units})
            paths_map["units"] = units_display
            for u in planned.units:
                note(units_display, "excel.unit_created", unit=u.id, name=u.name, supervisor=u.supervisor)
        base_text = ws.ledger.text
        ws.ledger = replace(ws.ledger, rounds={**ws.ledger.rounds, round_id: rnd}, units=units, paths=paths_map,
                            text=lambda p: created[p] if p in created else base_text(p))
        result.created = list(created)
        if base is None:
            note(round_display, "excel.round_created", round=round_id, aspects=len(planned.round_doc["aspects"]),
                 feedback=len(planned.round_doc["feedback"]), units=len(planned.round_doc["units"]))
        else:
            note(round_display, "excel.round_extended", round=round_id,
                 aspects=len(planned.round_doc["aspects"]) - len(base.aspects),
                 feedback=len(planned.round_doc["feedback"]) - len(base.feedback),
                 units=len(planned.round_doc["units"]) - len(base.units))
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
    # idempotent: a row whose item is already in the ledger (round, feedback, title) is left alone
    existing = {(i.round, tuple(sorted(i.feedback)), text_key(i.title)): i.id for i in ws.ledger.items.values()}
    fresh = []
    for fields in rows_read:
        key = (fields["round"], tuple(sorted(fields["feedback"])), text_key(fields["title"]))
        if key in existing or fields.get("id") in ws.ledger.items:
            result.known += 1
            cells = {fields["_row"].sheet.where(r, c) for r in fields["_row"].rows for c in fields["_row"].cols.values()}
            result.notes = [n for n in result.notes if n.file not in cells]
            note(fields["_row"].at("problem"), "excel.already_imported", item=existing.get(key, fields.get("id")))
            continue
        fresh.append(fields)
    given: dict[str, str] = {}
    for fields in fresh:
        if "id" in fields:
            if fields["id"] in given:
                result.problems.append(Problem.at(fields["_row"].at("id"), None, "excel.id_twice", value=fields["id"],
                                                  cell=given[fields["id"]]))
            given.setdefault(fields["id"], fields["_row"].at("id"))
    if result.problems:
        result.problems = sorted(set(result.problems), key=_sheet_order)
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
        files[display_path] = dump(item_document(fields))
        where[display_path] = row
        result.items.append(fields["id"])
    problems, _ = ws.check(files)
    mapped = []
    for p in problems:
        if p.code == "rule.unclaimed_feedback" and p.file not in created:
            continue          # a partial import into an existing round: said below, not refused
        if p.file in files:
            mapped.append(Problem(_cell_of(p, files[p.file], where[p.file]), 0, 0, p.code, p.params))
        else:
            mapped.append(p)
    if mapped:
        result.problems = sorted(set(mapped), key=_sheet_order)
        result.items = []
        return result
    claimed = {f for i in ws.ledger.items.values() if i.round == round_id for f in i.feedback}
    claimed |= {f for text in files.values() for f in re.findall(r"\b" + re.escape(round_id) + r"-F\d+\b", text)}
    unclaimed = [f.id for f in ctx.feedback if f.id not in claimed]
    if unclaimed:
        note(ws.ledger.paths.get("round:" + round_id, ws.display_of(f"rounds/{round_id}.yaml")), "excel.unclaimed",
             count=len(unclaimed), ids="、".join(unclaimed))
    result.notes.sort(key=_sheet_order)
    if not dry_run:
        ws.write({**created, **files})
    return result

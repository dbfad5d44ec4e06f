"""Excel rows: the mapping step of the Excel import (``excel``) — one item's rows of a sheet, read
through ``excel_cells``, become the fields of an item file, and what a sheet writes loosely is
mapped onto what the ledger needs exactly:

- 责任单位 names → unit ids through units.yaml; one unit per row;
- dates from date cells or text (2023年8月31日, 2023.8.31, 2023-08-31, 2023年8月底); 长期坚持 and
  立行立改 in 完成时限 set the term (the due date is then the round's deadline unless one is written);
- 整改措施 split into measures by their numbering (1. / （1） / ① / M1.), or one per line;
- 责任人: without a 责任领导 column, the first name is the responsible leader and the others the
  measures' owners (the export writes them so);
- 整改进展 lines starting with a date become progress reports (undated text: one report dated
  ``--date``, by default today);
- 完成情况 / 状态 conservatively: a new item may only start open or in progress (the gate's rule),
  so "已完成" or "已销号" comes in as in progress with every measure done on the last progress date
  — the submission and verification are recorded afterwards, by the people who make them;
- 方面 from a 方面 column, from section rows ("一、资金项目管理方面"), or from the feedback problem;
  the feedback problem from a 反馈问题 column, or the unit's only feedback problem in the round.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from site_builder.edit.workspace import Workspace
from site_builder.office.cells import (HEADER_ROWS, NAME_SEPARATORS, REQUIRED, STATUS_WORDS, TERM_WORDS, Row, Sheet, aspect_key,
                          cell_text, find_date, leading_date, norm, parse_date, result_kind, split_measures,
                          split_names, split_problem, strip_number)
from site_builder.ledger.models import ID_PATTERN, Round, Status, Term
from site_builder.core.problems import Problem


class SheetReader:
    """One sheet read into the fields of new items of one round, with every problem at its cell."""

    def __init__(self, ws: Workspace, sheet: Sheet, rnd: Round, columns: dict[str, tuple[str, ...]],
                 opened: dt.date | None, undated: dt.date | None):
        self.ws, self.sheet, self.rnd, self.columns = ws, sheet, rnd, columns
        self.opened = opened or rnd.feedback_date
        self.undated = undated or ws.today
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.cols: dict[str, int] = {}
        self.units_by_name = {norm(u.name): u.id for u in ws.ledger.units.values()}
        self.aspects = {aspect_key(a): a for a in rnd.aspects}

    def error(self, where: str, code: str, **params) -> None:
        self.problems.append(Problem.at(where, None, code, **params))

    def note(self, where: str, code: str, **params) -> None:
        self.notes.append(Problem.at(where, None, code, severity="warning", **params))

    # ------------------------------------------------------------ header

    def find_header(self) -> int | None:
        ws = self.sheet.ws
        for row in range(1, min(ws.max_row, HEADER_ROWS) + 1):
            cells = {norm(self.sheet.value(row, c)): c for c in range(ws.max_column, 0, -1)}
            found = {}
            for name, headers in self.columns.items():
                col = next((cells[h] for h in map(norm, headers) if h in cells), None)
                if col is not None:
                    found[name] = col
            if "problem" in found and "measures" in found:
                self.cols = found
                for name in REQUIRED:
                    if name not in found:
                        self.error(self.sheet.where(row, 1), "excel.missing_column", field=name,
                                   header=self.columns[name][0])
                return row
        self.error(self.sheet.where(1, 1), "excel.no_header", rows=HEADER_ROWS,
                   problem=self.columns["problem"][0], measures=self.columns["measures"][0])
        return None

    # ------------------------------------------------------------ rows

    def groups(self, header: int) -> list[list[int]]:
        """Data rows grouped by item: rows sharing one merged 问题 cell are one item."""
        out: list[list[int]] = []
        col = self.cols["problem"]
        for row in range(header + 1, self.sheet.ws.max_row + 1):
            if out and self.sheet.top(row, col) != (row, col) and self.sheet.top(row, col)[0] <= out[-1][0]:
                out[-1].append(row)
            else:
                out.append([row])
        return out

    def read(self, rows: list[int], current_aspect: str | None) -> tuple[dict | None, str | None]:
        """One item's fields from its rows, or None; and the aspect that following rows fall under."""
        r = Row(self.sheet, self.cols, rows)
        filled = {name: r.text(name) for name in self.cols if r.text(name)}
        if not filled:
            return None, current_aspect
        if len(set(filled.values())) == 1:     # one text only (or one merged across): a label, not an item
            name = min(filled, key=lambda n: self.cols[n])
            label = filled[name]
            aspect = self.aspects.get(aspect_key(label))
            if aspect is not None:
                return None, aspect
            if set(filled) == {"seq"} and label.isdigit():
                return None, current_aspect
            self.error(r.at(name), "excel.row_not_understood", value=label[:40])
            return None, current_aspect
        before = len(self.problems)
        fields: dict[str, Any] = {"round": self.rnd.id}
        for name in REQUIRED:
            if name in self.cols and not r.text(name) and name != "owner":
                self.error(r.at(name), "excel.empty_cell", header=self.columns[name][0])
        if len(self.problems) > before:
            return None, current_aspect
        self._identity(r, fields)
        unit = self._unit(r, fields)
        self._problem(r, fields)
        self._feedback_and_aspect(r, fields, unit, current_aspect)
        self._term_and_due(r, fields)
        self._measures(r, fields)
        self._progress(r, fields, unit)
        self._status(r, fields)
        fields["opened"] = self._opened(r)
        fields["_row"] = r
        return (fields if len(self.problems) == before else None), current_aspect

    def _identity(self, r: Row, fields: dict) -> None:
        value = r.text("id")
        if value:
            if not re.match(ID_PATTERN, value) or len(value) > 64:
                self.error(r.at("id"), "excel.bad_id", value=value)
            elif value in self.ws.ledger.items:
                self.error(r.at("id"), "excel.id_exists", value=value, path=self.ws.ledger.paths["item:" + value])
            elif (self.ws.root / "issues" / self.rnd.id / f"{value}.yaml").exists():
                self.error(r.at("id"), "excel.id_exists", value=value,
                           path=self.ws.display_of(f"issues/{self.rnd.id}/{value}.yaml"))
            else:
                fields["id"] = value
        round_text = r.text("round")
        if round_text and round_text != self.rnd.id:
            self.error(r.at("round"), "excel.round_mismatch", value=round_text, round=self.rnd.id)

    def _unit(self, r: Row, fields: dict) -> str | None:
        value = r.text("unit")
        unit = self._unit_id(value)
        if unit is None:
            names = [n for n in NAME_SEPARATORS.split(value) if n.strip()]
            if len(names) > 1 and all(self._unit_id(n) for n in names):
                self.error(r.at("unit"), "excel.several_units", count=len(names), value=value)
            else:
                self.error(r.at("unit"), "excel.unknown_unit", value=value)
            return None
        if unit not in self.rnd.units:
            self.error(r.at("unit"), "rule.unit_not_in_round", unit=unit, round=self.rnd.id)
            return None
        fields["unit"] = unit
        return unit

    def _unit_id(self, value: str) -> str | None:
        if value in self.ws.ledger.units:
            return value
        return self.units_by_name.get(norm(value))

    def _problem(self, r: Row, fields: dict) -> None:
        title, problem = split_problem(r.text("problem"))
        if r.text("title"):
            title, problem = r.text("title"), strip_number(r.text("problem"))
        fields["title"], fields["problem"] = title, problem

    def _feedback_and_aspect(self, r: Row, fields: dict, unit: str | None, current_aspect: str | None) -> None:
        known = {f.id: f for f in self.rnd.feedback}
        chosen = []
        if r.text("feedback"):
            for fid in split_names(r.text("feedback")):
                if fid not in known:
                    self.error(r.at("feedback"), "rule.unknown_feedback", feedback=fid, round=self.rnd.id)
                else:
                    chosen.append(known[fid])
        elif unit is not None:
            mine = [f for f in self.rnd.feedback if f.unit == unit]
            if len(mine) > 1:
                text = norm(fields["problem"])
                matching = [f for f in mine if norm(f.text) in text or text in norm(f.text)]
                mine = matching if len(matching) == 1 else mine
            if not mine:
                self.error(r.at("unit"), "excel.no_feedback", unit=unit, round=self.rnd.id)
            elif len(mine) > 1:
                self.error(r.at("problem"), "excel.feedback_ambiguous", round=self.rnd.id, unit=unit,
                           count=len(mine), ids="、".join(f.id for f in mine))
            else:
                chosen = mine
        fields["feedback"] = [f.id for f in chosen]
        if r.text("aspect"):
            aspect = self.aspects.get(aspect_key(r.text("aspect")))
            if aspect is None:
                self.error(r.at("aspect"), "rule.unknown_aspect", aspect=r.text("aspect"), round=self.rnd.id)
            fields["aspect"] = aspect
        elif current_aspect is not None:
            fields["aspect"] = current_aspect
        elif chosen:
            fields["aspect"] = chosen[0].aspect

    def _date(self, r: Row, name: str, raw: Any, row: int | None = None) -> dt.date | None:
        """The date in a cell, or None with the problem reported at the cell."""
        day, code = parse_date(raw)
        if day is None:
            self.error(r.at(name, row), code, value=cell_text(raw))
        return day

    def _due(self, r: Row, row: int) -> tuple[Term | None, dt.date | None]:
        """(term named in the cell, date) of one row's 完成时限."""
        raw = r.raw("due", row)
        text = norm(cell_text(raw))
        term = next((t for w, t in TERM_WORDS.items() if w in text), None)
        if term is not None and not isinstance(raw, (dt.date, dt.datetime)):
            raw = find_date(text)
            if raw is None:
                return term, self.rnd.deadline
        return term, self._date(r, "due", raw, row)

    def _term_and_due(self, r: Row, fields: dict) -> None:
        term, due = self._due(r, r.row)
        if r.text("term"):
            named = TERM_WORDS.get(norm(r.text("term")))
            if named is None:
                self.error(r.at("term"), "excel.unknown_term", value=r.text("term"))
            term = named or term
        fields["term"] = (term or Term.time_limited).value
        fields["due"] = due

    def _measures(self, r: Row, fields: dict) -> None:
        measures: list[dict] = []
        leader = r.text("leader")
        department = r.text("department")
        seen_cells: set[tuple[int, int]] = set()
        for row in r.rows:
            cell = self.sheet.top(row, self.cols["measures"])
            if cell in seen_cells:
                continue
            seen_cells.add(cell)
            parsed = split_measures(r.text("measures", row))
            if not parsed:
                self.error(r.at("measures", row), "excel.no_measures", header=self.columns["measures"][0])
                continue
            names = split_names(r.text("owner", row))
            if not names and not leader:
                self.error(r.at("owner", row), "excel.empty_cell", header=self.columns["owner"][0])
                continue
            if not leader:
                leader = names[0]
                pool = names[1:] or names[:1]
            else:
                pool = names or [leader]
            owners = pool if len(pool) == len(parsed) else ["、".join(pool)] * len(parsed)
            due = self._due(r, row)[1] if row != r.row else fields["due"]
            for (mid, body), owner in zip(parsed, owners):
                measures.append({"id": mid, "text": body, "owner": owner, "due": due or fields["due"]})
        used = {m["id"] for m in measures if m["id"]}
        n = 0
        for m in measures:
            if not m["id"]:
                n += 1
                while f"M{n}" in used:
                    n += 1
                m["id"] = f"M{n}"
        fields["measures"] = measures
        fields["leader"] = leader
        fields["department"] = department or (measures[0]["owner"] if measures else leader)

    def _progress(self, r: Row, fields: dict, unit: str | None) -> None:
        text = r.text("progress")
        by = self.ws.ledger.units[unit].name if unit in self.ws.ledger.units else r.text("unit")
        reports: list[dict] = []
        loose: list[str] = []
        for line in (x.strip() for x in text.split("\n")):
            if not line:
                continue
            day, rest = leading_date(line)
            if day is not None:
                reports.append({"date": day, "by": by, "text": rest or line})
            elif reports:
                reports[-1]["text"] += line
            else:
                loose.append(line)
        reports.sort(key=lambda rep: rep["date"])
        fields["_done_day"] = reports[-1]["date"] if reports else None   # the last dated progress
        if loose:
            reports.append({"date": self.undated, "by": by, "text": "".join(loose)})
        fields["reports"] = reports

    def _status(self, r: Row, fields: dict) -> None:
        status_text = r.text("status")
        result_text = r.text("result")
        kind = None
        if status_text:
            kind = STATUS_WORDS.get(norm(status_text).lower())
            if kind is None:
                self.error(r.at("status"), "excel.unknown_status", value=status_text)
                return
            if kind == "withdrawn":
                self.error(r.at("status"), "excel.withdrawn")
                return
        result = result_kind(result_text)
        if result is None:
            self.error(r.at("result"), "excel.unknown_result", value=result_text)
            return
        kind = kind or result
        if kind == "in_progress" and result == "done":
            kind = "done"
        all_done = kind == "done" and result in ("done", "not_done", "in_progress")
        shown = result_text or status_text
        if result == "partly" and kind == "done":
            self.note(r.at("result"), "excel.partly_done", value=shown)
            all_done = False
        if all_done:
            day = fields["_done_day"]
            if day is None:
                self.note(r.at("result" if result_text else "status"), "excel.done_no_date", value=shown)
            else:
                for m in fields["measures"]:
                    m["done"] = day
                self.note(r.at("result" if result_text else "status"), "excel.downgraded", value=shown, date=day)
        if kind == "open":
            fields["status"] = Status.open.value
        elif kind == "not_done" and not fields["reports"]:
            fields["status"] = Status.open.value
        else:
            fields["status"] = Status.in_progress.value

    def _opened(self, r: Row) -> dt.date:
        if r.text("opened"):
            return self._date(r, "opened", r.raw("opened")) or self.opened
        return self.opened

"""Excel rows: the mapping step of the Excel import (``excel``) — one item's rows of a sheet (found
by ``office.layout``, read through ``office.cells`` and ``office.dates``) become the fields of an item
file, and what a sheet writes loosely is mapped onto what the ledger needs exactly:

- the unit from ``--unit``, the unit column (a name or id), the 填报单位 row or the title;
- the feedback problem from the 反馈问题 column by its id or its text (exact, then normalised, then
  contained; close texts are offered in the error), else the unit's only feedback problem;
- 整改措施 split into measures by their numbering (1. / （1） / （一） / ① / M1.), or one per line; on
  several rows of one merged problem, each row's measures have that row's owner, due, progress and
  completion;
- 责任人: without a 责任领导 column, the first name is the responsible leader and the others the
  measures' owners (the export writes them so);
- 整改进展 lines starting with a date become progress reports (undated text: one report dated
  ``--date``, by default today);
- 完成情况 conservatively: a new item may only start open or in progress (the gate's rule), so
  "已完成" comes in as in progress with its measures done on the row's last progress date (else the
  item's, else ``--date``, said in the report) — submission and verification are recorded afterwards;
- 备注 into the item's internal note;
- the export's own columns (反馈问题编号, 反馈问题单位, 问题性质, 标签, 问题完成时限, 交账核账记录, a
  progress line's 【reporter】) so that an export comes back whole; while the ledger's first commit is
  still to come (the gate lets that commit create items in any state) 状态 is taken as it stands,
  with the 交账核账 records that state needs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from site_builder.office.cells import (EXACT_STATUS, NAME_SEPARATORS, SCOPE_WORDS, STATUS_WORDS, TERM_WORDS, Row, Sheet, aspect_key, cell_text, find_date,
                          leading_date, norm, parse_date, result_kind, split_measures, split_names, split_problem,
                          strip_number)
from site_builder.office.dates import parse_due
from site_builder.office.context import Feedback, RoundContext, text_key
from site_builder.office.layout import Layout
from site_builder.office.records import RecordError, parse_records
from site_builder.ledger.models import ID_PATTERN, Status, Term
from site_builder.core.problems import Problem

class SheetReader:
    """The items of one sheet, with every problem and every skipped cell at its cell."""

    def __init__(self, sheet: Sheet, lay: Layout, columns: dict[str, tuple[str, ...]], ctx: RoundContext,
                 opened: dt.date, undated: dt.date, exact: bool = False):
        self.sheet, self.lay, self.columns, self.ctx = sheet, lay, columns, ctx
        self.opened, self.undated = opened, undated
        self.exact = exact      # 状态 as it stands: the ledger's first commit is still to come
        self.cols = lay.cols
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def error(self, where: str, code: str, **params) -> None:
        self.problems.append(Problem.at(where, None, code, **params))

    def note(self, where: str, code: str, **params) -> None:
        self.notes.append(Problem.at(where, None, code, severity="warning", **params))

    def header(self, name: str) -> str:
        col = self.cols.get(name)
        return self.lay.headers.get(col, self.columns[name][0]) if col else self.columns[name][0]

    # ------------------------------------------------------------ one item

    def read(self, rows: list[int], section: str | None) -> dict | None:
        r = Row(self.sheet, self.cols, rows)
        before = len(self.problems)
        for name in ("problem", "measures", "due"):
            if name in self.cols and not r.text(name):
                self.error(r.at(name), "excel.empty_cell", header=self.header(name))
        if len(self.problems) > before:
            return None
        fields: dict[str, Any] = {"round": self.ctx.id}
        self._identity(r, fields)
        unit = self.row_unit(r)
        if unit is None:
            return None
        fields["unit"] = unit
        self._problem(r, fields)
        self._feedback_and_aspect(r, fields, unit, section)
        self._measures(r, fields)
        self._progress(r, fields, unit)
        self._status(r, fields)
        if r.text("note"):
            fields["internal_note"] = r.text("note")
        self._scope_and_tags(r, fields)
        fields["opened"] = self._opened(r)
        fields["_row"] = r
        return fields if len(self.problems) == before else None

    def row_unit(self, r: Row) -> str | None:
        """The unit id of a row: --unit / 填报单位 / title first, else the unit column."""
        if self.lay.unit is not None and self.lay.unit_from == "option":
            value, where = self.lay.unit, r.at("problem")
        elif "unit" in self.cols and r.text("unit"):
            value, where = r.text("unit"), r.at("unit")
        elif self.lay.unit is not None:
            value, where = self.lay.unit, self.lay.unit_cell or r.at("problem")
        else:
            self.error(r.at("unit") if "unit" in self.cols else r.at("problem"), "excel.no_unit")
            return None
        unit = self.ctx.unit_id(value)
        if unit is None:
            names = [n for n in NAME_SEPARATORS.split(value) if n.strip()]
            if len(names) > 1 and all(self.ctx.unit_id(n) for n in names):
                self.error(where, "excel.several_units", count=len(names), value=value)
            else:
                self.error(where, "excel.unknown_unit", value=value)
            return None
        if unit not in self.ctx.round_units:
            self.error(where, "rule.unit_not_in_round", unit=unit, round=self.ctx.id)
            return None
        return unit

    def _identity(self, r: Row, fields: dict) -> None:
        value = r.text("id")
        if value:
            if not re.match(ID_PATTERN, value) or len(value) > 64:
                self.error(r.at("id"), "excel.bad_id", value=value)
            else:
                fields["id"] = value
        round_text = r.text("round")
        if round_text and round_text != self.ctx.id:
            self.error(r.at("round"), "excel.round_mismatch", value=round_text, round=self.ctx.id)

    def _problem(self, r: Row, fields: dict) -> None:
        title, problem = split_problem(r.text("problem"))
        if r.text("title"):
            title, problem = r.text("title"), strip_number(r.text("problem"))
        fields["title"], fields["problem"] = title, problem

    def _scope_and_tags(self, r: Row, fields: dict) -> None:
        if r.text("scope"):
            scope = SCOPE_WORDS.get(norm(r.text("scope")).lower())
            if scope is None:
                self.error(r.at("scope"), "excel.unknown_scope", value=r.text("scope"))
            fields["scope"] = scope
        if r.text("tags"):
            fields["tags"] = split_names(r.text("tags"))

    def _feedback_and_aspect(self, r: Row, fields: dict, unit: str, section: str | None) -> None:
        chosen: list[Feedback] = []
        if r.text("feedback_id"):
            by_id = {f.id: f for f in self.ctx.feedback}
            for part in split_names(r.text("feedback_id")):
                if part in by_id:
                    chosen.append(by_id[part])
                else:
                    self.error(r.at("feedback_id"), "excel.feedback_not_found", value=part[:40], round=self.ctx.id,
                               close="—")
        elif r.text("feedback"):
            cell = r.text("feedback")
            parts = split_names(cell) if all(re.match(ID_PATTERN, p) and len(p) <= 40 for p in split_names(cell)) \
                else [cell]
            for part in parts:
                found, close = self.ctx.match_feedback(part, unit)
                if found is None:
                    self.error(r.at("feedback"), "excel.feedback_not_found", value=part[:40], round=self.ctx.id,
                               close="；".join(close) or "—")
                else:
                    chosen.append(found)
        else:
            mine = [f for f in self.ctx.feedback if f.unit == unit]
            if len(mine) > 1:
                key = text_key(fields["problem"])
                matching = [f for f in mine if text_key(f.text) in key or key in text_key(f.text)]
                mine = matching if len(matching) == 1 else mine
            if not mine:
                self.error(r.at("problem"), "excel.no_feedback", unit=unit, round=self.ctx.id)
            elif len(mine) > 1:
                self.error(r.at("problem"), "excel.feedback_ambiguous", round=self.ctx.id, unit=unit,
                           count=len(mine), ids="、".join(f.id for f in mine))
            else:
                chosen = mine
        fields["feedback"] = list(dict.fromkeys(f.id for f in chosen))
        label = r.text("aspect") or section
        if label:
            aspect = self.ctx.aspects.get(aspect_key(label))
            if aspect is None:
                self.error(r.at("aspect") if r.text("aspect") else r.at("problem"), "rule.unknown_aspect",
                           aspect=label, round=self.ctx.id)
            fields["aspect"] = aspect
        elif chosen:
            fields["aspect"] = chosen[0].aspect

    def _due(self, r: Row, row: int) -> tuple[Term | None, dt.date | None]:
        raw = r.raw("due", row)
        if raw is None or cell_text(raw) == "":
            return None, None
        term, day, code = parse_due(raw, self.ctx.start, self.ctx.deadline)
        if day is None:
            self.error(r.at("due", row), code or "excel.bad_date", value=cell_text(raw))
        return term, day

    def _measures(self, r: Row, fields: dict) -> None:
        measures: list[dict] = []
        leader = r.text("leader")
        department = r.text("department")
        seen: set[tuple[int, int]] = set()
        terms: list[Term] = []
        if r.text("term"):
            named = TERM_WORDS.get(norm(r.text("term")))
            if named is None:
                self.error(r.at("term"), "excel.unknown_term", value=r.text("term"))
            else:
                terms.append(named)
        first_due: dt.date | None = None
        for row in r.rows:
            cell = self.sheet.top(row, self.cols["measures"])
            if cell in seen or not r.text("measures", row):
                continue
            seen.add(cell)
            parsed = split_measures(r.text("measures", row))
            if not parsed:
                self.error(r.at("measures", row), "excel.no_measures", header=self.header("measures"))
                continue
            names = split_names(r.text("owner", row))
            if not names and not leader:
                self.error(r.at("owner", row), "excel.empty_cell", header=self.header("owner"))
                continue
            if not leader:
                leader = names[0]
                pool = names[1:] or names[:1]
            else:
                pool = names or [r.text("department", row) or leader]
            owners = pool if len(pool) == len(parsed) else ["、".join(pool)] * len(parsed)
            term, due = self._due(r, row)
            if term is not None:
                terms.append(term)
            due = due or first_due
            if due is None:
                self.error(r.at("due", row), "excel.empty_cell", header=self.header("due"))
                continue
            first_due = first_due or due
            for (mid, body), owner in zip(parsed, owners):
                measures.append({"id": mid, "text": body, "owner": owner, "due": due, "_row": row})
            department = department or r.text("department", row)
        used = {m["id"] for m in measures if m["id"]}
        n = 0
        for m in measures:
            if not m["id"]:
                n += 1
                while f"M{n}" in used:
                    n += 1
                m["id"] = f"M{n}"
        fields["measures"] = measures
        fields["term"] = (terms[0] if terms else Term.time_limited).value
        fields["due"] = max((m["due"] for m in measures), default=None)
        if r.text("item_due"):
            day, code = parse_date(r.raw("item_due"))
            if day is None:
                self.error(r.at("item_due"), code, value=r.text("item_due"))
            fields["due"] = day or fields["due"]
        fields["leader"] = leader
        fields["department"] = department or (measures[0]["owner"] if measures else leader)

    def _progress(self, r: Row, fields: dict, unit: str) -> None:
        by = self.ctx.unit_names.get(unit, unit)
        reports: list[dict] = []
        loose: list[str] = []
        last: dict[int, dt.date] = {}
        seen: set[tuple[int, int]] = set()
        for row in r.rows:
            if "progress" not in self.cols:
                break
            cell = self.sheet.top(row, self.cols["progress"])
            if cell in seen:
                continue
            seen.add(cell)
            mine: list[dict] = []
            for line in (x.strip() for x in r.text("progress", row).split("\n")):
                if not line:
                    continue
                day, rest = leading_date(line)
                if day is not None:
                    who = by
                    m = re.match(r"^【([^】]+)】", rest)
                    if m:
                        who, rest = m.group(1), rest[m.end():]
                    mine.append({"date": day, "by": who, "text": rest or line})
                elif mine:
                    mine[-1]["text"] += line
                else:
                    loose.append(line)
            if mine:
                last[row] = max(rep["date"] for rep in mine)
            reports += mine
        reports.sort(key=lambda rep: rep["date"])
        fields["_last"] = last
        fields["_done_day"] = reports[-1]["date"] if reports else None
        if loose:
            reports.append({"date": self.undated, "by": by, "text": "".join(loose)})
        fields["reports"] = reports

    def _status(self, r: Row, fields: dict) -> None:
        fields["_measure_rows"] = [m["_row"] for m in fields["measures"]]
        exact = EXACT_STATUS.get(norm(r.text("status")).lower()) if r.text("status") else None
        # a county's own 状态 column without the records a state needs comes in as before (downgraded)
        if self.exact and exact and "records" in self.cols:
            self._exact_status(r, fields, exact)
            return
        if r.text("records"):
            self.note(r.at("records"), "excel.records_skipped")
        status_kind = None
        if r.text("status"):
            status_kind = STATUS_WORDS.get(norm(r.text("status")).lower())
            if status_kind is None:
                self.error(r.at("status"), "excel.unknown_status", value=r.text("status"))
                return
            if status_kind == "withdrawn":
                self.error(r.at("status"), "excel.withdrawn")
                return
        kinds: dict[int, str] = {}
        for row in r.rows:
            kind = result_kind(r.text("result", row))
            if kind is None:
                self.error(r.at("result", row), "excel.unknown_result", value=r.text("result", row))
                return
            kinds[row] = kind
        any_done = False
        for m in fields["measures"]:
            row = m.pop("_row")
            kind = kinds.get(row, "not_done")
            if status_kind == "done":
                kind = "done"
            if kind == "partly":
                self.note(r.at("result", row), "excel.partly_done", value=r.text("result", row))
            if kind != "done":
                continue
            day = fields["_last"].get(row) or fields["_done_day"]
            written = find_date(r.text("result", row))
            if written:
                day = parse_date(written)[0] or day
            if day is None:
                day = self.undated
                fields.setdefault("_assumed", set()).add(m["id"])
                self.note(r.at("result", row), "excel.done_assumed", value=r.text("result", row) or r.text("status"),
                          date=day)
            m["done"] = day
            any_done = True
        if any_done and all(m.get("done") for m in fields["measures"]):
            self.note(r.at("result") if r.text("result") else r.at("problem"), "excel.downgraded",
                      value=r.text("result") or r.text("status"), date=max(m["done"] for m in fields["measures"]))
        started = any_done or fields["reports"] or status_kind in ("in_progress", "done") or \
            any(k in ("in_progress", "partly") for k in kinds.values())
        fields["status"] = (Status.in_progress if started else Status.open).value
        for key in ("_last", "_done_day"):
            fields.pop(key, None)

    def _exact_status(self, r: Row, fields: dict, status: str) -> None:
        """状态 as written, measures done on the dates their 完成情况 cells give, the records it needs."""
        for m in fields["measures"]:
            row = m.pop("_row")
            kind = result_kind(r.text("result", row))
            if kind is None:
                self.error(r.at("result", row), "excel.unknown_result", value=r.text("result", row))
                continue
            if kind == "done":
                written = find_date(r.text("result", row))
                day = (parse_date(written)[0] if written else None) or fields["_last"].get(row) or fields["_done_day"]
                if day is None:
                    day = self.undated
                    fields.setdefault("_assumed", set()).add(m["id"])
                    self.note(r.at("result", row), "excel.done_assumed", value=r.text("result", row), date=day)
                m["done"] = day
        if r.text("records"):
            try:
                fields.update(parse_records(r.text("records")))
            except RecordError as exc:
                self.error(r.at("records"), "excel.bad_record", **exc.params)
        fields["status"] = status
        for key in ("_last", "_done_day"):
            fields.pop(key, None)

    def _opened(self, r: Row) -> dt.date:
        if r.text("opened"):
            day, code = parse_date(r.raw("opened"))
            if day is None:
                self.error(r.at("opened"), code, value=r.text("opened"))
            return day or self.opened
        return self.opened

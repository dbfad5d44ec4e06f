"""Excel import: a county's rectification ledger sheet (整改台账) in, item files out.

Counties keep their ledgers in Excel today, one row per problem: 序号, 问题, 整改措施, 责任单位,
责任人, 完成时限, 整改进展, 完成情况 (names configurable with ``--columns``). ``import_workbook``
turns each row into an item of one round and maps what a sheet writes loosely onto what the
ledger needs exactly:

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

Every cell that cannot be mapped is reported as ``FILE.xlsx:<sheet>!<cell>: message``; the new
ledger is then validated as a whole. Nothing is written unless no error remains (all files are
collected first and written together).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .edit import Workspace, dump, item_document, next_item_id
from .messages import translate
from .models import ID_PATTERN, Round, Status, Term
from .problems import Problem

#: field → header names recognised by default (Chinese first; the export's English headers too)
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "No."),
    "id": ("问题编号", "编号", "Id"),
    "round": ("轮次", "Round"),
    "aspect": ("方面", "问题类别", "Aspect"),
    "feedback": ("反馈问题", "反馈问题编号", "Feedback"),
    "unit": ("责任单位", "被巡察单位", "Responsible unit"),
    "title": ("问题标题", "标题", "Title"),
    "problem": ("问题", "存在问题", "问题描述", "反馈问题具体表现", "Problem"),
    "measures": ("整改措施", "Measures"),
    "leader": ("责任领导", "Leader"),
    "owner": ("责任人", "Responsible"),
    "department": ("责任股室", "牵头股室", "Department"),
    "term": ("整改类型", "时限类型", "Term"),
    "due": ("完成时限", "整改时限", "Due"),
    "opened": ("建账日期", "Opened"),
    "progress": ("整改进展", "进展情况", "Progress"),
    "result": ("完成情况", "Result"),
    "status": ("状态", "Status"),
}
REQUIRED = ("problem", "measures", "unit", "owner", "due")
HEADER_ROWS = 10

_SPACE = re.compile(r"[\s\u3000]+")
_SPLIT_NAMES = re.compile(r"[、，,；;/\n]+")
_DATE_FULL = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_DATE_MONTH_END = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:底|末)")
_DATE_SUFFIX = re.compile(r"(?:之前|以前|前|完成)$")
_MEASURE_ID = re.compile(r"^(M\d+)\s*[.．、:：]\s*")
_NUMBERED = re.compile(r"^(?:\d{1,2}\s*[.．、)）](?!\d)|[（(]\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十]+是)\s*")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,3}\s*[.．、](?!\d)|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)\s*")
_ASPECT_SUFFIX = re.compile(r"(?:方面)?(?:的)?(?:问题)?$")

#: 完成情况 → kind, most specific words first ("基本完成" is not done, "未完成" is not done)
RESULT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("open", ("未启动", "未开始", "尚未启动", "尚未开始")),
    ("not_done", ("未完成", "未整改", "尚未完成")),
    ("in_progress", ("整改中", "正在整改", "推进中", "正在推进", "持续整改", "持续推进", "长期坚持", "部分完成",
                     "基本完成", "阶段性完成", "in progress")),
    ("done", ("已完成", "已整改", "完成整改", "整改完成", "已整改到位", "已办结", "已销号", "已落实", "已完成整改", "完成", "done")),
)
#: 状态 (the export's own column) → kind
STATUS_WORDS = {"已建账": "open", "open": "open", "整改中": "in_progress", "in progress": "in_progress",
                "已交账": "done", "submitted": "done", "已核账": "done", "verified": "done", "已销号": "done",
                "cleared": "done", "已撤销": "withdrawn", "withdrawn": "withdrawn"}
_MEASURES_DONE = re.compile(r"^(?:措施完成|measures done)\s*(\d+)\s*/\s*(\d+)$")
TERM_WORDS = {"立行立改": Term.immediate, "限期整改": Term.time_limited, "长期坚持": Term.long_term,
              "immediate": Term.immediate, "time-limited": Term.time_limited, "long-term": Term.long_term}


class ColumnsError(ValueError):
    def __init__(self, value: str):
        super().__init__(value)
        self.params = {"value": value, "fields": ", ".join(COLUMNS)}


def parse_columns(spec: str | None) -> dict[str, tuple[str, ...]]:
    """``'problem=问题,measures=整改措施'`` → the column table with those headers replaced."""
    columns = dict(COLUMNS)
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        name, header = name.strip(), _norm(header)
        if not sep or name not in COLUMNS or not header:
            raise ColumnsError(part.strip())
        columns[name] = (header,)
    return columns


def _norm(value: Any) -> str:
    return _SPACE.sub("", str(value)) if value is not None else ""


def _text(value: Any) -> str:
    """A cell as text: stripped, Windows line ends unified, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class ImportResult:
    items: list[str] = field(default_factory=list)       # ids written, in sheet order
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)   # warnings: written anyway


class _Sheet:
    """A worksheet with merged cells filled in (a merged 责任单位 counts for every row it spans)."""

    def __init__(self, ws, display: str):
        self.ws = ws
        self.display = display
        self.name = ws.title
        self.values: dict[tuple[int, int], Any] = {}
        self.merged_top: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            top = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    self.values[(r, c)] = top
                    self.merged_top[(r, c)] = (rng.min_row, rng.min_col)

    def value(self, row: int, col: int | None) -> Any:
        if col is None:
            return None
        if (row, col) in self.values:
            return self.values[(row, col)]
        return self.ws.cell(row, col).value

    def top(self, row: int, col: int) -> tuple[int, int]:
        return self.merged_top.get((row, col), (row, col))

    def where(self, row: int, col: int | None) -> str:
        return f"{self.display}:{self.name}!{get_column_letter(col or 1)}{row}"


class _Row:
    """One item being read from one or more rows (rows whose 问题 cell is merged together)."""

    def __init__(self, sheet: _Sheet, cols: dict[str, int], rows: list[int]):
        self.sheet, self.cols, self.rows = sheet, cols, rows
        self.row = rows[0]

    def raw(self, name: str, row: int | None = None) -> Any:
        return self.sheet.value(row or self.row, self.cols.get(name))

    def text(self, name: str, row: int | None = None) -> str:
        return _text(self.raw(name, row))

    def at(self, name: str, row: int | None = None) -> str:
        return self.sheet.where(row or self.row, self.cols.get(name) or self.cols.get("problem"))


def parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    """(date, None) or (None, message code)."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = _norm(_text(value))
    text = _DATE_SUFFIX.sub("", text)
    m = _DATE_MONTH_END.fullmatch(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return None, "excel.date_impossible"
        return dt.date(year, month, calendar.monthrange(year, month)[1]), None
    m = _DATE_FULL.fullmatch(text)
    if not m:
        return None, "excel.bad_date"
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
    except ValueError:
        return None, "excel.date_impossible"


def _leading_date(line: str) -> tuple[dt.date | None, str]:
    """A progress line's own date, if it starts with one: (date, the rest)."""
    m = _DATE_FULL.match(line) or _DATE_MONTH_END.match(line)
    if not m:
        return None, line
    day, _ = parse_date(m.group(0))
    if day is None:
        return None, line
    return day, line[m.end():].lstrip(" ：:，,、　")


def split_measures(text: str) -> list[tuple[str | None, str]]:
    """(explicit id or None, text) of each measure in a 整改措施 cell."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    marked = any(_MEASURE_ID.match(line) or _NUMBERED.match(line) for line in lines)
    out: list[tuple[str | None, str]] = []
    for line in lines:
        m_id, m_num = _MEASURE_ID.match(line), _NUMBERED.match(line)
        if m_id:
            out.append((m_id.group(1), line[m_id.end():]))
        elif m_num:
            out.append((None, line[m_num.end():]))
        elif marked and out:
            out[-1] = (out[-1][0], out[-1][1] + line)
        else:
            out.append((None, line))
    return [(mid, body.strip().rstrip("；;")) for mid, body in out if body.strip().rstrip("；;")]


def split_problem(text: str) -> tuple[str, str]:
    """(title, problem) from a 问题 cell: "标题：描述" as the export writes it, else the first clause."""
    text = _LEADING_NUMBER.sub("", text.strip())
    head, sep, rest = text.partition("：")
    if sep and head and rest.strip() and len(head) <= 40:
        return head.strip(), rest.strip()
    clause = re.split(r"[，。；,;]", text, maxsplit=1)[0].strip()
    title = clause if len(clause) <= 40 else clause[:30] + "…"
    return title, text


def _result_kind(value: str) -> str | None:
    v = _norm(value).lower()
    if not v:
        return "not_done"
    m = _MEASURES_DONE.match(_text(value).lower())
    if m:
        done, total = int(m.group(1)), int(m.group(2))
        return "done" if done == total and total else ("not_done" if done == 0 else "partly")
    for kind, words in RESULT_WORDS:
        if any(w in v for w in words):
            return kind
    return None


class _Importer:
    def __init__(self, ws: Workspace, sheet: _Sheet, rnd: Round, columns: dict[str, tuple[str, ...]],
                 opened: dt.date | None, undated: dt.date | None):
        self.ws, self.sheet, self.rnd, self.columns = ws, sheet, rnd, columns
        self.opened = opened or rnd.feedback_date
        self.undated = undated or ws.today
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.cols: dict[str, int] = {}
        self.units_by_name = {_norm(u.name): u.id for u in ws.ledger.units.values()}
        self.aspects = {self._aspect_key(a): a for a in rnd.aspects}

    def error(self, where: str, code: str, **params) -> None:
        self.problems.append(Problem.at(where, None, code, **params))

    def note(self, where: str, code: str, **params) -> None:
        self.notes.append(Problem.at(where, None, code, severity="warning", **params))

    @staticmethod
    def _aspect_key(text: str) -> str:
        return _ASPECT_SUFFIX.sub("", _LEADING_NUMBER.sub("", _norm(text)))

    # ------------------------------------------------------------ header

    def find_header(self) -> int | None:
        ws = self.sheet.ws
        for row in range(1, min(ws.max_row, HEADER_ROWS) + 1):
            cells = {_norm(self.sheet.value(row, c)): c for c in range(ws.max_column, 0, -1)}
            found = {}
            for name, headers in self.columns.items():
                col = next((cells[h] for h in map(_norm, headers) if h in cells), None)
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
        r = _Row(self.sheet, self.cols, rows)
        filled = {name: r.text(name) for name in self.cols if r.text(name)}
        if not filled:
            return None, current_aspect
        if len(set(filled.values())) == 1:     # one text only (or one merged across): a label, not an item
            name = min(filled, key=lambda n: self.cols[n])
            label = filled[name]
            aspect = self.aspects.get(self._aspect_key(label))
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

    def _identity(self, r: _Row, fields: dict) -> None:
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

    def _unit(self, r: _Row, fields: dict) -> str | None:
        value = r.text("unit")
        unit = self._unit_id(value)
        if unit is None:
            names = [n for n in _SPLIT_NAMES.split(value) if n.strip()]
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
        return self.units_by_name.get(_norm(value))

    def _problem(self, r: _Row, fields: dict) -> None:
        title, problem = split_problem(r.text("problem"))
        if r.text("title"):
            title, problem = r.text("title"), _LEADING_NUMBER.sub("", r.text("problem"))
        fields["title"], fields["problem"] = title, problem

    def _feedback_and_aspect(self, r: _Row, fields: dict, unit: str | None, current_aspect: str | None) -> None:
        known = {f.id: f for f in self.rnd.feedback}
        chosen = []
        if r.text("feedback"):
            for fid in (x.strip() for x in _SPLIT_NAMES.split(r.text("feedback")) if x.strip()):
                if fid not in known:
                    self.error(r.at("feedback"), "rule.unknown_feedback", feedback=fid, round=self.rnd.id)
                else:
                    chosen.append(known[fid])
        elif unit is not None:
            mine = [f for f in self.rnd.feedback if f.unit == unit]
            if len(mine) > 1:
                text = _norm(fields["problem"])
                matching = [f for f in mine if _norm(f.text) in text or text in _norm(f.text)]
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
            aspect = self.aspects.get(self._aspect_key(r.text("aspect")))
            if aspect is None:
                self.error(r.at("aspect"), "rule.unknown_aspect", aspect=r.text("aspect"), round=self.rnd.id)
            fields["aspect"] = aspect
        elif current_aspect is not None:
            fields["aspect"] = current_aspect
        elif chosen:
            fields["aspect"] = chosen[0].aspect

    def _due(self, r: _Row, row: int) -> tuple[Term | None, dt.date | None, bool]:
        """(term named in the cell, date, ok) of one row's 完成时限."""
        raw = r.raw("due", row)
        text = _norm(_text(raw))
        term = next((t for w, t in TERM_WORDS.items() if w in text), None)
        if term is not None and not isinstance(raw, (dt.date, dt.datetime)):
            m = _DATE_FULL.search(text) or _DATE_MONTH_END.search(text)
            if not m:
                return term, self.rnd.deadline, True
            raw = m.group(0)
        day, code = parse_date(raw)
        if day is None:
            self.error(r.at("due", row), code, value=_text(raw))
            return term, None, False
        return term, day, True

    def _term_and_due(self, r: _Row, fields: dict) -> None:
        term, due, _ = self._due(r, r.row)
        if r.text("term"):
            named = TERM_WORDS.get(_norm(r.text("term")))
            if named is None:
                self.error(r.at("term"), "excel.unknown_term", value=r.text("term"))
            term = named or term
        fields["term"] = (term or Term.time_limited).value
        fields["due"] = due

    def _measures(self, r: _Row, fields: dict) -> None:
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
            names = [n.strip() for n in _SPLIT_NAMES.split(r.text("owner", row)) if n.strip()]
            if not names and not leader:
                self.error(r.at("owner", row), "excel.empty_cell", header=self.columns["owner"][0])
                continue
            if not leader:
                leader = names[0]
                pool = names[1:] or names[:1]
            else:
                pool = names or [leader]
            owners = pool if len(pool) == len(parsed) else ["、".join(pool)] * len(parsed)
            _, due, _ = self._due(r, row) if row != r.row else (None, fields["due"], True)
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

    def _progress(self, r: _Row, fields: dict, unit: str | None) -> None:
        text = r.text("progress")
        by = self.ws.ledger.units[unit].name if unit in self.ws.ledger.units else r.text("unit")
        reports: list[dict] = []
        loose: list[str] = []
        for line in (x.strip() for x in text.split("\n")):
            if not line:
                continue
            day, rest = _leading_date(line)
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

    def _status(self, r: _Row, fields: dict) -> None:
        status_text = r.text("status")
        result_text = r.text("result")
        kind = None
        if status_text:
            kind = STATUS_WORDS.get(_norm(status_text).lower())
            if kind is None:
                self.error(r.at("status"), "excel.unknown_status", value=status_text)
                return
            if kind == "withdrawn":
                self.error(r.at("status"), "excel.withdrawn")
                return
        result = _result_kind(result_text)
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

    def _opened(self, r: _Row) -> dt.date:
        if r.text("opened"):
            day, code = parse_date(r.raw("opened"))
            if day is None:
                self.error(r.at("opened"), code, value=r.text("opened"))
                return self.opened
            return day
        return self.opened


#: a top-level field of an item file → the column a problem with it is shown at
_FIELD_COLUMN = {"id": "id", "round": "round", "feedback": "feedback", "unit": "unit", "aspect": "aspect",
                 "title": "problem", "problem": "problem", "term": "due", "opened": "opened", "due": "due",
                 "leader": "owner", "department": "owner", "measures": "measures", "status": "result",
                 "reports": "progress"}
_TOP_KEY = re.compile(r"^([a-z_]+):")


def _cell_of(problem: Problem, text: str, row: _Row) -> str:
    """The sheet cell that a problem found in a generated item file comes from."""
    key = None
    for line in reversed(text.split("\n")[:max(problem.line, 1)]):
        m = _TOP_KEY.match(line)
        if m:
            key = m.group(1)
            break
    column = _FIELD_COLUMN.get(key or "", "problem")
    for candidate in (column, {"feedback": "problem", "aspect": "problem", "opened": "problem", "status": "status",
                               "id": "seq", "round": "seq", "reports": "progress"}.get(column, "problem"), "problem"):
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
    data = _Sheet(wb[sheet] if sheet else wb.worksheets[0], display)
    importer = _Importer(ws, data, rnd, columns or COLUMNS, opened, undated)
    header = importer.find_header()
    rows: list[dict] = []
    if header is not None and not importer.problems:
        aspect = None
        for group in importer.groups(header):
            fields, aspect = importer.read(group, aspect)
            if fields is not None:
                rows.append(fields)
    result.notes = importer.notes
    # ids: those the sheet gives, then the next free ones of the round
    given: dict[str, str] = {}
    for fields in rows:
        if "id" in fields:
            if fields["id"] in given:
                importer.error(fields["_row"].at("id"), "excel.id_twice", value=fields["id"], cell=given[fields["id"]])
            given.setdefault(fields["id"], fields["_row"].at("id"))
    result.problems = sorted(importer.problems, key=_sheet_order)
    if result.problems:
        return result
    files: dict[str, str] = {}
    where: dict[str, _Row] = {}
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

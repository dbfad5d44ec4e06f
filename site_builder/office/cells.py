"""Excel cells: the reading step under the Excel import (``excel``) — the headers a sheet's columns
may carry, a worksheet with its merged cells filled in, and the parsing of one cell: dates written
as dates or as text, measures split by their numbering, a problem's title, the words of 完成情况,
状态 and 整改类型. Nothing here knows the ledger; ``office.rows`` maps the parsed cells onto it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from openpyxl.utils import get_column_letter

from site_builder.ledger.models import Term

#: field → header names recognised by default (Chinese first; the export's English headers too). The
#: guide's table of header synonyms (docs/import.md) lists the same names; a test keeps them equal.
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "No."),
    "id": ("问题编号", "编号", "Id"),
    "round": ("轮次", "Round"),
    "aspect": ("方面", "问题类别", "问题类型", "问题方面", "Aspect"),
    "feedback_id": ("反馈问题编号", "Feedback id"),
    "feedback": ("反馈问题", "反馈意见", "巡察反馈问题", "Feedback"),
    "feedback_unit": ("反馈问题单位", "Feedback unit"),
    "unit": ("被巡察单位", "被巡察党组织", "责任单位", "单位", "单位名称", "Responsible unit"),
    "title": ("问题标题", "标题", "Title"),
    "scope": ("问题性质", "Scope"),
    "tags": ("标签", "Tags"),
    "problem": ("问题", "存在问题", "问题描述", "具体问题", "问题表现", "问题具体表现", "反馈问题具体表现",
                "存在的具体问题", "问题清单", "Problem"),
    "measures": ("整改措施", "具体整改措施", "整改举措", "Measures"),
    "leader": ("责任领导", "分管领导", "牵头领导", "Leader"),
    "owner": ("责任人", "具体责任人", "经办人", "Responsible"),
    "department": ("责任股室", "牵头股室", "责任部门", "责任科室", "责任处室", "牵头部门", "Department"),
    "term": ("整改类型", "时限类型", "Term"),
    "due": ("完成时限", "整改时限", "整改期限", "完成时间", "时限要求", "Due"),
    "opened": ("建账日期", "Opened"),
    "item_due": ("问题完成时限", "Item due"),
    "progress": ("整改进展", "进展情况", "整改进展情况", "整改进度", "整改情况", "推进情况", "Progress"),
    "result": ("完成情况", "整改状态", "完成状态", "是否完成", "整改结果", "Result"),
    "status": ("状态", "Status"),
    "records": ("交账核账记录", "Records"),
    "note": ("备注", "Note"),
}
#: headers that name the responsible office, not the inspected unit, in a unit's own ledger
#: (when --unit or a 填报单位 row names the unit)
OWN_LEDGER_DEPARTMENT = ("责任单位", "责任部门")
REQUIRED = ("problem", "measures", "owner", "due")
HEADER_ROWS = 10

_SPACE = re.compile(r"[\s\u3000]+")
NAME_SEPARATORS = re.compile(r"[、，,；;/\n]+")
_DATE_FULL = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_DATE_MONTH_END = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:底|末)")
_DATE_SUFFIX = re.compile(r"(?:之前|以前|前|完成|完成整改|整改到位|到位|结束)+$")
_MEASURE_ID = re.compile(r"^(M\d+)\s*[.．、:：]\s*")
_NUMBERED = re.compile(r"^(?:\d{1,2}\s*[.．、)）](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）]|[①-⑳]|[一二三四五六七八九十]+是)\s*")
#: where measures written on one line begin: after ；/。 before a number, or before ②…⑳
_INLINE_MEASURE = re.compile(r"(?<=[；;。])\s*(?=\d{1,2}[.．、](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）]|[①-⑳])|(?<=.)(?=[②-⑳])")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,3}\s*[.．、](?!\d)|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、)\s*")
_ASPECT_SUFFIX = re.compile(r"(?:方面)?(?:存在)?(?:的)?(?:突出|主要)?(?:问题)?$")

#: 完成情况 → kind, most specific words first ("基本完成" is not done, "未完成" is not done)
RESULT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("open", ("未启动", "未开始", "尚未启动", "尚未开始")),
    ("not_done", ("未完成", "未整改", "尚未完成")),
    ("in_progress", ("整改中", "正在整改", "推进中", "正在推进", "持续整改", "持续推进", "长期坚持", "部分完成",
                     "基本完成", "阶段性完成", "in progress")),
    ("done", ("已完成", "已整改", "完成整改", "整改完成", "已整改到位", "已办结", "已销号", "已落实", "已完成整改", "完成", "done")),
)
#: 状态 (the export's own column) → kind
#: 状态 → the exact state, read as such when the ledger's first commit is still to come
EXACT_STATUS = {"已建账": "open", "整改中": "in_progress", "已交账": "submitted", "已核账": "verified", "已销号": "cleared",
                "已撤销": "withdrawn", "open": "open", "in_progress": "in_progress", "in progress": "in_progress",
                "submitted": "submitted", "verified": "verified", "cleared": "cleared", "withdrawn": "withdrawn"}
SCOPE_WORDS = {"个性问题": "individual", "个性": "individual", "共性问题": "common", "共性": "common",
               "individual": "individual", "common": "common"}
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


def parse_columns(spec: str | None) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """``'problem=问题,measures=整改措施'`` → (the column table with those headers replaced, the fields named)."""
    columns = dict(COLUMNS)
    named: list[str] = []
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        name, header = name.strip(), norm(header)
        if not sep or name not in COLUMNS or not header:
            raise ColumnsError(part.strip())
        columns[name] = (header,)
        named.append(name)
        for other in COLUMNS:   # a header given to one field is no other field's any more
            if other != name and header in map(norm, columns[other]):
                columns[other] = tuple(h for h in columns[other] if norm(h) != header)
    return columns, tuple(named)


def norm(value: Any) -> str:
    """A cell without any white space (full-width too), as headers and names are compared."""
    return _SPACE.sub("", str(value)) if value is not None else ""


def cell_text(value: Any) -> str:
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


class Sheet:
    """A sheet (an ``excel_book.Grid``) with merged cells filled in (a merged 责任单位 counts for every row it spans)."""

    def __init__(self, grid, display: str):
        self.ws = grid
        self.display = display
        self.name = grid.title
        self.values: dict[tuple[int, int], Any] = {}
        self.merged_top: dict[tuple[int, int], tuple[int, int]] = {}
        for r0, c0, r1, c1 in grid.merges:
            top = grid.value(r0, c0)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.values[(r, c)] = top
                    self.merged_top[(r, c)] = (r0, c0)

    def value(self, row: int, col: int | None) -> Any:
        if col is None:
            return None
        if (row, col) in self.values:
            return self.values[(row, col)]
        return self.ws.value(row, col)

    def top(self, row: int, col: int) -> tuple[int, int]:
        return self.merged_top.get((row, col), (row, col))

    def where(self, row: int, col: int | None) -> str:
        return f"{self.display}:{self.name}!{get_column_letter(col or 1)}{row}"


class Row:
    """One item being read from one or more rows (rows whose 问题 cell is merged together)."""

    def __init__(self, sheet: Sheet, cols: dict[str, int], rows: list[int]):
        self.sheet, self.cols, self.rows = sheet, cols, rows
        self.row = rows[0]

    def raw(self, name: str, row: int | None = None) -> Any:
        return self.sheet.value(row or self.row, self.cols.get(name))

    def text(self, name: str, row: int | None = None) -> str:
        return cell_text(self.raw(name, row))

    def at(self, name: str, row: int | None = None) -> str:
        return self.sheet.where(row or self.row, self.cols.get(name) or self.cols.get("problem"))


def parse_date(value: Any) -> tuple[dt.date | None, str | None]:
    """(date, None) or (None, message code)."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = norm(cell_text(value))
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


def find_date(text: str) -> str | None:
    """The first date written anywhere in a text (as in "长期坚持，2023年12月底前完成"), or None."""
    m = _DATE_FULL.search(text) or _DATE_MONTH_END.search(text)
    return m.group(0) if m else None


def leading_date(line: str) -> tuple[dt.date | None, str]:
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
    text = _INLINE_MEASURE.sub("\n", text)
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
    return [(mid, body.strip().rstrip("；;。")) for mid, body in out if body.strip().rstrip("；;。")]


def split_names(text: str) -> list[str]:
    """The names in a cell that lists several (责任人, 反馈问题)."""
    return [n.strip() for n in NAME_SEPARATORS.split(text) if n.strip()]


def strip_number(text: str) -> str:
    """A cell's text without the list numbering it starts with (1. / （一） / 一、)."""
    return _LEADING_NUMBER.sub("", text)


def aspect_key(text: str) -> str:
    """An aspect's name as a sheet and a round file both write it: "一、资金项目管理方面的问题" and
    "资金项目管理" are the same aspect."""
    return _ASPECT_SUFFIX.sub("", strip_number(norm(text)))


def split_problem(text: str) -> tuple[str, str]:
    """(title, problem) from a 问题 cell: "标题：描述" as the export writes it, else the first clause."""
    text = strip_number(text.strip())
    head, sep, rest = text.partition("：")
    if sep and head and rest.strip() and len(head) <= 40:
        return head.strip(), rest.strip()
    clause = re.split(r"[，。；,;]", text, maxsplit=1)[0].strip()
    title = clause if len(clause) <= 40 else clause[:30] + "…"
    return title, text


def result_kind(value: str) -> str | None:
    """What a 完成情况 cell says (open, not_done, in_progress, partly, done); None for unknown words."""
    v = norm(value).lower()
    if not v:
        return "not_done"
    m = _MEASURES_DONE.match(cell_text(value).lower())
    if m:
        done, total = int(m.group(1)), int(m.group(2))
        return "done" if done == total and total else ("not_done" if done == 0 else "partly")
    for kind, words in RESULT_WORDS:
        if any(w in v for w in words):
            return kind
    return None


def sheet_order(p) -> tuple:
    """Problems of a sheet top to bottom, left to right ("A10" after "A9")."""
    m = re.search(r"^(.*)!([A-Z]+)(\d+)$", p.file)
    if not m:
        return (p.file, 0, 0)
    col = 0
    for ch in m.group(2):
        col = col * 26 + ord(ch) - 64
    return (m.group(1), int(m.group(3)), col)

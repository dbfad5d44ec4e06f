"""Excel dates: the reading step of the Excel import (``excel``) for a 完成时限 cell — the dates
counties write, many without a year, turned into a term and a due date with the round's own dates.

The rules (the guide's table in docs/import.md repeats them):

- a date cell, 2023-10-31, 2023年10月31日, 2023.10.31, 2023/10/31 → that day;
- 2023年10月底(前)、2023年10月末 → the last day of that month; 2023年底(前)、2023年末 → 31 December;
- 10月31日(前) → that day in the first year in which it is not before the round's feedback date;
- 10月底(前) → the last day of that month, same year rule; 月底前 alone → the end of the feedback month;
- 年底前、年内、年末 → 31 December of the feedback date's year (counties mean "this year");
- 第三季度、三季度(末/底/前) → the quarter's last day, same year rule; 上半年 → 30 June, 下半年 → 31 December;
- 立行立改 → term immediate; 长期坚持、持续推进、常态化、长期 → term long-term; the due date is then
  the date written with it, else the round's deadline;
- a trailing 前 / 之前 / 完成 / 前完成 is ignored.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from site_builder.office.cells import cell_text, norm, parse_date
from site_builder.ledger.models import Term

TERM_WORDS: tuple[tuple[str, Term], ...] = (
    ("立行立改", Term.immediate), ("立即整改", Term.immediate), ("限期整改", Term.time_limited),
    ("长期坚持", Term.long_term), ("持续推进", Term.long_term), ("持续整改", Term.long_term),
    ("常态化", Term.long_term), ("长期", Term.long_term),
)
_SUFFIX = re.compile(r"(?:之前|以前|前|完成|整改到位|到位|结束)+$")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = r"(?:(\d{4})年)?"
_MONTH_DAY = re.compile(_YEAR + r"(\d{1,2})月(\d{1,2})[日号]?")
_MONTH_END = re.compile(_YEAR + r"(\d{1,2})月(?:底|末|份)")
_YEAR_END = re.compile(r"(?:(\d{4})年|本年|今年|年)(?:底|末|内)")
_QUARTER = re.compile(_YEAR + r"第?([一二三四1-4])季度(?:末|底)?")
_HALF = re.compile(_YEAR + r"(上|下)半年")
_THIS_MONTH = re.compile(r"(?:本月|当月|月)(?:底|末)")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _on_or_after(start: dt.date, make) -> dt.date:
    """The day ``make(year)`` for the first year from the feedback date's on which it is not earlier."""
    day = make(start.year)
    return day if day >= start else make(start.year + 1)


def _relative(text: str, start: dt.date) -> tuple[dt.date | None, str | None]:
    """A date written without its year (or as a period), placed by the round's feedback date."""
    m = _MONTH_DAY.fullmatch(text)
    if m:
        month, day = int(m.group(2)), int(m.group(3))
        try:
            if m.group(1):
                return dt.date(int(m.group(1)), month, day), None
            dt.date(2000, month, day)   # 2月29日 exists in some year
            return _on_or_after(start, lambda y: dt.date(y, month, min(day, calendar.monthrange(y, month)[1]))), None
        except ValueError:
            return None, "excel.date_impossible"
    m = _MONTH_END.fullmatch(text)
    if m:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return None, "excel.date_impossible"
        if m.group(1):
            return _month_end(int(m.group(1)), month), None
        return _on_or_after(start, lambda y: _month_end(y, month)), None
    m = _YEAR_END.fullmatch(text)
    if m:
        return dt.date(int(m.group(1)) if m.group(1) else start.year, 12, 31), None
    m = _QUARTER.fullmatch(text)
    if m:
        month = _CN[m.group(2)] * 3
        if m.group(1):
            return _month_end(int(m.group(1)), month), None
        return _on_or_after(start, lambda y: _month_end(y, month)), None
    m = _HALF.fullmatch(text)
    if m:
        month = 6 if m.group(2) == "上" else 12
        if m.group(1):
            return _month_end(int(m.group(1)), month), None
        return _on_or_after(start, lambda y: _month_end(y, month)), None
    if _THIS_MONTH.fullmatch(text):
        return _month_end(start.year, start.month), None
    return None, "excel.bad_date"


def parse_due(value: Any, start: dt.date, deadline: dt.date) -> tuple[Term | None, dt.date | None, str | None]:
    """(term the cell names or None, due date or None, message code when the date cannot be read)."""
    if isinstance(value, (dt.date, dt.datetime)):
        day, _ = parse_date(value)
        return None, day, None
    text = norm(cell_text(value))
    term = None
    for word, t in TERM_WORDS:
        if word in text:
            term = t
            text = text.replace(word, "")
            break
    text = _SUFFIX.sub("", text.strip("，,；;。（）()、"))
    text = text.strip("，,；;。（）()、")
    text = _SUFFIX.sub("", text)
    if not text:
        return term, (deadline if term is not None else None), (None if term is not None else "excel.bad_date")
    day, code = parse_date(text)
    if day is None and code == "excel.bad_date":
        day, code = _relative(text, start)
    return term, day, code

"""Excel re-import: the step of the Excel import (``excel``) for rows whose item is on the ledger
already. What was opened (建账) is fixed, so a cell that now says something else than the ledger is
refused at that cell, with both values; what a workbook adds over time is taken in the way the gate
allows it: progress lines not in the ledger yet become new reports (records are appended, never
rewritten), a measure newly 已完成 gets its done date (a done date is final, so one already set must
not differ), a measure the ledger lacks is added (measures are never removed, so one the workbook
lacks is refused). The change rules of the gate then judge the edited file like any other edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap

from site_builder.core.problems import Problem
from site_builder.edit.yamledit import append_record, dump, flow_map, load_rt
from site_builder.office.context import text_key


@dataclass
class Additions:
    reports: list[dict] = field(default_factory=list)
    done: dict[str, dt.date] = field(default_factory=dict)
    measures: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.reports or self.done or self.measures)


def _show(value) -> str:
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    return "" if value is None else str(value)


def compare(fields: dict, old, header, assumed: set[str]) -> tuple[list[Problem], Additions]:
    """Problems at the cells that differ from ``old``, and what the workbook adds to it.

    ``header(name)`` is a column's header as the sheet writes it; ``assumed``: measures whose done
    date the import assumed (no date in the sheet), which are not held against the ledger's."""
    r = fields["_row"]
    problems: list[Problem] = []

    def differs(name: str, column: str, ledger_value, sheet_value, row: int | None = None) -> None:
        col = column if column in r.cols else ("problem" if column in ("title",) else column)
        problems.append(Problem.at(r.at(col, row), None, "excel.changed_cell", item=old.id, field=header(col),
                                   ledger=_show(ledger_value)[:60], sheet=_show(sheet_value)[:60]))

    top = [("title", "title"), ("problem", "problem"), ("unit", "unit"), ("feedback", "feedback_id" if "feedback_id" in r.cols
                                                                            else "feedback"),
           ("aspect", "aspect"), ("term", "term" if "term" in r.cols else "due"),
           ("due", "item_due" if "item_due" in r.cols else "due"), ("leader", "leader" if "leader" in r.cols else "owner"),
           ("department", "department" if "department" in r.cols else "owner")]
    if "opened" in r.cols:
        top.append(("opened", "opened"))
    if "note" in r.cols and fields.get("internal_note"):
        top.append(("internal_note", "note"))
    for name, column in top:
        mine, theirs = fields.get(name), getattr(old, name)
        theirs = getattr(theirs, "value", theirs)
        if name == "feedback":
            mine, theirs = tuple(mine or ()), tuple(theirs)
        if mine is not None and mine != theirs:
            differs(name, column, theirs, mine)
    add = Additions()
    rows = fields.get("_measure_rows") or [r.row] * len(fields["measures"])
    by_id = {m.id: m for m in old.measures}
    for m, row in zip(fields["measures"], rows):
        was = by_id.get(m["id"])
        if was is None:
            add.measures.append({k: v for k, v in m.items() if not k.startswith("_")})
            continue
        for key, column in (("text", "measures"), ("owner", "owner"), ("due", "due")):
            if m[key] != getattr(was, key):
                differs(key, column, getattr(was, key), m[key], row)
        done = m.get("done")
        if was.done is not None and (done is None or (done != was.done and m["id"] not in assumed)):
            differs("done", "result", was.done, done or "", row)
        elif was.done is None and done is not None:
            add.done[m["id"]] = done
    sheet_ids = {m["id"] for m in fields["measures"]}
    for was in old.measures:
        if was.id not in sheet_ids:
            differs("measures", "measures", f"{was.id}. {was.text}", "")
    known = {text_key(rep.text) for rep in old.reports}
    add.reports = [rep for rep in fields.get("reports", []) if text_key(rep["text"]) not in known]
    return problems, add


def apply(text: str, add: Additions) -> str:
    """The item file with the additions, its comments and layout kept."""
    data, y = load_rt(text)
    for m in data.get("measures") or []:
        if isinstance(m, CommentedMap) and str(m.get("id")) in add.done:
            m["done"] = add.done[str(m.get("id"))]
    for m in add.measures:
        data["measures"].append(flow_map(list(m.items())))
    for rep in add.reports:
        append_record(data, "reports", [("date", rep["date"]), ("by", rep["by"]), ("text", rep["text"])])
    if add.reports and data.get("status") == "open":
        data["status"] = "in_progress"
    return dump(data, y)

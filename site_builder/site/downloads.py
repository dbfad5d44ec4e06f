"""Downloads: the whole ledger as JSON, CSV and Excel, written by the render stage into the site.

The Excel sheet follows the layout counties keep today (整改台账: 序号, 问题, 整改措施, 责任单位,
责任人, 完成时限, 整改进展, 完成情况). Every file is byte-identical across builds of the same
ledger: zip members get a fixed timestamp, workbook properties the as-of date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from site_builder.ledger.audience import hidden_item_dump, public_settings_dump
from site_builder.ledger.load import Ledger
from site_builder.core.messages import translate
from site_builder.core.outputs import normalize_zip

LEDGER_COLUMNS = ("seq", "id", "round", "unit", "problem", "measures", "owner", "due", "progress", "result", "status")


def ledger_json(ledger: Ledger, public: bool = False, hidden: frozenset[str] = frozenset()) -> bytes:
    """``public``: without the settings that say what is internal; ``hidden`` items by id, unit and status."""
    settings = ledger.settings and (public_settings_dump(ledger.settings) if public else ledger.settings.model_dump(mode="json"))
    data = {
        "settings": settings,
        "units": [u.model_dump(mode="json") for u in ledger.units.values()],
        "rounds": [r.model_dump(mode="json") for r in ledger.rounds.values()],
        "items": [hidden_item_dump(i) if i.id in hidden else i.model_dump(mode="json") for i in ledger.items.values()],
        "actions": [a.model_dump(mode="json") for a in ledger.actions],
        "evaluations": [e.model_dump(mode="json") for e in ledger.evaluations],
    }
    # one item per line: readable in a diff or an editor, and written by the C encoder (indent=
    # makes json fall back to pure Python, seconds for a city)
    parts = []
    for key, value in data.items():
        body = "[\n" + ",\n".join(map(_compact, value)) + "\n]" if key == "items" else _compact(value)
        parts.append(f"{_compact(key)}:{body}")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def ledger_rows(ledger: Ledger, lang: str, hidden: frozenset[str] = frozenset()) -> list[list[str]]:
    """One row per item in the county layout; the header is the first row. A ``hidden`` item's row
    keeps its id, round, unit and status only."""
    rows = [[translate("xls." + c, lang) for c in LEDGER_COLUMNS]]
    for n, item in enumerate(ledger.items.values(), start=1):
        unit = ledger.units.get(item.unit)
        if item.id in hidden:
            rows.append([str(n), item.id, item.round, unit.name if unit else item.unit, "", "", "", "", "", "",
                         translate("status." + item.status.value, lang)])
            continue
        measures = "\n".join(f"{m.id}. {m.text}" for m in item.measures)
        owners = "、".join(dict.fromkeys(x for x in [item.leader, *(m.owner for m in item.measures)] if x))
        progress = "\n".join(f"{r.date.isoformat()} {r.text}" for r in item.reports[-3:])
        done = [m for m in item.measures if m.done]
        result = translate("xls.measures_done", lang, done=len(done), total=len(item.measures))
        rows.append([str(n), item.id, item.round, unit.name if unit else item.unit, f"{item.title}：{item.problem}",
                     measures, owners, item.due.isoformat(), progress, result,
                     translate("status." + item.status.value, lang)])
    return rows


def ledger_csv(ledger: Ledger, lang: str, hidden: frozenset[str] = frozenset()) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerows(ledger_rows(ledger, lang, hidden))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM makes Excel open it as UTF-8


def ledger_xlsx(ledger: Ledger, lang: str, as_of: dt.date, hidden: frozenset[str] = frozenset()) -> bytes:
    # write-only: rows stream to the file instead of living as cell objects (a city has 10,000 rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(translate("xls.sheet", lang))
    widths = (6, 14, 10, 18, 50, 50, 16, 12, 40, 14, 10)
    for col, width in zip("ABCDEFGHIJK", widths):
        ws.column_dimensions[col].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    rows = ledger_rows(ledger, lang, hidden)
    ws.append([_cell(ws, value, font=bold) for value in rows[0]])
    for row in rows[1:]:
        ws.append([_cell(ws, value, alignment=wrap) for value in row])
    moment = dt.datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.created = wb.properties.modified = moment
    wb.properties.creator = "rectify"
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue(), as_of)


def _cell(ws, value: str, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    for name, spec in style.items():
        setattr(cell, name, spec)
    return cell

"""Downloads (site stage): the whole ledger as JSON, as one Excel workbook with a sheet per table
(items, measures, records, actions, evaluations) and as one CSV per table, written by the site
build into ``downloads/``.

``rectify export`` writes the layout counties keep (``office/export``); the site publishes the
complete tables instead, where every progress report and record is a row of its own. Every file is
byte-identical across builds of the same ledger: zip members get a fixed timestamp, workbook
properties the as-of date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from typing import Iterator

from site_builder.ledger.audience import hidden_item_dump, public_settings_dump
from site_builder.ledger.load import Ledger
from site_builder.core.messages import translate
from site_builder.site import xlsx

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


# ---------------------------------------------------------------- the complete workbook and its CSVs

#: the tables of the complete download, in the workbook's sheet order; each is also one CSV
TABLES = ("items", "measures", "records", "actions", "evaluations")

#: columns of each table (message codes ``dl.col_<name>``); the items table adds the internal note
#: in the internal build only, so that a public file does not even say that there were notes
COLUMNS = {
    "items": ("id", "round", "unit", "unit_name", "aspect", "feedback", "title", "problem", "scope", "tags", "term",
              "opened", "due", "leader", "department", "status", "measures_total", "measures_done", "reports",
              "last_report", "withdrawal"),
    "measures": ("item", "unit_name", "measure", "text", "owner", "due", "done"),
    "records": ("item", "unit_name", "kind", "date", "by", "detail", "text", "evidence"),
    "actions": ("id", "kind", "date", "title", "unit_names", "rounds", "items", "to", "supersedes"),
    "evaluations": ("unit", "unit_name", "round", "date", "score", "reasons"),
}
#: column widths in the workbook (characters), by column code; the rest get 12
WIDTHS = {"title": 30, "problem": 50, "text": 50, "reasons": 40, "unit_name": 18, "aspect": 14, "feedback": 16,
          "detail": 14, "evidence": 30, "withdrawal": 30, "unit_names": 24, "items": 20, "internal_note": 30}

#: record kinds in the order they stand on an item's page
RECORD_KINDS = ("report", "supervision", "submission", "verification", "lookback", "mechanism", "extension")


def _join(values) -> str:
    return "、".join(str(v) for v in values if v)


def _date(value) -> str:
    return value.isoformat() if value else ""


def _item_columns(internal: bool) -> tuple[str, ...]:
    return COLUMNS["items"] + (("internal_note",) if internal else ())


def table_header(name: str, lang: str, internal: bool = True) -> list[str]:
    cols = _item_columns(internal) if name == "items" else COLUMNS[name]
    return [translate("dl.col_" + c, lang) for c in cols]


def _records(item, lang: str) -> Iterator[list[str]]:
    t = lambda code: translate(code, lang)  # noqa: E731
    for r in item.reports:
        yield ["report", _date(r.date), r.by, "", r.text, ""]
    for s in item.supervision:
        yield ["supervision", _date(s.date), s.by, t("method." + s.method.value), s.note, ""]
    for s in item.submissions:
        yield ["submission", _date(s.date), s.by, "", s.text, _join(s.evidence)]
    for v in item.verifications:
        yield ["verification", _date(v.date), v.by, t("dl.result_" + v.result.value), v.note or "", ""]
    for lb in item.lookbacks:
        yield ["lookback", _date(lb.date), lb.by, t("dl.result_" + lb.result.value), lb.note or "", ""]
    for mc in item.mechanisms:
        yield ["mechanism", _date(mc.date), "", "", mc.title, ""]
    for ex in item.extensions:
        what = ex.measure or t("dl.item_due")
        yield ["extension", _date(ex.date), ex.approved_by, f"{what} → {_date(ex.due)}", ex.reason, ""]


def table_rows(ledger: Ledger, name: str, lang: str, hidden: frozenset[str] = frozenset(),
               internal: bool = True) -> Iterator[list[str]]:
    """The rows of table ``name`` (without the header), made one at a time. Every progress report
    and record is a row of its own. A ``hidden`` item keeps its id, round, unit and status in the
    items table and has no rows in the others (its measures and records are internal)."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    units = ledger.units

    def unit_name(uid: str) -> str:
        return units[uid].name if uid in units else uid

    if name == "items":
        width = len(_item_columns(internal))
        for item in ledger.items.values():
            status = t("status." + item.status.value)
            if item.id in hidden:
                row = [""] * width
                row[0], row[1], row[2], row[3], row[15] = item.id, item.round, item.unit, unit_name(item.unit), status
                yield row
                continue
            w = item.withdrawal
            row = [item.id, item.round, item.unit, unit_name(item.unit), item.aspect, _join(item.feedback), item.title,
                   item.problem, t("scope." + item.scope.value), _join(item.tags), t("term." + item.term.value),
                   _date(item.opened), _date(item.due), item.leader, item.department, status,
                   str(len(item.measures)), str(sum(1 for m in item.measures if m.done)), str(len(item.reports)),
                   _date(max((r.date for r in item.reports), default=None)),
                   f"{_date(w.date)} {w.reason}" + (f"（→ {w.merged_into}）" if w.merged_into else "") if w else ""]
            if internal:
                row.append(item.internal_note or "")
            yield row
    elif name == "measures":
        for item in ledger.items.values():
            if item.id in hidden:
                continue
            for m in item.measures:
                yield [item.id, unit_name(item.unit), m.id, m.text, m.owner, _date(m.due), _date(m.done)]
    elif name == "records":
        for item in ledger.items.values():
            if item.id in hidden:
                continue
            for kind, *rest in _records(item, lang):
                yield [item.id, unit_name(item.unit), t("dl.kind_" + kind), *rest]
    elif name == "actions":
        for a in ledger.actions:
            yield [a.id, t("action." + a.kind.value), _date(a.date), a.title, _join(unit_name(u) for u in a.units),
                   _join(a.rounds), _join(a.items), a.to or "", a.supersedes or ""]
    elif name == "evaluations":
        for e in ledger.evaluations:
            yield [e.unit, unit_name(e.unit), e.round, _date(e.date), f"{e.score:g}", e.reasons]
    else:
        raise KeyError(name)


def table_counts(ledger: Ledger, hidden: frozenset[str] = frozenset()) -> dict[str, int]:
    """Rows of each table (without its header), counted without making them: the downloads page
    says them before the files are written."""
    shown = [i for i in ledger.items.values() if i.id not in hidden]
    return {
        "items": len(ledger.items),
        "measures": sum(len(i.measures) for i in shown),
        "records": sum(len(i.reports) + len(i.supervision) + len(i.submissions) + len(i.verifications)
                       + len(i.lookbacks) + len(i.mechanisms) + len(i.extensions) for i in shown),
        "actions": len(ledger.actions),
        "evaluations": len(ledger.evaluations),
    }


def table_csv(ledger: Ledger, name: str, lang: str, hidden: frozenset[str] = frozenset(), internal: bool = True) -> bytes:
    """One table as CSV: UTF-8 with a BOM (without it Excel reads Chinese as GBK), CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table_header(name, lang, internal))
    writer.writerows([_inert(v) for v in row] for row in table_rows(ledger, name, lang, hidden, internal))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def workbook_xlsx(ledger: Ledger, lang: str, as_of: dt.date, hidden: frozenset[str] = frozenset(),
                  internal: bool = True) -> bytes:
    """Every table as a sheet of one workbook, made for the office's printer as much as for the
    screen: the header row frozen and filtered, and printed A4 landscape, one page wide, with the
    header repeated on every page, the as-of date at the head and page numbers at the foot."""
    head = translate("site.print_head", lang, date=as_of.isoformat(),
                     build=translate("site.build_" + ("internal" if internal else "public"), lang))
    foot = translate("site.print_page", lang, page="&P", pages="&N")
    sheets = []
    counts = table_counts(ledger, hidden)
    for name in TABLES:
        cols = _item_columns(internal) if name == "items" else COLUMNS[name]
        sheets.append(xlsx.Sheet(translate("dl.sheet_" + name, lang), table_header(name, lang, internal),
                                 table_rows(ledger, name, lang, hidden, internal), [WIDTHS.get(c, 12) for c in cols],
                                 counts[name]))
    return xlsx.workbook(sheets, as_of, "&L" + _hf(head), "&C" + foot.replace("&P", "\0").replace("&N", "\1")
                         .replace("&", "&&").replace("\0", "&P").replace("\1", "&N"))


#: what makes a spreadsheet read a CSV cell as a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text: ledger text opening like a formula gets a
    leading apostrophe (the workbook's cells are typed as text and need none)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _hf(text: str) -> str:
    # "&" starts a code in an Excel header or footer: the office's name may hold one
    return text.replace("&", "&&")

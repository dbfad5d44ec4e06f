"""Commands for people who would rather not hand-edit YAML, and for counties adopting the tool:
``new item``, ``report``, ``transition`` (edit helpers), ``import`` / ``export`` (Excel ledgers)
and ``init`` (a new county's ledger repository). Registered by ``cli.build_parser`` through
``EXTENSIONS``; the logic lives in ``edit``, ``excel`` and ``scaffold``, which print nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from .cli import say
from .messages import translate
from .models import Scope, Status, Term


def register(sub, common, date_type) -> None:
    def measure(value: str) -> dict:
        parts = [p.strip() for p in value.split("|")]
        if len(parts) != 3 or not all(parts):
            raise argparse.ArgumentTypeError(translate("edit.bad_measure", "zh", value=value))
        try:
            due = dt.date.fromisoformat(parts[2])
        except ValueError:
            raise argparse.ArgumentTypeError(translate("edit.bad_measure", "zh", value=value)) from None
        return {"text": parts[0], "owner": parts[1], "due": due}

    p = sub.add_parser("new", help="open a new item (建账): writes issues/<round>/<next id>.yaml with status open")
    p.add_argument("kind", choices=("item",), help="what to create: item")
    common(p)
    p.add_argument("--round", required=True, help="round id, e.g. 2023-R2")
    p.add_argument("--unit", required=True, help="unit id or full name from units.yaml")
    p.add_argument("--feedback", required=True, nargs="+", action="extend", metavar="ID",
                   help="feedback problem id(s) the item refines")
    p.add_argument("--aspect", required=True, help="aspect, as the round lists it")
    p.add_argument("--title", required=True, help="one-line title")
    p.add_argument("--problem", required=True, help="the problem statement")
    p.add_argument("--term", choices=[t.value for t in Term], default=Term.time_limited.value,
                   help="immediate, time_limited (default) or long_term")
    p.add_argument("--scope", choices=[s.value for s in Scope], default=None, help="individual (default) or common")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    p.add_argument("--due", required=True, type=date_type, help="due date YYYY-MM-DD")
    p.add_argument("--leader", required=True, help="responsible leader")
    p.add_argument("--department", required=True, help="responsible department")
    p.add_argument("--measure", required=True, action="append", type=measure, metavar="TEXT|OWNER|DUE",
                   help="a measure as 'text|owner|YYYY-MM-DD' (repeatable; ids M1, M2, … in order)")
    p.add_argument("--date", type=date_type, default=None, help="opening date (default: today)")
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser("report", help="append a progress report (日报告); an open item moves to in_progress")
    p.add_argument("item", help="item id, e.g. 2023-R2-017")
    common(p)
    p.add_argument("--text", required=True, help="the progress")
    p.add_argument("--by", required=True, help="who reports (unit or person)")
    p.add_argument("--date", type=date_type, default=None, help="date of the progress (default: today)")
    p.add_argument("--done", action="append", default=[], metavar="MEASURE",
                   help="a measure finished that day, e.g. M1 (repeatable)")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("transition", help="move an item to another status, adding the record the move needs")
    p.add_argument("item", help="item id, e.g. 2023-R2-017")
    p.add_argument("state", choices=[s.value for s in Status if s != Status.open],
                   help="in_progress, submitted, verified, cleared or withdrawn")
    common(p)
    p.add_argument("--by", required=True, help="who submits, verifies, looks back or withdraws")
    p.add_argument("--date", type=date_type, default=None, help="date of the record (default: today)")
    p.add_argument("--text", default=None, help="submission text (submitted), or a progress report (in_progress from open)")
    p.add_argument("--note", default=None, help="verification or look-back note (required when returning)")
    p.add_argument("--evidence", nargs="+", action="extend", default=[], metavar="E", help="evidence of a submission")
    p.add_argument("--reason", default=None, help="why the item is withdrawn")
    p.add_argument("--merged-into", default=None, metavar="ITEM", help="the item a withdrawn one was merged into")
    p.set_defaults(handler=cmd_transition)

    p = sub.add_parser("import", help="turn Excel rectification ledgers (整改台账) into item files (every sheet of every workbook)")
    p.add_argument("file", nargs="+", help="the workbooks (.xlsx, .xlsm, .xls, .xlsb, .ods)")
    common(p, ledger=False)
    p.add_argument("--ledger", default="ledger", help="ledger folder (default: ledger)")
    p.add_argument("--round", required=True, help="the round the rows belong to, e.g. 2023-R2 (created when absent)")
    p.add_argument("--sheet", default=None, help="only this sheet (default: every sheet)")
    p.add_argument("--columns", default=None, metavar="FIELD=HEADER,…",
                   help="column headers where they differ, e.g. 'problem=存在问题,department=责任单位'")
    p.add_argument("--unit", default=None, help="the unit (name or id) of a unit's own ledger; 责任单位 is then its office")
    p.add_argument("--round-name", default=None, help="a new round's name")
    p.add_argument("--feedback-date", type=date_type, default=None, help="a new round's feedback date")
    p.add_argument("--deadline", type=date_type, default=None, help="a new round's rectification deadline")
    p.add_argument("--level", choices=("province", "city", "county"), default="county", help="a new round's level (default county)")
    p.add_argument("--kind", choices=("routine", "special", "elevated"), default="routine", help="a new round's kind (default routine)")
    p.add_argument("--opened", type=date_type, default=None, help="opening date of the items (default: the round's feedback date)")
    p.add_argument("--date", type=date_type, default=None, help="date of undated progress text and done measures (default: today)")
    p.add_argument("--dry-run", action="store_true", help="print the mapping and what would be written; write nothing")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="write the ledger as an Excel sheet in the county layout (整改台账)")
    common(p)
    p.add_argument("--out", default="ledger.xlsx", help="the .xlsx file to write (default: ledger.xlsx)")
    p.add_argument("--as-of", type=date_type, default=None, help="date stamped in the workbook (default: settings, else today)")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("init", help="create a new county's ledger repository: example ledger, site, workflows, git")
    p.add_argument("dir", help="the new repository's folder (must not exist, or be empty)")
    p.add_argument("--organisation", default=None, help="organisation name, e.g. 中共某某县委")
    p.add_argument("--office", default=None, help="the supervision office's full name")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="language of messages (default: zh)")
    p.set_defaults(handler=cmd_init)


# ---------------------------------------------------------------- shared

def _lang(args, ledger=None) -> str:
    from .cli import _lang as lang_of
    return lang_of(args, ledger)


def _cache(args, ledger_dir: str):
    from .load import ParseCache, default_cache_path
    return ParseCache(None if args.no_cache else default_cache_path(Path(ledger_dir)))


def _refuse(args, problems, lang: str) -> int:
    from . import report
    out = report.format_problems(problems, args.format, lang)
    if out:
        print(out)
    say(args, translate("edit.refused", lang, count=len(problems)), err=True)
    return 1


def _state(value: str | None, lang: str) -> str:
    return translate("status." + value, lang) if value else "—"


def _workspace(args):
    from .edit_workspace import Workspace
    cache = _cache(args, args.ledger)
    ws = Workspace.open(args.ledger, cache)
    cache.save()
    return ws


def _confirm(args, outcome, lang: str) -> None:
    record = translate(outcome.record, lang, **outcome.params)
    params = dict(item=outcome.item, record=record, date=outcome.params.get("date"), by=outcome.params.get("by"))
    if outcome.before != outcome.after:
        say(args, translate("edit.moved", lang, before=_state(outcome.before, lang), after=_state(outcome.after, lang), **params))
    else:
        say(args, translate("edit.changed", lang, state=_state(outcome.after, lang), **params))


# ---------------------------------------------------------------- edit helpers

def cmd_new(args) -> int:
    from .edit import new_item
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    fields = {"round": args.round, "unit": args.unit, "feedback": args.feedback, "aspect": args.aspect,
              "title": args.title, "problem": args.problem, "scope": args.scope, "tags": args.tag,
              "term": args.term, "due": args.due, "leader": args.leader, "department": args.department,
              "measures": args.measure}
    if args.date:
        fields["opened"] = args.date
    outcome = new_item(ws, fields)
    if not outcome.ok:
        return _refuse(args, outcome.problems, lang)
    say(args, translate("edit.created", lang, item=outcome.item, title=args.title, path=outcome.path))
    return 0


def cmd_report(args) -> int:
    from .edit import add_report
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    outcome = add_report(ws, args.item, text=args.text, by=args.by, date=args.date, done=args.done)
    if not outcome.ok:
        return _refuse(args, outcome.problems, lang)
    _confirm(args, outcome, lang)
    return 0


def cmd_transition(args) -> int:
    from .edit import transition
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    outcome = transition(ws, args.item, args.state, by=args.by, date=args.date, text=args.text, note=args.note,
                         evidence=args.evidence, reason=args.reason, merged_into=args.merged_into)
    if not outcome.ok:
        return _refuse(args, outcome.problems, lang)
    _confirm(args, outcome, lang)
    return 0


# ---------------------------------------------------------------- Excel

def cmd_import(args) -> int:
    from . import report
    from .excel import import_workbooks
    from .excel_cells import ColumnsError, parse_columns
    from .excel_round import RoundOptions
    try:
        columns, overridden = parse_columns(args.columns)
    except ColumnsError as exc:
        say(args, f"rectify import: error: {translate('excel.bad_columns', args.lang or 'zh', **exc.params)}", err=True)
        return 2
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    options = RoundOptions(args.round_name, args.feedback_date, args.deadline, args.level, args.kind)
    result = import_workbooks(ws, [(Path(f), f) for f in args.file], args.round, sheet=args.sheet, columns=columns,
                              overridden=overridden, unit=args.unit, opened=args.opened, undated=args.date,
                              options=options, dry_run=args.dry_run)
    if args.dry_run:
        for sheet, header, field in result.mapping:
            code = "excel.column" if field else "excel.column_none"
            say(args, translate(code, lang, sheet=sheet, header=header.replace("\n", ""), field=field))
    if result.notes:
        print(report.format_problems(result.notes, args.format if args.format != "json" else "text", lang))
    if result.problems:
        return _refuse(args, result.problems, lang)
    files = "、".join(args.file)
    if args.dry_run:
        say(args, translate("excel.dry_run", lang, count=len(result.items), known=result.known))
        return 0
    if not result.items:
        say(args, translate("excel.nothing", lang, file=files))
        return 0
    say(args, translate("excel.imported", lang, file=files, count=len(result.items),
                    folder=ws.display_of(f"issues/{args.round}/"), first=result.items[0], last=result.items[-1]))
    return 0


def cmd_export(args) -> int:
    from .cli import _load
    from .downloads import ledger_xlsx
    from .metrics import resolve_as_of
    from .edit_workspace import write_files
    ledger, problems = _load(args)
    lang = _lang(args, ledger)
    if problems:
        return _refuse(args, problems, lang)
    data = ledger_xlsx(ledger, lang, resolve_as_of(ledger.settings, args.as_of))
    write_files({Path(args.out): data})
    say(args, translate("excel.exported", lang, count=len(ledger.items), out=args.out))
    return 0


# ---------------------------------------------------------------- init

def cmd_init(args) -> int:
    from .scaffold import InitError, init_repository
    lang = args.lang or "zh"
    try:
        init_repository(Path(args.dir), organisation=args.organisation, office=args.office)
    except InitError as exc:
        say(args, translate(exc.code, lang, **exc.params), err=True)
        return 1
    say(args, translate("init.done", lang, dir=args.dir))
    return 0

"""Commands for people who would rather not hand-edit YAML, and for counties adopting the tool:
``new item``, ``report``, ``transition`` (edit helpers), ``import`` / ``export`` (Excel ledgers)
and ``init`` (a new county's ledger repository). Registered by ``cli.main.build_parser``; the logic
lives in ``edit.helpers``, ``office.excel`` and ``edit.scaffold``, which print nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from site_builder.cli.main import say
from site_builder.core.messages import translate
from site_builder.ledger.models import Scope, Status, Term


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

    p = sub.add_parser("new", help="help.new")
    p.add_argument("kind", choices=("item",), help="help.new.kind")
    common(p)
    p.add_argument("--round", required=True, help="help.new.round")
    p.add_argument("--unit", required=True, help="help.new.unit")
    p.add_argument("--feedback", required=True, nargs="+", action="extend", metavar="ID",
                   help="help.new.feedback")
    p.add_argument("--aspect", required=True, help="help.new.aspect")
    p.add_argument("--title", required=True, help="help.new.title")
    p.add_argument("--problem", required=True, help="help.new.problem")
    p.add_argument("--term", choices=[t.value for t in Term], default=Term.time_limited.value,
                   help="help.new.term")
    p.add_argument("--scope", choices=[s.value for s in Scope], default=None, help="help.new.scope")
    p.add_argument("--tag", action="append", default=[], help="help.new.tag")
    p.add_argument("--due", required=True, type=date_type, help="help.new.due")
    p.add_argument("--leader", required=True, help="help.new.leader")
    p.add_argument("--department", required=True, help="help.new.department")
    p.add_argument("--measure", required=True, action="append", type=measure, metavar="TEXT|OWNER|DUE",
                   help="help.new.measure")
    p.add_argument("--date", type=date_type, default=None, help="help.new.date")
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser("report", help="help.report")
    p.add_argument("item", help="help.report.item")
    common(p)
    p.add_argument("--text", required=True, help="help.report.text")
    p.add_argument("--by", required=True, help="help.report.by")
    p.add_argument("--date", type=date_type, default=None, help="help.report.date")
    p.add_argument("--done", action="append", default=[], metavar="MEASURE",
                   help="help.report.done")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("transition", help="help.transition")
    p.add_argument("item", help="help.transition.item")
    p.add_argument("state", choices=[s.value for s in Status if s != Status.open],
                   help="help.transition.state")
    common(p)
    p.add_argument("--by", required=True, help="help.transition.by")
    p.add_argument("--date", type=date_type, default=None, help="help.transition.date")
    p.add_argument("--text", default=None, help="help.transition.text")
    p.add_argument("--note", default=None, help="help.transition.note")
    p.add_argument("--evidence", nargs="+", action="extend", default=[], metavar="E", help="help.transition.evidence")
    p.add_argument("--reason", default=None, help="help.transition.reason")
    p.add_argument("--merged-into", default=None, metavar="ITEM", help="help.transition.merged_into")
    p.set_defaults(handler=cmd_transition)

    p = sub.add_parser("import", help="help.import")
    p.add_argument("file", nargs="+", help="help.import.file")
    common(p, ledger=False)
    p.add_argument("--ledger", default="ledger", help="help.import.ledger")
    p.add_argument("--round", required=True, help="help.import.round")
    p.add_argument("--sheet", default=None, help="help.import.sheet")
    p.add_argument("--columns", default=None, metavar="FIELD=HEADER,…", help="help.import.columns")
    p.add_argument("--unit", default=None, help="help.import.unit")
    p.add_argument("--round-name", default=None, help="help.import.round_name")
    p.add_argument("--feedback-date", type=date_type, default=None, help="help.import.feedback_date")
    p.add_argument("--deadline", type=date_type, default=None, help="help.import.deadline")
    p.add_argument("--level", choices=("province", "city", "county"), default="county", help="help.import.level")
    p.add_argument("--kind", choices=("routine", "special", "elevated"), default="routine", help="help.import.kind")
    p.add_argument("--opened", type=date_type, default=None, help="help.import.opened")
    p.add_argument("--date", type=date_type, default=None, help="help.import.date")
    p.add_argument("--dry-run", action="store_true", help="help.import.dry_run")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("import-feedback", help="help.import-feedback")
    p.add_argument("file", help="help.import_feedback.file")
    common(p, ledger=False)
    p.add_argument("--ledger", default="ledger", help="help.import.ledger")
    p.add_argument("--round", required=True, help="help.import_feedback.round")
    p.add_argument("--unit", default=None, help="help.import_feedback.unit")
    p.add_argument("--round-name", default=None, help="help.import.round_name")
    p.add_argument("--feedback-date", type=date_type, default=None, help="help.import.feedback_date")
    p.add_argument("--deadline", type=date_type, default=None, help="help.import.deadline")
    p.add_argument("--level", choices=("province", "city", "county"), default="county", help="help.import.level")
    p.add_argument("--kind", choices=("routine", "special", "elevated"), default="routine", help="help.import.kind")
    p.add_argument("--dry-run", action="store_true", help="help.import_feedback.dry_run")
    p.set_defaults(handler=cmd_import_feedback)

    p = sub.add_parser("export", help="help.export")
    common(p)
    p.add_argument("--out", default="ledger.xlsx", help="help.export.out")
    p.add_argument("--as-of", type=date_type, default=None, help="help.export.as_of")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("init", help="help.init")
    p.add_argument("dir", help="help.init.dir")
    p.add_argument("--organisation", default=None, help="help.init.organisation")
    p.add_argument("--office", default=None, help="help.init.office")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.init.lang")
    p.add_argument("--forge", choices=("github", "gitlab", "gitea"), default="github", help="help.init.forge")
    p.add_argument("--rollup", action="store_true", help="help.init.rollup")
    p.set_defaults(handler=cmd_init)


# ---------------------------------------------------------------- shared

def _lang(args, ledger=None) -> str:
    from site_builder.cli.main import _lang as lang_of
    return lang_of(args, ledger)


def _cache(args, ledger_dir: str):
    from site_builder.ledger.load import ParseCache, default_cache_path
    return ParseCache(None if args.no_cache else default_cache_path(Path(ledger_dir)))


def _refuse(args, problems, lang: str) -> int:
    from site_builder.cli import report
    out = report.format_problems(problems, args.format, lang)
    if out:
        print(out)
    say(args, translate("edit.refused", lang, count=len(problems)), err=True)
    return 1


def _state(value: str | None, lang: str) -> str:
    return translate("status." + value, lang) if value else "—"


def _workspace(args):
    from site_builder.edit.workspace import Workspace
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
    from site_builder.edit.helpers import new_item
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
    from site_builder.edit.helpers import add_report
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    outcome = add_report(ws, args.item, text=args.text, by=args.by, date=args.date, done=args.done)
    if not outcome.ok:
        return _refuse(args, outcome.problems, lang)
    _confirm(args, outcome, lang)
    return 0


def cmd_transition(args) -> int:
    from site_builder.edit.helpers import transition
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
    from site_builder.cli import report
    from site_builder.office.excel import import_workbooks
    from site_builder.office.cells import ColumnsError, parse_columns
    from site_builder.office.round import RoundOptions
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
        print(report.format_problems(result.notes, "text" if args.format in report.MACHINE_FORMATS else args.format, lang))
    if result.problems:
        return _refuse(args, result.problems, lang)
    files = "、".join(args.file)
    if args.dry_run:
        say(args, translate("excel.dry_run", lang, count=len(result.items), known=result.known))
        return 0
    if not result.items:
        say(args, translate("excel.updated" if result.updated else "excel.nothing", lang, file=files,
                            count=len(result.updated), items="、".join(result.updated)))
        return 0
    say(args, translate("excel.imported", lang, file=files, count=len(result.items),
                    folder=ws.display_of(f"issues/{args.round}/"), first=result.items[0], last=result.items[-1]))
    return 0


def cmd_import_feedback(args) -> int:
    from site_builder.cli import report
    from site_builder.office.feedback import import_feedback
    from site_builder.office.round import RoundOptions
    ws = _workspace(args)
    lang = _lang(args, ws.ledger)
    options = RoundOptions(args.round_name, args.feedback_date, args.deadline, args.level, args.kind)
    result = import_feedback(ws, Path(args.file), args.file, args.round, unit=args.unit, options=options)
    if result.notes:
        print(report.format_problems(result.notes, "text" if args.format in report.MACHINE_FORMATS else args.format, lang))
    if result.problems:
        return _refuse(args, result.problems, lang)
    if args.dry_run:
        say(args, translate("feedback.dry_run", lang, count=len(result.added)))
        return 0
    if not result.files:
        say(args, translate("feedback.none_new", lang, file=args.file))
        return 0
    ws.write(result.files)
    path = ws.ledger.paths.get("round:" + args.round, ws.display_of(f"rounds/{args.round}.yaml"))
    if result.added:
        say(args, translate("feedback.done", lang, count=len(result.added), aspects=result.aspects, path=path,
                            first=result.added[0], last=result.added[-1]))
    else:
        say(args, translate("feedback.none_new", lang, file=args.file))
    return 0


def cmd_export(args) -> int:
    from site_builder.cli.main import _load
    from site_builder.office.export import export_workbook
    from site_builder.metrics import resolve_as_of
    from site_builder.edit.workspace import write_files
    ledger, problems = _load(args)
    lang = _lang(args, ledger)
    if problems:
        return _refuse(args, problems, lang)
    data = export_workbook(ledger, resolve_as_of(ledger.settings, args.as_of))
    write_files({Path(args.out): data})
    say(args, translate("excel.exported", lang, count=len(ledger.items), out=args.out))
    return 0


# ---------------------------------------------------------------- init

def cmd_init(args) -> int:
    from site_builder.edit.scaffold import InitError, init_repository
    lang = args.lang or "zh"
    try:
        init_repository(Path(args.dir), organisation=args.organisation, office=args.office, forge=args.forge,
                        rollup=args.rollup)
    except InitError as exc:
        say(args, translate(exc.code, lang, **exc.params), err=True)
        return 1
    say(args, translate("init.rollup_done" if args.rollup else "init.done", lang, dir=args.dir))
    return 0

"""``rectify validate``, ``status`` and ``schema``: the ledger as it stands in the folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from site_builder.cli import report
from site_builder.cli.main import _count, _emit_problems, _lang, _load, say
from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    p = sub.add_parser("validate", help="help.validate")
    common(p)
    p.add_argument("--today", type=date_type, default=None, help="help.validate.today")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("status", help="help.status")
    common(p)
    p.add_argument("--as-of", type=date_type, default=None, help="help.status.as_of")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("schema", help="help.schema")
    p.add_argument("--out", default="schemas", help="help.schema.out")
    p.add_argument("--check", action="store_true", help="help.schema.check")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")
    p.set_defaults(handler=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    from site_builder.ledger.load import ParseCache, default_cache_path
    from site_builder.ledger.validate import validate_folder
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    verdict = validate_folder(args.ledger, cache, args.today)
    cache.save()
    lang = _lang(args, settings_language=verdict.language)
    _emit_problems(args, verdict.problems, lang)
    errors = [p for p in verdict.problems if p.severity == "error"]   # warnings are shown, never fail
    if errors:
        say(args, translate("cli.summary", lang, count=_count(errors)), err=True)
        return 1
    if args.format not in report.MACHINE_FORMATS:
        say(args, translate("cli.ok", lang, rounds=verdict.rounds, items=verdict.items))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    ledger, problems = _load(args)
    lang = _lang(args, ledger)
    if problems:
        _emit_problems(args, problems, lang)
        say(args, translate("cli.summary", lang, count=_count(problems)), err=True)
        return 1
    say(args, report.status_text(ledger, args.as_of, lang))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from site_builder.ledger.schema import write_schemas
    lang = args.lang or "zh"
    stale, count = write_schemas(Path(args.out), check=args.check)
    if args.check:
        if stale:
            say(args, translate("cli.schemas_stale", lang, folder=args.out, names=", ".join(stale)), err=True)
            return 1
        return 0
    say(args, translate("cli.schemas_written", lang, count=count, folder=args.out))
    return 0

"""Command line: the thin edge of the pipeline. It parses arguments, hands off to one module per
command, and is the only place that prints, chooses exit codes and turns problems into text.

Exit codes: 0 clean, 1 ledger problems, 2 usage errors (argparse's own), 3 an internal fault
(reported in one line, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from . import report
from .messages import translate

DEFAULT_LEDGER = "ledger"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(translate("cli.bad_date", "zh", value=value)) from None


def _common(p: argparse.ArgumentParser, ledger: bool = True) -> None:
    if ledger:
        p.add_argument("ledger", nargs="?", default=DEFAULT_LEDGER, help="help.common.ledger")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")
    p.add_argument("--format", choices=("text", "github", "json", "codequality"), default=None,
                   help="help.common.format")
    p.add_argument("--no-cache", action="store_true", help="help.common.no_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rectify", description="help.rectify")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="help.validate")
    _common(p)
    p.add_argument("--today", type=_date, default=None, help="help.validate.today")

    p = sub.add_parser("status", help="help.status")
    _common(p)
    p.add_argument("--as-of", type=_date, default=None, help="help.status.as_of")

    p = sub.add_parser("schema", help="help.schema")
    p.add_argument("--out", default="schemas", help="help.schema.out")
    p.add_argument("--check", action="store_true", help="help.schema.check")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")

    p = sub.add_parser("serve", help="help.serve")
    p.add_argument("--site", default="site", help="help.serve.site")
    p.add_argument("--port", type=int, default=8000, help="help.serve.port")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")

    p = sub.add_parser("check", help="help.check")
    _common(p)
    p.add_argument("--base", required=True, help="help.check.base")
    p.add_argument("--head", default="HEAD", help="help.check.head")
    p.add_argument("--repo", default=".", help="help.check.repo")
    p.add_argument("--summary", default=None, help="help.check.summary")

    p = sub.add_parser("audit", help="help.audit")
    _common(p)
    p.add_argument("--ref", default="HEAD", help="help.audit.ref")
    p.add_argument("--repo", default=".", help="help.audit.repo")

    p = sub.add_parser("build", help="help.build")
    _common(p)
    p.add_argument("--out", default="site", help="help.build.out")
    p.add_argument("--as-of", type=_date, default=None, help="help.build.as_of")
    p.add_argument("--audience", choices=("internal", "public"), default=None, help="help.build.audience")
    p.add_argument("--repo", default=None, help="help.build.repo")
    p.add_argument("--config", default="mkdocs.yml", help="help.build.config")
    p.add_argument("--docs", default="docs", help="help.build.docs")

    # Further commands live in their own modules; each registers its parsers with a handler.
    for module in _extensions():
        module.register(sub, _common, _date)
    return parser


def _extensions() -> list:
    import importlib
    found = []
    for name in EXTENSIONS:
        try:
            found.append(importlib.import_module(f"site_builder.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"site_builder.{name}":
                raise
    return found


#: modules adding commands: each has ``register(subparsers, common, date_type)`` and sets ``handler``
EXTENSIONS = ("cli_bulletin", "cli_edit", "cli_forge")


def main(argv: list[str] | None = None) -> int:
    from .cli_help import help_lang, localize
    parser = build_parser()
    localize(parser, help_lang(sys.argv[1:] if argv is None else list(argv), DEFAULT_LEDGER))
    args = parser.parse_args(argv)
    if getattr(args, "format", None) is None and hasattr(args, "format"):
        args.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last guard: one line, never a traceback
        say(args, f"rectify: internal error: {type(exc).__name__}: {exc}", err=True)
        return 3


def say(args: argparse.Namespace, text: str, err: bool = False) -> None:
    """Print a message: every plain line goes out through here, made inert for the output format
    (under ``github`` a value cannot become a workflow command); annotations are printed apart."""
    print(report.inert(text, getattr(args, "format", None) or "text"), file=sys.stderr if err else sys.stdout)


def _lang(args: argparse.Namespace, ledger=None, settings_language: str | None = None) -> str:
    """--lang, else $RECTIFY_LANG, else the ledger's settings, else Chinese."""
    if getattr(args, "lang", None):
        return args.lang
    if os.environ.get("RECTIFY_LANG") in ("zh", "en"):
        return os.environ["RECTIFY_LANG"]
    if ledger is not None and ledger.settings is not None:
        return ledger.settings.language
    return settings_language or "zh"


def _load(args: argparse.Namespace):
    """Load and validate; returns (ledger, problems)."""
    from .load import ParseCache, default_cache_path, load_ledger
    from .validate import validate
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    ledger, problems = load_ledger(args.ledger, cache)
    if not any(p.code == "load.no_ledger_dir" for p in problems):
        problems += validate(ledger, getattr(args, "today", None))
    cache.save()
    return ledger, sorted(set(problems))


def _count(problems) -> int:
    """Problems found, counting those a "more problems" line stands for."""
    return sum(dict(p.params).get("count", 1) if p.code == "load.more_problems" else 1 for p in problems)


def _emit_problems(args: argparse.Namespace, problems, lang: str) -> None:
    out = report.format_problems(problems, args.format, lang)
    if out:
        print(out)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(report.markdown_summary(problems, lang, title="rectify " + args.command))


def cmd_validate(args: argparse.Namespace) -> int:
    from .load import ParseCache, default_cache_path
    from .validate import validate_folder
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    verdict = validate_folder(args.ledger, cache, args.today)
    cache.save()
    lang = _lang(args, settings_language=verdict.language)
    _emit_problems(args, verdict.problems, lang)
    if verdict.problems:
        say(args, translate("cli.summary", lang, count=_count(verdict.problems)), err=True)
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


def cmd_build(args: argparse.Namespace) -> int:
    from .load import ParseCache, default_cache_path
    from .output import check_output, protected_folders
    from .site import build_site
    refused = check_output(Path(args.out), protected_folders(Path(args.ledger), Path(args.repo) if args.repo else None,
                                                             Path(args.docs)))
    if refused is not None:   # a usage error: checked before anything is read
        say(args, refused.render(_lang(args)), err=True)
        return 2
    ledger, problems = _load(args)
    lang = args.lang or _lang(args, ledger)
    if problems:
        _emit_problems(args, problems, lang)
        say(args, translate("cli.build_failed", lang), err=True)
        return 1
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    repo = Path(args.repo) if args.repo else Path(args.ledger)
    result, problems = build_site(ledger, Path(args.out), repo=repo, ledger_dir=_ledger_in_repo(args.ledger, repo),
                                  as_of=args.as_of, audience=args.audience, lang=args.lang, cache=cache,
                                  config=Path(args.config), docs_src=Path(args.docs))
    cache.save()
    if problems:
        _emit_problems(args, problems, lang)
        say(args, translate("cli.build_failed", lang), err=True)
        return 1
    say(args, translate("cli.built", lang, out=args.out, pages=result.pages))
    return 0


def _ledger_in_repo(ledger: str, repo: Path) -> str:
    """The ledger folder's path inside ``repo`` ("ledger" when the ledger is not inside it)."""
    try:
        return Path(ledger).resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return "ledger"


def cmd_serve(args: argparse.Namespace) -> int:
    import time
    from .serve import serve
    lang = args.lang or "zh"
    site = Path(args.site)
    if not (site / "index.html").is_file():
        say(args, translate("cli.no_site", lang, site=args.site), err=True)
        return 1
    with serve(site, args.port) as origin:
        say(args, translate("cli.serving", lang, url=origin + "/index.html"))
        while True:   # until Ctrl-C (main turns KeyboardInterrupt into exit 130)
            time.sleep(3600)


def _open_history(args: argparse.Namespace, ref: str):
    from .history import open_history
    from .load import ParseCache, default_cache_path
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    return open_history(args.repo, ref, _ledger_in_repo(args.ledger, Path(args.repo)), cache)


def cmd_check(args: argparse.Namespace) -> int:
    from .changes import check_range
    from .problems import LedgerError, Problem
    ledger, problems = _load(args)
    lang = _lang(args, ledger)
    moves = []
    commits = 0
    try:
        with _open_history(args, args.head) as history:
            try:
                base = history.repo.git.merge_base(args.base, args.head).strip()
            except Exception:
                raise LedgerError([Problem.at(args.repo, None, "history.no_merge_base", base=args.base)]) from None
            in_range = set(history.repo.git.rev_list("--first-parent", f"{base}..{args.head}").split())
            commits = len(in_range)
            change_problems, moves = check_range(history, ledger.settings, in_range)
            history.cache.save()
        problems = sorted(set(problems) | set(change_problems))
    except LedgerError as exc:
        problems = sorted(set(problems) | set(exc.problems))
    _emit_problems(args, problems, lang)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as fh:
            fh.write(report.markdown_summary(problems, lang, "rectify check", report.moves_markdown(moves, ledger, lang)))
    if problems:
        say(args, translate("cli.summary", lang, count=_count(problems)), err=True)
        return 1
    if args.format not in report.MACHINE_FORMATS:
        say(args, translate("cli.check_ok", lang, commits=commits, moves=len(moves)))
        for line in report.moves_text(moves, ledger, lang):
            say(args, line)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from .changes import audit_history
    from .load import load_ledger
    from .problems import LedgerError
    ledger, _ = load_ledger(args.ledger)
    lang = _lang(args, ledger)
    try:
        with _open_history(args, args.ref) as history:
            problems, _ = audit_history(history, ledger.settings)
            history.cache.save()
            commits = {c.sha: c for c in history.commits}
    except LedgerError as exc:
        _emit_problems(args, exc.problems, lang)
        return 1
    if args.format == "text":
        for line in report.audit_text(problems, commits, lang):
            say(args, line)
    else:
        _emit_problems(args, problems, lang)
    if problems:
        say(args, translate("cli.summary", lang, count=_count(problems)), err=True)
        return 1
    say(args, translate("cli.audit_ok", lang, commits=len(commits)))
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if getattr(args, "handler", None) is not None:
        return args.handler(args)
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "status":
        return cmd_status(args)
    if args.command == "schema":
        from .schema import write_schemas
        lang = args.lang or "zh"
        stale, count = write_schemas(Path(args.out), check=args.check)
        if args.check:
            if stale:
                say(args, translate("cli.schemas_stale", lang, folder=args.out, names=", ".join(stale)), err=True)
                return 1
            return 0
        say(args, translate("cli.schemas_written", lang, count=count, folder=args.out))
        return 0
    if args.command == "build":
        return cmd_build(args)
    if args.command == "check":
        return cmd_check(args)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "audit":
        return cmd_audit(args)
    raise AssertionError(args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

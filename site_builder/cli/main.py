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

from site_builder import version
from site_builder.cli import report
from site_builder.core.messages import translate

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
    parser.add_argument("--version", action="version", version=f"rectify {version()}", help="help.version")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # every command lives in a module of its own, which registers its parser and handler
    for module in _extensions():
        module.register(sub, _common, _date)
    return parser


def _extensions() -> list:
    """The command modules, in the order ``--help`` lists them: each has ``register(subparsers,
    common, date_type)`` and sets the ``handler`` of its commands."""
    from site_builder.cli import bulletin, bundle, edit, forge, gate, ledger, rollup, site
    return [ledger, gate, site, bulletin, rollup, edit, forge, bundle]


def main(argv: list[str] | None = None) -> int:
    from site_builder.cli.help import help_lang, localize
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


def _load(args: argparse.Namespace, validated: bool = True):
    """Load and validate (only load when not ``validated``); returns (ledger, problems)."""
    from site_builder.ledger.load import ParseCache, default_cache_path, load_ledger
    from site_builder.ledger.validate import validate
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    ledger, problems = load_ledger(args.ledger, cache)
    if validated and not any(p.code == "load.no_ledger_dir" for p in problems):
        problems += validate(ledger, getattr(args, "today", None))
    cache.save()
    problems = sorted(set(problems))
    if problems and all(p.severity == "warning" for p in problems):
        # warnings never stop a command: shown here, and the command goes on with nothing to report;
        # `members update` is the cure for its own warnings (members not locked yet), so it skips them
        if getattr(args, "command", "") != "members":
            _emit_problems(args, problems, _lang(args, ledger))
        return ledger, []
    return ledger, problems


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


def _ledger_in_repo(ledger: str, repo: Path) -> str:
    """The ledger folder's path inside ``repo`` ("ledger" when the ledger is not inside it)."""
    try:
        return Path(ledger).resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return "ledger"


def _open_history(args: argparse.Namespace, ref: str):
    from site_builder.history.timeline import open_history
    from site_builder.ledger.load import ParseCache, default_cache_path
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    return open_history(args.repo, ref, _ledger_in_repo(args.ledger, Path(args.repo)), cache)


def _dispatch(args: argparse.Namespace) -> int:
    return args.handler(args)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

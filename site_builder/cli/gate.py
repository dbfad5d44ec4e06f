"""``rectify check`` (the pull-request gate) and ``rectify audit`` (the whole history): the change
rules of ``history.rules`` over a range of commits or all of them."""

from __future__ import annotations

import argparse

from site_builder.cli import report
from site_builder.cli.main import _count, _emit_problems, _lang, _load, _open_history, say
from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    p = sub.add_parser("check", help="help.check")
    common(p)
    p.add_argument("--base", required=True, help="help.check.base")
    p.add_argument("--head", default="HEAD", help="help.check.head")
    p.add_argument("--repo", default=".", help="help.check.repo")
    p.add_argument("--summary", default=None, help="help.check.summary")
    p.add_argument("--merge-method", choices=("merge", "rebase", "squash"), default="merge", help="help.check.merge_method")
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("audit", help="help.audit")
    common(p)
    p.add_argument("--ref", default="HEAD", help="help.audit.ref")
    p.add_argument("--repo", default=".", help="help.audit.repo")
    p.set_defaults(handler=cmd_audit)


def cmd_check(args: argparse.Namespace) -> int:
    from site_builder.history.rules import check_range
    from site_builder.core.problems import LedgerError, Problem
    ledger, problems = _load(args, validated=False)
    lang = _lang(args, ledger)
    moves = []
    commits = 0
    settings = None
    try:
        with _open_history(args, args.head) as history:
            try:
                base = history.repo.git.merge_base(args.base, args.head).strip()
            except Exception:
                raise LedgerError([Problem.at(args.repo, None, "history.no_merge_base", base=args.base)]) from None
            # a pull request is judged by the rules in force where it goes, not by those it brings:
            # its own validation as much as its changes
            settings = _base_settings(history, base) or ledger.settings
            problems = sorted(set(problems + _validated(ledger, problems, settings)))
            change_problems, moves, commits = check_range(history, settings, base, args.head, args.merge_method)
            history.cache.save()
        # a file still broken at the head is reported once, where it stands now, not again at the
        # commit that broke it
        standing = {(p.file, p.line, p.col, p.code, p.params) for p in problems}
        problems = sorted(set(problems) | {p for p in change_problems
                                           if (p.file, p.line, p.col, p.code, p.params) not in standing})
    except LedgerError as exc:
        if settings is None:   # no base to take the settings from: the head's own
            problems = sorted(set(problems + _validated(ledger, problems, ledger.settings)))
        problems = sorted(set(problems) | set(exc.problems))
    _emit_problems(args, problems, lang)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as fh:
            fh.write(report.markdown_summary(problems, lang, "rectify check", report.moves_markdown(moves, ledger, lang)))
    errors = [p for p in problems if p.severity == "error"]   # warnings are shown, never block
    if errors:
        say(args, translate("cli.summary", lang, count=_count(errors)), err=True)
        return 1
    if args.format not in report.MACHINE_FORMATS:
        warned = len(problems)
        say(args, translate("cli.check_ok_warnings" if warned else "cli.check_ok", lang, commits=commits,
                            moves=len(moves), warnings=warned))
        for line in report.moves_text(moves, ledger, lang):
            say(args, line)
    return 0


def _validated(ledger, problems, settings) -> list:
    """The head's validation with ``settings`` for its rules (none when the folder is missing)."""
    from site_builder.ledger.validate import validate
    if any(p.code == "load.no_ledger_dir" for p in problems):
        return []
    return validate(ledger, rules=settings)


def _base_settings(history, base: str):
    """The settings file as the base holds it (None when it does not load there)."""
    from site_builder.history.graph import commit_of
    ledger, _ = history.ledger_at(commit_of(history, base))
    return ledger.settings


def cmd_audit(args: argparse.Namespace) -> int:
    from site_builder.history.rules import audit_history
    from site_builder.ledger.load import load_ledger
    from site_builder.core.problems import LedgerError
    ledger, _ = load_ledger(args.ledger)
    lang = _lang(args, ledger)
    try:
        with _open_history(args, args.ref) as history:
            problems, _, walked = audit_history(history, ledger.settings, ref=args.ref)
            history.cache.save()
            commits = {c.sha: c for c in walked}
    except LedgerError as exc:
        _emit_problems(args, exc.problems, lang)
        return 1
    if args.format == "text":
        for line in report.audit_text(problems, commits, lang):
            say(args, line)
    else:
        _emit_problems(args, problems, lang)
    errors = [p for p in problems if p.severity == "error"]   # warnings are shown, never block
    if errors:
        say(args, translate("cli.summary", lang, count=_count(errors)), err=True)
        return 1
    warned = len(problems)
    say(args, translate("cli.audit_ok_warnings" if warned else "cli.audit_ok", lang, commits=len(commits),
                        warnings=warned))
    return 0

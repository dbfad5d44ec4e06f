"""``rectify bulletin``: the weekly bulletin (每周情况通报) of one ISO week as Markdown and Word, with
reminder-letter drafts (提醒函) for the lagging units, written into a folder.

The figures come from the git history as it stood at the end of the week (``bulletin``), so the
command gives the same files whenever it runs. Exit codes as everywhere: 0 written, 1 the ledger of
that week did not load (or the history cannot be read), 2 usage (a malformed week).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from site_builder.core import clock
from site_builder.core.messages import translate


def _week(value: str) -> str:
    from site_builder.bulletin.weeks import WeekError, parse_week
    try:
        year, number = parse_week(value)
    except WeekError as exc:
        raise argparse.ArgumentTypeError(translate(exc.code, "zh", **exc.params)) from None
    return f"{year}-W{number:02d}"


def register(sub, common, date_type) -> None:
    p = sub.add_parser("bulletin", help="help.bulletin")
    common(p)
    p.add_argument("--week", type=_week, default=None,
                   help="help.bulletin.week")
    p.add_argument("--repo", default=None, help="help.bulletin.repo")
    p.add_argument("--out", default="build/bulletins", help="help.bulletin.out")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.cli import main as cli
    from site_builder.bulletin.builder import BulletinBuilder
    from site_builder.bulletin.word import bulletin_docx, reminder_letters
    from site_builder.bulletin.pages import bulletin_markdown
    from site_builder.bulletin.wording import long_date, verdict
    from site_builder.bulletin.weeks import last_complete_week, week_bounds
    from site_builder.history.timeline import open_history
    from site_builder.ledger.load import ParseCache, default_cache_path
    from site_builder.core.problems import LedgerError

    from site_builder.cli import rollup
    if rollup.is_rollup_folder(Path(args.ledger)):   # a city's or province's roll-up
        return rollup.cmd_bulletin(args)
    lang = cli._lang(args)
    repo = Path(args.repo) if args.repo else Path(args.ledger)
    cache = ParseCache(None if args.no_cache else default_cache_path(Path(args.ledger)))
    try:
        with open_history(repo, "HEAD", cli._ledger_in_repo(args.ledger, repo), cache) as history:
            builder = BulletinBuilder(history)
            problems = list(builder.problems)
            week = args.week or last_complete_week(clock.now(), builder.tz)
            bulletin = None
            if not problems:
                bulletin, problems = builder.build(week)
            cache.save()
    except LedgerError as exc:
        problems, bulletin, week = exc.problems, None, args.week or ""
    if bulletin is None:
        cli._emit_problems(args, problems, lang)
        cli.say(args, translate("bulletin.failed", lang, week=week), err=True)
        return 1
    if not args.lang and os.environ.get("RECTIFY_LANG") not in ("zh", "en"):
        lang = bulletin.language      # the settings' language as they stood that week

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = {f"{bulletin.week}.md": bulletin_markdown(bulletin, lang).encode("utf-8"),
             f"{bulletin.week}.docx": bulletin_docx(bulletin, lang)}
    files.update(reminder_letters(bulletin, lang))
    for name, data in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(out / name)

    cli.say(args, translate("bulletin.written", lang, week=bulletin.week, year=bulletin.year, number=bulletin.number,
                    end=long_date(bulletin.end, lang), issue=long_date(bulletin.issue_date, lang),
                    files=", ".join(str(out / n) for n in list(files)[:2])))
    for r in bulletin.rounds:
        cli.say(args, translate("bulletin.summary_round", lang, name=r.name, completion=r.completion_rate,
                        time=r.time_progress, verdict=verdict(r, lang)))
    counts = bulletin.changes.counts()
    cli.say(args, translate("bulletin.summary_week", lang, overdue=bulletin.overdue_total, silent=len(bulletin.silent), **counts))
    cli.say(args, translate("bulletin.letters_written", lang, count=len(bulletin.lagging),
                    units="、".join(u.name for u in bulletin.lagging) or "—"))
    _, end = week_bounds(bulletin.week, bulletin.timezone)
    if end > clock.now():
        cli.say(args, translate("bulletin.unfinished", lang, week=bulletin.week), err=True)
    return 0

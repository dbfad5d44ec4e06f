"""``rectify members update`` and the roll-up's ``build`` and ``bulletin``: parses, hands off to the
roll-up stage, prints.

``members update`` exits 0 when every member was read and locked (a rewritten history is a warning
only: the member is re-locked), 1 when any member could not be read (the lock file is written all
the same: the others are locked anew, the unreachable ones keep their commit and are marked stale,
so a scheduled job turns red and someone looks), and 1 without writing anything when the ledger is
not a roll-up or does not validate.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    p = sub.add_parser("members", help="help.members")
    p.add_argument("action", choices=("update",), help="help.members.action")
    common(p)
    p.set_defaults(handler=cmd_members)


def is_rollup(ledger) -> bool:
    return ledger is not None and ledger.settings is not None and bool(ledger.settings.members)


def is_rollup_folder(ledger_dir: Path) -> bool:
    """Whether the folder's settings declare members (read alone, before any history is opened)."""
    from site_builder.ledger.filecheck import check_file
    path = ledger_dir / "ledger.yaml"
    try:
        _, settings, _ = check_file(path.read_bytes(), "settings", str(path))
    except OSError:
        return False
    return settings is not None and bool(settings.members)


def cmd_members(args: argparse.Namespace) -> int:
    from site_builder.cli.main import _emit_problems, _lang, _load, say
    from site_builder.core import clock
    from site_builder.rollup.members import LOCK_FILE, update_members, write_lock
    ledger, problems = _load(args)
    lang = _lang(args, ledger)
    if problems:
        _emit_problems(args, problems, lang)
        return 1
    if not is_rollup(ledger):
        say(args, translate("rollup.not_rollup", lang, file=ledger.paths.get("settings", args.ledger)), err=True)
        return 1
    lock, outcomes, problems = update_members(Path(args.ledger), ledger.settings, ledger.members_lock,
                                              clock.ledger_today(ledger.settings))
    path = write_lock(Path(args.ledger), lock)
    _emit_problems(args, problems, lang)
    codes = {"locked": "rollup.member_locked", "rewritten": "rollup.member_rewritten", "stale": "rollup.member_stale"}
    for o in outcomes:
        say(args, translate(codes[o.state], lang, name=o.name, id=o.member, commit=(o.commit or "-")[:10]))
    stale = sum(1 for o in outcomes if o.state == "stale")
    say(args, translate("rollup.updated", lang, file=path, count=len(outcomes), locked=len(outcomes) - stale, stale=stale))
    if stale:
        say(args, translate("rollup.update_failed", lang, stale=stale), err=True)
        return 1
    return 0


def cmd_build(args: argparse.Namespace, ledger, lang: str) -> int:
    """``rectify build`` of a roll-up ledger (``cli.site`` hands off here once it has validated it)."""
    from site_builder.cli.main import _emit_problems, say
    from site_builder.rollup.site import build_rollup_site
    result, problems = build_rollup_site(ledger, Path(args.ledger), Path(args.out),
                                         repo=Path(args.repo) if args.repo else None, as_of=args.as_of,
                                         audience=args.audience, lang=args.lang, config=Path(args.config),
                                         docs_src=Path(args.docs), use_cache=not args.no_cache)
    if problems:
        _emit_problems(args, problems, lang)
        say(args, translate("cli.build_failed", lang), err=True)
        return 1
    say(args, translate("rollup.built", lang, out=args.out, pages=result.pages, members=len(result.read.members),
                        read=len(result.read.read)))
    for m in result.read.members:
        if m.state != "ok":
            say(args, f"  {m.name}（{m.id}）：" + translate("rollup.state_" + m.state, lang)
                + (" — " + translate(m.reason, lang, **dict(m.reason_params)) if m.reason else ""), err=True)
    return 0


def cmd_bulletin(args: argparse.Namespace) -> int:
    """``rectify bulletin`` of a roll-up ledger: the week's roll-up bulletin and reminder letters."""
    from site_builder.bulletin.weeks import last_complete_week
    from site_builder.bulletin.wording import long_date
    from site_builder.cli import main as cli
    from site_builder.core import clock
    from site_builder.rollup.bulletin import build_rollup_bulletin, files
    ledger, problems = cli._load(args)
    lang = cli._lang(args, ledger)
    if problems:
        cli._emit_problems(args, problems, lang)
        return 1
    tz = ledger.settings.timezone
    week = args.week or last_complete_week(clock.now(), tz)
    repo = Path(args.repo) if args.repo else Path(args.ledger)
    bulletin, problems = build_rollup_bulletin(repo, Path(args.ledger), cli._ledger_in_repo(args.ledger, repo), week, tz,
                                               ledger.settings.audience.value == "public", not args.no_cache)
    if bulletin is None:
        cli._emit_problems(args, problems, lang)
        cli.say(args, translate("rollup.bulletin_failed", lang, week=week), err=True)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = files(bulletin, lang)
    for name, data in written.items():
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(out / name)
    cli.say(args, translate("rollup.bulletin_written", lang, week=week, end=long_date(bulletin.end, lang),
                            files=", ".join(str(out / n) for n in list(written)[:2]), letters=len(bulletin.lagging)))
    return 0

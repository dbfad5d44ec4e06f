"""``rectify build`` (the site into a folder) and ``rectify serve`` (a local preview)."""

from __future__ import annotations

import argparse
from pathlib import Path

from site_builder.cli.main import _emit_problems, _lang, _ledger_in_repo, _load, say
from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    p = sub.add_parser("build", help="help.build")
    common(p)
    p.add_argument("--out", default="site", help="help.build.out")
    p.add_argument("--as-of", type=date_type, default=None, help="help.build.as_of")
    p.add_argument("--audience", choices=("internal", "public"), default=None, help="help.build.audience")
    p.add_argument("--repo", default=None, help="help.build.repo")
    p.add_argument("--config", default="mkdocs.yml", help="help.build.config")
    p.add_argument("--docs", default="docs", help="help.build.docs")
    p.set_defaults(handler=cmd_build)

    p = sub.add_parser("serve", help="help.serve")
    p.add_argument("--site", default="site", help="help.serve.site")
    p.add_argument("--port", type=int, default=8000, help="help.serve.port")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")
    p.set_defaults(handler=cmd_serve)


def cmd_build(args: argparse.Namespace) -> int:
    from site_builder.ledger.load import ParseCache, default_cache_path
    from site_builder.site.output import check_output, protected_folders
    from site_builder.site.build import build_site
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
    from site_builder.cli import rollup
    if rollup.is_rollup(ledger):      # a city's or province's roll-up: its members' figures
        return rollup.cmd_build(args, ledger, lang)
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


def cmd_serve(args: argparse.Namespace) -> int:
    import time
    from site_builder.site.serve import serve
    lang = args.lang or "zh"
    site = Path(args.site)
    if not (site / "index.html").is_file():
        say(args, translate("cli.no_site", lang, site=args.site), err=True)
        return 1
    with serve(site, args.port) as origin:
        say(args, translate("cli.serving", lang, url=origin + "/index.html"))
        while True:   # until Ctrl-C (main turns KeyboardInterrupt into exit 130)
            time.sleep(3600)

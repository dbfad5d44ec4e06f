"""Command line, forges: ``publish`` (copy a built site into a web server's folder, the intranet's
stand-in for Pages). Registered by ``cli.build_parser`` through ``EXTENSIONS``; the work is in
``publish``, which prints nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from site_builder.cli.main import say
from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    p = sub.add_parser("publish", help="help.publish")
    p.add_argument("dir", help="help.publish.dir")
    p.add_argument("--site", default="site", help="help.publish.site")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from site_builder.cli.main import _lang
    from site_builder.site.publish import publish_site
    lang = _lang(args)
    problems = publish_site(Path(args.site), Path(args.dir))
    if problems:
        for p in problems:
            say(args, p.render(lang), err=True)
        return 1
    say(args, translate("publish.done", lang, site=args.site, dir=args.dir))
    return 0

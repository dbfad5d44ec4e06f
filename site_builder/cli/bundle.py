"""Command line for the packaging stage: ``rectify bundle DIR`` (the offline bundle). Registered by
``cli.main.build_parser``; the work is in ``edit.bundle``."""

from __future__ import annotations

from pathlib import Path

from site_builder import version
from site_builder.cli.main import say
from site_builder.core.messages import translate


def register(sub, common, date_type) -> None:
    from site_builder.edit.bundle import PLATFORMS, PYTHONS
    p = sub.add_parser("bundle", help="help.bundle")
    p.add_argument("dir", help="help.bundle.dir")
    p.add_argument("--wheel", default=None, help="help.bundle.wheel")
    p.add_argument("--platform", action="append", choices=tuple(PLATFORMS), default=None, help="help.bundle.platform")
    p.add_argument("--python", action="append", choices=PYTHONS, default=None, help="help.bundle.python")
    p.add_argument("--lang", choices=("zh", "en"), default=None, help="help.common.lang")
    p.set_defaults(handler=cmd_bundle)


def cmd_bundle(args) -> int:
    from site_builder.edit.bundle import PLATFORMS, PYTHONS, BundleError, make_bundle
    lang = args.lang or "zh"
    platforms = tuple(dict.fromkeys(args.platform or PLATFORMS))
    pythons = tuple(sorted(set(args.python or PYTHONS)))
    try:
        bundle = make_bundle(Path(args.dir), Path(args.wheel) if args.wheel else None, version(), platforms, pythons)
    except BundleError as exc:
        say(args, translate(exc.code, lang, **exc.params), err=True)
        return 2 if exc.code in ("bundle.not_empty", "bundle.no_wheel") else 1
    sizes = ", ".join(f"{name} {size / 1_000_000:.1f} MB" for name, size in bundle.sizes.items())
    say(args, translate("bundle.done", lang, dir=args.dir, wheels=len(bundle.wheels), sizes=sizes))
    return 0

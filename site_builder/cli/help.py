"""Command line, help texts: puts the catalogue's ``help.*`` texts into the argument parser, in the
language the user reads, just before it parses. Parsers are declared with message codes as their
``help=``/``description=`` (so a command added anywhere needs no change here), and this walk turns
every code into its text, argparse's own words (usage, options, -h) included.

The language of help has to be known before arguments are parsed: ``--lang`` is picked out of the
raw arguments, then ``$RECTIFY_LANG``, then ``language:`` of the ledger settings when help is asked
for, else Chinese.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from site_builder.core.messages import CATALOGUE, translate


def help_lang(argv: list[str], default_ledger: str = "ledger") -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("zh", "en"):
            return argv[i + 1]
        if arg in ("--lang=zh", "--lang=en"):
            return arg.split("=", 1)[1]
    if os.environ.get("RECTIFY_LANG") in ("zh", "en"):
        return os.environ["RECTIFY_LANG"]
    if "-h" in argv or "--help" in argv or not argv:
        # a positional naming a ledger folder, else the default one; only the one setting is read
        for candidate in [a for a in argv if not a.startswith("-")] + [default_ledger]:
            language = _settings_language(Path(candidate) / "ledger.yaml")
            if language:
                return language
    return "zh"


def _settings_language(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        from site_builder.ledger.yamlsafe import parse
        data, _ = parse(path.read_bytes(), str(path))
    except Exception:   # help must show whatever the settings file holds; validate reports it
        return None
    language = data.get("language") if isinstance(data, dict) else None
    return language if language in ("zh", "en") else None


def _text(value, lang: str):
    if isinstance(value, str) and value in CATALOGUE:
        return translate(value, lang)
    return value


def localize(parser: argparse.ArgumentParser, lang: str) -> None:
    """Turn every help code of ``parser`` and its subcommands into text in ``lang``."""
    class Formatter(argparse.HelpFormatter):
        def add_usage(self, usage, actions, groups, prefix=None):
            super().add_usage(usage, actions, groups, translate("help.argparse.usage", lang) if prefix is None else prefix)

    seen: set[int] = set()

    def walk(p: argparse.ArgumentParser, summary: str | None) -> None:
        if id(p) in seen:
            return
        seen.add(id(p))
        p.formatter_class = Formatter
        p.description = _text(p.description, lang) or summary
        p._positionals.title = translate("help.argparse.positionals", lang)
        p._optionals.title = translate("help.argparse.options", lang)
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = translate("help.argparse.help", lang)
            elif isinstance(action, argparse._SubParsersAction):
                action.help = translate("help.argparse.commands", lang)
                summaries = {choice.dest: _text(choice.help, lang) for choice in action._choices_actions}
                for choice in action._choices_actions:
                    choice.help = summaries[choice.dest]
                for name, sub in action.choices.items():
                    walk(sub, summaries.get(name))
            else:
                action.help = _text(action.help, lang)

    walk(parser, None)

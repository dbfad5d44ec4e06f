"""Plain YAML emitter: a fast path beside the round-trip layer (``edit.yamledit``) for new item files
only, as the Excel import writes thousands of them — the same text ruamel.yaml would write for
``dump(item_document(fields))``, byte for byte, without ruamel's representer, serializer and event
machinery (two thirds of a 5,000-row import went there).

Each scalar's style is chosen by ruamel's own rules, with ruamel's own pieces: its scalar analysis
(what a string may be written as, in flow and block context) and its YAML 1.2 resolver (a plain
``123`` or ``2023-01-01`` would not read back as text); strings the ledger's YAML 1.1 loader would
misread are single-quoted as ``text_value`` says. Whatever this emitter does not write the way ruamel
does — a string that needs double quotes (an apostrophe, a line break, a control character), a line
long enough for ruamel to fold, a value of a type it does not know — sends the whole file to ruamel,
so the output never differs; a test compares both on varied items.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from ruamel.yaml.emitter import Emitter
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from site_builder.edit.yamledit import ITEM_ORDER, _empty, dump, item_document, text_value

_STR = "tag:yaml.org,2002:str"
#: ruamel folds a line past its width (4096 in ``yamledit``); well below it nothing can fold
_MAX_LINE = 2000
_FLOW_SEQS = ("feedback", "tags")
#: most ledger text: letters, digits and at least one CJK or full-width character, nothing else. No
#: resolver pattern (all ASCII, anchored) matches it and no character is an indicator, a space or
#: special, so ruamel writes it plain in flow and block context alike; no analysis is needed
_CJK = "\u3001-\ud7ff\uff01-\uffef"
_PLAIN = re.compile(f"[0-9A-Za-z{_CJK}]*[{_CJK}][0-9A-Za-z{_CJK}]*")
_FLOW_RECORDS = ("measures", "reports", "supervision", "verifications", "lookbacks", "mechanisms")


class _Fallback(Exception):
    """This file is written by ruamel instead."""


class _Scalars:
    def __init__(self) -> None:
        # the analysis asks the serializer which YAML version is written: none given, as yamledit dumps
        self.emitter = Emitter(io.StringIO(), allow_unicode=True,
                               dumper=SimpleNamespace(_serializer=SimpleNamespace(use_version=None)))
        self.resolver = VersionedResolver()

    def text(self, value: str, flow: bool) -> str:
        """A string as ruamel writes it as a mapping value or a sequence entry (never a key)."""
        if not isinstance(value, SingleQuotedScalarString) and _PLAIN.fullmatch(value):
            return value
        return self._text(value, flow)

    # names and units repeat over thousands of items; typed: a quoted string is not the plain one
    @lru_cache(maxsize=65536, typed=True)
    def _text(self, value: str, flow: bool) -> str:
        forced = isinstance(value, SingleQuotedScalarString)
        if not forced:
            value = text_value(value)
            forced = isinstance(value, SingleQuotedScalarString)
        s = str(value)
        a = self.emitter.analyze_scalar(s)
        if not forced and self.resolver.resolve(ScalarNode, s, (True, False)) == _STR:
            if (a.allow_flow_plain if flow else a.allow_block_plain):
                return s
        if not forced and a.allow_double_quoted and ("'" in s or "\n" in s):
            raise _Fallback
        if a.allow_single_quoted and not a.multiline and "\n" not in s:
            return "'" + s.replace("'", "''") + "'"
        raise _Fallback

    def value(self, value: Any, flow: bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.datetime):
            raise _Fallback
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return self.text(getattr(value, "value", value), flow)
        raise _Fallback


_SCALARS: _Scalars | None = None


def _scalars() -> _Scalars:
    global _SCALARS
    if _SCALARS is None:
        _SCALARS = _Scalars()
    return _SCALARS


def _flow_seq(sc: _Scalars, values) -> str:
    return "[" + ", ".join(sc.value(v, True) for v in values) + "]"


def _flow_map(sc: _Scalars, record: dict) -> str:
    parts = []
    for key, value in record.items():
        if _empty(value):
            continue
        parts.append(f"{key}: " + (_flow_seq(sc, value) if isinstance(value, (list, tuple)) else sc.value(value, True)))
    return "{" + ", ".join(parts) + "}"


def _block_map(sc: _Scalars, record: dict, indent: str, first: str) -> list[str]:
    lines = []
    for key, value in record.items():
        if _empty(value):
            continue
        text = _flow_seq(sc, value) if isinstance(value, (list, tuple)) else sc.value(value, False)
        lines.append(f"{first if not lines else indent}{key}: {text}")
    return lines


def _emit(fields: dict[str, Any]) -> str:
    sc = _scalars()
    lines: list[str] = []
    for key in ITEM_ORDER:
        value = fields.get(key)
        if _empty(value):
            continue
        if key in _FLOW_SEQS:
            lines.append(f"{key}: {_flow_seq(sc, value)}")
        elif key in _FLOW_RECORDS:
            lines.append(f"{key}:")
            lines += [f"  - {_flow_map(sc, record)}" for record in value]
        elif key == "submissions":
            lines.append(f"{key}:")
            for record in value:
                lines += _block_map(sc, record, "    ", "  - ")
        elif key == "withdrawal":
            lines.append(f"{key}:")
            lines += _block_map(sc, value, "  ", "  ")
        elif isinstance(value, (list, tuple, dict)):
            raise _Fallback
        else:
            lines.append(f"{key}: {sc.value(value, False)}")
    if any(len(line) > _MAX_LINE for line in lines):
        raise _Fallback
    return "\n".join(lines) + "\n"


def emit_item(fields: dict[str, Any]) -> tuple[str, bool]:
    """(a new item file's text, whether the fast path wrote it): equal to ``dump(item_document(fields))``."""
    try:
        return _emit(fields), True
    except _Fallback:
        return dump(item_document(fields)), False

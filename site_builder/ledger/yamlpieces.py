"""YAML by pieces, part of the ledger stage's loader: where a file laid out plainly splits into
pieces (its top-level fields and the entries of its top-level lists) that parse alone to the values
they have inside the whole. Only text is handled here; ``yamlsafe`` parses the pieces.
"""

from __future__ import annotations

import re
from typing import Any, Callable

#: a top-level key as our files write it; a file with any other line at column 0 is parsed whole
_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: |$)")
#: characters that break lines for YAML besides \n, or change its meaning across lines
_NOT_PLAIN = re.compile("[\r\t\x85\u2028\u2029\ufeff]")


def by_pieces(text: str, piece: Callable[[str], Any], no: Any) -> dict | None:
    """The data of a plainly laid out file, built from its pieces, or None to parse it whole.

    A piece is one top-level field, or one entry of a top-level block sequence (``  - …``). Past
    versions of an item file differ from one another by a status line and an appended record, so
    nearly every piece has been parsed before and ``piece`` (the loader's, remembered) returns its
    value at once; ``no`` is what it returns for a piece that does not parse cleanly alone. A piece parsed alone
    gives the value it has inside the whole file whenever the file is plain: every line at column 0
    is a ``key:`` (or a comment), entries of one sequence start at one indentation and everything
    else of theirs is indented deeper, keys are not repeated. Anything else, and any piece that does
    not parse as exactly one key or one entry, sends the whole file to the ordinary parse, which
    also places every error; a test checks both ways agree on every version of a generated history
    and on the malformed corpus."""
    if _NOT_PLAIN.search(text):
        return None
    lines = text.split("\n")
    starts: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        if not line or line[0] == "#":
            continue
        if line[0] == " " or (line[0] == "-" and line[1:2] in ("", " ")):
            # indented, or an entry of a sequence written at the key's own column (PyYAML's dump)
            if not starts:
                return None
            continue
        m = _TOP_KEY.match(line)
        if m is None:
            return None
        starts.append((m.group(1), i))
    if not starts:
        return None
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    offsets[-1] = len(text)        # every piece is the file's own text, line ends included
    data: dict = {}
    for k, (key, start) in enumerate(starts):
        if key in data:
            return None
        end = starts[k + 1][1] if k + 1 < len(starts) else len(lines)
        entries = _entries(lines, start, end) if lines[start] == key + ":" else None
        if entries is None:
            value = piece(text[offsets[start]:offsets[end]])
            if value is no or not (isinstance(value, dict) and len(value) == 1 and key in value):
                return None
            data[key] = value[key]
        else:
            values = []
            for a, b in entries:
                value = piece(text[offsets[a]:offsets[b]])
                if value is no or not (isinstance(value, list) and len(value) == 1):
                    return None
                values.append(value[0])
            data[key] = values
    return data


def _entries(lines: list[str], start: int, end: int) -> list[tuple[int, int]] | None:
    """The entries (first line, line after the last) of a block sequence under the bare ``key:``
    line ``start``; None when the block is not one (then it is parsed as a whole)."""
    body = [line for line in lines[start + 1:end] if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        return None
    first = body[0]
    indent = len(first) - len(first.lstrip(" "))
    lead = " " * indent + "-"
    if not first.startswith(lead) or first[indent + 1:indent + 2] not in ("", " "):
        return None
    entries: list[list[int]] = []
    for i in range(start + 1, end):
        line = lines[i]
        if line.startswith(lead) and line[indent + 1:indent + 2] in ("", " "):
            if entries:
                entries[-1][1] = i
            entries.append([i, end])
        elif line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip(" ")) <= indent:
            return None
    return [(a, b) for a, b in entries]

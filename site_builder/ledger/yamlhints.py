"""YAML hints: the part of the load stage that names the mistakes a Chinese keyboard makes, where they stand.

PyYAML reports a full-width colon after a field name one line below it (it only notices at the next
key), reads ``tags: [甲，乙]`` as one entry without complaint, and calls a full-width space in the
indentation "mapping values are not allowed" further right. ``prescan`` finds the mistakes that parse
silently (invisible characters, merge-conflict markers, Chinese commas in flow lists, lists written in
full-width brackets) on every file, behind cheap regular expressions. ``diagnose`` runs only when a
file does not parse: it lists the known mistakes of the file, and confirms each one by repairing it and
parsing again, keeping only those whose repair moves the syntax error forward, so that legal text
(``text: 要求：立即整改``, a U+3000 inside a value) is never blamed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable

import yaml

from site_builder.core.problems import Problem

# zero-width characters, a byte-order mark past the start, and the bidi controls of "Trojan source"
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?=[ \t\r]|$)", re.M)
_FLOW_COMMA_GATE = re.compile(r"\[[^\]\n]*[，、]")
_CHINESE_COMMA = re.compile("[，、]")
# a value wholly in full-width brackets (``feedback: ［2023-R2-F02］``) parses as text, yet was meant as a list
_WIDE_FLOW_VALUE = re.compile(r"(?:^[ \t]*(?:-[ \t]+)*(?:[A-Za-z_][\w-]*[ \t]*:[ \t]+)?)(?P<c>[［｛])[^\n]*[］｝][ \t]*(?:#[^\n]*)?$",
                              re.M)

# where a field name stands: at the start of a line (after indentation and list dashes) or after '{' / ','
_KEY_AT = r"(?:^[ \t]*(?:-[ \t]+)*|[{,][ \t]*)(?P<key>[A-Za-z_][\w-]*)"
_VALUE_AT = r"(?:^[ \t]*(?:-[ \t]+)*(?:[A-Za-z_][\w-]*[ \t]*:[ \t]+)?|[\[{,][ \t]*|:[ \t]+)"
_PATTERNS = (
    ("load.fullwidth_colon", re.compile(_KEY_AT + r"[ \t]*(?P<c>：)", re.M)),
    ("load.wide_space", re.compile(_KEY_AT + r":(?P<c>[\u3000\u00a0])", re.M)),
    ("load.colon_no_space", re.compile(_KEY_AT + r"(?P<c>:)(?=[^\s:/\\\u3000\u00a0])", re.M)),
    ("load.wide_space", re.compile(r"^[ \t]*(?P<c>[\u3000\u00a0]+)", re.M)),
    ("load.wide_space", re.compile(r"^[ \t]*(?:-[ \t]*)+(?P<c>[\u3000\u00a0]+)", re.M)),
    ("load.fullwidth_dash", re.compile(r"^[ \t]*(?P<c>[－—–−])(?=[ \t\u3000]|$)", re.M)),
    ("load.fullwidth_quote", re.compile(_VALUE_AT + r"(?P<c>[“‘])", re.M)),
    ("load.fullwidth_bracket", re.compile(_VALUE_AT + r"(?P<c>[［｛])", re.M)),
    ("load.chinese_comma", re.compile(r"(?<=[^\s，、])(?P<c>[，、])(?=[^\n]*[\]}])", re.M)),
    ("load.conflict_marker", re.compile(r"^(?P<c><{7}|={7}|>{7})(?=[ \t\r]|$)", re.M)),
    ("load.invisible_char", re.compile(f"(?P<c>{_INVISIBLE.pattern})")),
)
_CLOSING = {"“": ("”", '"'), "‘": ("’", "'"), "［": ("］", "["), "｛": ("｝", "{")}
_CLOSED_BY = {"［": "]", "｛": "}"}
MAX_TRIES = 40  # parses one broken file may cost; a real file has one or two mistakes


def _char(c: str) -> str:
    return f"U+{ord(c):04X}"


class _Lines:
    """Index ↔ (line, col) of one text, 1-based, columns in characters as editors count them."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1

    def index(self, line: int, col: int) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + col - 1


def _params(code: str, m: re.Match) -> dict:
    c = m.group("c")
    if code in ("load.fullwidth_colon", "load.colon_no_space"):
        return {"key": m.group("key")}
    if code == "load.wide_space":
        return {"char": _char(c[0])}
    if code == "load.invisible_char":
        return {"char": _char(c)}
    if code == "load.conflict_marker":
        return {"marker": c}
    return {"char": c}


# ---------------------------------------------------------------- mistakes that parse

def prescan(text: str, file: str) -> list[Problem]:
    """Mistakes that PyYAML reads without an error, or reports somewhere else: found on every file."""
    found: list[tuple[int, str, dict]] = []
    if _INVISIBLE.search(text):
        found += [(m.start(), "load.invisible_char", {"char": _char(m.group())}) for m in _INVISIBLE.finditer(text)]
    if "=======" in text or "<<<<<<<" in text or ">>>>>>>" in text:
        found += [(m.start(), "load.conflict_marker", {"marker": m.group(1)}) for m in _CONFLICT.finditer(text)]
    if "［" in text or "｛" in text:
        found += [(m.start("c"), "load.fullwidth_bracket", {"char": m.group("c")}) for m in _WIDE_FLOW_VALUE.finditer(text)]
    if _FLOW_COMMA_GATE.search(text):
        found += [(i, "load.chinese_comma", {"char": text[i]}) for i in _flow_list_commas(text)]
    if not found:
        return []
    lines = _Lines(text)
    return [Problem.at(file, lines.pos(i), code, **params) for i, code, params in found]


_SENTENCE = re.compile("[。！？；：]")
MAX_LABEL = 12  # characters: a tag, an aspect or an id; a part longer than this is a clause of a sentence


def _label_list(value: str) -> bool:
    """Whether a list entry reads as several labels run together (``防汛，物资``), not as a sentence
    (``逐项发出预警，限期说明原因。``, as bulletins' next steps are written)."""
    if _SENTENCE.search(value):
        return False
    return all(len(part.strip()) <= MAX_LABEL for part in _CHINESE_COMMA.split(value))


def _flow_list_commas(text: str) -> list[int]:
    """Offsets of the Chinese commas inside plain entries of flow sequences (``[甲，乙]``), not of quoted
    entries (``["甲，乙"]``), of values inside flow mappings (``{text: 甲，乙}``) nor of sentences."""
    out: list[int] = []
    flow_seq: list[bool] = []
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            cls = event.__class__
            if cls is yaml.SequenceStartEvent or cls is yaml.MappingStartEvent:
                flow_seq.append(cls is yaml.SequenceStartEvent and bool(event.flow_style))
            elif cls is yaml.SequenceEndEvent or cls is yaml.MappingEndEvent:
                flow_seq.pop()
            elif cls is yaml.ScalarEvent and not event.style and flow_seq and flow_seq[-1] and _label_list(event.value):
                start = event.start_mark.index
                out += [m.start() for m in _CHINESE_COMMA.finditer(text, start, event.end_mark.index)]
    except yaml.YAMLError:
        pass  # a syntax error: diagnose() looks at this file
    return out


# ---------------------------------------------------------------- mistakes that break the parse

@dataclass(frozen=True)
class _Candidate:
    start: int   # offset in the current text
    end: int
    code: str
    params: tuple
    repair: tuple[tuple[int, int, str], ...]  # (start, end, replacement), in increasing order


def _repairs(text: str, code: str, m: re.Match) -> tuple[tuple[int, int, str], ...]:
    s, e = m.span("c")
    c = m.group("c")
    if code == "load.fullwidth_colon":
        return ((s, e, ": "),)
    if code == "load.colon_no_space":
        return ((s, e, ": "),)
    if code == "load.wide_space":
        # U+3000 is as wide as two spaces, and stands for them when typed in full-width mode
        return ((s, e, c.replace("\u3000", "  ").replace("\u00a0", " ")),)
    if code == "load.fullwidth_dash":
        return ((s, e, "-"),)
    if code in ("load.fullwidth_quote", "load.fullwidth_bracket"):
        closing, ascii_ = _CLOSING[c]
        line_end = text.find("\n", e)
        close = text.find(closing, e, line_end if line_end >= 0 else len(text))
        fix = ((s, e, ascii_),)
        if close >= 0:
            fix += ((close, close + 1, _CLOSED_BY.get(c, ascii_)),)
        return fix
    if code == "load.chinese_comma":
        return ((s, e, ","),)
    if code == "load.conflict_marker":
        return ((s, s, "#"),)
    return ((s, e, ""),)  # an invisible character: remove it


def _candidates(text: str) -> list[_Candidate]:
    out = []
    for code, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span("c")
            out.append(_Candidate(s, e, code, tuple(sorted(_params(code, m).items())), _repairs(text, code, m)))
    return out


def _outcome(text: str) -> tuple[float, float]:
    """How far the text parses: the syntax error's place, (0, 0) for a lone scalar, infinity when it parses."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.reader.ReaderError:
        return (0.0, 0.0)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        return (mark.line + 1, mark.column + 1) if mark is not None else (0.0, 0.0)
    except RecursionError:
        return (0.0, 0.0)
    if node is None or isinstance(node, yaml.ScalarNode):
        return (0.0, 0.0)
    return (float("inf"), float("inf"))


def diagnose(text: str, file: str) -> tuple[list[Problem], str, Callable[[int, int], tuple[int, int]]]:
    """The known mistakes that make ``text`` fail to parse (or parse as a lone value), each at its place
    in ``text``; the text with them repaired (its remaining errors, if any, are the caller's); and the map
    from a place in the repaired text back to ``text``."""
    original = _Lines(text)
    edits: list[tuple[int, int]] = []  # (offset in the text of that time, length change), in order
    found: list[Problem] = []
    outcome = _outcome(text)
    tries = 0
    while outcome[0] != float("inf") and tries < MAX_TRIES:
        lines = _Lines(text)
        limit = outcome[0] if outcome[0] >= 1 else len(lines.starts) + 1
        candidates = [c for c in _candidates(text) if lines.pos(c.start)[0] <= limit]
        candidates.sort(key=lambda c: -c.start)  # the nearest to the error first
        for cand in candidates:
            tries += 1
            if tries > MAX_TRIES:
                break
            repaired = _apply(text, cand.repair)
            after = _outcome(repaired)
            if after > outcome:
                found.append(Problem.at(file, original.pos(_undo(edits, cand.start)), cand.code, **dict(cand.params)))
                edits.extend(_edit_log(cand.repair))
                text, outcome = repaired, after
                break
        else:
            break
    final = _Lines(text)

    def back(line: int, col: int) -> tuple[int, int]:
        return original.pos(_undo(edits, final.index(line, col)))
    return found, text, back


def _undo(edits: list[tuple[int, int]], index: int) -> int:
    """An offset in the repaired text → the same place in the text before the ``edits``."""
    for at, delta in reversed(edits):
        if index > at:
            index = max(at, index - delta)
    return index


def _apply(text: str, repair: tuple[tuple[int, int, str], ...]) -> str:
    for s, e, new in reversed(repair):
        text = text[:s] + new + text[e:]
    return text


def _edit_log(repair: tuple[tuple[int, int, str], ...]) -> list[tuple[int, int]]:
    # applied last first, so the earlier edit's offset is unchanged by the later one
    return [(s, len(new) - (e - s)) for s, e, new in reversed(repair)]



# ---------------------------------------------------------------- mistakes the model reports as a strange field

_KEY_MISTAKE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*(?P<c>：|:(?=\S))")


def key_mistake(key: str) -> tuple[str, int, dict] | None:
    """A field name that holds a keyboard mistake (``{id：M1}`` reads as the field 'id：M1', a line starting
    with U+3000 as a field whose name starts with it): (code, column offset of the mistake, params)."""
    if key[:1] in ("\u3000", "\u00a0"):
        return "load.wide_space", 0, {"char": _char(key[0])}
    m = _KEY_MISTAKE.match(key)
    if m is None:
        return None
    code = "load.fullwidth_colon" if m.group("c") == "：" else "load.colon_no_space"
    return code, m.start("c"), {"key": m.group("key")}

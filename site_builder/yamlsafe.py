"""Safe YAML: the bottom of the load stage, bytes in, plain data and located problems out.

PyYAML's C parser does the reading; our own constructor closes the YAML 1.1 pitfalls that
DESIGN.md §6 lists: duplicate keys are errors (PyYAML keeps the last silently), anchors and aliases
are refused (an alias bomb of a few hundred bytes expands to millions of nodes), non-text keys are
refused, timestamps stay text so that the models can report an impossible date with its place,
files are capped in size and must be UTF-8. Positions are not kept on the fast path: ``locate``
composes the file again only when a problem needs a line and column.
"""

from __future__ import annotations

import hashlib
from typing import Any

import yaml

from .problems import Problem

MAX_FILE_BYTES = 1 << 20  # 1 MiB: a real item is a few KB; anything near this is a mistake
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def blob_id(raw: bytes) -> str:
    """The git blob id of ``raw``, so that working-tree files and history share one cache."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, code: str, mark: Any, **params: Any):
        super().__init__(problem=code, problem_mark=mark)
        self.code = code
        self.params = params


_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = yaml.constructor.SafeConstructor()


def _build(node: Any) -> Any:
    """Composed node → plain data. Faster than PyYAML's constructor, and stricter.

    Timestamps stay text (the models parse dates and place errors); other implicit scalars
    (bool, int, float, null) are built as YAML 1.1 says, so the models can refuse them by type.
    """
    cls = node.__class__
    if cls is yaml.ScalarNode:
        tag = node.tag
        if tag == _STR or tag == _TIMESTAMP:
            return node.value
        return _SCALARS.construct_object(node, deep=True)
    if cls is yaml.SequenceNode:
        return [_build(child) for child in node.value]
    mapping: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            raise _Refused("load.merge_key", key_node.start_mark)
        if key_node.__class__ is not yaml.ScalarNode or key_node.tag != _STR:
            raise _Refused("load.key_not_text", key_node.start_mark, key=str(key_node.value)[:40])
        key = key_node.value
        if key in mapping:
            raise _Refused("load.duplicate_key", key_node.start_mark, key=key)
        mapping[key] = _build(value_node)
    return mapping


def _pos_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def _mark_pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Bytes → text, refusing oversized, UTF-16 and non-UTF-8 files with a located problem."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem.at(file, None, "load.too_large", size=len(raw), limit=MAX_FILE_BYTES)]
    if raw.startswith(_UTF16_BOMS):
        return None, [Problem.at(file, (1, 1), "load.utf16")]
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM):]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem.at(file, _pos_of_offset(raw, exc.start), "load.not_utf8",
                                 byte=f"0x{raw[exc.start]:02X}")]


def _anchor_problems(text: str, file: str) -> list[Problem]:
    # Only files containing '&' or '*' can hold anchors or aliases; the event scan is cheap
    # but not free, so most files skip it.
    if "&" not in text and "*" not in text:
        return []
    problems = []
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                problems.append(Problem.at(file, _mark_pos(event.start_mark), "load.alias", name=event.anchor))
            elif getattr(event, "anchor", None):
                problems.append(Problem.at(file, _mark_pos(event.start_mark), "load.anchor", name=event.anchor))
    except yaml.YAMLError:
        return []  # the load below reports the syntax error with its place
    return problems


#: PyYAML's problem texts → our message codes, for the mistakes people make most
_SYNTAX_CODES = (
    ("mapping values are not allowed", "load.colon_in_value"),
    ("could not find expected ':'", "load.missing_colon"),
    ("found unexpected end of stream", "load.unclosed"),
    ("found unexpected end", "load.unclosed"),
    ("did not find expected ',' or", "load.unclosed"),
    ("did not find expected key", "load.indentation"),
    ("expected <block end>", "load.indentation"),
    ("did not find expected '-' indicator", "load.indentation"),
    ("found unknown escape character", "load.bad_escape"),
)


def _yaml_error(exc: yaml.YAMLError, file: str, text: str = "") -> Problem:
    if isinstance(exc, _Refused):
        return Problem.at(file, _mark_pos(exc.problem_mark), exc.code, **exc.params)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    detail = (getattr(exc, "problem", None) or str(exc)).strip()
    pos = _mark_pos(mark)
    line = text.splitlines()[pos[0] - 1] if text and 0 < pos[0] <= len(text.splitlines()) else ""
    if "\\t" in detail or "tab" in detail or "\t" in line[:len(line) - len(line.lstrip())] or line[pos[1] - 1:pos[1]] == "\t":
        return Problem.at(file, pos, "load.tab")
    for needle, code in _SYNTAX_CODES:
        if needle in detail:
            return Problem.at(file, pos, code)
    return Problem.at(file, pos, "load.syntax", detail=detail)


def parse(raw: bytes, file: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document safely. Returns ``(data, problems)``; data is None on problems."""
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    problems = _anchor_problems(text, file)
    if problems:
        return None, problems
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        data = None if node is None else _build(node)
    except yaml.YAMLError as exc:
        return None, [_yaml_error(exc, file, text)]
    except RecursionError:
        return None, [Problem.at(file, None, "load.too_deep")]
    if data is None:
        return None, [Problem.at(file, None, "load.empty")]
    if not isinstance(data, dict):
        return None, [Problem.at(file, (1, 1), "load.root_not_mapping", got=type(data).__name__)]
    return data, []


def locate(text: str, path: tuple, key: bool = False) -> tuple[int, int]:
    """The 1-based ``(line, col)`` of the value at ``path`` (of its key when ``key``).

    Walks as far as the path exists, so a missing field points at the mapping that lacks it.
    """
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return (1, 1)
    if node is None:
        return (1, 1)
    mark = node.start_mark
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    mark = key_node.start_mark if (last and key) else value_node.start_mark
                    node = value_node
                    break
            else:
                return _mark_pos(mark)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            mark = node.start_mark
        else:
            return _mark_pos(mark)
    return _mark_pos(mark)

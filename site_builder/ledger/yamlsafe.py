"""Safe YAML: the bottom of the load stage, bytes in, plain data and located problems out.

PyYAML's C parser does the reading; our own constructor closes the YAML 1.1 pitfalls that
DESIGN.md §6 lists: duplicate keys are errors (PyYAML keeps the last silently), anchors and aliases
are refused (an alias bomb of a few hundred bytes expands to millions of nodes), non-text keys are
refused, timestamps stay text so that the models can report an impossible date with its place,
files are capped in size and must be UTF-8. Positions are not kept on the fast path: ``locate``
composes the file again only when a problem needs a line and column.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import sys
from typing import Any

import yaml

from site_builder.ledger import yamlhints, yamlpieces
from site_builder.core.problems import Problem

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
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_PLAIN_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp",
                                                           "seq", "map"))


_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_IMPLICIT = {first: tuple(pairs) for first, pairs in yaml.CSafeLoader.yaml_implicit_resolvers.items()}


class _Loader(yaml.CSafeLoader):
    """libyaml's parser with PyYAML's safe tag resolution, called back for every node, made cheap.

    The same implicit resolvers in the same order as ``CSafeLoader`` (YAML 1.1: ``no`` is a bool,
    ``1:30`` an int), without the path-resolver bookkeeping that a safe loader never uses. The
    callbacks took a third of a file's parse.
    """

    def descend_resolver(self, current_node, current_index):  # noqa: ARG002 - libyaml's callback
        return None

    def ascend_resolver(self):
        return None

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_INT = "tag:yaml.org,2002:int"
_DIGITS = re.compile(r"[-+]?[0-9_]+$")


def _huge_int(text: str) -> int:
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return int(text.replace("_", ""))
    finally:
        sys.set_int_max_str_digits(old)


def _tag_name(tag: str) -> str:
    """A tag as it was written: ``!!int`` for YAML's own, ``!foo`` for local ones."""
    name = "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag
    return _short(name, 40)


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _build(node: Any) -> Any:
    """Composed node → plain data. Faster than PyYAML's constructor, and stricter.

    Timestamps stay text (the models parse dates and place errors); other implicit scalars
    (bool, int, float, null) are built as YAML 1.1 says, so the models can refuse them by type.
    """
    cls = node.__class__
    if cls is yaml.ScalarNode:
        tag = node.tag
        if tag == _STR or tag == _TIMESTAMP:
            value = node.value
            if len(value) == 10 and _DATE_RE.match(value):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    return value  # an impossible date: the model reports it with its place
            return value
        if tag not in _PLAIN_TAGS:
            raise _Refused("load.tag", node.start_mark, tag=_tag_name(tag))
        try:
            return _SCALARS.construct_object(node, deep=True)
        except ValueError:
            if tag == _INT and _DIGITS.match(node.value):
                return _huge_int(node.value)  # a number longer than Python prints: the model says "too large"
            raise _Refused("load.bad_scalar", node.start_mark, value=_short(node.value), tag=_tag_name(tag)) from None
        except (IndexError, KeyError, TypeError, yaml.YAMLError):
            raise _Refused("load.bad_scalar", node.start_mark, value=_short(node.value), tag=_tag_name(tag)) from None
    if node.tag not in _PLAIN_TAGS:
        raise _Refused("load.tag", node.start_mark, tag=_tag_name(node.tag))
    if cls is yaml.SequenceNode:
        return [_build(child) for child in node.value]
    mapping: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            raise _Refused("load.merge_key", key_node.start_mark)
        if key_node.__class__ is not yaml.ScalarNode:
            raise _Refused("load.key_not_text", key_node.start_mark,
                           key="[…]" if key_node.__class__ is yaml.SequenceNode else "{…}")
        if key_node.tag != _STR:
            raise _Refused("load.key_not_text", key_node.start_mark, key=_short(key_node.value))
        key = key_node.value
        if key in mapping:
            raise _Refused("load.duplicate_key", key_node.start_mark, key=key)
        mapping[key] = _build(value_node)
    return mapping


def _pos_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters, as editors count) of a byte offset."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


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
    if b"\0" in raw and _looks_utf16(raw):
        return None, [Problem.at(file, (1, 1), "load.utf16_no_bom")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Problem.at(file, _pos_of_offset(raw, exc.start), "load.not_utf8",
                                 byte=f"0x{raw[exc.start]:02X}")]


def _looks_utf16(raw: bytes) -> bool:
    # UTF-16 text without a BOM: every ASCII character carries a zero byte, all on the even or all on the odd side
    half = len(raw) // 2
    return half >= 2 and max(raw[0::2].count(0), raw[1::2].count(0)) >= half * 3 // 4


MAX_DEPTH = 64          # a real ledger file nests four or five levels deep
MAX_FILE_PROBLEMS = 50  # past this, one more line says how many were left out
_DEEP_HINT = re.compile(r"(?:-[ \t]+){8}|^[ \t]{64,}", re.M)


def _event_problems(text: str, file: str) -> list[Problem]:
    """Anchors, aliases and runaway nesting, found on the event stream before anything is built.

    libyaml's composer recurses in C, so a few KB of nested brackets would crash the process; the
    event scan is iterative. It is skipped for files that cannot hold any of these (nearly all).
    """
    if "&" not in text and "*" not in text and text.count("[") + text.count("{") <= MAX_DEPTH \
            and not _DEEP_HINT.search(text):
        return []
    problems = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return [Problem.at(file, _mark_pos(event.start_mark), "load.too_deep", limit=MAX_DEPTH)]
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            if isinstance(event, yaml.AliasEvent):
                problems.append(Problem.at(file, _mark_pos(event.start_mark), "load.alias", name=event.anchor))
            elif getattr(event, "anchor", None):
                problems.append(Problem.at(file, _mark_pos(event.start_mark), "load.anchor", name=event.anchor))
    except yaml.YAMLError:
        return problems  # the load below reports the syntax error with its place
    return problems


def cap_problems(problems: list[Problem], file: str) -> list[Problem]:
    """At most ``MAX_FILE_PROBLEMS`` problems of one file, then one line saying how many more."""
    if len(problems) <= MAX_FILE_PROBLEMS:
        return problems
    kept = sorted(problems)[:MAX_FILE_PROBLEMS]
    return kept + [more_problems(file, kept[-1], len(problems) - MAX_FILE_PROBLEMS)]


def more_problems(file: str, last: Problem, count: int) -> Problem:
    """The line saying ``count`` problems were left out, placed right after the ``last`` one listed."""
    return Problem.at(file, (last.line, last.col + 1) if last.line else None, "load.more_problems", count=count)


#: PyYAML's problem texts → our message codes, for the mistakes people make most
_SYNTAX_CODES = (
    ("mapping values are not allowed", "load.colon_in_value"),
    ("could not find expected ':'", "load.missing_colon"),
    ("found unexpected end of stream", "load.unclosed"),
    ("found unexpected end", "load.unclosed"),
    ("did not find expected ',' or", "load.flow_separator"),
    ("did not find expected key", "load.indentation"),
    ("expected <block end>", "load.indentation"),
    ("did not find expected '-' indicator", "load.indentation"),
    ("found unknown escape character", "load.bad_escape"),
)


def _yaml_error(exc: yaml.YAMLError, file: str, text: str = "") -> Problem:
    if isinstance(exc, _Refused):
        return Problem.at(file, _mark_pos(exc.problem_mark), exc.code, **exc.params)
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml gives a byte offset into the UTF-8 text
        prefix = text.encode("utf-8")[:exc.position].decode("utf-8", "replace")
        line = prefix.count("\n") + 1
        col = len(prefix) - (prefix.rfind("\n") + 1) + 1
        return Problem.at(file, (line, col), "load.control_char", char=f"U+{exc.character:04X}")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    detail = (getattr(exc, "problem", None) or str(exc)).strip()
    context = getattr(exc, "context", None) or ""
    if "unexpected end" in detail and "quoted scalar" in context and getattr(exc, "context_mark", None):
        return Problem.at(file, _mark_pos(exc.context_mark), "load.unclosed_quote")
    pos = _mark_pos(mark)
    line = text.splitlines()[pos[0] - 1] if text and 0 < pos[0] <= len(text.splitlines()) else ""
    if "\\t" in detail or "tab" in detail or "\t" in line[:len(line) - len(line.lstrip())] or line[pos[1] - 1:pos[1]] == "\t":
        return Problem.at(file, pos, "load.tab")
    opened = getattr(exc, "context_mark", None)
    if "did not find expected ','" in detail and opened is not None and mark is not None and mark.line > opened.line:
        # the entry that "needs a comma" is on a later line: the bracket opened here was never closed
        return Problem.at(file, _mark_pos(opened), "load.unclosed_bracket")
    for needle, code in _SYNTAX_CODES:
        if needle in detail:
            return Problem.at(file, pos, code)
    return Problem.at(file, pos, "load.syntax", detail=detail)


def parse(raw: bytes, file: str, pieces: bool = False) -> tuple[Any, list[Problem]]:
    """Parse one YAML document safely. Returns ``(data, problems)``; data is None on problems.

    With ``pieces``, a file laid out plainly is read piece by piece (``yamlpieces``), reusing
    the pieces met before: for many versions of the same files, as the history reads them."""
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    problems = _event_problems(text, file)
    if problems:
        return None, cap_problems(problems, file)
    hints = yamlhints.prescan(text, file)
    if pieces and not hints:
        data = yamlpieces.by_pieces(text, _piece, _NO)
        if data is not None:
            return data, []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, cap_problems(_diagnosed(text, file, hints, exc), file)
    except RecursionError:
        return None, [Problem.at(file, None, "load.too_deep", limit=MAX_DEPTH)]
    if node is not None and node.__class__ is yaml.ScalarNode:
        # a lone value: often a whole file of 'field：value' or 'field:value' lines
        hints = sorted(set(hints + yamlhints.diagnose(text, file)[0]))
    if hints:
        return None, cap_problems(hints, file)
    try:
        data = None if node is None else _build(node)
    except yaml.YAMLError as exc:
        return None, [_yaml_error(exc, file, text)]
    except RecursionError:
        return None, [Problem.at(file, None, "load.too_deep", limit=MAX_DEPTH)]
    if data is None:
        return None, [Problem.at(file, None, "load.empty")]
    if not isinstance(data, dict):
        code = "load.root_is_list" if isinstance(data, list) else "load.root_is_value"
        return None, [Problem.at(file, (1, 1), code)]
    return data, []


_NO = object()


#: pieces remembered: every piece of a county's thousand item files, about 25,000
@functools.lru_cache(maxsize=65536)
def _piece(text: str) -> Any:
    """One piece's built value (``_NO`` when it does not parse cleanly alone). Remembered: the
    value is shared by every file that holds the piece, so data built this way is never changed
    in place (nothing does: models are made from it, and the cache pickles it)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        return _NO if node is None else _build(node)
    except (yaml.YAMLError, _Refused, RecursionError, ValueError, TypeError):
        return _NO


def _diagnosed(text: str, file: str, hints: list[Problem], exc: yaml.YAMLError) -> list[Problem]:
    """A syntax error named for the keyboard mistake that caused it, at the mistake's place; a syntax
    error no known mistake explains is reported as PyYAML found it (in the text with the others repaired)."""
    if isinstance(exc, yaml.reader.ReaderError):
        return sorted(set(hints + [_yaml_error(exc, file, text)]))
    found, repaired, back = yamlhints.diagnose(text, file)
    if not found:
        return sorted(set(hints + [_yaml_error(exc, file, text)]))
    try:
        yaml.compose(repaired, Loader=_Loader)
        rest = []
    except yaml.YAMLError as later:
        p = _yaml_error(later, file, repaired)
        rest = [Problem.at(file, back(p.line, p.col) if p.line else None, p.code, **dict(p.params))]
    except RecursionError:
        rest = []
    return sorted(set(hints + found + rest))


@functools.lru_cache(maxsize=16)
def _composed(text: str) -> Any:
    # one file's problems are placed one after another: compose it once, not once per problem
    try:
        return yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return None


def locate(text: str, path: tuple, key: bool = False) -> tuple[int, int]:
    """The 1-based ``(line, col)`` of the value at ``path`` (of its key when ``key``).

    Walks as far as the path exists, so a missing field points at the mapping that lacks it.
    """
    node = _composed(text)
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

"""Edit YAML: the round-trip layer under the edit helpers (``edit``, ``excel``, ``edit.scaffold``) — an
item file read with ruamel.yaml so that comments, key order, quoting and flow-style records survive
an edit, new keys and records written in the style the ledger's files use, and every string
written so that the ledger's own loader (PyYAML, YAML 1.1) reads back exactly that string.
"""

from __future__ import annotations

import io
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from site_builder.ledger.models import Item

#: field order of an item file, as the models declare it (new keys are inserted in this order)
ITEM_ORDER = tuple(Item.model_fields)


def _yaml(indent: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096               # never fold a long Chinese line
    y.allow_unicode = True
    y.indent(mapping=2, sequence=max(indent, offset + 2), offset=offset)
    y.representer.ignore_aliases = lambda data: True   # the ledger's loader refuses anchors and aliases
    return y


def load_rt(text: str) -> tuple[CommentedMap, YAML]:
    """A file's data for round-trip editing, with a dumper that keeps the file's own indentation."""
    try:
        _, indent, offset = load_yaml_guess_indent(text)
    except Exception:  # noqa: BLE001 - guessing only; the loader below reports real errors
        indent, offset = 4, 2
    y = _yaml(indent or 4, 2 if offset is None else offset)
    return y.load(text), y


def dump(data: Any, y: YAML | None = None) -> str:
    buf = io.StringIO()
    (y or _yaml()).dump(data, buf)
    return buf.getvalue()


_RESOLVER = pyyaml.resolver.Resolver()


def text_value(value: str) -> Any:
    """A string that the ledger's loader (PyYAML, YAML 1.1) reads back as the same string.

    ruamel.yaml writes YAML 1.2, where ``no`` and ``1:30`` are text; PyYAML would read them as
    false and 90. Such values are written in quotes.
    """
    tag = _RESOLVER.resolve(pyyaml.ScalarNode, value, (True, False))
    if tag != "tag:yaml.org,2002:str":
        return SingleQuotedScalarString(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, SingleQuotedScalarString):
        return text_value(value)
    return value


def _empty(value: Any) -> bool:
    """An unset field: left out of the file rather than written as ``null`` or ``[]``."""
    return value is None or value == [] or value == ()


def flow_map(pairs: list[tuple[str, Any]]) -> CommentedMap:
    m = CommentedMap()
    for key, value in pairs:
        if _empty(value):
            continue
        m[key] = flow_seq(value) if isinstance(value, (list, tuple)) else _plain(value)
    m.fa.set_flow_style()
    return m


def block_map(pairs: list[tuple[str, Any]]) -> CommentedMap:
    m = flow_map(pairs)
    m.fa.set_block_style()
    return m


def flow_seq(values) -> CommentedSeq:
    s = CommentedSeq([_plain(v) for v in values])
    s.fa.set_flow_style()
    return s


def set_key(data: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``; a new key goes where the models' field order puts it."""
    if key in data:
        data[key] = value
        return
    order = ITEM_ORDER.index(key) if key in ITEM_ORDER else len(ITEM_ORDER)
    pos = len(data)
    for i, existing in enumerate(data):
        if existing in ITEM_ORDER and ITEM_ORDER.index(existing) > order:
            pos = i
            break
    data.insert(pos, key, value)


def append_record(data: CommentedMap, name: str, pairs: list[tuple[str, Any]]) -> None:
    """Append a record to list ``name`` in the style of the list's last record (flow by default)."""
    seq = data.get(name)
    block = False
    if isinstance(seq, CommentedSeq) and len(seq) and isinstance(seq[-1], CommentedMap):
        block = not seq[-1].fa.flow_style()
    elif name == "submissions":
        block = True        # a submission carries its evidence list: easier to read as a block
    record = block_map(pairs) if block else flow_map(pairs)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        set_key(data, name, seq)
    elif seq.fa.flow_style():
        seq.fa.set_block_style()
    seq.append(record)


def item_document(fields: dict[str, Any]) -> CommentedMap:
    """A new item file's content, in the models' field order, measures and records in flow style."""
    doc = CommentedMap()
    for key in ITEM_ORDER:
        value = fields.get(key)
        if _empty(value):
            continue
        if key in ("feedback", "tags"):
            doc[key] = flow_seq(value)
        elif key in ("measures", "reports", "supervision", "verifications", "lookbacks", "mechanisms"):
            doc[key] = CommentedSeq([flow_map(list(v.items())) for v in value])
        elif key == "submissions":
            doc[key] = CommentedSeq([block_map(list(v.items())) for v in value])
        elif key == "withdrawal":
            doc[key] = block_map(list(value.items()))
        else:
            doc[key] = _plain(value)
    return doc

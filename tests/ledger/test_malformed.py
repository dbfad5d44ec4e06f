"""The malformed-input corpus (DESIGN.md §4 "bad input never produces a traceback", §6 "YAML pitfalls").

Each case breaks one file of the minimal ledger (conftest.py) and asserts, for ``rectify validate``:
exit code 1, the exact rendered line(s) ``file:line:col: message`` (positions written out literally,
messages taken from the catalogue), no traceback, and not one byte of the ledger changed. Every case
is also run in English and in the ``json`` and ``github`` formats. A handful run end to end in a
subprocess; property tests feed arbitrary bytes and YAML-ish text to the loader.

Cases marked ``xfail(strict=True)`` are package bugs found while writing this corpus; each reason
says what happens today and what should. When the package is fixed the test XPASSes (a failure
under ``strict``): remove the mark, and where the contract below leaves the message open
(``code=None`` / ``col=None``), pin the exact line.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS, _env, rectify, run_cli, write
from site_builder.ledger import load
from site_builder.ledger import yamlsafe
from site_builder.cli.main import main
from site_builder.core.messages import CATALOGUE, translate

I1 = "issues/2023-R2/2023-R2-001.yaml"
I2 = "issues/2023-R2/2023-R2-002.yaml"
RND = "rounds/2023-R2.yaml"
ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
STATUSES = "open / in_progress / submitted / verified / cleared / withdrawn"
CATEGORIES = "county_department / township / enterprise / other"
MEASURE = "  - {id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30}"


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Messages in Chinese and text output, whatever the CI environment says."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "RECTIFY_LANG"):
        monkeypatch.delenv(name, raising=False)


def edit(base: str, *pairs: tuple[str, str]) -> str:
    """``base`` with each (old, new) replaced; every ``old`` must occur exactly once."""
    for old, new in pairs:
        assert base.count(old) == 1, old
        base = base.replace(old, new)
    return base


def item(*pairs: tuple[str, str]) -> str:
    """ITEM_2 (18 lines, the numbers below refer to them) with replacements:

     1 id  2 round  3 feedback  4 unit  5 aspect  6 title  7 problem  8 term  9 opened  10 due
    11 leader  12 department  13 measures:  14 - {id: M1, …}  15 status  16 reports:  17 - {date: …}
    """
    return edit(ITEM_2, *pairs)


# ---------------------------------------------------------------- the corpus

@dataclass(frozen=True)
class E:
    """One expected problem. ``line`` 0 means the whole file (no position exists).

    ``code``/``col`` None, ``absent`` (none of these in the message) and ``present`` (one of these in
    it) only appear in xfail cases, as the contract a fix must meet before the exact line can be pinned.
    """

    rel: str
    line: int
    col: int | None
    code: str | None
    params: dict = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    present: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    id: str
    files: dict  # ledger-relative path → str (UTF-8) or bytes, written over the minimal ledger
    expected: tuple[E, ...]
    bug: str | None = None


def _bomb() -> str:
    """Billion laughs: nine levels of nine aliases, 9**9 strings once expanded, in 342 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, prev in zip("bcdefghi", "abcdefgh"):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


CAP = 50  # problems listed per file; past it one load.more_problems line gives the count of the rest


def more(listed: list[E] | tuple[E, ...], count: int) -> E:
    """The load.more_problems line after ``listed`` (a file's first 50): at the last one's line, one column on,
    so it sorts right after them (and before the next file's problems)."""
    last = listed[-1]
    return E(last.rel, last.line, last.col + 1, "load.more_problems", {"count": count})


def total(expected: tuple[E, ...] | list[E]) -> int:
    """The count in the summary line '共发现 N 个错误。': a load.more_problems line stands for its count."""
    return sum(e.params["count"] if e.code == "load.more_problems" else 1 for e in expected)


BOMB = _bomb()
BOMB_PROBLEMS = tuple(  # 81: one per anchor and alias, in file order
    [E(I2, 1, 4, "load.anchor", {"name": "a"})]
    + [e for line, (name, prev) in enumerate(zip("bcdefghi", "abcdefgh"), start=2)
       for e in [E(I2, line, 4, "load.anchor", {"name": name})]
       + [E(I2, line, col, "load.alias", {"name": prev}) for col in (8, 11, 14, 17, 20, 23, 26, 29, 32)]])
# the first 50 (up to the 8th alias of line 6, 6:29), then "31 more … fix the ones above first" right after it,
# at 6:30; the summary counts all 81: '共发现 81 个错误。'
BOMB_EXPECTED = BOMB_PROBLEMS[:CAP] + (E(I2, 6, 30, "load.more_problems", {"count": 31}),)

SUPERVISION_YES = ("reports:", "supervision:\n"
                   '  - {date: 2023-08-16, method: phone, by: 监督办, note: 电话催办, internal: "yes"}\n'
                   "reports:")
GBK_INSIDE_UTF8 = item(("title: 防汛物资储备不足", "title: 防汛XX")).encode().replace(b"XX", "物资".encode("gbk"))
EVALUATION = "evaluations:\n  - {unit: agri-bureau, round: 2023-R2, date: 2023-08-18, score: %s, reasons: 按期完成}\n"
HUGE = "1" + "0" * 5000          # past Python's 4,300-digit int() limit
HUGE_SHOWN = "1" + "0" * 28 + "…"  # a value or key quoted by the loader shows 30 characters at most
BIG_INT = "1" + "0" * 50          # an int ≥ 10**20 is described by its first 20 digits and "…"
BIG_INT_SHOWN = "1" + "0" * 19 + "…"
FIFTY_NUMBER_TAGS = ITEM_2 + "tags: [" + "1, " * 50 + "]\n"
MIB = 1 << 20


def _padded(size: int) -> bytes:
    """ITEM_2 followed by comment lines, exactly ``size`` bytes."""
    body = ITEM_2.encode()
    pad = size - len(body)
    line = b"#" + b"x" * 98 + b"\n"
    return body + line * (pad // len(line)) + b"#" * (pad % len(line))


CASES = [
    # --- YAML syntax
    Case("two_documents", {I2: ITEM_2 + "---\nid: 2023-R2-003\n"},
         (E(I2, 18, 1, "load.syntax", {"detail": "but found another document"}),)),
    Case("tab_in_nested_mapping", {I2: item(("reports:", "withdrawal:\n\tdate: 2023-08-01\nreports:"))},
         (E(I2, 17, 1, "load.tab"),)),
    Case("tab_before_list_entry", {I2: item((MEASURE, "\t" + MEASURE[2:]))},
         (E(I2, 14, 1, "load.tab"),)),
    Case("tab_after_plain_scalar", {I2: item((MEASURE, "  - id: M1\n\ttext: 按标准补齐防汛物资\n\towner: 应急办\n\tdue: 2023-09-30"))},
         (E(I2, 15, 1, "load.tab"),)),
    Case("duplicate_key", {I2: ITEM_2 + "title: 防汛物资储备严重不足\n"},
         (E(I2, 18, 1, "load.duplicate_key", {"key": "title"}),)),
    Case("key_yes", {I2: ITEM_2 + "yes: 1\n"}, (E(I2, 18, 1, "load.key_not_text", {"key": "yes"}),)),
    Case("key_number", {I2: ITEM_2 + "1: x\n"}, (E(I2, 18, 1, "load.key_not_text", {"key": "1"}),)),
    Case("key_long_number", {I2: ITEM_2 + "1" + "0" * 100 + ": x\n"},
         (E(I2, 18, 1, "load.key_not_text", {"key": HUGE_SHOWN}),)),
    # '? [a, b]': the key's place is the '[' after '? '
    Case("complex_key", {I2: ITEM_2 + "? [a, b]\n: x\n"}, (E(I2, 18, 3, "load.key_not_text", {"key": "[…]"}),)),
    Case("complex_key_mapping", {I2: ITEM_2 + "? {a: 1}\n: x\n"}, (E(I2, 18, 3, "load.key_not_text", {"key": "{…}"}),)),
    Case("lone_anchor", {I2: item(("leader: 孙某某", "leader: &who 孙某某"))},
         (E(I2, 11, 9, "load.anchor", {"name": "who"}),)),
    Case("anchor_and_alias", {I2: item(("leader: 孙某某", "leader: &who 孙某某"), ("by: 东关镇", "by: *who"))},
         (E(I2, 11, 9, "load.anchor", {"name": "who"}), E(I2, 17, 28, "load.alias", {"name": "who"}))),
    Case("merge_key", {I2: item((MEASURE, "  - <<: {owner: 应急办, due: 2023-09-30}\n    id: M1\n    text: 按标准补齐防汛物资"))},
         (E(I2, 14, 5, "load.merge_key"),)),
    Case("long_line", {I2: item(("problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。", "problem: " + "长" * 100_000 + ": 冒号"))},
         (E(I2, 7, 100_010, "load.colon_in_value"),)),
    # quotes: the place is the opening quote ('title: ' is 7 characters; 'feedback: [' 11)
    Case("unclosed_quote", {I2: item(("title: 防汛物资储备不足", 'title: "防汛物资储备不足'))},
         (E(I2, 6, 8, "load.unclosed_quote"),)),
    Case("unclosed_single_quote", {I2: item(("title: 防汛物资储备不足", "title: '防汛物资储备不足"))},
         (E(I2, 6, 8, "load.unclosed_quote"),)),
    Case("unclosed_quote_in_flow_sequence", {I2: item(("feedback: [2023-R2-F02]", 'feedback: ["2023-R2-F02]'))},
         (E(I2, 3, 12, "load.unclosed_quote"),)),
    # a missing comma: the place is the entry that should have been preceded by one
    Case("flow_mapping_missing_comma",
         {I2: item((MEASURE, '  - {"id": "M1" "text": "按标准补齐防汛物资", "owner": "应急办", "due": "2023-09-30"}'))},
         (E(I2, 14, 17, "load.flow_separator"),)),
    Case("flow_sequence_missing_comma", {I2: item(("feedback: [2023-R2-F02]", 'feedback: ["2023-R2-F02" "2023-R2-F01"]'))},
         (E(I2, 3, 26, "load.flow_separator"),)),
    # a bracket never closed: PyYAML stumbles on the next line ('unit: east-town'); the place is the opening
    # bracket ('feedback: ' is 10 characters, '  - ' 4)
    Case("unclosed_bracket", {I2: item(("feedback: [2023-R2-F02]", "feedback: [2023-R2-F02"))},
         (E(I2, 3, 11, "load.unclosed_bracket"),)),
    Case("flow_mapping_unclosed", {I2: item((MEASURE, MEASURE[:-1]))},
         (E(I2, 14, 5, "load.unclosed_bracket"),)),
    Case("unclosed_bracket_at_end_of_file", {I2: ITEM_2 + "tags: [防汛, 物资"},
         (E(I2, 18, 7, "load.unclosed_bracket"),)),

    # --- nesting: at most 64 levels, the file's top-level mapping being the first
    Case("deep_nesting", {I2: ITEM_2 + "tags: " + "[" * 5000 + "]" * 5000 + "\n"},
         (E(I2, 18, 70, "load.too_deep", {"limit": 64}),)),  # the 64th '[' (col 7 + 63) is level 65
    Case("nesting_at_the_limit", {I2: ITEM_2 + "tags: " + "[" * 63 + "x" + "]" * 63 + "\n"},
         (E(I2, 18, 8, "schema.expected_text", {"field": "tags", "value": "[…]"}),)),
    Case("nesting_one_past_the_limit", {I2: ITEM_2 + "tags: " + "[" * 64 + "x" + "]" * 64 + "\n"},
         (E(I2, 18, 70, "load.too_deep", {"limit": 64}),)),
    Case("deep_nesting_unclosed", {I2: ITEM_2 + "tags: " + "[" * 100_000 + "\n"},
         (E(I2, 18, 70, "load.too_deep", {"limit": 64}),)),
    Case("deep_flow_mappings", {I2: ITEM_2 + "tags: " + "{a: " * 5000 + "}" * 5000 + "\n"},
         (E(I2, 18, 259, "load.too_deep", {"limit": 64}),)),  # 7 + 4 × 63
    Case("deep_block_mappings", {I2: ITEM_2 + "tags:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(100))},
         (E(I2, 82, 129, "load.too_deep", {"limit": 64}),)),  # line 19 + 63, indented 2 × 64

    # --- explicit tags and unreadable scalars: the tag is quoted as written ('!!int', '!foo')
    Case("explicit_int_tag_bad_value", {I2: item(("title: 防汛物资储备不足", "title: !!int abc"))},
         (E(I2, 6, 8, "load.bad_scalar", {"value": "abc", "tag": "!!int"}),)),
    Case("explicit_float_tag_bad_value", {I2: item(("title: 防汛物资储备不足", "title: !!float x"))},
         (E(I2, 6, 8, "load.bad_scalar", {"value": "x", "tag": "!!float"}),)),
    Case("explicit_bool_tag_bad_value", {I2: item(("leader: 孙某某", "leader: !!bool 是"))},
         (E(I2, 11, 9, "load.bad_scalar", {"value": "是", "tag": "!!bool"}),)),
    Case("explicit_int_tag_without_value", {I2: item(("title: 防汛物资储备不足", "title: !!int"))},
         (E(I2, 6, 8, "load.bad_scalar", {"value": "", "tag": "!!int"}),)),
    Case("explicit_int_tag_huge_value", {I2: item(("department: 应急办", "department: !!int " + HUGE))},
         (E(I2, 12, 13, "schema.expected_text", {"field": "department", "value": "…"}),)),
    Case("explicit_int_tag_good_value", {I2: item(("title: 防汛物资储备不足", "title: !!int 5"))},
         (E(I2, 6, 8, "schema.expected_text", {"field": "title", "value": "5"}),)),
    Case("binary_tag", {I2: item(("title: 防汛物资储备不足", "title: !!binary aGVsbG8="))},
         (E(I2, 6, 8, "load.tag", {"tag": "!!binary"}),)),
    Case("set_tag", {I2: item(("title: 防汛物资储备不足", "title: !!set {a, b}"))},
         (E(I2, 6, 8, "load.tag", {"tag": "!!set"}),)),
    Case("python_tag", {I2: item(("title: 防汛物资储备不足", "title: !!python/object/apply:os.system [echo hi]"))},
         (E(I2, 6, 8, "load.tag", {"tag": "!!python/object/apply:os.system"}),)),
    Case("long_python_tag", {I2: item(("title: 防汛物资储备不足", "title: !!python/object/apply:subprocess.check_output [ls]"))},
         (E(I2, 6, 8, "load.tag", {"tag": "!!python/object/apply:subprocess.check_…"}),)),  # 40 characters
    Case("local_tag", {I2: item(("title: 防汛物资储备不足", "title: !foo bar"))},
         (E(I2, 6, 8, "load.tag", {"tag": "!foo"}),)),
    Case("big_int_where_text", {I2: item(("department: 应急办", "department: " + BIG_INT))},
         (E(I2, 12, 13, "schema.expected_text", {"field": "department", "value": BIG_INT_SHOWN}),)),
    Case("big_int_where_number", {"evaluations.yaml": EVALUATION % BIG_INT},
         (E("evaluations.yaml", 2, 66, "schema.too_large", {"field": "score", "value": BIG_INT_SHOWN, "limit": 100.0}),)),
    # past float range: pydantic's finite_number refuses it (the int overflows to inf), yet it is a number
    Case("too_many_digits_where_number", {"evaluations.yaml": EVALUATION % ("1" + "0" * 400)},
         (E("evaluations.yaml", 2, 66, "schema.number_too_large", {"field": "score"}),)),
    Case("too_many_digits_negative", {"evaluations.yaml": EVALUATION % ("-1" + "0" * 400)},
         (E("evaluations.yaml", 2, 66, "schema.number_too_large", {"field": "score"}),)),
    Case("settings_too_many_digits", {"ledger.yaml": SETTINGS + "thresholds:\n  lag_margin: 1" + "0" * 400 + "\n"},
         (E("ledger.yaml", 5, 15, "schema.number_too_large", {"field": "lag_margin"}),)),

    # --- control characters: the place is the character, columns counted in characters
    Case("control_character", {I2: item(("title: 防汛物资储备不足", "title: 防汛物资\x07储备不足"))},
         (E(I2, 6, 12, "load.control_char", {"char": "U+0007"}),)),
    Case("nul_character", {I2: item(("title: 防汛物资储备不足", "title: 防汛\x00储备不足"))},
         (E(I2, 6, 10, "load.control_char", {"char": "U+0000"}),)),
    Case("escape_character_after_chinese", {I2: item(("problem: 镇防汛物资仓库编织袋、", "problem: 镇防汛物资仓库编织袋\x1b"))},
         (E(I2, 7, 20, "load.control_char", {"char": "U+001B"}),)),
    Case("control_character_in_key", {I2: ITEM_2 + "ti\x07tle2: x\n"},
         (E(I2, 18, 3, "load.control_char", {"char": "U+0007"}),)),

    # --- encodings, sizes and empty files
    Case("gbk", {I2: ITEM_2.encode("gbk")}, (E(I2, 5, 9, "load.not_utf8", {"byte": "0xB7"}),)),
    Case("gbk_bytes_inside_utf8_line", {I2: GBK_INSIDE_UTF8},  # 'title: 防汛' is 9 characters (13 bytes)
         (E(I2, 6, 10, "load.not_utf8", {"byte": "0xCE"}),)),
    Case("utf16_bom", {I2: ITEM_2.encode("utf-16")}, (E(I2, 1, 1, "load.utf16"),)),
    Case("utf8_bom_error_on_line_1", {I2: b"\xef\xbb\xbf" + item(("id: 2023-R2-002", "id: 2023-R2-003")).encode()},
         (E(I2, 1, 5, "rule.id_file_mismatch", {"id": "2023-R2-003", "name": "2023-R2-002"}),)),
    Case("empty_file", {I2: ""}, (E(I2, 0, 0, "load.empty"),)),
    Case("only_comments", {I2: "# 2023-R2-002 待补充\n# 防汛物资储备不足\n"}, (E(I2, 0, 0, "load.empty"),)),
    Case("one_byte_over_1_mib", {I2: _padded(MIB + 1)},
         (E(I2, 0, 0, "load.too_large", {"size": MIB + 1, "limit": MIB}),)),

    # --- shape and types
    Case("top_level_list", {I2: "- id: 2023-R2-002\n- round: 2023-R2\n"}, (E(I2, 1, 1, "load.root_is_list"),)),
    Case("top_level_scalar", {I2: "防汛物资储备不足\n"}, (E(I2, 1, 1, "load.root_is_value"),)),
    Case("unknown_field_typo", {I2: item(("title:", "titel:"))},
         (E(I2, 1, 1, "schema.missing", {"field": "title"}), E(I2, 6, 1, "schema.unknown_field", {"field": "titel"}))),
    Case("missing_required_field", {I2: item(("unit: east-town\n", ""))},
         (E(I2, 1, 1, "schema.missing", {"field": "unit"}),)),
    Case("list_where_text", {I2: item(("title: 防汛物资储备不足", "title: [防汛物资, 储备不足]"))},
         (E(I2, 6, 8, "schema.expected_text", {"field": "title", "value": "[…]"}),)),
    Case("mapping_where_list", {I2: item(("measures:\n" + MEASURE, "measures: " + MEASURE.strip()[2:]))},
         (E(I2, 13, 11, "schema.expected_list", {"field": "measures", "value": "{…}"}),)),
    Case("text_where_list", {I2: item(("feedback: [2023-R2-F02]", "feedback: 2023-R2-F02"))},
         (E(I2, 3, 11, "schema.expected_list", {"field": "feedback", "value": "2023-R2-F02"}),)),
    Case("number_where_text", {I2: item(("department: 应急办", "department: 110"))},
         (E(I2, 12, 13, "schema.expected_text", {"field": "department", "value": "110"}),)),
    Case("float_where_text", {I2: item(("department: 应急办", "department: 3.14"))},
         (E(I2, 12, 13, "schema.expected_text", {"field": "department", "value": "3.14"}),)),
    Case("no_where_text", {I2: item(("leader: 孙某某", "leader: no"))},
         (E(I2, 11, 9, "schema.expected_text", {"field": "leader", "value": "false"}),)),
    Case("yes_where_text", {I2: item(("leader: 孙某某", "leader: yes"))},
         (E(I2, 11, 9, "schema.expected_text", {"field": "leader", "value": "true"}),)),
    Case("on_where_text", {I2: item(("leader: 孙某某", "leader: on"))},
         (E(I2, 11, 9, "schema.expected_text", {"field": "leader", "value": "true"}),)),
    Case("sexagesimal_where_text", {I2: item(("leader: 孙某某", "leader: 1:30"))},
         (E(I2, 11, 9, "schema.expected_text", {"field": "leader", "value": "90"}),)),
    Case("empty_value", {I2: item(("title: 防汛物资储备不足", "title:"))},
         (E(I2, 6, 7, "schema.empty_value", {"field": "title"}),)),
    Case("empty_text", {I2: item(("title: 防汛物资储备不足", 'title: ""'))},
         (E(I2, 6, 8, "schema.empty_text", {"field": "title"}),)),
    Case("string_yes_where_bool", {I2: item(SUPERVISION_YES)},
         (E(I2, 17, 70, "schema.expected_bool", {"field": "internal", "value": "yes"}),)),
    Case("unknown_enum_value", {I2: item(("status: in_progress", "status: done"))},
         (E(I2, 15, 9, "schema.enum", {"field": "status", "value": "done", "expected": STATUSES}),)),
    Case("measure_without_owner_and_due", {I2: item((MEASURE, "  - {id: M1, text: 按标准补齐防汛物资}"))},
         (E(I2, 14, 5, "schema.missing", {"field": "due"}), E(I2, 14, 5, "schema.missing", {"field": "owner"}))),
    Case("measure_as_text", {I2: item((MEASURE, "  - 按标准补齐防汛物资"))},
         (E(I2, 14, 5, "schema.expected_mapping", {"field": "measures", "value": "按标准补齐防汛物资"}),)),
    Case("no_measures", {I2: item(("measures:\n" + MEASURE, "measures: []"))},
         (E(I2, 13, 11, "schema.too_short", {"field": "measures", "min": 1}),)),
    # 50 problems in one file: all listed, no "more" line (the 51st: test_problems_past_fifty_are_counted)
    Case("fifty_problems_in_one_file", {I2: FIFTY_NUMBER_TAGS},
         tuple(E(I2, 18, 8 + 3 * i, "schema.expected_text", {"field": "tags", "value": "1"}) for i in range(CAP))),

    # --- numbers: strict (no yes/no), finite
    Case("bool_where_number", {"evaluations.yaml": EVALUATION % "yes"},
         (E("evaluations.yaml", 2, 66, "schema.expected_number", {"field": "score", "value": "true"}),)),
    Case("nan_where_number", {"evaluations.yaml": EVALUATION % ".nan"},
         (E("evaluations.yaml", 2, 66, "schema.expected_number", {"field": "score", "value": "nan"}),)),
    Case("infinity_where_number", {"evaluations.yaml": EVALUATION % "-.inf"},
         (E("evaluations.yaml", 2, 66, "schema.number_too_large", {"field": "score"}),)),
    Case("settings_lag_margin_yes", {"ledger.yaml": SETTINGS + "thresholds:\n  lag_margin: yes\n"},
         (E("ledger.yaml", 5, 15, "schema.expected_number", {"field": "lag_margin", "value": "true"}),)),
    Case("settings_scoring_infinity", {"ledger.yaml": SETTINGS + "scoring:\n  completion: .inf\n"},
         (E("ledger.yaml", 5, 15, "schema.number_too_large", {"field": "completion"}),)),
    Case("settings_scoring_no", {"ledger.yaml": SETTINGS + "scoring:\n  on_time: no\n"},
         (E("ledger.yaml", 5, 12, "schema.expected_number", {"field": "on_time", "value": "false"}),)),

    # --- dates
    Case("impossible_date", {I2: item(("due: 2023-10-15", "due: 2023-02-30"))},
         (E(I2, 10, 6, "schema.date_impossible", {"field": "due", "value": "2023-02-30"}),)),
    Case("date_with_time", {I2: item(("due: 2023-10-15", "due: 2023-10-15 10:00:00"))},
         (E(I2, 10, 6, "schema.date_not_datetime", {"field": "due"}),)),
    Case("date_with_iso_time_and_zone", {I2: item(("due: 2023-10-15", "due: 2023-10-15T10:00:00+08:00"))},
         (E(I2, 10, 6, "schema.date_not_datetime", {"field": "due"}),)),
    Case("date_with_time_quoted", {I2: item(("due: 2023-10-15", 'due: "2023-10-15 10:00"'))},
         (E(I2, 10, 6, "schema.date_not_datetime", {"field": "due"}),)),
    Case("date_with_slashes", {I2: item(("due: 2023-10-15", "due: 2023/7/1"))},
         (E(I2, 10, 6, "schema.date_format", {"field": "due", "value": "2023/7/1"}),)),
    Case("date_as_number", {I2: item(("due: 2023-10-15", "due: 20231015"))},
         (E(I2, 10, 6, "schema.date_format", {"field": "due", "value": "20231015"}),)),

    # --- ids, names and places
    Case("id_with_dotdot", {I2: item(("id: 2023-R2-002", "id: ../2023-R2-002"))},
         (E(I2, 1, 5, "schema.bad_id", {"field": "id", "value": "../2023-R2-002", "expected": ID_PATTERN}),)),
    Case("id_differs_from_file_name", {I2: item(("id: 2023-R2-002", "id: 2023-R2-003"))},
         (E(I2, 1, 5, "rule.id_file_mismatch", {"id": "2023-R2-003", "name": "2023-R2-002"}),)),
    Case("yml_extension", {"issues/2023-R2/2023-R2-003.yml": item(("id: 2023-R2-002", "id: 2023-R2-003"))},
         (E("issues/2023-R2/2023-R2-003.yml", 0, 0, "load.unknown_file"),)),
    Case("item_outside_round_folder", {"issues/2023-R2-003.yaml": item(("id: 2023-R2-002", "id: 2023-R2-003"))},
         (E("issues/2023-R2-003.yaml", 0, 0, "load.unknown_file"),)),
    Case("item_in_other_round_folder", {"issues/2023-R1/2023-R2-003.yaml": item(("id: 2023-R2-002", "id: 2023-R2-003"))},
         (E("issues/2023-R1/2023-R2-003.yaml", 2, 8, "rule.round_folder_mismatch", {"round": "2023-R2", "folder": "2023-R1"}),)),

    # --- the other kinds of file
    Case("settings_impossible_date", {"ledger.yaml": edit(SETTINGS, ("as_of: 2023-08-18", "as_of: 2023-02-29"))},
         (E("ledger.yaml", 3, 8, "schema.date_impossible", {"field": "as_of", "value": "2023-02-29"}),)),
    Case("settings_date_with_time", {"ledger.yaml": edit(SETTINGS, ("as_of: 2023-08-18", "as_of: 2023-08-18 09:00"))},
         (E("ledger.yaml", 3, 8, "schema.date_not_datetime", {"field": "as_of"}),)),
    Case("units_unknown_enum", {"units.yaml": edit(UNITS, ("category: township", "category: 乡镇"))},
         (E("units.yaml", 8, 15, "schema.enum", {"field": "category", "value": "乡镇", "expected": CATEGORIES}),)),
    Case("round_text_where_list", {RND: edit(ROUND, ("aspects: [资金项目管理, 防汛救灾]", "aspects: 资金项目管理"))},
         (E(RND, 7, 10, "schema.expected_list", {"field": "aspects", "value": "资金项目管理"}),)),
    Case("round_date_with_time", {RND: edit(ROUND, ("deadline: 2023-10-30", "deadline: 2023-10-30 18:00"))},
         (E(RND, 6, 11, "schema.date_not_datetime", {"field": "deadline"}),)),
    Case("settings_language_unknown", {"ledger.yaml": SETTINGS + "language: english\n"},
         (E("ledger.yaml", 4, 11, "schema.enum", {"field": "language", "value": "english", "expected": "zh / en"}),)),
    Case("settings_language_upper_case", {"ledger.yaml": SETTINGS + "language: EN\n"},
         (E("ledger.yaml", 4, 11, "schema.enum", {"field": "language", "value": "EN", "expected": "zh / en"}),)),
    Case("actions_string_yes_where_bool",
         {"actions.yaml": 'actions:\n  - {id: A-2023-001, kind: talk, date: 2023-07-01, title: 约谈, internal: "yes"}\n'},
         (E("actions.yaml", 2, 73, "schema.expected_bool", {"field": "internal", "value": "yes"}),)),

    # --- what a Chinese Windows keyboard types: named where it stands, not on the line below it
    Case("fullwidth_colon", {I2: item(("title: 防汛物资储备不足", "title：防汛物资储备不足"))},
         (E(I2, 6, 6, "load.fullwidth_colon", {"key": "title"}),)),
    Case("fullwidth_colon_on_first_line", {I2: item(("id: 2023-R2-002", "id：2023-R2-002"))},
         (E(I2, 1, 3, "load.fullwidth_colon", {"key": "id"}),)),
    Case("fullwidth_colon_on_last_line", {I2: ITEM_2 + "tags：[防汛]\n"},  # PyYAML: past the end of the file
         (E(I2, 18, 5, "load.fullwidth_colon", {"key": "tags"}),)),
    Case("fullwidth_colon_after_a_space", {I2: item(("leader: 孙某某", "leader ：孙某某"))},
         (E(I2, 11, 8, "load.fullwidth_colon", {"key": "leader"}),)),
    # inside braces it parses, as the field 'id：M1' (and 'id' missing): one line, at the colon ('  - {id' is 7)
    Case("fullwidth_colon_in_flow_mapping", {I2: item((MEASURE, MEASURE.replace("{id: M1", "{id：M1")))},
         (E(I2, 14, 8, "load.fullwidth_colon", {"key": "id"}),)),
    Case("whole_file_of_fullwidth_colons", {I2: "id：2023-R2-002\n"},
         (E(I2, 1, 3, "load.fullwidth_colon", {"key": "id"}),)),
    Case("colon_without_space", {I2: item(("title: 防汛物资储备不足", "title:防汛物资储备不足"))},
         (E(I2, 6, 6, "load.colon_no_space", {"key": "title"}),)),
    Case("colon_without_space_on_first_line", {I2: item(("id: 2023-R2-002", "id:2023-R2-002"))},
         (E(I2, 1, 3, "load.colon_no_space", {"key": "id"}),)),
    Case("colon_without_space_in_flow_mapping", {I2: item((MEASURE, MEASURE.replace("{id: M1", "{id:M1")))},
         (E(I2, 14, 8, "load.colon_no_space", {"key": "id"}),)),
    Case("two_keyboard_mistakes", {I2: item(("title: 防汛物资储备不足", "title：防汛物资储备不足"), ("leader: 孙某某", "leader:孙某某"))},
         (E(I2, 6, 6, "load.fullwidth_colon", {"key": "title"}), E(I2, 11, 7, "load.colon_no_space", {"key": "leader"}))),
    Case("keyboard_mistake_and_tab", {I2: item(("title: 防汛物资储备不足", "title：防汛物资储备不足"), (MEASURE, "\t" + MEASURE[2:]))},
         (E(I2, 6, 6, "load.fullwidth_colon", {"key": "title"}), E(I2, 14, 1, "load.tab"))),
    Case("fullwidth_space_indentation", {I2: item((MEASURE, "\u3000\u3000" + MEASURE[2:]))},
         (E(I2, 14, 1, "load.wide_space", {"char": "U+3000"}),)),
    Case("no_break_space_indentation", {I2: item((MEASURE, "\u00a0\u00a0" + MEASURE[2:]))},
         (E(I2, 14, 1, "load.wide_space", {"char": "U+00A0"}),)),
    Case("fullwidth_space_after_spaces", {I2: item((MEASURE, "  - id: M1\n  \u3000text: 按标准补齐防汛物资\n    owner: 应急办\n    due: 2023-09-30"))},
         (E(I2, 15, 3, "load.wide_space", {"char": "U+3000"}),)),
    Case("fullwidth_space_after_colon", {I2: item(("title: 防汛物资储备不足", "title:\u3000防汛物资储备不足"))},
         (E(I2, 6, 7, "load.wide_space", {"char": "U+3000"}),)),
    Case("fullwidth_space_after_dash", {I2: item((MEASURE, "  -\u3000" + MEASURE[4:]))},
         (E(I2, 14, 4, "load.wide_space", {"char": "U+3000"}),)),
    # 'tags: [防汛' is 9 characters; PyYAML reads '防汛，物资' as one tag without a word
    Case("chinese_comma_in_list", {I2: ITEM_2 + "tags: [防汛，物资]\n"},
         (E(I2, 18, 10, "load.chinese_comma", {"char": "，"}),)),
    Case("enumeration_commas_in_list", {I2: ITEM_2 + "tags: [防汛、物资、储备]\n"},
         (E(I2, 18, 10, "load.chinese_comma", {"char": "、"}), E(I2, 18, 13, "load.chinese_comma", {"char": "、"}))),
    Case("chinese_comma_in_feedback_list", {I2: item(("feedback: [2023-R2-F02]", "feedback: [2023-R2-F02，2023-R2-F01]"))},
         (E(I2, 3, 23, "load.chinese_comma", {"char": "，"}),)),
    Case("chinese_comma_between_fields", {I2: item((MEASURE, MEASURE.replace("M1, text", "M1，text")))},
         (E(I2, 14, 12, "load.chinese_comma", {"char": "，"}),)),
    Case("merge_conflict_markers",
         {I2: item(("status: in_progress\n", "<<<<<<< HEAD\nstatus: in_progress\n=======\nstatus: submitted\n>>>>>>> 东关镇\n"))},
         (E(I2, 15, 1, "load.conflict_marker", {"marker": "<<<<<<<"}), E(I2, 17, 1, "load.conflict_marker", {"marker": "======="}),
          E(I2, 19, 1, "load.conflict_marker", {"marker": ">>>>>>>"}))),
    Case("zero_width_space_in_field_name", {I2: item(("title: 防汛", "title\u200b: 防汛"))},
         (E(I2, 6, 6, "load.invisible_char", {"char": "U+200B"}),)),
    Case("zero_width_space_after_value", {I2: item(("unit: east-town", "unit: east-town\u200b"))},
         (E(I2, 4, 16, "load.invisible_char", {"char": "U+200B"}),)),
    Case("byte_order_mark_in_the_middle", {I2: item(("title: 防汛", "\ufefftitle: 防汛"))},
         (E(I2, 6, 1, "load.invisible_char", {"char": "U+FEFF"}),)),
    Case("bidi_override", {I2: item(("title: 防汛", "title: \u202e防汛"))},
         (E(I2, 6, 8, "load.invisible_char", {"char": "U+202E"}),)),
    Case("fullwidth_dash", {I2: item((MEASURE, "  －" + MEASURE[3:]))},
         (E(I2, 14, 3, "load.fullwidth_dash", {"char": "－"}),)),
    Case("fullwidth_quotes", {I2: item(("title: 防汛物资储备不足", "title: “防汛: 物资储备不足”"))},
         (E(I2, 6, 8, "load.fullwidth_quote", {"char": "“"}),)),
    Case("fullwidth_brackets", {I2: item(("feedback: [2023-R2-F02]", "feedback: ［2023-R2-F02］"))},
         (E(I2, 3, 11, "load.fullwidth_bracket", {"char": "［"}),)),
    Case("fullwidth_braces", {I2: item((MEASURE, "  - ｛" + MEASURE[5:-1] + "｝"))},
         (E(I2, 14, 5, "load.fullwidth_bracket", {"char": "｛"}),)),
    Case("utf16_little_endian_without_bom", {I2: ITEM_2.encode("utf-16-le")}, (E(I2, 1, 1, "load.utf16_no_bom"),)),
    Case("utf16_big_endian_without_bom", {I2: ITEM_2.encode("utf-16-be")}, (E(I2, 1, 1, "load.utf16_no_bom"),)),

    # --- package bugs (xfail): what happens today is in the reason
    # --- more than 50 problems in one file: the first 50, then how many more right after them
    Case("alias_bomb", {I2: BOMB}, BOMB_EXPECTED),

    # --- package bugs (xfail): what happens today is in the reason
    Case("huge_number_where_text", {I2: item(("department: 应急办", "department: " + HUGE))},
         (E(I2, 12, 13, "schema.expected_text", {"field": "department", "value": "…"}),)),
    Case("huge_number_where_number", {"evaluations.yaml": EVALUATION % HUGE},
         (E("evaluations.yaml", 2, 66, "schema.number_too_large", {"field": "score"}),)),
    # 2 unknown fields on lines 1-2, then 60 numbers in 'tags' on line 20: 62 problems
    Case("more_problems_lists_the_first_fifty_in_file_order",
         {I2: "x0: 1\nx1: 1\n" + ITEM_2 + "tags: [" + "1, " * 60 + "]\n"},
         (E(I2, 1, 1, "schema.unknown_field", {"field": "x0"}), E(I2, 2, 1, "schema.unknown_field", {"field": "x1"}))
         + tuple(E(I2, 20, 8 + 3 * i, "schema.expected_text", {"field": "tags", "value": "1"}) for i in range(48))
         + (E(I2, 20, 150, "load.more_problems", {"count": 12}),)),
]


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [])
            for c in cases]


def test_corpus_size():
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(1 for c in CASES if not c.bug) >= 25
    # outside the xfail cases every expected line is pinned exactly
    assert all(exact(e) for c in CASES if not c.bug for e in c.expected)


# ---------------------------------------------------------------- helpers

def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with a digest of its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out


def apply(ledger: Path, files: dict) -> None:
    for rel, content in files.items():
        path = ledger / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def message(e: E, lang: str) -> str:
    return translate(e.code, lang, **e.params)


def expected_line(root: Path, e: E, lang: str) -> str:
    where = f"{root}/{e.rel}" + (f":{e.line}:{e.col}" if e.line else "")
    return f"{where}: {message(e, lang)}"


def exact(e: E) -> bool:
    return e.code is not None and e.col is not None and not e.absent and not e.present


def assert_wording(text: str, e: E) -> None:
    for word in e.absent:
        assert word not in text, text[:300]
    if e.present:
        assert any(word in text for word in e.present), text[:300]


def assert_text_line(line: str, root: Path, e: E, lang: str) -> None:
    if exact(e):
        assert line == expected_line(root, e, lang)
        return
    prefix = f"{root}/{e.rel}:{e.line}:" + (f"{e.col}:" if e.col is not None else "")
    assert line.startswith(prefix), (line[:300], prefix)
    if e.code is not None and not e.absent and not e.present:
        assert line.endswith(": " + message(e, lang))
    assert_wording(line, e)


def run(capsys, root: Path, *extra: str) -> tuple[int, str, str]:
    code, out, err = rectify(capsys, "validate", str(root), *extra)
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, out, err


def problem_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line]


# ---------------------------------------------------------------- the corpus, in Chinese text

@pytest.mark.parametrize("case", _params(CASES))
def test_malformed_file(capsys, ledger_dir, case):
    apply(ledger_dir, case.files)
    before = snapshot(ledger_dir.parent)
    code, out, err = run(capsys, ledger_dir)
    assert snapshot(ledger_dir.parent) == before, "the run changed the ledger folder"
    lines = problem_lines(out)
    assert (code, len(lines)) == (1, len(case.expected)), lines[:5]
    for line, e in zip(lines, case.expected):
        assert_text_line(line, ledger_dir, e, "zh")
    assert err == translate("cli.summary", "zh", count=total(case.expected)) + "\n"


# ---------------------------------------------------------------- the same corpus, in English, JSON and GitHub format

GH_LINE = re.compile(r"^::error file=(?P<file>[^,]+)(?:,line=(?P<line>\d+),col=(?P<col>\d+))?,title=(?P<title>[^:]+)::(?P<msg>.*)$")


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def check_english(capsys, root: Path, case: Case) -> None:
    code, out, err = run(capsys, root, "--lang", "en")
    lines = problem_lines(out)
    assert (code, len(lines)) == (1, len(case.expected))
    for line, e in zip(lines, case.expected):
        assert_text_line(line, root, e, "en")
    assert err == translate("cli.summary", "en", count=total(case.expected)) + "\n"


def check_json(capsys, root: Path, case: Case) -> None:
    code, out, err = run(capsys, root, "--format", "json")
    assert code == 1
    problems = json.loads(out)
    assert isinstance(problems, list) and len(problems) == len(case.expected)
    for p, e in zip(problems, case.expected):
        assert {"file", "line", "col", "code", "message"} <= set(p)
        assert (p["file"], p["line"]) == (f"{root}/{e.rel}", e.line)
        if e.col is not None:
            assert p["col"] == e.col
        if e.code is not None:
            assert p["code"] == e.code
        if exact(e):
            assert p["message"] == message(e, "zh")
        assert_wording(p["message"], e)


def check_github(capsys, root: Path, case: Case) -> None:
    code, out, err = run(capsys, root, "--format", "github")
    assert code == 1
    lines = problem_lines(out)
    n = len(case.expected)
    assert len(lines) == 2 * n  # the annotations, then the plain lines for the log
    for line, e in zip(lines[:n], case.expected):
        m = GH_LINE.match(line)
        assert m, line[:300]
        assert m["file"] == _gh_escape(f"{root}/{e.rel}", prop=True)
        assert int(m["line"] or 0) == e.line
        if e.col is not None:
            assert int(m["col"] or 0) == e.col
        if e.code is not None:
            assert m["title"] == _gh_escape(e.code, prop=True)
        if exact(e):
            assert m["msg"] == _gh_escape(message(e, "zh"))
        assert_wording(m["msg"], e)
    for line, e in zip(lines[n:], case.expected):
        assert_text_line(line, root, e, "zh")


FORMATS = {"en": check_english, "json": check_json, "github": check_github}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", _params(CASES))
def test_malformed_file_formats(capsys, ledger_dir, case, fmt):
    apply(ledger_dir, case.files)
    before = snapshot(ledger_dir.parent)
    FORMATS[fmt](capsys, ledger_dir, case)
    assert snapshot(ledger_dir.parent) == before


# ---------------------------------------------------------------- accepted

def test_utf8_bom_is_accepted(capsys, ledger_dir):
    path = ledger_dir / I2
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    before = snapshot(ledger_dir.parent)
    code, out, _ = run(capsys, ledger_dir)
    assert (code, out) == (0, translate("cli.ok", "zh", rounds=1, items=2) + "\n")
    assert snapshot(ledger_dir.parent) == before


LEGAL_TEXT = {  # full-width punctuation and spaces inside values are text, not mistakes
    "colon_in_sentence": item(("problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。", "problem: 要求：立即整改，编织袋、救生衣按标准补齐。")),
    "colon_on_continuation_line": item(("problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。", "problem: 镇防汛物资仓库\n  note：储备低于标准。")),
    "ideographic_space_in_value": item(("title: 防汛物资储备不足", "title: 防汛物资\u3000储备不足")),
    "ideographic_spaces_in_block_text": item(("problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。",
                                              "problem: |\n  \u3000\u3000镇防汛物资仓库：编织袋不足。\n  \u3000\u3000- 救生衣不足")),
    "chinese_quotes_in_text": item(("title: 防汛物资储备不足", "title: “防汛物资”储备不足")),
    "brackets_inside_text": item(("title: 防汛物资储备不足", "title: 按照[一、二]项补齐")),
    "chinese_comma_in_flow_mapping_text": item((MEASURE, MEASURE.replace("按标准补齐防汛物资", "补齐编织袋、救生衣，按标准"))),
    "chinese_comma_in_quoted_list_entry": ITEM_2 + 'tags: ["防汛，物资"]\n',
    "sentences_in_a_list": ITEM_2 + "tags: [对逾期未完成的整改措施逐项发出预警，限期说明原因。, 组织集中核账，做到随交随核。]\n",
    "time_in_text": item(("title: 防汛物资储备不足", "title: 防汛物资储备不足（8:30检查）")),
}


@pytest.mark.parametrize("text", LEGAL_TEXT.values(), ids=LEGAL_TEXT.keys())
def test_fullwidth_text_in_values_is_accepted(capsys, ledger_dir, text):
    (ledger_dir / I2).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, ledger_dir)
    assert (code, out, err) == (0, translate("cli.ok", "zh", rounds=1, items=2) + "\n", "")


# ---------------------------------------------------------------- oversized file

BIG = 20 * 1024 * 1024


def _write_big(ledger: Path) -> Path:
    """20 MB of well-formed YAML: slow to parse if anybody tried."""
    body = ITEM_2 + "tags:\n"
    entry = "  - 防汛物资储备不足\n"
    count = (BIG - len(body.encode())) // len(entry.encode()) + 1
    data = (body + entry * count).encode()[:BIG]
    path = ledger / I2
    path.write_bytes(data)
    return path


def test_20mb_file_refused_quickly_and_not_parsed(capsys, ledger_dir, monkeypatch):
    _write_big(ledger_dir)
    seen: list[int] = []
    import yaml

    def spy(real):
        def wrapper(stream, *args, **kwargs):
            seen.append(len(stream))
            return real(stream, *args, **kwargs)
        return wrapper

    for name in ("compose", "parse", "load", "safe_load"):
        monkeypatch.setattr(yaml, name, spy(getattr(yaml, name)))
    before = snapshot(ledger_dir.parent)
    read: list[str] = []
    names: dict[int, str] = {}   # the loader reads through descriptors: os.open, then os.read
    real_open, real_read = os.open, os.read

    def spy_open(path, *a, **k):
        fd = real_open(path, *a, **k)
        names[fd] = os.path.basename(os.fspath(path))
        return fd
    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(names.get(fd, "")) or real_read(fd, n))
    start = time.perf_counter()
    code, out, err = run(capsys, ledger_dir)
    elapsed = time.perf_counter() - start
    read_by_the_run = list(read)
    monkeypatch.undo()
    assert snapshot(ledger_dir.parent) == before
    e = E(I2, 0, 0, "load.too_large", {"size": BIG, "limit": MIB})
    assert (code, problem_lines(out)) == (1, [expected_line(ledger_dir, e, "zh")])
    assert elapsed < 2, f"took {elapsed:.2f}s"
    assert all(n <= MIB for n in seen), "the oversized file reached the YAML parser"
    assert "2023-R2-002.yaml" not in read_by_the_run, "the oversized file was read"
    assert "2023-R2-001.yaml" in read_by_the_run  # (the spy sees the reads)


def test_file_of_exactly_1_mib_is_read(capsys, ledger_dir):
    """The limit itself is allowed (one byte more: the one_byte_over_1_mib case)."""
    assert yamlsafe.MAX_FILE_BYTES == MIB
    (ledger_dir / I2).write_bytes(_padded(MIB))
    assert (ledger_dir / I2).stat().st_size == MIB
    code, out, _ = run(capsys, ledger_dir)
    assert (code, out) == (0, translate("cli.ok", "zh", rounds=1, items=2) + "\n")


# ---------------------------------------------------------------- end to end, in a subprocess

def _e2e(root: Path, *extra: str) -> tuple[int, list[str], str]:
    code, out, err = run_cli("validate", str(root), "--no-cache", "--lang", "zh", *extra)
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, problem_lines(out), err


def test_subprocess_20mb_file(ledger_dir):
    _write_big(ledger_dir)
    before = snapshot(ledger_dir.parent)
    start = time.perf_counter()
    code, lines, err = _e2e(ledger_dir)
    elapsed = time.perf_counter() - start
    e = E(I2, 0, 0, "load.too_large", {"size": BIG, "limit": MIB})
    assert (code, lines) == (1, [expected_line(ledger_dir, e, "zh")])
    assert err == "共发现 1 个错误。\n"
    assert elapsed < 5, f"took {elapsed:.2f}s including interpreter start-up"
    assert snapshot(ledger_dir.parent) == before


SUBPROCESS_CASES = ["alias_bomb", "gbk", "no_where_text", "utf16_bom", "long_line", "deep_nesting",
                    "huge_number_where_text", "control_character", "unclosed_quote", "fullwidth_colon",
                    "chinese_comma_in_list", "fullwidth_space_indentation", "merge_conflict_markers"]


@pytest.mark.parametrize("case", _params([c for c in CASES if c.id in SUBPROCESS_CASES]))
def test_subprocess_cases(ledger_dir, case):
    apply(ledger_dir, case.files)
    before = snapshot(ledger_dir.parent)
    start = time.perf_counter()
    code, lines, err = _e2e(ledger_dir)
    assert time.perf_counter() - start < 5
    assert code == 1
    assert len(lines) == len(case.expected), lines[:5]
    for line, e in zip(lines, case.expected):
        assert_text_line(line, ledger_dir, e, "zh")
    assert err == f"共发现 {total(case.expected)} 个错误。\n"
    assert snapshot(ledger_dir.parent) == before


def _timed_subprocess(root: Path, timeout: float) -> subprocess.CompletedProcess:
    env = _env()
    for name in ("GITHUB_STEP_SUMMARY", "RECTIFY_LANG"):
        env.pop(name, None)
    try:
        return subprocess.run([sys.executable, "-m", "site_builder.cli.main", "validate", str(root), "--no-cache"],
                              capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"rectify validate took more than {timeout}s")


def test_subprocess_very_deep_nesting_does_not_crash(ledger_dir):
    """30,000 nested '- ' (60 KB): libyaml's composer would recurse in C and kill the process (SIGSEGV);
    the event scan stops at level 65 — the 64th '- ' of line 19, at column 3 + 2 × 63."""
    path = ledger_dir / I2
    path.write_text(ITEM_2 + "tags:\n  " + "- " * 30_000 + "x\n", encoding="utf-8")
    before = snapshot(ledger_dir.parent)
    proc = _timed_subprocess(ledger_dir, timeout=10)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1, proc.returncode
    e = E(I2, 19, 129, "load.too_deep", {"limit": 64})
    assert problem_lines(proc.stdout) == [expected_line(ledger_dir, e, "zh")]
    assert proc.stderr == "共发现 1 个错误。\n"
    assert snapshot(ledger_dir.parent) == before


def _tags_numbers(count: int) -> tuple[str, list[E]]:
    """An item with ``count`` numbers in 'tags' (each a problem: tags are text), and its first 50 problems."""
    text = ITEM_2 + "tags: [" + "1, " * count + "]\n"
    return text, [E(I2, 18, 8 + 3 * i, "schema.expected_text", {"field": "tags", "value": "1"})
                  for i in range(min(count, CAP))]


def _unknown_fields(count: int) -> tuple[str, list[E]]:
    text = ITEM_2 + "".join(f"x{i}: 1\n" for i in range(count))
    return text, [E(I2, 18 + i, 1, "schema.unknown_field", {"field": f"x{i}"}) for i in range(min(count, CAP))]


def _anchors(count: int) -> tuple[str, list[E]]:
    text = ITEM_2 + "tags:\n" + "".join(f"  - &a{i} x\n" for i in range(count))
    return text, [E(I2, 19 + i, 5, "load.anchor", {"name": f"a{i}"}) for i in range(min(count, CAP))]


def test_many_problems_in_one_file_are_reported_quickly(ledger_dir):
    """2,000 numbers in 'tags' (6 KB): once ~15 s (the file composed again for each problem)."""
    text, first = _tags_numbers(2000)
    (ledger_dir / I2).write_text(text, encoding="utf-8")
    start = time.perf_counter()
    proc = _timed_subprocess(ledger_dir, timeout=3)
    assert time.perf_counter() - start < 3
    assert proc.returncode == 1
    expected = first + [more(first, 1950)]  # at 18:156, right after the 50th (18:155)
    assert problem_lines(proc.stdout) == [expected_line(ledger_dir, e, "zh") for e in expected]
    assert proc.stderr == "共发现 2000 个错误。\n"


def test_more_problems_line_stays_within_its_file(capsys, ledger_dir):
    """The alias bomb's "31 more … fix the ones above first" comes after its 50 and before the next file's
    problems, and the summary counts 81 + 2."""
    apply(ledger_dir, {I1: edit(ITEM_1, ("title:", "titel:")), I2: BOMB,
                       "ledger.yaml": edit(SETTINGS, ("as_of: 2023-08-18", "as_of: 2023-02-29"))})
    expected = ([E(I1, 1, 1, "schema.missing", {"field": "title"}), E(I1, 6, 1, "schema.unknown_field", {"field": "titel"})]
                + list(BOMB_EXPECTED)
                + [E("ledger.yaml", 3, 8, "schema.date_impossible", {"field": "as_of", "value": "2023-02-29"})])
    assert total(BOMB_EXPECTED) == 81 and total(expected) == 84
    code, out, err = run(capsys, ledger_dir)
    assert code == 1
    assert problem_lines(out) == [expected_line(ledger_dir, e, "zh") for e in expected]
    assert err == "共发现 84 个错误。\n"
    code, out, err = run(capsys, ledger_dir, "--lang", "en")
    assert problem_lines(out) == [expected_line(ledger_dir, e, "en") for e in expected]
    assert err == translate("cli.summary", "en", count=84) + "\n"


@pytest.mark.parametrize("count", [51, 200])
@pytest.mark.parametrize("kind", [_tags_numbers, _unknown_fields, _anchors], ids=["tags", "fields", "anchors"])
def test_problems_past_fifty_are_counted(capsys, ledger_dir, kind, count):
    """Schema problems and anchors alike: the first 50 in file order, then one line with how many more,
    one column after the 50th (tags 18:156, fields 67:2, anchors 68:6); the summary counts them all."""
    assert yamlsafe.MAX_FILE_PROBLEMS == CAP
    text, first = kind(count)
    (ledger_dir / I2).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, ledger_dir)
    assert code == 1
    expected = first + [more(first, count - CAP)]
    assert problem_lines(out) == [expected_line(ledger_dir, e, "zh") for e in expected]
    assert err == f"共发现 {count} 个错误。\n"


# ---------------------------------------------------------------- several broken files in one run

BROKEN_LEDGER = {
    "ledger.yaml": edit(SETTINGS, ("as_of: 2023-08-18", "as_of: 2023-02-29")),
    "units.yaml": edit(UNITS, ("category: township", "category: 乡镇")),
    RND: edit(ROUND, ("deadline: 2023-10-30", "deadline: 2023-10-30 18:00")),
    I1: edit(ITEM_1, ("title:", "titel:")),
    I2: item(("leader: 孙某某", "leader: no")),
    "issues/2023-R2/2023-R2-003.yml": item(("id: 2023-R2-002", "id: 2023-R2-003")),
    "issues/2023-R2/2023-R2-004.yaml": item(("id: 2023-R2-002", "id: 2023-R2-004")) + "status: open\n",
    "issues/2023-R2/2023-R2-005.yaml": item(("id: 2023-R2-002", "id: 2023-R2-005")).encode("gbk"),
    "actions.yaml": 'actions:\n  - {id: A-2023-001, kind: talk, date: 2023-07-01, title: 约谈, internal: "yes"}\n',
}
BROKEN_EXPECTED = (  # sorted by file, then line and column
    E("actions.yaml", 2, 73, "schema.expected_bool", {"field": "internal", "value": "yes"}),
    E(I1, 1, 1, "schema.missing", {"field": "title"}),
    E(I1, 6, 1, "schema.unknown_field", {"field": "titel"}),
    E(I2, 11, 9, "schema.expected_text", {"field": "leader", "value": "false"}),
    E("issues/2023-R2/2023-R2-003.yml", 0, 0, "load.unknown_file"),
    E("issues/2023-R2/2023-R2-004.yaml", 18, 1, "load.duplicate_key", {"key": "status"}),
    E("issues/2023-R2/2023-R2-005.yaml", 5, 9, "load.not_utf8", {"byte": "0xB7"}),
    E("ledger.yaml", 3, 8, "schema.date_impossible", {"field": "as_of", "value": "2023-02-29"}),
    E(RND, 6, 11, "schema.date_not_datetime", {"field": "deadline"}),
    E("units.yaml", 8, 15, "schema.enum", {"field": "category", "value": "乡镇", "expected": CATEGORIES}),
)


def _sort_key(root: Path, line: str) -> tuple:
    m = re.match(rf"^{re.escape(str(root))}/(?P<rel>[^:]+)(?::(?P<line>\d+):(?P<col>\d+))?: ", line)
    assert m, line
    return m["rel"], int(m["line"] or 0), int(m["col"] or 0)


def test_all_broken_files_reported_in_one_run(capsys, ledger_dir):
    apply(ledger_dir, BROKEN_LEDGER)
    before = snapshot(ledger_dir.parent)
    code, out, err = run(capsys, ledger_dir)
    lines = problem_lines(out)
    assert code == 1
    assert len(lines) == 10 and len({_sort_key(ledger_dir, line)[0] for line in lines}) == 9
    assert lines == [expected_line(ledger_dir, e, "zh") for e in BROKEN_EXPECTED]
    assert [_sort_key(ledger_dir, line) for line in lines] == sorted(_sort_key(ledger_dir, line) for line in lines)
    assert err == "共发现 10 个错误。\n"
    assert snapshot(ledger_dir.parent) == before


def test_all_broken_files_reported_in_one_run_end_to_end(ledger_dir):
    apply(ledger_dir, BROKEN_LEDGER)
    before = snapshot(ledger_dir.parent)
    code, lines, err = _e2e(ledger_dir, "--format", "github")
    assert code == 1
    # GitHub shows ten annotations a step; every problem is annotated and also printed as a plain line
    assert len([line for line in lines if line.startswith("::error ")]) == 10
    assert lines[10:] == [expected_line(ledger_dir, e, "zh") for e in BROKEN_EXPECTED]
    assert err == "共发现 10 个错误。\n"
    assert snapshot(ledger_dir.parent) == before


# ---------------------------------------------------------------- properties: nothing crashes

# Fragments that tend to make interesting YAML: field names, YAML 1.1 surprises, indicators, tabs,
# control characters, BOMs, odd line breaks, explicit tags (!!int, !!float and !!bool with whatever
# follows them once crashed PyYAML's constructors), deep nesting and numbers past int()'s digit limit.
FIELDS = ["id", "round", "feedback", "unit", "aspect", "title", "problem", "term", "opened", "due", "leader",
          "department", "measures", "status", "reports", "tags", "supervision", "internal", "date", "by",
          "text", "owner", "withdrawal", "<<", "yes", "1", "~", "? "]
VALUES = ["yes", "no", "on", "1:30", "2023-02-30", "2023-07-01", "2023/7/1", "2023-07-01 10:00", "~", "",
          "[", "]", "{", "}", ",", "&a", "*a", "\t", "\x07", "\x00", "'", '"', "- ", ": ", "# ", "!!str",
          "!!binary", "!!set", "!!omap", "!!timestamp", "0x1F", "1e999", ".nan", "|", ">", "防汛", "M1",
          "---", "...", "%YAML 1.1", "\ufeff", "\r\n", "\u2028", "\x85", "?", "\\", "in_progress",
          "!!int", "!!float", "!!bool", "!!null", "!!seq", "!!map", "!!python/object:os.system", "!foo",
          ".inf", "-.inf", "1.0e+999", "9" * 5000, "[" * 70, "{a: " * 70, "- " * 70]
FRAGMENT = st.one_of(st.sampled_from(FIELDS).map(lambda f: f + ": "), st.sampled_from(VALUES),
                     st.sampled_from(["\n", "\n  ", "\n    ", "  "]), st.text(max_size=4))
YAMLISH = st.lists(FRAGMENT, max_size=40).map("".join)
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _check_problems_of(raw: bytes) -> None:
    result = load.check_file(raw, "item", "issues/2023-R2/x.yaml")
    problems = result[-1]  # (…, problems) whatever else check_file returns
    text, _ = yamlsafe.decode(raw, "x")
    last_line = (text.count("\n") + 2) if text is not None else raw.count(b"\n") + 2
    for p in problems:
        assert p.file == "issues/2023-R2/x.yaml"
        assert p.code in CATALOGUE, p.code
        assert 0 <= p.line <= last_line and p.col >= 0, p
        p.render("zh"), p.render("en")


@PROPERTY
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash_the_loader(raw):
    _check_problems_of(raw)


@PROPERTY
@given(st.one_of(st.text(max_size=500), YAMLISH).map(_encode))
def test_arbitrary_text_never_crashes_the_loader(raw):
    _check_problems_of(raw)


@PROPERTY
@given(tag=st.sampled_from(["!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!str", "!!binary"]),
       value=st.one_of(st.text(max_size=30), st.sampled_from(["", "0x", "0b2", "1_", "._", "是", "9" * 5000, "1e", "--1"])))
def test_explicit_scalar_tags_never_crash_the_loader(tag, value):
    _check_problems_of(_encode(ITEM_2 + f"tags: {tag} {value}\n"))
    _check_problems_of(_encode(ITEM_2 + f"tags: [{tag} {value}]\n"))


@pytest.fixture(scope="module")
def scratch_ledger():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ledger"
        for rel, text in (("ledger.yaml", SETTINGS), ("units.yaml", UNITS), (RND, ROUND),
                          (I1, ITEM_1), (I2, ITEM_2)):
            write(root, rel, text)
        yield root


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=st.one_of(YAMLISH.map(_encode), st.binary(max_size=512)))
def test_arbitrary_item_file_gives_exit_0_or_1_and_located_lines(capsys, scratch_ledger, raw):
    (scratch_ledger / I2).write_bytes(raw)
    before = snapshot(scratch_ledger)
    code = main(["validate", str(scratch_ledger), "--no-cache"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "Traceback" not in out + err
    if code == 1:
        assert all(line.startswith(f"{scratch_ledger}/") for line in problem_lines(out))
    assert snapshot(scratch_ledger) == before

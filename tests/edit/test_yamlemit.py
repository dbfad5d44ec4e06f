"""The plain emitter writes new item files exactly as ruamel.yaml does: byte-equal to
``dump(item_document(fields))`` on every item of the example ledger and on items full of odd text
(YAML 1.1 words, colons, '#', quotes, leading zeros, dates, line breaks, control characters, long
lines) in every place a string can stand — and the fast path is the one taken for ordinary items.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from site_builder.edit.yamledit import dump, item_document
from site_builder.edit.yamlemit import emit_item
from site_builder.ledger.load import load_ledger

ROOT = Path(__file__).resolve().parents[2]
ODD = ["no", "yes", "On", "1:30", "0123", "007", "123", "1e3", "0x1F", ".5", "-1", "2023-01-01", "2023-1-1 10:00",
       "null", "~", "Null", "true", "#tag", "a #b", "a# b", "a: b", "a:b", "- x", "-x", "'quoted'", '"double"', "it's",
       "multi\nline", " lead", "trail ", "@x", "`x", "[x]", "{x}", "x, y", "x,y", "%x", "!x", "&x", "*x", "?x", "? x",
       "|x", ">x", "=SUM(A1:A2)", "中文：冒号", "中文，逗号、顿号", "tab\there", "\u2028", "\ufeff起", "响铃\x07", "x" * 3000,
       "县委巡察办 王某", "M1", "2023年10月底前", "100%", "a\\b", "<script>", "---", "...", "、",
       "M1完成", "第1个", "ａｂｃ", "中文 空格", "中文\u3000全角空格", "全角：冒号＃", "０１２３", "ｙｅｓ", "Ｎｏ", "中-文", "2023年"]


def _fields(item) -> dict:
    data = item.model_dump()

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return getattr(value, "value", value) if not isinstance(value, (str, dt.date)) or hasattr(value, "value") \
            else value
    return plain(data)


def _odd_item(s: str) -> dict:
    return {"id": "2023-R2-900", "round": "2023-R2", "feedback": ["2023-R2-F01", s], "unit": "agri-bureau",
            "aspect": s, "title": s, "problem": s, "tags": [s, "标签"], "term": "time_limited",
            "opened": dt.date(2023, 6, 5), "due": dt.date(2023, 8, 31), "leader": s, "department": s,
            "measures": [{"id": "M1", "text": s, "owner": s, "due": dt.date(2023, 7, 1), "done": None},
                         {"id": "M2", "text": "正常", "owner": "办公室", "due": dt.date(2023, 7, 2), "done": dt.date(2023, 7, 2)}],
            "status": "in_progress", "reports": [{"date": dt.date(2023, 6, 7), "by": s, "text": s}],
            "supervision": [{"date": dt.date(2023, 6, 8), "method": "phone", "by": s, "note": s, "internal": True}],
            "submissions": [{"date": dt.date(2023, 7, 3), "by": s, "text": s, "evidence": [s, "报告"]}],
            "verifications": [{"date": dt.date(2023, 7, 4), "by": "监督办", "result": "returned", "note": s}],
            "withdrawal": {"date": dt.date(2023, 7, 5), "by": s, "reason": s, "merged_into": None},
            "internal_note": s}


def test_every_example_item_is_written_as_ruamel_writes_it_and_by_the_fast_path():
    ledger, problems = load_ledger(ROOT / "ledger")
    assert problems == []
    fast = 0
    for item in ledger.items.values():
        fields = _fields(item)
        text, quick = emit_item(fields)
        assert text == dump(item_document(fields)), item.id
        assert yaml.safe_load(text)["id"] == item.id
        fast += quick
    assert fast == len(ledger.items) == 78


@pytest.mark.parametrize("s", ODD, ids=range(len(ODD)))
def test_odd_text_anywhere_is_written_as_ruamel_writes_it(s: str):
    fields = _odd_item(s)
    text, _ = emit_item(fields)
    assert text == dump(item_document(fields))


def test_the_fast_path_takes_plain_and_single_quoted_text_and_leaves_the_rest_to_ruamel():
    taken = {s: emit_item(_odd_item(s))[1] for s in ODD}
    assert taken["no"] and taken["0123"] and taken["a: b"] and taken["#tag"] and taken["中文：冒号"]
    assert taken["it's"] and not taken["'quoted'"] and not taken["multi\nline"] and not taken["x" * 3000] and not taken["响铃\x07"]


def test_a_string_forced_into_quotes_is_not_taken_for_the_same_plain_string():
    from ruamel.yaml.scalarstring import SingleQuotedScalarString
    plain = emit_item(_odd_item("abc"))[0]
    fields = _odd_item("abc")
    fields["title"] = SingleQuotedScalarString("abc")
    quoted, _ = emit_item(fields)
    assert "title: abc\n" in plain and "title: 'abc'\n" in quoted
    assert quoted == dump(item_document(fields))

"""``--format codequality``: GitLab's Code Quality report, a JSON array whose entries GitLab shows
on a merge request's diff (description, check_name, fingerprint, severity, location.path and
location.lines.begin are the fields its spec requires)."""

from __future__ import annotations

import json

from conftest import ITEM_2, rectify, write


def test_validate_writes_a_code_quality_report(capsys, ledger_dir, monkeypatch):
    monkeypatch.chdir(ledger_dir.parent)
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml",
          ITEM_2.replace("status: in_progress\n", "").replace("term: time_limited\n", "term: time_limited\nstauts: x\n"))
    code, out, err = rectify(capsys, "validate", "ledger", "--format", "codequality")
    assert code == 1
    report = json.loads(out)
    assert [{k: v for k, v in e.items() if k != "fingerprint"} for e in report] == [
        {"description": "缺少必填字段“status”。", "check_name": "schema.missing", "severity": "major",
         "location": {"path": "ledger/issues/2023-R2/2023-R2-002.yaml", "lines": {"begin": 1}}},
        {"description": "未知字段“stauts”。请检查拼写，可用字段见《编辑指南》。", "check_name": "schema.unknown_field",
         "severity": "major", "location": {"path": "ledger/issues/2023-R2/2023-R2-002.yaml", "lines": {"begin": 9}}},
    ]
    prints = [e["fingerprint"] for e in report]
    assert len(set(prints)) == 2 and all(len(f) == 64 for f in prints)
    assert err == "共发现 2 个错误。\n"
    # the fingerprint names the finding, not its wording: English gives the same ones
    _, out_en, _ = rectify(capsys, "validate", "ledger", "--format", "codequality", "--lang", "en")
    assert [e["fingerprint"] for e in json.loads(out_en)] == prints


def test_a_clean_ledger_gives_an_empty_report(capsys, ledger_dir, monkeypatch):
    monkeypatch.chdir(ledger_dir.parent)
    code, out, err = rectify(capsys, "validate", "ledger", "--format", "codequality")
    assert (code, json.loads(out), err) == (0, [], "")

"""Load: the parse cache is keyed by git blob id and shared between runs; the ledger is never written."""

from __future__ import annotations

import hashlib
import subprocess

from site_builder.ledger.load import ParseCache, kind_of, load_ledger
from site_builder.ledger.yamlsafe import blob_id


def test_blob_id_is_gits(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes("id: 测试\n".encode())
    out = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True)
    assert blob_id(path.read_bytes()) == out.stdout.strip()


def test_second_run_parses_nothing(ledger_dir, tmp_path):
    first = ParseCache(tmp_path / "c.sqlite")
    ledger1, _ = load_ledger(ledger_dir, first)
    assert len(first.pending) == 5
    first.save()
    second = ParseCache(tmp_path / "c.sqlite")
    ledger2, _ = load_ledger(ledger_dir, second)
    assert second.pending == []
    assert ledger1.items == ledger2.items


def test_changed_file_is_parsed_again(ledger_dir, tmp_path):
    cache = ParseCache(tmp_path / "c.sqlite")
    load_ledger(ledger_dir, cache)
    cache.save()
    p = ledger_dir / "issues/2023-R2/2023-R2-002.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("已采购编织袋5000条", "已采购编织袋6000条"), encoding="utf-8")
    again = ParseCache(tmp_path / "c.sqlite")
    ledger, problems = load_ledger(ledger_dir, again)
    assert [k for _, k, _ in again.pending] == ["item"] and problems == []
    assert ledger.items["2023-R2-002"].reports[0].text == "已采购编织袋6000条"


def test_cached_problems_keep_their_place_and_take_the_new_path(ledger_dir, tmp_path):
    p = ledger_dir / "issues/2023-R2/2023-R2-002.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    cache = ParseCache(tmp_path / "c.sqlite")
    _, first = load_ledger(ledger_dir, cache)
    cache.save()
    _, second = load_ledger(ledger_dir, ParseCache(tmp_path / "c.sqlite"), display_root="moved")
    assert [(x.line, x.col, x.code) for x in first] == [(x.line, x.col, x.code) for x in second]
    assert second[0].file == "moved/issues/2023-R2/2023-R2-002.yaml"


def test_a_corrupt_cache_is_only_slower(ledger_dir, tmp_path):
    (tmp_path / "c.sqlite").write_bytes(b"not a database")
    ledger, problems = load_ledger(ledger_dir, ParseCache(tmp_path / "c.sqlite"))
    assert problems == [] and len(ledger.items) == 2


def test_validate_never_writes_the_ledger(ledger_dir, capsys):
    from conftest import rectify
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in ledger_dir.rglob("*") if p.is_file()}
    rectify(capsys, "validate", str(ledger_dir))
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in ledger_dir.rglob("*") if p.is_file()}
    assert before == after


def test_kinds():
    assert kind_of("issues/2023-R2/x.yaml") == "item"
    assert kind_of("issues/x.yaml") is None
    assert kind_of("issues/a/b/x.yaml") is None
    assert kind_of("rounds/2023-R2.yaml") == "round"
    assert kind_of("ledger.yaml") == "settings"

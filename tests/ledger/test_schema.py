"""Schemas: the committed JSON Schema files equal what the models generate, and editors map them."""

from __future__ import annotations

import json
from pathlib import Path

from site_builder.ledger.models import FILE_KINDS
from site_builder.ledger.schema import schema_texts, write_schemas

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_are_fresh():
    stale, count = write_schemas(ROOT / "schemas", check=True)
    assert stale == [], "schemas/ is stale: run `rectify schema`"
    assert count == len(FILE_KINDS)


def test_check_reports_a_stale_schema(tmp_path, capsys):
    from site_builder.cli.main import main
    assert main(["schema", "--out", str(tmp_path)]) == 0
    (tmp_path / "item.schema.json").write_text("{}", encoding="utf-8")
    assert main(["schema", "--out", str(tmp_path), "--check"]) == 1
    assert capsys.readouterr().err.strip() == f"{tmp_path} 中的 JSON Schema 已过期，请运行 rectify schema：item.schema.json"


def test_every_field_has_a_chinese_title_and_description():
    def walk(schema: dict, where: str):
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("title") and prop.get("description"), f"{where}.{name}"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in prop["title"]), f"{where}.{name}"
    for name, text in schema_texts().items():
        schema = json.loads(text)
        walk(schema, name)
        for def_name, sub in schema.get("$defs", {}).items():
            walk(sub, f"{name}#{def_name}")


def test_vscode_maps_every_schema_onto_ledger_files():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapped = {Path(k).name: v for k, v in settings["yaml.schemas"].items()}
    for kind, (_, filename, pattern) in FILE_KINDS.items():
        assert mapped[filename] == "ledger/" + pattern

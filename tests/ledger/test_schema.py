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


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_level_of_every_schema_has_a_chinese_title_and_description():
    """Top level, every nested model and enumeration, every field: what the editor's hover shows."""
    for name, text in schema_texts().items():
        schema = json.loads(text)
        levels = [("(top)", schema)] + [(f"#{n}", sub) for n, sub in schema.get("$defs", {}).items()]
        for where, level in levels:
            assert _chinese(level.get("title", "")) and _chinese(level.get("description", "")), (name, where)
            # no English sentence beside the Chinese (field names and values may stay, as written in YAML)
            assert not any(w in level["description"] for w in (" the ", " one ", "notes:", " file ")), (name, where)
    assert json.loads(schema_texts()["item.schema.json"])["title"] == "整改问题"
    assert json.loads(schema_texts()["units.schema.json"])["title"] == "被巡察单位名录"


def test_every_enumeration_value_has_its_own_meaning():
    seen = 0
    for name, text in schema_texts().items():
        for def_name, sub in json.loads(text).get("$defs", {}).items():
            if "enum" not in sub:
                continue
            seen += 1
            assert len(sub["markdownEnumDescriptions"]) == len(sub["enum"]) == len(sub["enumDescriptions"]), def_name
            for value, meaning in zip(sub["enum"], sub["markdownEnumDescriptions"]):
                assert meaning.startswith(f"**{value}**：") and _chinese(meaning), (def_name, value)
    assert seen >= 11
    status = json.loads(schema_texts()["item.schema.json"])["$defs"]["Status"]
    assert dict(zip(status["enum"], status["enumDescriptions"]))["submitted"] == "已交账"


def test_both_vscode_settings_read_yaml_1_1_like_the_gate():
    """The gate reads YAML 1.1 (`no` is false, `1:30` is 90): the editor must read it the same way."""
    for path in (ROOT / ".vscode" / "settings.json", ROOT / "site_builder" / "edit" / "skeleton" / "vscode" / "settings.json"):
        settings = json.loads(path.read_text(encoding="utf-8"))
        assert settings["yaml.yamlVersion"] == "1.1", path

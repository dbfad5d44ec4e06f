"""Schemas: JSON Schema files generated from the models, for editors and other tools.

``rectify schema`` writes one file per ledger file kind into ``schemas/``; ``--check`` compares
instead of writing, which is how a test keeps them from going stale. The Chinese titles and
descriptions of the models become the hints an editor with the YAML language server shows.
"""

from __future__ import annotations

import json
from pathlib import Path

from .messages import translate
from .models import FILE_KINDS


#: Chinese titles of the nested models, shown by editors instead of the Python class names
DEF_TITLES = {
    "Thresholds": "阈值", "Scoring": "评分规则", "Unit": "被巡察单位", "FeedbackProblem": "反馈问题",
    "Measure": "整改措施", "Report": "进展报告（日报告）", "SupervisionRecord": "日常监督记录",
    "Submission": "交账记录", "Verification": "核账记录", "Lookback": "回头看记录", "Mechanism": "制度机制", "Extension": "延期",
    "Withdrawal": "撤销", "Action": "成果运用与问责", "Evaluation": "评估", "Status": "整改状态",
    "Term": "整改时限类型", "Scope": "问题性质", "Method": "监督方式", "ActionKind": "处理类别",
    "VerificationResult": "核账结果", "LookbackResult": "回头看结论", "UnitCategory": "单位类别",
    "Level": "巡视巡察层级", "RoundKind": "巡察类型", "Audience": "发布范围",
}
#: message-catalogue prefix of each enumeration, for its values' Chinese names
ENUM_LABELS = {"Status": "status", "Term": "term", "Scope": "scope", "Method": "method", "ActionKind": "action",
               "UnitCategory": "category", "Level": "level", "RoundKind": "kind"}


def _chinese(schema: dict) -> dict:
    for name, sub in schema.get("$defs", {}).items():
        title = DEF_TITLES.get(name, sub.get("title", name))
        sub["title"] = title
        if "enum" in sub and name in ENUM_LABELS:
            labels = [f"{v}＝{translate(ENUM_LABELS[name] + '.' + v, 'zh')}" for v in sub["enum"]]
            sub["description"] = f"{title}：" + "；".join(labels)
        elif name in DEF_TITLES:
            sub["description"] = title
    return schema


def schema_texts() -> dict[str, str]:
    """File name → JSON text of every schema, deterministic byte for byte."""
    out = {}
    for kind, (model, filename, _) in FILE_KINDS.items():
        schema = _chinese(model.model_json_schema())
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"rectification-ledger/{filename}", **schema}
        out[filename] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out


def write_schemas(folder: Path, check: bool = False) -> tuple[list[str], int]:
    """Write (or with ``check`` only compare) the schema files. Returns (stale names, count)."""
    texts = schema_texts()
    stale = []
    for name, text in texts.items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not check:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale, len(texts)

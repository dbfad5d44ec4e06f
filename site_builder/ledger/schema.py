"""Schemas: JSON Schema files generated from the models, for editors and other tools.

``rectify schema`` writes one file per ledger file kind into ``schemas/``; ``--check`` compares
instead of writing, which is how a test keeps them from going stale. The Chinese titles and
descriptions of the models become the hints an editor with the YAML language server shows.
"""

from __future__ import annotations

import json
from pathlib import Path

from site_builder.core.messages import translate
from site_builder.ledger.models import FILE_KINDS


#: Chinese titles of the nested models, shown by editors instead of the Python class names
DEF_TITLES = {
    "Thresholds": "阈值", "Scoring": "评分规则", "Unit": "被巡察单位", "FeedbackProblem": "反馈问题",
    "Measure": "整改措施", "Report": "进展报告（日报告）", "SupervisionRecord": "日常监督记录",
    "Submission": "交账记录", "Verification": "核账记录", "Lookback": "回头看记录", "Mechanism": "制度机制", "Extension": "延期", "RoundExtension": "轮次延期",
    "Withdrawal": "撤销", "Action": "成果运用与问责", "Evaluation": "评估", "Status": "整改状态",
    "Term": "整改时限类型", "Scope": "问题性质", "Method": "监督方式", "ActionKind": "处理类别",
    "VerificationResult": "核账结果", "LookbackResult": "回头看结论", "UnitCategory": "单位类别",
    "Level": "巡视巡察层级", "RoundKind": "巡察类型", "Audience": "发布范围",
    "Member": "汇总成员", "LockedMember": "成员锁定记录",
}
#: what each nested model is, for the editor's hover (the title alone says little)
DEF_DESCRIPTIONS = {
    "Thresholds": "预警和提醒用到的天数等阈值。", "Scoring": "评估晒账时建议得分的计算规则（各项权重）。",
    "Unit": "一个被巡察单位及其监督主体（派驻纪检监察组或乡镇纪委）。",
    "FeedbackProblem": "巡察反馈报告中原文列出的一个问题。",
    "Measure": "一条具体、可检验的整改措施，须有责任人和完成时限。", "Report": "被巡察单位报告的一次整改进展。",
    "SupervisionRecord": "监督办或监督主体开展的一次日常监督（电话催办、听取汇报、个别谈话等）。",
    "Submission": "单位提交整改完成情况及佐证材料（交账）。", "Verification": "监督办对交账的核查（核账）：通过或退回。",
    "Lookback": "销号后的回头看：成果巩固还是问题反弹。", "Mechanism": "整改中建立或修订的制度机制。",
    "Withdrawal": "问题因重复、合并等原因撤销，须写明理由。", "Action": "一次成果运用或问责：约谈、提醒函、停职、意见建议等。",
    "Evaluation": "对一个单位在一个轮次整改情况的评估（晒账）。",
    "Member": "汇总台账读取的一个下级台账（县或市）：在哪个 git 仓库、读哪个分支或提交。",
    "LockedMember": "rectify members update 读取一个成员时锁定的提交。",
}
#: message-catalogue prefix of each enumeration, for its values' Chinese names
ENUM_LABELS = {"Status": "status", "Term": "term", "Scope": "scope", "Method": "method", "ActionKind": "action",
               "UnitCategory": "category", "Level": "level", "RoundKind": "kind"}
#: the values of enumerations the catalogue has no labels for (no page shows them by themselves)
OTHER_VALUES = {"passed": "通过", "returned": "退回（整改不到位，重新整改）", "sustained": "整改成果巩固",
                "relapsed": "问题反弹（问题转回整改中）", "internal": "内部版：显示全部内容",
                "public": "公开版（晒账）：不含人名、内部意见、佐证材料和标为内部的内容"}
#: the top level of each schema file: what the file is, in Chinese
TOP = {
    "settings.schema.json": ("台账设置", "台账设置（ledger/ledger.yaml）：组织名称、监督办名称、语言、时区、预警阈值、评分规则和发布范围。"),
    "units.schema.json": ("被巡察单位名录", "被巡察单位名录（ledger/units.yaml）：每个单位的编号、名称、类别和监督主体。"),
    "round.schema.json": ("巡视巡察轮次", "一个巡视巡察轮次（ledger/rounds/<轮次>.yaml）：层级、类型、反馈日期、整改期限、方面、被巡察单位和反馈问题原文。"),
    "item.schema.json": ("整改问题", "一个整改问题（ledger/issues/<轮次>/<编号>.yaml，文件名即编号）：问题表述、整改措施、状态，以及只增不改的进展、监督、交账、核账、回头看记录。"),
    "actions.schema.json": ("成果运用与问责", "成果运用与问责（ledger/actions.yaml）：约谈提醒、提醒函、停职、意见建议、专项治理、班子调整，只增不改。"),
    "evaluations.schema.json": ("评估晒账", "评估晒账（ledger/evaluations.yaml）：每个单位每个轮次的建议得分、最终得分和理由，只增不改。"),
    "bulletin.schema.json": ("每周情况通报附言", "《每周情况通报》中监督办自己撰写的段落（ledger/bulletins/<周次>.yaml），如下一步工作。"),
    "members-lock.schema.json": ("汇总成员锁定文件", "汇总台账读取各成员台账时锁定的提交（ledger/members.lock.yaml），由 rectify members update 写入，不要手改。"),
}


def _value_label(enum: str, value: str) -> str:
    if enum in ENUM_LABELS:
        return translate(f"{ENUM_LABELS[enum]}.{value}", "zh")
    return OTHER_VALUES[value]


def _chinese(schema: dict, filename: str) -> dict:
    schema["title"], schema["description"] = TOP[filename]
    for name, sub in schema.get("$defs", {}).items():
        title = DEF_TITLES.get(name, sub.get("title", name))
        sub["title"] = title
        if "enum" in sub:
            labels = [_value_label(name, v) for v in sub["enum"]]
            sub["description"] = f"{title}：" + "；".join(f"{v}＝{label}" for v, label in zip(sub["enum"], labels))
            # one meaning per value: VS Code's YAML extension shows it beside each completion
            sub["enumDescriptions"] = labels
            sub["markdownEnumDescriptions"] = [f"**{v}**：{label}" for v, label in zip(sub["enum"], labels)]
        else:
            sub["description"] = DEF_DESCRIPTIONS.get(name, title)
    return schema


def schema_texts() -> dict[str, str]:
    """File name → JSON text of every schema, deterministic byte for byte."""
    out = {}
    for kind, (model, filename, _) in FILE_KINDS.items():
        schema = _chinese(model.model_json_schema(), filename)
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"rectification-ledger/{filename}",
                  "title": schema.pop("title"), "description": schema.pop("description"), **schema}
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

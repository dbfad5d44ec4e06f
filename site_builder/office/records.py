"""Excel records: a step of the Excel import and export (``excel``, ``export``) — the records an item
keeps besides its progress reports (交账 submissions, 核账 verifications, 回头看 look-backs, 监督
supervision, 制度 mechanisms, 延期 extensions, 撤销 withdrawal) summarised as one line each in the
export's 交账核账记录 cell, and read back from it, so that an exported ledger imports into an empty one
with every record. A line is its kind and its fields separated by full-width bars:

    交账｜2023-07-14｜县乡村振兴局 田某某｜措施已全部落实｜佐证：整改报告；整改台账
    核账｜2023-07-19｜监督办 何某｜通过｜佐证材料齐全
    回头看｜2023-09-01｜监督办 王某｜巩固｜
    监督｜2023-06-13｜听取汇报｜监督办 王某｜听取汇报｜内部
    制度｜2023-06-26｜《防止返贫动态监测办法》
    延期｜2023-08-01｜M2｜2023-10-31｜汛期施工受阻｜县政府 李某
    撤销｜2023-08-02｜监督办 何某｜与 2023-R2-003 重复｜2023-R2-003

A full-width bar is the one character a record's own text may not hold; the export refuses none, it
writes ``|`` (half width) in its place, which is then what comes back.
"""

from __future__ import annotations

import datetime as dt

from site_builder.ledger.models import LookbackResult, Method, VerificationResult

BAR = "｜"
METHODS = {"phone": "电话催办", "hearing": "听取汇报", "talk": "个别谈话", "documents": "查阅资料", "visit": "走访了解",
           "on_site": "实地查看"}
VERIFIED = {"passed": "通过", "returned": "退回"}
LOOKED = {"sustained": "巩固", "relapsed": "反弹"}
EVIDENCE = "佐证："
INTERNAL = "内部"


def _t(value) -> str:
    return "" if value is None else str(value).replace(BAR, "|").replace("\n", " ")


def record_lines(item) -> list[str]:
    """The item's records other than progress reports, one line each, in the order above."""
    out = []
    for s in item.submissions:
        out.append(BAR.join(["交账", s.date.isoformat(), _t(s.by), _t(s.text),
                             EVIDENCE + "；".join(_t(e) for e in s.evidence) if s.evidence else ""]))
    for v in item.verifications:
        out.append(BAR.join(["核账", v.date.isoformat(), _t(v.by), VERIFIED[v.result.value], _t(v.note)]))
    for lb in item.lookbacks:
        out.append(BAR.join(["回头看", lb.date.isoformat(), _t(lb.by), LOOKED[lb.result.value], _t(lb.note)]))
    for r in item.supervision:
        out.append(BAR.join(["监督", r.date.isoformat(), METHODS[r.method.value], _t(r.by), _t(r.note),
                             INTERNAL if r.internal else ""]))
    for m in item.mechanisms:
        out.append(BAR.join(["制度", m.date.isoformat(), _t(m.title)]))
    for e in item.extensions:
        out.append(BAR.join(["延期", e.date.isoformat(), e.measure or "", e.due.isoformat(), _t(e.reason),
                             _t(e.approved_by)]))
    if item.withdrawal:
        w = item.withdrawal
        out.append(BAR.join(["撤销", w.date.isoformat(), _t(w.by), _t(w.reason), w.merged_into or ""]))
    return out


class RecordError(ValueError):
    """A line of a 交账核账记录 cell that does not read: ``params`` for the message ``excel.bad_record``."""

    def __init__(self, line: str):
        super().__init__(line)
        self.params = {"value": line[:60]}


def _date(text: str, line: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RecordError(line) from None


def _opt(text: str) -> str | None:
    return text.strip() or None


def parse_records(cell: str) -> dict[str, list | dict]:
    """A 交账核账记录 cell → the item fields it carries (lists of records, and ``withdrawal``)."""
    by_word = {v: k for k, v in METHODS.items()}
    out: dict[str, list | dict] = {}
    for line in (x.strip() for x in cell.split("\n")):
        if not line:
            continue
        parts = [p.strip() for p in line.split(BAR)]
        kind, rest = parts[0], parts[1:]
        try:
            if kind == "交账" and len(rest) in (3, 4):
                evidence = rest[3][len(EVIDENCE):].split("；") if len(rest) == 4 and rest[3].startswith(EVIDENCE) else []
                if len(rest) == 4 and rest[3] and not rest[3].startswith(EVIDENCE):
                    raise RecordError(line)
                rec = {"date": _date(rest[0], line), "by": rest[1], "text": rest[2]}
                if evidence:
                    rec["evidence"] = [e for e in evidence if e]
                out.setdefault("submissions", []).append(rec)
            elif kind == "核账" and len(rest) in (3, 4):
                result = {v: k for k, v in VERIFIED.items()}.get(rest[2]) or VerificationResult(rest[2]).value
                out.setdefault("verifications", []).append(
                    {"date": _date(rest[0], line), "by": rest[1], "result": result, "note": _opt(rest[3]) if len(rest) == 4 else None})
            elif kind == "回头看" and len(rest) in (3, 4):
                result = {v: k for k, v in LOOKED.items()}.get(rest[2]) or LookbackResult(rest[2]).value
                out.setdefault("lookbacks", []).append(
                    {"date": _date(rest[0], line), "by": rest[1], "result": result, "note": _opt(rest[3]) if len(rest) == 4 else None})
            elif kind == "监督" and len(rest) in (4, 5):
                method = by_word.get(rest[1]) or Method(rest[1]).value
                rec = {"date": _date(rest[0], line), "method": method, "by": rest[2], "note": rest[3]}
                if len(rest) == 5 and rest[4]:
                    if rest[4] != INTERNAL:
                        raise RecordError(line)
                    rec["internal"] = True
                out.setdefault("supervision", []).append(rec)
            elif kind == "制度" and len(rest) == 2:
                out.setdefault("mechanisms", []).append({"date": _date(rest[0], line), "title": rest[1]})
            elif kind == "延期" and len(rest) == 5:
                out.setdefault("extensions", []).append(
                    {"date": _date(rest[0], line), "measure": _opt(rest[1]), "due": _date(rest[2], line),
                     "reason": rest[3], "approved_by": rest[4]})
            elif kind == "撤销" and len(rest) in (3, 4) and "withdrawal" not in out:
                out["withdrawal"] = {"date": _date(rest[0], line), "by": rest[1], "reason": rest[2],
                                     "merged_into": _opt(rest[3]) if len(rest) == 4 else None}
            else:
                raise RecordError(line)
        except ValueError as exc:      # an unknown result or method word
            raise exc if isinstance(exc, RecordError) else RecordError(line) from None
    return out

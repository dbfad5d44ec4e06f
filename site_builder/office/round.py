"""Excel round: the planning step of the Excel import (``excel``) when the round does not exist yet —
the round file and the new units are made from the workbooks themselves (aspects from section rows
or an aspect column, feedback problems from the 反馈问题 texts, or one per problem when the sheet has
no such column; units from the unit column, the 填报单位 row or the title), and from the options for
what a workbook cannot say (``--round-name``, ``--feedback-date``, ``--deadline``, ``--level``,
``--kind``). New units get readable ids from their names' pinyin (pypinyin) and go into units.yaml.
For an existing round it only builds the context rows are read against.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from site_builder.office.cells import aspect_key, norm
from site_builder.office.rows import Feedback, RoundContext, text_key
from site_builder.ledger.models import Round, Unit

DEFAULT_ASPECT = "巡察反馈问题"
_PREFIX = re.compile(r"^(?:中共)?(?:[^县市区]{0,6}[县市区](?=.))?")


@dataclass
class RoundOptions:
    name: str | None = None
    feedback_date: dt.date | None = None
    deadline: dt.date | None = None
    level: str = "county"
    kind: str = "routine"


def unit_id(name: str, taken: set[str]) -> str:
    """A readable id from a unit's name: 县农业农村局 → nongyenongcunju (the county prefix left off)."""
    from pypinyin import lazy_pinyin
    core = _PREFIX.sub("", name) or name
    words = [w.lower() for w in lazy_pinyin(core) if w.strip()]
    base = re.sub(r"[^a-z0-9]+", "-", "".join(words)).strip("-")[:40] or "unit"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def unit_category(name: str) -> str:
    if re.search(r"(?:镇|乡|街道|街道办事处)$", name):
        return "township"
    if re.search(r"公司|集团", name):
        return "enterprise"
    return "county_department"


def supervisor_of(name: str, category: str) -> str:
    return f"{name}纪委" if category == "township" else "县纪委监委派驻纪检监察组（待确认）"


def context_of(ledger, rnd: Round) -> RoundContext:
    names = {norm(u.name): u.id for u in ledger.units.values()}
    names.update({u.id: u.id for u in ledger.units.values()})
    return RoundContext(rnd.id, rnd.feedback_date, rnd.deadline, {aspect_key(a): a for a in rnd.aspects},
                        [Feedback(f.id, f.aspect, f.unit, f.text) for f in rnd.feedback], names, set(rnd.units),
                        {u.id: u.name for u in ledger.units.values()})


@dataclass
class Planned:
    round: Round
    round_doc: dict
    units: list[Unit]
    ctx: RoundContext


def plan_round(ledger, round_id: str, opts: RoundOptions, rows: list[tuple[str, str | None, str | None]]) -> Planned:
    """The round and new units for ``rows``: (unit name or id, aspect label or None, feedback text or None)
    of every item row, in sheet order. The caller has checked the options are given."""
    names = {norm(u.name): u.id for u in ledger.units.values()}
    names.update({u.id: u.id for u in ledger.units.values()})
    taken = set(ledger.units)
    new_units: list[Unit] = []
    order: list[str] = []
    aspects: dict[str, str] = {}
    for unit_name, label, _ in rows:
        uid = names.get(unit_name) or names.get(norm(unit_name))
        if uid is None:
            uid = unit_id(norm(unit_name), taken)
            taken.add(uid)
            category = unit_category(norm(unit_name))
            new_units.append(Unit(id=uid, name=norm(unit_name), category=category,
                                  supervisor=supervisor_of(norm(unit_name), category)))
            names[norm(unit_name)] = uid
        if uid not in order:
            order.append(uid)
        if label:
            key = aspect_key(label)
            aspects.setdefault(key, key)
    if not aspects or any(label is None for _, label, _ in rows):
        aspects.setdefault(DEFAULT_ASPECT, DEFAULT_ASPECT)
    feedback: list[Feedback] = []
    seen: dict[tuple[str, str], Feedback] = {}
    for unit_name, label, text in rows:
        uid = names.get(unit_name) or names[norm(unit_name)]
        if not text:
            continue
        key = (uid, text_key(text))
        if key not in seen:
            f = Feedback(f"{round_id}-F{len(feedback) + 1:02d}", aspects[aspect_key(label)] if label else DEFAULT_ASPECT,
                         uid, text.strip())
            seen[key] = f
            feedback.append(f)
    doc = {"id": round_id, "name": opts.name, "level": opts.level, "kind": opts.kind,
           "feedback_date": opts.feedback_date, "deadline": opts.deadline, "aspects": list(aspects.values()),
           "units": order, "feedback": [{"id": f.id, "aspect": f.aspect, "unit": f.unit, "text": f.text} for f in feedback]}
    all_units = {**{u.id: u.name for u in ledger.units.values()}, **{u.id: u.name for u in new_units}}
    ctx = RoundContext(round_id, opts.feedback_date, opts.deadline, {k: v for k, v in aspects.items()}, feedback,
                       names, set(order), all_units)
    rnd = Round(**{**doc, "feedback": doc["feedback"] or [{"id": f"{round_id}-F01", "aspect": DEFAULT_ASPECT,
                                                           "unit": order[0] if order else "-", "text": "-"}]}) \
        if order else None
    return Planned(rnd, doc, new_units, ctx)

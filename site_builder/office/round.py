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

from site_builder.office.cells import aspect_key, norm, strip_number
from site_builder.office.context import Feedback, RoundContext, text_key
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


def plan_round(ledger, round_id: str, opts: RoundOptions, rows: list[tuple], base: Round | None = None) -> Planned:
    """The round and new units for ``rows``: (unit name or id, aspect label or None, feedback text or
    None, feedback ids, feedback units' names) of every item row, in sheet order. The caller has checked
    the options are given. ``base``: an existing round (made by an earlier import) that the rows extend:
    its aspects, units and feedback problems stay; the rows of units it does not have yet add theirs after
    them (a unit it has must match its feedback problems, as in any existing round)."""
    names = {norm(u.name): u.id for u in ledger.units.values()}
    names.update({u.id: u.id for u in ledger.units.values()})
    taken = set(ledger.units)
    new_units: list[Unit] = []
    order: list[str] = list(base.units) if base else []
    aspects: dict[str, str] = {aspect_key(a): a for a in base.aspects} if base else {}

    def unit_of(unit_name: str) -> str:
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
        return uid

    def known(row) -> bool:
        """A row of a unit the base round has already: read against the round, never extending it."""
        uid = names.get(row[0]) or names.get(norm(row[0]))
        return base is not None and uid in base.units

    rows = [row for row in rows if not known(row)]
    for row in rows:
        unit_name, label = row[0], row[1]
        unit_of(unit_name)
        for fu in (row[4] if len(row) > 4 else ()):
            unit_of(fu)
        if label:
            key = aspect_key(label)
            # an aspect column names the aspect as it is; a section row wraps it in "方面存在的问题"
            aspects.setdefault(key, strip_number(norm(label)) if len(row) > 5 and row[5] else key)
    if not aspects or any(row[1] is None for row in rows):
        aspects.setdefault(DEFAULT_ASPECT, DEFAULT_ASPECT)
    feedback: list[Feedback] = [Feedback(f.id, f.aspect, f.unit, f.text) for f in base.feedback] if base else []
    seen: dict[tuple[str, str], Feedback] = {(f.unit, text_key(f.text)): f for f in feedback}
    known_ids = {f.id for f in feedback}
    numbers = [int(m.group(1)) for f in feedback for m in [re.search(r"-F(\d+)$", f.id)] if m]
    next_number = max(numbers, default=0) + 1
    for row in rows:
        unit_name, label, text = row[0], row[1], row[2]
        ids = list(row[3]) if len(row) > 3 else []
        uid = unit_of(unit_name)
        aspect = aspects[aspect_key(label)] if label else DEFAULT_ASPECT
        if ids:        # the export's own columns: the ids as they were, each with its text and unit
            texts = (text or "").split("\n")
            texts = texts if len(texts) == len(ids) else [text or ""] * len(ids)
            units = list(row[4]) if len(row) > 4 and len(row[4]) == len(ids) else [unit_name] * len(ids)
            for fid, ftext, fu in zip(ids, texts, units):
                if fid in known_ids:
                    continue
                f = Feedback(fid, aspect, unit_of(fu), ftext.strip() or fid)
                known_ids.add(fid)
                seen.setdefault((f.unit, text_key(f.text)), f)
                feedback.append(f)
            continue
        if not text:
            continue
        key = (uid, text_key(text))
        if key not in seen:
            fid = f"{round_id}-F{next_number:02d}"
            while fid in known_ids:
                next_number += 1
                fid = f"{round_id}-F{next_number:02d}"
            next_number += 1
            f = Feedback(fid, aspect, uid, text.strip())
            seen[key] = f
            known_ids.add(fid)
            feedback.append(f)
    if base:
        opts = RoundOptions(base.name, base.feedback_date, base.deadline, base.level.value, base.kind.value)
    doc = {"id": round_id, "name": opts.name, "level": opts.level, "kind": opts.kind,
           "feedback_date": opts.feedback_date, "deadline": opts.deadline, "aspects": list(aspects.values()),
           "units": order, "feedback": [{"id": f.id, "aspect": f.aspect, "unit": f.unit, "text": f.text} for f in feedback]}
    all_units = {**{u.id: u.name for u in ledger.units.values()}, **{u.id: u.name for u in new_units}}
    ctx = RoundContext(round_id, opts.feedback_date, opts.deadline, {k: v for k, v in aspects.items()}, feedback,
                       names, set(order), all_units)
    extra = {"extensions": [e.model_dump() for e in base.extensions]} if base and base.extensions else {}
    rnd = Round(**{**doc, **extra, "feedback": doc["feedback"] or [{"id": f"{round_id}-F01", "aspect": DEFAULT_ASPECT,
                                                                    "unit": order[0] if order else "-", "text": "-"}]}) \
        if order else None
    return Planned(rnd, doc, new_units, ctx)

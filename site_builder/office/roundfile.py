"""Excel round file: the step of the Excel import (``excel``) that settles the round the rows go
into — an existing round as it is; a new one made from the rows (``office.round.plan_round``); or, for
a round an earlier import made (its file says so in its first comment), that round extended with the
units, aspects and feedback problems of a unit it does not have yet, so that a county can import its
units' ledgers one after another. A round written by hand (or by ``import-feedback``, from the report
itself) is never extended: rows must match it. The round file and units.yaml are written with the
items, all or nothing.
"""

from __future__ import annotations

from dataclasses import replace

from ruamel.yaml.comments import CommentedSeq

from site_builder.core.problems import Problem
from site_builder.edit.workspace import Workspace
from site_builder.edit.yamledit import block_map, dump, flow_map, flow_seq, load_rt, text_value
from site_builder.office.cells import Row, sheet_order, split_names
from site_builder.office.round import RoundOptions, context_of, plan_round

_UNIT_HEADER = ("# 被巡察单位。每个单位一项；id 用英文短编号，建账后不再改动。\n")


def _text_of(ws: Workspace, display: str) -> str:
    try:
        return ws.ledger.text(display) or ""
    except (OSError, KeyError):
        return ""


def extend_round_yaml(text: str, base, doc: dict) -> str:
    """The round file with the aspects, units and feedback problems of ``doc`` that ``base`` lacks
    appended, its comments and layout kept."""
    data, y = load_rt(text)
    for key, old in (("aspects", base.aspects), ("units", base.units)):
        for value in doc[key][len(old):]:
            data[key].append(text_value(value))
    known = {f.id for f in base.feedback}
    for f in doc["feedback"]:
        if f["id"] not in known:
            entry = block_map([(k, text_value(v) if k == "text" else v) for k, v in f.items()])
            seq = data["feedback"]
            if len(seq) and hasattr(seq[-1], "fa") and seq[-1].fa.flow_style():
                entry.fa.set_flow_style()
            seq.append(entry)
    return dump(data, y)


IMPORT_MARK = "由 rectify import 从整改台账生成"
_HEADER = "# 巡察轮次，由 rectify import 从整改台账生成；feedback 请与反馈意见原文核对。\n"


def round_yaml(doc: dict, header: str = _HEADER) -> str:
    data = block_map([("id", doc["id"]), ("name", text_value(doc["name"])), ("level", doc["level"]),
                      ("kind", doc["kind"]), ("feedback_date", doc["feedback_date"]), ("deadline", doc["deadline"]),
                      ("aspects", flow_seq(doc["aspects"])), ("units", flow_seq(doc["units"]))])
    # one feedback problem a line, as the example ledger writes them (block_map would make the list flow)
    data["feedback"] = CommentedSeq([flow_map([(k, text_value(v) if k == "text" else v) for k, v in f.items()])
                                     for f in doc["feedback"]])
    return header + dump(data)


def units_yaml(ws: Workspace, units) -> str:
    path = ws.root / "units.yaml"
    text = path.read_text(encoding="utf-8") if path.is_file() else _UNIT_HEADER + "units: []\n"
    data, y = load_rt(text)
    seq = data.get("units")
    if seq is None or not hasattr(seq, "append"):
        data["units"] = seq = []
    if hasattr(seq, "fa") and seq.fa.flow_style():
        seq.fa.set_block_style()
    for u in units:
        seq.append(block_map([("id", u.id), ("name", text_value(u.name)), ("category", u.category.value),
                              ("supervisor", text_value(u.supervisor))]))
    return dump(data, y)



def settle_round(ws: Workspace, round_id: str, laid, options: RoundOptions | None, result, note):
    """(context the rows are read against, the round, the files it makes: display path → text), or None when ``result.problems`` says why not.
    A new or extended round's files go into ``result.created``; ``ws.ledger`` sees them from now on."""
    rnd = ws.ledger.rounds.get(round_id)
    created: dict[str, str] = {}
    round_display = ws.ledger.paths.get("round:" + round_id, ws.display_of(f"rounds/{round_id}.yaml"))
    base = rnd if rnd is not None and IMPORT_MARK in _text_of(ws, round_display) else None
    if rnd is not None and base is None:
        ctx = context_of(ws.ledger, rnd)
    else:
        options = options or RoundOptions()
        missing = [o for o, v in (("--round-name", options.name), ("--feedback-date", options.feedback_date),
                                  ("--deadline", options.deadline)) if not v]
        if missing and base is None:
            result.problems.append(Problem.at(ws.display_of(f"rounds/{round_id}.yaml"), None, "excel.round_options",
                                              round=round_id, options=" ".join(missing)))
            return None
        rows = []
        for s, lay, groups in laid:
            for g in groups:
                if g.kind != "item":
                    continue
                r = Row(s, lay.cols, g.rows)
                name = lay.unit if lay.unit_from == "option" else (r.text("unit") or lay.unit)
                if not name:
                    result.problems.append(Problem.at(r.at("unit") if "unit" in lay.cols else r.at("problem"), None,
                                                      "excel.no_unit"))
                    continue
                label = r.text("aspect") or g.aspect
                ids = split_names(r.text("feedback_id")) if r.text("feedback_id") else []
                feedback = r.text("feedback") or (None if ids else r.text("problem"))
                fb_units = [u for u in r.text("feedback_unit").split("\n") if u.strip()] or [name] * len(ids)
                rows.append((name, label, feedback, ids, fb_units, bool(r.text("aspect"))))
        if result.problems or not rows:
            result.problems.sort(key=sheet_order)
            return None
        planned = plan_round(ws.ledger, round_id, options, rows, base)
        ctx = planned.ctx
        if base is not None and not planned.units and all(len(planned.round_doc[k]) == len(getattr(base, k))
                                                           for k in ("aspects", "units", "feedback")):
            return ctx, base, {}      # nothing new for the round: read against it as it is
        rnd = planned.round
        created[round_display] = round_yaml(planned.round_doc) if base is None else \
            extend_round_yaml(_text_of(ws, round_display), base, planned.round_doc)
        units = dict(ws.ledger.units)
        paths_map = dict(ws.ledger.paths, **{"round:" + round_id: round_display})
        if planned.units:
            units_display = ws.ledger.paths.get("units", ws.display_of("units.yaml"))
            created[units_display] = units_yaml(ws, planned.units)
            units.update({u.id: u for u in planned.units})
            paths_map["units"] = units_display
            for u in planned.units:
                note(units_display, "excel.unit_created", unit=u.id, name=u.name, supervisor=u.supervisor)
        base_text = ws.ledger.text
        ws.ledger = replace(ws.ledger, rounds={**ws.ledger.rounds, round_id: rnd}, units=units, paths=paths_map,
                            text=lambda p: created[p] if p in created else base_text(p))
        result.created = list(created)
        if base is None:
            note(round_display, "excel.round_created", round=round_id, aspects=len(planned.round_doc["aspects"]),
                 feedback=len(planned.round_doc["feedback"]), units=len(planned.round_doc["units"]))
        else:
            note(round_display, "excel.round_extended", round=round_id,
                 aspects=len(planned.round_doc["aspects"]) - len(base.aspects),
                 feedback=len(planned.round_doc["feedback"]) - len(base.feedback),
                 units=len(planned.round_doc["units"]) - len(base.units))
    return ctx, rnd, created

"""Render: the fifth stage of the pipeline, a validated ledger (+ its history) in, the site's pages
out as Markdown text keyed by path. Nothing here touches the disk or runs mkdocs; ``site`` does.

Figures come only from ``metrics``; ledger text is escaped by Jinja's autoescape inside HTML blocks
and by ``md_escape`` in headings, so no text from the ledger can become markup or script.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from site_builder.site import charts, downloads
from site_builder import metrics
from site_builder.bulletin.figures import Changes
from site_builder.history.timeline import Transition
from site_builder.ledger.load import Ledger
from site_builder.core.messages import translate
from site_builder.core.outputs import front_title, md_escape
from site_builder.ledger.models import ActionKind, Status

STATUS_ORDER = {s.value: i for i, s in enumerate(Status)}
WARN_ORDER = {"red": 0, "yellow": 1, "green": 2, None: 3}
#: an element, opening a line, that the search leaves out
_EXCLUDED = re.compile(r"<(\w+)\b[^>]*\bdata-search-exclude\b")


def split_blocks(page: str) -> tuple[str, list[str]]:
    """Markdown with ``<!--rl:N-->`` markers in place of its HTML, and the HTML blocks.

    Only front matter and heading lines stay Markdown (they make the title and the table of
    contents); everything between headings in our templates is HTML already. An element marked
    ``data-search-exclude`` at the start of a line makes a block of its own, to its end tag.
    """
    if page.startswith("---\n"):
        end = page.index("\n---\n", 4) + 5
        head, body = page[:end], page[end:]
    else:
        head, body = "", page
    out, blocks, current = [head], [], []

    def flush() -> None:
        html = "\n".join(current).strip()
        if html:
            out.append(f"<!--rl:{len(blocks)}-->\n")
            blocks.append(html)
        current.clear()

    closing = None   # the end tag of the search-excluded element being collected
    for line in body.split("\n"):
        if closing is None and line.startswith("#"):
            flush()
            out.append(line + "\n")
            continue
        if closing is None:
            m = _EXCLUDED.match(line)
            if m:
                # its own block, so that the hook can put all of it in after the search has read the page
                flush()
                closing = f"</{m.group(1)}>"
        current.append(line)
        if closing is not None and line.rstrip().endswith(closing):
            flush()
            closing = None
    flush()
    return "\n".join(out), blocks


@dataclass
class RenderInput:
    """Everything the render stage reads."""
    ledger: Ledger                     # as displayed (redacted for a public build)
    full: Ledger                       # for figures: both audiences publish the same numbers
    as_of: dt.date
    lang: str = "zh"
    internal: bool = True
    transitions: dict[str, list[Transition]] = field(default_factory=dict)
    history_available: bool = False
    hidden: frozenset[str] = frozenset()   # internal items (public build): id, unit and status only
    week_changes: Changes | None = None    # this week so far (from the history), None without one
    week_start: dt.date | None = None      # its Monday


class Renderer:
    def __init__(self, inp: RenderInput):
        self.inp = inp
        self.env = Environment(loader=PackageLoader("site_builder.site", "templates"), autoescape=True,
                               undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=False)
        self.env.globals["t"] = lambda code, **kw: translate(code, inp.lang, **kw)
        settings = inp.full.settings
        self.soon = settings.thresholds.due_soon_days if settings else 7
        self.silent_days = settings.thresholds.silent_days if settings else 3
        self.common = {"as_of": inp.as_of, "organisation": settings.organisation if settings else "",
                       "office": settings.office if settings else "", "internal": inp.internal}

    def t(self, code: str, **kw) -> str:
        return translate(code, self.inp.lang, **kw)

    def page(self, template: str, title: str, **ctx) -> str:
        return self.env.get_template(template).render(page_title=front_title(title), **self.common, **ctx)

    # ------------------------------------------------------------ shared rows

    def item_row(self, item, depth: int) -> dict:
        unit = self.inp.ledger.units.get(item.unit)
        full_item = self.inp.full.items[item.id]
        colour = metrics.warning_colour(full_item, self.inp.as_of, self.soon)
        return {"item": item, "link": f"{'../' * depth}items/{item.id}.html", "unit_name": unit.name if unit else item.unit,
                "hidden": item.id in self.inp.hidden,
                "colour": colour, "status_order": STATUS_ORDER[item.status.value], "warn_order": WARN_ORDER[colour],
                # what the list's filters match on (rectify.js), as data attributes of the row
                "f_status": item.status.value, "f_warn": colour or "done", "f_round": item.round, "f_unit": item.unit,
                "f_term": "" if item.id in self.inp.hidden else item.term.value}

    # ------------------------------------------------------------ pages

    def pages(self, items: list[str] | None = None) -> Iterator[tuple[str, str]]:
        """Every page as (path, Markdown), one at a time; of the item pages, those of ``items`` when given."""
        yield from (("index.md", self.overview()), ("alerts.md", self.alerts()), ("common.md", self.common_problems()),
                    ("ranking.md", self.ranking()), ("downloads/index.md", self.downloads()),
                    ("rounds/index.md", self.rounds_index()), ("units/index.md", self.units_index()))
        for rid in self.inp.ledger.rounds:
            yield f"rounds/{rid}.md", self.round_page(rid)
        for uid in self.inp.ledger.units:
            yield f"units/{uid}.md", self.unit_page(uid)
        for iid in self.inp.ledger.items if items is None else items:
            yield f"items/{iid}.md", self.item_page(iid)

    def overview(self) -> str:
        rounds = []
        for rid, rnd in self.inp.ledger.rounds.items():
            m = metrics.round_metrics(self.inp.full, rid, self.inp.as_of)
            bars = charts.time_task_bars(m.time_progress, m.task_progress, self.t("site.time_progress"),
                                         self.t("site.task_progress"), self.t("site.time_vs_task", time=m.time_progress,
                                                                             task=m.task_progress))
            rounds.append({"round": rnd, "name_md": md_escape(rnd.name), "link": f"rounds/{rid}.html", "m": m,
                           "bars": Markup(bars)})
        full = self.inp.full
        county = metrics.progress(list(full.items.values()), self.inp.as_of, self.soon)
        week = self.inp.week_changes
        changes = {k: list(getattr(week, k)) for k in Changes.KINDS} if week is not None else None
        return self.page("overview.md.j2", self.t("site.overview_title"), rounds=rounds, county=county,
                         changes=changes, change_kinds=Changes.KINDS, week_start=self.inp.week_start,
                         known_items=set(self.inp.ledger.items),
                         actions=metrics.action_totals(self.inp.full, self.inp.as_of),
                         action_kinds=[k.value for k in ActionKind])

    def round_page(self, rid: str) -> str:
        ledger, full, day = self.inp.ledger, self.inp.full, self.inp.as_of
        rnd = ledger.rounds[rid]
        items = ledger.round_items.get(rid, ())
        statuses = [s.value for s in Status]
        aspects = []
        for aspect in rnd.aspects:
            counts = {s: 0 for s in statuses}
            for i in items:
                if i.aspect == aspect:
                    counts[i.status.value] += 1
            aspects.append({"name": aspect, "counts": counts, "total": sum(counts.values())})
        units = [{"name": ledger.units[u].name if u in ledger.units else u, "link": f"../units/{u}.html",
                  "m": metrics.unit_metrics(full, u, day, rid)} for u in rnd.units]
        rows = []
        for u in rnd.units:
            cells = [(i.id, i.title, i.status.value, f"../items/{i.id}.html", metrics.item_overdue(full.items[i.id], day)
                      or bool(metrics.overdue_measures(full.items[i.id], day))) for i in items if i.unit == u]
            if cells:
                rows.append((ledger.units[u].name if u in ledger.units else u, f"../units/{u}.html", cells))
        legend = [(s, self.t("status." + s)) for s in statuses]
        battle = charts.battle_map(rows, self.t("site.battle_map") + " " + rnd.name, legend,
                                   {s: self.t("site.glyph_" + s) for s in statuses}, self.t("site.legend_overdue"))
        curve = self.curve(rid) if self.inp.history_available else ""
        return self.page("round.md.j2", rnd.name, round=rnd, name_md=md_escape(rnd.name),
                         m=metrics.round_metrics(full, rid, day), statuses=statuses, aspects=aspects, units=units,
                         items=[self.item_row(i, 1) for i in items], battle=Markup(battle), curve=Markup(curve))

    def curve_points(self, rid: str) -> list[tuple[dt.date, float]]:
        """Completion rate of round ``rid`` at the end of each day on which it changed (from git)."""
        full = self.inp.full
        ids = [item.id for item in full.round_items.get(rid, ())]
        events: list[tuple[dt.date, str, str | None]] = []
        for iid in ids:
            for tr in self.inp.transitions.get(iid, []):
                events.append((tr.commit.committed.date(), iid, tr.after))
        events.sort(key=lambda e: e[0])
        status: dict[str, str | None] = {}
        points: list[tuple[dt.date, float]] = []
        start = full.rounds[rid].feedback_date
        points.append((start, 0.0))
        for day, iid, after in events:
            if day > self.inp.as_of:
                break
            status[iid] = after
            counted = [s for s in status.values() if s and s != "withdrawn"]
            value = metrics.percent(sum(1 for s in counted if s == "cleared"), len(counted))
            if points and points[-1][0] == day:
                points[-1] = (day, value)
            else:
                points.append((day, value))
        return points

    def curve(self, rid: str) -> str:
        rnd = self.inp.full.rounds[rid]
        return charts.progress_curve(rnd.feedback_date, rnd.deadline, self.inp.as_of, self.curve_points(rid),
                                     self.t("site.curve_title") + " " + rnd.name,
                                     self.t("site.task_progress"), self.t("site.time_progress"))

    def unit_page(self, uid: str) -> str:
        ledger = self.inp.ledger
        unit = ledger.units[uid]
        items = [self.item_row(i, 1) for i in ledger.unit_items.get(uid, ())]
        actions = [a for a in ledger.unit_actions.get(uid, ()) if a.date <= self.inp.as_of]
        return self.page("unit.md.j2", unit.name, unit=unit, name_md=md_escape(unit.name),
                         m=metrics.unit_metrics(self.inp.full, uid, self.inp.as_of), items=items, actions=actions)

    def item_page(self, iid: str) -> str:
        ledger, day = self.inp.ledger, self.inp.as_of
        item = ledger.items[iid]
        full_item = self.inp.full.items[iid]
        rnd = ledger.rounds.get(item.round)
        feedback = [f for f in (rnd.feedback if rnd else ()) if f.id in item.feedback]
        measures = [{"m": m, "overdue": m.done is None and m.due < day and item.status.value in
                     ("open", "in_progress", "submitted", "verified")} for m in item.measures]
        unit = ledger.units.get(item.unit)
        return self.page("item.md.j2", f"{item.id} {item.title}", item=item, name_md=md_escape(f"{item.id} {item.title}"),
                         colour=metrics.warning_colour(full_item, day, self.soon), feedback=feedback, measures=measures,
                         round_link=f"../rounds/{item.round}.html", round_name=rnd.name if rnd else item.round,
                         unit_link=f"../units/{item.unit}.html", unit_name=unit.name if unit else item.unit,
                         timeline=[] if iid in self.inp.hidden else self.timeline(item), hidden=iid in self.inp.hidden)

    def timeline(self, item) -> list[dict]:
        """Records and git transitions merged by date (transitions after records of the same day)."""
        t = self.t
        events: list[tuple[dt.date, int, dict]] = []
        for r in item.reports:
            events.append((r.date, 0, {"kind": "report", "label": t("site.ev_report"), "text": r.text, "by": r.by}))
        for s in item.supervision:
            events.append((s.date, 1, {"kind": "supervision", "label": t("method." + s.method.value), "text": s.note, "by": s.by}))
        for s in item.submissions:
            text = s.text + (("（" + t("site.evidence") + "：" + "、".join(s.evidence) + "）") if s.evidence else "")
            events.append((s.date, 2, {"kind": "submission", "label": t("site.ev_submission"), "text": text, "by": s.by}))
        for v in item.verifications:
            events.append((v.date, 3, {"kind": "verification", "label": t("site.ev_verification_" + v.result.value),
                                       "text": v.note or "", "by": v.by}))
        for lb in item.lookbacks:
            events.append((lb.date, 4, {"kind": "lookback", "label": t("site.ev_lookback_" + lb.result.value),
                                        "text": lb.note or "", "by": lb.by}))
        for mc in item.mechanisms:
            events.append((mc.date, 5, {"kind": "mechanism", "label": t("site.mechanisms"), "text": mc.title, "by": ""}))
        for tr in self.inp.transitions.get(item.id, []):
            label = t("site.ev_transition", before=t("status." + tr.before) if tr.before else "—",
                      after=t("status." + tr.after) if tr.after else "—")
            events.append((tr.commit.committed.date(), 6, {
                "kind": "transition", "label": label, "text": "",
                "by": tr.commit.author if self.inp.internal else "",
                "commit": tr.commit.sha[:10]}))
        events.sort(key=lambda e: (e[0], e[1]))
        out = []
        for date, _, ev in events:
            ev.setdefault("commit", "")
            ev["date"] = date
            out.append(ev)
        return out

    def alerts(self) -> str:
        ledger, full, day = self.inp.ledger, self.inp.full, self.inp.as_of
        overdue, due_soon, overdue_measures = [], [], []
        for iid, item in ledger.items.items():
            f = full.items[iid]
            if metrics.item_overdue(f, day):
                overdue.append(self.item_row(item, 0))
            # rows name what is due: a measure, or the item's own deadline (measure None)
            for m, due in metrics.due_soon(f, day, self.soon):
                shown = next(x for x in item.measures if x.id == m.id) if m is not None else None
                due_soon.append({**self.item_row(item, 0), "measure": shown, "due": due, "days": (due - day).days})
            for m in metrics.overdue_measures(f, day):
                shown = next(x for x in item.measures if x.id == m.id)
                overdue_measures.append({**self.item_row(item, 0), "measure": shown, "due": m.due, "days": (day - m.due).days})
        silent = [{"name": ledger.units[m.unit_id].name, "link": f"units/{m.unit_id}.html", "m": m}
                  for m in metrics.silent_units(full, day)]
        return self.page("alerts.md.j2", self.t("site.alerts_title"), overdue=overdue, due_soon=due_soon,
                         overdue_measures=overdue_measures, silent=silent, due_soon_days=self.soon,
                         silent_days=self.silent_days)

    def common_problems(self) -> str:
        by_tag: dict[str, list] = defaultdict(list)
        for item in self.inp.ledger.items.values():
            for tag in item.tags:
                by_tag[tag].append(item)
        common, recurring = [], []
        for tag in sorted(by_tag):
            items = by_tag[tag]
            units = sorted({i.unit for i in items})
            rounds = sorted({i.round for i in items})
            rows = [self.item_row(i, 0) for i in items]
            if len(units) >= 2:
                common.append({"tag": tag, "units": units, "items": rows})
            if len(rounds) >= 2:
                recurring.append({"tag": tag, "rounds": rounds, "items": rows})
        return self.page("common.md.j2", self.t("site.common_title"), common=common, recurring=recurring)

    def ranking(self) -> str:
        ledger, day = self.inp.ledger, self.inp.as_of
        rounds = []
        for rid, rnd in ledger.rounds.items():
            rows = []
            for uid in rnd.units:
                if uid not in ledger.units:
                    continue
                m = metrics.unit_metrics(self.inp.full, uid, day, rid)
                if not m.progress.total:
                    continue
                reasons = [e.reasons for e in ledger.evaluations if e.unit == uid and e.round == rid and e.date <= day]
                rows.append({"name": ledger.units[uid].name, "link": f"units/{uid}.html", "m": m,
                             "reasons": reasons[-1] if reasons else ""})
            # a final score and a rule score are not the same measure: evaluated units are ranked by
            # the final score, the rest follow by the rule's score without a rank
            rows.sort(key=lambda r: (r["m"].final_score is None,
                                     -(r["m"].final_score if r["m"].final_score is not None else r["m"].proposed_score),
                                     r["name"]))
            rank = 0
            for r in rows:
                rank += r["m"].final_score is not None
                r["rank"] = rank if r["m"].final_score is not None else None
            rounds.append({"round": rnd, "name_md": md_escape(rnd.name), "rows": rows})
        weights = ledger.settings.scoring if ledger.settings else None
        rule = self.t("site.ranking_rule", **({k: f"{getattr(weights, k):g}" for k in
                                               ("completion", "on_time", "reporting", "verification")}
                                              if weights else dict(completion=60, on_time=20, reporting=10, verification=10)))
        return self.page("ranking.md.j2", self.t("site.ranking_title"), rounds=rounds, rule=rule)

    def downloads(self) -> str:
        counts = downloads.table_counts(self.inp.ledger, self.inp.hidden)
        sheets = "、".join(self.t("dl.sheet_" + name) for name in downloads.TABLES)
        return self.page("downloads.md.j2", self.t("site.downloads_title"), sheets=sheets,
                         tables=[(name, counts[name]) for name in downloads.TABLES], total=sum(counts.values()))

    def rounds_index(self) -> str:
        rows = []
        for rid, rnd in self.inp.ledger.rounds.items():
            m = metrics.round_metrics(self.inp.full, rid, self.inp.as_of)
            rows.append({"name": rnd.name, "link": f"{rid}.html",
                         "cells": [rid, m.progress.total, m.progress.cleared, f"{m.progress.completion_rate}%",
                                   f"{m.time_progress}%"]})
        headers = [self.t("site.round"), self.t("site.item_id"), self.t("site.total"), self.t("status.cleared"),
                   self.t("site.completion"), self.t("site.time_progress")]
        return self.page("list.md.j2", self.t("site.rounds_title"), heading=self.t("site.rounds_title"),
                         headers=headers, rows=rows)

    def units_index(self) -> str:
        rows = []
        for uid, unit in self.inp.ledger.units.items():
            m = metrics.unit_metrics(self.inp.full, uid, self.inp.as_of)
            rows.append({"name": unit.name, "link": f"{uid}.html",
                         "cells": [self.t("category." + unit.category.value), m.progress.total, m.progress.cleared,
                                   f"{m.progress.completion_rate}%",
                                   m.days_since_report if m.days_since_report is not None else "—"]})
        headers = [self.t("site.unit"), self.t("site.category"), self.t("site.total"), self.t("status.cleared"),
                   self.t("site.completion"), self.t("site.days_since_report")]
        return self.page("list.md.j2", self.t("site.units_title"), heading=self.t("site.units_title"),
                         headers=headers, rows=rows)

"""Report: turns problems and metrics into the text a person reads at a terminal or in CI.

Pure functions returning strings; the CLI prints them. Three problem formats: ``text``
(``file:line:col: message``), ``github`` (workflow-command annotations, followed by the text lines
because GitHub shows only ten annotations a step), and ``json``.
"""

from __future__ import annotations

import datetime as dt
import json

from . import metrics
from .load import Ledger
from .messages import translate
from .problems import Problem


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github_annotation(p: Problem, lang: str) -> str:
    props = [f"file={_gh_escape(p.file, True)}"]
    if p.line:
        props += [f"line={p.line}", f"col={p.col}"]
    props.append(f"title={_gh_escape(p.code, True)}")
    level = "error" if p.severity == "error" else "warning"
    message = p.message(lang) + (f" ({translate('label.commit', lang)} {p.commit[:10]})" if p.commit else "")
    return f"::{level} {','.join(props)}::{_gh_escape(message)}"


def format_problems(problems: list[Problem], fmt: str, lang: str) -> str:
    if fmt == "json":
        return json.dumps([{"file": p.file, "line": p.line, "col": p.col, "code": p.code,
                            "message": p.message(lang), "commit": p.commit or None} for p in problems],
                          ensure_ascii=False, indent=2)
    lines = [p.render(lang) for p in problems]
    if fmt == "github":
        lines = [github_annotation(p, lang) for p in problems] + lines
    return "\n".join(lines)


def markdown_summary(problems: list[Problem], lang: str, title: str, extra: str = "") -> str:
    """A job summary for ``$GITHUB_STEP_SUMMARY``: every problem, not only the first ten."""
    out = [f"## {title}", ""]
    if extra:
        out += [extra, ""]
    if not problems:
        out.append("✅ " + ("没有发现错误。" if lang == "zh" else "No problems found."))
    else:
        out.append(translate("cli.summary", lang, count=len(problems)))
        out.append("")
        out.append("| 位置 | 说明 |" if lang == "zh" else "| where | problem |")
        out.append("| --- | --- |")
        for p in problems:
            where = p.location() + (f" @{p.commit[:10]}" if p.commit else "")
            out.append(f"| `{where}` | {p.message(lang).replace('|', '｜')} |")
    return "\n".join(out) + "\n"


def status_text(ledger: Ledger, as_of: dt.date | None, lang: str) -> str:
    day = metrics.resolve_as_of(ledger.settings, as_of)
    org = ledger.settings.organisation if ledger.settings else ""
    soon = ledger.settings.thresholds.due_soon_days if ledger.settings else 7
    out = [translate("status.header", lang, organisation=org, as_of=day)]
    for rid in sorted(ledger.rounds):
        m = metrics.round_metrics(ledger, rid, day)
        p = m.progress
        out.append(translate("status.round", lang, name=m.round.name, id=rid))
        out.append(translate("status.line", lang, total=p.total, cleared=p.cleared, active=p.active,
                             withdrawn=p.withdrawn, completion=p.completion_rate))
        verdict = translate("status.on_track" if m.on_track else "status.behind", lang)
        if m.half_and_half and p.active:
            verdict += "，" + translate("status.half", lang) if lang == "zh" else "; " + translate("status.half", lang)
        out.append(translate("status.progress", lang, time=m.time_progress, completion=m.task_progress,
                             measures=p.measure_rate, verdict=verdict))
        out.append(translate("status.warning", lang, red=p.red, yellow=p.yellow, green=p.green, days=soon))
    silent = metrics.silent_units(ledger, day)
    if silent:
        names = "、".join(ledger.units[m.unit_id].name for m in silent)
        out.append(translate("status.silent", lang, days=ledger.settings.thresholds.silent_days if ledger.settings else 3,
                             units=names))
    out.append(translate("status.actions", lang, **metrics.action_totals(ledger, day)))
    return "\n".join(out)

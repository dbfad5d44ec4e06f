"""Report: turns problems and metrics into the text a person reads at a terminal or in CI.

Pure functions returning strings; the CLI prints them. Three problem formats: ``text``
(``file:line:col: message``), ``github`` (workflow-command annotations, followed by the text lines
because GitHub shows only ten annotations a step), and ``json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from site_builder import metrics
from site_builder.ledger.load import Ledger
from site_builder.core.messages import translate
from site_builder.core.problems import Problem


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


# Line breaks as the Actions runner splits a log (\n, \r), and those other readers split on.
_BREAKS = str.maketrans({"\r": "\\r", "\n": "\\n", "\x0b": "\\v", "\x0c": "\\f", "\x1c": "\\x1c",
                         "\x1d": "\\x1d", "\x1e": "\\x1e", "\x85": "\\x85", "\u2028": "\\u2028",
                         "\u2029": "\\u2029"})


def one_line(text: str) -> str:
    """A logical line whose values may hold line breaks, kept on one physical line."""
    return text.translate(_BREAKS)


def _guard(line: str) -> str:
    # The runner trims leading blanks and runs a line starting "::" as a workflow command; the old
    # form "##[" is looked for anywhere. Escaping a colon as GitHub itself does makes both inert.
    body = line.lstrip()
    if body.startswith("::"):
        line = line[:len(line) - len(body)] + "%3A" + body[1:]
    return line.replace("##[", "##%5B")


def inert(text: str, fmt: str, one: bool = False) -> str:
    """Text to print in ``fmt``: the one place that makes printed values safe. Under ``github``
    no line can be taken for a workflow command; our own annotations are made apart
    (``github_annotation``) and are never passed here. ``one``: ``text`` is one logical line,
    so its line breaks come from values and are escaped rather than split on."""
    if fmt != "github":
        return text
    if one:
        return _guard(one_line(text))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_guard(one_line(line)) for line in lines)


_MD = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "｜", "\\": "\\\\", "`": "\\`", "*": "\\*",
                     "_": "\\_", "[": "\\[", "]": "\\]", "!": "\\!", "~": "\\~"})
_MD_CODE = str.maketrans({"`": "'", "|": "\\|", "<": "‹", ">": "›"})


def md(text: str) -> str:
    """A value inside Markdown (the job summary): no HTML, no links or emphasis, no table break."""
    return _guard(one_line(str(text))).translate(_MD)


def md_code(text: str) -> str:
    """A value inside a Markdown code span: it cannot close the span or break the table."""
    return _guard(one_line(str(text))).translate(_MD_CODE)


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
    if fmt == "codequality":
        return json.dumps(codequality(problems, lang), ensure_ascii=False, indent=2)
    lines = [inert(p.render(lang), fmt, one=True) for p in problems]
    if fmt == "github":
        lines = [github_annotation(p, lang) for p in problems] + lines
    return "\n".join(lines)


#: machine formats print only the problems (a JSON document), never a success line beside them
MACHINE_FORMATS = ("json", "codequality")


def codequality(problems: list[Problem], lang: str) -> list[dict]:
    """GitLab's Code Quality report (a JSON array; GitLab shows each entry on the merge request's
    diff). The fingerprint must be unique and stable between pipelines, so that GitLab can tell a
    finding the merge request brings from one the base already had: it hashes where, what and when
    (the commit), never the wording, so changing the language does not make every finding new."""
    out = []
    for p in problems:
        key = json.dumps([p.file, p.line, p.col, p.code, [list(kv) for kv in p.params], p.commit], default=str,
                         ensure_ascii=False)
        out.append({
            "description": p.message(lang) + (f" ({translate('label.commit', lang)} {p.commit[:10]})" if p.commit else ""),
            "check_name": p.code,
            "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
            "severity": "major" if p.severity == "error" else "minor",
            "location": {"path": p.file, "lines": {"begin": max(p.line, 1)}},
        })
    return out


def markdown_summary(problems: list[Problem], lang: str, title: str, extra: str = "") -> str:
    """A job summary for ``$GITHUB_STEP_SUMMARY``: every problem, not only the first ten."""
    out = [f"## {md(title)}", ""]
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
            out.append(f"| `{md_code(where)}` | {md(p.message(lang))} |")
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
        if m.on_track and m.half_and_half and p.active:
            verdict += ("，" if lang == "zh" else "; ") + translate("status.half", lang)
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


def _state_name(status: str | None, lang: str) -> str:
    return translate("status." + status, lang) if status else "—"


def moves_text(moves, ledger: Ledger, lang: str) -> list[str]:
    """``2023-R2-017 整改中 → 已交账`` lines, one per status change."""
    return [f"{m.item} {_state_name(m.before, lang)} → {_state_name(m.after, lang)}" for m in moves]


def moves_markdown(moves, ledger: Ledger, lang: str) -> str:
    head = f"### {translate('cli.summary_moves', lang)}\n\n"
    if not moves:
        return head + translate("cli.no_moves", lang)
    lines = []
    for m in moves:
        title = ledger.items[m.item].title if m.item in ledger.items else ""
        lines.append(f"- `{md_code(m.item)}` {md(title)} {_state_name(m.before, lang)} → {_state_name(m.after, lang)}"
                     f" ({m.commit.sha[:10]}, {md(m.commit.author)})")
    return head + "\n".join(lines)


def audit_text(problems: list[Problem], commits: dict, lang: str) -> list[str]:
    """Problems grouped under the commit that made them: sha, date, author, subject."""
    out: list[str] = []
    order = {sha: i for i, sha in enumerate(commits)}
    current = None
    for p in sorted(problems, key=lambda p: (order.get(p.commit, -1), p)):
        if p.commit != current:
            current = p.commit
            c = commits.get(p.commit)
            if c is not None:
                out.append(translate("cli.audit_commit", lang, sha=c.sha[:10],
                                     date=c.committed.isoformat(timespec="minutes"),
                                     author=c.author, email=c.email, subject=c.subject))
        out.append("  " + p.render(lang))
    return out

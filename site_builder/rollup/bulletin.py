"""Roll-up stage, bulletin: the weekly bulletin at a city's (or province's) level, as of the end of
the week, from the members' commits that the roll-up's lock file pinned at that moment in the
roll-up's own history; with reminder-letter drafts (提醒函) for the members lagging behind.

The lock file as it stood at the week's end is read from the roll-up repository's main line, so a
past week's roll-up bulletin rebuilt later shows the same figures (and the same stale members) as
it did then. The Word documents use the bulletin stage's writer (skeleton, styles, masthead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from site_builder.bulletin.weeks import issue_number, week_bounds, week_of
from site_builder.bulletin.word import TITLE_FONT, _Body, _package
from site_builder.bulletin.wording import chinese_number, long_date
from site_builder.core.messages import translate
from site_builder.core.outputs import md_escape
from site_builder.core.problems import LedgerError, Problem
from site_builder.history.timeline import open_history
from site_builder.ledger.cache import ParseCache
from site_builder.rollup import figures as fig
from site_builder.rollup.figures import MemberFigures
from site_builder.rollup.read import read_members


@dataclass(frozen=True)
class RollupBulletin:
    week: str
    year: int
    number: int
    start: dt.date
    end: dt.date
    issue_date: dt.date
    organisation: str
    office: str
    language: str
    members: list[MemberFigures]
    lagging: list[tuple[MemberFigures, list[str]]]
    lock_commit: str              # the roll-up's commit whose lock file was read
    cleared_before: dict          # member id → items cleared at the end of the week before (counted ones)


def build_rollup_bulletin(repo: Path, ledger_dir: Path, ledger_in_repo: str, week: str, timezone: str,
                          public: bool = False, use_cache: bool = True) -> tuple[RollupBulletin | None, list[Problem]]:
    try:
        with open_history(repo, "HEAD", ledger_in_repo, ParseCache(None)) as history:
            start, end = week_bounds(week, timezone)
            commit = history.commit_at(end)
            then, problems = history.ledger_at(commit)
            before, _ = history.ledger_at(history.commit_at(start))
            first = week_of(history.commits[0].committed, timezone) if history.commits else week
            lock_file = history.ledger_prefix + "members.lock.yaml"
    except LedgerError as exc:
        return None, exc.problems
    if problems:
        return None, problems
    if then.settings is None or not then.settings.members or then.members_lock is None or commit is None:
        return None, [Problem.at(lock_file, None, "rollup.no_lock_then", week=week)]
    sunday = start.date() + dt.timedelta(days=6)
    read = read_members(ledger_dir, then.settings, then.members_lock, sunday, public, use_cache)
    cleared_before = {}
    if before.settings is not None and before.settings.members and before.members_lock is not None:
        # the week before, from its own lock: this week's clearing is the difference (本周销号)
        earlier = read_members(ledger_dir, before.settings, before.members_lock, sunday - dt.timedelta(days=7),
                               public, use_cache)
        cleared_before = {m.id: m.cleared for m in earlier.members if m.counted}
    year = int(week[:4])
    return RollupBulletin(week, year, issue_number(week, first), start.date(), sunday, sunday + dt.timedelta(days=1),
                          then.settings.organisation, then.settings.office, then.settings.language,
                          read.members, fig.lagging(read.members, sunday), commit.sha, cleared_before), []


# ---------------------------------------------------------------- Markdown

def _md_table(headers: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + " --- |" * len(headers)]
    out += ["| " + " | ".join(md_escape("" if v is None else str(v)) for v in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _rank_rows(b: RollupBulletin, lang: str) -> list[list]:
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    rows, rank = [], 0
    for m in fig.ranked(b.members):
        if m.counted:
            rank += 1
            days = m.days_since_report(b.end)
            week_cleared = m.cleared - b.cleared_before[m.id] if m.id in b.cleared_before else "—"
            rows.append([rank, m.name, m.items, m.cleared, week_cleared, f"{m.completion}%", f"{m.time_progress}%",
                         m.overdue_items, f"{m.red}/{m.yellow}/{m.green}",
                         "—" if days is None else days, t("rollup.state_" + m.state)])
        else:
            rows.append(["—", m.name, "—", "—", "—", "—", "—", "—", "—", "—",
                         t("rollup.state_" + m.state) + "：" + t(m.reason, **dict(m.reason_params))])
    return rows


def _rank_heads(lang: str) -> list[str]:
    return [translate(c, lang) for c in ("rollup.col_rank", "rollup.col_member", "rollup.col_items", "rollup.col_cleared",
                                         "rollup.col_week_cleared", "rollup.col_completion", "rollup.col_time", "rollup.col_overdue",
                                         "rollup.col_colours", "rollup.col_days", "rollup.col_state")]


def _reasons(reasons: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(translate(r, lang) for r in reasons)


def bulletin_markdown(b: RollupBulletin, lang: str = "zh") -> str:
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    total = fig.totals(b.members)
    parts = [f"# {md_escape(b.organisation)} {md_escape(t('rollup.bulletin_title'))}\n",
             md_escape(t("rollup.bulletin_issue", year=b.year, number=b.number, week=b.week)) + "\n",
             md_escape(t("rollup.bulletin_intro", end=long_date(b.end, lang))) + "\n",
             f"## {chinese_number(1)}、{md_escape(t('rollup.totals'))}\n" if lang == "zh" else f"## 1. {t('rollup.totals')}\n",
             _md_table([t("rollup.col_members"), t("rollup.col_items"), t("rollup.col_cleared"), t("rollup.col_completion"),
                        t("rollup.col_overdue"), t("rollup.col_overdue_measures")],
                       [[total.members, total.items, total.cleared, f"{total.completion}%", total.overdue_items,
                         total.overdue_measures]]),
             f"## {md_escape(t('rollup.members_title'))}\n", _md_table(_rank_heads(lang), _rank_rows(b, lang)),
             f"## {md_escape(t('rollup.bulletin_lagging'))}\n"]
    if b.lagging:
        parts += [f"- {md_escape(m.name)}：{md_escape(_reasons(reasons, lang))}" for m, reasons in b.lagging]
    else:
        parts.append(md_escape(t("rollup.none")))
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- Word

def bulletin_docx(b: RollupBulletin, lang: str = "zh") -> bytes:
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    doc = _Body()
    doc.masthead(t("rollup.bulletin_title"), 26, t("rollup.bulletin_issue", year=b.year, number=b.number, week=b.week),
                 b.office + "\t" + long_date(b.issue_date, lang))
    doc.para(t("rollup.bulletin_intro", end=long_date(b.end, lang)))
    total = fig.totals(b.members)
    doc.heading(t("rollup.totals"))
    doc.table([t("rollup.col_members"), t("rollup.col_items"), t("rollup.col_cleared"), t("rollup.col_completion"),
               t("rollup.col_overdue"), t("rollup.col_overdue_measures")],
              [[total.members, total.items, total.cleared, f"{total.completion}%", total.overdue_items,
                total.overdue_measures]])
    doc.heading(t("rollup.members_title"))
    doc.table(_rank_heads(lang), _rank_rows(b, lang), left=(1, 10))
    doc.heading(t("rollup.bulletin_lagging"))
    for m, reasons in b.lagging:
        doc.para(f"{m.name}：{_reasons(reasons, lang)}")
    if not b.lagging:
        doc.para(t("rollup.none"))
    return _package(doc.xml(), f"{b.organisation} {t('rollup.bulletin_title')} {b.week}", b.office, b.issue_date)


def reminder_docx(b: RollupBulletin, member: MemberFigures, reasons: list[str], lang: str = "zh") -> bytes:
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    doc = _Body()
    doc.masthead(b.office, 26, None, "")
    doc.big(t("rollup.letter_title"), TITLE_FONT, 22)
    doc.para(t("rollup.letter_draft"), "RL Kai Flush", "center")
    doc.para(t("rollup.letter_to", name=member.organisation or member.name), "RL Body Flush")
    doc.para(t("rollup.letter_body", end=long_date(b.end, lang)))
    for k, reason in enumerate(reasons, start=1):
        doc.para((f"（{chinese_number(k)}）" if lang == "zh" else f"({k}) ") + t(reason))
    if member.counted:
        doc.table(_rank_heads(lang)[2:10], [_rank_rows(RollupBulletin(**{**b.__dict__, "members": [member]}), lang)[0][2:10]])
    doc.para(t("rollup.letter_request"))
    doc.para(b.office, "RL Body Flush", "right")
    doc.para(long_date(b.issue_date, lang), "RL Body Flush", "right")
    return _package(doc.xml(), f"{t('rollup.letter_title')} {member.name} {b.week}", b.office, b.issue_date)


def files(b: RollupBulletin, lang: str = "zh") -> dict[str, bytes]:
    """File name → content: the bulletin as Markdown and Word, one letter per lagging member."""
    out = {f"{b.week}.md": bulletin_markdown(b, lang).encode("utf-8"), f"{b.week}.docx": bulletin_docx(b, lang)}
    for member, reasons in b.lagging:
        out[f"{b.week}-reminder-{member.id}.docx"] = reminder_docx(b, member, reasons, lang)
    return out

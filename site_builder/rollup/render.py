"""Roll-up stage, pages: the roll-up site's Markdown pages (overview, members ranked, one page per
member, common and recurring problems) from the members' figures.

Every value that comes from a ledger (names, tags, aspects, round names, a member's site address)
is HTML-escaped where it lands; headings and titles go through ``core.outputs``. Only a member's
site given as an ``http(s)`` address becomes a link.
"""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

from site_builder.core.messages import translate
from site_builder.core.outputs import front_title, md_escape
from site_builder.rollup import figures as fig
from site_builder.rollup.figures import MemberFigures


def site_link(url: str | None) -> str | None:
    """A member's site as an attribute value, for http(s) addresses only (no script: or data: URL)."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    return html.escape(url, quote=True)


class Pages:
    def __init__(self, organisation: str, members: list[MemberFigures], as_of: dt.date, lang: str):
        self.org, self.members, self.as_of, self.lang = organisation, members, as_of, lang

    def t(self, code: str, **kw) -> str:
        return translate(code, self.lang, **kw)

    def e(self, value) -> str:
        return html.escape("" if value is None else str(value), quote=True)

    def table(self, headers: list[str], rows: list[list[str]], sortable: bool = False) -> str:
        """A table; a ``sortable`` one is sorted by rectify.js on a header click, where a member not
        counted ("—") sorts as less than any figure rather than as text among numbers."""
        head = "".join(f"<th>{self.e(h)}</th>" for h in headers)
        cell = (lambda c: '<td data-sort="-1">—</td>' if c == "—" else f"<td>{c}</td>") if sortable else (lambda c: f"<td>{c}</td>")
        body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
        cls = "rl-table rl-sortable" if sortable else "rl-table"
        return f'<table class="{cls}">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>\n'

    def page(self, title: str, body: list[str]) -> str:
        return f"---\ntitle: {front_title(title)}\n---\n\n# {md_escape(title)}\n\n" + "\n".join(body)

    def state(self, m: MemberFigures) -> str:
        text = self.t("rollup.state_" + m.state)
        if m.reason:
            text += "：" if self.lang == "zh" else ": "
            text += self.t(m.reason, **dict(m.reason_params))
        return self.e(text)

    def member_href(self, m: MemberFigures, prefix: str = "") -> str:
        if prefix is None:       # a member of a member has no page here: its own site, if any
            link = site_link(m.site)
            return f'<a href="{link}">{self.e(m.name)}</a>' if link else self.e(m.name)
        return f'<a href="{prefix}members/{quote(m.id)}.html">{self.e(m.name)}</a>'

    # ------------------------------------------------------------ pages

    def all(self) -> dict[str, str]:
        pages = {"index.md": self.overview(), "members.md": self.ranking(), "common.md": self.common()}
        for m in self.members:
            pages[f"members/{m.id}.md"] = self.member(m)
        return pages

    def _totals_rows(self, groups: dict[str, fig.Totals]) -> list[list[str]]:
        return [[self.e(self.t("rollup.level_" + level) if level else ""), str(t.members), str(t.items), str(t.cleared),
                 f"{t.completion}%", str(t.overdue_items), str(t.overdue_measures), f"{t.red}/{t.yellow}/{t.green}"]
                for level, t in groups.items()]

    def overview(self) -> str:
        total = fig.totals(self.members)
        heads = [self.t("rollup.col_level"), self.t("rollup.col_members"), self.t("rollup.col_items"),
                 self.t("rollup.col_cleared"), self.t("rollup.col_completion"), self.t("rollup.col_overdue"),
                 self.t("rollup.col_overdue_measures"), self.t("rollup.col_colours")]
        body = [f'<p>{self.e(self.t("rollup.as_of", date=self.as_of, members=len(self.members), counted=total.members))}</p>',
                f"## {self.t('rollup.totals')}\n", self.table(heads[1:], [self._totals_rows({"": total})[0][1:]]),
                f"## {self.t('rollup.by_level')}\n", self.table(heads, self._totals_rows(fig.totals_by_level(self.members))),
                f"## {self.t('rollup.by_kind')}\n",
                self.table([self.t("rollup.col_round_kind"), self.t("rollup.col_rounds"), self.t("rollup.col_members"),
                            self.t("rollup.col_items"), self.t("rollup.col_cleared"), self.t("rollup.col_completion")],
                           [[self.e(self.t("level." + k.level) + " · " + self.t("kind." + k.kind)), str(k.rounds),
                             str(k.members), str(k.items), str(k.cleared), f"{k.completion}%"]
                            for k in fig.totals_by_round_kind(self.members)]),
                f"## {self.t('rollup.actions')}\n", self._actions_table(fig.action_totals(self.members)),
                f"## {self.t('rollup.stale_title')}\n"]
        stale = [m for m in self.members if m.state != "ok"]
        if stale:
            body.append('<ul class="rl-stale">' + "".join(f"<li>{self.member_href(m)}：{self.state(m)}</li>"
                                                         for m in stale) + "</ul>\n")
        else:
            body.append(f"<p>{self.e(self.t('rollup.stale_none'))}</p>\n")
        return self.page(self.t("rollup.overview_title", organisation=self.org), body)

    def _member_row(self, rank: int | str, m: MemberFigures, prefix: str | None = "") -> list[str]:
        days = m.days_since_report(self.as_of)
        if not m.counted:
            return [str(rank), self.member_href(m, prefix), self.e(self.t("rollup.level_" + m.level)),
                    *(["—"] * 11), self.state(m)]
        return [str(rank), self.member_href(m, prefix), self.e(self.t("rollup.level_" + m.level)), str(m.items),
                str(m.cleared), f"{m.completion}%", f"{m.time_progress}%", f"{m.completion}%", str(m.overdue_items),
                str(m.overdue_measures), f"{m.red}/{m.yellow}/{m.green}", "—" if days is None else str(days),
                str(m.actions.get("talk", 0)), str(m.actions.get("reminder_letter", 0)) + " / " +
                str(m.actions.get("suspension", 0)), self.state(m)]

    def _member_heads(self) -> list[str]:
        return [self.t(c) for c in ("rollup.col_rank", "rollup.col_member", "rollup.col_level", "rollup.col_items",
                                    "rollup.col_cleared", "rollup.col_completion", "rollup.col_time", "rollup.col_task",
                                    "rollup.col_overdue", "rollup.col_overdue_measures", "rollup.col_colours",
                                    "rollup.col_days", "rollup.col_talks")] + [
            self.t("rollup.col_letters") + " / " + self.t("rollup.col_suspensions"), self.t("rollup.col_state")]

    def ranking(self) -> str:
        rows, rank = [], 0
        for m in fig.ranked(self.members):
            rank = rank + 1 if m.counted else "—"
            rows.append(self._member_row(rank, m))
        downloads = (f'<p class="rl-downloads">{self.e(self.t("rollup.downloads"))}：'
                     '<a href="downloads/members.csv" download>CSV</a> · <a href="downloads/members.xlsx" download>Excel</a></p>')
        return self.page(self.t("rollup.members_title"), [downloads, self.table(self._member_heads(), rows, sortable=True),
                                                          f'<p>{self.e(self.t("rollup.search_hint"))}</p>'])

    def member(self, m: MemberFigures) -> str:
        link = site_link(m.site)
        own = (f'<p>{self.e(self.t("rollup.own_site"))}：<a class="rl-member-site" href="{link}">{self.e(m.site)}</a></p>'
               if link else f'<p>{self.e(self.t("rollup.own_site"))}：{self.e(m.site or self.t("rollup.no_site"))}</p>')
        body = [own, f'<p>{self.e(self.t("rollup.col_state"))}：{self.state(m)}；'
                     f'{self.e(self.t("rollup.col_commit"))}：<code>{self.e((m.commit or "-")[:10])}</code></p>',
                self.table(self._member_heads(), [self._member_row(1, m, "../")])]
        if m.children:
            body += [f"## {self.t('rollup.children')}\n",
                     self.table(self._member_heads(), [self._member_row(i, c, None) for i, c in enumerate(m.children, 1)],
                                sortable=True)]
        if m.rounds:
            body += [f"## {self.t('rollup.rounds')}\n",
                     self.table([self.t("rollup.col_name"), self.t("rollup.col_round_kind"), self.t("rollup.col_items"),
                                 self.t("rollup.col_cleared"), self.t("rollup.col_completion"), self.t("rollup.col_time")],
                                [[self.e(r.name), self.e(self.t("level." + r.level) + " · " + self.t("kind." + r.kind)),
                                  str(r.items), str(r.cleared), f"{r.completion}%", f"{r.time_progress}%"]
                                 for r in m.rounds])]
        if m.actions:
            body += [f"## {self.t('rollup.actions')}\n", self._actions_table(m.actions)]
        return self.page(m.name, body)

    def _actions_table(self, actions: dict[str, int]) -> str:
        return self.table([self.t("rollup.col_kind"), self.t("rollup.col_count")],
                          [[self.e(self.t("action." + k) if k != "mechanisms" else self.t("site.mechanisms")), str(n)]
                           for k, n in sorted(actions.items())])

    def _shared_table(self, rows: list[fig.Shared]) -> str:
        if not rows:
            return f"<p>{self.e(self.t('rollup.none'))}</p>\n"
        names = {m.id: m.name for m in self.members}
        return self.table([self.t("rollup.col_kind"), self.t("rollup.col_name"), self.t("rollup.col_members"),
                           self.t("rollup.col_rounds"), self.t("rollup.col_items")],
                          [[self.e(self.t("rollup.what_" + s.what)), self.e(s.name),
                            self.e("、".join(names.get(i, i) for i in s.members)), str(s.rounds), str(s.items)]
                           for s in rows])

    def common(self) -> str:
        return self.page(self.t("rollup.common_title"), [
            f"## {self.t('rollup.common')}\n", self._shared_table(fig.common_problems(self.members)),
            f"## {self.t('rollup.recurring')}\n", self._shared_table(fig.recurring_problems(self.members))])

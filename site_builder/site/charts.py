"""Charts: static SVG drawn at build time for the render stage — the battle map (整改作战图) and
the progress curve. No script, no external font: they read the same in print, offline and without
JavaScript. Every text placed in an SVG goes through ``escape``.
"""

from __future__ import annotations

import datetime as dt
from html import escape

STATUS_COLOURS = {
    "open": "#9e9e9e",
    "in_progress": "#f9a825",
    "submitted": "#1e88e5",
    "verified": "#5e35b1",
    "cleared": "#2e7d32",
    "withdrawn": "#d7ccc8",
}
WARNING_COLOURS = {"red": "#c62828", "yellow": "#f9a825", "green": "#2e7d32"}


def battle_map(rows: list[tuple[str, str, list[tuple[str, str, str, str, bool]]]], title: str,
               legend: list[tuple[str, str]]) -> str:
    """Units × items, one square per item coloured by status, overdue ones outlined in red.

    ``rows``: (unit label, unit link, [(item id, item title, status, link, overdue)]).
    """
    cell, gap, label_w, top = 22, 4, 170, 28
    legend_w = sum(28 + 13 * len(label) for _, label in legend)
    width = max(label_w + max((len(items) for _, _, items in rows), default=1) * (cell + gap) + 10, legend_w)
    height = top + len(rows) * (cell + gap) + 40
    out = [f'<svg class="battle-map" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for r, (unit, unit_link, items) in enumerate(rows):
        y = top + r * (cell + gap)
        out.append(f'<a href="{escape(unit_link)}"><text x="0" y="{y + cell - 6}" font-size="13">{escape(unit)}</text></a>')
        for c, (item_id, item_title, status, link, overdue) in enumerate(items):
            x = label_w + c * (cell + gap)
            stroke = ' stroke="#c62828" stroke-width="3"' if overdue else ""
            out.append(f'<a href="{escape(link)}"><rect class="s-{escape(status)}" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                       f'rx="3" fill="{STATUS_COLOURS.get(status, "#000")}"{stroke}>'
                       f"<title>{escape(item_id)} {escape(item_title)}</title></rect></a>")
    y = height - 16
    x = 0
    for status, label in legend:
        out.append(f'<rect x="{x}" y="{y - 11}" width="12" height="12" fill="{STATUS_COLOURS[status]}"/>'
                   f'<text x="{x + 16}" y="{y}" font-size="12">{escape(label)}</text>')
        x += 28 + 13 * len(label)
    out.append("</svg>")
    return "".join(out)


def progress_curve(start: dt.date, end: dt.date, today: dt.date, points: list[tuple[dt.date, float]],
                   title: str, task_label: str, time_label: str) -> str:
    """Task progress (completion %) over time against the straight line of time progress."""
    w, h, left, bottom, top = 640, 260, 44, 30, 14
    span = max((end - start).days, 1)

    def px(day: dt.date) -> float:
        return left + (w - left - 10) * min(max((day - start).days, 0), span) / span

    def py(value: float) -> float:
        return top + (h - top - bottom) * (1 - value / 100)

    out = [f'<svg class="progress-curve" role="img" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for v in (0, 25, 50, 75, 100):
        out.append(f'<line x1="{left}" y1="{py(v):.1f}" x2="{w - 10}" y2="{py(v):.1f}" stroke="#ddd"/>'
                   f'<text x="4" y="{py(v) + 4:.1f}" font-size="11">{v}%</text>')
    out.append(f'<text x="{left}" y="{h - 8}" font-size="11">{start.isoformat()}</text>'
               f'<text x="{w - 80}" y="{h - 8}" font-size="11">{end.isoformat()}</text>')
    out.append(f'<line class="time-line" x1="{px(start):.1f}" y1="{py(0):.1f}" x2="{px(end):.1f}" y2="{py(100):.1f}" '
               f'stroke="#90a4ae" stroke-dasharray="5,4"/>')
    if start <= today <= end:
        out.append(f'<line x1="{px(today):.1f}" y1="{top}" x2="{px(today):.1f}" y2="{py(0):.1f}" stroke="#bbb"/>')
    if points:
        path = " ".join(f"{px(d):.1f},{py(v):.1f}" for d, v in points)
        out.append(f'<polyline class="task-line" points="{path}" fill="none" stroke="#2e7d32" stroke-width="2.5"/>')
    out.append(f'<rect x="{left + 8}" y="{top + 4}" width="12" height="3" fill="#2e7d32"/>'
               f'<text x="{left + 24}" y="{top + 9}" font-size="11">{escape(task_label)}</text>'
               f'<rect x="{left + 8}" y="{top + 18}" width="12" height="3" fill="#90a4ae"/>'
               f'<text x="{left + 24}" y="{top + 23}" font-size="11">{escape(time_label)}</text>')
    out.append("</svg>")
    return "".join(out)

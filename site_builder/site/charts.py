"""Charts: static SVG drawn at build time for the render stage — the battle map (整改作战图) and
the progress curve. No script, no external font: they read the same in print, offline and without
JavaScript. Every text placed in an SVG goes through ``escape``.
"""

from __future__ import annotations

import datetime as dt
from html import escape

#: One hue in steps of lightness, light (just opened) to dark (cleared): the order survives every kind
#: of colour blindness and greyscale print, and no state shares a colour with a warning (green, yellow,
#: red mean only the three-colour warning). Each square also carries its state's character, so the
#: colour is never the only sign; a withdrawn item is hatched.
STATUS_COLOURS = {
    "open": "#f0f0f0",
    "in_progress": "#a6cbe3",
    "submitted": "#5b9bd0",
    "verified": "#2b6cb0",
    "cleared": "#0b2f5b",
    "withdrawn": "url(#rl-hatch)",
}
#: text on a square: dark on the light states, white on the dark ones
GLYPH_COLOURS = {"open": "#000", "in_progress": "#000", "submitted": "#000", "verified": "#fff",
                 "cleared": "#fff", "withdrawn": "#000"}
WARNING_COLOURS = {"red": "#b2182b", "yellow": "#f0e442", "green": "#1b7837"}
OVERDUE_FRAME = ' stroke="#b2182b" stroke-width="3"'
#: the battle map's legend wraps at no less than this width, a phone's; its lines are this far apart
LEGEND_MIN_WIDTH, LEGEND_LINE = 340, 22
_DEFS = ('<defs><pattern id="rl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
         '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="2"/>'
         '</pattern></defs>')


def _square(x: int, y: int, size: int, status: str, glyph: str, extra: str = "") -> str:
    """A state's square with its character in the middle."""
    return (f'<rect class="s-{escape(status)}" x="{x}" y="{y}" width="{size}" height="{size}" rx="3" '
            f'fill="{STATUS_COLOURS.get(status, "#000")}" stroke="#555" stroke-width="0.5"{extra}>'), \
           (f'<text x="{x + size / 2:g}" y="{y + size * 0.72:g}" font-size="{size * 0.6:g}" text-anchor="middle" '
            f'fill="{GLYPH_COLOURS.get(status, "#000")}" style="fill:{GLYPH_COLOURS.get(status, "#000")}" '
            f'aria-hidden="true">{escape(glyph)}</text>')


def battle_map(rows: list[tuple[str, str, list[tuple[str, str, str, str, bool]]]], title: str,
               legend: list[tuple[str, str]], glyphs: dict[str, str] | None = None, overdue_label: str = "") -> str:
    """Units × items, one square per item shaded and lettered by status, overdue ones framed in red.

    ``rows``: (unit label, unit link, [(item id, item title, status, link, overdue)]); ``legend``:
    (status, label) for every state; ``overdue_label`` names the red frame in the legend.
    """
    glyphs = glyphs or {}
    cell, gap, label_w, top = 22, 4, 170, 28
    entries = [(28 + 13 * len(label)) for _, label in legend] + ([28 + 13 * len(overdue_label)] if overdue_label else [])
    grid_w = label_w + max((len(items) for _, _, items in rows), default=1) * (cell + gap) + 10
    # the legend wraps at the grid's width (at least a phone's), so that it never makes the map
    # wider than its squares need
    width = max(grid_w, LEGEND_MIN_WIDTH, max(entries, default=0))
    spots, x, line = [], 0, 0
    for w in entries:
        if x and x + w > width:
            x, line = 0, line + 1
        spots.append((x, line))
        x += w
    height = top + len(rows) * (cell + gap) + 40 + line * LEGEND_LINE
    out = [f'<svg class="battle-map" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>", _DEFS]
    for r, (unit, unit_link, items) in enumerate(rows):
        y = top + r * (cell + gap)
        out.append(f'<a href="{escape(unit_link)}"><text x="0" y="{y + cell - 6}" font-size="13">{escape(unit)}</text></a>')
        for c, (item_id, item_title, status, link, overdue) in enumerate(items):
            x = label_w + c * (cell + gap)
            rect, text = _square(x, y, cell, status, glyphs.get(status, ""), OVERDUE_FRAME if overdue else "")
            out.append(f'<a href="{escape(link)}">{rect}<title>{escape(item_id)} {escape(item_title)}</title></rect>{text}</a>')
    first = height - 16 - line * LEGEND_LINE
    for (status, label), (x, k) in zip(legend, spots):
        y = first + k * LEGEND_LINE
        rect, text = _square(x, y - 13, 16, status, glyphs.get(status, ""))
        out.append(rect.replace(f'class="s-{escape(status)}" ', 'class="legend" ') + "</rect>" + text
                   + f'<text x="{x + 20}" y="{y}" font-size="12">{escape(label)}</text>')
    if overdue_label:
        x, k = spots[-1]
        y = first + k * LEGEND_LINE
        out.append(f'<rect class="legend" x="{x}" y="{y - 13}" width="16" height="16" rx="3" fill="#fff"{OVERDUE_FRAME}/>'
                   f'<text x="{x + 20}" y="{y}" font-size="12">{escape(overdue_label)}</text>')
    out.append("</svg>")
    return "".join(out)


def time_task_bars(time: float, task: float, time_label: str, task_label: str, title: str) -> str:
    """时间过半、任务过半 at a glance: two bars on one 0–100 % scale, each with its label and value
    written beside it (the figures read without the colours)."""
    w, h, left = 320, 52, 64
    out = [f'<svg class="time-task" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for k, (label, value, fill) in enumerate(((time_label, time, "#a6cbe3"), (task_label, task, "#0b2f5b"))):
        y = 6 + k * 22
        bar = (w - left - 48) * max(0.0, min(value, 100.0)) / 100
        out.append(f'<text x="0" y="{y + 12}" font-size="12">{escape(label)}</text>'
                   f'<rect x="{left}" y="{y}" width="{w - left - 48}" height="14" fill="#fff" stroke="#999" stroke-width="0.5"/>'
                   f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="14" fill="{fill}"/>'
                   f'<text x="{w - 44}" y="{y + 12}" font-size="12">{value}%</text>')
    half = left + (w - left - 48) / 2
    out.append(f'<line x1="{half:.1f}" y1="2" x2="{half:.1f}" y2="{h - 4}" stroke="#555" stroke-dasharray="3,2"/>')
    out.append("</svg>")
    return "".join(out)


#: the curve's two drawings: one for a page of ordinary width and one made for a phone (≤ 480 px),
#: taller, with fewer and larger labels; CSS shows the one that fits (a wide chart scaled down to a
#: phone's width leaves 11 px labels at about 6 px)
CURVE_WIDE = {"cls": "progress-curve", "w": 640, "h": 260, "left": 44, "right": 10, "bottom": 30, "top": 14,
              "font": 11, "ticks": (0, 25, 50, 75, 100), "legend_top": True}
CURVE_NARROW = {"cls": "progress-curve-narrow", "w": 360, "h": 330, "left": 50, "right": 14, "bottom": 34, "top": 58,
                "font": 15, "ticks": (0, 50, 100), "legend_top": False}


def progress_curve(start: dt.date, end: dt.date, today: dt.date, points: list[tuple[dt.date, float]],
                   title: str, task_label: str, time_label: str) -> str:
    """Task progress (completion %) over time against the straight line of time progress: the wide
    drawing followed by the narrow one (``rectify.css`` shows one of them)."""
    return "".join(_curve(g, start, end, today, points, title, task_label, time_label) for g in (CURVE_WIDE, CURVE_NARROW))


def _curve(g: dict, start: dt.date, end: dt.date, today: dt.date, points: list[tuple[dt.date, float]],
           title: str, task_label: str, time_label: str) -> str:
    w, h, left, right, bottom, top, font = (g[k] for k in ("w", "h", "left", "right", "bottom", "top", "font"))
    span = max((end - start).days, 1)

    def px(day: dt.date) -> float:
        return left + (w - left - right) * min(max((day - start).days, 0), span) / span

    def py(value: float) -> float:
        return top + (h - top - bottom) * (1 - value / 100)

    out = [f'<svg class="{g["cls"]}" role="img" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" aria-label="{escape(title)}">', f"<title>{escape(title)}</title>"]
    for v in g["ticks"]:
        out.append(f'<line x1="{left}" y1="{py(v):.1f}" x2="{w - right}" y2="{py(v):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{py(v) + font * 0.35:.1f}" font-size="{font}" text-anchor="end">{v}%</text>')
    out.append(f'<text x="{left}" y="{h - 8}" font-size="{font}">{start.isoformat()}</text>'
               f'<text x="{w - right}" y="{h - 8}" font-size="{font}" text-anchor="end">{end.isoformat()}</text>')
    out.append(f'<line class="time-line" x1="{px(start):.1f}" y1="{py(0):.1f}" x2="{px(end):.1f}" y2="{py(100):.1f}" '
               f'stroke="#90a4ae" stroke-dasharray="5,4" stroke-width="{1 if g["legend_top"] else 2}"/>')
    if start <= today <= end:
        out.append(f'<line x1="{px(today):.1f}" y1="{top}" x2="{px(today):.1f}" y2="{py(0):.1f}" stroke="#bbb"/>')
    if points:
        path = " ".join(f"{px(d):.1f},{py(v):.1f}" for d, v in points)
        out.append(f'<polyline class="task-line" points="{path}" fill="none" stroke="#0b2f5b" stroke-width="{2.5 if g["legend_top"] else 3.5}"/>')
    if g["legend_top"]:
        # inside the plot's top left corner, where the curve starts low
        spots = ((left + 8, top + 4), (left + 8, top + 18))
    else:
        # above the plot, side by side: nothing to cover on a small screen
        spots = ((left, 10), (left + (w - left - right) / 2, 10))
    for (x, y), label, colour in zip(spots, (task_label, time_label), ("#0b2f5b", "#90a4ae")):
        out.append(f'<rect x="{x:g}" y="{y:g}" width="{font + 1}" height="3" fill="{colour}"/>'
                   f'<text x="{x + font + 5:g}" y="{y + font * 0.4 + 1.5:.1f}" font-size="{font}">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)

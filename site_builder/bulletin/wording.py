"""Bulletin wording: the phrases the bulletin's page and its Word document share — dates, issue
numbers in Chinese, section titles, a round's verdict and the reason a unit lags. Beneath
``pages`` and ``word``, so that neither imports the other.
"""

from __future__ import annotations

import datetime as dt

from site_builder.bulletin.figures import LagReason, RoundLine
from site_builder.core.messages import translate

_CN_DIGITS = "〇一二三四五六七八九"


def long_date(day: dt.date, lang: str = "zh") -> str:
    """2023年8月14日 (zh) or 2023-08-14 (en)."""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as section headings count (一、二、……十一、)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def section_title(n: int, code: str, lang: str = "zh") -> str:
    text = translate(code, lang)
    return f"{chinese_number(n)}、{text}" if lang == "zh" else f"{n}. {text}"


def verdict(r: RoundLine, lang: str = "zh") -> str:
    text = translate("status.on_track" if r.on_track else "status.behind", lang)
    if r.on_track and r.half_and_half and r.active:
        text += ("（" if lang == "zh" else " (") + translate("status.half", lang) + ("）" if lang == "zh" else ")")
    return text


def reason_text(r: LagReason, lang: str = "zh") -> str:
    if r.kind == "behind":
        return translate("bulletin.reason_behind", lang, round=r.round_name, completion=r.completion,
                         time=r.time_progress, gap=r.gap)
    if r.kind == "overdue":
        return translate("bulletin.reason_overdue", lang, count=len(r.items), items="、".join(r.items))
    if r.last_report is None:
        return translate("bulletin.reason_silent_never", lang)
    return translate("bulletin.reason_silent", lang, days=r.days, date=r.last_report)

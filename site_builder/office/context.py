"""Excel round context: what the mapping step of the Excel import (``office.rows``) reads rows
against — the round (existing, or being made or extended by this import), its feedback problems
matched by a cell's id or text (exact, normalised, contained; close texts offered), its units.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from site_builder.office.cells import norm, strip_number

_PUNCT = re.compile(r"[\s\u3000，,。．.；;：:、“”\"'‘’（）()《》【】\[\]！!？?]+")


def text_key(text: str) -> str:
    """A feedback text as compared: no numbering, white space or punctuation."""
    return _PUNCT.sub("", strip_number(norm(text)))


@dataclass
class Feedback:
    id: str
    aspect: str
    unit: str
    text: str


@dataclass
class RoundContext:
    """What rows are read against: the round (existing, or being created by this import) and the units."""
    id: str
    start: dt.date
    deadline: dt.date
    aspects: dict[str, str]                 # aspect_key → aspect
    feedback: list[Feedback]
    units_by_name: dict[str, str]           # normalised name → id, and id → id
    round_units: set[str]
    unit_names: dict[str, str] = field(default_factory=dict)   # id → name

    def unit_id(self, value: str) -> str | None:
        return self.units_by_name.get(value) or self.units_by_name.get(norm(value))

    def match_feedback(self, value: str, unit: str | None) -> tuple[Feedback | None, list[str]]:
        """The feedback problem a 反馈问题 cell names (id, exact, normalised, contained), or (None, close texts)."""
        by_id = {f.id: f for f in self.feedback}
        if value in by_id:
            return by_id[value], []
        pool = [f for f in self.feedback if unit is None or f.unit == unit] or self.feedback
        for same in (lambda f: f.text.strip() == value.strip(), lambda f: text_key(f.text) == text_key(value)):
            hits = [f for f in pool if same(f)]
            if len(hits) == 1:
                return hits[0], []
        key = text_key(value)
        hits = [f for f in pool if key and (key in text_key(f.text) or text_key(f.text) in key)]
        if len(hits) == 1:
            return hits[0], []
        close = difflib.get_close_matches(key, [text_key(f.text) for f in pool], n=3, cutoff=0.5)
        return None, [f"{f.id}“{f.text[:30]}”" for f in pool if text_key(f.text) in close]

"""Search entries of the site stage: the item pages' part of the search index, made from the data.

mkdocs-material's search plugin reads every page's HTML back with ``html.parser`` and runs jieba
over all of its text; for a thousand item pages that was over half of the mkdocs run. Item pages
are generated from one template, so their text is known before mkdocs runs: ``render`` marks them
``search: exclude`` and this module writes one entry per item (its fields and measures, the same
text the page shows, in the plugin's format: Chinese segmented by jieba between U+200B marks) and
adds them to the index the plugin wrote. What a page keeps from the public is kept from its entry:
the leader, the measure owners and internal notes only appear in an internal build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

from site_builder.ledger.load import Ledger

#: Han characters (CJK unified ideographs with extensions, compatibility ideographs, 〇 々 and kin)
_HAN = re.compile("[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
                  "\uf900-\ufaff\U00020000-\U0003134f]+")


class Segmenter:
    """jieba segmentation as the search plugin does it, remembered per run of Han text: item texts
    repeat the same unit, aspect and department names many times."""

    def __init__(self) -> None:
        import logging

        import jieba
        jieba.setLogLevel(logging.ERROR)
        self._cut = jieba.cut
        self._memo: dict[str, str] = {}

    def _run(self, match: re.Match) -> str:
        value = match.group(0)
        out = self._memo.get(value)
        if out is None:
            out = self._memo[value] = "\u200b" + "\u200b".join(self._cut(value)) + "\u200b"
        return out

    def __call__(self, text: str) -> str:
        return _HAN.sub(self._run, text).strip("\u200b")


def unit_words(unit) -> tuple[str, ...]:
    """A unit's short names (``aliases``) as search words, in their order (none for a missing unit)."""
    return tuple(dict.fromkeys(a.strip() for a in (unit.aliases if unit else ()) if a.strip()))


def item_entries(ledger: Ledger, internal: bool, t: Callable[..., str],
                 hidden: frozenset[str] = frozenset()) -> list[dict]:
    """One search entry per item of ``ledger`` (already redacted for a public build), by item id;
    a ``hidden`` (internal) item is found by its id, unit and status only, as its page shows."""
    segment = Segmenter()
    entries = []
    for iid in sorted(ledger.items):
        item = ledger.items[iid]
        unit = ledger.units.get(item.unit)
        if iid in hidden:
            entries.append({"location": f"items/{iid}.html", "title": segment(item.id),
                            "text": segment(" ".join((t("status." + item.status.value), unit.name if unit else item.unit)))})
            continue
        rnd = ledger.rounds.get(item.round)
        parts = [t("status." + item.status.value), rnd.name if rnd else item.round, unit.name if unit else item.unit]
        parts += [f.id + "：" + f.text for f in (rnd.feedback if rnd else ()) if f.id in item.feedback]
        parts += [item.aspect, item.problem, t("scope." + item.scope.value), t("term." + item.term.value),
                  str(item.opened), str(item.due), item.department]
        if internal:
            parts.append(item.leader)
            if item.internal_note:
                parts.append(item.internal_note)
        parts += list(item.tags)
        if item.withdrawal:
            parts += [t("status.withdrawn"), str(item.withdrawal.date), item.withdrawal.reason]
        parts.append(t("site.measures"))
        for m in item.measures:
            parts += [m.id, m.text] + ([m.owner] if internal else []) + [str(m.due), str(m.done or "")]
        parts += [x.title for x in item.mechanisms]
        text = " ".join(p for p in parts if p)
        entries.append({"location": f"items/{iid}.html", "title": segment(f"{item.id} {item.title}"),
                        "text": segment(text) + _whole(unit_words(unit))})
    return entries


def _whole(words: tuple[str, ...]) -> str:
    """Words kept whole between U+200B marks (the search's separator), so that 住建局 stays one
    token instead of jieba's 住 / 建局. Added to the entries rather than taught to jieba, whose
    dictionary is global to the process (a build must not change the next one's segmentation)."""
    return "".join("\u200b" + w for w in words)


def unit_entries(ledger: Ledger) -> list[dict]:
    """A search entry per unit with short names: its page, found by any of them."""
    segment = Segmenter()
    return [{"location": f"units/{uid}.html", "title": segment(unit.name), "text": _whole(unit_words(unit)).lstrip("\u200b")}
            for uid, unit in sorted(ledger.units.items()) if unit_words(unit)]


def add_entries(site_dir: Path, entries: list[dict]) -> None:
    """Append ``entries`` to the built search index (absent when the search plugin is off)."""
    path = site_dir / "search" / "search_index.json"
    if not entries or not path.exists():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    # a location is a document's key in the browser's index: an entry for a page the plugin already
    # indexed (a unit's page) is added to that document's text, never a second document of that key
    by_location = {d["location"]: d for d in index["docs"]}
    for entry in entries:
        known = by_location.get(entry["location"])
        if known is None:
            index["docs"].append(entry)
            by_location[entry["location"]] = entry
        else:
            known["text"] = (known.get("text") or "") + "\u200b" + entry["text"]
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

"""Changes, protected data: the rules of DESIGN.md §4 on what an opened item keeps, applied by
``history.judge`` to each change of an item. A measure is never removed (it is withdrawn with a
reason); its done date once written is final; an item's or a measure's due date moves later only
with an extension (延期) appended in the same change; a withdrawal's reason is fixed.
"""

from __future__ import annotations

from site_builder.ledger.models import Item


def protected(old: Item, new: Item) -> list[tuple[tuple, str, dict]]:
    """Protected data of an item: a measure is never removed (it is withdrawn with a reason), its
    done date once written is final, and a withdrawal's reason is fixed."""
    out: list[tuple[tuple, str, dict]] = []
    after = {m.id: (i, m) for i, m in enumerate(new.measures)}
    for m in old.measures:
        if m.id not in after:
            out.append((("measures",), "change.measure_removed", {"measure": m.id}))
        elif m.done is not None and after[m.id][1].done != m.done:
            out.append((("measures", after[m.id][0]), "change.done_changed", {"measure": m.id, "old": m.done,
                                                                               "new": after[m.id][1].done or "-"}))
    fresh = new.extensions[len(old.extensions):] if new.extensions[:len(old.extensions)] == old.extensions else ()
    if new.due > old.due and not any(e.measure is None and e.due == new.due for e in fresh):
        out.append((("due",), "change.due_later", {"old": old.due, "new": new.due}))
    for m in old.measures:
        later = after.get(m.id)
        if later is not None and later[1].due > m.due and not any(e.measure == m.id and e.due == later[1].due for e in fresh):
            out.append((("measures", later[0]), "change.due_later", {"old": m.due, "new": later[1].due}))
    if old.withdrawal is not None and new.withdrawal is not None and old.withdrawal.reason != new.withdrawal.reason:
        was, now = shown(old.withdrawal.reason, new.withdrawal.reason)
        out.append((("withdrawal", "reason"), "change.immutable_field", {"field": "withdrawal.reason", "old": was, "new": now}))
    return out


def shown(old, new, width: int = 30) -> tuple[str, str]:
    """Both values cut to ``width`` around where they first differ, so the changed words show."""
    a, b = ("、".join(v) if isinstance(v, tuple) else str(getattr(v, "value", v)) for v in (old, new))
    if len(a) <= width and len(b) <= width:
        return a, b
    same = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, same - 8)

    def cut(text: str) -> str:
        part = text[start:start + width - 2]
        return ("…" if start else "") + part + ("…" if start + width - 2 < len(text) else "")
    return cut(a), cut(b)

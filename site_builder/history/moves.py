"""Changes, status moves: the rules of DESIGN.md §4 on how an item's status may change, applied by
``history.judge`` to each change of an item. A status moves only along a legal edge, one edge per
change, with the record the edge needs among the records the change adds; an item is created open
or in progress only (except in a ledger's first commit).
"""

from __future__ import annotations

from site_builder.ledger.models import Item, LookbackResult, Status, Term, VerificationResult

#: legal status edges → the record list that must grow in the same change (None: no record needed)
EDGES: dict[tuple[str, str], str | None] = {
    ("open", "in_progress"): None,
    ("open", "submitted"): "submissions",          # 立行立改 only, checked below
    ("in_progress", "submitted"): "submissions",
    ("submitted", "verified"): "verifications",    # a passed one
    ("submitted", "in_progress"): "verifications",  # a returned one
    ("verified", "cleared"): None,
    ("cleared", "in_progress"): "lookbacks",       # a relapse
}
CREATABLE = ("open", "in_progress")


def judge_creation(new: Item, root: bool) -> list[tuple[tuple, str, dict]]:
    if new.status.value not in CREATABLE and not root:
        return [(("status",), "change.created_in_state", {"status": new.status.value})]
    return []


def judge_status(old: Item, new: Item, added: dict[str, int]) -> list[tuple[tuple, str, dict]]:
    """One legal edge per change, with the record the edge needs among the new ones."""
    a, b = old.status.value, new.status.value
    if a == b:
        return []
    if b == Status.withdrawn.value:
        return [] if a != Status.cleared.value else [(("status",), "change.illegal_edge", {"before": a, "after": b})]
    if (a, b) not in EDGES:
        return [(("status",), "change.illegal_edge", {"before": a, "after": b})]
    if (a, b) == ("open", "submitted") and old.term != Term.immediate:   # the term before, not the one set now
        return [(("status",), "change.open_to_submitted", {})]
    needed = EDGES[(a, b)]
    if needed is None:
        return []
    fresh = getattr(new, needed)[added[needed]:]
    ok = bool(fresh)
    if (a, b) == ("submitted", "verified"):
        ok = any(v.result == VerificationResult.passed for v in fresh)
    elif (a, b) == ("submitted", "in_progress"):
        ok = any(v.result == VerificationResult.returned for v in fresh)
    elif (a, b) == ("cleared", "in_progress"):
        ok = any(x.result == LookbackResult.relapsed for x in fresh)
    if not ok:
        if fresh and (a, b) == ("submitted", "in_progress"):
            return [(("status",), "change.edge_needs_returned", {})]
        if fresh and (a, b) == ("cleared", "in_progress"):
            return [(("status",), "change.edge_needs_relapse", {})]
        return [(("status",), "change.edge_needs_record", {"before": a, "after": b, "record": needed})]
    return []

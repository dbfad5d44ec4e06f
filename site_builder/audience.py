"""Audience: the public build's redaction, applied to the ledger before anything is rendered.

A public build (晒账 to the public) leaves out personal names, internal notes, evidence and what the
settings mark internal. Redacting the data itself, rather than hiding fields in templates, means
pages, search index and downloads can only show what survived: nothing internal reaches a renderer.
Figures are still computed from the full ledger, so both builds publish the same numbers.
"""

from __future__ import annotations

from dataclasses import replace

from .load import Ledger
from .models import Item

INTERNAL_PLACEHOLDER = "（内部事项）"


def _redact_item(item: Item, internal_tags: set[str]) -> Item:
    hidden = bool(internal_tags & set(item.tags))
    update = {
        "leader": "",
        "internal_note": None,
        "measures": tuple(m.model_copy(update={"owner": ""}) for m in item.measures),
        "reports": tuple(r.model_copy(update={"by": ""}) for r in item.reports),
        "supervision": tuple(s.model_copy(update={"by": "", "note": ""}) for s in item.supervision if not s.internal),
        "submissions": tuple(s.model_copy(update={"by": "", "evidence": ()}) for s in item.submissions),
        "verifications": tuple(v.model_copy(update={"by": "", "note": None}) for v in item.verifications),
        "lookbacks": tuple(x.model_copy(update={"by": "", "note": None}) for x in item.lookbacks),
        "withdrawal": item.withdrawal.model_copy(update={"by": ""}) if item.withdrawal else None,
    }
    if hidden:
        update.update(title=INTERNAL_PLACEHOLDER, problem=INTERNAL_PLACEHOLDER, tags=(),
                      measures=tuple(m.model_copy(update={"owner": "", "text": INTERNAL_PLACEHOLDER}) for m in item.measures),
                      reports=(), supervision=(), submissions=(), mechanisms=())
    return item.model_copy(update=update)


def redact(ledger: Ledger) -> Ledger:
    """The ledger as the public may see it."""
    internal_tags = set(ledger.settings.internal_tags) if ledger.settings else set()
    return replace(
        ledger,
        units={k: u.model_copy(update={"head": None}) for k, u in ledger.units.items()},
        items={k: _redact_item(i, internal_tags) for k, i in ledger.items.items()},
        actions=tuple(a.model_copy(update={"to": None}) for a in ledger.actions if not a.internal),
    )

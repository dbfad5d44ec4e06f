"""Audience: the public build's redaction, applied to every ledger before anything is rendered.

A public build (晒账 to the public) leaves out personal names, internal notes, evidence and what the
settings mark internal. Redacting the data itself, rather than hiding fields in templates, means
pages, search index and downloads can only show what survived: nothing internal reaches a renderer.
Figures are still computed from the full ledger, so both builds publish the same numbers.

What is internal is decided by the ledger of the build being made ("today's"), not by the ledger
that is being redacted: a past week's bulletin reads the ledger as it stood that week, when a tag
may not yet have been internal nor an action marked ``internal``. A ``Redaction`` is therefore made
once from today's ledger and applied to today's ledger and to every past one alike; actions and
supervision records are matched to today's by their identity (an action's id, a record's place in
its append-only list), and only what today's ledger does not know keeps its own flag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from site_builder.ledger.load import Ledger
from site_builder.ledger.models import Item, Settings

INTERNAL_PLACEHOLDER = "（内部事项）"

#: settings that say what is internal: a public download must not tell what was kept back
INTERNAL_SETTINGS = frozenset({"internal_tags", "audience"})

#: the fields an internal item still shows (in downloads as on its page)
HIDDEN_ITEM_FIELDS = ("id", "round", "unit", "status")


@dataclass(frozen=True)
class Redaction:
    """What the public may not see, by the settings and marks of one (today's) ledger."""
    internal_tags: frozenset[str] = frozenset()
    hidden_items: frozenset[str] = frozenset()          # items carrying an internal tag today
    actions: tuple[tuple[str, bool], ...] = ()          # (action id, internal) as marked today
    records: tuple[tuple[str, int, bool], ...] = ()     # (item id, supervision index, internal) today

    @classmethod
    def of(cls, ledger: Ledger) -> "Redaction":
        tags = frozenset(ledger.settings.internal_tags) if ledger.settings else frozenset()
        return cls(
            internal_tags=tags,
            hidden_items=frozenset(iid for iid, item in ledger.items.items() if tags & set(item.tags)),
            actions=tuple(sorted({(a.id, a.internal) for a in ledger.actions})),
            records=tuple(sorted((iid, k, s.internal) for iid, item in ledger.items.items()
                                 for k, s in enumerate(item.supervision))))

    def key(self) -> str:
        """Changes whenever what is kept back could: part of a cached public bulletin's key."""
        text = repr((sorted(self.internal_tags), sorted(self.hidden_items), self.actions, self.records))
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def hides(self, item: Item) -> bool:
        """An internal item: the public sees its id, unit and status only."""
        return item.id in self.hidden_items or bool(self.internal_tags & set(item.tags))

    def hidden(self, ledger: Ledger) -> frozenset[str]:
        return frozenset(iid for iid, item in ledger.items.items() if self.hides(item))

    @property
    def _action_marks(self) -> dict[str, bool]:
        # an id listed twice (a duplicate the validator reports) is internal if either says so
        marks: dict[str, bool] = {}
        for aid, internal in self.actions:
            marks[aid] = marks.get(aid, False) or internal
        return marks

    def apply(self, ledger: Ledger) -> Ledger:
        """``ledger`` (today's or a past one) as the public may see it."""
        records = {(iid, k): internal for iid, k, internal in self.records}
        marks = self._action_marks
        return replace(
            ledger,
            settings=_public_settings(ledger.settings),
            units={k: u.model_copy(update={"head": None}) for k, u in ledger.units.items()},
            # who approved a deadline's extension is a person's name; the new deadline and why stay
            rounds={k: r.model_copy(update={"extensions": tuple(e.model_copy(update={"approved_by": ""})
                                                                for e in r.extensions)})
                    for k, r in ledger.rounds.items()},
            items={k: _redact_item(i, self.hides(i), records) for k, i in ledger.items.items()},
            actions=tuple(a.model_copy(update={"to": None}) for a in ledger.actions
                          if not marks.get(a.id, a.internal)),
        )


def _public_settings(settings: Settings | None) -> Settings | None:
    # the redacted ledger forgets what was internal; the build keeps today's settings for that
    return settings.model_copy(update={"internal_tags": ()}) if settings else None


def _redact_item(item: Item, hidden: bool, records: dict[tuple[str, int], bool]) -> Item:
    if hidden:
        # only id, round, unit and status survive; the rest is blanked, not left to templates
        return item.model_copy(update={
            "feedback": (), "aspect": "", "title": INTERNAL_PLACEHOLDER, "problem": INTERNAL_PLACEHOLDER,
            "tags": (), "leader": "", "department": "", "internal_note": None, "withdrawal": None,
            "measures": tuple(m.model_copy(update={"owner": "", "text": INTERNAL_PLACEHOLDER}) for m in item.measures),
            "reports": (), "supervision": (), "submissions": (), "verifications": (), "lookbacks": (),
            "mechanisms": (), "extensions": ()})
    supervision = tuple(s.model_copy(update={"by": "", "note": ""}) for k, s in enumerate(item.supervision)
                        if not records.get((item.id, k), s.internal))
    return item.model_copy(update={
        "leader": "",
        "internal_note": None,
        "measures": tuple(m.model_copy(update={"owner": ""}) for m in item.measures),
        "reports": tuple(r.model_copy(update={"by": ""}) for r in item.reports),
        "supervision": supervision,
        "submissions": tuple(s.model_copy(update={"by": "", "evidence": ()}) for s in item.submissions),
        "verifications": tuple(v.model_copy(update={"by": "", "note": None}) for v in item.verifications),
        "lookbacks": tuple(x.model_copy(update={"by": "", "note": None}) for x in item.lookbacks),
        "withdrawal": item.withdrawal.model_copy(update={"by": ""}) if item.withdrawal else None,
        "extensions": tuple(e.model_copy(update={"approved_by": ""}) for e in item.extensions),
    })


def redact(ledger: Ledger, redaction: Redaction | None = None) -> Ledger:
    """The ledger as the public may see it, by ``redaction`` (the build's; by default ``ledger``'s own)."""
    return (redaction or Redaction.of(ledger)).apply(ledger)


def public_settings_dump(settings: Settings | None) -> dict | None:
    """The settings for a public download: without what says what is internal."""
    return settings.model_dump(mode="json", exclude=set(INTERNAL_SETTINGS)) if settings else None


def hidden_item_dump(item: Item) -> dict:
    return {k: v for k, v in item.model_dump(mode="json").items() if k in HIDDEN_ITEM_FIELDS}

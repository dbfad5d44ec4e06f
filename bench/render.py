"""Render: the YAML text of every ledger file, at any point of its history.

Each file of the plan becomes an object with ``reset()``, ``apply(event)`` and ``text()``: the
final ledger is every event applied, and the git history asks for the text after each commit.
Item text is assembled from lines rendered once (records are append-only, so a file at any
moment is its head, its measures, its status and a prefix of each record list), which keeps the
history generator fast. The layout follows the hand-written style of the tests: block mappings
at the top, one flow mapping per measure or record, plain scalars throughout.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from entities import RECORD_LISTS, Event, Item, Plan, Round

GITIGNORE = ".rectify-cache/\n.generated.json\n"


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return str(value)


def flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in mapping.items() if v is not None) + "}"


def block(mapping: dict[str, Any], indent: str = "") -> str:
    """A block mapping; with ``indent`` it is an entry of a block list (``  - key: …``)."""
    lines = [f"{k}: {scalar(v)}" for k, v in mapping.items() if v is not None and v != []]
    if not indent:
        return "".join(line + "\n" for line in lines)
    return "".join(f"{indent}{'- ' if i == 0 else '  '}{line}\n" for i, line in enumerate(lines))


class StaticFile:
    """A file written once and never changed (settings, units, a round, a bulletin)."""

    def __init__(self, content: str):
        self.content = content
        self.events: list[Event] = []

    def reset(self) -> None:
        pass

    def apply(self, event: Event) -> None:
        pass

    def text(self) -> str:
        return self.content


class ListFile(StaticFile):
    """An append-only list file (actions, evaluations): a key and a prefix of its entries."""

    def __init__(self, key: str, entries: list[dict[str, Any]]):
        super().__init__("")
        self.key = key
        self.blocks = [block(e, "  ") for e in entries]
        self.count = 0

    def reset(self) -> None:
        self.count = 0

    def apply(self, event: Event) -> None:
        self.count += 1

    def text(self) -> str:
        return f"{self.key}:\n" + "".join(self.blocks[:self.count])


class ItemFile(StaticFile):
    """One item: its status, the measures done so far and a prefix of each record list."""

    def __init__(self, item: Item):
        super().__init__("")
        head = {"id": item.id, "round": item.round, "feedback": item.feedback, "unit": item.unit,
                "aspect": item.aspect, "title": item.title, "problem": item.problem,
                "scope": item.scope if item.scope != "individual" else None, "tags": item.tags,
                "term": item.term, "opened": item.opened, "due": item.due, "leader": item.leader,
                "department": item.department}
        self.head = block(head) + "measures:\n"
        self.measures = [("  - " + flow({**m, "done": None}) + "\n", "  - " + flow(m) + "\n")
                         for m in item.measures]
        self.records = {name: ["  - " + flow(r) + "\n" for r in item.records[name]] for name in RECORD_LISTS}
        self.withdrawal = ("withdrawal:\n" + "".join(f"  {k}: {scalar(v)}\n" for k, v in item.withdrawal.items())
                           if item.withdrawal else "")
        self.note = f"internal_note: {item.internal_note}\n" if item.internal_note else ""
        self.events = item.events
        self.reset()

    def reset(self) -> None:
        self.status = "open"
        self.done = [False] * len(self.measures)
        self.counts = dict.fromkeys(RECORD_LISTS, 0)

    def apply(self, event: Event) -> None:
        if event.record:
            self.counts[event.record] += 1
        if event.measure >= 0:
            self.done[event.measure] = True
        if event.status:
            self.status = event.status

    def text(self) -> str:
        parts = [self.head]
        parts += [lines[done] for lines, done in zip(self.measures, self.done)]
        parts.append(f"status: {self.status}\n")
        for name in RECORD_LISTS:
            count = self.counts[name]
            if count:
                parts.append(f"{name}:\n")
                parts += self.records[name][:count]
        if self.status == "withdrawn":
            parts.append(self.withdrawal)
        parts.append(self.note)
        return "".join(parts)


def _settings(plan: Plan) -> str:
    who = "县委" if plan.scale.units <= 60 else "市委"
    place = "某县" if who == "县委" else "某市"
    return block({"organisation": place + who, "office": f"{place}巡视巡察整改监督工作办公室",
                  "as_of": dt.date(2023, 12, 31)}) + "thresholds:\n  silent_days: 3\n  due_soon_days: 7\n"


def _units(plan: Plan) -> str:
    return "units:\n" + "".join(block({"id": u.id, "name": u.name, "category": u.category,
                                       "supervisor": u.supervisor, "head": u.head}, "  ") for u in plan.units)


def _round(rnd: Round) -> str:
    text = block({"id": rnd.id, "name": rnd.name, "level": rnd.level, "kind": rnd.kind,
                  "feedback_date": rnd.feedback_date, "deadline": rnd.deadline,
                  "aspects": rnd.aspects, "units": rnd.units})
    return text + "feedback:\n" + "".join(block({"id": i, "aspect": a, "unit": u, "text": t}, "  ")
                                          for i, a, u, t in rnd.feedback)


def _bulletin(notes: dict[str, Any]) -> str:
    text = f"week: {notes['week']}\n"
    for key in ("paragraphs", "next_steps"):
        text += f"{key}:\n" + "".join(f"  - {p}\n" for p in notes[key])
    return text


def build_files(plan: Plan) -> dict[str, StaticFile]:
    """Every file of the generated repository by path, each holding the events that change it."""
    files: dict[str, StaticFile] = {".gitignore": StaticFile(GITIGNORE),
                                    "ledger/ledger.yaml": StaticFile(_settings(plan)),
                                    "ledger/units.yaml": StaticFile(_units(plan)),
                                    "ledger/actions.yaml": ListFile("actions", plan.actions),
                                    "ledger/evaluations.yaml": ListFile("evaluations", plan.evaluations)}
    for rnd in plan.rounds:
        files[f"ledger/rounds/{rnd.id}.yaml"] = StaticFile(_round(rnd))
    for notes in plan.bulletins:
        files[f"ledger/bulletins/{notes['week']}.yaml"] = StaticFile(_bulletin(notes))
    for event in plan.events:
        files[event.path].events.append(event)
    for item in plan.items:
        if item.events:
            files[item.path] = ItemFile(item)
    return {path: f for path, f in files.items() if f.events}


def final_text(file: StaticFile) -> str:
    """The file's text with every one of its events applied."""
    file.reset()
    for event in sorted(file.events, key=lambda e: (e.date, e.seq)):
        file.apply(event)
    return file.text()

"""Edit: ``rectify new item``, ``rectify report`` and ``rectify transition`` write the YAML that
people would otherwise edit by hand, and refuse what the review gate would refuse.

Each edit is made on a round-trip copy of the file (``edit.yamledit``: ruamel.yaml keeps comments, key
order, quoting and flow-style records), then judged exactly as the gate would judge it
(``edit.workspace``): the new file is loaded by the same loader, the whole ledger with the new file
in place is validated, and the change from the old item to the new one is put through the change
rules of ``history.rules`` (legal edge with its record, append-only records, record dates against the
commit's date, separation of duties). Any problem: nothing is written and the problems are
returned, located in the file as it would be. Nothing here prints; the CLI (``cli.edit``) does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ruamel.yaml.comments import CommentedMap

from site_builder.ledger import yamlsafe
from site_builder.edit.workspace import Workspace
from site_builder.edit.yamledit import append_record, block_map, dump, item_document, load_rt, set_key
from site_builder.ledger.models import Item, Status
from site_builder.core.problems import Problem


@dataclass
class Outcome:
    """What an edit did, or why it did nothing."""
    problems: list[Problem]
    item: str = ""
    path: str = ""
    before: str | None = None
    after: str | None = None
    record: str = ""           # message code of what was added
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _no_ledger_dir(ws: Workspace) -> list[Problem]:
    """The load problem that the ledger folder is missing: every edit is then refused with it."""
    return [p for p in ws.load_problems if p.code == "load.no_ledger_dir"]


def next_item_id(ws: Workspace, round_id: str) -> str:
    """The next free id of a round, ``<round>-NNN`` (at least three digits)."""
    pattern = re.compile(re.escape(round_id) + r"-(\d+)$")
    taken = set(ws.ledger.items)
    folder = ws.root / "issues" / round_id
    if folder.is_dir():
        taken |= {p.stem for p in folder.glob("*.yaml")}
    numbers = [(int(m.group(1)), len(m.group(1))) for i in taken if (m := pattern.match(i))]
    width = max([3] + [w for _, w in numbers])
    return f"{round_id}-{max([0] + [n for n, _ in numbers]) + 1:0{width}d}"


def unit_id(ws: Workspace, value: str) -> str:
    """A unit id from an id or a unit's full name (as units.yaml writes it)."""
    if value in ws.ledger.units:
        return value
    by_name = {u.name: u.id for u in ws.ledger.units.values()}
    return by_name.get(value.strip(), value)


def new_item(ws: Workspace, fields: dict[str, Any]) -> Outcome:
    """Open a new item (建账): ``issues/<round>/<next id>.yaml``, status open."""
    missing = _no_ledger_dir(ws)
    if missing:
        return Outcome(missing)
    fields = dict(fields)
    fields["unit"] = unit_id(ws, fields["unit"])
    fields.setdefault("opened", ws.today)
    fields["status"] = fields.get("status") or Status.open.value
    fields["measures"] = [{"id": m.get("id") or f"M{i}", **{k: v for k, v in m.items() if k != "id"}}
                          for i, m in enumerate(fields["measures"], start=1)]
    item_id = fields.get("id") or next_item_id(ws, fields["round"])
    fields["id"] = item_id
    display = ws.display_of(f"issues/{fields['round']}/{item_id}.yaml")
    text = dump(item_document(fields))
    if (ws.root / f"issues/{fields['round']}/{item_id}.yaml").exists():
        return Outcome([Problem.at(display, None, "edit.file_exists", path=display)], item_id, display)
    problems, _ = ws.check({display: text}, {display: None})
    if problems:
        return Outcome(problems, item_id, display)
    ws.write({display: text})
    return Outcome([], item_id, display, None, fields["status"], "edit.rec_opened", {"title": fields["title"]})


def _edit(ws: Workspace, item_id: str, change: Callable[[CommentedMap, Item, str], tuple[str, list[Problem]]]) -> Outcome:
    """Load an item for round-trip editing, apply ``change``, judge the result, write it or not."""
    display, path = ws.item_file(item_id)
    if display is None:
        return Outcome(_no_ledger_dir(ws) or
                       [Problem.at(ws.display_of("issues"), None, "rule.unknown_item", item=item_id)], item_id)
    old = ws.ledger.items.get(item_id)
    if old is None or ws.ledger.paths.get("item:" + item_id) != display:
        return Outcome([p for p in ws.load_problems if p.file == display] or
                       [Problem.at(display, None, "rule.unknown_item", item=item_id)], item_id, display)
    text = path.read_bytes().decode("utf-8-sig")
    data, y = load_rt(text)
    record, own = change(data, old, display)
    new_text = dump(data, y)
    if own:
        return Outcome(own, item_id, display)
    problems, models = ws.check({display: new_text}, {display: old})
    new = models.get(display)
    outcome = Outcome(problems, item_id, display, old.status.value, new.status.value if new else None, record)
    if not problems:
        ws.write({display: new_text})
    return outcome


def add_report(ws: Workspace, item_id: str, *, text: str, by: str, date: dt.date | None = None,
               done: list[str] | tuple[str, ...] = ()) -> Outcome:
    """Append a progress report (日报告); an open item moves to in_progress. ``done``: measures
    finished that day."""
    day = date or ws.today

    def change(data: CommentedMap, old: Item, display: str) -> tuple[str, list[Problem]]:
        own = _mark_done(data, old, display, done, day)
        append_record(data, "reports", [("date", day), ("by", by), ("text", text)])
        if old.status == Status.open:
            data["status"] = Status.in_progress.value
        return ("edit.rec_report_done" if done else "edit.rec_report"), own

    outcome = _edit(ws, item_id, change)
    outcome.params = {"date": day, "by": by, "measures": "、".join(done)}
    return outcome


def _mark_done(data: CommentedMap, old: Item, display: str, done, day: dt.date) -> list[Problem]:
    problems = []
    measures = data.get("measures") or []
    by_id = {str(m.get("id")): m for m in measures if isinstance(m, CommentedMap)}
    for mid in done:
        m = by_id.get(mid)
        if m is None:
            problems.append(Problem.at(display, None, "edit.unknown_measure", item=old.id, measure=mid))
        elif m.get("done") is not None:
            problems.append(Problem.at(display, None, "edit.measure_done", measure=mid, date=str(m.get("done"))))
        else:
            m["done"] = day
    return problems


def transition(ws: Workspace, item_id: str, state: str, *, by: str, date: dt.date | None = None,
               text: str | None = None, note: str | None = None, evidence: list[str] | tuple[str, ...] = (),
               reason: str | None = None, merged_into: str | None = None) -> Outcome:
    """Move an item to ``state`` with the record the move needs:

    submitted → a submission (交账); verified → a passed verification (核账); in_progress from
    submitted → a returned verification (``note`` says why); in_progress from cleared → a look-back
    that found a relapse; cleared → nothing added (every measure must be done); withdrawn → the
    withdrawal with its reason. Whatever the gate would refuse is refused with its own message.
    """
    day = date or ws.today

    def change(data: CommentedMap, old: Item, display: str) -> tuple[str, list[Problem]]:
        before = old.status.value
        if state == before:
            return "", [Problem.at(display, yamlsafe.locate(dump(data), ("status",)), "edit.same_state",
                                   item=old.id, state=state)]
        record = "edit.rec_none"
        if state == Status.submitted.value:
            append_record(data, "submissions", [("date", day), ("by", by), ("text", text), ("evidence", list(evidence))])
            record = "edit.rec_submission"
        elif state == Status.verified.value:
            append_record(data, "verifications", [("date", day), ("by", by), ("result", "passed"), ("note", note or text)])
            record = "edit.rec_passed"
        elif state == Status.in_progress.value and before == Status.submitted.value:
            append_record(data, "verifications", [("date", day), ("by", by), ("result", "returned"), ("note", note or text)])
            record = "edit.rec_returned"
        elif state == Status.in_progress.value and before == Status.cleared.value:
            append_record(data, "lookbacks", [("date", day), ("by", by), ("result", "relapsed"), ("note", note or text)])
            record = "edit.rec_relapsed"
        elif state == Status.in_progress.value and text:
            append_record(data, "reports", [("date", day), ("by", by), ("text", text)])
            record = "edit.rec_report"
        elif state == Status.withdrawn.value:
            if reason:
                set_key(data, "withdrawal", block_map([("date", day), ("by", by), ("reason", reason),
                                                        ("merged_into", merged_into)]))
            record = "edit.rec_withdrawal"
        data["status"] = state
        return record, []

    outcome = _edit(ws, item_id, change)
    outcome.params = {"date": day, "by": by}
    return outcome

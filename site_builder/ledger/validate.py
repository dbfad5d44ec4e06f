"""Validate: the third stage of the pipeline, a loaded ``Ledger`` in, its rule problems out.

The models already guarantee each file's shape; here are the rules of DESIGN.md §4 that need
meaning or more than one file: ids equal file names, references resolve, every feedback problem is
claimed (全部认领), dates are in order, and an item's status agrees with its records (a cleared item
has a passed verification and every measure done, …). Every problem is collected; none is raised.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
import posixpath
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from site_builder.core import clock
from site_builder.ledger import yamlsafe
from site_builder.ledger.load import Ledger, ParseCache, load_ledger, read_tree
from site_builder.ledger.models import Item, LookbackResult, Settings, Status, Term, VerificationResult, has_text, person_key, same_person
from site_builder.core.problems import Problem

RECORD_LISTS = ("reports", "supervision", "submissions", "verifications", "lookbacks", "mechanisms", "extensions")


class _Sink:
    """Collects problems, placing each one in its file only when it is raised."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.problems: list[Problem] = []
        failed = ledger.failed
        self.unloaded_rounds = {_stem(rel) for rel in failed if rel.startswith("rounds/")}
        self.unloaded_units = "units.yaml" in failed
        self.unloaded_items = {_stem(rel) for rel in failed if rel.startswith("issues/")}

    def _caused_by_unloaded(self, code: str, params: dict) -> bool:
        return ((code == "rule.unknown_round" and params.get("round") in self.unloaded_rounds)
                or (code == "rule.unknown_unit" and self.unloaded_units)
                or (code == "rule.unknown_item" and params.get("item") in self.unloaded_items))

    def add(self, file: str, loc: tuple, code: str, key: bool = False, severity: str = "error", **params: Any) -> None:
        if self._caused_by_unloaded(code, params):
            return
        pos = self.ledger.locate(file, loc, key=key) if file and loc else None
        self.problems.append(Problem.at(file, pos, code, severity=severity, **params))


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def _iso_week_ok(week: str) -> bool:
    try:
        dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
        return True
    except ValueError:
        return False


def check_item(item: Item, file: str, ledger: Ledger, sink: _Sink, today: dt.date) -> None:
    """Rules about one item, using the round it belongs to where one is found."""
    if item.id != _stem(file):
        sink.add(file, ("id",), "rule.id_file_mismatch", id=item.id, name=_stem(file))
    folder = posixpath.basename(posixpath.dirname(file))
    if item.round != folder:
        sink.add(file, ("round",), "rule.round_folder_mismatch", round=item.round, folder=folder)
    rnd = ledger.rounds.get(item.round)
    if rnd is None:
        sink.add(file, ("round",), "rule.unknown_round", round=item.round)
    if item.unit not in ledger.units:
        sink.add(file, ("unit",), "rule.unknown_unit", unit=item.unit)
    elif rnd is not None and item.unit not in rnd.units:
        sink.add(file, ("unit",), "rule.unit_not_in_round", unit=item.unit, round=rnd.id)
    if rnd is not None:
        feedback_ids = {f.id for f in rnd.feedback}
        for i, fid in enumerate(item.feedback):
            if fid not in feedback_ids:
                sink.add(file, ("feedback", i), "rule.unknown_feedback", feedback=fid, round=rnd.id)
        if item.aspect not in rnd.aspects:
            sink.add(file, ("aspect",), "rule.unknown_aspect", aspect=item.aspect, round=rnd.id)
        if item.opened < rnd.feedback_date:
            sink.add(file, ("opened",), "rule.opened_before_feedback", date=item.opened, feedback_date=rnd.feedback_date)
        if item.term != Term.long_term and item.due > rnd.deadline:
            sink.add(file, ("due",), "rule.due_after_deadline", date=item.due, deadline=rnd.deadline)
    if item.due < item.opened:
        sink.add(file, ("due",), "rule.due_before_opened", date=item.due, opened=item.opened)

    seen_measures: set[str] = set()
    for i, m in enumerate(item.measures):
        if m.id in seen_measures:
            sink.add(file, ("measures", i, "id"), "rule.duplicate_measure", measure=m.id)
        seen_measures.add(m.id)
        if rnd is not None and item.term != Term.long_term and m.due > rnd.deadline:
            sink.add(file, ("measures", i, "due"), "rule.measure_due_after_deadline", measure=m.id,
                     date=m.due, deadline=rnd.deadline)
        if m.done is not None:
            if m.done < item.opened:
                sink.add(file, ("measures", i, "done"), "rule.date_before_opened", date=m.done, opened=item.opened)
            if m.done > today:
                sink.add(file, ("measures", i, "done"), "rule.date_in_future", date=m.done, today=today)

    unit = ledger.units.get(item.unit)
    for i, ext in enumerate(item.extensions):
        if unit is not None and person_key(ext.approved_by).startswith(person_key(unit.name)):
            sink.add(file, ("extensions", i, "approved_by"), "rule.extension_by_unit", person=ext.approved_by)
    for name in RECORD_LISTS:
        records = getattr(item, name)
        previous = None
        for i, rec in enumerate(records):
            if rec.date < item.opened:
                sink.add(file, (name, i, "date"), "rule.date_before_opened", date=rec.date, opened=item.opened)
            if rec.date > today:
                sink.add(file, (name, i, "date"), "rule.date_in_future", date=rec.date, today=today)
            if previous is not None and rec.date < previous:
                sink.add(file, (name, i, "date"), "rule.records_out_of_order", date=rec.date, previous=previous)
            previous = rec.date

    _check_status(item, file, sink)


def _check_status(item: Item, file: str, sink: _Sink) -> None:
    subs, vers = item.submissions, item.verifications
    for i, v in enumerate(vers):
        if not any(s.date <= v.date for s in subs):
            sink.add(file, ("verifications", i), "rule.verification_without_submission", date=v.date)
        if v.result == VerificationResult.returned and not has_text(v.note):
            sink.add(file, ("verifications", i, "result"), "rule.returned_needs_note")
        submitted = [s for s in subs if s.date <= v.date]
        if submitted and same_person(submitted[-1].by, v.by):
            sink.add(file, ("verifications", i, "by"), "rule.same_person_verifies", person=v.by)
    last_ver = vers[-1] if vers else None
    last_sub = subs[-1] if subs else None
    status = item.status
    if item.withdrawal is not None and status != Status.withdrawn:
        sink.add(file, ("withdrawal",), "rule.withdrawal_but_status", status=status.value, key=True)
    if item.withdrawal is not None and not has_text(item.withdrawal.reason):
        sink.add(file, ("withdrawal", "reason"), "rule.reason_blank")
    if status == Status.withdrawn and item.withdrawal is None:
        sink.add(file, ("status",), "rule.withdrawn_needs_reason")
    if item.withdrawal is not None and item.withdrawal.merged_into is not None:
        if item.withdrawal.merged_into not in sink.ledger.items:
            sink.add(file, ("withdrawal", "merged_into"), "rule.unknown_item", item=item.withdrawal.merged_into)
    if status == Status.submitted:
        if last_sub is None or (last_ver is not None and last_ver.date >= last_sub.date):
            sink.add(file, ("status",), "rule.submitted_needs_submission")
    if status in (Status.verified, Status.cleared):
        if last_ver is None or last_ver.result != VerificationResult.passed:
            code = "rule.verified_needs_verification" if status == Status.verified else "rule.cleared_needs_verification"
            sink.add(file, ("status",), code)
    if status == Status.cleared:
        for i, m in enumerate(item.measures):
            if m.done is None:
                sink.add(file, ("measures", i), "rule.cleared_needs_measures_done", measure=m.id)
        if item.lookbacks and item.lookbacks[-1].result == LookbackResult.relapsed:
            sink.add(file, ("status",), "rule.cleared_after_relapse", date=item.lookbacks[-1].date)
    if status in (Status.open, Status.in_progress) and last_sub is not None:
        if last_ver is None or last_ver.date < last_sub.date:
            sink.add(file, ("status",), "rule.submission_pending", status=status.value)


def _check_round(rnd, file: str, ledger: Ledger, sink: _Sink) -> None:
    if rnd.id != _stem(file):
        sink.add(file, ("id",), "rule.id_file_mismatch", id=rnd.id, name=_stem(file))
    if rnd.deadline < rnd.feedback_date:
        sink.add(file, ("deadline",), "rule.deadline_before_feedback", date=rnd.deadline, feedback_date=rnd.feedback_date)
    for i, unit in enumerate(rnd.units):
        if unit not in ledger.units:
            sink.add(file, ("units", i), "rule.unknown_unit", unit=unit)
    for i, aspect in enumerate(rnd.aspects):
        if aspect in rnd.aspects[:i]:
            sink.add(file, ("aspects", i), "rule.duplicate_aspect", aspect=aspect)
    seen: set[str] = set()
    for i, fb in enumerate(rnd.feedback):
        if fb.id in seen:
            sink.add(file, ("feedback", i, "id"), "rule.duplicate_id", id=fb.id)
        seen.add(fb.id)
        if fb.aspect not in rnd.aspects:
            sink.add(file, ("feedback", i, "aspect"), "rule.unknown_aspect", aspect=fb.aspect, round=rnd.id)
        if fb.unit not in rnd.units:
            sink.add(file, ("feedback", i, "unit"), "rule.unit_not_in_round", unit=fb.unit, round=rnd.id)
    # an inspected unit may not move its own deadline, as for an item's or a measure's due date
    names = [person_key(ledger.units[u].name) for u in rnd.units if u in ledger.units]
    for i, ext in enumerate(rnd.extensions):
        if any(name and person_key(ext.approved_by).startswith(name) for name in names):
            sink.add(file, ("extensions", i, "approved_by"), "rule.round_extension_by_unit", person=ext.approved_by)


def _check_supersedes(records, name: str, file: str, sink: _Sink, subject=None) -> set[int]:
    """A correction names a record written before it (the list only grows), neither itself nor one
    already corrected, so that each record has at most one successor and no loop; with ``subject``,
    one about the same thing (an evaluation: the same unit and round). Returns the indexes of the
    records a valid correction replaces."""
    index: dict[str, int] = {}
    replaced: set[int] = set()
    for i, rec in enumerate(records):
        target = rec.supersedes
        if target is not None:
            loc = (name, i, "supersedes")
            if target == rec.id:
                sink.add(file, loc, "rule.supersedes_self", id=target)
            elif target not in index:
                sink.add(file, loc, "rule.supersedes_unknown", id=target)
            elif index[target] in replaced:
                sink.add(file, loc, "rule.supersedes_superseded", id=target)
            elif subject is not None and subject(records[index[target]]) != subject(rec):
                sink.add(file, loc, "rule.supersedes_other", id=target, subject=" ".join(subject(records[index[target]])))
            else:
                replaced.add(index[target])
        if rec.id is not None:
            index.setdefault(rec.id, i)
    return replaced


def _nth_unit_entry(ledger: Ledger, file: str, ident: str, nth: int) -> int:
    """The index in units.yaml of the ``nth`` repetition of unit ``ident`` (the loaded ledger keeps the first only)."""
    data, _ = yamlsafe.parse(ledger.text(file).encode("utf-8"), file)
    entries = (data or {}).get("units") or []
    indexes = [i for i, u in enumerate(entries) if isinstance(u, dict) and u.get("id") == ident]
    return indexes[nth] if nth < len(indexes) else 0


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _check_lock(ledger: Ledger, member_ids: set[str], sink: _Sink) -> None:
    """The lock file against the declared members: an id locked but not declared is an error (a
    hand edit, or a member renamed without an update: its figures would be read under no name); a
    member declared but not locked yet only needs ``rectify members update``, so it is a warning.
    A lock file that did not load has its own problem already."""
    lock = ledger.members_lock
    if lock is None and "members.lock.yaml" in ledger.failed:
        return
    locked = {m.id for m in lock.members} if lock else set()
    if lock is not None:
        lock_file = ledger.paths["members_lock"]
        for i, entry in enumerate(lock.members):
            if entry.id not in member_ids:
                sink.add(lock_file, ("members", i, "id"), "rule.lock_unknown_member", id=entry.id)
    for i, member in enumerate(ledger.settings.members):
        if member.id not in locked:
            sink.add(ledger.paths["settings"], ("members", i, "id"), "rule.lock_missing_member",
                     severity="warning", id=member.id, name=member.name)


def validate(ledger: Ledger, today: dt.date | None = None, rules: Settings | None = None) -> list[Problem]:
    """Every single-file and cross-file rule of DESIGN.md §4. Returns all problems found.

    ``rules``: the settings the rules are applied with, when they are not the ledger's own: the gate
    judges a pull request by the settings of its base, so that a setting takes effect once it has
    landed. The ledger's own settings file is still checked for itself."""
    today = today or clock.ledger_today(rules or ledger.settings)
    sink = _Sink(ledger)
    if ledger.settings is None and "ledger.yaml" not in ledger.failed:
        sink.add(f"{ledger.root}/ledger.yaml", (), "rule.no_settings")
    # a roll-up (settings with members) may have no units of its own: its members have them
    rollup = ledger.settings is not None and bool(ledger.settings.members)
    if not ledger.units and "units.yaml" not in ledger.failed and not rollup:
        sink.add(f"{ledger.root}/units.yaml", (), "rule.no_units")
    if rollup:
        member_ids: set[str] = set()
        for i, member in enumerate(ledger.settings.members):
            if member.id in member_ids:
                sink.add(ledger.paths["settings"], ("members", i, "id"), "rule.duplicate_id", id=member.id)
            member_ids.add(member.id)
        _check_lock(ledger, member_ids, sink)
    if ledger.settings is not None and not _known_zone(ledger.settings.timezone):
        sink.add(ledger.paths["settings"], ("timezone",), "rule.unknown_timezone", zone=ledger.settings.timezone)
    units_seen: dict[str, int] = defaultdict(int)
    for kind, ident, file in ledger.duplicates:
        if kind == "unit":  # the second (third, …) entry of units.yaml with this id
            units_seen[ident] += 1
            loc: tuple = ("units", _nth_unit_entry(ledger, file, ident, units_seen[ident]), "id")
        else:
            loc = ("id",)
        sink.add(file, loc, "rule.duplicate_id", id=ident)

    for rid, rnd in ledger.rounds.items():
        _check_round(rnd, ledger.paths["round:" + rid], ledger, sink)

    claimed: dict[str, set[str]] = defaultdict(set)
    for iid, item in ledger.items.items():
        check_item(item, ledger.paths["item:" + iid], ledger, sink, today)
        if item.status != Status.withdrawn:
            claimed[item.round].update(item.feedback)
    # a file that did not load already has its own problem; don't add the ones it causes elsewhere
    unloaded_item_rounds = {posixpath.basename(posixpath.dirname(rel)) for rel in ledger.failed
                            if rel.startswith("issues/")}
    for rid, rnd in ledger.rounds.items():
        if rid in unloaded_item_rounds:
            continue
        for i, fb in enumerate(rnd.feedback):
            if fb.id not in claimed[rid]:
                sink.add(ledger.paths["round:" + rid], ("feedback", i, "id"), "rule.unclaimed_feedback", feedback=fb.id)

    actions_file = ledger.paths.get("actions", "")
    seen: set[str] = set()
    for i, action in enumerate(ledger.actions):
        if action.id in seen:
            sink.add(actions_file, ("actions", i, "id"), "rule.duplicate_id", id=action.id)
        seen.add(action.id)
        for field, known, code in (("units", ledger.units, "rule.unknown_unit"),
                                   ("rounds", ledger.rounds, "rule.unknown_round"),
                                   ("items", ledger.items, "rule.unknown_item")):
            for j, ref in enumerate(getattr(action, field)):
                if ref not in known:
                    sink.add(actions_file, ("actions", i, field, j), code,
                             **{field[:-1] if field != "items" else "item": ref})

    _check_supersedes(ledger.actions, "actions", actions_file, sink)

    eval_file = ledger.paths.get("evaluations", "")
    superseded = _check_supersedes(ledger.evaluations, "evaluations", eval_file, sink, lambda e: (e.unit, e.round))
    pairs: set[tuple[str, str]] = set()
    seen = set()
    for i, ev in enumerate(ledger.evaluations):
        if ev.unit not in ledger.units:
            sink.add(eval_file, ("evaluations", i, "unit"), "rule.unknown_unit", unit=ev.unit)
        if ev.round not in ledger.rounds:
            sink.add(eval_file, ("evaluations", i, "round"), "rule.unknown_round", round=ev.round)
        if ev.id is not None:
            if ev.id in seen:
                sink.add(eval_file, ("evaluations", i, "id"), "rule.duplicate_id", id=ev.id)
            seen.add(ev.id)
        if i in superseded:
            continue   # replaced by a correction: the correction is the unit's evaluation
        if (ev.unit, ev.round) in pairs:
            sink.add(eval_file, ("evaluations", i), "rule.duplicate_evaluation", unit=ev.unit, round=ev.round)
        pairs.add((ev.unit, ev.round))

    for week, notes in ledger.bulletins.items():
        file = ledger.paths["bulletin:" + week]
        if week != _stem(file):
            sink.add(file, ("week",), "rule.id_file_mismatch", id=week, name=_stem(file))
        elif not _iso_week_ok(week):
            sink.add(file, ("week",), "rule.impossible_week", week=week)
    return sink.problems


@dataclass(frozen=True)
class Verdict:
    """What ``rectify validate`` reports of a ledger folder."""
    problems: list[Problem]
    rounds: int
    items: int
    language: str


@functools.cache
def _settings_of(tree, cache: ParseCache):
    """The tree's settings (parsed once: loading the tree takes them from the cache), for the time
    zone "today" is counted in."""
    for rel, display, raw, kind, blob in tree.files:
        if rel == "ledger.yaml":
            return cache.get(raw, kind, display, blob)[0]
    return None


def validate_folder(ledger_dir: str, cache: ParseCache, today: dt.date | None = None) -> Verdict:
    """Load and validate a ledger folder, reusing the verdict on a tree seen before (same files,
    same day, same code), which spares building any model."""
    tree = read_tree(ledger_dir)
    if tree is None:
        ledger, problems = load_ledger(ledger_dir, cache)
        return Verdict(problems, 0, 0, "zh")
    today = today or clock.ledger_today(_settings_of(tree, cache))
    key = hashlib.sha1(f"{tree.digest()}\0{today}".encode()).hexdigest()
    stored = cache.result_get(key)
    if stored is not None:
        try:
            return pickle.loads(stored)
        except Exception:  # noqa: BLE001 - a damaged entry: validate again
            pass
    ledger, problems = load_ledger(ledger_dir, cache, tree=tree)
    problems = sorted(set(problems + validate(ledger, today)))
    verdict = Verdict(problems, len(ledger.rounds), len(ledger.items),
                      ledger.settings.language if ledger.settings else "zh")
    cache.result_put(key, pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL))
    return verdict

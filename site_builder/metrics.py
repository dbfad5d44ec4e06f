"""Metrics: the fourth stage of the pipeline, pure figures computed from a ``Ledger`` as of a date.

The site, the bulletin and ``rectify status`` all read their numbers from here, so a figure can
only be wrong in one place. Rates are percentages rounded half-up to one decimal, as the source
document reports them (25 of 42 → 59.5%).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from site_builder.core import clock
from site_builder.ledger.load import Ledger
from site_builder.ledger.models import ActionKind, Item, Round, Settings, Status

ACTIVE = (Status.open, Status.in_progress, Status.submitted, Status.verified)
#: states in which the unit still owes work; submitted and verified items wait on the office
OWING = (Status.open, Status.in_progress)


def percent(part: int | float, whole: int | float) -> float:
    """``part / whole`` as a percentage, one decimal, half-up; 0.0 when ``whole`` is 0."""
    if not whole:
        return 0.0
    value = Decimal(str(part)) * 100 / Decimal(str(whole))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def resolve_as_of(settings: Settings | None, override: dt.date | None = None,
                  today: dt.date | None = None) -> dt.date:
    """The date figures are computed at: the command line's, else the settings', else today."""
    if override is not None:
        return override
    if settings is not None and settings.as_of is not None:
        return settings.as_of
    return today or clock.ledger_today(settings)


def time_progress(rnd: Round, as_of: dt.date) -> float:
    """时间进度: share of the rectification period elapsed, clamped to 0–100."""
    total = (rnd.deadline - rnd.feedback_date).days
    elapsed = (as_of - rnd.feedback_date).days
    if total <= 0:
        return 100.0
    return percent(min(max(elapsed, 0), total), total)


def item_overdue(item: Item, as_of: dt.date) -> bool:
    return item.status in OWING and item.due < as_of


def overdue_measures(item: Item, as_of: dt.date) -> list:
    if item.status not in ACTIVE:
        return []
    return [m for m in item.measures if m.done is None and m.due < as_of]


def warning_colour(item: Item, as_of: dt.date, due_soon_days: int) -> str | None:
    """三色预警: red overdue, yellow due within ``due_soon_days``, green otherwise; None when done."""
    if item.status not in ACTIVE:
        return None
    if item_overdue(item, as_of) or overdue_measures(item, as_of):
        return "red"
    if due_soon(item, as_of, due_soon_days):
        return "yellow"
    return "green"


def due_soon(item: Item, as_of: dt.date, due_soon_days: int) -> list[tuple[object | None, dt.date]]:
    """What falls due within ``due_soon_days`` (临期): (measure, its due date) for each open measure,
    and (None, the item's due date) when the unit still owes the item itself."""
    if item.status not in ACTIVE:
        return []
    found: list[tuple[object | None, dt.date]] = [(m, m.due) for m in item.measures
                                                  if m.done is None and 0 <= (m.due - as_of).days <= due_soon_days]
    if item.status in OWING and 0 <= (item.due - as_of).days <= due_soon_days:
        found.append((None, item.due))
    return found


@dataclass(frozen=True)
class Progress:
    """Counts and rates for a set of items (a round, a unit, a unit within a round)."""
    total: int
    by_status: dict[str, int]
    cleared: int
    withdrawn: int
    active: int                  # 正在整改: neither cleared nor withdrawn
    completion_rate: float       # 整改完成率 = cleared ÷ (total − withdrawn)
    measures_total: int
    measures_done: int
    measure_rate: float          # 措施完成率
    overdue_items: int
    overdue_measures: int
    red: int
    yellow: int
    green: int
    mechanisms: int


def progress(items: list[Item], as_of: dt.date, due_soon_days: int = 7) -> Progress:
    by_status = Counter(i.status.value for i in items)
    withdrawn = by_status.get("withdrawn", 0)
    cleared = by_status.get("cleared", 0)
    counted = [i for i in items if i.status != Status.withdrawn]
    measures = [m for i in counted for m in i.measures]
    colours = Counter(warning_colour(i, as_of, due_soon_days) for i in items)
    return Progress(
        total=len(items),
        by_status={s.value: by_status.get(s.value, 0) for s in Status},
        cleared=cleared,
        withdrawn=withdrawn,
        active=len(items) - cleared - withdrawn,
        completion_rate=percent(cleared, len(items) - withdrawn),
        measures_total=len(measures),
        measures_done=sum(1 for m in measures if m.done is not None),
        measure_rate=percent(sum(1 for m in measures if m.done is not None), len(measures)),
        overdue_items=sum(1 for i in items if item_overdue(i, as_of)),
        overdue_measures=sum(len(overdue_measures(i, as_of)) for i in items),
        red=colours.get("red", 0),
        yellow=colours.get("yellow", 0),
        green=colours.get("green", 0),
        mechanisms=sum(len(i.mechanisms) for i in counted),
    )


@dataclass(frozen=True)
class RoundMetrics:
    round: Round
    progress: Progress
    time_progress: float         # 时间进度
    task_progress: float         # 任务进度 (= completion rate)
    on_track: bool               # task keeps pace with time, within settings' lag margin
    half_and_half: bool          # 时间过半任务过半
    lagging_by: float            # percentage points task is behind time (0 when ahead)


def round_metrics(ledger: Ledger, round_id: str, as_of: dt.date) -> RoundMetrics:
    rnd = ledger.rounds[round_id]
    items = list(ledger.round_items.get(round_id, ()))
    prog = progress(items, as_of, _due_soon(ledger))
    tp = time_progress(rnd, as_of)
    task = prog.completion_rate
    margin = ledger.settings.thresholds.lag_margin if ledger.settings else 10.0
    lag = round(max(tp - task, 0.0), 1)
    return RoundMetrics(rnd, prog, tp, task, lag <= margin, tp >= 50 and task >= 50, lag)


@dataclass(frozen=True)
class UnitMetrics:
    unit_id: str
    progress: Progress
    last_report: dt.date | None
    days_since_report: int | None
    silent: bool                  # has owing items and no report for more than silent_days
    actions: dict[str, int]
    proposed_score: float
    final_score: float | None


def _due_soon(ledger: Ledger) -> int:
    return ledger.settings.thresholds.due_soon_days if ledger.settings else 7


def last_report(items: list[Item], as_of: dt.date) -> dt.date | None:
    dates = [r.date for i in items for r in i.reports if r.date <= as_of]
    return max(dates) if dates else None


def proposed_score(items: list[Item], prog: Progress, silent: bool, settings: Settings | None) -> float:
    """The rubric's score (规则建议分), from the weights in settings."""
    weights = settings.scoring if settings else Settings.model_fields["scoring"].default_factory()
    counted = prog.total - prog.withdrawn
    if not counted:
        return 0.0
    verified = [i for i in items if i.verifications]
    first_pass = sum(1 for i in verified if i.verifications[0].result.value == "passed")
    score = (weights.completion * prog.completion_rate / 100
             # on time: neither the item nor any of its measures overdue (the red warning)
             + weights.on_time * (1 - prog.red / counted)
             + weights.reporting * (0 if silent else 1)
             + weights.verification * (first_pass / len(verified) if verified else 1))
    return float(Decimal(str(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def in_force(records, as_of: dt.date) -> list:
    """Actions or evaluations dated by ``as_of`` that no record dated by then corrects (更正): a
    correction is appended and names the one it replaces in ``supersedes``, so the pair counts once."""
    dated = [r for r in records if r.date <= as_of]
    replaced = {r.supersedes for r in dated if getattr(r, "supersedes", None)}
    return [r for r in dated if getattr(r, "id", None) is None or r.id not in replaced]


def unit_metrics(ledger: Ledger, unit_id: str, as_of: dt.date, round_id: str | None = None) -> UnitMetrics:
    items = [i for i in ledger.unit_items.get(unit_id, ()) if round_id is None or i.round == round_id]
    prog = progress(items, as_of, _due_soon(ledger))
    last = last_report(items, as_of)
    days = (as_of - last).days if last else None
    silent_days = ledger.settings.thresholds.silent_days if ledger.settings else 3
    owing = any(i.status in OWING for i in items)
    silent = owing and (days is None or days > silent_days)
    actions = Counter(a.kind.value for a in in_force(ledger.unit_actions.get(unit_id, ()), as_of))
    finals = [e for e in in_force(ledger.evaluations, as_of)
              if e.unit == unit_id and (round_id is None or e.round == round_id)]
    final = finals[-1].score if finals else None
    return UnitMetrics(unit_id, prog, last, days, silent, dict(actions),
                       proposed_score(items, prog, silent, ledger.settings), final)


def action_totals(ledger: Ledger, as_of: dt.date) -> dict[str, int]:
    """Totals of actions by kind, plus ``mechanisms`` built across all items (成果运用)."""
    counts = Counter(a.kind.value for a in in_force(ledger.actions, as_of))
    totals = {k.value: counts.get(k.value, 0) for k in ActionKind}
    totals["mechanisms"] = sum(1 for i in ledger.items.values() for m in i.mechanisms if m.date <= as_of)
    return totals


def silent_units(ledger: Ledger, as_of: dt.date) -> list[UnitMetrics]:
    return [m for m in (unit_metrics(ledger, u, as_of) for u in ledger.units) if m.silent]

"""Plan: the whole synthetic ledger of one scale, as data and dated events (see ``entities``).

``build_plan(scale, seed)`` makes the people (the office, one liaison and one inspector per unit),
the units, the rounds with their feedback problems, every item's life (``lifecycle``), the actions,
evaluations and weekly bulletin notes, and the events that create the ledger-level files.
"""

from __future__ import annotations

import datetime as dt

import corpus
import lifecycle
from entities import DAY, END, START, Context, Person, Plan, Round, Scale, Unit

ACTION_WEIGHTS = {"talk": 30, "reminder_letter": 35, "suspension": 3, "recommendation": 12,
                  "governance": 12, "leadership_adjustment": 8}


def _people(ctx: Context, scale: Scale) -> tuple[Person, list[Person], list[Person], list[str]]:
    """The office director and staff, three people per unit (liaison, inspector, head), and leaders."""
    n_staff = max(6, scale.units // 16)
    names = corpus.person_names(ctx.rng, 1 + n_staff + 3 * scale.units + scale.units // 2)
    people = [Person(name, f"p{i:04d}@ledger.example.cn") for i, name in enumerate(names)]
    per_unit = people[1 + n_staff:1 + n_staff + 3 * scale.units]
    return people[0], people[1:1 + n_staff], per_unit, names[1 + n_staff + 3 * scale.units:]


def _unit_specs(scale: Scale) -> list[tuple[str, str, str, str]]:
    """(id, name, category, supervising body) of every unit: one county, or districts of 40 units."""
    per_district = scale.units if scale.units <= 60 else 40
    towns = corpus.town_names()
    specs: list[tuple[str, str, str, str]] = []
    while len(specs) < scale.units:
        d = len(specs) // per_district
        single = per_district == scale.units
        prefix, slug = ("县", "") if single else (corpus.DISTRICTS[d], f"d{d + 1:02d}-")
        n = min(per_district, scale.units - len(specs))
        n_depts, n_soes = min(len(corpus.DEPARTMENTS), n // 2), min(len(corpus.ENTERPRISES), n // 10)
        for i, (name, uid) in enumerate(corpus.DEPARTMENTS[:n_depts]):
            specs.append((slug + uid, prefix + name, "county_department",
                          f"{prefix}纪委监委第{corpus.CN_NUM[i % 8]}派驻纪检监察组"))
        for name, uid in corpus.ENTERPRISES[:n_soes]:
            specs.append((slug + uid, prefix + name, "enterprise", f"{prefix}国资委纪检监察组"))
        for t in range(n - n_depts - n_soes):
            name = ("" if single else prefix) + towns[(t + 37 * d) % len(towns)]
            specs.append((f"{slug}town-{t + 1:02d}", name, "township", f"{name}纪委"))
    return specs


def _units(scale: Scale, per_unit: list[Person]) -> list[Unit]:
    return [Unit(uid, name, cat, sup, per_unit[3 * i + 2].name, per_unit[3 * i], per_unit[3 * i + 1])
            for i, (uid, name, cat, sup) in enumerate(_unit_specs(scale))]


def _rounds(ctx: Context, scale: Scale, units: list[Unit]) -> list[Round]:
    rng = ctx.rng
    order = [u.id for u in units]
    rng.shuffle(order)
    rounds = []
    for i in range(scale.rounds):
        members = sorted(order[i::scale.rounds])
        feedback = dt.date(2023, 1, 9) + DAY * (i * 300 // scale.rounds + rng.randint(0, 3))
        level = rng.choices(("county", "city", "province"), (80, 15, 5))[0]
        kind = rng.choices(("routine", "special", "elevated"), (60, 30, 10))[0]
        label = {"routine": f"第{i + 1}轮常规巡察", "special": f"{rng.choice(corpus.PROJECTS)}专项巡察",
                 "elevated": f"{rng.choice(corpus.PROJECTS)}提级巡察"}[kind]
        who = {"county": "县委", "city": "市委", "province": "省委"}[level]
        rounds.append(Round(f"2023-R{i + 1:02d}", who + label, level, kind, feedback,
                            feedback + DAY * rng.randint(90, 180),
                            rng.sample(list(corpus.ASPECTS), rng.randint(3, 5)), members))
    return rounds




def _items(ctx: Context, plan: Plan, leaders: list[str]) -> None:
    """Every round's items and their lives; about one in a hundred is a withdrawn duplicate."""
    units = {u.id: u for u in plan.units}
    scale = plan.scale
    for i, rnd in enumerate(plan.rounds):
        quota = scale.items // scale.rounds + (i < scale.items % scale.rounds)
        items = lifecycle.items_of_round(ctx, rnd, quota, units, leaders)
        for j, item in enumerate(items):
            prev = items[j - 1] if j else None
            if (prev is not None and prev.feedback == item.feedback and prev.withdrawal is None
                    and ctx.rng.random() < 0.03
                    and lifecycle.withdraw(ctx, item, units[item.unit], prev, plan.director)):
                continue
            lifecycle.live(ctx, item, units[item.unit], plan.staff, plan.director)
        plan.items.extend(items)


def _actions(ctx: Context, plan: Plan) -> None:
    rng = ctx.rng
    units = {u.id: u for u in plan.units}
    departments = [u.name for u in plan.units if u.category == "county_department"]
    candidates = [it for it in plan.items if it.withdrawal is None and it.opened + 20 * DAY <= END]
    raw = []
    for _ in range(len(plan.items) // 10):
        item = rng.choice(candidates)
        kind = rng.choices(list(ACTION_WEIGHTS), list(ACTION_WEIGHTS.values()))[0]
        entry = {"kind": kind, "date": ctx.between(item.opened + 20 * DAY, END),
                 "title": corpus.ACTION_TITLES[kind], "units": [item.unit], "rounds": [item.round],
                 "items": [item.id]}
        if kind in ("talk", "suspension", "leadership_adjustment"):
            entry["to"] = units[item.unit].head
        elif kind == "recommendation":
            entry["to"] = rng.choice(departments)
        if rng.random() < 0.2:
            entry["internal"] = True
        raw.append(entry)
    raw.sort(key=lambda a: a["date"])
    for i, entry in enumerate(raw):
        action = {"id": f"A-2023-{i + 1:04d}", **entry}
        plan.actions.append(action)
        plan.events.append(ctx.event(action["date"], rng.choice(plan.staff), "ledger/actions.yaml",
                                     "action", subject=action["id"], record="actions"))


def _evaluations(ctx: Context, plan: Plan) -> None:
    rng = ctx.rng
    raw = []
    for rnd in plan.rounds:
        if rnd.deadline + 15 * DAY > END:
            continue
        for uid in rnd.units:
            raw.append({"unit": uid, "round": rnd.id, "date": rnd.deadline + DAY * rng.randint(5, 15),
                        "score": round(rng.uniform(60, 98), 1), "reasons": rng.choice(corpus.EVALUATION_REASONS)})
    raw.sort(key=lambda e: e["date"])
    for entry in raw:
        plan.evaluations.append(entry)
        plan.events.append(ctx.event(entry["date"], plan.director, "ledger/evaluations.yaml", "evaluation",
                                     subject=f"{entry['round']} {entry['unit']}", record="evaluations"))


def _bulletins(ctx: Context, plan: Plan) -> None:
    rng = ctx.rng
    friday = plan.rounds[0].feedback_date + DAY * ((4 - plan.rounds[0].feedback_date.weekday()) % 7)
    while friday <= END:
        year, week, _ = friday.isocalendar()
        notes = {"week": f"{year}-W{week:02d}",
                 "paragraphs": rng.sample(corpus.BULLETIN_PARAGRAPHS, rng.randint(1, 3)),
                 "next_steps": rng.sample(corpus.NEXT_STEPS, rng.randint(1, 2))}
        plan.bulletins.append(notes)
        plan.events.append(ctx.event(friday, plan.staff[0], f"ledger/bulletins/{notes['week']}.yaml",
                                     "bulletin", subject=notes["week"]))
        friday += 7 * DAY


def build_plan(scale: Scale, seed: int) -> Plan:
    """The whole plan of one scale; the same seed always gives the same plan."""
    ctx = Context(seed)
    director, staff, per_unit, leaders = _people(ctx, scale)
    units = _units(scale, per_unit)
    plan = Plan(scale, seed, director, staff, units, _rounds(ctx, scale, units), [])
    for path in (".gitignore", "ledger/ledger.yaml", "ledger/units.yaml"):
        plan.events.append(ctx.event(START, director, path, "init", subject=path.rsplit("/", 1)[-1]))
    for rnd in plan.rounds:
        plan.events.append(ctx.event(rnd.feedback_date, director, f"ledger/rounds/{rnd.id}.yaml", "round",
                                     subject=rnd.id))
    _items(ctx, plan, leaders)
    _actions(ctx, plan)
    _evaluations(ctx, plan)
    _bulletins(ctx, plan)
    return plan

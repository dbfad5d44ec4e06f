"""Lifecycle: the items of a round and the dated events of each item's life.

An item is opened (建账) a few days after the round's feedback, reported on most working days
(日报告), supervised now and then, its measures are done, then it is submitted (交账), verified
(核账: one in five is returned first and reworked), cleared (销号) by the office and sometimes
looked back on (回头看), where a few relapse. A few duplicates are withdrawn, merged into a sibling
item that refines the same feedback problem. Every record agrees with the status rules the
validator enforces, and every status change is a legal edge on a day of its own.
"""

from __future__ import annotations

import datetime as dt

import corpus
from corpus import fill
from entities import DAY, END, Context, Item, Person, Round, Unit, weekdays


def new_item(ctx: Context, rnd: Round, unit: Unit, number: int, fb_id: str, aspect: str,
             leaders: list[str]) -> Item:
    """An item's fixed fields: opened after the feedback, due within the deadline unless long-term."""
    rng = ctx.rng
    titles, problems, _ = corpus.ASPECTS[aspect]
    opened = rnd.feedback_date + DAY * rng.randint(2, 12)
    term = rng.choices(("immediate", "time_limited", "long_term"), (20, 65, 15))[0]
    span = (rnd.deadline - opened).days
    if term == "immediate":
        due = opened + DAY * min(span, rng.randint(15, 45))
    elif term == "time_limited":
        due = opened + DAY * rng.randint(min(30, span), span)
    else:
        due = rnd.deadline + DAY * rng.randint(90, 365)
    item = Item(f"{rnd.id}-{number:03d}", rnd.id, unit.id, [fb_id], aspect, rng.choice(titles),
                fill(rng, rng.choice(problems)), rng.choices(("individual", "common"), (85, 15))[0],
                rng.sample(corpus.TAGS, rng.randint(0, 2)), term, opened, due, rng.choice(leaders),
                rng.choice(corpus.SECTIONS))
    if rng.random() < 0.1:
        item.internal_note = "该问题涉及的问题线索已移交县纪委监委处置"
    return item


def items_of_round(ctx: Context, rnd: Round, quota: int, units: dict[str, Unit],
                   leaders: list[str]) -> list[Item]:
    """Feedback problems for the round, each refined into one to four items (全部认领)."""
    rng, items = ctx.rng, []
    per_unit = [quota // len(rnd.units) + (i < quota % len(rnd.units)) for i in range(len(rnd.units))]
    for uid, remaining in zip(rnd.units, per_unit):
        while remaining > 0:
            aspect = rng.choice(rnd.aspects)
            fb_id = f"{rnd.id}-F{len(rnd.feedback) + 1:03d}"
            rnd.feedback.append((fb_id, aspect, uid, fill(rng, rng.choice(corpus.ASPECTS[aspect][1]))))
            for _ in range(min(remaining, rng.randint(1, 4))):
                items.append(new_item(ctx, rnd, units[uid], len(items) + 1, fb_id, aspect, leaders))
                remaining -= 1
    return items


def _add(ctx: Context, item: Item, date: dt.date, author: Person, kind: str, *,
         record: str = "", payload: dict | None = None, status: str = "", measure: int = -1) -> None:
    """Add one event to the item's life, unless it falls after the end of the year."""
    if date > END:
        return
    item.events.append(ctx.event(date, author, item.path, kind, subject=item.id, record=record,
                                 status=status, measure=measure))
    if record:
        item.records[record].append(payload or {})


def _measures(ctx: Context, item: Item, t_sub: dt.date) -> None:
    """Two to five measures, all done before the submission (those done after ``END`` are not)."""
    rng = ctx.rng
    texts = corpus.ASPECTS[item.aspect][2]
    k = rng.randint(2, 5)
    dues = sorted(ctx.between(item.opened + 7 * DAY, item.due) for _ in range(k))
    dones = sorted(ctx.between(item.opened + 2 * DAY, t_sub - DAY) for _ in range(k))
    for i in range(k):
        done = dones[i] if dones[i] <= END else None
        item.measures.append({"id": f"M{i + 1}", "text": fill(rng, texts[i % len(texts)]),
                              "owner": rng.choice(corpus.SECTIONS), "due": dues[i], "done": done})


def _reports(ctx: Context, item: Item, unit: Unit, a: dt.date, b: dt.date, n: int, status: str) -> None:
    """``n`` reports on working days from ``a`` to ``b``; the first sets ``status`` (if given)."""
    days = weekdays(a, b)
    if not days or n <= 0:
        return
    picks = sorted(ctx.rng.sample(days, n) if n <= len(days) else ctx.rng.choices(days, k=n))
    picks[0] = days[0]  # a run of reports starts on its first day
    for i, day in enumerate(picks):
        _add(ctx, item, day, unit.liaison, "report", record="reports", status=status if i == 0 else "",
             payload={"date": day, "by": unit.liaison.name, "text": fill(ctx.rng, ctx.rng.choice(corpus.REPORTS))})


def _side_records(ctx: Context, item: Item, unit: Unit, t_sub: dt.date) -> None:
    """Measures done, supervision records and (sometimes) a mechanism, before the submission."""
    rng = ctx.rng
    for i, m in enumerate(item.measures):
        if m["done"] is not None:
            _add(ctx, item, m["done"], unit.liaison, "measure", measure=i)
    dates = sorted(ctx.between(item.opened + 3 * DAY, t_sub + 20 * DAY) for _ in range(rng.randint(1, 4)))
    for day in dates:
        method = rng.choice(tuple(corpus.SUPERVISION))
        payload = {"date": day, "method": method, "by": unit.inspector.name,
                   "note": fill(rng, rng.choice(corpus.SUPERVISION[method]))}
        if rng.random() < 0.15:
            payload["internal"] = True
        _add(ctx, item, day, unit.inspector, "supervision", record="supervision", payload=payload)
    if rng.random() < 0.3:
        day = ctx.between(item.opened + 5 * DAY, t_sub - DAY)
        _add(ctx, item, day, unit.liaison, "mechanism", record="mechanisms",
             payload={"date": day, "title": rng.choice(corpus.MECHANISMS)})


def _submit(ctx: Context, item: Item, unit: Unit, day: dt.date) -> None:
    rng = ctx.rng
    _add(ctx, item, day, unit.liaison, "submit", record="submissions", status="submitted",
         payload={"date": day, "by": unit.liaison.name, "text": rng.choice(corpus.SUBMISSIONS),
                  "evidence": rng.sample(corpus.EVIDENCE, rng.randint(1, 3))})


def _verify(ctx: Context, item: Item, day: dt.date, staff: Person, passed: bool) -> None:
    rng = ctx.rng
    payload = {"date": day, "by": staff.name, "result": "passed" if passed else "returned"}
    if not passed or rng.random() < 0.5:
        payload["note"] = rng.choice(corpus.PASS_NOTES if passed else corpus.RETURN_NOTES)
    _add(ctx, item, day, staff, "verify" if passed else "return", record="verifications",
         payload=payload, status="verified" if passed else "in_progress")


def live(ctx: Context, item: Item, unit: Unit, office: list[Person], director: Person) -> None:
    """The whole life of an item that is not withdrawn: events and records, cut at ``END``."""
    rng = ctx.rng
    _add(ctx, item, item.opened, unit.liaison, "open")
    window = (item.due - item.opened).days
    work = {"immediate": rng.randint(5, 20), "time_limited": int(window * rng.uniform(0.5, 1.15)),
            "long_term": int(window * rng.uniform(0.3, 0.8))}[item.term]
    # one in twelve items is slow to start reporting (the silent-unit alerts need some)
    start = item.opened + DAY * (rng.randint(10, 45) if rng.random() < 0.08 else rng.randint(1, 3))
    t_sub = max(item.opened + DAY * max(work, 6), start + 5 * DAY)
    _measures(ctx, item, t_sub)
    n = rng.randint(0, 6) if item.term == "immediate" else rng.randint(10, 30)
    _reports(ctx, item, unit, start, t_sub - DAY, n, "in_progress")
    _side_records(ctx, item, unit, t_sub)
    _submit(ctx, item, unit, t_sub)
    t_ver = t_sub + DAY * rng.randint(2, 10)
    if rng.random() < 0.2:
        _verify(ctx, item, t_ver, rng.choice(office), passed=False)
        t_resub = t_ver + DAY * rng.randint(7, 20)
        _reports(ctx, item, unit, t_ver + DAY, t_resub - DAY, rng.randint(2, 5), "")
        _submit(ctx, item, unit, t_resub)
        t_ver = t_resub + DAY * rng.randint(2, 8)
    _verify(ctx, item, t_ver, rng.choice(office), passed=True)
    t_clear = t_ver + DAY * rng.randint(2, 10)
    _add(ctx, item, t_clear, director, "clear", status="cleared")
    if rng.random() < 0.4:
        day = t_clear + DAY * rng.randint(30, 75)
        relapsed = rng.random() < 0.07
        notes = corpus.LOOKBACK_RELAPSED if relapsed else corpus.LOOKBACK_SUSTAINED
        staff = rng.choice(office)
        _add(ctx, item, day, staff, "relapse" if relapsed else "lookback", record="lookbacks",
             status="in_progress" if relapsed else "",
             payload={"date": day, "by": staff.name,
                      "result": "relapsed" if relapsed else "sustained", "note": rng.choice(notes)})


def withdraw(ctx: Context, item: Item, unit: Unit, into: Item, director: Person) -> bool:
    """The life of a duplicate merged into ``into``; False (nothing planned) when it would end after ``END``."""
    rng = ctx.rng
    day = max(item.opened, into.opened) + DAY * rng.randint(6, 20)
    if day > END:
        return False
    _add(ctx, item, item.opened, unit.liaison, "open")
    item.measures.append({"id": "M1", "text": fill(rng, corpus.ASPECTS[item.aspect][2][0]),
                          "owner": rng.choice(corpus.SECTIONS), "due": item.due, "done": None})
    _reports(ctx, item, unit, item.opened + DAY, day - DAY, rng.randint(1, 3), "in_progress")
    item.withdrawal = {"date": day, "by": director.name, "reason": "与同一反馈问题下的问题重复，予以合并",
                       "merged_into": into.id}
    _add(ctx, item, day, director, "withdraw", status="withdrawn")
    return True

"""The overview's "this week's changes" (本周变化): items opened, submitted, returned, cleared and
reopened from Monday to today in the ledger's time zone, each count linking to its list.

A git history is generated here: fourteen items walk random paths through the states, one commit
per step, around the as-of Friday (2023-08-18), with steps falling on the Sunday before midnight,
right after Monday 00:00 Beijing time (still Sunday in UTC) and after the as-of day. The expected
counts come from the script of steps, not from the package."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

from conftest import ROUND, SETTINGS, UNITS
from gitrepo import Repo
from test_site import build

BEIJING = dt.timezone(dt.timedelta(hours=8))
MONDAY, AS_OF = dt.date(2023, 8, 14), dt.date(2023, 8, 18)
PATH = ("open", "progress", "submit", "return", "submit", "clear", "reopen")
#: a step's kind in the overview (the steps that are no change of their own are left out)
COUNTED = {"open": "opened", "submit": "submitted", "return": "returned", "clear": "cleared", "reopen": "reopened"}


def item_yaml(n: int, state: dict) -> str:
    unit, feedback = ("agri-bureau", "2023-R2-F01") if n % 2 else ("east-town", "2023-R2-F02")
    done = f", done: {state['done']}" if state.get("done") else ""
    lines = [f"id: 2023-R2-{n:03d}", "round: 2023-R2", f"feedback: [{feedback}]", f"unit: {unit}",
             f"aspect: {'资金项目管理' if n % 2 else '防汛救灾'}", f"title: 第{n}号问题", "problem: 生成的问题。",
             "term: time_limited", "opened: 2023-07-31", "due: 2023-10-15", "leader: 王某某", "department: 办公室",
             "measures:", f"  - {{id: M1, text: 整改, owner: 办公室, due: 2023-09-30{done}}}", f"status: {state['status']}"]
    for key in ("reports", "submissions", "verifications", "lookbacks"):
        if state[key]:
            lines += [f"{key}:", *(f"  - {r}" for r in state[key])]
    return "\n".join(lines) + "\n"


def step(state: dict, kind: str, day: dt.date) -> None:
    if kind == "open":
        state["status"] = "open"
    elif kind == "progress":
        state["reports"].append(f"{{date: {day}, by: 单位, text: 推进中}}")
        state["status"] = "in_progress"
    elif kind == "submit":
        state["submissions"].append(f"{{date: {day}, by: 李某, text: 已完成}}")
        state["status"] = "submitted"
    elif kind == "return":
        state["verifications"].append(f"{{date: {day}, by: 赵某, result: returned, note: 材料不全}}")
        state["status"] = "in_progress"
    elif kind == "clear":
        state["verifications"].append(f"{{date: {day}, by: 赵某, result: passed}}")
        state["done"] = state.get("done") or day
        state["status"] = "cleared"
    elif kind == "reopen":
        state["lookbacks"].append(f"{{date: {day}, by: 钱某, result: relapsed, note: 问题反弹}}")
        state["status"] = "in_progress"


def generated_history(root: Path, seed: int) -> tuple[Repo, dict[str, set[str]]]:
    """The repository and, for each kind, the items that changed that way from Monday to the as-of day."""
    rng = random.Random(seed)
    events: list[tuple[dt.datetime, int, str]] = []
    for n in range(1, 15):
        when = dt.datetime(2023, 8, rng.randint(7, 15), rng.randint(8, 18), rng.randint(0, 59), tzinfo=BEIJING)
        for kind in PATH[:rng.randint(1, len(PATH))]:
            events.append((when, n, kind))
            when += dt.timedelta(hours=rng.choice((5, 13, 20, 30)))
    # steps on both sides of the week's start and of the as-of day's end, on purpose
    edges = [dt.datetime(2023, 8, 13, 23, 50, tzinfo=BEIJING), dt.datetime(2023, 8, 14, 0, 20, tzinfo=BEIJING),
             dt.datetime(2023, 8, 18, 23, 40, tzinfo=BEIJING), dt.datetime(2023, 8, 19, 0, 10, tzinfo=BEIJING)]
    for n, when in zip((15, 16, 17, 18), edges):
        events.append((when, n, "open"))
    events.sort()
    repo = Repo(root)
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND)
    repo.commit("轮次", "2023-07-31T09:00:00+08:00", author="监督办 王某")
    states: dict[int, dict] = {}
    expected: dict[str, set[str]] = {k: set() for k in COUNTED.values()}
    for k, (when, n, kind) in enumerate(events):
        when += dt.timedelta(seconds=k)                    # strictly increasing commit times
        state = states.setdefault(n, {"reports": [], "submissions": [], "verifications": [], "lookbacks": []})
        step(state, kind, when.date())
        repo.write(f"ledger/issues/2023-R2/2023-R2-{n:03d}.yaml", item_yaml(n, state))
        repo.commit(f"{n} {kind}", when.isoformat(), author="监督办 王某")
        if kind in COUNTED and MONDAY <= when.date() <= AS_OF:
            expected[COUNTED[kind]].add(f"2023-R2-{n:03d}")
    return repo, expected


def week_block(html: str) -> str:
    start = html.index('id="rl-week-block"')
    return html[start:html.index("</div>", start)]


def test_this_weeks_changes_match_a_count_of_the_generated_history(capsys, tmp_path):
    repo, expected = generated_history(tmp_path / "repo", seed=16)
    assert all(expected.values()), expected            # the seed gives every kind at least once
    code, out, err = build(capsys, repo, tmp_path / "site")
    assert code == 0, out + err
    block = week_block((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert "2023-08-14" in block and "2023-08-18" in block
    shown = dict(re.findall(r'data-figure="week_([a-z]+)">(\d+)<', block))
    assert {k: int(v) for k, v in shown.items()} == {k: len(v) for k, v in expected.items()}
    for kind, ids in expected.items():
        # the count links to its list, and the list names exactly those items
        assert f'<a href="#rl-week-{kind}" data-figure="week_{kind}">' in block
        body = block[block.index(f'<tbody id="rl-week-{kind}">'):]
        body = body[:body.index("</tbody>")]
        assert set(re.findall(r'<a href="items/(2023-R2-\d+)\.html">', body)) == ids, kind
    # Sunday 23:50 and Saturday 00:10 are outside the week; Monday 00:20 and Friday 23:40 inside
    assert "2023-R2-015" not in block and "2023-R2-018" not in block
    assert {"2023-R2-016", "2023-R2-017"} <= expected["opened"]


def test_a_quiet_week_shows_zeros_without_links(capsys, tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND)
    state = {"reports": [], "submissions": [], "verifications": [], "lookbacks": [], "status": "open"}
    for n in (1, 2):
        repo.write(f"ledger/issues/2023-R2/2023-R2-{n:03d}.yaml", item_yaml(n, state))
    repo.commit("建账", "2023-08-01T09:00:00+08:00", author="监督办 王某")
    code, out, err = build(capsys, repo, tmp_path / "site")
    assert code == 0, out + err
    block = week_block((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert dict(re.findall(r'data-figure="week_([a-z]+)">(\d+)<', block)) == {k: "0" for k in COUNTED.values()}
    assert "rl-week-list" not in block and "本周尚无变化" in block

"""The weekly bulletin (每周情况通报) on real git repositories with fixed dates: every section's figures
against a hand-built history, week boundaries in Beijing time, the year's numbering, rebuilds of
past weeks after later commits, the Word documents read back, reminder letters for exactly the
lagging units, the CLI, the public build, and the example site's archive."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml

from conftest import rectify
from gitrepo import Repo
from site_builder.ledger.audience import redact
from site_builder.bulletin.builder import BulletinBuilder, build_bulletin
from site_builder.bulletin.weeks import WeekError, issue_number, last_complete_week, parse_week, week_bounds, week_of
from site_builder.bulletin.word import bulletin_docx, reminder_letters
from site_builder.bulletin.pages import bulletin_markdown, bulletin_pages
from site_builder.history.timeline import open_history
from site_builder.ledger.load import load_ledger

CST = dt.timezone(dt.timedelta(hours=8))

SETTINGS = """\
organisation: 测试县委
office: 测试县巡视巡察整改监督工作办公室
thresholds:
  silent_days: 3
  due_soon_days: 7
  lag_margin: 20.0
"""

UNITS = """\
units:
  - {id: agri-bureau, name: 县农业农村局, category: county_department, supervisor: 第三派驻纪检监察组, head: 刘某某}
  - {id: east-town, name: 东关镇, category: township, supervisor: 东关镇纪委}
  - {id: water-bureau, name: 县水利局, category: county_department, supervisor: 第三派驻纪检监察组}
  - {id: west-river, name: 西河乡, category: township, supervisor: 西河乡纪委}
"""

# 2023-06-16 → 2023-08-15: 60 days, so on Sunday 2023-07-16 (end of 2023-W28) time progress is 50.0%
ROUND = """\
id: 2023-R3
name: 测试专项巡察
level: county
kind: special
feedback_date: 2023-06-16
deadline: 2023-08-15
aspects: [资金管理]
units: [agri-bureau, east-town, water-bureau, west-river]
feedback:
  - {id: F01, aspect: 资金管理, unit: agri-bureau, text: 项目资金管理不规范}
  - {id: F02, aspect: 资金管理, unit: east-town, text: 惠农资金发放不及时}
  - {id: F03, aspect: 资金管理, unit: water-bureau, text: 水利项目验收不严}
  - {id: F04, aspect: 资金管理, unit: west-river, text: 集体资产管理不善}
"""

FEEDBACK = {"agri-bureau": "F01", "east-town": "F02", "water-bureau": "F03", "west-river": "F04"}


class Ledger:
    """The ledger of the hand-built history, edited as data and committed as YAML."""

    def __init__(self, repo: Repo):
        self.repo = repo
        self.items: dict[str, dict] = {}
        self.actions: list[dict] = []

    def item(self, iid: str, unit: str, opened: str, due: str, measure_due: str, status: str = "in_progress",
             **records) -> dict:
        self.items[iid] = {
            "id": iid, "round": "2023-R3", "feedback": [FEEDBACK[unit]], "unit": unit, "aspect": "资金管理",
            "title": f"问题{iid}", "problem": f"问题{iid}的描述", "term": "time_limited", "opened": opened,
            "due": due, "leader": "王某某", "department": "办公室",
            "measures": [{"id": "M1", "text": f"措施{iid}", "owner": "办公室", "due": measure_due}],
            "status": status, **records}
        return self.items[iid]

    def add(self, iid: str, kind: str, **record) -> None:
        self.items[iid].setdefault(kind, []).append(record)

    def status(self, iid: str, status: str) -> None:
        self.items[iid]["status"] = status

    def done(self, iid: str, day: str) -> None:
        self.items[iid]["measures"][0]["done"] = day

    def action(self, aid: str, kind: str, day: str, units: list[str], **extra) -> None:
        self.actions.append({"id": aid, "kind": kind, "date": day, "title": f"{kind} {aid}", "units": units, **extra})

    def commit(self, when: str, author: str = "东关镇 张某", notes: dict | None = None) -> str:
        for iid, data in self.items.items():
            self.repo.write(f"ledger/issues/2023-R3/{iid}.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        if self.actions:
            self.repo.write("ledger/actions.yaml", yaml.safe_dump({"actions": self.actions}, allow_unicode=True, sort_keys=False))
        for week, text in (notes or {}).items():
            self.repo.write(f"ledger/bulletins/{week}.yaml", text)
        return self.repo.commit(f"update {when}", when, author=author)


NOTES_W28 = """\
week: 2023-W28
paragraphs:
  - 本周对东关镇逾期措施开展电话催办。
next_steps: [督促县水利局加快整改。]
"""


def make_history(root: Path) -> Repo:
    """2023-W25 … 2023-W29: a setup commit, a quiet week 27 of clearances, a busy week 28, and the
    first hours of week 29 (a commit at Monday 00:00 Beijing time and one stamped in UTC)."""
    repo = Repo(root)
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R3.yaml", ROUND)
    led = Ledger(repo)
    report = lambda day, by: {"date": day, "by": by, "text": "推进整改"}  # noqa: E731
    for iid, unit in (("A1", "agri-bureau"), ("A2", "agri-bureau"), ("E2", "east-town"), ("E3", "east-town"),
                      ("W1", "water-bureau"), ("S1", "west-river"), ("S2", "west-river")):
        due, mdue = {"W1": ("2023-08-10", "2023-07-20"), "S2": ("2023-08-10", "2023-08-01")}.get(iid, ("2023-08-10", "2023-08-05"))
        led.item(iid, unit, "2023-06-20", due, mdue, reports=[report("2023-06-20", unit)])
    led.commit("2023-06-20T09:00:00+08:00", author="监督办 王某")
    repo.first = "2023-W25"

    # week 27: E3, E2, S1 cleared; A1 verified
    submission = lambda day: {"date": day, "by": "单位 张某", "text": "已完成整改", "evidence": ["材料"]}  # noqa: E731
    passed = lambda day: {"date": day, "by": "监督办 赵某", "result": "passed"}  # noqa: E731
    for iid in ("E3", "E2", "S1", "A1"):
        led.done(iid, "2023-07-03")
        led.add(iid, "submissions", **submission("2023-07-03"))
        led.status(iid, "submitted")
    led.commit("2023-07-03T10:00:00+08:00")
    for iid in ("E3", "E2", "S1", "A1"):
        led.add(iid, "verifications", **passed("2023-07-04"))
        led.status(iid, "verified")
    led.action("A-1", "governance", "2023-07-05", [])
    led.commit("2023-07-04T10:00:00+08:00", author="监督办 赵某")
    led.status("E3", "cleared")
    led.commit("2023-07-05T10:00:00+08:00", author="监督办 赵某")
    led.status("E2", "cleared")
    led.status("S1", "cleared")
    led.commit("2023-07-07T10:00:00+08:00", author="监督办 赵某")
    led.add("S2", "reports", **report("2023-07-08", "西河乡"))
    led.commit("2023-07-08T10:00:00+08:00", author="西河乡 孙某")

    # week 28 (2023-07-10 … 2023-07-16)
    led.item("E1", "east-town", "2023-07-10", "2023-07-15", "2023-07-14", reports=[report("2023-07-10", "东关镇")])
    led.add("S2", "supervision", date="2023-07-09", method="phone", by="西河乡纪委", note="周日电话催办")   # dated last week
    led.add("A2", "supervision", date="2023-07-10", method="documents", by="第三派驻纪检监察组", note="查阅台账")
    led.commit("2023-07-10T09:00:00+08:00", author="监督办 王某")
    led.done("A2", "2023-07-11")
    led.add("A2", "submissions", **submission("2023-07-11"))
    led.status("A2", "submitted")
    led.add("W1", "supervision", date="2023-07-11", method="on_site", by="第三派驻纪检监察组", note="实地查看")
    led.action("A-2", "talk", "2023-07-11", ["east-town"], to="东关镇党委书记 CANARY-to")
    led.commit("2023-07-11T10:00:00+08:00")
    led.status("A1", "cleared")
    led.commit("2023-07-12T10:00:00+08:00", author="监督办 赵某")
    led.add("A2", "verifications", date="2023-07-13", by="监督办 赵某", result="returned", note="佐证材料不全")
    led.add("A2", "reports", **report("2023-07-13", "县农业农村局"))
    led.status("A2", "in_progress")
    led.add("W1", "supervision", date="2023-07-13", method="phone", by="第三派驻纪检监察组", note="电话催办")
    led.commit("2023-07-13T10:00:00+08:00", author="监督办 赵某")
    led.add("E2", "lookbacks", date="2023-07-14", by="监督办 赵某", result="relapsed", note="问题反弹")
    led.status("E2", "in_progress")
    led.add("W1", "reports", **report("2023-07-14", "县水利局"))
    led.action("A-3", "reminder_letter", "2023-07-14", ["water-bureau"])
    led.commit("2023-07-14T10:00:00+08:00", author="监督办 赵某")
    led.add("E1", "reports", **report("2023-07-15", "东关镇"))
    led.commit("2023-07-15T10:00:00+08:00")
    led.add("W1", "supervision", date="2023-07-16", method="on_site", by="第三派驻纪检监察组", note="周日实地查看")
    repo.sunday_2359 = led.commit("2023-07-16T23:59:00+08:00", author="第三派驻纪检监察组 钱某")

    # week 29 begins: Monday 00:00 Beijing time, then a commit stamped in UTC (Monday 00:30 in Beijing)
    led.add("S2", "reports", **report("2023-07-16", "西河乡"))          # dated in week 28, committed in week 29
    led.add("S2", "submissions", **submission("2023-07-17"))
    led.done("S2", "2023-07-16")
    led.status("S2", "submitted")
    repo.monday_0000 = led.commit("2023-07-17T00:00:00+08:00", author="西河乡 孙某")
    led.done("W1", "2023-07-16")
    led.add("W1", "submissions", **submission("2023-07-16"))
    led.status("W1", "submitted")
    repo.monday_utc = led.commit("2023-07-16T16:30:00+00:00", author="县水利局 周某")
    led.commit("2023-07-17T10:00:00+08:00", author="监督办 王某", notes={"2023-W28": NOTES_W28})
    led.commit("2023-07-18T10:00:00+08:00", author="监督办 王某",
               notes={"2023-W28": NOTES_W28.replace("next_steps:", "  - 周二补写的段落。\nnext_steps:")})
    repo.ledger = led
    return repo


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory) -> Repo:
    return make_history(tmp_path_factory.mktemp("bulletin") / "repo")


@pytest.fixture(scope="module")
def w28(history_repo):
    with open_history(history_repo.root) as h:
        b, problems = build_bulletin(h, "2023-W28")
    assert problems == []
    return b


def ids(refs) -> list[str]:
    return [r.item for r in refs]


# ---------------------------------------------------------------- weeks and numbering

def test_week_bounds_are_monday_to_monday_in_beijing_time():
    start, end = week_bounds("2023-W28")
    assert start == dt.datetime(2023, 7, 10, tzinfo=CST) and end == dt.datetime(2023, 7, 17, tzinfo=CST)
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert week_of(dt.datetime(2023, 7, 16, 23, 59, tzinfo=CST)) == "2023-W28"
    assert week_of(dt.datetime(2023, 7, 17, 0, 0, tzinfo=CST)) == "2023-W29"
    assert week_of(dt.datetime(2023, 7, 16, 16, 30, tzinfo=dt.timezone.utc)) == "2023-W29"   # Monday 00:30 in Beijing
    assert week_of(dt.datetime(2023, 7, 16, 16, 30, tzinfo=dt.timezone.utc), "UTC") == "2023-W28"
    assert week_bounds("2024-W01")[0] == dt.datetime(2024, 1, 1, tzinfo=CST)
    assert week_bounds("2023-W52") == (dt.datetime(2023, 12, 25, tzinfo=CST), dt.datetime(2024, 1, 1, tzinfo=CST))
    assert week_bounds("2020-W53")[0] == dt.datetime(2020, 12, 28, tzinfo=CST)


def test_last_complete_week():
    assert last_complete_week(dt.datetime(2023, 7, 17, 0, 0, tzinfo=CST)) == "2023-W28"
    assert last_complete_week(dt.datetime(2023, 7, 16, 23, 59, tzinfo=CST)) == "2023-W27"
    assert last_complete_week(dt.datetime(2023, 7, 16, 16, 0, tzinfo=dt.timezone.utc)) == "2023-W28"
    assert last_complete_week(dt.date(2024, 1, 3)) == "2023-W52"
    assert last_complete_week(dt.date(2024, 1, 8)) == "2024-W01"


@pytest.mark.parametrize("bad,code", [("2023-28", "bulletin.bad_week"), ("2023-W1", "bulletin.bad_week"),
                                      ("23-W28", "bulletin.bad_week"), ("2023-W53", "bulletin.no_such_week"),
                                      ("2023-W00", "bulletin.no_such_week")])
def test_bad_weeks(bad, code):
    with pytest.raises(WeekError) as exc:
        parse_week(bad)
    assert exc.value.code == code


def test_issue_numbers_count_every_week_and_restart_with_the_year():
    assert issue_number("2023-W25", "2023-W25") == 1
    assert issue_number("2023-W28", "2023-W25") == 4
    assert issue_number("2024-W01", "2023-W25") == 1
    assert issue_number("2024-W05", "2023-W25") == 5


def test_year_boundary_on_a_real_history(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R3.yaml", ROUND.replace("2023-08-15", "2024-03-31"))
    led = Ledger(repo)
    led.item("A1", "agri-bureau", "2023-12-20", "2024-03-01", "2024-02-01", status="open")
    led.commit("2023-12-20T09:00:00+08:00")                                   # 2023-W51: the first commit
    led.status("A1", "in_progress")
    led.add("A1", "reports", date="2023-12-31", by="县农业农村局", text="开始整改")
    led.commit("2023-12-31T23:30:00+08:00")                                   # Sunday of 2023-W52
    led.add("A1", "supervision", date="2024-01-01", method="phone", by="监督办", note="元旦电话催办")
    led.commit("2023-12-31T16:30:00+00:00")                                   # 2024-01-01 00:30 in Beijing
    with open_history(repo.root) as h:
        builder = BulletinBuilder(h)
        b51, b52, b01, b02 = (builder.build(w)[0] for w in ("2023-W51", "2023-W52", "2024-W01", "2024-W02"))
        assert builder.build("2023-W50")[1][0].code == "bulletin.before_history"
        assert builder.weeks_until(dt.date(2024, 1, 10)) == ["2023-W51", "2023-W52", "2024-W01"]
    assert [(b.year, b.number) for b in (b51, b52, b01, b02)] == [(2023, 1), (2023, 2), (2024, 1), (2024, 2)]
    assert (b52.issue_date, b01.start, b01.end) == (dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 7))
    assert ids(b52.changes.opened) == [] and [(r.item, r.date) for r in b51.changes.opened] == [("A1", dt.date(2023, 12, 20))]
    assert b52.supervision_total == 0 and b01.supervision_total == 1      # the UTC-stamped commit is 2024's
    assert "2024年第1期" in bulletin_markdown(b01)


# ---------------------------------------------------------------- the sections, against the hand-built history

def test_header_and_numbering(w28, history_repo):
    assert (w28.week, w28.year, w28.number) == ("2023-W28", 2023, 4)         # W25, W26, W27, W28
    assert (w28.start, w28.end, w28.issue_date) == (dt.date(2023, 7, 10), dt.date(2023, 7, 16), dt.date(2023, 7, 17))
    assert w28.commit == history_repo.sunday_2359
    assert w28.commits_in_week == 7
    assert w28.office == "测试县巡视巡察整改监督工作办公室"


def test_overall_progress(w28):
    (r,) = w28.rounds
    assert (r.round_id, r.total, r.cleared, r.active, r.completion_rate, r.time_progress) == ("2023-R3", 8, 3, 5, 37.5, 50.0)
    assert r.task_progress == 37.5


def test_this_weeks_changes(w28):
    c = w28.changes
    assert ids(c.opened) == ["E1"]
    assert ids(c.submitted) == ["A2"]
    assert [(r.item, r.date, r.detail) for r in c.returned] == [("A2", dt.date(2023, 7, 13), "佐证材料不全")]
    assert [(r.item, r.date) for r in c.cleared] == [("A1", dt.date(2023, 7, 12))]
    assert [(r.item, r.unit_name) for r in c.reopened] == [("E2", "东关镇")]
    assert c.counts() == {"opened": 1, "submitted": 1, "returned": 1, "cleared": 1, "reopened": 1}


def test_overdue_and_due_soon_as_of_sunday(w28):
    assert [(r.item, r.date, r.days) for r in w28.overdue_items] == [("E1", dt.date(2023, 7, 15), 1)]
    assert [(r.item, r.detail, r.days) for r in w28.overdue_measures] == [("E1", "M1 措施E1", 2)]
    assert [(r.item, r.date, r.days) for r in w28.due_soon] == [("W1", dt.date(2023, 7, 20), 4)]


def test_units_that_did_not_report(w28):
    # west-river's report dated Sunday was committed on Monday 00:00: not in the ledger as of Sunday 24:00
    assert [(s.unit, s.owing, s.last_report, s.days) for s in w28.silent] == [("west-river", 1, dt.date(2023, 7, 8), 8)]


def test_supervision_by_method(w28):
    # records dated in the week, including the one committed at Sunday 23:59; not the one dated the Sunday before
    assert dict(w28.supervision) == {"phone": 1, "hearing": 0, "talk": 0, "documents": 1, "visit": 0, "on_site": 2}
    assert w28.supervision_total == 4


def test_actions_in_the_week(w28):
    assert dict(w28.action_counts) == {"talk": 1, "reminder_letter": 1, "suspension": 0, "recommendation": 0,
                                       "governance": 0, "leadership_adjustment": 0}
    assert [(a.id, a.units) for a in w28.actions] == [("A-2", ("东关镇",)), ("A-3", ("县水利局",))]


def test_ranking_by_completion_then_score(w28):
    assert [(r.rank, r.unit, r.completion_rate) for r in w28.ranking] == [
        (1, "agri-bureau", 50.0), (2, "west-river", 50.0), (3, "east-town", 33.3), (4, "water-bureau", 0.0)]
    assert w28.ranking[0].proposed_score > w28.ranking[1].proposed_score      # the tie broken by the rubric


def test_office_notes_as_they_stood_at_the_end_of_the_issue_day(w28):
    assert w28.notes == ("本周对东关镇逾期措施开展电话催办。",)                  # not Tuesday's added paragraph
    assert w28.next_steps == ("督促县水利局加快整改。",)


def test_neighbouring_weeks(history_repo):
    with open_history(history_repo.root) as h:
        builder = BulletinBuilder(h)
        w27, _ = builder.build("2023-W27")
        w29, _ = builder.build("2023-W29")
    assert set(ids(w27.changes.cleared)) == {"E3", "E2", "S1"} and ids(w27.changes.cleared)[0] == "E3"
    assert set(ids(w27.changes.submitted)) == {"E3", "E2", "S1", "A1"} and not w27.changes.opened
    assert w27.rounds[0].cleared == 3 and w27.rounds[0].time_progress == 38.3
    assert w27.notes == () and dict(w27.action_counts)["governance"] == 1
    # the Monday 00:00 commit and the UTC-stamped one belong to week 29
    assert ids(w29.changes.submitted) == ["S2", "W1"]
    assert w29.commits_in_week == 4
    assert week_of(next(c for c in h.commits if c.sha == history_repo.monday_utc).committed) == "2023-W29"


def test_reminder_letters_for_exactly_the_lagging_units(w28):
    reasons = {u.unit: [r.kind for r in u.reasons] for u in w28.lagging}
    assert reasons == {"east-town": ["overdue"], "water-bureau": ["behind"], "west-river": ["silent"]}
    water = next(u for u in w28.lagging if u.unit == "water-bureau")
    assert (water.reasons[0].completion, water.reasons[0].time_progress, water.reasons[0].gap) == (0.0, 50.0, 50.0)
    east = next(u for u in w28.lagging if u.unit == "east-town")
    assert east.reasons[0].items == ("E1",) and len(east.overdue) == 2      # the item and its measure
    letters = reminder_letters(w28)
    assert sorted(letters) == ["2023-W28-reminder-east-town.docx", "2023-W28-reminder-water-bureau.docx",
                               "2023-W28-reminder-west-river.docx"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(letters["2023-W28-reminder-west-river.docx"])).paragraphs)
    assert "整改提醒函" in text and "西河乡：" in text and "已8天未报告整改进展（最近一次为2023-07-08）" in text
    assert "测试县巡视巡察整改监督工作办公室" in text and "2023年7月17日" in text
    assert reminder_letters(w28) == letters                                 # byte-identical


def test_thresholds_decide_who_lags(history_repo):
    """Each criterion moves with its threshold, read from the settings as they stood that week."""
    with open_history(history_repo.root) as h:
        builder = BulletinBuilder(h)
        base, _ = builder.build("2023-W28")
        ledger, _ = builder.ledger(builder.commit_at(dt.datetime(2023, 7, 17, tzinfo=CST) - dt.timedelta(microseconds=1)))
    from site_builder.bulletin.figures import WeekFigures
    strict = ledger.settings.thresholds.model_copy(update={"lag_margin": 10.0, "silent_days": 2})
    w = WeekFigures(ledger, ledger, ledger, dt.date(2023, 7, 10), dt.date(2023, 7, 16), CST)
    lagging = {u.unit: [r.kind for r in u.reasons] for u in w.lagging(strict, base.rounds)}
    # east-town 33.3% is 16.7 points behind 50%: over a 10-point margin; agri-bureau last reported 3 days before
    assert lagging == {"agri-bureau": ["silent"], "east-town": ["behind", "overdue"], "water-bureau": ["behind"],
                       "west-river": ["silent"]}


# ---------------------------------------------------------------- outputs

def test_markdown_page(w28):
    md = bulletin_markdown(w28, links=True, item_links={"E1"}, unit_links={"east-town"})
    assert md.startswith('---\ntitle: "每周情况通报 2023年第4期（2023-W28）"\n---\n')
    assert "## 一、整改总体进展" in md and "## 九、工作情况和下一步安排" in md
    assert '<td data-figure="completion">37.5%</td>' in md and '<td data-figure="reopened">1</td>' in md
    assert '<a href="../items/E1.html">E1</a>' in md and '<a href="2023-W28.docx">' in md
    assert "CANARY-to" in md                                               # internal: the talk's addressee
    plain = bulletin_markdown(w28)
    assert "<a " not in plain


def test_docx_read_back(w28):
    d = docx.Document(io.BytesIO(bulletin_docx(w28)))
    paras = [p for p in d.paragraphs]
    title = paras[0]
    assert title.text == "每周情况通报" and title.runs[0].font.color.rgb is not None
    assert str(title.runs[0].font.color.rgb) == "E00000"
    assert paras[1].text == "第4期"
    assert paras[2].text == "测试县巡视巡察整改监督工作办公室\t2023年7月17日"
    headings = [p.text for p in paras if re.match(r"^[一二三四五六七八九]、", p.text)]
    assert headings == ["一、整改总体进展", "二、本周整改动态", "三、逾期和临期情况", "四、未按时报告整改进展的单位",
                        "五、本周日常监督情况", "六、本周成果运用与问责", "七、单位整改进度排名",
                        "八、整改滞后单位（附提醒函）", "九、工作情况和下一步安排"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    rounds = tables[0]
    assert rounds[1][:7] == ["测试专项巡察", "8", "3", "5", "37.5%", "50.0%", "37.5%"]
    changes = tables[1]
    assert changes == [["新建账", "交账", "核账退回", "销号", "反弹重新整改"], ["1", "1", "1", "1", "1"]]
    supervision = next(t for t in tables if t[0][0] == "电话催办")
    assert supervision[1] == ["1", "0", "0", "1", "0", "2"]
    ranking = next(t for t in tables if t[0][0] == "名次")
    assert [row[1] for row in ranking[1:]] == ["县农业农村局", "西河乡", "东关镇", "县水利局"]
    assert "本周对东关镇逾期措施开展电话催办。" in [p.text for p in paras]
    assert d.core_properties.created == dt.datetime(2023, 7, 17, tzinfo=dt.timezone.utc)


def test_rebuilding_a_past_week_after_later_commits_gives_the_same_files(tmp_path, capsys):
    repo = make_history(tmp_path / "repo")
    args = ["bulletin", str(repo.root / "ledger"), "--week", "2023-W28", "--no-cache"]
    code, out, _ = rectify(capsys, *args, "--out", str(tmp_path / "first"))
    assert code == 0, out
    assert "已生成 2023-W28 每周情况通报（2023年第4期" in out and "整改提醒函 3 份：东关镇、县水利局、西河乡" in out
    # later: a record dated in week 28 added in week 30, the week's notes edited again, more changes
    led = repo.ledger
    led.add("A2", "supervision", date="2023-07-12", method="talk", by="监督办", note="补记的谈话")
    led.add("E1", "reports", date="2023-07-24", by="东关镇", text="继续整改")
    led.commit("2023-07-25T10:00:00+08:00")
    led.status("E2", "submitted")
    led.add("E2", "submissions", date="2023-07-31", by="东关镇 张某", text="再次整改完成")
    led.commit("2023-07-31T10:00:00+08:00", notes={"2023-W28": NOTES_W28.replace("电话催办", "实地督办")})
    code, _, _ = rectify(capsys, *args, "--out", str(tmp_path / "again"))
    assert code == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    again = {p.name: p.read_bytes() for p in (tmp_path / "again").iterdir()}
    assert sorted(first) == ["2023-W28-reminder-east-town.docx", "2023-W28-reminder-water-bureau.docx",
                             "2023-W28-reminder-west-river.docx", "2023-W28.docx", "2023-W28.md"]
    assert first == again


def test_cli_usage_and_problems(tmp_path, capsys, history_repo):
    ledger = str(history_repo.root / "ledger")
    with pytest.raises(SystemExit) as exc:
        rectify(capsys, "bulletin", ledger, "--week", "2023-28")
    assert exc.value.code == 2
    assert "周次“2023-28”格式不对，应为 YYYY-Www，如 2023-W28。" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        rectify(capsys, "bulletin", ledger, "--week", "2023-W53")
    assert "2023年没有第53周" in capsys.readouterr().err
    code, out, err = rectify(capsys, "bulletin", ledger, "--week", "2023-W20", "--out", str(tmp_path / "o"), "--no-cache")
    assert code == 1 and "2023-W20 早于台账的第一次提交（2023-W25）" in out
    # the default week is the last complete one; the ledger then is the last commit's
    code, out, _ = rectify(capsys, "bulletin", ledger, "--out", str(tmp_path / "d"), "--no-cache")
    week = last_complete_week(dt.datetime.now(dt.timezone.utc))
    assert code == 0 and (tmp_path / "d" / f"{week}.docx").exists()


def test_a_week_whose_ledger_does_not_load(tmp_path, capsys):
    repo = make_history(tmp_path / "repo")
    repo.write("ledger/issues/2023-R3/W1.yaml", (repo.root / "ledger/issues/2023-R3/W1.yaml").read_text(encoding="utf-8")
               .replace("status: submitted", "status: submitted\n\tbad: tab"))
    sha = repo.commit("broken", "2023-07-19T10:00:00+08:00")
    code, out, err = rectify(capsys, "bulletin", str(repo.root / "ledger"), "--week", "2023-W29", "--no-cache",
                             "--out", str(tmp_path / "o"))
    assert code == 1
    assert re.search(rf"^ledger/issues/2023-R3/W1\.yaml:\d+:\d+ \(提交 {sha[:10]}\): ", out, re.M), out
    assert "未生成 2023-W29 的每周情况通报。" in err
    assert not (tmp_path / "o").exists()
    code, _, _ = rectify(capsys, "bulletin", str(repo.root / "ledger"), "--week", "2023-W28", "--no-cache",
                         "--out", str(tmp_path / "o"))
    assert code == 0                                                        # an earlier week still builds


def test_public_pages_leak_nothing_internal(history_repo):
    full, problems = load_ledger(history_repo.root / "ledger")
    assert problems == []
    with open_history(history_repo.root) as h:
        pages = bulletin_pages(h)(redact(full), full, dt.date(2023, 7, 20), "zh", "public")
    assert sorted(p for p in pages if p.endswith(".md")) == [
        "bulletins/2023-W25.md", "bulletins/2023-W26.md", "bulletins/2023-W27.md", "bulletins/2023-W28.md",
        "bulletins/index.md"]
    blob = b""
    for path, data in pages.items():
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        if path.endswith(".docx"):
            z = zipfile.ZipFile(io.BytesIO(raw))
            raw = b"".join(z.read(n) for n in z.namelist())
        blob += raw
    for secret in ("CANARY", "佐证材料不全", "刘某某", "赵某"):
        assert secret.encode() not in blob, secret
    assert '<td data-figure="talk">1</td>'.encode() in pages["bulletins/2023-W28.md"].encode()  # the figure stays


def test_feed_and_archive(history_repo):
    full, _ = load_ledger(history_repo.root / "ledger")
    with open_history(history_repo.root) as h:
        pages = bulletin_pages(h)(full, full, dt.date(2023, 7, 20), "zh", "internal")
    feed = pages["bulletins/feed.xml"].decode("utf-8")
    assert re.findall(r"<updated>([^<]+)</updated>", feed) == [
        "2023-07-17T00:00:00+08:00", "2023-07-17T00:00:00+08:00", "2023-07-10T00:00:00+08:00",
        "2023-07-03T00:00:00+08:00", "2023-06-26T00:00:00+08:00"]
    assert re.findall(r'href="([^"]+)"', feed)[:4] == ["feed.xml", "index.html", "2023-W28.html", "2023-W28.docx"]
    assert re.findall(r"https?://[^\s\"<]+", feed) == ["http://www.w3.org/2005/Atom"]
    import xml.dom.minidom
    xml.dom.minidom.parseString(feed)                                     # well-formed
    index = pages["bulletins/index.md"]
    assert re.findall(r'data-week="([^"]+)"', index) == ["2023-W28", "2023-W27", "2023-W26", "2023-W25"]
    row = index[index.index('data-week="2023-W28"'):].split("</tr>")[0]
    assert '<td data-figure="2023-R3">37.5%</td>' in row and '<td data-figure="cleared">1</td>' in row
    assert '<td data-figure="overdue">1</td>' in row


# ---------------------------------------------------------------- the example site

def test_example_site_has_a_bulletin_for_every_week(example_site):
    with open_history(example_site.parent / "repo") as h:
        first = week_of(h.commits[0].committed)
    weeks = []
    day = dt.date.fromisocalendar(*parse_week(first), 1)
    while day <= dt.date(2023, 8, 13):                  # the example's as_of is 2023-08-18: week 32 is the last complete
        weeks.append(f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}")
        day += dt.timedelta(days=7)
    folder = example_site / "bulletins"
    assert sorted(p.stem for p in folder.glob("*.html") if p.stem != "index") == weeks
    assert sorted(p.stem for p in folder.glob("*.docx")) == weeks
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'data-week="([^"]+)"', index) == weeks[::-1]
    assert 'href="bulletins/index.html"' in (example_site / "index.html").read_text(encoding="utf-8")  # in the nav
    w32 = (folder / "2023-W32.html").read_text(encoding="utf-8")
    assert "2023年第25期" in w32
    assert '<tr data-round="2023-R2">' in w32
    r2 = w32[w32.index('<tr data-round="2023-R2">'):].split("</tr>")[0]
    assert '<td data-figure="total">42</td>' in r2 and '<td data-figure="cleared">25</td>' in r2
    assert (folder / "feed.xml").read_bytes().count(b"<entry>") == len(weeks)


def test_site_keeps_finished_weeks_and_rebuilds_only_those_a_commit_can_change(tmp_path, history_repo, monkeypatch):
    """Finished weeks are kept beside the parse cache, keyed by the commit at the end of their issue
    day: a new commit on Monday changes only the week whose notes it may carry."""
    from site_builder.ledger.load import ParseCache
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(history_repo.root), str(clone)], check=True)
    git = lambda *a: subprocess.run(["git", *a], cwd=clone, check=True, capture_output=True, text=True).stdout  # noqa: E731
    notes_commit = git("rev-list", "-n", "1", "HEAD~1").strip()            # Monday 10:00: the notes of week 28
    git("reset", "-q", "--hard", history_repo.monday_utc)
    full, _ = load_ledger(history_repo.root / "ledger")
    built: list[str] = []
    real_build = BulletinBuilder.build
    monkeypatch.setattr(BulletinBuilder, "build", lambda self, week: built.append(week) or real_build(self, week))

    def pages():
        with open_history(clone, cache=ParseCache(tmp_path / "cache" / "parsed.sqlite")) as h:
            return bulletin_pages(h)(full, full, dt.date(2023, 7, 20), "zh", "internal")

    first = pages()
    assert built == ["2023-W25", "2023-W26", "2023-W27", "2023-W28"]
    assert "本周对东关镇逾期措施开展电话催办" not in first["bulletins/2023-W28.md"]
    built.clear()
    assert pages() == first and built == []                               # everything from the store
    git("reset", "-q", "--hard", notes_commit)
    third = pages()
    assert built == ["2023-W28"]
    assert "本周对东关镇逾期措施开展电话催办" in third["bulletins/2023-W28.md"]
    assert {k: v for k, v in third.items() if "W28" not in k and "index" not in k and "feed" not in k} == \
        {k: v for k, v in first.items() if "W28" not in k and "index" not in k and "feed" not in k}


def test_english_bulletin(w28):
    md = bulletin_markdown(w28, "en")
    assert "## 1. Overall progress" in md and "## 9. Notes and next steps" in md
    assert "This week 1 opened, 1 submitted, 1 returned, 1 cleared, 1 reopened after a relapse." in md
    d = docx.Document(io.BytesIO(bulletin_docx(w28, "en")))
    assert d.paragraphs[0].text == "Weekly bulletin" and d.paragraphs[1].text == "No. 4"


def test_the_time_zone_cuts_the_weeks(history_repo):
    """Weeks are cut in the ledger's time zone: in UTC, the commits of Monday 00:00 and 00:30
    Beijing time (Sunday 16:00 and 16:30 UTC) belong to week 28."""
    from site_builder.ledger.models import Settings
    utc = Settings(organisation="测试县委", office="测试县巡视巡察整改监督工作办公室", timezone="UTC")
    with open_history(history_repo.root) as h:
        b, problems = build_bulletin(h, "2023-W28", utc)
    assert problems == [] and b.timezone == "UTC"
    assert ids(b.changes.submitted) == ["A2", "S2", "W1"]


def test_an_unknown_time_zone_is_a_located_problem(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS + "timezone: Asia/Beijing\n")
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R3.yaml", ROUND)
    repo.commit("台账", "2023-07-10T09:00:00+08:00")
    with open_history(repo.root) as h:
        b, problems = build_bulletin(h, "2023-W28")
    assert b is None
    assert [p.render() for p in problems] == [
        "ledger/ledger.yaml:7:11: 时区“Asia/Beijing”无效，应为 IANA 时区名，如 Asia/Shanghai。"]


def test_one_definition_of_did_not_report_in_both_sections(history_repo, w28):
    """The issue's case: section 四 (units that did not report) and the lagging units' "silent" reason
    used two definitions (no report this week / none for more than silent_days) and gave two lists.
    Both now read: owing items and no report for more than silent_days days as of Sunday. With
    silent_days 2, agri-bureau (last report 3 days before Sunday, inside the week) is in both."""
    from site_builder.bulletin.figures import WeekFigures
    assert {s.unit for s in w28.silent} == {u.unit for u in w28.lagging if any(r.kind == "silent" for r in u.reasons)}
    with open_history(history_repo.root) as h:
        builder = BulletinBuilder(h)
        base, _ = builder.build("2023-W28")
        ledger, _ = builder.ledger(builder.commit_at(dt.datetime(2023, 7, 17, tzinfo=CST) - dt.timedelta(microseconds=1)))
    strict = ledger.settings.thresholds.model_copy(update={"lag_margin": 10.0, "silent_days": 2})
    w = WeekFigures(ledger, ledger, ledger, dt.date(2023, 7, 10), dt.date(2023, 7, 16), CST)
    silent = [(s.unit, s.days) for s in w.silent(strict.silent_days)]
    assert silent == [("agri-bureau", 3), ("west-river", 8)]
    assert {u for u, _ in silent} == {u.unit for u in w.lagging(strict, base.rounds) if any(r.kind == "silent" for r in u.reasons)}


def test_reminder_letter_drafts_come_with_the_bulletin_page_and_word_file(w28):
    """The issue's case: section 八 says the drafts are attached (草稿附后) but neither the page nor
    the .docx held them. Both now end with one draft per lagging unit, addressed to it, with its
    reasons."""
    md = bulletin_markdown(w28)
    assert "草稿附后" in md
    annex = md[md.index("## 附件：整改提醒函（草稿）"):]
    assert sorted(re.findall(r'<h3 class="rl-letter">整改提醒函（草稿）：(.+?)</h3>', annex)) == sorted(u.name for u in w28.lagging)
    assert "西河乡：" in annex and "已8天未报告整改进展（最近一次为2023-07-08）" in annex
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bulletin_docx(w28))).paragraphs)
    letters = text[text.index("附件：整改提醒函（草稿）"):]
    assert letters.count("整改提醒函") >= 1 + len(w28.lagging)
    for u in w28.lagging:
        assert f"{u.name}：" in letters
    assert "已8天未报告整改进展（最近一次为2023-07-08）" in letters

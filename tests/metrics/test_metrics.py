"""Metrics: the source document's figures from the example ledger, and each rule of the figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import ITEM_2, rectify, write
from site_builder import metrics
from site_builder.ledger.load import load_ledger
from site_builder.ledger.models import Item
from site_builder.ledger.yamlsafe import parse

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2023, 8, 18)


@pytest.fixture(scope="module")
def example():
    ledger, problems = load_ledger(ROOT / "ledger")
    assert problems == []
    return ledger


def test_round_one_figures(example):
    m = metrics.round_metrics(example, "2023-R1", DAY)
    assert (len(m.round.aspects), len(m.round.feedback), m.progress.total, m.progress.cleared) == (5, 36, 36, 36)
    assert m.progress.completion_rate == 100.0


def test_round_two_figures(example):
    m = metrics.round_metrics(example, "2023-R2", DAY)
    assert (len(m.round.aspects), len(m.round.feedback)) == (4, 17)
    assert (m.progress.total, m.progress.cleared, m.progress.active) == (42, 25, 17)
    # The source reports 64.3% next to "25 of 42 done"; 25/42 is 59.5%. The example carries 64.3%
    # as the measure completion rate (81 of 126 measures done) and states both.
    assert (m.progress.completion_rate, m.progress.measure_rate) == (59.5, 64.3)
    assert (m.time_progress, m.half_and_half, m.on_track) == (52.3, True, True)


def test_actions_and_mechanisms(example):
    totals = metrics.action_totals(example, DAY)
    talks = [a for a in example.actions if a.kind.value == "talk"]
    categories = sorted(example.units[u].category.value for a in talks for u in a.units)
    assert categories.count("county_department") == 7 and categories.count("township") == 9
    assert {k: totals[k] for k in ("talk", "suspension", "recommendation", "leadership_adjustment", "governance",
                                   "mechanisms")} == {"talk": 16, "suspension": 1, "recommendation": 5,
                                                      "leadership_adjustment": 4, "governance": 7, "mechanisms": 63}


def test_status_command_prints_the_figures(capsys):
    code, out, _ = rectify(capsys, "status", str(ROOT / "ledger"))
    assert code == 0
    assert "  问题 42 项：已销号 25，正在整改 17，已撤销 0；整改完成率 59.5%" in out.splitlines()
    assert "  时间进度 52.3%，任务进度 59.5%，措施完成率 64.3% —— 进度正常，时间过半、任务过半" in out.splitlines()


@pytest.mark.parametrize("part,whole,expected", [(25, 42, 59.5), (27, 42, 64.3), (1, 8, 12.5), (1, 3, 33.3),
                                                 (2, 3, 66.7), (0, 0, 0.0), (1, 16, 6.3)])
def test_percent_rounds_half_up(part, whole, expected):
    assert metrics.percent(part, whole) == expected


def item(**changes) -> Item:
    data, _ = parse(ITEM_2.encode(), "x")
    data.update(changes)
    return Item.model_validate(data)


def test_warning_colours():
    assert metrics.warning_colour(item(), dt.date(2023, 8, 18), 7) == "green"
    assert metrics.warning_colour(item(), dt.date(2023, 9, 25), 7) == "yellow"    # measure due 09-30
    assert metrics.warning_colour(item(), dt.date(2023, 10, 1), 7) == "red"       # measure overdue
    assert metrics.warning_colour(item(status="cleared"), dt.date(2023, 12, 1), 7) is None
    late = item(measures=[{"id": "M1", "text": "x", "owner": "y", "due": dt.date(2023, 9, 30), "done": dt.date(2023, 9, 1)}])
    assert metrics.warning_colour(late, dt.date(2023, 10, 16), 7) == "red"        # item overdue


def test_time_progress_is_clamped(example):
    rnd = example.rounds["2023-R2"]
    assert metrics.time_progress(rnd, dt.date(2023, 1, 1)) == 0.0
    assert metrics.time_progress(rnd, dt.date(2024, 1, 1)) == 100.0


def test_silent_units_and_days_since_report(ledger_dir):
    ledger, _ = load_ledger(ledger_dir)
    m = metrics.unit_metrics(ledger, "east-town", dt.date(2023, 8, 18))
    assert (m.last_report, m.days_since_report, m.silent) == (dt.date(2023, 8, 16), 2, False)
    m = metrics.unit_metrics(ledger, "east-town", dt.date(2023, 8, 20))
    assert (m.days_since_report, m.silent) == (4, True)
    # a unit whose items are all cleared is not expected to report
    assert not metrics.unit_metrics(ledger, "agri-bureau", dt.date(2023, 12, 1)).silent


def test_withdrawn_items_leave_the_denominator(ledger_dir):
    write(ledger_dir, "issues/2023-R2/2023-R2-003.yaml", ITEM_2.replace("2023-R2-002", "2023-R2-003")
          .replace("status: in_progress", "status: withdrawn\nwithdrawal: {date: 2023-08-01, by: 监督办, reason: 重复}"))
    ledger, _ = load_ledger(ledger_dir)
    p = metrics.round_metrics(ledger, "2023-R2", DAY).progress
    assert (p.total, p.withdrawn, p.cleared, p.completion_rate) == (3, 1, 1, 50.0)


def test_the_rule_scores_on_time_part_counts_an_overdue_measure(ledger_dir):
    """The issue's case: the on-time part ignored overdue measures. On 2023-10-05 east-town's only item
    is due 10-15 (not overdue) but its measure M1 was due 09-30: the item is not on time. By hand:
    completion 0 % × 60 + on time 0/1 × 20 + reporting (silent since 08-16) 0 × 10 + verification
    (none yet, counts as 1) × 10 = 10.0."""
    ledger, _ = load_ledger(ledger_dir)
    m = metrics.unit_metrics(ledger, "east-town", dt.date(2023, 10, 5))
    assert (m.progress.overdue_items, m.progress.overdue_measures, m.silent) == (0, 1, True)
    assert m.proposed_score == 10.0


def test_a_corrected_evaluation_or_action_counts_once(ledger_dir):
    """A correction (更正) is appended and names the record it replaces; the figures take the
    correction from its date on, and the pair never counts twice."""
    write(ledger_dir, "evaluations.yaml", """\
        evaluations:
          - {id: E-1, unit: agri-bureau, round: 2023-R2, date: 2023-08-10, score: 70, reasons: 按期完成}
          - {id: E-2, unit: agri-bureau, round: 2023-R2, date: 2023-08-12, score: 90, reasons: 更正分数, supersedes: E-1}
        """)
    write(ledger_dir, "actions.yaml", """\
        actions:
          - {id: A-1, kind: talk, date: 2023-08-01, title: 约谈, units: [agri-bureau]}
          - {id: A-2, kind: talk, date: 2023-08-03, title: 约谈（更正日期）, units: [agri-bureau], supersedes: A-1}
        """)
    ledger, problems = load_ledger(ledger_dir)
    assert problems == []
    before = metrics.unit_metrics(ledger, "agri-bureau", dt.date(2023, 8, 11))
    after = metrics.unit_metrics(ledger, "agri-bureau", dt.date(2023, 8, 18))
    assert (before.final_score, after.final_score) == (70, 90)
    assert after.actions == {"talk": 1}
    assert metrics.action_totals(ledger, dt.date(2023, 8, 18))["talk"] == 1
    assert metrics.action_totals(ledger, dt.date(2023, 8, 2))["talk"] == 1

"""Reading members at their locked commits: figures against counts made here from the files
written, members that fail validation, cannot be read or lost their commit, a two-level roll-up,
the public audience, and the cache that reads only the member that changed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from rollup_repos import county, county_files, rectify, rollup
from site_builder.ledger.load import load_ledger
from site_builder.ledger.validate import validate
from site_builder.rollup import figures as fig
from site_builder.rollup.read import read_members

AS_OF = dt.date(2023, 8, 18)


def _read(city, public: bool = False, cache: bool = True):
    ledger, problems = load_ledger(city.root / "ledger")
    assert problems == []
    return read_members(city.root / "ledger", ledger.settings, ledger.members_lock, AS_OF, public, cache)


def _expected(files: dict[str, str]) -> dict:
    """A county's figures counted from its files' text, without the metrics code."""
    items = [t for rel, t in files.items() if "/issues/" in rel]
    cleared = sum("status: cleared" in t for t in items)
    reports = sorted(line.split("date: ")[1][:10] for t in items for line in t.splitlines()
                     if line.startswith("  - {date:") and "by: " in line and "text:" in line and "result" not in line
                     and "evidence" not in line)
    return {"items": len(items), "cleared": cleared, "in_progress": sum("status: in_progress" in t for t in items),
            "last_report": dt.date.fromisoformat(reports[-1]) if reports else None}


@pytest.fixture
def three(tmp_path: Path):
    specs = {"east": ("东县县委", 1, 1), "west": ("西县县委", 2, 1), "north": ("北县县委", 1, 2)}
    repos = {k: county(tmp_path / k, org, c, p) for k, (org, c, p) in specs.items()}
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": k, "name": org[:2], "level": "county", "repo": f"../{k}", "site": f"https://{k}.example.org/"}
        for k, (org, _, _) in specs.items()])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    return city, repos, {k: _expected(county_files(org, c, p)) for k, (org, c, p) in specs.items()}


def test_figures_are_the_members_own_and_totals_their_sums(three):
    city, _, expected = three
    result = _read(city)
    by_id = {m.id: m for m in result.members}
    assert list(by_id) == ["east", "west", "north"]
    for key, want in expected.items():
        m = by_id[key]
        assert m.state == "ok" and m.counted
        assert (m.items, m.cleared, m.green, m.red) == (want["items"], want["cleared"], want["in_progress"], 0)
        assert m.last_report == want["last_report"]
    assert [by_id[k].completion for k in ("east", "west", "north")] == [50.0, 66.7, 33.3]
    assert by_id["east"].days_since_report(AS_OF) == 2
    total = fig.totals(result.members)
    assert (total.members, total.items, total.cleared) == (3, 8, 4)
    assert total.completion == 50.0
    assert [m.id for m in fig.ranked(result.members)] == ["west", "east", "north"]
    kinds = fig.totals_by_round_kind(result.members)
    assert [(k.level, k.kind, k.rounds, k.members, k.items, k.cleared) for k in kinds] == [("city", "elevated", 3, 3, 8, 4)]
    # every round: 80 of 153 days gone (2023-05-30 → 2023-10-30) is 52.3% of the time
    assert {r.time_progress for m in result.members for r in m.rounds} == {52.3}


def test_a_member_failing_validation_is_shown_with_its_error_count_not_summed(tmp_path: Path):
    good = county(tmp_path / "good", "好县县委", 1, 1)
    bad = county(tmp_path / "bad", "坏县县委", 1, 1)
    bad.edit("ledger/issues/2023-R2/2023-R2-001.yaml", "result: passed", "result: returned")   # cleared without a pass
    bad.commit("坏了", "2023-08-15T10:00:00+08:00")
    ledger, problems = load_ledger(bad.root / "ledger")
    errors = len([p for p in problems + validate(ledger) if p.severity == "error"])
    assert errors >= 1
    city = rollup(tmp_path / "city", "某市市委", [{"id": "good", "name": "好县", "level": "county", "repo": "../good"},
                                               {"id": "bad", "name": "坏县", "level": "county", "repo": "../bad"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    by_id = {m.id: m for m in _read(city).members}
    assert by_id["bad"].state == "invalid" and by_id["bad"].errors == errors and not by_id["bad"].counted
    assert fig.totals(list(by_id.values())).items == 2
    assert "bad" in [m.id for m, _ in fig.lagging(list(by_id.values()), AS_OF)]


def test_unreachable_and_lost_commits_are_shown_never_dropped(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"},
                                               {"id": "gone", "name": "南县", "level": "county", "repo": "../nowhere"}])
    rectify("members", "update", "ledger", cwd=city.root)
    members = {m.id: m for m in _read(city).members}
    assert members["gone"].state == "missing" and members["gone"].reason == "rollup.never_read"
    # the member rewrites its history and the roll-up's copies are gone (a new CI checkout)
    who = {"GIT_AUTHOR_NAME": "王某", "GIT_AUTHOR_EMAIL": "w@example.invalid", "GIT_COMMITTER_NAME": "王某",
           "GIT_COMMITTER_EMAIL": "w@example.invalid", "GIT_COMMITTER_DATE": "2023-08-16T10:00:00+08:00",
           "GIT_AUTHOR_DATE": "2023-08-16T10:00:00+08:00"}
    east.git("commit", "-q", "--amend", "-m", "改写", env=who)
    east.git("reflog", "expire", "--expire=now", "--all")
    east.git("gc", "-q", "--prune=now")
    shutil.rmtree(city.root / ".rectify-members")
    members = {m.id: m for m in _read(city, cache=False).members}
    assert members["east"].state == "missing" and members["east"].reason == "rollup.commit_gone"
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1      # gone is still unreachable
    assert {m.id: m for m in _read(city).members}["east"].state == "ok"       # re-locked to the new history


def test_two_level_rollup_sums_the_members_of_a_member(tmp_path: Path):
    a = county(tmp_path / "a", "甲县县委", 1, 1)
    b = county(tmp_path / "b", "乙县县委", 3, 1)
    c = county(tmp_path / "c", "丙县县委", 1, 2)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "a", "name": "甲县", "level": "county", "repo": "../a"},
                                               {"id": "b", "name": "乙县", "level": "county", "repo": "../b"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    city.commit("锁定", "2023-08-16T10:00:00+08:00")
    province = rollup(tmp_path / "province", "某省省委", [
        {"id": "city", "name": "某市", "level": "city", "repo": "../city"},
        {"id": "c", "name": "丙县", "level": "county", "repo": "../c"}])
    assert rectify("members", "update", "ledger", cwd=province.root)[0] == 0
    members = {m.id: m for m in _read(province).members}
    assert [ch.id for ch in members["city"].children] == ["a", "b"]
    assert (members["city"].items, members["city"].cleared) == (2 + 4, 1 + 3)
    assert members["city"].completion == 66.7
    assert (members["c"].items, members["c"].cleared) == (3, 1)
    levels = fig.totals_by_level(list(members.values()))
    assert (levels["city"].items, levels["county"].items) == (6, 3)
    assert fig.totals(list(members.values())).items == 9
    from site_builder.rollup.render import Pages
    page = Pages("某省省委", list(members.values()), AS_OF, "zh").member(members["city"])
    rows = page.split("下级成员", 1)[1]
    assert '<td>甲县</td><td>县级</td><td>2</td><td>1</td><td>50.0%' in rows
    assert '<td>乙县</td><td>县级</td><td>4</td><td>3</td><td>75.0%' in rows
    assert a and b and c


def test_public_rollup_draws_only_public_data(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1, tags={1: ("线索核查",), 2: ("物资储备",)},
                  internal_tags=("线索核查",))
    west = county(tmp_path / "west", "西县县委", 1, 1, tags={1: ("线索核查",), 2: ("物资储备",)})
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"},
                                               {"id": "west", "name": "西县", "level": "county", "repo": "../west"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    internal = {m.id: m for m in _read(city).members}
    public = {m.id: m for m in _read(city, public=True).members}
    assert "线索核查" in {t for t, _, _ in internal["east"].tags}
    assert "线索核查" not in {t for t, _, _ in public["east"].tags}          # east's own redaction
    assert "线索核查" in {t for t, _, _ in public["west"].tags}              # west does not mark it internal
    assert public["east"].items == internal["east"].items                   # the counts stand
    common = {s.name: s.members for s in fig.common_problems(list(public.values()))}
    assert common["物资储备"] == ("east", "west") and "线索核查" not in common
    assert east and west


def test_a_second_read_uses_the_cache_and_a_changed_member_alone_is_read_again(three):
    city, repos, _ = three
    assert sorted(_read(city).read) == ["east", "north", "west"]
    assert _read(city).read == []
    repos["west"].edit("ledger/units.yaml", "东关镇纪委", "东关镇纪委（新）")
    repos["west"].commit("改", "2023-08-17T10:00:00+08:00")
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    again = _read(city)
    assert again.read == ["west"]
    assert [m.items for m in again.members] == [2, 3, 3]


def test_recurring_problems_across_rounds_of_one_member(tmp_path: Path):
    county(tmp_path / "east", "东县县委", 1, 1, tags={0: ("验收不严",), 1: ("验收不严",)}, extra_round=True)
    county(tmp_path / "west", "西县县委", 1, 1, tags={1: ("验收不严",)})
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"},
                                               {"id": "west", "name": "西县", "level": "county", "repo": "../west"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    members = _read(city).members
    recurring = {(s.what, s.name): s for s in fig.recurring_problems(members)}
    assert recurring[("tag", "验收不严")].members == ("east",) and recurring[("tag", "验收不严")].rounds == 2
    common = {(s.what, s.name): s for s in fig.common_problems(members)}
    assert common[("tag", "验收不严")].members == ("east", "west") and common[("tag", "验收不严")].items == 3


def test_members_read_in_spawned_workers_give_the_same_figures(three, monkeypatch):
    city, _, _ = three
    monkeypatch.setenv("RECTIFY_WORKERS", "1")
    alone = _read(city, cache=False).members
    monkeypatch.setenv("RECTIFY_WORKERS", "2")
    monkeypatch.setenv("RECTIFY_START_METHOD", "spawn")    # as on Windows
    assert _read(city, cache=False).members == alone


def test_ledger_text_never_becomes_markup_on_the_pages():
    from site_builder.rollup.figures import MemberFigures, RoundFigures
    from site_builder.rollup.render import Pages
    evil = "<script>alert(1)</script>"
    members = [MemberFigures(id=k, name=evil, level="county", site="javascript:alert(1)", commit="0" * 40, state="ok",
                             items=1, rounds=(RoundFigures(k, "R", evil, "county", "routine", 1, 0, 0, 0.0, 50.0, 50.0, False),),
                             tags=((evil, "R", 1),), aspects=((evil, "R", 1),)) for k in ("a", "b")]
    pages = Pages(evil, members, AS_OF, "zh").all()
    text = "\n".join(pages.values())
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert 'href="javascript' not in text


def test_actions_by_kind_are_each_members_own_and_summed(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    east.write("ledger/actions.yaml", """\
        actions:
          - {id: A-1, kind: talk, date: 2023-08-01, title: 约谈农业农村局主要负责人, units: [agri-bureau]}
          - {id: A-2, kind: talk, date: 2023-08-02, title: 约谈东关镇主要负责人, units: [east-town]}
          - {id: A-3, kind: suspension, date: 2023-08-03, title: 停职, units: [east-town]}
          - {id: A-4, kind: talk, date: 2023-08-30, title: 统计截止日之后的约谈, units: [east-town]}
        """)
    east.commit("处理", "2023-08-15T10:00:00+08:00")
    west = county(tmp_path / "west", "西县县委", 1, 1)
    west.write("ledger/actions.yaml", """\
        actions:
          - {id: A-1, kind: reminder_letter, date: 2023-08-05, title: 提醒函, units: [agri-bureau]}
          - {id: A-2, kind: talk, date: 2023-08-06, title: 约谈, units: [agri-bureau], internal: true}
        """)
    west.commit("处理", "2023-08-15T10:00:00+08:00")
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"},
                                               {"id": "west", "name": "西县", "level": "county", "repo": "../west"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    members = {m.id: m for m in _read(city).members}
    # counted by hand from the files above, as of 2023-08-18 (A-4 comes later)
    assert (members["east"].actions["talk"], members["east"].actions["suspension"]) == (2, 1)
    assert (members["west"].actions["talk"], members["west"].actions["reminder_letter"]) == (1, 1)
    totals = fig.action_totals(list(members.values()))
    assert (totals["talk"], totals["suspension"], totals["reminder_letter"]) == (3, 1, 1)
    public = fig.action_totals(_read(city, public=True).members)
    assert public["talk"] == 2                       # west's internal talk is not public data

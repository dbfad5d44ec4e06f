"""``rectify members update``: members fetched with git into bare copies, their commits locked in
ledger/members.lock.yaml; an unreachable member named and kept stale; a rewritten history re-locked."""

from __future__ import annotations

from pathlib import Path

import yaml

from rollup_repos import WHEN, county, county_files, rectify, rollup
from site_builder.ledger.load import load_ledger
from site_builder.ledger.validate import validate


def _lock(city) -> dict:
    return {m["id"]: m for m in yaml.safe_load((city.root / "ledger/members.lock.yaml").read_text(encoding="utf-8"))["members"]}


def test_county_fixture_ledgers_validate(tmp_path: Path):
    for name, kw in (("a", {}), ("b", {"extra_round": True, "tags": {0: ("x",), 1: ("x",)}})):
        for rel, text in county_files("甲县县委", 2, 1, **kw).items():
            p = tmp_path / name / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        ledger, problems = load_ledger(tmp_path / name / "ledger")
        assert problems + validate(ledger) == []


def test_update_locks_every_member_and_names_the_unreachable_one(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    west = county(tmp_path / "west", "西县县委", 2, 0)
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "east", "name": "东县", "level": "county", "repo": "../east"},
        {"id": "west", "name": "西县", "level": "county", "repo": str(west.root)},
        {"id": "gone", "name": "南县", "level": "county", "repo": "../no-such-repo"}])
    code, out = rectify("members", "update", "ledger", cwd=city.root)
    assert code == 1, out
    assert "成员“南县”（gone）无法读取" in out and "数据过期" in out
    lock = _lock(city)
    assert lock["east"]["commit"] == east.git("rev-parse", "HEAD").strip()
    assert lock["west"]["commit"] == west.git("rev-parse", "HEAD").strip()
    assert lock["gone"]["stale"] is True and "commit" not in lock["gone"]
    assert (city.root / ".rectify-members/east.git/HEAD").is_file()
    # the roll-up with its lock file still validates (a roll-up needs no units.yaml)
    assert rectify("validate", "ledger", cwd=city.root)[0] == 0


def test_an_unreachable_member_keeps_its_last_locked_commit(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    first = _lock(city)["east"]["commit"]
    (tmp_path / "east").rename(tmp_path / "east-moved")
    code, out = rectify("members", "update", "ledger", cwd=city.root)
    assert code == 1 and "东县" in out
    assert _lock(city)["east"]["commit"] == first and _lock(city)["east"]["stale"] is True
    assert east is not None


def test_a_rewritten_history_is_reported_and_relocked(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"}])
    east.edit("ledger/units.yaml", "县农业农村局", "县农业农村局（改）")
    old = east.commit("改名", "2023-08-15T10:00:00+08:00")
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    assert _lock(city)["east"]["commit"] == old
    east.git("reset", "-q", "--hard", "HEAD~1")          # force-pushed: the locked commit is gone
    new = east.commit("另一改动", "2023-08-16T10:00:00+08:00")
    code, out = rectify("members", "update", "ledger", cwd=city.root)
    assert code == 0, out
    assert f"上次锁定的提交 {old[:10]} 已不在其分支上，已改为锁定 {new[:10]}" in out
    assert _lock(city)["east"]["commit"] == new and "stale" not in _lock(city)["east"]


def test_a_pinned_commit_is_locked_as_pinned(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    pinned = east.git("rev-parse", "HEAD").strip()
    east.commit("later", "2023-08-15T10:00:00+08:00")
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east",
                                               "commit": f'"{pinned}"'}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    assert _lock(city)["east"]["commit"] == pinned


def test_not_a_rollup_is_refused(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    code, out = rectify("members", "update", "ledger", cwd=east.root)
    assert code == 1 and "不是汇总台账" in out
    assert not (east.root / "ledger/members.lock.yaml").exists()
    assert WHEN


def test_a_lock_update_passes_the_gate(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"}])
    city.write(".gitignore", ".rectify-members/\n.rectify-cache/\n")
    city.git("checkout", "-q", "-b", "lock")
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    city.commit("锁定", "2023-08-15T10:00:00+08:00")
    east.edit("ledger/units.yaml", "县农业农村局", "县农业农村局（改）")
    east.commit("改名", "2023-08-16T10:00:00+08:00")
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    city.commit("再锁定", "2023-08-16T11:00:00+08:00")
    code, out = rectify("check", "--base", "main", cwd=city.root)
    assert code == 0, out

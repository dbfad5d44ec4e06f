"""The lock file checked against the declared members: an id locked but never declared is an error on
its line of members.lock.yaml; a member declared but not locked is a warning on its line of ledger.yaml
that says to run ``rectify members update``."""

from __future__ import annotations

from pathlib import Path

from rollup_repos import county, rectify, rollup
from site_builder.ledger.load import load_ledger
from site_builder.ledger.validate import validate

LOCK = """\
members:
  - id: "east"
    repo: "../east"
    ref: "main"
    commit: "{commit}"
    fetched: 2023-08-18
  - id: "ghost"
    repo: "../ghost"
    ref: "main"
    commit: "{commit}"
    fetched: 2023-08-18
"""


def _city(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "east", "name": "东县", "level": "county", "repo": "../east"},
        {"id": "west", "name": "西县", "level": "county", "repo": "../west"}])
    return east, city


def test_unknown_locked_id_is_an_error_and_a_missing_member_a_warning_at_their_lines(tmp_path: Path):
    east, city = _city(tmp_path)
    city.write("ledger/members.lock.yaml", LOCK.format(commit=east.git("rev-parse", "HEAD").strip()))
    ledger, problems = load_ledger(city.root / "ledger")
    assert problems == []
    found = sorted((Path(p.file).name, p.line, p.col, p.code, p.severity) for p in validate(ledger))
    # ghost is on line 7 of the lock; west is the second member of ledger.yaml (line 4 "members:", east 5–8, west 9)
    assert found == [("ledger.yaml", 9, 9, "rule.lock_missing_member", "warning"),
                     ("members.lock.yaml", 7, 9, "rule.lock_unknown_member", "error")]
    code, out = rectify("validate", "ledger", cwd=city.root)
    assert code == 1, out
    assert "members.lock.yaml:7:9" in out and "锁定文件中的成员“ghost”未在 ledger.yaml 的 members 中登记" in out
    assert "ledger.yaml:9:9" in out and "成员“西县”（west）尚未锁定" in out and "rectify members update" in out


def test_a_roll_up_never_updated_warns_for_every_member_and_still_validates(tmp_path: Path):
    _, city = _city(tmp_path)
    ledger, _ = load_ledger(city.root / "ledger")
    found = [(p.line, p.code, p.severity) for p in validate(ledger)]
    assert found == [(5, "rule.lock_missing_member", "warning"), (9, "rule.lock_missing_member", "warning")]
    code, out = rectify("validate", "ledger", cwd=city.root)
    assert code == 0, out
    assert out.count("请运行 rectify members update") == 2


def test_after_an_update_the_lock_matches_the_members(tmp_path: Path):
    east, city = _city(tmp_path)
    county(tmp_path / "west", "西县县委", 2, 0)
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    ledger, _ = load_ledger(city.root / "ledger")
    assert validate(ledger) == []
    assert east

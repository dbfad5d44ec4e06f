"""``rectify bulletin`` of a roll-up ledger: the week's figures from the lock file as it stood at the
week's end in the roll-up's history (a past week rebuilt later is the same), reminder letters for the
lagging members."""

from __future__ import annotations

import zipfile
from pathlib import Path

from rollup_repos import county, county_files, rectify, rollup
from site_builder.rollup import figures as fig  # noqa: F401 - the reasons' codes are its


def _docx_text(data: bytes) -> str:
    import io
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def test_rollup_bulletin_reads_the_lock_as_it_stood_at_the_weeks_end(tmp_path: Path):
    east = county(tmp_path / "east", "东县县委", 1, 1)
    county(tmp_path / "west", "西县县委", 2, 1)
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "east", "name": "东县", "level": "county", "repo": "../east"},
        {"id": "west", "name": "西县", "level": "county", "repo": "../west"},
        {"id": "gone", "name": "南县", "level": "county", "repo": "../nowhere"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1
    city.commit("锁定 W33", "2023-08-15T10:00:00+08:00")
    # the next week east opens three more items (cleared ones) and the city locks again
    for rel, text in county_files("东县县委", 4, 1).items():
        east.write(rel, text)
    east.commit("新增", "2023-08-21T10:00:00+08:00")
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1
    city.commit("锁定 W34", "2023-08-22T10:00:00+08:00")

    out33, out34 = tmp_path / "b33", tmp_path / "b34"
    code, text = rectify("bulletin", "ledger", "--week", "2023-W33", "--out", str(out33), cwd=city.root)
    assert code == 0, text
    assert rectify("bulletin", "ledger", "--week", "2023-W34", "--out", str(out34), cwd=city.root)[0] == 0
    md33 = (out33 / "2023-W33.md").read_text(encoding="utf-8")
    md34 = (out34 / "2023-W34.md").read_text(encoding="utf-8")
    assert "现将截至2023年8月20日各成员整改情况通报如下" in md33 and "2023年第1期" in md33
    # east: 1 of 2 cleared in W33, 4 of 5 in W34; the totals follow (west 2 of 3)
    # cleared this week: against the week before's own lock (none before W33: —)
    assert "| 1 | 东县 | 5 | 4 | 3 | 80\\.0% |" in md34 and "| 2 | 东县 | 2 | 1 | — | 50\\.0% |" in md33
    assert "| 2 | 5 | 3 | 60\\.0% |" in md33 and "| 2 | 8 | 6 | 75\\.0% |" in md34
    assert "南县" in md33 and "未读取" in md33
    # reminder letters: the member never read, and every member with units silent too long
    letters = sorted(p.name for p in out33.glob("*-reminder-*.docx"))
    assert "2023-W33-reminder-gone.docx" in letters
    assert "东县县委" in _docx_text((out33 / "2023-W33-reminder-east.docx").read_bytes())
    # rebuilt later, a past week is byte for byte the same
    again = tmp_path / "again"
    assert rectify("bulletin", "ledger", "--week", "2023-W33", "--out", str(again), cwd=city.root)[0] == 0
    assert {p.name: p.read_bytes() for p in out33.iterdir()} == {p.name: p.read_bytes() for p in again.iterdir()}


def test_a_week_before_any_lock_is_refused(tmp_path: Path):
    county(tmp_path / "east", "东县县委", 1, 1)
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    city.commit("锁定", "2023-08-22T10:00:00+08:00")
    code, text = rectify("bulletin", "ledger", "--week", "2023-W33", "--out", str(tmp_path / "b"), cwd=city.root)
    assert code == 1 and "2023-W33 结束时汇总仓库中还没有锁定文件" in text
    assert not (tmp_path / "b").exists()

"""``rectify build`` of a roll-up ledger: a real mkdocs build of the members page (ranked, linking to
each member's own site), totals, common problems and stale members; the public build holds nothing a
member marks internal; figures on the pages against the members' counts."""

from __future__ import annotations

import re
from pathlib import Path

from rollup_repos import county, rectify, rollup


def _text(site: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html")))


def _cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_rollup_site(tmp_path: Path):
    county(tmp_path / "east", "东县县委", 1, 1, tags={2: ("物资储备",), 1: ("线索核查",)}, internal_tags=("线索核查",))
    county(tmp_path / "west", "西县县委", 2, 1, tags={3: ("物资储备",)})
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "east", "name": "东县", "level": "county", "repo": "../east", "site": "https://east.example.org/"},
        {"id": "west", "name": "西县", "level": "county", "repo": "../west", "site": '"javascript:alert(1)"'},
        {"id": "gone", "name": "南县<b>", "level": "county", "repo": "../nowhere"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1
    code, out = rectify("build", "ledger", "--out", str(tmp_path / "site"), cwd=city.root)
    assert code == 0, out
    assert "3 个成员（本次读取 3 个）" in out and "南县" in out
    site = tmp_path / "site"
    ranking = _cells((site / "members.html").read_text(encoding="utf-8"))
    # west 2 of 3 cleared, east 1 of 2; the member not read comes last, unranked
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in ranking] == [
        ("1", "西县", "3", "2", "66.7%"), ("2", "东县", "2", "1", "50.0%"), ("—", "南县&lt;b&gt;", "—", "—", "—")]
    east = (site / "members/east.html").read_text(encoding="utf-8")
    assert 'href="https://east.example.org/"' in east
    west = (site / "members/west.html").read_text(encoding="utf-8")
    assert 'href="javascript' not in west and "rl-member-site" not in west   # shown as text, not a link
    index = (site / "index.html").read_text(encoding="utf-8")
    totals = _cells(index)[0]
    assert totals[:4] == ["2", "5", "3", "60.0%"]      # 2 members counted, 5 items, 3 cleared
    assert "南县&lt;b&gt;" in index and "<b>" not in index.split("rl-stale")[1][:400]
    common = (site / "common.html").read_text(encoding="utf-8")
    assert "物资储备" in common and "线索核查" not in common   # only east has the other tag

    # a second build reads nothing again and gives the same bytes
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    code, out = rectify("build", "ledger", "--out", str(site), cwd=city.root)
    assert code == 0 and "本次读取 1 个" in out       # only the member never read is tried again
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_public_rollup_site_holds_nothing_a_member_marks_internal(tmp_path: Path):
    county(tmp_path / "east", "东县县委", 1, 1, tags={1: ("线索核查",), 2: ("物资储备",)}, internal_tags=("线索核查",))
    county(tmp_path / "west", "西县县委", 1, 1, tags={1: ("线索核查",), 2: ("物资储备",)}, internal_tags=("线索核查",))
    city = rollup(tmp_path / "city", "某市市委", [{"id": "east", "name": "东县", "level": "county", "repo": "../east"},
                                               {"id": "west", "name": "西县", "level": "county", "repo": "../west"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    assert rectify("build", "ledger", "--out", str(tmp_path / "internal"), cwd=city.root)[0] == 0
    assert "线索核查" in _text(tmp_path / "internal")
    assert rectify("build", "ledger", "--out", str(tmp_path / "public"), "--audience", "public", cwd=city.root)[0] == 0
    public = tmp_path / "public"
    assert "线索核查" not in _text(public)
    assert all("线索核查" not in p.read_text(encoding="utf-8", errors="replace")
               for p in public.rglob("*") if p.is_file() and p.suffix in (".json", ".html", ".xml", ".txt"))
    assert "物资储备" in (public / "common.html").read_text(encoding="utf-8")


def test_two_level_rollup_site_links_a_member_of_a_member_to_its_own_site(tmp_path: Path):
    county(tmp_path / "a", "甲县县委", 1, 1)
    county(tmp_path / "b", "乙县县委", 3, 1)
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "a", "name": "甲县", "level": "county", "repo": "../a", "site": "https://a.example.org/"},
        {"id": "b", "name": "乙县", "level": "county", "repo": "../b"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 0
    city.commit("锁定", "2023-08-16T10:00:00+08:00")
    province = rollup(tmp_path / "province", "某省省委", [{"id": "city", "name": "某市", "level": "city", "repo": "../city"}])
    assert rectify("members", "update", "ledger", cwd=province.root)[0] == 0
    code, out = rectify("build", "ledger", "--out", str(tmp_path / "site"), cwd=province.root)
    assert code == 0, out
    page = (tmp_path / "site/members/city.html").read_text(encoding="utf-8")
    assert '<a href="https://a.example.org/">甲县</a>' in page
    assert [r[3:6] for r in _cells((tmp_path / "site/members.html").read_text(encoding="utf-8"))] == [["6", "4", "66.7%"]]

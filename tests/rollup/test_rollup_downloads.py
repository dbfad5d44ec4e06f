"""The roll-up site's downloads: the members table as CSV and .xlsx (header frozen, a filter on every
column), one row per member in ranking order, figures as numbers that sum to the roll-up's totals, a
member not read with empty figures, and no member text ever read as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook

from rollup_repos import county, rectify, rollup


def _site(tmp_path: Path) -> Path:
    county(tmp_path / "east", "东县县委", 1, 1)
    county(tmp_path / "west", "西县县委", 2, 1)
    city = rollup(tmp_path / "city", "某市市委", [
        {"id": "east", "name": """'=HYPERLINK("http://x.invalid","东县")'""", "level": "county", "repo": "../east",
         "site": "https://east.example.org/"},
        {"id": "west", "name": "西县", "level": "county", "repo": "../west"},
        {"id": "gone", "name": "南县", "level": "county", "repo": "../nowhere"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1
    code, out = rectify("build", "ledger", "--out", str(tmp_path / "site"), cwd=city.root)
    assert code == 0, out
    return tmp_path / "site"


def test_members_csv_and_xlsx(tmp_path: Path):
    site = _site(tmp_path)
    members_page = (site / "members.html").read_text(encoding="utf-8")
    assert 'href="downloads/members.csv"' in members_page and 'href="downloads/members.xlsx"' in members_page
    raw = (site / "downloads/members.csv").read_bytes()
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head = rows[0]
    assert head[:7] == ["名次", "成员", "成员编号", "层级", "问题数", "已销号", "完成率"]
    col = {name: i for i, name in enumerate(head)}
    # ranked: west 2 of 3, east 1 of 2; the member not read last, figures empty
    assert [(r[0], r[2], r[4], r[5], r[6]) for r in rows[1:]] == [
        ("1", "west", "3", "2", "66.7"), ("2", "east", "2", "1", "50.0"), ("", "gone", "", "", "")]
    # a name that is a formula stays text (an apostrophe first in the CSV)
    assert rows[2][col["成员"]] == "'=HYPERLINK(\"http://x.invalid\",\"东县\")"
    assert rows[2][col["成员站点"]] == "https://east.example.org/" and rows[3][col["数据"]].startswith("未读取")

    wb = load_workbook(site / "downloads/members.xlsx")
    ws = wb.active
    assert ws.title == "成员整改进度"
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:S{len(rows)}"
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert [c if c is not None else "" for c in cells[0]] == head
    assert cells[1][:7] == [1, "西县", "west", "县级", 3, 2, 66.7] and cells[3][4:7] == [None, None, None]
    assert ws.cell(row=3, column=2).data_type == "s" and ws.cell(row=3, column=2).value.startswith("=HYPERLINK")
    # the columns sum to the overview's totals: 5 items, 3 cleared
    assert sum(r[4] or 0 for r in cells[1:]) == 5 and sum(r[5] or 0 for r in cells[1:]) == 3
    # and a second build gives the same bytes
    again = tmp_path / "site2"
    code, _ = rectify("build", "ledger", "--out", str(again), cwd=tmp_path / "city")
    assert code == 0
    for name in ("members.csv", "members.xlsx"):
        assert (again / "downloads" / name).read_bytes() == (site / "downloads" / name).read_bytes(), name


def test_search_finds_a_member_by_name(tmp_path: Path):
    import json
    site = _site(tmp_path)
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    (west,) = [d for d in index["docs"] if d["location"] == "members/west.html"]
    # jieba cuts 西县县委 into 西县 / 县委 and 东县 into 东 / 县 (a search for the whole name would
    # not match): the name, the organisation and the id are also there whole, between the search's
    # U+200B separators
    assert {"西县", "西县县委", "west"} <= set(west["text"].split("\u200b"))

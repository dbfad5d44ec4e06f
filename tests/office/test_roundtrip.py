"""Excel round trip: ``rectify export`` of a ledger, imported round by round into a fresh ``rectify
init`` repository, gives back every item field by field — the example ledger and a generated one.

What the layout does not carry (the guide says so) is compared by what stands for it: a unit by its
name (ids are made anew from the pinyin), the round's name, level, kind and dates come from the
options as a county would give them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT, rectify
from site_builder.ledger.load import load_ledger

NOW = "2024-01-10T10:00:00+08:00"
#: compared as written; unit and feedback below, by what stands for them
SAME = ("id", "round", "aspect", "title", "problem", "scope", "tags", "term", "opened", "due", "leader",
        "department", "measures", "status", "reports", "supervision", "submissions", "verifications", "lookbacks",
        "mechanisms", "extensions", "withdrawal", "internal_note")


@pytest.fixture(autouse=True)
def dates(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", NOW)
    monkeypatch.setenv("RECTIFY_NOW", NOW)
    monkeypatch.chdir(tmp_path)


def _generated(out: Path) -> Path:
    """A small generated ledger (bench's generator at 60 items): every record kind, varied text."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import render
        from entities import Scale
        from plan import build_plan
    finally:
        sys.path.remove(str(ROOT / "bench"))
    for rel, data in render.build_files(build_plan(Scale("tiny", 60, 2, 8, 0), 7)).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render.final_text(data).encode("utf-8"))
    return out / "ledger"


def round_trip(capsys, tmp_path: Path, source: Path):
    code, out, err = rectify(capsys, "export", str(source), "--out", "台账.xlsx", "--no-cache")
    assert code == 0, out + err
    before, problems = load_ledger(source)
    assert problems == []
    repo = tmp_path / "county"
    assert rectify(capsys, "init", str(repo))[0] == 0
    for rnd in before.rounds.values():
        code, out, err = rectify(capsys, "import", "台账.xlsx", "--ledger", str(repo / "ledger"), "--round", rnd.id,
                                 "--round-name", rnd.name, "--feedback-date", rnd.feedback_date.isoformat(),
                                 "--deadline", rnd.deadline.isoformat(), "--level", rnd.level.value,
                                 "--kind", rnd.kind.value, "--no-cache")
        assert code == 0, out + err
    after, problems = load_ledger(repo / "ledger")
    assert problems == []
    return before, after, repo


def assert_same(before, after) -> int:
    """Every item of ``before`` in ``after``, field by field; returns how many fields were compared."""
    compared = 0
    name_of = lambda ledger, uid: ledger.units[uid].name  # noqa: E731
    for rnd in before.rounds.values():
        new = after.rounds[rnd.id]
        assert set(new.aspects) == set(rnd.aspects)
        assert sorted(name_of(after, u) for u in new.units) == sorted(name_of(before, u) for u in rnd.units)
        assert sorted((f.id, f.aspect, name_of(after, f.unit), f.text) for f in new.feedback) == \
            sorted((f.id, f.aspect, name_of(before, f.unit), f.text) for f in rnd.feedback)
    mine = {i: item for i, item in after.items.items() if item.round in before.rounds}
    assert sorted(mine) == sorted(before.items)
    for item_id, old in before.items.items():
        new = mine[item_id]
        for name in SAME:
            assert getattr(new, name) == getattr(old, name), (item_id, name)
            compared += 1
        assert name_of(after, new.unit) == name_of(before, old.unit)
        assert new.feedback == old.feedback
        compared += 2
    return compared


def test_the_example_ledger_comes_back_field_by_field(capsys, tmp_path: Path):
    before, after, repo = round_trip(capsys, tmp_path, ROOT / "ledger")
    assert len(before.items) == 78
    assert assert_same(before, after) == 78 * (len(SAME) + 2)
    # one sheet per round, one row per measure (independent count from the source files)
    book = load_workbook("台账.xlsx")
    assert book.sheetnames == ["2023-R1", "2023-R2"]
    for rnd in ("2023-R1", "2023-R2"):
        measures = sum(len(i.measures) for i in before.items.values() if i.round == rnd)
        assert book[rnd].max_row == 2 + measures
    assert rectify(capsys, "validate", str(repo / "ledger"), "--today", "2023-08-18")[0] == 0


def test_a_generated_ledger_comes_back_field_by_field(capsys, tmp_path: Path):
    source = _generated(tmp_path / "generated")
    before, after, repo = round_trip(capsys, tmp_path, source)
    assert len(before.items) == 60
    assert assert_same(before, after) == 60 * (len(SAME) + 2)
    assert rectify(capsys, "validate", str(repo / "ledger"))[0] == 0


def test_a_leader_named_with_a_list_mark_and_odd_text_come_back_whole(capsys, tmp_path: Path):
    import shutil
    source = tmp_path / "src" / "ledger"
    shutil.copytree(ROOT / "ledger", source)
    item = source / "issues/2023-R2/2023-R2-001.yaml"
    text = item.read_text(encoding="utf-8")
    text = text.replace("leader: 任某某", "leader: 任某某、田某")
    text = text.replace("department: 开发指导股", "department: '=SUM(A1:A2)'")
    text = text.replace("owner: 开发指导股, due: 2023-06-30", "owner: 开发指导股、办公室, due: 2023-06-30")
    text += "internal_note: 备注：第一行｜竖线\n"
    item.write_text(text, encoding="utf-8")
    before, after, _ = round_trip(capsys, tmp_path, source)
    new = after.items["2023-R2-001"]
    assert new.leader == "任某某、田某"
    assert new.department == "=SUM(A1:A2)"       # text, never a formula
    assert new.measures[0].owner == "开发指导股、办公室"
    assert new.internal_note == "备注：第一行｜竖线"
    assert_same(before, after)


def test_into_a_ledger_with_commits_new_items_start_in_progress_and_records_wait(capsys, tmp_path: Path):
    import subprocess
    code, out, err = rectify(capsys, "export", str(ROOT / "ledger"), "--out", "台账.xlsx", "--no-cache")
    assert code == 0, out + err
    repo = tmp_path / "county"
    assert rectify(capsys, "init", str(repo))[0] == 0
    subprocess.run(["git", "add", "ledger"], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=监督办", "-c", "user.email=o@x", "commit", "-qm", "示例台账"], cwd=repo,
                   check=True, capture_output=True)
    code, out, err = rectify(capsys, "import", "台账.xlsx", "--ledger", str(repo / "ledger"), "--round", "2023-R2",
                             "--round-name", "涉农资金", "--feedback-date", "2023-06-01", "--deadline", "2023-12-31",
                             "--no-cache")
    assert code == 0, out + err
    after, _ = load_ledger(repo / "ledger")
    before, _ = load_ledger(ROOT / "ledger")
    mine = {i: item for i, item in after.items.items() if item.round == "2023-R2"}
    assert len(mine) == sum(1 for i in before.items.values() if i.round == "2023-R2") == 42
    assert {i.status.value for i in mine.values()} <= {"open", "in_progress"}
    assert all(not (i.submissions or i.verifications) for i in mine.values())
    with_records = sum(1 for i in before.items.values() if i.round == "2023-R2" and (i.submissions or i.supervision))
    assert out.count("本格的交账核账等记录未导入") == with_records > 0
    # what the downgrade keeps: measures, their done dates, the reports
    for item_id, new in mine.items():
        old = before.items[item_id]
        assert [(m.id, m.done) for m in new.measures] == [(m.id, m.done) for m in old.measures]
        assert new.reports[:len(old.reports)] == old.reports


def test_an_export_imported_again_with_a_changed_title_and_due_date_is_refused_at_those_cells(capsys, tmp_path: Path):
    before, after, repo = round_trip(capsys, tmp_path, ROOT / "ledger")
    files = {p: p.read_bytes() for p in (repo / "ledger").rglob("*.yaml")}
    book = load_workbook("台账.xlsx")
    ws = book["2023-R2"]
    headers = [c.value for c in ws[2]]
    title, due = headers.index("问题标题") + 1, headers.index("完成时限") + 1
    assert ws.cell(3, 2).value == "2023-R2-001"
    ws.cell(3, title).value = "防返贫监测机制运行不畅（改）"
    ws.cell(3, due).value = "2023-07-31"
    book.save("台账.xlsx")
    code, out, err = rectify(capsys, "import", "台账.xlsx", "--ledger", str(repo / "ledger"), "--round", "2023-R2",
                             "--no-cache")
    assert code == 1
    cols = {n: chr(64 + n) for n in (title, due)}
    assert [line.split(": ", 1)[0] for line in out.splitlines() if "与台账不同" in line] == \
        [f"台账.xlsx:2023-R2!{cols[title]}3", f"台账.xlsx:2023-R2!{cols[due]}3"]
    assert "台账中为“防返贫动态监测机制运行不畅”，表格中为“防返贫监测机制运行不畅（改）”" in out
    assert "台账中为“2023-06-30”，表格中为“2023-07-31”" in out
    assert {p: p.read_bytes() for p in (repo / "ledger").rglob("*.yaml")} == files


def test_a_county_s_own_status_column_without_records_is_downgraded_even_before_the_first_commit(capsys, tmp_path: Path):
    from openpyxl import Workbook
    repo = tmp_path / "county"
    assert rectify(capsys, "init", str(repo))[0] == 0
    wb = Workbook()
    wb.active.append(["序号", "被巡察单位", "问题", "整改措施", "责任人", "完成时限", "整改进展", "完成情况", "状态"])
    wb.active.append([1, "县教育局", "食堂采购未公开招标", "规范食堂采购", "黄局长、马丽", "2023-11-30",
                      "2023-05-10 采购制度已修订", "已完成", "已销号"])
    wb.save("教育局.xlsx")
    code, out, err = rectify(capsys, "import", "教育局.xlsx", "--ledger", str(repo / "ledger"), "--round", "2023-R9",
                             "--round-name", "县委第一轮巡察", "--feedback-date", "2023-03-01", "--deadline", "2023-12-31",
                             "--no-cache")
    assert code == 0, out + err
    item = load_ledger(repo / "ledger")[0].items["2023-R9-001"]
    assert item.status.value == "in_progress" and item.measures[0].done.isoformat() == "2023-05-10"
    assert rectify(capsys, "validate", str(repo / "ledger"))[0] == 0

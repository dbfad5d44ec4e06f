"""Edit helpers: ``rectify new item``, ``rectify report``, ``rectify transition``.

They write what a person would write by hand — keeping comments and flow-style records — and
refuse, with the very messages of ``rectify validate`` and ``rectify check``, whatever the gate
would refuse; then nothing is written. The commit to come is dated by GIT_AUTHOR_DATE (as git
itself does), here the fixture's as-of day, so that records dated 2023 are not "backdated".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ITEM_2, rectify, write
from gitrepo import Repo

NOW = "2023-08-18T10:00:00+08:00"
COMMENTED_ITEM_2 = ITEM_2.replace("id: 2023-R2-002\n", "# 东关镇：防汛物资问题（手写注释）\nid: 2023-R2-002\n") \
                         .replace("due: 2023-09-30}\n", "due: 2023-09-30}  # 9月底前补齐\n")
REFUSED = "共发现 {n} 个错误，未写入任何文件。\n"


@pytest.fixture(autouse=True)
def commit_date(monkeypatch):
    monkeypatch.setenv("GIT_AUTHOR_DATE", NOW)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "监督办 钱某")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "qian@example.invalid")


@pytest.fixture
def item2(ledger_dir: Path) -> Path:
    path = write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", COMMENTED_ITEM_2)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    return rectify(capsys, *args, "--no-cache")


def lines(out: str) -> list[str]:
    return out.splitlines()


# ---------------------------------------------------------------- new item

NEW_ITEM_ARGS = ("--round", "2023-R2", "--unit", "县农业农村局", "--feedback", "2023-R2-F01", "--aspect", "资金项目管理",
                 "--title", "项目资金拨付滞后", "--problem", "部分项目资金未按进度拨付。", "--term", "time_limited",
                 "--due", "2023-10-30", "--leader", "王某某", "--department", "计财股",
                 "--measure", "逐项核查拨付进度|计财股|2023-09-30", "--measure", "建立拨付台账, 每月通报|计财股|2023-10-30")


def test_new_item_takes_the_next_id_and_writes_an_open_item(ledger_dir: Path, capsys):
    code, out, err = run(capsys, "new", "item", str(ledger_dir), *NEW_ITEM_ARGS)
    path = ledger_dir / "issues/2023-R2/2023-R2-003.yaml"
    assert (code, out, err) == (0, f"已建账：2023-R2-003“项目资金拨付滞后”，已写入 {path}\n", "")
    assert path.read_text(encoding="utf-8") == """\
id: 2023-R2-003
round: 2023-R2
feedback: [2023-R2-F01]
unit: agri-bureau
aspect: 资金项目管理
title: 项目资金拨付滞后
problem: 部分项目资金未按进度拨付。
term: time_limited
opened: 2023-08-18
due: 2023-10-30
leader: 王某某
department: 计财股
measures:
  - {id: M1, text: 逐项核查拨付进度, owner: 计财股, due: 2023-09-30}
  - {id: M2, text: '建立拨付台账, 每月通报', owner: 计财股, due: 2023-10-30}
status: open
"""
    assert rectify(capsys, "validate", str(ledger_dir), "--today", "2023-08-18")[0] == 0


def test_new_item_counts_on_from_the_highest_id_with_its_width(ledger_dir: Path, capsys):
    write(ledger_dir, "issues/2023-R2/2023-R2-0041.yaml", (ledger_dir / "issues/2023-R2/2023-R2-002.yaml")
          .read_text(encoding="utf-8").replace("id: 2023-R2-002", "id: 2023-R2-0041"))
    code, out, _ = run(capsys, "new", "item", str(ledger_dir), *NEW_ITEM_ARGS, "--date", "2023-08-17")
    assert code == 0 and "2023-R2-0042" in out
    assert "opened: 2023-08-17\n" in (ledger_dir / "issues/2023-R2/2023-R2-0042.yaml").read_text(encoding="utf-8")


def test_new_item_refused_with_the_validators_messages(ledger_dir: Path, capsys):
    args = [a.replace("资金项目管理", "资金管理").replace("县农业农村局", "water-bureau") for a in NEW_ITEM_ARGS]
    args[args.index("--due") + 1] = "2023-11-30"
    code, out, err = run(capsys, "new", "item", str(ledger_dir), *args)
    f = f"{ledger_dir}/issues/2023-R2/2023-R2-003.yaml"
    assert code == 1
    assert lines(out) == [
        f"{f}:4:7: 找不到单位“water-bureau”（应为 units.yaml 中的单位编号）。",
        f"{f}:5:9: “资金管理”不是轮次“2023-R2”反馈意见中的方面。",
        f"{f}:10:6: 完成时限 2023-11-30 晚于本轮整改期限 2023-10-30（长期坚持的问题除外）。",
    ]
    assert err == REFUSED.format(n=3)
    assert not Path(f).exists()


def test_new_item_measure_must_be_text_owner_due(ledger_dir: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        run(capsys, "new", "item", str(ledger_dir), *NEW_ITEM_ARGS[:-2], "--measure", "逐项核查|计财股")
    assert exc.value.code == 2
    assert "措施“逐项核查|计财股”的写法不对，应为“措施内容|责任人|完成时限”" in capsys.readouterr().err


# ---------------------------------------------------------------- report

def test_report_appends_and_keeps_comments_and_flow_style(item2: Path, ledger_dir: Path, capsys):
    code, out, err = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "no", "--by", "东关镇")
    assert (code, out, err) == (0, "2023-R2-002：已追加进展报告（2023-08-18，东关镇），状态仍为 整改中。\n", "")
    assert item2.read_text(encoding="utf-8") == COMMENTED_ITEM_2 + "  - {date: 2023-08-18, by: 东关镇, text: 'no'}\n"
    assert rectify(capsys, "validate", str(ledger_dir), "--today", "2023-08-18")[0] == 0   # 'no' stays text
    code, out, _ = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "x", "--by", "东关镇", "--lang", "en")
    assert (code, out) == (0, "2023-R2-002: progress report added (2023-08-18, 东关镇); status stays in progress.\n")


def test_report_moves_an_open_item_and_marks_measures_done(item2: Path, ledger_dir: Path, capsys):
    item2.write_text(COMMENTED_ITEM_2.replace("status: in_progress", "status: open"), encoding="utf-8")
    code, out, _ = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "救生衣已补齐", "--by", "东关镇",
                       "--date", "2023-08-17", "--done", "M1")
    assert (code, out) == (0, "2023-R2-002 已建账 → 整改中：已追加进展报告，措施 M1 记为完成（2023-08-17，东关镇）。\n")
    text = item2.read_text(encoding="utf-8")
    assert "  - {id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30, done: 2023-08-17} # 9月底前补齐\n" in text
    assert "status: in_progress\n" in text and text.endswith("  - {date: 2023-08-17, by: 东关镇, text: 救生衣已补齐}\n")


def test_report_unknown_item_and_measure(item2: Path, ledger_dir: Path, capsys):
    assert run(capsys, "report", "2023-R2-009", str(ledger_dir), "--text", "x", "--by", "y")[1] == \
        f"{ledger_dir}/issues: 找不到问题“2023-R2-009”。\n"
    code, out, err = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "x", "--by", "y", "--done", "M9")
    assert (code, out, err) == (1, f"{item2}: 问题 2023-R2-002 没有措施“M9”。\n", REFUSED.format(n=1))
    assert item2.read_text(encoding="utf-8") == COMMENTED_ITEM_2


def test_backdated_and_future_records_are_refused_as_the_gate_would(item2: Path, ledger_dir: Path, capsys):
    code, out, _ = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "补记", "--by", "东关镇", "--date", "2023-08-10")
    assert (code, lines(out)) == (1, [
        f"{item2}:19:12: 记录日期 2023-08-10 比提交日期 2023-08-18 早了 7 天以上（补记容许天数见 thresholds.backdate_days）。",
        f"{item2}:19:12: 记录日期 2023-08-10 早于上一条记录的 2023-08-16；记录应按日期先后追加。"])
    code, out, _ = run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "预报", "--by", "东关镇", "--date", "2023-08-19")
    assert (code, lines(out)) == (1, [f"{item2}:19:12: 记录日期 2023-08-19 晚于提交日期 2023-08-18；不能预先登记尚未发生的事。",
                                      f"{item2}:19:12: 日期 2023-08-19 晚于今天（2023-08-18）。"])
    assert item2.read_text(encoding="utf-8") == COMMENTED_ITEM_2


# ---------------------------------------------------------------- transition

def test_submit_verify_clear_with_the_records_each_move_needs(item2: Path, ledger_dir: Path, capsys):
    code, out, _ = run(capsys, "transition", "2023-R2-002", "submitted", str(ledger_dir), "--by", "东关镇 孙某",
                       "--text", "物资已按标准补齐", "--evidence", "采购合同", "入库单")
    assert (code, out) == (0, "2023-R2-002 整改中 → 已交账：已追加交账记录（2023-08-18，东关镇 孙某）。\n")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "verified", str(ledger_dir), "--by", "监督办 赵某", "--note", "材料齐全")
    assert (code, out) == (0, "2023-R2-002 已交账 → 已核账：已追加核账记录：通过（2023-08-18，监督办 赵某）。\n")
    code, out, err = run(capsys, "transition", "2023-R2-002", "cleared", str(ledger_dir), "--by", "监督办 赵某")
    assert (code, out, err) == (1, f"{item2}:15:5: 已销号的问题，其措施 M1 须填写完成日期（done）。\n", REFUSED.format(n=1))
    run(capsys, "report", "2023-R2-002", str(ledger_dir), "--text", "物资补齐", "--by", "东关镇", "--done", "M1")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "cleared", str(ledger_dir), "--by", "监督办 赵某")
    assert (code, out) == (0, "2023-R2-002 已核账 → 已销号：无需追加记录（2023-08-18，监督办 赵某）。\n")
    assert item2.read_text(encoding="utf-8") == COMMENTED_ITEM_2.replace("status: in_progress", "status: cleared") \
        .replace("due: 2023-09-30}  #", "due: 2023-09-30, done: 2023-08-18} #") + """\
  - {date: 2023-08-18, by: 东关镇, text: 物资补齐}
submissions:
  - date: 2023-08-18
    by: 东关镇 孙某
    text: 物资已按标准补齐
    evidence: [采购合同, 入库单]
verifications:
  - {date: 2023-08-18, by: 监督办 赵某, result: passed, note: 材料齐全}
"""


def test_verification_by_the_submitter_is_refused(item2: Path, ledger_dir: Path, capsys):
    run(capsys, "transition", "2023-R2-002", "submitted", str(ledger_dir), "--by", "孙某", "--text", "已补齐")
    before = item2.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "verified", str(ledger_dir), "--by", "孙某")
    assert (code, lines(out)) == (1, [f"{item2}:24:28: 核账人“孙某”与交账人相同；核账须由他人进行。"])
    assert item2.read_text(encoding="utf-8") == before


def test_returning_needs_a_note_and_illegal_moves_get_the_gates_message(item2: Path, ledger_dir: Path, capsys):
    code, out, _ = run(capsys, "transition", "2023-R2-002", "verified", str(ledger_dir), "--by", "赵某")
    assert (code, lines(out)) == (1, [
        f"{item2}:16:9: 状态不能从 in_progress 直接改为 verified。合法的流转见《编辑指南》“状态与流转”。",
        f"{item2}:20:5: 2023-08-18 的核账之前没有交账记录。"])
    run(capsys, "transition", "2023-R2-002", "submitted", str(ledger_dir), "--by", "孙某", "--text", "已补齐")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "in_progress", str(ledger_dir), "--by", "赵某")
    assert (code, lines(out)) == (1, [f"{item2}:24:40: 退回的核账须写明意见（note）。"])
    code, out, _ = run(capsys, "transition", "2023-R2-002", "in_progress", str(ledger_dir), "--by", "赵某", "--note", "缺入库单")
    assert (code, out) == (0, "2023-R2-002 已交账 → 整改中：已追加核账记录：退回（2023-08-18，赵某）。\n")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "in_progress", str(ledger_dir), "--by", "赵某")
    assert (code, out) == (1, f"{item2}:16:9: 问题 2023-R2-002 的状态已是 in_progress，无需流转。\n")


def test_relapse_and_withdrawal(ledger_dir: Path, capsys):
    item1 = ledger_dir / "issues/2023-R2/2023-R2-001.yaml"
    code, out, _ = run(capsys, "transition", "2023-R2-001", "in_progress", str(ledger_dir), "--by", "监督办 钱某",
                       "--note", "回头看发现两个项目仍未验收")
    assert (code, out) == (0, "2023-R2-001 已销号 → 整改中：已追加回头看记录：问题反弹（2023-08-18，监督办 钱某）。\n")
    assert item1.read_text(encoding="utf-8").endswith(
        "lookbacks:\n  - {date: 2023-08-18, by: 监督办 钱某, result: relapsed, note: 回头看发现两个项目仍未验收}\n")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "withdrawn", str(ledger_dir), "--by", "监督办")
    assert code == 1 and lines(out) == [
        f"{ledger_dir}/issues/2023-R2/2023-R2-002.yaml:15:9: 状态为已撤销（withdrawn）时须填写 withdrawal：日期、决定人和理由。",
        f"{ledger_dir}/rounds/2023-R2.yaml:14:9: 反馈问题“2023-R2-F02”没有被任何整改问题认领（须全部认领）。"]


# ---------------------------------------------------------------- against the real gate

def test_helpers_edits_pass_the_gate_and_the_same_git_author_cannot_verify(tmp_path: Path, capsys, monkeypatch):
    import conftest
    repo = Repo(tmp_path / "repo")
    for rel, text in (("ledger.yaml", conftest.SETTINGS), ("units.yaml", conftest.UNITS),
                      ("rounds/2023-R2.yaml", conftest.ROUND), ("issues/2023-R2/2023-R2-001.yaml", conftest.ITEM_1),
                      ("issues/2023-R2/2023-R2-002.yaml", conftest.ITEM_2)):
        repo.write("ledger/" + rel, text)
    base = repo.commit("台账", "2023-08-17T09:00:00+08:00", author="监督办 钱某")
    ledger = str(repo.root / "ledger")
    path = f"{ledger}/issues/2023-R2/2023-R2-002.yaml"

    def as_author(name: str) -> None:
        import zlib
        monkeypatch.setenv("GIT_AUTHOR_NAME", name)
        monkeypatch.setenv("GIT_AUTHOR_EMAIL", f"{zlib.crc32(name.encode()):08x}@example.invalid")

    as_author("东关镇 孙某")
    assert run(capsys, "transition", "2023-R2-002", "submitted", ledger, "--by", "东关镇 孙某", "--text", "已补齐")[0] == 0
    repo.commit("交账", NOW, author="东关镇 孙某")
    code, out, _ = run(capsys, "transition", "2023-R2-002", "verified", ledger, "--by", "监督办 赵某")
    assert (code, lines(out)) == (1, [f"{path}:23:5: 核账与交账由同一 git 作者“东关镇 孙某”提交；核账须由他人提交。"])
    as_author("监督办 赵某")
    assert run(capsys, "transition", "2023-R2-002", "verified", ledger, "--by", "监督办 赵某")[0] == 0
    repo.commit("核账", "2023-08-18T15:00:00+08:00", author="监督办 赵某")
    code, out, err = rectify(capsys, "check", ledger, "--base", base, "--repo", str(repo.root), "--no-cache")
    assert (code, lines(out)[0], err) == (0, "检查通过：2 个提交，2 次状态变更，未发现错误。", "")

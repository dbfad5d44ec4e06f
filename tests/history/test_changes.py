"""The gate and the audit on real git repositories with fixed dates: every legal move accepted,
every illegal change rejected with its exact message."""

from __future__ import annotations

import pytest

from conftest import ITEM_2, ROUND, SETTINGS, UNITS, rectify
from gitrepo import Repo

ITEM = "ledger/issues/2023-R2/2023-R2-002.yaml"
# the conftest item as it is opened (建账): status open, no records yet
OPEN_ITEM = ITEM_2.split("status:")[0] + "status: open\n"
OTHER = """\
id: 2023-R2-001
round: 2023-R2
feedback: [2023-R2-F01]
unit: agri-bureau
aspect: 资金项目管理
title: 高标准农田建设项目验收不严
problem: 2021年以来部分项目未按规定组织竣工验收。
term: time_limited
opened: 2023-06-05
due: 2023-09-30
leader: 王某某
department: 农田建设股
measures:
  - {id: M1, text: 对项目逐一复验, owner: 农田建设股, due: 2023-08-31}
status: open
"""


@pytest.fixture
def repo(tmp_path):
    r = Repo(tmp_path / "repo")
    r.write("ledger/ledger.yaml", SETTINGS.replace("as_of: 2023-08-18\n", ""))
    r.write("ledger/units.yaml", UNITS)
    r.write("ledger/rounds/2023-R2.yaml", ROUND)
    r.write("ledger/issues/2023-R2/2023-R2-001.yaml", OTHER)
    r.write(ITEM, OPEN_ITEM)
    r.base = r.commit("建账", "2023-06-05T09:00:00+08:00", author="监督办 王某")
    return r


def step(repo, old, new, when, author="东关镇 张某", rel=ITEM):
    repo.edit(rel, old, new)
    return repo.commit(f"{rel} update", when, author=author)


def to_in_progress(repo, when="2023-06-10T18:00:00+08:00"):
    return step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-10, by: 东关镇, text: 已开始采购}", when)


def to_submitted(repo, when="2023-08-01T18:00:00+08:00", author="东关镇 张某"):
    step(repo, "due: 2023-09-30}", "due: 2023-09-30, done: 2023-07-30}", when, author)
    return step(repo, "status: in_progress", "status: submitted\nsubmissions:\n  - {date: 2023-08-01, by: 东关镇 张某, text: 已补齐, evidence: [采购清单]}",
                when, author)


def check(capsys, repo, *extra):
    code, out, err = rectify(capsys, "check", str(repo.root / "ledger"), "--repo", str(repo.root),
                             "--base", repo.base, "--no-cache", *extra)
    assert "Traceback" not in out + err
    return code, out.splitlines()


def line(repo, pos, message, sha):
    return f"{ITEM}:{pos} (提交 {sha[:10]}): {message}"


def test_legal_path_to_cleared(capsys, repo):
    to_in_progress(repo)
    to_submitted(repo)
    step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}",
         "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    step(repo, "status: verified", "status: cleared", "2023-08-04T10:00:00+08:00", author="监督办 赵某")
    code, lines = check(capsys, repo)
    assert code == 0, lines
    assert lines == ["检查通过：5 个提交，4 次状态变更，未发现错误。",
                     "2023-R2-002 已建账 → 整改中", "2023-R2-002 整改中 → 已交账",
                     "2023-R2-002 已交账 → 已核账", "2023-R2-002 已核账 → 已销号"]


def test_returned_then_resubmitted(capsys, repo):
    to_in_progress(repo)
    to_submitted(repo)
    step(repo, "status: submitted",
         "status: in_progress\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: returned, note: 缺少入库单}",
         "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    code, lines = check(capsys, repo)
    assert code == 0, lines
    assert lines[-1] == "2023-R2-002 已交账 → 整改中"


def test_immediate_item_may_skip_in_progress(capsys, repo):
    repo.edit(ITEM, "term: time_limited", "term: immediate")
    repo.base = repo.commit("改为立行立改", "2023-06-06T09:00:00+08:00", author="监督办 王某")
    step(repo, "status: open", "status: submitted\nsubmissions:\n  - {date: 2023-06-07, by: 东关镇 张某, text: 已立行立改}",
               "2023-06-07T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert (code, lines) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 已交账"])


def test_withdrawn(capsys, repo):
    step(repo, "status: open", "status: withdrawn\nwithdrawal: {date: 2023-06-08, by: 监督办 王某, reason: 与2023-R2-001重复, merged_into: 2023-R2-001}",
         "2023-06-08T10:00:00+08:00", author="监督办 王某")
    repo.edit("ledger/issues/2023-R2/2023-R2-001.yaml", "feedback: [2023-R2-F01]", "feedback: [2023-R2-F01]")
    code, lines = check(capsys, repo)
    # the withdrawn item no longer claims F02, which the validator reports; the change itself is legal
    assert not any("状态不能从" in x for x in lines), lines


ILLEGAL = {
    "open_to_verified": ("status: open", "status: verified\nsubmissions:\n  - {date: 2023-06-09, by: 东关镇 张某, text: 完成}\n"
                         "verifications:\n  - {date: 2023-06-10, by: 监督办 赵某, result: passed}",
                         "15:9", "状态不能从 open 直接改为 verified。合法的流转见《编辑指南》“状态与流转”。"),
    "open_to_submitted_not_immediate": ("status: open", "status: submitted\nsubmissions:\n  - {date: 2023-06-10, by: 东关镇 张某, text: 完成}",
                                        "15:9", "只有立行立改（term: immediate）的问题才能从 open 直接交账（submitted）。"),
    "immutable_problem": ("problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。", "problem: 防汛物资基本充足。", "7:10",
                          "建账后不得修改“problem”（原为“镇防汛物资仓库编织袋、救生衣储备低于标准。”，现为“防汛物资基本充足。”）。如确有错误，请撤销本问题并新建。"),
    "immutable_unit": ("unit: east-town", "unit: agri-bureau", "4:7",
                       "建账后不得修改“unit”（原为“east-town”，现为“agri-bureau”）。如确有错误，请撤销本问题并新建。"),
    "record_after_commit": ("status: open", "status: in_progress\nreports:\n  - {date: 2023-06-12, by: 东关镇, text: 已开始}",
                            "17:12", "记录日期 2023-06-12 晚于提交日期 2023-06-10；不能预先登记尚未发生的事。"),
    "record_backdated": ("status: open", "status: in_progress\nreports:\n  - {date: 2023-06-01, by: 东关镇, text: 已开始}",
                         "17:12", "记录日期 2023-06-01 比提交日期 2023-06-10 早了 7 天以上（补记容许天数见 thresholds.backdate_days）。"),
}


@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_change(capsys, repo, name):
    old, new, pos, message = ILLEGAL[name]
    sha = step(repo, old, new, "2023-06-10T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, pos, message, sha) in lines, "\n".join(lines)


def test_record_edited(capsys, repo):
    to_in_progress(repo)
    repo.base = repo.git("rev-parse", "HEAD").strip()
    edited = step(repo, "text: 已开始采购}", "text: 已采购完毕}", "2023-06-11T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "17:5", "reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。", edited) in lines


def test_record_removed(capsys, repo):
    to_in_progress(repo)
    repo.base = repo.git("rev-parse", "HEAD").strip()
    removed = step(repo, "reports:\n  - {date: 2023-06-10, by: 东关镇, text: 已开始采购}", "reports: []",
                   "2023-06-12T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "16:10", "reports 中删除了 1 条记录；记录只增不改、不删。", removed) in lines


def test_a_slip_mended_inside_the_pull_request(capsys, repo, monkeypatch):
    """A typo in one commit, put right in the next. Merged with a merge commit or rebased, main keeps
    the bad commit and the audit would report it: so does the gate. Squashed, only the net change
    lands on main, and the gate told so judges that."""
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-10, by: 东关镇, text: 已开始采购}",
         "2023-06-10T18:00:00+08:00")
    edited = step(repo, "text: 已开始采购}", "text: 已开始采购防汛物资}", "2023-06-10T19:00:00+08:00")
    mended = step(repo, "text: 已开始采购防汛物资}", "text: 已开始采购}", "2023-06-10T19:30:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert sorted(lines) == sorted([
        line(repo, "17:5", "reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。", edited),
        line(repo, "17:5", "reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。", mended),
    ])
    monkeypatch.setenv("RECTIFY_NOW", "2023-06-10T20:00:00+08:00")   # squashed now: recorded now
    code, lines = check(capsys, repo, "--merge-method", "squash")
    assert (code, lines) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])


def test_the_audit_still_sees_every_commit(capsys, repo):
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-10, by: 东关镇, text: 已开始采购}",
         "2023-06-10T18:00:00+08:00")
    edited = step(repo, "text: 已开始采购}", "text: 已开始采购防汛物资}", "2023-06-10T19:00:00+08:00")
    code, out, _ = rectify(capsys, "audit", str(repo.root / "ledger"), "--repo", str(repo.root), "--no-cache")
    assert code == 1
    assert f"  {ITEM}:17:5 (提交 {edited[:10]}): reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。" in out.splitlines()


def test_item_deleted(capsys, repo):
    (repo.root / ITEM).unlink()
    sha = repo.commit("删除", "2023-06-10T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{ITEM} (提交 {sha[:10]}): 问题“2023-R2-002”被删除；问题不得删除，重复或合并的请改为撤销（withdrawn）并写明理由。" in lines


def test_renamed_file_is_not_a_deletion(capsys, repo):
    repo.write("ledger/issues/2023-R2/2023-R2-03.yaml", OPEN_ITEM.replace("2023-R2-002", "2023-R2-003"))
    repo.base = repo.commit("误建文件名", "2023-06-06T09:00:00+08:00", author="监督办 王某")
    repo.git("mv", "ledger/issues/2023-R2/2023-R2-03.yaml", "ledger/issues/2023-R2/2023-R2-003.yaml")
    repo.commit("更正文件名", "2023-06-07T09:00:00+08:00", author="监督办 王某")
    code, lines = check(capsys, repo)
    assert (code, lines) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])


def test_changing_an_id_is_a_deletion(capsys, repo):
    repo.edit(ITEM, "id: 2023-R2-002", "id: 2023-R2-009")
    sha = repo.commit("改编号", "2023-06-07T09:00:00+08:00", author="监督办 王某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "1:5", "建账后不得修改“id”（原为“2023-R2-002”，现为“2023-R2-009”）。如确有错误，请撤销本问题并新建。", sha) in lines


def test_same_author_submits_and_verifies(capsys, repo):
    to_in_progress(repo)
    to_submitted(repo, author="东关镇 张某")
    sha = step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}",
               "2023-08-03T18:00:00+08:00", author="东关镇 张某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "17:5", "核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。", sha) in lines


def test_squash_merge_of_submission_and_verification_by_one_author(capsys, repo):
    to_in_progress(repo)
    repo.base = repo.git("rev-parse", "HEAD").strip()
    repo.edit(ITEM, "due: 2023-09-30}", "due: 2023-09-30, done: 2023-07-30}")
    repo.edit(ITEM, "status: in_progress", "status: verified\nsubmissions:\n  - {date: 2023-08-01, by: 东关镇 张某, text: 已补齐}\n"
              "verifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}")
    sha = repo.commit("Squashed PR", "2023-08-03T18:00:00+08:00", author="东关镇 张某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "15:9", "状态不能从 in_progress 直接改为 verified。合法的流转见《编辑指南》“状态与流转”。", sha) in lines
    assert line(repo, "19:5", "核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。", sha) in lines


def test_merge_commit_first_parent(capsys, repo):
    repo.git("checkout", "-q", "-b", "feature")
    to_in_progress(repo)
    repo.git("checkout", "-q", "main")
    repo.write("ledger/bulletins/2023-W24.yaml", "week: 2023-W24\nparagraphs: [本周督促各单位按时报告。]\n")
    repo.commit("通报", "2023-06-11T09:00:00+08:00", author="监督办 王某")
    env = {"GIT_AUTHOR_DATE": "2023-06-12T09:00:00+08:00", "GIT_COMMITTER_DATE": "2023-06-12T09:00:00+08:00",
           "GIT_AUTHOR_NAME": "监督办 王某", "GIT_AUTHOR_EMAIL": "w@example.invalid",
           "GIT_COMMITTER_NAME": "监督办 王某", "GIT_COMMITTER_EMAIL": "w@example.invalid"}
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "Merge feature", env=env)
    code, lines = check(capsys, repo)
    assert code == 0, lines
    assert lines[1:] == ["2023-R2-002 已建账 → 整改中"]


def test_commit_dated_in_future(capsys, repo):
    sha = step(repo, "status: open", "status: in_progress", "2099-01-01T10:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{ITEM} (提交 {sha[:10]}): 提交时间 2099-01-01T10:00+08:00 在未来；请检查电脑时钟。" in lines


def test_shallow_clone_is_refused(capsys, repo, tmp_path):
    to_in_progress(repo)
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    code, out, err = rectify(capsys, "audit", str(clone / "ledger"), "--repo", str(clone), "--no-cache")
    assert code == 1
    assert out.strip().endswith("这是浅克隆（shallow clone），缺少完整历史，时间线会出错。请取完整历史：git fetch --unshallow，或在 GitHub Actions 的 checkout 中设置 fetch-depth: 0。")


def test_rewritten_history_has_no_merge_base(capsys, repo):
    to_in_progress(repo)
    repo.git("checkout", "-q", "--orphan", "rewritten")
    repo.commit("重写", "2023-06-20T09:00:00+08:00", author="某人")
    code, lines = check(capsys, repo)
    assert code == 1
    assert lines[-1].endswith(f"“{repo.base}”与当前版本没有共同祖先（历史可能被强制改写）。")


def test_audit_lists_every_illegal_change_with_commit_author_date(capsys, repo):
    to_in_progress(repo)
    bad = step(repo, "text: 已开始采购}", "text: 改过的}", "2023-06-11T18:00:00+08:00", author="东关镇 李某")
    code, out, err = rectify(capsys, "audit", str(repo.root / "ledger"), "--repo", str(repo.root), "--no-cache")
    assert code == 1
    assert out.splitlines() == [
        f"提交 {bad[:10]}  2023-06-11T18:00+08:00  东关镇 李某 <{repo.git('log', '-1', '--format=%ae').strip()}>  {ITEM} update",
        f"  {ITEM}:17:5 (提交 {bad[:10]}): reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。",
    ]
    assert err.strip() == "共发现 1 个错误。"


def test_clean_audit(capsys, repo):
    to_in_progress(repo)
    code, out, _ = rectify(capsys, "audit", str(repo.root / "ledger"), "--repo", str(repo.root), "--no-cache")
    assert (code, out.strip()) == (0, "审计完成：2 个提交，未发现违规修改。")


def test_summary_lists_moves_and_errors(capsys, repo, tmp_path):
    to_in_progress(repo)
    summary = tmp_path / "summary.md"
    code, lines = check(capsys, repo, "--summary", str(summary))
    text = summary.read_text(encoding="utf-8")
    assert code == 0
    assert "- `2023-R2-002` 防汛物资储备不足 已建账 → 整改中" in text

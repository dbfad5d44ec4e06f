"""The gate and the audit on merge commits, forged dates and people's names: real repositories,
exact lines. Each scenario is one of issue 12's ways around the gate or of its false accusations."""

from __future__ import annotations

from conftest import rectify
from test_changes import ITEM, check, line, repo, step, to_in_progress  # noqa: F401 - repo: fixture

OTHER_ITEM = "ledger/issues/2023-R2/2023-R2-001.yaml"


def audit(capsys, repo):
    code, out, err = rectify(capsys, "audit", str(repo.root / "ledger"), "--repo", str(repo.root), "--no-cache")
    assert "Traceback" not in out + err
    return code, out.splitlines()


def merge(repo, branch, when, author="监督办 王某", *extra):
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": author,
           "GIT_AUTHOR_EMAIL": "m@example.invalid", "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": "m@example.invalid"}
    repo.git("merge", "-q", "--no-ff", *extra, branch, "-m", f"Merge {branch}", env=env)
    return env


def submit(repo, when="2023-08-01T18:00:00+08:00", author="东关镇 张某", by="东关镇 张某"):
    step(repo, "due: 2023-09-30}", "due: 2023-09-30, done: 2023-07-30}", when, author)
    return step(repo, "status: in_progress",
                f"status: submitted\nsubmissions:\n  - {{date: 2023-08-01, by: {by}, text: 已补齐, evidence: [采购清单]}}", when, author)


def test_legal_pull_request_merged_with_a_merge_commit_keeps_the_audit_clean(capsys, repo):
    """submitted → verified → cleared by three people on a branch, merged with a merge commit: the
    audit used to see one step in_progress → cleared that nobody made."""
    to_in_progress(repo)
    repo.git("checkout", "-q", "-b", "pr")
    submit(repo)
    step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}",
         "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    step(repo, "status: verified", "status: cleared", "2023-08-04T10:00:00+08:00", author="监督办 钱某")
    repo.git("checkout", "-q", "main")
    code, lines = check(capsys, repo, "--head", "pr")
    assert code == 0, lines
    merge(repo, "pr", "2023-08-04T12:00:00+08:00")
    assert audit(capsys, repo) == (0, ["审计完成：7 个提交，未发现违规修改。"])


def test_update_branch_does_not_charge_the_pull_request_with_mains_moves(capsys, repo):
    base = repo.base
    repo.git("checkout", "-q", "-b", "pr")
    to_in_progress(repo)
    repo.git("checkout", "-q", "main")
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-11, by: 县农业农村局, text: 已成立工作组}",
         "2023-06-11T09:00:00+08:00", author="县农业农村局 孙某", rel=OTHER_ITEM)
    step(repo, "text: 已成立工作组}", "text: 改写了}", "2023-06-11T10:00:00+08:00", author="县农业农村局 孙某", rel=OTHER_ITEM)
    repo.git("checkout", "-q", "pr")
    merge(repo, "main", "2023-06-12T09:00:00+08:00", "东关镇 张某")
    repo.base = base
    code, lines = check(capsys, repo, "--base", "main")
    assert (code, lines) == (0, ["检查通过：2 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])


def test_a_merge_author_verifying_their_own_submission_inside_the_merge(capsys, repo):
    """What first appears in a merge is its author's: the verification added while merging is
    judged against the submission its author made on main."""
    to_in_progress(repo)
    submit(repo)
    repo.git("checkout", "-q", "-b", "side")
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-08-02, by: 县农业农村局, text: 已成立工作组}",
         "2023-08-02T09:00:00+08:00", author="县农业农村局 孙某", rel=OTHER_ITEM)
    repo.git("checkout", "-q", "main")
    env = merge(repo, "side", "2023-08-03T18:00:00+08:00", "东关镇 张某", "--no-commit")
    repo.edit(ITEM, "status: submitted", "status: verified")
    text = (repo.root / ITEM).read_text(encoding="utf-8")
    text = text.replace("reports:\n", "verifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}\n"
                        "  - {date: 2023-08-09, by: 监督办 赵某, result: passed}\nreports:\n")
    (repo.root / ITEM).write_text(text, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit", env=env)
    sha = repo.git("rev-parse", "HEAD").strip()
    code, lines = audit(capsys, repo)
    assert code == 1
    assert f"  {line(repo, '19:5', '核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。', sha)}" in lines
    assert f"  {line(repo, '20:12', '记录日期 2023-08-09 晚于提交日期 2023-08-03；不能预先登记尚未发生的事。', sha)}" in lines


def test_a_commit_dated_before_its_parent(capsys, repo):
    to_in_progress(repo, when="2023-06-10T18:00:00+08:00")
    repo.base = repo.git("rev-parse", "HEAD").strip()
    sha = step(repo, "text: 已开始采购}", "text: 已开始采购}\n  - {date: 2023-06-10, by: 东关镇, text: 补记}",
               "2023-06-09T18:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert lines == [(f"{ITEM} (提交 {sha[:10]}): 提交时间 2023-06-09T18:00+08:00 早于它的上一个提交（2023-06-10T18:00+08:00）；"
                        "提交时间即登记时间，不能倒填。请检查电脑时钟后重新提交。"),
                     line(repo, "18:12", "记录日期 2023-06-10 晚于提交日期 2023-06-09；不能预先登记尚未发生的事。", sha)]


def test_recorded_time_is_the_committer_date(capsys, repo):
    """A record made on 2023-06-10 in a commit authored two days earlier (a branch rebased later):
    recorded when committed, it is not after its commit."""
    repo.edit(ITEM, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-10, by: 东关镇, text: 已开始采购}")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "x", env={"GIT_AUTHOR_NAME": "东关镇 张某", "GIT_AUTHOR_EMAIL": "z@example.invalid",
                                            "GIT_AUTHOR_DATE": "2023-06-08T09:00:00+08:00",
                                            "GIT_COMMITTER_NAME": "东关镇 张某", "GIT_COMMITTER_EMAIL": "z@example.invalid",
                                            "GIT_COMMITTER_DATE": "2023-06-10T18:00:00+08:00"})
    code, lines = check(capsys, repo)
    # two days and nine hours between the dates: within thresholds.date_gap_days, so no warning either
    assert (code, lines) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])


def test_a_renamed_item_file_is_one_message(capsys, repo):
    to_in_progress(repo)
    repo.base = repo.git("rev-parse", "HEAD").strip()
    repo.git("mv", ITEM, "ledger/issues/2023-R2/2023-R2-009.yaml")
    repo.edit("ledger/issues/2023-R2/2023-R2-009.yaml", "id: 2023-R2-002", "id: 2023-R2-009")
    sha = repo.commit("改编号", "2023-07-01T09:00:00+08:00", author="监督办 王某")
    code, lines = check(capsys, repo)
    assert (code, lines) == (1, [
        f"ledger/issues/2023-R2/2023-R2-009.yaml:1:5 (提交 {sha[:10]}): 问题“2023-R2-002”（原文件 {ITEM}）被改名为“2023-R2-009”；"
        "建账后编号和文件名不得修改。如确有错误，请撤销本问题并新建。"])


def test_the_same_person_with_a_full_width_space_is_one_person(capsys, repo):
    to_in_progress(repo)
    submit(repo, author="东关镇 张某")
    sha = step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}",
               "2023-08-03T18:00:00+08:00", author="东关镇\u3000张某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "17:5", "核账与交账由同一 git 作者“东关镇\u3000张某”提交；核账须由他人提交。", sha) in lines


def test_a_verifier_named_with_a_full_width_space_is_the_submitter(capsys, repo):
    to_in_progress(repo)
    submit(repo)
    step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 东关镇\u3000张某, result: passed}",
         "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{repo.root / ITEM}:17:28: 核账人“东关镇\u3000张某”与交账人相同；核账须由他人进行。" in lines


def test_a_reason_of_one_full_width_space_is_no_reason(capsys, repo):
    step(repo, "status: open", "status: withdrawn\nwithdrawal: {date: 2023-06-08, by: 监督办 王某, reason: '\u3000'}",
         "2023-06-08T10:00:00+08:00", author="监督办 王某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{repo.root / ITEM}:16:52: 撤销理由（reason）不能为空白；请写明撤销的原因。" in lines


def test_a_pull_request_is_judged_by_the_base_settings(capsys, repo):
    """Raising backdate_days in the pull request that needs it changes nothing: the base's 7 days hold."""
    repo.edit("ledger/ledger.yaml", "office:", "thresholds: {backdate_days: 60}\noffice:")
    sha = step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-01, by: 东关镇, text: 已开始}",
               "2023-06-20T10:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "17:12", "记录日期 2023-06-01 比提交日期 2023-06-20 早了 7 天以上（补记容许天数见 thresholds.backdate_days）。", sha) in lines


def test_flipping_the_term_to_immediate_does_not_open_the_shortcut(capsys, repo):
    repo.edit(ITEM, "term: time_limited", "term: immediate")
    repo.edit(ITEM, "due: 2023-09-30}", "due: 2023-09-30, done: 2023-06-10}")
    sha = step(repo, "status: open", "status: submitted\nsubmissions:\n  - {date: 2023-06-10, by: 东关镇 张某, text: 完成}",
               "2023-06-10T10:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert sorted(lines) == sorted([
        line(repo, "8:7", "建账后不得修改“term”（原为“time_limited”，现为“immediate”）。如确有错误，请撤销本问题并新建。", sha),
        line(repo, "15:9", "只有立行立改（term: immediate）的问题才能从 open 直接交账（submitted）。", sha)])


def test_removing_a_measure_or_changing_its_done_date(capsys, repo):
    step(repo, "due: 2023-09-30}", "due: 2023-09-30, done: 2023-06-09}\n  - {id: M2, text: 建立台账, owner: 应急办, due: 2023-09-30}",
         "2023-06-10T10:00:00+08:00")
    repo.base = repo.git("rev-parse", "HEAD").strip()
    removed = step(repo, "\n  - {id: M2, text: 建立台账, owner: 应急办, due: 2023-09-30}", "", "2023-06-11T10:00:00+08:00")
    moved = step(repo, "done: 2023-06-09}", "done: 2023-06-11}", "2023-06-12T10:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert sorted(lines) == sorted([
        line(repo, "14:3", "删除了措施 M2；措施不得删除，不再执行的请保留并写明撤销理由。", removed),
        line(repo, "14:5", "措施 M1 的完成日期已登记为 2023-06-09，不得改动（现为 2023-06-11）。", moved)])


def test_returned_needs_a_returned_verification(capsys, repo):
    to_in_progress(repo)
    submit(repo)
    sha = step(repo, "status: submitted", "status: in_progress\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}",
               "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    code, lines = check(capsys, repo)
    assert line(repo, "15:9", "状态从 submitted 退回 in_progress，须追加一条结果为退回（result: returned）的核账记录；本次追加的核账结果是通过。", sha) in lines


def test_a_changed_problem_text_shows_the_changed_words(capsys, repo):
    repo.edit(ITEM, "problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。", "problem: 镇防汛物资仓库编织袋、救生衣、冲锋舟、抽水泵、发电机和应急照明设备储备低于省定标准。")
    repo.base = repo.commit("长文本", "2023-06-06T09:00:00+08:00", author="监督办 王某")
    sha = step(repo, "应急照明设备储备低于省定标准。", "应急照明设备储备基本达到省定标准。", "2023-06-07T09:00:00+08:00")
    code, lines = check(capsys, repo)
    assert line(repo, "7:10", "建账后不得修改“problem”（原为“…应急照明设备储备低于省定标准。”，现为“…应急照明设备储备基本达到省定标准。”）。如确有错误，请撤销本问题并新建。", sha) in lines


def test_a_due_date_moves_later_only_with_an_extension(capsys, repo):
    late = step(repo, "due: 2023-10-15", "due: 2023-11-30", "2023-06-10T10:00:00+08:00", author="东关镇 张某")
    code, lines = check(capsys, repo)
    assert line(repo, "10:6", "完成时限从 2023-10-15 改晚到 2023-11-30，须在同一次修改中追加一条延期记录（extensions：日期、新的完成时限、理由、批准人）。", late) in lines
    repo.base = late
    step(repo, "status: open", "status: open\nextensions:\n  - {date: 2023-06-11, due: 2023-12-31, reason: 汛期施工受阻, approved_by: 监督办 赵某}",
         "2023-06-11T10:00:00+08:00", author="监督办 赵某")
    repo.edit(ITEM, "due: 2023-11-30", "due: 2023-12-31")
    repo.git("add", "-A")
    repo.git("commit", "-q", "--amend", "--no-edit", env={"GIT_COMMITTER_NAME": "监督办 赵某", "GIT_COMMITTER_EMAIL": "z@example.invalid",
                                                           "GIT_COMMITTER_DATE": "2023-06-11T10:00:00+08:00"})
    code, lines = check(capsys, repo)
    assert not any("完成时限从" in x for x in lines), lines

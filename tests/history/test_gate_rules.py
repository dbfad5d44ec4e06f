"""The gate and the audit on issue 12's leftovers: people named with or without their unit,
append-only actions and evaluations, a round's deadline moved only with an extension, and commits
whose author and committer dates lie far apart. Real repositories, fixed dates, exact lines."""

from __future__ import annotations

from test_changes import ITEM, check, line, repo, step, to_in_progress  # noqa: F401 - repo: fixture
from test_gate_merges import audit, submit

VERIFY = "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}"


# ---------------------------------------------------------------- one person, with or without a unit

def test_a_verifier_committing_without_the_unit_prefix_is_the_submitter(capsys, repo):
    """东关镇 张某 submits; the same 张某, with git set up without his unit, verifies."""
    to_in_progress(repo)
    submit(repo, author="东关镇 张某")
    sha = step(repo, "status: submitted", VERIFY, "2023-08-03T18:00:00+08:00", author="张某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert line(repo, "17:5", "核账与交账由同一 git 作者“张某”提交；核账须由他人提交。", sha) in lines


def test_a_verifier_recorded_without_the_unit_prefix_is_the_submitter(capsys, repo):
    to_in_progress(repo)
    submit(repo, by="东关镇 张某")
    step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 张某, result: passed}",
         "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{repo.root / ITEM}:17:28: 核账人“张某”与交账人相同；核账须由他人进行。" in lines


def test_namesakes_in_two_units_are_two_people(capsys, repo):
    """县财政局 张某 verifying 东关镇 张某's submission is separation of duties kept."""
    to_in_progress(repo)
    submit(repo, author="东关镇 张某", by="东关镇 张某")
    step(repo, "status: submitted", "status: verified\nverifications:\n  - {date: 2023-08-03, by: 县财政局 张某, result: passed}",
         "2023-08-03T18:00:00+08:00", author="县财政局 张某")
    code, lines = check(capsys, repo)
    assert (code, lines[:1]) == (0, ["检查通过：4 个提交，3 次状态变更，未发现错误。"]), lines


# ---------------------------------------------------------------- author and committer dates far apart

def commit_dated(repo, authored, committed, author="东关镇 张某"):
    env = {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "z@example.invalid", "GIT_AUTHOR_DATE": authored,
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": "z@example.invalid", "GIT_COMMITTER_DATE": committed}
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "update", env=env)
    return repo.git("rev-parse", "HEAD").strip()


def test_a_commit_authored_days_before_it_was_committed_is_a_warning(capsys, repo):
    """Work written on 6-10 and committed (rebased) on 6-14: shown to the reviewer, not blocking."""
    repo.edit(ITEM, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-14, by: 东关镇, text: 已开始采购}")
    sha = commit_dated(repo, "2023-06-10T18:00:00+08:00", "2023-06-14T09:00:00+08:00")
    code, lines = check(capsys, repo)
    assert (code, lines) == (0, [
        f"{ITEM} (提交 {sha[:10]}): 作者时间 2023-06-10T18:00+08:00 与提交时间 2023-06-14T09:00+08:00 相差超过 3 天"
        "（thresholds.date_gap_days）；可能改写过历史或补交了旧修改，请核实。",
        "检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])
    code, lines = audit(capsys, repo)
    assert code == 0
    assert f"  {ITEM} (提交 {sha[:10]}): 作者时间 2023-06-10T18:00+08:00 与提交时间 2023-06-14T09:00+08:00 相差超过 3 天" \
        "（thresholds.date_gap_days）；可能改写过历史或补交了旧修改，请核实。" in lines


def test_dates_three_days_apart_are_no_warning(capsys, repo):
    repo.edit(ITEM, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-13, by: 东关镇, text: 已开始采购}")
    commit_dated(repo, "2023-06-10T09:00:00+08:00", "2023-06-13T09:00:00+08:00")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])

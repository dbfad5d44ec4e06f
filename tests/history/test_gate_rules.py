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
        "检查通过，有 1 个警告（见上，不阻止合并）：1 个提交，1 次状态变更。", "2023-R2-002 已建账 → 整改中"])
    code, lines = audit(capsys, repo)
    assert code == 0
    assert f"  {ITEM} (提交 {sha[:10]}): 作者时间 2023-06-10T18:00+08:00 与提交时间 2023-06-14T09:00+08:00 相差超过 3 天" \
        "（thresholds.date_gap_days）；可能改写过历史或补交了旧修改，请核实。" in lines


def test_dates_three_days_apart_are_no_warning(capsys, repo):
    repo.edit(ITEM, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-13, by: 东关镇, text: 已开始采购}")
    commit_dated(repo, "2023-06-10T09:00:00+08:00", "2023-06-13T09:00:00+08:00")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])


# ---------------------------------------------------------------- actions and evaluations are append-only

ACTIONS = "ledger/actions.yaml"
EVALUATIONS = "ledger/evaluations.yaml"
TALK = "  - {id: A-2023-001, kind: talk, date: 2023-07-01, title: 约谈东关镇分管领导, units: [east-town]}\n"
LETTER = "  - {id: A-2023-002, kind: reminder_letter, date: 2023-07-05, title: 提醒函, units: [agri-bureau]}\n"


def with_actions(repo):
    repo.write(ACTIONS, "actions:\n" + TALK + LETTER)
    repo.write(EVALUATIONS, "evaluations:\n  - {unit: east-town, round: 2023-R2, date: 2023-07-10, score: 82, reasons: 按规则}\n")
    repo.base = repo.commit("处理记录", "2023-07-10T09:00:00+08:00", author="监督办 王某")


def test_an_action_edited_after_it_was_recorded(capsys, repo):
    with_actions(repo)
    repo.edit(ACTIONS, "title: 提醒函", "title: 提醒函（已整改）")
    sha = repo.commit("改处理记录", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (1, [
        f"{ACTIONS}:3:5 (提交 {sha[:10]}): actions 中的记录“A-2023-002”被修改；记录只增不改。"
        "如需更正，请追加一条新记录，在它的 supersedes 中写明所更正记录的编号。"])
    code, lines = audit(capsys, repo)
    assert code == 1 and f"  {ACTIONS}:3:5 (提交 {sha[:10]}): actions 中的记录“A-2023-002”被修改；记录只增不改。" \
        "如需更正，请追加一条新记录，在它的 supersedes 中写明所更正记录的编号。" in lines


def test_an_action_removed(capsys, repo):
    with_actions(repo)
    repo.edit(ACTIONS, TALK, "")
    sha = repo.commit("删处理记录", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (1, [
        f"{ACTIONS}:2:3 (提交 {sha[:10]}): actions 中的记录“A-2023-001”被删除；记录只增不改。"
        "如需更正，请追加一条新记录，在它的 supersedes 中写明所更正记录的编号。"])


def test_a_correction_appended_with_supersedes_passes(capsys, repo):
    with_actions(repo)
    repo.edit(ACTIONS, LETTER, LETTER + "  - {id: A-2023-003, kind: reminder_letter, date: 2023-07-12, title: 提醒函（更正送达单位）,"
              " units: [east-town], supersedes: A-2023-002}\n")
    repo.commit("更正处理记录", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])


def test_an_evaluation_score_edited(capsys, repo):
    with_actions(repo)
    repo.edit(EVALUATIONS, "score: 82", "score: 90")
    sha = repo.commit("改分", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (1, [
        f"{EVALUATIONS}:2:5 (提交 {sha[:10]}): evaluations 中的记录“east-town 2023-R2 2023-07-10”被修改；记录只增不改。"
        "如需更正，请追加一条新记录，在它的 supersedes 中写明所更正记录的编号。"])


# ---------------------------------------------------------------- a round's deadline moves later only with an extension

ROUND_FILE = "ledger/rounds/2023-R2.yaml"


def test_a_round_deadline_moved_later_without_an_extension(capsys, repo):
    repo.edit(ROUND_FILE, "deadline: 2023-10-30", "deadline: 2023-12-31")
    sha = repo.commit("延长整改期限", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (1, [
        f"{ROUND_FILE}:6:11 (提交 {sha[:10]}): 本轮整改期限从 2023-10-30 改晚到 2023-12-31，须在同一次修改中追加一条延期记录"
        "（extensions：日期、新的整改期限、理由、批准人）。"])


def test_a_round_deadline_moved_later_with_an_extension(capsys, repo):
    repo.edit(ROUND_FILE, "deadline: 2023-10-30", "deadline: 2023-12-31")
    (repo.root / ROUND_FILE).write_text((repo.root / ROUND_FILE).read_text(encoding="utf-8") +
                                        "extensions:\n  - {date: 2023-07-12, deadline: 2023-12-31, reason: 汛期影响施工, approved_by: 县委巡察办}\n",
                                        encoding="utf-8")
    repo.commit("延长整改期限", "2023-07-12T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])

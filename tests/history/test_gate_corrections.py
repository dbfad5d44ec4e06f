"""The gate on issue 12's last leftovers: evaluations corrected by appending one, corrections that
must name a record before them, a round's extension the inspected unit approves itself, the head
validated with the base's settings, commit dates checked on commits that touch no item, and the
success line when warnings were shown. Real repositories, fixed dates, exact lines."""

from __future__ import annotations

from test_changes import ITEM, check, line, repo, step  # noqa: F401 - repo: fixture
from test_gate_merges import audit
from test_gate_rules import commit_dated

ACTIONS = "ledger/actions.yaml"
EVALUATIONS = "ledger/evaluations.yaml"
ROUND_FILE = "ledger/rounds/2023-R2.yaml"
FIRST = "  - {id: E-2023-001, unit: east-town, round: 2023-R2, date: 2023-07-10, score: 82, reasons: 按规则}\n"


def with_evaluation(repo):
    repo.write(EVALUATIONS, "evaluations:\n" + FIRST)
    repo.base = repo.commit("评估", "2023-07-10T09:00:00+08:00", author="监督办 王某")


def append(repo, rel, text, when="2023-07-12T09:00:00+08:00", author="监督办 王某"):
    path = repo.root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return repo.commit("追加", when, author=author)


# ---------------------------------------------------------------- an evaluation corrected by appending one

def test_an_evaluation_corrected_by_one_that_supersedes_it(capsys, repo):
    with_evaluation(repo)
    append(repo, EVALUATIONS, "  - {id: E-2023-002, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 78,"
                              " reasons: 复核发现一项措施逾期, supersedes: E-2023-001}\n")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])


def test_a_second_evaluation_without_supersedes_is_a_duplicate(capsys, repo):
    with_evaluation(repo)
    append(repo, EVALUATIONS, "  - {id: E-2023-002, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 78, reasons: 复核}\n")
    assert check(capsys, repo) == (1, [f"{repo.root / EVALUATIONS}:3:5: 单位“east-town”在轮次“2023-R2”已有评估。"])


def test_a_correction_naming_no_evaluation(capsys, repo):
    with_evaluation(repo)
    append(repo, EVALUATIONS, "  - {id: E-2023-002, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 78,"
                              " reasons: 复核, supersedes: E-2023-009}\n")
    code, lines = check(capsys, repo)
    assert (code, sorted(lines)) == (1, sorted([
        f"{repo.root / EVALUATIONS}:3:109: 找不到所更正的记录“E-2023-009”；supersedes 须写本文件中排在它之前的某条记录的编号。",
        # not a correction, so the unit has two evaluations
        f"{repo.root / EVALUATIONS}:3:5: 单位“east-town”在轮次“2023-R2”已有评估。"]))


def test_an_evaluation_corrected_twice_names_the_latest_correction(capsys, repo):
    with_evaluation(repo)
    append(repo, EVALUATIONS, "  - {id: E-2023-002, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 78,"
                              " reasons: 复核, supersedes: E-2023-001}\n"
                              "  - {id: E-2023-003, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 80,"
                              " reasons: 再复核, supersedes: E-2023-002}\n")
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])


def test_a_correction_of_another_units_evaluation(capsys, repo):
    """A correction that names agri-bureau's evaluation but is about east-town: agri-bureau's stands."""
    repo.write(EVALUATIONS, "evaluations:\n" + FIRST.replace("east-town", "agri-bureau"))
    repo.base = repo.commit("评估", "2023-07-10T09:00:00+08:00", author="监督办 王某")
    append(repo, EVALUATIONS, "  - {id: E-2023-002, unit: east-town, round: 2023-R2, date: 2023-07-12, score: 78,"
                              " reasons: 复核, supersedes: E-2023-001}\n")
    assert check(capsys, repo) == (1, [f"{repo.root / EVALUATIONS}:3:109: 所更正的评估“E-2023-001”是另一单位或轮次的"
                                       "（agri-bureau 2023-R2）；更正记录的单位和轮次须与原评估相同。"])


# ---------------------------------------------------------------- supersedes names an earlier record, once

TALK = "  - {id: A-2023-001, kind: talk, date: 2023-07-01, title: 约谈东关镇分管领导, units: [east-town]}\n"


def with_talk(repo):
    repo.write(ACTIONS, "actions:\n" + TALK)
    repo.base = repo.commit("处理记录", "2023-07-10T09:00:00+08:00", author="监督办 王某")


def test_an_action_superseding_an_unknown_id(capsys, repo):
    with_talk(repo)
    append(repo, ACTIONS, "  - {id: A-2023-002, kind: talk, date: 2023-07-12, title: 约谈（更正）, supersedes: A-2023-099}\n")
    assert check(capsys, repo) == (1, [
        f"{repo.root / ACTIONS}:3:79: 找不到所更正的记录“A-2023-099”；supersedes 须写本文件中排在它之前的某条记录的编号。"])


def test_an_action_superseding_itself(capsys, repo):
    with_talk(repo)
    append(repo, ACTIONS, "  - {id: A-2023-002, kind: talk, date: 2023-07-12, title: 约谈（更正）, supersedes: A-2023-002}\n")
    assert check(capsys, repo) == (1, [
        f"{repo.root / ACTIONS}:3:79: 记录在 supersedes 中写了自己的编号“A-2023-002”；应写所更正的原记录的编号。"])


def test_an_action_superseding_one_already_superseded(capsys, repo):
    with_talk(repo)
    append(repo, ACTIONS, "  - {id: A-2023-002, kind: talk, date: 2023-07-12, title: 约谈（更正）, supersedes: A-2023-001}\n"
                          "  - {id: A-2023-003, kind: talk, date: 2023-07-12, title: 约谈（再更正）, supersedes: A-2023-001}\n")
    assert check(capsys, repo) == (1, [
        f"{repo.root / ACTIONS}:4:80: 记录“A-2023-001”已被更正过；再更正时请在 supersedes 中写最近那条更正记录的编号。"])


# ---------------------------------------------------------------- a round's extension approved by the inspected unit

EXTENSION = "extensions:\n  - {{date: 2023-07-12, deadline: 2023-12-31, reason: 汛期影响施工, approved_by: {who}}}\n"


def test_a_round_extension_approved_by_an_inspected_unit_is_refused(capsys, repo):
    repo.edit(ROUND_FILE, "deadline: 2023-10-30", "deadline: 2023-12-31")
    append(repo, ROUND_FILE, EXTENSION.format(who="东关镇 李某"))
    assert check(capsys, repo) == (1, [
        f"{repo.root / ROUND_FILE}:19:75: 本轮延期由“东关镇 李某”批准，而它是本轮被巡察单位；被巡察单位不能批准自己的延期。"])


def test_a_round_extension_approved_by_the_inspection_office_passes(capsys, repo):
    repo.edit(ROUND_FILE, "deadline: 2023-10-30", "deadline: 2023-12-31")
    append(repo, ROUND_FILE, EXTENSION.format(who="县委巡察办 周某"))
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，0 次状态变更，未发现错误。"])


# ---------------------------------------------------------------- settings take effect after they land

def test_a_raised_threshold_counts_from_the_next_pull_request(capsys, repo):
    """The pull request raising backdate_days to 60 is judged by the base's 7 days; once it is
    merged, the next pull request is judged by the 60 days."""
    repo.edit("ledger/ledger.yaml", "office:", "thresholds: {backdate_days: 60}\noffice:")
    repo.commit("补记容许 60 天", "2023-06-20T09:00:00+08:00", author="监督办 王某")
    sha = step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-08, by: 东关镇, text: 已开始}",
               "2023-06-20T10:00:00+08:00")
    backdated = line(repo, "17:12", "记录日期 2023-06-08 比提交日期 2023-06-20 早了 7 天以上（补记容许天数见 thresholds.backdate_days）。", sha)
    assert check(capsys, repo) == (1, [backdated])
    repo.base = repo.git("rev-parse", "HEAD~1").strip()   # the settings landed on main
    assert check(capsys, repo) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已建账 → 整改中"])


def test_the_heads_own_validation_uses_the_bases_time_zone(capsys, repo, monkeypatch):
    """8 p.m. of 2023-08-05 in Shanghai is already 2023-08-06 in Kiribati: a pull request moving the
    ledger's time zone there does not make a record of 2023-08-06 one of today."""
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-05T20:00:00+08:00")
    repo.edit("ledger/ledger.yaml", "office:", "timezone: Pacific/Kiritimati\noffice:")
    repo.commit("时区", "2023-08-05T19:00:00+08:00", author="东关镇 张某")
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-08-06, by: 东关镇, text: 已开始}",
         "2023-08-05T19:30:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 1
    assert f"{repo.root / ITEM}:17:12: 日期 2023-08-06 晚于今天（2023-08-05）。" in lines, lines


# ---------------------------------------------------------------- commit dates, whatever the commit touches

def test_a_commit_touching_only_actions_dated_before_its_parent(capsys, repo):
    with_talk(repo)
    append(repo, ACTIONS, "  - {id: A-2023-002, kind: talk, date: 2023-07-09, title: 约谈}\n", when="2023-07-09T09:00:00+08:00")
    code, lines = check(capsys, repo)
    sha = repo.git("rev-parse", "HEAD").strip()
    assert (code, lines) == (1, [f"{ACTIONS} (提交 {sha[:10]}): 提交时间 2023-07-09T09:00+08:00 早于它的上一个提交"
                                 "（2023-07-10T09:00+08:00）；提交时间即登记时间，不能倒填。请检查电脑时钟后重新提交。"])
    code, lines = audit(capsys, repo)
    assert code == 1 and lines[-1] == (f"  {ACTIONS} (提交 {sha[:10]}): 提交时间 2023-07-09T09:00+08:00 早于它的上一个提交"
                                       "（2023-07-10T09:00+08:00）；提交时间即登记时间，不能倒填。请检查电脑时钟后重新提交。")


def test_a_commit_outside_the_ledger_dated_in_the_future(capsys, repo):
    repo.write("README.md", "台账说明\n")
    sha = repo.commit("说明", "2099-01-01T10:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (1, [f"ledger (提交 {sha[:10]}): 提交时间 2099-01-01T10:00+08:00 在未来；请检查电脑时钟。"])


def test_dates_far_apart_on_a_commit_touching_no_item_are_a_warning(capsys, repo):
    with_talk(repo)
    path = repo.root / ACTIONS
    path.write_text(path.read_text(encoding="utf-8") + "  - {id: A-2023-002, kind: talk, date: 2023-07-14, title: 约谈}\n",
                    encoding="utf-8")
    sha = commit_dated(repo, "2023-07-10T18:00:00+08:00", "2023-07-14T09:00:00+08:00", author="监督办 王某")
    assert check(capsys, repo) == (0, [
        f"{ACTIONS} (提交 {sha[:10]}): 作者时间 2023-07-10T18:00+08:00 与提交时间 2023-07-14T09:00+08:00 相差超过 3 天"
        "（thresholds.date_gap_days）；可能改写过历史或补交了旧修改，请核实。",
        "检查通过，有 1 个警告（见上，不阻止合并）：1 个提交，0 次状态变更。"])


# ---------------------------------------------------------------- passed, with warnings

def test_passed_with_warnings_says_so(capsys, repo):
    repo.edit(ITEM, "status: open", "status: in_progress\nreports:\n  - {date: 2023-06-14, by: 东关镇, text: 已开始采购}")
    commit_dated(repo, "2023-06-10T18:00:00+08:00", "2023-06-14T09:00:00+08:00")
    code, lines = check(capsys, repo)
    assert code == 0
    assert lines[1:] == ["检查通过，有 1 个警告（见上，不阻止合并）：1 个提交，1 次状态变更。", "2023-R2-002 已建账 → 整改中"]
    assert not any("未发现错误" in x for x in lines)
    code, lines = check(capsys, repo, "--lang", "en")
    assert lines[1] == "check passed with 1 warning(s) (above; they do not block): 1 commits, 1 status changes."
    code, lines = audit(capsys, repo)
    assert (code, lines[-1]) == (0, "审计完成，有 1 个警告（见上）：2 个提交，没有违规修改。")


# ---------------------------------------------------------------- a squash is by everyone who committed to the pull request

OTHER_ITEM = "ledger/issues/2023-R2/2023-R2-001.yaml"
VERIFY = "status: verified\nverifications:\n  - {date: 2023-08-03, by: 监督办 赵某, result: passed}"


def submitted_on_main(repo):
    from test_changes import to_in_progress
    from test_gate_merges import submit
    to_in_progress(repo)
    submit(repo, author="东关镇 张某")
    repo.base = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-b", "pr")


def squash_on_main(repo, author, coauthors=()):
    """What GitHub's squash and merge writes: the pull request's author, the other authors of its
    commits as Co-authored-by trailers, committed by GitHub at merge time."""
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "pr")
    message = "Squashed (#1)" + ("\n\n" + "\n".join(f"Co-authored-by: {n} <{e}>" for n, e in coauthors) if coauthors else "")
    when = "2023-08-04T12:00:00+08:00"
    import zlib
    email = f"{zlib.crc32(author.encode()):08x}@example.invalid"
    repo.git("commit", "-q", "-m", message, env={"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": when,
                                                  "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com",
                                                  "GIT_COMMITTER_DATE": when})
    return repo.git("rev-parse", "HEAD").strip()


def test_a_squash_credits_the_submitter_who_committed_to_the_pull_request(capsys, repo, monkeypatch):
    """The submitter 张某 commits to the pull request, 赵某 adds the verification last. Squashed, main
    holds one commit by 张某 (the pull request's author) co-authored by 赵某: the verification is in a
    commit by the submitter, whoever made the head commit."""
    submitted_on_main(repo)
    step(repo, "status: open", "status: in_progress\nreports:\n  - {date: 2023-08-02, by: 县农业农村局, text: 已成立工作组}",
         "2023-08-02T09:00:00+08:00", author="东关镇 张某", rel=OTHER_ITEM)
    step(repo, "status: submitted", VERIFY, "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    repo.git("checkout", "-q", "main")
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-04T12:00:00+08:00")
    code, lines = check(capsys, repo, "--head", "pr", "--merge-method", "squash")
    head = repo.git("rev-parse", "pr").strip()
    verifies = "核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。"
    assert (code, lines) == (1, [line(repo, "17:5", verifies, head)])
    sha = squash_on_main(repo, "东关镇 张某", [("监督办 赵某", repo.git("log", "-1", "--format=%ae", "pr").strip())])
    code, lines = audit(capsys, repo)
    assert code == 1 and f"  {line(repo, '17:5', verifies, sha)}" in lines, lines


def test_a_squash_of_the_verifiers_own_commits_passes(capsys, repo, monkeypatch):
    submitted_on_main(repo)
    step(repo, "status: submitted", VERIFY, "2023-08-03T18:00:00+08:00", author="监督办 赵某")
    repo.git("checkout", "-q", "main")
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-04T12:00:00+08:00")
    code, lines = check(capsys, repo, "--head", "pr", "--merge-method", "squash")
    assert (code, lines) == (0, ["检查通过：1 个提交，1 次状态变更，未发现错误。", "2023-R2-002 已交账 → 已核账"])
    squash_on_main(repo, "监督办 赵某")
    assert audit(capsys, repo) == (0, ["审计完成：5 个提交，未发现违规修改。"])


def test_the_audit_counts_a_co_author_as_the_commits_author(capsys, repo):
    """A verification in a commit by 赵某 that names the submitter 张某 as its co-author."""
    submitted_on_main(repo)
    repo.git("checkout", "-q", "main")
    repo.edit(ITEM, "status: submitted", VERIFY)
    repo.git("add", "-A")
    when = "2023-08-03T18:00:00+08:00"
    repo.git("commit", "-q", "-m", "核账\n\nCo-authored-by: 东关镇 张某 <z@example.invalid>",
             env={"GIT_AUTHOR_NAME": "监督办 赵某", "GIT_AUTHOR_EMAIL": "zhao@example.invalid", "GIT_AUTHOR_DATE": when,
                  "GIT_COMMITTER_NAME": "监督办 赵某", "GIT_COMMITTER_EMAIL": "zhao@example.invalid", "GIT_COMMITTER_DATE": when})
    sha = repo.git("rev-parse", "HEAD").strip()
    code, lines = audit(capsys, repo)
    assert code == 1
    assert f"  {line(repo, '17:5', '核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。', sha)}" in lines, lines


# ---------------------------------------------------------------- verdicts kept by commit id

def test_the_audit_judges_only_commits_it_has_no_verdict_on(capsys, repo, tmp_path, monkeypatch):
    """A second audit takes every verdict from the cache store; after one more commit it judges that
    commit alone, with the origins of the records before it still known: 张某's verification of his
    own submission, made in a commit of its own after the first audit, is caught."""
    from conftest import rectify
    from site_builder.history import rules
    from test_changes import to_in_progress
    from test_gate_merges import submit
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    to_in_progress(repo)
    edited = step(repo, "text: 已开始采购}", "text: 改过的}", "2023-06-11T18:00:00+08:00")
    submit(repo, author="东关镇 张某")
    run = ("audit", str(repo.root / "ledger"), "--repo", str(repo.root))
    first = rectify(capsys, *run)
    assert first[0] == 1 and f"  {line(repo, '17:5', 'reports 的第 1 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。', edited)}" \
        in first[1].splitlines()
    judged: list[set] = []
    original = rules._judge_commits
    monkeypatch.setattr(rules, "_judge_commits", lambda h, c, r, j: judged.append(j) or original(h, c, r, j))
    assert rectify(capsys, *run) == first and judged == []
    sha = step(repo, "status: submitted", VERIFY, "2023-08-03T18:00:00+08:00", author="东关镇 张某")
    code, out, _ = rectify(capsys, *run)
    assert judged == [{sha}]
    assert code == 1 and out.splitlines()[:-2] == first[1].splitlines()
    assert f"  {line(repo, '17:5', '核账与交账由同一 git 作者“东关镇 张某”提交；核账须由他人提交。', sha)}" in out.splitlines()

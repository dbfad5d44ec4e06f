"""Validate: one passing and one failing case per rule, with the exact message line asserted."""

from __future__ import annotations

import pytest

from conftest import ITEM_2, ROUND, rectify, write

I1 = "issues/2023-R2/2023-R2-001.yaml"
I2 = "issues/2023-R2/2023-R2-002.yaml"
RND = "rounds/2023-R2.yaml"


def errors(capsys, ledger_dir, *extra):
    code, out, err = rectify(capsys, "validate", str(ledger_dir), *extra)
    assert "Traceback" not in out + err
    return code, [line for line in out.splitlines() if line]


def test_minimal_ledger_is_valid(capsys, ledger_dir):
    code, out, _ = rectify(capsys, "validate", str(ledger_dir))
    assert code == 0
    assert out.strip() == "台账检查通过：1 个轮次，2 个问题，未发现错误。"


def test_english_ok_line(capsys, ledger_dir):
    code, out, _ = rectify(capsys, "validate", str(ledger_dir), "--lang", "en")
    assert (code, out.strip()) == (0, "ledger is valid: 1 rounds, 2 items, no errors.")


# Each case: (file to change, old text, new text, expected line without the path prefix).
CASES = {
    "id_file_mismatch": (I1, "id: 2023-R2-001", "id: 2023-R2-009",
                         "1:5: 编号“2023-R2-009”与文件名“2023-R2-001”不一致，二者须相同。"),
    "round_folder_mismatch": (I1, "round: 2023-R2", "round: 2023-R1",
                              "2:8: 轮次“2023-R1”与所在文件夹“2023-R2”不一致，问题文件应放在 issues/2023-R1/ 下。"),
    "unknown_unit": (I1, "unit: agri-bureau", "unit: agri-burea",
                     "4:7: 找不到单位“agri-burea”（应为 units.yaml 中的单位编号）。"),
    "unknown_feedback": (I1, "feedback: [2023-R2-F01]", "feedback: [2023-R2-F01, 2023-R2-F99]",
                         "3:25: 轮次“2023-R2”没有反馈问题“2023-R2-F99”。"),
    "unknown_aspect": (I1, "aspect: 资金项目管理", "aspect: 资金管理",
                       "5:9: “资金管理”不是轮次“2023-R2”反馈意见中的方面。"),
    "opened_before_feedback": (I1, "opened: 2023-06-05", "opened: 2023-05-01",
                               "9:9: 建账日期 2023-05-01 早于本轮反馈日期 2023-05-30。"),
    "due_after_deadline": (I1, "due: 2023-09-30", "due: 2023-12-31",
                           "10:6: 完成时限 2023-12-31 晚于本轮整改期限 2023-10-30（长期坚持的问题除外）。"),
    "measure_due_after_deadline": (I2, "due: 2023-09-30}", "due: 2023-11-30}",
                                   "14:48: 措施 M1 的完成时限 2023-11-30 晚于本轮整改期限 2023-10-30。"),
    "due_before_opened": (I2, "due: 2023-10-15", "due: 2023-06-01",
                          "10:6: 完成时限 2023-06-01 早于建账日期 2023-06-05。"),
    "record_before_opened": (I2, "date: 2023-08-16", "date: 2023-06-01",
                             "17:12: 日期 2023-06-01 早于建账日期 2023-06-05。"),
    "date_in_future": (I2, "date: 2023-08-16", "date: 2099-08-16",
                       "17:12: 日期 2099-08-16 晚于今天（2026-01-01）。"),
    "records_out_of_order": (I2, "  - {date: 2023-08-16, by: 东关镇, text: 已采购编织袋5000条}",
                             "  - {date: 2023-08-16, by: 东关镇, text: 已采购编织袋5000条}\n"
                             "  - {date: 2023-08-10, by: 东关镇, text: 已落实仓库}",
                             "18:12: 记录日期 2023-08-10 早于上一条记录的 2023-08-16；记录应按日期先后追加。"),
    "cleared_needs_measures_done": (I1, ", done: 2023-08-10}", "}",
                                    "14:5: 已销号的问题，其措施 M1 须填写完成日期（done）。"),
    "cleared_needs_verification": (I1, "result: passed", "result: returned, note: 资料不全",
                                   "15:9: 状态为已销号（cleared），须有一条“通过”的核账记录，且是最近一次核账。"),
    "verified_needs_verification": (I2, "status: in_progress", "status: verified",
                                    "15:9: 状态为已核账（verified），须有一条“通过”的核账记录，且是最近一次核账。"),
    "submitted_needs_submission": (I2, "status: in_progress", "status: submitted",
                                   "15:9: 状态为已交账（submitted），但没有待核的交账记录。"),
    "same_person_verifies": (I1, "by: 赵某, result", "by: 李某, result",
                             "21:28: 核账人“李某”与交账人相同；核账须由他人进行。"),
    "returned_needs_note": (I1, "  - {date: 2023-08-14, by: 赵某, result: passed}",
                            "  - {date: 2023-08-12, by: 赵某, result: returned}\n"
                            "  - {date: 2023-08-14, by: 赵某, result: passed}",
                            "21:40: 退回的核账须写明意见（note）。"),
    "verification_without_submission": (I1, "date: 2023-08-11, by: 李某", "date: 2023-08-15, by: 李某",
                                        "21:5: 2023-08-14 的核账之前没有交账记录。"),
    "withdrawn_needs_reason": (I2, "status: in_progress", "status: withdrawn",
                               "15:9: 状态为已撤销（withdrawn）时须填写 withdrawal：日期、决定人和理由。"),
    "withdrawal_but_status": (I2, "status: in_progress",
                              "status: in_progress\nwithdrawal: {date: 2023-08-17, by: 监督办, reason: 与2023-R2-001重复}",
                              "16:1: 填写了撤销信息，但状态是 in_progress，应为 withdrawn。"),
    "submission_pending": (I2, "status: in_progress",
                           "status: in_progress\nsubmissions:\n  - {date: 2023-08-17, by: 东关镇, text: 已完成}",
                           "15:9: 有尚未核账的交账记录，状态却是 in_progress，应为 submitted。"),
    "cleared_after_relapse": (I1, "verifications:", "lookbacks:\n  - {date: 2023-08-16, by: 监督办, result: relapsed, note: 复验又发现问题}\nverifications:",
                              "15:9: 2023-08-16 回头看发现问题反弹，状态应改回整改中（in_progress）。"),
    "duplicate_measure": (I2, "  - {id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30}",
                          "  - {id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30}\n"
                          "  - {id: M1, text: 建立物资台账, owner: 应急办, due: 2023-09-30}",
                          "15:10: 措施编号“M1”重复。"),
    "unclaimed_feedback": (I2, "feedback: [2023-R2-F02]", "feedback: [2023-R2-F01]", None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(capsys, ledger_dir, name):
    rel, old, new, expected = CASES[name]
    path = ledger_dir / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, "the case must change the fixture"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, lines = errors(capsys, ledger_dir, "--today", "2026-01-01")
    if expected is None:  # unclaimed: reported in the round file
        expected_line = f"{ledger_dir}/{RND}:14:9: 反馈问题“2023-R2-F02”没有被任何整改问题认领（须全部认领）。"
    else:
        expected_line = f"{ledger_dir}/{rel}:{expected}"
    assert code == 1
    assert expected_line in lines, "\n".join(lines)


def test_all_problems_reported_in_one_run(capsys, ledger_dir):
    for rel, old, new in ((I1, "unit: agri-bureau", "unit: nowhere"), (I2, "aspect: 防汛救灾", "aspect: 别的")):
        p = ledger_dir / rel
        p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    code, lines = errors(capsys, ledger_dir)
    assert code == 1
    assert [line.split(": ", 1)[0] for line in lines] == [f"{ledger_dir}/{I1}:4:7", f"{ledger_dir}/{I2}:5:9"]


def test_long_term_item_may_pass_deadline(capsys, ledger_dir):
    p = ledger_dir / I2
    p.write_text(p.read_text(encoding="utf-8").replace("term: time_limited", "term: long_term")
                 .replace("due: 2023-10-15", "due: 2024-06-30"), encoding="utf-8")
    code, lines = errors(capsys, ledger_dir)
    assert (code, lines) == (0, ["台账检查通过：1 个轮次，2 个问题，未发现错误。"])


def test_duplicate_item_id_across_files(capsys, ledger_dir):
    write(ledger_dir, "issues/2023-R2/2023-R2-003.yaml", ITEM_2)
    code, lines = errors(capsys, ledger_dir)
    assert code == 1
    assert f"{ledger_dir}/issues/2023-R2/2023-R2-003.yaml:1:5: 编号“2023-R2-002”重复，编号必须唯一。" in lines


def test_duplicate_unit_id_carries_the_line_of_the_repeated_entry(capsys, ledger_dir):
    """Once reported for the whole of units.yaml, without a line: now at the second entry's id (line 10, col 9)."""
    from conftest import UNITS
    write(ledger_dir, "units.yaml", UNITS + "  - id: agri-bureau\n    name: 县农业局\n    category: other\n    supervisor: 县纪委\n")
    code, lines = errors(capsys, ledger_dir)
    assert (code, lines) == (1, [f"{ledger_dir}/units.yaml:10:9: 编号“agri-bureau”重复，编号必须唯一。"])


def test_round_references(capsys, ledger_dir):
    write(ledger_dir, RND, ROUND.replace("units: [agri-bureau, east-town]", "units: [agri-bureau, east-town, ghost]")
          .replace("    aspect: 防汛救灾\n", "    aspect: 防汛\n"))
    code, lines = errors(capsys, ledger_dir)
    assert code == 1
    assert f"{ledger_dir}/{RND}:8:33: 找不到单位“ghost”（应为 units.yaml 中的单位编号）。" in lines
    assert f"{ledger_dir}/{RND}:15:13: “防汛”不是轮次“2023-R2”反馈意见中的方面。" in lines


def test_missing_settings_and_units(capsys, ledger_dir):
    (ledger_dir / "ledger.yaml").unlink()
    (ledger_dir / "units.yaml").unlink()
    code, lines = errors(capsys, ledger_dir)
    assert code == 1
    assert f"{ledger_dir}/ledger.yaml: 缺少台账设置文件 ledger.yaml。" in lines
    assert f"{ledger_dir}/units.yaml: 缺少被巡察单位文件 units.yaml。" in lines


def test_broken_file_does_not_cascade(capsys, ledger_dir):
    """An item that fails to load must not also make its feedback problem look unclaimed."""
    p = ledger_dir / I2
    p.write_text(p.read_text(encoding="utf-8").replace("title:", "titel:"), encoding="utf-8")
    code, lines = errors(capsys, ledger_dir)
    assert code == 1
    assert all(I2 in line for line in lines), lines


def test_actions_and_evaluations_references(capsys, ledger_dir):
    write(ledger_dir, "actions.yaml", """\
        actions:
          - {id: A1, kind: talk, date: 2023-07-10, title: 约谈, units: [ghost], items: [2023-R2-404]}
          - {id: A1, kind: governance, date: 2023-07-11, title: 专项治理, rounds: [2023-R9]}
        """)
    write(ledger_dir, "evaluations.yaml", """\
        evaluations:
          - {unit: agri-bureau, round: 2023-R2, date: 2023-08-01, score: 90, reasons: 较好}
          - {unit: agri-bureau, round: 2023-R2, date: 2023-08-02, score: 91, reasons: 较好}
        """)
    code, lines = errors(capsys, ledger_dir)
    actions, evals = f"{ledger_dir}/actions.yaml", f"{ledger_dir}/evaluations.yaml"
    assert code == 1
    assert lines == [
        f"{actions}:2:63: 找不到单位“ghost”（应为 units.yaml 中的单位编号）。",
        f"{actions}:2:79: 找不到问题“2023-R2-404”。",
        f"{actions}:3:10: 编号“A1”重复，编号必须唯一。",
        f"{actions}:3:72: 找不到轮次“2023-R9”（应为 rounds/ 下某个文件的编号）。",
        f"{evals}:3:5: 单位“agri-bureau”在轮次“2023-R2”已有评估。",
    ]


def test_bulletin_week(capsys, ledger_dir):
    write(ledger_dir, "bulletins/2023-W54.yaml", "week: 2023-W54\nparagraphs: [下周重点督促防汛物资补充。]\n")
    code, lines = errors(capsys, ledger_dir)
    assert (code, lines) == (1, [f"{ledger_dir}/bulletins/2023-W54.yaml:1:7: 周次“2023-W54”不存在。"])


def test_github_format(capsys, ledger_dir):
    p = ledger_dir / I1
    p.write_text(p.read_text(encoding="utf-8").replace("unit: agri-bureau", "unit: nowhere"), encoding="utf-8")
    code, lines = errors(capsys, ledger_dir, "--format", "github")
    assert code == 1
    assert lines[0] == (f"::error file={ledger_dir}/{I1},line=4,col=7,title=rule.unknown_unit::"
                        "找不到单位“nowhere”（应为 units.yaml 中的单位编号）。")
    assert lines[1] == f"{ledger_dir}/{I1}:4:7: 找不到单位“nowhere”（应为 units.yaml 中的单位编号）。"


def test_github_summary_file(capsys, ledger_dir, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    p = ledger_dir / I1
    p.write_text(p.read_text(encoding="utf-8").replace("unit: agri-bureau", "unit: nowhere"), encoding="utf-8")
    errors(capsys, ledger_dir, "--format", "github")
    text = summary.read_text(encoding="utf-8")
    assert f"| `{ledger_dir}/{I1}:4:7` | 找不到单位“nowhere”（应为 units.yaml 中的单位编号）。 |" in text


def test_a_tree_seen_before_is_not_checked_again(capsys, ledger_dir, tmp_path, monkeypatch):
    from site_builder.ledger import validate as validate_module
    from site_builder.cli.main import main
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["validate", str(ledger_dir)]) == 0
    first = capsys.readouterr().out

    def no_loading(*args, **kwargs):
        raise AssertionError("the verdict should have come from the cache")

    monkeypatch.setattr(validate_module, "load_ledger", no_loading)
    assert main(["validate", str(ledger_dir)]) == 0
    assert capsys.readouterr().out == first
    monkeypatch.undo()
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    p = ledger_dir / I2
    p.write_text(p.read_text(encoding="utf-8").replace("unit: east-town", "unit: nowhere"), encoding="utf-8")
    assert main(["validate", str(ledger_dir)]) == 1      # a changed tree is checked afresh
    assert "找不到单位“nowhere”" in capsys.readouterr().out


def test_unknown_timezone(capsys, ledger_dir):
    write(ledger_dir, "ledger.yaml", "organisation: 测试县委\noffice: 测试县监督办\ntimezone: Asia/Beijing\n")
    code, lines = errors(capsys, ledger_dir)
    assert (code, lines) == (1, [f"{ledger_dir}/ledger.yaml:3:11: 时区“Asia/Beijing”不存在，应为如 Asia/Shanghai 的 IANA 时区名。"])

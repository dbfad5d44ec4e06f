"""Messages: the one catalogue of everything a user reads, in Chinese (default) and English.

Stages return message codes with parameters; only the edges (CLI, renderers) turn them into
text through ``translate``. A test checks that every code used in the package is here in both
languages and that both take the same parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

LANGS = ("zh", "en")

# code: (Chinese, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- labels
    "label.commit": ("提交", "commit"),
    "label.error": ("错误", "error"),
    "label.warning": ("警告", "warning"),

    # --- loading
    "load.too_large": ("文件过大：{size} 字节，上限 {limit} 字节。一个问题文件通常只有几 KB，请检查是否误放了其他文件。",
                       "file too large: {size} bytes, the limit is {limit} bytes. An item file is usually a few KB; check that no other file was pasted in."),
    "load.utf16": ("文件是 UTF-16 编码，应为 UTF-8。请在编辑器中另存为 UTF-8。",
                   "the file is UTF-16 encoded; it must be UTF-8. Save it as UTF-8 in your editor."),
    "load.not_utf8": ("文件不是 UTF-8 编码（此处字节 {byte}）。请在编辑器中另存为 UTF-8（不要用 GBK）。",
                      "the file is not UTF-8 (byte {byte} here). Save it as UTF-8 (not GBK) in your editor."),
    "load.empty": ("文件是空的，应为一个 YAML 映射（字段: 值）。", "the file is empty; expected a YAML mapping (field: value)."),
    "load.root_not_mapping": ("文件顶层应为映射（字段: 值），实际是 {got}。",
                              "the top level must be a mapping (field: value), found {got}."),
    "load.not_mapping": ("此处应为映射（字段: 值）。", "a mapping (field: value) is expected here."),
    "load.tab": ("缩进中有制表符（Tab）。YAML 只能用空格缩进，请把 Tab 换成空格。",
                 "tab character in indentation. YAML indents with spaces only; replace the tab with spaces."),
    "load.syntax": ("YAML 语法错误：{detail}。请检查此处的缩进、冒号和引号。",
                    "YAML syntax error: {detail}. Check the indentation, colons and quotes here."),
    "load.duplicate_key": ("字段“{key}”重复出现。同一字段只能写一次，否则前面的值会被悄悄覆盖。",
                           "duplicate field '{key}'. A field may appear once only; otherwise the earlier value is silently lost."),
    "load.key_not_text": ("字段名“{key}”不是文字（YAML 会把 yes/no/数字等当作其他类型）。请使用规定的英文字段名。",
                          "field name '{key}' is not text (YAML reads yes/no/numbers as other types). Use the documented field names."),
    "load.merge_key": ("不支持合并键“<<”，请把字段逐一写出。", "merge keys '<<' are not supported; write the fields out."),
    "load.alias": ("不允许使用别名“*{name}”。请把内容直接写出。", "aliases ('*{name}') are not allowed; write the content out."),
    "load.anchor": ("不允许使用锚点“&{name}”。请删除它并直接写出内容。", "anchors ('&{name}') are not allowed; remove it and write the content out."),
    "load.too_deep": ("文件嵌套层次过深，无法读取。", "the file is nested too deeply to read."),
    "load.unknown_file": ("无法识别的台账文件：问题文件应放在 issues/<轮次>/<编号>.yaml，扩展名须为 .yaml。",
                          "unrecognised ledger file: item files belong in issues/<round>/<id>.yaml with the .yaml extension."),
    "load.no_ledger_dir": ("找不到台账目录。", "ledger folder not found."),

    # --- schema (model) problems
    "schema.missing": ("缺少必填字段“{field}”。", "missing required field '{field}'."),
    "schema.unknown_field": ("未知字段“{field}”。请检查拼写，可用字段见《编辑指南》。",
                             "unknown field '{field}'. Check the spelling; the fields are listed in the editors' guide."),
    "schema.expected_text": ("字段“{field}”应为文字，实际是 {value}。如确需写 yes、no、数字或时间，请加引号。",
                             "'{field}' must be text, found {value}. Put yes, no, numbers or times in quotes."),
    "schema.empty_text": ("字段“{field}”不能为空。", "'{field}' must not be empty."),
    "schema.pattern": ("字段“{field}”的值“{value}”格式不对，应匹配 {expected}（编号只能用字母、数字、-、_、.）。",
                       "'{field}' value '{value}' has the wrong form; expected {expected} (ids use letters, digits, -, _ and . only)."),
    "schema.enum": ("字段“{field}”的值“{value}”不在可选范围内，应为 {expected}。",
                    "'{field}' value '{value}' is not allowed; expected {expected}."),
    "schema.too_short": ("字段“{field}”至少要有 {min} 项。", "'{field}' needs at least {min} entries."),
    "schema.too_long": ("字段“{field}”过长，最多 {max} 个字符。", "'{field}' is too long; at most {max} characters."),
    "schema.expected_list": ("字段“{field}”应为列表（每项以“- ”开头），实际是 {value}。",
                             "'{field}' must be a list (entries start with '- '), found {value}."),
    "schema.expected_mapping": ("字段“{field}”应为映射（字段: 值），实际是 {value}。",
                                "'{field}' must be a mapping (field: value), found {value}."),
    "schema.expected_bool": ("字段“{field}”应为 true 或 false，实际是 {value}。", "'{field}' must be true or false, found {value}."),
    "schema.expected_number": ("字段“{field}”应为数字，实际是 {value}。", "'{field}' must be a number, found {value}."),
    "schema.too_small": ("字段“{field}”的值 {value} 不能小于 {limit}。", "'{field}' value {value} must not be below {limit}."),
    "schema.too_large": ("字段“{field}”的值 {value} 不能大于 {limit}。", "'{field}' value {value} must not be above {limit}."),
    "schema.date_format": ("字段“{field}”应为日期，格式 YYYY-MM-DD（如 2023-07-11），实际是 {value}。",
                           "'{field}' must be a date written YYYY-MM-DD (e.g. 2023-07-11), found {value}."),
    "schema.date_impossible": ("字段“{field}”的日期 {value} 不存在（请核对月份和日）。",
                               "'{field}' date {value} does not exist (check the month and day)."),
    "schema.date_not_datetime": ("字段“{field}”只写日期，不要写时间。", "'{field}' takes a date only, without a time."),
    "schema.invalid": ("字段“{field}”的值 {value} 无效：{detail}。", "'{field}' value {value} is invalid: {detail}."),

    # --- ledger rules
    "rule.no_settings": ("缺少台账设置文件 ledger.yaml。", "the settings file ledger.yaml is missing."),
    "rule.no_units": ("缺少被巡察单位文件 units.yaml。", "the units file units.yaml is missing."),
    "rule.id_file_mismatch": ("编号“{id}”与文件名“{name}”不一致，二者须相同。",
                              "id '{id}' differs from the file name '{name}'; they must be equal."),
    "rule.round_folder_mismatch": ("轮次“{round}”与所在文件夹“{folder}”不一致，问题文件应放在 issues/{round}/ 下。",
                                   "round '{round}' differs from the folder '{folder}'; the file belongs in issues/{round}/."),
    "rule.duplicate_id": ("编号“{id}”重复，编号必须唯一。", "id '{id}' is used twice; ids must be unique."),
    "rule.unknown_round": ("找不到轮次“{round}”（应为 rounds/ 下某个文件的编号）。",
                           "no round '{round}' (expected the id of a file in rounds/)."),
    "rule.unknown_unit": ("找不到单位“{unit}”（应为 units.yaml 中的单位编号）。",
                          "no unit '{unit}' (expected a unit id from units.yaml)."),
    "rule.unknown_item": ("找不到问题“{item}”。", "no item '{item}'."),
    "rule.unit_not_in_round": ("单位“{unit}”不在轮次“{round}”的被巡察单位之列。",
                               "unit '{unit}' is not among the units inspected in round '{round}'."),
    "rule.unknown_feedback": ("轮次“{round}”没有反馈问题“{feedback}”。", "round '{round}' has no feedback problem '{feedback}'."),
    "rule.unknown_aspect": ("“{aspect}”不是轮次“{round}”反馈意见中的方面。",
                            "'{aspect}' is not an aspect of round '{round}'."),
    "rule.duplicate_aspect": ("方面“{aspect}”重复。", "aspect '{aspect}' is listed twice."),
    "rule.unclaimed_feedback": ("反馈问题“{feedback}”没有被任何整改问题认领（须全部认领）。",
                                "feedback problem '{feedback}' is not claimed by any item (every problem must be claimed)."),
    "rule.opened_before_feedback": ("建账日期 {date} 早于本轮反馈日期 {feedback_date}。",
                                    "opened {date} is before the round's feedback date {feedback_date}."),
    "rule.deadline_before_feedback": ("整改期限 {date} 早于反馈日期 {feedback_date}。",
                                      "deadline {date} is before the feedback date {feedback_date}."),
    "rule.due_after_deadline": ("完成时限 {date} 晚于本轮整改期限 {deadline}（长期坚持的问题除外）。",
                                "due date {date} is after the round's deadline {deadline} (only long-term items may be)."),
    "rule.measure_due_after_deadline": ("措施 {measure} 的完成时限 {date} 晚于本轮整改期限 {deadline}。",
                                        "measure {measure} is due {date}, after the round's deadline {deadline}."),
    "rule.due_before_opened": ("完成时限 {date} 早于建账日期 {opened}。", "due date {date} is before the opening date {opened}."),
    "rule.duplicate_measure": ("措施编号“{measure}”重复。", "measure id '{measure}' is used twice."),
    "rule.date_before_opened": ("日期 {date} 早于建账日期 {opened}。", "date {date} is before the opening date {opened}."),
    "rule.date_in_future": ("日期 {date} 晚于今天（{today}）。", "date {date} is after today ({today})."),
    "rule.records_out_of_order": ("记录日期 {date} 早于上一条记录的 {previous}；记录应按日期先后追加。",
                                  "record date {date} is before the previous record's {previous}; records are appended in date order."),
    "rule.verification_without_submission": ("{date} 的核账之前没有交账记录。", "the verification of {date} has no submission before it."),
    "rule.returned_needs_note": ("退回的核账须写明意见（note）。", "a returned verification needs a note saying why."),
    "rule.same_person_verifies": ("核账人“{person}”与交账人相同；核账须由他人进行。",
                                  "verifier '{person}' is the person who submitted; someone else must verify."),
    "rule.withdrawal_but_status": ("填写了撤销信息，但状态是 {status}，应为 withdrawn。",
                                   "a withdrawal is recorded but the status is {status}; it should be withdrawn."),
    "rule.withdrawn_needs_reason": ("状态为已撤销（withdrawn）时须填写 withdrawal：日期、决定人和理由。",
                                    "a withdrawn item needs a withdrawal with date, by and reason."),
    "rule.submitted_needs_submission": ("状态为已交账（submitted），但没有待核的交账记录。",
                                        "status is submitted but there is no submission awaiting verification."),
    "rule.verified_needs_verification": ("状态为已核账（verified），但最近一次核账不是“通过”。",
                                         "status is verified but the latest verification did not pass."),
    "rule.cleared_needs_verification": ("状态为已销号（cleared），但最近一次核账不是“通过”。",
                                        "status is cleared but the latest verification did not pass."),
    "rule.cleared_needs_measures_done": ("已销号的问题，其措施 {measure} 须填写完成日期（done）。",
                                         "the item is cleared but measure {measure} has no done date."),
    "rule.cleared_after_relapse": ("{date} 回头看发现问题反弹，状态应改回整改中（in_progress）。",
                                   "the look-back of {date} found a relapse; the status should go back to in_progress."),
    "rule.submission_pending": ("有尚未核账的交账记录，状态却是 {status}，应为 submitted。",
                                "a submission awaits verification but the status is {status}; it should be submitted."),
    "rule.duplicate_evaluation": ("单位“{unit}”在轮次“{round}”已有评估。", "unit '{unit}' already has an evaluation for round '{round}'."),
    "rule.impossible_week": ("周次“{week}”不存在。", "week '{week}' does not exist."),

    # --- history
    "history.not_a_repo": ("这里不是 git 仓库，无法读取台账历史。", "not a git repository; the ledger's history cannot be read."),
    "history.shallow": ("这是浅克隆（shallow clone），缺少完整历史，时间线会出错。请取完整历史：git fetch --unshallow，或在 GitHub Actions 的 checkout 中设置 fetch-depth: 0。",
                        "this is a shallow clone: the full history is missing and timelines would be wrong. Fetch it (git fetch --unshallow, or fetch-depth: 0 in the GitHub Actions checkout)."),
    "history.unknown_ref": ("找不到版本“{ref}”。", "unknown revision '{ref}'."),
    "history.git_failed": ("读取 git 历史失败：{detail}", "reading the git history failed: {detail}"),

    # --- change rules (the gate and the audit)
    "change.illegal_edge": ("状态不能从 {before} 直接改为 {after}。合法的流转见《编辑指南》“状态与流转”。",
                            "status cannot move from {before} to {after}. The legal moves are in the editors' guide."),
    "change.open_to_submitted": ("只有立行立改（term: immediate）的问题才能从 open 直接交账（submitted）。",
                                 "only immediate items (term: immediate) may go straight from open to submitted."),
    "change.edge_needs_record": ("状态从 {before} 改为 {after}，须在同一次修改中追加相应的 {record} 记录。",
                                 "moving from {before} to {after} needs a new {record} record in the same change."),
    "change.created_in_state": ("新建问题的状态应为 open 或 in_progress，不能直接是 {status}。",
                                "a new item starts as open or in_progress, not {status}."),
    "change.immutable_field": ("建账后不得修改“{field}”（原为“{old}”，现为“{new}”）。如确有错误，请撤销本问题并新建。",
                               "'{field}' must not change once the item is opened (was '{old}', now '{new}'). Withdraw the item and open a new one instead."),
    "change.record_removed": ("{list} 中删除了 {count} 条记录；记录只增不改、不删。",
                              "{count} record(s) removed from {list}; records are append-only."),
    "change.record_edited": ("{list} 的第 {index} 条记录被修改或调换了顺序；记录只增不改。如需更正，请追加一条新记录说明。",
                             "record {index} of {list} was edited or reordered; records are append-only. Append a correcting record instead."),
    "change.item_deleted": ("问题“{item}”被删除；问题不得删除，重复或合并的请改为撤销（withdrawn）并写明理由。",
                            "item '{item}' was deleted; items are never deleted: withdraw it with a reason instead."),
    "change.record_after_commit": ("记录日期 {date} 晚于提交日期 {commit_date}；不能预先登记尚未发生的事。",
                                   "record date {date} is after its commit's date {commit_date}; nothing may be recorded before it happens."),
    "change.record_backdated": ("记录日期 {date} 比提交日期 {commit_date} 早了 {days} 天以上（补记容许天数见 thresholds.backdate_days）。",
                                "record date {date} is more than {days} days before its commit's date {commit_date} (see thresholds.backdate_days)."),
    "change.same_author_verifies": ("核账与交账由同一 git 作者“{author}”提交；核账须由他人提交。",
                                    "the verification is committed by '{author}', who also committed the submission; someone else must."),
    "change.commit_in_future": ("提交时间 {date} 在未来；请检查电脑时钟。", "the commit is dated in the future ({date}); check the computer's clock."),
    "history.no_merge_base": ("“{base}”与当前版本没有共同祖先（历史可能被强制改写）。", "'{base}' and the head have no common ancestor (was history rewritten?)."),

    # --- command line
    "cli.ok": ("台账检查通过：{rounds} 个轮次，{items} 个问题，未发现错误。",
               "ledger is valid: {rounds} rounds, {items} items, no errors."),
    "cli.summary": ("共发现 {count} 个错误。", "{count} error(s) found."),
    "cli.schemas_written": ("已写入 {count} 个 JSON Schema 文件到 {folder}。", "wrote {count} JSON Schema files to {folder}."),
    "cli.schemas_stale": ("schemas/ 已过期，请运行 rectify schema。", "schemas/ is stale; run rectify schema."),
    "cli.built": ("站点已生成：{out}（{pages} 个页面）。", "site built: {out} ({pages} pages)."),
    "cli.build_failed": ("台账有错误，未生成站点，原有站点保持不变。", "the ledger has errors; no site was built and the old one is untouched."),
    "cli.check_ok": ("检查通过：{commits} 个提交，{moves} 次状态变更，未发现错误。", "check passed: {commits} commits, {moves} status changes, no errors."),
    "cli.audit_ok": ("审计完成：{commits} 个提交，未发现违规修改。", "audit done: {commits} commits, no illegal change."),
    "cli.audit_commit": ("提交 {sha}  {date}  {author} <{email}>  {subject}", "commit {sha}  {date}  {author} <{email}>  {subject}"),
    "cli.summary_moves": ("本次修改的状态变更", "Status changes in this change"),
    "cli.no_moves": ("没有状态变更。", "No status changes."),
    "cli.bad_date": ("日期“{value}”无效，格式应为 YYYY-MM-DD。", "invalid date '{value}'; expected YYYY-MM-DD."),

    # --- status report
    "status.header": ("{organisation} 巡察整改进度（截至 {as_of}）", "{organisation}: rectification progress as of {as_of}"),
    "status.round": ("{name}（{id}）", "{name} ({id})"),
    "status.line": ("  问题 {total} 项：已销号 {cleared}，正在整改 {active}，已撤销 {withdrawn}；整改完成率 {completion}%",
                    "  {total} items: {cleared} cleared, {active} in progress, {withdrawn} withdrawn; completion {completion}%"),
    "status.progress": ("  时间进度 {time}%，任务进度 {completion}%，措施完成率 {measures}% —— {verdict}",
                        "  time {time}%, task {completion}%, measures done {measures}% — {verdict}"),
    "status.on_track": ("进度正常", "on track"),
    "status.behind": ("进度滞后", "behind"),
    "status.half": ("时间过半、任务过半", "half the time gone, half the work done"),
    "status.warning": ("  预警：红色（逾期）{red}，黄色（{days} 天内到期）{yellow}，绿色 {green}",
                       "  warnings: red (overdue) {red}, yellow (due within {days} days) {yellow}, green {green}"),
    "status.actions": ("成果运用与问责：约谈提醒 {talk}，提醒函 {reminder_letter}，停职 {suspension}，意见建议 {recommendation}，调整班子 {leadership_adjustment}，专项治理 {governance}，建立制度机制 {mechanisms}",
                       "Results and accountability: talks {talk}, reminder letters {reminder_letter}, suspensions {suspension}, recommendations {recommendation}, leadership adjustments {leadership_adjustment}, special governance {governance}, mechanisms built {mechanisms}"),
    "status.silent": ("  超过 {days} 天未报告的单位：{units}", "  units silent for more than {days} days: {units}"),

    # --- domain words
    "status.open": ("已建账", "open"),
    "status.in_progress": ("整改中", "in progress"),
    "status.submitted": ("已交账", "submitted"),
    "status.verified": ("已核账", "verified"),
    "status.cleared": ("已销号", "cleared"),
    "status.withdrawn": ("已撤销", "withdrawn"),
}


def translate(code: str, lang: str = "zh", **params: Any) -> str:
    """Render message ``code`` in ``lang``; unknown codes render as the code itself."""
    pair = CATALOGUE.get(code)
    if pair is None:
        return code + (" " + repr(params) if params else "")
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**{k: _fmt(v) for k, v in params.items()})


def _fmt(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)

"""Models: the first stage of the pipeline, the shape of every ledger file.

Pydantic v2 models, frozen and closed (unknown fields are errors, so a typo never passes
silently). Text fields refuse booleans and numbers, because YAML 1.1 turns ``no`` into false and
``1:30`` into 90; date fields take only ``YYYY-MM-DD``. Every field carries a Chinese title and
description, which ``rectify schema`` writes into the JSON Schema files that editors show as hints.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from site_builder.ledger.vocab import (  # noqa: F401 - the vocabulary is used through models
    ID_PATTERN, _WEEK_RE, ActionKind, Audience, Date, Frozen, Id, Level, LookbackResult, Method, Number,
    RoundKind, Scope, Status, Term, Text, UnitCategory, VerificationResult, _field)


# ---------------------------------------------------------------- settings

class Thresholds(Frozen):
    silent_days: int = _field("未报告天数阈值", "被巡察单位连续多少天未报告整改进展即被标记为“未按时报告”。",
                              default=3, ge=1, strict=True)
    due_soon_days: int = _field("临期天数", "距完成时限不超过多少天的问题和措施标为黄色（临期）。",
                                default=7, ge=1, strict=True)
    backdate_days: int = _field("补记容许天数", "记录日期最多可早于提交它的 commit 多少天。",
                                default=7, ge=0, strict=True)
    date_gap_days: int = _field("提交时间差预警天数", "一个 commit 的作者时间与提交时间相差超过多少天即提示（警告，不阻止合并）：可能是改写历史或补交的旧修改，请核实。",
                                default=3, ge=1, strict=True)
    lag_margin: Number = _field("进度滞后容差", "任务进度落后时间进度超过多少个百分点即视为进度滞后（总览标红）并列入提醒函。",
                               default=10.0, ge=0)


class Scoring(Frozen):
    completion: Number = _field("完成率权重", "评估打分中整改完成率所占分值。", default=60, ge=0)
    on_time: Number = _field("按期权重", "评估打分中按期完成（问题及其措施均无逾期）所占分值。", default=20, ge=0)
    reporting: Number = _field("报告权重", "评估打分中按时报告所占分值。", default=10, ge=0)
    verification: Number = _field("核账权重", "评估打分中一次核账通过所占分值。", default=10, ge=0)


#: a git commit id as git prints it (40 hexadecimal digits)
Sha = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{40}$")]


class Member(Frozen):
    """汇总成员: a county (or city) ledger that a city's (or province's) roll-up reads with git."""
    id: Id = _field("成员编号", "成员的英文短编号，如 east-county；在本台账内唯一。")
    name: Text = _field("成员名称", "成员台账所属组织，如“东县县委”。")
    level: Level = _field("成员层级", "county 县级、city 市级、province 省级。")
    repo: Text = _field("仓库地址", "成员台账所在的 git 仓库：网址（https://…、ssh://…）或本机路径（相对路径从本仓库根目录算起）。")
    ref: Text = _field("分支", "读取成员仓库的哪个分支。", default="main")
    commit: Sha | None = _field("固定提交", "固定读取这一个提交（40位十六进制）；不填则读取分支的最新提交。", default=None)
    site: Text | None = _field("成员站点", "成员自己发布的进度网站地址，汇总站点链接到这里。", default=None)
    ledger: Text = _field("台账目录", "成员仓库中台账文件夹的路径。", default="ledger")


class Settings(Frozen):
    """台账设置 (ledger/ledger.yaml)."""
    organisation: Text = _field("组织名称", "本台账所属的县（市、区）党委，如“某县县委”。")
    office: Text = _field("监督办名称", "负责整改监督的办公室全称。")
    language: Literal["zh", "en"] = _field("语言", "站点与通报的语言：zh 中文（默认）或 en 英文。", default="zh")
    timezone: Text = _field("时区", "计算每周通报截止时间所用的时区。", default="Asia/Shanghai")
    as_of: Date | None = _field("统计截止日", "所有数字按此日期计算；不填则为当天。", default=None)
    audience: Audience = _field("发布范围", "默认构建的版本：internal 内部版，public 公开版（不含人名、内部备注和佐证材料）。",
                                default=Audience.internal)
    thresholds: Thresholds = _field("阈值", "预警与校验所用的各项阈值。", default_factory=Thresholds)
    scoring: Scoring = _field("评分规则", "评估晒账时按规则建议分数所用的权重。", default_factory=Scoring)
    internal_tags: tuple[Text, ...] = _field("内部标签", "带有这些标签的问题在公开版中只显示编号、单位和状态，标题、描述和记录均隐去；统计数字不变。", default=())
    members: tuple[Member, ...] = _field("汇总成员", "市（省）汇总台账读取的下级台账；填写后本台账为汇总台账，units.yaml 可以不写。", default=())


# ---------------------------------------------------------------- units and rounds

class Unit(Frozen):
    """被巡察单位."""
    id: Id = _field("单位编号", "单位的英文短编号，如 agri-bureau。")
    name: Text = _field("单位名称", "单位全称，如“县农业农村局”。")
    aliases: tuple[Text, ...] = _field("简称", "单位的常用简称或别称，如“住建局”“县住建局”；站内搜索按简称也能找到本单位及其问题。",
                                       default=())
    category: UnitCategory = _field("单位类别", "county_department 县直单位、township 乡镇（街道）、enterprise 国有企业、other 其他。")
    supervisor: Text = _field("日常监督主体", "负责“点”上监督的派驻纪检监察组或乡镇纪委。")
    head: Text | None = _field("主要负责人", "单位“一把手”姓名（内部信息，公开版不显示）。", default=None)


class UnitsFile(Frozen):
    units: tuple[Unit, ...] = _field("被巡察单位", "全部被巡察单位。", min_length=1)


class FeedbackProblem(Frozen):
    """巡察反馈问题 as written in the feedback report."""
    id: Id = _field("反馈问题编号", "如 2023-R2-F05。")
    aspect: Text = _field("方面", "反馈意见中问题所属的方面。")
    unit: Id = _field("单位", "问题所在单位的编号。")
    text: Text = _field("反馈原文", "反馈报告中的问题表述。")


class RoundExtension(Frozen):
    """轮次延期: a round's deadline moved later, with who approved it and why (the only way it moves later)."""
    date: Date = _field("日期", "批准延期的日期。")
    deadline: Date = _field("新的整改期限", "延期后的整改期限，须与改后的 deadline 相同。")
    reason: Text = _field("延期理由", "为什么需要延期。")
    approved_by: Text = _field("批准人", "批准延期的人员或机构；不能是被巡察单位。")


class Round(Frozen):
    """巡视巡察轮次."""
    id: Id = _field("轮次编号", "如 2023-R2，须与文件名相同。")
    name: Text = _field("轮次名称", "如“涉农资金项目管理和防汛救灾提级巡察”。")
    level: Level = _field("层级", "province 省委巡视、city 市委巡察、county 县委巡察。")
    kind: RoundKind = _field("类型", "routine 常规、special 专项、elevated 提级。")
    feedback_date: Date = _field("反馈日期", "巡察反馈意见的日期，即整改监督介入之日。")
    deadline: Date = _field("整改期限", "集中整改的截止日期。")
    aspects: tuple[Text, ...] = _field("方面", "反馈意见列出的问题方面。", min_length=1)
    units: tuple[Id, ...] = _field("被巡察单位", "本轮被巡察单位的编号。", min_length=1)
    feedback: tuple[FeedbackProblem, ...] = _field("反馈问题", "反馈报告列出的全部问题。", min_length=1)
    extensions: tuple[RoundExtension, ...] = _field("延期", "整改期限的延期记录，只增不改；deadline 只有随延期记录才能改晚。", default=())


# ---------------------------------------------------------------- items and their records

class Measure(Frozen):
    """整改措施."""
    id: Id = _field("措施编号", "在本问题内唯一，如 M1。")
    text: Text = _field("措施内容", "具体、可检验的整改措施。")
    owner: Text = _field("责任人或股室", "负责落实本措施的股室或人员。")
    due: Date = _field("完成时限", "措施的完成时限。")
    done: Date | None = _field("完成日期", "措施实际完成的日期；未完成不填。", default=None)


class Report(Frozen):
    """日报告: a progress report from the inspected unit."""
    date: Date = _field("日期", "报告所述进展的日期。")
    by: Text = _field("报告人", "报告单位或人员。")
    text: Text = _field("进展", "整改进展情况。")


class SupervisionRecord(Frozen):
    """日常监督记录."""
    date: Date = _field("日期", "监督日期。")
    method: Method = _field("方式", "phone 电话催办、hearing 听取汇报、talk 个别谈话、documents 查阅资料、visit 走访了解、on_site 实地查看。")
    by: Text = _field("监督人", "开展监督的人员或监督主体。")
    note: Text = _field("情况", "监督发现的情况。")
    internal: bool = _field("内部", "为 true 时公开版不显示本条。", default=False, strict=True)


class Submission(Frozen):
    """交账: the unit hands in the account with its evidence."""
    date: Date = _field("交账日期", "单位提交整改完成报告的日期。")
    by: Text = _field("交账人", "提交人。")
    text: Text = _field("整改情况", "整改完成情况说明。")
    evidence: tuple[Text, ...] = _field("佐证材料", "佐证材料清单（内部信息）。", default=())


class Verification(Frozen):
    """核账: the office checks a submission."""
    date: Date = _field("核账日期", "核账日期。")
    by: Text = _field("核账人", "核账人员，不得与交账人相同。")
    result: VerificationResult = _field("结果", "passed 通过，returned 退回。")
    note: Text | None = _field("意见", "核账意见；退回时必填。", default=None)


class Lookback(Frozen):
    """回头看: a check after clearing."""
    date: Date = _field("日期", "回头看日期。")
    by: Text = _field("检查人", "开展回头看的人员。")
    result: LookbackResult = _field("结论", "sustained 成果巩固，relapsed 问题反弹。")
    note: Text | None = _field("情况", "回头看发现的情况。", default=None)


class Extension(Frozen):
    """延期: a due date moved later, with who approved it and why (the only way a due date moves later)."""
    date: Date = _field("日期", "批准延期的日期。")
    measure: Id | None = _field("措施编号", "延期的措施编号；不填则为问题的完成时限。", default=None)
    due: Date = _field("新的完成时限", "延期后的完成时限，须与改后的 due 相同。")
    reason: Text = _field("延期理由", "为什么需要延期。")
    approved_by: Text = _field("批准人", "批准延期的人员；不能是责任单位自己。")


class Mechanism(Frozen):
    """制度机制: a rule or mechanism built as part of the rectification."""
    date: Date = _field("日期", "制度印发或建立日期。")
    title: Text = _field("制度名称", "如《项目验收管理办法》。")


class Withdrawal(Frozen):
    """撤销: an item merged into another or found to duplicate one."""
    date: Date = _field("日期", "撤销日期。")
    by: Text = _field("决定人", "作出撤销决定的人员。")
    reason: Text = _field("理由", "撤销理由，如重复、合并。")
    merged_into: Id | None = _field("并入问题", "合并到的问题编号。", default=None)


class Item(Frozen):
    """整改问题: one rectification item, one file under ``ledger/issues/<round>/<id>.yaml``."""
    id: Id = _field("问题编号", "如 2023-R2-017，须与文件名相同。")
    round: Id = _field("轮次", "所属巡察轮次编号。")
    feedback: tuple[Id, ...] = _field("对应反馈问题", "本问题细化自的反馈问题编号。", min_length=1)
    unit: Id = _field("责任单位", "被巡察单位编号。")
    aspect: Text = _field("方面", "所属方面，须为本轮反馈意见列出的方面之一。")
    title: Text = _field("问题标题", "一句话概括问题。")
    problem: Text = _field("问题描述", "问题的具体表述。")
    scope: Scope = _field("问题性质", "individual 个性问题，common 共性问题。", default=Scope.individual)
    tags: tuple[Text, ...] = _field("标签", "便于归类和发现共性、反复问题的标签。", default=())
    term: Term = _field("整改时限类型", "immediate 立行立改、time_limited 限期整改、long_term 长期坚持。")
    opened: Date = _field("建账日期", "问题建账的日期。")
    due: Date = _field("完成时限", "问题整改的完成时限。")
    leader: Text = _field("责任领导", "分管责任领导（内部信息，公开版不显示）。")
    department: Text = _field("责任股室", "牵头整改的内设机构。")
    measures: tuple[Measure, ...] = _field("整改措施", "问题与措施一一对应，至少一条。", min_length=1)
    status: Status = _field("状态", "open 已建账、in_progress 整改中、submitted 已交账、verified 已核账、cleared 已销号、withdrawn 已撤销。")
    reports: tuple[Report, ...] = _field("进展报告", "日报告记录，只增不改。", default=())
    supervision: tuple[SupervisionRecord, ...] = _field("监督记录", "日常监督记录，只增不改。", default=())
    submissions: tuple[Submission, ...] = _field("交账记录", "交账记录，只增不改。", default=())
    verifications: tuple[Verification, ...] = _field("核账记录", "核账记录，只增不改。", default=())
    lookbacks: tuple[Lookback, ...] = _field("回头看", "销号后的回头看记录，只增不改。", default=())
    mechanisms: tuple[Mechanism, ...] = _field("制度机制", "整改中建立完善的制度机制。", default=())
    extensions: tuple[Extension, ...] = _field("延期", "完成时限的延期记录，只增不改；问题或措施的 due 只有随延期记录才能改晚。", default=())
    withdrawal: Withdrawal | None = _field("撤销", "撤销时必填：日期、决定人和理由。", default=None)
    internal_note: Text | None = _field("内部备注", "仅内部版显示的备注。", default=None)


# ---------------------------------------------------------------- actions, evaluations, bulletins

class Action(Frozen):
    """成果运用与问责: talks, letters, suspensions, recommendations, governance, adjustments."""
    id: Id = _field("编号", "如 A-2023-007。")
    kind: ActionKind = _field("类别", "talk 约谈提醒、reminder_letter 提醒函、suspension 停职处理、recommendation 意见建议、governance 专项治理、leadership_adjustment 调整充实领导班子。")
    date: Date = _field("日期", "作出处理或建议的日期。")
    title: Text = _field("事由", "简述。")
    units: tuple[Id, ...] = _field("涉及单位", "涉及的单位编号。", default=())
    rounds: tuple[Id, ...] = _field("涉及轮次", "涉及的轮次编号。", default=())
    items: tuple[Id, ...] = _field("涉及问题", "涉及的问题编号。", default=())
    to: Text | None = _field("对象", "约谈对象或建议送达部门（人名为内部信息）。", default=None)
    supersedes: Id | None = _field("更正", "本条更正的原记录编号；记录只增不改，更正时追加新记录并在此写明原记录编号。", default=None)
    internal: bool = _field("内部", "为 true 时公开版不显示本条。", default=False, strict=True)


class ActionsFile(Frozen):
    actions: tuple[Action, ...] = _field("成果运用与问责", "全部处理与成果运用记录。", default=())


class Evaluation(Frozen):
    """评估晒账: the office's score of a unit's rectification in a round. Append-only like actions: a
    correction is a new evaluation that names the one it replaces in ``supersedes``."""
    id: Id | None = _field("编号", "如 E-2023-001；需要被更正的评估须有编号，更正记录在 supersedes 中引用它。", default=None)
    unit: Id = _field("单位", "被评估单位编号。")
    round: Id = _field("轮次", "轮次编号。")
    date: Date = _field("评估日期", "评估日期。")
    score: Number = _field("最终得分", "监督办确定的最终得分（0–100）。", ge=0, le=100)
    reasons: Text = _field("评分理由", "最终得分与规则建议分不同时的理由或评价意见。")
    supersedes: Id | None = _field("更正", "本条更正的原评估编号；评估只增不改，更正时追加新评估并在此写明原评估编号。", default=None)


class EvaluationsFile(Frozen):
    evaluations: tuple[Evaluation, ...] = _field("评估", "全部评估结果。", default=())


class BulletinNotes(Frozen):
    """每周情况通报 notes: the office's own paragraphs for one ISO week."""
    week: str = _field("周次", "ISO 周，如 2023-W28，须与文件名相同。", pattern=_WEEK_RE)
    paragraphs: tuple[Text, ...] = _field("段落", "监督办撰写的段落，如本周工作情况、存在问题。", min_length=1)
    next_steps: tuple[Text, ...] = _field("下一步工作", "下一步工作安排。", default=())


class LockedMember(Frozen):
    """锁定记录: the commit of one member that ``rectify members update`` read."""
    id: Id = _field("成员编号", "ledger.yaml 中 members 的成员编号。")
    repo: Text = _field("仓库地址", "读取时的仓库地址。")
    ref: Text = _field("分支", "读取时的分支。", default="main")
    commit: Sha | None = _field("锁定提交", "汇总读取的提交；从未读取成功时不填。", default=None)
    fetched: Date = _field("读取日期", "最近一次读取成功的日期。")
    stale: bool = _field("数据过期", "为 true 时最近一次更新未能读取该成员，仍用上次锁定的提交。", default=False, strict=True)
    reason: Text | None = _field("过期原因", "最近一次未能读取的原因。", default=None)


class MembersLock(Frozen):
    """成员锁定文件 (ledger/members.lock.yaml), written by ``rectify members update``."""
    members: tuple[LockedMember, ...] = _field("成员", "每个成员锁定的提交。", default=())


#: file kind → (model, JSON Schema file name, glob under ledger/)
FILE_KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "settings": (Settings, "settings.schema.json", "ledger.yaml"),
    "units": (UnitsFile, "units.schema.json", "units.yaml"),
    "round": (Round, "round.schema.json", "rounds/*.yaml"),
    "item": (Item, "item.schema.json", "issues/*/*.yaml"),
    "actions": (ActionsFile, "actions.schema.json", "actions.yaml"),
    "evaluations": (EvaluationsFile, "evaluations.schema.json", "evaluations.yaml"),
    "bulletin": (BulletinNotes, "bulletin.schema.json", "bulletins/*.yaml"),
    "members_lock": (MembersLock, "members-lock.schema.json", "members.lock.yaml"),
}


def person_key(name: str | None) -> str:
    """A person's name as compared: NFKC (full-width letters and spaces become plain ones) with all
    whitespace removed, so that "东关镇　张某" and "东关镇 张某" are one person."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def person_parts(name: str | None) -> tuple[str, str]:
    """(unit, person) of a name as people write it: "县农业局 张三" is 张三 of 县农业局, "张三" is 张三
    with no unit said. Only a space separates the unit, since a name glued to its unit cannot be cut
    safely ("李王某" is not 王某 of 李)."""
    words = unicodedata.normalize("NFKC", name or "").split()
    if len(words) < 2:
        return "", "".join(words)
    return "".join(words[:-1]), words[-1]


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two names are one person for separation of duties: the same name with the same unit,
    or with the unit said on one side only ("监督办 王某" and "王某"). Two units with the same name
    are two people (县农业局 张三 is not 县财政局 张三)."""
    if person_key(a) == person_key(b):
        return bool(person_key(a))
    (ua, pa), (ub, pb) = person_parts(a), person_parts(b)
    return bool(pa) and pa == pb and (not ua or not ub or ua == ub)


def has_text(value: str | None) -> bool:
    """Whether a reason says anything: not empty once normalised and stripped of whitespace."""
    return bool(person_key(value))

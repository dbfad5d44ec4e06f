"""Vocabulary of the ledger stage's models: the field types (dates, texts, ids, numbers) and the
enumerations (states, terms, methods, kinds, levels) every ledger file is written in. Kept apart from
``models`` for size; ``models`` takes them in, and the rest of the package imports them from there.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_WEEK_RE = r"^\d{4}-W\d{2}$"


# The YAML stage turns every well-formed date into a ``date`` (in C, fast); the models then take
# date objects only, so an impossible date, a time or a number stays a located error, and
# validation never calls back into Python per date.
Date = Annotated[dt.date, Strict(), Field(json_schema_extra={"type": "string", "format": "date"})]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=False, min_length=1)]
Id = Annotated[str, StringConstraints(strict=True, pattern=ID_PATTERN, max_length=64)]
#: numbers refuse YAML's yes/no (booleans), NaN and infinity
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _field(title: str, description: str, **kw: Any) -> Any:
    return Field(title=title, description=description, **kw)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False,
                              use_enum_values=False, populate_by_name=False)


# ---------------------------------------------------------------- enumerations

class Status(str, Enum):
    """整改状态: the five accounts (五账) as states, plus withdrawn."""
    open = "open"                 # 已建账
    in_progress = "in_progress"   # 整改中
    submitted = "submitted"       # 已交账
    verified = "verified"         # 已核账
    cleared = "cleared"           # 已销号
    withdrawn = "withdrawn"       # 已撤销（重复、合并）


class Term(str, Enum):
    """整改时限类型."""
    immediate = "immediate"       # 立行立改
    time_limited = "time_limited"  # 限期整改
    long_term = "long_term"       # 长期坚持


class Scope(str, Enum):
    """问题性质: 个性问题 or 共性问题."""
    individual = "individual"
    common = "common"


class Method(str, Enum):
    """日常监督方法 (点面协作)."""
    phone = "phone"               # 电话催办
    hearing = "hearing"           # 听取汇报
    talk = "talk"                 # 个别谈话
    documents = "documents"       # 查阅资料
    visit = "visit"               # 走访了解
    on_site = "on_site"           # 实地查看


class ActionKind(str, Enum):
    """成果运用与问责."""
    talk = "talk"                             # 约谈提醒
    reminder_letter = "reminder_letter"       # 提醒函
    suspension = "suspension"                 # 停职处理
    recommendation = "recommendation"         # 意见建议
    governance = "governance"                 # 专项治理
    leadership_adjustment = "leadership_adjustment"  # 调整充实领导班子


class VerificationResult(str, Enum):
    passed = "passed"             # 通过
    returned = "returned"         # 退回


class LookbackResult(str, Enum):
    sustained = "sustained"       # 整改成果巩固
    relapsed = "relapsed"         # 问题反弹


class UnitCategory(str, Enum):
    county_department = "county_department"   # 县直单位
    township = "township"                     # 乡镇/街道
    enterprise = "enterprise"                 # 国有企业
    other = "other"                           # 其他


class Level(str, Enum):
    province = "province"   # 省委巡视
    city = "city"           # 市委巡察
    county = "county"       # 县委巡察


class RoundKind(str, Enum):
    routine = "routine"     # 常规巡察
    special = "special"     # 专项巡察
    elevated = "elevated"   # 提级巡察


class Audience(str, Enum):
    internal = "internal"   # 内部版
    public = "public"       # 公开版（晒账）

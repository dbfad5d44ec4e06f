#!/usr/bin/env python3
"""Generate the bundled example ledger (ledger/) of the Rectification Ledger.

The example is a fictional county (云岭县) that reproduces the figures of the source document
(/work/shared/seed): round one (涉粮问题专项巡察) 5 aspects, 36 problems, all cleared; round two
(涉农资金项目管理和防汛救灾提级巡察) 4 aspects, 17 feedback problems refined into 42 items, 25 cleared,
17 still in hand, measures 64.3% done as of 2023-08-18; 16 talks, 1 suspension, 5 recommendations,
4 leadership adjustments, 7 special governance actions and 63 mechanisms.

The output is deterministic (no randomness, no clock): running the script twice writes the same
bytes, and ``--check`` exits 1 when the files on disk differ from what it would write.

    python tools/make_example_ledger.py            # (re)write ledger/
    python tools/make_example_ledger.py --check    # verify ledger/ is what this script makes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2023, 8, 18)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# =============================================================================== YAML writer

_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")
_PLAIN_BAD_CHARS = set(",[]{}#:&*\n\t\\")


def scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(value)
    plain_ok = (value and value[0] not in _PLAIN_BAD_START and value[-1] != " "
                and not (set(value) & _PLAIN_BAD_CHARS))
    if plain_ok:
        try:
            plain_ok = yaml.safe_load(value) == value
        except yaml.YAMLError:
            plain_ok = False
    return value if plain_ok else json.dumps(value, ensure_ascii=False)


def flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(data: dict, flow_lists: tuple = (), indent: str = "") -> list[str]:
    """Top-level mapping in block style. Lists of scalars go inline; lists of mappings go one
    entry a line in flow style, except those named in ``flow_lists`` = False (block entries)."""
    out: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out.append(f"{indent}{key}:")
            out += block(value, flow_lists, indent + "  ")
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
            out.append(f"{indent}{key}:")
            for entry in value:
                if key in flow_lists:
                    out.append(f"{indent}  - {flow(entry)}")
                else:
                    first = True
                    for k, v in entry.items():
                        lead = f"{indent}  - " if first else f"{indent}    "
                        first = False
                        if isinstance(v, (list, tuple)) and v and isinstance(v[0], str) and sum(len(x) for x in v) > 60:
                            out.append(f"{lead}{k}:")
                            out += [f"{indent}      - {scalar(x)}" for x in v]
                        else:
                            out.append(f"{lead}{k}: {flow(v)}")
        elif isinstance(value, (list, tuple)) and sum(len(str(x)) for x in value) > 60:
            out.append(f"{indent}{key}:")
            out += [f"{indent}  - {scalar(x)}" for x in value]
        elif isinstance(value, (list, tuple)):
            out.append(f"{indent}{key}: {flow(list(value))}")
        else:
            out.append(f"{indent}{key}: {scalar(value)}")
    return out


class _DateLoader(yaml.SafeLoader):
    pass


def dump(data: dict, flow_lists: tuple = ()) -> str:
    text = "\n".join(block(data, flow_lists)) + "\n"
    back = yaml.load(text, Loader=_DateLoader)  # noqa: S506 - SafeLoader subclass
    if back != _plain(data):
        raise AssertionError(f"YAML round trip changed the data:\n{text}")
    return text


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# =============================================================================== people and units

OFFICE = ["监督办 刘某", "监督办 王某", "监督办 何某", "监督办 赵某", "监督办 孙某"]

# id, name, category, supervisor, head, contact (who hands in accounts), supervisor's staff, leaders, talk role
UNITS = [
    ("grain-bureau", "县粮食和物资储备局", "county_department", "县纪委监委第二派驻纪检监察组", "张某某", "韩某某", "黄某",
     ["陈某某", "郑某某", "冯某某"], "县粮食和物资储备局党组书记、局长"),
    ("grain-company", "县粮食收储公司", "enterprise", "县纪委监委第二派驻纪检监察组", "王某某", "邓某某", "黄某",
     ["曹某某", "彭某某", "蒋某某"], "县粮食收储公司党支部书记、经理"),
    ("drc", "县发展和改革局", "county_department", "县纪委监委第二派驻纪检监察组", "李某某", "许某某", "黄某",
     ["吕某某", "苏某某"], "县发展和改革局党组书记、局长"),
    ("finance-bureau", "县财政局", "county_department", "县纪委监委第一派驻纪检监察组", "赵某某", "沈某某", "唐某",
     ["卢某某", "姜某某"], "县财政局党组书记、局长"),
    ("agri-bureau", "县农业农村局", "county_department", "县纪委监委第三派驻纪检监察组", "刘某某", "叶某某", "陈某",
     ["魏某某", "程某某", "袁某某"], "县农业农村局党组书记、局长"),
    ("water-bureau", "县水利局", "county_department", "县纪委监委第三派驻纪检监察组", "杨某某", "余某某", "陈某",
     ["潘某某", "杜某某"], "县水利局党组书记、局长"),
    ("emergency-bureau", "县应急管理局", "county_department", "县纪委监委第四派驻纪检监察组", "周某某", "夏某某", "钟某",
     ["戴某某", "范某某"], "县应急管理局党组书记、局长"),
    ("rural-revit", "县乡村振兴局", "county_department", "县纪委监委第三派驻纪检监察组", "吴某某", "田某某", "陈某",
     ["罗某某", "任某某"], "县乡村振兴局党组书记、局长"),
    ("natres-bureau", "县自然资源局", "county_department", "县纪委监委第四派驻纪检监察组", "徐某某", "方某某", "钟某",
     ["石某某", "姚某某"], "县自然资源局党组书记、局长"),
    ("housing-bureau", "县住房和城乡建设局", "county_department", "县纪委监委第五派驻纪检监察组", "林某某", "谭某某", "高某",
     ["廖某某", "邹某某"], "县住房和城乡建设局党组书记、局长"),
    ("east-town", "东关镇", "township", "东关镇纪委", "孙某某", "熊某某", "金某",
     ["陆某某", "郝某某"], "东关镇党委书记"),
    ("west-river", "西河乡", "township", "西河乡纪委", "马某某", "孔某某", "白某",
     ["崔某某", "康某某"], "西河乡党委书记"),
    ("south-hill", "南山镇", "township", "南山镇纪委", "朱某某", "毛某某", "邱某",
     ["秦某某", "江某某"], "南山镇党委书记"),
    ("north-ping", "北坪镇", "township", "北坪镇纪委", "胡某某", "史某某", "顾某",
     ["侯某某", "邵某某"], "北坪镇党委书记"),
    ("chengguan", "城关街道办事处", "township", "城关街道纪工委", "郭某某", "万某某", "段某",
     ["雷某某", "钱某某"], "城关街道党工委书记"),
    ("stone-bridge", "石桥镇", "township", "石桥镇纪委", "何某某", "汤某某", "尹某",
     ["黎某某", "易某某"], "石桥镇党委书记"),
    ("willow-town", "柳林乡", "township", "柳林乡纪委", "高某某", "常某某", "武某",
     ["乔某某", "贺某某"], "柳林乡党委书记"),
    ("qinglong", "青龙镇", "township", "青龙镇纪委", "罗某某", "赖某某", "龚某",
     ["文某某", "庞某某"], "青龙镇党委书记"),
    ("baisha", "白沙乡", "township", "白沙乡纪委", "梁某某", "樊某某", "兰某",
     ["殷某某", "施某某"], "白沙乡党委书记"),
]
U = {u[0]: dict(zip(("id", "name", "category", "supervisor", "head", "contact", "staff", "leaders", "role"), u))
     for u in UNITS}


#: the short names people use for the county departments (搜索时常用简称)
ALIASES = {"grain-bureau": ["粮食局", "粮储局"], "agri-bureau": ["农业农村局", "农业局"], "water-bureau": ["水利局"],
           "emergency-bureau": ["应急局"], "rural-revit": ["乡村振兴局", "振兴局"], "natres-bureau": ["自然资源局", "资规局"],
           "housing-bureau": ["住建局", "县住建局"], "finance-bureau": ["财政局"], "drc": ["发改局", "发改委"]}


def units_file() -> dict:
    return {"units": [{"id": u["id"], "name": u["name"], **({"aliases": ALIASES[u["id"]]} if u["id"] in ALIASES else {}),
                       "category": u["category"], "supervisor": u["supervisor"], "head": u["head"]} for u in U.values()]}


# =============================================================================== round one

R1_ID = "2023-R1"
R1_FEEDBACK = D("2023-02-20")
R1_DEADLINE = D("2023-05-20")
R1_ASPECTS = [
    "落实粮食安全党政同责不到位",
    "粮食购销监管履职不到位",
    "储备粮管理存在风险隐患",
    "涉粮资金管理使用不规范",
    "全面从严治党责任落实不到位",
]
R1_UNITS = ["grain-bureau", "grain-company", "drc", "finance-bureau", "east-town", "south-hill"]
R1_OPENED = {"grain-bureau": "2023-02-24", "grain-company": "2023-02-27", "drc": "2023-02-24",
             "finance-bureau": "2023-02-27", "east-town": "2023-02-28", "south-hill": "2023-02-28"}

# unit, aspect (1-based), term (i/t/l), title, feedback text, detail, tags, common,
# measures [(text, owner)], mechanisms, options
R1 = [
    ("grain-bureau", 1, "t", "粮食安全党政同责考核指标未细化",
     "对粮食安全党政同责考核工作推进不力，考核指标未细化分解到相关部门和乡镇。",
     "2022年度考核仍沿用市级指标，未结合本县实际分解到各乡镇（街道）和成员单位。",
     ["党政同责"], False,
     [("制定县级粮食安全党政同责考核实施细则，细化分解考核指标", "规划财务股"),
      ("组织开展2022年度考核结果复核并通报", "办公室")],
     ["《云岭县粮食安全党政同责考核实施细则》"], {"lookback": ("2023-06-14", "考核细则已纳入2023年度考核，执行情况良好。")}),
    ("drc", 1, "t", "粮食产业发展规划编制滞后",
     "粮食安全中长期规划编制滞后，未结合县情制定粮食产业发展规划。",
     "“十四五”粮食产业发展专项规划至巡察时仍未印发。",
     ["规划编制"], False,
     [("完成县“十四五”粮食产业发展规划编制并按程序印发", "规划股"),
      ("建立粮食产业发展重点项目库", "规划股")],
     ["《粮食产业发展重点项目库管理办法》"], {}),
    ("grain-bureau", 1, "t", "县级储备粮规模未落实到位",
     "落实地方储备粮规模不到位，县级储备粮实际库存低于市下达计划。",
     "巡察时县级储备粮实际库存较市下达计划少1500吨。",
     ["储备粮"], False,
     [("制定储备粮补库计划，分批完成1500吨补库任务", "仓储与安全股"),
      ("建立储备粮规模落实情况月报制度", "仓储与安全股")],
     ["《县级储备粮规模落实情况月报制度》"], {"lookback": ("2023-06-20", "储备粮规模保持在市下达计划以上，月报按时报送。")}),
    ("east-town", 1, "t", "东关镇耕地“非粮化”整治不及时",
     "粮食生产主体责任落实不力，部分耕地“非粮化”问题未及时整治。",
     "东关镇2处永久基本农田被用于种植苗木和挖塘养鱼，面积约46亩。",
     ["耕地保护"], True,
     [("对2处“非粮化”地块制定整改方案，限期恢复粮食生产", "农业综合服务中心"),
      ("开展全镇耕地“非粮化”排查", "农业综合服务中心")],
     ["《东关镇耕地保护网格化监管制度》"], {}),
    ("south-hill", 1, "i", "南山镇种粮补贴政策宣传不到位",
     "种粮补贴政策宣传不到位，群众对耕地地力保护补贴政策知晓率不高。",
     "巡察组随机走访30户农户，有11户不清楚补贴标准和发放时间。",
     ["惠农补贴"], True,
     [("印发补贴政策明白纸，逐村逐户开展政策宣传", "农业综合服务中心"),
      ("在村务公开栏公示补贴标准和发放情况", "党政办")],
     [], {"returned": "入户宣传覆盖情况缺少台账，请补充各村入户宣传登记表。"}),
    ("grain-bureau", 1, "t", "粮食应急保障网点布局不合理",
     "粮食应急保障体系不健全，应急供应网点布局不合理、部分网点未签订协议。",
     "全县应急供应网点集中在县城，4个乡镇无网点，已设网点中有3个未签订应急供应协议。",
     ["应急保障"], False,
     [("优化应急供应网点布局，在无网点乡镇新增网点", "粮食流通股"),
      ("与全部应急供应网点签订应急供应协议", "粮食流通股"),
      ("修订县粮食应急预案并组织演练", "粮食流通股")],
     ["《粮食应急供应网点管理办法》"], {}),
    ("drc", 1, "t", "粮食价格监测预警不及时",
     "粮食价格监测预警机制不健全，价格监测数据报送不及时。",
     "2022年有5个监测周期数据迟报，监测点设置未覆盖主要产粮乡镇。",
     ["价格监测"], False,
     [("调整充实粮食价格监测点，覆盖主要产粮乡镇", "价格股"),
      ("落实监测数据定人定时报送", "价格股")],
     ["《粮食价格监测预警工作制度》"], {}),
    ("grain-bureau", 2, "t", "对粮食收购企业监督检查流于形式",
     "对粮食收购企业监督检查流于形式，检查记录不完整、问题整改未跟踪。",
     "2021年以来的检查记录中，多份无被检查企业签字，发现问题无整改反馈。",
     ["监管责任"], False,
     [("对2021年以来检查发现问题建立台账逐项跟踪整改", "执法督查股"),
      ("推行“双随机、一公开”检查并规范检查文书", "执法督查股")],
     ["《粮食流通监督检查工作规程》", "《粮食收购企业信用监管办法》"],
     {"lookback": ("2023-06-28", "抽查二季度检查记录，文书规范，问题整改均有反馈。")}),
    ("grain-bureau", 2, "i", "粮食收购主体备案管理不严",
     "粮食收购资格备案管理不严，部分收购主体未按规定备案。",
     "巡察发现7家粮食收购主体未按规定备案即开展收购。",
     ["监管责任"], False,
     [("督促7家收购主体完成备案", "粮食流通股"),
      ("开展粮食收购主体备案情况全面排查", "粮食流通股")],
     [], {}),
    ("grain-bureau", 2, "t", "政策性粮食出库监管不到位",
     "政策性粮食出库监管不到位，个别批次出库未全程监管。",
     "2022年有2个批次政策性粮食出库无驻库监管人员记录。",
     ["监管责任", "储备粮"], False,
     [("建立政策性粮食出库驻库监管制度", "仓储与安全股"),
      ("对2022年出库批次开展倒查", "执法督查股")],
     ["《政策性粮食出库驻库监管办法》"], {}),
    ("grain-company", 2, "t", "收购环节质量检验不规范",
     "粮食收购环节质量检验不规范，存在压级压价现象。",
     "公司部分收购点扦样、检验未按标准操作，检验结果未向售粮农户公示。",
     ["粮食收购"], False,
     [("对收购点检验人员开展业务培训并持证上岗", "质检中心"),
      ("在收购点公示质价标准和检验结果", "业务部"),
      ("设立收购投诉电话并向社会公开", "办公室")],
     ["《粮食收购质量检验和质价公示制度》"], {}),
    ("grain-bureau", 2, "t", "粮食质量检验监测能力不足",
     "粮食质量安全检验监测能力不足，检验设备老化、检验人员持证不足。",
     "县粮食质检站部分检验设备超期服役，具备资质的检验员仅2人。",
     ["质量安全"], False,
     [("更新购置粮食快速检测设备", "规划财务股"),
      ("组织检验人员参加资格培训", "仓储与安全股")],
     [], {"returned": "设备采购验收资料不全，检验员培训合格证书未附。", "due": "2023-04-30"}),
    ("drc", 2, "t", "粮食流通统计数据不准确",
     "粮食流通统计数据不准确，统计台账不规范。",
     "2022年粮食收购统计数据与企业台账存在差异，统计台账缺少原始凭证。",
     ["统计数据"], False,
     [("对2022年粮食流通统计数据开展核对更正", "经济运行股"),
      ("规范粮食流通统计台账和原始凭证管理", "经济运行股")],
     ["《粮食流通统计工作规范》"], {}),
    ("grain-company", 2, "t", "粮食购销合同管理不规范",
     "粮食购销合同管理不规范，部分合同要素不全、未经法律审核。",
     "抽查2022年购销合同42份，有9份缺少质量标准、违约责任等要素。",
     ["合同管理"], False,
     [("对2021年以来购销合同逐份清理完善", "业务部"),
      ("建立合同法律审核制度", "办公室")],
     ["《粮食购销合同管理办法》"], {}),
    ("grain-bureau", 2, "i", "12325监管热线线索办理不及时",
     "12325粮食监管热线线索办理不及时，部分举报线索未按期办结。",
     "2022年受理的举报线索中有3件超期未办结。",
     ["监管责任"], False,
     [("对3件超期线索限期办结并反馈举报人", "执法督查股"),
      ("建立热线线索办理台账和限时办结制度", "执法督查股")],
     ["《12325粮食监管热线线索办理规定》"], {}),
    ("grain-company", 3, "t", "储备粮账实不符",
     "储备粮账实不符，部分仓廒实际库存与保管账存在差异。",
     "巡察抽查5个仓廒，有2个仓廒实际库存与保管账差异超过合理损耗。",
     ["储备粮", "库存管理"], False,
     [("对全部仓廒开展库存数量和质量清查", "仓储部"),
      ("查明账实差异原因并按规定处理", "财务部"),
      ("实行保管账、统计账、会计账定期核对", "财务部")],
     ["《储备粮“三账”定期核对制度》", "《储备粮库存定期盘点制度》"],
     {"lookback": ("2023-07-05", "随机抽查3个仓廒，账实相符。")}),
    ("grain-company", 3, "t", "储备粮轮换计划执行滞后",
     "储备粮轮换管理不规范，轮换计划执行滞后，存在“以陈顶新”风险。",
     "2022年度轮换计划中有2000吨延期未轮入。",
     ["储备粮", "轮换管理"], False,
     [("完成2022年度延期轮换任务", "业务部"),
      ("建立轮换计划执行情况月报告制度", "业务部")],
     ["《储备粮轮换管理实施细则》"],
     {"returned": "轮入粮食质量检验报告不全，请补充第三方检验报告。", "due": "2023-04-30"}),
    ("grain-company", 3, "t", "仓储设施老化存在安全隐患",
     "仓储设施老化，部分仓房漏雨、储粮安全存在隐患。",
     "公司3栋平房仓屋面漏雨，部分仓房气密性不达标。",
     ["仓储设施", "安全生产"], False,
     [("完成3栋平房仓屋面防水维修", "仓储部"),
      ("对仓房气密性进行检测和改造", "仓储部")],
     ["《仓储设施维修改造管理办法》"], {}),
    ("grain-company", 3, "i", "储备粮保管记录不全",
     "储备粮保管制度执行不严，出入库记录、粮情检查记录不全。",
     "部分仓廒粮情检查记录存在补记、漏记。",
     ["储备粮", "库存管理"], False,
     [("补齐完善出入库和粮情检查记录", "仓储部"),
      ("推行粮情测控系统电子记录", "仓储部")],
     ["《储备粮粮情检查制度》"], {}),
    ("grain-bureau", 3, "t", "对承储企业库存检查不到位",
     "对承储企业监管不到位，未按规定开展储备粮库存检查。",
     "2022年未按规定开展春秋两季储备粮库存检查。",
     ["储备粮", "监管责任"], False,
     [("对承储企业开展储备粮库存专项检查", "仓储与安全股"),
      ("建立储备粮春秋两季普查制度", "仓储与安全股")],
     ["《地方储备粮春秋两季普查制度》"], {"lookback": ("2023-07-12", "2023年春季普查已按制度完成。")}),
    ("grain-company", 3, "i", "安全生产管理不规范",
     "安全生产责任落实不到位，熏蒸作业、消防设施管理不规范。",
     "熏蒸作业未严格执行审批程序，部分消防器材过期。",
     ["安全生产"], False,
     [("更换过期消防器材", "安全保卫部"),
      ("规范熏蒸作业审批和现场监护", "仓储部")],
     ["《储粮熏蒸作业安全管理规定》", "《公司消防安全管理制度》"], {}),
    ("finance-bureau", 3, "t", "储备粮费用补贴拨付不及时",
     "储备粮利息费用补贴拨付不及时、标准执行不统一。",
     "2022年第三、四季度储备粮利息费用补贴延迟拨付3个月以上。",
     ["涉粮资金"], False,
     [("足额拨付2022年欠拨补贴", "经济建设股"),
      ("明确补贴标准和按季拨付时限", "经济建设股")],
     ["《县级储备粮利息费用补贴管理办法》"], {}),
    ("grain-company", 3, "t", "储备粮销售底价确定不规范",
     "储备粮销售底价确定程序不规范，未经集体研究。",
     "2022年2批次储备粮销售底价由业务部门自行确定，未经党支部和经理层集体研究。",
     ["储备粮", "集体决策"], False,
     [("将储备粮销售底价纳入“三重一大”集体决策事项", "办公室"),
      ("对2022年销售批次开展复核", "业务部")],
     ["《公司“三重一大”决策制度实施办法》"], {}),
    ("finance-bureau", 4, "t", "粮食风险基金存在资金滞留",
     "粮食风险基金管理不规范，存在资金滞留现象。",
     "粮食风险基金专户结余资金320万元滞留超过一年未使用。",
     ["涉粮资金"], False,
     [("清理粮食风险基金专户结余资金", "经济建设股"),
      ("按规定统筹使用滞留资金", "预算股")],
     ["《粮食风险基金管理办法实施细则》"], {}),
    ("finance-bureau", 4, "t", "耕地地力保护补贴审核把关不严",
     "耕地地力保护补贴资金发放审核把关不严，存在错发、重复发放。",
     "2022年补贴发放数据中有12户重复发放、3户已故人员发放。",
     ["惠农补贴"], True,
     [("追回重复发放和错发补贴资金", "农业农村股"),
      ("建立补贴发放数据部门比对机制", "农业农村股")],
     ["《耕地地力保护补贴资金发放审核办法》"], {"lookback": ("2023-06-21", "2023年补贴发放前已完成数据比对，未发现错发。")}),
    ("east-town", 4, "t", "东关镇补贴面积核实不准",
     "耕地地力保护补贴面积核实不准，存在虚报面积问题。",
     "东关镇2个村上报补贴面积超出实际承包面积约85亩。",
     ["惠农补贴"], True,
     [("对全镇补贴面积逐村逐户核实", "农业综合服务中心"),
      ("追回虚报面积对应的补贴资金", "财政所"),
      ("对相关村干部进行追责问责", "镇纪委")],
     ["《东关镇补贴面积核实“三级审核”制度》"], {}),
    ("south-hill", 4, "t", "种粮大户补贴申报审核不严",
     "种粮大户补贴申报审核不严，个别大户补贴面积超过实际种植面积。",
     "南山镇1户种粮大户申报面积超出实际种植面积120亩。",
     ["惠农补贴"], True,
     [("对全镇种粮大户申报面积实地复核", "农业综合服务中心"),
      ("追回多领补贴资金", "财政所")],
     [], {}),
    ("grain-company", 4, "t", "公司财务管理混乱",
     "公司财务管理混乱，存在白条入账、大额现金支付。",
     "2022年白条入账6笔、大额现金支付11笔，涉及金额23.6万元。",
     ["财务管理"], True,
     [("对白条入账、大额现金支付逐笔清理", "财务部"),
      ("修订公司财务管理制度，严格执行转账结算", "财务部")],
     ["《县粮食收储公司财务管理办法》"],
     {"returned": "白条入账清理情况未逐笔附说明，请补充。", "due": "2023-04-30",
      "lookback": ("2023-07-18", "抽查二季度会计凭证，未发现白条入账和大额现金支付。")}),
    ("grain-bureau", 4, "l", "粮食产业项目资金使用绩效不高",
     "粮食产业项目资金使用绩效不高，部分项目建成后使用率低。",
     "2020年建成的粮食烘干中心年均使用率不足30%。",
     ["项目闲置"], False,
     [("制定烘干中心盘活利用方案，引入专业化运营主体", "规划财务股"),
      ("开展粮食产业项目资金绩效评价", "规划财务股")],
     ["《粮食产业项目绩效评价办法》"], {}),
    ("finance-bureau", 4, "t", "涉粮专项资金监督检查缺位",
     "对涉粮专项资金监督检查不到位，未开展绩效评价。",
     "2021年以来未对涉粮专项资金开展专项检查和绩效评价。",
     ["涉粮资金", "监督责任"], True,
     [("开展涉粮专项资金专项检查", "财政监督股"),
      ("对2022年涉粮专项资金开展绩效评价", "预算股")],
     ["《涉粮专项资金监督检查办法》"], {}),
    ("grain-bureau", 5, "l", "党组主体责任落实不到位",
     "党组主体责任落实不到位，党组会议研究全面从严治党工作次数少。",
     "2022年党组会议专题研究全面从严治党工作仅1次。",
     ["党的建设"], True,
     [("制定党组落实全面从严治党主体责任清单", "办公室"),
      ("党组每季度专题研究全面从严治党工作", "办公室")],
     ["《党组落实全面从严治党主体责任清单》", "《党组会议议事规则》"],
     {"lookback": ("2023-07-10", "二季度党组会议已专题研究全面从严治党工作。")}),
    ("grain-company", 5, "t", "党支部组织生活不规范",
     "公司党支部“三会一课”制度落实不严格，组织生活流于形式。",
     "2022年党支部党员大会仅召开2次，党课无记录。",
     ["党的建设"], True,
     [("制定党支部年度组织生活计划并按计划落实", "办公室"),
      ("补齐党建工作记录并规范台账管理", "办公室")],
     ["《党支部“三会一课”制度落实考核办法》"], {}),
    ("grain-bureau", 5, "l", "意识形态工作责任制落实不到位",
     "意识形态工作责任制落实不到位，未定期分析研判意识形态形势。",
     "2022年党组未专题研究意识形态工作，门户网站信息发布审核不严。",
     ["意识形态"], True,
     [("党组每半年专题研判意识形态形势", "办公室"),
      ("建立网站和新媒体信息发布“三审三校”制度", "办公室")],
     ["《意识形态工作责任制实施细则》", "《信息发布“三审三校”制度》"],
     {"lookback": ("2023-07-20", "信息发布审核记录完整，上半年意识形态形势已专题研判。")}),
    ("grain-company", 5, "t", "违规发放补贴",
     "违反中央八项规定精神问题仍有发生，存在违规发放补贴。",
     "2022年以“加班费”名义违规发放补贴4.8万元。",
     ["八项规定"], False,
     [("全额清退违规发放的补贴", "财务部"),
      ("对相关责任人进行问责", "办公室"),
      ("开展作风建设警示教育", "办公室")],
     ["《公司津补贴发放管理规定》"], {}),
    ("drc", 5, "t", "上轮巡察问题整改不彻底",
     "上轮巡察反馈问题整改不彻底，部分问题整改措施未落实到位。",
     "上轮巡察反馈的3个问题整改措施未完全落实，个别已销号问题出现反弹。",
     ["整改落实", "监督责任"], True,
     [("对上轮巡察反馈问题逐项开展“回头看”", "办公室"),
      ("对未落实到位的3个问题重新制定措施并完成整改", "办公室")],
     ["《巡察整改问题销号后跟踪回访制度》"],
     {"returned": "“回头看”报告未逐项对照原整改措施，请补充。", "due": "2023-04-30"}),
    ("south-hill", 5, "t", "镇纪委监督责任落实不到位",
     "乡镇纪委监督责任落实不到位，对涉粮补贴发放监督检查缺失。",
     "2022年镇纪委未对耕地地力保护补贴发放开展监督检查。",
     ["监督责任"], True,
     [("镇纪委开展惠农补贴发放专项监督检查", "镇纪委"),
      ("建立惠农补贴发放日常监督机制", "镇纪委")],
     ["《南山镇惠农补贴发放监督检查办法》"], {}),
]

START_TEXT = {
    "county_department": "召开党组会议专题研究巡察反馈问题，制定整改方案，明确责任领导、责任股室和完成时限。",
    "enterprise": "召开党支部会议和经理办公会专题研究，制定整改方案，明确责任部门和完成时限。",
    "township": "召开党委会议专题研究巡察反馈问题，制定整改方案，明确包村领导和完成时限。",
}

SUP_FIRST = [
    ("phone", "电话催办整改进度，要求严格按照整改方案时限推进。"),
    ("hearing", "听取整改进展情况汇报，要求对照反馈问题逐项推进、逐项销号。"),
    ("talk", "与分管领导个别谈话，督促履行“一岗双责”，压实整改责任。"),
    ("documents", "查阅整改台账和会议记录，要求补充完善过程性资料。"),
    ("visit", "走访服务对象了解整改情况，未发现新的问题反映。"),
    ("on_site", "实地查看整改落实情况，整改工作正在按计划推进。"),
]
SUP_SECOND = [
    ("documents", "查阅整改佐证资料，资料基本齐全，要求交账前按措施逐项整理。"),
    ("on_site", "实地核查整改成效，整改措施落实到位。"),
    ("visit", "走访群众了解整改效果，群众反映良好。"),
]
PASS_NOTES = [  # the third one only for items that built a mechanism
    "经查阅资料、实地查看，整改措施全部落实，同意销号。",
    "佐证材料齐全，整改到位，同意销号。",
    "经核实整改成效明显，相关制度已建立，同意销号。",
]
MECH_WORDS = ("制度", "办法", "机制", "细则", "规程", "清单", "规定", "规则", "规范")


def r1_items() -> list[dict]:
    items = []
    for k, (unit, aspect, term, title, fb, detail, tags, common, measures, mechs, opts) in enumerate(R1, start=1):
        u = U[unit]
        opened = D(R1_OPENED[unit])
        term_name = {"i": "immediate", "t": "time_limited", "l": "long_term"}[term]
        if term == "i":
            due = D("2023-03-31")
            mdues = [D("2023-03-15")] + [D("2023-03-31")] * (len(measures) - 1)
        elif term == "l":
            due = D("2023-12-31")
            mdues = [D("2023-04-30"), D("2023-05-15"), D("2023-05-15")][:len(measures)]
        else:
            due = D(opts.get("due") or ["2023-04-15", "2023-04-30", "2023-05-10"][k % 3])
            span = (due - opened).days
            mdues = [min(due, plus(opened, round(span * (j + 1) / len(measures)))) for j in range(len(measures))]
        dones = [max(plus(opened, 8 + j), plus(md, -((k * 5 + j * 3) % 8 + 1))) for j, md in enumerate(mdues)]
        mlist = [{"id": f"M{j + 1}", "text": text, "owner": owner, "due": mdues[j], "done": dones[j]}
                 for j, (text, owner) in enumerate(measures)]
        last_done = max(dones)

        # records
        reports = [(plus(opened, 1 + k % 3), START_TEXT[u["category"]])]
        first = min(dones)
        mid = plus(opened, max(3, (first - opened).days // 2))
        if mid < first:
            reports.append((mid, "按整改方案推进措施M1，已完成前期摸底和任务分解。"))
        for m in mlist:
            reports.append((m["done"], f"已完成{m['id']}：{m['text']}。"))
        sub1 = plus(last_done, 1 + k % 3)
        if last_done < due < sub1:
            sub1 = due
        reports.append((sub1, "全部整改措施已落实，向监督办交账。"))
        reports.sort(key=lambda r: r[0])

        staff = f"{u['supervisor']} {u['staff']}"
        m1, n1 = SUP_FIRST[k % len(SUP_FIRST)]
        sup = [{"date": plus(opened, 12 + k % 9), "method": m1, "by": OFFICE[k % 5] if k % 2 else staff, "note": n1}]
        m2, n2 = SUP_SECOND[k % len(SUP_SECOND)]
        d2 = plus(last_done, -1)
        if d2 > sup[0]["date"]:
            sup.append({"date": d2, "method": m2, "by": staff if k % 2 else OFFICE[(k + 2) % 5], "note": n2})

        contact = f"{u['name']} {u['contact']}"
        evidence = ["整改完成情况报告", "整改台账"] + [t.strip("《》") + "文件" for t in mechs]
        subs = [{"date": sub1, "by": contact, "text": f"{title}问题整改措施已全部落实，申请核账销号。",
                 "evidence": evidence}]
        verifier = OFFICE[(k + 1) % 5]
        if opts.get("returned"):
            v1 = plus(sub1, 4)
            vers = [{"date": v1, "by": verifier, "result": "returned", "note": opts["returned"]}]
            sub2 = plus(v1, 6)
            subs.append({"date": sub2, "by": contact, "text": "已按核账意见补充完善佐证材料，再次交账。",
                         "evidence": ["补充说明", "补充佐证材料"]})
            reports.append((sub2, "按核账意见补充佐证材料后再次交账。"))
            vers.append({"date": plus(sub2, 3), "by": OFFICE[(k + 3) % 5], "result": "passed",
                         "note": PASS_NOTES[k % (3 if mechs else 2)]})
        else:
            vers = [{"date": plus(sub1, 3 + k % 4), "by": verifier, "result": "passed",
                     "note": PASS_NOTES[k % (3 if mechs else 2)]}]

        mech_dates = []
        for t in mechs:
            related = [m["done"] for m in mlist if any(w in m["text"] for w in MECH_WORDS)]
            mech_dates.append(related[0] if related else last_done)
        mech_list = sorted(({"date": d, "title": t} for d, t in zip(mech_dates, mechs)), key=lambda m: m["date"])

        item = {
            "id": f"{R1_ID}-{k:03d}", "round": R1_ID, "feedback": [f"{R1_ID}-F{k:02d}"], "unit": unit,
            "aspect": R1_ASPECTS[aspect - 1], "title": title, "problem": fb.rstrip("。") + "。" + detail,
        }
        if common:
            item["scope"] = "common"
        item.update({
            "tags": tags, "term": term_name, "opened": opened, "due": due,
            "leader": u["leaders"][k % len(u["leaders"])], "department": measures[0][1],
            "measures": mlist, "status": "cleared",
            "reports": [{"date": d, "by": u["name"], "text": t} for d, t in reports],
            "supervision": sup, "submissions": subs, "verifications": vers,
        })
        if opts.get("lookback"):
            ld, note = opts["lookback"]
            item["lookbacks"] = [{"date": D(ld), "by": OFFICE[3], "result": "sustained", "note": note}]
        if mech_list:
            item["mechanisms"] = mech_list
        items.append(item)
    return items


def r1_round() -> dict:
    return {
        "id": R1_ID, "name": "八届市委第一轮涉粮问题专项巡察", "level": "city", "kind": "special",
        "feedback_date": R1_FEEDBACK, "deadline": R1_DEADLINE, "aspects": R1_ASPECTS, "units": R1_UNITS,
        "feedback": [{"id": f"{R1_ID}-F{k:02d}", "aspect": R1_ASPECTS[row[1] - 1], "unit": row[0], "text": row[4]}
                     for k, row in enumerate(R1, start=1)],
    }


# =============================================================================== round two

R2_ID = "2023-R2"
R2_FEEDBACK = D("2023-05-30")
R2_DEADLINE = D("2023-10-30")
R2_ASPECTS = [
    "贯彻落实乡村振兴决策部署有差距",
    "涉农资金管理使用不规范",
    "涉农项目建设管理不严格",
    "防汛救灾责任落实不到位",
]
R2_UNITS = ["agri-bureau", "water-bureau", "emergency-bureau", "rural-revit", "finance-bureau", "natres-bureau",
            "housing-bureau", "east-town", "west-river", "south-hill", "north-ping", "chengguan", "stone-bridge",
            "willow-town", "qinglong", "baisha"]
# feedback id → (aspect, unit, text)
R2_FB = {
    1: (1, "rural-revit", "防止返贫动态监测和帮扶机制落实不到位，部分监测对象识别纳入不及时、帮扶措施针对性不强。"),
    2: (1, "agri-bureau", "耕地保护和粮食生产责任落实不到位，部分乡镇耕地撂荒、“非粮化”问题整治不彻底。"),
    3: (1, "rural-revit", "衔接资金产业项目联农带农机制不健全，部分项目收益分配不规范。"),
    4: (1, "agri-bureau", "农村人居环境整治长效管护机制落实不到位，部分村庄环境卫生反弹。"),
    5: (2, "finance-bureau", "涉农资金统筹整合不到位，部分资金拨付滞后、沉淀闲置。"),
    6: (2, "agri-bureau", "惠农补贴“一卡通”发放管理不规范，存在代领代管、错发漏发问题。"),
    7: (2, "rural-revit", "村级集体经济项目资金和资产管理不严，部分资产底数不清、收益未入账。"),
    8: (2, "water-bureau", "水利项目资金使用不规范，存在超范围列支项目管理费问题。"),
    9: (2, "water-bureau", "部分单位财务管理制度执行不严，公务接待、差旅费报销不规范。"),
    10: (3, "agri-bureau", "高标准农田建设项目验收把关不严，部分工程质量不达标、建后管护缺位。"),
    11: (3, "water-bureau", "农村饮水安全工程建后管护不到位，部分工程水质检测不及时、供水不稳定。"),
    12: (3, "rural-revit", "部分涉农项目前期论证不充分，建成后闲置或低效运行。"),
    13: (3, "housing-bureau", "项目招投标和工程变更管理不规范，存在应招未招、先施工后变更问题。"),
    14: (4, "emergency-bureau", "防汛应急预案修订不及时、针对性不强，应急演练流于形式。"),
    15: (4, "emergency-bureau", "部分乡镇防汛物资储备不足、管理不规范，物资台账不清。"),
    16: (4, "natres-bureau", "地质灾害隐患点监测预警不到位，群测群防员履职不到位。"),
    17: (4, "housing-bureau", "城区防洪排涝设施建设滞后，去年水毁设施修复进度缓慢。"),
}


def M(text, owner, due, done=None):
    return (text, owner, due, done)


# Each item: fb, unit, term, opened, due, title, problem, tags, common, status, measures, mechanisms,
# submissions [(date, text)], verifications [(date, result, note)], reports [(date, text)],
# supervision [(date, method, by: "office"/"staff"/name, note, internal)]
R2 = [
    dict(n=1, fb=1, unit="rural-revit", term="t", opened="2023-06-05", due="2023-08-31",
         title="防返贫动态监测机制运行不畅",
         problem="防返贫监测预警部门信息比对每季度仅开展一次，行业部门数据推送不及时，2022年有6户监测对象从风险发生到纳入超过30天。",
         tags=["防返贫监测"], status="cleared",
         measures=[M("建立教育、医保、民政等部门数据每月比对推送机制", "开发指导股", "2023-06-30", "2023-06-26"),
                   M("对2022年以来纳入超时的监测对象逐户复核，落实帮扶措施", "开发指导股", "2023-07-15", "2023-07-12")],
         mechs=[("《防止返贫动态监测部门信息共享和比对办法》", "2023-06-26")],
         subs=[("2023-07-14", None)], vers=[("2023-07-19", "passed", None)]),
    dict(n=2, fb=1, unit="west-river", term="i", opened="2023-06-07", due="2023-07-15",
         title="西河乡监测对象识别纳入不及时",
         problem="西河乡对因病、因灾出现返贫风险的农户排查不及时，3户风险户未按程序纳入监测。",
         tags=["防返贫监测"], common=True, status="cleared",
         measures=[M("对全乡农户开展返贫风险集中排查", "党政办", "2023-06-30", "2023-06-20"),
                   M("将3户风险户按程序纳入监测并落实帮扶措施", "社会事务办", "2023-07-10", "2023-06-28")],
         subs=[("2023-07-03", None), ("2023-07-12", "已补充帮扶责任人入户记录，再次交账。")],
         vers=[("2023-07-07", "returned", "帮扶措施落实佐证不全，缺少帮扶责任人入户记录。"), ("2023-07-17", "passed", None)]),
    dict(n=3, fb=1, unit="baisha", term="t", opened="2023-06-07", due="2023-08-31",
         title="白沙乡帮扶措施针对性不强",
         problem="白沙乡部分监测户帮扶措施“一刀切”，以发放慰问物资代替产业、就业帮扶，帮扶成效不明显。",
         tags=["防返贫监测"], common=True, status="cleared",
         measures=[M("对全乡监测户逐户分析风险，“一户一策”制定帮扶计划", "农业综合服务中心", "2023-07-15", "2023-07-10"),
                   M("为有劳动能力的监测户落实产业或就业帮扶措施", "社会事务办", "2023-08-15", "2023-08-04")],
         mechs=[("《白沙乡监测户“一户一策”帮扶工作制度》", "2023-07-10")],
         subs=[("2023-08-07", None)], vers=[("2023-08-11", "passed", None)]),
    dict(n=4, fb=2, unit="agri-bureau", term="t", opened="2023-06-05", due="2023-10-30",
         title="耕地撂荒整治推进不力",
         problem="对乡镇撂荒地排查台账审核不严，2022年排查出的撂荒耕地仍有约1200亩未复耕复种，耕地保护考核未落实到村。",
         tags=["耕地保护"], common=True, status="in_progress",
         measures=[M("会同自然资源部门对全县撂荒地开展复核，建立动态台账", "种植业股", "2023-07-15", "2023-07-12"),
                   M("制定撂荒地复耕复种工作方案，分乡镇下达任务", "种植业股", "2023-07-31", "2023-07-28"),
                   M("完成秋播前撂荒地复耕复种任务", "种植业股", "2023-10-20"),
                   M("将耕地保护纳入乡镇年度考核并细化到村", "办公室", "2023-09-30"),
                   M("对复耕地块开展种植情况跟踪核查", "种植业股", "2023-10-30")],
         mechs=[("《撂荒耕地动态监测和复耕复种工作机制》", "2023-07-28")],
         reports=[("2023-06-20", "会同县自然资源局开展撂荒地复核，已完成8个乡镇外业核查。"),
                  ("2023-08-04", "各乡镇已复耕撂荒地约520亩，正在组织秋播备耕。"),
                  ("2023-08-16", "累计复耕撂荒地约760亩，剩余地块已落实复耕主体。")],
         sup=[("2023-07-04", "phone", "office", "电话催办撂荒地复核进度，要求7月中旬前完成台账建立。"),
              ("2023-08-09", "on_site", "staff", "实地查看2个乡镇复耕地块，复耕情况与报告一致。")]),
    dict(n=5, fb=2, unit="stone-bridge", term="t", opened="2023-06-09", due="2023-08-31",
         title="石桥镇撂荒耕地复耕进度慢",
         problem="石桥镇排查出撂荒耕地320亩，截至巡察时仅复耕90亩，部分村对撂荒地流转引导不力。",
         tags=["耕地保护"], common=True, status="cleared",
         measures=[M("逐村逐地块核实撂荒地，建立复耕台账", "农业综合服务中心", "2023-06-20", "2023-06-16"),
                   M("引导种植大户、合作社流转撂荒地，完成复耕复种", "农业综合服务中心", "2023-07-31", "2023-07-25")],
         subs=[("2023-07-27", None)], vers=[("2023-08-01", "passed", None)]),
    dict(n=6, fb=2, unit="willow-town", term="t", opened="2023-06-08", due="2023-08-31",
         title="柳林乡耕地“非粮化”问题整治不到位",
         problem="柳林乡部分永久基本农田种植苗木，巡察发现的4处“非粮化”地块未完成整改。",
         tags=["耕地保护"], common=True, status="cleared",
         measures=[M("对4处“非粮化”地块逐一制定整改方案", "农业综合服务中心", "2023-06-30", "2023-06-21"),
                   M("完成苗木移栽和地块恢复粮食种植", "农业综合服务中心", "2023-07-31", "2023-07-29")],
         subs=[("2023-08-01", None)], vers=[("2023-08-04", "passed", None)]),
    dict(n=7, fb=3, unit="rural-revit", term="t", opened="2023-06-05", due="2023-10-30",
         title="衔接资金产业项目联农带农机制不健全",
         problem="2021年以来实施的衔接资金产业项目中，有11个项目未明确联农带农方式，部分项目资产收益未按约定分配给脱贫户。",
         tags=["衔接资金", "收益分配"], common=True, status="in_progress",
         measures=[M("对2021年以来衔接资金产业项目逐一梳理联农带农情况", "规划财务股", "2023-07-15", "2023-07-10"),
                   M("制定衔接资金项目联农带农利益联结机制实施办法", "开发指导股", "2023-08-31"),
                   M("督促11个项目补签利益联结协议、补发收益", "开发指导股", "2023-09-30"),
                   M("开展项目收益分配专项检查", "规划财务股", "2023-10-20"),
                   M("将项目收益分配情况纳入乡镇年度考核", "综合股", "2023-10-30")],
         reports=[("2023-06-26", "对2021年以来44个衔接资金产业项目开展梳理，已完成26个。"),
                  ("2023-07-24", "起草联农带农利益联结机制实施办法，征求相关部门意见。"),
                  ("2023-08-08", "督促11个项目补签利益联结协议，已有4个项目完成补签。"),
                  ("2023-08-17", "实施办法已提交局党组会审议。")],
         sup=[("2023-07-18", "documents", "office", "查阅项目梳理台账，要求对未明确联农带农方式的项目逐一说明原因。")]),
    dict(n=8, fb=3, unit="qinglong", term="t", opened="2023-06-07", due="2023-07-31",
         title="青龙镇扶贫车间收益分配不规范",
         problem="青龙镇扶贫车间租金收益2022年未按方案分配，8.6万元滞留在镇财政所账户。",
         tags=["收益分配"], common=True, status="cleared",
         measures=[M("核实扶贫车间2021年以来租金收入，制定收益分配方案", "财政所", "2023-06-30", "2023-06-19"),
                   M("按程序将滞留收益分配到村、到户", "财政所", "2023-07-15", "2023-07-11")],
         mechs=[("《青龙镇扶贫项目资产收益分配管理办法》", "2023-07-11")],
         subs=[("2023-07-13", None)], vers=[("2023-07-18", "passed", None)]),
    dict(n=9, fb=3, unit="north-ping", term="t", opened="2023-06-07", due="2023-08-31",
         title="北坪镇产业项目带贫益贫效果不明显",
         problem="北坪镇食用菌产业项目承包方未按协议吸纳脱贫户务工，约定的分红未兑现。",
         tags=["收益分配"], common=True, status="cleared",
         measures=[M("约谈项目承包方，督促履行协议", "党政办", "2023-06-20", "2023-06-14"),
                   M("兑现2022年度脱贫户分红", "农业综合服务中心", "2023-07-31", "2023-07-20")],
         mechs=[("《北坪镇产业项目利益联结协议履约监督制度》", "2023-07-20")],
         subs=[("2023-07-24", None), ("2023-08-02", "已补充分红发放情况说明和银行回单，再次交账。")],
         vers=[("2023-07-28", "returned", "分红发放名册与银行流水核对不一致，需补充说明。"), ("2023-08-07", "passed", None)]),
    dict(n=10, fb=4, unit="agri-bureau", term="l", opened="2023-06-05", due="2024-06-30",
         title="农村人居环境长效管护机制不健全",
         problem="农村生活垃圾收运、户厕管护经费保障不足，部分村保洁员配备不到位，已整治的村庄环境出现反弹。",
         tags=["人居环境"], common=True, status="in_progress",
         measures=[M("开展农村人居环境整治“回头看”，建立问题清单", "农村社会事业促进股", "2023-07-10", "2023-07-06"),
                   M("制定农村人居环境长效管护办法，明确管护主体和经费", "农村社会事业促进股", "2023-08-31", "2023-08-14"),
                   M("按标准配齐村级保洁员", "农村社会事业促进股", "2023-09-30"),
                   M("建立农村户厕问题常态排查整改机制", "农村社会事业促进股", "2023-12-31"),
                   M("每季度开展人居环境考核评比", "办公室", "2024-03-31")],
         mechs=[("《农村人居环境长效管护办法（试行）》", "2023-08-14")],
         reports=[("2023-07-20", "起草长效管护办法，已征求各乡镇意见。"),
                  ("2023-08-16", "各乡镇正在核定村级保洁员配备数量，已有5个乡镇上报。")],
         sup=[("2023-07-25", "visit", "staff", "走访3个村了解环境卫生情况，群众反映垃圾清运频次有所提高。")]),
    dict(n=11, fb=4, unit="chengguan", term="i", opened="2023-06-05", due="2023-06-30",
         title="城关街道城郊村环境卫生反弹",
         problem="城关街道3个城郊村垃圾清运不及时，沟渠、路边存在垃圾堆放点。",
         tags=["人居环境"], common=True, status="cleared",
         measures=[M("集中清理垃圾堆放点和沟渠", "城市管理办", "2023-06-20", "2023-06-12"),
                   M("与保洁公司签订清运协议，明确清运频次", "城市管理办", "2023-06-30", "2023-06-28")],
         mechs=[("《城关街道城郊村环境卫生保洁考核办法》", "2023-06-28")],
         subs=[("2023-06-30", None)], vers=[("2023-07-05", "passed", None)]),
    dict(n=12, fb=5, unit="finance-bureau", term="t", opened="2023-06-05", due="2023-10-30",
         title="涉农资金统筹整合不到位",
         problem="2022年统筹整合涉农资金中有1860万元未及时拨付，部分资金在部门账户沉淀超过一年。",
         tags=["涉农资金"], status="in_progress",
         measures=[M("对2021年以来涉农资金拨付情况开展全面清理", "农业农村股", "2023-07-15", "2023-07-14"),
                   M("对沉淀超过一年的资金按规定收回统筹", "农业农村股", "2023-08-31"),
                   M("建立涉农资金拨付进度月通报制度", "预算股", "2023-08-31"),
                   M("修订涉农资金统筹整合管理办法", "农业农村股", "2023-09-30"),
                   M("对涉农资金统筹整合使用情况开展绩效评价", "预算股", "2023-10-30")],
         reports=[("2023-06-28", "完成2021年以来涉农资金拨付情况清理，正在核对部门账户结余。"),
                  ("2023-07-27", "拟定沉淀资金收回清单，涉及资金约960万元。"),
                  ("2023-08-08", "起草涉农资金拨付进度月通报制度，拟于8月底前印发。"),
                  ("2023-08-15", "已收回沉淀资金420万元，其余资金正在履行收回程序。")],
         sup=[("2023-07-21", "hearing", "office", "听取涉农资金清理情况汇报，要求8月底前完成沉淀资金收回。")]),
    dict(n=13, fb=5, unit="agri-bureau", term="t", opened="2023-06-05", due="2023-08-31",
         title="农业项目资金拨付滞后",
         problem="部分农业项目完工验收后资金拨付不及时，个别项目尾款拖欠超过半年。",
         tags=["涉农资金"], status="submitted",
         measures=[M("梳理已完工验收未拨付资金的项目清单", "计划财务股", "2023-06-30", "2023-06-21"),
                   M("按程序完成欠付项目资金拨付", "计划财务股", "2023-07-31", "2023-07-31"),
                   M("建立项目资金拨付台账和跟踪机制", "计划财务股", "2023-08-15", "2023-08-10")],
         mechs=[("《农业项目资金拨付跟踪管理办法》", "2023-08-10")],
         subs=[("2023-08-15", None)], vers=[]),
    dict(n=14, fb=6, unit="agri-bureau", term="t", opened="2023-06-05", due="2023-07-31",
         title="惠农补贴“一卡通”发放监管不力",
         problem="对乡镇惠农补贴“一卡通”发放缺乏常态监管，未建立补贴发放数据比对机制。",
         tags=["惠农补贴", "一卡通"], common=True, status="cleared",
         measures=[M("开展惠农补贴“一卡通”专项清理", "计划财务股", "2023-06-30", "2023-06-29"),
                   M("建立补贴发放数据与户籍、殡葬信息比对机制", "计划财务股", "2023-07-31", "2023-07-21")],
         mechs=[("《惠农补贴“一卡通”发放数据比对核查制度》", "2023-07-21")],
         subs=[("2023-07-25", None)], vers=[("2023-07-31", "passed", None)]),
    dict(n=15, fb=6, unit="finance-bureau", term="t", opened="2023-06-05", due="2023-07-31",
         title="“一卡通”管理平台数据审核不严",
         problem="“一卡通”管理平台审核把关不严，存在同一账户领取多人补贴、已故人员仍在领取补贴的情况。",
         tags=["惠农补贴", "一卡通"], common=True, status="cleared",
         measures=[M("对平台数据逐条比对，清理问题账户", "农业农村股", "2023-06-30", "2023-06-27"),
                   M("追回错发补贴资金", "农业农村股", "2023-07-31", "2023-07-26"),
                   M("完善平台发放审核流程", "农业农村股", "2023-07-31", "2023-07-28")],
         mechs=[("《惠民惠农财政补贴资金“一卡通”管理实施细则》", "2023-07-28")],
         subs=[("2023-07-31", None)], vers=[("2023-08-04", "passed", None)]),
    dict(n=16, fb=6, unit="east-town", term="i", opened="2023-06-05", due="2023-06-30",
         title="东关镇惠农补贴存在代领代管",
         problem="东关镇部分村干部代管群众“一卡通”共14张，存在代领补贴问题。",
         tags=["惠农补贴", "一卡通"], common=True, status="cleared",
         measures=[M("全面清理村干部代管的“一卡通”，归还群众", "财政所", "2023-06-15", "2023-06-09"),
                   M("对代领补贴逐笔核实，违纪问题线索移交镇纪委", "党政办", "2023-06-30", "2023-06-26")],
         mechs=[("《东关镇“一卡通”管理使用“十不准”规定》", "2023-06-26")],
         subs=[("2023-06-28", None)], vers=[("2023-07-03", "passed", None)]),
    dict(n=17, fb=6, unit="south-hill", term="t", opened="2023-06-05", due="2023-07-31",
         title="南山镇补贴错发漏发",
         problem="南山镇2022年耕地地力保护补贴有5户漏发、2户重复发放。",
         tags=["惠农补贴"], common=True, status="cleared",
         measures=[M("补发漏发补贴并追回重复发放资金", "财政所", "2023-06-30", "2023-06-23"),
                   M("完善补贴申报三级审核公示程序", "农业综合服务中心", "2023-07-15", "2023-07-07")],
         mechs=[("《南山镇惠农补贴申报审核公示制度》", "2023-07-07")],
         subs=[("2023-07-10", None)], vers=[("2023-07-14", "passed", None)]),
    dict(n=18, fb=7, unit="rural-revit", term="t", opened="2023-06-05", due="2023-10-30",
         title="村级集体资产底数不清",
         problem="全县村级集体经济项目形成的资产未全部登记入账，部分村资产台账与实物不符。",
         tags=["村集体三资"], common=True, status="in_progress",
         measures=[M("制定村级集体资产清查工作方案", "规划财务股", "2023-06-30", "2023-06-25"),
                   M("完成全县村级集体资产清查登记", "规划财务股", "2023-08-20"),
                   M("对资产台账与实物不符问题逐村整改", "规划财务股", "2023-09-30"),
                   M("建立村级集体资产年度清查制度", "规划财务股", "2023-10-20"),
                   M("开展村级集体经济项目收益入账专项检查", "规划财务股", "2023-10-30")],
         reports=[("2023-07-10", "清查工作全面铺开，组织乡镇农经人员开展业务培训。"),
                  ("2023-07-31", "已完成9个乡镇的资产清查登记，约占总数的一半。"),
                  ("2023-08-14", "已完成14个乡镇清查登记，剩余乡镇正在加紧推进。"),
                  ("2023-08-17", "清查数据正在汇总审核，预计8月20日前完成。")],
         sup=[("2023-08-02", "phone", "office", "电话提醒清查登记时限临近，要求每日报送清查进度。"),
              ("2023-08-15", "documents", "staff", "查阅清查登记表，部分乡镇资产价值评估依据不足，已要求补充。")]),
    dict(n=19, fb=7, unit="north-ping", term="t", opened="2023-06-07", due="2023-07-31",
         title="北坪镇村集体资产收益未入账",
         problem="北坪镇2个村集体光伏电站收益共4.2万元未纳入村集体账户核算。",
         tags=["村集体三资"], common=True, status="cleared",
         measures=[M("将光伏电站收益全部纳入村集体账户核算", "财政所", "2023-06-30", "2023-06-21"),
                   M("对全镇村集体经营性收入开展清理", "财政所", "2023-07-31", "2023-07-19")],
         mechs=[("《北坪镇村级集体经营性收入管理制度》", "2023-07-19")],
         subs=[("2023-07-21", None)], vers=[("2023-07-26", "passed", None)]),
    dict(n=20, fb=7, unit="willow-town", term="t", opened="2023-06-08", due="2023-09-30",
         title="柳林乡村集体资产出租管理不规范",
         problem="柳林乡部分村集体资产出租未经民主程序，租金长期偏低，3份租赁合同已到期未续签仍在使用。",
         tags=["村集体三资"], common=True, status="in_progress",
         measures=[M("清理全乡村集体资产租赁合同，建立合同台账", "农业综合服务中心", "2023-07-15", "2023-07-14"),
                   M("对3份到期合同按程序重新公开招租", "农业综合服务中心", "2023-08-15"),
                   M("对租金明显偏低的合同进行评估并协商调整", "农业综合服务中心", "2023-09-30"),
                   M("落实村集体资产出租“四议两公开”程序", "党政办", "2023-09-30")],
         reports=[("2023-07-25", "3份到期合同公开招租方案已拟定，待村民代表会议表决。"),
                  ("2023-08-10", "1个村已完成村民代表会议表决，其余2个村尚未召开。")],
         sup=[("2023-07-19", "phone", "office", "电话催办合同清理进度，要求按时限启动公开招租。"),
              ("2023-08-16", "on_site", "office", "实地查看到期合同涉及的资产，公开招租尚未启动，措施已逾期。")]),
    dict(n=21, fb=8, unit="water-bureau", term="t", opened="2023-06-05", due="2023-08-31",
         title="水利项目超范围列支管理费",
         problem="2021—2022年部分水利项目从工程款中超范围列支项目管理费38.5万元，用于车辆运行和办公支出。",
         tags=["水利资金"], status="verified",
         measures=[M("对2021年以来水利项目管理费列支情况逐项清理", "计划财务股", "2023-06-30", "2023-06-28"),
                   M("将超范围列支资金调账归垫", "计划财务股", "2023-07-31", "2023-07-27"),
                   M("制定水利项目建设管理费使用管理办法", "计划财务股", "2023-08-15", "2023-08-08")],
         mechs=[("《水利项目建设管理费使用管理办法》", "2023-08-08")],
         subs=[("2023-08-10", None)], vers=[("2023-08-16", "passed", "核账通过，报领导小组审定后销号。")]),
    dict(n=22, fb=9, unit="water-bureau", term="t", opened="2023-06-05", due="2023-07-31",
         title="水利局公务接待报销不规范",
         problem="2022年部分公务接待无公函、无接待清单，差旅费报销存在超标准问题。",
         tags=["财务管理"], common=True, status="cleared",
         measures=[M("对2022年以来公务接待和差旅费报销逐笔清查", "办公室", "2023-06-30", "2023-06-26"),
                   M("退回超标准报销费用", "办公室", "2023-07-15", "2023-07-06"),
                   M("修订机关财务报销管理制度", "办公室", "2023-07-15", "2023-07-12")],
         mechs=[("《县水利局机关财务报销管理制度》", "2023-07-12")],
         subs=[("2023-07-14", None)], vers=[("2023-07-19", "passed", None)]),
    dict(n=23, fb=9, unit="emergency-bureau", term="t", opened="2023-06-05", due="2023-07-31",
         title="应急管理局财务审批程序不严",
         problem="部分大额支出未经集体研究，报销单据审批签字不全。",
         tags=["财务管理"], common=True, status="cleared",
         measures=[M("清查2022年以来大额支出审批情况", "办公室", "2023-06-30", "2023-06-19"),
                   M("完善“三重一大”事项集体决策和财务审批制度", "办公室", "2023-07-15", "2023-07-10")],
         mechs=[("《县应急管理局“三重一大”事项集体决策制度》", "2023-07-10")],
         subs=[("2023-07-12", None)], vers=[("2023-07-17", "passed", None)]),
    dict(n=24, fb=9, unit="chengguan", term="t", opened="2023-06-05", due="2023-07-31",
         title="城关街道财务管理混乱",
         problem="城关街道存在白条入账、发票报销事由不清，部分资金未通过公务卡结算。",
         tags=["财务管理"], common=True, status="cleared",
         measures=[M("对2022年以来财务凭证开展全面自查", "财政所", "2023-06-30", "2023-06-26"),
                   M("规范公务卡结算和报销凭证审核", "财政所", "2023-07-15", "2023-07-11")],
         mechs=[("《城关街道财务管理和报销审核办法》", "2023-07-11")],
         subs=[("2023-07-13", None), ("2023-07-24", "已逐笔说明白条入账整改情况，再次交账。")],
         vers=[("2023-07-18", "returned", "白条入账问题未逐笔说明整改情况。"), ("2023-07-28", "passed", None)]),
    dict(n=25, fb=10, unit="agri-bureau", term="t", opened="2023-06-05", due="2023-10-30",
         title="高标准农田建设项目验收把关不严",
         problem="2021—2022年度高标准农田项目验收中，部分项目未对隐蔽工程进行抽检，验收资料不完整。",
         tags=["高标准农田", "项目验收"], status="in_progress",
         measures=[M("成立复验工作组，制定复验方案", "农田建设股", "2023-06-20", "2023-06-16"),
                   M("对2021—2022年度项目逐一复验", "农田建设股", "2023-08-25"),
                   M("修订高标准农田建设项目验收管理办法", "农田建设股", "2023-09-15"),
                   M("对复验发现的问题督促施工单位整改", "农田建设股", "2023-10-20")],
         reports=[("2023-07-05", "复验工作组已完成2021年度项目复验。"),
                  ("2023-07-26", "2022年度项目复验完成约六成，发现问题已建立清单。"),
                  ("2023-08-15", "复验剩余项目正在进行隐蔽工程抽检。")],
         sup=[("2023-07-12", "on_site", "staff", "随复验工作组实地查看2个项目片区，部分渠道存在裂缝。"),
              ("2023-08-11", "documents", "office", "查阅复验记录，要求对隐蔽工程抽检结果逐项留存影像资料。")]),
    dict(n=26, fb=10, unit="east-town", term="t", opened="2023-06-05", due="2023-08-31",
         title="东关镇高标准农田建后管护缺位",
         problem="东关镇高标准农田项目部分灌溉渠道损毁、田间道路未及时维修，管护责任未落实到村。",
         tags=["高标准农田", "建后管护"], common=True, status="cleared",
         measures=[M("签订管护责任书，明确村级管护主体", "农业综合服务中心", "2023-07-15", "2023-07-03"),
                   M("修复损毁渠道和田间道路", "农业综合服务中心", "2023-07-31", "2023-07-24")],
         mechs=[("《东关镇高标准农田建后管护制度》", "2023-07-03")],
         subs=[("2023-07-27", None)], vers=[("2023-08-01", "passed", None)]),
    dict(n=27, fb=11, unit="water-bureau", term="t", opened="2023-06-05", due="2023-10-30",
         title="农村饮水工程建后管护不到位",
         problem="部分农村集中供水工程未按规定开展水质检测，管护经费未落实，2个工程存在季节性缺水。",
         tags=["饮水安全", "建后管护"], common=True, status="in_progress",
         measures=[M("对全县集中供水工程开展水质检测", "农村水利股", "2023-07-15", "2023-07-13"),
                   M("落实农村饮水工程管护经费和管护人员", "农村水利股", "2023-09-30"),
                   M("实施2处季节性缺水工程水源改造", "农村水利股", "2023-10-30"),
                   M("建立水质检测季度通报制度", "农村水利股", "2023-08-31", "2023-08-09"),
                   M("对全县供水工程管护情况开展专项督查", "农村水利股", "2023-10-20")],
         mechs=[("《农村供水工程水质检测季度通报制度》", "2023-08-09")],
         reports=[("2023-06-30", "委托第三方检测机构开展水质检测，已完成采样。"),
                  ("2023-07-28", "管护经费测算已报县财政局审核。"),
                  ("2023-08-16", "2处季节性缺水工程水源改造项目已完成设计。")],
         sup=[("2023-07-06", "visit", "staff", "走访2个供水工程受益村，群众反映高峰期仍有断水现象。")]),
    dict(n=28, fb=11, unit="south-hill", term="t", opened="2023-06-05", due="2023-07-31",
         title="南山镇供水站管护责任落实不到位",
         problem="南山镇3处供水站无专人管护，消毒设备长期停用。",
         tags=["饮水安全", "建后管护"], common=True, status="cleared",
         measures=[M("落实供水站专职管护人员", "农业综合服务中心", "2023-06-30", "2023-06-20"),
                   M("维修启用消毒设备并开展水质检测", "农业综合服务中心", "2023-07-15", "2023-07-08")],
         subs=[("2023-07-10", None)], vers=[("2023-07-14", "passed", None)]),
    dict(n=29, fb=11, unit="qinglong", term="t", opened="2023-06-07", due="2023-08-31",
         title="青龙镇饮水工程维修不及时",
         problem="青龙镇2处饮水工程管网破损，群众反映的停水问题维修不及时。",
         tags=["饮水安全"], common=True, status="submitted",
         measures=[M("完成2处管网破损维修", "农业综合服务中心", "2023-07-15", "2023-07-10"),
                   M("建立供水故障报修和限时维修制度", "党政办", "2023-07-31", "2023-07-21")],
         mechs=[("《青龙镇农村供水故障报修限时办结制度》", "2023-07-21")],
         reports=[("2023-08-12", "补充维修工程验收资料，组织开展群众回访。")],
         subs=[("2023-07-24", None), ("2023-08-16", "已补充维修验收资料和群众回访记录，再次交账。")],
         vers=[("2023-07-28", "returned", "维修工程未附验收资料，群众回访记录不足。")]),
    dict(n=30, fb=12, unit="rural-revit", term="l", opened="2023-06-05", due="2023-12-31",
         title="部分衔接资金项目建成后闲置",
         problem="全县有5个衔接资金项目建成后闲置或低效运行，涉及资金620万元。",
         tags=["项目闲置"], common=True, status="in_progress",
         measures=[M("对5个闲置低效项目逐一分析原因，“一项目一方案”盘活", "开发指导股", "2023-07-15", "2023-07-11"),
                   M("盘活利用2个冷库项目", "开发指导股", "2023-09-30"),
                   M("建立衔接资金项目前期论证和评审制度", "规划财务股", "2023-08-31", "2023-08-15"),
                   M("完成其余3个项目盘活或调整用途", "开发指导股", "2023-12-31")],
         mechs=[("《衔接资金项目入库前期论证评审办法》", "2023-08-15")],
         reports=[("2023-07-27", "冷库项目已与2家企业洽谈租赁运营。"),
                  ("2023-08-17", "1个冷库项目租赁协议正在进行合法性审查。")],
         sup=[("2023-07-31", "on_site", "office", "实地查看2个冷库项目，设备完好，尚未投入使用。")]),
    dict(n=31, fb=12, unit="stone-bridge", term="t", opened="2023-06-09", due="2023-10-30",
         title="石桥镇农产品交易市场建成闲置",
         problem="石桥镇农产品交易市场项目2021年建成后未投入使用，设施设备闲置。",
         tags=["项目闲置"], common=True, status="in_progress",
         measures=[M("制定交易市场盘活方案", "党政办", "2023-07-15", "2023-07-17"),
                   M("完成市场招商或委托运营", "党政办", "2023-07-31"),
                   M("交易市场投入运营", "党政办", "2023-10-15"),
                   M("建立闲置资产定期排查和盘活机制", "党政办", "2023-09-30")],
         reports=[("2023-07-03", "赴周边县学习农产品市场运营经验。"),
                  ("2023-08-02", "已发布招商公告，尚无企业报名。"),
                  ("2023-08-15", "与1家农业合作社初步洽谈委托运营事宜。"),
                  ("2023-08-16", "召开党委会重新研究招商方案，降低入驻门槛。")],
         sup=[("2023-07-20", "phone", "office", "电话催办盘活方案，方案较时限推迟2天完成。"),
              ("2023-08-08", "talk", "staff", "与分管副镇长个别谈话，指出招商工作进展缓慢、措施已逾期。", True)]),
    dict(n=32, fb=13, unit="housing-bureau", term="t", opened="2023-06-09", due="2023-09-30",
         title="工程招投标和变更管理不规范",
         problem="2022年部分市政和防洪工程存在应招未招、化整为零规避招标，3个项目先施工后办理变更手续。",
         tags=["招投标", "工程变更"], common=True, status="in_progress",
         measures=[M("对2021年以来工程项目招投标情况开展自查", "建筑业管理股", "2023-07-15", "2023-07-20"),
                   M("对3个先施工后变更项目逐一核查，厘清相关责任", "建筑业管理股", "2023-08-22"),
                   M("修订工程变更管理办法", "建筑业管理股", "2023-09-30"),
                   M("将应招未招问题线索移交县纪委监委", "办公室", "2023-08-31")],
         reports=[("2023-08-01", "对3个先施工后变更项目调阅档案资料。"),
                  ("2023-08-11", "领导班子调整后召开专题会议，重新部署整改工作。"),
                  ("2023-08-16", "已完成2个项目核查，正在形成核查报告。")],
         sup=[("2023-07-14", "documents", "office", "查阅招投标自查台账，自查工作未按时完成。")]),
    dict(n=33, fb=13, unit="water-bureau", term="t", opened="2023-06-05", due="2023-08-31",
         title="水利工程变更审批不规范",
         problem="部分小型水利工程变更未经设计单位确认和集体研究，变更资料不全。",
         tags=["工程变更"], common=True, status="cleared",
         measures=[M("对2021年以来工程变更逐项补充完善审批资料", "工程建设股", "2023-07-15", "2023-07-12"),
                   M("制定水利工程设计变更管理办法", "工程建设股", "2023-07-31", "2023-07-25")],
         mechs=[("《水利工程设计变更管理办法》", "2023-07-25")],
         subs=[("2023-07-27", None)], vers=[("2023-08-02", "passed", None)]),
    dict(n=34, fb=14, unit="emergency-bureau", term="t", opened="2023-06-05", due="2023-06-30",
         title="县防汛应急预案修订不及时",
         problem="县防汛抗旱应急预案未根据机构改革和去年汛情及时修订，部分责任单位和联系人已变动。",
         tags=["防汛预案"], common=True, status="cleared",
         measures=[M("更新防汛责任人名单并向社会公布", "防汛抗旱股", "2023-06-15", "2023-06-09"),
                   M("修订县防汛抗旱应急预案", "防汛抗旱股", "2023-06-15", "2023-06-13"),
                   M("组织开展全县防汛综合演练", "防汛抗旱股", "2023-06-30", "2023-06-28")],
         mechs=[("《防汛责任人动态调整制度》", "2023-06-13")],
         subs=[("2023-06-30", None)], vers=[("2023-07-05", "passed", None)]),
    dict(n=35, fb=14, unit="west-river", term="i", opened="2023-06-07", due="2023-06-30",
         title="西河乡防汛预案针对性不强",
         problem="西河乡防汛预案照搬县级预案，未明确沿河村转移路线和安置点。",
         tags=["防汛预案"], common=True, status="cleared",
         measures=[M("修订乡防汛预案，明确转移路线和安置点", "应急办", "2023-06-15", "2023-06-12"),
                   M("组织沿河村开展转移避险演练", "应急办", "2023-06-20", "2023-06-17")],
         subs=[("2023-06-19", None)], vers=[("2023-06-25", "passed", None)]),
    dict(n=36, fb=14, unit="baisha", term="i", opened="2023-06-07", due="2023-06-30",
         title="白沙乡应急演练流于形式",
         problem="白沙乡2022年防汛演练仅开展桌面推演，未组织群众参与。",
         tags=["防汛预案"], common=True, status="cleared",
         measures=[M("组织山洪灾害转移避险实战演练", "应急办", "2023-06-20", "2023-06-16"),
                   M("完善村级防汛“一张图”和预警“叫应”机制", "应急办", "2023-06-30", "2023-06-27")],
         mechs=[("《白沙乡山洪灾害预警“叫应”工作机制》", "2023-06-27")],
         subs=[("2023-06-29", None)], vers=[("2023-07-04", "passed", None)]),
    dict(n=37, fb=15, unit="east-town", term="i", opened="2023-06-05", due="2023-06-30",
         title="东关镇防汛物资储备不足",
         problem="东关镇防汛物资仓库编织袋、救生衣储备低于标准，部分物资过期。",
         tags=["防汛物资"], common=True, status="cleared",
         measures=[M("按标准补齐编织袋、救生衣等防汛物资", "应急办", "2023-06-20", "2023-06-15"),
                   M("清理更换过期物资，建立物资台账", "应急办", "2023-06-30", "2023-06-21")],
         mechs=[("《东关镇防汛物资储备管理制度》", "2023-06-21")],
         subs=[("2023-06-26", None)], vers=[("2023-06-30", "passed", None)]),
    dict(n=38, fb=15, unit="south-hill", term="t", opened="2023-06-05", due="2023-07-31",
         title="南山镇防汛物资管理不规范",
         problem="南山镇防汛物资出入库无登记，物资台账与实物不符。",
         tags=["防汛物资"], common=True, status="cleared",
         measures=[M("开展防汛物资盘点，建立出入库登记制度", "应急办", "2023-06-20", "2023-06-14"),
                   M("补充储备发电机、冲锋舟等抢险物资", "应急办", "2023-07-15", "2023-07-05")],
         mechs=[("《南山镇防汛物资管理制度》", "2023-06-14")],
         subs=[("2023-07-07", None)], vers=[("2023-07-11", "passed", None)]),
    dict(n=39, fb=15, unit="north-ping", term="i", opened="2023-06-07", due="2023-06-30",
         title="北坪镇村级防汛物资未配备到位",
         problem="北坪镇7个沿河村未按要求配备村级防汛物资。",
         tags=["防汛物资"], common=True, status="cleared",
         measures=[M("为7个沿河村配齐村级防汛物资", "应急办", "2023-06-30", "2023-06-25"),
                   M("明确村级物资管理员并登记造册", "应急办", "2023-06-30", "2023-06-25")],
         subs=[("2023-06-28", None)], vers=[("2023-07-03", "passed", None)]),
    dict(n=40, fb=16, unit="natres-bureau", term="t", opened="2023-06-05", due="2023-10-15",
         title="地质灾害隐患点监测预警不到位",
         problem="全县部分地质灾害隐患点监测设备损坏未及时维修，群测群防员培训不到位。",
         tags=["地质灾害"], common=True, status="in_progress",
         measures=[M("对全县地质灾害隐患点开展汛期排查", "地质灾害防治股", "2023-06-30", "2023-06-24"),
                   M("完成损坏监测设备维修更换", "地质灾害防治股", "2023-08-21"),
                   M("对群测群防员开展全员培训", "地质灾害防治股", "2023-07-31", "2023-07-27"),
                   M("建立隐患点监测设备巡检制度", "地质灾害防治股", "2023-09-30"),
                   M("对受威胁群众开展避险宣传和应急演练", "地质灾害防治股", "2023-10-15")],
         reports=[("2023-07-14", "损坏监测设备维修更换已完成采购程序。"),
                  ("2023-08-10", "已更换监测设备11台，剩余4台正在安装。"),
                  ("2023-08-17", "剩余监测设备预计8月21日前安装调试完毕。")],
         sup=[("2023-07-07", "on_site", "staff", "实地查看3处隐患点，1处监测设备仍未修复。"),
              ("2023-08-14", "phone", "office", "电话提醒设备维修更换时限临近，要求按期完成。")]),
    dict(n=41, fb=16, unit="stone-bridge", term="t", opened="2023-06-09", due="2023-10-30",
         title="石桥镇群测群防员履职不到位",
         problem="石桥镇部分群测群防员未按要求开展巡查，巡查记录缺失。",
         tags=["地质灾害"], common=True, status="in_progress",
         measures=[M("调整充实群测群防员队伍", "应急办", "2023-07-15", "2023-07-12"),
                   M("落实汛期“一日一巡”并建立巡查记录", "应急办", "2023-07-15", "2023-07-14"),
                   M("将群测群防员履职纳入村干部考核", "党政办", "2023-09-30"),
                   M("完成2处隐患点工程治理前期工作", "党政办", "2023-10-30"),
                   M("对隐患点受威胁群众开展避险演练", "应急办", "2023-09-15")],
         reports=[("2023-08-05", "隐患点工程治理已委托编制方案。"),
                  ("2023-08-16", "群测群防员履职考核办法正在征求村干部意见。")],
         sup=[("2023-07-28", "documents", "staff", "查阅群测群防员巡查记录，7月以来记录完整。")]),
    dict(n=42, fb=17, unit="housing-bureau", term="t", opened="2023-06-09", due="2023-10-30",
         title="城区防洪排涝设施建设滞后",
         problem="城区排涝泵站扩容工程进度滞后，2022年水毁的4处城区排水管网至今未修复完毕。",
         tags=["防洪排涝", "水毁修复"], status="in_progress",
         measures=[M("制定城区排涝设施建设和水毁修复倒排工期计划", "市政公用股", "2023-06-30", "2023-07-06"),
                   M("完成4处水毁排水管网修复", "市政公用股", "2023-07-31"),
                   M("完成排涝泵站扩容工程主体施工", "市政公用股", "2023-09-30"),
                   M("开展城区易涝点排查整治", "市政公用股", "2023-08-31"),
                   M("建立城区排水设施日常巡查养护制度", "市政公用股", "2023-10-15")],
         reports=[("2023-07-21", "4处水毁管网修复已完成1处，其余3处因汛期降雨停工。"),
                  ("2023-08-03", "排涝泵站扩容工程主体完成约四成。"),
                  ("2023-08-11", "新任领导班子现场办公，调集施工力量加快修复。"),
                  ("2023-08-17", "水毁管网已修复2处，剩余2处预计8月底前完成。")],
         sup=[("2023-07-12", "phone", "office", "电话催办水毁管网修复进度，要求倒排工期。"),
              ("2023-07-26", "on_site", "office", "实地查看4处水毁管网，仅完成1处修复，距措施时限仅剩5天。"),
              ("2023-08-14", "talk", "staff", "与新任局长个别谈话，督促压实整改第一责任人责任。", True)],
         internal_note="原主要负责人因整改不力已于8月4日停职，新班子8月10日到位。"),
]


def r2_items() -> list[dict]:
    items = []
    for spec in R2:
        n, unit = spec["n"], spec["unit"]
        u = U[unit]
        opened = D(spec["opened"])
        aspect = R2_ASPECTS[R2_FB[spec["fb"]][0] - 1]
        mlist = []
        for j, (text, owner, due, done) in enumerate(spec["measures"]):
            m = {"id": f"M{j + 1}", "text": text, "owner": owner, "due": D(due)}
            if done:
                m["done"] = D(done)
            mlist.append(m)
        status = spec["status"]
        subs_spec = spec.get("subs", [])
        vers_spec = spec.get("vers", [])

        reports = [(plus(opened, 1 + n % 3), START_TEXT[u["category"]])]
        reports += [(D(d), t) for d, t in spec.get("reports", [])]
        reports += [(m["done"], f"已完成{m['id']}：{m['text']}。") for m in mlist if "done" in m]
        if subs_spec:
            reports.append((D(subs_spec[0][0]), "整改措施已全部落实，向监督办交账。"))
        reports.sort(key=lambda r: r[0])

        staff = f"{u['supervisor']} {u['staff']}"
        sup = []
        for rec in spec.get("sup", []):
            d, method, who, note = rec[:4]
            entry = {"date": D(d), "method": method,
                     "by": OFFICE[n % 5] if who == "office" else staff, "note": note}
            if len(rec) > 4 and rec[4]:
                entry["internal"] = True
            sup.append(entry)
        if not sup:
            dones = sorted(m["done"] for m in mlist if "done" in m)
            m1, n1 = SUP_FIRST[n % len(SUP_FIRST)]
            sup.append({"date": plus(opened, 7 + n % 5), "method": m1,
                        "by": OFFICE[n % 5] if n % 2 else staff, "note": n1})
            d2 = plus(dones[-1], 1) if dones else None
            if d2 and subs_spec and d2 <= D(subs_spec[0][0]) and d2 > sup[0]["date"]:
                m2, n2 = SUP_SECOND[n % len(SUP_SECOND)]
                sup.append({"date": d2, "method": m2, "by": staff if n % 2 else OFFICE[(n + 2) % 5], "note": n2})
        sup.sort(key=lambda s: s["date"])

        contact = f"{u['name']} {u['contact']}"
        evidence = ["整改完成情况报告", "整改台账"] + [t.strip("《》") + "文件" for t, _ in spec.get("mechs", [])]
        subs = []
        for i, (d, text) in enumerate(subs_spec):
            subs.append({"date": D(d), "by": contact,
                         "text": text or f"{spec['title']}问题整改措施已全部落实，申请核账销号。",
                         "evidence": evidence if i == 0 else ["补充说明", "补充佐证材料"]})
        vers = []
        for i, (d, result, note) in enumerate(vers_spec):
            v = {"date": D(d), "by": OFFICE[(n + 1 + 2 * i) % 5], "result": result}
            v["note"] = note or PASS_NOTES[n % (3 if spec.get("mechs") else 2)]
            vers.append(v)
        for s in subs_spec[1:]:
            reports.append((D(s[0]), "按核账意见补充佐证材料后再次交账。"))
        reports.sort(key=lambda r: r[0])

        item = {"id": f"{R2_ID}-{n:03d}", "round": R2_ID, "feedback": [f"{R2_ID}-F{spec['fb']:02d}"], "unit": unit,
                "aspect": aspect, "title": spec["title"], "problem": spec["problem"]}
        if spec.get("common"):
            item["scope"] = "common"
        item.update({
            "tags": spec["tags"], "term": {"i": "immediate", "t": "time_limited", "l": "long_term"}[spec["term"]],
            "opened": opened, "due": D(spec["due"]), "leader": u["leaders"][n % len(u["leaders"])],
            "department": mlist[0]["owner"], "measures": mlist, "status": status,
            "reports": [{"date": d, "by": u["name"], "text": t} for d, t in reports],
            "supervision": sup,
        })
        if subs:
            item["submissions"] = subs
        if vers:
            item["verifications"] = vers
        if spec.get("mechs"):
            item["mechanisms"] = [{"date": D(d), "title": t} for t, d in spec["mechs"]]
        if spec.get("internal_note"):
            item["internal_note"] = spec["internal_note"]
        items.append(item)
    return items


def r2_round() -> dict:
    return {
        "id": R2_ID, "name": "涉农资金项目管理和防汛救灾提级巡察", "level": "city", "kind": "elevated",
        "feedback_date": R2_FEEDBACK, "deadline": R2_DEADLINE, "aspects": R2_ASPECTS, "units": R2_UNITS,
        "feedback": [{"id": f"{R2_ID}-F{k:02d}", "aspect": R2_ASPECTS[a - 1], "unit": unit, "text": text}
                     for k, (a, unit, text) in R2_FB.items()],
    }


# =============================================================================== actions

def actions_file() -> dict:
    acts = []

    def add(kind, date, title, units=(), rounds=(), items=(), to=None, internal=False):
        a = {"kind": kind, "date": D(date), "title": title}
        if units:
            a["units"] = list(units)
        if rounds:
            a["rounds"] = list(rounds)
        if items:
            a["items"] = [i if i.startswith("2023-") else f"{R2_ID}-{i}" for i in items]
        if to:
            a["to"] = to
        if internal:
            a["internal"] = True
        acts.append(a)

    R1r, R2r = [R1_ID], [R2_ID]
    # special governance (专项治理)
    add("governance", "2023-03-06", "督促开展县粮食购销领域腐败问题专项整治", ["grain-bureau", "grain-company"], R1r,
        [f"{R1_ID}-008", f"{R1_ID}-011", f"{R1_ID}-034"], "县粮食和物资储备局")
    add("governance", "2023-03-20", "督促开展全县政策性粮食库存数量和质量大清查", ["grain-bureau", "grain-company"], R1r,
        [f"{R1_ID}-003", f"{R1_ID}-016", f"{R1_ID}-020"], "县粮食和物资储备局")
    add("governance", "2023-04-10", "督促开展耕地地力保护补贴发放专项清理", ["finance-bureau", "east-town", "south-hill"], R1r,
        [f"{R1_ID}-025", f"{R1_ID}-026", f"{R1_ID}-027"], "县财政局")
    add("governance", "2023-06-12", "督促开展惠农补贴“一卡通”专项治理", ["agri-bureau", "finance-bureau"], R2r,
        ["014", "015", "016", "017"], "县财政局、县农业农村局")
    add("governance", "2023-06-16", "督促开展乡镇防汛物资储备专项排查", ["emergency-bureau"], R2r,
        ["037", "038", "039"], "县应急管理局")
    add("governance", "2023-07-05", "督促开展农村集体“三资”专项清理", ["rural-revit"], R2r, ["018", "019", "020"], "县乡村振兴局")
    add("governance", "2023-07-18", "督促开展高标准农田建设项目专项检查", ["agri-bureau"], R2r, ["025", "026"], "县农业农村局")

    # leadership adjustments (调整充实领导班子)
    add("leadership_adjustment", "2023-04-18", "调整充实县粮食收储公司领导班子，配齐分管财务副经理",
        ["grain-company"], R1r, [f"{R1_ID}-028"], "县委组织部")
    add("leadership_adjustment", "2023-06-26", "调整充实西河乡领导班子，明确专人分管防返贫监测工作",
        ["west-river"], R2r, ["002"], "县委组织部")
    add("leadership_adjustment", "2023-07-24", "调整充实柳林乡领导班子，加强农村集体“三资”管理力量",
        ["willow-town"], R2r, ["020"], "县委组织部")
    add("leadership_adjustment", "2023-08-10", "调整充实县住房和城乡建设局领导班子",
        ["housing-bureau"], R2r, ["032", "042"], "县委组织部")

    # recommendations on common problems (共性问题 → 意见建议), June 2023
    add("recommendation", "2023-06-08", "针对基层党组织“三会一课”不规范等党的建设共性问题提出意见建议", (), R1r,
        [f"{R1_ID}-031", f"{R1_ID}-032"], "县委组织部")
    add("recommendation", "2023-06-08", "针对意识形态工作责任制落实不到位的共性问题提出意见建议", (), R1r,
        [f"{R1_ID}-033"], "县委宣传部")
    add("recommendation", "2023-06-13", "针对班子成员“一岗双责”和监督责任落实不到位的共性问题提出意见建议", (), R1r,
        [f"{R1_ID}-030", f"{R1_ID}-035", f"{R1_ID}-036"], "县委组织部")
    add("recommendation", "2023-06-20", "针对白条入账、报销不规范等财务管理混乱共性问题提出意见建议", ["finance-bureau"],
        [R1_ID, R2_ID], [f"{R1_ID}-028", f"{R2_ID}-022", f"{R2_ID}-023", f"{R2_ID}-024"], "县财政局")
    add("recommendation", "2023-06-20", "针对涉农资金拨付滞后、惠农补贴发放不规范问题提出加强资金监管的意见建议",
        ["finance-bureau"], R2r, ["012", "015"], "县财政局")

    # talks with the heads (一把手) of 7 county departments and 9 townships, July 2023
    talk_units = [("2023-07-04", ["agri-bureau", "water-bureau", "emergency-bureau", "rural-revit", "finance-bureau",
                                  "natres-bureau", "housing-bureau"]),
                  ("2023-07-06", ["east-town", "west-river", "south-hill", "north-ping", "chengguan",
                                  "stone-bridge", "willow-town", "qinglong", "baisha"])]
    for date, ids in talk_units:
        for uid in ids:
            unit_items = [it for it in R2 if it["unit"] == uid and it["status"] != "cleared"] or \
                         [it for it in R2 if it["unit"] == uid]
            add("talk", date, f"整改行动迟缓，约谈提醒{U[uid]['name']}主要负责人", [uid], R2r,
                [f"{it['n']:03d}" for it in unit_items][:3], U[uid]["role"])

    # reminder letters and the suspension
    add("reminder_letter", "2023-07-24", "城区水毁设施修复措施逾期，向县住房和城乡建设局印发整改提醒函",
        ["housing-bureau"], R2r, ["042"], "县住房和城乡建设局党组")
    add("suspension", "2023-08-04", "不重视巡察整改工作，约谈后整改仍无实质进展，对主要负责人给予停职处理",
        ["housing-bureau"], R2r, ["032", "042"], "县住房和城乡建设局局长")
    add("reminder_letter", "2023-08-14", "农产品交易市场盘活措施逾期，向石桥镇党委印发整改提醒函",
        ["stone-bridge"], R2r, ["031"], "石桥镇党委")
    add("reminder_letter", "2023-08-14", "集体资产公开招租措施逾期，向柳林乡党委印发整改提醒函",
        ["willow-town"], R2r, ["020"], "柳林乡党委")

    order = {k: i for i, k in enumerate(["governance", "leadership_adjustment", "recommendation", "talk",
                                         "reminder_letter", "suspension"])}
    acts.sort(key=lambda a: (a["date"], order[a["kind"]]))
    return {"actions": [{"id": f"A-2023-{i:03d}", **a} for i, a in enumerate(acts, start=1)]}


# =============================================================================== evaluations and bulletins

def evaluations_file() -> dict:
    rows = [
        ("grain-bureau", "2023-06-12", 92,
         "12项问题全部整改销号，建立完善制度13项；1项问题首次核账因佐证材料不全被退回，扣分。"),
        ("grain-company", "2023-06-12", 85,
         "11项问题全部整改销号，但2项问题首次核账被退回，财务管理问题整改前期推进迟缓，领导班子已调整充实。"),
        ("drc", "2023-06-12", 89,
         "4项问题全部整改销号；上轮巡察问题整改“回头看”首次交账不够扎实，被退回补充。"),
        ("finance-bureau", "2023-06-12", 95,
         "4项问题全部按期整改销号，追回错发补贴资金并建立部门数据比对机制，整改成效明显。"),
        ("east-town", "2023-06-12", 91,
         "2项问题全部按期整改销号，虚报补贴面积问题已追回资金并追责问责。"),
        ("south-hill", "2023-06-12", 87,
         "3项问题全部整改销号；政策宣传问题首次交账缺少入户台账，日报告存在断报现象。"),
    ]
    return {"evaluations": [{"unit": u, "round": R1_ID, "date": D(d), "score": s, "reasons": r} for u, d, s, r in rows]}


BULLETINS = {
    "2023-W28": (
        ["本周，监督办对第二轮巡察反馈问题整改情况开展集中梳理，逐项核对整改措施完成情况和日报告报送情况。",
         "上周（7月4日、6日），县委分两批对整改行动迟缓的7个县直单位和9个乡（镇、街道）“一把手”进行约谈提醒，"
         "被约谈单位均已提交整改提速承诺书。",
         "本周惠农补贴“一卡通”、防汛物资储备等共性问题整改进展较快，城区水毁设施修复、农产品交易市场盘活等问题推进缓慢。"],
        ["对约谈单位整改情况实行周调度，逐项跟踪承诺事项落实。",
         "会同派驻纪检监察组对城区水毁设施修复进度开展实地查看。"]),
    "2023-W30": (
        ["本周，监督办向县住房和城乡建设局印发整改提醒函，督促其加快城区水毁排水管网修复。",
         "县委调整充实柳林乡领导班子，加强农村集体“三资”管理力量。",
         "农村集体“三资”专项清理、高标准农田建设项目专项检查持续推进，部分乡镇资产清查进度偏慢。"],
        ["对逾期未完成的整改措施逐项发出预警，限期说明原因。",
         "组织对已交账问题开展集中核账，做到随交随核。"]),
    "2023-W31": (
        ["本周，对不重视巡察整改工作、约谈后仍无实质进展的县住房和城乡建设局主要负责人给予停职处理。",
         "截至本周，集中核账问题中1项因分红发放名册与银行流水不一致被退回补充说明后重新交账，其余均核账通过。",
         "防汛形势严峻，监督办会同派驻纪检监察组对地质灾害隐患点监测预警整改情况开展实地查看。"],
        ["督促县住房和城乡建设局新班子尽快到位，重新部署整改工作。",
         "对临期问题实行每日调度，确保按期完成。"]),
    "2023-W32": (
        ["本周，县住房和城乡建设局新任领导班子到位，召开专题会议重新部署城区防洪排涝和招投标问题整改。",
         "第二轮巡察整改时间即将过半，整改任务已完成过半，总体进度快于时间进度。",
         "石桥镇农产品交易市场盘活措施已逾期，柳林乡集体资产公开招租措施即将到期，拟下周印发整改提醒函。"],
        ["向整改措施逾期的石桥镇、柳林乡印发整改提醒函。",
         "对村级集体资产清查、高标准农田项目复验等临期措施开展跟踪督办。",
         "筹备第二轮巡察整改中期评估。"]),
}


def bulletin_files() -> dict[str, dict]:
    return {week: {"week": week, "paragraphs": paras, "next_steps": steps} for week, (paras, steps) in BULLETINS.items()}


def settings_file() -> dict:
    return {
        "organisation": "中共云岭县委",
        "office": "云岭县巡视巡察整改监督工作办公室",
        "language": "zh",
        "timezone": "Asia/Shanghai",
        "as_of": AS_OF,
        "audience": "internal",
        "thresholds": {"silent_days": 3, "due_soon_days": 7, "backdate_days": 7, "lag_margin": 10.0},
        "scoring": {"completion": 60, "on_time": 20, "reporting": 10, "verification": 10},
    }


# =============================================================================== output

HEADER = "# 示例台账（虚构的云岭县），由 tools/make_example_ledger.py 生成。\n"
RECORD_LISTS = ("measures", "reports", "supervision", "verifications", "lookbacks", "mechanisms",
                "actions", "units", "feedback", "evaluations")


def render_all() -> dict[str, str]:
    files: dict[str, str] = {}
    block_lists = ("feedback", "units", "actions", "evaluations", "submissions")
    flow_lists = tuple(x for x in RECORD_LISTS if x not in block_lists)
    files["ledger.yaml"] = HEADER + dump(settings_file(), flow_lists)
    files["units.yaml"] = HEADER + dump(units_file(), flow_lists)
    for rnd in (r1_round(), r2_round()):
        files[f"rounds/{rnd['id']}.yaml"] = HEADER + dump(rnd, flow_lists)
    for item in r1_items() + r2_items():
        files[f"issues/{item['round']}/{item['id']}.yaml"] = dump(item, flow_lists)
    files["actions.yaml"] = HEADER + dump(actions_file(), flow_lists)
    files["evaluations.yaml"] = HEADER + dump(evaluations_file(), flow_lists)
    for week, data in bulletin_files().items():
        files[f"bulletins/{week}.yaml"] = dump(data, flow_lists)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "ledger"), help="ledger folder to write (default: ledger/)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if the folder differs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    files = render_all()
    existing = {p.relative_to(out).as_posix() for p in out.rglob("*.yaml")} if out.is_dir() else set()
    stale = sorted(existing - set(files))
    changed = sorted(rel for rel, text in files.items()
                     if not (out / rel).is_file() or (out / rel).read_text(encoding="utf-8") != text)
    if args.check:
        for rel in changed + stale:
            print(f"differs: {rel}", file=sys.stderr)
        return 1 if changed or stale else 0
    for rel in stale:
        (out / rel).unlink()
    for rel in changed:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[rel], encoding="utf-8")
    print(f"wrote {len(changed)} file(s), removed {len(stale)}, {len(files)} in total under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

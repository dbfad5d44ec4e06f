"""The public build (晒账) contains nothing internal *by today's settings*, in any file: current pages,
past weekly bulletins (pages, Word documents, feed), the search index and every download.

Past bulletins are built from the ledger as it stood that week, so these tests mark things internal
after the fact (a tag added to ``internal_tags``, an action and a supervision record flagged
``internal: true``) in a real repository whose history spans several weeks, and scan every output
file of real ``rectify build --audience public`` runs, zips and escapes included.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl

from conftest import ROUND, UNITS, rectify
from gitrepo import Repo
from site_builder.core.messages import translate

ROOT = Path(__file__).resolve().parents[2]

# canaries mix ASCII and Han so that escaped forms (JSON \u, HTML entities) and jieba's U+200B
# segmentation in the search index are exercised
TITLE = "CANARYT金丝雀标题"
PROBLEM = "CANARYP金丝雀问题描述"
MEASURE = "CANARYM金丝雀措施"
SUSPENSION = "CANARYS金丝雀停职事由"
SUSPENDED = "CANARYN张金丝"
SUPERVISION = "CANARYV金丝雀监督情况"
CANARIES = (TITLE, PROBLEM, MEASURE, SUSPENSION, SUSPENDED, SUPERVISION)

SETTINGS = """\
organisation: 测试县委
office: 测试县巡视巡察整改监督工作办公室
as_of: 2023-08-18
"""

SECRET_ITEM = f"""\
id: 2023-R2-001
round: 2023-R2
feedback: [2023-R2-F01]
unit: agri-bureau
aspect: 资金项目管理
title: {TITLE}
problem: {PROBLEM}
tags: [线索移送]
term: time_limited
opened: 2023-06-05
due: 2023-07-10
leader: 王某某
department: 农田建设股
measures:
  - {{id: M1, text: {MEASURE}, owner: 农田建设股, due: 2023-07-05}}
status: in_progress
reports:
  - {{date: 2023-06-19, by: 县农业农村局, text: 已成立复验工作组}}
"""

OTHER_ITEM = f"""\
id: 2023-R2-002
round: 2023-R2
feedback: [2023-R2-F02]
unit: east-town
aspect: 防汛救灾
title: 防汛物资储备不足
problem: 镇防汛物资仓库编织袋、救生衣储备低于标准。
term: time_limited
opened: 2023-06-05
due: 2023-10-15
leader: 李某某
department: 应急办
measures:
  - {{id: M1, text: 按标准补齐防汛物资, owner: 应急办, due: 2023-09-30}}
status: in_progress
reports:
  - {{date: 2023-06-19, by: 东关镇, text: 已采购编织袋5000条}}
supervision:
  - {{date: 2023-06-20, method: on_site, by: 监督办, note: {SUPERVISION}}}
"""

ACTIONS = f"""\
actions:
  - {{id: A1, kind: talk, date: 2023-06-21, title: 约谈提醒, units: [east-town]}}
  - {{id: A2, kind: suspension, date: 2023-06-21, title: {SUSPENSION}, units: [agri-bureau], to: {SUSPENDED}}}
"""


def history_repo(tmp_path: Path) -> Repo:
    """Weeks W25..W32 of 2023 in which the canaries were public; nothing is marked internal yet."""
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND)
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", SECRET_ITEM)
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", OTHER_ITEM)
    repo.write("ledger/actions.yaml", ACTIONS)
    repo.commit("建账", "2023-06-21T10:00:00+08:00", author="监督办 王某")
    repo.edit("ledger/issues/2023-R2/2023-R2-002.yaml", "text: 已采购编织袋5000条}\n",
              "text: 已采购编织袋5000条}\n  - {date: 2023-07-04, by: 东关镇, text: 救生衣已到货}\n")
    repo.commit("报告", "2023-07-04T10:00:00+08:00", author="东关镇 刘某")
    return repo


def mark_internal_later(repo: Repo) -> None:
    """Today's settings: the tag is internal, the suspension and the supervision record too."""
    repo.write("ledger/ledger.yaml", SETTINGS + "internal_tags: [线索移送]\n")
    repo.edit("ledger/actions.yaml", f"to: {SUSPENDED}}}", f"to: {SUSPENDED}, internal: true}}")
    repo.edit("ledger/issues/2023-R2/2023-R2-002.yaml", f"note: {SUPERVISION}}}", f"note: {SUPERVISION}, internal: true}}")
    repo.commit("标为内部", "2023-08-17T10:00:00+08:00", author="监督办 王某")


def build(capsys, repo: Repo, out: Path, *extra: str):
    code, stdout, stderr = rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out", str(out),
                                   "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs"), *extra)
    assert code == 0, stdout + stderr
    return out


def texts(path: Path) -> list[str]:
    """Every readable form of one output file: zip members (.docx, .xlsx), every sheet's cells (.xlsx),
    every CSV cell, gunzipped data, decoded JSON, each also with U+200B (the search index's word
    marks) removed."""
    data = path.read_bytes()
    parts = [data]
    if data[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = [z.read(n) for n in z.namelist()]
        if path.suffix == ".xlsx":
            # every sheet as Excel shows it, cell by cell (whatever the workbook's string storage)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            parts += ["\n".join("\t".join("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True))
                      .encode("utf-8") for ws in book.worksheets]
    elif path.suffix == ".csv":
        parts = [data, "\n".join("\t".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
                 .encode("utf-8")]
    elif data[:2] == b"\x1f\x8b":
        parts = [gzip.decompress(data)]
    out = []
    for raw in parts:
        text = raw.decode("utf-8", "replace")
        out.append(text)
        try:
            out.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
        out.append(html.unescape(text))
    return out + [t.replace("\u200b", "") for t in out]


def leaks(folder: Path, secrets=CANARIES) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        for text in texts(path):
            for secret in secrets:
                # the Han tail on its own, too: a renderer may cut or segment the ASCII marker off
                tail = secret.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                forms = (secret, json.dumps(secret)[1:-1], secret.encode("ascii", "xmlcharrefreplace").decode(),
                         *((tail,) if tail else ()))
                if any(f in text for f in forms):
                    found.append((path.relative_to(folder).as_posix(), secret))
    return sorted(set(found))


def test_canaries_are_real_before_they_are_marked_internal(capsys, tmp_path):
    """Before the settings change, the public build shows them in past bulletins: the scan can see them."""
    repo = history_repo(tmp_path)
    out = build(capsys, repo, tmp_path / "public", "--audience", "public", "--no-cache")
    found = leaks(out)
    where = {p for p, _ in found}
    assert any(p.startswith("bulletins/") and p.endswith(".docx") for p in where), found
    assert any(p.startswith("bulletins/") and p.endswith(".html") for p in where), found
    assert "search/search_index.json" in where
    assert {s for _, s in found} >= {TITLE, MEASURE, SUSPENSION}
    # the scan reads every download: the workbook and each CSV where the canary's table is
    assert {(p, s) for p, s in found if p.startswith("downloads/")} >= {
        ("downloads/ledger.xlsx", TITLE), ("downloads/ledger.xlsx", MEASURE), ("downloads/ledger.xlsx", SUSPENSION),
        ("downloads/items.csv", TITLE), ("downloads/items.csv", PROBLEM), ("downloads/measures.csv", MEASURE),
        ("downloads/actions.csv", SUSPENSION), ("downloads/ledger.json", TITLE)}
    # a supervision record's note never reaches the public; the record itself (method, date) does
    assert "rl-ev-supervision" in (out / "items" / "2023-R2-002.html").read_text(encoding="utf-8")


def test_marked_internal_later_leaks_nowhere(capsys, tmp_path, monkeypatch):
    """A tag, an action and a supervision record marked internal after the fact: past bulletins were
    built when they were public, and a new public build still must not show them anywhere. The
    bulletin cache is on, so a week built before the change must not be reused either."""
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    repo = history_repo(tmp_path)
    before = build(capsys, repo, tmp_path / "before", "--audience", "public")
    assert leaks(before)                                  # public then, cached now
    mark_internal_later(repo)
    out = build(capsys, repo, tmp_path / "public", "--audience", "public")
    assert sorted(p.name for p in (out / "bulletins").glob("*.docx"))[:1] == ["2023-W25.docx"]
    assert leaks(out) == []
    # the figures stay: the suspension is still counted, the item still listed by its id
    w25 = (out / "bulletins" / "2023-W25.html").read_text(encoding="utf-8")
    assert '<td data-figure="suspension">1</td>' in w25
    internal = build(capsys, repo, tmp_path / "internal", "--audience", "internal")
    assert {s for _, s in leaks(internal)} == set(CANARIES)   # the internal build still shows everything
    # the supervision record marked internal is gone from the item's timeline
    assert "rl-ev-supervision" not in (out / "items" / "2023-R2-002.html").read_text(encoding="utf-8")


def test_an_internal_item_page_shows_id_unit_and_status_only(capsys, tmp_path):
    repo = history_repo(tmp_path)
    mark_internal_later(repo)
    out = build(capsys, repo, tmp_path / "public", "--audience", "public", "--no-cache")
    page = (out / "items" / "2023-R2-001.html").read_text(encoding="utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    assert "2023-R2-001" in article and "县农业农村局" in article and "整改中" in article
    labels = [translate(code, "zh") for code in ("site.feedback", "site.aspect", "site.problem", "site.measures",
                                                   "site.tags", "site.timeline", "term.time_limited", "scope.individual")]
    for hidden in ("高标准农田建设项目验收把关不严", "线索移送", "农田建设股", "已成立复验工作组", *labels):
        assert hidden not in article, hidden
    assert not re.search(r"\d{4}-\d{2}-\d{2}", article), re.findall(r"\d{4}-\d{2}-\d{2}", article)
    index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
    entry = next(d for d in index["docs"] if d["location"] == "items/2023-R2-001.html")
    text = (entry["title"] + " " + entry["text"]).replace("\u200b", "")
    assert "资金项目管理" not in text.replace("涉农资金项目管理", "") and "线索移送" not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_downloads_carry_no_internal_setting(capsys, tmp_path):
    repo = history_repo(tmp_path)
    mark_internal_later(repo)
    repo.write("ledger/ledger.yaml", SETTINGS + "audience: public\ninternal_tags: [线索移送]\n")
    repo.commit("公开版", "2023-08-17T11:00:00+08:00", author="监督办 王某")
    out = build(capsys, repo, tmp_path / "public", "--no-cache")      # public by the settings
    names = sorted(p.name for p in (out / "downloads").iterdir() if p.suffix in (".json", ".csv", ".xlsx"))
    assert names == ["actions.csv", "evaluations.csv", "items.csv", "ledger.json", "ledger.xlsx", "measures.csv",
                     "records.csv"]
    for name in names:
        for text in texts(out / "downloads" / name):
            assert "internal_tags" not in text and "线索移送" not in text, name
            assert '"audience"' not in text, name
    data = json.loads((out / "downloads" / "ledger.json").read_text(encoding="utf-8"))
    assert "internal_tags" not in data["settings"] and "audience" not in data["settings"]
    item = next(i for i in data["items"] if i["id"] == "2023-R2-001")
    assert {"id", "unit", "status"} <= set(item) <= {"id", "round", "unit", "status"}, item
    assert [a["id"] for a in data["actions"]] == ["A1"]
    other = next(i for i in data["items"] if i["id"] == "2023-R2-002")
    assert other["supervision"] == []
    # the tables: the internal item keeps id, round, unit and status; its measures and records are not there
    items = list(csv.reader(io.StringIO((out / "downloads" / "items.csv").read_text(encoding="utf-8-sig"), newline="")))
    row = next(r for r in items if r[0] == "2023-R2-001")
    assert [v for v in row if v] == ["2023-R2-001", "2023-R2", "agri-bureau", "县农业农村局", "整改中"]
    assert "内部备注" not in items[0]
    for name in ("measures.csv", "records.csv"):
        rows = list(csv.reader(io.StringIO((out / "downloads" / name).read_text(encoding="utf-8-sig"), newline="")))
        assert [r[0] for r in rows[1:]] and "2023-R2-001" not in [r[0] for r in rows[1:]], name
    # names never reach a public table: who reported and who supervised are blank
    records = list(csv.reader(io.StringIO((out / "downloads" / "records.csv").read_text(encoding="utf-8-sig"), newline="")))
    by = records[0].index("记录人")
    assert {r[by] for r in records[1:]} == {""}


APPROVER = "CANARYA金丝雀批准人"
ROUND_APPROVER = "CANARYR金丝雀轮次批准人"
HIDDEN_REASON = "CANARYE金丝雀延期理由"


def test_who_approved_an_extension_is_left_out(capsys, tmp_path):
    """Extensions (延期) name the person who approved them: the public build keeps the new date and
    the reason but not the name, for items and for rounds; an internal item keeps no extension."""
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", SETTINGS + "internal_tags: [线索移送]\n")
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND + "extensions:\n  - {date: 2023-07-01, deadline: 2023-10-30, "
               f"reason: 汛期顺延, approved_by: {ROUND_APPROVER}}}\n")
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", SECRET_ITEM + "extensions:\n  - {date: 2023-06-30, "
               f"due: 2023-07-10, reason: {HIDDEN_REASON}, approved_by: 县纪委监委}}\n")
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", OTHER_ITEM + "extensions:\n  - {date: 2023-07-01, "
               f"due: 2023-10-15, reason: 汛期物资紧张, approved_by: {APPROVER}}}\n")
    repo.commit("建账", "2023-07-02T10:00:00+08:00", author="监督办 王某")
    internal = build(capsys, repo, tmp_path / "internal")
    secrets = (APPROVER, ROUND_APPROVER, HIDDEN_REASON)
    assert {s for _, s in leaks(internal, secrets)} == set(secrets)     # the scan sees them where they are
    public = build(capsys, repo, tmp_path / "public", "--audience", "public")
    assert leaks(public, secrets) == []
    assert any("汛期物资紧张" in text for text in texts(public / "downloads" / "records.csv"))

"""The site: figures agree with an independent count of the YAML files, search finds Chinese
words, nothing refers outside the site, the public build leaks nothing internal, builds are atomic
and byte-identical."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS, rectify
from gitrepo import Repo
from site_builder.history.replay import replay
from site_builder.site.build import external_references

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "ledger"


def figures(html: str, scope: str = "") -> dict[str, str]:
    """``data-figure`` cells of a page (optionally only after the heading containing ``scope``)."""
    html = html[html.index("<article"):]
    if scope:
        html = html[html.index(scope):]
    found: dict[str, str] = {}
    for key, value in re.findall(r'data-figure="([a-z_]+)">([^<]*)<', html):
        found.setdefault(key, value)
    return found


def independent_counts() -> dict[str, Counter]:
    """Status counts per round straight from the YAML files, without the package."""
    counts: dict[str, Counter] = {}
    for path in sorted((EXAMPLE / "issues").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts.setdefault(data["round"], Counter())[data["status"]] += 1
    return counts


def test_overview_figures_match_an_independent_count(example_site):
    html = (example_site / "index.html").read_text(encoding="utf-8")
    for rid, name in (("2023-R1", "八届市委第一轮涉粮问题专项巡察"), ("2023-R2", "涉农资金项目管理和防汛救灾提级巡察")):
        c = independent_counts()[rid]
        total = sum(c.values())
        shown = figures(html, name)
        assert int(shown["total"]) == total
        assert int(shown["cleared"]) == c["cleared"]
        assert int(shown["active"]) == total - c["cleared"] - c["withdrawn"]
        rate = round(100 * c["cleared"] / (total - c["withdrawn"]) + 1e-9, 1)
        assert shown["completion"] == f"{rate}%"


def test_source_document_figures_on_the_overview(example_site):
    html = (example_site / "index.html").read_text(encoding="utf-8")
    r1, r2 = figures(html, "八届市委第一轮"), figures(html, "涉农资金项目管理和防汛救灾提级巡察")
    assert (r1["total"], r1["cleared"]) == ("36", "36")
    assert (r2["total"], r2["cleared"], r2["active"], r2["completion"], r2["measure_rate"]) == ("42", "25", "17", "59.5%", "64.3%")
    actions = figures(html, 'id="rl-actions"')
    assert {k: actions[k] for k in ("talk", "suspension", "recommendation", "leadership_adjustment", "governance", "mechanisms")} == {
        "talk": "16", "suspension": "1", "recommendation": "5", "leadership_adjustment": "4", "governance": "7", "mechanisms": "63"}
    assert "时间进度 52.3%，任务进度 59.5%" in html


def test_action_totals_match_an_independent_count(example_site):
    actions = yaml.safe_load((EXAMPLE / "actions.yaml").read_text(encoding="utf-8"))["actions"]
    kinds = Counter(a["kind"] for a in actions)
    mechanisms = sum(len(yaml.safe_load(p.read_text(encoding="utf-8")).get("mechanisms") or [])
                     for p in (EXAMPLE / "issues").glob("*/*.yaml"))
    shown = figures((example_site / "index.html").read_text(encoding="utf-8"), 'id="rl-actions"')
    assert {k: int(v) for k, v in shown.items() if k != "mechanisms"} == {k: kinds.get(k, 0) for k in shown if k != "mechanisms"}
    assert int(shown["mechanisms"]) == mechanisms


def test_unit_page_counts(example_site):
    for path in sorted((EXAMPLE / "issues").glob("*/*.yaml"))[:1]:
        unit = yaml.safe_load(path.read_text(encoding="utf-8"))["unit"]
    own = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in (EXAMPLE / "issues").glob("*/*.yaml")]
    own = [d for d in own if d["unit"] == unit]
    shown = figures((example_site / "units" / f"{unit}.html").read_text(encoding="utf-8"))
    assert int(shown["total"]) == len(own)
    assert int(shown["cleared"]) == sum(d["status"] == "cleared" for d in own)


def test_every_page_exists_and_items_stay_out_of_the_navigation(example_site):
    items = sorted(p.stem for p in (EXAMPLE / "issues").glob("*/*.yaml"))
    assert sorted(p.stem for p in (example_site / "items").glob("*.html")) == items
    nav = (example_site / "index.html").read_text(encoding="utf-8")
    assert "items/" not in nav.split('class="md-content"')[0]


def test_battle_map_and_curve_present(example_site):
    html = (example_site / "rounds" / "2023-R2.html").read_text(encoding="utf-8")
    assert html.count('class="s-') == 42
    assert 'class="progress-curve"' in html and 'class="task-line"' in html


def test_item_timeline_merges_records_and_git_transitions(example_site):
    html = (example_site / "items" / "2023-R2-001.html").read_text(encoding="utf-8")
    assert "状态：已建账 → 整改中" in html
    assert re.search(r'<code class="rl-ev-commit">[0-9a-f]{10}</code>', html)


def test_search_index_finds_a_word_of_a_title(example_site):
    index = json.loads((example_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    item = yaml.safe_load((EXAMPLE / "issues" / "2023-R2" / "2023-R2-001.yaml").read_text(encoding="utf-8"))
    import jieba
    words = [w for w in jieba.lcut(item["title"]) if len(w) >= 2]
    hits = [d for d in index["docs"] if d["location"].startswith("items/2023-R2-001.html")
            and words[0] in separator.split(d["title"])]
    assert hits, (words, [d["title"] for d in index["docs"] if "2023-R2-001" in d["location"]])


def test_search_has_one_entry_per_item_with_its_fields_and_measures(example_site):
    """Item pages are indexed from the data (one entry each), not read back from their HTML."""
    index = json.loads((example_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    items = sorted(p.stem for p in EXAMPLE.glob("issues/*/*.yaml"))
    located = sorted(d["location"] for d in index["docs"] if d["location"].startswith("items/"))
    assert located == [f"items/{iid}.html" for iid in items]
    entry = next(d for d in index["docs"] if d["location"] == "items/2023-R2-001.html")
    item = yaml.safe_load((EXAMPLE / "issues" / "2023-R2" / "2023-R2-001.yaml").read_text(encoding="utf-8"))
    plain = entry["text"].replace("\u200b", "")
    assert item["problem"].strip() in plain
    assert all(m["text"].strip() in plain for m in item["measures"])
    assert all(r["text"].strip() not in plain for r in item.get("reports", []))  # the timeline stays out


def test_split_blocks_gives_search_excluded_elements_their_own_block():
    from site_builder.site.render import split_blocks
    page = ("---\ntitle: x\n---\n# T\n<p>kept</p>\n<table class=\"a\" data-search-exclude>\n<tr><td>1</td></tr>\n"
            "</table>\n<p>after</p>\n## H\n<div data-search-exclude>one line</div>\n")
    text, blocks = split_blocks(page)
    assert blocks == ["<p>kept</p>", '<table class="a" data-search-exclude>\n<tr><td>1</td></tr>\n</table>',
                      "<p>after</p>", "<div data-search-exclude>one line</div>"]
    assert text.count("<!--rl:") == 4 and "# T" in text and "## H" in text


def test_offline_no_external_references(example_site):
    assert external_references(example_site) == []
    for path in example_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_downloads(example_site):
    data = json.loads((example_site / "downloads" / "ledger.json").read_text(encoding="utf-8"))
    assert len(data["items"]) == 78
    # the workbook and the CSVs are checked table by table in test_downloads.py


# ---------------------------------------------------------------- small ledgers in real repositories

def small_repo(tmp_path, item_2=ITEM_2, settings=SETTINGS) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("ledger/ledger.yaml", settings)
    repo.write("ledger/units.yaml", UNITS)
    repo.write("ledger/rounds/2023-R2.yaml", ROUND)
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", ITEM_1)
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", item_2)
    repo.commit("台账", "2023-08-17T10:00:00+08:00", author="监督办 王某")
    return repo


def build(capsys, repo, out, *extra):
    return rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out", str(out),
                   "--no-cache", "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs"), *extra)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(capsys, tmp_path):
    repo = small_repo(tmp_path)
    assert build(capsys, repo, tmp_path / "a")[0] == 0
    assert build(capsys, repo, tmp_path / "b")[0] == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_failing_ledger_leaves_previous_site_untouched(capsys, tmp_path):
    repo = small_repo(tmp_path)
    out = tmp_path / "site"
    assert build(capsys, repo, out)[0] == 0
    before = tree_digest(out)
    repo.edit("ledger/issues/2023-R2/2023-R2-002.yaml", "title:", "titel:")
    code, stdout, stderr = build(capsys, repo, out)
    assert code == 1
    assert "台账有错误，未生成站点，原有站点保持不变。" in stderr
    assert tree_digest(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".site.")]


@pytest.mark.parametrize("text, leaks", [
    ('<img src="https://cdn.example/x.png">', True),
    ("<script SRC = '//cdn.example/x.js'></script>", True),
    ('<link href="HTTP://cdn.example/a.css">', True),
    ("body { background: url( 'https://cdn.example/bg.png') }", True),
    ('@import "https://fonts.example/f.css";', True),
    ('<object data="//cdn.example/x.swf"></object>', True),
    ('<svg xmlns="http://www.w3.org/2000/svg"></svg>', False),
    ("<p>见 https://example.gov.cn/notice（文字，不是请求）</p>", False),
    ('<a href="../items/2023-R2-001.html">2023-R2-001</a> <!-- // a comment -->', False),
])
def test_external_references_finds_what_a_browser_would_fetch(tmp_path, text, leaks):
    (tmp_path / "page.html").write_text("<html><body>" + "填充" * 300 + text + "</body></html>", encoding="utf-8")
    assert bool(external_references(tmp_path)) is leaks


def test_a_guide_page_fetching_another_host_fails_the_build(capsys, tmp_path):
    import shutil
    repo = small_repo(tmp_path)
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    (docs / "guide" / "index.md").write_text("# 指南\n\n<img src=\"https://cdn.example/logo.png\">\n", encoding="utf-8")
    out = tmp_path / "site"
    code, stdout, stderr = rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out", str(out),
                              "--no-cache", "--config", str(ROOT / "mkdocs.yml"), "--docs", str(docs))
    assert code == 1
    assert "站点引用了外部地址，内网无法访问：help/guide/index.html: //cdn.example/logo.png" in stdout, stdout
    assert not out.exists()


@pytest.mark.parametrize("forked", [False, True])
def test_a_shallow_clone_fails_the_build_with_its_message(capsys, tmp_path, monkeypatch, forked):
    """The history's problems reach the reader the same way when it is read in a forked process."""
    from site_builder.site import build as site
    monkeypatch.setattr(site, "FORK_HISTORY_MIN", 0 if forked else 10**9)
    repo = small_repo(tmp_path)
    repo.edit("ledger/issues/2023-R2/2023-R2-002.yaml", "title:", "title: 再次")
    repo.commit("改标题", "2023-08-17T11:00:00+08:00", author="监督办 王某")
    clone = tmp_path / "shallow"
    repo.git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone))
    out = tmp_path / "site"
    code, stdout, stderr = rectify(capsys, "build", str(clone / "ledger"), "--repo", str(clone), "--out", str(out),
                                   "--no-cache", "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs"))
    assert code == 1
    assert "这是浅克隆（shallow clone），缺少完整历史" in stdout
    assert stderr == "台账有错误，未生成站点，原有站点保持不变。\n"
    assert not out.exists()


CANARY = "CANARY"
INTERNAL_ITEM = f"""\
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
leader: {CANARY}-leader
department: 应急办
internal_note: {CANARY}-internal-note
measures:
  - {{id: M1, text: 按标准补齐防汛物资, owner: {CANARY}-owner, due: 2023-09-30, done: 2023-08-10}}
status: submitted
reports:
  - {{date: 2023-08-16, by: {CANARY}-report-by, text: 已采购编织袋5000条}}
supervision:
  - {{date: 2023-08-16, method: on_site, by: {CANARY}-sup-by, note: {CANARY}-sup-note}}
  - {{date: 2023-08-16, method: talk, by: 监督办, note: 谈话情况, internal: true}}
submissions:
  - {{date: 2023-08-16, by: {CANARY}-sub-by, text: 已补齐, evidence: [{CANARY}-evidence]}}
"""
SECRET_ITEM = ITEM_1.replace("title: 高标准农田建设项目验收不严", f"title: {CANARY}-secret-title\ntags: [涉密线索]") \
    .replace("problem: 2021年以来部分项目未按规定组织竣工验收。", f"problem: {CANARY}-secret-problem") \
    .replace("by: 赵某", f"by: {CANARY}-ver-by, note: {CANARY}-ver-note")


def test_public_build_leaks_nothing_internal(capsys, tmp_path):
    repo = small_repo(tmp_path, settings=SETTINGS + "internal_tags: [涉密线索]\n")
    repo.write("ledger/issues/2023-R2/2023-R2-002.yaml", INTERNAL_ITEM)  # in_progress → submitted by the canary author
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", SECRET_ITEM)
    repo.write("ledger/units.yaml", UNITS.replace("    supervisor: 东关镇纪委", f"    supervisor: 东关镇纪委\n    head: {CANARY}-head"))
    repo.write("ledger/actions.yaml", f"""\
        actions:
          - {{id: A1, kind: talk, date: 2023-07-10, title: 约谈提醒, units: [east-town], to: {CANARY}-talk-to}}
          - {{id: A2, kind: governance, date: 2023-07-11, title: {CANARY}-internal-action, internal: true}}
        """)
    repo.commit("内部信息", "2023-08-17T11:00:00+08:00", author=f"{CANARY}-git-author")
    assert build(capsys, repo, tmp_path / "internal")[0] == 0
    internal_text = b"".join(p.read_bytes() for p in (tmp_path / "internal").rglob("*.html"))
    assert b"CANARY-leader" in internal_text and b"CANARY-git-author" in internal_text  # the canaries are real
    assert build(capsys, repo, tmp_path / "public", "--audience", "public")[0] == 0
    from test_public import leaks as scan, texts
    # every file, zips (.docx, .xlsx) and gzip opened, JSON decoded (\u escapes), entities unescaped
    assert scan(tmp_path / "public", (CANARY, "涉密线索")) == []
    for text in texts(tmp_path / "public" / "downloads" / "ledger.json"):
        assert "internal_tags" not in text and '"audience"' not in text


def test_sharded_build_equals_the_single_process_build(capsys, tmp_path, monkeypatch):
    """Large ledgers build item pages in several processes; the pages come out the same."""
    from site_builder.site import shards
    from site_builder.site import build as site
    repo = tmp_path / "repo"
    replay(EXAMPLE, repo)
    args = ["build", str(repo / "ledger"), "--repo", str(repo), "--no-cache",
            "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs")]
    monkeypatch.setattr(shards, "SHARD_MIN_ITEMS", 10**9)
    assert rectify(capsys, *args, "--out", str(tmp_path / "single"))[0] == 0
    monkeypatch.setattr(shards, "SHARD_MIN_ITEMS", 10)
    monkeypatch.setattr(site, "PARALLEL_RENDER_MIN", 10)   # item pages rendered by two processes, too
    monkeypatch.setattr(site, "FORK_HISTORY_MIN", 0)       # and the history read in a forked process
    assert rectify(capsys, *args, "--out", str(tmp_path / "sharded"))[0] == 0
    single, sharded = tree_digest(tmp_path / "single"), tree_digest(tmp_path / "sharded")
    assert sorted(single) == sorted(sharded)
    pages = [rel for rel in single if rel.endswith(".html")]
    assert [rel for rel in pages if single[rel] != sharded[rel]] == []
    index = lambda d: sorted(json.dumps(x, sort_keys=True, ensure_ascii=False)  # noqa: E731
                             for x in json.loads((d / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"])
    assert index(tmp_path / "single") == index(tmp_path / "sharded")


def test_english_when_the_settings_say_so(capsys, tmp_path):
    repo = small_repo(tmp_path, settings=SETTINGS + "language: en\n")
    assert build(capsys, repo, tmp_path / "site")[0] == 0
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in html
    assert "Rectification progress" in html and "整改进度总览" not in html
    item = (tmp_path / "site" / "items" / "2023-R2-001.html").read_text(encoding="utf-8")
    assert "Measures" in item and "cleared" in item
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["en"]


def test_serve_previews_a_built_site(example_site):
    """``rectify serve`` in a subprocess answers on 127.0.0.1 with the built pages, and says where."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "site_builder.cli.main", "serve", "--site", str(example_site),
                             "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line == f"站点预览：http://127.0.0.1:{port}/index.html（按 Ctrl-C 结束）"
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "整改进度总览" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_without_a_site(capsys, tmp_path):
    code, out, err = rectify(capsys, "serve", "--site", str(tmp_path))
    assert (code, err.strip()) == (1, f"{tmp_path} 中没有已生成的站点，请先运行 rectify build（或 make site）。")


def test_navigation_lists_the_latest_rounds_only(tmp_path):
    """The theme renders the navigation into every page: a city's sixty rounds stay on the rounds page."""
    from types import SimpleNamespace

    from site_builder.site.build import NAV_ROUNDS, mkdocs_config
    rounds = {f"2023-R{n:02d}": SimpleNamespace(name=f"第{n}轮巡察") for n in range(1, 13)}
    pages = ["index.md", "rounds/index.md", *(f"rounds/{rid}.md" for rid in rounds)]
    cfg = mkdocs_config({}, SimpleNamespace(settings=None, rounds=rounds), pages, [], "zh", tmp_path, tmp_path / "s")
    section = next(entry["巡察轮次"] for entry in cfg["nav"] if "巡察轮次" in entry)
    assert list(section[0].values()) == ["rounds/index.md"]
    assert [list(e.values())[0] for e in section[1:]] == [f"rounds/2023-R{n:02d}.md" for n in range(13 - NAV_ROUNDS, 13)]


def _overdue_by_hand(as_of: dt.date) -> dict[str, dict[str, int]]:
    """Overdue items, overdue measures and red items per round, counted from the YAML files alone:
    an item is overdue when the unit still owes work on it (open, in progress) past its due date; a
    measure when it is not done past its due date on an item not yet cleared or withdrawn; red when
    either holds."""
    out: dict[str, dict[str, int]] = {}
    for path in sorted((EXAMPLE / "issues").glob("*/*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        c = out.setdefault(d["round"], {"overdue": 0, "overdue_measures": 0, "red": 0})
        item_late = d["status"] in ("open", "in_progress") and d["due"] < as_of
        late = [m for m in d["measures"] if not m.get("done") and m["due"] < as_of] \
            if d["status"] not in ("cleared", "withdrawn") else []
        c["overdue"] += item_late
        c["overdue_measures"] += len(late)
        c["red"] += bool(item_late or late)
    return out


def test_overdue_items_and_overdue_measures_are_named_apart_and_both_shown(example_site):
    """The issue's case: the overview said 逾期 0 beside the badge 红色·逾期 3. Both counts now stand
    side by side under their own names, and the red badge says what it counts."""
    as_of = yaml.safe_load((EXAMPLE / "ledger.yaml").read_text(encoding="utf-8"))["as_of"]
    counted = _overdue_by_hand(as_of)
    assert counted["2023-R2"]["overdue_measures"] > counted["2023-R2"]["overdue"]  # the case that misled readers
    html = (example_site / "index.html").read_text(encoding="utf-8")
    for rid, name in (("2023-R1", "八届市委第一轮涉粮问题专项巡察"), ("2023-R2", "涉农资金项目管理和防汛救灾提级巡察")):
        shown = figures(html, name)
        assert {k: int(shown[k]) for k in ("overdue", "overdue_measures", "red")} == counted[rid], rid
    article = html[html.index("<article"):]
    assert "<th>逾期问题</th><th>逾期措施</th>" in article
    assert "<th>逾期</th>" not in article
    assert "红色·有逾期问题或措施" in article
    round_page = (example_site / "rounds" / "2023-R2.html").read_text(encoding="utf-8")
    units_table = round_page[round_page.index("<th>单位</th><th>问题总数</th>"):]
    assert units_table.startswith("<th>单位</th><th>问题总数</th><th>已销号</th><th>整改完成率</th><th>逾期问题</th><th>逾期措施</th></tr>")


def _alert_rows(html: str, section_id: str) -> list[list[str]]:
    """The text of every cell of every body row of the alerts table with this id."""
    table = html[html.index(f'id="{section_id}"'):]
    table = table[:table.index("</table>")]
    body = table[table.index("<tbody>"):]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_alerts_name_the_measure_that_is_overdue_or_due_soon_with_its_date_and_days(example_site):
    """The issue's case: items "due within 7 days" were listed with item deadlines months away. Each
    row now names what is due — a measure (its id and text) or the item itself — its date, and the
    days left or overdue, and the rows are exactly those counted from the YAML."""
    as_of = yaml.safe_load((EXAMPLE / "ledger.yaml").read_text(encoding="utf-8"))["as_of"]
    late, soon = [], []
    for path in sorted((EXAMPLE / "issues").glob("*/*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        if d["status"] in ("cleared", "withdrawn"):
            continue
        for m in d["measures"]:
            if not m.get("done"):
                days = (m["due"] - as_of).days
                row = [d["id"], f'{m["id"]} {m["text"]}', m["due"].isoformat()]
                if days < 0:
                    late.append(row + [str(-days)])
                elif days <= 7:
                    soon.append(row + [str(days)])
        if d["status"] in ("open", "in_progress") and 0 <= (d["due"] - as_of).days <= 7:
            soon.append([d["id"], "问题整改完成时限", d["due"].isoformat(), str((d["due"] - as_of).days)])
    assert late and soon  # the example has both, so the comparison below can fail
    html = (example_site / "alerts.html").read_text(encoding="utf-8")
    shown_late = [[r[0], r[1], r[3], r[4]] for r in _alert_rows(html, "rl-overdue-measures")]
    shown_soon = [[r[0], r[1], r[3], r[4]] for r in _alert_rows(html, "rl-due-soon")]
    assert sorted(shown_late) == sorted(late)
    assert sorted(shown_soon) == sorted(soon)
    assert "<th>完成时限</th><th>逾期天数</th>" in html and "<th>完成时限</th><th>剩余天数</th>" in html


def test_ranking_is_per_round_with_rule_score_and_final_score_apart_and_the_rule_explained(example_site):
    """The issue's case: the ranking mixed the final scores and rule scores of different rounds
    without saying which round. Each round now has its own table; the office's final score (from
    evaluations.yaml of that round) and the rule's score stand in separate columns; evaluated units
    are ranked by their final score, the others follow unranked; the rule is written out."""
    evaluations = yaml.safe_load((EXAMPLE / "evaluations.yaml").read_text(encoding="utf-8"))["evaluations"]
    units = {u["id"]: u["name"] for u in yaml.safe_load((EXAMPLE / "units.yaml").read_text(encoding="utf-8"))["units"]}
    html = (example_site / "ranking.html").read_text(encoding="utf-8")
    assert "规则建议分 = 整改完成率 × 60 + 按期率 × 20 + 按时报告 × 10 + 一次核账通过率 × 10" in html
    for rid in ("2023-R1", "2023-R2"):
        finals = {units[e["unit"]]: e["score"] for e in evaluations if e["round"] == rid}
        table = html[html.index(f'id="rl-ranking-{rid}"'):]
        table = table[:table.index("</table>")]
        assert "<th>名次</th><th>单位</th><th>整改完成率</th><th>规则建议分</th><th>最终得分</th><th>评分理由</th>" in table
        rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
                for r in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):])]
        shown = {r[1]: r[4] for r in rows}
        assert {n: float(v) for n, v in shown.items() if v != "—"} == {n: float(s) for n, s in finals.items()}, rid
        ranked = [r for r in rows if r[0] != "—"]
        assert [float(r[4]) for r in ranked] == sorted((float(r[4]) for r in ranked), reverse=True)
        assert [r[0] for r in ranked] == [str(i) for i in range(1, len(ranked) + 1)]
        assert all(r[4] == "—" for r in rows[len(ranked):])


def _search_docs(site: Path) -> list[dict]:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


def test_search_finds_a_unit_and_its_items_by_a_short_name_and_a_bulletin_by_its_number(example_site):
    """The issue's cases: 住建局 found nothing, and every bulletin had the same title in the results.
    A unit's short names (units.yaml ``aliases``) are on its page and in its items' entries, as
    words of their own; each bulletin's heading says its number."""
    docs = _search_docs(example_site)
    words = lambda text: set(text.replace("\u200b", " ").split())  # noqa: E731
    unit_page = [d for d in docs if d["location"].startswith("units/housing-bureau.html")]
    assert any("住建局" in words(d["title"] + " " + d["text"]) for d in unit_page)
    housing_items = {p.stem for p in (EXAMPLE / "issues").glob("*/*.yaml")
                     if yaml.safe_load(p.read_text(encoding="utf-8"))["unit"] == "housing-bureau"}
    found = {d["location"][6:-5] for d in docs if d["location"].startswith("items/") and "住建局" in words(d["text"])}
    assert housing_items and found == housing_items
    titles = {d["location"]: d["title"] for d in docs if re.fullmatch(r"bulletins/2023-W\d\d\.html", d["location"])}
    assert len(titles) > 3 and len(set(titles.values())) == len(titles)
    w32 = yaml.safe_load((EXAMPLE / "ledger.yaml").read_text(encoding="utf-8"))
    assert "第" in titles["bulletins/2023-W32.html"] and "期" in titles["bulletins/2023-W32.html"], (titles, w32.get("bulletin"))


def test_the_overview_has_a_county_wide_total_and_badges_that_open_the_filtered_list(example_site):
    html = (example_site / "index.html").read_text(encoding="utf-8")
    c = sum(independent_counts().values(), Counter())
    total = sum(c.values())
    shown = figures(html, 'id="rl-county"')
    assert (int(shown["total"]), int(shown["cleared"]), shown["completion"]) == \
        (total, c["cleared"], f'{round(100 * c["cleared"] / (total - c["withdrawn"]) + 1e-9, 1)}%')
    assert '<a class="rl-warn rl-red" href="rounds/2023-R2.html?warn=red#rl-items">' in html
    assert html.count('<svg class="time-task"') == 2


def test_every_search_document_has_its_own_location(example_site):
    """The browser's index keys documents by location: a second document of the same key (a unit
    page indexed by the plugin and again for its short names) broke the search in the browser."""
    locations = [d["location"] for d in _search_docs(example_site)]
    assert len(locations) == len(set(locations))

"""Windows, tried on Linux: the commands give byte-identical output when fork is unavailable
(``RECTIFY_START_METHOD=spawn``, what Windows has) and with the default; files a Windows editor
saves (CRLF line ends, Notepad's byte-order mark) read and edit as LF files do; Windows paths
written in the ledger are text, and in double quotes a located error says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS, rectify

ROOT = Path(__file__).resolve().parent.parent

#: the real command line in a process of its own, every parallel threshold lowered so that this
#: small history goes to workers on every path (parse pool, prescan, history read, item render,
#: mkdocs shards, bulletin weeks); every process start is counted into $COUNT_FILE
LAUNCH = """\
import atexit, multiprocessing.process, os, sys
sys.path.insert(0, {root!r})
started = []
_start = multiprocessing.process.BaseProcess.start
def start(self):
    started.append(1)
    return _start(self)
multiprocessing.process.BaseProcess.start = start
atexit.register(lambda: open(os.environ["COUNT_FILE"], "a", encoding="utf-8").write(f"{{len(started)}}\\n"))
import site_builder.site.build as site, site_builder.ledger.cache as cache, site_builder.site.shards as shards
import site_builder.bulletin.pages as bulletin_render
site.FORK_HISTORY_MIN = 0
site.PARALLEL_RENDER_MIN = 0
cache.PARALLEL_MIN = 0
shards.SHARD_MIN_ITEMS = 0
bulletin_render.PARALLEL_WEEKS = 1
from site_builder.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def example_repo(tmp_path_factory) -> Path:
    """The shared small ledger replayed into a dated history (8 commits): small enough that two
    rounds of every command stay quick, while the lowered thresholds still send it to workers."""
    from site_builder.history.replay import replay
    base = tmp_path_factory.mktemp("windows")
    ledger = write_ledger(base / "ledger", crlf=False)
    replay(ledger, base / "repo")
    return base / "repo"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_all(repo: Path, out: Path, method: str | None) -> tuple[list, list[int]]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "RECTIFY_START_METHOD")}
    env.update(RECTIFY_WORKERS="2", RECTIFY_CACHE_DIR=str(out / "cache"), COUNT_FILE=str(out / "started"))
    if method:
        env["RECTIFY_START_METHOD"] = method
    root = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=repo, capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout.split()[0]
    commands = [["validate", "ledger"], ["check", "ledger", "--base", root],
                ["audit", "ledger"], ["bulletin", "ledger", "--week", "2023-W32", "--out", str(out / "bulletins")],
                ["build", "ledger", "--out", str(out / "site"), "--config", str(ROOT / "mkdocs.yml"),
                 "--docs", str(ROOT / "docs")]]
    results = []
    for args in commands:
        proc = subprocess.run([sys.executable, "-c", LAUNCH.format(root=str(ROOT)), *args], cwd=repo, env=env,
                              capture_output=True, timeout=240)
        # the output folder is named in two messages; it is the one thing allowed to differ
        results.append((args[0], proc.returncode, proc.stdout.replace(str(out).encode(), b"OUT"),
                        proc.stderr.replace(str(out).encode(), b"OUT")))
    started = [int(n) for n in (out / "started").read_text(encoding="utf-8").split()]
    return results, started


def test_the_commands_give_byte_identical_output_with_spawn_and_with_the_default(example_repo, tmp_path):
    default, default_started = run_all(example_repo, tmp_path / "default", None)
    spawn, spawn_started = run_all(example_repo, tmp_path / "spawn", "spawn")
    assert [(name, code, err) for name, code, _, err in default] == [(name, 0, b"") for name, *_ in default]
    assert spawn == default
    # workers did run, in both: validate's parse pool, audit's prescan, the site's history read,
    # render and shards (check and bulletin find the parse cache warm and may need none)
    for started in (default_started, spawn_started):
        assert [started[i] > 0 for i in (0, 2, 4)] == [True, True, True], started
    for folder, least in (("site", 30), ("bulletins", 3)):   # bulletin: .md, .docx, reminder letters
        a, b = tree(tmp_path / "default" / folder), tree(tmp_path / "spawn" / folder)
        assert sorted(a) == sorted(b) and len(a) >= least, sorted(a)
        assert [name for name in a if a[name] != b[name]] == []


# ---------------------------------------------------------------- files saved on Windows

def write_ledger(root: Path, *, crlf: bool, bom: bool = False, **replace: str) -> Path:
    files = {"ledger.yaml": SETTINGS, "units.yaml": UNITS, "rounds/2023-R2.yaml": ROUND,
             "issues/2023-R2/2023-R2-001.yaml": ITEM_1, "issues/2023-R2/2023-R2-002.yaml": ITEM_2}
    for rel, text in files.items():
        for old, new in replace.items():
            text = text.replace(old, new)
        data = text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return root


def test_a_ledger_saved_with_crlf_and_a_bom_validates(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-18T10:00:00+08:00")
    ledger = write_ledger(tmp_path / "ledger", crlf=True, bom=True)
    assert rectify(capsys, "validate", str(ledger)) == (0, "台账检查通过：1 个轮次，2 个问题，未发现错误。\n", "")


def test_errors_in_a_crlf_file_are_at_the_same_line_and_column_as_in_a_lf_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-18T10:00:00+08:00")
    bad = {"due: 2023-10-15": "due: 2023-13-15", "leader: 孙某某": "leader: 孙某某\nleeder: 孙某某"}
    outs = []
    for crlf in (False, True):
        ledger = write_ledger(tmp_path / ("crlf" if crlf else "lf") / "ledger", crlf=crlf, **bad)
        code, out, err = rectify(capsys, "validate", str(ledger))
        outs.append((code, out.replace(str(ledger), "L"), err))
    assert outs[0] == outs[1]
    assert outs[1] == (1, "L/issues/2023-R2/2023-R2-002.yaml:10:6: 字段“due”的日期 2023-13-15 不存在（请核对月份和日）。\n"
                          "L/issues/2023-R2/2023-R2-002.yaml:12:1: 未知字段“leeder”。请检查拼写，可用字段见《编辑指南》。\n", "共发现 2 个错误。\n")


def test_an_edit_keeps_the_files_crlf_and_bom_and_changes_only_its_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-18T10:00:00+08:00")
    ledger = write_ledger(tmp_path / "ledger", crlf=True, bom=True)
    path = ledger / "issues/2023-R2/2023-R2-002.yaml"
    before = path.read_bytes()
    code, out, err = rectify(capsys, "report", "2023-R2-002", str(ledger), "--text", "已补齐救生衣200件",
                             "--by", "东关镇", "--date", "2023-08-18")
    assert (code, err) == (0, "")
    after = path.read_bytes()
    assert after == before + "  - {date: 2023-08-18, by: 东关镇, text: 已补齐救生衣200件}\r\n".encode("utf-8")


def test_windows_paths_in_the_ledger_are_text_and_double_quotes_get_a_located_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RECTIFY_NOW", "2023-08-18T10:00:00+08:00")
    plain = "evidence: [D:\\整改\\复验报告.pdf, 'E:\\材料\\清单.xlsx']"
    ledger = write_ledger(tmp_path / "ok" / "ledger", crlf=True, **{"evidence: [复验报告]": plain})
    assert rectify(capsys, "validate", str(ledger))[0] == 0
    from site_builder.ledger.load import load_ledger
    loaded, problems = load_ledger(ledger)
    item = loaded.items["2023-R2-001"]
    assert problems == [] and item.submissions[0].evidence == ("D:\\整改\\复验报告.pdf", "E:\\材料\\清单.xlsx")
    quoted = 'evidence: ["E:\\材料\\清单.xlsx"]'
    ledger = write_ledger(tmp_path / "bad" / "ledger", crlf=True, **{"evidence: [复验报告]": quoted})
    code, out, err = rectify(capsys, "validate", str(ledger))
    row, text = next((n, line) for n, line in enumerate(ITEM_1.splitlines(), 1) if "evidence" in line)
    col = text.index("[复验报告]") + 2 + len('"E:')   # the backslash, 1-based
    assert (code, out, err) == (1, f"{ledger}/issues/2023-R2/2023-R2-001.yaml:{row}:{col}: "
                                   "双引号里的反斜杠（\\）被当作转义符。请改用单引号，或写成两个反斜杠。\n", "共发现 1 个错误。\n")

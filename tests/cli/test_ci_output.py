"""CI output: under ``--format github`` every printed line is inert unless it is one of our own
annotations. A value, a file name or a commit message that carries a line break and ``::`` (a
workflow command) must not reach the start of a log line; the job summary escapes Markdown/HTML."""

from __future__ import annotations

import pytest

from conftest import ITEM_2, ROUND, SETTINGS, UNITS, rectify
from gitrepo import Repo

ITEM = "issues/2023-R2/2023-R2-002.yaml"
SHORT = "\\n::warning::pwned\\r<script>"
PAYLOAD = "\\n::warning::pwned\\r::stop-commands::x\\n  ::error::again\\n##[warning]v1 <script>alert(1)</script>"


def assert_inert(text: str) -> None:
    """No physical line (as the runner splits them: \\n, \\r) starts, after leading blanks, with ``::``
    unless it is our own annotation; no ``##[`` anywhere."""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("::"):
            assert stripped.startswith(("::error file=", "::warning file=")), repr(line)
            assert line == stripped, repr(line)
        assert "##[" not in line, repr(line)
        assert "pwned" not in line or not line.lstrip().startswith("::warning::"), repr(line)


def run_github(capsys, monkeypatch, tmp_path, *args):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = rectify(capsys, *args, "--format", "github")
    assert "Traceback" not in out + err and "internal error" not in out + err
    assert_inert(out)
    assert_inert(err)
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    assert "<script>" not in text
    return code, out, err, text


def test_value_with_a_newline_is_inert(capsys, monkeypatch, ledger_dir, tmp_path):
    p = ledger_dir / ITEM
    # an unknown unit quotes the value back; a title of the wrong type quotes it too
    p.write_text(p.read_text(encoding="utf-8").replace("unit: east-town", f'unit: "e{SHORT}"'), encoding="utf-8")
    code, out, err, summary = run_github(capsys, monkeypatch, tmp_path, "validate", str(ledger_dir))
    assert code == 1 and "pwned" in out
    assert "pwned" in summary


def test_schema_value_with_a_newline_is_inert(capsys, monkeypatch, ledger_dir, tmp_path):
    p = ledger_dir / ITEM
    p.write_text(p.read_text(encoding="utf-8").replace("status: in_progress", f'status: "x{PAYLOAD}"'), encoding="utf-8")
    code, out, err, _ = run_github(capsys, monkeypatch, tmp_path, "validate", str(ledger_dir))
    assert code == 1


@pytest.mark.parametrize("name", ["x\n::warning::pwned.yaml", "::warning::pwned.yaml", "a\r::stop-commands::x.yaml",
                                  "a|b<script>`c.yaml"])
def test_file_name_is_inert(capsys, monkeypatch, ledger_dir, tmp_path, name):
    (ledger_dir / "issues/2023-R2" / name).write_text("id: 2023-R2-003\n", encoding="utf-8")
    code, out, err, _ = run_github(capsys, monkeypatch, tmp_path, "validate", str(ledger_dir))
    assert code == 1


def test_file_name_at_the_repository_root_is_inert_in_the_gate(capsys, monkeypatch, tmp_path):
    # the ledger at the top of the repository: a git path is then printed first on its line
    r = Repo(tmp_path / "repo")
    r.write("ledger.yaml", SETTINGS.replace("as_of: 2023-08-18\n", ""))
    r.write("units.yaml", UNITS)
    r.write("rounds/2023-R2.yaml", ROUND)
    r.write("issues/2023-R2/2023-R2-002.yaml", ITEM_2.split("status:")[0] + "status: open\n")
    base = r.commit("建账", "2023-06-05T09:00:00+08:00")
    r.write("issues/::warning::pwned/2023-R2-009.yaml", "id: [\n")
    r.commit("::stop-commands::x", "2023-06-06T09:00:00+08:00")
    code, out, err, _ = run_github(capsys, monkeypatch, tmp_path, "check", str(r.root), "--repo", str(r.root),
                                   "--base", base, "--no-cache", "--summary", str(tmp_path / "s2.md"))
    assert code == 1
    code, out, err, _ = run_github(capsys, monkeypatch, tmp_path, "audit", str(r.root), "--repo", str(r.root),
                                   "--no-cache")
    assert code == 1


def test_commit_message_and_title_are_inert(capsys, monkeypatch, tmp_path):
    r = Repo(tmp_path / "repo")
    r.write("ledger/ledger.yaml", SETTINGS.replace("as_of: 2023-08-18\n", ""))
    r.write("ledger/units.yaml", UNITS)
    r.write("ledger/rounds/2023-R2.yaml", ROUND)
    r.write("ledger/" + ITEM, ITEM_2.split("status:")[0] + "status: open\n")
    base = r.commit("建账", "2023-06-05T09:00:00+08:00")
    r.edit("ledger/" + ITEM, "title: 防汛物资储备不足", f'title: "防汛{PAYLOAD}"')
    r.edit("ledger/" + ITEM, "status: open", "status: cleared")
    r.commit("::stop-commands::x", "2023-06-06T09:00:00+08:00", author="::warning::pwned")
    summary = tmp_path / "s.md"
    code, out, err, _ = run_github(capsys, monkeypatch, tmp_path, "check", str(r.root / "ledger"), "--repo", str(r.root),
                                   "--base", base, "--no-cache", "--summary", str(summary))
    assert code == 1
    text = summary.read_text(encoding="utf-8")
    assert "<script>" not in text and "pwned" in text
    for args in (("audit",), ("status",), ("export", "--out", str(tmp_path / "x.xlsx"))):
        run_github(capsys, monkeypatch, tmp_path, *args, str(r.root / "ledger"), *(("--repo", str(r.root)) if args[0] == "audit" else ()))

"""Replay: the example ledger's records become a dated history whose head equals the ledger and
whose every change passes the audit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import rectify
from site_builder.history.timeline import open_history
from site_builder.history.replay import replay

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    repo = tmp_path_factory.mktemp("replay") / "repo"
    commits = replay(ROOT / "ledger", repo)
    return repo, commits


def test_head_equals_the_ledger(replayed):
    repo, _ = replayed
    out = subprocess.run(["git", "diff", "--no-index", "--stat", str(ROOT / "ledger"), str(repo / "ledger")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_history_is_dated_like_the_records(replayed):
    repo, commits = replayed
    with open_history(repo) as h:
        assert len(h.commits) == commits
        first, last = h.commits[0].committed.date().isoformat(), h.commits[-1].committed.date().isoformat()
        transitions = h.compute_transitions()
    assert first == "2023-02-20" and "2023-08-10" <= last <= "2023-08-18"
    cleared = [t for ts in transitions.values() for t in ts if t.after == "cleared"]
    assert len(cleared) == 36 + 25
    authors = {t.commit.author for ts in transitions.values() for t in ts}
    assert "监督办" in authors and len(authors) > 5


def test_replayed_history_passes_the_audit(capsys, replayed):
    repo, commits = replayed
    code, out, err = rectify(capsys, "audit", str(repo / "ledger"), "--repo", str(repo), "--no-cache")
    assert (code, out.strip()) == (0, f"审计完成：{commits} 个提交，未发现违规修改。")


def test_replay_refuses_a_broken_ledger(tmp_path, ledger_dir):
    (ledger_dir / "units.yaml").write_text("units: [\n", encoding="utf-8")
    from site_builder.core.problems import LedgerError
    with pytest.raises(LedgerError):
        replay(ledger_dir, tmp_path / "out")
    assert not (tmp_path / "out").exists()

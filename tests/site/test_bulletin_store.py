"""Finished weeks kept between builds: a past week is taken back from the store while the items
and units its page names are linked as before, so opening a new item (which no past week names)
rebuilds nothing, and an item that a past week names leaving the site rebuilds that week."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import ITEM_2, SETTINGS, rectify
from test_site import ROOT, small_repo

MARKER = "来自缓存的旧页面"


def build(capsys, repo, out: Path) -> None:
    code, _, err = rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out", str(out),
                           "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs"))
    assert code == 0, err


def week_page(out: Path, week: str) -> str:
    return (out / "bulletins" / f"{week}.html").read_text(encoding="utf-8")


def test_a_past_week_is_rebuilt_only_when_what_it_links_changes(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(cache))
    repo = small_repo(tmp_path, settings=SETTINGS.replace("as_of: 2023-08-18", "as_of: 2023-08-28"))
    build(capsys, repo, tmp_path / "first")
    assert 'href="../items/2023-R2-002.html"' in week_page(tmp_path / "first", "2023-W33")
    with sqlite3.connect(cache / "bulletins.sqlite") as db:    # mark what the store holds
        assert db.execute("UPDATE week SET md = md || ?", ("\n\n" + MARKER + "\n",)).rowcount >= 1

    repo.write("ledger/issues/2023-R2/2023-R2-003.yaml", ITEM_2.replace("2023-R2-002", "2023-R2-003")
               .replace("2023-R2-F02", "2023-R2-F01").replace("east-town", "agri-bureau")
               .replace("资金项目管理", "防汛救灾").replace("防汛救灾", "资金项目管理", 1))
    repo.commit("新建问题", "2023-08-24T10:00:00+08:00", author="监督办 王某")
    build(capsys, repo, tmp_path / "second")
    assert MARKER in week_page(tmp_path / "second", "2023-W33")          # taken back from the store
    assert MARKER not in week_page(tmp_path / "second", "2023-W34")      # a new week, made now

    old = repo.root / "ledger/issues/2023-R2/2023-R2-002.yaml"
    repo.write("ledger/issues/2023-R2/2023-R2-009.yaml", old.read_text(encoding="utf-8").replace("2023-R2-002", "2023-R2-009"))
    old.unlink()
    repo.commit("问题改编号", "2023-08-25T10:00:00+08:00", author="监督办 王某")
    build(capsys, repo, tmp_path / "third")
    # W33 names 2023-R2-002, which the site no longer has: made again, without that link
    page = week_page(tmp_path / "third", "2023-W33")
    assert MARKER not in page
    assert 'href="../items/2023-R2-002.html"' not in page and "2023-R2-002" in page

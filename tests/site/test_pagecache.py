"""The page cache: an item page built before comes from the store, the build stays byte-identical to
one without any cache, and a page whose item, language or audience changed is built again."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from conftest import rectify
from test_site import ROOT, small_repo, tree_digest


def cached_build(capsys, repo, out, cache: Path, *extra):
    return rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out", str(out),
                   "--config", str(ROOT / "mkdocs.yml"), "--docs", str(ROOT / "docs"), *extra)


def stored(cache: Path) -> int:
    with sqlite3.connect(cache / "pages.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM page").fetchone()[0]


def plant(cache: Path, marker: bytes) -> None:
    """Replace every stored page by ``marker``: a page taken from the store then shows it."""
    with sqlite3.connect(cache / "pages.sqlite") as db:
        db.execute("UPDATE page SET html = ?", (zlib.compress(marker),))


def test_a_build_from_the_store_equals_a_build_without_cache(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(cache))
    repo = small_repo(tmp_path)
    assert cached_build(capsys, repo, tmp_path / "first", cache)[0] == 0
    assert stored(cache) == 2                      # the two item pages
    assert cached_build(capsys, repo, tmp_path / "again", cache)[0] == 0
    assert rectify(capsys, "build", str(repo.root / "ledger"), "--repo", str(repo.root), "--out",
                   str(tmp_path / "plain"), "--no-cache", "--config", str(ROOT / "mkdocs.yml"),
                   "--docs", str(ROOT / "docs"))[0] == 0
    assert tree_digest(tmp_path / "again") == tree_digest(tmp_path / "first") == tree_digest(tmp_path / "plain")


def test_unchanged_pages_come_from_the_store_and_a_changed_item_is_built_again(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(cache))
    repo = small_repo(tmp_path)
    assert cached_build(capsys, repo, tmp_path / "first", cache)[0] == 0
    plant(cache, b"FROM-THE-STORE")
    repo.edit("ledger/issues/2023-R2/2023-R2-002.yaml", "防汛物资储备不足", "防汛物资储备严重不足")
    repo.commit("改标题", "2023-08-17T11:00:00+08:00", author="监督办 王某")
    assert cached_build(capsys, repo, tmp_path / "second", cache)[0] == 0
    items = tmp_path / "second" / "items"
    assert (items / "2023-R2-001.html").read_bytes() == b"FROM-THE-STORE"     # untouched: reused
    changed = (items / "2023-R2-002.html").read_text(encoding="utf-8")
    assert "防汛物资储备严重不足" in changed and "FROM-THE-STORE" not in changed


def test_another_language_or_audience_builds_every_page_again(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(cache))
    repo = small_repo(tmp_path)
    assert cached_build(capsys, repo, tmp_path / "zh", cache)[0] == 0
    plant(cache, b"FROM-THE-STORE")
    for name, extra in (("en", ("--lang", "en")), ("public", ("--audience", "public"))):
        assert cached_build(capsys, repo, tmp_path / name, cache, *extra)[0] == 0
        pages = sorted((tmp_path / name / "items").glob("*.html"))
        assert len(pages) == 2
        assert all(b"FROM-THE-STORE" not in p.read_bytes() for p in pages), name


def test_a_damaged_store_is_only_a_slower_build(capsys, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(cache))
    repo = small_repo(tmp_path)
    assert cached_build(capsys, repo, tmp_path / "first", cache)[0] == 0
    with sqlite3.connect(cache / "pages.sqlite") as db:
        db.execute("UPDATE page SET html = ?", (b"not zlib",))
    assert cached_build(capsys, repo, tmp_path / "second", cache)[0] == 0
    assert tree_digest(tmp_path / "second") == tree_digest(tmp_path / "first")
    (cache / "pages.sqlite").write_bytes(b"garbage, not a database")
    assert cached_build(capsys, repo, tmp_path / "third", cache)[0] == 0
    assert tree_digest(tmp_path / "third") == tree_digest(tmp_path / "first")

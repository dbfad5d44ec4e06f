"""Page cache: the site stage's built item pages, kept between builds beside the parse cache.

An item page is most of a site (a thousand of a county's 1,100 pages) and almost all of mkdocs'
time, yet from one push to the next only the items a commit touched change. A built item page is
fixed by its Markdown, its HTML blocks and the configuration it is built with (theme, navigation,
language, the code and the libraries that render it), so those make its key; a page whose key was
built before is written from the store and never handed to mkdocs. Everything else about the page
is as mkdocs made it the first time, so a build from the store is byte-identical to one without it
(tested). Entries not used by any of the last few builds are dropped, so the store holds about one
site per audience.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from site_builder.ledger.cache import code_version, open_store
from site_builder.site.hooks import BlockStore

#: what shapes a built page besides its Markdown and the configuration
_LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "pygments", "babel")
#: builds after which an entry nobody used is dropped (an internal and a public build alternate)
KEEP_BUILDS = 4
_HERE = Path(__file__).parent


def config_fingerprint(cfg: dict) -> str:
    """The part of a page's key shared by every page of one build: the mkdocs configuration without
    the build's own folders, the code, the theme's files and the rendering libraries' versions."""
    stable = {k: v for k, v in cfg.items() if k not in ("docs_dir", "site_dir")}
    stable["extra"] = {k: v for k, v in (cfg.get("extra") or {}).items() if k != "rectify_blocks"}
    h = hashlib.sha1(json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    h.update(code_version().encode())
    for name in _LIBRARIES:
        try:
            h.update(f"\0{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"\0{name}=-".encode())
    for folder in ("theme", "assets"):
        for path in sorted((_HERE / folder).rglob("*")):
            if path.is_file():
                h.update(path.relative_to(_HERE).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@dataclass
class Plan:
    """Which item pages of this build come from the store (``reused``) and which mkdocs builds
    (``built``), each with its key."""
    reused: list[tuple[str, str]] = field(default_factory=list)
    built: list[tuple[str, str]] = field(default_factory=list)


class PageCache:
    """Built item pages by key, zlib-compressed in SQLite. Without a path it keeps nothing, and every
    page is built."""

    def __init__(self, path: Path | None):
        self.db: sqlite3.Connection | None = None
        if path is not None:
            self.db = open_store(path, ("CREATE TABLE IF NOT EXISTS page (key TEXT PRIMARY KEY, html BLOB,"
                                        " used INTEGER)",
                                        "CREATE TABLE IF NOT EXISTS builds (n INTEGER)"))

    def plan(self, docs_dir: Path, blocks: Path, fingerprint: str, kept: Path) -> Plan:
        """Key every item page in ``docs_dir`` and take the ones the store holds out of the docs
        folder (mkdocs will not build them), writing their built pages under ``kept`` at once (a
        concurrent build may drop them from the store meanwhile); ``blocks`` is the build's sealed
        block store."""
        plan = Plan()
        items = docs_dir / "items"
        if self.db is None or not items.is_dir():
            return plan
        store = BlockStore.read(blocks)
        try:
            for path in sorted(items.glob("*.md")):
                rel = path.relative_to(docs_dir).as_posix()
                h = hashlib.sha1(fingerprint.encode())
                h.update(b"\0" + rel.encode("utf-8") + b"\0" + path.read_bytes() + b"\0" + store.raw(rel))
                key = h.hexdigest()
                try:
                    hit = self.db.execute("SELECT html FROM page WHERE key = ?", (key,)).fetchone()
                    html = zlib.decompress(hit[0]) if hit else None
                except (sqlite3.Error, zlib.error):
                    html = None
                if html is not None:
                    target = kept / (rel[:-3] + ".html")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(html)
                    path.unlink()
                    plan.reused.append((rel, key))
                else:
                    plan.built.append((rel, key))
        finally:
            store.close()
        return plan

    def finish(self, site_dir: Path, plan: Plan, kept: Path) -> None:
        """After mkdocs: move the reused pages from ``kept`` into ``site_dir``, keep the ones it
        built, and drop entries no recent build used."""
        if self.db is None:
            return
        for rel, _ in plan.reused:
            name = rel[:-3] + ".html"
            (site_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(kept / name, site_dir / name)
        try:
            with self.db:
                n = (self.db.execute("SELECT MAX(n) FROM builds").fetchone()[0] or 0) + 1
                self.db.execute("DELETE FROM builds")
                self.db.execute("INSERT INTO builds VALUES (?)", (n,))
                self.db.executemany("UPDATE page SET used = ? WHERE key = ?", [(n, key) for _, key in plan.reused])
                for rel, key in plan.built:
                    html = site_dir / (rel[:-3] + ".html")
                    if html.is_file():
                        self.db.execute("INSERT OR REPLACE INTO page VALUES (?, ?, ?)",
                                        (key, zlib.compress(html.read_bytes(), 6), n))
                self.db.execute("DELETE FROM page WHERE used <= ?", (n - KEEP_BUILDS,))
        except sqlite3.Error:
            pass   # no store is only a slower next build

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

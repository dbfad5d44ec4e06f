"""Shards: the site stage's mkdocs run, split across processes for large ledgers.

MkDocs renders pages one after another, a few milliseconds each, so ten thousand item pages take
a minute on one core. Item pages are independent of one another (they are not in the navigation,
and their links are plain HTML), so each extra process builds a share of them beside stub copies of
the navigation pages, which makes its pages' navigation identical; its item pages and sitemap
entries are then merged into the main build (item pages are not in mkdocs' search: ``search``
indexes them from the data). The result is deterministic: shards are
fixed slices of the sorted item pages, merged in order.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import os
import shutil
from pathlib import Path

import yaml

from site_builder.core import runner

SHARD_MIN_ITEMS = 400   # below this, another process costs more than it saves
MAX_SHARDS = 4


def _quiet() -> None:
    for name in ("mkdocs", "jieba"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import jieba
        jieba.setLogLevel(logging.ERROR)
    except ImportError:  # pragma: no cover - jieba is a pinned dependency
        pass


def run_mkdocs(cfg: dict, config_file: Path) -> None:
    """One plain mkdocs build of ``cfg`` (written to ``config_file`` first)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    _quiet()
    config_file.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build(load_config(config_file=str(config_file)))


def _shard(_, shard: tuple[dict, Path]) -> None:
    run_mkdocs(*shard)


def _nav_pages(nav) -> list[str]:
    out: list[str] = []
    for entry in nav or []:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            out += _nav_pages(value)
        elif isinstance(value, str):
            out.append(value)
    return out


def _shard_docs(cfg: dict, docs_dir: Path, shard_dir: Path, items: list[str]) -> None:
    """A docs folder holding ``items`` (moved there) and stubs of every navigation page."""
    for rel in items:
        target = shard_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(docs_dir / rel, target)
    for rel in _nav_pages(cfg.get("nav")):
        target = shard_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        # guide pages take their titles from their own text; the others' titles are in the nav
        if rel.startswith("help/"):
            shutil.copyfile(docs_dir / rel, target)
        else:
            target.write_text("# -\n", encoding="utf-8")


def build(cfg: dict, staging: Path, workers: int | None = None) -> None:
    """Build ``cfg`` with mkdocs, sharding item pages over ``workers`` processes when worth it."""
    docs_dir, site_dir = Path(cfg["docs_dir"]), Path(cfg["site_dir"])
    items = sorted(p.relative_to(docs_dir).as_posix() for p in (docs_dir / "items").glob("*.md")) \
        if (docs_dir / "items").is_dir() else []
    workers = runner.worker_count(len(items), SHARD_MIN_ITEMS, cap=min(workers or MAX_SHARDS, MAX_SHARDS))
    if workers < 2:
        run_mkdocs(cfg, staging / "mkdocs.yml")
        _canonical_gz(site_dir)
        return
    size = -(-len(items) // workers)
    shards = []
    for k in range(1, workers):
        part = items[k * size:(k + 1) * size]
        if not part:
            continue
        shard_cfg = dict(cfg, docs_dir=str(staging / f"docs-{k}"), site_dir=str(staging / f"site-{k}"))
        _shard_docs(cfg, docs_dir, Path(shard_cfg["docs_dir"]), part)
        shards.append(shard_cfg)
    _quiet()
    import jieba
    jieba.initialize()   # load the dictionary (tens of MB) once, before the fork, so the shards share it
    tasks = [(c, staging / f"mkdocs-{k}.yml") for k, c in enumerate(shards, start=1)]
    with runner.Batch(_shard, tasks, workers=len(tasks)) as others:
        run_mkdocs(cfg, staging / "mkdocs.yml")
        others.results()
    for shard_cfg in shards:
        _merge(Path(shard_cfg["site_dir"]), site_dir)
    _canonical_gz(site_dir)


def _canonical_gz(site_dir: Path) -> None:
    """One gzip header however many processes built the site (mkdocs names the file in it, a merge
    does not), so that a build is byte-identical whatever its shards or its page cache."""
    sitemap = site_dir / "sitemap.xml"
    if sitemap.exists():
        _write_gz(site_dir / "sitemap.xml.gz", sitemap.read_bytes())


def _merge(shard_site: Path, site_dir: Path) -> None:
    """Move a shard's item pages and sitemap entries into the main build."""
    for page in sorted((shard_site / "items").glob("*.html")):
        os.replace(page, site_dir / "items" / page.name)
    # no search entries: item pages are left out of mkdocs' search, ``search`` indexes them from the data
    sitemap = site_dir / "sitemap.xml"
    if sitemap.exists() and (shard_site / "sitemap.xml").exists():
        main_text = sitemap.read_text(encoding="utf-8")
        shard_text = (shard_site / "sitemap.xml").read_text(encoding="utf-8")
        urls = [block for block in shard_text.split("<url>")[1:] if "items/" in block.split("</loc>")[0]]
        entries = "".join("<url>" + block.split("</urlset>")[0] for block in urls)
        merged = main_text.replace("</urlset>", entries + "</urlset>")
        sitemap.write_text(merged, encoding="utf-8")


def _write_gz(path: Path, data: bytes) -> None:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or int(dt.datetime(2000, 1, 1).timestamp())
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=epoch, filename="") as fh:
        fh.write(data)

"""Roll-up stage, site: ``rectify build`` of a roll-up ledger. The members' figures are read (cached
per member commit), the pages rendered, and the site stage's own machinery does the rest: the
staging folder, the block store and hooks, mkdocs-material, the check for external requests and the
atomic swap of the output folder. Two builds of the same lock are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from site_builder.core.messages import translate
from site_builder.core.outputs import plain_label
from site_builder.core.problems import Problem
from site_builder.ledger.load import Ledger
from site_builder.ledger.models import Audience
from site_builder.metrics import resolve_as_of
from site_builder.rollup import downloads
from site_builder.rollup.read import RollupRead, read_members
from site_builder.rollup.render import Pages, site_link
from site_builder.site import hooks as mkdocs_hooks
from site_builder.site import output, search, shards
from site_builder.site.build import (_copy_guide, _source_date, _write_page, base_config, external_references,
                                     print_css)


@dataclass(frozen=True)
class RollupBuild:
    out: Path
    pages: int
    read: RollupRead


def _config(base: dict, org: str, guide: list[str], lang: str, docs_dir: Path, site_dir: Path) -> dict:
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    nav = [{t("rollup.nav_overview"): "index.md"}, {t("rollup.nav_members"): "members.md"},
           {t("rollup.nav_common"): "common.md"}]
    if guide:
        nav.append({t("site.nav_guide"): guide})
    cfg = dict(base)
    theme = dict(cfg.get("theme") or {})
    theme.update(name="material", language="zh" if lang == "zh" else "en", font=False,
                 custom_dir=str(Path(mkdocs_hooks.__file__).with_name("theme")))
    theme.setdefault("features", ["navigation.top", "search.highlight"])
    cfg.update(site_name=plain_label(t("rollup.site_name", organisation=org)), docs_dir=str(docs_dir),
               site_dir=str(site_dir), use_directory_urls=False, theme=theme, nav=nav, not_in_nav="/members/*\n",
               plugins=[{"search": {"lang": "zh" if lang == "zh" else "en", "separator": r"[\s\u200b\-]"}}],
               extra_css=["assets/rectify.css", "assets/rectify-print.css"], extra_javascript=["assets/rectify.js"],
               hooks=[mkdocs_hooks.__file__])
    cfg["extra"] = {**(cfg.get("extra") or {}), "generator": False}
    for key in ("repo_url", "repo_name", "edit_uri", "site_url"):
        cfg.pop(key, None)
    cfg.setdefault("markdown_extensions", ["tables", "admonition", "toc", "attr_list", "md_in_html"])
    return cfg


def member_entries(members) -> list[dict]:
    """Search entries that find a member's page by its name, its organisation or its id typed
    whole: jieba cuts 北县 into 北 / 县, which a search for 北县 would not match. Added to the text
    of the page's own entry (the words kept whole between the search's U+200B separators)."""
    return [{"location": f"members/{quote(m.id)}.html", "title": m.name,
             "text": "\u200b".join(w for w in dict.fromkeys((m.name, m.organisation, m.id)) if w)}
            for m in members]


def _every(members):
    for m in members:
        yield m
        yield from _every(m.children)


def build_rollup_site(ledger: Ledger, ledger_dir: Path, out: Path, *, repo: Path | None = None,
                      as_of: dt.date | None = None, audience: str | None = None, lang: str | None = None,
                      config: Path | None = Path("mkdocs.yml"), docs_src: Path = Path("docs"),
                      use_cache: bool = True) -> tuple[RollupBuild | None, list[Problem]]:
    refused = output.check_output(out, output.protected_folders(Path(ledger.root), repo, docs_src))
    if refused is not None:
        return None, [refused]
    settings = ledger.settings
    day = resolve_as_of(settings, as_of)
    lang = lang or settings.language
    aud = Audience(audience) if audience else settings.audience
    read = read_members(ledger_dir, settings, ledger.members_lock, day, aud == Audience.public, use_cache)
    pages = Pages(settings.organisation, read.members, day, lang).all()
    # a member's own site is the one address the roll-up links out to, by design
    allowed = {url.split("//", 1)[1] for m in _every(read.members) if (url := site_link(m.site))}

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    store = None
    try:
        docs_dir, site_dir = staging / "docs", staging / "site"
        docs_dir.mkdir()
        guide = _copy_guide(docs_src, docs_dir)
        store = mkdocs_hooks.BlockStore(staging)
        written = [_write_page(docs_dir, store, rel, text) for rel, text in pages.items()]
        blocks = store.seal()
        (docs_dir / "downloads").mkdir()
        (docs_dir / "downloads" / "members.csv").write_bytes(downloads.members_csv(read.members, day, lang))
        (docs_dir / "downloads" / "members.xlsx").write_bytes(downloads.members_xlsx(read.members, day, lang))
        (docs_dir / "assets").mkdir(exist_ok=True)
        assets = Path(mkdocs_hooks.__file__).parent / "assets"
        for name in ("rectify.css", "rectify.js"):
            (docs_dir / "assets" / name).write_bytes((assets / name).read_bytes())
        (docs_dir / "assets" / "rectify-print.css").write_text(
            print_css(day, aud, lambda code, **kw: translate(code, lang, **kw)), encoding="utf-8")
        cfg = _config(base_config(config), settings.organisation, guide, lang, docs_dir, site_dir)
        cfg["extra"]["rectify_blocks"] = str(blocks)
        with _source_date(day):
            shards.build(cfg, staging)
        search.add_entries(site_dir, member_entries(read.members))
        leaks = [w for w in external_references(site_dir)
                 if not any(w.split(": //", 1)[-1].startswith(a) for a in allowed) or "members/" not in w]
        if leaks:
            return None, [Problem.at(str(out), None, "site.external_reference", where=w) for w in leaks[:20]]
        output.write_mark(site_dir)
        output.swap(site_dir, out)
        return RollupBuild(out, len(written) + len(guide), read), []
    finally:
        if store is not None:
            store.close()
        shutil.rmtree(staging, ignore_errors=True)

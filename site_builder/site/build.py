"""Site: the last stage of the pipeline. Writes the rendered pages, downloads and the editors' guide
into a staging folder, runs mkdocs-material on it, checks that nothing in the output would reach
outside the site, and only then swaps the new site in for the old one (a failed build leaves the
previous site untouched). Two builds of the same ledger and history are byte-identical.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from site_builder.site import downloads
from site_builder.ledger.audience import Redaction
from site_builder.bulletin.builder import BulletinBuilder
from site_builder.bulletin.pages import bulletin_pages
from site_builder.history.timeline import open_history
from site_builder.ledger.load import Ledger, ParseCache
from site_builder.core.messages import translate
from site_builder.metrics import resolve_as_of
from site_builder.ledger.models import Audience
from site_builder.core.problems import LedgerError, Problem
from site_builder.site import hooks as mkdocs_hooks
from site_builder.site import output
from site_builder.site import pagecache
from site_builder.core import runner
from site_builder.site import search
from site_builder.site import shards
from site_builder.core.outputs import plain_label
from site_builder.site.render import RenderInput, Renderer, split_blocks

#: what, written right before a "//", makes a browser fetch it (a URL elsewhere is only text)
_REQUEST_BEFORE = re.compile(rb"""(?:(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
                             rb"""(?:https?:)?\Z""")
_SLASHES = re.compile(rb"//")


#: rounds listed in the navigation (the latest ones; the rounds page lists them all). The theme
#: renders the whole navigation into every page, so a city's sixty rounds cost more than its pages.
NAV_ROUNDS = 8

#: the editors' guide in reading order; pages not listed follow alphabetically
GUIDE_ORDER = ("help/index.md", "help/guide/index.md", "help/guide/fields.md", "help/guide/states.md",
               "help/guide/errors.md", "help/guide/commands.md")


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int
    seconds_render: float
    seconds_mkdocs: float


def base_config(config_path: Path | None) -> dict:
    if config_path is not None and config_path.exists():
        with config_path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    return {}


def mkdocs_config(base: dict, ledger: Ledger, pages: dict[str, str], guide: list[str], lang: str,
                  docs_dir: Path, site_dir: Path) -> dict:
    """The effective mkdocs configuration: the repository's mkdocs.yml plus what the build requires."""
    t = lambda code, **kw: translate(code, lang, **kw)  # noqa: E731
    org = ledger.settings.organisation if ledger.settings else ""
    rounds = [{plain_label(ledger.rounds[p[7:-3]].name): p} for p in sorted(pages)
              if p.startswith("rounds/") and p != "rounds/index.md"][-NAV_ROUNDS:]
    nav = [{t("site.nav_overview"): "index.md"}, {t("site.nav_alerts"): "alerts.md"},
           {t("site.nav_rounds"): [{t("site.rounds_title"): "rounds/index.md"}, *rounds]},
           {t("site.nav_units"): "units/index.md"}, {t("site.nav_common"): "common.md"},
           {t("site.nav_ranking"): "ranking.md"}]
    if "bulletins/index.md" in pages:
        nav.append({t("site.nav_bulletins"): "bulletins/index.md"})
    nav.append({t("site.nav_downloads"): "downloads/index.md"})
    if guide:
        nav.append({t("site.nav_guide"): guide})
    cfg = dict(base)
    theme = dict(cfg.get("theme") or {})
    theme.update(name="material", language="zh" if lang == "zh" else "en", font=False,
                 custom_dir=str(Path(__file__).with_name("theme")))
    theme.setdefault("features", ["navigation.top", "search.highlight"])
    cfg.update(
        site_name=plain_label(cfg.get("site_name") or t("site.name", organisation=org)),
        docs_dir=str(docs_dir), site_dir=str(site_dir), use_directory_urls=False,
        theme=theme, nav=nav,
        not_in_nav="/items/\n/units/*\n/bulletins/*\n",
        plugins=[{"search": {"lang": "zh" if lang == "zh" else "en", "separator": r"[\s\u200b\-]"}}],
        extra_css=["assets/rectify.css"], extra_javascript=["assets/rectify.js"],
        hooks=[str(Path(__file__).with_name("hooks.py"))],
    )
    extra = dict(cfg.get("extra") or {})
    extra["generator"] = False
    cfg["extra"] = extra
    for key in ("repo_url", "repo_name", "edit_uri", "site_url"):
        cfg.pop(key, None)  # an intranet site calls out to nowhere
    cfg.setdefault("markdown_extensions", ["tables", "admonition", "toc", "attr_list", "md_in_html"])
    return cfg


def _css_string(text: str) -> str:
    """A CSS string literal: backslashes, quotes and line breaks escaped (the office's name is ledger text)."""
    return '"' + "".join(f"\\{ord(ch):x} " if ch in '\\"\n\r' else ch for ch in text) + '"'


def print_css(day: dt.date, audience: Audience, t) -> str:
    """The page boxes of print: every printed page carries the as-of date and the build (internal or
    public) at its head and its number at its foot. A per-build file, because CSS margin boxes cannot
    read the page; Chromium draws them since version 131."""
    build = t("site.build_" + audience.value)
    head = _css_string(t("site.print_head", date=day.isoformat(), build=build))
    before, _, rest = t("site.print_page", page="\0", pages="\1").partition("\0")
    middle, _, after = rest.partition("\1")
    foot = f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) {_css_string(after)}"
    return ("/* Rectification Ledger: what every printed page carries (written by rectify build). */\n"
            "@page { size: A4 portrait; margin: 16mm 12mm 16mm 12mm;\n"
            f"  @top-left {{ content: {head}; font-size: 8pt; color: #333; }}\n"
            f"  @bottom-center {{ content: {foot}; font-size: 8pt; color: #333; }} }}\n")


def external_references(site_dir: Path) -> list[str]:
    """Files in the built site that would make a browser request another host.

    Only the few places with ``//`` are looked at, each with what stands before it: scanning whole
    pages with one pattern took seconds for a city's half a gigabyte of HTML.
    """
    found = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix in (".html", ".css", ".svg") and path.is_file():
            data = path.read_bytes()
            for m in _SLASHES.finditer(data):
                before = data[max(0, m.start() - 200):m.start()].lower()
                if _REQUEST_BEFORE.search(before):
                    snippet = data[m.start():m.end() + 60].split(b'"')[0].decode("utf-8", "replace")
                    found.append(f"{path.relative_to(site_dir)}: {snippet}")
    return found


@contextlib.contextmanager
def _source_date(as_of: dt.date):
    # mkdocs stamps the sitemap with the build date; pin it so two builds are byte-identical
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime(as_of.year, as_of.month, as_of.day,
                                                          tzinfo=dt.timezone.utc).timestamp()))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def _copy_guide(docs_src: Path, docs_dir: Path) -> list[str]:
    if not docs_src.is_dir():
        return []
    target = docs_dir / "help"
    shutil.copytree(docs_src, target)
    pages = sorted(p.relative_to(docs_dir).as_posix() for p in target.rglob("*.md"))
    order = {name: i for i, name in enumerate(GUIDE_ORDER)}
    pages.sort(key=lambda p: (order.get(p, len(order)), p))
    return pages


def build_site(ledger: Ledger, out: Path, *, repo: Path | None = None, ledger_dir: str = "ledger",
               as_of: dt.date | None = None, audience: str | None = None, lang: str | None = None,
               config: Path | None = Path("mkdocs.yml"), docs_src: Path = Path("docs"),
               cache: ParseCache | None = None, extra_pages=None) -> tuple[BuildResult | None, list[Problem]]:
    """Build the site for a validated ``ledger`` into ``out``. Returns (result, problems); an
    ``output.*`` problem means ``out`` is not a folder a build may replace (nothing was done)."""
    import time

    refused = output.check_output(out, output.protected_folders(Path(ledger.root), repo, docs_src))
    if refused is not None:
        return None, [refused]

    settings = ledger.settings
    day = resolve_as_of(settings, as_of)
    lang = lang or (settings.language if settings else "zh")
    aud = Audience(audience) if audience else (settings.audience if settings else Audience.internal)
    # one redaction, by this build's settings, for everything published (past weeks included)
    redaction = Redaction.of(ledger) if aud == Audience.public else None
    shown = redaction.apply(ledger) if redaction else ledger
    hidden = redaction.hidden(ledger) if redaction else frozenset()
    transitions, history_available, history_pages, week = {}, False, {}, (None, None)
    if repo is not None:
        try:
            transitions, history_pages, week = _history_parts(repo, ledger_dir, cache, shown, ledger, day, lang, aud)
            history_available = True
        except LedgerError as exc:
            if any(p.code != "history.not_a_repo" for p in exc.problems):
                return None, exc.problems
    started = time.perf_counter()
    renderer = Renderer(RenderInput(shown, ledger, day, lang, aud == Audience.internal, transitions, history_available,
                                    hidden, week_changes=week[0], week_start=week[1]))

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    store = None
    opened: list[pagecache.PageCache] = []
    try:
        docs_dir, site_dir = staging / "docs", staging / "site"
        docs_dir.mkdir()
        guide = _copy_guide(docs_src, docs_dir)
        store = mkdocs_hooks.BlockStore(staging)
        written = _write_rendered(renderer, docs_dir, store)
        written += [_write_page(docs_dir, store, rel, text) for rel, text in history_pages.items()]
        if extra_pages is not None:
            written += [_write_page(docs_dir, store, rel, text)
                        for rel, text in extra_pages(shown, ledger, day, lang, aud).items()]
        history_pages = None
        blocks = store.seal()
        rendered = time.perf_counter()
        (docs_dir / "assets").mkdir(exist_ok=True)
        for name in ("rectify.css", "rectify.js"):
            (docs_dir / "assets" / name).write_bytes((Path(__file__).parent / "assets" / name).read_bytes())
        (docs_dir / "assets" / "rectify-print.css").write_text(
            print_css(day, aud, lambda code, **kw: translate(code, lang, **kw)), encoding="utf-8")
        (docs_dir / "downloads").mkdir(exist_ok=True)
        public = aud == Audience.public
        (docs_dir / "downloads" / "ledger.json").write_bytes(downloads.ledger_json(shown, public, hidden))
        internal = not public
        (docs_dir / "downloads" / "ledger.xlsx").write_bytes(downloads.workbook_xlsx(shown, lang, day, hidden, internal))
        for name in downloads.TABLES:
            (docs_dir / "downloads" / f"{name}.csv").write_bytes(downloads.table_csv(shown, name, lang, hidden, internal))
        cfg = mkdocs_config(base_config(config), ledger, written, guide, lang, docs_dir, site_dir)
        cfg["extra"]["rectify_blocks"] = str(blocks)     # the hooks open this build's block store
        cfg["extra_css"] = [*cfg["extra_css"], "assets/rectify-print.css"]
        # item pages built before from the same Markdown and configuration come from the page cache
        pages = pagecache.PageCache(cache.path.with_name("pages.sqlite") if cache is not None and cache.path else None)
        opened.append(pages)
        plan = pages.plan(docs_dir, blocks, pagecache.config_fingerprint(cfg), staging / "kept")
        with _source_date(day):
            shards.build(cfg, staging)
        pages.finish(site_dir, plan, staging / "kept")
        search.add_entries(site_dir, search.item_entries(shown, aud == Audience.internal,
                                                         lambda code, **kw: translate(code, lang, **kw), hidden)
                           + search.unit_entries(shown))
        leaks = external_references(site_dir)
        if leaks:
            return None, [Problem.at(str(out), None, "site.external_reference", where=w) for w in leaks[:20]]
        output.write_mark(site_dir)
        output.swap(site_dir, out)
        done = time.perf_counter()
        count = sum(1 for rel in written if rel.endswith(".md"))
        return BuildResult(out, count + len(guide), rendered - started, done - rendered), []
    finally:
        if store is not None:
            store.close()
        for pages in opened:
            pages.close()
        shutil.rmtree(staging, ignore_errors=True)


#: items from which the history is read in a worker process (see ``_history_parts``)
FORK_HISTORY_MIN = 2000


def _history_parts(repo: Path, ledger_dir: str, cache: ParseCache | None, shown: Ledger, ledger: Ledger,
                   day: dt.date, lang: str, aud: Audience) -> tuple[dict, dict[str, str | bytes], tuple]:
    """The items' transitions, the weekly bulletins' pages and this week's changes so far (with its Monday).

    For a large ledger they are made in a worker process: reading a city's main line (200,000
    commits) and its past weeks takes hundreds of megabytes that Python would keep for the rest
    of the build, and the rest of the build (rendering, mkdocs and its workers) then starts from
    a process that never held them. Only the results come back.
    """
    if len(ledger.items) < FORK_HISTORY_MIN or not runner.background():
        return _read_history(repo, ledger_dir, cache, shown, ledger, day, lang, aud)
    if cache is not None:
        cache.save()                     # the worker reads the parses made so far from the store
    job = (repo, ledger_dir, cache, shown, ledger, day, lang, aud)
    return runner.run(_history_worker, [job], workers=1)[0]


def _history_worker(_, job: tuple) -> tuple[dict, dict[str, str | bytes], tuple]:
    repo, ledger_dir, cache, shown, ledger, day, lang, aud = job
    # a SQLite connection must not be used across a fork: the worker opens its own
    own = None if cache is None else cache.reopened()
    parts = _read_history(repo, ledger_dir, own, shown, ledger, day, lang, aud)
    if own is not None:
        own.save()
    return parts


def _read_history(repo: Path, ledger_dir: str, cache: ParseCache | None, shown: Ledger, ledger: Ledger,
                  day: dt.date, lang: str, aud: Audience) -> tuple[dict, dict[str, str | bytes], tuple]:
    with open_history(repo, "HEAD", ledger_dir, cache) as history:
        transitions = history.compute_transitions()
        # the weekly bulletins need the history open: each week reads the ledger as it stood then
        # one builder for the past weeks and the overview's week so far (counted by the bulletin's
        # own rules and redacted alike): the as-of ledgers it holds serve both
        builder = BulletinBuilder(history, ledger.settings, aud.value, Redaction.of(ledger))
        pages = bulletin_pages(history, builder)(shown, ledger, day, lang, aud)
        week = builder.changes_so_far(day)
        return transitions, pages, week


#: item pages from which their rendering is split with a forked process
PARALLEL_RENDER_MIN = 2000

def _render_share(job: tuple, ids: list[str]) -> tuple[list[str], Path, dict[str, tuple[int, int]]]:
    renderer, docs_dir, store = job
    store.open_part()
    written = [_write_page(docs_dir, store, f"items/{iid}.md", renderer.item_page(iid)) for iid in ids]
    part, index = store.written()
    return written, part, index


def _write_rendered(renderer: Renderer, docs_dir: Path, store: mkdocs_hooks.BlockStore) -> list[str]:
    """Render every page and write it as it is made, so that a city's ten thousand pages never sit
    in memory together; a large ledger's item pages are shared with another process (forked: the
    renderer is handed over as it stands; where only spawn exists it is rendered here)."""
    ids = list(renderer.inp.ledger.items)
    if len(ids) < PARALLEL_RENDER_MIN or not runner.background():
        return [_write_page(docs_dir, store, rel, text) for rel, text in renderer.pages()]
    half = len(ids) // 2
    with runner.Batch(_render_share, [ids[half:]], job=(renderer, docs_dir, store), workers=1) as other:
        written = [_write_page(docs_dir, store, rel, text) for rel, text in renderer.pages(items=ids[:half])]
        if not other.parallel:
            written += [_write_page(docs_dir, store, f"items/{iid}.md", renderer.item_page(iid)) for iid in ids[half:]]
            return written
        more, part, index = other.results()[0]
    store.adopt(part, index)
    return written + more


def _write_page(docs_dir: Path, store: mkdocs_hooks.BlockStore, rel: str, text: str | bytes) -> str:
    """Write one page into the docs folder (its HTML blocks into the store, for the hooks); its path."""
    path = docs_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):  # extra files (a .docx, a feed) are written as they are
        path.write_bytes(text)
        return rel
    if rel.endswith(".md"):
        text, blocks = split_blocks(text)
        store.add(rel, blocks)
    path.write_text(text, encoding="utf-8")
    return rel

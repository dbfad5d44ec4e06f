"""The site in a real browser: Debian's Chromium driven headless through Playwright, the built site
served from 127.0.0.1. Pages load without console errors and without a single request to another
host; the battle map and progress curve show; rectify.js sorts and filters; Material's search
finds Chinese words; ledger text full of markup runs no script; the print style hides the chrome.

Chromium comes from the system (``/usr/bin/chromium``; CI installs it with apt-get), never from
``playwright install``. Without it the module is skipped.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
import yaml

from conftest import ITEM_1, ROUND, SETTINGS, UNITS
from site_builder.site.serve import serve
from test_site import EXAMPLE, build, small_repo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (CI does: apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

ROUND_ID = "2023-R2"
ITEM_ID = "2023-R2-001"


def _item(item_id: str = ITEM_ID) -> dict:
    return yaml.safe_load((EXAMPLE / "issues" / item_id[:7] / f"{item_id}.yaml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- serving and browsing



@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def origin(example_site):
    with serve(example_site) as url:
        yield url


class Watched:
    """A fresh browser context whose every request, console error, page error and dialog is recorded.

    Requests to any other origin are recorded *and* aborted, so a leak fails the test instead of
    waiting on the network."""

    def __init__(self, browser, origin: str, **context_options):
        self.origin = origin
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route(lambda url: not self.allowed(url), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", lambda msg: self.errors.append(f"console: {msg.text} ({msg.location.get('url')})")
                     if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def allowed(self, url: str) -> bool:
        return url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))

    def goto(self, path: str, wait_until: str = "load"):
        response = self.page.goto(f"{self.origin}/{path}", wait_until=wait_until)
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.page

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not self.allowed(u)]

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, origin):
    w = Watched(browser, origin)
    yield w
    w.close()


# ---------------------------------------------------------------- 1. pages load cleanly and offline

def test_the_watch_sees_foreign_requests_errors_and_dialogs(browser, tmp_path):
    """The checks below are not vacuous: a page that reaches out, logs an error and opens a dialog is caught."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><img src="http://203.0.113.9/pixel.png"><link rel="stylesheet" href="https://fonts.googleapis.com/css">'
        '<script>console.error("boom"); alert("hi"); fetch("//example.invalid/x").catch(() => {});</script>', encoding="utf-8")
    with serve(tmp_path) as url:
        w = Watched(browser, url)
        try:
            w.goto("index.html")
            w.page.wait_for_timeout(200)
            assert {u.split("/")[2] for u in w.foreign_requests()} >= {"203.0.113.9", "fonts.googleapis.com", "example.invalid"}
            assert any("boom" in e for e in w.errors)
            assert w.dialogs == ["alert: hi"]
        finally:
            w.close()


def _unit_of_item() -> str:
    return _item()["unit"]


PAGES = ["index.html", f"rounds/{ROUND_ID}.html", "units/{unit}.html", f"items/{ITEM_ID}.html", "alerts.html"]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_or_foreign_requests(watched, path):
    path = path.format(unit=_unit_of_item())
    page = watched.goto(path, wait_until="networkidle")
    assert page.locator("article.md-content__inner h1").count() == 1
    # rectify.js ran (it makes every sortable header focusable)
    if page.locator("table.rl-sortable").count():
        assert page.locator("table.rl-sortable th[tabindex='0']").count() > 0
    assert watched.errors == []
    assert watched.foreign_requests() == []
    assert any(u.endswith("/assets/rectify.js") for u in watched.requests)
    assert any("/assets/javascripts/bundle." in u for u in watched.requests)


def test_round_page_shows_battle_map_and_progress_curve(watched):
    page = watched.goto(f"rounds/{ROUND_ID}.html", wait_until="networkidle")
    battle = page.locator("svg.battle-map")
    sync_api.expect(battle).to_be_visible()
    squares = battle.locator("rect[class^='s-']")
    assert squares.count() == 42
    assert squares.first.bounding_box()["width"] > 5
    item_links = battle.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert f"../items/{ITEM_ID}.html" in item_links
    curve = page.locator("svg.progress-curve")
    sync_api.expect(curve).to_be_visible()
    line = curve.locator("polyline.task-line")
    sync_api.expect(line).to_be_visible()
    assert len(line.get_attribute("points").split()) >= 2
    assert watched.errors == [] and watched.foreign_requests() == []


# ---------------------------------------------------------------- 2. rectify.js: filter and sort

def _rows(table) -> list[dict]:
    return table.evaluate("""t => Array.from(t.tBodies[0].rows).map(r => ({
        id: r.cells[0].textContent.trim(), due: r.cells[4].textContent.trim(),
        shown: getComputedStyle(r).display !== 'none'}))""")


def _items_table(page):
    table = page.locator("input.rl-filter-input + table.rl-sortable, div.rl-filter + table.rl-sortable").first
    assert table.count() == 1
    return table


def test_filter_hides_rows_that_do_not_match(watched):
    page = watched.goto(f"rounds/{ROUND_ID}.html")
    table = _items_table(page)
    before = _rows(table)
    assert len(before) == 42 and all(r["shown"] for r in before)
    needle = _item()["title"][:3]
    round_items = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (EXAMPLE / "issues" / ROUND_ID).glob("*.yaml")}
    expected = {i for i, d in round_items.items() if needle in d["title"]}
    assert ITEM_ID in expected and len(expected) < 42
    page.locator("input.rl-filter-input").first.press_sequentially(needle)
    after = _rows(table)
    assert {r["id"] for r in after if r["shown"]} == expected
    page.locator("input.rl-filter-input").first.fill("")
    assert all(r["shown"] for r in _rows(table))


def test_clicking_a_header_sorts_and_sets_aria_sort(watched):
    page = watched.goto(f"rounds/{ROUND_ID}.html")
    table = _items_table(page)
    status_order = "t => Array.from(t.tBodies[0].rows).map(r => Number(r.cells[3].getAttribute('data-sort')))"
    before_ids, before = [r["id"] for r in _rows(table)], table.evaluate(status_order)
    assert len(set(before)) > 1 and before != sorted(before)
    header, other = table.locator("thead th").nth(3), table.locator("thead th").nth(1)
    assert header.get_attribute("aria-sort") is None
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert table.evaluate(status_order) == sorted(before)
    assert [r["id"] for r in _rows(table)] != before_ids
    header.press("Enter")  # the keyboard sorts too
    assert header.get_attribute("aria-sort") == "descending"
    assert table.evaluate(status_order) == sorted(before, reverse=True)
    other.click()
    assert other.get_attribute("aria-sort") == "ascending" and header.get_attribute("aria-sort") is None
    assert table.evaluate("""t => Array.from(t.tBodies[0].rows).map(r => r.cells[1].textContent.trim())
        .every((title, i, all) => i === 0 || all[i - 1].localeCompare(title, 'zh') <= 0)""")
    assert watched.errors == []


@pytest.mark.parametrize("column,name", [(0, "id"), (4, "due")])
def test_sorting_by_id_or_due_date_puts_rows_in_order(watched, column, name):
    """Item ids (2023-R2-001) and dates (2023-08-31) start with digits but are not numbers."""
    page = watched.goto(f"rounds/{ROUND_ID}.html")
    table = _items_table(page)
    values = [r[name] for r in _rows(table)]
    assert len(set(values)) > 1
    header = table.locator("thead th").nth(column)
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert [r[name] for r in _rows(table)] == sorted(values)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert [r[name] for r in _rows(table)] == sorted(values, reverse=True)


# ---------------------------------------------------------------- 3. search finds Chinese words

def test_search_finds_a_chinese_word_of_an_item_title(watched):
    import jieba

    word = next(w for w in jieba.lcut(_item()["title"]) if len(w) == 2)
    page = watched.goto("index.html")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(word)
    hit = page.locator(f".md-search-result__item a[href*='items/{ITEM_ID}.html']").first
    hit.wait_for(state="attached", timeout=20_000)
    assert word in page.locator(".md-search-result__item").first.inner_text() or \
        word in page.locator(".md-search-result").inner_text()
    # the search worker fetched the index from the site itself, and nothing else left the machine
    assert any(u.endswith("/search/search_index.json") for u in watched.requests)
    assert watched.foreign_requests() == []
    assert watched.errors == []


# ---------------------------------------------------------------- 4. ledger text cannot run script

PAYLOADS = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">',
            '[click](javascript:window.__xss=3)', '<a href="javascript:window.__xss=4">x</a>',
            '"><svg onload=window.__xss=5>']
PAYLOAD = " " + " ".join(PAYLOADS)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    """A small valid ledger whose text fields are all script payloads, built into a site."""
    base = tmp_path_factory.mktemp("xss")
    repo = small_repo(base)
    aspect = _q("资金项目管理" + PAYLOAD)
    repo.write("ledger/ledger.yaml", _replace(_replace(SETTINGS, "organisation: 测试县委", "organisation: " + _q("测试县委" + PAYLOAD)),
                                              "office: 测试县巡视巡察整改监督工作办公室", "office: " + _q("监督办" + PAYLOAD)))
    repo.write("ledger/units.yaml", _replace(UNITS, "name: 县农业农村局", "name: " + _q("县农业农村局" + PAYLOAD)))
    rnd = _replace(ROUND, "name: 涉农资金项目管理和防汛救灾提级巡察", "name: " + _q("涉农资金巡察" + PAYLOAD))
    rnd = _replace(rnd, "aspects: [资金项目管理, 防汛救灾]", f"aspects: [{aspect}, 防汛救灾]")
    rnd = _replace(rnd, "aspect: 资金项目管理", "aspect: " + aspect)
    rnd = _replace(rnd, "text: 高标准农田建设项目验收把关不严", "text: " + _q("验收把关不严" + PAYLOAD))
    repo.write("ledger/rounds/2023-R2.yaml", rnd)
    item = _replace(ITEM_1, "aspect: 资金项目管理", "aspect: " + aspect)
    item = _replace(item, "title: 高标准农田建设项目验收不严", "title: " + _q("验收不严" + PAYLOAD) + "\ntags: [" + _q("标签" + PAYLOAD) + "]")
    item = _replace(item, "problem: 2021年以来部分项目未按规定组织竣工验收。", "problem: " + _q("未验收" + PAYLOAD))
    item = _replace(item, "text: 对2021年以来的项目逐一复验", "text: " + _q("逐一复验" + PAYLOAD))
    item = _replace(item, "text: 已成立复验工作组", "text: " + _q("工作组" + PAYLOAD))
    item = _replace(item, "text: 复验完成", "text: " + _q("复验完成" + PAYLOAD))
    repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", item)
    repo.commit("载荷", "2023-08-17T11:00:00+08:00", author="监督办 王某")
    capsys = _NoCapsys()
    code, out, err = build(capsys, repo, base / "site")
    assert code == 0, (out, err)
    return base / "site"


class _NoCapsys:
    """``build`` wants pytest's capsys; a module-scoped fixture cannot have it, and needs no output."""

    def readouterr(self):
        return type("Captured", (), {"out": "", "err": ""})()


def test_ledger_text_runs_no_script_on_any_page(browser, xss_site):
    pages = sorted(p.relative_to(xss_site).as_posix() for p in xss_site.rglob("*.html"))
    assert "items/2023-R2-001.html" in pages and "rounds/2023-R2.html" in pages
    text = (xss_site / "items" / "2023-R2-001.html").read_text(encoding="utf-8")
    assert "验收不严" in text and "window.__xss" in text  # the payloads did reach the site, as text
    failures: dict[str, list[str]] = {}
    with serve(xss_site) as url:
        w = Watched(browser, url)
        try:
            for path in pages:
                page = w.goto(path)
                state = page.evaluate("""async () => {
                    const where = el => {
                        const box = el.closest('title, nav, header, article, footer, head');
                        const place = box ? box.tagName.toLowerCase() + (box.className ? '.' + String(box.className).split(' ')[0] : '') : 'body';
                        return place + ' after "' + (el.parentElement.textContent || '').trim().slice(0, 6) + '"';
                    };
                    const links = Array.from(document.querySelectorAll('a[href]'))
                        .filter(a => a.getAttribute('href').trim().toLowerCase().startsWith('javascript:'));
                    const found = {
                        jsLinks: links.map(where),
                        scripts: Array.from(document.scripts).filter(s => s.textContent.includes('__xss')).map(where),
                        handlers: Array.from(document.querySelectorAll('*')).flatMap(el => Array.from(el.attributes)
                            .filter(a => a.name.toLowerCase().startsWith('on')).map(a => el.tagName + '[' + a.name + '] in ' + where(el))),
                        articleScripts: document.querySelectorAll('article script').length,
                        before: typeof window.__xss === 'undefined' ? null : String(window.__xss),
                    };
                    links.forEach(a => a.click());
                    await new Promise(resolve => setTimeout(resolve, links.length ? 100 : 0));
                    found.after = typeof window.__xss === 'undefined' ? null : String(window.__xss);
                    return found;
                }""")
                found = []
                if state["before"] is not None or state["after"] is not None:
                    found.append(f"window.__xss = {state['before']} on load, {state['after']} after clicking links")
                for key, label in (("jsLinks", "javascript: links"), ("scripts", "<script> from ledger text"),
                                   ("handlers", "event-handler attributes")):
                    if state[key]:
                        found.append(f"{len(state[key])} {label} ({', '.join(sorted(set(state[key])))})")
                if state["articleScripts"]:
                    found.append(f"{state['articleScripts']} <script> in the article")
                if w.errors:
                    found.append(f"{len(w.errors)} console errors ({w.errors[0]})")
                    w.errors.clear()
                if found:
                    failures[path] = found
            dialogs, foreign = list(w.dialogs), w.foreign_requests()
        finally:
            w.close()
    assert dialogs == []
    assert foreign == []
    assert failures == {}, "\n".join(f"{p}: {f}" for p, f in failures.items())


# ---------------------------------------------------------------- 5. print

def test_print_hides_header_and_sidebars(watched):
    page = watched.goto("index.html")
    display = "el => getComputedStyle(el).display"
    assert page.locator(".md-header").evaluate(display) != "none"
    page.emulate_media(media="print")
    assert page.locator(".md-header").evaluate(display) == "none"
    for sidebar in page.locator(".md-sidebar").all():
        assert sidebar.evaluate(display) == "none"
    assert page.locator(".md-content").evaluate(display) != "none"
    assert page.locator("article h1").is_visible()


# ---------------------------------------------------------------- 6. phone

#: one page of every kind the site has (the bulletin page and archive come from the bulletin stage)
EVERY_KIND = ["index.html", f"rounds/{ROUND_ID}.html", "rounds/index.html", "units/index.html", "units/{unit}.html",
              f"items/{ITEM_ID}.html", "alerts.html", "ranking.html", "common.html", "downloads/index.html",
              "bulletins/index.html", "bulletins/2023-W32.html", "help/index.html"]


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_is_wider_than_a_phone_and_ids_keep_to_one_line(browser, origin, width):
    """At 360 and 390 px the document is no wider than the screen on every kind of page; a long
    table scrolls inside its own box, with its first column (the id or the unit) kept in view, and
    an item id never breaks across lines."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    wide, broken, unkept = {}, {}, {}
    try:
        for path in EVERY_KIND:
            path = path.format(unit=_unit_of_item())
            response = page.goto(f"{origin}/{path}", wait_until="load")
            assert response.status == 200, path
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                wide[path] = scroll_width
            # an id link whose box is taller than one line has been broken across lines
            lines = page.evaluate(r"""() => Array.from(document.querySelectorAll('article td a'))
                .filter(a => /^\d{4}-R\d+-\d+$/.test(a.textContent.trim()))
                .filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height >
                             1.6 * parseFloat(getComputedStyle(a).fontSize)).map(a => a.textContent.trim())""")
            if lines:
                broken[path] = lines[:3]
            # a table wider than the screen scrolls in its own box and keeps its first column in view
            unkept_tables = page.evaluate("""() => Array.from(document.querySelectorAll('article table'))
                .filter(t => t.scrollWidth > t.clientWidth + 1)
                .filter(t => getComputedStyle(t.querySelector('td, th')).position !== 'sticky')
                .map(t => t.id || t.className)""")
            if unkept_tables:
                unkept[path] = unkept_tables
    finally:
        context.close()
    assert wide == {}
    assert broken == {}
    assert unkept == {}


# ---------------------------------------------------------------- 7. paper

def test_a_printed_round_page_carries_as_of_date_build_and_page_numbers_on_every_a4_page(watched, tmp_path):
    """Printed to PDF by Chromium, every page of a round page is A4 portrait and says, in its margins,
    the as-of date, that this is the internal build, and its number out of how many."""
    pypdf = pytest.importorskip("pypdf")
    as_of = yaml.safe_load((EXAMPLE / "ledger.yaml").read_text(encoding="utf-8"))["as_of"]
    page = watched.goto(f"rounds/{ROUND_ID}.html", wait_until="networkidle")
    pdf = tmp_path / "round.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pages = pypdf.PdfReader(str(pdf)).pages
    assert len(pages) >= 2  # long enough that "every page" means something
    for n, p in enumerate(pages, 1):
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297), n
        # the PDF's fonts map some characters to radicals (⾄ for 至, ⻚ for 页): NFKC undoes the first kind
        text = unicodedata.normalize("NFKC", p.extract_text()).replace(" ", "").replace("\u2eda", "页")
        assert unicodedata.normalize("NFKC", f"统计截至{as_of.isoformat()}·内部版") in text, (n, text[:80])
        assert unicodedata.normalize("NFKC", f"第{n}页，共{len(pages)}页") in text, (n, text[-80:])
    assert watched.errors == [] and watched.foreign_requests() == []


def test_search_finds_a_unit_by_its_short_name(watched):
    """住建局, what people call 县住房和城乡建设局, finds the unit's page (its units.yaml aliases)."""
    page = watched.goto("index.html")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("住建局")
    page.locator(".md-search-result__item a[href*='units/housing-bureau.html']").first.wait_for(state="attached", timeout=20_000)
    assert watched.errors == [] and watched.foreign_requests() == []


def test_a_warning_badge_opens_the_round_list_filtered_and_the_filters_combine(watched):
    """The overview's yellow badge of round two opens its item list showing exactly the yellow items
    (as many as the badge says); the state filter then narrows it further, and clearing both shows all."""
    page = watched.goto("index.html")
    badge = page.locator(f"a.rl-warn.rl-yellow[href^='rounds/{ROUND_ID}.html']")
    count = int(badge.locator("b").inner_text())
    assert count > 0
    badge.click()
    page.wait_for_load_state("load")
    table = page.locator("table#rl-items")
    shown = lambda: table.evaluate("""t => Array.from(t.tBodies[0].rows).filter(r => getComputedStyle(r).display !== 'none')
        .map(r => [r.dataset.warn, r.dataset.status])""")  # noqa: E731
    rows = shown()
    assert len(rows) == count and {w for w, _ in rows} == {"yellow"}
    status = rows[0][1]
    page.locator("select.rl-filter-select[data-key='status']").select_option(status)
    assert shown() == [r for r in rows if r[1] == status]
    page.locator("select.rl-filter-select[data-key='status']").select_option("")
    page.locator("select.rl-filter-select[data-key='warn']").select_option("")
    assert len(shown()) == 42
    assert watched.errors == [] and watched.foreign_requests() == []

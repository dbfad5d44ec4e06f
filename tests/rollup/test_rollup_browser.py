"""The roll-up site in a real browser (Debian's Chromium, headless, through Playwright; never
``playwright install``), served from 127.0.0.1: every page loads without console errors and without a
request to another host, the members table sorts by a click, no page is wider than a 390 px phone,
and a member's page links to that member's own site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rollup_repos import county, rectify, rollup
from site_builder.site.serve import serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

PAGES = ["index.html", "members.html", "common.html", "members/east.html", "members/west.html", "members/gone.html"]


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    base = tmp_path_factory.mktemp("rollup-browser")
    # completion: west 2 of 3 (66.7%), north 1 of 3 (33.3%), east 1 of 2 (50.0%); gone never read
    county(base / "east", "东县县委", 1, 1, tags={1: ("物资储备",)})
    county(base / "west", "西县县委", 2, 1, tags={3: ("物资储备",)})
    county(base / "north", "北县县委", 1, 2)
    city = rollup(base / "city", "某市市委", [
        {"id": "east", "name": "东县", "level": "county", "repo": "../east", "site": "https://east.example.org/"},
        {"id": "north", "name": "北县", "level": "county", "repo": "../north"},
        {"id": "west", "name": "西县<script>alert(1)</script>", "level": "county", "repo": "../west",
         "site": "https://west.example.org/progress/"},
        {"id": "gone", "name": "南县", "level": "county", "repo": "../nowhere"}])
    assert rectify("members", "update", "ledger", cwd=city.root)[0] == 1
    code, out = rectify("build", "ledger", "--out", str(base / "site"), cwd=city.root)
    assert code == 0, out
    with serve(base / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A browser context recording every request, console error, page error and dialog; requests to
    another host are recorded and aborted, so a leak fails the test instead of waiting on the network."""

    def __init__(self, browser, origin: str, width: int = 1280):
        self.origin, self.requests, self.errors = origin, [], []
        self.context = browser.new_context(viewport={"width": width, "height": 800})
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.route(lambda url: not self.allowed(url), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))

    def allowed(self, url: str) -> bool:
        # the search worker and the downloads may use data: and blob: addresses, which leave nothing
        return url.startswith(self.origin + "/") or url.startswith(("data:", "blob:"))

    def goto(self, path: str):
        response = self.page.goto(f"{self.origin}/{path}", wait_until="load")
        assert response.status == 200, path
        return self.page

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not self.allowed(u)]


@pytest.fixture
def watched(browser, origin):
    w = Watched(browser, origin)
    yield w
    w.context.close()


@pytest.mark.parametrize("path", PAGES)
def test_each_page_loads_without_errors_or_foreign_requests(watched, path):
    page = watched.goto(path)
    assert page.locator("h1").count() == 1
    assert watched.errors == [] and watched.foreign() == []


def _column(page, table, index: int) -> list[str]:
    return table.evaluate(f"t => Array.from(t.tBodies[0].rows).map(r => r.cells[{index}].textContent.trim())")


def test_the_members_table_sorts_by_a_header_click(watched):
    page = watched.goto("members.html")
    table = page.locator("article table").first
    heads = [h.strip() for h in table.locator("thead th").all_text_contents()]
    name, completion = heads.index("成员"), heads.index("完成率")
    assert _column(page, table, name) == ["西县<script>alert(1)</script>", "东县", "北县", "南县"]   # ranked
    assert _column(page, table, completion) == ["66.7%", "50.0%", "33.3%", "—"]
    header = table.locator("thead th").nth(completion)
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    # by completion rate as numbers (not as text), the member not read (no rate) below every rate
    assert _column(page, table, completion) == ["—", "33.3%", "50.0%", "66.7%"]
    header.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    assert _column(page, table, completion) == ["66.7%", "50.0%", "33.3%", "—"]
    assert _column(page, table, name) == ["西县<script>alert(1)</script>", "东县", "北县", "南县"]
    table.locator("thead th").nth(name).click()
    assert _column(page, table, name)[0] != "西县<script>alert(1)</script>"
    assert watched.errors == [] and watched.foreign() == []


@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(browser, origin, path):
    w = Watched(browser, origin, width=390)
    try:
        page = w.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # a table wider than the screen scrolls in its own box with its first column kept in view
        assert page.evaluate("""() => Array.from(document.querySelectorAll('article table'))
            .filter(t => t.scrollWidth > t.clientWidth + 1)
            .filter(t => getComputedStyle(t.querySelector('td, th')).position !== 'sticky').length""") == 0
    finally:
        w.context.close()


def test_member_links_go_to_the_member_page_and_from_there_to_its_own_site(watched):
    page = watched.goto("members.html")
    link = page.locator("article table a", has_text="东县")
    assert link.get_attribute("href") == "members/east.html"
    link.click()
    page.wait_for_url(re.compile(r"/members/east\.html$"))
    own = page.locator("a.rl-member-site")
    assert own.get_attribute("href") == "https://east.example.org/"
    with page.expect_request(lambda r: r.url == "https://east.example.org/"):
        own.click()      # the request goes out to the member's host (and is stopped there by the watch)
    assert watched.foreign() == ["https://east.example.org/"]
    west = watched.goto("members/west.html")
    assert west.locator("a.rl-member-site").get_attribute("href") == "https://west.example.org/progress/"
    # a member with no site given shows that, and no link
    north = watched.goto("members/north.html")
    assert north.locator("a.rl-member-site").count() == 0 and "未登记网站" in north.locator("article").inner_text()


def test_the_downloads_are_served_from_the_site_itself(watched):
    members = watched.goto("members.html")
    for name in ("members.csv", "members.xlsx"):
        href = members.locator(f"a[href='downloads/{name}']").get_attribute("href")
        response = members.request.get(f"{watched.origin}/{href}")
        assert response.status == 200 and len(response.body()) > 100, name
    assert watched.errors == [] and watched.foreign() == []


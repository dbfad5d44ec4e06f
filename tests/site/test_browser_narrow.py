"""The site in headless Chromium, continued: the progress curve redrawn for a phone, and the
bulletin's verdict column kept on one line on screen and on paper (printed to PDF).

Same browser and server as ``test_browser`` (Debian's /usr/bin/chromium through Playwright; the
module is skipped without it)."""

from __future__ import annotations

import unicodedata

import pytest

from gitrepo import Repo
from site_builder.history.replay import replay
from site_builder.site.serve import serve
from test_browser import ROUND_ID, Watched, _NoCapsys, browser, origin  # noqa: F401  (fixtures)
from test_site import EXAMPLE, build

#: A4 portrait less the print style's 12 mm side margins, in CSS pixels (96 a inch)
A4_CONTENT_PX = round((210 - 2 * 12) / 25.4 * 96)
#: a week in which round two is past half its time and ahead on its task: the longest verdict
BULLETIN = "bulletins/2023-W34.html"
LONG_VERDICT = "进度正常（时间过半、任务过半）"

#: every text of the visible curve: its content, rendered height and font size on screen
_CURVE_TEXTS = """svg => { const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Array.from(svg.querySelectorAll('text')).map(t => [t.textContent,
        t.getBoundingClientRect().height, parseFloat(getComputedStyle(t).fontSize) * scale]); }"""


@pytest.fixture
def phone(browser, origin):  # noqa: F811
    w = Watched(browser, origin, is_mobile=True)
    w.page.set_viewport_size({"width": 390, "height": 844})
    yield w
    w.close()


def test_at_390_px_the_curve_is_the_narrow_drawing_with_labels_of_at_least_10_px(phone):
    page = phone.goto(f"rounds/{ROUND_ID}.html", wait_until="networkidle")
    narrow, wide = page.locator("svg.progress-curve-narrow"), page.locator("svg.progress-curve")
    assert narrow.is_visible() and not wide.is_visible()
    box = narrow.bounding_box()
    assert 300 <= box["width"] <= 390 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    texts = narrow.evaluate(_CURVE_TEXTS)
    assert len(texts) >= 6                               # ticks, both dates, both legend entries
    small = [(text, round(size, 1)) for text, height, size in texts if size < 10 or height < 10]
    assert small == []
    assert len(narrow.locator("polyline.task-line").get_attribute("points").split()) >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the wide drawing at this width would have had labels too small: the check tells them apart
    assert 11 * box["width"] / 640 < 10
    assert phone.errors == [] and phone.foreign_requests() == []


def test_at_1280_px_and_on_paper_the_curve_is_the_wide_drawing(browser, origin):  # noqa: F811
    w = Watched(browser, origin)
    try:
        page = w.goto(f"rounds/{ROUND_ID}.html", wait_until="networkidle")
        assert page.locator("svg.progress-curve").is_visible()
        assert not page.locator("svg.progress-curve-narrow").is_visible()
        page.set_viewport_size({"width": 390, "height": 800})
        page.emulate_media(media="print")                 # paper is not a phone, whatever the window
        assert page.locator("svg.progress-curve").is_visible()
        assert not page.locator("svg.progress-curve-narrow").is_visible()
    finally:
        w.close()


def _verdict_lines(page) -> list[tuple[str, int]]:
    """Each verdict cell (and, last, its header) of the bulletin's round table, with the number of lines
    its text takes (distinct tops of the text's boxes)."""
    return page.evaluate("""() => {
        const cells = Array.from(document.querySelectorAll('#rl-bulletin-rounds td[data-figure="verdict"]'));
        cells.push(document.querySelector('#rl-bulletin-rounds tr:first-child > :last-child'));
        return cells.map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
            return [cell.textContent.trim(), tops.size];
        });
    }""")


@pytest.fixture(scope="module")
def late_origin(tmp_path_factory):
    """The example replayed, its figures frozen ten days later (2023-08-28), built and served."""
    base = tmp_path_factory.mktemp("late")
    replay(EXAMPLE, base / "repo")
    repo = Repo(base / "repo")
    text = (base / "repo" / "ledger" / "ledger.yaml").read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("as_of:"))
    repo.edit("ledger/ledger.yaml", old, "as_of: 2023-08-28")
    repo.commit("统计截止日", "2023-08-21T10:00:00+08:00", author="监督办 王某")
    code, out, err = build(_NoCapsys(), repo, base / "site")
    assert code == 0, (out, err)
    with serve(base / "site") as url:
        yield url


def test_the_bulletin_verdict_stays_on_one_line_on_screen_and_printed(browser, late_origin, tmp_path):  # noqa: F811
    pypdf = pytest.importorskip("pypdf")
    w = Watched(browser, late_origin)
    try:
        page = w.goto(BULLETIN, wait_until="networkidle")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            lines = _verdict_lines(page)
            assert len(lines) >= 2 and all(n == 1 for _, n in lines), (width, lines)
        # paper: laid out at the width of A4's printable area, in print emulation
        page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1100})
        page.emulate_media(media="print")
        lines = _verdict_lines(page)
        assert LONG_VERDICT in [v for v, _ in lines]
        assert len(lines) >= 2 and all(n == 1 for _, n in lines), lines
        # the short headers beside it are not squeezed to a character or two a line either
        headers = page.evaluate("""() => Array.from(document.querySelectorAll('#rl-bulletin-rounds tr:first-child > *'))
            .slice(1).map(th => { const r = document.createRange(); r.selectNodeContents(th);
                return [th.textContent, new Set(Array.from(r.getClientRects()).map(b => Math.round(b.top))).size]; })""")
        assert all(n == 1 for _, n in headers), headers
        height = page.locator('#rl-bulletin-rounds td[data-figure="verdict"]').first.evaluate(
            "td => [td.getBoundingClientRect().height, parseFloat(getComputedStyle(td).lineHeight) || "
            "1.6 * parseFloat(getComputedStyle(td).fontSize)]")
        assert height[0] < 2.2 * height[1], height          # one line and its padding, not a column of characters
        pdf = tmp_path / "bulletin.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        text = "".join(unicodedata.normalize("NFKC", p.extract_text()) for p in pypdf.PdfReader(str(pdf)).pages)
        for verdict, _ in lines[:-1]:
            # on one line the PDF's text keeps the verdict whole; wrapped, line breaks cut it up
            assert unicodedata.normalize("NFKC", verdict) in text.replace(" ", ""), verdict
    finally:
        w.close()


def test_no_table_column_is_squeezed_to_a_few_characters_at_390_px(phone):
    """No cell's text breaks into lines of three characters or fewer at 390 px, so that no title,
    unit, date or reason reads two characters a line (the table scrolls in its box instead)."""
    from test_browser import EVERY_KIND, _unit_of_item
    squeezed = {}
    for path in EVERY_KIND:
        path = path.format(unit=_unit_of_item())
        page = phone.goto(path)
        cells = page.evaluate("""() => Array.from(document.querySelectorAll('article table td, article table th'))
            .map(c => { const text = c.innerText.replace(/\\s+/g, ''); const tops = new Set();
                const walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
                for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                    const r = document.createRange(); r.selectNodeContents(n);
                    for (const b of r.getClientRects()) if (b.width > 0) tops.add(Math.round(b.top));
                }
                return [text.slice(0, 12), tops.size, text.length / Math.max(tops.size, 1)]; })
            .filter(([text, lines, perLine]) => lines >= 2 && perLine <= 3.5)""")
        if cells:
            squeezed[path] = cells[:4]
    assert squeezed == {}, "\n".join(f"{p}: {c}" for p, c in squeezed.items())

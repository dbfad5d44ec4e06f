"""Full-page screenshots of a built site, for a reviewer's eyes (a tool, outside the pipeline).

    .venv/bin/python tools/screenshots.py [SITE_DIR] [OUT_DIR]      (defaults: site, build/screenshots)
    make screenshots                                                (builds the example site first)

Serves SITE_DIR on 127.0.0.1 (a free port, only for the run), opens it in Debian's headless Chromium
(/usr/bin/chromium, driven by Playwright; nothing is downloaded) and saves a PNG of every kind of
page — overview, round, unit, item, alerts, ranking, common problems, downloads, the latest weekly
bulletin and the bulletins' archive, the editors' guide — at a phone's 390 px and a desk's 1280 px
(``<kind>-<width>.png``), then prints a round page to PDF (``round-print.pdf``, A4 as the print
style sets it) with a PNG of the same layout (``round-print.png``: print emulation at the width of
A4's printable area). A page wider than its screen is reported. Requests to any other host are
blocked and reported. Chinese needs a CJK font: without one (Debian: apt-get install
fonts-noto-cjk) the text shows as boxes, and the script says so.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from site_builder.site.serve import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (390, 1280)
#: A4 portrait less the print style's 12 mm side margins, in CSS pixels
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)




def has_cjk_font() -> bool | None:
    """True/False when fontconfig can tell, None when fc-list is not there."""
    if not shutil.which("fc-list"):
        return None
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return bool(out.strip())


def pick(site: Path, folder: str, prefer: str | None = None) -> str | None:
    pages = sorted(p.name for p in (site / folder).glob("*.html") if p.name != "index.html")
    if not pages:
        return None
    if prefer and prefer in pages:
        return f"{folder}/{prefer}"
    return f"{folder}/{pages[-1] if folder == 'rounds' else pages[0]}"


def targets(site: Path) -> list[tuple[str, str]]:
    """(kind, path) of one page of every kind the site has, as far as this site has them."""
    bulletins = sorted(p.name for p in (site / "bulletins").glob("????-W??.html")) if (site / "bulletins").is_dir() else []
    chosen = [("overview", "index.html"), ("round", pick(site, "rounds", "2023-R2.html")),
              ("rounds", "rounds/index.html"), ("unit", pick(site, "units", "rural-revit.html")),
              ("units", "units/index.html"), ("item", pick(site, "items", "2023-R2-001.html")),
              ("alerts", "alerts.html"), ("ranking", "ranking.html"), ("common", "common.html"),
              ("downloads", "downloads/index.html"),
              ("bulletin", f"bulletins/{bulletins[-1]}" if bulletins else None), ("bulletins", "bulletins/index.html"),
              ("guide", "help/index.html")]
    return [(name, path) for name, path in chosen if path and (site / path).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Full-page screenshots of a built Rectification Ledger site.")
    parser.add_argument("site", nargs="?", default="site", help="the built site (default: site)")
    parser.add_argument("out", nargs="?", default="build/screenshots", help="where the PNGs go (default: build/screenshots)")
    args = parser.parse_args(argv)
    site, out = Path(args.site).resolve(), Path(args.out)
    if not (site / "index.html").is_file():
        print(f"{site} has no index.html: build the site first (make site).", file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("The playwright Python package is missing: .venv/bin/pip install -e '.[test]'", file=sys.stderr)
        return 2
    cjk = has_cjk_font()
    if cjk is False:
        print("No Chinese font found (fc-list :lang=zh is empty): Chinese will show as boxes. "
              "Install one, e.g. apt-get install fonts-noto-cjk", file=sys.stderr)
    elif cjk is None:
        print("fc-list not found; cannot tell whether a Chinese font is installed "
              "(if the screenshots show boxes: apt-get install fonts-noto-cjk)", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    foreign: list[str] = []
    problems: list[str] = []
    saved: list[Path] = []
    with serve(site) as origin, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": WIDTHS[-1], "height": 900}, locale="zh-CN")
            context.route(lambda url: not url.startswith((origin + "/", "data:", "blob:")),
                          lambda route: (foreign.append(route.request.url), route.abort()))
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            pages = targets(site)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
                for name, path in pages:
                    page.goto(f"{origin}/{path}", wait_until="networkidle")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > width:
                        problems.append(f"{path} at {width} px is {wide} px wide")
                    target = out / f"{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                    print(f"{target}  ←  {path}")
            rounds = [path for name, path in pages if name == "round"]
            if rounds:
                page.goto(f"{origin}/{rounds[0]}", wait_until="networkidle")
                pdf = out / "round-print.pdf"
                page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
                page.emulate_media(media="print")
                page.set_viewport_size({"width": PRINT_WIDTH, "height": 1100})
                page.screenshot(path=str(out / "round-print.png"), full_page=True)
                saved += [pdf, out / "round-print.png"]
                print(f"{pdf}, {out / 'round-print.png'}  ←  {rounds[0]} (print)")
        finally:
            browser.close()
    for line in problems:
        print(line, file=sys.stderr)
    if foreign:
        print(f"blocked requests to other hosts: {sorted(set(foreign))}", file=sys.stderr)
    return 1 if foreign or not saved else 0


if __name__ == "__main__":
    sys.exit(main())

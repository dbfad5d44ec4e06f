"""MkDocs hooks of the site stage: put the pre-rendered HTML of each page back after Markdown ran.

Our pages are HTML (tables, charts, timelines) under a few Markdown headings. Python-Markdown parses
raw HTML slowly, so ``render`` leaves only the headings and ``<!--rl:N-->`` markers in the Markdown;
``site`` writes each page's HTML blocks to a file of their own under ``BLOCKS_DIR`` and these hooks
swap them in. Blocks the search reads go in before the theme and the search index see the page;
the rest go in after (the search is spared parsing them, and mkdocs, which keeps every page's
content in memory until the whole site is written, holds only the markers).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BLOCKS_DIR: Path | None = None
_MARKER = re.compile(r"<!--rl:(\d+)-->")
_LATE = re.compile(r"<!--rl-late:(\d+)-->")


def write_blocks(blocks_dir: Path, rel: str, blocks: list[str]) -> None:
    """Keep the HTML blocks of page ``rel`` (a docs-relative Markdown path) for the hooks."""
    if not blocks:
        return
    path = blocks_dir / (rel + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(blocks, ensure_ascii=False), encoding="utf-8")


def _blocks(page) -> list[str]:
    # mkdocs loads this file under its own module name; the folder is set on the package's module
    from site_builder import mkdocs_hooks as shared
    if shared.BLOCKS_DIR is None:
        return []
    path = shared.BLOCKS_DIR / (page.file.src_uri + ".json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def _early(blocks: list[str], match: re.Match, all_late: bool) -> str:
    block = blocks[int(match.group(1))]
    # Blocks the search leaves out anyway (long item lists, charts, timelines) go in after the
    # search plugin has read the page.
    if all_late or "data-search-exclude" in block[:200]:
        return f"<!--rl-late:{match.group(1)}-->"
    return block


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs' hook signature
    if "<!--rl:" not in html:
        return html
    blocks = _blocks(page)
    # a page the search skips (an item page, indexed from the data by ``search``) takes all its
    # blocks late
    all_late = bool((page.meta.get("search") or {}).get("exclude"))
    return _MARKER.sub(lambda m: _early(blocks, m, all_late), html) if blocks else html


def on_post_page(output: str, page, config) -> str:  # noqa: ARG001 - mkdocs' hook signature
    if "<!--rl-late:" not in output:
        return output
    blocks = _blocks(page)
    return _LATE.sub(lambda m: blocks[int(m.group(1))], output) if blocks else output

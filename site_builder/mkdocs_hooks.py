"""MkDocs hooks of the site stage: put the pre-rendered HTML of each page back after Markdown ran.

Our pages are HTML (tables, charts, timelines) under a few Markdown headings. Python-Markdown parses
raw HTML slowly, so ``render`` leaves only the headings and ``<!--rl:N-->`` markers in the Markdown
and keeps the HTML blocks in ``BLOCKS``; this hook swaps them in before the theme and the search
index see the page. ``site`` fills ``BLOCKS`` in the same process right before it runs mkdocs.
"""

from __future__ import annotations

import re

BLOCKS: dict[str, list[str]] = {}
_MARKER = re.compile(r"<!--rl:(\d+)-->")
_LATE = re.compile(r"<!--rl-late:(\d+)-->")


def _blocks(page) -> list[str]:
    # mkdocs loads this file under its own module name; the blocks live in the package's module
    from site_builder import mkdocs_hooks as shared
    return shared.BLOCKS.get(page.file.src_uri) or []


def _early(blocks: list[str], match: re.Match) -> str:
    block = blocks[int(match.group(1))]
    # Blocks the search leaves out anyway (long item lists, charts, timelines) go in after the
    # search plugin has read the page, which spares it parsing them.
    if "data-search-exclude" in block[:200]:
        return f"<!--rl-late:{match.group(1)}-->"
    return block


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs' hook signature
    blocks = _blocks(page)
    return _MARKER.sub(lambda m: _early(blocks, m), html) if blocks else html


def on_post_page(output: str, page, config) -> str:  # noqa: ARG001 - mkdocs' hook signature
    blocks = _blocks(page)
    return _LATE.sub(lambda m: blocks[int(m.group(1))], output) if blocks else output

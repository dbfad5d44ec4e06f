"""MkDocs hooks of the site stage: put the pre-rendered HTML of each page back after Markdown ran.

Our pages are HTML (tables, charts, timelines) under a few Markdown headings. Python-Markdown parses
raw HTML slowly, so ``render`` leaves only the headings and ``<!--rl:N-->`` markers in the Markdown;
``site`` keeps each page's HTML blocks in a ``BlockStore`` on disk and these hooks swap them in;
the build names the store's index in its configuration (``extra.rectify_blocks``), so every mkdocs
process, in any worker, opens the store of the build it runs and nothing passes through a global. Blocks the search reads go in before the theme and the search index see the page;
the rest go in after (the search is spared parsing them, and mkdocs, which keeps every page's
content in memory until the whole site is written, holds only the markers).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

_MARKER = re.compile(r"<!--rl:(\d+)-->")
_LATE = re.compile(r"<!--rl-late:(\d+)-->")


class BlockStore:
    """Every page's HTML blocks in a few files (one per writing process), with an index in memory:
    ten thousand small files cost more to create, read and delete than the pages they serve. Reads
    use ``pread``, so forked shard processes share the descriptors without sharing a position."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.index: dict[str, tuple[int, int, int]] = {}    # page → (part, offset, length)
        self.parts: list[Path] = []
        self._fh = None
        self._part = -1          # the part this process writes to
        self._fds: list[int] = []

    def open_part(self) -> None:
        """Start writing a new part file (each process that writes blocks writes its own)."""
        if self._fh is not None:
            self._fh.close()
        self.parts.append(self.folder / f"blocks-{os.getpid()}-{len(self.parts)}.dat")
        # unbuffered: one write per page anyway, and a forked worker inherits no pending bytes
        self._fh = self.parts[-1].open("wb", buffering=0)
        self._part = len(self.parts) - 1

    def add(self, rel: str, blocks: list[str]) -> None:
        if blocks:
            if self._fh is None:
                self.open_part()
            data = json.dumps(blocks, ensure_ascii=False).encode("utf-8")
            self.index[rel] = (self._part, self._fh.tell(), len(data))
            self._fh.write(data)

    def written(self) -> tuple[Path, dict[str, tuple[int, int]]]:
        """This process's part and what it holds (sent back by a worker)."""
        self._fh.close()
        self._fh = None
        return self.parts[self._part], {rel: (off, n) for rel, (part, off, n) in self.index.items() if part == self._part}

    def adopt(self, part: Path, index: dict[str, tuple[int, int]]) -> None:
        """Take in the part a worker wrote."""
        self.parts.append(part)
        self.index.update({rel: (len(self.parts) - 1, off, n) for rel, (off, n) in index.items()})

    def seal(self) -> Path:
        """Done writing: the index is written beside the parts; its path (for ``read``)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        path = self.folder / "blocks-index.json"
        path.write_text(json.dumps({"parts": [str(p) for p in self.parts], "index": self.index},
                                   ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def read(cls, index_path: str | Path) -> "BlockStore":
        """A sealed store opened for reading."""
        data = json.loads(Path(index_path).read_text(encoding="utf-8"))
        store = cls(Path(index_path).parent)
        store.parts = [Path(p) for p in data["parts"]]
        store.index = {rel: tuple(v) for rel, v in data["index"].items()}
        store._fds = [os.open(p, os.O_RDONLY | getattr(os, "O_BINARY", 0)) for p in store.parts]
        return store

    def raw(self, rel: str) -> bytes:
        """A page's blocks as stored (empty when it has none): what they are, for a key."""
        where = self.index.get(rel)
        if where is None or not self._fds:
            return b""
        part, offset, length = where
        return _pread(self._fds[part], length, offset)

    def get(self, rel: str) -> list[str]:
        where = self.index.get(rel)
        if where is None or not self._fds:
            return []
        part, offset, length = where
        return json.loads(_pread(self._fds[part], length, offset).decode("utf-8"))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def _pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)   # Windows has no pread; each process reads alone
    return os.read(fd, length)


def on_config(config):
    where = (config.get("extra") or {}).get("rectify_blocks")
    if where:
        config["extra"]["rectify_store"] = BlockStore.read(where)
    return config


def on_post_build(config) -> None:
    store = (config.get("extra") or {}).pop("rectify_store", None)
    if store is not None:
        store.close()


def _blocks(page, config) -> list[str]:
    store = (config.get("extra") or {}).get("rectify_store")
    return store.get(page.file.src_uri) if store is not None else []


def _early(blocks: list[str], match: re.Match) -> str:
    block = blocks[int(match.group(1))]
    # Blocks the search leaves out anyway (long item lists, charts, timelines) go in after the
    # search plugin has read the page.
    if "data-search-exclude" in block[:200]:
        return f"<!--rl-late:{match.group(1)}-->"
    return block


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs' hook signature
    if "<!--rl:" not in html:
        return html
    if (page.meta.get("search") or {}).get("exclude"):
        # a page the search skips (an item page, indexed from the data by ``search``) takes all its
        # blocks late, so they are read once, then
        return _MARKER.sub(r"<!--rl-late:\1-->", html)
    blocks = _blocks(page, config)
    return _MARKER.sub(lambda m: _early(blocks, m), html) if blocks else html


def on_post_page(output: str, page, config) -> str:  # noqa: ARG001 - mkdocs' hook signature
    if "<!--rl-late:" not in output:
        return output
    blocks = _blocks(page, config)
    return _LATE.sub(lambda m: blocks[int(m.group(1))], output) if blocks else output

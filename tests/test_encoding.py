"""Windows opens text files in the locale's code page (GBK on a Chinese Windows) unless told
otherwise, so every text-mode open in the package names its encoding. This scans the source
rather than trusting a grep: a call split over lines or a mode in a variable is still seen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_builder"

#: methods that open or decode text and take ``encoding=``
TEXT_METHODS = {"read_text", "write_text"}
#: receivers whose ``.open`` is not a file open (os.open is a descriptor; an archive's members are
#: bytes; classes have their own)
NOT_FILE_OPEN = {"os", "archive"}


def _mode(call: ast.Call, position: int) -> str | None:
    """The mode string of an open call, "r" when absent, None when it is not a literal."""
    for kw in call.keywords:
        if kw.arg == "mode":
            return kw.value.value if isinstance(kw.value, ast.Constant) else None
    if len(call.args) > position:
        arg = call.args[position]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
    return "r"


def _has_encoding(call: ast.Call) -> bool:
    return any(kw.arg == "encoding" for kw in call.keywords) or any(kw.arg is None for kw in call.keywords)


def text_opens_without_encoding(source: str, filename: str = "<test>") -> list[str]:
    """``file:line call`` for every text-mode open, read_text, write_text, os.fdopen and
    text subprocess call that names no encoding."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        receiver = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
        position = None
        if name == "open" and isinstance(func, ast.Name):
            position = 1                          # open(file, mode)
        elif name == "open" and receiver not in NOT_FILE_OPEN and not (receiver or "x")[0].isupper():
            position = 0                          # path.open(mode); Workspace.open(...) is a constructor
        elif name == "fdopen" and receiver == "os":
            position = 1
        elif name in TEXT_METHODS:
            if not _has_encoding(node):
                found.append(f"{filename}:{node.lineno} {name}")
            continue
        elif any(kw.arg in ("text", "universal_newlines") and isinstance(kw.value, ast.Constant)
                 and kw.value.value is True for kw in node.keywords):
            # subprocess.run(..., text=True) and wrappers that pass text=True on to it
            if not _has_encoding(node):
                found.append(f"{filename}:{node.lineno} {name}(text=True)")
            continue
        if position is None:
            continue
        mode = _mode(node, position)
        if mode is not None and "b" in mode:
            continue
        if not _has_encoding(node):
            found.append(f"{filename}:{node.lineno} {name}")
    return found


def test_the_scanner_sees_what_a_grep_would_miss():
    source = (
        "import os, subprocess\n"
        "from pathlib import Path\n"
        "open('a')\n"                                   # 3: default mode is text
        "open('a', 'rb')\n"
        "open('a', 'w',\n      newline='')\n"           # 5: split over lines
        "Path('a').read_text()\n"                       # 7
        "Path('a').write_text('x', encoding='utf-8')\n"
        "Path('a').open('wb')\n"
        "Path('a').open()\n"                            # 10
        "os.open('a', os.O_RDONLY)\n"
        "os.fdopen(3, 'w')\n"                           # 12
        "os.fdopen(3, 'wb')\n"
        "subprocess.run(['git'], text=True)\n"          # 14
        "subprocess.run(['git'], capture_output=True)\n"
        "subprocess.run(['git'], text=True, encoding='utf-8')\n"
        "open('a', mode='a', encoding='utf-8')\n"
        "_run_git(cwd, args, text=True)\n"             # 18: a wrapper of subprocess.run
    )
    assert text_opens_without_encoding(source) == [
        "<test>:3 open", "<test>:5 open", "<test>:7 read_text", "<test>:10 open", "<test>:12 fdopen",
        "<test>:14 run(text=True)", "<test>:18 _run_git(text=True)"]


def test_every_text_open_in_the_package_names_its_encoding():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += text_opens_without_encoding(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert found == []

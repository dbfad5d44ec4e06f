"""The editors' guide (docs/) against the code it describes.

The guide is hand-written Markdown, so these tests keep it honest: every field and enum value of the
models is documented (and nothing else), every command and option of ``rectify`` is documented (and
nothing else), every worked example is a valid ledger file and the worked sequence passes the gate
commit by commit, every error example shows exactly what ``rectify validate`` or ``rectify check``
prints, and the pages link to nothing outside the site (it must work offline).

After changing a message, ``python tests/test_docs.py`` rewrites the outputs shown in errors.md.
"""

from __future__ import annotations

import argparse
import enum
import json
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from conftest import write
from site_builder.ledger import models
from site_builder.cli.main import build_parser, main
from site_builder.ledger.load import load_ledger
from site_builder.ledger.models import FILE_KINDS
from site_builder.ledger.validate import validate

DOCS = Path(__file__).resolve().parent.parent / "docs"
GUIDE = DOCS / "guide"
TODAY = "2023-08-18"  # the fixture's as_of: every example's dates are on or before it

#: external URLs the pages may contain; keep it empty (the site must work offline)
URL_ALLOW_LIST: set[str] = set()

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_HTML_COMMENT = re.compile(r"<!--\s*([\w-]+):\s*(.*?)\s*-->", re.S)


def read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def fences(text: str, lang: str | None = None) -> list[tuple[int, str, str]]:
    """``(offset, language, body)`` of every fenced code block, optionally of one language."""
    return [(m.start(), m.group(1), m.group(2)) for m in _FENCE.finditer(text)
            if lang is None or m.group(1) == lang]


def markers(text: str, name: str) -> list[tuple[int, str]]:
    """``(offset just after the comment, argument)`` of every ``<!-- name: argument -->``."""
    return [(m.end(), m.group(2)) for m in _HTML_COMMENT.finditer(text) if m.group(1) == name]


def nested_models(annotation: typing.Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in nested_models(arg)]


def enums_in(annotation: typing.Any) -> list[type[enum.Enum]]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [annotation]
    return [e for arg in typing.get_args(annotation) for e in enums_in(arg)]


def all_models() -> list[type[BaseModel]]:
    """Every model reachable from FILE_KINDS, nested ones included, in discovery order."""
    found: list[type[BaseModel]] = []
    todo = [model for model, _, _ in FILE_KINDS.values()]
    while todo:
        model = todo.pop(0)
        if model in found:
            continue
        found.append(model)
        for info in model.model_fields.values():
            todo.extend(nested_models(info.annotation))
    return found


def all_enums() -> list[type[enum.Enum]]:
    out: list[type[enum.Enum]] = []
    for model in all_models():
        for info in model.model_fields.values():
            out.extend(e for e in enums_in(info.annotation) if e not in out)
    return out


def section(text: str, start: int) -> str:
    """The text from ``start`` up to the next model/enum marker or heading."""
    end = len(text)
    for pattern in (r"<!--\s*(model|enum):", r"^#{1,6} "):
        m = re.compile(pattern, re.M).search(text, start)
        if m:
            end = min(end, m.start())
    return text[start:end]


def table_keys(block: str) -> list[str]:
    """The backticked first cell of every table row: ``| `name` | …``."""
    return re.findall(r"^\|\s*`([^`]+)`\s*\|", block, re.M)


def run_validate(ledger: Path, capsys) -> tuple[int, list[str]]:
    """``rectify validate`` as a user runs it next to the ledger folder: (exit code, output lines)."""
    import os
    cwd = os.getcwd()
    os.chdir(ledger.parent)
    try:
        capsys.readouterr()
        code = main(["validate", ledger.name, "--no-cache", "--today", TODAY, "--lang", "zh", "--format", "text"])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr()
    return code, (out.out + out.err).splitlines()


def _today():
    import datetime as dt
    return dt.date.fromisoformat(TODAY)


def _fixture_files() -> list[tuple[str, str]]:
    import conftest
    return [("ledger.yaml", conftest.SETTINGS), ("units.yaml", conftest.UNITS), ("rounds/2023-R2.yaml", conftest.ROUND),
            ("issues/2023-R2/2023-R2-001.yaml", conftest.ITEM_1), ("issues/2023-R2/2023-R2-002.yaml", conftest.ITEM_2)]


def fixture_ledger(root: Path) -> Path:
    """The conftest ledger (the ``ledger_dir`` fixture) written into ``root``."""
    for rel, body in _fixture_files():
        write(root, rel, body)
    return root


def fixture_repo(root: Path, when: str):
    """A git repository whose ``main`` holds the conftest ledger, committed by 监督办 at ``when``,
    with a branch checked out on which a test commits its changes."""
    from gitrepo import Repo
    repo = Repo(root)
    for rel, body in _fixture_files():
        repo.write("ledger/" + rel, body)
    repo.commit("台账", when, author="监督办 王某")
    repo.git("checkout", "-q", "-b", "change")
    return repo


def run_check(repo) -> tuple[int, list[str]]:
    """``rectify check --base main`` run in the repository: (exit code, output lines)."""
    import contextlib
    import io
    import os
    buf, cwd = io.StringIO(), os.getcwd()
    os.chdir(repo.root)
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            code = main(["check", "--base", "main", "--no-cache", "--lang", "zh", "--format", "text"])
    finally:
        os.chdir(cwd)
    return code, buf.getvalue().splitlines()


# ---------------------------------------------------------------- (1) and (2): fields.md

def test_models_are_discovered():
    names = {m.__name__ for m in all_models()}
    assert {"Item", "Measure", "Verification", "Withdrawal", "Thresholds", "Unit", "Action"} <= names


def test_every_field_is_in_fields_page():
    text = read("guide/fields.md")
    missing = [f"{model.__name__}.{name}" for model in all_models() for name in model.model_fields
               if f"`{name}`" not in text]
    assert not missing, f"fields not documented in docs/guide/fields.md: {missing}"


def test_every_model_has_its_own_table_with_exactly_its_fields():
    text = read("guide/fields.md")
    sections = {arg: section(text, end) for end, arg in markers(text, "model")}
    for model in all_models():
        assert model.__name__ in sections, f"no <!-- model: {model.__name__} --> table in fields.md"
        documented = table_keys(sections[model.__name__])
        assert documented == list(model.model_fields), (
            f"{model.__name__}: table rows {documented} != model fields {list(model.model_fields)}")
    assert set(sections) == {m.__name__ for m in all_models()}, "fields.md documents a model that no longer exists"


def test_every_enum_value_is_in_fields_page():
    text = read("guide/fields.md")
    missing = [f"{e.__name__}.{v.value}" for e in all_enums() for v in e if f"`{v.value}`" not in text]
    assert not missing, f"enum values not documented in docs/guide/fields.md: {missing}"


def test_every_enum_has_its_own_table_with_exactly_its_values():
    text = read("guide/fields.md")
    sections = {arg: section(text, end) for end, arg in markers(text, "enum")}
    for e in all_enums():
        assert e.__name__ in sections, f"no <!-- enum: {e.__name__} --> table in fields.md"
        assert table_keys(sections[e.__name__]) == [v.value for v in e], e.__name__
    assert set(sections) == {e.__name__ for e in all_enums()}


# ---------------------------------------------------------------- (3): commands.md

def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_command_and_option_is_in_commands_page():
    text = read("guide/commands.md")
    missing = []
    for name, sub in _subparsers(build_parser()).items():
        if f"rectify {name}" not in text:
            missing.append(f"rectify {name}")
        for action in sub._actions:
            for opt in action.option_strings:
                if f"`{opt}" not in text:
                    missing.append(f"rectify {name} {opt}")
    assert not missing, f"not documented in docs/guide/commands.md: {missing}"


def test_commands_page_documents_only_existing_commands_and_options():
    text = read("guide/commands.md")
    subs = _subparsers(build_parser())
    documented = re.findall(r"^#{2,4} `rectify (\w[\w-]*)`", text, re.M)
    assert sorted(documented) == sorted(subs), "one heading `rectify <command>` per existing command"
    known = {opt for sub in subs.values() for a in sub._actions for opt in a.option_strings}
    mentioned = set(re.findall(r"`(--[a-z][\w-]*)", text))
    assert mentioned <= known, f"options documented that rectify does not have: {mentioned - known}"


# ---------------------------------------------------------------- (4): states.md worked examples

def _item_examples() -> list[str]:
    return [body for _, _, body in fences(read("guide/states.md"), "yaml") if body.startswith("id:")]


def test_states_page_has_worked_examples():
    statuses = {re.search(r"^status: (\w+)", body, re.M).group(1) for body in _item_examples()}
    assert statuses == {s.value for s in models.Status}, "one worked example per status at least"


@pytest.mark.parametrize("body", _item_examples(), ids=lambda b: b.split("\n", 1)[0] + "…" + re.search(
    r"^status: (\w+)", b, re.M).group(1))
def test_states_example_validates(ledger_dir: Path, body: str):
    item_id = re.match(r"id: (\S+)", body).group(1)
    write(ledger_dir, f"issues/2023-R2/{item_id}.yaml", body)
    ledger, problems = load_ledger(ledger_dir)
    problems += validate(ledger, _today())
    assert [p.render() for p in problems] == []
    assert item_id in ledger.items


#: who commits each stage of the worked example 2023-R2-017, and when (the stages' own record dates)
STAGE_COMMITS = [
    ("监督办 王某", "2023-06-05T10:00:00+08:00"),       # 建账
    ("县农业农村局 李某", "2023-06-16T18:00:00+08:00"),  # 开始整改
    ("县农业农村局 李某", "2023-07-13T18:00:00+08:00"),  # 交账
    ("监督办 赵某", "2023-07-17T18:00:00+08:00"),        # 核账退回
    ("县农业农村局 李某", "2023-07-25T18:00:00+08:00"),  # 再次交账
    ("监督办 赵某", "2023-07-28T18:00:00+08:00"),        # 核账通过
    ("监督办 王某", "2023-07-31T10:00:00+08:00"),        # 销号
    ("监督办 王某", "2023-08-15T18:00:00+08:00"),        # 回头看发现反弹
]


def test_states_worked_example_passes_the_gate_step_by_step(tmp_path: Path):
    """The stages of 2023-R2-017, committed one after another by the people named, are all legal changes."""
    stages = [b for b in _item_examples() if b.startswith("id: 2023-R2-017\n")]
    assert len(stages) == len(STAGE_COMMITS)
    repo = fixture_repo(tmp_path / "repo", "2023-06-01T09:00:00+08:00")
    for body, (author, when) in zip(stages, STAGE_COMMITS):
        repo.write("ledger/issues/2023-R2/2023-R2-017.yaml", body)
        repo.commit("2023-R2-017", when, author=author)
    code, lines = run_check(repo)
    assert code == 0, lines
    assert lines == ["检查通过：8 个提交，8 次状态变更，未发现错误。",
                     "2023-R2-017 — → 已建账", "2023-R2-017 已建账 → 整改中", "2023-R2-017 整改中 → 已交账",
                     "2023-R2-017 已交账 → 整改中", "2023-R2-017 整改中 → 已交账", "2023-R2-017 已交账 → 已核账",
                     "2023-R2-017 已核账 → 已销号", "2023-R2-017 已销号 → 整改中"]


def test_states_other_examples_are_legal_moves_from_open(tmp_path: Path):
    """立行立改 and 撤销: each example, reached from its freshly opened form in one commit, passes the gate."""
    others = [b for b in _item_examples() if not b.startswith("id: 2023-R2-017\n")]
    assert others
    repo = fixture_repo(tmp_path / "repo", "2023-06-01T09:00:00+08:00")
    last = "2023-06-05T10:00:00+08:00"   # no commit may be dated before its parent: the examples go in date order
    for body in sorted(others, key=lambda b: max(re.findall(r"date: (2023-\d\d-\d\d)", b))):
        item_id = re.match(r"id: (\S+)", body).group(1)
        opened = re.sub(r", done: [0-9-]+\}", "}", body.split("\nstatus:")[0]) + "\nstatus: open\n"
        repo.write(f"ledger/issues/2023-R2/{item_id}.yaml", opened)
        repo.commit(f"{item_id} 建账", last, author="监督办 王某")
        dates = sorted(re.findall(r"date: (2023-\d\d-\d\d)", body))
        last = max(last, f"{dates[-1]}T18:00:00+08:00")
        repo.write(f"ledger/issues/2023-R2/{item_id}.yaml", body)
        repo.commit(item_id, last, author="东关镇 孙某")
    code, lines = run_check(repo)
    assert code == 0, lines
    moves = [x for x in lines[1:] if "—" not in x]
    assert moves == ["2023-R2-018 已建账 → 已交账", "2023-R2-019 已建账 → 已撤销"]


# ---------------------------------------------------------------- complete example files anywhere in the guide

def _file_examples() -> list[tuple[str, str, str]]:
    out = []
    for page in sorted(GUIDE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        blocks = fences(text, "yaml")
        for end, rel in markers(text, "file"):
            body = next(b for off, _, b in blocks if off >= end)
            out.append((page.name, rel, body))
    return out


def test_fields_page_has_an_example_of_every_file_kind():
    from site_builder.ledger.load import kind_of
    kinds = {kind_of(rel) for page, rel, _ in _file_examples() if page == "fields.md"}
    assert kinds == set(FILE_KINDS)


@pytest.mark.parametrize("page,rel,body", _file_examples(), ids=lambda x: x if "\n" not in x else "")
def test_file_example_validates(ledger_dir: Path, page: str, rel: str, body: str):
    write(ledger_dir, rel, body)
    ledger, problems = load_ledger(ledger_dir)
    problems += validate(ledger, _today())
    # a warning is advice, not a fault of the example: a roll-up's settings shown alone, without
    # the lock file that `rectify members update` writes, say its members are not locked yet
    assert [p.render() for p in problems if p.severity == "error"] == []
    assert {p.code for p in problems} <= {"rule.lock_missing_member"}


# ---------------------------------------------------------------- errors.md: the shown output is the real output

def error_examples() -> list[tuple[dict, str | None, list[str]]]:
    """``(spec, new text or None, expected lines)`` of every ``<!-- example: {json} -->`` in errors.md.

    The spec names the fixture file to change (``file``), the text to replace (``old``) and, unless
    the ```yaml snippet just before the marker is the replacement, the replacement (``new``); it may
    also re-encode (``encoding``) or rename (``rename``) the file. The ```text block after the marker
    is what ``rectify validate`` prints for the changed ledger, line for line.
    """
    text = read("guide/errors.md")
    out = []
    for end, arg in markers(text, "example"):
        spec = json.loads(arg)
        new = spec.get("new")
        if new is None and "old" in spec:  # the snippet shown just before the marker
            new = [body for off, _, body in fences(text, "yaml") if off < end][-1]
        expected = next(body for off, _, body in fences(text, "text") if off >= end)
        out.append((spec, new, expected.splitlines()))
    return out


def apply_example(ledger_dir: Path, spec: dict, new: str | None) -> None:
    path = ledger_dir / spec["file"]
    content = path.read_text(encoding="utf-8")
    if "old" in spec:
        old = spec["old"]
        assert content.count(old) == 1, f"{old!r} must occur once in {spec['file']}"
        content = content.replace(old, new.rstrip("\n") if not old.endswith("\n") else new)
    data = content.encode(spec.get("encoding", "utf-8"))
    if "rename" in spec:
        path.unlink()
        path = ledger_dir / spec["rename"]
    path.write_bytes(data)


def test_errors_page_has_enough_examples():
    examples = error_examples()
    assert len(examples) >= 10
    assert len({tuple(lines) for _, _, lines in examples}) == len(examples), "two examples show the same output"


@pytest.mark.parametrize("spec,new,expected", error_examples(), ids=lambda x: x.get("id", "") if isinstance(x, dict) else "")
def test_error_example_output_is_real(ledger_dir: Path, capsys, spec: dict, new: str | None, expected: list[str]):
    apply_example(ledger_dir, spec, new)
    code, lines = run_validate(ledger_dir, capsys)
    assert code == 1
    assert lines == expected


def test_error_messages_quoted_in_prose_exist():
    """Every problem line shown in errors.md (examples or not) renders a message of the catalogue."""
    from site_builder.core.messages import CATALOGUE
    # a placeholder matches anything; '{{' and '}}' are format escapes for a literal brace
    templates = [re.compile("^" + re.sub(r"\\\{\w+\\\}", ".+", re.escape(msg)).replace(r"\{\{", r"\{").replace(r"\}\}", r"\}") + "$")
                 for pair in CATALOGUE.values() for msg in pair]
    text = read("guide/errors.md")
    for _, lang, body in fences(text, "text"):
        for line in body.splitlines():
            m = re.match(r"^(?:\S+?\.yaml|\S+?\.yml)(?::\d+:\d+)?(?: \(提交 [0-9a-f]+\))?: (.*)$", line.strip())
            if m:
                assert any(t.match(m.group(1)) for t in templates), f"not a catalogue message: {line}"


# ---------------------------------------------------------------- errors.md: change rules on a real git history

BASE_DATE = "2023-08-17T09:00:00+08:00"
_SHA = re.compile(r"\(提交 [0-9a-f]{10}\)")


def change_examples() -> list[tuple[dict, list[str]]]:
    """``(spec, expected lines)`` of every ``<!-- change-example: {json} -->`` in errors.md.

    The fixture ledger is committed on ``main``; each of ``steps`` is then one commit on a branch
    (``author``, ``date``) that replaces ``old`` by ``new``, appends ``append``, or deletes the file
    (``delete``). Where the last step has ``old`` without ``new``, or ``append: true``, the ```yaml
    snippet just before the marker is the text. The ```text block after the marker is what
    ``rectify check --base main`` prints, commit ids aside.
    """
    text = read("guide/errors.md")
    out = []
    for end, arg in markers(text, "change-example"):
        spec = json.loads(arg)
        last = spec["steps"][-1]
        snippet = [body for off, _, body in fences(text, "yaml") if off < end][-1]
        if "old" in last and "new" not in last:
            last["new"] = snippet
        if last.get("append") is True:
            last["append"] = snippet
        expected = next(body for off, _, body in fences(text, "text") if off >= end)
        out.append((spec, expected.splitlines()))
    return out


def make_change_repo(root: Path, spec: dict):
    repo = fixture_repo(root, BASE_DATE)
    for step in spec["steps"]:
        path = root / "ledger" / step["file"]
        if step.get("delete"):
            path.unlink()
        else:
            content = path.read_text(encoding="utf-8")
            if "old" in step:
                assert content.count(step["old"]) == 1, step["old"]
                new = step["new"] if step["old"].endswith("\n") else step["new"].rstrip("\n")
                content = content.replace(step["old"], new)
            content += step.get("append", "")
            path.write_text(content, encoding="utf-8")
        repo.commit(step.get("message", "修改"), step["date"], author=step["author"])
    return repo


def test_errors_page_has_change_examples():
    assert len(change_examples()) >= 5


@pytest.mark.parametrize("spec,expected", change_examples(), ids=lambda x: x.get("id", "") if isinstance(x, dict) else "")
def test_change_example_output_is_real(tmp_path: Path, spec: dict, expected: list[str]):
    repo = make_change_repo(tmp_path / "repo", spec)
    code, lines = run_check(repo)
    assert code == 1
    assert [_SHA.sub("(提交 …)", x) for x in lines] == [_SHA.sub("(提交 …)", x) for x in expected]


# ---------------------------------------------------------------- (5): offline

def test_no_external_urls_in_docs():
    found = []
    for page in sorted(DOCS.rglob("*")):
        if page.is_file() and page.suffix in (".md", ".yml", ".yaml", ".html", ".css", ".js", ".json", ".txt"):
            for url in re.findall(r"https?://[^\s)\"'>`]+", page.read_text(encoding="utf-8")):
                if url not in URL_ALLOW_LIST:
                    found.append(f"{page.relative_to(DOCS)}: {url}")
    assert not found, f"external URLs in docs/: {found}"


def test_no_remote_images_or_assets():
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"!\[[^\]]*\]\((?!\.|[\w/-]+\.(png|jpg|svg))", text), page
        assert "//" not in "".join(re.findall(r"\]\(([^)]*)\)", text)), f"protocol-relative link in {page}"


def test_internal_links_resolve():
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            assert (page.parent / target).resolve().exists(), f"{page.relative_to(DOCS)} links to missing {target}"


# ---------------------------------------------------------------- maintenance

def regenerate_error_outputs() -> int:
    """Rewrite the ```text block after every example of errors.md with what ``rectify`` prints now.

    Run ``python tests/test_docs.py`` after changing a message, then read the diff of errors.md:
    the guide's explanations next to the outputs may need updating too.
    """
    import contextlib
    import io
    import os
    import tempfile

    page = DOCS / "guide/errors.md"
    text = page.read_text(encoding="utf-8")
    examples = error_examples()
    blocks = []
    for (end, _), (spec, new, _) in zip(markers(text, "example"), examples):
        with tempfile.TemporaryDirectory() as tmp:
            root = fixture_ledger(Path(tmp) / "ledger")
            apply_example(root, spec, new)
            out, cwd = io.StringIO(), os.getcwd()
            os.chdir(tmp)
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                    main(["validate", "ledger", "--no-cache", "--today", TODAY, "--lang", "zh", "--format", "text"])
            finally:
                os.chdir(cwd)
        off, body = next((m.start(2), m.group(2)) for m in _FENCE.finditer(text, end) if m.group(1) == "text")
        blocks.append((off, off + len(body), out.getvalue()))
    for start, stop, value in reversed(blocks):
        text = text[:start] + value + text[stop:]
    page.write_text(text, encoding="utf-8")
    return len(blocks)


def regenerate_change_outputs() -> int:
    """The same for every change example: the ```text block after it becomes ``rectify check``'s output."""
    import tempfile
    page = DOCS / "guide/errors.md"
    text = page.read_text(encoding="utf-8")
    blocks = []
    for (end, _), (spec, _) in zip(markers(text, "change-example"), change_examples()):
        with tempfile.TemporaryDirectory() as tmp:
            repo = make_change_repo(Path(tmp) / "repo", spec)
            _, lines = run_check(repo)
        off, body = next((m.start(2), m.group(2)) for m in _FENCE.finditer(text, end) if m.group(1) == "text")
        blocks.append((off, off + len(body), "\n".join(lines) + "\n"))
    for start, stop, value in reversed(blocks):
        text = text[:start] + value + text[stop:]
    page.write_text(text, encoding="utf-8")
    return len(blocks)


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    print(f"rewrote {regenerate_error_outputs()} validate outputs and "
          f"{regenerate_change_outputs()} check outputs in docs/guide/errors.md")

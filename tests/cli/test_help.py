"""Every --help text comes from the message catalogue: Chinese by default, English with --lang en,
$RECTIFY_LANG=en or ``language: en`` in the ledger settings; no code and no English line is left
in the Chinese help."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from conftest import SETTINGS, UNITS, write
from site_builder.cli.main import build_parser, main
from site_builder.core.messages import CATALOGUE

COMMANDS = sorted(next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices)


def _help(capsys, monkeypatch, *argv: str, env_lang: str | None = None) -> str:
    monkeypatch.delenv("RECTIFY_LANG", raising=False)
    if env_lang:
        monkeypatch.setenv("RECTIFY_LANG", env_lang)
    monkeypatch.setenv("COLUMNS", "200")   # one line per option, so texts can be found whole
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 0
    return capsys.readouterr().out


def _declared(command: str | None) -> list[str]:
    """The help codes the parser declares for ``command`` (None: the top level)."""
    parser = build_parser()
    if command:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    codes = [a.help for a in parser._actions if a.help and not isinstance(a, (argparse._HelpAction,
                                                                              argparse._SubParsersAction))]
    return codes + ([parser.description] if parser.description else [])


def test_every_help_text_is_a_catalogue_code():
    for command in [None, *COMMANDS]:
        undeclared = [text for text in _declared(command) if text not in CATALOGUE]
        assert undeclared == [], (command, undeclared)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_chinese_by_default_and_english_with_lang_en(capsys, monkeypatch, command):
    zh = _help(capsys, monkeypatch, command, "--help")
    en = _help(capsys, monkeypatch, command, "--help", "--lang", "en")
    assert zh.startswith(f"用法：rectify {command} ")
    assert en.startswith(f"usage: rectify {command} ")
    assert "\n选项:\n" in zh and "显示本帮助并退出" in zh
    assert "\noptions:\n" in en and "show this help message and exit" in en
    flat_zh, flat_en = " ".join(zh.split()), " ".join(en.split())
    for code in _declared(command):
        assert " ".join(CATALOGUE[code][0].split()) in flat_zh, (command, code)
        assert " ".join(CATALOGUE[code][1].split()) in flat_en, (command, code)
    assert "help." not in zh and "help." not in en
    # the command's own line says what it does, in the reader's language
    assert CATALOGUE[f"help.{command}"][0] in zh.split("\n\n")[1]
    # Chinese help has no English sentence left: every help line holds Chinese characters
    for line in zh.split("\n"):
        if re.match(r"^\s+-", line) and "  " in line.strip():
            assert re.search(r"[\u4e00-\u9fff]", line), (command, line)


def test_top_level_help_lists_every_command_in_chinese(capsys, monkeypatch):
    out = _help(capsys, monkeypatch, "--help")
    # argparse lines the texts up after the longest command name, import-feedback (which wraps)
    assert "    validate       校验整个台账；有任何问题即以状态 1 退出" in out.split("\n")
    assert "                   把巡察反馈意见（.docx 或 .xlsx）中的方面和反馈问题写入轮次文件" in out.split("\n")
    assert "  -h, --help       显示本帮助并退出" in out.split("\n")


def test_rectify_lang_en_gives_english_help(capsys, monkeypatch):
    out = _help(capsys, monkeypatch, "status", "--help", env_lang="en")
    assert "  --as-of AS_OF         compute figures as of this date (YYYY-MM-DD)" in out.split("\n")


def test_ledger_settings_language_en_gives_english_help(tmp_path):
    """As a user runs it: `rectify validate LEDGER --help` in a county whose ledger says language: en."""
    ledger = tmp_path / "ledger"
    write(ledger, "ledger.yaml", SETTINGS + "language: en\n")
    write(ledger, "units.yaml", UNITS)
    env = {k: v for k, v in __import__("os").environ.items() if k != "RECTIFY_LANG"} | {"COLUMNS": "200"}
    here = subprocess.run([sys.executable, "-m", "site_builder.cli.main", "validate", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, env=env)
    assert here.returncode == 0, here.stderr
    assert "  --no-cache            do not read or write the parse cache" in here.stdout.split("\n")
    zh = subprocess.run([sys.executable, "-m", "site_builder.cli.main", "validate", "--help", "--lang", "zh"],
                        cwd=tmp_path, capture_output=True, text=True, env=env)
    assert "  --no-cache            不读写解析缓存" in zh.stdout.split("\n")


def test_a_usage_error_still_names_the_usage_in_chinese(capsys, monkeypatch):
    monkeypatch.delenv("RECTIFY_LANG", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：rectify check ")
    assert "Traceback" not in err

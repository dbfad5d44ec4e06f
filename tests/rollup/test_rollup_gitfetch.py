"""The roll-up's git transport: no prompt, a timeout that kills git and its helpers, reasons in one line."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from site_builder.rollup import gitfetch


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(cmdline)
    return found


def test_a_server_that_never_answers_times_out_and_leaves_no_process(tmp_path: Path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)            # connections complete in the backlog; nothing is ever sent back
    url = f"http://127.0.0.1:{server.getsockname()[1]}/county/ledger.git"
    monkeypatch.setattr(gitfetch, "TIMEOUT", 2.0)
    try:
        started = time.monotonic()
        result = gitfetch.fetch(url, tmp_path / "copy.git")
        took = time.monotonic() - started
    finally:
        server.close()
    assert not result.ok and result.reason == "timeout"
    assert took < 10
    assert _processes_mentioning(url) == []                 # git and git-remote-http both gone
    assert not (tmp_path / "copy.git").exists()             # no half-made copy left behind


def test_no_credential_prompt_and_a_one_line_reason(tmp_path: Path):
    result = gitfetch.fetch(str(tmp_path / "does-not-exist"), tmp_path / "copy.git")
    assert not result.ok and "\n" not in result.reason and result.reason
    env = gitfetch._env()
    assert env["GIT_TERMINAL_PROMPT"] == "0" and "BatchMode=yes" in env["GIT_SSH_COMMAND"]


def test_urls_and_paths():
    assert gitfetch.is_url("https://git.example.org/a.git") and gitfetch.is_url("git@host:a/b.git")
    assert not gitfetch.is_url("../east") and not gitfetch.is_url("C:/ledgers/east")
    assert gitfetch.source_of("../east", Path("/srv/city")) == str(Path("/srv/east").resolve())

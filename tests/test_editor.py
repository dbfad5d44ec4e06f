"""Editor and gate agree: the YAML language server VS Code runs (npm ``yaml-language-server``,
driven here over LSP on stdio, with this repository's ``.vscode/settings.json``) and ``rectify
validate`` flag the same single-file mistakes, case by case, on the same line.

The server is installed by ``make test`` into ``build/node`` (tests skip without node)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ITEM_2, rectify, write

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "build" / "node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
ITEM = "issues/2023-R2/2023-R2-002.yaml"

# (case, the item file's text, the line(s) both must flag, or None when both must accept it)
CASES = [
    ("valid", ITEM_2, None),
    ("status no (YAML 1.1: false)", ITEM_2.replace("status: in_progress", "status: no"), 15),
    ("title off (YAML 1.1: false)", ITEM_2.replace("title: 防汛物资储备不足", "title: off"), 6),
    ("leader 1:30 (YAML 1.1: 90)", ITEM_2.replace("leader: 孙某某", "leader: 1:30"), 11),
    ("internal yes (YAML 1.1: true)", ITEM_2 + "supervision:\n  - {date: 2023-08-17, method: phone, by: 监督办, "
                                              "note: 电话催办, internal: yes}\n", None),
    ("misspelled field (so also missing)", ITEM_2.replace("department:", "departmnet:"), [1, 12]),
    ("unknown status", ITEM_2.replace("status: in_progress", "status: finished"), 15),
    ("unknown method", ITEM_2 + "supervision:\n  - {date: 2023-08-17, method: phonecall, by: 监督办, note: 电话催办}\n", 19),
    ("measure without owner", ITEM_2.replace("owner: 应急办, ", ""), 14),
    ("reports not a list", ITEM_2.replace("reports:\n  - {date: 2023-08-16, by: 东关镇, text: 已采购编织袋5000条}",
                                          "reports: 已采购编织袋"), 16),
    ("duplicate field", ITEM_2.replace("leader: 孙某某\n", "leader: 孙某某\nleader: 李某某\n"), 12),
    ("empty title", ITEM_2.replace("title: 防汛物资储备不足", 'title: ""'), 6),
]


class Server:
    """A minimal LSP client: JSON-RPC with Content-Length headers over the server's stdin/stdout."""

    def __init__(self, workspace: Path):
        self.proc = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.diagnostics: dict[str, list] = {}
        self.arrived = threading.Condition()
        self.settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
        schemas = {(ROOT / k).resolve().as_uri(): "**/" + v for k, v in self.settings["yaml.schemas"].items()}
        self.yaml = {"schemas": schemas, "validate": True, "yamlVersion": self.settings["yaml.yamlVersion"],
                     "customTags": self.settings["yaml.customTags"], "schemaStore": {"enable": False}}
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": os.getpid(), "rootUri": workspace.as_uri(), "capabilities": {
            "workspace": {"configuration": True}, "textDocument": {"publishDiagnostics": {}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": self.yaml}})

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict) -> None:
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                return
            msg = json.loads(out.read(length))
            if msg.get("method") == "workspace/configuration":   # the server asks for its settings
                self._send({"id": msg["id"], "result": [self.yaml if i.get("section") == "yaml" else None
                                                        for i in msg["params"]["items"]]})
            elif "method" in msg and "id" in msg:                  # other requests: accept
                self._send({"id": msg["id"], "result": None})
            elif msg.get("method") == "textDocument/publishDiagnostics":
                with self.arrived:
                    self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]
                    self.arrived.notify_all()

    def check(self, path: Path) -> list[dict]:
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": path.read_text(encoding="utf-8")}})
        with self.arrived:
            assert self.arrived.wait_for(lambda: uri in self.diagnostics, timeout=30), "no diagnostics from the server"
        return self.diagnostics[uri]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if shutil.which("node") is None or not SERVER.exists():
        pytest.skip("yaml-language-server is not installed (make test installs it with npm)")
    s = Server(tmp_path_factory.mktemp("workspace"))
    yield s
    s.close()


@pytest.mark.parametrize("case,text,line", CASES, ids=[c[0] for c in CASES])
def test_editor_and_gate_flag_the_same_mistake(server, capsys, tmp_path, monkeypatch, case, text, line):
    from conftest import ROUND, SETTINGS, UNITS, ITEM_1
    ledger = tmp_path / "ledger"
    for rel, body in (("ledger.yaml", SETTINGS), ("units.yaml", UNITS), ("rounds/2023-R2.yaml", ROUND),
                      ("issues/2023-R2/2023-R2-001.yaml", ITEM_1), (ITEM, text)):
        write(ledger, rel, body)
    monkeypatch.chdir(tmp_path)
    code, out, _ = rectify(capsys, "validate", "ledger", "--format", "json")
    gate = sorted({p["line"] for p in json.loads(out) if p["file"].endswith(ITEM)}) if code else []
    editor = sorted({d["range"]["start"]["line"] + 1 for d in server.check(ledger / ITEM) if d.get("severity", 1) == 1})
    expected = [] if line is None else line if isinstance(line, list) else [line]
    assert (gate, editor) == (expected, expected), (case, json.loads(out) if code else None)

"""Reading by pieces (``yamlsafe.parse(..., pieces=True)``, used for the many past versions the
weekly bulletins read) gives exactly what the ordinary parse gives: the same data for every
version of a real history, the same problems for every malformed file, and the same for texts
made of the lines that could fool a splitter."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS
from site_builder.history.replay import replay
from site_builder.ledger import yamlsafe
from test_malformed import CASES, LEGAL_TEXT

EXAMPLE = Path(__file__).resolve().parents[2] / "ledger"


def both(raw: bytes) -> tuple:
    return yamlsafe.parse(raw, "f.yaml"), yamlsafe.parse(raw, "f.yaml", pieces=True)


def test_every_version_of_a_replayed_history_reads_the_same(tmp_path):
    repo = tmp_path / "repo"
    replay(EXAMPLE, repo)
    log = subprocess.run(["git", "-C", str(repo), "log", "--reverse", "--raw", "--no-abbrev", "--format="],
                         capture_output=True, text=True, check=True).stdout
    blobs = [line.split()[3] for line in log.splitlines() if line.startswith(":") and line.split()[3].strip("0")]
    shown = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=("\n".join(blobs) + "\n").encode(),
                           capture_output=True, check=True).stdout
    versions, at = [], 0
    while at < len(shown):
        header_end = shown.index(b"\n", at)
        size = int(shown[at:header_end].split()[2])
        versions.append(shown[header_end + 1:header_end + 1 + size])
        at = header_end + 2 + size
    assert len(versions) > 1000
    before = yamlsafe._piece.cache_info().hits
    assert [b for a, b in map(both, versions) if a != b] == []
    assert yamlsafe._piece.cache_info().hits - before > 10 * len(versions)   # the pieces were reused


def test_every_malformed_and_legal_case_reads_the_same():
    texts = [content for case in CASES for content in case.files.values()] + list(LEGAL_TEXT.values())
    texts += [ITEM_1, ITEM_2, ROUND, SETTINGS, UNITS]
    assert len(texts) > 100
    for text in texts:
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        full, pieces = both(raw)
        assert full == pieces, text[:200]


# lines that a split at column 0 or at "  - " could get wrong
LINES = ["id: 2023-R2-001", "title: 防汛物资储备不足", "reports:", "measures:", "tags: [a,", "  b]", "b]", "b: c]",
         "  - {date: 2023-08-01, by: 李某, text: 已整改}", "  - date: 2023-08-02", "    by: 王某", "- x", "- {a: 1}",
         "    - nested", "  -", "  -x", "text: |", "  多行", "  - 像条目的正文", "text: 'a", "b'", "  c'", '"q": 1',
         "# 注释", "  # 缩进的注释", "", "---", "...", "? k", ": v", "title: a", "  continued", "due: 2023-09-31",
         "score: 1_000", "flag: no", "id: 2023-R2-001", "k: {a: 1,", "  b: 2}", "   - three", " - one", "x: &a 1",
         "y: *a", "z: !!str 3", "\tdate: 1", "full: 全角：冒号", "w:1", "  - {a: 1}  # 注", "e: ''", "n: ~"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=12))
def test_texts_made_of_tricky_lines_read_the_same(lines):
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    assert both(raw)[0] == both(raw)[1]

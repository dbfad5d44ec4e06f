"""The parse cache is only ever a faster run: a cache that is stale, corrupt, from other code or
unreadable is discarded and made anew, and every answer equals the one without a cache."""

from __future__ import annotations

import pickle
import sqlite3

import pytest

from conftest import ITEM_2, write
from site_builder.ledger import cache as cache_module
from site_builder.cli.main import main

BROKEN_ITEM = ITEM_2.replace("title: 防汛物资储备不足\n", "title: 123\n")


def validate(capsys, ledger_dir, *extra):
    code = main(["validate", str(ledger_dir), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cached(ledger_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "parsed.sqlite"


def test_garbage_in_place_of_the_cache_is_replaced(capsys, ledger_dir, cached):
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", BROKEN_ITEM)
    expected = validate(capsys, ledger_dir, "--no-cache")
    assert expected[0] == 1
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"this is not a database\0" * 100)
    assert validate(capsys, ledger_dir) == expected
    assert sqlite3.connect(cached).execute("SELECT count(*) FROM parsed").fetchone()[0] > 0   # made anew
    assert validate(capsys, ledger_dir) == expected


def test_a_damaged_entry_is_parsed_again(capsys, ledger_dir, cached):
    """What a kept cache holds after an upgrade that tightened a model: data the new model refuses
    (here: an item without a title, stored as if it had passed)."""
    assert validate(capsys, ledger_dir)[0] == 0
    db = sqlite3.connect(cached)
    rows = db.execute("SELECT blob, kind, data FROM parsed WHERE kind = 'item'").fetchall()
    assert rows
    with db:
        for blob, kind, data in rows:
            plain, problems = pickle.loads(data)
            plain.pop("title")
            db.execute("UPDATE parsed SET data = ? WHERE blob = ? AND kind = ?", (pickle.dumps((plain, problems)), blob, kind))
        db.execute("DELETE FROM results")
    db.close()
    code, out, err = validate(capsys, ledger_dir)
    assert (code, err) == (0, ""), out + err
    assert "internal error" not in out + err


def test_a_cache_of_other_code_is_discarded_whole(capsys, ledger_dir, cached, monkeypatch):
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", BROKEN_ITEM)
    expected = validate(capsys, ledger_dir, "--no-cache")
    assert validate(capsys, ledger_dir) == expected
    db = sqlite3.connect(cached)
    # the stored verdict and parses now say "valid", as a looser earlier version would have
    with db:
        db.execute("DELETE FROM parsed")
        db.execute("UPDATE results SET data = ?", (pickle.dumps(main.__globals__["__name__"]),))
    db.close()
    monkeypatch.setattr(cache_module, "code_version", lambda: "another version of the code")
    assert validate(capsys, ledger_dir) == expected
    db = sqlite3.connect(cached)
    assert db.execute("SELECT value FROM meta WHERE key = 'code'").fetchone() == ("another version of the code",)


def test_an_unwritable_cache_folder_is_only_a_slower_run(capsys, ledger_dir, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("RECTIFY_CACHE_DIR", str(tmp_path / "file" / "cache"))   # a folder inside a file
    write(ledger_dir, "issues/2023-R2/2023-R2-002.yaml", BROKEN_ITEM)
    assert validate(capsys, ledger_dir) == validate(capsys, ledger_dir, "--no-cache")

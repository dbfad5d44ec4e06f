"""History: transitions and as-of ledgers read from a real repository in one pass, cached by blob."""

from __future__ import annotations

import datetime as dt

import pytest

from site_builder.history import open_history
from site_builder.load import ParseCache
from site_builder.problems import LedgerError
from test_changes import ITEM, repo, to_in_progress, to_submitted  # noqa: F401  (fixture)

CST = dt.timezone(dt.timedelta(hours=8))


def test_transitions_with_author_commit_and_time(repo):
    to_in_progress(repo)
    sha = to_submitted(repo)
    with open_history(repo.root) as h:
        moves = h.compute_transitions()["2023-R2-002"]
    assert [(m.before, m.after) for m in moves] == [(None, "open"), ("open", "in_progress"), ("in_progress", "submitted")]
    last = moves[-1]
    assert (last.commit.sha, last.commit.author, last.commit.committed, last.path) == (
        sha, "东关镇 张某", dt.datetime(2023, 8, 1, 18, 0, tzinfo=CST), ITEM)


def test_as_of_ledger(repo):
    to_in_progress(repo, when="2023-06-10T18:00:00+08:00")
    to_submitted(repo, when="2023-08-01T18:00:00+08:00")
    with open_history(repo.root) as h:
        assert h.commit_at(dt.datetime(2023, 6, 1, tzinfo=CST)) is None
        before, problems = h.ledger_at(h.commit_at(dt.datetime(2023, 7, 31, 23, 59, tzinfo=CST)))
        after, _ = h.ledger_at(h.commit_at(dt.datetime(2023, 8, 1, 18, 0, tzinfo=CST)))
    assert problems == []
    assert before.items["2023-R2-002"].status.value == "in_progress"
    assert after.items["2023-R2-002"].status.value == "submitted"
    assert before.paths["item:2023-R2-002"] == ITEM


def test_parse_cache_shared_across_runs(repo, tmp_path):
    to_in_progress(repo)
    cache_path = tmp_path / "cache.sqlite"
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        h.compute_transitions()
        h.ledger_at(h.commits[-1])
        h.cache.save()
    second = ParseCache(cache_path)
    with open_history(repo.root, cache=second) as h:
        h.compute_transitions()
        ledger, _ = h.ledger_at(h.commits[-1])
        assert second.pending == []          # nothing parsed again
        assert ledger.items["2023-R2-002"].status.value == "in_progress"


def test_no_leftover_cat_file_processes(repo):
    import os
    to_in_progress(repo)

    def cat_files() -> int:
        count = 0
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        cmd = fh.read()
                except OSError:
                    continue
                if b"cat-file" in cmd:
                    count += 1
        return count

    before = cat_files()
    with open_history(repo.root) as h:
        h.compute_transitions()
        h.ledger_at(h.commits[-1])
    assert cat_files() == before


def test_not_a_repository(tmp_path):
    with pytest.raises(LedgerError) as err:
        open_history(tmp_path)
    assert err.value.problems[0].code == "history.not_a_repo"

"""History: transitions and as-of ledgers read from a real repository in one pass, cached by blob."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from site_builder.history.timeline import open_history
from site_builder.ledger.load import ParseCache
from site_builder.core.problems import LedgerError
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


def test_first_read_scans_every_blob_beside_the_log_with_the_same_transitions(repo, tmp_path, monkeypatch):
    """A first read of a large repository scans its blobs in a separate process while git log runs;
    the transitions are the ones the scan blob by blob gives, and the scans are cached."""
    import site_builder.history.timeline as history
    to_in_progress(repo)
    to_submitted(repo)
    repo.write("ledger/notes.yaml", "id: not-an-item\n")          # a blob with an id outside issues/
    repo.commit("杂项", "2023-08-02T10:00:00+08:00")

    def read(cache):
        with open_history(repo.root, cache=cache) as h:
            started_prescan = h._prescan is not None
            moves = {k: [(t.before, t.after, t.commit.sha, t.path) for t in v] for k, v in h.compute_transitions().items()}
        return started_prescan, moves

    monkeypatch.setattr(history, "PRESCAN_MIN_OBJECTS", 10**9)
    assert read(ParseCache(None)) == (False, read(ParseCache(None))[1])
    one_by_one = read(ParseCache(None))[1]
    monkeypatch.setattr(history, "PRESCAN_MIN_OBJECTS", 0)
    cache = ParseCache(tmp_path / "cache.sqlite")
    assert read(cache) == (True, one_by_one)
    assert cache.has_scans()
    assert read(ParseCache(tmp_path / "cache.sqlite")) == (False, one_by_one)   # scans cached: no second prescan
    found = history.prescan(None, str(repo.root / ".git"))
    assert found[repo.git("rev-parse", f"HEAD:{ITEM}").strip()] == ("2023-R2-002", "submitted")
    assert found[repo.git("rev-parse", "HEAD~2:" + ITEM).strip()] == ("2023-R2-002", "in_progress")


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


def test_history_is_read_again_only_from_the_cached_head(repo, tmp_path, monkeypatch):
    from site_builder.history import gitlog
    cache_path = tmp_path / "cache.sqlite"
    to_in_progress(repo)
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        first = [c.sha for c in h.commits]
    sha = to_submitted(repo)
    calls = []
    real = gitlog._log
    monkeypatch.setattr(gitlog, "_log", lambda r, rev, prefix: calls.append(rev) or real(r, rev, prefix))
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        second = [c.sha for c in h.commits]
    assert second[:len(first)] == first and second[-1] == sha
    assert calls == [f"{first[-1]}..{sha}"]          # only the new commits were read
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        assert [c.sha for c in h.commits] == second
    assert len(calls) == 1                            # nothing read at all when the head has not moved


@pytest.mark.parametrize("collected", [False, True], ids=["old head kept", "old head garbage-collected"])
def test_rewritten_history_is_read_whole_again(repo, tmp_path, collected):
    cache_path = tmp_path / "cache.sqlite"
    to_in_progress(repo)
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        before = [c.sha for c in h.commits]
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.edit(ITEM, "status: open", "status: in_progress")
    rewritten = repo.commit("改写", "2023-06-11T10:00:00+08:00")
    if collected:
        repo.git("reflog", "expire", "--expire=now", "--all")
        repo.git("gc", "-q", "--prune=now")
        gone = subprocess.run(["git", "-C", str(repo.root), "cat-file", "-e", before[-1]], capture_output=True)
        assert gone.returncode != 0      # the cached head no longer exists
    with open_history(repo.root, cache=ParseCache(cache_path)) as h:
        after = [c.sha for c in h.commits]
    assert after == [before[0], rewritten]

"""The gate's promise, as a property over generated pull-request histories (hypothesis): for each
merge method (merge commit, squash, rebase), a pull request passes the gate if and only if the
audit of main after merging it reports nothing that the audit of main before did not.

Each example is a real git repository: a base with two opened items (one of them sometimes
submitted already), a pull request of a few
commits on one item, the evaluations and the round by two people (legal and illegal moves, edited
records, records dated after or long before their commit, evaluations appended, corrected or
edited, the round's deadline moved later with an extension or without, reverts of an earlier
commit), main moving on the other item
meanwhile, and for merge commits sometimes "update branch" (main merged into the pull request).
A squash is written as GitHub writes it: by the pull request's author, the other authors of its
commits as Co-authored-by trailers.
All commits of one example fall on one day, before the merge: the gate's clock is the merge time.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROUND, SETTINGS, UNITS
from gitrepo import Repo
from site_builder.history import rules as changes
from site_builder.history.timeline import open_history
from site_builder.ledger.load import load_ledger
from test_changes import ITEM, OPEN_ITEM, OTHER

PEOPLE = ("东关镇 张某", "监督办 赵某")
DAY = dt.date(2023, 8, 5)
MERGED = "2023-08-05T20:00:00+08:00"
NOW = dt.datetime.fromisoformat(MERGED)
TRIED: dict[tuple[str, bool], int] = {}   # (method, passed the gate) → histories

OPS = st.sampled_from(["report", "submit", "pass", "return", "clear", "edit", "jump", "revert",
                       "evaluate", "rescore", "extend", "postpone"])
EVALUATIONS = "ledger/evaluations.yaml"
ROUND_FILE = "ledger/rounds/2023-R2.yaml"
SHIFTS = st.sampled_from([0, 0, 0, -1, -20, 3])   # record date against its commit's day


def _text(state: dict) -> str:
    done = ", done: 2023-08-01" if state["done"] else ""
    out = OPEN_ITEM.replace("due: 2023-09-30}", "due: 2023-09-30" + done + "}").replace("status: open", "status: " + state["status"])
    for name in ("reports", "submissions", "verifications"):
        if state[name]:
            out += f"{name}:\n" + "".join(f"  - {rec}\n" for rec in state[name])
    return out


def _files(state: dict) -> dict[str, str]:
    """Every file the example changes: the item, the evaluations, the round."""
    evals = "evaluations:\n" + "".join(f"  - {e}\n" for e in state["evals"]) if state["evals"] else "evaluations: []\n"
    rnd = ROUND.replace("deadline: 2023-10-30", f"deadline: {state['deadline']}")
    if state["extensions"]:
        rnd += "extensions:\n" + "".join(f"  - {e}\n" for e in state["extensions"])
    return {ITEM: _text(state), EVALUATIONS: evals, ROUND_FILE: rnd}


def _apply(state: dict, op: str, who: str, when: dt.date) -> dict | None:
    """The item after ``op`` (legal or not), None when it would change nothing."""
    s = {k: (list(v) if isinstance(v, list) else v) for k, v in state.items()}
    day = when.isoformat()
    if op == "report":
        s["reports"].append(f"{{date: {day}, by: 东关镇, text: 进展{len(s['reports']) + 1}}}")
        if s["status"] == "open":
            s["status"] = "in_progress"
    elif op == "submit":
        s["done"], s["status"] = True, "submitted"
        s["submissions"].append(f"{{date: {day}, by: {who}, text: 已整改, evidence: [清单]}}")
    elif op in ("pass", "return"):
        s["status"] = "verified" if op == "pass" else "in_progress"
        s["verifications"].append(f"{{date: {day}, by: {who}, result: {'passed' if op == 'pass' else 'returned'}}}")
    elif op == "clear":
        s["status"] = "cleared"
    elif op == "jump":
        s["status"] = "cleared" if s["status"] != "cleared" else "open"
    elif op == "edit":
        if not s["reports"]:
            return None
        s["reports"][0] = s["reports"][0].replace("text: ", "text: 改")
    elif op == "evaluate":   # appended; a later one corrects the one before it
        n = len(s["evals"]) + 1
        fix = f", supersedes: E-{n - 1}" if n > 1 else ""
        s["evals"].append(f"{{id: E-{n}, unit: east-town, round: 2023-R2, date: {day}, score: {80 + n}, reasons: 评{n}{fix}}}")
    elif op == "rescore":    # an evaluation edited: illegal
        if not s["evals"]:
            return None
        s["evals"][0] = s["evals"][0].replace("reasons: ", "reasons: 改")
    elif op in ("extend", "postpone"):   # the round's deadline later, with an extension or without
        later = dt.date.fromisoformat(s["deadline"]) + dt.timedelta(days=30)
        s["deadline"] = later.isoformat()
        if op == "extend":
            s["extensions"].append(f"{{date: {day}, deadline: {later}, reason: 汛期, approved_by: 县委巡察办}}")
    return None if s == state else s


def _run(method: str, ops: list, main_moves: bool, update_at: int | None, submitted: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Repo(Path(tmp) / "repo")
        repo.write("ledger/ledger.yaml", SETTINGS.replace("as_of: 2023-08-18\n", ""))
        repo.write("ledger/units.yaml", UNITS)
        repo.write("ledger/rounds/2023-R2.yaml", ROUND)
        repo.write("ledger/issues/2023-R2/2023-R2-001.yaml", OTHER)
        repo.write(ITEM, OPEN_ITEM)
        repo.write(EVALUATIONS, "evaluations: []\n")
        base = repo.commit("建账", "2023-06-05T09:00:00+08:00", author="监督办 王某")
        state = {"status": "open", "done": False, "reports": [], "submissions": [], "verifications": [],
                 "evals": [], "deadline": "2023-10-30", "extensions": []}
        if submitted:   # submitted on main before the pull request, by the first of PEOPLE
            state = _apply(_apply(state, "report", PEOPLE[0], DAY - dt.timedelta(days=1)), "submit", PEOPLE[0],
                           DAY - dt.timedelta(days=1))
            for rel, text in _files(state).items():
                repo.write(rel, text)
            base = repo.commit("交账", "2023-08-04T18:00:00+08:00", author=PEOPLE[0])
        if main_moves:
            repo.edit("ledger/issues/2023-R2/2023-R2-001.yaml", "status: open",
                      f"status: in_progress\nreports:\n  - {{date: {DAY}, by: 县农业农村局, text: 已开始}}")
            repo.commit("main moves", "2023-08-05T08:00:00+08:00", author="县农业农村局 孙某")
        repo.git("checkout", "-q", "-b", "pr", base)
        texts = [_files(state)]
        minute = 9 * 60
        for k, (op, who, shift) in enumerate(ops):
            when = f"2023-08-05T{minute // 60:02d}:{minute % 60:02d}:00+08:00"
            minute += 30
            if update_at == k and main_moves:
                _git_as(repo, "监督办 王某", when, "merge", "-q", "--no-ff", "main", "-m", "Update branch")
                continue
            if op == "revert":
                if len(texts) < 2:
                    continue
                texts.append(texts[-2])
            else:
                new = _apply(state, op, PEOPLE[who], DAY + dt.timedelta(days=shift))
                if new is None:
                    continue
                state = new
                texts.append(_files(state))
            if texts[-1] == texts[-2]:
                texts.pop()
                continue
            for rel, text in texts[-1].items():
                repo.write(rel, text)
            repo.commit(op, when, author=PEOPLE[who])
        head = repo.git("rev-parse", "pr").strip()
        if head == base:
            return
        ledger, _ = load_ledger(repo.root / "ledger")
        with open_history(repo.root, "pr") as history:
            gate, _, _ = changes.check_range(history, ledger.settings, history.repo.git.merge_base("main", "pr").strip(),
                                             "pr", method, now=NOW)
        before = _audit(repo, ledger)
        repo.git("checkout", "-q", "main")
        if method == "merge":
            _git_as(repo, "监督办 王某", MERGED, "merge", "-q", "--no-ff", "pr", "-m", "Merge pull request")
        elif method == "squash":
            # as GitHub does: by the pull request's author (who made its first commit), every other
            # author of its commits a co-author
            _git_as(repo, "监督办 王某", MERGED, "merge", "-q", "--squash", "pr")
            authors = list(dict.fromkeys(repo.git("log", "--reverse", "--format=%an", f"{base}..pr").split("\n")[:-1]))
            trailers = "".join(f"\nCo-authored-by: {a} <{_email(a)}>" for a in authors[1:])
            _git_as(repo, authors[0], MERGED, "commit", "-q", "--allow-empty", "-m", "Squashed\n" + trailers,
                    committer="GitHub")
        else:
            repo.git("checkout", "-q", "pr")
            _git_as(repo, "监督办 王某", MERGED, "rebase", "-q", "--force-rebase", "main", committer_only=True)
            repo.git("checkout", "-q", "main")
            repo.git("merge", "-q", "--ff-only", "pr")
        new = _audit(repo, ledger) - before
        TRIED[method, not gate] = TRIED.get((method, not gate), 0) + 1
        assert (not gate) == (not new), (method, ops, main_moves, update_at, submitted, sorted(gate), sorted(new))


def _audit(repo: Repo, ledger) -> set:
    with open_history(repo.root, "main") as history:
        return set(changes.audit_history(history, ledger.settings, now=NOW, ref="main")[0])


def _email(name: str) -> str:
    import zlib
    return f"{zlib.crc32(name.encode()):08x}@example.invalid"   # as gitrepo.Repo.commit makes it


def _git_as(repo: Repo, name: str, when: str, *args: str, committer: str | None = None,
            committer_only: bool = False) -> None:
    env = {"GIT_COMMITTER_NAME": committer or name, "GIT_COMMITTER_EMAIL": "c@example.invalid", "GIT_COMMITTER_DATE": when}
    if not committer_only:
        env |= {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": _email(name), "GIT_AUTHOR_DATE": when}
    repo.git(*args, env=env)


STEPS = st.tuples(OPS, st.integers(0, 1), SHIFTS)
#: the legal way to clear an item, by two people: a prefix of it, then anything
LEGAL = [("report", 0, 0), ("submit", 0, 0), ("pass", 1, 0), ("clear", 1, 0)]
HISTORIES = st.one_of(st.lists(STEPS, min_size=1, max_size=6),
                      st.builds(lambda n, tail: LEGAL[:n] + tail, st.integers(1, 4), st.lists(STEPS, max_size=2)))
PROFILE = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@PROFILE
@given(HISTORIES, st.booleans(), st.one_of(st.none(), st.integers(0, 5)), st.booleans())
def test_merge_commit(ops, main_moves, update_at, submitted):
    _run("merge", ops, main_moves, update_at, submitted)


@PROFILE
@given(HISTORIES, st.booleans(), st.booleans())
def test_squash(ops, main_moves, submitted):
    _run("squash", ops, main_moves, None, submitted)


@PROFILE
@given(HISTORIES, st.booleans(), st.booleans())
def test_rebase(ops, main_moves, submitted):
    _run("rebase", ops, main_moves, None, submitted)


def test_histories_tried():
    """Runs after the three above (file order): each method was tried on histories that pass the
    gate and on histories that fail it, so neither side of the "iff" went untested."""
    print("histories tried:", TRIED)
    assert all(TRIED.get((m, ok), 0) >= 3 for m in ("merge", "squash", "rebase") for ok in (True, False)), TRIED

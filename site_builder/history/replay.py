"""Replay: turns a ledger's records into a git history dated like the real year (DESIGN.md §5).

The example ledger's records are dated 2023 but its files are committed today, so its own history
says nothing about 2023. ``replay`` writes a throwaway repository in one ``git fast-import`` stream:
every record becomes a change committed on its own date by the person it names, each item moving
open → in_progress → submitted → verified → cleared as its records say, and the last commit of each
file writes the ledger's own bytes, so the replayed head equals the ledger. The site, the bulletin
and the tests read that repository as they would a real one.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import zlib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from site_builder.ledger.load import Ledger, load_ledger
from site_builder.ledger.models import Item, LookbackResult, Status, VerificationResult
from site_builder.core.problems import LedgerError

_TZ = "+0800"
OFFICE_CLERK = "监督办"


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


_NoAliasDumper.add_multi_representer(Enum, lambda dumper, value: dumper.represent_str(value.value))


def dump_yaml(data: Any) -> bytes:
    return yaml.dump(data, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=1000).encode("utf-8")


@dataclass(order=True)
class _Event:
    date: dt.date
    order: int                         # within a day: opening, unit's work, office's work, clearing
    author: str = field(compare=False)
    path: str = field(compare=False)
    apply: Any = field(compare=False)  # state dict → None, mutates it
    moves_status: bool = field(default=False, compare=False)


def _item_events(item: Item, path: str) -> list[_Event]:
    """The dated steps by which ``item`` reached its current state."""
    final = item.model_dump(mode="python", exclude_none=True)
    events: list[_Event] = []

    def add(date, order, author, fn, moves=False):
        events.append(_Event(date, order, author, path, fn, moves))

    def opening(state):
        state.update({k: v for k, v in final.items() if k not in
                      ("reports", "supervision", "submissions", "verifications", "lookbacks", "mechanisms",
                       "withdrawal", "status")})
        state["measures"] = [{k: v for k, v in m.items() if k != "done"} for m in final["measures"]]
        state["status"] = "open"

    add(item.opened, 0, OFFICE_CLERK, opening, True)

    def appender(name, record):
        def fn(state):
            state.setdefault(name, []).append(record)
            if name in ("reports", "supervision") and state["status"] == "open" and item.status != Status.open:
                state["status"] = "in_progress"
        return fn

    for r in final.get("reports", []):
        add(r["date"], 1, r["by"], appender("reports", r), True)
    for i, m in enumerate(final["measures"]):
        if "done" in m:
            def done(state, i=i, when=m["done"]):
                state["measures"][i]["done"] = when
            add(m["done"], 1, item.department, done)
    for r in final.get("mechanisms", []):
        add(r["date"], 1, item.department, appender("mechanisms", r))
    for r in final.get("supervision", []):
        add(r["date"], 2, r["by"], appender("supervision", r), True)
    for r in final.get("submissions", []):
        def submit(state, r=r):
            state.setdefault("submissions", []).append(r)
            state["status"] = "submitted"
        add(r["date"], 3, r["by"], submit, True)
    for r in final.get("verifications", []):
        def verify(state, r=r):
            state.setdefault("verifications", []).append(r)
            state["status"] = "verified" if r["result"] == VerificationResult.passed else "in_progress"
        add(r["date"], 4, r["by"], verify, True)
    if item.status == Status.cleared:
        last = max([v.date for v in item.verifications] + [m.done for m in item.measures if m.done])
        add(last, 5, item.verifications[-1].by if item.verifications else OFFICE_CLERK,
            lambda state: state.update(status="cleared"), True)
    for r in final.get("lookbacks", []):
        def look(state, r=r):
            state.setdefault("lookbacks", []).append(r)
            if r["result"] == LookbackResult.relapsed:
                state["status"] = "in_progress"
        add(r["date"], 6, r["by"], look, True)
    if item.withdrawal is not None:
        w = final["withdrawal"]
        add(item.withdrawal.date, 7, item.withdrawal.by, lambda state: state.update(withdrawal=w, status="withdrawn"), True)
    events.sort()
    return events


def _email(name: str) -> str:
    return f"u{zlib.crc32(name.encode('utf-8')):08x}@replay.invalid"


def _list_events(ledger: Ledger, root: str) -> list[_Event]:
    events = []
    if ledger.actions:
        for a in ledger.actions:
            record = a.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
            record.update(id=a.id, kind=a.kind.value, date=a.date, title=a.title)
            events.append(_Event(a.date, 8, OFFICE_CLERK, f"{root}actions.yaml",
                                 lambda s, r=record: s.setdefault("actions", []).append(r)))
    for e in ledger.evaluations:
        record = e.model_dump(mode="python")
        events.append(_Event(e.date, 8, OFFICE_CLERK, f"{root}evaluations.yaml",
                             lambda s, r=record: s.setdefault("evaluations", []).append(r)))
    for week in ledger.bulletins:
        year, wk = int(week[:4]), int(week[6:])
        monday_after = dt.date.fromisocalendar(year, wk, 7) + dt.timedelta(days=1)
        events.append(_Event(monday_after, 0, OFFICE_CLERK, f"{root}bulletins/{week}.yaml", lambda s: None))
    return events


def replay(ledger_dir: str | Path, repo_dir: str | Path, ledger_path: str = "ledger") -> int:
    """Write the replayed history of ``ledger_dir`` into a new repository at ``repo_dir``.

    Returns the number of commits. Raises ``LedgerError`` when the ledger does not load.
    """
    src = Path(ledger_dir)
    ledger, problems = load_ledger(src)
    if problems:
        raise LedgerError(problems)
    root = ledger_path.strip("/") + "/"
    final_bytes = {}
    for rel in ("ledger.yaml", "units.yaml", "actions.yaml", "evaluations.yaml"):
        if (src / rel).exists():
            final_bytes[root + rel] = (src / rel).read_bytes()
    for p in sorted((src / "rounds").glob("*.yaml")) + sorted((src / "bulletins").glob("*.yaml")):
        final_bytes[root + p.relative_to(src).as_posix()] = p.read_bytes()

    events: list[_Event] = []
    for item_id, item in ledger.items.items():
        rel = ledger.paths["item:" + item_id][len(str(src)) + 1:]
        final_bytes[root + rel] = (src / rel).read_bytes()
        events += _item_events(item, root + rel)
    events += _list_events(ledger, root)
    start = min([r.feedback_date for r in ledger.rounds.values()] + [e.date for e in events])
    base_files = [root + "ledger.yaml", root + "units.yaml"]
    for rid, rnd in ledger.rounds.items():
        path = root + ledger.paths["round:" + rid][len(str(src)) + 1:]
        if rnd.feedback_date <= start:
            base_files.append(path)
        else:  # a round enters the ledger on its feedback date, before its items are opened
            events.append(_Event(rnd.feedback_date, -1, OFFICE_CLERK, path, lambda state: None))
    events.sort()

    remaining: dict[str, int] = {}
    for e in events:
        remaining[e.path] = remaining.get(e.path, 0) + 1
    states: dict[str, dict] = {}
    commits: list[tuple[dt.date, str, dict[str, bytes]]] = [(start, OFFICE_CLERK, {p: final_bytes[p] for p in base_files})]
    current: dict[str, bytes] = {}
    moved: set[str] = set()
    key = None
    for e in events:
        if key != (e.date, e.order, e.author) or (e.moves_status and e.path in moved):
            if current:
                commits.append((key[0], key[2], current))
            current, moved, key = {}, set(), (e.date, e.order, e.author)
        state = states.setdefault(e.path, {})
        e.apply(state)
        if e.moves_status:
            moved.add(e.path)
        remaining[e.path] -= 1
        current[e.path] = final_bytes[e.path] if remaining[e.path] == 0 else dump_yaml(state)
    if current:
        commits.append((key[0], key[2], current))
    _fast_import(Path(repo_dir), commits)
    return len(commits)


def _fast_import(repo_dir: Path, commits: list[tuple[dt.date, str, dict[str, bytes]]]) -> None:
    repo_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo_dir)], check=True)
    chunks: list[bytes] = []
    minute: dict[dt.date, int] = {}
    for n, (day, author, files) in enumerate(commits, start=1):
        minute[day] = minute.get(day, 0) + 1
        when = dt.datetime(day.year, day.month, day.day, 9, 0) + dt.timedelta(minutes=minute[day])
        stamp = int(when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
        who = f"{author} <{_email(author)}> {stamp} {_TZ}".encode("utf-8")
        message = f"{day.isoformat()} {author}: " + ", ".join(sorted(Path(p).stem for p in files))
        msg = message.encode("utf-8")
        chunks.append(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n"
                      % (n, who, who, len(msg), msg))
        if n > 1:
            chunks.append(b"from :%d\n" % (n - 1))
        for path, content in sorted(files.items()):
            chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode("utf-8"), len(content), content))
        chunks.append(b"\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=repo_dir, check=True,
                   input=b"".join(chunks) + b"done\n", capture_output=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo_dir, check=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m site_builder.history.replay LEDGER REPO``: the example build's first step."""
    import sys

    from site_builder.core.messages import translate

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m site_builder.history.replay LEDGER_DIR REPO_DIR", file=sys.stderr)
        return 2
    try:
        count = replay(args[0], args[1])
    except LedgerError as exc:
        for p in exc.problems:
            print(p.render(), file=sys.stderr)
        return 1
    print(translate("cli.replayed", "zh", commits=count, repo=args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

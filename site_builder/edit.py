"""Edit helpers: ``rectify new item``, ``rectify report`` and ``rectify transition`` write the YAML
that people would otherwise edit by hand, and refuse what the review gate would refuse.

Each edit is made on a round-trip copy of the file (ruamel.yaml keeps comments, key order, quoting
and flow-style records), then judged exactly as the gate would judge it: the new file is loaded by
the same loader, the whole ledger with the new file in place is validated, and the change from the
old item to the new one is put through the change rules of ``changes`` (legal edge with its record,
append-only records, record dates against the commit's date, separation of duties). Any problem:
nothing is written and the problems are returned, located in the file as it would be. Nothing here
prints; the CLI (``cli_edit``) does.

The commit the gate will later judge does not exist yet; it is stood in for by "now" — the author
date git will use (``GIT_AUTHOR_DATE`` when set, else the clock) — and by the git user who will
make it (``GIT_AUTHOR_NAME`` / ``user.name``). Who committed the earlier submissions (交账) is read
from the file's git history, so that a verification (核账) by the same git author is refused here
too, not only in the pull request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from . import yamlsafe
from .history import Commit
from .load import Ledger, ParseCache, check_file, load_ledger
from .models import Item, Settings, Status
from .problems import Problem
from .validate import validate

#: field order of an item file, as the models declare it (new keys are inserted in this order)
ITEM_ORDER = tuple(Item.model_fields)
_NO_COMMIT = "0" * 40


# ---------------------------------------------------------------- the commit to come

def _git_date(value: str | None) -> dt.datetime | None:
    """A date as git accepts it in GIT_AUTHOR_DATE: ISO 8601, RFC 2822 or ``@<epoch> <zone>``."""
    if not value:
        return None
    value = value.strip()
    m = re.fullmatch(r"@?(\d+)(?:\s+([+-]\d{4}))?", value)
    if m:
        moment = dt.datetime.fromtimestamp(int(m.group(1)), dt.timezone.utc)
        if m.group(2):
            sign = 1 if m.group(2)[0] == "+" else -1
            offset = dt.timedelta(hours=int(m.group(2)[1:3]), minutes=int(m.group(2)[3:5]))
            moment = moment.astimezone(dt.timezone(sign * offset))
        return moment
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.astimezone()


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def _git_bytes(cwd: Path, args: list[str], stdin: bytes) -> bytes | None:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def coming_commit(ledger_dir: Path) -> Commit:
    """The commit that will record this edit, as far as it can be known now."""
    now = dt.datetime.now(dt.timezone.utc)
    authored = _git_date(os.environ.get("GIT_AUTHOR_DATE")) or now
    committed = _git_date(os.environ.get("GIT_COMMITTER_DATE")) or authored
    name = os.environ.get("GIT_AUTHOR_NAME") or (_git(ledger_dir, "config", "user.name") or "").strip()
    mail = os.environ.get("GIT_AUTHOR_EMAIL") or (_git(ledger_dir, "config", "user.email") or "").strip()
    return Commit(_NO_COMMIT, (), name or "\0you", mail, authored, committed, "", ())


# ---------------------------------------------------------------- YAML in and out

def _yaml(indent: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096               # never fold a long Chinese line
    y.allow_unicode = True
    y.indent(mapping=2, sequence=max(indent, offset + 2), offset=offset)
    y.representer.ignore_aliases = lambda data: True   # the ledger's loader refuses anchors and aliases
    return y


def _load_rt(text: str) -> tuple[CommentedMap, YAML]:
    try:
        _, indent, offset = load_yaml_guess_indent(text)
    except Exception:  # noqa: BLE001 - guessing only; the loader below reports real errors
        indent, offset = 4, 2
    y = _yaml(indent or 4, 2 if offset is None else offset)
    return y.load(text), y


def dump(data: Any, y: YAML | None = None) -> str:
    buf = io.StringIO()
    (y or _yaml()).dump(data, buf)
    return buf.getvalue()


_RESOLVER = pyyaml.resolver.Resolver()


def text_value(value: str) -> Any:
    """A string that the ledger's loader (PyYAML, YAML 1.1) reads back as the same string.

    ruamel.yaml writes YAML 1.2, where ``no`` and ``1:30`` are text; PyYAML would read them as
    false and 90. Such values are written in quotes.
    """
    tag = _RESOLVER.resolve(pyyaml.ScalarNode, value, (True, False))
    if tag != "tag:yaml.org,2002:str":
        return SingleQuotedScalarString(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, SingleQuotedScalarString):
        return text_value(value)
    return value


def flow_map(pairs: list[tuple[str, Any]]) -> CommentedMap:
    m = CommentedMap()
    for key, value in pairs:
        if value is None or value == [] or value == ():
            continue
        m[key] = flow_seq(value) if isinstance(value, (list, tuple)) else _plain(value)
    m.fa.set_flow_style()
    return m


def block_map(pairs: list[tuple[str, Any]]) -> CommentedMap:
    m = flow_map(pairs)
    m.fa.set_block_style()
    return m


def flow_seq(values) -> CommentedSeq:
    s = CommentedSeq([_plain(v) for v in values])
    s.fa.set_flow_style()
    return s


def set_key(data: CommentedMap, key: str, value: Any) -> None:
    """Set ``key``; a new key goes where the models' field order puts it."""
    if key in data:
        data[key] = value
        return
    order = ITEM_ORDER.index(key) if key in ITEM_ORDER else len(ITEM_ORDER)
    pos = len(data)
    for i, existing in enumerate(data):
        if existing in ITEM_ORDER and ITEM_ORDER.index(existing) > order:
            pos = i
            break
    data.insert(pos, key, value)


def append_record(data: CommentedMap, name: str, pairs: list[tuple[str, Any]]) -> None:
    """Append a record to list ``name`` in the style of the list's last record (flow by default)."""
    seq = data.get(name)
    block = False
    if isinstance(seq, CommentedSeq) and len(seq) and isinstance(seq[-1], CommentedMap):
        block = not seq[-1].fa.flow_style()
    elif name == "submissions":
        block = True        # a submission carries its evidence list: easier to read as a block
    record = block_map(pairs) if block else flow_map(pairs)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq()
        set_key(data, name, seq)
    elif seq.fa.flow_style():
        seq.fa.set_block_style()
    seq.append(record)


# ---------------------------------------------------------------- the ledger, before and after

@dataclass
class Workspace:
    """A ledger folder loaded once, with the commit that will record the edit."""
    root: Path
    ledger: Ledger
    load_problems: list[Problem]
    commit: Commit
    settings: Settings
    tz: ZoneInfo
    display: str
    git_root: Path | None = None
    _history_cache: dict[str, list] = field(default_factory=dict)

    @classmethod
    def open(cls, ledger_dir: str | os.PathLike, cache: ParseCache | None = None) -> "Workspace":
        root = Path(ledger_dir)
        ledger, problems = load_ledger(root, cache)
        settings = ledger.settings or Settings(organisation="-", office="-")
        top = _git(root, "rev-parse", "--show-toplevel") if root.is_dir() else None
        return cls(root, ledger, problems, coming_commit(root if root.is_dir() else Path.cwd()), settings,
                   ZoneInfo(settings.timezone), str(ledger_dir), Path(top.strip()) if top else None)

    @property
    def today(self) -> dt.date:
        """The day the coming commit is made, in the ledger's time zone: the default record date."""
        return self.commit.authored.astimezone(self.tz).date()

    def display_of(self, rel: str) -> str:
        return f"{self.display.rstrip('/')}/{rel}" if self.display else rel

    def item_file(self, item_id: str) -> tuple[str | None, Path | None]:
        """(display path, real path) of an item file, also when the file does not load."""
        display = self.ledger.paths.get("item:" + item_id)
        if display is None:
            for rel in self.ledger.failed:
                if rel.startswith("issues/") and Path(rel).stem == item_id:
                    display = self.display_of(rel)
                    break
        if display is None:
            return None, None
        return display, self.root / display[len(self.display.rstrip("/")) + 1:]

    # -------------------------------------------------------- judging

    def check(self, files: dict[str, str], changes: dict[str, Item | None] | None = None) -> tuple[list[Problem], dict[str, Item]]:
        """Problems of the ledger with ``files`` (display path → new text) in place.

        ``changes``: display path → the item before the edit (None: created), for the change rules.
        Returns (problems, display path → new item model).
        """
        prefix = self.display.rstrip("/") + "/"
        problems = [p for p in self.load_problems if p.file not in files]
        items = dict(self.ledger.items)
        paths = dict(self.ledger.paths)
        failed = set(self.ledger.failed)
        texts = dict(files)
        models: dict[str, Item] = {}
        duplicates = list(self.ledger.duplicates)
        id_at = {v: k[5:] for k, v in self.ledger.paths.items() if k.startswith("item:")}
        for display, text in files.items():
            rel = display[len(prefix):]
            _, model, file_problems = check_file(text.encode("utf-8"), "item", display)
            problems += file_problems
            old_id = id_at.get(display)
            if old_id is not None and (model is None or model.id != old_id):
                items.pop(old_id, None)
                paths.pop("item:" + old_id, None)
            if model is None:
                failed.add(rel)
                continue
            failed.discard(rel)
            models[display] = model
            if model.id in items and paths.get("item:" + model.id) != display:
                duplicates.append(("item", model.id, display))
                continue
            items[model.id] = model
            paths["item:" + model.id] = display
        base_text = self.ledger.text
        ledger = replace(self.ledger, items=dict(sorted(items.items())), paths=paths, failed=tuple(sorted(failed)),
                         duplicates=tuple(duplicates), text=lambda p: texts[p] if p in texts else base_text(p))
        problems += validate(ledger, self.today)
        for display, old in (changes or {}).items():
            new = models.get(display)
            if new is not None:
                problems += self._judge(display, texts[display], old, new)
        return sorted(set(problems)), models

    def _judge(self, display: str, text: str, old: Item | None, new: Item) -> list[Problem]:
        """The change rules of the gate, applied to this one change."""
        from . import changes
        origins = changes._Origins()
        rel_in_repo = self._rel_in_repo(display)
        history = self._file_history(rel_in_repo) if rel_in_repo else None
        if history is None:      # not in git: who made the earlier records is unknown
            unknown = replace(self.commit, author="", email="")
            if old is not None:
                origins.note(changes._Version(old, display, "", unknown))
        else:
            for commit, item in history:
                origins.note(changes._Version(item, display, "", commit))
            if old is not None:  # records not committed yet go in with this edit
                origins.note(changes._Version(old, display, "", self.commit))
        rules = changes._Rules.of(self.settings, self.commit.committed)
        root = history is not None and not self._ledger_has_commits()
        found = changes.judge(old, new, origins, rules, root, single=self.commit)
        return [Problem.at(display, yamlsafe.locate(text, loc) if loc else None, code, **params)
                for loc, code, params in found]

    # -------------------------------------------------------- git

    def _rel_in_repo(self, display: str) -> str | None:
        if self.git_root is None:
            return None
        real = (self.root / display[len(self.display.rstrip("/")) + 1:]).resolve()
        try:
            return real.relative_to(self.git_root.resolve()).as_posix()
        except ValueError:
            return None

    def _ledger_has_commits(self) -> bool:
        rel = self._rel_in_repo(self.display_of("x"))
        folder = rel.rsplit("/", 1)[0] if rel and "/" in rel else "."
        out = _git(self.git_root, "log", "-1", "--format=%H", "--", folder)
        return bool(out and out.strip())

    def _file_history(self, rel: str) -> list[tuple[Commit, Item]]:
        """Every committed version of one item file on the first-parent line of HEAD, oldest first."""
        if rel in self._history_cache:
            return self._history_cache[rel]
        out = _git(self.git_root, "log", "--first-parent", "--reverse", "--no-renames",
                   "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI", "HEAD", "--", rel) or ""
        commits = []
        for line in out.splitlines():
            parts = line.split("\0")
            if len(parts) == 6:
                commits.append(Commit(parts[0], tuple(parts[1].split()), parts[2], parts[3],
                                      dt.datetime.fromisoformat(parts[4]), dt.datetime.fromisoformat(parts[5]), "", ()))
        versions: list[tuple[Commit, Item]] = []
        if commits:
            raw = _git_bytes(self.git_root, ["cat-file", "--batch"],
                             "".join(f"{c.sha}:{rel}\n" for c in commits).encode()) or b""
            pos = 0
            for commit in commits:
                end = raw.find(b"\n", pos)
                if end < 0:
                    break
                header = raw[pos:end].split()
                pos = end + 1
                if len(header) < 3 or header[-1] == b"missing":
                    continue
                size = int(header[2])
                blob = raw[pos:pos + size]
                pos += size + 1
                _, model, _ = check_file(blob, "item", rel)
                if model is not None:
                    versions.append((commit, model))
        self._history_cache[rel] = versions
        return versions

    # -------------------------------------------------------- writing

    def write(self, files: dict[str, str]) -> None:
        """Write every file (display path → text) or, if one write fails, none of them."""
        prefix_len = len(self.display.rstrip("/")) + 1
        write_files({self.root / display[prefix_len:]: text.encode("utf-8") for display, text in files.items()})


def write_files(files: dict[Path, bytes]) -> None:
    """Write every file through a temporary file and a rename; if one write fails, undo the others."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            before = path.read_bytes() if path.exists() else None
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            done.append((path, before))
    except BaseException:
        for path, before in reversed(done):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(before)
        raise


# ---------------------------------------------------------------- the three edits

@dataclass
class Outcome:
    """What an edit did, or why it did nothing."""
    problems: list[Problem]
    item: str = ""
    path: str = ""
    before: str | None = None
    after: str | None = None
    record: str = ""           # message code of what was added
    params: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def next_item_id(ws: Workspace, round_id: str) -> str:
    """The next free id of a round, ``<round>-NNN`` (at least three digits)."""
    pattern = re.compile(re.escape(round_id) + r"-(\d+)$")
    taken = set(ws.ledger.items)
    folder = ws.root / "issues" / round_id
    if folder.is_dir():
        taken |= {p.stem for p in folder.glob("*.yaml")}
    numbers = [(int(m.group(1)), len(m.group(1))) for i in taken if (m := pattern.match(i))]
    width = max([3] + [w for _, w in numbers])
    return f"{round_id}-{max([0] + [n for n, _ in numbers]) + 1:0{width}d}"


def unit_id(ws: Workspace, value: str) -> str:
    """A unit id from an id or a unit's full name (as units.yaml writes it)."""
    if value in ws.ledger.units:
        return value
    by_name = {u.name: u.id for u in ws.ledger.units.values()}
    return by_name.get(value.strip(), value)


def item_document(fields: dict[str, Any]) -> CommentedMap:
    """A new item file's content, in the models' field order, measures and records in flow style."""
    doc = CommentedMap()
    for key in ITEM_ORDER:
        value = fields.get(key)
        if value is None or value == [] or value == ():
            continue
        if key in ("feedback", "tags"):
            doc[key] = flow_seq(value)
        elif key in ("measures", "reports", "supervision", "verifications", "lookbacks", "mechanisms"):
            doc[key] = CommentedSeq([flow_map(list(v.items())) for v in value])
        elif key == "submissions":
            doc[key] = CommentedSeq([block_map(list(v.items())) for v in value])
        elif key == "withdrawal":
            doc[key] = block_map(list(value.items()))
        else:
            doc[key] = _plain(value)
    return doc


def new_item(ws: Workspace, fields: dict[str, Any]) -> Outcome:
    """Open a new item (建账): ``issues/<round>/<next id>.yaml``, status open."""
    missing = [p for p in ws.load_problems if p.code == "load.no_ledger_dir"]
    if missing:
        return Outcome(missing)
    fields = dict(fields)
    fields["unit"] = unit_id(ws, fields["unit"])
    fields.setdefault("opened", ws.today)
    fields["status"] = fields.get("status") or Status.open.value
    fields["measures"] = [{"id": m.get("id") or f"M{i}", **{k: v for k, v in m.items() if k != "id"}}
                          for i, m in enumerate(fields["measures"], start=1)]
    item_id = fields.get("id") or next_item_id(ws, fields["round"])
    fields["id"] = item_id
    display = ws.display_of(f"issues/{fields['round']}/{item_id}.yaml")
    text = dump(item_document(fields))
    if (ws.root / f"issues/{fields['round']}/{item_id}.yaml").exists():
        return Outcome([Problem.at(display, None, "edit.file_exists", path=display)], item_id, display)
    problems, _ = ws.check({display: text}, {display: None})
    if problems:
        return Outcome(problems, item_id, display)
    ws.write({display: text})
    return Outcome([], item_id, display, None, fields["status"], "edit.rec_opened", {"title": fields["title"]})


def _edit(ws: Workspace, item_id: str, change: Callable[[CommentedMap, Item, str], tuple[str, list[Problem]]]) -> Outcome:
    """Load an item for round-trip editing, apply ``change``, judge the result, write it or not."""
    display, path = ws.item_file(item_id)
    if display is None:
        missing = [p for p in ws.load_problems if p.code == "load.no_ledger_dir"]
        return Outcome(missing or [Problem.at(ws.display_of("issues"), None, "rule.unknown_item", item=item_id)], item_id)
    old = ws.ledger.items.get(item_id)
    if old is None or ws.ledger.paths.get("item:" + item_id) != display:
        return Outcome([p for p in ws.load_problems if p.file == display] or
                       [Problem.at(display, None, "rule.unknown_item", item=item_id)], item_id, display)
    text = path.read_bytes().decode("utf-8-sig")
    data, y = _load_rt(text)
    record, own = change(data, old, display)
    new_text = dump(data, y)
    if own:
        return Outcome(own, item_id, display)
    problems, models = ws.check({display: new_text}, {display: old})
    new = models.get(display)
    outcome = Outcome(problems, item_id, display, old.status.value, new.status.value if new else None, record)
    if not problems:
        ws.write({display: new_text})
    return outcome


def add_report(ws: Workspace, item_id: str, *, text: str, by: str, date: dt.date | None = None,
               done: list[str] | tuple[str, ...] = ()) -> Outcome:
    """Append a progress report (日报告); an open item moves to in_progress. ``done``: measures
    finished that day."""
    day = date or ws.today

    def change(data: CommentedMap, old: Item, display: str) -> tuple[str, list[Problem]]:
        own = _mark_done(data, old, display, done, day)
        append_record(data, "reports", [("date", day), ("by", by), ("text", text)])
        if old.status == Status.open:
            data["status"] = Status.in_progress.value
        return ("edit.rec_report_done" if done else "edit.rec_report"), own

    outcome = _edit(ws, item_id, change)
    outcome.params = {"date": day, "by": by, "measures": "、".join(done)}
    return outcome


def _mark_done(data: CommentedMap, old: Item, display: str, done, day: dt.date) -> list[Problem]:
    problems = []
    measures = data.get("measures") or []
    by_id = {str(m.get("id")): m for m in measures if isinstance(m, CommentedMap)}
    for mid in done:
        m = by_id.get(mid)
        if m is None:
            problems.append(Problem.at(display, None, "edit.unknown_measure", item=old.id, measure=mid))
        elif m.get("done") is not None:
            problems.append(Problem.at(display, None, "edit.measure_done", measure=mid, date=str(m.get("done"))))
        else:
            m["done"] = day
    return problems


def transition(ws: Workspace, item_id: str, state: str, *, by: str, date: dt.date | None = None,
               text: str | None = None, note: str | None = None, evidence: list[str] | tuple[str, ...] = (),
               reason: str | None = None, merged_into: str | None = None) -> Outcome:
    """Move an item to ``state`` with the record the move needs:

    submitted → a submission (交账); verified → a passed verification (核账); in_progress from
    submitted → a returned verification (``note`` says why); in_progress from cleared → a look-back
    that found a relapse; cleared → nothing added (every measure must be done); withdrawn → the
    withdrawal with its reason. Whatever the gate would refuse is refused with its own message.
    """
    day = date or ws.today

    def change(data: CommentedMap, old: Item, display: str) -> tuple[str, list[Problem]]:
        before = old.status.value
        if state == before:
            return "", [Problem.at(display, yamlsafe.locate(dump(data), ("status",)), "edit.same_state",
                                   item=old.id, state=state)]
        record = "edit.rec_none"
        if state == Status.submitted.value:
            append_record(data, "submissions", [("date", day), ("by", by), ("text", text), ("evidence", list(evidence))])
            record = "edit.rec_submission"
        elif state == Status.verified.value:
            append_record(data, "verifications", [("date", day), ("by", by), ("result", "passed"), ("note", note or text)])
            record = "edit.rec_passed"
        elif state == Status.in_progress.value and before == Status.submitted.value:
            append_record(data, "verifications", [("date", day), ("by", by), ("result", "returned"), ("note", note or text)])
            record = "edit.rec_returned"
        elif state == Status.in_progress.value and before == Status.cleared.value:
            append_record(data, "lookbacks", [("date", day), ("by", by), ("result", "relapsed"), ("note", note or text)])
            record = "edit.rec_relapsed"
        elif state == Status.in_progress.value and text:
            append_record(data, "reports", [("date", day), ("by", by), ("text", text)])
            record = "edit.rec_report"
        elif state == Status.withdrawn.value:
            if reason:
                set_key(data, "withdrawal", block_map([("date", day), ("by", by), ("reason", reason),
                                                        ("merged_into", merged_into)]))
            record = "edit.rec_withdrawal"
        data["status"] = state
        return record, []

    outcome = _edit(ws, item_id, change)
    outcome.params = {"date": day, "by": by}
    return outcome

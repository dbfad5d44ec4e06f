"""Edit workspace: the ground under the edit helpers (``edit``, ``excel``) — a ledger folder loaded
once, the commit that will record the edit, the gate's judgement of the ledger with new files in
place, and the all-or-nothing write of those files.

The commit the gate will later judge does not exist yet; it is stood in for by "now" — the author
date git will use (``GIT_AUTHOR_DATE`` when set, else the clock) — and by the git user who will
make it (``GIT_AUTHOR_NAME`` / ``user.name``). Who committed the earlier submissions (交账) is read
from the file's git history, so that a verification (核账) by the same git author is refused here
too, not only in the pull request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from site_builder.core import clock
from site_builder.ledger import yamlsafe
from site_builder.ledger.cache import ParseCache
from site_builder.ledger.filecheck import check_file
from site_builder.history.timeline import Commit
from site_builder.ledger.load import Ledger, load_ledger
from site_builder.ledger.models import Item, Settings
from site_builder.core.problems import Problem
from site_builder.ledger.validate import validate

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


def _run_git(cwd: Path, args: tuple[str, ...], **options) -> str | bytes | None:
    """git's output, or None when git is missing or the command fails."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, **options)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def _git(cwd: Path, *args: str) -> str | None:
    return _run_git(cwd, args, text=True, encoding="utf-8", errors="replace")


def coming_commit(ledger_dir: Path) -> Commit:
    """The commit that will record this edit, as far as it can be known now."""
    now = clock.now()
    authored = _git_date(os.environ.get("GIT_AUTHOR_DATE")) or now
    committed = _git_date(os.environ.get("GIT_COMMITTER_DATE")) or authored
    name = os.environ.get("GIT_AUTHOR_NAME") or (_git(ledger_dir, "config", "user.name") or "").strip()
    mail = os.environ.get("GIT_AUTHOR_EMAIL") or (_git(ledger_dir, "config", "user.email") or "").strip()
    return Commit(_NO_COMMIT, (), name or "\0you", mail, authored, committed, "", ())


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

    def _rel(self, display: str) -> str:
        """The path inside the ledger folder of a display path (the inverse of ``display_of``)."""
        return display[len(self.display.rstrip("/")) + 1:]

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
        return display, self.root / self._rel(display)

    # -------------------------------------------------------- judging

    def check(self, files: dict[str, str], changes: dict[str, Item | None] | None = None) -> tuple[list[Problem], dict[str, Item]]:
        """Problems of the ledger with ``files`` (display path → new text) in place.

        ``changes``: display path → the item before the edit (None: created), for the change rules.
        Returns (problems, display path → new item model).
        """
        problems = [p for p in self.load_problems if p.file not in files]
        items = dict(self.ledger.items)
        paths = dict(self.ledger.paths)
        failed = set(self.ledger.failed)
        texts = dict(files)
        models: dict[str, Item] = {}
        duplicates = list(self.ledger.duplicates)
        id_at = {v: k[5:] for k, v in self.ledger.paths.items() if k.startswith("item:")}
        for display, text in files.items():
            rel = self._rel(display)
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
        from site_builder.history import rules as changes
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
        real = (self.root / self._rel(display)).resolve()
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
            raw = _run_git(self.git_root, ("cat-file", "--batch"),
                           input="".join(f"{c.sha}:{rel}\n" for c in commits).encode()) or b""
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
        paths = {self.root / self._rel(display): text for display, text in files.items()}
        write_files({path: same_shape(text.encode("utf-8"), path.read_bytes() if path.is_file() else None)
                     for path, text in paths.items()})


def same_shape(data: bytes, before: bytes | None) -> bytes:  # text files only (YAML), never a workbook
    """``data`` with the line ends and byte-order mark of the file it replaces: a file a Windows
    editor saved with CRLF (or Notepad's BOM) keeps them, so that an edit's diff is only its lines."""
    if not before:
        return data
    if b"\r\n" in before:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if before.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf"):
        data = b"\xef\xbb\xbf" + data
    return data


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

"""Changes, the ledger's other append-only files: the rules of DESIGN.md §4 for what is not an item,
applied by ``rules.judge_history`` to each judged commit. Actions (actions.yaml) and evaluations
(evaluations.yaml) are append-only: an entry once written is neither edited nor removed (a
correction is a new entry that names the one it supersedes); a round's deadline moves later only
with a round extension (延期) appended in the same change, and its extensions are append-only too.
"""

from __future__ import annotations

from site_builder.core.problems import Problem
from site_builder.history.gitlog import _NULL
from site_builder.history.graph import _Shim
from site_builder.ledger import yamlsafe
from site_builder.ledger.load import kind_of

JUDGED = ("actions", "evaluations", "round")


def file_problems(history, commit) -> list[Problem]:
    """Problems of one commit's changes to actions, evaluations and rounds. A merge is judged, like
    an item, only for what no parent explains: a problem counts when every parent shows it."""
    prefix = history.ledger_prefix
    out: list[Problem] = []
    others = None
    for ch in commit.changes:
        rel = ch.path[len(prefix):]
        kind = kind_of(rel)
        if kind not in JUDGED or ch.irregular or ch.old_blob == _NULL or ch.new_blob == _NULL:
            continue   # a new file has no past; a deleted one is reported by the load stage
        if others is None:
            others = [history.tree(_Shim(p)) for p in commit.parents[1:]]
        blobs = [ch.old_blob] + [t.get(rel) for t in others]
        if ch.new_blob in blobs:
            continue
        contents = history.read_blobs([b for b in [ch.new_blob, *blobs] if b])
        new = _model(history, contents, ch.new_blob, kind, ch.path)
        if new is None:
            continue
        found = None
        for blob in blobs:
            old = _model(history, contents, blob, kind, ch.path) if blob else None
            if old is None:
                found = set()   # a parent without the file (or a broken one) explains everything
                break
            mine = set(_compare(kind, old, new))
            found = mine if found is None else found & mine
        text, _ = yamlsafe.decode(contents.get(ch.new_blob, b""), ch.path)
        for loc, code, params in sorted(found or (), key=lambda f: (f[1], f[0])):
            pos = yamlsafe.locate(text, loc) if text else None
            out.append(Problem.at(ch.path, pos, code, commit=commit.sha, **dict(params)))
    return out


def _model(history, contents, blob, kind, path):
    model, _, _ = history.cache.get(contents.get(blob, b""), kind, path, blob)
    return model


def _compare(kind: str, old, new) -> list[tuple[tuple, str, tuple]]:
    if kind == "actions":
        return _by_id("actions", old.actions, new.actions)
    if kind == "evaluations":
        return _appended("evaluations", old.evaluations, new.evaluations, lambda e: f"{e.unit} {e.round} {e.date}")
    out = _appended("extensions", old.extensions, new.extensions, lambda e: str(e.date))
    fresh = new.extensions[len(old.extensions):] if new.extensions[:len(old.extensions)] == old.extensions else ()
    if new.deadline > old.deadline and not any(e.deadline == new.deadline for e in fresh):
        out.append((("deadline",), "change.deadline_later", (("new", new.deadline), ("old", old.deadline))))
    return out


def _by_id(name: str, before, after) -> list[tuple[tuple, str, tuple]]:
    """Entries with ids: each old one still there, unchanged (order may change with new ones)."""
    now = {e.id: (i, e) for i, e in enumerate(after)}
    out = []
    for e in before:
        if e.id not in now:
            out.append(((name,), "change.entry_removed", (("entry", e.id), ("list", name))))
        elif now[e.id][1] != e:
            out.append(((name, now[e.id][0]), "change.entry_edited", (("entry", e.id), ("list", name))))
    return out


def _appended(name: str, before, after, label) -> list[tuple[tuple, str, tuple]]:
    """Entries without ids: the old ones are the new list's beginning."""
    if after[:len(before)] == before:
        return []
    index = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), None)
    if index is None:   # shorter, the beginning kept: the last ones were removed
        return [((name,), "change.entry_removed", (("entry", label(before[len(after)])), ("list", name)))]
    if len(after) < len(before) and before[index] not in after:   # a middle one removed
        return [((name, index), "change.entry_removed", (("entry", label(before[index])), ("list", name)))]
    return [((name, index), "change.entry_edited", (("entry", label(before[index])), ("list", name)))]

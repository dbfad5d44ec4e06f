"""Member repositories for the roll-up tests: small county ledgers written inline (from the shared
fixture's files) into real git repositories, and a roll-up repository declaring them."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import conftest
from gitrepo import Repo
from site_builder.cli.main import main

WHEN = "2023-08-14T10:00:00+08:00"


def _item(template: str, iid: str, tags: tuple[str, ...] = (), aspect: str | None = None) -> str:
    text = template.replace("2023-R2-001", iid).replace("2023-R2-002", iid)
    if tags:
        text = text.replace("term: time_limited", f"tags: [{', '.join(tags)}]\nterm: time_limited", 1)
    return text


def county_files(org: str, cleared: int, in_progress: int, tags: dict[int, tuple[str, ...]] | None = None,
                 internal_tags: tuple[str, ...] = (), extra_round: bool = False) -> dict[str, str]:
    """A county ledger: ``cleared`` items like the fixture's first (cleared, agri-bureau) and
    ``in_progress`` like its second (in progress, east-town); item k (1-based) gets ``tags[k]``."""
    tags = tags or {}
    settings = conftest.SETTINGS.replace("测试县委", org)
    if internal_tags:
        settings += f"internal_tags: [{', '.join(internal_tags)}]\n"
    files = {"ledger/ledger.yaml": settings, "ledger/units.yaml": conftest.UNITS,
             "ledger/rounds/2023-R2.yaml": conftest.ROUND}
    k = 0
    for template, count in ((conftest.ITEM_1, cleared), (conftest.ITEM_2, in_progress)):
        for _ in range(count):
            k += 1
            iid = f"2023-R2-{k:03d}"
            files[f"ledger/issues/2023-R2/{iid}.yaml"] = _item(template, iid, tags.get(k, ()))
    if extra_round:   # a second round of the same kind finding the same tag again (每巡每有)
        files["ledger/rounds/2022-R1.yaml"] = conftest.ROUND.replace("2023-R2", "2022-R1").replace(
            "feedback_date: 2023-05-30", "feedback_date: 2022-05-30").replace("deadline: 2023-10-30", "deadline: 2022-10-30")
        files["ledger/issues/2022-R1/2022-R1-001.yaml"] = _item(conftest.ITEM_1, "2022-R1-001", tags.get(0, ())) \
            .replace("2023-R2", "2022-R1").replace("2023-06-05", "2022-06-05").replace("2023-09-30", "2022-09-30") \
            .replace("2023-08-31", "2022-08-31").replace("2023-08-10", "2022-08-10").replace("2023-07-11", "2022-07-11") \
            .replace("2023-08-11", "2022-08-11").replace("2023-08-14", "2022-08-14")
        files["ledger/issues/2022-R1/2022-R1-002.yaml"] = _item(conftest.ITEM_2, "2022-R1-002") \
            .replace("2023-R2", "2022-R1").replace("2023-06-05", "2022-06-05").replace("2023-10-15", "2022-10-15") \
            .replace("2023-09-30", "2022-09-30").replace("2023-08-16", "2022-08-16").replace("status: in_progress", "status: cleared") \
            .replace("due: 2022-09-30}", "due: 2022-09-30, done: 2022-09-20}") + (
                "submissions:\n  - {date: 2022-09-21, by: 李某, text: 已补齐}\n"
                "verifications:\n  - {date: 2022-09-25, by: 赵某, result: passed}\n")
    return files


def county(root: Path, org: str, cleared: int, in_progress: int, **kw) -> Repo:
    repo = Repo(root)
    for rel, text in county_files(org, cleared, in_progress, **kw).items():
        repo.write(rel, text)
    repo.commit("台账", WHEN, author="监督办 王某")
    return repo


def rollup(root: Path, org: str, members: list[dict], extra: str = "") -> Repo:
    """A roll-up repository whose ledger.yaml lists ``members`` ({id, name, level, repo, …})."""
    repo = Repo(root)
    lines = [f"organisation: {org}", f"office: {org}巡察整改监督工作办公室", "as_of: 2023-08-18", "members:"]
    for m in members:
        lines.append(f"  - id: {m['id']}")
        lines += [f"    {k}: {v}" for k, v in m.items() if k != "id"]
    repo.write("ledger/ledger.yaml", "\n".join(lines) + "\n" + extra)
    repo.commit("汇总台账", WHEN, author="市监督办 张某")
    return repo


def rectify(*argv: str, cwd: Path) -> tuple[int, str]:
    """``rectify`` run in ``cwd``: (exit code, stdout and stderr)."""
    buf, old = io.StringIO(), os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            code = main([*argv, "--lang", "zh", "--format", "text"])
    finally:
        os.chdir(old)
    return code, buf.getvalue()

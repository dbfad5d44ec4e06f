"""Paths: nothing outside the ledger folder is opened. A symbolic link where a ledger file or folder
belongs (in the working tree or committed to git), a dangling link, a folder, a pipe or an
unreadable file where a file belongs, and odd file names are located errors, never exit 3, and a
link's target is never read or quoted."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import ROUND, SETTINGS, UNITS, rectify, run_cli
from gitrepo import Repo

CANARY = "CANARY-7f3a9e"
ITEM = "issues/2023-R2/2023-R2-002.yaml"


@pytest.fixture
def outside(tmp_path):
    """A folder next to the ledger, holding valid-looking files that carry a canary string."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "units.yaml").write_text(UNITS.replace("县农业农村局", f"县农业农村局{CANARY}"), encoding="utf-8")
    (folder / "item.yaml").write_text(f"id: {CANARY}\nstatus: {CANARY}\ntitle: [{CANARY}\n", encoding="utf-8")
    return folder


def _all_output(*parts: str) -> str:
    return "\n".join(parts)


def _validate(capsys, ledger_dir, *extra):
    code, out, err = rectify(capsys, "validate", str(ledger_dir), *extra)
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, out, err


def _replace_with_link(path, target):
    if path.is_dir() and not path.is_symlink():
        import shutil
        shutil.rmtree(path)
    else:
        path.unlink()
    os.symlink(target, path)


def test_symlinked_units_is_refused_and_never_published(capsys, ledger_dir, outside, tmp_path):
    _replace_with_link(ledger_dir / "units.yaml", outside / "units.yaml")
    for fmt in ("text", "github", "json"):
        code, out, err = _validate(capsys, ledger_dir, "--format", fmt)
        assert code == 1
        assert CANARY not in out + err
        assert str(outside) not in out + err
    code, out, err = _validate(capsys, ledger_dir)
    assert f"{ledger_dir}/units.yaml: 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()
    site = tmp_path / "site"
    code, out, err = rectify(capsys, "build", str(ledger_dir), "--out", str(site), "--no-cache")
    assert code == 1 and CANARY not in out + err
    assert not site.exists() or not any(CANARY.encode() in p.read_bytes() for p in site.rglob("*") if p.is_file())


def test_symlinked_item_is_refused_without_quoting_its_target(capsys, ledger_dir, outside):
    _replace_with_link(ledger_dir / ITEM, outside / "item.yaml")
    code, out, err = _validate(capsys, ledger_dir, "--format", "github")
    assert code == 1 and CANARY not in out + err
    assert f"{ledger_dir}/{ITEM}: 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()


def test_symlinked_round_folder_is_refused(capsys, ledger_dir, outside):
    (outside / "issues").mkdir()
    (outside / "issues" / "2023-R2-001.yaml").write_text(f"id: {CANARY}\n", encoding="utf-8")
    _replace_with_link(ledger_dir / "issues/2023-R2", outside / "issues")
    code, out, err = _validate(capsys, ledger_dir)
    assert code == 1 and CANARY not in out + err
    assert f"{ledger_dir}/issues/2023-R2: 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()


def test_dangling_link_is_a_located_error(capsys, ledger_dir, tmp_path):
    _replace_with_link(ledger_dir / "units.yaml", tmp_path / "nowhere.yaml")
    code, out, err = _validate(capsys, ledger_dir)
    assert code == 1
    assert f"{ledger_dir}/units.yaml: 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()


def test_link_to_a_system_file_is_not_opened(capsys, ledger_dir, monkeypatch):
    _replace_with_link(ledger_dir / ITEM, "/etc/passwd")
    opened = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(os, "open", spy)
    code, out, err = _validate(capsys, ledger_dir)
    assert code == 1 and "root:" not in out + err and "/etc/passwd" not in out + err
    assert "/etc/passwd" not in opened


def test_dotdot_in_the_ledger_path_does_not_escape(capsys, ledger_dir, outside):
    _replace_with_link(ledger_dir / "units.yaml", "../outside/units.yaml")
    code, out, err = _validate(capsys, ledger_dir.parent / "outside" / ".." / "ledger")
    assert code == 1 and CANARY not in out + err


def test_folder_where_a_file_belongs(capsys, ledger_dir):
    (ledger_dir / "units.yaml").unlink()
    (ledger_dir / "units.yaml").mkdir()
    (ledger_dir / "units.yaml" / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    code, out, err = _validate(capsys, ledger_dir)
    assert code == 1
    assert f"{ledger_dir}/units.yaml: 这里应是一个文件，实际是文件夹。" in out.splitlines()


def test_pipe_where_a_file_belongs_does_not_hang(ledger_dir):
    os.unlink(ledger_dir / ITEM)
    os.mkfifo(ledger_dir / ITEM)
    import subprocess
    import sys
    from conftest import _env
    proc = subprocess.run([sys.executable, "-m", "site_builder.cli.main", "validate", str(ledger_dir)],
                          capture_output=True, text=True, env=_env(), timeout=60)   # before the fix: hung
    code, out, err = proc.returncode, proc.stdout, proc.stderr
    assert code == 1 and "Traceback" not in err
    assert f"{ledger_dir}/{ITEM}: 不是普通文件（如管道或设备文件），台账文件必须是普通文件。" in out.splitlines()


def test_unreadable_file_is_a_located_error(capsys, ledger_dir, monkeypatch):
    # tests run as root, who reads a chmod 000 file anyway: the refusal is simulated at the open
    path = ledger_dir / ITEM
    path.chmod(0)
    real_open = os.open

    def refusing(name, flags, *args, **kwargs):
        if os.fspath(name).endswith("2023-R2-002.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args, **kwargs)
    monkeypatch.setattr(os, "open", refusing)
    code, out, err = _validate(capsys, ledger_dir)
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert code == 1
    assert f"{ledger_dir}/{ITEM}: 无法读取文件（Permission denied）。" in out.splitlines()


@pytest.mark.parametrize("name", ["2023-R2-0\n03.yaml", "2023-R2-\r003.yaml", "2023-R2-003\x1b.yaml"])
def test_odd_file_names_are_located_errors(capsys, ledger_dir, name):
    (ledger_dir / "issues/2023-R2" / name).write_text("id: 2023-R2-003\n", encoding="utf-8")
    code, out, err = _validate(capsys, ledger_dir)
    assert code == 1
    bad = [line for line in out.splitlines() if "文件名" in line]
    assert bad and all("\\" in line for line in bad), out


def test_undecodable_file_name_is_a_located_error(ledger_dir):
    os.close(os.open(os.fsencode(ledger_dir / "issues/2023-R2") + b"/\xff\xfe.yaml", os.O_CREAT | os.O_WRONLY))
    code, out, err = run_cli("validate", str(ledger_dir))
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert any("文件名" in line for line in out.splitlines())


# ---------------------------------------------------------------- links committed to git

@pytest.fixture
def repo(tmp_path):
    r = Repo(tmp_path / "repo")
    r.write("ledger/ledger.yaml", SETTINGS.replace("as_of: 2023-08-18\n", ""))
    r.write("ledger/units.yaml", UNITS)
    r.write("ledger/rounds/2023-R2.yaml", ROUND)
    r.base = r.commit("建账", "2023-06-05T09:00:00+08:00", author="监督办 王某")
    return r


def _commit_link(repo, rel, target, message="link"):
    path = repo.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    os.symlink(target, path)
    return repo.commit(message, "2023-06-06T09:00:00+08:00")


@pytest.mark.parametrize("rel", ["ledger/units.yaml", "ledger/issues/2023-R2/2023-R2-001.yaml", "ledger/issues/2023-R2"])
def test_link_committed_to_git_fails_the_gate_and_the_audit(capsys, repo, outside, rel):
    target = outside / ("units.yaml" if rel.endswith("units.yaml") else "item.yaml" if rel.endswith(".yaml") else "")
    sha = _commit_link(repo, rel, str(target))
    assert repo.git("ls-tree", "HEAD", rel).startswith("120000")
    code, out, err = rectify(capsys, "check", str(repo.root / "ledger"), "--repo", str(repo.root),
                             "--base", repo.base, "--no-cache", "--format", "github")
    assert code == 1 and CANARY not in out + err and str(outside) not in out + err
    assert f"{rel} (提交 {sha[:10]}): 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()
    code, out, err = rectify(capsys, "audit", str(repo.root / "ledger"), "--repo", str(repo.root), "--no-cache")
    assert code == 1 and CANARY not in out + err and str(outside) not in out + err
    assert f"  {rel} (提交 {sha[:10]}): 是符号链接，台账文件必须是普通文件，链接指向的内容不会被读取。" in out.splitlines()


def test_link_in_a_git_tree_is_not_read_for_the_as_of_ledger(repo, outside):
    from site_builder.history.timeline import open_history
    _commit_link(repo, "ledger/units.yaml", "../../outside/units.yaml")
    with open_history(repo.root, "HEAD", "ledger") as history:
        ledger, problems = history.ledger_at(history.commits[-1])
    assert ledger.units == {}
    assert [(p.file, p.code) for p in problems] == [("ledger/units.yaml", "load.symlink")]

"""``rectify init DIR --rollup``: a city's roll-up repository per forge (members, no units or items;
the gate and a daily roll-up workflow), and that workflow's steps run for real: the lock committed and
pushed only when it changed, a member not read failing the run after the site is built."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from test_forge import FIXED, _gitlab_schema_check, _plain, git, run_script
from test_workflows import _parses, all_calls, load, rectify_calls, run_actionlint, steps

ROOT = Path(__file__).resolve().parents[2]
RECTIFY = str(ROOT / ".venv" / "bin" / "rectify")


def init(target: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([RECTIFY, "init", str(target), *argv], capture_output=True, text=True, env=os.environ | FIXED)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rollup-init")
    out = {}
    for forge in ("github", "gitlab", "gitea"):
        proc = init(base / forge, "--rollup", "--forge", forge, "--organisation", "中共某某市委")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"已创建汇总台账仓库 {base / forge}，") and "rectify members update" in proc.stdout
        out[forge] = base / forge
    return out


def _files(repo: Path) -> list[str]:
    return sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and ".git" not in p.relative_to(repo).parts[:1]
                  and p.relative_to(repo).parts[0] not in ("docs", "schemas"))


def test_each_forge_gets_the_gate_and_the_rollup_workflow_and_no_county_files(made):
    common = [".gitignore", ".pre-commit-config.yaml", ".vscode/settings.json", "README.md", "ledger/ledger.yaml",
              "mkdocs.yml", "requirements.txt"]
    assert _files(made["github"]) == sorted(common + [".github/CODEOWNERS", ".github/pull_request_template.md",
                                                      ".github/workflows/gate.yml", ".github/workflows/rollup.yml"])
    assert _files(made["gitlab"]) == sorted(common + [".gitlab-ci.yml"])
    assert _files(made["gitea"]) == sorted(common + [".gitea/pull_request_template.md", ".gitea/workflows/gate.yml",
                                                     ".gitea/workflows/rollup.yml"])
    for repo in made.values():
        settings = yaml.safe_load((repo / "ledger/ledger.yaml").read_text(encoding="utf-8"))
        assert settings["organisation"] == "中共某某市委"
        assert [m["id"] for m in settings["members"]] == ["east-county", "west-county"]
        assert "汇总台账" in (repo / "README.md").read_text(encoding="utf-8")
        assert ".rectify-members/" in (repo / ".gitignore").read_text(encoding="utf-8")
        assert git(repo, "status", "--porcelain").splitlines() == ["?? ledger/"]


def test_the_rollup_ledger_validates_with_a_warning_per_member_not_locked(made):
    proc = subprocess.run([RECTIFY, "validate"], cwd=made["github"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("尚未锁定") == 2 and "0 个轮次，0 个问题，未发现错误" in proc.stdout


def test_workflows_install_from_requirements_and_every_command_parses(made):
    for forge in ("github", "gitea"):
        folder = made[forge] / f".{forge}" / "workflows"
        calls = [argv for path in sorted(folder.glob("*.yml")) for s in steps(load(path)) for argv in rectify_calls(s.get("run", ""))]
        assert [c for c in calls if c[0] != "check"] == [["members", "update"], ["build", "--out", "site"],
                                                          ["bulletin", "--out", "build/bulletins"]] + (
            [["publish", "X", "--site", "site"]] if forge == "gitea" else [])
        assert [msg for c in calls if (msg := _parses(c))] == []
        text = (folder / "rollup.yml").read_text(encoding="utf-8")
        assert "pip install -e ." not in text and "pip install -r requirements.txt" in text
    calls = {argv[0] for _, argv in all_calls(made["github"])}
    assert calls == {"check", "validate", "members", "build", "bulletin"}
    ci = yaml.safe_load((made["gitlab"] / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    gl = [c for job in ("gate", "pages") for line in ci[job]["script"] for c in rectify_calls(_plain(line))]
    assert [c[0] for c in gl] == ["check", "check", "members", "build", "bulletin"]
    assert [msg for c in gl if (msg := _parses(c))] == []


def test_github_rollup_workflow_shape():
    wf = load(ROOT / "site_builder/edit/rollup/github/workflows/rollup.yml")
    assert wf["on"]["schedule"] == [{"cron": "30 16 * * *"}] and "workflow_dispatch" in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    build, deploy, stale = wf["jobs"]["build"], wf["jobs"]["deploy"], wf["jobs"]["stale"]
    assert build["permissions"] == {"contents": "write"}            # only the job that pushes may write
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"} and deploy["needs"] == "build"
    assert stale["needs"] == ["build", "deploy"]
    cache = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/cache@"))["with"]
    assert cache["path"].split() == [".rectify-members", ".rectify-cache"]
    assert cache["restore-keys"].strip() == "rectify-rollup-"
    checkout = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0 and "persist-credentials" not in checkout["with"]   # the push needs it


def test_the_rollup_workflows_lint(made, tmp_path):
    files = [made["github"] / ".github/workflows/rollup.yml", made["github"] / ".github/workflows/gate.yml",
             made["gitea"] / ".gitea/workflows/rollup.yml"]
    broken = tmp_path / "broken.yml"
    broken.write_text(files[0].read_text(encoding="utf-8").replace("needs.build.outputs.members", "needs.biuld.outputs.members"),
                      encoding="utf-8")
    results = run_actionlint(files + [broken])
    # what actionlint says about Gitea's own needs (a runner of the web server, the v3 artifact
    # protocol) is expected, as for a county's Gitea workflows, and nothing else
    assert sorted((r["file"].split("/")[-3], r["kind"], r["message"][:60]) for r in results if r["file"] != str(broken)) == [
        (".gitea", "action", 'the runner of "actions/upload-artifact@v3" action is too old'),
        (".gitea", "runner-label", 'label "web" is unknown. available labels are "windows-latest')]
    assert any(r["file"] == str(broken) and r["kind"] == "expression" for r in results)
    checked = _gitlab_schema_check(made["gitlab"] / ".gitlab-ci.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


# ---------------------------------------------------------------- the workflow's steps, run

def _step(wf: dict, starts: str) -> dict:
    return next(s for s in steps(wf) if s["name"].startswith(starts))


@pytest.mark.parametrize("forge", ["github", "gitea"])
def test_the_lock_is_committed_and_pushed_only_when_it_changed(forge, tmp_path):
    east = tmp_path / "east"
    assert init(east).returncode == 0
    git(east, "add", "ledger")
    git(east, "commit", "-q", "-m", "台账")
    city = tmp_path / "city"
    assert init(city, "--rollup", "--forge", forge).returncode == 0
    (city / "ledger/ledger.yaml").write_text(
        "organisation: 中共某某市委\noffice: 某某市监督办\nas_of: 2024-03-08\nmembers:\n"
        "  - {id: east, name: 东县, level: county, repo: ../east}\n", encoding="utf-8")
    git(city, "add", "ledger")
    git(city, "commit", "-q", "-m", "汇总台账")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "origin.git")], check=True)
    git(city, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(city, "push", "-q", "origin", "main")
    wf = load(city / f".{forge}" / "workflows" / "rollup.yml")
    update, commit = _step(wf, "Fetch every member")["run"], _step(wf, "Commit the lock file")["run"]
    output = tmp_path / "github_output"

    def run_update_and_commit() -> tuple[str, str]:
        output.write_text("", encoding="utf-8")
        env = {"GITHUB_OUTPUT": str(output), "GITHUB_REF_NAME": "main"}
        ran = run_script(city, update, env)
        assert ran.returncode == 0, ran.stderr          # the step records the exit code, never fails itself
        pushed = run_script(city, commit, env)
        assert pushed.returncode == 0, pushed.stderr
        return output.read_text(encoding="utf-8"), pushed.stdout

    def origin_log() -> list[str]:
        return git(tmp_path / "origin.git", "log", "--format=%s", "main").splitlines()

    status, said = run_update_and_commit()
    assert status == "members=0\n"
    assert origin_log() == ["rectify members update：更新成员锁定文件", "汇总台账", "rectify init: 台账仓库骨架（不含台账数据）"]
    locked = yaml.safe_load(git(tmp_path / "origin.git", "show", "main:ledger/members.lock.yaml"))
    assert locked["members"][0]["commit"] == git(east, "rev-parse", "HEAD").strip()
    # nothing new in the member: nothing committed
    status, said = run_update_and_commit()
    assert status == "members=0\n" and "members.lock.yaml unchanged" in said and len(origin_log()) == 3
    # the site builds from the lock
    built = run_script(city, _step(wf, "Build the roll-up site")["run"], {})
    assert built.returncode == 0, built.stderr
    assert "东县" in (city / "site" / "members.html").read_text(encoding="utf-8") and (city / "site/members/east.html").is_file()
    # the member gone: the lock marks it stale and is pushed; the last check fails the run
    east.rename(tmp_path / "east-moved")
    status, _ = run_update_and_commit()
    assert status == "members=1\n" and len(origin_log()) == 4
    assert yaml.safe_load(git(tmp_path / "origin.git", "show", "main:ledger/members.lock.yaml"))["members"][0]["stale"] is True
    final = next(s for s in steps(wf) if "MEMBERS" in s.get("env", {}))
    assert run_script(city, final["run"], {"MEMBERS": "1"}).returncode == 1
    assert run_script(city, final["run"], {"MEMBERS": "0"}).returncode == 0

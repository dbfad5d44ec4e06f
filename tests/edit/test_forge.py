"""Forges: ``rectify init --forge gitlab|gitea`` writes CI files that lint and whose commands run, and
``rectify publish`` copies a built site into a web server's folder atomically under output.py's rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import rectify
from site_builder.site.output import MARK, write_mark
from test_workflows import _parses, rectify_calls, run_actionlint

ROOT = Path(__file__).resolve().parents[2]
FIXED = {"GIT_AUTHOR_NAME": "县农业农村局", "GIT_AUTHOR_EMAIL": "agri@example.invalid", "GIT_COMMITTER_NAME": "县农业农村局",
         "GIT_COMMITTER_EMAIL": "agri@example.invalid", "GIT_AUTHOR_DATE": "2024-03-06T10:00:00+08:00",
         "GIT_COMMITTER_DATE": "2024-03-06T10:00:00+08:00"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=os.environ | FIXED, check=True, capture_output=True,
                          text=True).stdout


def _county(forge: str, tmp_path_factory) -> tuple[str, Path]:
    """A county's repository made by `rectify init --forge …`, its example ledger committed on main and
    a merge-request branch with one good change, `origin` pointing at itself (as a CI clone has it)."""
    target = tmp_path_factory.mktemp(forge) / "repo"
    code = subprocess.run([str(ROOT / ".venv" / "bin" / "rectify"), "init", str(target), "--forge", forge],
                          capture_output=True, text=True, env=os.environ | FIXED)
    assert code.returncode == 0, code.stderr
    git(target, "add", "ledger")
    git(target, "commit", "-q", "-m", "台账")
    git(target, "remote", "add", "origin", str(target))
    git(target, "fetch", "-q", "origin")
    git(target, "checkout", "-q", "-b", "report")
    item = target / "ledger/issues/2024-R1/2024-R1-001.yaml"
    text = item.read_text(encoding="utf-8").replace("status: open", "status: in_progress")
    item.write_text(text + "reports:\n  - {date: 2024-03-06, by: 示例局, text: 已制定整改方案}\n", encoding="utf-8")
    git(target, "commit", "-qam", "日报告")
    return forge, target


@pytest.fixture(scope="module")
def gitlab_repo(tmp_path_factory) -> tuple[str, Path]:
    return _county("gitlab", tmp_path_factory)


@pytest.fixture(scope="module")
def gitea_repo(tmp_path_factory) -> tuple[str, Path]:
    return _county("gitea", tmp_path_factory)


@pytest.fixture(params=["gitlab", "gitea"])
def county(request) -> tuple[str, Path]:
    return request.getfixturevalue(f"{request.param}_repo")


def run_script(repo: Path, script: str, env: dict) -> subprocess.CompletedProcess:
    """A job's script as the runner runs it: bash, rectify on PATH (its install step is skipped)."""
    path = str(ROOT / ".venv" / "bin") + os.pathsep + os.environ["PATH"]
    full = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "RECTIFY_LANG")}
    return subprocess.run(["bash", "-e", "-c", script], cwd=repo, capture_output=True, text=True,
                          env=full | FIXED | env | {"PATH": path, "RECTIFY_NOW": "2024-03-08T10:00:00+08:00"})


def test_each_forge_gets_its_own_files(county):
    forge, repo = county
    if forge == "gitlab":
        assert (repo / ".gitlab-ci.yml").is_file() and not (repo / ".github").exists() and not (repo / ".gitea").exists()
    else:
        assert sorted(p.name for p in (repo / ".gitea" / "workflows").iterdir()) == ["bulletin.yml", "gate.yml", "site.yml"]
        assert (repo / ".gitea" / "pull_request_template.md").read_text(encoding="utf-8") == \
            (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
        assert not (repo / ".github").exists() and not (repo / ".gitlab-ci.yml").exists()


# ---------------------------------------------------------------- GitLab

def gitlab(repo: Path) -> dict:
    return yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))


def _plain(line: str) -> str:
    """The command itself: redirections and `|| true` cut, the week given."""
    line = line.replace("$BULLETIN_WEEK", "2023-W28")
    return "\n".join(part.split(" > ")[0].split(" || ")[0] for part in line.split("\n"))


def test_gitlab_pipeline_structure(gitlab_repo):
    _, repo = gitlab_repo
    ci = gitlab(repo)
    jobs = {k: v for k, v in ci.items() if isinstance(v, dict) and "script" in v}
    assert sorted(jobs) == ["bulletin", "gate", "pages"]
    assert ci["stages"] == ["check", "build", "deploy"] and all(j["stage"] in ci["stages"] for j in jobs.values())
    assert ci["variables"]["GIT_DEPTH"] == "0"
    assert ci["default"]["before_script"] == ["pip install -r requirements.txt"]
    assert jobs["gate"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert jobs["gate"]["artifacts"] == {"when": "always", "reports": {"codequality": "gl-code-quality-report.json"}}
    assert jobs["pages"]["artifacts"] == {"paths": ["public"]}          # GitLab Pages publishes public/
    assert jobs["pages"]["rules"][-1] == {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule" && $RECTIFY_JOB == "bulletin"'} in jobs["bulletin"]["rules"]
    assert jobs["bulletin"]["artifacts"]["paths"] == ["build/bulletins"]
    calls = [c for j in jobs.values() for line in j["script"] for c in rectify_calls(_plain(line))]
    assert [c[0] for c in calls] == ["check", "check", "bulletin", "bulletin", "build"]
    assert [msg for c in calls if (msg := _parses(c))] == []


def _gitlab_schema_check(path: Path) -> subprocess.CompletedProcess:
    # GitLab's own CI schema, vendored in check-jsonschema (no download at run time)
    return subprocess.run([str(Path(sys.executable).with_name("check-jsonschema")), "--builtin-schema", "vendor.gitlab-ci",
                           str(path)], capture_output=True, text=True)


def test_gitlab_pipeline_passes_gitlabs_own_ci_schema(gitlab_repo, tmp_path):
    _, repo = gitlab_repo
    checked = _gitlab_schema_check(repo / ".gitlab-ci.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok -- validation done" in checked.stdout
    # and the check can fail: a misspelled keyword in a job
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text((repo / ".gitlab-ci.yml").read_text(encoding="utf-8").replace("  script:", "  scirpt:", 1),
                      encoding="utf-8")
    assert _gitlab_schema_check(broken).returncode == 1


def test_gitlab_gate_writes_a_code_quality_report_and_fails_on_a_bad_change(gitlab_repo):
    _, repo = gitlab_repo
    script = "\n".join(gitlab(repo)["gate"]["script"])
    env = {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    ok = run_script(repo, script, env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8")) == []
    assert ok.stdout == "检查通过：1 个提交，1 次状态变更，未发现错误。\n2024-R1-001 已建账 → 整改中\n"
    # a bad change: the report names it on its line, and the job fails
    item = repo / "ledger/issues/2024-R1/2024-R1-001.yaml"
    item.write_text(item.read_text(encoding="utf-8").replace("status: in_progress", "status: no"), encoding="utf-8")
    git(repo, "commit", "-qam", "状态写错")
    try:
        bad = run_script(repo, script, env)
        assert bad.returncode == 1 and "Traceback" not in bad.stderr
        (finding,) = json.loads((repo / "gl-code-quality-report.json").read_text(encoding="utf-8"))
        assert (finding["check_name"], finding["location"]) == \
            ("schema.enum", {"path": "ledger/issues/2024-R1/2024-R1-001.yaml", "lines": {"begin": 17}})
    finally:
        git(repo, "reset", "-q", "--hard", "HEAD~1")


def test_gitlab_bulletin_and_pages_jobs_run(gitlab_repo):
    _, repo = gitlab_repo
    ci = gitlab(repo)
    run = run_script(repo, "\n".join(ci["bulletin"]["script"]), {"BULLETIN_WEEK": "2024-W10"})
    assert run.returncode == 0, run.stderr
    assert any((repo / "build" / "bulletins").rglob("*.docx"))
    run = run_script(repo, "\n".join(ci["pages"]["script"]), {})
    assert run.returncode == 0, run.stderr
    assert (repo / "public" / "index.html").is_file()


# ---------------------------------------------------------------- Gitea

def test_gitea_workflows_lint_and_use_no_github_only_action(gitea_repo):
    _, repo = gitea_repo
    files = sorted((repo / ".gitea" / "workflows").glob("*.yml"))
    # actionlint knows GitHub: what it says about Gitea's own needs (the v3 artifact protocol, a
    # runner label of the web server) is expected, and nothing else
    found = [(r["file"].rsplit("/", 1)[-1], r["kind"], r["message"][:60]) for r in run_actionlint(files)]
    assert found == [("bulletin.yml", "action", 'the runner of "actions/upload-artifact@v3" action is too old'),
                     ("site.yml", "runner-label", 'label "web" is unknown. available labels are "windows-latest')]
    uses = {s["uses"] for f in files for job in yaml.safe_load(f.read_text(encoding="utf-8"))["jobs"].values()
            for s in job["steps"] if "uses" in s}
    assert uses == {"actions/checkout@v4", "actions/upload-artifact@v3"}
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "GITHUB_STEP_SUMMARY" not in text and "pages" not in text.lower().replace("no pages", "")


def test_gitea_jobs_commands_exist_and_the_gate_runs(gitea_repo):
    _, repo = gitea_repo
    calls = []
    for f in sorted((repo / ".gitea" / "workflows").glob("*.yml")):
        for job in yaml.safe_load(f.read_text(encoding="utf-8"))["jobs"].values():
            for step in job["steps"]:
                calls += rectify_calls(step.get("run", ""))
    assert sorted(c[0] for c in calls) == ["build", "bulletin", "bulletin", "check", "publish"]
    assert [msg for c in calls if (msg := _parses(c))] == []
    gate = yaml.safe_load((repo / ".gitea/workflows/gate.yml").read_text(encoding="utf-8"))["jobs"]["check"]["steps"][-1]
    run = run_script(repo, gate["run"], {"BASE_REF": "main"})
    assert run.returncode == 0, run.stderr
    assert run.stdout == "检查通过：1 个提交，1 次状态变更，未发现错误。\n2024-R1-001 已建账 → 整改中\n"


# ---------------------------------------------------------------- rectify publish

def _site(folder: Path, pages: dict[str, str]) -> Path:
    for rel, text in pages.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    write_mark(folder)
    return folder


def test_publish_copies_the_site_and_replaces_an_earlier_publication(tmp_path, capsys):
    site = _site(tmp_path / "site", {"index.html": "<h1>一</h1>", "rounds/2023-R2/index.html": "二轮"})
    www = tmp_path / "srv" / "www" / "ledger"
    code, out, err = rectify(capsys, "publish", str(www), "--site", str(site))
    assert (code, out, err) == (0, f"已把网站 {site} 发布到 {www}。\n", "")
    assert (www / "rounds/2023-R2/index.html").read_text(encoding="utf-8") == "二轮" and (www / MARK).is_file()
    # the next build drops a page: the publication drops it too
    (site / "rounds/2023-R2/index.html").unlink()
    (site / "index.html").write_text("<h1>新</h1>", encoding="utf-8")
    write_mark(site)
    assert rectify(capsys, "publish", str(www), "--site", str(site))[0] == 0
    assert sorted(p.relative_to(www).as_posix() for p in www.rglob("*") if p.is_file()) == [MARK, "index.html"]
    assert (www / "index.html").read_text(encoding="utf-8") == "<h1>新</h1>"
    assert sorted(p.name for p in www.parent.iterdir()) == ["ledger"]   # no staging folder left


def test_publish_refuses_a_folder_holding_other_files_and_an_unbuilt_site(tmp_path, capsys):
    site = _site(tmp_path / "site", {"index.html": "首页"})
    www = tmp_path / "www"
    www.mkdir()
    (www / "notice.html").write_text("单位通知", encoding="utf-8")
    code, out, err = rectify(capsys, "publish", str(www), "--site", str(site))
    assert (code, out) == (1, "")
    assert err == f"{www}: 输出文件夹已存在且不是空的，也不是 rectify 生成的站点（缺少 .rectify-site.json），不会替换它。请给出一个不存在的或空的文件夹。\n"
    assert [p.name for p in www.iterdir()] == ["notice.html"]
    code, _, err = rectify(capsys, "publish", str(tmp_path / "www2"), "--site", str(tmp_path / "nosite"))
    assert code == 1
    assert err == f"{tmp_path / 'nosite'}: 这里没有 rectify 生成的网站（缺少 index.html 或 .rectify-site.json）。请先运行 rectify build --out site。\n"
    code, _, err = rectify(capsys, "publish", str(site / "sub"), "--site", str(site))
    assert code == 1 and "要发布的网站目录" in err

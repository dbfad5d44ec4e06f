"""The package as a county gets it: the wheel built with ``python -m build`` (checked by twine), an
offline bundle made from that wheel for this Python's platform, a fresh virtual environment that
installs from the bundle alone (``--no-index``: no source tree, no registry), and there ``rectify
init``, then validate, build, bulletin, check and audit in the new repository.

One module fixture does the slow part once (about 25 s); it is skipped only where ``build`` is not
installed (it is in the test extra)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import rectify

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
PLATFORM = "windows" if os.name == "nt" else "linux"
BIN = "Scripts" if os.name == "nt" else "bin"
DATED = {"GIT_AUTHOR_NAME": "县农业局 张三", "GIT_AUTHOR_EMAIL": "zhang@example.gov.cn",
         "GIT_COMMITTER_NAME": "县农业局 张三", "GIT_COMMITTER_EMAIL": "zhang@example.gov.cn",
         "GIT_AUTHOR_DATE": "2024-05-10T10:00:00+08:00", "GIT_COMMITTER_DATE": "2024-05-10T10:00:00+08:00"}


def run(*cmd, cwd=None, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def offline_env(**extra) -> dict:
    """The environment without any pip configuration: no index, no find-links but the bundle's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "VIRTUAL_ENV"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", RECTIFY_NOW="2024-05-17T12:00:00+08:00")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    pytest.importorskip("build")
    base = tmp_path_factory.mktemp("package")
    figures = {}
    start = time.perf_counter()
    run(sys.executable, "-m", "build", "--outdir", base / "dist", ROOT)
    figures["build_s"] = time.perf_counter() - start
    wheel = next((base / "dist").glob("*.whl"))
    bundle = base / "离线 安装包"     # a space and Chinese, as a folder on a clerk's desktop is named
    start = time.perf_counter()
    bundled = run(sys.executable, "-m", "site_builder.cli.main", "bundle", bundle, "--wheel", wheel,
                  "--platform", PLATFORM, "--python", PYTHON, cwd=ROOT)
    figures["bundle_s"] = time.perf_counter() - start
    venv = base / "venv"
    start = time.perf_counter()
    run(sys.executable, "-m", "venv", venv, env=offline_env())
    installed = run(venv / BIN / "python", "-m", "pip", "install", "--no-index", "--find-links", bundle / "wheels",
                    "rectification-ledger", env=offline_env(), cwd=base)
    figures["install_s"] = time.perf_counter() - start
    print(f"\nwheel {wheel.stat().st_size / 1000:.0f} kB; build {figures['build_s']:.1f} s; "
          f"bundle ({PLATFORM}, {PYTHON}) {bundled.stdout.strip()} {figures['bundle_s']:.1f} s; "
          f"venv + install from bundle {figures['install_s']:.1f} s")
    return base, wheel, bundle, bundled, venv, installed


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        rectify(capsys, "--version")
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"rectify {VERSION}\n"


def test_the_wheel_has_the_data_the_skeleton_and_the_site_need(made):
    _, wheel, *_ = made
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("site_builder/cli/main.py", "site_builder/site/templates/item.md.j2",
                "site_builder/site/theme/rectify-item.html", "site_builder/bulletin/templates/bulletin.md.j2",
                "site_builder/site/assets/rectify.css", "site_builder/site/assets/rectify.js",
                "site_builder/edit/skeleton/requirements.txt", "site_builder/edit/skeleton/README.md",
                "site_builder/edit/skeleton/ledger/issues/2024-R1/2024-R1-001.yaml",
                "site_builder/edit/forges/gitlab/gitlab-ci.yml", "site_builder/edit/forges/gitea/gitea/workflows/gate.yml",
                # links in the source tree: the wheel holds the files they point to
                "site_builder/edit/skeleton/docs/guide/index.md", "site_builder/edit/skeleton/github/workflows/gate.yml",
                "site_builder/edit/skeleton/mkdocs.yml", "site_builder/edit/skeleton/pre-commit-config.yaml",
                "site_builder/edit/forges/gitea/gitea/pull_request_template.md",
                # rectify init --rollup
                "site_builder/edit/rollup/ledger/ledger.yaml", "site_builder/edit/rollup/README.md",
                "site_builder/edit/rollup/github/workflows/rollup.yml", "site_builder/edit/rollup/gitlab-ci.yml",
                "site_builder/edit/rollup/gitea/workflows/rollup.yml",
                f"rectification_ledger-{VERSION}.dist-info/licenses/LICENSE"):
        assert rel in names, rel
    assert not [n for n in names if n.startswith(("tests/", "ledger/", "bench/"))]
    meta = zipfile.ZipFile(wheel).read(f"rectification_ledger-{VERSION}.dist-info/METADATA").decode("utf-8")
    assert "License-Expression: MIT\n" in meta and "Project-URL: Source, " in meta
    assert "Requires-Python: >=3.11\n" in meta and "Classifier: Operating System :: Microsoft :: Windows\n" in meta
    assert "Description-Content-Type: text/markdown\n" in meta


def test_twine_accepts_the_sdist_and_the_wheel(made):
    base = made[0]
    files = sorted((base / "dist").iterdir())
    assert [f.name for f in files] == [f"rectification_ledger-{VERSION}-py3-none-any.whl", f"rectification_ledger-{VERSION}.tar.gz"]
    # twine prints through rich, which wraps at the terminal's width: a wide one keeps a line whole
    out = run(sys.executable, "-m", "twine", "--no-color", "check", "--strict", *files,
              env={**os.environ, "COLUMNS": "1000"}).stdout
    assert out.splitlines() == [f"Checking {f}: PASSED" for f in files]


def test_the_bundle_has_scripts_readme_and_every_wheel(made):
    _, wheel, bundle, bundled, *_ = made
    wheels = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert bundled.stderr == ""
    assert bundled.stdout.startswith(f"离线安装包已生成：{bundle}（{len(wheels)} 个安装文件；各平台合计：{PLATFORM} ")
    assert wheel.name in wheels
    for dist in ("jieba", "mkdocs_material", "pydantic_core", "pyyaml", "lxml", "ruamel_yaml"):
        assert [w for w in wheels if w.startswith(dist + "-")], dist
    assert all(w.endswith(".whl") for w in wheels)
    assert sorted(p.name for p in bundle.iterdir()) == ["README.md", "install.bat", "install.ps1", "install.sh", "wheels"]
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# rectify 离线安装包（版本 {VERSION}）\n")
    assert f"pip install --no-index --find-links /路径/到/本文件夹/wheels rectification-ledger=={VERSION}" in readme
    bat = (bundle / "install.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"") and bat.isascii()
    assert f'--find-links "%HERE%wheels" "rectification-ledger=={VERSION}"'.encode() in bat
    assert os.access(bundle / "install.sh", os.X_OK) or os.name == "nt"


def test_a_second_bundle_into_the_same_folder_is_refused_and_nothing_changes(made, capsys):
    bundle = made[2]
    before = sorted(p.name for p in (bundle / "wheels").iterdir())
    assert rectify(capsys, "bundle", str(bundle), "--platform", PLATFORM) == \
        (2, "", f"文件夹 {bundle} 已存在且不为空；请指定一个新文件夹。\n")
    assert sorted(p.name for p in (bundle / "wheels").iterdir()) == before


def test_a_file_that_is_not_a_wheel_is_refused(tmp_path, capsys):
    sdist = tmp_path / "rectification_ledger-0.1.0.tar.gz"
    sdist.write_bytes(b"")
    assert rectify(capsys, "bundle", str(tmp_path / "out"), "--wheel", str(sdist)) == \
        (2, "", f"{sdist} 不是 wheel 安装文件（应为 .whl 文件，例如 python -m build 生成的 dist/*.whl）。\n")
    assert not (tmp_path / "out").exists()


def test_the_fresh_environment_makes_and_runs_a_county_repository(made):
    base, _, bundle, _, venv, installed = made
    assert f"Successfully installed " in installed.stdout and f"rectification-ledger-{VERSION}" in installed.stdout
    exe = venv / BIN / ("rectify.exe" if os.name == "nt" else "rectify")
    env = offline_env()
    # the package comes from the environment, not from this source tree
    where = run(venv / BIN / "python", "-c", "import site_builder.cli.main as c; print(c.__file__)", cwd=base, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    assert run(exe, "--version", cwd=base, env=env).stdout == f"rectify {VERSION}\n"
    repo = base / "云岭县台账"
    # the skeleton's commit and the ledger's are dated on the example's day (a commit is never dated before its parent)
    assert run(exe, "init", repo, cwd=base, env=offline_env(**DATED)).stdout.startswith(f"已创建台账仓库 {repo}，")
    requirements = (repo / "requirements.txt").read_text(encoding="utf-8")
    assert requirements.splitlines()[-1] == f"rectification-ledger=={VERSION}"
    # the pin resolves from the bundle, which is what an intranet machine does with it
    again = run(venv / BIN / "python", "-m", "pip", "install", "--no-index", "--find-links", bundle / "wheels",
                "-r", "requirements.txt", cwd=repo, env=env)
    assert f"Requirement already satisfied: rectification-ledger=={VERSION}" in again.stdout
    assert "--no-index --find-links" in (repo / "README.md").read_text(encoding="utf-8")
    dated = offline_env(**DATED)
    run("git", "add", "ledger", cwd=repo, env=dated)
    run("git", "commit", "-q", "-m", "建账：示例台账", cwd=repo, env=dated)
    assert run(exe, "validate", cwd=repo, env=env).stdout == "台账检查通过：1 个轮次，1 个问题，未发现错误。\n"
    start = time.perf_counter()
    built = run(exe, "build", "--out", "site", "--no-cache", cwd=repo, env=env)
    print(f"\nbuild in the fresh environment {time.perf_counter() - start:.1f} s")
    assert built.stdout.startswith("站点已生成：site（") and (repo / "site/index.html").is_file()
    # the editors' guide came from the wheel's skeleton (links in the source tree)
    assert sorted(p.name for p in (repo / "site/help/guide").iterdir()) == \
        ["commands.html", "errors.html", "fields.html", "index.html", "states.html"]
    bulletin = run(exe, "bulletin", "--week", "2024-W20", "--out", "build/bulletins", cwd=repo, env=env)
    assert bulletin.stdout.splitlines()[0] == (
        "已生成 2024-W20 每周情况通报（2024年第2期，数据截至2024年5月19日，2024年5月20日印发）："
        "build/bulletins/2024-W20.md, build/bulletins/2024-W20.docx")
    assert sorted(p.name for p in (repo / "build/bulletins").iterdir()) == \
        ["2024-W20-reminder-example-bureau.docx", "2024-W20.docx", "2024-W20.md"]
    assert run(exe, "check", "--base", "HEAD~1", cwd=repo, env=env).stdout == \
        "检查通过：1 个提交，1 次状态变更，未发现错误。\n2024-R1-001 — → 已建账\n"
    assert run(exe, "audit", cwd=repo, env=env).stdout == "审计完成：2 个提交，未发现违规修改。\n"

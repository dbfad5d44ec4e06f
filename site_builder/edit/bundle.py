"""``rectify bundle DIR``: the packaging stage's offline bundle, for machines on an intranet with no
package registry.

The bundle is a wheelhouse (``wheels/``) holding the tool and every dependency as wheels for each
target platform (Linux x86_64 manylinux, Windows amd64) and Python version (3.11–3.13), an install
script per platform (``install.sh``, ``install.bat``, ``install.ps1``) and a Chinese README. pip does
the work: ``pip download --only-binary=:all: --platform P --python-version V`` once per target, all
into one folder (a pure-Python wheel is shared by every target). A dependency that PyPI has only as
an sdist (jieba) is first built into a wheel by ``pip wheel`` on this machine, which is only right for
pure-Python packages; the target downloads then find it there and fail, naming it, if it is not pure.

The bundle is made in a temporary folder beside ``DIR`` and renamed into place when complete, so a
failed download leaves no half bundle. This module raises ``BundleError`` and never prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DIST = "rectification-ledger"
#: platform name → pip's ``--platform`` tags. glibc 2.28 (Debian 10, RHEL/CentOS 8, UOS 20, Kylin V10)
#: is the newest a target may need; pip does not widen a manylinux_2_28 tag to the older ones, so they
#: are listed (manylinux2014 it widens to manylinux2010 and manylinux1 itself).
PLATFORMS = {"linux": (*(f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)), "manylinux2014_x86_64"),
             "windows": ("win_amd64",)}
PYTHONS = ("3.11", "3.12", "3.13")
#: the wheel tags that belong to each platform (pure wheels belong to all)
PLATFORM_MARKS = {"linux": ("manylinux", "linux_x86_64"), "windows": ("win_amd64",)}


class BundleError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Bundle:
    folder: Path
    wheels: list[str] = field(default_factory=list)
    #: platform → bytes of the wheels it installs (shared pure wheels counted in each)
    sizes: dict[str, int] = field(default_factory=dict)


def _pip(args: list[str], log: list[str]) -> None:
    # pip is an external tool here, like git: its own process, its output kept for the error
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", check=False)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.startswith("ERROR")]
        raise BundleError("bundle.pip_failed", command=" ".join(args[:1] + args[-1:]),
                          detail=(lines[-1] if lines else (proc.stderr or proc.stdout).strip()[-300:]))
    log.append(proc.stdout)


def platform_of(wheel: str) -> str | None:
    """The platform a wheel file is for, or None for a pure wheel (any platform)."""
    tags = wheel[:-len(".whl")].split("-")[-1]
    if tags == "any":
        return None
    for name, marks in PLATFORM_MARKS.items():
        if any(mark in tags for mark in marks):
            return name
    return "other"


def make_bundle(out: Path, wheel: Path | None = None, version: str = "",
                platforms: tuple[str, ...] = tuple(PLATFORMS), pythons: tuple[str, ...] = PYTHONS) -> Bundle:
    """Write the bundle into ``out`` (absent or empty). ``wheel`` is the tool's own wheel (a release
    build); without it, ``rectification-ledger==version`` is fetched from the index pip is set up for."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError("bundle.not_empty", dir=str(out))
    if wheel is not None and not (wheel.is_file() and wheel.name.endswith(".whl")):
        raise BundleError("bundle.no_wheel", file=str(wheel))
    requirement = str(wheel.resolve()) if wheel is not None else f"{DIST}=={version}"
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".rectify-bundle-", dir=out.parent))
    log: list[str] = []
    try:
        wheels, built = work / "wheels", work / "built"
        # sdist-only dependencies become wheels here, once; binary ones for this machine come too
        # but stay in built/ unless a target below asks for them.
        _pip(["wheel", "--quiet", "--wheel-dir", str(built), requirement], log)
        for target in platforms:
            for python in pythons:
                tags = [arg for tag in PLATFORMS[target] for arg in ("--platform", tag)]
                _pip(["download", "--quiet", "--only-binary=:all:", *tags, "--python-version", python,
                      "--implementation", "cp", "--find-links", str(built), "--dest", str(wheels), requirement], log)
        shutil.rmtree(built)
        name = next((p.name for p in wheels.glob("rectification_ledger-*.whl")), "")
        pinned = name.split("-")[1] if name else version
        write_scripts(work, pinned)
        bundle = Bundle(folder=out, wheels=sorted(p.name for p in wheels.iterdir()))
        for target in platforms:
            bundle.sizes[target] = sum((wheels / w).stat().st_size for w in bundle.wheels
                                       if platform_of(w) in (None, target))
        (work / "README.md").write_text(readme(pinned, bundle, pythons), encoding="utf-8")
        if out.exists():
            out.rmdir()
        os.replace(work, out)
        return bundle
    finally:
        shutil.rmtree(work, ignore_errors=True)


# The scripts are ASCII only: cmd.exe reads a .bat in the console's code page and Windows
# PowerShell 5.1 reads a .ps1 without a BOM as ANSI, so Chinese text there would be mojibake.
INSTALL_SH = """#!/bin/sh
# Offline install of rectify from this bundle: creates a virtual environment (default .venv in the
# current folder) and installs from wheels/ only, never from the network.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
target=${1:-.venv}
python=${PYTHON:-python3}
"$python" -m venv "$target"
"$target/bin/python" -m pip install --no-index --find-links "$here/wheels" "rectification-ledger==@VERSION@"
"$target/bin/rectify" --version
echo "OK: $target/bin/rectify"
"""

INSTALL_BAT = """@echo off
rem Offline install of rectify from this bundle: creates a virtual environment (default .venv in the
rem current folder) and installs from wheels\\ only, never from the network.
setlocal
set "HERE=%~dp0"
set "TARGET=%~1"
if "%TARGET%"=="" set "TARGET=.venv"
where py >nul 2>nul
if %ERRORLEVEL%==0 (py -3 -m venv "%TARGET%") else (python -m venv "%TARGET%")
if errorlevel 1 exit /b 1
"%TARGET%\\Scripts\\python.exe" -m pip install --no-index --find-links "%HERE%wheels" "rectification-ledger==@VERSION@"
if errorlevel 1 exit /b 1
"%TARGET%\\Scripts\\rectify.exe" --version
if errorlevel 1 exit /b 1
echo OK: %TARGET%\\Scripts\\rectify.exe
"""

INSTALL_PS1 = """# Offline install of rectify from this bundle: creates a virtual environment (default .venv in the
# current folder) and installs from wheels\\ only, never from the network.
param([string]$Target = ".venv")
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
if (Get-Command py -ErrorAction SilentlyContinue) { py -3 -m venv $Target } else { python -m venv $Target }
if ($LASTEXITCODE -ne 0) { exit 1 }
& "$Target\\Scripts\\python.exe" -m pip install --no-index --find-links "$here\\wheels" "rectification-ledger==@VERSION@"
if ($LASTEXITCODE -ne 0) { exit 1 }
& "$Target\\Scripts\\rectify.exe" --version
if ($LASTEXITCODE -ne 0) { exit 1 }
Write-Output "OK: $Target\\Scripts\\rectify.exe"
"""


def write_scripts(folder: Path, version: str) -> None:
    sh = folder / "install.sh"
    sh.write_bytes(INSTALL_SH.replace("@VERSION@", version).encode("ascii"))
    sh.chmod(0o755)
    for name, text in (("install.bat", INSTALL_BAT), ("install.ps1", INSTALL_PS1)):
        # CRLF: cmd.exe misreads labels and long lines of a LF-only batch file
        (folder / name).write_bytes(text.replace("@VERSION@", version).replace("\n", "\r\n").encode("ascii"))


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def readme(version: str, bundle: Bundle, pythons: tuple[str, ...]) -> str:
    platforms = "、".join({"linux": "Linux x86_64", "windows": "Windows 64 位"}[p] for p in bundle.sizes)
    sizes = "\n".join(f"| {'Linux x86_64' if p == 'linux' else 'Windows 64 位'} | {_mb(s)} |"
                      for p, s in bundle.sizes.items())
    return f"""# rectify 离线安装包（版本 {version}）

本文件夹用于在**没有软件包源、不能访问外网**的内网计算机上安装巡察整改监督台账工具 `rectify`。
`wheels/` 中是 rectify 及其全部依赖的安装文件，适用于 {platforms}，Python {"、".join(pythons)}。
安装时只读取本文件夹，不访问网络。

先在计算机上安装 Python（{pythons[0]} 至 {pythons[-1]} 之一；Windows 上安装时勾选“Add python.exe to PATH”），
再把整个文件夹复制到该计算机，在**台账仓库的根目录**下运行（会在当前目录建立 `.venv` 虚拟环境）：

Linux：

```bash
sh /路径/到/本文件夹/install.sh
.venv/bin/rectify validate
```

Windows（命令提示符 cmd）：

```bat
\\路径\\到\\本文件夹\\install.bat
.venv\\Scripts\\rectify.exe validate
```

Windows（PowerShell；若提示禁止运行脚本，用 `powershell -ExecutionPolicy Bypass -File install.ps1`）：

```powershell
\\路径\\到\\本文件夹\\install.ps1
.venv\\Scripts\\rectify.exe validate
```

不用安装脚本时，手工执行的命令是：

```bash
python -m venv .venv
.venv/bin/pip install --no-index --find-links /路径/到/本文件夹/wheels rectification-ledger=={version}
```

（Windows 上把 `python` 换成 `py`，`.venv/bin/pip` 换成 `.venv\\Scripts\\pip.exe`。）
台账仓库中的 `requirements.txt` 也可以这样安装：`pip install --no-index --find-links 本文件夹/wheels -r requirements.txt`。

## 各平台大小

| 平台 | 需要安装的文件合计 |
| --- | --- |
{sizes}

本文件夹由 `rectify bundle` 生成，共 {len(bundle.wheels)} 个安装文件。
"""

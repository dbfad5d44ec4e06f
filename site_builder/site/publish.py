"""Publish stage: copy a built site into a web server's folder, for an intranet without Pages.

The copy is made beside the target and swapped in with renames, so the web server shows the old
site or the new one, never half of each; the target is replaced only under the rules of
``output.py`` (absent, empty, or marked by an earlier build or publication, holding nothing else).
Returns problems; prints nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from site_builder.site.output import check_output, read_mark, swap
from site_builder.core.problems import Problem


def publish_site(site: Path, target: Path) -> list[Problem]:
    if not (site / "index.html").is_file() or read_mark(site) is None:
        return [Problem.at(str(site), None, "publish.not_a_site")]
    refused = check_output(target, {"site": site})
    if refused is not None:
        return [refused]
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    # symlinks=False: the published folder holds files only, whatever the build folder linked to
    shutil.copytree(site, staging, symlinks=False)
    swap(staging, target)
    return []

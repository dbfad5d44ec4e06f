"""tools/screenshots.py (the reviewers' screenshots) picks a page of every kind the site has."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "tools" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_kind_of_page_is_photographed(example_site):
    chosen = dict(_tool().targets(example_site))
    assert set(chosen) == {"overview", "round", "rounds", "unit", "units", "item", "alerts", "ranking", "common",
                           "downloads", "bulletin", "bulletins", "guide"}
    assert all((example_site / path).is_file() for path in chosen.values())
    # the bulletin is the latest week's
    weeks = sorted(p.name for p in (example_site / "bulletins").glob("????-W??.html"))
    assert chosen["bulletin"] == f"bulletins/{weeks[-1]}"

"""The message catalogue: every code used in the package exists in both languages with the same
parameters, so no user ever sees a bare code or a half-translated line."""

from __future__ import annotations

import re
import string
from pathlib import Path

from site_builder.core.messages import CATALOGUE, translate

PACKAGE = Path(__file__).resolve().parents[2] / "site_builder"
CODE_RE = re.compile(r"""["']((?:help|rollup|publish|output|load|schema|rule|change|history|cli|site|status|xls|bulletin|edit|excel|init|label|level|kind|category|scope|term|method|action)\.[a-z_0-9]+)["']""")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_take_the_same_parameters():
    for code, (zh, en) in CATALOGUE.items():
        assert zh and en, code
        assert _fields(zh) == _fields(en), code


def test_every_code_used_in_the_package_is_in_the_catalogue():
    used = set()
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".py", ".j2"):
            used |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    # codes built at run time from enumerations (status.<value>, method.<value>, …) are checked below
    # file names such as "site.yml" look like codes and are not
    files = re.compile(r"\.(yml|yaml|xml|json|md|html|csv|xlsx|docx)$")
    missing = sorted(c for c in used if c not in CATALOGUE and not c.endswith((".", "_")) and not files.search(c))
    assert missing == []


def test_enumeration_values_have_labels():
    from site_builder.ledger import models
    for prefix, enum in (("status", models.Status), ("term", models.Term), ("scope", models.Scope),
                         ("method", models.Method), ("action", models.ActionKind), ("level", models.Level),
                         ("kind", models.RoundKind), ("category", models.UnitCategory)):
        for value in enum:
            assert f"{prefix}.{value.value}" in CATALOGUE, (prefix, value)


def test_translate_falls_back_to_the_code():
    assert translate("no.such.code", "zh") == "no.such.code"
    assert translate("rule.unknown_unit", "en", unit="x") == "no unit 'x' (expected a unit id from units.yaml)."

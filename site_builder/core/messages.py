"""Messages: the one catalogue of everything a user reads, in Chinese (default) and English.

Stages return message codes with parameters; only the edges (CLI, renderers) turn them into
text through ``translate``. A test checks that every code used in the package is here in both
languages and that both take the same parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

LANGS = ("zh", "en")

# code: (Chinese, English), gathered from the parts; a code defined in two parts is a mistake
CATALOGUE: dict[str, tuple[str, str]] = {}


def translate(code: str, lang: str = "zh", **params: Any) -> str:
    """Render message ``code`` in ``lang``; unknown codes render as the code itself."""
    pair = CATALOGUE.get(code)
    if pair is None:
        return code + (" " + repr(params) if params else "")
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**{k: _fmt(v) for k, v in params.items()})


def _fmt(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# the parts, kept in their own files for size; one catalogue all the same
from site_builder.core.messages_bulletin import BULLETIN as _BULLETIN  # noqa: E402
from site_builder.core.messages_gate import GATE as _GATE  # noqa: E402
from site_builder.core.messages_help import HELP as _HELP  # noqa: E402
from site_builder.core.messages_ledger import LEDGER as _LEDGER  # noqa: E402
from site_builder.core.messages_office import OFFICE as _OFFICE  # noqa: E402
from site_builder.core.messages_rollup import ROLLUP as _ROLLUP  # noqa: E402
from site_builder.core.messages_site import SITE as _SITE  # noqa: E402

for _part in (_LEDGER, _GATE, _BULLETIN, _OFFICE, _SITE, _ROLLUP, _HELP):
    _twice = CATALOGUE.keys() & _part.keys()
    if _twice:
        raise AssertionError(f"message codes defined twice: {sorted(_twice)}")
    CATALOGUE.update(_part)

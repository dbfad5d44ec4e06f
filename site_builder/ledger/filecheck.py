"""File check: the part of the load stage that turns one file's bytes into its model.

``ledger.yamlsafe`` reads the YAML; the model of the file's kind checks it; every pydantic error becomes
a ``Problem`` with the place of the offending value and a message from the catalogue, at most
fifty a file. ``check_file`` is the unit of work the parse cache stores.
"""

from __future__ import annotations

import fnmatch
import math
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from site_builder.ledger import yamlhints
from site_builder.ledger import yamlsafe
from site_builder.ledger.models import FILE_KINDS, ID_PATTERN
from site_builder.core.problems import Problem

_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ Tt]\d")
_DATE_SHAPE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def kind_of(rel: str) -> str | None:
    """The file kind of a ledger-relative path, or None when no kind matches."""
    for kind, (_, _, pattern) in FILE_KINDS.items():
        if fnmatch.fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/"):
            return kind
    return None


# ---------------------------------------------------------------- pydantic errors → problems

_TYPE_CODES = {
    "missing": "schema.missing",
    "extra_forbidden": "schema.unknown_field",
    "string_type": "schema.expected_text",
    "string_too_short": "schema.empty_text",
    "string_pattern_mismatch": "schema.pattern",
    "enum": "schema.enum",
    "too_short": "schema.too_short",
    "tuple_type": "schema.expected_list",
    "list_type": "schema.expected_list",
    "model_type": "schema.expected_mapping",
    "model_attributes_type": "schema.expected_mapping",
    "dict_type": "schema.expected_mapping",
    "bool_type": "schema.expected_bool",
    "int_type": "schema.expected_number",
    "int_parsing": "schema.expected_number",
    "float_type": "schema.expected_number",
    "float_parsing": "schema.expected_number",
    "greater_than_equal": "schema.too_small",
    "less_than_equal": "schema.too_large",
    "string_too_long": "schema.too_long",
    "int_from_float": "schema.expected_number",
    "literal_error": "schema.enum",
    "finite_number": "schema.expected_number",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10 ** 20:
        try:
            return str(value)[:20] + "…"
        except ValueError:  # more digits than Python will print
            return "…"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _problem_from_pydantic(err: dict, text: str, file: str) -> Problem:
    loc = tuple(err["loc"])
    etype = err["type"]
    field_name = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
    value = err.get("input")
    if etype == "date_type":
        code = "schema.date_format"
        if isinstance(value, str) and _DATETIME_RE.match(value):
            code = "schema.date_not_datetime"
        elif isinstance(value, str) and _DATE_SHAPE_RE.match(value):
            code = "schema.date_impossible"
        return Problem.at(file, yamlsafe.locate(text, loc), code, field=field_name, value=_describe(value))
    code = _TYPE_CODES.get(etype, "schema.invalid")
    huge = (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and math.isinf(value))
    if huge and code == "schema.expected_number":
        return Problem.at(file, yamlsafe.locate(text, loc), "schema.number_too_large", field=field_name)
    params: dict[str, Any] = {"field": field_name}
    if etype == "extra_forbidden":
        return Problem.at(file, yamlsafe.locate(text, loc, key=True), code, **params)
    if etype == "missing":
        return Problem.at(file, yamlsafe.locate(text, loc[:-1]), code, **params)
    if value is None and etype not in ("missing", "extra_forbidden"):
        return Problem.at(file, yamlsafe.locate(text, loc), "schema.empty_value", field=field_name)
    if etype in ("enum", "literal_error"):
        params["expected"] = " / ".join(re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", ""))))
    if etype in ("greater_than_equal", "less_than_equal"):
        params["limit"] = next(iter(err.get("ctx", {}).values()), "")
    if etype == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern == ID_PATTERN:
            code = "schema.bad_id"
        elif "W" in pattern:
            code = "schema.bad_week"
        params["expected"] = pattern
    if etype == "too_short":
        params["min"] = err.get("ctx", {}).get("min_length", 1)
    if etype == "string_too_long":
        params["max"] = err.get("ctx", {}).get("max_length", "")
    if code == "schema.invalid":
        params["detail"] = err.get("msg", "")
    params["value"] = _describe(value)
    return Problem.at(file, yamlsafe.locate(text, loc), code, **params)


def _key_mistakes(errors: list[dict], text: str, file: str) -> tuple[list[Problem], list[dict]]:
    """Unknown fields that are keyboard mistakes (``{id：M1}``): named at the mistake, and the "missing
    field" they cause dropped, so that one mistake gives one line."""
    hinted: list[Problem] = []
    explained: set[tuple] = set()
    for e in errors:
        loc = tuple(e["loc"])
        found = yamlhints.key_mistake(str(loc[-1])) if e["type"] == "extra_forbidden" and loc else None
        if found is None:
            continue
        code, offset, params = found
        line, col = yamlsafe.locate(text, loc, key=True)
        hinted.append(Problem.at(file, (line, col + offset), code, **params))
        explained.add(loc)
        if "key" in params:
            explained.add(loc[:-1] + (params["key"],))
    return hinted, [e for e in errors if tuple(e["loc"]) not in explained]


def check_file(raw: bytes, kind: str, file: str, pieces: bool = False) -> tuple[Any, BaseModel | None, list[Problem]]:
    """Parse and model-check one file: (plain data, model, problems). The unit the cache stores.
    ``pieces``: reuse pieces parsed before (many versions of the same files; ``yamlsafe.parse``)."""
    model_cls = FILE_KINDS[kind][0]
    data, problems = yamlsafe.parse(raw, file, pieces)
    if data is None:
        return None, None, problems
    try:
        return data, model_cls.model_validate(data), []
    except ValidationError as exc:
        text, _ = yamlsafe.decode(raw, file)
        errors = exc.errors(include_url=False)
        # pydantic adds "too short" for a list whose only entries failed; the entry's own error says it
        failed_under = {tuple(e["loc"][:-1]) for e in errors if len(e["loc"]) > 1}
        failed_under |= {loc[:i] for loc in failed_under for i in range(1, len(loc))}
        errors = [e for e in errors if not (e["type"] == "too_short" and tuple(e["loc"]) in failed_under)]
        limit = yamlsafe.MAX_FILE_PROBLEMS
        hinted, errors = _key_mistakes(errors, text or "", file)
        problems = sorted(hinted + [_problem_from_pydantic(e, text or "", file) for e in errors])
        if len(problems) > limit:
            problems = problems[:limit] + [yamlsafe.more_problems(file, problems[limit - 1], len(problems) - limit)]
        return data, None, problems

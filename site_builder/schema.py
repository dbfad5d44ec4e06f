"""Schemas: JSON Schema files generated from the models, for editors and other tools.

``rectify schema`` writes one file per ledger file kind into ``schemas/``; ``--check`` compares
instead of writing, which is how a test keeps them from going stale. The Chinese titles and
descriptions of the models become the hints an editor with the YAML language server shows.
"""

from __future__ import annotations

import json
from pathlib import Path

from .models import FILE_KINDS


def schema_texts() -> dict[str, str]:
    """File name → JSON text of every schema, deterministic byte for byte."""
    out = {}
    for kind, (model, filename, _) in FILE_KINDS.items():
        schema = model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"rectification-ledger/{filename}", **schema}
        out[filename] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out


def write_schemas(folder: Path, check: bool = False) -> tuple[list[str], int]:
    """Write (or with ``check`` only compare) the schema files. Returns (stale names, count)."""
    texts = schema_texts()
    stale = []
    for name, text in texts.items():
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not check:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale, len(texts)

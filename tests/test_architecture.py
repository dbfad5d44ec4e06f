"""The package reads as the pipeline: stage packages, imports only down the pipeline, no module
that runs without saying which stage it is."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "site_builder"

#: what each stage may import besides itself (DESIGN: ledger → history → metrics → site / bulletin,
#: plus office, edit and cli; core is beneath them all)
ALLOWED = {
    "core": set(),
    "ledger": {"core"},
    "history": {"core", "ledger"},
    "metrics": {"core", "ledger"},
    "bulletin": {"core", "ledger", "history", "metrics"},
    "site": {"core", "ledger", "history", "metrics", "bulletin"},
    "edit": {"core", "ledger", "history", "metrics"},
    "office": {"core", "ledger", "history", "metrics", "edit"},
    "rollup": {"core", "ledger", "history", "metrics", "bulletin", "site"},
    "cli": {"core", "ledger", "history", "metrics", "bulletin", "site", "edit", "office", "rollup"},
}


def stage_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 else rel[0].removesuffix(".py")


def imported_stages(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            names = [node.module or ""] if (node.module or "").count(".") else \
                [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        # the root package's own names (its version) sit beneath every stage
        found += [(node.lineno, n.split(".")[1]) for n in names
                  if n.startswith("site_builder.") and n.split(".")[1] in ALLOWED]
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "skeleton" not in p.parts)


def test_every_stage_imports_only_down_the_pipeline():
    wrong = []
    for path in modules():
        stage = stage_of(path)
        if stage == "__init__":
            continue
        assert stage in ALLOWED, f"{path}: a module outside the stage packages"
        wrong += [f"{path.relative_to(PACKAGE)}:{line}: {stage} imports {target}"
                  for line, target in imported_stages(path) if target != stage and target not in ALLOWED[stage]]
    assert wrong == []


def test_no_import_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    for path in modules():
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:   # module level: what runs on import
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("site_builder"):
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    is_module = (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                    deps.add(sub if is_module else node.module)
        graph[name] = deps

    def visit(node, trail):
        if node in trail:
            raise AssertionError("import cycle: " + " → ".join([*trail[trail.index(node):], node]))
        for dep in graph.get(node, ()):
            visit(dep, [*trail, node])

    for name in graph:
        visit(name, [])


def test_every_module_says_what_it_is():
    missing = [str(p.relative_to(PACKAGE)) for p in modules() if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert missing == []


def test_the_stages_set_no_global_of_another_module():
    """State passes between phases as arguments, never as another module's attribute."""
    wrong = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and \
                        target.value.id in _module_names(path):
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: sets {target.value.id}.{target.attr}")
    assert wrong == []


def _module_names(path: Path) -> set[str]:
    """Names bound to modules of the package by the imports of ``path``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("site_builder"):
            for a in node.names:
                if (PACKAGE.parent / f"{node.module}.{a.name}".replace(".", "/")).with_suffix(".py").exists():
                    names.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("site_builder")}
    return names

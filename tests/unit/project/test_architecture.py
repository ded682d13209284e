"""The layering of ``docs/architecture.md``, checked on the source: which package may import
which, no import cycles between modules, and no function-local imports of the library."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src"
BASE = {"costmodel", "costmodel.errors", "costmodel._validate", "costmodel.resources", "costmodel._schema",
        "costmodel.strict_yaml", "costmodel.escape", "costmodel.progress"}
#: package -> the packages it may import (besides BASE and itself); docs/architecture.md
ALLOWED = {
    "models": set(),
    "scenario": {"models"},
    "analysis": {"models", "scenario"},
    "decision": {"models", "scenario", "analysis"},
    "prices": {"models", "scenario", "analysis", "decision"},
    "importers": {"models", "scenario", "analysis", "decision"},
    "workbook": {"models", "scenario", "analysis", "decision", "prices"},
    "cli": {"models", "scenario", "analysis", "decision", "prices", "importers", "workbook"},
    "__main__": {"cli"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in (SRC / "costmodel").rglob("*.py"):
        if "data" in p.relative_to(SRC / "costmodel").parts[:1]:
            continue  # package data (a fixture generator script), not library code
        name = ".".join(p.relative_to(SRC).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = p
    return out


def _imports(path: Path, name: str) -> list[tuple[str, int, str]]:
    """(imported costmodel module, line, where) for every import in the file; where is
    ``"top"`` (module level), ``"typing"`` (under ``if TYPE_CHECKING:``) or ``"local"``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for t in targets:
            if t == "costmodel" or t.startswith("costmodel."):
                out.append((t, node.lineno, "top" if id(node) in top else "typing" if _in_type_checking(tree, node) else "local"))
    return out


def _in_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    for n in tree.body:
        if (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
                and any(c is node for c in ast.walk(n))):
            return True
    return False


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or ".".join(parts[:2]) in BASE:
        return None
    return parts[1]


def test_every_package_imports_only_the_layers_below_it() -> None:
    mods = _modules()
    bad = []
    for name, path in mods.items():
        layer = _layer(name)
        if layer is None:
            continue
        assert layer in ALLOWED, f"{name}: package {layer!r} is not in docs/architecture.md's layer table"
        for target, line, _ in _imports(path, name):
            t_layer = _layer(target)
            if t_layer is None or t_layer == layer or (target not in mods and target.rsplit(".", 1)[0] not in mods):
                continue
            if t_layer not in ALLOWED[layer]:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {target} ({layer} may not import {t_layer})")
    assert not bad, "\n".join(bad)


def test_no_function_local_imports_of_the_library() -> None:
    local = [f"{path.relative_to(SRC)}:{line} imports {t} inside a function"
             for name, path in _modules().items() for t, line, where in _imports(path, name) if where == "local"]
    assert not local, "\n".join(local)


def test_no_import_cycles() -> None:
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for target, _, where in _imports(path, name):
            if where != "top":  # imports under TYPE_CHECKING never run
                continue
            for cand in (target, target.rsplit(".", 1)[0]):
                if cand in mods and cand != name and not name.startswith(cand + "."):
                    edges[name].add(cand)
                    break
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(u: str, stack: list[str]) -> None:
        state[u] = 1
        stack.append(u)
        for v in sorted(edges[u]):
            if state.get(v) == 1:
                cycles.append(" -> ".join([*stack[stack.index(v):], v]))
            elif not state.get(v):
                visit(v, stack)
        stack.pop()
        state[u] = 2

    for m in sorted(mods):
        if not state.get(m):
            visit(m, [])
    assert not cycles, "\n".join(cycles[:5])

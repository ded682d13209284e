"""The deployable package holds only what deploys: it never imports the harness or moto,
and its idempotency store interface is claim / complete / release."""

from __future__ import annotations

import ast
from pathlib import Path

import handler_reference

PACKAGE = Path(handler_reference.__file__).parent
#: What exercises the handler; the deployed code must not need any of it.
NOT_DEPLOYED = ("handler_harness", "moto", "pytest", "hypothesis")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_handler_reference_never_imports_what_exercises_it():
    offenders = {
        path.name: sorted(_imported_roots(path) & set(NOT_DEPLOYED))
        for path in sorted(PACKAGE.glob("*.py"))
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_the_harness_modules_left_the_deployable_package():
    assert {p.stem for p in PACKAGE.glob("*.py")} == {
        "__init__", "app", "batch", "config", "errors", "fifo", "iam", "logs", "processor", "sink",
        "state_machine", "store",
    }

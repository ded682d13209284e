"""Drawing belongs to the workbook: the library below it imports no plotting or notebook
package (the package layering itself is checked in ``tests/unit/project/test_architecture.py``)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "costmodel"
DRAWING = ("plotly", "IPython", "ipywidgets", "matplotlib")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("layer", ["models", "scenario", "analysis", "decision"])
def test_the_library_draws_nothing(layer):
    for path in sorted((SRC / layer).rglob("*.py")):
        for name in _imports(path):
            assert not name.startswith(DRAWING), f"{path.relative_to(SRC)} imports {name}"

"""Static checks of the workbook's notebooks (no kernel, no execution).

Every notebook in ``notebooks/`` must be a thin, reproducible page of the workbook
(STYLE.md section 8 and docs/notebooks.md):

- named ``NN-kebab-title.ipynb`` (or ``report.ipynb``);
- no ``def``/``class`` in code cells (logic lives in the library, where it is tested);
- the first code cell imports ``costmodel``;
- exactly one cell tagged ``parameters``; the report's next code cell is its
  parameter-validation cell;
- seeded: a ``RANDOM_STATE = <int>`` assignment;
- committed with outputs: every code cell executed, no error outputs, no stored
  absolute path of the machine that ran it;
- every plotly output sits in a cell tagged ``nbval-ignore-output``, followed later by
  a compared (untagged) cell with text output carrying the key numbers;
- nothing loads plotly.js (or anything) from a CDN: no ``notebook_connected``
  renderer, no ``<script src="http...">`` in stored outputs.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[3] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NUMBERED = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")
DEF_OR_CLASS = re.compile(r"^\s*(async\s+def|def|class)\s+\w+", re.MULTILINE)
IMPORTS_COSTMODEL = re.compile(r"^\s*(import costmodel\b|from costmodel(\.\w+)* import\b)", re.MULTILINE)
SEEDED = re.compile(r"^RANDOM_STATE\s*=\s*\d+\s*(#.*)?$", re.MULTILINE)
PLOTLY_MIME = "application/vnd.plotly.v1+json"
NETWORK_SCRIPT = re.compile(r"<(script|link)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)
IGNORE = "nbval-ignore-output"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _output_texts(cell: dict):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = out.get("text", "")
            yield "".join(text) if isinstance(text, list) else text
        for value in out.get("data", {}).values():
            if isinstance(value, list):
                yield "".join(value)
            elif isinstance(value, str):
                yield value
            else:
                yield json.dumps(value)


def _is_plotly(out: dict) -> bool:
    data = out.get("data", {})
    return PLOTLY_MIME in data or "plotly" in str(data.get("text/html", ""))


def test_the_workbook_has_its_notebooks():
    names = {p.name for p in NOTEBOOKS}
    expected = {
        "00-start-here.ipynb",
        "report.ipynb",
    }
    assert expected <= names, f"missing notebooks: {sorted(expected - names)}"


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, _load(request.param)


def test_name_is_numbered_kebab_case(notebook):
    path, _ = notebook
    assert path.name == "report.ipynb" or NUMBERED.match(path.name), (
        f"{path.name}: notebooks are named NN-kebab-title.ipynb"
    )


def test_no_def_or_class_in_code_cells(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            m = DEF_OR_CLASS.search(_source(cell))
            assert not m, f"{path.name} cell {i}: {m.group(0).strip()!r}: move logic into src/costmodel"


def test_first_code_cell_imports_costmodel(notebook):
    path, nb = notebook
    first = _code_cells(nb)[0]
    assert IMPORTS_COSTMODEL.search(_source(first)), f"{path.name}: first code cell must import costmodel"


def test_exactly_one_parameters_cell(notebook):
    path, nb = notebook
    tagged = [i for i, c in enumerate(nb["cells"]) if "parameters" in _tags(c)]
    assert len(tagged) == 1, f"{path.name}: cells tagged 'parameters': {tagged}"
    assert nb["cells"][tagged[0]]["cell_type"] == "code"


def test_report_validates_its_parameters_first():
    nb = _load(NOTEBOOK_DIR / "report.ipynb")
    code = _code_cells(nb)
    idx = next(i for i, c in enumerate(code) if "parameters" in _tags(c))
    following = code[idx + 1]
    assert "validate-parameters" in _tags(following), "report.ipynb: the cell after 'parameters' validates them"
    params = _source(code[idx])
    assert re.search(r"^scenario_path: str\s*=", params, re.MULTILINE)  # typed for papermill
    assert re.search(r"^overrides: dict\s*=", params, re.MULTILINE)


def test_seeded(notebook):
    path, nb = notebook
    assert any(SEEDED.search(_source(c)) for c in _code_cells(nb)), f"{path.name}: no RANDOM_STATE = <int>"


def test_committed_with_outputs(notebook):
    path, nb = notebook
    code = _code_cells(nb)
    unexecuted = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    assert not unexecuted, f"{path.name}: code cells never executed: {unexecuted}"
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: not executed top to bottom in one run: {counts}"
    assert any(c.get("outputs") for c in code), f"{path.name}: no stored outputs"
    for i, c in enumerate(code):
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name} code cell {i} stored an error"
            if out.get("output_type") == "stream":
                assert out.get("name") != "stderr", f"{path.name} code cell {i} stored stderr (warnings?)"


def test_no_machine_specific_paths_in_outputs(notebook):
    path, nb = notebook
    repo = str(NOTEBOOK_DIR.parent)
    for i, c in enumerate(_code_cells(nb)):
        for text in _output_texts(c):
            assert repo not in text and "/home/" not in text and "/tmp/" not in text, (
                f"{path.name} code cell {i}: stored output contains a machine-specific path"
            )


def test_plotly_outputs_are_ignored_and_their_numbers_printed(notebook):
    path, nb = notebook
    code = _code_cells(nb)
    for i, c in enumerate(code):
        plotly_outs = [o for o in c.get("outputs", []) if _is_plotly(o)]
        if not plotly_outs:
            continue
        assert IGNORE in _tags(c), f"{path.name} code cell {i}: plotly output without tag {IGNORE}"
        later_text = [
            d
            for d in code[i + 1 :]
            if IGNORE not in _tags(d)
            and any(o.get("output_type") == "stream" or "text/plain" in o.get("data", {}) for o in d.get("outputs", []))
        ]
        assert later_text, f"{path.name} code cell {i}: no compared text cell after this chart"


def test_ignored_cells_are_only_charts_or_widgets(notebook):
    """Tagging a cell nbval-ignore-output hides regressions: only charts and widgets may."""
    path, nb = notebook
    for i, c in enumerate(_code_cells(nb)):
        if IGNORE not in _tags(c):
            continue
        outs = c.get("outputs", [])
        assert outs, f"{path.name} code cell {i}: tagged {IGNORE} but has no output"
        assert any(
            _is_plotly(o) or "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outs
        ), f"{path.name} code cell {i}: tagged {IGNORE} but shows no chart or widget"


def test_nothing_loaded_from_a_cdn(notebook):
    path, nb = notebook
    for i, c in enumerate(_code_cells(nb)):
        src = _source(c)
        assert "notebook_connected" not in src and "cdn" not in src.lower(), (
            f"{path.name} code cell {i}: loads from a CDN"
        )
        for text in _output_texts(c):
            assert not NETWORK_SCRIPT.search(text), f"{path.name} code cell {i}: output loads a script from the network"


def test_markdown_explains_each_chart(notebook):
    """Prose between steps: every notebook has more markdown than a title."""
    path, nb = notebook
    md = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert len(md) >= 2, f"{path.name}: needs prose between the steps"

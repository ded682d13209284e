"""Unit tests of costmodel.workbook.report that need no kernel: CLI parameter parsing and the
plotly-to-HTML conversion used by the offline export."""
from __future__ import annotations

import nbformat
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from costmodel.cli import build_parser
from costmodel.errors import CostModelError, InvalidParameterError
from costmodel.workbook.report import ReportError, parse_cli_parameters, plotly_outputs_to_html


def test_cli_values_are_read_as_yaml():
    got = parse_cli_parameters(
        [("traffic.mean_rps", "20"), ("work.memory_mb", "1024.5"), ("lambda.free_tier", "false"),
         ("work.architecture", "arm64"), ("x.list", "[1, 2]")]
    )
    assert got == {
        "traffic.mean_rps": 20,
        "work.memory_mb": 1024.5,
        "lambda.free_tier": False,
        "work.architecture": "arm64",
        "x.list": [1, 2],
    }


def test_cli_repeated_name_keeps_the_last_value():
    assert parse_cli_parameters([("a.b", "1"), ("a.b", "2")]) == {"a.b": 2}


def test_cli_invalid_yaml_value_names_the_parameter():
    with pytest.raises(InvalidParameterError, match=r"-p a\.b='\[1, 2'.*a YAML value"):
        parse_cli_parameters([("a.b", "[1, 2")])
    assert issubclass(ReportError, CostModelError)


def test_report_subcommand_arguments():
    args = build_parser().parse_args(
        ["report", "s.yaml", "-p", "traffic.mean_rps", "20", "-p", "lambda.keep_alive_s", "300", "-o", "out"]
    )
    assert args.file == "s.yaml"
    assert args.parameter == [["traffic.mean_rps", "20"], ["lambda.keep_alive_s", "300"]]
    assert args.output_dir == "out"
    assert build_parser().parse_args(["report", "s.yaml"]).output_dir == "reports"


def _nb_with_figures(n):
    renderer = pio.renderers["plotly_mimetype"]
    cells = [new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n")])]
    for i in range(n):
        bundle = renderer.to_mimebundle(go.Figure(go.Scatter(x=[0, 1], y=[i, i + 1])).to_dict())
        cells.append(new_code_cell("fig", outputs=[new_output("display_data", data=bundle)]))
    return new_notebook(cells=cells)


def test_plotly_outputs_become_html_without_plotlyjs_or_mathjax():
    nb = _nb_with_figures(2)
    converted, count = plotly_outputs_to_html(nb)
    assert count == 2
    htmls = [o["data"]["text/html"] for c in converted.cells[1:] for o in c.outputs]
    assert [h.count('id="costmodel-chart-') for h in htmls] == [1, 1]
    assert 'id="costmodel-chart-0"' in htmls[0] and 'id="costmodel-chart-1"' in htmls[1]
    for h in htmls:
        assert "Plotly.newPlot" in h
        assert "<script src" not in h and "mathjax" not in h.lower()
        assert len(h) < 20_000  # plotly.js (megabytes) is embedded once by the template, not here
    # the input notebook is not modified
    assert "application/vnd.plotly.v1+json" in nb.cells[1].outputs[0]["data"]
    # non-plotly outputs untouched
    assert converted.cells[0].outputs[0]["text"] == "1\n"


def test_conversion_is_deterministic():
    nb = _nb_with_figures(1)
    a, _ = plotly_outputs_to_html(nb)
    b, _ = plotly_outputs_to_html(nb)
    assert nbformat.writes(a) == nbformat.writes(b)

"""Unit tests of costmodel.workbook.display: the stable text of compared cells, Markdown
dollars and the offline plotly renderer."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.workbook.display import (
    OfflineNotebookRenderer,
    escape_dollars,
    format_number,
    key_numbers,
    markdown,
    setup_notebook,
    table_float,
)


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("monthly_usd", 1234.565, "1,234.57"),
        ("monthly_usd", 0.004, "0.00"),
        ("mean_rps", 5.0, "5"),
        ("mean_rps", 5.25, "5.250"),
        ("memory_mb", 512.0, "512"),
        ("p99_ms", 123456.7, "123,500"),
        ("fraction", 0.000123456, "0.0001235"),
        ("count", 1_000_000, "1,000,000"),
        ("flag", True, "True"),
        ("label", "bursty", "bursty"),
        ("ratio", -0.5, "-0.5000"),
        ("zero", 0.0, "0"),
        ("nan", math.nan, "nan"),
    ],
)
def test_format_number(name, value, text):
    assert format_number(name, value) == text


def test_format_number_hides_last_digit_noise():
    assert format_number("x", 0.1 + 0.2) == format_number("x", 0.3)
    assert format_number("x_usd", 10.0 - 1e-12) == "10.00"


def test_key_numbers_aligns_names():
    assert key_numbers({"a": 1, "long_name": 2}) == "a          1\nlong_name  2"


@pytest.mark.parametrize(
    "value, text",
    [(141.03, "141.03"), (1603.0408, "1,603.04"), (0.00042727617, "0.000427276"), (12960000.0, "12,960,000"),
     (0.5, "0.5"), (5.0, "5"), (math.nan, "nan")],
)
def test_table_float_six_significant_figures(value, text):
    assert table_float(value) == text




@pytest.mark.parametrize(
    "text, expected",
    [
        ("Lambda $28.60/month vs Fargate $56.11/month", r"Lambda \$28.60/month vs Fargate \$56.11/month"),
        (r"already \$5 escaped", r"already \$5 escaped"),
        ("code `echo $HOME $PATH` stays", r"code `echo $HOME $PATH` stays"),
        ("```sh\nexport A=$B\n```\n$1", "```sh\nexport A=$B\n```\n\\$1"),
        ("no dollars", "no dollars"),
    ],
)
def test_dollars_are_escaped_outside_code(text, expected):
    assert escape_dollars(text) == expected
    assert markdown(text).data == f'<div class="tex2jax_ignore">\n\n{expected}\n\n</div>'  # MathJax skips it


def test_markdown_output_never_holds_two_unescaped_dollars():
    text = markdown("**Verdict**: $1 vs $2, then $3").data
    assert "$" not in text.replace(r"\$", "")


def _figure(i: int) -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b"], y=[i, i + 1]))


def test_offline_renderer_stores_json_and_html_with_plotlyjs_once():
    renderer = OfflineNotebookRenderer()
    first = renderer.to_mimebundle(_figure(1).to_dict())
    second = renderer.to_mimebundle(_figure(2).to_dict())
    for bundle in (first, second):
        assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}
        assert "Plotly.newPlot" in bundle["text/html"]
        assert "<script src" not in bundle["text/html"]  # nothing from the network
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert js in first["text/html"] and len(first["text/html"]) > len(js)
    assert js[:2000] not in second["text/html"] and len(second["text/html"]) < 20_000
    assert "mathjax" not in second["text/html"].lower()
    # deterministic: the same figures give the same HTML after a reset
    renderer.reset()
    assert renderer.to_mimebundle(_figure(1).to_dict()) == first


def test_setup_notebook_selects_the_offline_renderer_and_refuses_cdn_renderers():
    setup_notebook()
    assert pio.renderers.default == "costmodel"
    with pytest.raises(InvalidParameterError, match="renderer"):
        setup_notebook("notebook_connected")
    setup_notebook("plotly_mimetype")
    assert pio.renderers.default == "plotly_mimetype"


def test_plotlyjs_goes_with_the_first_figure_shown_through_plotly():
    # plotly copies the renderer for each figure; the count must survive the copies
    setup_notebook()
    first = pio.renderers._build_mime_bundle(_figure(1).to_dict())
    second = pio.renderers._build_mime_bundle(_figure(2).to_dict())
    assert len(first["text/html"]) > 1_000_000 > 20_000 > len(second["text/html"])

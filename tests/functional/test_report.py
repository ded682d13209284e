"""The decision report end to end: papermill run of notebooks/report.ipynb, offline HTML.

Runs a real kernel (a few seconds per report). The default-scenario report is made once
per module, through the command line (``costmodel report``), and inspected by several
tests. The rendered-page check in a browser is in ``test_report_browser.py``.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from costmodel.cli import main
from costmodel.workbook.report import REPORT_NOTEBOOK, ReportError, run_report

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = REPO / "data" / "scenarios" / "default.yaml"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


class _References(HTMLParser):
    """Every URL the page would load by itself: script/img/iframe src, link href, CSS url()."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loaded: list[tuple[str, str]] = []
        self._in_style = False
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed") and a.get("src"):
            self.loaded.append((tag, a["src"]))
        if tag == "link" and a.get("href"):
            self.loaded.append((tag, a["href"]))
        if tag == "object" and a.get("data"):
            self.loaded.append((tag, a["data"]))
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def shared_default_report(tmp_path_factory) -> Path:
    """The default-scenario report, made once per test session through the CLI (the
    browser test uses the same files). Returns the output directory."""
    out = tmp_path_factory.getbasetemp() / "default-report"
    if not (out / "default.html").exists():
        status = main(["report", str(DEFAULT_SCENARIO), "-o", str(out)])
        assert status == 0
    return out


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    out = shared_default_report(tmp_path_factory)
    nb_path, html_path = out / "default.ipynb", out / "default.html"
    return nbformat.read(str(nb_path), as_version=4), html_path.read_text(encoding="utf-8")


def test_default_report_executes_every_cell(default_report):
    nb, _ = default_report
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    # papermill injected the scenario we asked for
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "default.yaml" in injected[0].source


def test_default_report_has_charts_and_html_draws_each(default_report):
    nb, html = default_report
    charts = sum(PLOTLY_MIME in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert charts >= 3
    assert len(re.findall(r'<div class="plotly-graph-div" id="costmodel-chart-\d+"', html)) == charts
    assert html.count("Plotly.newPlot(") == charts


def test_html_loads_nothing_from_the_network(default_report):
    _, html = default_report
    refs = _References()
    refs.feed(html)
    remote = [(tag, url) for tag, url in refs.loaded if not url.startswith(("data:", "#"))]
    assert remote == [], f"the page loads {remote}"
    css = "\n".join(refs.styles)
    assert not re.search(r"@import", css), "CSS @import"
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), "CSS url() to the network (fonts, images)"
    for cdn in ("require.js", "require.min.js", "mathjax@", "MathJax.js", "tex-svg", "mermaid.esm", "html-manager", "embed-amd.js"):
        assert cdn not in html, f"reference to {cdn}"


def test_html_embeds_plotly_js_and_hides_code(default_report):
    nb, html = default_report
    assert len(html) > 3_000_000  # plotly.js (~4.7 MB minified) is inline
    # code hidden: no code cell's source is on the page
    for cell in nb.cells:
        if cell.cell_type == "code":
            first_line = cell.source.strip().splitlines()[0]
            assert first_line not in html, f"code shown: {first_line!r}"
    # the plotly.js embedded is the pinned package's own copy
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs()[:2000] in html


def _stream_text(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream")


def test_report_states_the_verdict_with_the_library_numbers(default_report):
    from costmodel.analysis.compare import compare
    from costmodel.decision import VERDICTS
    from costmodel.workbook.display import format_number

    nb, html = default_report
    markdown = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells if c.cell_type == "code"
                       for o in c.outputs)
    verdict = re.search(r"## Verdict: \*\*(\w+)\*\*", markdown)
    assert verdict and verdict.group(1) in VERDICTS
    assert f"Verdict: <strong>{verdict.group(1)}</strong>" in html
    # the printed monthly costs are the comparison's, computed here independently
    table = compare(DEFAULT_SCENARIO).table
    text = _stream_text(nb)
    for option, usd in table["monthly_usd"].items():
        assert re.search(rf"^{option}\.monthly_usd\s+{re.escape(format_number('x_usd', usd))}$", text, re.MULTILINE)


def test_overrides_reach_the_model(tmp_path):
    """A report with the mean rate doubled prices twice the Lambda requests."""
    result = run_report(DEFAULT_SCENARIO, {"traffic.mean_rps": 10.0}, output_dir=tmp_path, name="doubled")
    nb = nbformat.read(str(result.notebook_path), as_version=4)
    text = _stream_text(nb)
    requests = int(re.search(r"^requests_per_month\s+([\d,]+)$", text, re.MULTILINE).group(1).replace(",", ""))
    # 10 req/s for a 730-h month
    assert requests == 10 * 3_600 * 730
    assert "`traffic.mean_rps` = `10.0`" in "".join(
        str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )


def test_invalid_override_fails_in_the_validation_cell_with_a_clear_message(tmp_path):
    with pytest.raises(ReportError) as info:
        run_report(DEFAULT_SCENARIO, {"traffic.mean_rps": -5}, output_dir=tmp_path)
    msg = str(info.value)
    assert msg.startswith("invalid report parameters:")
    assert "mean_rps" in msg and "-5" in msg
    # the executed notebook shows where it stopped: the first cell after the parameters
    nb = nbformat.read(str(tmp_path / "default.ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    failed = [i for i, c in enumerate(code) if any(o.output_type == "error" for o in c.outputs)]
    validation = next(i for i, c in enumerate(code) if "validate-parameters" in c.metadata.get("tags", []))
    assert failed == [validation]
    assert all(c.execution_count is None for c in code[validation + 1 :])


def test_unknown_scenario_key_through_the_cli_exits_2_naming_it(tmp_path, capsys):
    status = main(["report", str(DEFAULT_SCENARIO), "-p", "trafic.mean_rps", "20", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert "invalid report parameters" in err and "trafic" in err
    assert "Traceback" not in err


def test_missing_scenario_file_fails_before_starting_a_kernel(tmp_path):
    with pytest.raises(ReportError, match="not a file"):
        run_report(tmp_path / "nope.yaml", output_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_report_notebook_is_the_one_in_the_repository():
    assert (REPO / "notebooks" / "report.ipynb").resolve() == REPORT_NOTEBOOK.resolve()  # a link to package data
    nb = json.loads(REPORT_NOTEBOOK.read_text())
    assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])

"""The decision report end to end: papermill run of notebooks/report.ipynb, offline HTML,
the summary exports and the safety of the command (validation first, all or nothing).

Runs a real kernel (several seconds per report). The default-scenario report is made once
per session, through the command line (``costmodel report --json``), and inspected by
several tests. The rendered-page checks in a browser are in ``test_report_browser.py``.
"""
from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from costmodel.cli import main
from costmodel.errors import CostModelError
from costmodel.workbook.report import HIDDEN_TAG, REPORT_NOTEBOOK, ReportError, run_report

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
    """The default-scenario report, made once per test session through the CLI with
    ``--json`` (its stdout kept in ``default.json``; the browser test uses the same files).
    Returns the output directory."""
    out = tmp_path_factory.getbasetemp() / "default-report"
    if not (out / "default.html").exists():
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            status = main(["report", str(DEFAULT_SCENARIO), "-o", str(out), "--json"])
        assert status == 0
        (out / "default.json").write_text(stdout.getvalue())
    return out


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    out = shared_default_report(tmp_path_factory)
    nb_path, html_path = out / "default.ipynb", out / "default.html"
    return nbformat.read(str(nb_path), as_version=4), html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def default_json(tmp_path_factory):
    return json.loads((shared_default_report(tmp_path_factory) / "default.json").read_text())


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
    assert charts >= 5
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
    for cdn in ("require.js", "require.min.js", "mathjax@", "MathJax.js", "tex-svg", "mermaid.esm", "html-manager",
                "embed-amd.js"):
        assert cdn not in html, f"reference to {cdn}"


def test_html_embeds_plotly_js_once_and_hides_code_and_compared_numbers(default_report):
    nb, html = default_report
    assert len(html) > 3_000_000  # plotly.js (~4.7 MB minified) is inline
    from plotly.offline import get_plotlyjs

    assert html.count(get_plotlyjs()[:2000]) == 1  # the pinned package's own copy, once
    for cell in nb.cells:
        if cell.cell_type == "code":
            first_line = cell.source.strip().splitlines()[0]
            assert first_line not in html, f"code shown: {first_line!r}"
    # the cells nbval compares (key numbers, the machine-readable summary) are not on the page
    hidden = [c for c in nb.cells if HIDDEN_TAG in c.metadata.get("tags", [])]
    assert len(hidden) >= 3
    assert "requests_per_month" not in html and "monthly_usd" not in html and "machine-readable" not in html


def test_the_page_allows_only_its_own_inline_scripts(default_report):
    _, html = default_report
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert meta and html.index(meta.group(0)) < html.index("<script")  # before any script
    policy = dict(part.strip().split(" ", 1) for part in meta.group(1).split(";"))
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'"
    allowed = set(re.findall(r"'sha256-([^']+)'", policy["script-src"]))
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL)
    assert scripts and "'unsafe-inline'" not in policy["script-src"]
    assert {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts} == allowed


def _stream_text(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream")


def test_report_states_the_verdict_with_the_library_numbers(default_report, default_json):
    from costmodel.analysis.compare import compare
    from costmodel.analysis.rightsizing import right_sized_scenario
    from costmodel.decision import VERDICTS, recommend
    from costmodel.workbook.display import format_number

    nb, html = default_report
    rec = recommend(DEFAULT_SCENARIO)
    assert rec.verdict in VERDICTS
    assert f"Verdict: <strong>{rec.verdict}</strong> ({rec.confidence} confidence)" in html
    assert default_json["verdict"] == rec.verdict and default_json["decided_by"] == rec.decided_by
    # the monthly costs: the comparison's of the options right-sized to the service level
    # (what the verdict compares), computed here independently
    table = compare(right_sized_scenario(DEFAULT_SCENARIO)).table
    text = _stream_text(nb)
    for option, usd in table["monthly_usd"].items():
        assert re.search(rf"^{option}\.monthly_usd\s+{re.escape(format_number('x_usd', usd))}$", text, re.MULTILINE)
        assert default_json["options"][option]["monthly_usd"] == pytest.approx(usd, abs=1e-9)
        assert f"<td style=\"text-align:right;\">{usd:,.2f}</td>" in html  # in the summary table


def test_summary_exports_for_design_documents(default_report, default_json):
    from costmodel.analysis.compare import compare
    from costmodel.analysis.rightsizing import right_sized_scenario

    out = Path(default_json["html"]).parent
    assert Path(default_json["summary_markdown"]) == out / "default.summary.md"
    md = (out / "default.summary.md").read_text()
    assert md.startswith("# Lambda or containers? Diurnal JSON API") and "| Fargate Savings Plan |" in md
    rows = {r["option"]: r for r in csv.DictReader(io.StringIO((out / "default.summary.csv").read_text()))}
    table = compare(right_sized_scenario(DEFAULT_SCENARIO)).table
    cheapest = min(table["monthly_usd"])
    for option, usd in table["monthly_usd"].items():
        row = rows[option]
        assert float(row["monthly_usd"]) == pytest.approx(usd)
        assert float(row["annual_usd"]) == pytest.approx(usd * 12)  # 12 months of 730 h
        assert float(row["vs_cheapest_usd"]) == pytest.approx(usd - cheapest)
    # JSON numbers without binary noise
    assert not re.search(r"\d\.\d*0000000\d", (out / "default.json").read_text())


def test_override_runs_are_named_after_their_overrides_and_compared_with_the_baseline(tmp_path):
    """A what-if never replaces the baseline's files, and says what changed."""
    (tmp_path / "default.html").write_text("the baseline report")
    result = run_report(DEFAULT_SCENARIO, {"traffic.mean_rps": 10.0}, output_dir=tmp_path)
    assert result.html_path.name == "default__traffic.mean_rps=10.0.html"
    assert (tmp_path / "default.html").read_text() == "the baseline report"
    nb = nbformat.read(str(result.notebook_path), as_version=4)
    requests = int(re.search(r"^requests_per_month\s+([\d,]+)$", _stream_text(nb), re.MULTILINE).group(1)
                   .replace(",", ""))
    assert requests == 10 * 3_600 * 730  # 10 req/s for a 730-h month
    html = result.html_path.read_text()
    assert "Changed from the baseline" in html and "<code>traffic.mean_rps</code>" in html
    # Lambda's requests double from 5 to 10 req/s: its bill grows, shown as before -> after
    from costmodel.analysis.compare import compare

    before = compare(DEFAULT_SCENARIO).table.loc["lambda", "monthly_usd"]
    assert re.search(rf"Lambda \(USD/month\)</th><td[^>]*>{before:,.2f}</td><td[^>]*>[\d.,]+</td><td[^>]*>\+", html)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "default.html", *(f"default__traffic.mean_rps=10.0{ext}" for ext in (".html", ".ipynb", ".summary.csv",
                                                                           ".summary.md"))]


def test_invalid_override_fails_before_anything_runs_or_is_written(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(CostModelError) as info:
        run_report(DEFAULT_SCENARIO, {"traffic.mean_rps": -5}, output_dir=tmp_path)
    msg = str(info.value)
    assert "mean_rps" in msg and "-5" in msg
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_failing_cell_leaves_the_previous_report_as_it_was(tmp_path):
    failing = tmp_path / "failing.ipynb"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('scenario_path = ""\noverrides = {}', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise RuntimeError('boom')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(failing))
    out = tmp_path / "out"
    out.mkdir()
    for ext in (".html", ".ipynb"):
        (out / f"x{ext}").write_text("good")
    with pytest.raises(ReportError, match=r"RuntimeError: boom.*previous report, if any, is unchanged"):
        run_report(DEFAULT_SCENARIO, output_dir=out, name="x", notebook=failing)
    assert (out / "x.html").read_text() == "good" and (out / "x.ipynb").read_text() == "good"
    assert sorted(p.name for p in out.iterdir()) == ["x.failed.ipynb", "x.html", "x.ipynb"]  # no temp left


def test_unknown_scenario_key_through_the_cli_exits_2_naming_it(tmp_path, capsys):
    status = main(["report", str(DEFAULT_SCENARIO), "-p", "trafic.mean_rps", "20", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert "trafic" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_missing_scenario_file_fails_before_starting_a_kernel(tmp_path):
    with pytest.raises(CostModelError, match="not a file"):
        run_report(tmp_path / "nope.yaml", output_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_report_notebook_is_the_one_in_the_repository():
    assert (REPO / "notebooks" / "report.ipynb").resolve() == REPORT_NOTEBOOK.resolve()  # a link to package data
    nb = json.loads(REPORT_NOTEBOOK.read_text())
    assert any("parameters" in c["metadata"].get("tags", []) for c in nb["cells"])


def test_report_parameters_are_typed_for_papermill():
    import papermill

    params = papermill.inspect_notebook(str(REPORT_NOTEBOOK))
    assert params["scenario_path"]["inferred_type_name"] == "str"
    assert params["overrides"]["inferred_type_name"] == "dict"


def _section_table(html: str, heading_id: str) -> tuple[list[str], dict[str, list[str]]]:
    """(headers, row name -> cells) of the first formatted table after the heading ``heading_id``."""
    start = html.index(f'<h2 id="{heading_id}">')
    table = re.search(r'<table class="costmodel-table">(.*?)</table>', html[start:], re.DOTALL).group(1)
    headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table.split("</thead>")[0])]
    rows = {}
    for name, cells in re.findall(r"<tr><th[^>]*>(.*?)</th>(.*?)</tr>", table.split("<tbody>")[1]):
        rows[name] = re.findall(r"<td[^>]*>(.*?)</td>", cells)
    return headers, rows


def test_at_equal_service_level_shows_as_configured_next_to_right_sized(default_report):
    """Issue 20 item 3: the right-sized costs (what the summary and verdict use) next to the
    options as configured, with what each option had to add; both comparisons computed here."""
    from costmodel.analysis.compare import compare
    from costmodel.analysis.rightsizing import right_size, right_sized_scenario
    from costmodel.workbook.figures import option_name

    _, html = default_report
    as_configured = compare(DEFAULT_SCENARIO).table["monthly_usd"]
    sized = compare(right_sized_scenario(DEFAULT_SCENARIO)).table["monthly_usd"]
    headers, rows = _section_table(html, "At-equal-service-level")
    col = {h: i - 1 for i, h in enumerate(headers)}
    assert list(rows) == [option_name(o) for o in as_configured.index]
    for option in as_configured.index:
        cells = rows[option_name(option)]
        assert cells[col["as configured USD/month"]] == f"{as_configured[option]:,.2f}"
        assert cells[col["right-sized USD/month"]] == f"{sized[option]:,.2f}"
        added = sized[option] - as_configured[option]
        assert cells[col["added USD/month"]] == (f"{added:+,.2f}" if round(added, 2) else "0.00")
        assert cells[col["meets right-sized"]] in ("yes", "no")
    took = right_size(DEFAULT_SCENARIO).options["fargate"].changes
    assert rows["Fargate on-demand"][col["what it took"]] == "; ".join(took).replace(" -> ", " → ")
    # a right-sized fleet that meets the service level is priced as such, not as a lower bound
    # (the default's Fargate fleet is over capacity for a few minutes a queue absorbs within the target)
    overload = compare(right_sized_scenario(DEFAULT_SCENARIO)).table.loc["fargate_on_demand", "overload_minutes"]
    assert right_size(DEFAULT_SCENARIO).options["fargate"].meets and overload > 0
    summary_headers, summary_rows = _section_table(html, "Summary")
    status = summary_rows["Fargate on-demand"][summary_headers.index("status") - 1]
    assert status == f"over capacity {overload:,.0f} min/month, within the service level"
    # the executive summary says where its costs come from, before the section
    assert html.index("Costs are <strong>at equal service level</strong>") < html.index('<h2 id="At-equal-service-level">')


def _values(array) -> list[float]:
    """A plotly JSON array: a list, or plotly's typed array ``{"dtype", "bdata"}`` (base64)."""
    import numpy as np

    if isinstance(array, dict):
        return [float(v) for v in np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])]
    return [float("nan") if v is None else float(v) for v in array]


def test_cost_vs_target_chart_has_the_curve_and_says_whether_the_verdict_flips(default_report):
    """Issue 20 item 4 in the report: each option's right-sized cost per latency target."""
    from costmodel.analysis.service_curve import cost_vs_target
    from costmodel.decision.service_curve import verdict_vs_target

    nb, html = default_report
    figures = [o["data"][PLOTLY_MIME] for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if PLOTLY_MIME in o.get("data", {})]
    (fig,) = [f for f in figures if "equal service level" in str(f["layout"].get("title", {}).get("text", ""))]
    curve = cost_vs_target(DEFAULT_SCENARIO)
    lam = next(t for t in fig["data"] if t.get("name") == "Lambda")
    assert list(_values(lam["x"])) == [float(t) for t in curve.monthly_usd.index]
    met = curve.meets["lambda"].to_numpy()
    drawn = [float(y) for y, ok in zip(_values(lam["y"]), met) if ok]
    assert drawn == pytest.approx(list(curve.monthly_usd["lambda"][met])) and len(drawn) >= 3
    flips = verdict_vs_target(DEFAULT_SCENARIO).flips
    assert ("<strong>The verdict flips</strong>" if flips else "<strong>The verdict does not flip</strong>") in html

"""The HTML report in a real browser, offline: every chart draws, no console errors.

Headless Chromium (the Debian package ``chromium``; ``make browser`` installs it) opens
the report from a ``file://`` URL in a context that is offline and whose every
non-file request is aborted and recorded. The test asserts:

- no request left the machine (the page needs nothing but itself);
- every chart container holds plotly's rendered ``svg.main-svg`` (one per chart in the
  executed notebook);
- no console error and no uncaught page error.

and, for what a reader sees: the summary comes first as a formatted table, dollar amounts
show as written, the numbers nbval compares are not on the page, a scenario full of HTML and
script payloads is shown literally with no dialog and no Content-Security-Policy violation,
and a notebook converted by plain ``jupyter nbconvert --to html`` draws every chart.

Skipped, with the reason, when Chromium or the playwright package is absent.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from costmodel.workbook.report import run_report

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = REPO / "data" / "scenarios" / "default.yaml"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium not found (install the Debian package 'chromium', e.g. `make browser`)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # the same session-wide default report as test_report.py (made once per session)
    out = tmp_path_factory.getbasetemp() / "default-report"
    if not (out / "default.html").exists():
        run_report(DEFAULT_SCENARIO, output_dir=out)  # test_report.py makes it first in a full run
    nb = nbformat.read(str(out / "default.ipynb"), as_version=4)
    charts = sum(
        "application/vnd.plotly.v1+json" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    return out / "default.html", charts


def test_every_chart_renders_offline_without_console_errors(browser, report):
    html_path, expected_charts = report
    assert expected_charts >= 1
    context = browser.new_context(offline=True)
    blocked: list[str] = []

    def _route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", _route)
    page = context.new_page()
    console_errors: list[str] = []
    page_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        page.goto(html_path.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            """(n) => {
                const divs = document.querySelectorAll('.plotly-graph-div');
                return divs.length === n && [...divs].every(d => d.querySelector('svg.main-svg'));
            }""",
            arg=expected_charts,
            timeout=60_000,
        )
        per_chart = page.evaluate(
            """() => [...document.querySelectorAll('.plotly-graph-div')].map(d => ({
                id: d.id,
                svgs: d.querySelectorAll('svg.main-svg').length,
                traces: (d.data || []).length,
                width: d.getBoundingClientRect().width,
            }))"""
        )
    finally:
        context.close()
    assert len(per_chart) == expected_charts
    for chart in per_chart:
        assert chart["svgs"] >= 1, f"{chart['id']} did not render"
        assert chart["traces"] >= 1, f"{chart['id']} has no data"
        assert chart["width"] > 100, f"{chart['id']} is collapsed"
    assert blocked == [], f"the page tried to load from the network: {blocked}"
    assert console_errors == [], console_errors
    assert page_errors == [], page_errors


def _open(browser, html_path: Path, wait_for_charts: int | None = None) -> tuple[Any, dict]:
    """Open a page offline; return the page and what it did (dialogs, errors, CSP violations,
    blocked requests)."""
    context = browser.new_context(offline=True)
    seen: dict = {"dialogs": [], "console": [], "page": [], "blocked": []}

    def _route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            seen["blocked"].append(url)
            route.abort()

    context.route("**/*", _route)
    context.add_init_script("""
        window.__csp = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample)));
    """)
    page = context.new_page()
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["page"].append(str(e)))
    page.goto(html_path.resolve().as_uri(), wait_until="load")
    if wait_for_charts:
        page.wait_for_function(
            """(n) => {
                const divs = document.querySelectorAll('.plotly-graph-div');
                return divs.length === n && [...divs].every(d => d.querySelector('svg.main-svg'));
            }""", arg=wait_for_charts, timeout=60_000)
    page.wait_for_timeout(500)
    seen["csp"] = page.evaluate("() => window.__csp")
    return page, seen


def test_summary_first_formatted_with_no_math_and_no_compared_numbers(browser, report):
    html_path, charts = report
    page, seen = _open(browser, html_path, charts)
    try:
        headings = page.evaluate("() => [...document.querySelectorAll('h1, h2')].map(h => h.innerText.trim())")
        first_table = page.evaluate("""() => {
            const t = document.querySelector('table.costmodel-table');
            return {rows: [...t.querySelectorAll('tbody tr')].map(r => r.querySelector('th').innerText.trim()),
                    head: [...t.querySelectorAll('thead th')].map(h => h.innerText.trim())};
        }""")
        text = page.evaluate("() => document.body.innerText")
    finally:
        page.context.close()
    assert headings[0].startswith("Lambda or containers?") and headings[1] == "Summary"
    from costmodel.analysis.compare import compare
    from costmodel.workbook.figures import option_name

    assert first_table["rows"] == [option_name(o) for o in compare(DEFAULT_SCENARIO).table.index]
    assert {"USD/month", "USD/year", "p99 ms", "status"} <= set(first_table["head"])
    assert headings.index("Summary") < headings.index("Assumptions and price provenance")
    # dollar amounts show as written: no escape left over, no math
    lambda_usd = compare(DEFAULT_SCENARIO).table.loc["lambda", "monthly_usd"]
    assert f"Lambda costs ${lambda_usd:,.2f} a month" in text and "\\$" not in text
    # the cells nbval compares are not on the page
    assert "monthly_usd" not in text and "requests_per_month" not in text
    assert seen["csp"] == [] and seen["page"] == [] and seen["console"] == [] and seen["blocked"] == []


HOSTILE_NAME = 'X <script>alert(1)</script> "><img src=x onerror=alert(2)>'
HOSTILE_DESCRIPTION = "<svg onload=alert(5)> and [a link](javascript:alert(3)) for $5 and $6"


def test_a_scenario_full_of_html_and_script_is_shown_literally_and_runs_nothing(browser, tmp_path):
    import yaml

    raw = yaml.safe_load(DEFAULT_SCENARIO.read_text())
    raw["name"], raw["description"] = HOSTILE_NAME, HOSTILE_DESCRIPTION
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    result = run_report(scenario, {"glue.payload_kb": 4}, output_dir=tmp_path / "out")
    page, seen = _open(browser, result.html_path, result.chart_count)
    try:
        title = page.evaluate("() => document.querySelector('h1').innerText")
        text = page.evaluate("() => document.body.innerText")
        elements = page.evaluate("""() => ({
            img: document.querySelectorAll('img').length, svgOnload: document.querySelectorAll('svg[onload]').length,
            jsLinks: [...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript')).length,
            scripts: [...document.querySelectorAll('script')].filter(s => /alert/.test(s.textContent)).length})""")
        doc_title = page.title()
    finally:
        page.context.close()
    assert seen["dialogs"] == [], f"script ran: {seen['dialogs']}"
    assert title == f"Lambda or containers? {HOSTILE_NAME}"
    assert HOSTILE_DESCRIPTION in text
    assert HOSTILE_NAME in doc_title
    assert elements == {"img": 0, "svgOnload": 0, "jsLinks": 0, "scripts": 0}
    assert seen["csp"] == [] and seen["page"] == [] and seen["blocked"] == []
    # the exports carry it escaped too
    md = result.markdown_path.read_text()
    assert "<script>" not in md and "&lt;script&gt;" in md


@pytest.mark.parametrize("name", ["01-decision-signals", "02-cost-across-traffic-patterns"])
def test_a_notebook_converted_by_plain_nbconvert_shows_its_charts_and_no_math(browser, tmp_path, name):
    """`jupyter nbconvert --to html` (no template of ours) draws every chart offline: each
    figure is stored with an HTML copy, plotly.js once per notebook. Markdown outputs with
    dollar amounts sit where MathJax (which that template loads when online) does not look."""
    notebook = REPO / "notebooks" / f"{name}.ipynb"
    out = tmp_path / f"{name}.html"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(notebook), "--output",
                    str(out)], check=True, capture_output=True, timeout=300)
    nb = nbformat.read(str(notebook), as_version=4)
    charts = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    page, seen = _open(browser, out, charts)
    try:
        drawn = page.evaluate("""() => [...document.querySelectorAll('.plotly-graph-div')].map(
            d => (d.data || []).length)""")
        math_exposed = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
            .filter(o => o.innerText.includes('$') && !o.querySelector('.plotly-graph-div'))
            .filter(o => !o.querySelector('.tex2jax_ignore') || o.innerText.replace(
                [...o.querySelectorAll('.tex2jax_ignore')].map(e => e.innerText).join(''), '').includes('$'))
            .map(o => o.innerText.slice(0, 80))""")
        amounts = page.evaluate("() => document.body.innerText.match(/\\$[0-9][0-9,.]*/g) || []")
    finally:
        page.context.close()
    assert len(drawn) == charts >= 2 and all(n >= 1 for n in drawn)
    assert math_exposed == []
    if name.startswith("01"):
        assert len(amounts) >= 2 and "\\$" not in "".join(amounts)  # "$27.88" as written, no backslash
    assert seen["page"] == [] and seen["dialogs"] == []
    # nbconvert's own template asks a CDN for require.js and MathJax; offline they fail, harmlessly
    assert all(("cdnjs" in u or "cdn.jsdelivr" in u or "unpkg" in u) for u in seen["blocked"])


def test_cost_vs_target_chart_draws_every_option_at_each_target(browser, report):
    """The "At equal service level" curve (issue 20 item 4): one line per option, a marker per target."""
    html_path, charts = report
    page, seen = _open(browser, html_path, charts)
    try:
        drawn = page.evaluate("""() => {
            const d = [...document.querySelectorAll('.plotly-graph-div')]
                .find(d => ((d.layout.title || {}).text || '').includes('equal service level'));
            return d && {names: d.data.map(t => t.name),
                         points: d.querySelectorAll('.scatterlayer .trace .points path').length,
                         ticks: [...d.querySelectorAll('.xtick text')].map(t => t.textContent)};
        }""")
    finally:
        page.context.close()
    from costmodel.analysis.service_curve import cost_vs_target
    from costmodel.workbook.figures import option_name

    curve = cost_vs_target(DEFAULT_SCENARIO)
    assert drawn is not None, "no cost-vs-target chart on the page"
    assert {option_name(o) for o in curve.monthly_usd.columns} <= set(drawn["names"])
    # every option has a marker at every target (a dot where it meets the target, a cross where not)
    assert drawn["points"] == curve.monthly_usd.size
    assert drawn["ticks"] == [f"{t:,.0f}" for t in curve.monthly_usd.index]
    assert seen["page"] == [] and seen["console"] == []

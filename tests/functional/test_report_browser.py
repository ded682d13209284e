"""The HTML report in a real browser, offline: every chart draws, no console errors.

Headless Chromium (the Debian package ``chromium``; ``make browser`` installs it) opens
the report from a ``file://`` URL in a context that is offline and whose every
non-file request is aborted and recorded. The test asserts:

- no request left the machine (the page needs nothing but itself);
- every chart container holds plotly's rendered ``svg.main-svg`` (one per chart in the
  executed notebook);
- no console error and no uncaught page error.

Skipped, with the reason, when Chromium or the playwright package is absent.
"""
from __future__ import annotations

import shutil
from pathlib import Path

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
        run_report(DEFAULT_SCENARIO, output_dir=out)
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

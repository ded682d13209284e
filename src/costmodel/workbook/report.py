"""The decision report: run the report notebook with papermill, export offline HTML.

``run_report("data/scenarios/default.yaml")`` validates the scenario and its overrides,
executes the report notebook for it and writes, under ``reports/``:

- ``<name>.ipynb``: the executed notebook;
- ``<name>.html``: a self-contained page that opens with no network at all: code and the
  cells tagged ``remove-cell`` (the numbers nbval compares) hidden, plotly.js (the copy
  shipped with the pinned plotly package) embedded once, no require.js, MathJax, mermaid
  or widget manager, and a Content-Security-Policy that lets only the page's own inline
  scripts run (each by its SHA-256 hash);
- ``<name>.summary.md`` and ``<name>.summary.csv``: the executive summary for design
  documents.

``<name>`` is the scenario file's stem, followed by the overrides when there are any
(:func:`costmodel.workbook.parameters.run_name`), so a what-if run never replaces its
baseline's files. Everything is written to a temporary directory beside the outputs and
moved into place only when the whole run succeeded: a failed run leaves the previous
report untouched (its executed notebook is kept as ``<name>.failed.ipynb`` to show where
it stopped).

``costmodel report FILE.yaml [-p NAME VALUE] [-o DIR] [--name NAME] [--json]`` is the
command-line front end.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costmodel.errors import CostModelError
from costmodel.workbook.parameters import load_report_scenario, parse_cli_parameters, run_name
from costmodel.workbook.views import SUMMARY_MIME

__all__ = [
    "HIDDEN_TAG",
    "REPORT_NOTEBOOK",
    "ReportError",
    "ReportResult",
    "content_security_policy",
    "export_html",
    "parse_cli_parameters",
    "plotly_outputs_to_html",
    "run_report",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
#: The report notebook executed by :func:`run_report`.
REPORT_NOTEBOOK = _PACKAGE_DIR / "report.ipynb"  # notebooks/report.ipynb links here
_TEMPLATE_DIR = _PACKAGE_DIR / "templates"
_TEMPLATE_NAME = "offline_report"
_PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: Cells with this tag run and are compared by nbval, but are left out of the HTML.
HIDDEN_TAG = "remove-cell"
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


class ReportError(CostModelError):
    """The report could not be produced (a failing cell, no notebook)."""


@dataclass(frozen=True)
class ReportResult:
    """Where :func:`run_report` wrote the report, what it found and how long it took.

    Attributes
    ----------
    notebook_path, html_path, markdown_path, csv_path : Path
        The executed notebook, the self-contained HTML, the summary as Markdown and CSV.
    chart_count : int
        Number of plotly charts in the report.
    elapsed_s : float
        Wall time of validation, execution and export [s].
    summary : dict
        The report's summary record (verdict, options, costs, p99s...).
    """

    notebook_path: Path
    html_path: Path
    markdown_path: Path
    csv_path: Path
    chart_count: int
    elapsed_s: float
    summary: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the paths, the chart count, the time and the summary."""
        return {"notebook": str(self.notebook_path), "html": str(self.html_path),
                "summary_markdown": str(self.markdown_path), "summary_csv": str(self.csv_path),
                "charts": self.chart_count, "elapsed_s": round(self.elapsed_s, 1), **self.summary}


def run_report(
    scenario_path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    output_dir: str | Path = "reports",
    name: str | None = None,
    notebook: str | Path | None = None,
    kernel_name: str = "python3",
    timeout_s: float = 600.0,
) -> ReportResult:
    """Validate the parameters, execute the report notebook, export it; all or nothing.

    Parameters
    ----------
    scenario_path : str or Path
        Scenario file (YAML, see ``docs/traffic-and-comparison.md``).
    overrides : mapping, optional
        Scenario fields to override, by dotted path: ``{"traffic.mean_rps": 20}``.
        Validated with the scenario before the notebook starts.
    output_dir : str or Path
        Directory for the outputs (created if missing).
    name : str, optional
        Base name of the output files; default :func:`costmodel.workbook.parameters.run_name`.
    notebook : str or Path, optional
        The notebook to execute; default :data:`REPORT_NOTEBOOK`.
    kernel_name : str
        Jupyter kernel to run it with.
    timeout_s : float
        Per-cell execution timeout [s].

    Returns
    -------
    ReportResult

    Raises
    ------
    CostModelError
        An invalid scenario or override (the library's one-line message), before
        anything runs or is written.
    ReportError
        No notebook, or a cell failed (the previous outputs are left as they were).
    """
    import nbformat  # noqa: PLC0415 - deferred: heavy, the report path only
    import papermill  # noqa: PLC0415 - deferred: heavy, the report path only
    from papermill.exceptions import PapermillExecutionError  # noqa: PLC0415 - deferred with papermill

    started = time.perf_counter()
    overrides = dict(overrides or {})
    scenario_file = Path(scenario_path).expanduser().resolve()
    load_report_scenario(scenario_file, overrides)  # every bad parameter fails here, before a kernel starts
    nb_in = Path(notebook) if notebook is not None else REPORT_NOTEBOOK
    if not nb_in.is_file():
        raise ReportError(f"report notebook {str(nb_in)!r} not found (run from a clone of the project)")
    base = name or run_name(scenario_file, overrides)
    if not base or "/" in base or base.startswith("."):
        raise ReportError(f"name={base!r} is not allowed: expected a file name without '/' not starting with '.'")
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    finals = {ext: out_dir / f"{base}{ext}" for ext in (".ipynb", ".html", ".summary.md", ".summary.csv")}
    work = Path(tempfile.mkdtemp(prefix=f".{base[:40]}.", dir=out_dir))
    try:
        tmp = {ext: work / f"{base}{ext}" for ext in finals}
        try:
            papermill.execute_notebook(
                str(nb_in), str(tmp[".ipynb"]),
                parameters={"scenario_path": str(scenario_file), "overrides": overrides},
                kernel_name=kernel_name, cwd=str(nb_in.resolve().parent),
                # a bar over the cells on a terminal; quiet when piped, logged or under TQDM_DISABLE
                progress_bar=sys.stderr.isatty() and not os.environ.get("TQDM_DISABLE"),
                execution_timeout=timeout_s,
                # the kernel's start-up warnings are noise in a CLI run; cell errors still surface
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except PapermillExecutionError as exc:
            failed = out_dir / f"{base}.failed.ipynb"
            shutil.copyfile(tmp[".ipynb"], failed)
            raise ReportError(f"report notebook failed in cell [{exc.exec_count}]: {exc.ename}: {exc.evalue} "
                              f"(see {failed}; the previous report, if any, is unchanged)") from None
        nb = nbformat.read(str(tmp[".ipynb"]), as_version=4)
        summary = _summary_record(nb)
        chart_count = export_html(tmp[".ipynb"], tmp[".html"])
        tmp[".summary.md"].write_text(summary.get("markdown", ""), encoding="utf-8")
        tmp[".summary.csv"].write_text(summary.get("csv", ""), encoding="utf-8")
        for ext, path in tmp.items():
            os.replace(path, finals[ext])
        stale = out_dir / f"{base}.failed.ipynb"
        if stale.exists():
            stale.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record = {k: v for k, v in summary.items() if k not in ("markdown", "csv")}
    return ReportResult(notebook_path=finals[".ipynb"], html_path=finals[".html"], markdown_path=finals[".summary.md"],
                        csv_path=finals[".summary.csv"], chart_count=chart_count,
                        elapsed_s=time.perf_counter() - started, summary=record)


def _summary_record(nb: Any) -> dict[str, Any]:
    """The summary record the report notebook stored (its own mime type)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else ():
            data = output.get("data") or {}
            if SUMMARY_MIME in data:
                return dict(data[SUMMARY_MIME])
    return {}


def plotly_outputs_to_html(nb: Any) -> tuple[Any, int]:
    """Give every plotly output an HTML rendering that needs only a global ``Plotly``.

    Each output holding ``application/vnd.plotly.v1+json`` is replaced by a ``text/html``
    ``<div>`` plus the inline script that draws it, without plotly.js itself and without
    MathJax (the export template embeds plotly.js once). Div ids are numbered, so the same
    notebook gives the same HTML.

    Returns
    -------
    (NotebookNode, int)
        The converted copy and the number of charts converted.
    """
    import plotly.io as pio  # noqa: PLC0415 - deferred: plotly is heavy and only the export needs it

    nb = copy.deepcopy(nb)
    count = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data or _PLOTLY_MIME not in data:
                continue
            fig = dict(data[_PLOTLY_MIME])
            config = fig.pop("config", None) or {}
            config.setdefault("displaylogo", False)
            html = pio.to_html(fig, config=config, include_plotlyjs=False, include_mathjax=False, full_html=False,
                               div_id=f"costmodel-chart-{count}", default_width="100%", default_height=460,
                               validate=False)
            output["data"] = {"text/html": html}
            count += 1
    return nb, count


def content_security_policy(html: str) -> str:
    """The policy for a page: its own inline scripts only (by SHA-256 hash), nothing from
    the network, inline styles (plotly sets them), images from ``data:`` URLs."""
    hashes = sorted({base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode()
                     for m in _INLINE_SCRIPT.finditer(html)})
    scripts = " ".join(f"'sha256-{h}'" for h in hashes) or "'none'"
    return (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; object-src 'none'")


def export_html(notebook_path: str | Path, html_path: str | Path | None = None) -> int:
    """Export an executed report notebook as one self-contained HTML file.

    Code, input prompts and cells tagged :data:`HIDDEN_TAG` are left out; plotly.js is
    embedded once; a Content-Security-Policy (:func:`content_security_policy`) is the
    first element of the page's head.

    Returns
    -------
    int
        The number of charts in the page.
    """
    import nbformat  # noqa: PLC0415 - deferred: heavy, the report path only
    from nbconvert import HTMLExporter  # noqa: PLC0415 - deferred: heavy, the report path only
    from nbconvert.preprocessors import TagRemovePreprocessor  # noqa: PLC0415 - deferred with nbconvert
    from plotly.offline import get_plotlyjs  # noqa: PLC0415 - deferred: heavy, the export only

    notebook_path = Path(notebook_path)
    html_path = Path(html_path) if html_path is not None else notebook_path.with_suffix(".html")
    nb = nbformat.read(str(notebook_path), as_version=4)
    nb, chart_count = plotly_outputs_to_html(nb)
    exporter = HTMLExporter(template_name=_TEMPLATE_NAME, extra_template_basedirs=[str(_TEMPLATE_DIR)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={HIDDEN_TAG}, enabled=True), enabled=True)
    nb.metadata["title"] = _title(nb, notebook_path.stem)  # the page's <title>, escaped by the template
    resources = {"plotlyjs": get_plotlyjs() if chart_count else "", "metadata": {"name": nb.metadata["title"]}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    policy = content_security_policy(body)
    body = body.replace("<head>", f'<head>\n<meta http-equiv="Content-Security-Policy" content="{policy}">', 1)
    html_path.write_text(body, encoding="utf-8")
    return chart_count


def _title(nb: Any, fallback: str) -> str:
    """The page title: the summary record's scenario name (escaped by the template)."""
    record = _summary_record(nb)
    return f"Lambda or containers? {record.get('scenario') or fallback}"

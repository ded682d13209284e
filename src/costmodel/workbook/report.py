"""The decision report: run ``notebooks/report.ipynb`` with papermill, export offline HTML.

``run_report("data/scenarios/default.yaml")`` executes the report notebook for one
scenario file (with optional overrides of any scenario field) and writes, under
``reports/``:

- ``<scenario>.ipynb``: the executed notebook (charts stored as plotly JSON);
- ``<scenario>.html``: a self-contained page that opens with no network at all:
  code hidden, plotly.js (the copy shipped with the pinned plotly package) embedded
  once, no require.js, MathJax, mermaid or widget manager loaded from a CDN
  (template ``costmodel/templates/offline_report``).

Invalid parameters make the notebook fail in its first cell after the parameters (the
validation cell); :func:`run_report` turns that into a :class:`ReportError` carrying the
library's own message (which names the parameter, the value and what is allowed).

``costmodel report FILE.yaml [-p NAME VALUE] [-o DIR]`` is the command-line front end.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from costmodel.errors import CostModelError, ScenarioError
from costmodel.strict_yaml import load_yaml_text

__all__ = [
    "ReportError",
    "ReportResult",
    "REPORT_NOTEBOOK",
    "run_report",
    "export_html",
    "plotly_outputs_to_html",
    "parse_cli_parameters",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
#: The report notebook executed by :func:`run_report`.
REPORT_NOTEBOOK = _PACKAGE_DIR / "report.ipynb"  # notebooks/report.ipynb links here
_TEMPLATE_DIR = _PACKAGE_DIR / "templates"
_TEMPLATE_NAME = "offline_report"
_PLOTLY_MIME = "application/vnd.plotly.v1+json"


class ReportError(CostModelError):
    """The report could not be produced (invalid parameters, a failing cell, no notebook)."""


@dataclass(frozen=True)
class ReportResult:
    """Where :func:`run_report` wrote the report and how long it took.

    Attributes
    ----------
    notebook_path : Path
        The executed notebook.
    html_path : Path
        The self-contained HTML report.
    chart_count : int
        Number of plotly charts in the report.
    elapsed_s : float
        Wall time of execution plus export [s].
    """

    notebook_path: Path
    html_path: Path
    chart_count: int
    elapsed_s: float


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
    """Execute the report notebook for one scenario and export it as offline HTML.

    Parameters
    ----------
    scenario_path : str or Path
        Scenario file (YAML, see ``docs/traffic-and-comparison.md``).
    overrides : mapping, optional
        Scenario fields to override, by dotted path: ``{"traffic.mean_rps": 20,
        "lambda.keep_alive_s": 300}``. Passed to the notebook's ``overrides``
        parameter and validated there, in the first cell.
    output_dir : str or Path
        Directory for ``<name>.ipynb`` and ``<name>.html`` (created if missing).
    name : str, optional
        Base name of the output files; default: the scenario file's stem.
    notebook : str or Path, optional
        The notebook to execute; default :data:`REPORT_NOTEBOOK`.
    kernel_name : str
        Jupyter kernel to run it with (the project's environment registers
        ``python3``).
    timeout_s : float
        Per-cell execution timeout [s].

    Returns
    -------
    ReportResult

    Raises
    ------
    ReportError
        The scenario file or the notebook does not exist, a parameter is invalid
        (message from the notebook's validation cell) or a cell failed.
    """
    import papermill  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer
    from papermill.exceptions import PapermillExecutionError  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    started = time.perf_counter()
    scenario_file = Path(scenario_path).expanduser().resolve()
    if not scenario_file.is_file():
        raise ReportError(f"scenario_path={str(scenario_path)!r} is not a file: expected a scenario YAML file")
    nb_in = Path(notebook) if notebook is not None else REPORT_NOTEBOOK
    if not nb_in.is_file():
        raise ReportError(f"report notebook {str(nb_in)!r} not found (run from a clone of the project)")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ReportError(f"overrides={overrides!r} is not allowed: expected a mapping of dotted scenario keys to values")
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = name or scenario_file.stem
    nb_out = out_dir / f"{base}.ipynb"
    html_out = out_dir / f"{base}.html"

    parameters = {"scenario_path": str(scenario_file), "overrides": dict(overrides or {})}
    try:
        papermill.execute_notebook(
            str(nb_in),
            str(nb_out),
            parameters=parameters,
            kernel_name=kernel_name,
            cwd=str(nb_in.resolve().parent),
            progress_bar=False,
            execution_timeout=timeout_s,
            # the kernel's start-up warnings (e.g. "running over TCP without encryption" on
            # a local kernel) are noise in a CLI run; cell errors still surface
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        raise ReportError(_describe_failure(exc, nb_out)) from None
    chart_count = export_html(nb_out, html_out)
    return ReportResult(
        notebook_path=nb_out,
        html_path=html_out,
        chart_count=chart_count,
        elapsed_s=time.perf_counter() - started,
    )


def parse_cli_parameters(pairs: Any) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into the report's ``overrides`` mapping.

    Each VALUE is read as a YAML scalar or flow collection (``20`` -> int, ``0.5`` ->
    float, ``true`` -> bool, ``[1, 2]`` -> list, ``arm64`` -> str). A NAME given twice
    keeps the last value. Names are checked by the notebook's validation cell.

    Parameters
    ----------
    pairs : iterable of (str, str)

    Returns
    -------
    dict
    """

    overrides: dict[str, Any] = {}
    for name, text in pairs or ():
        try:
            value = load_yaml_text(text, source=f"-p {name}")  # the input files' reader: 3e6 is a number
        except ScenarioError as exc:
            raise ReportError(f"-p {name} {text!r}: the value is not valid YAML ({exc})") from None
        overrides[name] = value
    return overrides


def _describe_failure(exc: Any, nb_out: Path) -> str:
    """One readable line from a papermill cell failure.

    The failing cell is found by its error output in the written notebook (papermill
    inserts a banner cell at the top on failure, so its ``cell_index`` is not reliable).
    """
    import nbformat  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    where = f"cell [{exc.exec_count}]"
    try:
        nb = nbformat.read(str(nb_out), as_version=4)
        failed = [
            c for c in nb.cells
            if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
        ]
        if failed and "validate-parameters" in failed[0].get("metadata", {}).get("tags", []):
            return f"invalid report parameters: {exc.ename}: {exc.evalue} (see {nb_out})"
    except Exception:  # pragma: no cover - the message still makes sense without it
        pass
    return f"report notebook failed in {where}: {exc.ename}: {exc.evalue} (see {nb_out})"


def plotly_outputs_to_html(nb: Any) -> tuple[Any, int]:
    """Give every plotly output an HTML rendering that needs only a global ``Plotly``.

    Each ``application/vnd.plotly.v1+json`` output (what the ``plotly_mimetype``
    renderer stores) is replaced by a ``text/html`` ``<div>`` plus the inline script
    that draws it, without plotly.js itself and without MathJax (the export template
    embeds plotly.js once). Div ids are numbered, so the same notebook gives the same
    HTML.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not modified).

    Returns
    -------
    (NotebookNode, int)
        The converted copy and the number of charts converted.
    """
    import plotly.io as pio  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

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
            html = pio.to_html(
                fig,
                config=config,
                include_plotlyjs=False,
                include_mathjax=False,
                full_html=False,
                div_id=f"costmodel-chart-{count}",
                default_width="100%",
                default_height=460,
                validate=False,
            )
            output["data"] = {"text/html": html}
            count += 1
    return nb, count


def export_html(notebook_path: str | Path, html_path: str | Path | None = None) -> int:
    """Export an executed notebook as one self-contained HTML file (code hidden).

    Parameters
    ----------
    notebook_path : str or Path
        The executed notebook.
    html_path : str or Path, optional
        Where to write; default: next to the notebook with suffix ``.html``.

    Returns
    -------
    int
        The number of charts in the page.
    """
    import nbformat  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer
    from nbconvert import HTMLExporter  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer
    from plotly.offline import get_plotlyjs  # noqa: PLC0415 - deferred: heavy optional dependency of the presentation layer

    notebook_path = Path(notebook_path)
    html_path = Path(html_path) if html_path is not None else notebook_path.with_suffix(".html")
    nb = nbformat.read(str(notebook_path), as_version=4)
    nb, chart_count = plotly_outputs_to_html(nb)
    exporter = HTMLExporter(
        template_name=_TEMPLATE_NAME,
        extra_template_basedirs=[str(_TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    resources = {
        "plotlyjs": get_plotlyjs() if chart_count else "",
        "metadata": {"name": f"Lambda or containers? {notebook_path.stem}"},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    html_path.write_text(body, encoding="utf-8")
    return chart_count

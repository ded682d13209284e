"""How the workbook's notebooks display things: setup, numbers, Markdown.

- :func:`setup_notebook`: reproducible, offline display (plotly renderer, pandas options,
  progress bars off);
- :func:`format_number`, :func:`table_float`, :func:`key_numbers`,
  :func:`print_key_numbers`: the stable text of the cells nbval compares;
- :func:`markdown`: a Markdown output whose dollar signs show as dollar signs.

The plotly renderer ``costmodel`` stores every figure twice: as plotly JSON (drawn by
JupyterLab's plotly extension) and as an HTML ``<div>`` with its ``Plotly.newPlot`` call,
the first figure of a kernel session also carrying plotly.js itself (the copy inside the
pinned plotly package, once per notebook). ``jupyter nbconvert --to html`` and other
viewers that run a page's scripts then draw every chart, offline.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.io as pio
from IPython.display import Markdown
from plotly.io.base_renderers import MimetypeRenderer
from plotly.offline import get_plotlyjs

from costmodel._validate import check_choice

__all__ = [
    "PANDAS_OPTIONS",
    "RENDERERS",
    "OfflineNotebookRenderer",
    "escape_dollars",
    "format_number",
    "key_numbers",
    "markdown",
    "print_key_numbers",
    "setup_notebook",
    "table_float",
]

#: The pandas display options every notebook uses, so that stored reprs do not depend
#: on the terminal or on defaults of a future pandas.
PANDAS_OPTIONS = {
    "display.width": 120,
    "display.max_columns": 20,
    "display.max_rows": 60,
    "display.precision": 4,
    "display.max_colwidth": None,
}
#: Renderers :func:`setup_notebook` accepts (``notebook_connected`` is refused: it loads
#: plotly.js from a CDN).
RENDERERS = ("costmodel", "plotly_mimetype", "png", "svg", "json")
_PLOTLY_MIME = "application/vnd.plotly.v1+json"


class OfflineNotebookRenderer(MimetypeRenderer):
    """Plotly JSON plus an offline HTML copy of each figure (plotly.js once per session).

    Parameters
    ----------
    height_px : int
        Height of the HTML copy [px] when the figure sets none.
    """

    def __init__(self, height_px: int = 460):
        self.height_px = height_px
        # plotly shallow-copies a renderer for each figure: the count lives in a shared dict
        self._shown = {"figures": 0}

    @property
    def figures_shown(self) -> int:
        """Figures rendered since the last :meth:`reset`."""
        return self._shown["figures"]

    def reset(self) -> None:
        """Forget that plotly.js was sent (the next figure carries it again)."""
        self._shown["figures"] = 0

    def to_mimebundle(self, fig_dict: dict) -> dict:
        bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig_dict)
        fig = dict(bundle[_PLOTLY_MIME])
        digest = hashlib.sha1(json.dumps(fig, sort_keys=True).encode()).hexdigest()[:10]
        html = pio.to_html(fig, config={"displaylogo": False}, include_plotlyjs=False, include_mathjax=False,
                           full_html=False, div_id=f"costmodel-figure-{self.figures_shown}-{digest}",
                           default_width="100%", default_height=self.height_px, validate=False)
        if self.figures_shown == 0:
            html = f'<script type="text/javascript">{get_plotlyjs()}</script>\n{html}'
        self._shown["figures"] += 1
        bundle["text/html"] = html
        return bundle


pio.renderers["costmodel"] = OfflineNotebookRenderer()


def setup_notebook(renderer: str = "costmodel") -> None:
    """Make a notebook's output reproducible and offline-friendly.

    - plotly figures render with ``renderer`` (default ``costmodel``: plotly JSON plus an
      offline HTML copy, plotly.js embedded once; see the module notes);
    - a plain white chart template;
    - fixed pandas display options (:data:`PANDAS_OPTIONS`) and floats in tables shown
      to 6 significant figures (:func:`table_float`);
    - progress bars off (``TQDM_DISABLE=1``), as they are noise in stored outputs.

    Parameters
    ----------
    renderer : str
        One of :data:`RENDERERS`.
    """
    check_choice("renderer", renderer, RENDERERS)
    if renderer == "costmodel":
        pio.renderers["costmodel"].reset()
    pio.renderers.default = renderer
    pio.templates.default = "plotly_white"
    for key, value in PANDAS_OPTIONS.items():
        pd.set_option(key, value)
    pd.set_option("display.float_format", table_float)
    os.environ["TQDM_DISABLE"] = "1"


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)


def escape_dollars(text: str) -> str:
    """``$`` as ``\\$`` outside code spans and fenced code, so that Jupyter and nbconvert
    (MathJax) show a dollar sign instead of starting math. Already escaped dollars are
    left alone."""
    out, pos = [], 0
    spans = sorted([m.span() for m in _FENCE.finditer(text)] + [m.span() for m in _CODE_SPAN.finditer(text)])
    for start, end in spans:
        if start < pos:
            continue
        out.append(re.sub(r"(?<!\\)\$", r"\\$", text[pos:start]))
        out.append(text[start:end])
        pos = end
    out.append(re.sub(r"(?<!\\)\$", r"\\$", text[pos:]))
    return "".join(out)


#: The class MathJax 2 (nbconvert's HTML) and JupyterLab's MathJax leave alone.
NO_MATH_CLASS = "tex2jax_ignore"


def markdown(text: str) -> Markdown:
    """A Markdown output that never turns into math.

    Dollar signs are escaped (:func:`escape_dollars`), which JupyterLab honours; nbconvert's
    Markdown renderer turns ``\\$`` back into ``$`` before MathJax runs on the page, so the
    text is also wrapped in a ``<div class="tex2jax_ignore">`` (an HTML block around
    Markdown: blank lines inside keep the Markdown parsed).

    User-supplied parts of ``text`` must already have gone through
    :func:`costmodel.escape.escape_text` with target ``"markdown"``.
    """
    return Markdown(f'<div class="{NO_MATH_CLASS}">\n\n{escape_dollars(text)}\n\n</div>')


def format_number(name: str, value: Any, digits: int = 4) -> str:
    """Format one key number for a compared text cell.

    Numbers are rounded to ``digits`` significant figures (so that last-digit float
    noise between machines never reaches the stored output), with thousands
    separators; names ending in ``_usd`` get cents; booleans, strings and ``None`` are
    shown as they are.

    Parameters
    ----------
    name : str
        The number's name (its unit suffix decides the format).
    value : Any
        The value.
    digits : int
        Significant figures for non-USD floats.
    """
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if name.endswith("_usd"):
        return f"{v:,.2f}"
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 10 ** digits:
        return f"{int(v):,}"
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    rounded = round(v, decimals)
    if decimals == 0:
        rounded = round(v, digits - 1 - magnitude)  # negative: round to tens, hundreds...
        return f"{int(rounded):,}"
    return f"{rounded:,.{decimals}f}"


def table_float(value: float) -> str:
    """How floats appear in the notebooks' tables: 6 significant figures with thousands
    separators (enough for cents on bills up to $9,999.99; no last-digit float noise)."""
    text = format_number("", value, digits=6)
    return text.rstrip("0").rstrip(".") if "." in text else text


def key_numbers(values: Mapping[str, Any], digits: int = 4) -> str:
    """The text of :func:`print_key_numbers`: one ``name: value`` line per entry."""
    width = max((len(k) for k in values), default=0)
    return "\n".join(f"{k:<{width}}  {format_number(k, v, digits)}" for k, v in values.items())


def print_key_numbers(values: Mapping[str, Any], digits: int = 4, title: str | None = None) -> None:
    """Print a chart's key numbers in a stable format (the cell nbval compares).

    Parameters
    ----------
    values : mapping
        Name -> number (names carry units: ``monthly_usd``, ``p99_ms``...).
    digits : int
        Significant figures for non-USD floats.
    title : str, optional
        A first line.
    """
    if title:
        print(title)
    print(key_numbers(values, digits))

"""Small helpers that keep the workbook's notebooks thin.

The notebooks in ``notebooks/`` call the library; what is left here is presentation
glue that would otherwise be written as ``def`` cells: a reproducible display setup,
reading a scenario with overrides (the report's parameters), and turning results into
the short text lines that nbval compares.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "setup_notebook",
    "apply_overrides",
    "format_number",
    "key_numbers",
    "print_key_numbers",
]

#: The pandas display options every notebook uses, so that stored reprs do not depend
#: on the terminal or on defaults of a future pandas.
PANDAS_OPTIONS = {
    "display.width": 120,
    "display.max_columns": 20,
    "display.max_rows": 60,
    "display.precision": 4,
    "display.max_colwidth": 80,
}


def setup_notebook(renderer: str = "plotly_mimetype") -> None:
    """Make a notebook's output reproducible and offline-friendly.

    - plotly figures render with ``renderer`` (default ``plotly_mimetype``: the figure
      JSON is stored in the notebook and drawn by JupyterLab's bundled plotly
      extension; no plotly.js copy in the notebook, nothing loaded from a CDN);
    - a plain white chart template;
    - fixed pandas display options (:data:`PANDAS_OPTIONS`);
    - progress bars off (``TQDM_DISABLE=1``), as they are noise in stored outputs.

    Parameters
    ----------
    renderer : str
        A plotly renderer name. ``notebook_connected`` is refused: it loads plotly.js
        from a CDN.
    """
    import pandas as pd
    import plotly.io as pio

    from ._validate import check_choice

    check_choice("renderer", renderer, ("plotly_mimetype", "notebook", "plotly_mimetype+notebook", "png", "svg", "json"))
    pio.renderers.default = renderer
    pio.templates.default = "plotly_white"
    for key, value in PANDAS_OPTIONS.items():
        pd.set_option(key, value)
    os.environ["TQDM_DISABLE"] = "1"


#: Scenario blocks whose keys themselves contain dots (price keys such as
#: ``lambda.request``): an override ``price_overrides.lambda.request`` sets the key
#: ``lambda.request`` inside ``price_overrides``.
_FLAT_BLOCKS = ("price_overrides",)


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a scenario dict with fields replaced by dotted path.

    ``{"traffic.mean_rps": 20, "lambda.keep_alive_s": 300}`` sets
    ``raw["traffic"]["mean_rps"]`` and ``raw["lambda"]["keep_alive_s"]``; missing
    intermediate blocks are created (so an optional block can be switched on) and the
    scenario validator then rejects any name that does not exist, listing the valid
    ones. Under ``price_overrides`` the rest of the path is one price key
    (``price_overrides.lambda.request``).

    Parameters
    ----------
    raw : mapping
        The scenario as read from YAML (not modified).
    overrides : mapping or None
        Dotted path -> value.

    Returns
    -------
    dict

    Raises
    ------
    InvalidParameterError
        ``overrides`` is not a mapping of non-empty dotted names, or a path runs
        through a field that is not a block.
    """
    import copy

    from .errors import InvalidParameterError

    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InvalidParameterError(
            "overrides", overrides, 'a mapping of dotted scenario keys to values, e.g. {"traffic.mean_rps": 20}'
        )
    if not isinstance(raw, Mapping):
        raise InvalidParameterError("scenario", type(raw).__name__, "a mapping of scenario blocks (YAML)")
    result = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        parts = path.split(".") if isinstance(path, str) else []
        if not parts or any(not p for p in parts):
            raise InvalidParameterError("overrides key", path, 'a dotted scenario key such as "traffic.mean_rps"')
        if parts[0] in _FLAT_BLOCKS and len(parts) > 1:
            parts = [parts[0], ".".join(parts[1:])]
        node = result
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise InvalidParameterError(
                    f"overrides[{path!r}]", value, f"a path through blocks, but {where!r} is a value ({child!r})"
                )
            node = child
        node[parts[-1]] = copy.deepcopy(value)
    return result


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
    import math

    import numpy as np

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
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    rounded = round(v, decimals)
    if decimals == 0:
        rounded = round(v, digits - 1 - magnitude)  # negative: round to tens, hundreds...
        return f"{int(rounded):,}"
    return f"{rounded:,.{decimals}f}"


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

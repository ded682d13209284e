"""Formatted tables for readers: units in the headers, thousands separators, currency.

:func:`formatted` turns a numeric DataFrame into one of display strings, column by column,
following a spec of ``column -> (header, kind)``. Kinds:

``usd``      cents with separators (``1,234.56``); the header carries the currency
``usd0``     whole dollars (``12,345``)
``signed_usd``  ``+12.34`` / ``-0.50``
``count``    whole number with separators
``rps``      a rate to 3 significant figures (``0.0116``, ``5``, ``1,234``)
``ms``       whole milliseconds with separators (``1,234``)
``share``    a share as a percentage (``12.3 %``, ``0.015 %``, ``< 0.001 %``)
``signed_share``  ``+12.3 %``
``ratio``    ``2.80x``
``minutes``  whole minutes with separators
``yesno``    ``yes`` / ``no``
``text``     as given

Missing values (None, NaN) show as an en dash. Currency is never written as ``$`` in a
table cell: the header says ``USD``, so a page with MathJax cannot mistake a pair of
amounts for a formula.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from costmodel._validate import check_choice
from costmodel.escape import escape_text

__all__ = ["KINDS", "MISSING", "Table", "format_value", "formatted", "is_number", "table"]

KINDS = ("usd", "usd0", "signed_usd", "count", "rps", "ms", "share", "signed_share", "ratio", "minutes", "yesno",
         "text")
#: How a missing value shows.
MISSING = "–"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _sig(v: float, digits: int = 3) -> str:
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return "unbounded" if v > 0 else "-unbounded"
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{round(v, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _share(v: float, signed: bool = False) -> str:
    pct = 100.0 * v
    sign = "+" if signed and pct > 0 else ""
    if pct == 0:
        return "0 %"
    if abs(pct) < 0.001:
        return f"{'-' if pct < 0 else ''}< 0.001 %"
    if abs(pct) >= 10:
        text = f"{pct:,.1f}".removesuffix(".0")
        return f"{sign}{text} %"
    return f"{sign}{_sig(pct, 2)} %"


def format_value(value: Any, kind: str) -> str:
    """One value as display text (see the module notes for the kinds)."""
    check_choice("kind", kind, KINDS)
    if _missing(value):
        return MISSING
    if kind == "text":
        return str(value)
    if kind == "yesno":
        return "yes" if bool(value) else "no"
    v = float(value)
    if not math.isfinite(v):
        return "unbounded" if v > 0 else "-unbounded"
    if kind == "usd":
        return f"{v:,.2f}"
    if kind == "usd0":
        return f"{v:,.0f}"
    if kind == "signed_usd":
        return f"{v:+,.2f}" if round(v, 2) != 0 else "0.00"
    if kind in ("count", "minutes", "ms"):
        return f"{round(v) + 0:,}"  # + 0: no "-0"
    if kind == "rps":
        return _sig(v)
    if kind == "share":
        return _share(v)
    if kind == "signed_share":
        return _share(v, signed=True)
    return f"{v:,.2f}x" if v >= 0.01 else f"{_sig(v, 2)}x"  # ratio


def formatted(frame: pd.DataFrame, spec: Mapping[str, tuple[str, str]], *, index_name: str | None = None,
              index_labels: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """A DataFrame of display strings from ``frame``, with the columns of ``spec`` only.

    Parameters
    ----------
    frame : pandas.DataFrame
        Numbers (and text).
    spec : mapping of column -> (header, kind)
        Which columns, in which order, under which header (with its unit), formatted as
        which kind.
    index_name : str, optional
        Header of the index column.
    index_labels : mapping, optional
        Display names of index values (e.g. option keys -> "Fargate Savings Plan").

    Returns
    -------
    pandas.DataFrame
        Strings only; ``pandas`` escapes them in its HTML.
    """
    out = pd.DataFrame(index=frame.index)
    for column, (header, kind) in spec.items():
        out[header] = [format_value(v, kind) for v in frame[column]] if column in frame else MISSING
    if index_labels:
        out.index = [index_labels.get(i, str(i)) for i in out.index]
    out.index.name = index_name if index_name is not None else frame.index.name
    return out.astype(object)


def is_number(value: Any) -> bool:
    """True for a real number (not a bool)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


class Table:
    """A formatted table for display: numbers right-aligned, text left-aligned, the first
    column (the row names) in bold, every cell escaped.

    Displays as HTML (``text/html``) and as plain text (``text/plain``, what nbval and a
    terminal see). Built by :func:`table`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The display strings (index: row names).
    left : frozenset of str
        Columns aligned left (text).
    """

    def __init__(self, frame: pd.DataFrame, left: Any = ()):
        self.frame = frame
        self.left = frozenset(left)

    def _repr_html_(self) -> str:
        def cell(tag: str, text: Any, left: bool, extra: str = "") -> str:
            align = "left" if left else "right"
            return f'<{tag} style="text-align:{align};{extra}">{escape_text(text, "html")}</{tag}>'

        index_name = self.frame.index.name or ""
        head = cell("th", index_name, True) + "".join(cell("th", c, c in self.left) for c in self.frame.columns)
        rows = []
        for name, row in self.frame.iterrows():
            cells = cell("th", name, True, "font-weight:600;white-space:nowrap;") + "".join(
                cell("td", v, c in self.left) for c, v in zip(self.frame.columns, row))
            rows.append(f"<tr>{cells}</tr>")
        return (f'<table class="costmodel-table"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')

    def __repr__(self) -> str:
        return self.frame.to_string()


def table(frame: pd.DataFrame, spec: Mapping[str, tuple[str, str]] | None = None, **kwargs: Any) -> Table:
    """A :class:`Table` of ``frame``: formatted by ``spec`` (see :func:`formatted`) or, without
    a spec, taken as display strings already; ``text`` columns are left-aligned."""
    if spec is None:
        return Table(frame.astype(object).where(frame.notna(), MISSING), left=[
            c for c in frame.columns if not all(is_number(v) for v in frame[c].dropna())])
    shown = formatted(frame, spec, **kwargs)
    return Table(shown, left=[header for header, kind in spec.values() if kind == "text"])

"""Progress bars for long runs: shown on a terminal, quiet everywhere else.

Functions that take more than a few seconds (Monte Carlo, break-even curves, tornado,
batch autoscaling sweeps) take ``progress: bool | None``. None, their default, means
:func:`wanted`: a bar when stderr is a terminal and ``TQDM_DISABLE`` is not set, decided at
call time (so :func:`costmodel.workbook.display.setup_notebook` can switch bars off after
tqdm was imported, and piped, logged or notebook runs stay quiet).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

__all__ = ["bar", "wanted"]

T = TypeVar("T")


def wanted(progress: bool | None = None) -> bool:
    """Whether to show a bar: ``progress`` when given, else a terminal on stderr and no
    ``TQDM_DISABLE``."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false"):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def bar(iterable: Iterable[T] | None = None, progress: bool | None = None, **kwargs: Any) -> Any:
    """A tqdm bar over ``iterable`` (or a manual one with ``total=``), disabled unless
    :func:`wanted`."""
    return tqdm(iterable, disable=not wanted(progress), **kwargs)

"""Small input checks shared by every model. Each raises :class:`InvalidParameterError`
naming the parameter, the value received and what is allowed.

They accept scalars and array-likes; arrays are checked element-wise and the first
offending element is reported.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from costmodel.errors import InvalidParameterError, UnknownNameError


def _first_bad(arr: np.ndarray, bad: np.ndarray) -> Any:
    idx = np.flatnonzero(bad)[0]
    val = arr.ravel()[idx]
    return val.item() if hasattr(val, "item") else val


def as_float_array(name: str, value: Any) -> np.ndarray:
    """Convert to a float ndarray or raise naming ``name``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(name, value, "a number or an array of numbers") from exc
    return arr


def check_finite(name: str, value: Any) -> Any:
    """Reject NaN and infinities. Returns ``value`` unchanged."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidParameterError(name, _first_bad(arr, bad), "a finite number (not NaN or infinite)")
    return value


def check_non_negative(name: str, value: Any) -> Any:
    """Reject negative, NaN and infinite values. Returns ``value`` unchanged."""
    check_finite(name, value)
    arr = np.asarray(value, dtype=float)
    bad = arr < 0
    if bad.any():
        raise InvalidParameterError(name, _first_bad(arr, bad), "a finite number >= 0")
    return value


def check_positive(name: str, value: Any) -> Any:
    """Reject zero, negative, NaN and infinite values. Returns ``value`` unchanged."""
    check_finite(name, value)
    arr = np.asarray(value, dtype=float)
    bad = arr <= 0
    if bad.any():
        raise InvalidParameterError(name, _first_bad(arr, bad), "a finite number > 0")
    return value


def check_range(name: str, value: Any, low: float, high: float, unit: str = "") -> Any:
    """Require ``low <= value <= high`` (finite). Returns ``value`` unchanged."""
    check_finite(name, value)
    arr = np.asarray(value, dtype=float)
    bad = (arr < low) | (arr > high)
    if bad.any():
        u = f" {unit}" if unit else ""
        raise InvalidParameterError(name, _first_bad(arr, bad), f"{low:g} to {high:g}{u}")
    return value


def check_fraction(name: str, value: Any) -> Any:
    """Require ``0 <= value <= 1``."""
    return check_range(name, value, 0.0, 1.0)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Require ``value`` to be one of ``choices``; the error lists them."""
    choices = list(choices)
    if value not in choices:
        raise InvalidParameterError(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


def check_known(kind: str, name: Any, known: Iterable[Any]) -> Any:
    """Look-up guard: raise :class:`UnknownNameError` listing ``known`` names."""
    known = list(known)
    if name not in known:
        raise UnknownNameError(kind, name, known)
    return name


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Require an integer (bools rejected), optionally ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InvalidParameterError(name, value, "a whole number" + (f" >= {minimum}" if minimum is not None else ""))
    if minimum is not None and value < minimum:
        raise InvalidParameterError(name, value, f"a whole number >= {minimum}")
    return int(value)

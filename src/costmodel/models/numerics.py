"""Numerically stable building blocks shared by the cold-start and latency models.

* :func:`erlang_b_array` / :func:`erlang_c_array` - Erlang B and C for any number of
  servers (0 to millions) and any offered load (0 to 1e12 Erlang) without overflow:
  the classic recursion ``B(j) = a B(j-1) / (j + a B(j-1))`` while it is cheap, then
  ``B(n, a) = P(X = n) / P(X <= n)`` for a Poisson ``X`` with mean ``a`` in log space,
  and where that cumulative probability underflows (n more than ~37 standard deviations
  below a) the asymptotic series ``1/B = a/(a - n) - n a/(a - n)^3`` (relative error below
  1e-6 there).
* :func:`poisson_level_below` / :func:`poisson_level_above` - the Poisson quantiles the
  level model of :mod:`costmodel.models.coldstart.levels` uses to skip levels that cannot matter.
* :func:`require_finite` - every model calls it on its outputs: a non-finite value is a
  bug, reported as :class:`costmodel.errors.NumericalError` naming the inputs.

Floating-point warnings are never silenced globally; the few ``np.errstate`` blocks in
the models cover one expression each, whose non-finite branch is discarded by a
``np.where`` (e.g. ``x / y`` where ``y == 0`` is replaced).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import gammaln, pdtr, pdtrc

from costmodel.errors import NumericalError

__all__ = [
    "erlang_b_array",
    "erlang_c_array",
    "poisson_level_below",
    "poisson_level_above",
    "require_finite",
    "describe_inputs",
]

#: the plain recursion is used up to this many servers (cost servers x elements)
_RECURSION_MAX = 64


def describe_inputs(**inputs: Any) -> str:
    """``name=value`` pairs for an error message; arrays are summarised (size, min, max)."""
    parts = []
    for name, value in inputs.items():
        arr = np.asarray(value) if not isinstance(value, (str, type(None))) else None
        if arr is not None and arr.ndim > 0 and arr.size > 1:
            if np.issubdtype(arr.dtype, np.number):
                fin = arr[np.isfinite(arr)] if np.issubdtype(arr.dtype, np.floating) else arr
                lo = f"{fin.min():.6g}" if fin.size else "nan"
                hi = f"{fin.max():.6g}" if fin.size else "nan"
                parts.append(f"{name}=<{arr.size} values, {lo}..{hi}>")
            else:
                parts.append(f"{name}=<{arr.size} values>")
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)


def require_finite(where: str, quantity: str, values: Any, **inputs: Any) -> Any:
    """Return ``values`` unchanged, or raise :class:`NumericalError` if any is NaN or infinite.

    Parameters
    ----------
    where : str
        The function that computed the values (``"fast_cold_starts"``).
    quantity : str
        What they are (``"cold_start_fraction_per_step"``).
    values : float or array_like
    **inputs
        The caller's inputs, named as the caller's parameters; they go in the message.
    """
    arr = np.asarray(values, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = int(np.flatnonzero(bad.ravel())[0])
        raise NumericalError(where, quantity, float(arr.ravel()[idx]), idx if arr.ndim else None,
                             describe_inputs(**inputs))
    return values


def _log_poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log P(X = n) for X ~ Poisson(a), a > 0 (no underflow)."""
    return -a + n * np.log(a) - gammaln(n + 1.0)


def erlang_b_array(n: Any, a: Any) -> np.ndarray:
    """Erlang B ``B(n, a)`` for arrays (broadcast), stable for any ``n >= 0`` and ``a >= 0``.

    Parameters
    ----------
    n : int or array_like of int
        Servers (whole numbers >= 0; validated by the caller).
    a : float or array_like
        Offered load [Erlang] (finite, >= 0).

    Returns
    -------
    numpy.ndarray
        Blocking probabilities in [0, 1].
    """
    n_arr = np.asarray(n, dtype=float)
    a_arr = np.asarray(a, dtype=float)
    n_arr, a_arr = np.broadcast_arrays(n_arr, a_arr)
    out = np.empty(a_arr.shape)
    if out.size == 0:
        return out
    nmax = float(n_arr.max())
    if nmax <= _RECURSION_MAX:
        b = np.ones(a_arr.shape)
        out[...] = 1.0
        for j in range(1, int(nmax) + 1):
            ab = a_arr * b
            b = ab / (j + ab)
            np.copyto(out, b, where=n_arr == j)
        return out
    pos = a_arr > 0
    out[...] = np.where(n_arr == 0, 1.0, 0.0)          # a = 0: B = 0 unless n = 0
    sel = pos & (n_arr > 0)
    if sel.any():
        nn, aa = n_arr[sel], a_arr[sel]
        cdf = pdtr(nn, aa)
        ok = cdf > 1e-280
        res = np.empty(nn.shape)
        if ok.any():
            res[ok] = np.exp(_log_poisson_pmf(nn[ok], aa[ok]) - np.log(cdf[ok]))
        if (~ok).any():
            # n far below a (cdf underflows): 1/B = a/(a-n) - n a/(a-n)^3 (asymptotic series)
            n2, a2 = nn[~ok], aa[~ok]
            gap = a2 - n2
            inv = a2 / gap - n2 * a2 / gap**3
            res[~ok] = 1.0 / inv
        out[sel] = np.clip(res, 0.0, 1.0)
    return out


def erlang_c_array(n: Any, a: Any) -> np.ndarray:
    """Erlang C ``C(n, a)`` (M/M/n probability of waiting), 1 when ``a >= n``; stable."""
    n_arr = np.asarray(n, dtype=float)
    a_arr = np.asarray(a, dtype=float)
    n_arr, a_arr = np.broadcast_arrays(n_arr, a_arr)
    b = erlang_b_array(n_arr, a_arr)
    stable = a_arr < n_arr
    denom = np.where(stable, n_arr - a_arr * (1.0 - b), 1.0)
    c = np.where(stable, n_arr * b / denom, 1.0)
    return np.clip(c, 0.0, 1.0)


def poisson_level_below(a: float, eps: float) -> int:
    """Largest ``m >= 0`` with ``P(X < m) <= eps`` for ``X ~ Poisson(a)`` (0 when a is small)."""
    if a <= 0:
        return 0
    lo = max(0, int(a - 12.0 * math.sqrt(a) - 12))
    lo = max(lo, int(a - 40.0 * math.sqrt(a)))   # never scan more than ~28 sigma
    hi = int(a) + 1
    # P(X < m) = pdtr(m - 1, a) is increasing in m: bisection on [lo, hi]
    if pdtr(hi - 1, a) <= eps:
        return hi
    if lo == 0 or pdtr(lo - 1, a) > eps:
        lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pdtr(mid - 1, a) <= eps:
            lo = mid
        else:
            hi = mid
    return lo


def poisson_level_above(a: float, eps: float) -> int:
    """Smallest ``m >= 1`` with ``P(X >= m) <= eps`` for ``X ~ Poisson(a)``."""
    if a <= 0:
        return 1
    hi = int(a + 12.0 * math.sqrt(a) + 40)
    while pdtrc(hi - 1, a) > eps:
        hi = int(hi * 1.5) + 10
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        tail = pdtrc(mid - 1, a) if mid >= 1 else 1.0      # P(X >= mid)
        if tail <= eps:
            hi = mid
        else:
            lo = mid
    return max(hi, 1)

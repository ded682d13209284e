"""Arrivals: the request times a rate series stands for, shared by the exact simulator and
the fast model.

Two readings of a per-step rate: ``"poisson"`` (a Poisson process with that mean rate per
step) and ``"counts"`` (the step's requests spread evenly: cron jobs and per-minute traces,
where the number of requests per step is known, not a mean).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from costmodel._validate import as_float_array, check_choice, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import FloatArray, Seed

__all__ = ["ARRIVALS", "as_rng", "poisson_arrival_times_s", "check_arrivals", "arrival_counts", "counts_arrival_times_s",
           "arrivals_for_traffic", "time_average_counts", "counts_concurrency"]

ARRIVALS = ("poisson", "counts")


def as_rng(random_state: Seed) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


# ---------------------------------------------------------------------------------
# Arrivals
# ---------------------------------------------------------------------------------
def poisson_arrival_times_s(arrival_rps: npt.ArrayLike, step_s: float, random_state: Seed = None) -> np.ndarray:
    """Arrival times [s] of a Poisson process whose rate is constant within each step.

    Parameters
    ----------
    arrival_rps : float or array_like
        Mean arrival rate per step [requests/s] (a scalar is one step).
    step_s : float
        Step length [s].
    random_state : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    numpy.ndarray
        Sorted arrival times [s] in ``[0, len(arrival_rps) * step_s)``.
    """
    rates = np.atleast_1d(as_float_array("arrival_rps", arrival_rps)).ravel()
    check_non_negative("arrival_rps", rates)
    check_positive("step_s", step_s)
    rng = as_rng(random_state)
    if rates.size == 1:
        # one rate: cumulative exponential gaps (no sort needed)
        rate = rates[0]
        if rate == 0:
            return np.empty(0)
        expected = rate * step_s
        n_draw = int(expected + 10 * math.sqrt(expected) + 20)
        times = np.cumsum(rng.exponential(1.0 / rate, n_draw))
        while times[-1] < step_s:
            more = np.cumsum(rng.exponential(1.0 / rate, n_draw)) + times[-1]
            times = np.concatenate([times, more])
        return times[: np.searchsorted(times, step_s)]
    counts = rng.poisson(rates * step_s)
    starts = np.repeat(np.arange(rates.size) * float(step_s), counts)
    times = starts + rng.random(starts.size) * step_s
    # uniform points inside each step: sort within steps (steps are already ordered)
    return np.sort(times, kind="stable")


def check_arrivals(arrivals: Any) -> str:
    """Validate the arrival-expansion choice (one of :data:`ARRIVALS`)."""

    return check_choice("arrivals", arrivals, ARRIVALS)


def arrival_counts(arrival_rps: npt.ArrayLike, step_s: float, name: str = "arrival_rps") -> np.ndarray:
    """Exact arrivals per step ``rate x step_s`` for ``arrivals="counts"``.

    Parameters
    ----------
    arrival_rps : float or array_like
        Rate per step [requests/s] that is really a count per step divided by ``step_s``.
    step_s : float
        Step length [s].
    name : str
        Parameter name used in the error message.

    Returns
    -------
    numpy.ndarray of int64
        Arrivals per step.

    Raises
    ------
    InvalidParameterError
        Naming ``name`` when a step does not hold a whole number of arrivals (within
        ``1e-6`` absolute plus ``1e-9`` relative).
    """
    rates = np.atleast_1d(as_float_array(name, arrival_rps)).ravel()
    check_non_negative(name, rates)
    check_positive("step_s", step_s)
    x = rates * float(step_s)
    r = np.rint(x)
    bad = np.abs(x - r) > 1e-6 + 1e-9 * r
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(
            name, float(rates[i]),
            f"whole numbers of arrivals per step for arrivals='counts' (step {i}: rate x step_s = "
            f"{x[i]:.6g}); use arrivals='poisson' for mean rates",
        )
    return r.astype(np.int64)


def counts_arrival_times_s(arrival_rps: npt.ArrayLike, step_s: float) -> np.ndarray:
    """Arrival times [s] when each step holds exactly ``rate x step_s`` arrivals.

    Step ``k`` with ``n`` arrivals places them evenly, at the midpoints
    ``k step_s + (i + 1/2) step_s / n``, ``i = 0..n-1`` (gap ``g = step_s / n``; one
    arrival sits in the middle of its step). Deterministic: no ``random_state``.

    Parameters
    ----------
    arrival_rps : float or array_like
        Count per step divided by ``step_s`` [requests/s] (a scalar is one step).
    step_s : float
        Step length [s].

    Returns
    -------
    numpy.ndarray
        Sorted arrival times [s] in ``[0, len(arrival_rps) * step_s)``.
    """
    counts = arrival_counts(arrival_rps, step_s)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0)
    step_of = np.repeat(np.arange(counts.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(total) - first
    return step_of * float(step_s) + (within + 0.5) * (float(step_s) / counts[step_of])


def arrivals_for_traffic(traffic: Any, rate_rps: npt.ArrayLike | None = None, step_s: float | None = None,
                         warm_mean_s: float | None = None) -> str:
    """The arrival expansion a scenario's ``traffic`` block calls for.

    ``"counts"`` when the block describes counts per step - ``pattern: sparse`` with
    ``timing: fixed`` (cron-like invocations at known times) or ``pattern: trace`` (CSV
    counts, Azure per-minute invocation counts) - with no ``scale`` or ``growth`` applied,
    and (when ``rate_rps`` and ``step_s`` are given) every step holds a whole number of
    arrivals (a trace given as rates, or resampled to a finer step, falls back).
    When ``warm_mean_s`` is given, additionally at least 90 % of the requests must arrive
    in steps whose evenly spaced arrivals need one environment at a time
    (:func:`costmodel.models.coldstart.fast.counts_concurrency` = 1): at higher concurrency the
    variability of the service time, which the fast counts model ignores (it fixes the
    service at its mean), makes it understate cold starts, and the Poisson expansion is
    the conservative (upper) estimate there (``docs/coldstart-model.md``). Otherwise
    ``"poisson"`` (generated mean rates).

    Parameters
    ----------
    traffic : mapping or None
        The scenario's traffic block (``Scenario.traffic``).
    rate_rps : array_like, optional
        The series built from it [requests/s].
    step_s : float, optional
        Its step [s].
    warm_mean_s : float, optional
        Mean warm execution time [s] (needs ``rate_rps`` and ``step_s``).

    Returns
    -------
    str
        ``"counts"`` or ``"poisson"``.
    """
    if not hasattr(traffic, "get"):
        return "poisson"
    pattern = traffic.get("pattern")
    counts_like = (pattern == "sparse" and traffic.get("timing") == "fixed") or pattern == "trace"
    if not counts_like or traffic.get("scale") is not None or traffic.get("growth"):
        return "poisson"
    if rate_rps is not None and step_s is not None:
        try:
            counts = arrival_counts(rate_rps, step_s)
        except InvalidParameterError:
            return "poisson"
        if warm_mean_s is not None and counts.sum() > 0:

            single = counts_concurrency(counts, float(step_s), float(warm_mean_s)) <= 1
            if counts[single].sum() < 0.9 * counts.sum():
                return "poisson"
    return "counts"


def time_average_counts(starts_s: np.ndarray, ends_s: np.ndarray, edges_s: np.ndarray) -> np.ndarray:
    """Time-averaged number of open intervals ``[start, end)`` in each bin.

    Parameters
    ----------
    starts_s, ends_s : numpy.ndarray
        Interval bounds [s].
    edges_s : numpy.ndarray
        Increasing bin edges [s] (``k+1`` edges give ``k`` bins).

    Returns
    -------
    numpy.ndarray
        Mean count in each bin (integral of the count over the bin / bin length).
    """
    a = np.sort(np.asarray(starts_s, dtype=float))
    b = np.sort(np.asarray(ends_s, dtype=float))
    e = np.asarray(edges_s, dtype=float)

    def integral(sorted_pts: FloatArray) -> FloatArray:
        # sum over points p < e of (e - p)
        idx = np.searchsorted(sorted_pts, e, side="left")
        csum = np.concatenate([[0.0], np.cumsum(sorted_pts)])
        return idx * e - csum[idx]

    area = integral(a) - integral(b)
    return np.diff(area) / np.diff(e)


def counts_concurrency(counts: Any, step_s: float, warm_mean_s: float) -> np.ndarray:
    """Instances a step's evenly spaced arrivals keep busy at once (D/D/infinity).

    ``n`` arrivals at gap ``g = step_s / n`` with service ``w``: arrival ``i`` finds the
    ``m`` previous ones still busy iff ``m g < w``, so the rotation needs
    ``c = ceil(w / g) = ceil(lambda w)`` instances (each one reused every ``c`` arrivals).
    In general ``c_k = ceil(arrivals in the window (end_k - w, end_k])`` with arrivals
    spread evenly in their steps (``= ceil(n_k w / step_s)`` when ``w <= step_s``), never
    more than the arrivals of the steps that window touches; at least 1 in a step with
    arrivals, 0 without.

    Parameters
    ----------
    counts : array_like
        Arrivals per step.
    step_s : float
        Step [s].
    warm_mean_s : float
        Service time ``w`` [s].

    Returns
    -------
    numpy.ndarray
        ``c`` per step (float, whole numbers).
    """
    n = np.asarray(counts, dtype=float)
    csum = np.concatenate([[0.0], np.cumsum(n)])
    k = np.arange(n.size)
    # arrivals in the last w seconds of the step, (end - w, end], arrivals spread evenly
    x = (k + 1) - warm_mean_s / step_s                  # window start [steps]
    i = np.floor(x).astype(np.int64)
    inside = i >= 0
    ic = np.clip(i, 0, max(n.size - 1, 0))
    c_start = np.where(inside, csum[ic] + (x - i) * n[ic], 0.0)
    in_window = csum[k + 1] - c_start
    # ... never more than the arrivals that can overlap (this step and those the window touches)
    overlapping = csum[k + 1] - np.where(inside, csum[ic], 0.0)
    need = np.ceil(in_window - 1e-9)
    return np.where(n > 0, np.maximum(np.minimum(need, overlapping), 1.0), 0.0)

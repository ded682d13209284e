"""Fast cold-start model for whole months of per-step traffic (no per-request simulation).

Poisson arrivals (``arrivals="poisson"``, the default): the level-crossing model of
:mod:`costmodel.models.coldstart.levels`. The live pool is the largest number of requests in
service at once during the last keep-alive ``T``; instance ``m`` is born (a cold start)
whenever the busy count climbs to ``m`` after ``T`` seconds below it. So every
environment created while the pool grows is a cold start - at a rate jump, during the
warm-up from an empty pool (``t = 0`` starts empty, as in SimFaaS), and in the Poisson
bursts inside a step - at any step size; between them the pool churns at the rate the
busy count sets new ``T``-window maxima. The busy count is Poisson with the mean
``lambda w`` (smoothed over the service time when steps are short), truncated at the
concurrency limit (throttled share Erlang B ``B(cap, a)``); provisioned instances are the
levels ``1..p``. A cold request holds its instance for the init too, so when the load
outgrows the pool the pool overshoots (:func:`costmodel.models.coldstart.levels.init_surge`, a
second pass). Cold starts never exceed a step's served arrivals (the excess moves on).
At a low rate P(cold) is ``exp(-lambda T)`` per request (one instance).

Counts per step (``arrivals="counts"``: cron schedules, invocation-count traces) use a
deterministic variant instead, :func:`_counts_core`: ``rate x step_s`` evenly spaced
arrivals, ``c_k = ceil(lambda_k w)`` environments in rotation, a position cold iff its last
departure is more than the keep-alive before its next use (``docs/coldstart-model.md``
section 3b).

Accuracy against :func:`costmodel.models.coldstart.simulator.simulate` (``benchmarks/bench_coldstart_accuracy.py``,
table in ``docs/coldstart-model.md``) and the numerics (bounded recursions, no overflow
for any load) are documented; every output is checked finite
(:class:`costmodel.errors.NumericalError` names the inputs otherwise).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from costmodel._validate import as_float_array, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import FloatArray
from costmodel.models.coldstart.arrivals import (  # counts_concurrency re-exported: part of this module's API
    arrival_counts,
    check_arrivals,
    counts_concurrency,
    time_average_counts,
)
from costmodel.models.coldstart.levels import busy_mean, init_surge, level_model, level_model_loop
from costmodel.models.numerics import require_finite

__all__ = ["FastColdStarts", "fast_cold_starts", "fast_cold_starts_loop", "counts_concurrency"]

@dataclass(frozen=True, eq=False)
class FastColdStarts:
    """Result of :func:`fast_cold_starts`; per-step arrays have one value per input step.

    Attributes
    ----------
    step_s : float
        Step length [s].
    arrival_rps : numpy.ndarray
        Mean arrival rate per step [requests/s] (the input).
    requests : numpy.ndarray
        Expected requests per step (computed on first use, like the next three).
    cold_start_fraction_per_step, throttle_fraction_per_step : numpy.ndarray
        P(cold) and P(throttle) per step (averaged over the step's arrivals).
    cold_starts, throttles : numpy.ndarray
        Expected cold starts and throttled requests per step.
    instances, busy_instances, idle_instances : numpy.ndarray
        Expected (time-averaged) instance counts per step, provisioned included.
    arrivals : str
        ``"poisson"`` or ``"counts"`` (see :func:`fast_cold_starts`).
    method : str
        ``"fast"`` (this module's model) or ``"exact"`` (the simulator's per-step figures,
        :func:`costmodel.models.coldstart.method.cold_start_model`).
    method_reason : str
        Why that method was used (``method="auto"``).
    empty_pool_fraction_per_step : numpy.ndarray or None
        Poisson model: the part of P(cold) from requests that found no on-demand
        environment alive (after an idle gap longer than the keep-alive); the rest are
        cold starts of a pool that had to grow. None for the other models.
    """

    step_s: float
    arrival_rps: np.ndarray = field(repr=False)
    cold_start_fraction_per_step: np.ndarray = field(repr=False)
    throttle_fraction_per_step: np.ndarray = field(repr=False)
    instances: np.ndarray = field(repr=False)
    busy_instances: np.ndarray = field(repr=False)
    arrivals: str = "poisson"
    method: str = "fast"
    method_reason: str = ""
    empty_pool_fraction_per_step: np.ndarray | None = field(default=None, repr=False)

    # derived arrays, computed on first use (a month of 1-s steps is 21 MB per array)
    @cached_property
    def requests(self) -> np.ndarray:
        """Expected requests per step (whole numbers for ``arrivals="counts"``)."""
        if self.arrivals == "counts":
            return np.rint(self.arrival_rps * self.step_s)
        return self.arrival_rps * self.step_s

    @cached_property
    def cold_starts(self) -> np.ndarray:
        """Expected cold starts per step (whole numbers for ``arrivals="counts"``)."""
        if self.arrivals == "counts":
            return np.rint(self.requests * self.cold_start_fraction_per_step)
        return self.requests * self.cold_start_fraction_per_step

    @cached_property
    def throttles(self) -> np.ndarray:
        """Expected throttled requests per step."""
        return self.requests * self.throttle_fraction_per_step

    @cached_property
    def idle_instances(self) -> np.ndarray:
        """Expected idle (warm, waiting) instances per step."""
        return self.instances - self.busy_instances

    @property
    def total_requests(self) -> float:
        if self.arrivals == "counts":
            return float(self.requests.sum())
        return float(self.arrival_rps.sum() * self.step_s)

    @property
    def total_cold_starts(self) -> float:
        if self.arrivals == "counts":
            return float(self.cold_starts.sum())
        return float(np.dot(self.arrival_rps, self.cold_start_fraction_per_step) * self.step_s)

    @property
    def cold_start_fraction(self) -> float:
        """Cold starts / requests over the whole series."""
        n = self.total_requests
        return self.total_cold_starts / n if n > 0 else 0.0

    @property
    def throttle_fraction(self) -> float:
        n = self.total_requests
        return float(np.dot(self.arrival_rps, self.throttle_fraction_per_step) * self.step_s) / n if n > 0 else 0.0

    @property
    def mean_instances(self) -> float:
        return float(self.instances.mean())

    @property
    def mean_busy_instances(self) -> float:
        return float(self.busy_instances.mean())

    @property
    def mean_idle_instances(self) -> float:
        return self.mean_instances - self.mean_busy_instances

    @property
    def idle_instance_s(self) -> float:
        """Idle instance-seconds over the series [s] (memory kept warm, unbilled on Lambda)."""
        return float((self.instances.sum() - self.busy_instances.sum()) * self.step_s)


def _check(arrival_rps: npt.ArrayLike, step_s: float, warm_mean_s: float, keep_alive_s: float, concurrency_limit: int,
           provisioned_concurrency: int, init_mean_s: float) -> tuple[FloatArray, float, float, float, int, int, float]:
    rates = np.atleast_1d(as_float_array("arrival_rps", arrival_rps)).ravel()
    check_non_negative("arrival_rps", rates)
    check_positive("step_s", step_s)
    check_positive("warm_mean_s", warm_mean_s)
    check_positive("keep_alive_s", keep_alive_s)
    check_non_negative("init_mean_s", init_mean_s)
    cap = check_int("concurrency_limit", concurrency_limit, minimum=1)
    pc = check_int("provisioned_concurrency", provisioned_concurrency, minimum=0)
    if cap < pc:
        raise InvalidParameterError("concurrency_limit", cap, f"at least provisioned_concurrency={pc}")
    return rates, float(step_s), float(warm_mean_s), float(keep_alive_s), cap, pc, float(init_mean_s)


def fast_cold_starts(
    arrival_rps: npt.ArrayLike,
    step_s: float,
    warm_mean_s: float,
    keep_alive_s: float = 600.0,
    *,
    init_mean_s: float = 0.0,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
    arrivals: str = "poisson",
) -> FastColdStarts:
    """Expected cold starts, throttles and instance counts per step (vectorised over time).

    Parameters
    ----------
    arrival_rps : float or array_like
        Mean arrival rate per step [requests/s].
    step_s : float
        Step length [s].
    warm_mean_s : float
        Mean warm execution time [s].
    keep_alive_s : float
        Keep-alive after an instance's last departure [s].
    init_mean_s : float
        Mean init time [s]; only lengthens the busy time of cold requests.
    concurrency_limit : int
        Maximum concurrently busy instances.
    provisioned_concurrency : int
        Always-warm instances (positions ``1..p``).
    arrivals : {"poisson", "counts"}
        ``"poisson"`` (default; generated mean rates): the model in the module docstring.
        ``"counts"`` (cron-like schedules, traces of invocation counts): ``rate x step_s``
        is the exact number of arrivals in the step (a whole number, else
        ``InvalidParameterError`` naming ``arrival_rps``), evenly spaced; deterministic
        model in :func:`_counts_core` (exact for a fixed service time ``warm_mean_s``).

    Returns
    -------
    FastColdStarts
    """
    mode = check_arrivals(arrivals)
    rates, step_s, w, T, cap, pc, init_s = _check(
        arrival_rps, step_s, warm_mean_s, keep_alive_s, concurrency_limit, provisioned_concurrency, init_mean_s
    )
    if mode == "counts":
        counts = arrival_counts(rates, step_s)
        p_cold, p_thr, alive, busy = _counts_core(counts, step_s, w, T, pc, cap, init_s)
        return FastColdStarts(
            step_s=step_s, arrival_rps=rates, cold_start_fraction_per_step=p_cold,
            throttle_fraction_per_step=p_thr, instances=alive, busy_instances=busy, arrivals="counts",
        )
    n_steps = rates.size
    if n_steps == 0:
        empty = np.zeros(0)
        return FastColdStarts(step_s=step_s, arrival_rps=rates, cold_start_fraction_per_step=empty,
                              throttle_fraction_per_step=empty, instances=empty, busy_instances=empty)
    # resolve the keep-alive window: split long steps
    split = max(1, math.ceil(step_s / (T / 4.0)))
    lam = np.repeat(rates, split) if split > 1 else rates
    sub_s = step_s / split
    a = busy_mean(lam, sub_s, w)
    births, alive, p_thr, first = level_model(lam, sub_s, w, T, pc, cap, busy=a)
    if init_s > 0:
        # cold requests hold their instance through the init: a growing pool overshoots
        surge = init_surge(lam, sub_s, w, init_s, alive, pc)
        if surge is not None:
            births, alive, p_thr, first = level_model(lam, sub_s, w, T, pc, cap, transient=surge, busy=a)
    req = lam * sub_s
    # an environment is created by an arrival: cold starts never exceed the served
    # arrivals; a step that would need more hands the rest to the next steps
    limited = limit_to_arrivals(births, req * (1.0 - p_thr))
    p_cold = np.clip(np.divide(limited, req, out=np.zeros(lam.size), where=req > 0), 0.0, 1.0)
    # the share of those that found no on-demand environment alive (idle-gap cold starts)
    p_first = p_cold * np.divide(first, births, out=np.zeros(lam.size), where=births > 0)
    # the pool never holds more than the concurrency limit (an instance is created only
    # when none is idle and fewer than the limit are busy)
    busy = np.minimum(a if not p_thr.any() and init_s == 0 else
                      busy_instances(lam, sub_s, w, init_s, p_thr, p_cold), cap)
    alive = np.minimum(np.maximum(alive, busy), max(cap, pc))
    if split > 1:
        p_cold, p_thr, alive, busy, p_first = (v.reshape(n_steps, split).mean(axis=1)
                                               for v in (p_cold, p_thr, alive, busy, p_first))
    inputs = dict(arrival_rps=rates, step_s=step_s, warm_mean_s=w, keep_alive_s=T,
                  concurrency_limit=cap, provisioned_concurrency=pc)
    for name, v in (("cold_start_fraction_per_step", p_cold), ("throttle_fraction_per_step", p_thr),
                    ("instances", alive), ("busy_instances", busy)):
        require_finite("fast_cold_starts", name, v, **inputs)
    return FastColdStarts(
        step_s=step_s,
        arrival_rps=rates,
        cold_start_fraction_per_step=p_cold,
        throttle_fraction_per_step=p_thr,
        instances=alive,
        busy_instances=busy,
        empty_pool_fraction_per_step=p_first,
    )


def busy_instances(lam: np.ndarray, step_s: float, w: float, init_s: float, p_thr: np.ndarray,
                   p_cold: np.ndarray, kernel: str = "exponential") -> np.ndarray:
    """Busy instances per step: Little's law ``lambda (1 - P(throttle)) w + lambda P(cold) init``,
    each part spread over the following steps with its holding time
    (:func:`costmodel.models.coldstart.levels.busy_mean`; exactly Little's law when steps are much
    longer than the holding time, and no step counts a long job's whole load at once)."""
    busy = busy_mean(lam * (1.0 - p_thr), step_s, w, kernel)
    if init_s > 0:
        busy = busy + busy_mean(lam * p_cold, step_s, init_s, kernel)
    return busy


def limit_to_arrivals(cold: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """Expected cold starts per step limited by the step's arrivals, the excess carried to
    the next steps (Lindley's recursion ``Q_k = max(0, Q_{k-1} + cold_k - arrivals_k)``,
    closed form with a running minimum; the total is kept unless it exceeds the arrivals)."""
    net = cold - arrivals
    if not (net > 0).any():
        return cold
    s = np.cumsum(net)
    q = s - np.minimum(np.minimum.accumulate(s), 0.0)          # backlog after each step
    q_prev = np.concatenate([[0.0], q[:-1]])
    return np.clip(cold + q_prev - q, 0.0, None)


def _counts_core(counts: np.ndarray, step_s: float, w: float, T: float, pc: int, cap: int,
                 init_s: float) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Deterministic model for ``arrivals="counts"`` (derivation in docs/coldstart-model.md).

    Step ``k`` holds ``n_k`` arrivals at the midpoints ``k s + (i - 1/2) g_k``,
    ``i = 1..n_k``, ``g_k = s / n_k``. They need ``c_k`` instances
    (:func:`counts_concurrency`): positions ``1..c_k`` in rotation, position ``j`` taking
    arrivals ``j, j + c_k, j + 2 c_k, ...`` (``m = floor((n_k - j)/c_k) + 1`` of them).
    Positions ``1..p`` are provisioned (never cold), positions beyond ``cap`` do not
    exist (throttled share ``1 - cap/(lambda w)``, fluid). Position ``j``'s first arrival
    of a step is cold iff the position's last departure (its last arrival of the
    previous step that used it, plus ``w``) is more than ``T`` earlier, or it was never
    used; inside a step its later arrivals are cold iff the idle gap ``c_k g_k - w``
    exceeds ``T`` (then every arrival of the step is a separate use). The instance count
    is the time average of each position's alive intervals (first cold use -> last
    departure + ``T``).
    """
    n = counts.astype(float)
    k_all = np.arange(n.size)
    lam = n / step_s
    load = lam * w
    c_in = counts_concurrency(n, step_s, w)            # the rotation inside the step
    c = c_in
    if w < step_s and n.size > 1:
        # the step's first arrival (at g_k/2) also finds the previous step's last
        # arrivals still busy: those after t - w, counted exactly on that step's lattice
        prev = np.concatenate([[0.0], n[:-1]])
        g_prev = step_s / np.maximum(prev, 1.0)
        y = (step_s + 0.5 * step_s / np.maximum(n, 1.0) - w) / g_prev + 0.5
        busy_prev = np.clip(prev - np.floor(y), 0.0, prev)
        c = np.maximum(c_in, np.where(n > 0, 1.0 + busy_prev, 0.0))
    p_thr = np.where(load > cap, 1.0 - cap / np.maximum(load, 1e-300), 0.0)
    cold = np.zeros(n.size)
    starts, ends = [], []
    horizon = n.size * step_s
    c_max = int(min(c.max(), cap)) if n.size else 0
    for j in range(pc + 1, c_max + 1):
        ks = k_all[c >= j]
        nk, ck = n[ks], c_in[ks]
        gk = step_s / nk
        rot = j <= ck                   # in the rotation; else only used by the first arrivals
        inside = rot & (j <= nk)
        m = np.where(inside, np.floor((nk - j) / ck) + 1.0, 1.0)
        i_first = np.where(rot, np.minimum(j, nk), np.minimum(j - ck, nk))
        i_last = np.where(inside, j + ck * (m - 1.0), np.where(rot, nk, i_first))
        t0 = ks * step_s
        # a step whose idle gap inside exceeds T: each of its arrivals is a separate use
        split = (m > 1) & (ck * gk - w > T)
        reps = np.where(split, m, 1.0).astype(np.int64)
        first = np.repeat(t0 + (i_first - 0.5) * gk, reps)
        last = np.repeat(t0 + (i_last - 0.5) * gk, reps)
        if split.any():
            r = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            sp = np.repeat(split, reps)
            arr = first + r * np.repeat(ck * gk, reps)
            first = np.where(sp, arr, first)
            last = np.where(sp, arr, last)
        dep = last + w
        is_cold = np.ones(first.size, dtype=bool)
        is_cold[1:] = first[1:] - dep[:-1] > T
        np.add.at(cold, np.repeat(ks, reps), is_cold.astype(float))
        seg_start = np.flatnonzero(is_cold)
        seg_end = np.append(seg_start[1:] - 1, first.size - 1)
        starts.append(first[seg_start])
        ends.append(np.minimum(dep[seg_end] + T, horizon))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_cold = np.where(n > 0, cold / np.maximum(n, 1.0), 0.0)
    busy = busy_instances(lam, step_s, w, init_s, p_thr, p_cold, "fixed")
    if starts:
        edges = np.arange(n.size + 1) * float(step_s)
        alive = time_average_counts(np.concatenate(starts), np.concatenate(ends), edges) + pc
    else:
        alive = np.full(n.size, float(pc))
    return p_cold, p_thr, np.maximum(alive, busy), busy


def fast_cold_starts_loop(
    arrival_rps: npt.ArrayLike,
    step_s: float,
    warm_mean_s: float,
    keep_alive_s: float = 600.0,
    *,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
) -> np.ndarray:
    """Straightforward per-step, per-level Python loop of the same model (benchmark
    baseline and test reference; :func:`costmodel.models.coldstart.levels.level_model_loop`).

    Returns P(cold) per step; equal to ``fast_cold_starts(...).cold_start_fraction_per_step``
    within the vectorised code's load-grid rounding (relative 1e-3) when the steps are at
    most ``keep_alive_s / 40`` long (one step per block) and nothing is throttled.
    """
    rates, step_s, w, T, cap, pc, _ = _check(
        arrival_rps, step_s, warm_mean_s, keep_alive_s, concurrency_limit, provisioned_concurrency, 0.0
    )
    if step_s > T / 4.0:
        raise InvalidParameterError("step_s", step_s, f"<= keep_alive_s/4 = {T / 4:g} for the loop baseline")
    req = rates * step_s
    births = limit_to_arrivals(level_model_loop(rates, step_s, w, T, pc, cap), req)
    return np.clip(np.divide(births, req, out=np.zeros(rates.size), where=req > 0), 0.0, 1.0)

"""Latency percentiles (p50/p95/p99/p99.9) for Lambda and containers, chains, and the
cost side of cold starts.

* :func:`lambda_latency` - per step and overall: the warm duration, plus the init time
  for cold requests (P(cold) per step from :func:`costmodel.models.coldstart.fast.fast_cold_starts`),
  plus client retries with exponential backoff for throttled requests.
* :func:`container_latency` - a pool of ``servers`` request slots per step: M/M/c
  waiting via Erlang C (or the Allen-Cunneen M/G/c correction), and while demand exceeds
  capacity (autoscaling still catching up) a fluid backlog that drains first-in
  first-out - the latency spike users fear.
* :func:`chain_latency` - synchronous chains A -> B -> ... of depth 1-5: the hops share
  arrivals (cold together after an idle gap), the caller stays busy while it waits.
* Cost feedback: :func:`lambda_cold_start_bill` (INIT billing of the modelled cold starts
  through :func:`costmodel.models.bills.lambda_bill`, plus idle instance memory-time) and
  :func:`provisioned_concurrency_tradeoff` (PC count -> monthly cost and p99).

Percentiles come from mixture CDFs evaluated on a log-spaced grid of latencies and
inverted by interpolation (relative resolution about 0.5 %); nothing is sampled except
in :func:`chain_latency`, which takes a ``random_state``.

Numbers given for ``duration_ms`` / ``init_duration_ms`` here are **fixed** values
[ms]; a dict ``{"mean": ms, "p99": ms}`` (the scenario's ``work.duration_ms``) is a
lognormal; a :class:`costmodel.models.duration.Duration` is used as given
(:func:`costmodel.models.duration.duration_from_ms`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel._validate import as_float_array, check_int, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import Seed
from costmodel.models.bills import ProvisionedWindow, lambda_bill, lambda_gb_s
from costmodel.models.chains import simulate_chain
from costmodel.models.coldstart.fast import FastColdStarts, counts_concurrency, fast_cold_starts
from costmodel.models.coldstart.method import EXACT_MAX_REQUESTS, check_method, cold_start_model
from costmodel.models.coldstart.simulator import check_arrivals, erlang_b
from costmodel.models.duration import (  # duration_from_ms re-exported: defined here before
    Duration,
    DurationMs,
    duration_from_ms,
)
from costmodel.models.numerics import erlang_c_array, require_finite
from costmodel.models.pricing import Prices
from costmodel.models.queueing import wait_plus_service_cdf

__all__ = [
    "PERCENTILES",
    "LatencyResult",
    "duration_from_ms",
    "percentiles_ms",
    "lambda_latency",
    "container_latency",
    "chain_latency",
    "ColdStartCost",
    "lambda_cold_start_bill",
    "provisioned_concurrency_tradeoff",
]

#: Percentile levels reported everywhere (as fractions).
PERCENTILES = (0.5, 0.95, 0.99, 0.999)
_NAMES = ("p50_ms", "p95_ms", "p99_ms", "p999_ms")
_GRID_POINTS = 3000
_BATCH_ROWS = 256  # CDF rows built at a time (memory: rows x grid points)
_QUAD_NODES = 400
_LOGIT_SPAN = 16.0


def percentiles_ms(samples_s: npt.ArrayLike, levels: Sequence[float] = PERCENTILES) -> dict:
    """Empirical percentiles [ms] of latency samples [s] (e.g. ``SimulationResult.latency_s``)."""
    x = as_float_array("samples_s", samples_s).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {n: float("nan") for n in _NAMES}
    qs = np.quantile(x, levels) * 1000.0
    return {f"p{_level_tag(q)}_ms": float(v) for q, v in zip(levels, qs)}


def _level_tag(q: float) -> str:
    s = f"{q * 100:g}"
    return s.replace(".", "")


@dataclass(frozen=True, eq=False)
class LatencyResult:
    """Latency percentiles overall and per step.

    Attributes
    ----------
    p50_ms, p95_ms, p99_ms, p999_ms, mean_ms : float
        Over all served requests of the series [ms].
    cold_start_fraction : float
        Served requests that met at least one cold start (0 for containers).
    throttle_fraction : float
        Lambda: attempts throttled (429). Containers: 0.
    failed_fraction : float
        Requests that failed after all retries (Lambda).
    step_s : float
        Step length [s].
    step_requests : numpy.ndarray
        Expected requests per step.
    step_p50_ms, step_p95_ms, step_p99_ms, step_p999_ms, step_mean_ms : numpy.ndarray
        Per-step figures [ms] (empty arrays for :func:`chain_latency`).
    step_cold_start_fraction : numpy.ndarray
        Per-step cold fraction of served requests.
    step_queue_delay_ms : numpy.ndarray
        Containers: mean wait before service per step (queueing + backlog) [ms].
    timeout_fraction : float
        Containers: share of requests that timed out at the front door (their wait would
        have exceeded ``timeout_s``, or their response came after it); they count as
        taking ``timeout_s`` in the percentiles and means. 0 for Lambda and chains.
    step_timeout_fraction : numpy.ndarray
        Containers: the same per step (empty for Lambda and chains).
    timeout_s : float or None
        Containers: the request timeout used [s] (None: unbounded wait).
    cold_start_method : str
        Lambda and chains: ``"fast"`` or ``"exact"`` - which model gave the cold starts
        (:func:`costmodel.models.coldstart.method.cold_start_model`); ``""`` for containers.
    cold_start_method_reason : str
        Why (``method="auto"``).
    """

    p50_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    cold_start_fraction: float
    throttle_fraction: float
    failed_fraction: float
    step_s: float
    step_requests: np.ndarray = field(repr=False)
    step_p50_ms: np.ndarray = field(repr=False)
    step_p95_ms: np.ndarray = field(repr=False)
    step_p99_ms: np.ndarray = field(repr=False)
    step_p999_ms: np.ndarray = field(repr=False)
    step_mean_ms: np.ndarray = field(repr=False)
    step_cold_start_fraction: np.ndarray = field(repr=False)
    step_queue_delay_ms: np.ndarray = field(repr=False)
    timeout_fraction: float = 0.0
    step_timeout_fraction: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    timeout_s: float | None = None
    cold_start_method: str = ""
    cold_start_method_reason: str = ""

    def summary(self) -> dict:
        """Overall figures as a dict."""
        return {
            "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "p99_ms": self.p99_ms,
            "p999_ms": self.p999_ms, "mean_ms": self.mean_ms,
            "cold_start_fraction": self.cold_start_fraction,
            "throttle_fraction": self.throttle_fraction, "failed_fraction": self.failed_fraction,
            "timeout_fraction": self.timeout_fraction,
            "cold_start_method": self.cold_start_method,
        }

    def to_frame(self) -> pd.DataFrame:
        """Per-step table indexed by step start time [s]."""
        return pd.DataFrame(
            {
                "requests": self.step_requests, "p50_ms": self.step_p50_ms, "p95_ms": self.step_p95_ms,
                "p99_ms": self.step_p99_ms, "p999_ms": self.step_p999_ms, "mean_ms": self.step_mean_ms,
                "cold_start_fraction": self.step_cold_start_fraction,
                "queue_delay_ms": self.step_queue_delay_ms,
            } | ({"timeout_fraction": self.step_timeout_fraction}
                 if self.step_timeout_fraction.size == self.step_requests.size else {}),
            index=pd.Index(np.arange(self.step_requests.size) * self.step_s, name="t_s"),
        )


def _checked(res: LatencyResult, where: str, allow_inf: bool = False, **inputs: Any) -> LatencyResult:
    """``res`` unchanged, or :class:`costmodel.errors.NumericalError` naming the inputs
    when a figure is not finite (NaN where there are no requests is allowed; infinity only
    with ``allow_inf``: a queue without capacity and without a timeout never answers)."""
    def check(name: str, value: Any) -> None:
        v = np.asarray(value, dtype=float)
        if allow_inf:
            v = np.where(np.isposinf(v), 0.0, v)
        require_finite(where, name, v, **inputs)

    for name in ("p50_ms", "p95_ms", "p99_ms", "p999_ms", "mean_ms", "cold_start_fraction",
                 "throttle_fraction", "failed_fraction", "timeout_fraction"):
        value = getattr(res, name)
        if not (name == "mean_ms" and np.isnan(value) and res.step_requests.sum() == 0):
            check(name, value)
    busy = res.step_requests > 0
    for name in ("step_p50_ms", "step_p99_ms", "step_p999_ms", "step_mean_ms", "step_cold_start_fraction"):
        arr = getattr(res, name)
        if arr.size == busy.size:
            check(name, arr[busy])
    return res


# ---------------------------------------------------------------------------------
# grid helpers
# ---------------------------------------------------------------------------------
def _grid(hi_s: float, lo_s: float = 1e-5, points: int = _GRID_POINTS) -> np.ndarray:
    hi_s = max(hi_s, 10 * lo_s)
    return np.concatenate([[0.0], np.geomspace(lo_s, hi_s, points)])


def _invert(cdf: np.ndarray, x: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles from CDF rows (last axis over ``x``); returns shape ``(len(levels), rows)``."""
    cdf = np.atleast_2d(cdf)
    out = np.empty((len(levels), cdf.shape[0]))
    for i, q in enumerate(levels):
        idx = (cdf < q).sum(axis=1)                       # first grid point with cdf >= q
        idx = np.clip(idx, 1, x.size - 1)
        c0 = np.take_along_axis(cdf, (idx - 1)[:, None], 1)[:, 0]
        c1 = np.take_along_axis(cdf, idx[:, None], 1)[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(c1 > c0, (q - c0) / (c1 - c0), 1.0)
        out[i] = x[idx - 1] + np.clip(frac, 0.0, 1.0) * (x[idx] - x[idx - 1])
    return out


def _sum_cdf(a: Duration, b: Duration, x: np.ndarray) -> np.ndarray:
    """CDF of ``A + B`` (independent) on ``x``: ``sum_j dF_B,j F_A(x - b_j)`` over
    ``_QUAD_NODES`` probability cells of B spaced evenly in ``logit(u)`` from 1e-7 to
    1 - 1e-7 (fine in both tails, so the tail of the sum is not cut: the previous 64
    midpoint quantiles stopped at B's 99.2 % quantile), ``F_A`` interpolated on ``x``."""
    if b.kind == "fixed":
        return a.cdf(x - b.mean_s)
    z = np.linspace(-_LOGIT_SPAN, _LOGIT_SPAN, _QUAD_NODES + 1)
    u = 1.0 / (1.0 + np.exp(-z))
    mass = np.diff(u)
    mass[0] += u[0]                       # the far tails go to the end cells
    mass[-1] += 1.0 - u[-1]
    nodes = b.quantile(0.5 * (u[:-1] + u[1:]))
    f_a = a.cdf(x)
    out = np.zeros(x.size)
    for bj, mj in zip(nodes, mass):
        out += mj * np.interp(x - bj, x, f_a, left=0.0)
    return np.clip(out, 0.0, 1.0)


def _hi(d: Duration) -> float:
    return float(d.quantile(0.99999)) if d.kind != "fixed" else d.mean_s


def _group(values: np.ndarray, digits: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Round to ``digits`` significant digits and return (unique values, inverse index)."""
    v = np.asarray(values, dtype=float)
    if v.size and v.min() == v.max():    # common case (e.g. no throttling): one group
        return v[:1].copy(), np.zeros(v.size, dtype=np.int64)
    # below 1e-250 a value counts as 0 (its weight in any mixture is nil)
    v = np.where(np.abs(v) < 1e-250, 0.0, v)
    mag = np.floor(np.log10(np.where(v != 0, np.abs(v), 1.0)))
    scale = 10.0 ** (digits - 1 - mag)
    r = np.round(v * scale) / scale
    return np.unique(r, return_inverse=True)


# ---------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------
def _retry_weights(p_thr: np.ndarray, max_retries: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights of r = 0..max_retries throttled attempts before success (rows) and the
    failure probability, per element of ``p_thr`` (attempts assumed independent)."""
    p = np.asarray(p_thr, dtype=float)
    r = np.arange(max_retries + 1)[:, None]
    w = p[None, :] ** r * (1.0 - p[None, :])
    fail = p ** (max_retries + 1)
    return w, fail


def lambda_latency(
    traffic_rps: npt.ArrayLike,
    step_s: float,
    duration_ms: DurationMs,
    init_duration_ms: DurationMs,
    keep_alive_s: float = 600.0,
    *,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
    overhead_ms: float = 0.0,
    retry_backoff_ms: float = 100.0,
    max_retries: int = 2,
    arrivals: str = "poisson",
    method: str = "auto",
    random_state: Seed = 0,
) -> LatencyResult:
    """Lambda response-time percentiles per step and overall.

    Per step ``k`` a served request's latency is ``overhead + W`` (warm, probability
    ``1 - c_k``) or ``overhead + W + I`` (cold, probability ``c_k``), delayed by
    ``backoff (2^r - 1)`` when its first ``r`` attempts were throttled (probability
    ``t_k^r (1 - t_k)``, ``r <= max_retries``; after that it fails). ``c_k`` and ``t_k``
    come from the fast model; W and I are independent.

    Parameters
    ----------
    traffic_rps : float or array_like
        Mean arrival rate per step [requests/s].
    step_s : float
        Step length [s].
    duration_ms : float, dict or Duration
        Warm execution time: fixed [ms], ``{"mean": ms, "p99": ms}`` (lognormal) or Duration.
    init_duration_ms : float, dict or Duration
        Init time of a cold start (same forms).
    keep_alive_s : float
        Keep-alive after the last request [s].
    concurrency_limit : int
        Function (or account) concurrency limit; above it requests are throttled.
    provisioned_concurrency : int
        Always-warm environments.
    overhead_ms : float
        Fixed extra latency per request (front door, network) [ms].
    retry_backoff_ms : float
        First retry delay of the client after a 429 [ms]; doubles per retry.
    max_retries : int
        Retries before the client gives up.
    arrivals : {"poisson", "counts"}
        Arrival expansion of ``traffic_rps`` (see :func:`costmodel.models.coldstart.simulator.simulate`):
        ``"counts"`` when ``rate x step_s`` is the exact number of requests per step
        (cron schedules, invocation-count traces).
    method : {"auto", "fast", "exact"}
        Cold-start model: the fast model, the exact simulator (seeded with
        ``random_state``), or ``"auto"`` - the simulator where the fast model is outside its
        measured accuracy and the series is small enough
        (:func:`costmodel.models.coldstart.method.cold_start_model`). The result's
        ``cold_start_method`` says which ran.
    random_state : int or numpy.random.Generator, optional
        Seed of the simulator (default 0).

    Returns
    -------
    LatencyResult
    """
    warm = duration_from_ms("duration_ms", duration_ms)
    init = duration_from_ms("init_duration_ms", init_duration_ms)
    check_non_negative("overhead_ms", overhead_ms)
    check_non_negative("retry_backoff_ms", retry_backoff_ms)
    max_retries = check_int("max_retries", max_retries, minimum=0)
    if warm.mean_s <= 0:
        raise InvalidParameterError("duration_ms", warm.mean_s * 1000.0, "a mean execution time > 0 ms")
    fast = cold_start_model(
        traffic_rps, step_s, warm, keep_alive_s, init_duration=init,
        concurrency_limit=concurrency_limit, provisioned_concurrency=provisioned_concurrency,
        arrivals=arrivals, method=method, random_state=random_state,
    )
    res = _lambda_latency_from(fast, step_s, warm, init, overhead_ms=overhead_ms,
                               retry_backoff_ms=retry_backoff_ms, max_retries=max_retries)
    return _checked(res, "lambda_latency", traffic_rps=traffic_rps, step_s=step_s, duration_ms=duration_ms,
                    init_duration_ms=init_duration_ms, keep_alive_s=keep_alive_s,
                    concurrency_limit=concurrency_limit, method=fast.method)


def _lambda_latency_from(fast: FastColdStarts, step_s: float, warm: Duration, init: Duration, *, overhead_ms: float = 0.0,
                         retry_backoff_ms: float = 100.0, max_retries: int = 2) -> LatencyResult:
    """:func:`lambda_latency`'s percentiles from per-step cold starts and throttles."""
    p_thr = fast.throttle_fraction_per_step
    served_share = np.maximum(1.0 - p_thr, 1e-300)
    p_cold = np.clip(fast.cold_start_fraction_per_step / served_share, 0.0, 1.0)

    backoff_s = retry_backoff_ms / 1000.0
    delays = backoff_s * (2.0 ** np.arange(max_retries + 1) - 1.0)
    x = _grid(_hi(warm) + _hi(init) + delays[-1] * (p_thr.max() > 0) + 1e-3)
    f_warm = warm.cdf(x)
    f_cold = _sum_cdf(warm, init, x)
    shifted = [(np.interp(x - d, x, f_warm, left=0.0), np.interp(x - d, x, f_cold, left=0.0)) for d in delays]

    throttled = bool(p_thr.max() > 0) if p_thr.size else False

    def mix(pc: np.ndarray, pt: np.ndarray, weights_req: np.ndarray | None = None,
            wf: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        w, fail = wf if wf is not None else _retry_weights(pt, max_retries)
        ok = np.maximum(1.0 - fail, 1e-300)
        if weights_req is None:        # one CDF row per element
            out = np.zeros((pc.size, x.size))
            for r, (fw, fc) in enumerate(shifted):
                wr = (w[r] / ok)[:, None]
                out += wr * ((1.0 - pc)[:, None] * fw + pc[:, None] * fc)
            return out
        row = np.zeros(x.size)         # request-weighted aggregate row
        for r, (fw, fc) in enumerate(shifted):
            wr = weights_req * w[r] / ok
            row += wr.sum() * fw + (wr * pc).sum() * (fc - fw)
        return row / max(weights_req.sum(), 1e-300)

    # per step: group steps with (nearly) equal mixture weights
    key_c, inv_c = _group(p_cold)
    key_t, inv_t = _group(p_thr)
    pair_codes, inv = np.unique(inv_c.astype(np.int64) * key_t.size + inv_t, return_inverse=True)
    inv = inv.ravel()
    pc_u, pt_u = key_c[pair_codes // key_t.size], key_t[pair_codes % key_t.size]
    uq = np.concatenate(
        [_invert(mix(pc_u[i:i + _BATCH_ROWS], pt_u[i:i + _BATCH_ROWS]), x, PERCENTILES)
         for i in range(0, pc_u.size, _BATCH_ROWS)], axis=1)
    step_q = uq[:, inv] * 1000.0 + overhead_ms

    req = fast.requests
    if throttled:
        w_k, fail_k = _retry_weights(p_thr, max_retries)
        mean_delay_k = (w_k * delays[:, None]).sum(axis=0) / np.maximum(1.0 - fail_k, 1e-300)
    else:  # no throttling anywhere: every request succeeds at the first attempt
        w_k = np.zeros((max_retries + 1, 1))
        w_k[0] = 1.0
        fail_k = np.zeros_like(p_thr)
        mean_delay_k = np.zeros_like(p_thr)
    served_req = req * (1.0 - fail_k)
    total_cdf = mix(p_cold, p_thr, served_req, wf=(np.broadcast_to(w_k, (max_retries + 1, p_thr.size)), fail_k))
    overall = _invert(total_cdf, x, PERCENTILES)[:, 0] * 1000.0 + overhead_ms
    step_mean = (warm.mean_s + p_cold * init.mean_s + mean_delay_k) * 1000.0 + overhead_ms
    tot_served = served_req.sum()
    wavg = (lambda v: float((v * served_req).sum() / tot_served)) if tot_served > 0 else (lambda v: float("nan"))
    return LatencyResult(
        p50_ms=float(overall[0]), p95_ms=float(overall[1]), p99_ms=float(overall[2]), p999_ms=float(overall[3]),
        mean_ms=wavg(step_mean),
        cold_start_fraction=wavg(p_cold),
        throttle_fraction=fast.throttle_fraction,
        failed_fraction=float((req * fail_k).sum() / req.sum()) if req.sum() > 0 else 0.0,
        step_s=float(step_s),
        step_requests=req,
        step_p50_ms=step_q[0], step_p95_ms=step_q[1], step_p99_ms=step_q[2], step_p999_ms=step_q[3],
        step_mean_ms=step_mean,
        step_cold_start_fraction=p_cold,
        step_queue_delay_ms=mean_delay_k * 1000.0,
        cold_start_method=fast.method, cold_start_method_reason=fast.method_reason,
    )


# ---------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------
def _clipped_segment(q0: np.ndarray, net_rps: np.ndarray, step_s: float,
                     cap: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of the fluid queue ``dQ/dt = net`` kept in ``[0, cap]`` from ``Q = q0 <= cap``:
    (end backlog, time-average backlog over the step, volume pushed over the cap) [requests].

    Within a step the path is linear until it hits 0 (net < 0) or the cap (net > 0) and
    flat afterwards, so the time average is exact (area of a trapezoid plus a rectangle).
    """
    d = np.asarray(net_rps, dtype=float)
    raw = q0 + d * step_s
    end = np.clip(raw, 0.0, cap)
    over = np.maximum(raw - cap, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_hit = np.where(d > 0, (cap - q0) / d, np.where(d < 0, q0 / -d, np.inf))
    t_hit = np.minimum(np.where(np.isnan(t_hit), np.inf, t_hit), step_s)
    # linear part: average (q0 + q(t_hit)) / 2 over t_hit; then flat at the bound (cap or 0)
    q_hit = q0 + d * t_hit
    with np.errstate(invalid="ignore"):
        mean = (t_hit * 0.5 * (q0 + q_hit) + (step_s - t_hit) * end) / step_s
    mean = np.where(d == 0, q0, mean)
    return end, mean, over


def _fluid_backlog(arrival_rps: np.ndarray, capacity_rps: np.ndarray, step_s: float,
                   cap_requests: np.ndarray | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backlog of a fluid queue ``dQ/dt = arrival - capacity`` (rates constant within a
    step, ``0 <= Q <= cap``): start, end and time-average backlog per step [requests], and
    the volume that timed out per step [requests] (arrivals that would have found the
    backlog at its cap, plus backlog above the cap when the cap falls at a step start).

    Without a cap, Lindley's recursion ``Q_k = max(0, Q_{k-1} + d_k)`` has the closed form
    ``Q_k = S_k - min(0, min_{j <= k} S_j)`` with ``S = cumsum(d)``: no loop over time.
    With a cap (``capacity x timeout``: requests whose wait would exceed the timeout
    leave), the capped backlog equals the uncapped one until the uncapped one first
    exceeds the cap; from there the busy period is stepped through until the backlog
    empties, then the closed form restarts on the rest of the series. Only busy periods
    that reach the cap are looped over.
    """
    lam = np.asarray(arrival_rps, dtype=float)
    net_rps = lam - capacity_rps
    net = net_rps * step_s
    n = net.size

    def closed_form(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cum = np.cumsum(seg)
        e = np.maximum(cum - np.minimum(np.minimum.accumulate(cum), 0.0), 0.0)  # max(): rounding guard
        return np.concatenate([[0.0], e[:-1]]), e

    start, end = closed_form(net)
    timed_out = np.zeros(n)
    if cap_requests is not None:
        cap = np.broadcast_to(np.asarray(cap_requests, dtype=float), net.shape)
        k = 0
        while k < n:
            over = np.flatnonzero(np.maximum(start[k:], end[k:]) > cap[k:] * (1 + 1e-12))
            if over.size == 0:
                break
            j = k + int(over[0])            # first step whose backlog reaches the cap
            q = start[j]
            while j < n:
                trimmed = max(q - cap[j], 0.0)
                q -= trimmed
                e, _, pushed = _clipped_segment(np.array([q]), net_rps[j:j + 1], step_s, cap[j:j + 1])
                start[j], end[j], timed_out[j] = q, e[0], trimmed + pushed[0]
                q = e[0]
                j += 1
                if q <= 0.0:
                    break
            if j < n:                         # backlog empty: restart the closed form from 0
                start[j:], end[j:] = closed_form(net[j:])
            k = j
        cap_arr = cap
    else:
        cap_arr = np.full(n, np.inf)
    _, mean, _ = _clipped_segment(start, net_rps, step_s, cap_arr)
    return start, end, mean, timed_out


def container_latency(
    traffic_rps: npt.ArrayLike,
    step_s: float,
    duration_ms: DurationMs,
    servers: Any,
    *,
    approximation: str = "mgc",
    overhead_ms: float = 0.0,
    timeout_s: float | None = 60.0,
) -> LatencyResult:
    """Container (Fargate/EC2) response-time percentiles per step and overall.

    Each step is a queue with ``c_k = servers[k]`` request slots (tasks x concurrent
    requests per task) and mean service ``w``. When ``a_k = lambda_k w < c_k``:
    the wait is 0 with probability ``1 - C`` and exponential with rate
    ``theta = (c_k/w - lambda_k) * 2/(1 + cv^2)`` otherwise (M/M/c via Erlang C ``C(c, a)``;
    ``"mgc"`` applies the Allen-Cunneen factor ``(1 + cv^2)/2`` of the service time's squared
    coefficient of variation, ``"mmc"`` does not). When demand exceeds capacity a fluid
    backlog ``dQ/dt = lambda - c/w`` builds up and drains FIFO; a request arriving with
    backlog ``Q`` waits ``Q w / c`` (the step's time-average backlog is used) on top of
    service.

    Request timeout (front door: ALB idle timeout, 60 s by default; API Gateway's
    integration timeout, 29 s by default): a request whose wait would exceed ``timeout_s``
    leaves the queue (reneging), so the backlog is capped at ``timeout_s x c/w`` requests
    and arrivals beyond it time out. A served request whose response (overhead + wait +
    service) would come after ``timeout_s`` also counts as timed out. Timed-out requests
    count as taking ``timeout_s`` in every percentile and mean: a p99 equal to the timeout
    means more than 1 % of the requests failed (see ``timeout_fraction``).

    Parameters
    ----------
    traffic_rps : float or array_like
        Mean arrival rate per step [requests/s].
    step_s : float
        Step length [s].
    duration_ms : float, dict or Duration
        Service time per request (fixed [ms], ``{"mean", "p99"}`` lognormal, or Duration).
    servers : int or array_like
        Ready request slots per step (e.g. ready tasks x concurrency per task); scalar or
        one value per step.
    approximation : {"mgc", "mmc"}
    overhead_ms : float
        Fixed extra latency (load balancer, network) [ms]; below ``timeout_s``.
    timeout_s : float or None
        Request timeout [s] (default 60 s, the ALB idle timeout default; 29 s for API
        Gateway's default integration timeout). ``None``: nobody gives up (an unbounded
        FIFO backlog, e.g. a queue-fed worker).

    Returns
    -------
    LatencyResult
        With ``timeout_fraction`` / ``step_timeout_fraction`` (share of requests timed out)
        and ``timeout_s``.
    """
    svc = duration_from_ms("duration_ms", duration_ms)
    if svc.mean_s <= 0:
        raise InvalidParameterError("duration_ms", svc.mean_s * 1000, "a mean service time > 0 ms")
    if approximation not in ("mgc", "mmc"):
        raise InvalidParameterError("approximation", approximation, "'mgc' or 'mmc'")
    check_non_negative("overhead_ms", overhead_ms)
    check_positive("step_s", step_s)
    if timeout_s is not None:
        check_positive("timeout_s", timeout_s)
        if overhead_ms >= float(timeout_s) * 1000.0:
            raise InvalidParameterError("overhead_ms", overhead_ms,
                                        f"below timeout_s x 1000 = {float(timeout_s) * 1000.0:g} ms")
    lam = np.atleast_1d(as_float_array("traffic_rps", traffic_rps)).astype(float).ravel()
    check_non_negative("traffic_rps", lam)
    c = np.broadcast_to(np.atleast_1d(as_float_array("servers", servers)), lam.shape).astype(float)
    check_non_negative("servers", c)
    if np.any(c != np.round(c)):
        raise InvalidParameterError("servers", servers, "whole numbers of request slots")
    w = svc.mean_s
    cv2 = _scv(svc) if approximation == "mgc" else 1.0
    cap_rps = c / w
    req = lam * float(step_s)
    _, _, backlog, timed_out = _fluid_backlog(
        lam, cap_rps, float(step_s), None if timeout_s is None else cap_rps * float(timeout_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        # reneged share of the step's arrivals (capped at 1: backlog trimmed when capacity falls)
        reneged = np.where(req > 0, np.minimum(timed_out / req, 1.0), 0.0)
        backlog_delay = np.where(backlog > 0, np.where(cap_rps > 0, backlog / cap_rps, np.inf), 0.0)
    load = lam * w
    stable = ((load < c) | (load == 0)) & (backlog_delay == 0) & (reneged == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_wait = np.where(stable, erlang_c_array(np.maximum(c, 1), np.where(stable, load, 0.0)), 1.0)
        p_wait = np.where(load == 0, 0.0, np.where(stable & (c >= 1), p_wait, 1.0))
        theta = np.where(stable, (cap_rps - lam) * 2.0 / (1.0 + cv2), np.inf)
    # queueing part only where stable; overloaded steps: deterministic backlog delay
    p_wait = np.where(stable, p_wait, 0.0)
    delay = np.where(stable, 0.0, backlog_delay)

    hi = _hi(svc) + float(np.max(np.where(np.isfinite(delay), delay, 0.0)))
    with np.errstate(divide="ignore"):
        tail = np.where(stable & (p_wait > 0), -np.log(1e-6) / np.maximum(theta, 1e-300), 0.0)
    # the client's deadline on the overhead-free latency axis: T' = timeout - overhead
    t_cut = np.inf if timeout_s is None else float(timeout_s) - overhead_ms / 1000.0
    # a stable queue's latency beyond its grid top (service p99.999 + 1e-6 wait tail) is
    # neglected, so a timeout beyond it changes nothing
    reach = t_cut < hi + float(tail.max()) + 1e-3
    if reneged.max(initial=0.0) > 0:
        hi = max(hi, 1.001 * t_cut)      # the grid must reach the timed-out requests' mass
    x = _grid(hi + float(tail.max()) + 1e-3, points=_GRID_POINTS // 2)
    if t_cut < x[-1]:
        x = np.union1d(x, [t_cut * (1.0 - 1e-9), t_cut])
    below = x < t_cut
    m = int(np.count_nonzero(below)) - 1          # last grid point before the deadline
    f_svc = svc.cdf(x)
    def cdf_rows(pw: npt.ArrayLike, th: npt.ArrayLike, dl: npt.ArrayLike) -> np.ndarray:
        """CDF of overhead-free latency for arrays of (P(wait), theta, fixed delay)."""
        pw, th, dl = (np.asarray(v, dtype=float) for v in (pw, th, dl))
        base = np.interp(x[None, :] - dl[:, None], x, f_svc, left=0.0)
        out = (1.0 - pw)[:, None] * base
        # P(S + E <= x), E ~ Exp(theta): exact (closed form or the convolution recursion of
        # costmodel.models.queueing.wait_plus_service_cdf); waiting rows have no fixed delay
        waits = pw > 0
        if waits.any():
            out[waits] += pw[waits, None] * wait_plus_service_cdf(svc, x, th[waits])
        return out

    # E[(S - a)^+] = E[S] - int_0^a (1 - F_S) ds; 0 beyond the service's 0.99999 quantile
    int_surv = np.concatenate([[0.0], np.cumsum(0.5 * ((1 - f_svc[1:]) + (1 - f_svc[:-1])) * np.diff(x))])

    def svc_excess(a_in: npt.ArrayLike) -> np.ndarray:
        a = np.asarray(a_in, dtype=float)
        inside = np.where(a < 0, w - a, np.maximum(w - np.interp(np.maximum(a, 0.0), x, int_surv), 0.0))
        return np.where(a >= _hi(svc), 0.0, inside)

    # steps are grouped by (P(wait), theta, backlog delay, reneged share) rounded to 2
    # significant digits
    kp, ip = _group(p_wait, 2)
    kt, it = _group(np.where(np.isfinite(theta), theta, 0.0), 2)
    kd, idl = _group(np.where(np.isfinite(delay), delay, 1e9), 2)
    kr, ir = _group(reneged, 2)
    combos, inv = np.unique(np.stack([ip, it, idl, ir], axis=1).astype(np.int64), axis=0, return_inverse=True)
    inv = inv.ravel()
    weight = np.bincount(inv, weights=req, minlength=combos.shape[0])
    total = np.zeros(x.size)
    uq, f_cut, excess = [], [], []
    for i in range(0, combos.shape[0], _BATCH_ROWS):
        cb = combos[i:i + _BATCH_ROWS]
        served = cdf_rows(kp[cb[:, 0]], kt[cb[:, 1]], kd[cb[:, 2]])
        r = kr[cb[:, 3]][:, None]
        # timed-out requests (reneged, or answered after the deadline) all sit at T'
        rows = np.where(below[None, :], (1.0 - r) * served, 1.0)
        pw, dl = kp[cb[:, 0]], kd[cb[:, 2]]
        # served requests answered after T': P(L' > T') and E[(L' - T')^+]; a fixed delay
        # (overloaded steps) uses the service distribution itself, S > T' - delay
        a = t_cut - dl
        f_fixed = np.where(a >= _hi(svc), 1.0, svc.cdf(np.maximum(a, 0.0)) * (a >= 0))
        f_cut.append(np.where(pw > 0, served[:, m] if reach else 1.0, f_fixed))
        tail_num = (np.trapezoid(1.0 - served[:, m + 1:], x[m + 1:], axis=1) if reach and m + 2 < x.size
                    else np.zeros(cb.shape[0]))
        excess.append(np.where(pw > 0, tail_num, svc_excess(a)))
        uq.append(_invert(rows, x, PERCENTILES))
        total += weight[i:i + _BATCH_ROWS] @ rows
    total /= max(req.sum(), 1e-300)
    cap_ms = np.inf if timeout_s is None else float(timeout_s) * 1000.0
    step_q = np.minimum(np.concatenate(uq, axis=1)[:, inv] * 1000.0 + overhead_ms, cap_ms)
    overall = np.minimum(_invert(total, x, PERCENTILES)[:, 0] * 1000.0 + overhead_ms, cap_ms)
    late = 1.0 - np.concatenate(f_cut)[inv]
    step_timeout = reneged + (1.0 - reneged) * np.clip(late, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_wait = np.where(stable, np.where(p_wait > 0, p_wait / theta, 0.0), delay)
    # mean with timed-out requests at the timeout: E[min(L, T)] = E[L] - E[(L - T)^+]
    served_mean = (w + mean_wait - np.concatenate(excess)[inv]) * 1000.0 + overhead_ms
    step_mean = served_mean if timeout_s is None else (1.0 - reneged) * served_mean + reneged * cap_ms
    tot = req.sum()
    return _checked(LatencyResult(
        p50_ms=float(overall[0]), p95_ms=float(overall[1]), p99_ms=float(overall[2]), p999_ms=float(overall[3]),
        mean_ms=float((step_mean * req).sum() / tot) if tot > 0 else float("nan"),
        cold_start_fraction=0.0, throttle_fraction=0.0, failed_fraction=0.0,
        step_s=float(step_s), step_requests=req,
        step_p50_ms=step_q[0], step_p95_ms=step_q[1], step_p99_ms=step_q[2], step_p999_ms=step_q[3],
        step_mean_ms=step_mean, step_cold_start_fraction=np.zeros_like(req),
        step_queue_delay_ms=mean_wait * 1000.0,
        timeout_fraction=float((step_timeout * req).sum() / tot) if tot > 0 else 0.0,
        step_timeout_fraction=step_timeout,
        timeout_s=None if timeout_s is None else float(timeout_s),
    ), "container_latency", allow_inf=timeout_s is None, traffic_rps=traffic_rps, step_s=step_s,
        duration_ms=duration_ms, servers=servers, timeout_s=timeout_s)


def _scv(d: Duration) -> float:
    """Squared coefficient of variation of a duration distribution."""
    return d.scv()


# ---------------------------------------------------------------------------------
# Synchronous chains
# ---------------------------------------------------------------------------------
def chain_latency(
    depth: int,
    traffic_rps: npt.ArrayLike,
    step_s: float,
    duration_ms: DurationMs,
    init_duration_ms: DurationMs,
    keep_alive_s: float = 600.0,
    *,
    concurrency_limit: int = 1000,
    overhead_ms: float = 0.0,
    samples: int = 400_000,
    random_state: Seed = None,
    arrivals: str = "poisson",
    method: str = "auto",
) -> LatencyResult:
    """End-to-end percentiles of a synchronous chain A -> B -> ... of ``depth`` functions.

    Every request calls every hop once, so **the hops share arrivals**: hop ``i + 1`` sees
    hop ``i``'s requests a moment later, and after an idle gap longer than the keep-alive
    every hop is cold for the same request. Hop ``i`` stays busy while it waits for the
    hops after it (its holding time is its own duration plus the downstream response).
    End-to-end latency = sum over hops of (overhead + W_i + I_i 1{cold_i}).

    * ``method="exact"``: :func:`costmodel.models.chains.simulate_chain` - every request through
      every hop (one event loop, per-function pools; seeded).
    * ``method="fast"``: each hop's P(cold) per step from the fast model (holding time =
      own + downstream mean), split into the cold starts of an empty pool (the first
      on-demand environment: an idle gap longer than the keep-alive) and those of a pool
      that had to grow. The idle gaps are the same for every hop, so those cold starts
      are drawn with one uniform per request shared by the hops (hop ``i`` is cold when
      ``U < P_gap,i``); the growth ones independently. ``samples`` requests are drawn
      over the steps in proportion to their traffic (seeded). Exact in the limit of low
      rates (every cold start an idle gap); compared with the exact simulation at low and
      high rates in ``tests/unit/test_chains.py`` and ``docs/coldstart-model.md``.
    * ``method="auto"`` (default): exact when there is an init time and the chain has at
      most ``EXACT_MAX_REQUESTS / 2`` hop-requests (about 7 s), else fast.

    Parameters
    ----------
    depth : int
        Number of functions in the chain, 1 to 5.
    traffic_rps, step_s, keep_alive_s, concurrency_limit :
        As in :func:`lambda_latency` (the same traffic reaches every hop).
    duration_ms, init_duration_ms : number, dict, Duration, or a sequence of those
        Per-hop own execution and init time (one value for all hops, or ``depth`` values).
    overhead_ms : float
        Per-hop invocation overhead [ms].
    samples : int
        Monte Carlo requests of the fast method.
    random_state : int or numpy.random.Generator, optional
    arrivals : {"poisson", "counts"}
        Arrival expansion of ``traffic_rps`` (see :func:`costmodel.models.coldstart.simulator.simulate`):
        ``"counts"`` when ``rate x step_s`` is the exact number of requests per step
        (cron schedules, invocation-count traces).
    method : {"auto", "fast", "exact"}

    Returns
    -------
    LatencyResult
        Overall figures; ``cold_start_fraction`` is P(at least one hop cold); the
        per-step arrays hold only requests and that fraction (percentile arrays empty);
        ``cold_start_method`` says which method ran.
    """
    depth = check_int("depth", depth, minimum=1)
    check_range("depth", depth, 1, 5)
    samples = check_int("samples", samples, minimum=1000)
    check_non_negative("overhead_ms", overhead_ms)
    check_arrivals(arrivals)
    method = check_method(method)

    def per_hop(name: str, value: Any) -> list[Duration]:
        vals = list(value) if isinstance(value, (list, tuple)) else [value] * depth
        if len(vals) != depth:
            raise InvalidParameterError(name, value, f"one value or {depth} values (one per hop)")
        return [duration_from_ms(name, v) for v in vals]

    own = per_hop("duration_ms", duration_ms)
    init = per_hop("init_duration_ms", init_duration_ms)
    rates = np.atleast_1d(as_float_array("traffic_rps", traffic_rps)).astype(float).ravel()
    check_non_negative("traffic_rps", rates)
    check_positive("step_s", step_s)
    req = rates * float(step_s)
    total = req.sum()
    if total <= 0:
        raise InvalidParameterError("traffic_rps", traffic_rps, "some traffic (all rates are 0)")
    has_init = any(d.mean_s > 0 for d in init)
    budget = EXACT_MAX_REQUESTS / 2
    if method == "exact" or (method == "auto" and has_init and total * depth <= budget):
        reason = ("method='exact' requested" if method == "exact" else
                  f"chain of {total * depth:,.0f} hop-requests <= {budget:,.0f}: exact chain simulation")
        return _chain_exact(depth, rates, float(step_s), own, init, keep_alive_s, concurrency_limit,
                            overhead_ms, random_state, arrivals, reason)
    reason = ("method='fast' requested" if method == "fast" else
              ("no init time: cold starts cost nothing" if not has_init else
               f"chain of {total * depth:,.0f} hop-requests > {budget:,.0f}: fast model, hops coupled"))
    # holding time of hop i = own_i + sum_{j > i} (own_j + overhead); cold extra ignored
    hold = [sum(d.mean_s for d in own[i:]) + overhead_ms / 1000.0 * (depth - 1 - i) for i in range(depth)]
    p_cold, p_gap = [], []
    for i in range(depth):
        fast = fast_cold_starts(rates, step_s, max(hold[i], 1e-9), keep_alive_s,
                                init_mean_s=init[i].mean_s, concurrency_limit=concurrency_limit,
                                arrivals=arrivals)
        pc_i = np.clip(fast.cold_start_fraction_per_step, 0.0, 1.0)
        # idle-gap cold starts (no environment alive) are shared by the hops; counts
        # arrivals: every cold start of a one-at-a-time rotation is an idle gap
        gap = fast.empty_pool_fraction_per_step if fast.empty_pool_fraction_per_step is not None else pc_i
        p_cold.append(pc_i)
        p_gap.append(np.minimum(np.clip(gap, 0.0, 1.0), pc_i))
    rng = np.random.default_rng(random_state) if not isinstance(random_state, np.random.Generator) else random_state
    step_idx = rng.choice(req.size, size=samples, p=req / total)
    lat = np.full(samples, overhead_ms / 1000.0 * depth)
    u = rng.random(samples)                     # shared by the hops: the idle gap
    for i in range(depth):
        g = p_gap[i][step_idx]
        rest = np.divide(p_cold[i][step_idx] - g, 1.0 - g, out=np.zeros(samples), where=g < 1.0)
        cold = (u < g) | (rng.random(samples) < rest)
        lat += own[i].sample(samples, rng)
        lat[cold] += init[i].sample(int(cold.sum()), rng)
    qs = np.quantile(lat, PERCENTILES) * 1000.0
    # P(no hop cold) = P(U above every idle-gap share) x prod_i P(no other cold start at i)
    rest_all = [np.divide(pc_i - g, 1.0 - g, out=np.zeros(req.size), where=g < 1.0) for pc_i, g in zip(p_cold, p_gap)]
    step_any = 1.0 - (1.0 - np.max(p_gap, axis=0)) * np.prod([1.0 - r for r in rest_all], axis=0)
    empty = np.empty(0)
    return _checked(LatencyResult(
        p50_ms=float(qs[0]), p95_ms=float(qs[1]), p99_ms=float(qs[2]), p999_ms=float(qs[3]),
        mean_ms=float(lat.mean() * 1000.0),
        cold_start_fraction=float((step_any * req).sum() / total),
        throttle_fraction=0.0, failed_fraction=0.0, step_s=float(step_s), step_requests=req,
        step_p50_ms=empty, step_p95_ms=empty, step_p99_ms=empty, step_p999_ms=empty, step_mean_ms=empty,
        step_cold_start_fraction=step_any, step_queue_delay_ms=empty,
        cold_start_method="fast", cold_start_method_reason=reason,
    ), "chain_latency", depth=depth, traffic_rps=rates, step_s=step_s, duration_ms=duration_ms,
        init_duration_ms=init_duration_ms, keep_alive_s=keep_alive_s)


def _chain_exact(depth: int, rates: np.ndarray, step_s: float, own: list[Duration], init: list[Duration],
                 keep_alive_s: float, cap: int, overhead_ms: float, random_state: Seed, arrivals: str,
                 reason: str) -> LatencyResult:
    """:func:`chain_latency` from :func:`costmodel.models.chains.simulate_chain`."""
    sim = simulate_chain(depth, rates, step_s, work=own, init=init, keep_alive_s=keep_alive_s,
                         overhead_s=overhead_ms / 1000.0, concurrency_limit=cap, arrivals=arrivals,
                         random_state=random_state)
    req = rates * step_s
    lat = sim.served_latency_s
    qs = np.quantile(lat, PERCENTILES) * 1000.0 if lat.size else np.full(len(PERCENTILES), np.nan)
    n = rates.size
    k = np.minimum((sim.arrival_s // step_s).astype(np.int64), n - 1)
    cnt = np.bincount(k, minlength=n).astype(float)
    anyc = np.bincount(k, weights=sim.cold.any(axis=1).astype(float), minlength=n)
    step_any = np.divide(anyc, cnt, out=np.zeros(n), where=cnt > 0)
    empty = np.empty(0)
    thr = float(sim.throttled.mean()) if sim.requests else 0.0
    return LatencyResult(
        p50_ms=float(qs[0]), p95_ms=float(qs[1]), p99_ms=float(qs[2]), p999_ms=float(qs[3]),
        mean_ms=float(lat.mean() * 1000.0) if lat.size else float("nan"),
        cold_start_fraction=sim.any_cold_fraction,
        throttle_fraction=thr, failed_fraction=thr, step_s=float(step_s), step_requests=req,
        step_p50_ms=empty, step_p95_ms=empty, step_p99_ms=empty, step_p999_ms=empty, step_mean_ms=empty,
        step_cold_start_fraction=step_any, step_queue_delay_ms=empty,
        cold_start_method="exact", cold_start_method_reason=reason,
    )


# ---------------------------------------------------------------------------------
# Cost feedback
# ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ColdStartCost:
    """Cold-start side of a Lambda month.

    Attributes
    ----------
    bill : costmodel.models.bills.Bill
        From :func:`costmodel.models.bills.lambda_bill` with the modelled cold starts' INIT billed.
    cold_starts : float
        Expected cold starts over the series.
    cold_start_fraction : float
    init_gb_s : float
        Billed INIT compute [GB-s].
    idle_instance_s : float
        Time environments sat idle waiting for requests [instance-s] (not billed on
        Lambda on demand; the memory AWS keeps warm for you).
    idle_gb_s : float
        ``idle_instance_s x memory`` [GB-s].
    mean_instances : float
        Time-averaged environments alive.
    method : str
        ``"fast"`` or ``"exact"``: the cold-start model used.
    """

    bill: Any
    cold_starts: float
    cold_start_fraction: float
    init_gb_s: float
    idle_instance_s: float
    idle_gb_s: float
    mean_instances: float
    method: str = "fast"

    @property
    def total_usd(self) -> float:
        return self.bill.total_usd


def lambda_cold_start_bill(
    traffic_rps: npt.ArrayLike,
    step_s: float,
    duration_ms: DurationMs,
    memory_mb: float,
    init_duration_ms: DurationMs,
    keep_alive_s: float = 600.0,
    *,
    architecture: str = "x86_64",
    concurrency_limit: int = 1000,
    free_tier: bool = True,
    prices: Prices | None = None,
    arrivals: str = "poisson",
    method: str = "auto",
    random_state: Seed = 0,
) -> ColdStartCost:
    """Lambda bill including INIT billing for the modelled cold starts.

    Calls :func:`costmodel.models.bills.lambda_bill` with ``cold_starts`` from the cold-start
    model (``method``, as in :func:`lambda_latency`) and the mean init duration (billed
    since 1 Aug 2025 for on-demand ZIP functions).

    Parameters
    ----------
    traffic_rps : float or array_like
        Mean arrival rate per step [requests/s].
    step_s : float
        Step length [s].
    duration_ms : number, dict or Duration
        Execution time; its mean is billed (rounded up to 1 ms by the bill).
    memory_mb : float
        Configured memory [MB].
    init_duration_ms : number, dict or Duration
        Init time per cold start; its mean is billed.
    keep_alive_s : float
        Keep-alive [s].
    architecture : {"x86_64", "arm64"}
    concurrency_limit : int
    free_tier : bool
    prices : costmodel.models.pricing.Prices, optional
    arrivals : {"poisson", "counts"}
        Arrival expansion of ``traffic_rps`` (see :func:`costmodel.models.coldstart.simulator.simulate`):
        ``"counts"`` when ``rate x step_s`` is the exact number of requests per step
        (cron schedules, invocation-count traces).
    method : {"auto", "fast", "exact"}
    random_state : int or numpy.random.Generator, optional
        As in :func:`lambda_latency`.

    Returns
    -------
    ColdStartCost
    """

    warm = duration_from_ms("duration_ms", duration_ms)
    init = duration_from_ms("init_duration_ms", init_duration_ms)
    fast = cold_start_model(traffic_rps, step_s, warm, keep_alive_s, init_duration=init,
                            concurrency_limit=concurrency_limit, arrivals=arrivals, method=method,
                            random_state=random_state)
    served = float((fast.requests - fast.throttles).sum())
    cold = fast.total_cold_starts
    bill = lambda_bill(served, warm.mean_s * 1000.0, memory_mb, architecture, free_tier=free_tier,
                       cold_starts=cold, init_duration_ms=init.mean_s * 1000.0, prices=prices)
    return ColdStartCost(
        bill=bill,
        cold_starts=cold,
        cold_start_fraction=fast.cold_start_fraction,
        init_gb_s=float(lambda_gb_s(cold, init.mean_s * 1000.0, memory_mb)),
        idle_instance_s=fast.idle_instance_s,
        idle_gb_s=fast.idle_instance_s * float(memory_mb) / 1024.0,
        mean_instances=fast.mean_instances,
        method=fast.method,
    )


def provisioned_concurrency_tradeoff(
    traffic_rps: npt.ArrayLike,
    step_s: float,
    duration_ms: DurationMs,
    memory_mb: float,
    init_duration_ms: DurationMs,
    pc_counts: Sequence[int] | None = None,
    keep_alive_s: float = 600.0,
    *,
    architecture: str = "x86_64",
    concurrency_limit: int = 1000,
    free_tier: bool = True,
    overhead_ms: float = 0.0,
    prices: Prices | None = None,
    arrivals: str = "poisson",
    method: str = "auto",
    random_state: Seed = 0,
) -> pd.DataFrame:
    """Provisioned-concurrency trade-off curve: PC count -> cost and latency.

    For each count ``p`` PC is on for the whole series; requests reach PC when one of
    the ``p`` environments is free (probability ``1 - B(p, a_k)`` per step, Erlang-B),
    the rest run on demand with cold starts from the fast model. Cost comes from
    :func:`costmodel.models.bills.lambda_bill` (configured PC GB-s, PC duration, on-demand
    duration, INIT of the on-demand cold starts); latency from :func:`lambda_latency`.
    Pass one month of traffic for a monthly cost.

    Parameters
    ----------
    traffic_rps, step_s, duration_ms, memory_mb, init_duration_ms, keep_alive_s :
        As in :func:`lambda_cold_start_bill`.
    pc_counts : sequence of int, optional
        PC counts to evaluate (default: 0 up to about the p99.9 of busy concurrency).
    architecture, concurrency_limit, free_tier, overhead_ms, prices :
        Passed on.
    arrivals : {"poisson", "counts"}
        Arrival expansion of ``traffic_rps`` (see :func:`costmodel.models.coldstart.simulator.simulate`):
        ``"counts"`` when ``rate x step_s`` is the exact number of requests per step
        (cron schedules, invocation-count traces).
        With ``"counts"`` the PC share of a step is ``min(1, p / c_k)`` (the ``c_k``
        instances of the evenly spaced rotation, :func:`costmodel.models.coldstart.fast.counts_concurrency`)
        instead of Erlang-B.
    method : {"auto", "fast", "exact"}
        Cold-start model per PC count (as in :func:`lambda_latency`); ``"auto"`` shares the
        simulation budget among the counts.
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``provisioned_concurrency``, ``monthly_usd``, ``p50_ms``, ``p99_ms``,
        ``p999_ms``, ``cold_start_fraction``, ``cold_starts``, ``pc_request_fraction``,
        ``cold_start_method``.
    """

    check_arrivals(arrivals)
    warm = duration_from_ms("duration_ms", duration_ms)
    init = duration_from_ms("init_duration_ms", init_duration_ms)
    rates = np.atleast_1d(as_float_array("traffic_rps", traffic_rps)).astype(float).ravel()
    check_non_negative("traffic_rps", rates)
    check_positive("step_s", step_s)
    load = rates * warm.mean_s
    if pc_counts is None:
        top = int(np.ceil(load.max() + 3.1 * math.sqrt(load.max()) + 1)) if load.size else 1
        pc_counts = sorted(set(np.unique(np.linspace(0, top, min(top + 1, 12)).round().astype(int)).tolist()))
    horizon_s = rates.size * float(step_s)
    req = rates * float(step_s)
    rows = []
    budget = EXACT_MAX_REQUESTS / max(len(pc_counts), 1)
    for p in pc_counts:
        p = check_int("pc_counts", p, minimum=0)
        if p > concurrency_limit:
            raise InvalidParameterError("pc_counts", p, f"at most concurrency_limit={concurrency_limit}")
        fast = cold_start_model(rates, step_s, warm, keep_alive_s, init_duration=init,
                                concurrency_limit=concurrency_limit, provisioned_concurrency=p,
                                arrivals=arrivals, method=method, random_state=random_state,
                                max_exact_requests=budget)
        if p == 0:
            pc_share = np.zeros_like(load)
        elif arrivals == "counts":
            pc_share = np.minimum(1.0, p / np.maximum(counts_concurrency(np.rint(req), step_s, warm.mean_s), 1.0))
        else:
            pc_share = 1.0 - np.asarray(erlang_b(p, load))
        pc_req = float((req * pc_share).sum())
        od_req = float((req - fast.throttles).sum()) - pc_req
        windows = (ProvisionedWindow(concurrency=p, enabled_s=horizon_s, requests=pc_req,
                                     duration_ms=warm.mean_s * 1000.0),) if p > 0 else ()
        bill = lambda_bill(max(od_req, 0.0), warm.mean_s * 1000.0, memory_mb, architecture, free_tier=free_tier,
                           provisioned=windows, cold_starts=fast.total_cold_starts,
                           init_duration_ms=init.mean_s * 1000.0, prices=prices)
        lat = _lambda_latency_from(fast, step_s, warm, init, overhead_ms=overhead_ms)
        rows.append({
            "provisioned_concurrency": p, "monthly_usd": bill.total_usd, "p50_ms": lat.p50_ms,
            "p99_ms": lat.p99_ms, "p999_ms": lat.p999_ms, "cold_start_fraction": fast.cold_start_fraction,
            "cold_starts": fast.total_cold_starts,
            "pc_request_fraction": pc_req / req.sum() if req.sum() > 0 else 0.0,
            "cold_start_method": fast.method,
        })
    return pd.DataFrame(rows)

"""Container capacity and target-tracking autoscaling, over time.

One *unit* is a Fargate task or an EC2 instance. A unit serves ``capacity_rps`` requests
per second at 100 % CPU (:func:`task_capacity_rps`). A target-tracking policy keeps the
fleet's average CPU utilisation near ``target_utilisation``.

Time model (documented choice, see docs/traffic-and-comparison.md):

* The controller runs **once per metric period** ``P`` (CloudWatch's 1-minute ECS metrics by
  default), not every step: at epoch ``t_k = k P`` it reads the datapoint of the period that
  ended ``evaluation_delay_s`` (rounded up to whole periods) before ``t_k``. With 1-s steps
  over 30 days this is 43,200 decisions instead of 2,592,000, which is what makes the
  month-long 1-s comparison fast; demand and capacity are still compared at every step.
* Datapoint (CPU metric): the CPU used in the period, ``min(mean demand, ready x capacity)``,
  in units; desired units = ``ceil(used / target)`` (AWS's ``ceil(current x metric /
  target)``). The request-count metric (ALBRequestCountPerTarget) is not capped by
  capacity: desired = ``ceil(mean demand / (capacity x target))``.
* Scale-out launches the difference at ``t_k``; new units are billed at once and serve
  requests ``start_s`` later (task start or instance boot, rounded up to a whole step).
  Scale-in stops ready units at ``t_k`` (units still starting finish starting).
  Cooldowns block further scale-out (scale-in) for ``scale_out_cooldown_s``
  (``scale_in_cooldown_s``) after the last one. Units stay within ``[min_units, max_units]``.
* At ``t = 0`` the fleet is warm at ``ceil(demand[0] / (capacity x target))`` (clipped).
* Overload: a step whose demand exceeds the ready capacity; the excess is unserved.

:func:`simulate_scaling` runs one scenario (a Python loop over epochs with scalars, the
per-step arrays built with numpy); :func:`simulate_scaling_batch` runs many scenarios at
once with the same rules, vectorised across scenarios (the loop is over time), keeping only
monthly aggregates, for sweeps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import check_choice, check_int, check_non_negative, check_positive, check_range
from .errors import InvalidParameterError
from .traffic import check_rate

__all__ = [
    "ScalingPolicy",
    "ScalingResult",
    "BatchScalingResult",
    "task_capacity_rps",
    "simulate_scaling",
    "simulate_scaling_batch",
]

_EPS = 1e-9
_REL = 1e-9  # desired = ceil(x * (1 - 1e-9)): exact multiples of capacity do not round up


def task_capacity_rps(cpu_ms_per_request: Any, vcpu: Any, utilisation: Any = 1.0) -> Any:
    """Requests per second one task serves at a given CPU utilisation.

    ``capacity = vcpu * 1000 / cpu_ms_per_request * utilisation``.

    Parameters
    ----------
    cpu_ms_per_request : float or array
        CPU time per request [ms of one vCPU].
    vcpu : float or array
        vCPUs of the task (or of the tasks packed on an instance) [vCPU].
    utilisation : float or array
        CPU utilisation at which capacity is counted [-] (1.0 = flat out).

    Returns
    -------
    float or numpy.ndarray
        Capacity [req/s].
    """
    check_positive("cpu_ms_per_request", cpu_ms_per_request)
    check_positive("vcpu", vcpu)
    check_range("utilisation", utilisation, 1e-6, 1.0)
    out = np.asarray(vcpu, dtype=float) * 1000.0 / np.asarray(cpu_ms_per_request, dtype=float) \
        * np.asarray(utilisation, dtype=float)
    return out if out.ndim else float(out)


@dataclass(frozen=True)
class ScalingPolicy:
    """A target-tracking policy and the unit it scales.

    Attributes
    ----------
    capacity_rps : float
        Requests per second one unit serves at 100 % CPU [req/s].
    target_utilisation : float
        Target average CPU utilisation [-], (0, 1].
    min_units, max_units : int
        Bounds on the number of units.
    scale_out_cooldown_s, scale_in_cooldown_s : float
        Cooldowns after a scale-out / scale-in [s].
    metric_period_s : float
        Period of the metric and of the controller [s] (60 = CloudWatch 1-minute metrics).
    evaluation_delay_s : float
        Extra delay between the end of a metric period and the decision using it [s]
        (rounded up to whole periods; 0 = the decision uses the period just ended).
    start_s : float
        Time from launch to serving (task start / instance boot) [s]; billed.
    metric : {"cpu", "request_count"}
        ECSServiceAverageCPUUtilization-like (capped at 100 %) or ALBRequestCountPerTarget-like.
    """

    capacity_rps: float
    target_utilisation: float = 0.6
    min_units: int = 1
    max_units: int = 100
    scale_out_cooldown_s: float = 60.0
    scale_in_cooldown_s: float = 300.0
    metric_period_s: float = 60.0
    evaluation_delay_s: float = 0.0
    start_s: float = 60.0
    metric: str = "cpu"

    def __post_init__(self) -> None:
        check_positive("capacity_rps", self.capacity_rps)
        check_range("target_utilisation", self.target_utilisation, 1e-6, 1.0)
        check_int("min_units", self.min_units, 0)
        check_int("max_units", self.max_units, max(1, int(self.min_units)))
        check_non_negative("scale_out_cooldown_s", self.scale_out_cooldown_s)
        check_non_negative("scale_in_cooldown_s", self.scale_in_cooldown_s)
        check_range("metric_period_s", self.metric_period_s, 1.0, 3600.0, "s")
        check_non_negative("evaluation_delay_s", self.evaluation_delay_s)
        check_non_negative("start_s", self.start_s)
        check_choice("metric", self.metric, ("cpu", "request_count"))


@dataclass(frozen=True)
class ScalingResult:
    """One scenario's fleet over time (arrays have one value per step).

    Attributes
    ----------
    demand_rps : numpy.ndarray
        Demand [req/s].
    billed_units : numpy.ndarray
        Units running or starting (billed) [units].
    ready_units : numpy.ndarray
        Units serving [units].
    capacity_rps : numpy.ndarray
        Ready capacity at 100 % CPU [req/s].
    step_s : float
        Step [s].
    unit_seconds : float
        Billed unit-time over the horizon [unit-s].
    overload_steps : int
        Steps with demand above ready capacity.
    overload_minutes : float
        ``overload_steps * step_s / 60`` [min].
    unserved_requests : float
        Requests above capacity in overloaded steps.
    utilisation : float
        Served CPU work / billed CPU capacity [-].
    peak_units : int
        Most units billed at once.
    """

    demand_rps: np.ndarray
    billed_units: np.ndarray
    ready_units: np.ndarray
    capacity_rps: np.ndarray
    step_s: float
    unit_seconds: float
    overload_steps: int
    overload_minutes: float
    unserved_requests: float
    utilisation: float
    peak_units: int

    @property
    def unit_hours(self) -> float:
        """Billed unit-hours [unit-h]."""
        return self.unit_seconds / 3600.0


def _periods(step_s: float, metric_period_s: float) -> int:
    """Steps per controller epoch: max(1, P / step), P a whole multiple of the step."""
    ratio = float(metric_period_s) / float(step_s)
    if ratio <= 1.0 + _EPS:
        return 1
    if abs(ratio - round(ratio)) > 1e-9:
        raise InvalidParameterError("metric_period_s", metric_period_s, f"a whole multiple of step_s={step_s:g}")
    return int(round(ratio))


def _epoch_lengths(K: int, p_steps: int, T: int) -> np.ndarray:
    """Steps in each epoch (the last one may be cut by the end of the series)."""
    out = np.full(K, float(p_steps))
    out[-1] = T - (K - 1) * p_steps
    return out


def simulate_scaling(demand_rps: Any, step_s: float, policy: ScalingPolicy) -> ScalingResult:
    """Simulate target tracking on one demand series.

    Parameters
    ----------
    demand_rps : array_like
        Demand per step [req/s].
    step_s : float
        Step [s]; the metric period must be a whole multiple of it (or shorter, in which
        case the controller acts every step).
    policy : ScalingPolicy
        Policy and unit capacity.

    Returns
    -------
    ScalingResult
    """
    d = check_rate(demand_rps, "demand_rps")
    check_range("step_s", step_s, 1.0, 3600.0, "s")
    step_s = float(step_s)
    T = d.size
    p_steps = _periods(step_s, policy.metric_period_s)
    period_s = p_steps * step_s
    K = -(-T // p_steps)
    pad = K * p_steps - T
    dbar = (np.concatenate([d, np.full(pad, d[-1])]) if pad else d).reshape(K, p_steps).mean(axis=1).tolist()
    lag = 1 + int(math.ceil(policy.evaluation_delay_s / period_s - _EPS))
    start_steps = int(math.ceil(policy.start_s / step_s - _EPS))
    s_ep = -(-start_steps // p_steps)  # epochs until a launched unit is visible as ready
    c = float(policy.capacity_rps)
    inv_ct = 1.0 / (c * policy.target_utilisation)
    A = (1.0 - _REL) * inv_ct
    B = (1.0 - _REL) / policy.target_utilisation
    lo, hi = int(policy.min_units), int(policy.max_units)
    cpu = policy.metric == "cpu"
    out_cd, in_cd = float(policy.scale_out_cooldown_s), float(policy.scale_in_cooldown_s)

    n0 = min(max(math.ceil(d[0] * A), lo), hi)
    n_total = ready = n0
    last_out = last_in = -math.inf
    arrive = [0] * (K + s_ep + 1)
    billed_ep = [0] * K
    ready_ep = [0] * K
    launches: list[tuple[int, int]] = []  # (epoch, units)
    removals: list[tuple[int, int]] = []
    ceil = math.ceil
    for k in range(K):
        if s_ep:
            ready += arrive[k]
        j = k - lag
        if j >= 0:
            dp = dbar[j]
            x = dp * A
            if cpu:
                rj = ready_ep[j]
                y = rj * B
                desired = ceil(x if x <= y else y)
                if rj == 0 and dp > 0 and desired < 1:
                    desired = 1
            else:
                desired = ceil(x)
            desired = lo if desired < lo else (hi if desired > hi else desired)
            t = k * period_s
            if desired > n_total:
                if t - last_out >= out_cd:
                    add = desired - n_total
                    n_total = desired
                    last_out = t
                    launches.append((k, add))
                    if s_ep:
                        arrive[k + s_ep] += add
                    else:
                        ready += add
            elif desired < n_total and t - last_in >= in_cd:
                rem = min(n_total - desired, ready)
                if rem > 0:
                    n_total -= rem
                    ready -= rem
                    last_in = t
                    removals.append((k, rem))
        billed_ep[k] = n_total
        ready_ep[k] = ready

    billed = np.repeat(np.asarray(billed_ep, dtype=np.int64), p_steps)[:T]
    delta = np.zeros(T + 1, dtype=np.int64)
    delta[0] = n0
    if launches:
        ks, adds = np.asarray(launches, dtype=np.int64).T
        np.add.at(delta, np.minimum(ks * p_steps + start_steps, T), adds)
    if removals:
        ks, rems = np.asarray(removals, dtype=np.int64).T
        np.add.at(delta, np.minimum(ks * p_steps, T), -rems)
    ready_steps = np.cumsum(delta)[:T]
    cap = ready_steps * c
    n_over = int(np.count_nonzero(d > cap))
    served_sum = float(np.minimum(d, cap).sum())
    billed_total = float(np.dot(np.asarray(billed_ep, dtype=float), _epoch_lengths(K, p_steps, T)))
    billed_cap = billed_total * c
    unit_s = billed_total * step_s
    return ScalingResult(
        demand_rps=d,
        billed_units=billed,
        ready_units=ready_steps,
        capacity_rps=cap,
        step_s=step_s,
        unit_seconds=unit_s,
        overload_steps=n_over,
        overload_minutes=n_over * step_s / 60.0,
        unserved_requests=(float(d.sum()) - served_sum) * step_s,
        utilisation=served_sum / billed_cap if billed_cap > 0 else 0.0,
        peak_units=int(billed.max()),
    )


@dataclass(frozen=True)
class BatchScalingResult:
    """Monthly aggregates of many scenarios (arrays of shape ``(n_scenarios,)``).

    Attributes
    ----------
    unit_seconds : numpy.ndarray
        Billed unit-time [unit-s].
    overload_minutes : numpy.ndarray
        Time with demand above ready capacity [min].
    unserved_requests : numpy.ndarray
        Requests above capacity.
    utilisation : numpy.ndarray
        Served CPU work / billed CPU capacity [-].
    peak_units : numpy.ndarray
        Most units billed at once.
    period_s : float
        Resolution at which the batch compared demand and capacity [s].
    """

    unit_seconds: np.ndarray
    overload_minutes: np.ndarray
    unserved_requests: np.ndarray
    utilisation: np.ndarray
    peak_units: np.ndarray
    period_s: float


def _bcast(name: str, value: Any, n: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    check_non_negative(name, arr)
    return arr


def simulate_scaling_batch(shapes_rps: Any, step_s: float, *, shape_index: Any = None, scale: Any = 1.0,
                           capacity_rps: Any, target_utilisation: Any = 0.6, min_units: Any = 1,
                           max_units: Any = 100, scale_out_cooldown_s: Any = 60.0, scale_in_cooldown_s: Any = 300.0,
                           start_s: Any = 60.0, metric_period_s: float = 60.0, evaluation_delay_s: float = 0.0,
                           metric: str = "cpu", progress: bool = False) -> BatchScalingResult:
    """Target tracking for many scenarios at once (loop over time, numpy across scenarios).

    Scenario ``i`` sees demand ``scale[i] * shapes_rps[shape_index[i]]``; every policy
    parameter may be a scalar or an array of shape ``(n_scenarios,)``. The rules are those
    of :func:`simulate_scaling`. When ``step_s`` is shorter than the metric period the shapes
    are first averaged to the period, so demand and capacity are compared per period.

    Parameters
    ----------
    shapes_rps : array_like, shape (n_shapes, n_steps) or (n_steps,)
        Demand shapes [req/s].
    step_s : float
        Step of the shapes [s].
    shape_index : array_like of int, optional
        Shape of each scenario (default: scenario i uses shape i).
    scale : float or array
        Multiplier of each scenario's shape [-].
    capacity_rps, target_utilisation, min_units, max_units, scale_out_cooldown_s,
    scale_in_cooldown_s, start_s : float or array
        As in :class:`ScalingPolicy`, per scenario.
    metric_period_s, evaluation_delay_s : float
        Shared by all scenarios [s].
    metric : {"cpu", "request_count"}
    progress : bool
        Show a tqdm progress bar over time.

    Returns
    -------
    BatchScalingResult
    """
    shapes = np.atleast_2d(np.asarray(shapes_rps, dtype=float))
    check_non_negative("shapes_rps", shapes)
    check_choice("metric", metric, ("cpu", "request_count"))
    p_steps = _periods(step_s, metric_period_s)
    if p_steps > 1:
        T0 = shapes.shape[1] - shapes.shape[1] % p_steps
        shapes = shapes[:, :T0].reshape(shapes.shape[0], -1, p_steps).mean(axis=2)
    period_s = float(step_s) * p_steps
    G, K = shapes.shape
    gi = np.arange(G) if shape_index is None else np.asarray(shape_index, dtype=np.int64)
    S = gi.size
    m = _bcast("scale", scale, S).astype(float)
    c = _bcast("capacity_rps", capacity_rps, S)
    check_positive("capacity_rps", c)
    tgt = _bcast("target_utilisation", target_utilisation, S)
    check_range("target_utilisation", tgt, 1e-6, 1.0)
    lo = _bcast("min_units", min_units, S)
    hi = _bcast("max_units", max_units, S)
    out_cd = _bcast("scale_out_cooldown_s", scale_out_cooldown_s, S)
    in_cd = _bcast("scale_in_cooldown_s", scale_in_cooldown_s, S)
    start_steps = np.ceil(_bcast("start_s", start_s, S) / period_s - _EPS).astype(np.int64)
    lag = 1 + int(math.ceil(float(evaluation_delay_s) / period_s - _EPS))
    cpu = metric == "cpu"

    A = (1.0 - _REL) / (c * tgt)  # desired units per req/s (request metric and used CPU)
    B = (1.0 - _REL) / tgt  # desired units per busy unit
    shapes_t = np.ascontiguousarray(shapes.T)  # (K, G)
    n = np.clip(np.ceil(shapes_t[0][gi] * m * A), lo, hi)
    next_out = np.full(S, -np.inf)
    next_in = np.full(S, -np.inf)
    R = int(start_steps.max()) + 1
    ring = np.zeros((R, S))
    from_zero = bool(np.any(lo == 0))
    block = max(1, min(K, int(4_000_000 // max(S, 1))))
    d_buf = np.zeros((lag + block, S))
    r_buf = np.zeros((lag + block, S))
    n_buf = np.zeros((block, S))
    billed_sum = np.zeros(S)
    served_sum = np.zeros(S)
    over_sum = np.zeros(S)
    peak = n.copy()
    x = np.empty(S)
    y = np.empty(S)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=K, desc="autoscaling (epochs)", unit="epoch", mininterval=0.5)
    rd = n.copy()
    for k0 in range(0, K, block):
        k1 = min(K, k0 + block)
        nb = k1 - k0
        # demand of the block, all scenarios at once: rows lag.. of d_buf
        np.multiply(shapes_t[k0:k1][:, gi], m, out=d_buf[lag:lag + nb])
        for b in range(nb):
            k = k0 + b
            nrow = n_buf[b]
            rrow = r_buf[lag + b]
            if R > 1:
                row = ring[k % R]
                np.add(rd, row, out=rrow)  # units whose start completes now
                row[:] = 0.0
            else:
                rrow[:] = rd
            nrow[:] = n
            if k >= lag:
                # desired units from the datapoint of epoch k - lag (row b of the buffers)
                np.multiply(d_buf[b], A, out=x)
                if cpu:
                    np.multiply(r_buf[b], B, out=y)
                    np.minimum(x, y, out=x)
                np.ceil(x, out=x)
                if from_zero and cpu:
                    np.maximum(x, (r_buf[b] == 0) & (d_buf[b] > 0), out=x)
                np.maximum(x, lo, out=x)
                np.minimum(x, hi, out=x)
                # only scenarios whose desired count differs from the current one can act
                idx = np.flatnonzero(x != n)
                if idx.size:
                    t = k * period_s
                    xi, ni, ri = x[idx], n[idx], rrow[idx]
                    up = xi > ni
                    new = np.where(up, np.where(next_out[idx] <= t, xi, ni),
                                   np.where(next_in[idx] <= t, np.maximum(xi, ni - ri), ni))
                    delta = new - ni
                    nrow[idx] = new
                    launched = delta > 0
                    stopped = delta < 0
                    if stopped.any():
                        js = idx[stopped]
                        rrow[js] += delta[stopped]
                        next_in[js] = t + in_cd[js]
                    if launched.any():
                        jl = idx[launched]
                        sl = start_steps[jl]
                        now = sl == 0
                        rrow[jl[now]] += delta[launched][now]
                        later = ~now
                        ring[(k + sl[later]) % R, jl[later]] += delta[launched][later]
                        next_out[jl] = t + out_cd[jl]
            n = nrow
            rd = rrow
        n = n.copy()
        rd = rd.copy()
        # aggregates of the block, vectorised over time and scenarios
        nbuf, rbuf, dbuf = n_buf[:nb], r_buf[lag:lag + nb], d_buf[lag:lag + nb]
        billed_sum += nbuf.sum(axis=0)
        np.maximum(peak, nbuf.max(axis=0), out=peak)
        cap = rbuf * c
        over_sum += (dbuf > cap).sum(axis=0)
        np.minimum(dbuf, cap, out=cap)
        served_sum += cap.sum(axis=0)
        # carry the last `lag` rows to the head of the buffers
        d_buf[:lag] = d_buf[nb:nb + lag]
        r_buf[:lag] = r_buf[nb:nb + lag]
        if bar is not None:
            bar.update(nb)
    if bar is not None:
        bar.close()
    billed_cap = billed_sum * c
    total = shapes.sum(axis=1)[gi] * m
    util = np.divide(served_sum, billed_cap, out=np.zeros(S), where=billed_cap > 0)
    unit_seconds, over_min = billed_sum * period_s, over_sum * period_s / 60.0
    unserved, peak_units = (total - served_sum) * period_s, peak.astype(np.int64)
    return BatchScalingResult(
        unit_seconds=unit_seconds,
        overload_minutes=over_min,
        unserved_requests=unserved,
        utilisation=util,
        peak_units=peak_units,
        period_s=period_s,
    )


def _runs(values: np.ndarray):
    """(value, start, end) of runs of equal values in a sorted array."""
    edges = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [values.size]])
    return [(values[a], a, e) for a, e in zip(starts, ends)]

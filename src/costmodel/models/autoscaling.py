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
* Alarms. AWS target tracking acts through two CloudWatch alarms it creates for the policy
  (``TargetTracking-...-AlarmHigh`` / ``-AlarmLow``): scale-out when the metric is above
  target for 3 consecutive 1-minute datapoints, scale-in when it is below target for 15
  ("scales out proportionally to the metric as fast as it can, but scales in more
  gradually":
  https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html;
  the 3 / 15 counts are those of the alarms as CloudWatch shows them). Here a datapoint is *high* when its desired count exceeds the current count and *low* when it
  is below it (for integer counts ``ceil(x) > n`` iff ``x > n``, i.e. metric above target).
  Scale-out needs the last ``scale_out_evaluation_periods`` datapoints high, scale-in the
  last ``scale_in_evaluation_periods`` low (defaults 3 and 15); the action then moves to
  the desired count of the latest datapoint. With both set to 1 the controller acts on
  every datapoint (the behaviour before this was added).
* Scale-out launches the difference at ``t_k``; new units are billed at once and serve
  requests ``start_s`` later (task start or instance boot, rounded up to a whole step).
  Scale-in stops ready units at ``t_k`` (units still starting finish starting).
  Cooldowns block further scale-out (scale-in) for ``scale_out_cooldown_s``
  (``scale_in_cooldown_s``) after the last one. Units stay within ``[min_units, max_units]``.
* At ``t = 0`` the fleet is warm at ``ceil(demand[0] / (capacity x target))`` (clipped).
* Overload: a step whose demand exceeds the ready capacity; the excess is unserved.

:func:`simulate_scaling` runs one scenario: a Python loop over epochs with scalars (the
capacity-free desired counts are computed for all epochs at once with numpy), then the
per-step arrays (billed and ready units, capacity, overload) built with numpy.
:func:`simulate_scaling_batch` runs many scenarios at once with the same rules, vectorised
across scenarios (the loop is over time; demand, desired counts and cooldown clocks are
prepared per block of epochs in bulk), keeping only monthly aggregates, for sweeps and
break-even searches. With ``dtype=float64`` it reproduces :func:`simulate_scaling` exactly
(tested).

Both engines *fast-forward*: with no launched unit still starting, nothing changes until
some alarm fires with its cooldown over, so a window of epochs is tested at once (numpy over
time: datapoints, alarm runs, cooldowns), the rows before the first action are filled in bulk
and the loop resumes there; a window that finds an action at once backs off. The batch
engine does this for up to 256 scenarios (with thousands, some scenario acts almost every
epoch). ``_FAST_FORWARD = False`` turns it off in the batch engine (benchmarks).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm.auto import tqdm

from costmodel._validate import check_choice, check_int, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError
from costmodel.models.traffic import check_rate
from costmodel.progress import wanted

__all__ = [
    "ScalingPolicy",
    "ScalingResult",
    "BatchScalingResult",
    "task_capacity_rps",
    "simulate_scaling",
    "simulate_scaling_batch",
    "schedule_min_units",
]

_EPS = 1e-9
_REL = 1e-9  # desired = ceil(x * (1 - 1e-9)): exact multiples of capacity do not round up
_FAST_FORWARD = True  # batch engine skips quiet epochs in bulk (False: epoch by epoch, for benchmarks)


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
    scale_out_evaluation_periods, scale_in_evaluation_periods : int
        Consecutive datapoints above (below) target needed before a scale-out (scale-in)
        [metric periods]; AWS target tracking uses 3 and 15 (module notes).
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
    scale_out_evaluation_periods: int = 3
    scale_in_evaluation_periods: int = 15

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
        check_int("scale_out_evaluation_periods", self.scale_out_evaluation_periods, 1)
        check_int("scale_in_evaluation_periods", self.scale_in_evaluation_periods, 1)


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

    @property
    def launches(self) -> int:
        """Units started over the horizon: the fleet at the start plus every increase [units]
        (each pulls its container image once)."""
        b = np.asarray(self.billed_units, dtype=float)
        if b.size == 0:
            return 0
        return int(round(b[0] + np.maximum(np.diff(b), 0.0).sum()))


def _periods(step_s: float, metric_period_s: float) -> int:
    """Steps per controller epoch: max(1, P / step), P a whole multiple of the step."""
    ratio = float(metric_period_s) / float(step_s)
    if ratio <= 1.0 + _EPS:
        return 1
    if abs(ratio - round(ratio)) > 1e-9:
        raise InvalidParameterError("metric_period_s", metric_period_s, f"a whole multiple of step_s={step_s:g}")
    return int(round(ratio))


def _min_per_epoch(schedule: Any, lo: int, hi: int, T: int, p_steps: int, K: int) -> np.ndarray:
    """Minimum units at each epoch: ``max(min_units, schedule at the epoch's first step)``."""
    if schedule is None:
        return np.full(K, lo, dtype=np.int64)
    sched = np.asarray(schedule)
    if sched.shape != (T,):
        raise InvalidParameterError("min_units_schedule", f"an array of shape {sched.shape}",
                                    f"{T} whole numbers >= 0, one per step")
    if np.any(sched < 0) or np.any(sched != np.round(sched)):
        raise InvalidParameterError("min_units_schedule", sched, "whole numbers >= 0")
    return np.clip(np.maximum(sched[::p_steps][:K].astype(np.int64), lo), 0, hi)


def schedule_min_units(n_steps: int, step_s: float, windows: Any, *, start_s_of_day: float = 0.0) -> np.ndarray:
    """Per-step minimum units of daily scheduled actions.

    Parameters
    ----------
    n_steps : int
        Steps in the series.
    step_s : float
        Step [s].
    windows : sequence of (start_s, end_s, units)
        Daily windows in seconds of the day ``[0, 86400]`` [s] and the minimum units in
        force during them; ``end_s < start_s`` wraps past midnight. Overlapping windows
        take the larger minimum.
    start_s_of_day : float
        Time of day of the series' first step [s] (0 = the series starts at midnight).

    Returns
    -------
    numpy.ndarray of int64
        Minimum units per step (0 outside every window).
    """
    n = check_int("n_steps", n_steps, 1)
    check_range("step_s", step_s, 1.0, 86400.0, "s")
    tod = (float(start_s_of_day) + np.arange(n) * float(step_s)) % 86400.0
    out = np.zeros(n, dtype=np.int64)
    for i, win in enumerate(windows):
        if len(win) != 3:
            raise InvalidParameterError(f"windows[{i}]", win, "(start_s, end_s, units)")
        a, b, units = float(win[0]), float(win[1]), check_int(f"windows[{i}].units", win[2], 0)
        check_range(f"windows[{i}].start_s", a, 0.0, 86400.0, "s")
        check_range(f"windows[{i}].end_s", b, 0.0, 86400.0, "s")
        inside = ((tod >= a) & (tod < b)) if a <= b else ((tod >= a) | (tod < b))
        np.maximum(out, np.where(inside, units, 0), out=out)
    return out


def _epoch_lengths(K: int, p_steps: int, T: int) -> np.ndarray:
    """Steps in each epoch (the last one may be cut by the end of the series)."""
    out = np.full(K, float(p_steps))
    out[-1] = T - (K - 1) * p_steps
    return out


def simulate_scaling(demand_rps: npt.ArrayLike, step_s: float, policy: ScalingPolicy, *,
                     min_units_schedule: Any = None) -> ScalingResult:
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
    min_units_schedule : array_like of int, optional
        Scheduled scaling: a minimum number of units per step (one value per step of
        ``demand_rps``), on top of ``policy.min_units`` (the larger applies), read at the
        first step of each metric period. Like an ECS/EC2 scheduled action that raises the
        minimum capacity, a rise launches the missing units at once (no alarm, no
        cooldown; it starts the scale-out cooldown); lowering it does not stop units (the
        scale-in alarm does). See :func:`schedule_min_units`.

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
    lo_ep = _min_per_epoch(min_units_schedule, lo, hi, T, p_steps, K)  # minimum units at each epoch
    cpu = policy.metric == "cpu"
    out_cd, in_cd = float(policy.scale_out_cooldown_s), float(policy.scale_in_cooldown_s)
    n_hi, n_lo = int(policy.scale_out_evaluation_periods), int(policy.scale_in_evaluation_periods)
    run_hi = run_lo = 0  # consecutive datapoints above / below target (alarm evaluation)

    n0 = min(max(math.ceil(d[0] * A), int(lo_ep[0])), hi)
    n_total = ready = n0
    last_out = last_in = -math.inf
    arrive = [0] * (K + s_ep + 1)
    billed_ep = [0] * K
    ready_ep = [0] * K
    launches: list[tuple[int, int]] = []  # (epoch, units)
    removals: list[tuple[int, int]] = []
    ceil = math.ceil
    # desired units if capacity were not the limit, for every epoch at once (vectorised);
    # the loop only corrects it when the CPU metric is capped (overload) or from zero
    dbar_arr = np.asarray(dbar)
    x_all = dbar_arr * A
    free = np.clip(np.ceil(x_all), lo, hi).astype(np.int64).tolist()
    lo_list = lo_ep.tolist()   # the scheduled minimum at each (decision) epoch
    x_all = x_all.tolist()
    free_np = np.asarray(free, dtype=np.int64)
    x_np = dbar_arr * A
    pending_until = -1  # last epoch at which launched units become ready
    window, ff_next, ff_back = 64, 0, 1
    k = 0
    while k < K:
        # Fast path: with no arrivals due and a settled datapoint history the fleet is
        # constant until the first epoch at which an alarm fires and its cooldown allows an
        # action; find it for a window of epochs at once (the tests of the loop below,
        # vectorised over time) and skip every epoch before it.
        if k >= ff_next and k > pending_until and k >= lag and all(r == ready for r in ready_ep[k - lag:k]):
            j = k - lag
            w = min(window, K - k)
            des = free_np[j:j + w]
            if cpu:  # overloaded datapoints: the capped count (ready is constant over the window)
                capped = 1 if ready == 0 else ceil(ready * B)
                capped = lo if capped < lo else (hi if capped > hi else capped)
                des = np.where(x_np[j:j + w] > ready * B, capped, des)
            hi_w, lo_w = des > n_total, des < n_total
            run_hi_w = _run_lengths(hi_w[:, None], np.array([run_hi]))[:, 0]
            run_lo_w = _run_lengths(lo_w[:, None], np.array([run_lo]))[:, 0]
            t_w = (k + np.arange(w)) * period_s
            lo_w_sched = lo_ep[k:k + w]
            act = (hi_w & (run_hi_w >= n_hi) & (t_w - last_out >= out_cd)) | \
                  (lo_w & (np.maximum(des, lo_w_sched) < n_total) & (run_lo_w >= n_lo)
                   & (t_w - last_in >= in_cd) & (ready > 0)) | (lo_w_sched > n_total)
            hits = np.flatnonzero(act)
            skip = w if hits.size == 0 else int(hits[0])
            if skip == w:
                window = min(2 * window, 4096)
            else:
                window = max(64, window // 2)
                ff_next = k + skip + (1 if skip >= 4 else ff_back)
                ff_back = 1 if skip >= 4 else min(2 * ff_back, 32)
            if skip:
                run_hi, run_lo = int(run_hi_w[skip - 1]), int(run_lo_w[skip - 1])
                billed_ep[k:k + skip] = [n_total] * skip
                ready_ep[k:k + skip] = [ready] * skip
                k += skip
                continue
        if s_ep:
            ready += arrive[k]
        j = k - lag
        if j >= 0:
            desired = free[j]
            if cpu:
                rj = ready_ep[j]
                y = rj * B
                if x_all[j] > y:  # overloaded: the CPU metric saturates at 100 %
                    desired = ceil(y)
                    if rj == 0 and dbar[j] > 0 and desired < 1:
                        desired = 1
                    desired = lo if desired < lo else (hi if desired > hi else desired)
            # the alarms judge the metric against the target (desired vs current count); a
            # scheduled minimum bounds what an action may do, and raises the fleet at once
            if desired > n_total:
                run_hi += 1
                run_lo = 0
            elif desired < n_total:
                run_lo += 1
                run_hi = 0
            else:
                run_hi = run_lo = 0
            lo_k = lo_list[k]
            tgt = desired if desired > lo_k else lo_k
            t = k * period_s
            new_n = tgt if (desired > n_total and run_hi >= n_hi and t - last_out >= out_cd) else n_total
            if lo_k > new_n:
                new_n = lo_k
            if new_n > n_total:
                add = new_n - n_total
                n_total = new_n
                last_out = t
                launches.append((k, add))
                if s_ep:
                    arrive[k + s_ep] += add
                    pending_until = k + s_ep
                else:
                    ready += add
            elif tgt < n_total and run_lo >= n_lo and t - last_in >= in_cd:
                rem = min(n_total - tgt, ready)
                if rem > 0:
                    n_total -= rem
                    ready -= rem
                    last_in = t
                    removals.append((k, rem))
        billed_ep[k] = n_total
        ready_ep[k] = ready
        k += 1

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
    launches : numpy.ndarray
        Units started: the fleet at the start plus every increase [units] (as
        :attr:`ScalingResult.launches`).
    ready_units : numpy.ndarray or None
        Ready units per metric period and scenario, shape ``(n_periods, n_scenarios)``
        (float32), when asked for with ``keep_ready_units=True``.
    """

    unit_seconds: np.ndarray
    overload_minutes: np.ndarray
    unserved_requests: np.ndarray
    utilisation: np.ndarray
    peak_units: np.ndarray
    period_s: float
    launches: np.ndarray | None = None
    ready_units: np.ndarray | None = field(default=None, repr=False)


def _batch_schedules(schedule: Any, index: Any, S: int, p_steps: int, K: int, n_steps: int
                     ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Schedules at the batch's epochs, shape (K, n_schedules + 1) (last column: none), and
    each scenario's column; (None, None) without schedules."""
    if schedule is None:
        return None, None
    sched = np.atleast_2d(np.asarray(schedule, dtype=float))
    if sched.shape[1] != n_steps or np.any(sched < 0) or np.any(sched != np.round(sched)):
        raise InvalidParameterError("min_units_schedule", f"an array of shape {sched.shape}",
                                    "whole numbers >= 0, one per step of the shapes")
    at_epochs = sched[:, ::p_steps][:, :K].T
    table = np.concatenate([at_epochs, np.zeros((K, 1))], axis=1)
    idx = np.zeros(S, dtype=np.int64) if index is None else np.broadcast_to(
        np.asarray(index, dtype=np.int64), (S,)).copy()
    if np.any(idx >= sched.shape[0]) or np.any(idx < -1):
        raise InvalidParameterError("schedule_index", index, f"-1 (none) or 0..{sched.shape[0] - 1}")
    idx[idx < 0] = sched.shape[0]
    return np.ascontiguousarray(table), idx


def _bcast(name: str, value: Any, n: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    check_non_negative(name, arr)
    return arr


def simulate_scaling_batch(shapes_rps: npt.ArrayLike, step_s: float, *, shape_index: Any = None, scale: Any = 1.0,
                           capacity_rps: Any, target_utilisation: Any = 0.6, min_units: Any = 1,
                           max_units: Any = 100, scale_out_cooldown_s: Any = 60.0, scale_in_cooldown_s: Any = 300.0,
                           start_s: Any = 60.0, metric_period_s: float = 60.0, evaluation_delay_s: float = 0.0,
                           metric: str = "cpu", scale_out_evaluation_periods: Any = 3,
                           scale_in_evaluation_periods: Any = 15, progress: bool | None = False, dtype: Any = np.float64,
                           min_units_schedule: Any = None, schedule_index: Any = None,
                           keep_ready_units: bool = False) -> BatchScalingResult:
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
    scale_in_cooldown_s, start_s, scale_out_evaluation_periods, scale_in_evaluation_periods : float or array
        As in :class:`ScalingPolicy`, per scenario (evaluation periods are whole numbers >= 1).
    metric_period_s, evaluation_delay_s : float
        Shared by all scenarios [s].
    metric : {"cpu", "request_count"}
    progress : bool or None
        Show a tqdm progress bar over time; None: only when stderr is a terminal (and
        ``TQDM_DISABLE`` is not set).
    dtype : numpy float dtype
        State arrays' type. ``float64`` (default) reproduces :func:`simulate_scaling` exactly;
        ``float32`` is about 1.5x faster for large sweeps and may differ by one unit where
        demand / capacity lands within 1e-6 of a whole number.
    min_units_schedule : array_like of int, shape (n_schedules, n_steps) or (n_steps,), optional
        Scheduled minimum units per step of the shapes (as in :func:`simulate_scaling`);
        scenario ``i`` follows schedule ``schedule_index[i]`` (-1: none).
    schedule_index : array_like of int, optional
        Schedule of each scenario (default: schedule 0 for every scenario when
        ``min_units_schedule`` is given).
    keep_ready_units : bool
        Also return the ready units of every scenario at every metric period
        (``BatchScalingResult.ready_units``, shape ``(n_periods, n_scenarios)``).

    Returns
    -------
    BatchScalingResult
    """
    shapes = np.atleast_2d(np.asarray(shapes_rps, dtype=float))
    check_non_negative("shapes_rps", shapes)
    check_choice("metric", metric, ("cpu", "request_count"))
    p_steps = _periods(step_s, metric_period_s)
    n_steps = shapes.shape[1]
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
    n_hi = _bcast("scale_out_evaluation_periods", scale_out_evaluation_periods, S)
    n_lo = _bcast("scale_in_evaluation_periods", scale_in_evaluation_periods, S)
    for name, arr in (("scale_out_evaluation_periods", n_hi), ("scale_in_evaluation_periods", n_lo)):
        if np.any(arr < 1) or np.any(arr != np.round(arr)):
            raise InvalidParameterError(name, arr, "whole numbers of metric periods >= 1")

    sched_t, sidx = _batch_schedules(min_units_schedule, schedule_index, S, p_steps, K, n_steps)
    ft = np.dtype(dtype)
    rel = _REL if ft == np.float64 else 1e-6
    # Sort scenarios by start delay so that launches of equal delay are contiguous slices.
    order = np.argsort(start_steps, kind="stable")
    inv = np.empty_like(order)
    inv[order] = np.arange(S)
    gi, m, c, tgt, lo, hi = gi[order], m[order], c[order], tgt[order], lo[order], hi[order]
    sidx = None if sidx is None else sidx[order]
    out_cd, in_cd, start_steps = out_cd[order], in_cd[order], start_steps[order]
    n_hi, n_lo = n_hi[order], n_lo[order]
    groups = [(int(v), int(a), int(e)) for v, a, e in _runs(start_steps)]
    bool(np.all(out_cd == out_cd[0]) and np.all(in_cd == in_cd[0]))

    A = ((1.0 - rel) / (c * tgt)).astype(ft)  # desired units per req/s (request metric and used CPU)
    B = ((1.0 - rel) / tgt).astype(ft)  # desired units per busy unit
    lo_f, hi_f = lo.astype(ft), hi.astype(ft)
    # cooldowns in whole epochs: allowed again at epoch k_last + ceil(cooldown / period)
    out_ep = np.ceil(out_cd / period_s - _EPS).astype(ft)
    in_ep = np.ceil(in_cd / period_s - _EPS).astype(ft)
    shapes_t = np.ascontiguousarray(shapes.T)  # (K, G)
    lo0 = lo if sidx is None or sched_t is None else np.minimum(np.maximum(lo, sched_t[0][sidx]), hi)
    n = np.clip(np.ceil(shapes_t[0][gi] * m * A), lo0, hi).astype(ft)
    # first epoch at which scale-out (row 0) / scale-in (row 1) is allowed again
    nxt = np.full((2, S), -1.0, dtype=ft)
    R = int(start_steps.max()) + 1
    # launches (row 0) and stops (row 1) of the last R epochs: launches of epoch k - v
    # become ready at epoch k for the scenarios whose start takes v epochs
    hist = np.zeros((R, 2, S), dtype=ft)
    late = [(v, a, e) for v, a, e in groups if v > 0]
    from_zero = bool(np.any(lo == 0))
    block = max(1, min(K, int(1_000_000 // max(S, 1))))
    d_buf = np.zeros((lag + block, S), dtype=ft)
    r_buf = np.zeros((lag + block, S), dtype=ft)
    n_buf = np.zeros((block, S), dtype=ft)
    x_buf = np.zeros((block, S), dtype=ft)
    kk_buf = np.zeros((block, 2, S), dtype=ft)
    billed_sum = np.zeros(S)
    served_sum = np.zeros(S)
    over_sum = np.zeros(S)
    peak = n.astype(float)
    launch_sum = n.astype(float)
    x = np.empty(S, dtype=ft)
    y = np.empty(S, dtype=ft)
    ok2 = np.empty((2, S), dtype=bool)
    ok_out, ok_in = ok2[0], ok2[1]
    z2 = np.empty((2, S), dtype=ft)
    z = np.empty(S, dtype=ft)
    big = ft.type(float(np.max(hi)) + 1.0)
    mf = m.astype(ft)
    bar = None
    if wanted(progress):
        bar = tqdm(total=K, desc="autoscaling (epochs)", unit="epoch", mininterval=0.5)
    # alarm evaluation: consecutive datapoints above (row 0) / below (row 1) target
    use_alarms = bool(np.any(n_hi > 1) or np.any(n_lo > 1))
    runs = np.zeros((2, S), dtype=ft)
    need = np.stack([n_hi, n_lo]).astype(ft)
    hilo = np.empty((2, S), dtype=bool)
    fired = np.empty((2, S), dtype=bool)
    # fast-forward state: window length, next epoch to try, back-off, last start pending
    # (only for small batches: with thousands of scenarios some scenario acts almost every epoch)
    ff_w, ff_next, ff_back, pend_until = 32, (lag if _FAST_FORWARD and S <= 256 else K), 1, -1
    ff_max = max(16, min(1024, 65_536 // S))
    rd = n.copy()
    ready_out = np.zeros((K, S), dtype=np.float32) if keep_ready_units else None
    lo_buf = np.zeros((block, S), dtype=ft) if sidx is not None else None
    for k0 in range(0, K, block):
        k1 = min(K, k0 + block)
        nb = k1 - k0
        # minimum units at each epoch of the block: the scenarios' own, raised by their schedules
        if lo_buf is not None and sched_t is not None:  # both present when the scenarios have schedules
            lo_rows = lo_buf[:nb]
            np.maximum(sched_t[k0:k1][:, sidx], lo_f, out=lo_rows, casting="unsafe")
            np.minimum(lo_rows, hi_f, out=lo_rows)
        else:
            lo_rows = None
        # bulk work for the block (all epochs and scenarios at once):
        # demand rows lag.., the capacity-free desired count from the lagged datapoints,
        # and the epochs at which cooldowns would end after an action now
        np.multiply(shapes_t[k0:k1][:, gi], mf, out=d_buf[lag:lag + nb], casting="unsafe")
        xb = x_buf[:nb]
        np.multiply(d_buf[:nb], A, out=xb)
        np.ceil(xb, out=xb)
        np.clip(xb, lo_f, hi_f, out=xb)
        ks = np.arange(k0, k1, dtype=ft)[:, None]
        np.add(ks, out_ep, out=kk_buf[:nb, 0])
        np.add(ks, in_ep, out=kk_buf[:nb, 1])
        b = 0
        while b < nb:
            k = k0 + b
            if k >= ff_next and k > pend_until:
                # Fast-forward: no start pending, so until the first epoch at which some
                # scenario acts the fleet is constant; find that epoch for a window of epochs
                # at once (same tests as below, vectorised over time) and fill the rows.
                w = min(ff_w, nb - b)
                r_buf[lag + b:lag + b + w] = rd
                rw = r_buf[b:b + w]
                if cpu:
                    xw = np.ceil(rw * B)
                    if from_zero:
                        np.maximum(xw, (rw == 0) & (d_buf[b:b + w] > 0), out=xw)
                    np.minimum(x_buf[b:b + w], xw, out=xw)
                    np.maximum(xw, lo_f, out=xw)
                else:
                    xw = x_buf[b:b + w]
                kw = np.arange(k, k + w, dtype=ft)[:, None]
                hi_w, lo_w = xw > n, xw < n
                # scale-in goes no lower than a scheduled minimum
                down_w = lo_w if lo_rows is None else (np.maximum(xw, lo_rows[b:b + w]) < n)
                act_w = (hi_w & (nxt[0] <= kw)) | (down_w & (nxt[1] <= kw) & (rd > 0))
                if use_alarms:
                    run_hi_w, run_lo_w = _run_lengths(hi_w, runs[0]), _run_lengths(lo_w, runs[1])
                    act_w = (hi_w & (nxt[0] <= kw) & (run_hi_w >= need[0])) | \
                            (down_w & (nxt[1] <= kw) & (rd > 0) & (run_lo_w >= need[1]))
                if lo_rows is not None:  # a scheduled minimum above the fleet acts at once
                    act_w |= lo_rows[b:b + w] > n
                hits = np.flatnonzero(act_w.any(axis=1))
                i_star = int(hits[0]) if hits.size else w
                if i_star == w:
                    ff_w = min(2 * ff_w, ff_max)
                else:
                    ff_w = max(16, ff_w // 2)
                    ff_next = k + i_star + (1 if i_star >= 4 else ff_back)
                    ff_back = 1 if i_star >= 4 else min(2 * ff_back, 32)
                if i_star:
                    n_buf[b:b + i_star] = n
                    hist[:] = 0.0  # nothing launched is still starting
                    if use_alarms:
                        runs[0], runs[1] = run_hi_w[i_star - 1], run_lo_w[i_star - 1]
                    n, rd = n_buf[b + i_star - 1], r_buf[lag + b + i_star - 1]
                    b += i_star
                    continue
            nrow = n_buf[b]
            rrow = r_buf[lag + b]
            rrow[:] = rd
            for v, a, e in late:  # units whose start completes now
                rrow[a:e] += hist[(k - v) % R, 0, a:e]
            xy = hist[k % R]
            up_, down_ = xy[0], xy[1]
            if k < lag:
                xy[:] = 0.0
                nrow[:] = n
                n = nrow
                rd = rrow
                b += 1
                continue
            # desired units from the datapoint of epoch k - lag (row b of the buffers)
            if cpu:  # the CPU metric saturates: at most ceil(ready / target) when overloaded
                np.multiply(r_buf[b], B, out=y)
                np.ceil(y, out=y)
                if from_zero:
                    np.maximum(y, (r_buf[b] == 0) & (d_buf[b] > 0), out=y)
                np.minimum(x_buf[b], y, out=x)
                np.maximum(x, lo_f, out=x)
            else:
                x[:] = x_buf[b]
            # lower bound n - ready if scale-in is allowed (units still starting are not
            # stopped), else n; upper bound n if scale-out is in cooldown
            np.less_equal(nxt, k, out=ok2)
            if use_alarms:  # scale-out / scale-in alarms need their runs of datapoints
                np.greater(x, n, out=hilo[0])
                np.less(x, n, out=hilo[1])
                runs += 1.0
                runs *= hilo
                np.greater_equal(runs, need, out=fired)
                ok2 &= fired
            np.multiply(rrow, ok_in, out=y)
            np.subtract(n, y, out=y)
            np.multiply(ok_out, big, out=z)
            z += n
            if lo_rows is not None:  # the alarms judged x; actions go no lower than the scheduled minimum
                np.maximum(x, lo_rows[b], out=x)
            np.clip(x, y, z, out=nrow)
            if lo_rows is not None:  # scheduled minimum: launch the missing units now
                np.maximum(nrow, lo_rows[b], out=nrow)
            np.subtract(nrow, n, out=up_)  # change in units
            np.negative(up_, out=down_)
            np.maximum(xy, 0.0, out=xy)  # launched, stopped
            launch_sum += xy[0]
            rrow -= down_
            for v, a, e in groups:
                if v == 0:
                    rrow[a:e] += up_[a:e]
            # cooldown clocks (k + cooldown is increasing, so a running maximum records it)
            np.greater(xy, 0.0, out=ok2)
            if late and ok_out.any():  # launched units still starting: no fast-forward
                pend_until = k + R - 1
            np.multiply(ok2, kk_buf[b], out=z2)
            np.maximum(nxt, z2, out=nxt)
            n = nrow
            rd = rrow
            if bar is not None and b % 200 == 199:
                bar.update(200)
            b += 1
        n = n.copy()
        rd = rd.copy()
        # aggregates of the block, vectorised over time and scenarios
        nbuf, rbuf, dbuf = n_buf[:nb], r_buf[lag:lag + nb], d_buf[lag:lag + nb]
        if ready_out is not None:
            ready_out[k0:k1] = rbuf
        billed_sum += nbuf.sum(axis=0, dtype=float)
        np.maximum(peak, nbuf.max(axis=0), out=peak)
        cap = rbuf * c.astype(ft)
        over_sum += (dbuf > cap).sum(axis=0)
        np.minimum(dbuf, cap, out=cap)
        served_sum += cap.sum(axis=0, dtype=float)
        # carry the last `lag` rows to the head of the buffers
        d_buf[:lag] = d_buf[nb:nb + lag]
        r_buf[:lag] = r_buf[nb:nb + lag]
    if bar is not None:
        bar.update(K - bar.n)
        bar.close()
    billed_cap = billed_sum * c
    total = shapes.sum(axis=1)[gi] * m
    util = np.divide(served_sum, billed_cap, out=np.zeros(S), where=billed_cap > 0)
    unit_seconds, over_min = billed_sum * period_s, over_sum * period_s / 60.0
    unserved, peak_units = (total - served_sum) * period_s, peak.astype(np.int64)
    return BatchScalingResult(
        unit_seconds=unit_seconds[inv],
        overload_minutes=over_min[inv],
        unserved_requests=unserved[inv],
        utilisation=util[inv],
        peak_units=peak_units[inv],
        period_s=period_s,
        launches=np.rint(launch_sum[inv]).astype(np.int64),
        ready_units=None if ready_out is None else ready_out[:, inv],
    )


def _run_lengths(flags: np.ndarray, run0: np.ndarray) -> np.ndarray:
    """Consecutive True values ending at each row of ``flags`` (w, S), continuing ``run0``."""
    if not flags.any():
        return np.zeros(flags.shape)
    idx = np.arange(flags.shape[0])[:, None]
    last_false = np.maximum.accumulate(np.where(flags, -1, idx), axis=0)
    return np.where(last_false < 0, run0 + idx + 1, idx - last_false)


def _runs(values: np.ndarray) -> list[tuple[Any, int, int]]:
    """(value, start, end) of runs of equal values in a sorted array."""
    edges = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [values.size]])
    return [(values[a], a, e) for a, e in zip(starts, ends)]

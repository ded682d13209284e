"""Lambda on a traffic series: requests, GB-s, provisioned-concurrency schedule, concurrency.

Given per-step rates (see :mod:`costmodel.models.traffic`) and the per-request work (see
:mod:`costmodel.models.workload`), this module derives the month's Lambda usage and prices it with
:func:`costmodel.models.bills.lambda_bill` (the bill; no price is computed here):

* requests per step ``= rate_rps * step_s``;
* billed duration per request: the expected duration rounded up to 1 ms,
  ``E[ceil(D)]`` (:meth:`costmodel.models.duration.Duration.billed_mean_ms`). It is passed to the bill
  as two groups of requests at ``floor`` and ``ceil`` of that value so that the bill's own
  1-ms round-up does not round it a second time;
* concurrency per step by Little's law, ``rate_rps * mean duration [s]``, against the
  reserved concurrency or the account limit; steps above it are *throttled* (the fluid
  approximation: the excess fraction ``1 - limit / concurrency`` of their requests), and
  steps whose concurrency grows faster than 1,000 environments per 10 s are flagged;
* cold starts (INIT is billed since Aug 2025) from the fast model
  :func:`costmodel.models.coldstart.fast.fast_cold_starts`, run at 1-minute resolution;
* a provisioned-concurrency (PC) schedule: ``none``, ``always``, ``business_hours``
  (Mon-Fri 09:00-18:00 local) or a boolean array per step. While PC is on, the share
  ``min(1, PC / concurrency)`` of requests is served by PC (billed at the PC duration rate)
  and the rest spills over to on-demand. With ``pc_share="erlang"`` the share is the Erlang
  loss system's instead, ``1 - B(PC, concurrency)``: a Poisson request finding every PC
  environment busy goes on demand (at a mean concurrency of 1 one PC environment serves
  half the requests, not all of them; the two agree as the concurrency grows past PC).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from costmodel._validate import check_choice, check_int, check_non_negative, check_range
from costmodel.errors import InvalidParameterError
from costmodel.models.bills import Bill, ProvisionedWindow, lambda_bill
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.pricing import Prices
from costmodel.models.service_level import erlang_b_batch
from costmodel.models.traffic import DEFAULT_START, _local_clock, check_rate
from costmodel.models.workload import Work

__all__ = [
    "PC_SCHEDULES",
    "LAMBDA_SCALING_ENVS_PER_10_S",
    "LambdaTrafficResult",
    "provisioned_schedule",
    "lambda_concurrency",
    "lambda_on_traffic",
]

PC_SCHEDULES = ("none", "always", "business_hours")
#: Lambda adds at most 1,000 execution environments every 10 s per function (scaling-behavior docs).
LAMBDA_SCALING_ENVS_PER_10_S = 1000.0


def provisioned_schedule(n_steps: int, step_s: float, schedule: Any = "none", *, start: Any = DEFAULT_START,
                         timezone: str = "UTC", business_hours: tuple[float, float] = (9.0, 18.0)) -> np.ndarray:
    """Boolean mask of the steps during which provisioned concurrency is enabled.

    Parameters
    ----------
    n_steps : int
        Number of steps.
    step_s : float
        Step [s].
    schedule : {"none", "always", "business_hours"}, array of bool, or sequence of (start_h, end_h)
        ``business_hours``: Monday to Friday, ``business_hours`` local time. A sequence
        of ``(start_h, end_h)`` pairs: every day from ``start_h`` to ``end_h`` local time
        [h, 0-24] (``end_h < start_h`` wraps past midnight), e.g. ``[(8, 20)]``.
    start : timestamp-like
        Time of the first step.
    timezone : str
        IANA time zone of the business hours.
    business_hours : (float, float)
        Start and end hour [h, local].
    """
    n = check_int("n_steps", n_steps, 1)
    if _is_windows(schedule):
        hour, _ = _local_clock(np.arange(n, dtype=float) * float(step_s), start, timezone)
        mask = np.zeros(n, dtype=bool)
        for i, (h0, h1) in enumerate(schedule):
            check_range(f"schedule[{i}]", [h0, h1], 0.0, 24.0, "h")
            mask |= ((hour >= h0) & (hour < h1)) if h0 <= h1 else ((hour >= h0) | (hour < h1))
        return mask
    if not isinstance(schedule, str):
        mask = np.asarray(schedule, dtype=bool)
        if mask.shape != (n,):
            raise InvalidParameterError("schedule", f"array of shape {mask.shape}", f"{n} booleans, one per step")
        return mask
    check_choice("schedule", schedule, PC_SCHEDULES)
    if schedule == "none":
        return np.zeros(n, dtype=bool)
    if schedule == "always":
        return np.ones(n, dtype=bool)
    h0, h1 = business_hours
    check_range("business_hours", [h0, h1], 0.0, 24.0, "h")
    hour, dow = _local_clock(np.arange(n, dtype=float) * float(step_s), start, timezone)
    return (dow < 5) & (hour >= h0) & (hour < h1)


def _is_windows(schedule: Any) -> bool:
    """A sequence of (start_h, end_h) pairs (not a boolean mask, not a name)."""
    if isinstance(schedule, (str, np.ndarray)) or not isinstance(schedule, (list, tuple)):
        return False
    return all(isinstance(w, (list, tuple)) and len(w) == 2 and not isinstance(w[0], bool) for w in schedule)


def lambda_concurrency(rate_rps: npt.ArrayLike, mean_duration_ms: float) -> np.ndarray:
    """Concurrent executions per step by Little's law: ``rate_rps * mean_duration_ms / 1000``.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    mean_duration_ms : float
        Mean duration per request [ms].
    """
    check_non_negative("mean_duration_ms", mean_duration_ms)
    return check_rate(rate_rps) * (float(mean_duration_ms) / 1000.0)


@dataclass(frozen=True)
class LambdaTrafficResult:
    """Lambda usage and bill for a traffic series.

    Attributes
    ----------
    bill : Bill
        Lambda's own bill (front door not included; see :func:`costmodel.analysis.compare.compare`).
    requests, on_demand_requests, provisioned_requests : float
        Requests in the series, and how they split between on-demand and PC.
    billed_duration_ms : float
        Expected billed duration per request [ms] (rounded up to 1 ms per request).
    on_demand_gb_s : float
        GB-s of on-demand invocations (before the free tier).
    cold_starts : float
        Expected on-demand cold starts (their INIT is billed).
    concurrency : numpy.ndarray
        Concurrent executions per step (Little's law).
    peak_concurrency : float
    concurrency_limit : int
        Reserved concurrency if set, else the account limit.
    throttled_steps : int
        Steps with concurrency above the limit.
    throttled_requests : float
        Requests above the limit (fluid approximation); still billed here.
    scaling_limited_steps : int
        Steps where concurrency grows faster than 1,000 environments per 10 s.
    provisioned_mask : numpy.ndarray or None
        Steps with PC enabled.
    step_s : float
    """

    bill: Bill
    requests: float
    on_demand_requests: float
    provisioned_requests: float
    billed_duration_ms: float
    on_demand_gb_s: float
    cold_starts: float
    concurrency: np.ndarray = field(repr=False)
    peak_concurrency: float = 0.0
    concurrency_limit: int = 1000
    throttled_steps: int = 0
    throttled_requests: float = 0.0
    scaling_limited_steps: int = 0
    provisioned_mask: np.ndarray | None = field(default=None, repr=False)
    step_s: float = 60.0

    @property
    def throttled(self) -> bool:
        """True if any step needs more concurrency than the limit."""
        return self.throttled_steps > 0

    @property
    def total_usd(self) -> float:
        return self.bill.total_usd


def _split_duration(requests: float, billed_ms: float) -> tuple[list[float], list[float]]:
    """Two request groups at floor/ceil of ``billed_ms`` with the same mean (exact GB-s)."""
    lo = math.floor(billed_ms + 1e-9)
    w = billed_ms - lo
    if w <= 1e-9:
        return [requests], [float(lo)]
    return [requests * (1.0 - w), requests * w], [float(lo), float(lo + 1)]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def lambda_on_traffic(
    rate_rps: npt.ArrayLike,
    step_s: float,
    work: Work,
    *,
    free_tier: bool = True,
    keep_alive_s: float = 600.0,
    init_duration_ms: float = 0.0,
    cold_starts: Any = "model",
    provisioned_concurrency: int = 0,
    pc_schedule: Any = "none",
    timezone: str = "UTC",
    start: Any = DEFAULT_START,
    concurrency_limit: int = 1000,
    reserved_concurrency: int | None = None,
    ephemeral_storage_mb: float = 512,
    prices: Prices | None = None,
    arrivals: str = "poisson",
    pc_share: str = "fluid",
) -> LambdaTrafficResult:
    """Price a traffic series on Lambda (one function, the series taken as one month).

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step [s].
    work : Work
        Duration distribution, memory [MB], architecture.
    free_tier : bool
        Apply the monthly free tier.
    keep_alive_s : float
        Idle keep-alive of an execution environment [s] (for the cold-start model).
    init_duration_ms : float
        INIT duration per cold start [ms]; billed.
    cold_starts : "model" or float
        ``"model"``: expected cold starts from :func:`costmodel.models.coldstart.fast.fast_cold_starts`;
        a number: that many.
    provisioned_concurrency : int
        PC environments while the schedule is on.
    pc_schedule : {"none", "always", "business_hours"} or array of bool
        When PC is enabled (see :func:`provisioned_schedule`).
    timezone : str
        Time zone of ``business_hours``.
    start : timestamp-like
        Time of the first step.
    concurrency_limit : int
        Account concurrency limit (default 1,000 per region).
    reserved_concurrency : int, optional
        Reserved concurrency of the function; replaces the account limit as the cap.
    ephemeral_storage_mb : float
        Configured /tmp [MB].
    prices : Prices, optional
    arrivals : {"poisson", "counts"}
        For the cold-start model: ``"counts"`` when ``rate_rps x step_s`` is the exact
        number of requests per step (cron schedules, invocation-count traces; see
        :func:`costmodel.models.coldstart.simulator.arrivals_for_traffic`), else Poisson within each step.
    pc_share : {"fluid", "erlang"}
        Share of requests PC serves while on: ``min(1, PC / concurrency)`` (fluid), or
        ``1 - B(PC, concurrency)`` (Erlang B; Poisson arrivals within the step).

    Returns
    -------
    LambdaTrafficResult
    """
    rate = check_rate(rate_rps)
    check_range("step_s", step_s, 1.0, 3600.0, "s")
    step_s = float(step_s)
    check_non_negative("keep_alive_s", keep_alive_s)
    check_non_negative("init_duration_ms", init_duration_ms)
    pc = check_int("provisioned_concurrency", provisioned_concurrency, 0)
    share_rule = check_choice("pc_share", pc_share, ("fluid", "erlang"))
    limit = check_int("concurrency_limit", concurrency_limit, 1)
    if reserved_concurrency is not None:
        limit = check_int("reserved_concurrency", reserved_concurrency, 0)

    req = rate * step_s
    total_requests = float(req.sum())
    billed_ms = work.duration.billed_mean_ms()
    conc = lambda_concurrency(rate, work.duration.mean_ms)

    mask = provisioned_schedule(rate.size, step_s, pc_schedule if pc > 0 else "none", start=start, timezone=timezone)
    if pc > 0 and mask.any():
        share = (1.0 - erlang_b_batch(pc, conc) if share_rule == "erlang"
                 else np.minimum(1.0, pc / np.maximum(conc, 1e-300)))
        served = np.where(mask, share, 0.0)
        pc_req = req * served
    else:
        served = None
        pc_req = None
    pc_requests = float(pc_req.sum()) if pc_req is not None else 0.0
    od_requests = total_requests - pc_requests

    if isinstance(cold_starts, str):
        check_choice("cold_starts", cold_starts, ("model",))
        n_cold = _model_cold_starts(rate, step_s, work, keep_alive_s, init_duration_ms, limit, served,
                                    arrivals=arrivals)
    else:
        check_non_negative("cold_starts", cold_starts)
        n_cold = float(cold_starts)

    windows = []
    if pc_req is not None:
        for a, b in _runs(mask):
            windows.append(ProvisionedWindow(concurrency=pc, enabled_s=(b - a) * step_s,
                                             requests=float(pc_req[a:b].sum()), duration_ms=billed_ms))
    reqs, durs = _split_duration(od_requests, billed_ms)
    bill = lambda_bill(reqs, durs, work.memory_mb, work.architecture, free_tier=free_tier,
                       ephemeral_storage_mb=ephemeral_storage_mb, provisioned=windows,
                       cold_starts=n_cold, init_duration_ms=init_duration_ms if n_cold else 0.0, prices=prices)

    over = conc > limit
    throttled_req = float(np.sum(req[over] * (1.0 - limit / conc[over]))) if over.any() else 0.0
    lag = max(1, int(round(10.0 / step_s)))
    growth_per_10s = (conc[lag:] - conc[:-lag]) * (10.0 / (lag * step_s)) if rate.size > lag else np.zeros(0)
    return LambdaTrafficResult(
        bill=bill,
        requests=total_requests,
        on_demand_requests=od_requests,
        provisioned_requests=pc_requests,
        billed_duration_ms=billed_ms,
        on_demand_gb_s=od_requests * billed_ms / 1000.0 * work.memory_mb / 1024.0,
        cold_starts=n_cold,
        concurrency=conc,
        peak_concurrency=float(conc.max()),
        concurrency_limit=limit,
        throttled_steps=int(over.sum()),
        throttled_requests=throttled_req,
        scaling_limited_steps=int(np.sum(growth_per_10s > LAMBDA_SCALING_ENVS_PER_10_S)),
        provisioned_mask=mask,
        step_s=step_s,
    )


def _model_cold_starts(rate: np.ndarray, step_s: float, work: Work, keep_alive_s: float, init_duration_ms: float,
                       limit: int, pc_share: np.ndarray | None, arrivals: str = "poisson") -> float:
    """Expected on-demand cold starts from the fast model, at >= 1-minute resolution."""

    r, s = rate, step_s
    share = pc_share
    if step_s < 60.0 and (60.0 / step_s).is_integer() and rate.size % int(60.0 / step_s) == 0:
        k = int(60.0 / step_s)
        r, s = rate.reshape(-1, k).mean(axis=1), 60.0
        share = pc_share.reshape(-1, k).mean(axis=1) if pc_share is not None else None
    if keep_alive_s <= 0 or r.max() <= 0:
        return float(r.sum() * s) if keep_alive_s <= 0 else 0.0
    res = fast_cold_starts(r, s, work.duration.mean_ms / 1000.0, keep_alive_s,
                           init_mean_s=init_duration_ms / 1000.0, concurrency_limit=max(limit, 1),
                           arrivals=arrivals)
    cold = res.cold_starts
    if share is not None:
        cold = cold * (1.0 - share)  # requests served by PC are warm
    return float(cold.sum())

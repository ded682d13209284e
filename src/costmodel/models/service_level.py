"""Service levels and whether an option meets one: the share of requests slower than a target.

A *service level* (:class:`ServiceLevel`) is what an architect asks of every option before
comparing prices: a latency percentile (p99 or p95) at or below a target, at most a given
share of requests failed (timed out at the front door, or throttled after the client's
retries), and optionally an availability rule (at least N tasks or instances spread across
AZs). For a user-facing or machine-facing **API** the latency is the response time at the
front door; for a **queue worker** it is the *message age* when processing ends (time
waiting in the queue plus processing), and nothing times out (messages wait).

Checking a percentile needs the latency CDF at one point only: ``p_q <= T`` exactly when
``P(L > T) <= 1 - q``. This module computes that exceedance ``P(L > T)`` for the same models
:func:`costmodel.models.latency.container_latency` and
:func:`costmodel.models.latency.lambda_latency` invert for percentiles, but at one target,
without a latency grid, and vectorised across many candidate configurations (the columns of
``servers``), which is what makes right-sizing a month of 1-minute steps fast:

* :func:`container_exceedance` - an M/G/c pool per step with ``servers`` request slots
  (Erlang C, Allen-Cunneen's ``(1 + cv^2)/2`` on the exponential wait), a fluid backlog while
  demand exceeds capacity (FIFO, capped at the front door's timeout: requests that would
  wait longer time out), timed-out requests counted as slower than any target below the
  timeout. ``P(S + E > x)`` (service plus exponential wait) is computed exactly
  (``S̄(x) + ∫ f_S(x - t) e^{-θ t} dt``, tabulated over θ), not by quadrature over a few
  service quantiles.
* :func:`lambda_exceedance` - per step a mixture of warm (``W``) and cold (``W + I``)
  requests with the fast model's cold-start share, client retries after throttling
  (exponential backoff; failed after ``max_retries``), or, for a queue worker, an extra wait
  per step while concurrency is capped (:func:`fluid_backlog_delay_s`).

Also here: :func:`request_slots` (how many requests a fleet serves at once), the Lambda CPU
share of a memory size and the duration of CPU-bound work at another memory
(:func:`duration_factor_for_memory`, in the style of AWS Lambda Power Tuning), and
:func:`daily_peak_levels` (the demand that recurs in the same slot of most days: the
predictable peaks a scheduled action can prepare for).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from costmodel._validate import as_float_array, check_choice, check_int, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError
from costmodel.models.duration import Duration, DurationMs
from costmodel.models.latency import _fluid_backlog, _scv, duration_from_ms

__all__ = [
    "KINDS",
    "LAMBDA_MAX_VCPU",
    "LAMBDA_MB_PER_VCPU",
    "SERVICE_LEVEL_DEFAULTS",
    "ContainerQueue",
    "LambdaLatencyModel",
    "ServiceLevel",
    "container_exceedance",
    "daily_peak_levels",
    "default_service_level",
    "duration_factor_for_memory",
    "erlang_b_batch",
    "erlang_c_batch",
    "fluid_backlog_delay_s",
    "lambda_exceedance",
    "lambda_vcpu",
    "percentile_from_exceedance",
    "request_slots",
    "timed_out_lower_bound",
]

#: Workload kinds: an API answers requests (latency = response time, requests time out);
#: a queue worker drains messages (latency = message age, messages wait instead of failing).
KINDS = ("api", "queue_worker")

#: Defaults per kind, used where the scenario's ``service_level`` block leaves a key out
#: (docs/service-level.md says why each value):
#: * p99 latency targets: 1,000 ms for a user-facing API (a person waits), 3,000 ms for a
#:   machine-facing API (webhooks, internal callers that retry); for a queue worker a
#:   message age of the work's own p99 plus 60 s (a message waits at most a minute before
#:   processing starts); a declared
#:   ``workload.latency_slo_p99_ms`` replaces the API targets;
#: * at most 0.1 % of requests failed (timed out or throttled after retries); a queue
#:   worker loses nothing (messages wait), so the limit only guards the model;
#: * availability: an API runs at least 2 tasks (instances) across 2 AZs (an ALB needs two
#:   AZs; one task is a single point of failure); a queue worker at least 1.
SERVICE_LEVEL_DEFAULTS = {
    "api": {"percentile": 99.0, "latency_target_ms": 3000.0, "latency_target_ms_user_facing": 1000.0,
            "max_failed_fraction": 0.001, "min_units": 2, "zones": 2},
    "queue_worker": {"percentile": 99.0, "latency_target_ms": 60000.0, "latency_target_ms_user_facing": 60000.0,
                     "max_failed_fraction": 0.001, "min_units": 1, "zones": 1},
}

#: A wait term ``C h_θ(x)`` below this is dropped (so its Erlang C is never computed): it
#: changes a step's share of slow requests by less than 1e-8.
_H_NEGLIGIBLE = 1e-8

#: Lambda allocates CPU in proportion to memory: one vCPU at 1,769 MB, up to 6 vCPU at
#: 10,240 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
LAMBDA_MB_PER_VCPU = 1769.0
LAMBDA_MAX_VCPU = 6.0


@dataclass(frozen=True)
class ServiceLevel:
    """What every option must deliver before its price counts.

    Attributes
    ----------
    kind : {"api", "queue_worker"}
        ``api``: latency is the response time at the front door; ``queue_worker``: the
        message age when processing ends (queue wait + processing).
    percentile : float
        Latency percentile [%], e.g. 99 (p99) or 95, in (50, 100).
    latency_target_ms : float
        The percentile may not exceed this [ms].
    max_failed_fraction : float
        Most requests that may fail: timed out at the front door (containers) or throttled
        after the client's retries (Lambda) [-].
    min_units : int
        Availability rule: at least this many tasks (instances) running at all times.
    zones : int
        ... spread across this many Availability Zones (``min_units >= zones``).
    """

    kind: str = "api"
    percentile: float = 99.0
    latency_target_ms: float = 1000.0
    max_failed_fraction: float = 0.001
    min_units: int = 1
    zones: int = 1

    def __post_init__(self) -> None:
        check_choice("service_level.kind", self.kind, KINDS)
        check_range("service_level.percentile", self.percentile, 50.0, 99.99, "%")
        check_positive("service_level.latency_target_ms", self.latency_target_ms)
        check_range("service_level.max_failed_fraction", self.max_failed_fraction, 0.0, 1.0)
        check_int("service_level.availability.min_units", self.min_units, 0)
        check_int("service_level.availability.zones", self.zones, 1)
        if self.min_units < self.zones:
            raise InvalidParameterError("service_level.availability.min_units", self.min_units,
                                        f"at least availability.zones={self.zones} (one unit per AZ)")

    @property
    def allowed_exceedance(self) -> float:
        """Share of requests that may be slower than the target, ``1 - percentile/100`` [-]."""
        return 1.0 - self.percentile / 100.0

    @property
    def label(self) -> str:
        """'p99' / 'p95' / 'p99.9'."""
        return f"p{self.percentile:g}"

    def describe(self) -> str:
        """One line, e.g. 'p99 response time <= 1,000 ms, <= 0.1 % failed, >= 2 units in 2 AZs'."""
        what = "response time" if self.kind == "api" else "message age"
        fail = "timed out or throttled" if self.kind == "api" else "lost"
        avail = f", at least {self.min_units} tasks/instances across {self.zones} AZs" if self.min_units > 1 else ""
        return (f"{self.label} {what} <= {_ms(self.latency_target_ms)}, at most "
                f"{100 * self.max_failed_fraction:g} % {fail}{avail}")

    def with_target(self, latency_target_ms: float) -> ServiceLevel:
        """The same service level with another latency target [ms]."""
        return ServiceLevel(self.kind, self.percentile, float(latency_target_ms), self.max_failed_fraction,
                            self.min_units, self.zones)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "percentile": self.percentile, "latency_target_ms": self.latency_target_ms,
                "max_failed_fraction": self.max_failed_fraction,
                "availability": {"min_units": self.min_units, "zones": self.zones}, "text": self.describe()}


def _ms(v: float) -> str:
    if v < 10_000:
        return f"{v:,.0f} ms"
    return f"{v / 1000:,.1f} s" if v < 100_000 else f"{v / 1000:,.0f} s"


def default_service_level(kind: str = "api", *, user_facing: bool = True,
                          declared_p99_ms: float | None = None, work_p99_ms: float = 0.0) -> ServiceLevel:
    """The default service level of a workload kind (:data:`SERVICE_LEVEL_DEFAULTS`).

    Parameters
    ----------
    kind : {"api", "queue_worker"}
    user_facing : bool
        A person waits for an API's response (1,000 ms target instead of 3,000 ms).
    declared_p99_ms : float, optional
        A declared p99 objective of the path [ms] (``workload.latency_slo_p99_ms``); it
        replaces the API target.
    work_p99_ms : float
        The work's own p99 duration [ms]. A queue worker's message age includes processing,
        so its default target is this plus 60 s (a message waits at most a minute).
    """
    check_choice("service_level.kind", kind, KINDS)
    check_non_negative("work_p99_ms", work_p99_ms)
    d = SERVICE_LEVEL_DEFAULTS[kind]
    target = d["latency_target_ms_user_facing"] if user_facing else d["latency_target_ms"]
    if declared_p99_ms is not None and kind == "api":
        target = float(declared_p99_ms)
    if kind == "queue_worker":
        target = float(work_p99_ms) + d["latency_target_ms"]
    return ServiceLevel(kind=kind, percentile=d["percentile"], latency_target_ms=float(target),
                        max_failed_fraction=d["max_failed_fraction"], min_units=int(d["min_units"]),
                        zones=int(d["zones"]))


# --------------------------------------------------------------------------------- queues
def request_slots(ready_units: Any, capacity_rps_per_unit: Any, mean_duration_s: float) -> np.ndarray:
    """Requests a fleet serves at once: ``max(ready units, round(ready x capacity x w))``.

    A CPU-bound task serves about one request per busy vCPU-share; an I/O-bound task (mean
    duration ``w`` much longer than its CPU time) holds ``capacity x w`` requests at once
    (Little's law at full CPU). Parameters: ready units [units] (any shape), one unit's
    capacity at 100 % CPU [req/s] (broadcast against the last axis), mean duration [s].
    Returns whole slots (the shape of ``ready_units``).
    """
    r = np.asarray(ready_units, dtype=float)
    return np.maximum(r, np.round(r * np.asarray(capacity_rps_per_unit, dtype=float) * float(mean_duration_s)))


def erlang_b_batch(servers: Any, offered_load: Any) -> np.ndarray:
    """Erlang B ``B(c, a)`` for arrays of any size, in closed form: ``P(N = c) / P(N <= c)``
    for ``N ~ Poisson(a)`` (log-space pmf, regularised incomplete gamma for the cdf); 0
    where ``a = 0`` and ``c >= 1``, 1 where ``c = 0``. Agrees with the recursion of
    :func:`costmodel.models.coldstart.simulator.erlang_b` to 1e-9 (tested)."""
    c = np.asarray(servers, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    c, a = np.broadcast_arrays(c, a)
    out = np.where(c <= 0, 1.0, 0.0)
    sel = (a > 0) & (c > 0)
    if sel.any():
        cs, as_ = c[sel], a[sel]
        with np.errstate(divide="ignore", under="ignore"):
            log_pmf = cs * np.log(as_) - as_ - special.gammaln(cs + 1.0)
            out[sel] = np.clip(np.exp(log_pmf) / np.maximum(special.pdtr(cs, as_), 1e-300), 0.0, 1.0)
    return out


def erlang_c_batch(servers: Any, offered_load: Any) -> np.ndarray:
    """Erlang C ``C(c, a) = c B / (c - a (1 - B))`` for arrays of any size (``B`` from
    :func:`erlang_b_batch`); 1 where ``a >= c``, 0 where ``a = 0``. Agrees with
    :func:`costmodel.models.coldstart.simulator.erlang_c` to 1e-9 (tested)."""
    c = np.asarray(servers, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    c, a = np.broadcast_arrays(c, a)
    out = np.ones(c.shape)
    out[a <= 0] = 0.0
    sel = (a > 0) & (a < c)
    if sel.any():
        b = erlang_b_batch(c[sel], a[sel])
        out[sel] = np.clip(c[sel] * b / (c[sel] - a[sel] * (1.0 - b)), 0.0, 1.0)
    return out


def _erlang_c_by_rows(c: np.ndarray, rows: np.ndarray, load_rows: np.ndarray) -> np.ndarray:
    """Erlang C of many (servers, row) pairs whose load depends on the row only, each
    distinct pair computed once (:func:`erlang_c_batch`)."""
    ci = np.maximum(np.rint(c), 1).astype(np.int64)
    if ci.size == 0:
        return np.empty(0)
    key = rows.astype(np.int64) * (int(ci.max()) + 1) + ci
    ukey, inv = np.unique(key, return_inverse=True)
    urow, uc = np.divmod(ukey, int(ci.max()) + 1)
    return erlang_c_batch(uc.astype(float), load_rows[urow])[inv.ravel()]


def fluid_backlog_delay_s(arrival_rps: npt.ArrayLike, capacity_rps: Any, step_s: float) -> np.ndarray:
    """Wait per step of a fluid FIFO queue ``dQ/dt = arrival - capacity`` without a timeout [s].

    Lindley's recursion in closed form (``Q_k = S_k - min(0, min_{j<=k} S_j)``, ``S`` the
    cumulated net inflow), vectorised over columns; the wait of a step is its time-average
    backlog over the capacity (as :func:`costmodel.models.latency.container_latency`).
    ``arrival_rps`` has shape (K,), ``capacity_rps`` (K,) or (K, S).
    """
    lam = np.asarray(arrival_rps, dtype=float)
    cap = np.asarray(capacity_rps, dtype=float)
    lam2 = lam if cap.ndim == 1 else lam[:, None]
    net_rps = lam2 - cap
    cum = np.cumsum(net_rps * float(step_s), axis=0)
    end = np.maximum(cum - np.minimum(np.minimum.accumulate(cum, axis=0), 0.0), 0.0)
    start = np.concatenate([np.zeros_like(end[:1]), end[:-1]], axis=0)
    mean = _segment_mean(start, net_rps, float(step_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, np.where(cap > 0, mean / cap, np.inf), 0.0)


def timed_out_lower_bound(arrival_rps: npt.ArrayLike, capacity_rps: Any, step_s: float, timeout_s: float) -> np.ndarray:
    """A lower bound on the share of requests that time out, per column of ``capacity_rps``.

    Over a run of steps where demand exceeds capacity, a FIFO queue whose clients give up
    after ``timeout_s`` serves at most its capacity and keeps at most ``capacity x timeout``
    waiting, so at least ``sum (λ - μ) step - μ_end timeout`` of the run's requests time out
    (the backlog at the run's start only adds to it). Cheap (no recursion); used to drop
    hopeless candidates before :class:`ContainerQueue` runs the capped backlog.
    """
    lam = np.asarray(arrival_rps, dtype=float)
    cap = np.asarray(capacity_rps, dtype=float)
    cap = cap.reshape(-1, 1) if cap.ndim == 1 else cap
    lam2 = lam[:, None]
    over = lam2 > cap
    total = float(lam.sum() * float(step_s))
    out = np.zeros(cap.shape[1])
    if total <= 0 or not over.any():
        return out
    # cumulated excess; a run's excess is its difference across the run (all columns at once)
    csum = np.cumsum(np.where(over, (lam2 - cap) * float(step_s), 0.0), axis=0)
    prev = np.concatenate([np.zeros((1, over.shape[1]), dtype=bool), over[:-1]], axis=0)
    nxt = np.concatenate([over[1:], np.zeros((1, over.shape[1]), dtype=bool)], axis=0)
    s_col, s_row = np.nonzero((over & ~prev).T)  # run starts, column by column
    e_col, e_row = np.nonzero((over & ~nxt).T)   # run ends: the same runs in the same order
    before = np.where(s_row > 0, csum[np.maximum(s_row - 1, 0), s_col], 0.0)
    run_excess = csum[e_row, e_col] - before
    lost = np.maximum(run_excess - cap[e_row, e_col] * float(timeout_s), 0.0)
    np.add.at(out, e_col, lost)
    return out / total


def _segment_mean(q0: np.ndarray, net_rps: np.ndarray, step_s: float) -> np.ndarray:
    """Time-average backlog of a step of the uncapped fluid queue (linear until it empties)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t_hit = np.where(net_rps < 0, q0 / -net_rps, np.inf)
    t_hit = np.minimum(np.where(np.isnan(t_hit), np.inf, t_hit), step_s)
    q_hit = q0 + net_rps * t_hit
    end = np.maximum(q0 + net_rps * step_s, 0.0)
    return (t_hit * 0.5 * (q0 + q_hit) + (step_s - t_hit) * end) / step_s


def _wait_tail_table(svc: Duration, x_s: float, points: int = 240) -> tuple[np.ndarray, np.ndarray]:
    """``h(θ) = P(S + E > x) - P(S > x) = ∫_0^x f_S(x - t) e^{-θ t} dt`` on a log grid of θ.

    ``E ~ Exp(θ)`` is the M/G/c wait given that a request waits. Integrated on a fine grid
    of ``s`` (CDF differences, so a fixed service time is exact too).
    """
    theta = np.geomspace(1e-4 / max(x_s, 1e-6), 1e7 / max(x_s, 1e-6), points)
    if x_s <= 0:
        return theta, np.zeros_like(theta)
    if svc.kind == "fixed":
        fixed_s = float(svc.mean_s)
        return theta, (np.exp(-theta * (x_s - fixed_s)) if fixed_s <= x_s else np.zeros_like(theta))
    # cells in s: fine near x (where e^{-θ(x-s)} is large for large θ), coarse far away
    t = np.concatenate([[0.0], np.geomspace(x_s * 1e-9, x_s, 1200)])   # t = x - s
    s = x_s - t
    f = svc.cdf(s)                                   # F_S at the cell edges (decreasing in t)
    mass = f[:-1] - f[1:]                            # P(s in cell)
    tm = 0.5 * (t[:-1] + t[1:])
    h = (mass[None, :] * np.exp(-theta[:, None] * tm[None, :])).sum(axis=1)
    return theta, h


class ContainerQueue:
    """Container pools over a series, ready to answer ``P(latency > x)`` at any ``x``.

    The model of :func:`costmodel.models.latency.container_latency` (see there): per step
    ``k`` with ``c`` request slots, stable (``λ w < c``, no backlog): ``P(L > x) = S̄(x) +
    C(c, λ w) h_θ(x)`` with ``θ = (c/w - λ) 2/(1 + cv²)`` and ``h_θ(x) = ∫ f_S(x - t) e^{-θ t} dt``
    (service plus an exponential wait, exact); overloaded: the fluid backlog's delay ``d``
    (capped at the timeout) gives ``P(L > x) = S̄(x - d)``; timed-out requests (the backlog
    at its cap, or a response after the timeout) are slower than any target below the
    timeout. Shares are weighted by requests over the series. Built once (backlogs, Erlang
    C on demand), evaluated at as many latencies as needed.

    Parameters
    ----------
    traffic_rps : array_like, shape (K,)
        Requests per second in each step [req/s].
    step_s : float
        Step [s].
    duration_ms : number, dict or Duration
        Service time (as in ``container_latency``).
    servers : array_like, shape (K,) or (K, S)
        Request slots per step, one column per candidate configuration.
    timeout_s : float or None
        Front-door request timeout [s]; None: nobody gives up (a queue).
    overhead_ms : float
        Fixed extra latency [ms].
    approximation : {"mgc", "mmc"}
    """

    def __init__(self, traffic_rps: npt.ArrayLike, step_s: float, duration_ms: DurationMs, servers: Any, *,
                 timeout_s: float | None = 60.0, overhead_ms: float = 0.0, approximation: str = "mgc") -> None:
        svc = duration_from_ms("duration_ms", duration_ms)
        if svc.mean_s <= 0:
            raise InvalidParameterError("duration_ms", svc.mean_s * 1000, "a mean service time > 0 ms")
        check_choice("approximation", approximation, ("mgc", "mmc"))
        check_positive("step_s", step_s)
        check_non_negative("overhead_ms", overhead_ms)
        lam = np.atleast_1d(as_float_array("traffic_rps", traffic_rps)).astype(float).ravel()
        check_non_negative("traffic_rps", lam)
        c = np.asarray(servers, dtype=float)
        c = c.reshape(-1, 1) if c.ndim <= 1 else c
        if c.shape[0] not in (1, lam.size):
            raise InvalidParameterError("servers", np.shape(servers), f"{lam.size} rows (one per step)")
        c = np.broadcast_to(c, (lam.size, c.shape[1]))
        check_non_negative("servers", c)
        if timeout_s is not None:
            check_positive("timeout_s", timeout_s)
        w = svc.mean_s
        cv2 = _scv(svc) if approximation == "mgc" else 1.0
        step = float(step_s)
        self.req = lam * step
        self.total = float(self.req.sum())
        self.n_candidates = c.shape[1]
        self.overhead_ms = float(overhead_ms)
        self.timeout_s = None if timeout_s is None else float(timeout_s)
        cap_rps = c / w
        delay = fluid_backlog_delay_s(lam, cap_rps, step)          # uncapped
        reneged = np.zeros(c.shape)
        if timeout_s is not None:
            # columns whose uncapped wait exceeds the timeout: the capped recursion, per column
            for j in np.flatnonzero((delay > float(timeout_s)).any(axis=0)):
                _, _, mean, timed_out = _fluid_backlog(lam, cap_rps[:, j], step, cap_rps[:, j] * float(timeout_s))
                with np.errstate(divide="ignore", invalid="ignore"):
                    reneged[:, j] = np.where(self.req > 0,
                                             np.minimum(timed_out / np.maximum(self.req, 1e-300), 1.0), 0.0)
                    delay[:, j] = np.where(mean > 0, np.where(cap_rps[:, j] > 0, mean / cap_rps[:, j], np.inf), 0.0)
        self._pool = _Pool(svc, lam, lam[:, None] * w, c, cap_rps, cv2, delay, reneged)
        self._t_cut = math.inf if timeout_s is None else float(timeout_s) - overhead_ms / 1000.0

    def exceedance(self, target_ms: Any) -> np.ndarray:
        """Share of requests slower than each target [ms]: shape (S,) for one target, else
        (n_targets, S)."""
        targets = np.atleast_1d(np.asarray(target_ms, dtype=float))
        check_positive("target_ms", targets)
        S = self.n_candidates
        if self.total <= 0:
            out = np.zeros((targets.size, S))
        else:
            # einsum, not "@": OpenBLAS threads make these thin products slow on a busy machine
            out = np.stack([np.einsum("k,ks->s", self.req,
                                      self._pool.exceedance((t - self.overhead_ms) / 1000.0, self._t_cut))
                            for t in targets]) / self.total
        return out[0] if np.ndim(target_ms) == 0 else out

    def timed_out(self) -> np.ndarray:
        """Share of requests timed out at the front door, shape (S,)."""
        if self.timeout_s is None or self.total <= 0:
            return np.zeros(self.n_candidates)
        p = self._pool
        late = p.exceedance(self._t_cut, math.inf, with_reneged=False)
        return np.einsum("k,ks->s", self.req, p.reneged + (1.0 - p.reneged) * np.clip(late, 0.0, 1.0)) / self.total

    def percentile_ms(self, percentile: float, *, high_ms: float | None = None) -> np.ndarray:
        """The latency percentile of each candidate [ms] (the timeout, or ``high_ms``, when
        more than ``1 - percentile`` of the requests are slower than that)."""
        top = high_ms if high_ms is not None else (self.timeout_s * 1000.0 if self.timeout_s else 86_400_000.0)
        # no request is faster than its service: the percentile is at least the service's own
        low = max(0.01, 0.999 * (float(self._pool.svc.quantile(percentile / 100.0)) * 1000.0 + self.overhead_ms))
        return np.array([percentile_from_exceedance(lambda ts, j=j: self.exceedance(ts)[:, j], percentile,
                                                    min(low, top), top) for j in range(self.n_candidates)])


def container_exceedance(traffic_rps: npt.ArrayLike, step_s: float, duration_ms: DurationMs, servers: Any, target_ms: Any, *,
                         timeout_s: float | None = 60.0, overhead_ms: float = 0.0,
                         approximation: str = "mgc") -> tuple[np.ndarray, np.ndarray]:
    """Share of requests slower than ``target_ms`` and share timed out, for container pools
    (:class:`ContainerQueue`; ``servers`` has one column per candidate configuration).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The share slower than each target, shape (S,) for one target or (n_targets, S);
        the share timed out, shape (S,).
    """
    q = ContainerQueue(traffic_rps, step_s, duration_ms, servers, timeout_s=timeout_s, overhead_ms=overhead_ms,
                       approximation=approximation)
    return q.exceedance(target_ms), q.timed_out()


class _Pool:
    """Per (step, candidate) state of container pools: which steps wait, their Erlang C
    (computed once, on demand), backlog delays and reneged shares."""

    def __init__(self, svc: Duration, lam: np.ndarray, load: np.ndarray, c: np.ndarray, cap_rps: np.ndarray,
                 cv2: float, delay: np.ndarray, reneged: np.ndarray) -> None:
        load = np.broadcast_to(load, c.shape)
        self.svc, self.c, self.load, self.delay, self.reneged = svc, c, load, delay, reneged
        stable = ((load < c) | (load == 0)) & (delay == 0) & (reneged == 0)
        self.waits = np.flatnonzero((stable & (load > 0)).ravel())
        self.theta = ((cap_rps - lam[:, None]) * 2.0 / (1.0 + cv2)).ravel()[self.waits]
        self.pw = np.full(self.waits.size, np.nan)
        self.over = ~stable & (load > 0)
        self._tables: dict = {}

    def exceedance(self, x_s: float, t_cut: float, *, with_reneged: bool = True) -> np.ndarray:
        """``P(L > x)`` of the overhead-free latency per (step, candidate)."""
        shape = self.c.shape
        if x_s >= t_cut:
            return np.zeros(shape)                   # every request answers by the deadline
        if x_s <= 0:
            return np.ones(shape)
        svc = self.svc
        sbar = 1.0 - float(svc.cdf(x_s))
        out = np.full(shape, sbar)
        if self.waits.size:
            if x_s not in self._tables:
                self._tables[x_s] = _wait_tail_table(svc, x_s)
            theta_grid, h_grid = self._tables[x_s]
            # h is smooth in log-log: interpolate log h against log theta
            log_h = np.log(np.maximum(h_grid, 1e-300))
            h = np.exp(np.interp(np.log(np.maximum(self.theta, 1e-300)), np.log(theta_grid), log_h,
                                 left=log_h[0], right=-np.inf))
            need = h > _H_NEGLIGIBLE                 # elsewhere waiting adds < 1e-8 of the requests
            todo = need & np.isnan(self.pw)
            if todo.any():
                idx = self.waits[todo]
                rows = idx // shape[1]
                self.pw[todo] = _erlang_c_by_rows(self.c.ravel()[idx], rows, self.load[:, 0])
            flat = out.ravel()
            flat[self.waits[need]] = sbar + self.pw[need] * h[need]
            out = flat.reshape(shape)
        if self.over.any():
            arg = x_s - self.delay[self.over]         # -inf where the backlog never drains
            sx = np.where(arg > 0, 1.0 - svc.cdf(np.where(arg > 0, arg, 0.0)), 1.0)
            r = self.reneged[self.over] if with_reneged else 0.0
            out[self.over] = r + (1.0 - r) * sx
        return out


# --------------------------------------------------------------------------------- Lambda
@dataclass(frozen=True)
class LambdaLatencyModel:
    """Warm and cold latency CDFs of a Lambda function on a fine grid, for exceedances.

    Attributes
    ----------
    x_s : numpy.ndarray
        Latency grid (overhead-free) [s].
    warm_cdf, cold_cdf : numpy.ndarray
        ``P(W <= x)`` and ``P(W + I <= x)`` on the grid.
    """

    x_s: np.ndarray
    warm_cdf: np.ndarray
    cold_cdf: np.ndarray

    @classmethod
    def build(cls, duration_ms: DurationMs, init_duration_ms: DurationMs, *, top_s: float = 0.0) -> LambdaLatencyModel:
        """From the warm duration and the init duration (numbers [ms], dicts or Durations);
        ``top_s`` extends the grid (backlog waits, retry delays) [s]."""
        warm = duration_from_ms("duration_ms", duration_ms)
        init = duration_from_ms("init_duration_ms", init_duration_ms)
        hi = float(warm.quantile(1 - 1e-7)) + float(init.quantile(1 - 1e-7)) + max(float(top_s), 0.0) + 1e-3
        x = np.concatenate([[0.0], np.geomspace(1e-5, hi, 6000)])
        fw = np.asarray(warm.cdf(x), dtype=float)
        if init.kind == "fixed":
            fc = np.asarray(warm.cdf(x - init.mean_s), dtype=float) * (x >= init.mean_s)
        else:
            # P(W + I <= x) = sum over cells of I (spaced evenly in logit(u)) of F_W(x - i)
            z = np.linspace(-16.0, 16.0, 401)
            u = 1.0 / (1.0 + np.exp(-z))
            mass = np.diff(u)
            mass[0] += u[0]
            mass[-1] += 1.0 - u[-1]
            nodes = np.asarray(init.quantile(0.5 * (u[:-1] + u[1:])), dtype=float)
            fc = np.zeros(x.size)
            for ij, mj in zip(nodes, mass):
                fc += mj * np.interp(x - ij, x, fw, left=0.0)
        return cls(x_s=x, warm_cdf=fw, cold_cdf=np.clip(fc, 0.0, 1.0))

    def tails(self, x_s: Any) -> tuple[np.ndarray, np.ndarray]:
        """``P(W > x)`` and ``P(W + I > x)`` at ``x`` [s] (any shape)."""
        x = np.asarray(x_s, dtype=float)
        sw = 1.0 - np.interp(x, self.x_s, self.warm_cdf, left=0.0, right=1.0)
        sc = 1.0 - np.interp(x, self.x_s, self.cold_cdf, left=0.0, right=1.0)
        return sw, sc


def lambda_exceedance(model: LambdaLatencyModel, traffic_rps: npt.ArrayLike, step_s: float, target_ms: Any, *,
                      cold_fraction: Any, throttle_fraction: Any = 0.0, overhead_ms: float = 0.0,
                      retry_backoff_ms: float = 100.0, max_retries: int = 2,
                      extra_delay_s: Any = None) -> tuple[np.ndarray, float]:
    """Share of Lambda requests slower than each target, and the share that failed.

    The mixture of :func:`costmodel.models.latency.lambda_latency`: per step, a served request
    is cold with probability ``c_k`` (cold starts among served requests) and waited
    ``backoff (2^r - 1)`` after ``r`` throttled attempts (probability ``t^r (1 - t)``,
    ``r <= max_retries``; after that it failed). A queue worker passes ``throttle_fraction=0``
    and the queue wait per step as ``extra_delay_s``.

    Parameters
    ----------
    model : LambdaLatencyModel
    traffic_rps : array_like, shape (K,)
        Requests per second [req/s].
    step_s : float
        Step [s].
    target_ms : float or array_like
        Latency target(s) [ms].
    cold_fraction : array_like, shape (K,)
        Cold starts / all requests per step (the fast model's ``cold_start_fraction_per_step``).
    throttle_fraction : array_like, shape (K,) or float
        Attempts throttled per step.
    overhead_ms, retry_backoff_ms, max_retries :
        As in ``lambda_latency``.
    extra_delay_s : array_like, shape (K,), optional
        Wait before processing per step (a queue's backlog) [s].

    Returns
    -------
    (numpy.ndarray, float)
        Exceedance per target (over served requests) and the failed share (over all requests).
    """
    lam = np.atleast_1d(as_float_array("traffic_rps", traffic_rps)).astype(float).ravel()
    req = lam * float(step_s)
    p_thr = np.broadcast_to(np.asarray(throttle_fraction, dtype=float), lam.shape)
    served_share = np.maximum(1.0 - p_thr, 1e-300)
    p_cold = np.clip(np.broadcast_to(np.asarray(cold_fraction, dtype=float), lam.shape) / served_share, 0.0, 1.0)
    max_retries = check_int("max_retries", max_retries, 0)
    r = np.arange(max_retries + 1)
    w_r = p_thr[None, :] ** r[:, None] * (1.0 - p_thr[None, :])
    fail = p_thr ** (max_retries + 1)
    ok = np.maximum(1.0 - fail, 1e-300)
    delays = retry_backoff_ms / 1000.0 * (2.0 ** r - 1.0)
    served = req * (1.0 - fail)
    tot = served.sum()
    targets = np.atleast_1d(np.asarray(target_ms, dtype=float))
    extra = np.zeros(lam.size) if extra_delay_s is None else np.asarray(extra_delay_s, dtype=float)
    out = np.zeros(targets.size)
    if tot <= 0:
        return out, 0.0
    throttled = bool(np.any(p_thr > 0))
    for i, t in enumerate(targets):
        x = (t - overhead_ms) / 1000.0 - extra
        if not throttled:
            sw, sc = model.tails(x)
            ex = (1.0 - p_cold) * sw + p_cold * sc
        else:
            ex = np.zeros(lam.size)
            for rr in range(max_retries + 1):
                sw, sc = model.tails(x - delays[rr])
                ex += w_r[rr] / ok * ((1.0 - p_cold) * sw + p_cold * sc)
        out[i] = float((served * ex).sum() / tot)
    failed = float((req * fail).sum() / req.sum()) if req.sum() > 0 else 0.0
    return out, failed


def percentile_from_exceedance(exceed_at: Any, percentile: float, low_ms: float, high_ms: float, *,
                               rel_tol: float = 2e-3) -> float:
    """The latency [ms] where a decreasing exceedance function crosses ``1 - percentile/100``.

    ``exceed_at(targets_ms) -> shares`` is evaluated on a log grid and refined by bisection
    to ``rel_tol``; returns ``high_ms`` if the exceedance is still too high there.
    """
    q = 1.0 - percentile / 100.0
    lo, hi = float(low_ms), float(high_ms)
    if float(np.asarray(exceed_at(np.array([hi])))[0]) > q:
        return hi
    grid = np.geomspace(lo, hi, 16)
    ex = np.asarray(exceed_at(grid), dtype=float)
    ok = np.flatnonzero(ex <= q)
    j = int(ok[0])
    if j == 0:
        return lo
    a, b = grid[j - 1], grid[j]
    while b / a > 1.0 + rel_tol:
        mids = np.geomspace(a, b, 9)[1:-1]
        em = np.asarray(exceed_at(mids), dtype=float)
        k = np.flatnonzero(em <= q)
        if k.size:
            b = float(mids[k[0]])
            a = float(mids[k[0] - 1]) if k[0] > 0 else a
        else:
            a = float(mids[-1])
    return float(b)


def lambda_vcpu(memory_mb: Any) -> Any:
    """vCPUs Lambda allocates at a memory size: ``min(memory / 1769, 6)`` [vCPU]."""
    m = np.asarray(memory_mb, dtype=float)
    check_range("memory_mb", m, 128.0, 10240.0, "MB")
    out = np.minimum(m / LAMBDA_MB_PER_VCPU, LAMBDA_MAX_VCPU)
    return out if out.ndim else float(out)


def duration_factor_for_memory(memory_mb: Any, base_memory_mb: float, cpu_bound_fraction: float, *,
                               threads: int = 1) -> Any:
    """Duration at ``memory_mb`` relative to the duration at ``base_memory_mb`` [-].

    The CPU-bound share ``f`` of the duration at the base memory runs faster with more CPU,
    up to ``threads`` vCPUs (single-threaded code gains nothing past 1,769 MB); the rest
    (waiting on I/O) does not change: ``D(m)/D(m0) = (1 - f) + f s(m0)/s(m)`` with
    ``s(m) = min(vcpu(m), threads)``.

    Parameters
    ----------
    memory_mb : float or array
        Memory sizes [MB], 128-10,240.
    base_memory_mb : float
        Memory at which the duration was measured [MB].
    cpu_bound_fraction : float
        Share of the duration at the base memory that is CPU-bound [-], 0-1.
    threads : int
        Threads the work can use.
    """
    check_range("cpu_bound_fraction", cpu_bound_fraction, 0.0, 1.0)
    threads = check_int("threads", threads, 1)
    s0 = min(lambda_vcpu(base_memory_mb), threads)
    s = np.minimum(np.asarray(lambda_vcpu(memory_mb), dtype=float), threads)
    out = (1.0 - cpu_bound_fraction) + cpu_bound_fraction * s0 / s
    return out if np.ndim(out) else float(out)


def daily_peak_levels(rate_rps: npt.ArrayLike, step_s: float, slot_s: float = 300.0, *, recur_share: float = 0.8,
                      start_s_of_day: float = 0.0) -> np.ndarray:
    """Demand that recurs in the same slot of the day on most days [req/s per slot].

    For every slot of the day (``slot_s`` long) the peak rate of the slot on each day, and
    the level that the slot reaches on at least ``recur_share`` of the days (the
    ``1 - recur_share`` quantile over days, linear interpolation). A burst at the same time
    every day is a predictable peak (its level comes out); a burst at a random time is not
    (the slot's level stays at the base). Whole days only; needs at least two.

    Returns
    -------
    numpy.ndarray
        One level per slot, shape ``(86400 / slot_s,)``, slot 0 starting at midnight of the
        series clock (``start_s_of_day`` = time of day of the first step).
    """
    rate = np.atleast_1d(as_float_array("rate_rps", rate_rps)).astype(float).ravel()
    check_range("recur_share", recur_share, 0.0, 1.0)
    per_slot = int(round(float(slot_s) / float(step_s)))
    if per_slot < 1 or abs(per_slot * float(step_s) - float(slot_s)) > 1e-9 or (86400.0 / slot_s) % 1:
        raise InvalidParameterError("slot_s", slot_s, f"a whole multiple of step_s={step_s:g} dividing a day")
    n_slots = int(86400.0 // slot_s)
    steps_per_day = n_slots * per_slot
    # drop the steps before the first midnight of the series clock (a partial first day)
    skip = (-int(round(float(start_s_of_day) / float(step_s)))) % steps_per_day
    n_days = (rate.size - skip) // steps_per_day
    if n_days < 2:
        raise InvalidParameterError("rate_rps", f"{rate.size} steps", "at least two whole days")
    day_peak = rate[skip:skip + n_days * steps_per_day].reshape(n_days, n_slots, per_slot).max(axis=2)
    return np.quantile(day_peak, 1.0 - recur_share, axis=0)

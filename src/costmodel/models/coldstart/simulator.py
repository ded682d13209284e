"""Cold starts on a scale-per-request platform (AWS Lambda), with SimFaaS semantics.

Three layers, from exact to closed form:

* :func:`simulate` - an exact event-driven per-request simulator. Semantics follow the
  public reference simulator SimFaaS (Mahmoudi & Khazaei, CLOSER 2021; PyPI ``simfaas``
  0.2.2): one request per instance at a time; a request that finds no idle instance
  starts a new one (a cold start) unless ``concurrency_limit`` instances are already
  busy, in which case it is throttled (rejected); routing picks the **newest** idle
  instance (latest creation time), so older instances starve and expire; an instance
  expires ``keep_alive_s`` after its **last departure**. Provisioned-concurrency
  instances are always warm, never expire and are preferred over on-demand instances
  (as Lambda does); they count towards ``concurrency_limit``.
* Closed forms: :func:`low_rate_cold_start_fraction` (``e^{-lambda T}/(1 + lambda w)``),
  :func:`erlang_b`, :func:`erlang_c`, :func:`mean_response_s`
  (``E[R] = w + P(cold)(c - w)``).
* :func:`steady_state_model` - the analytical model of Mahmoudi & Khazaei, "Performance
  Modeling of Serverless Computing Platforms", IEEE TCC 2020, for Poisson traffic.

The fast whole-month model lives in :mod:`costmodel.models.coldstart.fast`.

Design of the simulator (measured, see ``docs/benchmarks-coldstart.md``): arrivals and
service times are drawn up front with numpy; the event loop does only O(log n) heap
work per request (a min-heap of departures, a max-heap of idle instances keyed by
creation order, expiry checked lazily when an idle instance is picked - an expired
instance is never picked again, so its death time is simply ``last departure +
keep_alive_s``). Instance counts over time are rebuilt afterwards from the instances'
lifetimes and the requests' service intervals with numpy, so the loop records nothing
but a status byte and an instance id per request.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from scipy.stats import t as student_t

from costmodel._validate import as_float_array, check_finite, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import Seed
from costmodel.models.coldstart.arrivals import (  # re-exported: part of this module's API before the split
    ARRIVALS,
    arrival_counts,
    arrivals_for_traffic,
    as_rng,
    check_arrivals,
    counts_arrival_times_s,
    poisson_arrival_times_s,
    time_average_counts,
)
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.duration import Duration, as_duration  # re-exported: defined here before models.duration
from costmodel.models.numerics import erlang_b_array, erlang_c_array

__all__ = [
    "Duration",
    "as_duration",
    "SimulationResult",
    "simulate",
    "poisson_arrival_times_s",
    "counts_arrival_times_s",
    "ARRIVALS",
    "check_arrivals",
    "arrival_counts",
    "arrivals_for_traffic",
    "cold_start_fraction",
    "low_rate_cold_start_fraction",
    "erlang_b",
    "erlang_c",
    "mean_response_s",
    "SteadyState",
    "steady_state_model",
    "confidence_interval",
    "time_average_counts",
    "WARM",
    "COLD",
    "THROTTLED",
]

#: Request status codes in :attr:`SimulationResult.status`.
WARM, COLD, THROTTLED = 0, 1, 2


# ---------------------------------------------------------------------------------
# Exact simulator
# ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Outcome of :func:`simulate`.

    Attributes
    ----------
    requests, cold_starts, throttles : int
        Request counts.
    cold_start_fraction : float
        Cold starts / requests (SimFaaS ``prob_cold``; throttled requests in the
        denominator, as SimFaaS does).
    throttle_fraction : float
        Throttled / requests (SimFaaS ``prob_reject``).
    mean_instances, mean_busy_instances, mean_idle_instances : float
        Time averages over ``[0, horizon_s]`` (SimFaaS ``inst_count_avg``,
        ``inst_running_count_avg``, ``inst_idle_count_avg``), provisioned instances
        included.
    instances_created : int
        On-demand instances started (equals ``cold_starts``).
    horizon_s : float
        Simulated time [s].
    arrival_s : numpy.ndarray
        Arrival time of each request [s].
    status : numpy.ndarray of int8
        ``WARM`` (0), ``COLD`` (1) or ``THROTTLED`` (2) per request.
    response_s : numpy.ndarray
        Response time per request [s] (cold: the cold service time, i.e. init plus
        execution); NaN for throttled requests.
    count_time_s : numpy.ndarray
        Start of each counting bin [s].
    instances, busy_instances, idle_instances : numpy.ndarray
        Time-averaged instance counts per counting bin.
    """

    requests: int
    cold_starts: int
    throttles: int
    cold_start_fraction: float
    throttle_fraction: float
    mean_instances: float
    mean_busy_instances: float
    mean_idle_instances: float
    instances_created: int
    horizon_s: float
    arrival_s: np.ndarray = field(repr=False)
    status: np.ndarray = field(repr=False)
    response_s: np.ndarray = field(repr=False)
    count_time_s: np.ndarray = field(repr=False)
    instances: np.ndarray = field(repr=False)
    busy_instances: np.ndarray = field(repr=False)
    idle_instances: np.ndarray = field(repr=False)

    @property
    def latency_s(self) -> np.ndarray:
        """Response times [s] of the served (not throttled) requests."""
        return self.response_s[self.status != THROTTLED]

    @property
    def mean_response_s(self) -> float:
        """Mean response time of served requests [s]."""
        lat = self.latency_s
        return float(lat.mean()) if lat.size else float("nan")

    def to_dict(self) -> dict:
        """Scalar results with SimFaaS's ``get_result_dict()`` key names added."""
        return {
            "requests": self.requests,
            "cold_starts": self.cold_starts,
            "throttles": self.throttles,
            "cold_start_fraction": self.cold_start_fraction,
            "throttle_fraction": self.throttle_fraction,
            "mean_instances": self.mean_instances,
            "mean_busy_instances": self.mean_busy_instances,
            "mean_idle_instances": self.mean_idle_instances,
            "prob_cold": self.cold_start_fraction,
            "prob_reject": self.throttle_fraction,
            "inst_count_avg": self.mean_instances,
            "inst_running_count_avg": self.mean_busy_instances,
            "inst_idle_count_avg": self.mean_idle_instances,
        }


def _check_common(keep_alive_s: float, concurrency_limit: int, provisioned_concurrency: int) -> tuple[float, int, int]:
    check_positive("keep_alive_s", keep_alive_s)
    cap = check_int("concurrency_limit", concurrency_limit, minimum=1)
    pc = check_int("provisioned_concurrency", provisioned_concurrency, minimum=0)
    if cap < pc:
        raise InvalidParameterError(
            "concurrency_limit", cap, f"at least provisioned_concurrency={pc}"
        )
    return float(keep_alive_s), cap, pc


def _cold_service(warm: Duration, init_duration: Any, cold_duration: Any) -> tuple[Duration | None, Duration | None]:
    """Return (init Duration or None, cold Duration or None) after validation."""
    if init_duration is not None and cold_duration is not None:
        raise InvalidParameterError(
            "cold_duration", cold_duration, "None when init_duration is given (give one of the two)"
        )
    if cold_duration is not None:
        cold = as_duration("cold_duration", cold_duration)
        if cold.mean_s < warm.mean_s:
            raise InvalidParameterError(
                "cold_duration", cold.mean_s,
                f"a mean cold service time >= the warm mean {warm.mean_s:g} s",
            )
        return None, cold
    init = as_duration("init_duration", 0.0 if init_duration is None else init_duration)
    return init, None


def _event_loop(arrivals: list[float], warm_s: list[float], cold_s: list[float], keep_alive_s: float, cap: int,
                pc: int) -> tuple[bytearray, list[int], list[float], list[float]]:
    """The per-request loop. Returns status bytes, instance id per request (-1 when
    throttled), creation times and final last-departure times of instances."""
    heappush, heappop = heapq.heappush, heapq.heappop
    n = len(arrivals)
    status = bytearray(n)
    inst_of = [-1] * n
    creation = [0.0] * pc          # instance id -> creation time
    last_dep = [math.inf] * pc     # instance id -> last departure (inf: never expires / busy)
    pc_idle = list(range(pc))      # provisioned instances are interchangeable
    idle: list[int] = []           # max-heap (negated ids) of idle on-demand instances
    busy: list[tuple[float, int]] = []  # min-heap of (departure time, id)
    n_busy = 0
    for i in range(n):
        t = arrivals[i]
        while busy and busy[0][0] <= t:
            d, k = heappop(busy)
            n_busy -= 1
            if k < pc:
                pc_idle.append(k)
            else:
                last_dep[k] = d
                heappush(idle, -k)
        if pc_idle:
            k = pc_idle.pop()
            heappush(busy, (t + warm_s[i], k))
            n_busy += 1
            inst_of[i] = k
            continue
        while idle:
            k = -heappop(idle)
            if last_dep[k] + keep_alive_s >= t:   # still alive: newest idle instance
                break
            k = -1                                 # expired: forget it and look further
        else:
            k = -1
        if k >= 0:
            heappush(busy, (t + warm_s[i], k))
            n_busy += 1
            inst_of[i] = k
            continue
        if n_busy >= cap:
            status[i] = THROTTLED
            continue
        k = len(creation)
        creation.append(t)
        last_dep.append(math.inf)
        heappush(busy, (t + cold_s[i], k))
        n_busy += 1
        status[i] = COLD
        inst_of[i] = k
    for d, k in busy:                  # still busy at the end: their departure is final
        if k >= pc:
            last_dep[k] = d
    return status, inst_of, creation, last_dep




def simulate(
    arrival_rps: npt.ArrayLike | None = None,
    horizon_s: float | None = None,
    *,
    step_s: float | None = None,
    arrival_times_s: npt.ArrayLike | None = None,
    warm_duration: Duration | float,
    init_duration: Duration | float | None = None,
    cold_duration: Duration | float | None = None,
    keep_alive_s: float = 600.0,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
    count_step_s: float | None = None,
    random_state: Seed = None,
    arrivals: str = "poisson",
) -> SimulationResult:
    """Exact per-request simulation of a scale-per-request platform (SimFaaS semantics).

    Parameters
    ----------
    arrival_rps : float or array_like, optional
        Arrival rate [requests/s]: a scalar (constant, needs ``horizon_s``) or a per-step
        series (needs ``step_s``; e.g. from :mod:`costmodel.models.traffic`); expanded to arrival
        times as ``arrivals`` says.
    horizon_s : float, optional
        Simulated time [s] for a scalar rate or explicit arrival times (default for the
        latter: just after the last arrival). Arrivals at or after it are ignored.
    step_s : float, optional
        Step length [s] of a per-step rate series.
    arrival_times_s : array_like, optional
        Explicit sorted arrival times [s] (trace replay) instead of ``arrival_rps``.
    warm_duration : Duration or float
        Warm execution time distribution (a number is an exponential mean [s]).
    init_duration : Duration or float, optional
        Init time [s] added to a cold request's warm execution time (Lambda semantics:
        cold response = init + execution). Default 0.
    cold_duration : Duration or float, optional
        Instead of ``init_duration``: the whole cold response time distribution
        (SimFaaS's ``cold_service_rate``); its mean must be >= the warm mean.
    keep_alive_s : float
        Idle time after an instance's last departure before it expires [s] (> 0).
    concurrency_limit : int
        Maximum concurrently busy instances; a request finding all busy is throttled.
    provisioned_concurrency : int
        Always-warm instances (preferred by routing, never expire, <= concurrency_limit).
    count_step_s : float, optional
        Bin length [s] for the instance-count series (default ``step_s``, or 60 s for a
        scalar rate).
    random_state : int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same result.
    arrivals : {"poisson", "counts"}
        How ``arrival_rps`` becomes arrival times. ``"poisson"`` (default, generated
        mean rates): a Poisson process with that rate within each step
        (:func:`poisson_arrival_times_s`). ``"counts"`` (cron-like schedules, traces of
        invocation counts): ``rate x step_s`` (``x horizon_s`` for a scalar) is the
        exact number of arrivals, spread evenly (:func:`counts_arrival_times_s`); it must
        be a whole number. Ignored with ``arrival_times_s``.

    Returns
    -------
    SimulationResult
    """
    mode = check_arrivals(arrivals)
    keep_alive_s, cap, pc = _check_common(keep_alive_s, concurrency_limit, provisioned_concurrency)
    warm = as_duration("warm_duration", warm_duration)
    init, cold = _cold_service(warm, init_duration, cold_duration)
    rng = as_rng(random_state)

    if arrival_times_s is not None:
        times = as_float_array("arrival_times_s", arrival_times_s).ravel()
        check_non_negative("arrival_times_s", times)
        if times.size and np.any(np.diff(times) < 0):
            raise InvalidParameterError("arrival_times_s", "unsorted", "times in increasing order")
        if horizon_s is None:   # just past the last arrival, so that it is included
            horizon_s = float(np.nextafter(times[-1], np.inf)) if times.size else 1.0
        check_positive("horizon_s", horizon_s)
        times = times[times < horizon_s]
        default_bin = 60.0
    elif arrival_rps is None:
        raise InvalidParameterError("arrival_rps", None, "a rate [requests/s] or arrival_times_s")
    elif np.ndim(arrival_rps) == 0:
        check_non_negative("arrival_rps", arrival_rps)
        if horizon_s is None:
            raise InvalidParameterError("horizon_s", None, "a simulated time [s] > 0 for a scalar arrival_rps")
        check_positive("horizon_s", horizon_s)
        if mode == "counts":
            times = counts_arrival_times_s(arrival_rps, horizon_s)
        else:
            times = poisson_arrival_times_s(arrival_rps, horizon_s, rng)
        default_bin = min(60.0, float(horizon_s))
    else:
        if step_s is None:
            raise InvalidParameterError("step_s", None, "a step length [s] > 0 for a per-step arrival_rps")
        rates = as_float_array("arrival_rps", arrival_rps).ravel()
        check_non_negative("arrival_rps", rates)
        check_positive("step_s", step_s)
        horizon_s = rates.size * float(step_s)
        if mode == "counts":
            times = counts_arrival_times_s(rates, step_s)
        else:
            times = poisson_arrival_times_s(rates, step_s, rng)
        default_bin = float(step_s)
    horizon_s = float(horizon_s)
    count_step_s = default_bin if count_step_s is None else float(check_positive("count_step_s", count_step_s))

    n = times.size
    warm_s = warm.sample(n, rng)
    if cold is not None:
        cold_s = cold.sample(n, rng)
    else:
        cold_s = warm_s + cast(Duration, init).sample(n, rng)  # init is given when cold is not

    status_b, inst_of, creation, last_dep = _event_loop(
        times.tolist(), warm_s.tolist(), cold_s.tolist(), keep_alive_s, cap, pc
    )
    status = np.frombuffer(bytes(status_b), dtype=np.int8).copy()
    served = status != THROTTLED
    response_s = np.where(status == COLD, cold_s, warm_s)
    response_s[~served] = np.nan

    # lifetimes of on-demand instances: creation -> last departure + keep-alive
    creation_a = np.asarray(creation[pc:], dtype=float)
    death_a = np.asarray(last_dep[pc:], dtype=float) + keep_alive_s
    edges = np.arange(0.0, horizon_s, count_step_s)
    edges = np.append(edges, horizon_s)
    inst = time_average_counts(creation_a, np.minimum(death_a, horizon_s), edges) + pc
    busy = time_average_counts(times[served], np.minimum(times[served] + response_s[served], horizon_s), edges)
    widths = np.diff(edges)
    mean_inst = float((inst * widths).sum() / horizon_s)
    mean_busy = float((busy * widths).sum() / horizon_s)

    n_cold = int((status == COLD).sum())
    n_thr = int((~served).sum())
    return SimulationResult(
        requests=int(n),
        cold_starts=n_cold,
        throttles=n_thr,
        cold_start_fraction=n_cold / n if n else 0.0,
        throttle_fraction=n_thr / n if n else 0.0,
        mean_instances=mean_inst,
        mean_busy_instances=mean_busy,
        mean_idle_instances=mean_inst - mean_busy,
        instances_created=len(creation) - pc,
        horizon_s=horizon_s,
        arrival_s=times,
        status=status,
        response_s=response_s,
        count_time_s=edges[:-1],
        instances=inst,
        busy_instances=busy,
        idle_instances=inst - busy,
    )


def cold_start_fraction(
    arrival_rps: npt.ArrayLike,
    step_s: float,
    warm_duration: Duration | float,
    keep_alive_s: float = 600.0,
    *,
    init_duration: Duration | float | None = None,
    concurrency_limit: int = 1000,
    provisioned_concurrency: int = 0,
    method: str = "fast",
    random_state: Seed = None,
    arrivals: str = "poisson",
) -> float:
    """Fraction of requests that are cold starts, by the fast model or the simulator.

    Parameters
    ----------
    arrival_rps : float or array_like
        Arrival rate per step [requests/s].
    step_s : float
        Step length [s] (for a scalar rate: the simulated time).
    warm_duration : Duration or float
        Warm execution time (a number is an exponential mean [s]).
    keep_alive_s : float
        Keep-alive after the last departure [s].
    init_duration : Duration or float, optional
        Init time [s] (only the simulator uses it; the fast model's P(cold) does not
        depend on it).
    concurrency_limit, provisioned_concurrency : int
        As in :func:`simulate`.
    method : {"fast", "exact"}
        ``"fast"``: :func:`costmodel.models.coldstart.fast.fast_cold_starts`;
        ``"exact"``: :func:`simulate`.
    random_state : int or numpy.random.Generator, optional
        Seed for ``"exact"``.
    arrivals : {"poisson", "counts"}
        Arrival expansion of the series (see :func:`simulate`); both methods honour it.

    Returns
    -------
    float
        Cold starts / requests over the whole series.
    """
    check_arrivals(arrivals)
    if method == "exact":
        rates = np.atleast_1d(np.asarray(arrival_rps, dtype=float))
        return simulate(
            rates, step_s=step_s, warm_duration=warm_duration, init_duration=init_duration,
            keep_alive_s=keep_alive_s, concurrency_limit=concurrency_limit,
            provisioned_concurrency=provisioned_concurrency, random_state=random_state,
            arrivals=arrivals,
        ).cold_start_fraction
    if method != "fast":
        raise InvalidParameterError("method", method, "'fast' or 'exact'")

    return fast_cold_starts(
        arrival_rps, step_s, as_duration("warm_duration", warm_duration).mean_s, keep_alive_s,
        concurrency_limit=concurrency_limit, provisioned_concurrency=provisioned_concurrency,
        arrivals=arrivals,
    ).cold_start_fraction


# ---------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------
def low_rate_cold_start_fraction(arrival_rps: npt.ArrayLike, warm_mean_s: Any, keep_alive_s: Any) -> Any:
    """P(cold) for a single instance at low rate: ``e^{-lambda T} / (1 + lambda w)``.

    The instance is idle with probability ``1/(1 + lambda w)`` (Erlang-B, one server)
    and is still alive when no request arrived during the keep-alive ``T`` since its
    last departure. Exact in the limit ``lambda w -> 0``; the source is the SimFaaS
    validation (Mahmoudi & Khazaei 2021; 0.5485 at 0.001/s, 0.5 s, 600 s).

    Parameters
    ----------
    arrival_rps : float or array_like
        Poisson arrival rate [requests/s].
    warm_mean_s : float or array_like
        Mean warm service time [s].
    keep_alive_s : float or array_like
        Keep-alive [s].

    Returns
    -------
    float or numpy.ndarray
    """
    check_non_negative("arrival_rps", arrival_rps)
    check_non_negative("warm_mean_s", warm_mean_s)
    check_positive("keep_alive_s", keep_alive_s)
    lam = np.asarray(arrival_rps, dtype=float)
    out = np.exp(-lam * keep_alive_s) / (1.0 + lam * np.asarray(warm_mean_s, dtype=float))
    return out.item() if out.ndim == 0 else out


def erlang_b(servers: Any, offered_load: Any) -> Any:
    """Erlang-B blocking probability ``B(n, a)`` (M/G/n/n loss system).

    Stable for any size (:func:`costmodel.models.numerics.erlang_b_array`): the
    recursion ``B(0) = 1``, ``B(j) = a B(j-1) / (j + a B(j-1))`` up to 64 servers, the
    Poisson pmf/cdf ratio in log space beyond (millions of servers, loads to 1e12
    Erlang, no overflow); vectorised over arrays of ``servers`` and ``offered_load``
    (broadcast). Example: ``B(20, 20) = 0.1589`` (lambda = 10/s, w = 2 s, cap 20).

    Parameters
    ----------
    servers : int or array_like of int
        Number of servers ``n >= 0``.
    offered_load : float or array_like
        Offered load ``a = lambda w`` [Erlang].

    Returns
    -------
    float or numpy.ndarray
    """
    n = np.asarray(servers, dtype=float)
    check_finite("servers", n)
    if n.size and (np.any(n < 0) or np.any(n != np.round(n))):
        raise InvalidParameterError("servers", servers, "whole numbers >= 0")
    check_non_negative("offered_load", offered_load)
    out = erlang_b_array(n, np.asarray(offered_load, dtype=float))
    return out.item() if out.ndim == 0 else out


def erlang_c(servers: Any, offered_load: Any) -> Any:
    """Erlang-C probability of waiting ``C(n, a)`` in an M/M/n queue (1 when ``a >= n``).

    ``C = n B / (n - a (1 - B))`` with ``B`` the Erlang-B probability.

    Parameters
    ----------
    servers : int or array_like of int
        Number of servers ``n >= 1``.
    offered_load : float or array_like
        Offered load ``a = lambda / mu`` [Erlang].

    Returns
    -------
    float or numpy.ndarray
    """
    n = np.asarray(servers, dtype=float)
    check_finite("servers", n)
    if n.size and (np.any(n < 0) or np.any(n != np.round(n))):
        raise InvalidParameterError("servers", servers, "whole numbers >= 0")
    check_non_negative("offered_load", offered_load)
    c = erlang_c_array(n, np.asarray(offered_load, dtype=float))
    return c.item() if c.ndim == 0 else c


def mean_response_s(cold_start_fraction: Any, warm_mean_s: Any, cold_mean_s: Any) -> Any:
    """Mean response ``E[R] = w + P(cold) (c - w)`` [s].

    Parameters
    ----------
    cold_start_fraction : float or array_like
        P(cold) among served requests.
    warm_mean_s : float or array_like
        Mean warm response ``w`` [s].
    cold_mean_s : float or array_like
        Mean cold response ``c`` (init + execution) [s].
    """
    p = np.asarray(cold_start_fraction, dtype=float)
    w = np.asarray(warm_mean_s, dtype=float)
    out = w + p * (np.asarray(cold_mean_s, dtype=float) - w)
    return out.item() if out.ndim == 0 else out


# ---------------------------------------------------------------------------------
# Mahmoudi & Khazaei steady-state model
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SteadyState:
    """Steady-state figures of :func:`steady_state_model`.

    Attributes
    ----------
    cold_start_fraction, throttle_fraction : float
    mean_instances, mean_busy_instances, mean_idle_instances : float
    mean_response_s : float
        Mean response time of served requests [s].
    instance_count_probabilities : numpy.ndarray
        P(n instances), n = 0, 1, ...
    """

    cold_start_fraction: float
    throttle_fraction: float
    mean_instances: float
    mean_busy_instances: float
    mean_idle_instances: float
    mean_response_s: float
    instance_count_probabilities: np.ndarray = field(repr=False)


def _expected_lifetime_s(rate_rps: float, warm_mean_s: float, keep_alive_s: float) -> float:
    """Expected life of an instance that receives Poisson traffic ``rate_rps`` and dies
    after ``keep_alive_s`` without a request (M&K 2020, eq. for the m-th server)."""
    if rate_rps <= 0:
        return keep_alive_s
    p_die = math.exp(-rate_rps * keep_alive_s)
    if p_die <= 0:
        return math.inf
    cycle = keep_alive_s + warm_mean_s
    # mean gap between consecutive requests, given the gap is shorter than the cycle
    mean_gap = (1.0 - math.exp(-rate_rps * cycle)) / rate_rps - cycle * math.exp(-rate_rps * cycle)
    return keep_alive_s + (1.0 / p_die - 1.0) * mean_gap


def steady_state_model(
    arrival_rps: float,
    warm_mean_s: float,
    cold_mean_s: float,
    keep_alive_s: float = 600.0,
    concurrency_limit: int = 1000,
) -> SteadyState:
    """Steady-state analytical model of Mahmoudi & Khazaei (IEEE TCC 2020) for Poisson traffic.

    The instance count is a birth-death chain. With ``n`` instances an arrival is cold
    iff all ``n`` are busy, probability ``B(n, lambda w)`` (Erlang-B), so the birth rate is
    ``lambda B(n)``; newest-first routing sends the m-th (oldest) instance only overflow
    traffic ``lambda_m = lambda [B(m-1) - B(m)]`` and it dies after a request-free
    keep-alive; the death rate of state ``n`` adds the m-th instances' inverse expected
    lifetimes for ``m <= n`` (as in the authors' ``pacsltk``). Cold starts beyond
    ``concurrency_limit`` are throttled (state ``n = concurrency_limit`` has no births).

    Parameters
    ----------
    arrival_rps : float
        Arrival rate [requests/s] (> 0).
    warm_mean_s : float
        Mean warm service time [s].
    cold_mean_s : float
        Mean cold response time [s] (>= warm).
    keep_alive_s : float
        Keep-alive after the last departure [s].
    concurrency_limit : int
        Maximum instances.

    Returns
    -------
    SteadyState
    """
    check_positive("arrival_rps", arrival_rps)
    check_positive("warm_mean_s", warm_mean_s)
    check_positive("cold_mean_s", cold_mean_s)
    if cold_mean_s < warm_mean_s:
        raise InvalidParameterError("cold_mean_s", cold_mean_s, f">= warm_mean_s={warm_mean_s:g}")
    check_positive("keep_alive_s", keep_alive_s)
    cap = check_int("concurrency_limit", concurrency_limit, minimum=1)
    lam, rho = float(arrival_rps), float(arrival_rps) * float(warm_mean_s)

    births_l, deaths_l, colds_l = [lam], [0.0], [1.0]
    b_prev, death_rate, n, n_last_growing = 1.0, 0.0, 0, 0
    while n - n_last_growing < 5 and n < cap:
        n += 1
        b = rho * b_prev / (n + rho * b_prev)
        death_rate += 1.0 / _expected_lifetime_s(lam * (b_prev - b), warm_mean_s, keep_alive_s)
        b_prev = b
        births_l.append(lam * b if n < cap else 0.0)
        deaths_l.append(death_rate)
        colds_l.append(b)
        if lam * b > death_rate:
            n_last_growing = n
    births, deaths, colds = np.array(births_l), np.array(deaths_l), np.array(colds_l)
    # detailed balance of the birth-death chain: pi_{n+1} = pi_n b_n / d_{n+1}
    with np.errstate(divide="ignore", over="ignore"):
        log_ratio = np.log(births[:-1]) - np.log(np.maximum(deaths[1:], 1e-300))
    log_pi = np.concatenate([[0.0], np.cumsum(log_ratio)])
    log_pi -= log_pi.max()
    pi = np.exp(log_pi)
    pi /= pi.sum()
    counts = np.arange(pi.size)
    p_block = colds  # per state, P(all n busy)
    at_cap = counts == cap
    p_cold = float(np.dot(pi, np.where(at_cap, 0.0, p_block)))
    p_thr = float(np.dot(pi, np.where(at_cap, p_block, 0.0)))
    served_cold = p_cold
    busy = lam * ((1 - p_cold - p_thr) * warm_mean_s + served_cold * cold_mean_s)
    mean_inst = float(np.dot(pi, counts))
    served = 1.0 - p_thr
    resp = ((served - p_cold) * warm_mean_s + p_cold * cold_mean_s) / served if served > 0 else float("nan")
    return SteadyState(
        cold_start_fraction=p_cold,
        throttle_fraction=p_thr,
        mean_instances=mean_inst,
        mean_busy_instances=float(busy),
        mean_idle_instances=float(mean_inst - busy),
        mean_response_s=float(resp),
        instance_count_probabilities=pi,
    )


def confidence_interval(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replications.

    Parameters
    ----------
    values : array_like
        One figure per independent replication (at least 2).
    level : float
        Confidence level (0 to 1).

    Returns
    -------
    (mean, low, high) : tuple of float
    """

    x = as_float_array("values", values).ravel()
    if x.size < 2:
        raise InvalidParameterError("values", values, "at least 2 replications")
    mean = float(x.mean())
    half = float(student_t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half

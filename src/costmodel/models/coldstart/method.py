"""Which cold-start model to run: the fast model, the exact simulator, or ``"auto"``.

:func:`cold_start_model` returns the per-step cold starts, throttles and instance counts
(a :class:`costmodel.models.coldstart.fast.FastColdStarts`) from

* ``method="fast"``: :func:`costmodel.models.coldstart.fast.fast_cold_starts` (months in well
  under a second);
* ``method="exact"``: :func:`costmodel.models.coldstart.simulator.simulate` with the given service and
  init distributions, seeded (``random_state``, default 0), aggregated per step;
* ``method="auto"`` (default): the fast model where its measured accuracy meets the goals
  (``benchmarks/bench_coldstart_accuracy.py``, ``docs/coldstart-model.md`` section 3c:
  cold-start count within 10 %, p99 within 5 %, instance-seconds within 2 %), the exact
  simulator where it does not and the series holds at most :data:`EXACT_MAX_REQUESTS`
  expected requests (about 5 s of simulation here), else the fast model with the reason.

The fast model is outside its measured accuracy (:func:`choose_method`):

* ``arrivals="counts"`` when more than 10 % of the requests arrive in steps that keep more
  than one environment busy and the service time is not fixed (the counts model fixes the
  service at its mean and understates cold starts there, by up to 10x);
* a service time with squared coefficient of variation above 1.5 (a lognormal with p99
  above about 6x the mean: -8 % at cv^2 = 3.3, -15 % at 15);
* a keep-alive shorter than 20 mean service times (+7 % cold starts and -2.7 %
  instance-seconds at 5).

The result's ``method`` is ``"fast"`` or ``"exact"`` and ``method_reason`` says why.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from costmodel._validate import as_float_array, check_choice, check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import Seed
from costmodel.models.coldstart.arrivals import check_arrivals, counts_concurrency
from costmodel.models.coldstart.fast import FastColdStarts, fast_cold_starts
from costmodel.models.coldstart.simulator import simulate
from costmodel.models.duration import Duration, as_duration

__all__ = ["METHODS", "EXACT_MAX_REQUESTS", "choose_method", "cold_start_model", "exact_cold_starts"]

#: accepted values of ``method``
METHODS = ("auto", "fast", "exact")
#: ``method="auto"`` simulates at most this many expected requests (~5 s on the shared
#: 2-core machine at ~400,000 requests/s)
EXACT_MAX_REQUESTS = 2_000_000
#: limits of the fast model's measured accuracy (see the module docstring)
MAX_SERVICE_CV2 = 1.5
MIN_KEEP_ALIVE_IN_SERVICE_TIMES = 20.0
MAX_MULTI_ENV_SHARE_COUNTS = 0.10


def check_method(method: Any) -> str:
    """Validate ``method`` (one of :data:`METHODS`)."""
    return check_choice("method", method, METHODS)


def service_cv2(d: Duration) -> float:
    """Squared coefficient of variation of a duration distribution (:meth:`Duration.scv`)."""
    return d.scv()


def choose_method(arrival_rps: npt.ArrayLike, step_s: float, warm_duration: Duration | float, keep_alive_s: float, *,
                  arrivals: str = "poisson", method: str = "auto",
                  max_exact_requests: float = EXACT_MAX_REQUESTS) -> tuple[str, str]:
    """The method ``cold_start_model`` runs for these inputs, and why.

    Returns
    -------
    (method, reason) : tuple of str
        ``method`` is ``"fast"`` or ``"exact"``.
    """
    method = check_method(method)
    if method != "auto":
        return method, f"method={method!r} requested"
    warm = as_duration("warm_duration", warm_duration)
    rates = np.atleast_1d(as_float_array("arrival_rps", arrival_rps)).ravel()
    requests = float(rates.sum() * float(step_s))
    outside = []
    if arrivals == "counts" and warm.kind != "fixed" and requests > 0:
        counts = np.rint(rates * float(step_s))
        multi = counts_concurrency(counts, float(step_s), warm.mean_s) > 1
        share = float(counts[multi].sum() / counts.sum())
        if share > MAX_MULTI_ENV_SHARE_COUNTS:
            outside.append(f"{100 * share:.0f} % of the counted requests need more than one environment at once "
                           "with a variable service time")
    cv2 = service_cv2(warm)
    if arrivals == "poisson" and cv2 > MAX_SERVICE_CV2:
        outside.append(f"service time cv^2 = {cv2:.2g} > {MAX_SERVICE_CV2:g}")
    if warm.mean_s > 0 and keep_alive_s < MIN_KEEP_ALIVE_IN_SERVICE_TIMES * warm.mean_s:
        outside.append(f"keep-alive {keep_alive_s:g} s < {MIN_KEEP_ALIVE_IN_SERVICE_TIMES:g} x the mean "
                       f"service time {warm.mean_s:g} s")
    if not outside:
        return "fast", "within the fast model's measured accuracy"
    why = "; ".join(outside)
    if requests <= max_exact_requests:
        return "exact", f"{why}: exact simulator ({requests:,.0f} requests <= {max_exact_requests:,.0f})"
    return "fast", (f"{why}, but {requests:,.0f} requests > {max_exact_requests:,.0f} are too many to simulate: "
                    "fast model, outside its measured accuracy")


def exact_cold_starts(arrival_rps: npt.ArrayLike, step_s: float, warm_duration: Duration | float, keep_alive_s: float = 600.0, *,
                      init_duration: Duration | float | None = None, concurrency_limit: int = 1000, provisioned_concurrency: int = 0,
                      arrivals: str = "poisson", random_state: Seed = 0) -> FastColdStarts:
    """The exact simulator's per-step figures in the fast model's result type.

    The result describes the simulated realisation: its ``arrival_rps`` is the simulated
    requests per step / ``step_s`` (not the input mean rates), P(cold) and P(throttle) per
    step are the simulated request shares (0 in a step that drew no request), instance and
    busy counts the simulated time averages; so the totals are the simulated totals, and a
    sparse Poisson series is not weighted by requests that were never drawn.
    """
    rates = np.atleast_1d(as_float_array("arrival_rps", arrival_rps)).ravel()
    check_non_negative("arrival_rps", rates)
    check_positive("step_s", step_s)
    step_s = float(step_s)
    sim = simulate(rates, step_s=step_s, warm_duration=warm_duration, init_duration=init_duration,
                   keep_alive_s=keep_alive_s, concurrency_limit=concurrency_limit,
                   provisioned_concurrency=provisioned_concurrency, count_step_s=step_s,
                   random_state=random_state, arrivals=arrivals)
    n = rates.size
    k = np.minimum((sim.arrival_s // step_s).astype(np.int64), n - 1)
    req = np.bincount(k, minlength=n).astype(float)
    cold = np.bincount(k, weights=(sim.status == 1).astype(float), minlength=n)
    thr = np.bincount(k, weights=(sim.status == 2).astype(float), minlength=n)
    p_cold = np.divide(cold, req, out=np.zeros(n), where=req > 0)
    p_thr = np.divide(thr, req, out=np.zeros(n), where=req > 0)
    inst = sim.instances[:n] if sim.instances.size >= n else np.pad(sim.instances, (0, n - sim.instances.size))
    busy = sim.busy_instances[:n] if sim.busy_instances.size >= n else np.pad(sim.busy_instances,
                                                                           (0, n - sim.busy_instances.size))
    return FastColdStarts(step_s=step_s, arrival_rps=req / step_s, cold_start_fraction_per_step=p_cold,
                          throttle_fraction_per_step=p_thr, instances=inst, busy_instances=busy,
                          arrivals=arrivals, method="exact",
                          method_reason=f"exact simulator ({sim.requests:,} requests simulated)")


def cold_start_model(arrival_rps: npt.ArrayLike, step_s: float, warm_duration: Duration | float, keep_alive_s: float = 600.0, *,
                     init_duration: Duration | float | None = None, concurrency_limit: int = 1000, provisioned_concurrency: int = 0,
                     arrivals: str = "poisson", method: str = "auto", random_state: Seed = 0,
                     max_exact_requests: float = EXACT_MAX_REQUESTS) -> FastColdStarts:
    """Per-step cold starts, throttles and instances by the fast model or the simulator.

    Parameters
    ----------
    arrival_rps : float or array_like
        Rate per step [requests/s].
    step_s : float
        Step [s].
    warm_duration : Duration or float
        Warm execution time (a number: an exponential mean [s], as in :func:`simulate`).
    keep_alive_s : float
        Keep-alive after the last departure [s].
    init_duration : Duration or float, optional
        Init time of a cold start [s].
    concurrency_limit, provisioned_concurrency : int
    arrivals : {"poisson", "counts"}
    method : {"auto", "fast", "exact"}
        See the module docstring.
    random_state : int or numpy.random.Generator, optional
        Seed of the simulator (default 0: the same inputs give the same result).
    max_exact_requests : float
        ``"auto"`` simulates at most this many expected requests.

    Returns
    -------
    FastColdStarts
        With ``method`` (``"fast"`` or ``"exact"``) and ``method_reason``.
    """
    check_arrivals(arrivals)
    warm = as_duration("warm_duration", warm_duration)
    init = as_duration("init_duration", 0.0 if init_duration is None else init_duration)
    check_int("concurrency_limit", concurrency_limit, minimum=1)
    chosen, reason = choose_method(arrival_rps, step_s, warm, keep_alive_s, arrivals=arrivals, method=method,
                                   max_exact_requests=max_exact_requests)
    if chosen == "exact":
        res = exact_cold_starts(arrival_rps, step_s, warm, keep_alive_s, init_duration=init,
                                concurrency_limit=concurrency_limit,
                                provisioned_concurrency=provisioned_concurrency, arrivals=arrivals,
                                random_state=random_state)
        return replace(res, method_reason=reason)
    if warm.mean_s <= 0:
        raise InvalidParameterError("warm_duration", warm.mean_s, "a mean execution time > 0 s")
    res = fast_cold_starts(arrival_rps, step_s, warm.mean_s, keep_alive_s, init_mean_s=init.mean_s,
                           concurrency_limit=concurrency_limit, provisioned_concurrency=provisioned_concurrency,
                           arrivals=arrivals)
    return replace(res, method="fast", method_reason=reason)

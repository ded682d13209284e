"""Response-time distributions of a pool of ``c`` servers (containers): exact M/M/c, the
M/G/c approximation used by :func:`costmodel.models.latency.container_latency`, and an exact
FIFO simulation to measure that approximation.

* :func:`mmc_sojourn_cdf` / :func:`mmc_sojourn_quantile` - the exact M/M/c response time
  ``R = W + S`` (FIFO): ``W = 0`` with probability ``1 - C(c, a)`` (Erlang C), else
  exponential with rate ``theta = c mu - lambda``, independent of the own service
  ``S ~ Exp(mu)``; ``P(W + S <= x)`` is a hypoexponential CDF in closed form.
* :func:`wait_plus_service_cdf` - ``P(E + S <= x)`` for ``E ~ Exp(theta)`` and any service
  distribution: closed form for exponential and fixed service, else the exact
  convolution recursion ``H(x_{j+1}) = e^{-theta dx} H(x_j) + dF_S phi(theta dx)`` on the
  latency grid (``H = P(S <= x) - P(E + S <= x)``, service CDF linear between grid
  points, ``phi(z) = (1 - e^{-z}) / z``): no quantile truncation of the service tail.
* :func:`simulate_fifo_pool` - per-request response times of a FIFO pool of ``c``
  servers with Poisson arrivals and any service distribution (each request takes the
  server that frees first: Kiefer-Wolfowitz), for measuring the M/G/c approximation.
"""
from __future__ import annotations

import heapq
from typing import Any

import numpy as np
from scipy.optimize import brentq

from costmodel._validate import check_int, check_positive
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import Seed
from costmodel.models.duration import Duration, as_duration
from costmodel.models.numerics import erlang_c_array

__all__ = ["mmc_sojourn_cdf", "mmc_sojourn_quantile", "wait_plus_service_cdf", "simulate_fifo_pool"]


def _hypoexp_cdf(x: np.ndarray, mu: float, theta: np.ndarray) -> np.ndarray:
    """P(Exp(mu) + Exp(theta) <= x), rows over ``theta`` (column vector), columns over ``x``."""
    x = np.maximum(x, 0.0)
    th = np.asarray(theta, dtype=float)
    diff = th - mu
    close = np.abs(diff) <= 1e-9 * np.maximum(th, mu)
    safe = np.where(close, 1.0, diff)
    # 1 - (theta e^{-mu x} - mu e^{-theta x}) / (theta - mu); Erlang-2 when theta == mu
    gen = 1.0 - (th * np.exp(-mu * x) - mu * np.exp(-th * x)) / safe
    erl = 1.0 - np.exp(-mu * x) * (1.0 + mu * x)
    return np.clip(np.where(close, erl, gen), 0.0, 1.0)


def mmc_sojourn_cdf(x_s: Any, arrival_rps: float, mean_service_s: float, servers: int) -> np.ndarray:
    """Exact CDF of the M/M/c FIFO response time (wait + service) at ``x_s`` [s]."""
    c = check_int("servers", servers, minimum=1)
    lam, w = float(arrival_rps), float(check_positive("mean_service_s", mean_service_s))
    mu = 1.0 / w
    if lam * w >= c:
        raise InvalidParameterError("arrival_rps", lam, f"below servers / mean_service_s = {c / w:g} (a stable queue)")
    x = np.asarray(x_s, dtype=float)
    pw = float(erlang_c_array(c, lam * w)) if lam > 0 else 0.0
    theta = c * mu - lam
    f_s = -np.expm1(-mu * np.maximum(x, 0.0))
    return (1.0 - pw) * f_s + pw * _hypoexp_cdf(x, mu, np.array(theta))


def mmc_sojourn_quantile(q: float, arrival_rps: float, mean_service_s: float, servers: int) -> float:
    """Exact ``q``-quantile of the M/M/c FIFO response time [s] (root of the closed-form CDF)."""
    f = lambda x: float(mmc_sojourn_cdf(x, arrival_rps, mean_service_s, servers)) - q  # noqa: E731
    hi = mean_service_s
    while f(hi) < 0:
        hi *= 2.0
    return brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-12)


def wait_plus_service_cdf(svc: Duration, x: np.ndarray, theta: Any) -> np.ndarray:
    """``P(E + S <= x)`` for ``E ~ Exp(theta)`` (one row per theta) and service ``S``.

    Parameters
    ----------
    svc : Duration
        Service-time distribution.
    x : numpy.ndarray
        Increasing latency grid [s] starting at 0.
    theta : array_like
        Exponential rates [1/s] (> 0).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(theta), len(x))``.
    """
    th = np.atleast_1d(np.asarray(theta, dtype=float))[:, None]
    if svc.kind == "exponential" and svc.mean_s > 0:
        return _hypoexp_cdf(x[None, :], 1.0 / svc.mean_s, th)
    if svc.kind == "fixed":
        return np.where(x[None, :] > svc.mean_s, -np.expm1(-th * np.maximum(x[None, :] - svc.mean_s, 0.0)), 0.0)
    f_s = svc.cdf(x)
    dx = np.diff(x)
    dfs = np.diff(f_s)
    z = th * dx[None, :]                                   # rows x intervals
    decay = np.exp(-z)
    small = z < 1e-8
    phi = np.where(small, 1.0 - 0.5 * z, -np.expm1(-z) / np.where(small, 1.0, z))
    inc = dfs[None, :] * phi
    h = np.empty((th.shape[0], x.size))
    h[:, 0] = 0.0
    cur = np.zeros(th.shape[0])
    for j in range(dx.size):
        cur = decay[:, j] * cur + inc[:, j]
        h[:, j + 1] = cur
    return np.clip(f_s[None, :] - h, 0.0, 1.0)


def simulate_fifo_pool(arrival_rps: float, service: Duration | float, servers: int, requests: int,
                       random_state: Seed = None, warmup: int | None = None) -> np.ndarray:
    """Response times [s] (wait + service) of a FIFO pool of ``servers`` with Poisson arrivals.

    Each request, in arrival order, starts on the server that frees first (or at once if
    one is free); the first ``warmup`` requests (default 10 %) are dropped (empty start).
    """
    c = check_int("servers", servers, minimum=1)
    n = check_int("requests", requests, minimum=1)
    check_positive("arrival_rps", arrival_rps)
    svc = as_duration("service", service)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    warm = n // 10 if warmup is None else int(warmup)
    arr = np.cumsum(rng.exponential(1.0 / arrival_rps, n + warm))
    s = svc.sample(n + warm, rng)
    free = [0.0] * c
    heapq.heapify(free)
    out = np.empty(n + warm)
    heapreplace = heapq.heapreplace
    arr_l, s_l = arr.tolist(), s.tolist()
    for i in range(n + warm):
        t = arr_l[i]
        f = free[0]
        start = t if f <= t else f
        done = start + s_l[i]
        heapreplace(free, done)
        out[i] = done - t
    return out[warm:]

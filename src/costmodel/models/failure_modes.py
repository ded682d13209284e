"""The seed's failure modes, with numbers where numbers exist.

Two failure modes of ``serverless-architecture.md`` ("Common Failure Modes") are
quantified here; fan-out cost explosion has its own module (:mod:`costmodel.models.fanout`).

1. **State in function memory between invocations.** A module-level cache lives in one
   execution environment. With ``N`` warm environments each cache only sees the requests
   routed to it, so its hit rate is lower than one shared cache's (ElastiCache, DynamoDB)
   for the same traffic; a read after a write lands on another environment with
   probability ``1 - 1/N`` and sees stale data; an unbounded cache grows with the
   distinct keys an environment has seen until it runs out of memory.
   :func:`cache_hit_rate`, :func:`stale_read_probability`, :func:`cache_memory_mb`,
   :func:`requests_until_cache_oom`.

2. **Hidden cold-start latency in critical paths.** The p99 of a user-facing Lambda path
   against its SLO, using the latency model of :mod:`costmodel.models.latency`,
   with the cold-start share that explains it: :func:`cold_start_slo_check`.

Cache model
-----------
Requests for key ``k`` arrive as a Poisson process with probability ``p_k`` of the total
(uniform or Zipf popularity over ``n_keys`` keys); the router spreads them uniformly at
random over ``N`` environments (Poisson thinning: each environment sees a Poisson stream
of rate ``λ/N`` with the same popularity). Entries expire ``ttl_s`` after the window in
which they were filled (fixed-window expiry). In a window in which a cache receives ``n``
requests on average, key ``k`` misses once if it is requested at all, so

    E[misses] = Σ_k (1 - exp(-n p_k))          hit rate = 1 - E[misses] / n

which is exact for fixed windows and Poisson arrivals. A shared cache sees
``n = λ·ttl_s``; each of ``N`` local caches sees ``n = λ·ttl_s / N``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from costmodel._validate import check_int, check_non_negative, check_positive
from costmodel.errors import InvalidParameterError

__all__ = [
    "key_probabilities",
    "expected_distinct_keys",
    "cache_hit_rate",
    "CacheHitRates",
    "stale_read_probability",
    "cache_memory_mb",
    "requests_until_cache_oom",
    "ColdStartSLOCheck",
    "cold_start_slo_check",
]


# --- state in function memory -----------------------------------------------------------
def key_probabilities(n_keys: int, zipf_exponent: float = 0.0) -> np.ndarray:
    """Request probability of each key, most popular first.

    Parameters
    ----------
    n_keys : int
        Number of distinct keys [-], >= 1.
    zipf_exponent : float
        ``s`` of a Zipf law ``p_k ∝ k^-s`` [-]; 0 gives uniform popularity.

    Returns
    -------
    numpy.ndarray
        ``n_keys`` probabilities summing to 1.
    """
    n_keys = check_int("n_keys", n_keys, minimum=1)
    check_non_negative("zipf_exponent", zipf_exponent)
    weights = np.arange(1, n_keys + 1, dtype=float) ** (-float(zipf_exponent))
    return weights / weights.sum()


def expected_distinct_keys(n_requests: Any, probabilities: np.ndarray) -> Any:
    """Expected number of distinct keys among a Poisson number of requests.

    ``D(n) = Σ_k (1 - exp(-n p_k))`` — the number of misses of a cache that starts empty
    and keeps every entry, after ``n`` requests on average.

    Parameters
    ----------
    n_requests : float or array_like
        Mean number of requests [-], >= 0.
    probabilities : numpy.ndarray
        Key probabilities (see :func:`key_probabilities`).

    Returns
    -------
    float or numpy.ndarray
        Expected distinct keys [-], same shape as ``n_requests``.
    """
    check_non_negative("n_requests", n_requests)
    n = np.asarray(n_requests, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    # -expm1(-x) = 1 - exp(-x) without cancellation for small x
    d = (-np.expm1(-np.multiply.outer(n, p))).sum(axis=-1)
    return d.item() if d.ndim == 0 else d


@dataclass(frozen=True)
class CacheHitRates:
    """Hit rates of ``n_instances`` module-level caches vs one shared cache.

    Attributes
    ----------
    n_instances : int
        Warm execution environments sharing the traffic [-].
    requests_per_window : float
        Requests in one TTL window across all environments [-] (``rate_rps * ttl_s``).
    local_hit_rate : float
        Hit rate of each environment's own cache [-].
    shared_hit_rate : float
        Hit rate of one cache shared by all environments [-].
    local_misses_per_window, shared_misses_per_window : float
        Backend reads per TTL window, all environments together [-].
    backend_read_multiplier : float
        ``local_misses / shared_misses``: how many times more backend reads the
        module-level caches cause [-].
    stale_read_probability : float
        Probability a read after a write of the same key is served by another
        environment whose cache still holds the old value [-].
    """

    n_instances: int
    requests_per_window: float
    local_hit_rate: float
    shared_hit_rate: float
    local_misses_per_window: float
    shared_misses_per_window: float
    backend_read_multiplier: float
    stale_read_probability: float

    def to_dict(self) -> dict:
        return asdict(self)


def cache_hit_rate(rate_rps: float, ttl_s: float, n_instances: int, n_keys: int,
                   zipf_exponent: float = 0.0) -> CacheHitRates:
    """Hit rate of per-environment (module-level) caches vs one shared cache.

    Parameters
    ----------
    rate_rps : float
        Request rate reaching the function, all environments together [1/s], > 0.
    ttl_s : float
        Cache entry lifetime (or the environment's lifetime if shorter) [s], > 0.
    n_instances : int
        Warm execution environments the router spreads requests over [-], >= 1.
    n_keys : int
        Distinct keys requested [-], >= 1.
    zipf_exponent : float
        Popularity skew (0 = uniform) [-].

    Returns
    -------
    CacheHitRates

    Notes
    -----
    With ``n = rate_rps * ttl_s`` requests per window, the shared cache misses ``D(n)``
    times and the ``N`` local caches ``N·D(n/N)`` times (see the module docstring). For
    ``N = 1`` both are equal; for uniform keys and ``n/N >> n_keys`` the local hit rate
    tends to ``1 - N·n_keys/n``.
    """
    check_positive("rate_rps", rate_rps)
    check_positive("ttl_s", ttl_s)
    n_instances = check_int("n_instances", n_instances, minimum=1)
    p = key_probabilities(n_keys, zipf_exponent)
    n = float(rate_rps) * float(ttl_s)
    shared_misses = expected_distinct_keys(n, p)
    local_misses = n_instances * expected_distinct_keys(n / n_instances, p)
    return CacheHitRates(
        n_instances=n_instances,
        requests_per_window=n,
        local_hit_rate=1.0 - local_misses / n,
        shared_hit_rate=1.0 - shared_misses / n,
        local_misses_per_window=local_misses,
        shared_misses_per_window=shared_misses,
        backend_read_multiplier=local_misses / shared_misses,
        stale_read_probability=stale_read_probability(n_instances),
    )


def stale_read_probability(n_instances: Any) -> Any:
    """Probability that a read after a write lands on a different environment.

    With uniform random routing over ``N`` environments, the read goes to the writer's
    environment with probability ``1/N``; otherwise it reads that environment's own,
    possibly stale, copy: ``1 - 1/N``.

    Parameters
    ----------
    n_instances : int or array_like
        Warm execution environments [-], >= 1.

    Returns
    -------
    float or numpy.ndarray
        Probability [-].
    """
    n = np.asarray(n_instances, dtype=float)
    if np.any(n < 1) or not np.all(np.isfinite(n)):
        bad = n[(n < 1) | ~np.isfinite(n)].ravel()[0] if n.ndim else float(n)

        raise InvalidParameterError("n_instances", bad, "a number >= 1")
    out = 1.0 - 1.0 / n
    return out.item() if out.ndim == 0 else out


def cache_memory_mb(requests_served: Any, n_keys: int, entry_kb: float,
                    zipf_exponent: float = 0.0) -> Any:
    """Memory held by an unbounded module-level cache after serving some requests.

    An environment that never evicts holds one entry per distinct key it has seen:
    ``D(m) · entry_kb / 1024`` MB after ``m`` requests.

    Parameters
    ----------
    requests_served : float or array_like
        Requests the environment has served since its cold start [-].
    n_keys : int
        Distinct keys requested [-].
    entry_kb : float
        Memory per cached entry, key and object overhead included [KB].
    zipf_exponent : float
        Popularity skew [-].

    Returns
    -------
    float or numpy.ndarray
        Cache size [MB].
    """
    check_positive("entry_kb", entry_kb)
    p = key_probabilities(n_keys, zipf_exponent)
    d = expected_distinct_keys(requests_served, p)
    return np.asarray(d) * float(entry_kb) / 1024.0 if np.ndim(d) else d * float(entry_kb) / 1024.0


def requests_until_cache_oom(headroom_mb: float, n_keys: int, entry_kb: float,
                             zipf_exponent: float = 0.0) -> float:
    """Requests an environment serves before an unbounded cache exceeds its headroom.

    Parameters
    ----------
    headroom_mb : float
        Function memory minus what the handler itself needs [MB], > 0.
    n_keys, entry_kb, zipf_exponent
        As in :func:`cache_memory_mb`.

    Returns
    -------
    float
        Expected requests until the cache exceeds ``headroom_mb`` [-]; ``inf`` when even
        every key cached (``n_keys · entry_kb``) fits.

    Notes
    -----
    ``D(m)`` is increasing in ``m``, so the crossing is found by bisection on
    ``log m`` to a relative precision of 1e-9.
    """
    check_positive("headroom_mb", headroom_mb)
    n_keys = check_int("n_keys", n_keys, minimum=1)
    check_positive("entry_kb", entry_kb)
    entries_that_fit = float(headroom_mb) * 1024.0 / float(entry_kb)
    if n_keys <= entries_that_fit:
        return float("inf")
    p = key_probabilities(n_keys, zipf_exponent)
    lo, hi = 0.0, max(entries_that_fit, 1.0)
    while expected_distinct_keys(hi, p) <= entries_that_fit:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if expected_distinct_keys(mid, p) > entries_that_fit:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-9 * hi:
            break
    return hi


# --- cold starts on a user-facing path --------------------------------------------------
@dataclass(frozen=True)
class ColdStartSLOCheck:
    """Lambda's tail latency on a user-facing path against its SLO.

    Attributes
    ----------
    p99_ms : float
        End-to-end p99 of the path on Lambda [ms] (the chain's, when depth > 1).
    slo_p99_ms : float or None
        The declared p99 SLO [ms]; None when no SLO is declared.
    warm_p99_ms : float
        p99 with no cold starts at all [ms] (what provisioned concurrency buys at best).
    cold_start_fraction : float
        Share of requests that hit a cold start [-].
    meets_slo : bool or None
        ``p99_ms <= slo_p99_ms``; None without an SLO.
    cold_starts_set_p99 : bool
        True when more than 1% of requests are cold, so the p99 falls among cold
        requests (cold latency exceeds every warm latency in the model).
    chain_depth : int
        Synchronous functions in the path [-].
    user_facing : bool
    reason : str
        One line a person can read.
    """

    p99_ms: float
    slo_p99_ms: float | None
    warm_p99_ms: float
    cold_start_fraction: float
    meets_slo: bool | None
    cold_starts_set_p99: bool
    chain_depth: int
    user_facing: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def cold_start_slo_check(p99_ms: float, warm_p99_ms: float, cold_start_fraction: float,
                         slo_p99_ms: float | None, *, chain_depth: int = 1,
                         user_facing: bool = True) -> ColdStartSLOCheck:
    """Judge Lambda's p99 on a (user-facing) path against an SLO.

    The latencies come from :mod:`costmodel.models.latency` (``lambda_latency`` /
    ``chain_latency``); this function only compares and explains, so the latency maths
    lives in one place. :func:`costmodel.decision.recommend` wires them together.

    Parameters
    ----------
    p99_ms : float
        p99 with cold starts [ms].
    warm_p99_ms : float
        p99 of the same path with every request warm [ms].
    cold_start_fraction : float
        Share of requests (of the path's entry point) that are cold [-].
    slo_p99_ms : float or None
        The SLO [ms], or None.
    chain_depth : int
        Functions called synchronously in sequence [-].
    user_facing : bool
        Whether a person waits for the response.

    Returns
    -------
    ColdStartSLOCheck
    """
    check_non_negative("p99_ms", p99_ms)
    check_non_negative("warm_p99_ms", warm_p99_ms)
    check_non_negative("cold_start_fraction", cold_start_fraction)
    chain_depth = check_int("chain_depth", chain_depth, minimum=1)
    if slo_p99_ms is not None:
        check_positive("slo_p99_ms", slo_p99_ms)
    # The p99 is among the cold requests when more than 1% of requests are cold
    # (for a chain: when P(at least one cold hop) > 1%).
    any_cold = 1.0 - (1.0 - min(float(cold_start_fraction), 1.0)) ** chain_depth
    cold_sets = any_cold > 0.01
    meets = None if slo_p99_ms is None else bool(p99_ms <= slo_p99_ms)
    path = "user-facing path" if user_facing else "path"
    chain = f" ({chain_depth} synchronous hops)" if chain_depth > 1 else ""
    share = f"{100 * any_cold:.2f}% of requests meet a cold start"
    if slo_p99_ms is None:
        reason = f"p99 {p99_ms:.0f} ms on the {path}{chain}; no SLO declared; {share}"
    elif meets:
        reason = (f"p99 {p99_ms:.0f} ms meets the {slo_p99_ms:.0f} ms SLO on the {path}{chain}; "
                  f"{share}")
    elif warm_p99_ms <= slo_p99_ms:
        reason = (f"p99 {p99_ms:.0f} ms breaks the {slo_p99_ms:.0f} ms SLO on the {path}{chain} "
                  f"because {share} (warm p99 {warm_p99_ms:.0f} ms would meet it: "
                  "provisioned concurrency or a long-lived service fixes this)")
    else:
        reason = (f"p99 {p99_ms:.0f} ms breaks the {slo_p99_ms:.0f} ms SLO on the {path}{chain} "
                  f"and even the warm p99 ({warm_p99_ms:.0f} ms) does: the work itself is too slow")
    return ColdStartSLOCheck(
        p99_ms=float(p99_ms), slo_p99_ms=None if slo_p99_ms is None else float(slo_p99_ms),
        warm_p99_ms=float(warm_p99_ms), cold_start_fraction=float(cold_start_fraction),
        meets_slo=meets, cold_starts_set_p99=bool(cold_sets), chain_depth=chain_depth,
        user_facing=bool(user_facing), reason=reason,
    )

"""Per-request work: duration distribution, CPU time per request, memory.

The duration of a request is a distribution: lognormal fitted to a mean and a p99 by
default (:func:`lognormal_from_mean_p99`), or empirical samples. Lambda bills each request's
duration rounded up to 1 ms, so the model carries :meth:`DurationDistribution.billed_mean_ms`
(the expected rounded-up duration), not just the mean. Containers are sized from the CPU
time per request (``cpu_ms_per_request``), not from the wall-clock duration: a request that
waits 100 ms on a database uses little CPU.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from costmodel._validate import as_float_array, check_choice, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError

__all__ = [
    "Z_P99",
    "DurationDistribution",
    "Work",
    "lognormal_from_mean_p99",
    "work_from_dict",
]

#: Standard normal quantile at 0.99.
Z_P99 = float(stats.norm.ppf(0.99))
LAMBDA_MAX_DURATION_MS = 900_000.0


def lognormal_from_mean_p99(mean_ms: float, p99_ms: float) -> tuple[float, float]:
    """Parameters ``(mu, sigma)`` of the lognormal with the given mean and 99th percentile.

    Solves ``mean = exp(mu + sigma^2 / 2)`` and ``p99 = exp(mu + z sigma)`` (``z`` = 2.3263):
    ``sigma = z - sqrt(z^2 - 2 ln(p99 / mean))`` (the smaller root; the larger one puts the
    p99 below the median).

    Parameters
    ----------
    mean_ms : float
        Mean duration [ms], > 0.
    p99_ms : float
        99th percentile [ms], between ``mean_ms`` and ``exp(z^2/2) * mean_ms`` (~14.97x).

    Returns
    -------
    (float, float)
        ``mu`` [ln ms] and ``sigma`` [-].
    """
    check_positive("mean_ms", mean_ms)
    check_positive("p99_ms", p99_ms)
    ratio = float(p99_ms) / float(mean_ms)
    max_ratio = math.exp(Z_P99**2 / 2)
    if ratio < 1.0 or ratio > max_ratio:
        raise InvalidParameterError("p99_ms", p99_ms, f"between mean_ms ({mean_ms:g}) and {max_ratio:.2f} x mean_ms "
                                    "for a lognormal (use empirical samples for heavier tails)")
    sigma = Z_P99 - math.sqrt(max(Z_P99**2 - 2.0 * math.log(ratio), 0.0))
    mu = math.log(float(mean_ms)) - sigma**2 / 2
    return mu, sigma


@functools.lru_cache(maxsize=256)
def _lognormal_billed_mean_ms(mu: float, sigma: float) -> float:
    """``E[ceil(D)]`` of a lognormal duration [ms] (memoised: the break-even search prices the
    same work at dozens of rates, and long durations sum up to 900,000 terms)."""
    top = min(float(np.exp(mu + sigma * 7.1)), LAMBDA_MAX_DURATION_MS)
    k = np.arange(0, int(math.ceil(top)) + 1, dtype=float)
    return float(stats.lognorm.sf(k, sigma, scale=math.exp(mu)).sum())


@dataclass(frozen=True)
class DurationDistribution:
    """Distribution of a request's duration [ms].

    Build with :meth:`lognormal` (from mean and p99), :meth:`fixed` or :meth:`empirical`.

    Attributes
    ----------
    kind : {"lognormal", "fixed", "empirical"}
    mean_ms : float
        Mean duration [ms].
    mu, sigma : float
        Lognormal parameters (``kind="lognormal"``).
    samples_ms : numpy.ndarray or None
        Sorted samples (``kind="empirical"``).
    """

    kind: str
    mean_ms: float
    mu: float = float("nan")
    sigma: float = 0.0
    samples_ms: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def lognormal(cls, mean_ms: float, p99_ms: float) -> DurationDistribution:
        """Lognormal with mean ``mean_ms`` and 99th percentile ``p99_ms`` [ms]."""
        mu, sigma = lognormal_from_mean_p99(mean_ms, p99_ms)
        if sigma == 0.0:
            return cls.fixed(mean_ms)
        return cls(kind="lognormal", mean_ms=float(mean_ms), mu=mu, sigma=sigma)

    @classmethod
    def fixed(cls, duration_ms: float) -> DurationDistribution:
        """Every request takes exactly ``duration_ms`` [ms]."""
        check_range("duration_ms", duration_ms, 1e-9, LAMBDA_MAX_DURATION_MS, "ms")
        return cls(kind="fixed", mean_ms=float(duration_ms))

    @classmethod
    def empirical(cls, samples_ms: Any) -> DurationDistribution:
        """Resample from measured durations [ms] (all > 0)."""
        arr = np.sort(as_float_array("samples_ms", samples_ms).ravel())
        if arr.size == 0:
            raise InvalidParameterError("samples_ms", "an empty array", "at least one duration sample")
        check_positive("samples_ms", arr)
        return cls(kind="empirical", mean_ms=float(arr.mean()), samples_ms=arr)

    def quantile_ms(self, q: Any) -> Any:
        """Duration at quantile ``q`` (0-1) [ms]."""
        q = np.asarray(q, dtype=float)
        if self.kind == "fixed":
            return np.full_like(q, self.mean_ms) if q.ndim else self.mean_ms
        if self.kind == "lognormal":
            out = np.exp(self.mu + self.sigma * stats.norm.ppf(q))
        else:
            out = np.quantile(self.samples_ms, q)
        return out if np.ndim(out) else float(out)

    @property
    def p99_ms(self) -> float:
        """99th percentile [ms]."""
        return float(self.quantile_ms(0.99))

    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        """``n`` random durations [ms] (seeded by ``random_state``)."""
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        if self.kind == "fixed":
            return np.full(int(n), self.mean_ms)
        if self.kind == "lognormal":
            return rng.lognormal(self.mu, self.sigma, size=int(n))
        return rng.choice(self.samples_ms, size=int(n), replace=True)

    def billed_mean_ms(self) -> float:
        """Expected billed duration per request with Lambda's round-up to 1 ms [ms].

        ``E[ceil(D)] = sum_{k>=0} P(D > k)``, summed to the 1 - 1e-12 quantile (capped at
        900,000 ms, Lambda's maximum).
        """
        if self.kind == "fixed":
            return float(math.ceil(self.mean_ms))
        if self.kind == "empirical":
            return float(np.ceil(self.samples_ms).mean())
        return _lognormal_billed_mean_ms(float(self.mu), float(self.sigma))

    def scaled(self, factor: float) -> DurationDistribution:
        """The same shape with every duration multiplied by ``factor`` [-]."""
        check_positive("factor", factor)
        if self.kind == "fixed":
            return DurationDistribution.fixed(self.mean_ms * factor)
        if self.kind == "lognormal":
            return DurationDistribution(kind="lognormal", mean_ms=self.mean_ms * factor,
                                        mu=self.mu + math.log(factor), sigma=self.sigma)
        return DurationDistribution.empirical(self.samples_ms * factor)


@dataclass(frozen=True)
class Work:
    """What one request costs in compute.

    Attributes
    ----------
    duration : DurationDistribution
        Wall-clock duration per request (what Lambda bills) [ms].
    cpu_ms_per_request : float
        CPU time one request uses on a container [ms of one vCPU].
    memory_mb : float
        Lambda memory size [MB] (128-10,240).
    architecture : {"x86_64", "arm64"}
    """

    duration: DurationDistribution
    cpu_ms_per_request: float
    memory_mb: float
    architecture: str = "x86_64"

    def __post_init__(self) -> None:
        check_positive("cpu_ms_per_request", self.cpu_ms_per_request)
        check_range("memory_mb", self.memory_mb, 128, 10240, "MB")
        check_choice("architecture", self.architecture, ("x86_64", "arm64"))

    @property
    def mean_duration_s(self) -> float:
        """Mean duration [s] (for Little's law)."""
        return self.duration.mean_ms / 1000.0


def work_from_dict(block: Mapping[str, Any]) -> Work:
    """Build :class:`Work` from a scenario's ``work`` block.

    ``duration_ms`` is a number (fixed), ``{mean, p99}`` (lognormal) or ``{samples: [...]}``
    (empirical). ``cpu_ms_per_request`` defaults to the mean duration (CPU-bound work).
    """
    d = block.get("duration_ms", 100.0)
    if isinstance(d, Mapping):
        if "samples" in d:
            dist = DurationDistribution.empirical(d["samples"])
        else:
            mean = d.get("mean")
            p99 = d.get("p99", mean)
            dist = DurationDistribution.lognormal(mean, p99)
    else:
        check_non_negative("work.duration_ms", d)
        dist = DurationDistribution.fixed(d)
    return Work(
        duration=dist,
        cpu_ms_per_request=float(block.get("cpu_ms_per_request", dist.mean_ms)),
        memory_mb=float(block.get("memory_mb", 512)),
        architecture=str(block.get("architecture", "x86_64")),
    )

"""One duration type for every model: request, service and init times.

:class:`Duration` holds a distribution in **seconds** (``mean_s``, ``values_s``), the unit
of the cold-start and latency models, and carries the figure a user gave in
**milliseconds** exactly (``mean_ms``, ``values_ms``), the unit of Lambda billing: a
120 ms duration bills 120 ms, not 121 after a trip through seconds
(``120 / 1000 * 1000`` is not always 120 in floating point).

Build one with a constructor whose name says the unit:

* seconds: :meth:`Duration.exponential`, :meth:`Duration.fixed`,
  :meth:`Duration.lognormal`, :meth:`Duration.empirical`;
* milliseconds: :meth:`Duration.fixed_ms`, :meth:`Duration.lognormal_ms`,
  :meth:`Duration.empirical_ms`, and :func:`duration_from_ms` for a scenario's
  ``duration_ms`` value (a number, ``{"mean", "p99"}`` or a ``Duration``).

A bare number means different things to two kinds of caller, so each has its own named
coercion: :func:`duration_from_ms` reads it as a **fixed** time in **ms** (the scenario
convention); :func:`as_duration` reads it as the **mean of an exponential** distribution in
**seconds** (the SimFaaS convention of the cold-start simulator).

The lognormal is fitted to a mean and a 99th percentile in one place,
:func:`lognormal_from_mean_p99`.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import stats
from scipy.special import ndtr, ndtri

from costmodel._validate import as_float_array, check_non_negative, check_positive, check_range
from costmodel.errors import InvalidParameterError
from costmodel.models._typing import FloatArray, Seed

__all__ = [
    "Z_P99",
    "LAMBDA_MAX_DURATION_MS",
    "KINDS",
    "Duration",
    "as_duration",
    "duration_from_ms",
    "DurationMs",
    "lognormal_from_mean_p99",
]

#: Standard normal quantile at 0.99.
Z_P99 = float(stats.norm.ppf(0.99))
#: Lambda's maximum duration [ms] (15 minutes).
LAMBDA_MAX_DURATION_MS = 900_000.0
#: The distribution families of :class:`Duration`.
KINDS = ("exponential", "fixed", "lognormal", "empirical")


def lognormal_from_mean_p99(mean: float, p99: float, *, mean_name: str = "mean_ms",
                            p99_name: str = "p99_ms") -> tuple[float, float]:
    """Parameters ``(mu, sigma)`` of the lognormal with the given mean and 99th percentile.

    Solves ``mean = exp(mu + sigma^2 / 2)`` and ``p99 = exp(mu + z sigma)`` (``z`` = 2.3263):
    ``sigma = z - sqrt(z^2 - 2 ln(p99 / mean))`` (the smaller root; the larger one puts the
    p99 below the median). Any unit works; ``mu`` is in the log of that unit.

    Parameters
    ----------
    mean : float
        Mean duration, > 0.
    p99 : float
        99th percentile, between ``mean`` and ``exp(z^2/2) * mean`` (~14.97x).
    mean_name, p99_name : str
        Parameter names for the error message (with their unit, e.g. ``"p99_ms"``).

    Returns
    -------
    (float, float)
        ``mu`` [ln unit] and ``sigma`` [-].
    """
    check_positive(mean_name, mean)
    check_positive(p99_name, p99)
    ratio = float(p99) / float(mean)
    max_ratio = math.exp(Z_P99**2 / 2)
    if ratio < 1.0 or ratio > max_ratio:
        raise InvalidParameterError(p99_name, p99, f"between {mean_name} ({mean:g}) and {max_ratio:.2f} x {mean_name} "
                                    "for a lognormal (use empirical samples for heavier tails)")
    sigma = Z_P99 - math.sqrt(max(Z_P99**2 - 2.0 * math.log(ratio), 0.0))
    mu = math.log(float(mean)) - sigma**2 / 2
    return mu, sigma


@functools.lru_cache(maxsize=256)
def _lognormal_billed_mean_ms(mu_ms: float, sigma: float) -> float:
    """``E[ceil(D)]`` of a lognormal duration [ms] (memoised: the break-even search prices the
    same work at dozens of rates, and long durations sum up to 900,000 terms)."""
    top = min(float(np.exp(mu_ms + sigma * 7.1)), LAMBDA_MAX_DURATION_MS)
    k = np.arange(0, int(math.ceil(top)) + 1, dtype=float)
    return float(stats.lognorm.sf(k, sigma, scale=math.exp(mu_ms)).sum())


@dataclass(frozen=True)
class Duration:
    """A duration distribution (request, service or init time), in seconds.

    Build one with a constructor (see the module docstring); the fields are what the
    constructors computed.

    Attributes
    ----------
    kind : {"exponential", "fixed", "lognormal", "empirical"}
    mean_s : float
        Mean [s].
    sigma : float
        Lognormal shape (standard deviation of ``log(duration)``); 0 otherwise.
    values_s : tuple of float
        Sorted sample values [s] of an empirical distribution; empty otherwise.
    mean_ms : float
        Mean [ms]: the figure given when built from milliseconds, ``mean_s * 1000`` otherwise.
    values_ms : tuple of float
        Sorted sample values [ms] of an empirical distribution (as given when built from
        milliseconds); empty otherwise.
    """

    kind: str
    mean_s: float
    sigma: float = 0.0
    values_s: tuple[float, ...] = field(default=(), repr=False)
    mean_ms: float = field(default=math.nan, repr=False)
    values_ms: tuple[float, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidParameterError("kind", self.kind, f"one of {', '.join(KINDS)}")
        if math.isnan(self.mean_ms):
            object.__setattr__(self, "mean_ms", self.mean_s * 1000.0)
        if self.kind == "empirical" and not self.values_ms:
            object.__setattr__(self, "values_ms", tuple((np.asarray(self.values_s) * 1000.0).tolist()))

    # -- constructors in seconds -------------------------------------------------
    @classmethod
    def exponential(cls, mean_s: float) -> Duration:
        """Exponential distribution with mean ``mean_s`` [s] (SimFaaS's default)."""
        check_non_negative("mean_s", mean_s)
        return cls("exponential", float(mean_s))

    @classmethod
    def fixed(cls, value_s: float) -> Duration:
        """A constant ``value_s`` [s]."""
        check_non_negative("value_s", value_s)
        return cls("fixed", float(value_s))

    @classmethod
    def lognormal(cls, mean_s: float, p99_s: float) -> Duration:
        """Lognormal with the given mean [s] and 99th percentile [s]
        (:func:`lognormal_from_mean_p99`; a fixed duration when ``p99_s == mean_s``)."""
        _, sigma = lognormal_from_mean_p99(mean_s, p99_s, mean_name="mean_s", p99_name="p99_s")
        if sigma == 0.0:
            return cls.fixed(mean_s)
        return cls("lognormal", float(mean_s), sigma=sigma)

    @classmethod
    def empirical(cls, values_s: npt.ArrayLike) -> Duration:
        """Resample (with replacement) from observed durations ``values_s`` [s] (all >= 0)."""
        arr = np.sort(as_float_array("values_s", values_s).ravel())
        if arr.size == 0:
            raise InvalidParameterError("values_s", values_s, "at least one duration")
        check_non_negative("values_s", arr)
        return cls("empirical", float(arr.mean()), values_s=tuple(arr.tolist()))

    # -- constructors in milliseconds --------------------------------------------
    @classmethod
    def fixed_ms(cls, duration_ms: float) -> Duration:
        """Every request takes exactly ``duration_ms`` [ms] (at most Lambda's 900,000 ms)."""
        check_range("duration_ms", duration_ms, 1e-9, LAMBDA_MAX_DURATION_MS, "ms")
        return cls("fixed", float(duration_ms) / 1000.0, mean_ms=float(duration_ms))

    @classmethod
    def lognormal_ms(cls, mean_ms: float, p99_ms: float, *, name: str | None = None) -> Duration:
        """Lognormal with mean ``mean_ms`` and 99th percentile ``p99_ms`` [ms]; fixed when
        they are equal. ``name`` (e.g. ``"work.duration_ms"``) names the parameters in errors
        as ``name.mean`` and ``name.p99``."""
        names = {"mean_name": f"{name}.mean", "p99_name": f"{name}.p99"} if name else {}
        _, sigma = lognormal_from_mean_p99(mean_ms, p99_ms, **names)
        if sigma == 0.0:
            return cls.fixed_ms(mean_ms)
        return cls("lognormal", float(mean_ms) / 1000.0, sigma=sigma, mean_ms=float(mean_ms))

    @classmethod
    def empirical_ms(cls, samples_ms: npt.ArrayLike) -> Duration:
        """Resample from measured durations ``samples_ms`` [ms] (all > 0)."""
        arr = np.sort(as_float_array("samples_ms", samples_ms).ravel())
        if arr.size == 0:
            raise InvalidParameterError("samples_ms", "an empty array", "at least one duration sample")
        check_positive("samples_ms", arr)
        return cls._empirical_from_ms(arr)

    @classmethod
    def _empirical_from_ms(cls, arr_ms: FloatArray) -> Duration:
        values_s = arr_ms / 1000.0
        return cls("empirical", float(values_s.mean()), values_s=tuple(values_s.tolist()),
                   mean_ms=float(arr_ms.mean()), values_ms=tuple(arr_ms.tolist()))

    # -- views in seconds --------------------------------------------------------
    @property
    def _mu_s(self) -> float:
        return math.log(self.mean_s) - self.sigma**2 / 2

    @property
    def _mu_ms(self) -> float:
        return math.log(self.mean_ms) - self.sigma**2 / 2

    def sample(self, size: int, random_state: Seed = None) -> FloatArray:
        """Draw ``size`` durations [s] (seeded by ``random_state``: a seed or a Generator)."""
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        if self.kind == "exponential":
            return rng.exponential(self.mean_s, size) if self.mean_s > 0 else np.zeros(size)
        if self.kind == "fixed":
            return np.full(size, self.mean_s)
        if self.kind == "lognormal":
            return rng.lognormal(self._mu_s, self.sigma, size)
        values = np.asarray(self.values_s)
        return values[rng.integers(0, values.size, size)]

    def quantile(self, q: npt.ArrayLike) -> FloatArray:
        """Quantile function [s] at probabilities ``q`` (0 <= q < 1)."""
        qa = np.asarray(q, dtype=float)
        if self.kind == "exponential":
            return -self.mean_s * np.log1p(-qa)
        if self.kind == "fixed":
            return np.full(qa.shape, self.mean_s)
        if self.kind == "lognormal":
            return np.exp(self._mu_s + self.sigma * ndtri(qa))
        return np.asarray(np.quantile(np.asarray(self.values_s), qa), dtype=float)

    def cdf(self, x_s: npt.ArrayLike) -> FloatArray:
        """Cumulative distribution function at durations ``x_s`` [s]."""
        x = np.asarray(x_s, dtype=float)
        if self.kind == "exponential":
            if self.mean_s == 0:
                return (x >= 0).astype(float)
            return np.where(x > 0, -np.expm1(-np.maximum(x, 0) / self.mean_s), 0.0)
        if self.kind == "fixed":
            return (x >= self.mean_s).astype(float)
        if self.kind == "lognormal":
            with np.errstate(divide="ignore"):
                return np.where(x > 0, ndtr((np.log(np.maximum(x, 1e-300)) - self._mu_s) / self.sigma), 0.0)
        values = np.asarray(self.values_s)
        return np.searchsorted(values, x, side="right") / values.size

    def scv(self) -> float:
        """Squared coefficient of variation ``Var / mean^2`` [-]."""
        if self.kind == "exponential":
            return 1.0
        if self.kind == "fixed":
            return 0.0
        if self.kind == "lognormal":
            return math.expm1(self.sigma**2)
        v = np.asarray(self.values_s)
        return float(v.var() / v.mean() ** 2) if v.mean() > 0 else 0.0

    # -- views in milliseconds ---------------------------------------------------
    def quantile_ms(self, q: npt.ArrayLike) -> float | FloatArray:
        """Duration at quantile ``q`` (0-1) [ms]: a float for a scalar ``q``."""
        qa = np.asarray(q, dtype=float)
        out: Any
        if self.kind == "fixed":
            return np.full_like(qa, self.mean_ms) if qa.ndim else self.mean_ms
        if self.kind == "exponential":
            out = -self.mean_ms * np.log1p(-qa)
        elif self.kind == "lognormal":
            out = np.exp(self._mu_ms + self.sigma * ndtri(qa))
        else:
            out = np.quantile(np.asarray(self.values_ms), qa)
        return out if np.ndim(out) else float(out)

    @property
    def p99_ms(self) -> float:
        """99th percentile [ms]."""
        return float(self.quantile_ms(0.99))

    def sample_ms(self, n: int, random_state: Seed = None) -> FloatArray:
        """``n`` random durations [ms] (seeded by ``random_state``)."""
        rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
        if self.kind == "exponential":
            return rng.exponential(self.mean_ms, int(n)) if self.mean_ms > 0 else np.zeros(int(n))
        if self.kind == "fixed":
            return np.full(int(n), self.mean_ms)
        if self.kind == "lognormal":
            return rng.lognormal(self._mu_ms, self.sigma, size=int(n))
        return rng.choice(np.asarray(self.values_ms), size=int(n), replace=True)

    def billed_mean_ms(self) -> float:
        """Expected billed duration per request with Lambda's round-up to 1 ms [ms].

        ``E[ceil(D)] = sum_{k>=0} P(D > k)``: ``1 / (1 - e^{-1/mean})`` for an exponential,
        summed to the 1 - 1e-12 quantile (capped at 900,000 ms, Lambda's maximum) for a
        lognormal.
        """
        if self.kind == "fixed":
            return float(math.ceil(self.mean_ms))
        if self.kind == "empirical":
            return float(np.ceil(np.asarray(self.values_ms)).mean())
        if self.kind == "exponential":
            return 0.0 if self.mean_ms == 0 else float(-1.0 / math.expm1(-1.0 / self.mean_ms))
        return _lognormal_billed_mean_ms(float(self._mu_ms), float(self.sigma))

    def scaled(self, factor: float) -> Duration:
        """The same shape with every duration multiplied by ``factor`` [-]."""
        check_positive("factor", factor)
        f = float(factor)
        if self.kind == "empirical":
            return Duration._empirical_from_ms(np.asarray(self.values_ms) * f)
        if self.kind == "fixed" and self.mean_ms * f > LAMBDA_MAX_DURATION_MS:
            check_range("duration_ms", self.mean_ms * f, 1e-9, LAMBDA_MAX_DURATION_MS, "ms")
        return Duration(self.kind, self.mean_ms * f / 1000.0, sigma=self.sigma, mean_ms=self.mean_ms * f)


#: What :func:`duration_from_ms` reads: a fixed time [ms], ``{"mean": ms, "p99": ms}`` or a Duration.
DurationMs: TypeAlias = Duration | float | dict[str, float]


def as_duration(name: str, value: Any) -> Duration:
    """Coerce ``value`` to a :class:`Duration` the cold-start simulator's way: a ``Duration``
    passes through, a number is the **mean of an exponential** distribution **in seconds**
    (the SimFaaS convention)."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        check_non_negative(name, value)
        return Duration.exponential(float(value))
    raise InvalidParameterError(name, value, "a Duration or a mean duration in seconds")


def duration_from_ms(name: str, value: Any) -> Duration:
    """Coerce ``value`` to a :class:`Duration` the scenario's way: a number is a **fixed**
    time **in ms**, ``{"mean": ms, "p99": ms}`` a lognormal (fixed when p99 == mean), a
    ``Duration`` passes through."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"mean", "p99"}
        if unknown or "mean" not in value:
            raise InvalidParameterError(name, value, "a dict with 'mean' [ms] and optionally 'p99' [ms]")
        mean_ms = float(check_positive(f"{name}.mean", value["mean"]))
        p99_ms = float(check_positive(f"{name}.p99", value.get("p99", mean_ms)))
        if p99_ms == mean_ms:
            return Duration("fixed", mean_ms / 1000.0, mean_ms=mean_ms)
        return Duration.lognormal_ms(mean_ms, p99_ms, name=name)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        check_non_negative(name, value)
        return Duration("fixed", float(value) / 1000.0, mean_ms=float(value))
    raise InvalidParameterError(name, value, "a number [ms], {'mean': ms, 'p99': ms} or a Duration")

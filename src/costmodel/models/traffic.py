"""Traffic: request rates per fixed step over a horizon.

A traffic pattern is a 1-D numpy array ``rate_rps`` of mean request rates [req/s], one
value per step of ``step_s`` seconds (1 s to 1 h) over a horizon (default 30 days). The
number of requests in step ``i`` is ``rate_rps[i] * step_s``. Models downstream are numpy
expressions over this array. :func:`to_series` puts it on a pandas ``DatetimeIndex``.

Generators (all seeded through ``random_state`` where random): :func:`steady`,
:func:`diurnal`, :func:`weekly`, :func:`bursty`, :func:`spikes`, :func:`sparse`,
:func:`growth` (and :func:`apply_growth`), :func:`combine` and :func:`scale`.
Loaders: :func:`load_csv_trace` and :func:`load_azure_trace` (both Azure Functions 2019
per-minute schemas), returning :class:`Trace` records. Signals: :func:`traffic_signals`
and :func:`label_traffic` (thresholds in ``data/traffic_labels.yaml``).

Generators that take ``mean_rps`` rescale their profile so that the mean over the whole
horizon is exactly ``mean_rps``: two shapes with the same ``mean_rps`` carry the same
number of requests.
"""
from __future__ import annotations

import csv
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml

from costmodel._validate import (
    as_float_array,
    check_choice,
    check_finite,
    check_non_negative,
    check_positive,
    check_range,
)
from costmodel.errors import InvalidParameterError, TraceFormatError, UnknownNameError
from costmodel.models._typing import Seed
from costmodel.resources import data_path

__all__ = [
    "DEFAULT_START",
    "DEFAULT_HORIZON_DAYS",
    "HOURS_PER_MONTH",
    "MONTH_DAYS",
    "DEFAULT_STEP_S",
    "LABEL_THRESHOLDS_PATH",
    "Trace",
    "TrafficSignals",
    "n_steps",
    "check_rate",
    "to_series",
    "from_series",
    "resample",
    "tile_to_horizon",
    "steady",
    "diurnal",
    "weekly",
    "bursty",
    "spikes",
    "sparse",
    "growth",
    "apply_growth",
    "combine",
    "scale",
    "load_csv_trace",
    "load_azure_trace",
    "traffic_signals",
    "load_label_thresholds",
    "label_traffic",
]

#: Start of generated series: a Monday at midnight UTC, so weekly patterns line up.
DEFAULT_START = pd.Timestamp("2026-01-05 00:00:00", tz="UTC")
DEFAULT_HORIZON_DAYS = 30.0
#: A billing month: 730 h (8,760 h / 12), the AWS Pricing Calculator's convention. Scenarios,
#: the comparison, batch jobs and fan-out all price this month.
HOURS_PER_MONTH = 730.0
#: The billing month in days (30.4167).
MONTH_DAYS = HOURS_PER_MONTH / 24.0
DEFAULT_STEP_S = 60.0
MIN_STEP_S = 1.0
MAX_STEP_S = 3600.0
SECONDS_PER_DAY = 86400.0

#: The shipped label thresholds (visible, editable data).
LABEL_THRESHOLDS_PATH = data_path("traffic_labels.yaml")


# --------------------------------------------------------------------------- grid & checks
def n_steps(horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S) -> int:
    """Number of steps of ``step_s`` in ``horizon_days``; the step must divide the horizon.

    Parameters
    ----------
    horizon_days : float
        Length of the horizon [days], > 0.
    step_s : float
        Step length [s], 1 to 3600.

    Returns
    -------
    int
        ``horizon_days * 86400 / step_s``.
    """
    check_positive("horizon_days", horizon_days)
    check_range("step_s", step_s, MIN_STEP_S, MAX_STEP_S, "s")
    steps = float(horizon_days) * SECONDS_PER_DAY / float(step_s)
    n = round(steps)
    if n < 1 or abs(steps - n) > 1e-9 * max(1.0, steps):
        raise InvalidParameterError(
            "step_s", step_s,
            f"a step that divides the horizon of {horizon_days} days ({float(horizon_days) * SECONDS_PER_DAY:g} s) "
            "into a whole number of steps",
        )
    return int(n)


def check_rate(rate_rps: npt.ArrayLike, name: str = "rate_rps") -> np.ndarray:
    """Validate a traffic series: 1-D, non-empty, finite and >= 0. Returns a float array.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    name : str
        Name used in error messages.
    """
    arr = as_float_array(name, rate_rps)
    if arr.ndim != 1:
        raise InvalidParameterError(name, f"array of shape {arr.shape}", "a 1-D array of rates, one per step")
    if arr.size == 0:
        raise InvalidParameterError(name, "an empty array", "at least one step (the horizon must not be empty)")
    lo, hi = arr.min(), arr.max()  # two cheap passes; NaN propagates into both
    if not (lo >= 0 and np.isfinite(hi)):
        check_non_negative(name, arr)  # names the first offending value
    return arr


def _rng(random_state: Seed) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _step_times_s(horizon_days: float, step_s: float) -> tuple[int, np.ndarray]:
    n = n_steps(horizon_days, step_s)
    return n, np.arange(n, dtype=float) * float(step_s)


def _normalise(profile: np.ndarray, mean_rps: float) -> np.ndarray:
    m = profile.mean()
    if m <= 0:
        return np.zeros_like(profile)
    return profile * (float(mean_rps) / m)


def _noise(n: int, noise_cv: float, random_state: Seed) -> np.ndarray:
    """Multiplicative gamma noise with mean 1 and coefficient of variation ``noise_cv``."""
    check_non_negative("noise_cv", noise_cv)
    if noise_cv == 0:
        return np.ones(n)
    shape = 1.0 / noise_cv**2
    return _rng(random_state).gamma(shape, 1.0 / shape, size=n)


def _local_clock(t_s: np.ndarray, start: Any, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """Local hour of day [h, 0-24) and day of week (Monday=0) for offsets ``t_s`` from ``start``."""
    start = pd.Timestamp(start)
    if start.tzinfo is None:
        start = start.tz_localize("UTC")
    start_epoch_s = start.value / 1e9
    # UTC offset per hour of the horizon (DST changes fall on hour boundaries).
    n_hours = int(t_s[-1] // 3600) + 2 if t_s.size else 1
    hours = pd.date_range(start.floor("h"), periods=n_hours, freq="h")
    try:
        local = hours.tz_convert(timezone)
    except Exception as exc:  # unknown zone name
        raise InvalidParameterError("timezone", timezone, "an IANA time zone name such as 'Europe/Berlin' or 'UTC'") from exc
    offsets_s = (local.tz_localize(None) - hours.tz_localize(None)).total_seconds().to_numpy()
    hour_idx = ((start_epoch_s - start.floor("h").value / 1e9) + t_s) // 3600
    local_s = start_epoch_s + t_s + offsets_s[hour_idx.astype(np.int64)]
    hour_of_day = np.mod(local_s, SECONDS_PER_DAY) / 3600.0
    day_of_week = (np.floor_divide(local_s, SECONDS_PER_DAY).astype(np.int64) + 3) % 7  # 1970-01-01 = Thursday
    return hour_of_day, day_of_week


# --------------------------------------------------------------------------- pandas helpers
def to_series(rate_rps: npt.ArrayLike, step_s: float, start: Any = DEFAULT_START, name: str = "rate_rps") -> pd.Series:
    """Put a rate array on a pandas ``DatetimeIndex`` (UTC) with frequency ``step_s``.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step length [s].
    start : timestamp-like
        Time of the first step's start (UTC if naive).
    """
    arr = check_rate(rate_rps)
    check_range("step_s", step_s, MIN_STEP_S, MAX_STEP_S, "s")
    start = pd.Timestamp(start)
    if start.tzinfo is None:
        start = start.tz_localize("UTC")
    idx = pd.date_range(start, periods=arr.size, freq=pd.Timedelta(seconds=float(step_s)))
    return pd.Series(arr, index=idx, name=name)


def from_series(series: pd.Series) -> tuple[np.ndarray, float]:
    """Rates and step [s] from a Series on a regular ``DatetimeIndex`` (inverse of :func:`to_series`)."""
    if not isinstance(series.index, pd.DatetimeIndex) or len(series) < 2:
        raise InvalidParameterError("series", type(series.index).__name__, "a Series on a DatetimeIndex with at least 2 steps")
    diffs = (series.index[1:] - series.index[:-1]).total_seconds().to_numpy()
    if not np.allclose(diffs, diffs[0]):
        raise InvalidParameterError("series.index", "irregular spacing", "a regular DatetimeIndex (one fixed step)")
    return check_rate(series.to_numpy(dtype=float)), float(diffs[0])


def resample(rate_rps: npt.ArrayLike, step_s: float, new_step_s: float) -> np.ndarray:
    """Change the step of a series by a whole factor, conserving requests.

    Coarser steps average the rates of the steps they merge; finer steps repeat the rate.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    step_s, new_step_s : float
        Current and wanted step [s]; one must be a whole multiple of the other, and the
        series length must be a multiple of the merge factor.
    """
    arr = check_rate(rate_rps)
    check_range("new_step_s", new_step_s, MIN_STEP_S, MAX_STEP_S, "s")
    ratio = float(new_step_s) / float(step_s)
    if abs(ratio - round(ratio)) < 1e-9 and round(ratio) >= 1:
        k = int(round(ratio))
        if arr.size % k:
            raise InvalidParameterError("new_step_s", new_step_s, f"a step that divides the series ({arr.size} steps of {step_s:g} s)")
        return arr.reshape(-1, k).mean(axis=1)
    inv = float(step_s) / float(new_step_s)
    if abs(inv - round(inv)) < 1e-9:
        return np.repeat(arr, int(round(inv)))
    raise InvalidParameterError("new_step_s", new_step_s, f"a whole multiple or divisor of step_s={step_s:g}")


def tile_to_horizon(rate_rps: npt.ArrayLike, step_s: float, horizon_days: float = DEFAULT_HORIZON_DAYS) -> np.ndarray:
    """Repeat a series (for example a one-day trace) until it covers ``horizon_days``.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step [s].
    horizon_days : float
        Wanted horizon [days]; the last repetition is cut.
    """
    arr = check_rate(rate_rps)
    n = n_steps(horizon_days, step_s)
    reps = -(-n // arr.size)
    return np.tile(arr, reps)[:n]


# --------------------------------------------------------------------------- generators
def steady(mean_rps: float, *, horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S,
           noise_cv: float = 0.0, random_state: Seed = None) -> np.ndarray:
    """Constant rate, optionally with multiplicative noise.

    Parameters
    ----------
    mean_rps : float
        Mean request rate over the horizon [req/s].
    horizon_days : float
        Horizon [days].
    step_s : float
        Step [s], 1 to 3600, dividing the horizon.
    noise_cv : float
        Coefficient of variation of independent gamma noise per step [-] (0 = none).
    random_state : int or numpy.random.Generator, optional
        Seed for the noise.

    Returns
    -------
    numpy.ndarray
        Rate per step [req/s], mean exactly ``mean_rps``.
    """
    check_non_negative("mean_rps", mean_rps)
    n = n_steps(horizon_days, step_s)
    return _normalise(_noise(n, noise_cv, random_state), mean_rps)


def _diurnal_profile(hour_of_day: np.ndarray, peak_to_trough: float, peak_hour: float) -> np.ndarray:
    check_range("peak_to_trough", peak_to_trough, 1.0, 1e6)
    check_range("peak_hour", peak_hour, 0.0, 24.0, "h")
    a = (peak_to_trough - 1.0) / (peak_to_trough + 1.0)
    return 1.0 + a * np.cos(2.0 * np.pi * (hour_of_day - peak_hour) / 24.0)


def diurnal(mean_rps: float, *, peak_to_trough: float = 4.0, peak_hour: float = 14.0, timezone: str = "UTC",
            horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S, start: Any = DEFAULT_START,
            noise_cv: float = 0.0, random_state: Seed = None) -> np.ndarray:
    """Daily cycle: a sinusoid with the given peak-to-trough ratio, peaking at ``peak_hour`` local time.

    ``rate = m * (1 + a cos(2 pi (h - peak_hour) / 24))`` with ``a = (r - 1) / (r + 1)``, so
    that max/min = ``r`` = ``peak_to_trough``; then rescaled to mean ``mean_rps``.

    Parameters
    ----------
    mean_rps : float
        Mean rate over the horizon [req/s].
    peak_to_trough : float
        Ratio of the daily maximum to the daily minimum [-], >= 1.
    peak_hour : float
        Local hour of the peak [h], 0-24.
    timezone : str
        IANA zone of the users (``"Europe/Berlin"``); daylight saving is followed.
    horizon_days, step_s, start, noise_cv, random_state
        As in :func:`steady`; ``start`` is the first step's time (UTC if naive).
    """
    check_non_negative("mean_rps", mean_rps)
    n, t_s = _step_times_s(horizon_days, step_s)
    hour, _ = _local_clock(t_s + 0.5 * float(step_s), start, timezone)
    profile = _diurnal_profile(hour, peak_to_trough, peak_hour) * _noise(n, noise_cv, random_state)
    return _normalise(profile, mean_rps)


def weekly(mean_rps: float, *, weekend_factor: float = 0.5, peak_to_trough: float = 4.0, peak_hour: float = 14.0,
           timezone: str = "UTC", horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S,
           start: Any = DEFAULT_START, noise_cv: float = 0.0, random_state: Seed = None) -> np.ndarray:
    """Diurnal cycle with quieter (or busier) weekends.

    Saturday and Sunday (local time) are multiplied by ``weekend_factor`` before the series is
    rescaled to ``mean_rps``. ``peak_to_trough=1`` gives a pure weekly pattern.

    Parameters
    ----------
    weekend_factor : float
        Weekend rate relative to weekdays [-], >= 0.
    Other parameters as in :func:`diurnal`.
    """
    check_non_negative("mean_rps", mean_rps)
    check_non_negative("weekend_factor", weekend_factor)
    n, t_s = _step_times_s(horizon_days, step_s)
    hour, dow = _local_clock(t_s + 0.5 * float(step_s), start, timezone)
    profile = _diurnal_profile(hour, peak_to_trough, peak_hour)
    profile = profile * np.where(dow >= 5, float(weekend_factor), 1.0) * _noise(n, noise_cv, random_state)
    return _normalise(profile, mean_rps)


def _coverage_s(t_s: np.ndarray, starts_s: np.ndarray, length_s: float) -> np.ndarray:
    """Total burst-seconds in ``[0, t)`` for bursts starting at sorted ``starts_s`` lasting ``length_s``."""
    starts_s = np.sort(np.asarray(starts_s, dtype=float))
    prefix = np.concatenate([[0.0], np.cumsum(starts_s)])
    n_done = np.searchsorted(starts_s, t_s - length_s, side="right")  # bursts fully before t
    n_started = np.searchsorted(starts_s, t_s, side="left")  # bursts started before t
    partial = (n_started - n_done) * t_s - (prefix[n_started] - prefix[n_done])
    return n_done * length_s + partial


def _bursts_to_rate(n: int, step_s: float, starts_s: np.ndarray, length_s: float, height_rps: float) -> np.ndarray:
    edges = np.arange(n + 1, dtype=float) * float(step_s)
    cov = _coverage_s(edges, starts_s, float(length_s))
    return np.diff(cov) / float(step_s) * float(height_rps)


def bursty(base_rps: float, *, burst_rps: float, burst_length_s: float, bursts_per_day: float,
           first_burst_s: float = 0.0, horizon_days: float = DEFAULT_HORIZON_DAYS,
           step_s: float = DEFAULT_STEP_S) -> np.ndarray:
    """A base rate plus regular bursts of given height, length and frequency.

    Bursts start every ``86400 / bursts_per_day`` seconds from ``first_burst_s``; a burst
    shorter than a step raises that step's mean rate by the covered fraction.

    Parameters
    ----------
    base_rps : float
        Rate between bursts [req/s].
    burst_rps : float
        Extra rate during a burst [req/s].
    burst_length_s : float
        Burst length [s].
    bursts_per_day : float
        Number of bursts per day [1/day].
    first_burst_s : float
        Start of the first burst after the series start [s].
    horizon_days, step_s
        As in :func:`steady`.

    Notes
    -----
    Mean rate = ``base_rps + burst_rps * burst_length_s * bursts_per_day / 86400`` over whole
    burst periods.
    """
    check_non_negative("base_rps", base_rps)
    check_non_negative("burst_rps", burst_rps)
    check_positive("burst_length_s", burst_length_s)
    check_positive("bursts_per_day", bursts_per_day)
    check_non_negative("first_burst_s", first_burst_s)
    n = n_steps(horizon_days, step_s)
    period_s = SECONDS_PER_DAY / float(bursts_per_day)
    if burst_length_s > period_s:
        raise InvalidParameterError("burst_length_s", burst_length_s, f"at most the burst period {period_s:g} s")
    starts = np.arange(float(first_burst_s), n * float(step_s), period_s)
    return float(base_rps) + _bursts_to_rate(n, step_s, starts, burst_length_s, burst_rps)


def spikes(base_rps: float, *, spike_rps: float, spike_length_s: float, spikes_per_day: float,
           horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S,
           random_state: Seed = None) -> np.ndarray:
    """A base rate plus spikes at Poisson-distributed times.

    Parameters
    ----------
    base_rps : float
        Rate between spikes [req/s].
    spike_rps : float
        Extra rate during a spike [req/s]; overlapping spikes add up.
    spike_length_s : float
        Spike length [s].
    spikes_per_day : float
        Mean number of spikes per day [1/day] (a Poisson process).
    random_state : int or numpy.random.Generator, optional
        Seed for the spike times.
    """
    check_non_negative("base_rps", base_rps)
    check_non_negative("spike_rps", spike_rps)
    check_positive("spike_length_s", spike_length_s)
    check_non_negative("spikes_per_day", spikes_per_day)
    n = n_steps(horizon_days, step_s)
    horizon_s = n * float(step_s)
    rng = _rng(random_state)
    count = rng.poisson(float(spikes_per_day) * horizon_s / SECONDS_PER_DAY)
    starts = rng.uniform(0.0, horizon_s, size=count)
    return float(base_rps) + _bursts_to_rate(n, step_s, starts, spike_length_s, spike_rps)


def sparse(invocations_per_day: float, *, timing: str = "random", first_at_s: float = 0.0,
           horizon_days: float = DEFAULT_HORIZON_DAYS, step_s: float = DEFAULT_STEP_S,
           random_state: Seed = None) -> np.ndarray:
    """Infrequent traffic: N invocations a day, at random times or at fixed (cron-like) times.

    Parameters
    ----------
    invocations_per_day : float
        Mean number of invocations per day [1/day].
    timing : {"random", "fixed"}
        ``"random"``: a Poisson process; ``"fixed"``: every ``86400 / N`` s from ``first_at_s``.
    first_at_s : float
        Time of the first fixed invocation after the start [s] (``timing="fixed"`` only).
    random_state : int or numpy.random.Generator, optional
        Seed for random timing.

    Returns
    -------
    numpy.ndarray
        Rate per step [req/s] (= invocations in the step / ``step_s``).
    """
    check_positive("invocations_per_day", invocations_per_day)
    check_choice("timing", timing, ("random", "fixed"))
    check_non_negative("first_at_s", first_at_s)
    n = n_steps(horizon_days, step_s)
    horizon_s = n * float(step_s)
    if timing == "fixed":
        times = np.arange(float(first_at_s), horizon_s, SECONDS_PER_DAY / float(invocations_per_day))
    else:
        rng = _rng(random_state)
        times = rng.uniform(0.0, horizon_s, size=rng.poisson(float(invocations_per_day) * horizon_s / SECONDS_PER_DAY))
    counts = np.bincount(np.minimum((times // float(step_s)).astype(np.int64), n - 1), minlength=n)
    return counts / float(step_s)


def _trend(n: int, end_factor: float, kind: str) -> np.ndarray:
    check_positive("end_factor", end_factor)
    check_choice("kind", kind, ("linear", "exponential"))
    x = (np.arange(n, dtype=float) + 0.5) / n
    if kind == "linear":
        return 1.0 + (float(end_factor) - 1.0) * x
    return float(end_factor) ** x


def growth(start_rps: float, *, end_rps: float, kind: str = "linear", horizon_days: float = DEFAULT_HORIZON_DAYS,
           step_s: float = DEFAULT_STEP_S) -> np.ndarray:
    """A trend from ``start_rps`` to ``end_rps`` over the horizon (linear or exponential).

    Parameters
    ----------
    start_rps, end_rps : float
        Rates at the start and the end of the horizon [req/s], > 0.
    kind : {"linear", "exponential"}
        Shape of the trend.
    """
    check_positive("start_rps", start_rps)
    check_positive("end_rps", end_rps)
    n = n_steps(horizon_days, step_s)
    return float(start_rps) * _trend(n, float(end_rps) / float(start_rps), kind)


def apply_growth(rate_rps: npt.ArrayLike, *, end_factor: float, kind: str = "linear") -> np.ndarray:
    """Multiply any series by a trend going from 1 at the start to ``end_factor`` at the end.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    end_factor : float
        Multiplier reached at the end of the horizon [-], > 0 (1.5 = +50 %).
    kind : {"linear", "exponential"}
        Shape of the trend.
    """
    arr = check_rate(rate_rps)
    return arr * _trend(arr.size, end_factor, kind)


def combine(*rates_rps: Any) -> np.ndarray:
    """Sum of several series of the same length and step [req/s]."""
    if not rates_rps:
        raise InvalidParameterError("rates_rps", "nothing", "at least one series")
    arrays = [check_rate(r, f"rates_rps[{i}]") for i, r in enumerate(rates_rps)]
    sizes = {a.size for a in arrays}
    if len(sizes) != 1:
        raise InvalidParameterError("rates_rps", f"lengths {sorted(sizes)}", "series of equal length (same horizon and step)")
    return np.sum(arrays, axis=0)


def scale(rate_rps: npt.ArrayLike, factor: float) -> np.ndarray:
    """A series multiplied by ``factor`` [-] (>= 0)."""
    check_non_negative("factor", factor)
    return check_rate(rate_rps) * float(factor)


# --------------------------------------------------------------------------- traces
@dataclass(frozen=True)
class Trace:
    """A traffic series read from a file.

    Attributes
    ----------
    rate_rps : numpy.ndarray
        Request rate per step [req/s].
    step_s : float
        Step [s].
    start : pandas.Timestamp
        Start of the first step.
    name : str
        Function hash, file stem or ``"aggregate"``.
    trigger : str or None
        Azure trigger type when the file has one.
    """

    rate_rps: np.ndarray
    step_s: float
    start: pd.Timestamp
    name: str
    trigger: str | None = None

    @property
    def requests(self) -> float:
        """Total requests in the trace."""
        return float(self.rate_rps.sum() * self.step_s)

    @property
    def horizon_days(self) -> float:
        """Length of the trace [days]."""
        return self.rate_rps.size * self.step_s / SECONDS_PER_DAY

    def to_series(self) -> pd.Series:
        """The rates on a DatetimeIndex."""
        return to_series(self.rate_rps, self.step_s, self.start, name=self.name)


_COUNT_COLUMNS = ("count", "requests", "invocations")
_RATE_COLUMNS = ("rate_rps", "rps", "rate")


def _parse_time(text: str) -> pd.Timestamp:
    text = text.strip()
    try:
        return pd.Timestamp(float(text), unit="s", tz="UTC")
    except ValueError:
        pass
    ts = pd.Timestamp(text)
    if pd.isna(ts):  # pd.Timestamp("NaT") is NaT, which the stubs do not say
        raise ValueError("empty timestamp")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def load_csv_trace(path: str | Path, *, name: str | None = None) -> Trace:
    """Read a CSV trace: a ``timestamp`` column and a ``count`` or ``rate_rps`` column.

    The header names the columns: ``timestamp`` (ISO 8601, or Unix seconds) and one of
    ``count``/``requests``/``invocations`` (requests in the step) or ``rate_rps``/``rps``/``rate``
    (mean rate in the step [req/s]). The step is the smallest gap between timestamps; rows must
    be in increasing time order and aligned on that step. Missing steps count as zero requests.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file.
    name : str, optional
        Name of the trace (default: the file stem).

    Raises
    ------
    TraceFormatError
        With the line number of the first bad row.
    """
    path = Path(path)
    times: list[pd.Timestamp] = []
    values: list[float] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise TraceFormatError(path, 1, "empty file: expected a header 'timestamp,count' or 'timestamp,rate_rps'")
        cols = [h.strip().lower() for h in header]
        if len(cols) < 2 or cols[0] not in ("timestamp", "time"):
            raise TraceFormatError(path, 1, f"header {header!r}: expected 'timestamp' then one of "
                                   f"{', '.join(_COUNT_COLUMNS + _RATE_COLUMNS)}")
        if cols[1] in _COUNT_COLUMNS:
            is_count = True
        elif cols[1] in _RATE_COLUMNS:
            is_count = False
        else:
            raise TraceFormatError(path, 1, f"second column {header[1]!r}: expected one of "
                                   f"{', '.join(_COUNT_COLUMNS + _RATE_COLUMNS)}")
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(cols):
                raise TraceFormatError(path, line, f"expected {len(cols)} fields, found {len(row)}")
            try:
                t = _parse_time(row[0])
            except (ValueError, TypeError):
                raise TraceFormatError(path, line, f"timestamp {row[0]!r} is not ISO 8601 or Unix seconds") from None
            try:
                v = float(row[1])
            except ValueError:
                raise TraceFormatError(path, line, f"value {row[1]!r} is not a number") from None
            if not math.isfinite(v) or v < 0:
                raise TraceFormatError(path, line, f"value {row[1]!r} must be a finite number >= 0")
            if times and t <= times[-1]:
                raise TraceFormatError(path, line, f"timestamp {row[0]!r} is not after the previous row's")
            times.append(t)
            values.append(v)
    if len(times) < 2:
        raise TraceFormatError(path, None, "need at least 2 rows to infer the step")
    t_ns = np.array([t.value for t in times], dtype=np.int64)
    offs_s = (t_ns - t_ns[0]) / 1e9
    step_s = float(np.min(np.diff(offs_s)))
    if not (MIN_STEP_S <= step_s <= MAX_STEP_S):
        raise TraceFormatError(path, None, f"inferred step {step_s:g} s is outside 1 to 3600 s")
    idx_f = offs_s / step_s
    idx = np.rint(idx_f).astype(np.int64)
    bad = np.flatnonzero(np.abs(idx_f - idx) > 1e-6)
    if bad.size:
        # data rows start on line 2; report the first misaligned row (blank lines are rare)
        raise TraceFormatError(path, int(bad[0]) + 2, f"timestamp not on the {step_s:g}-s grid started by the first row")
    vals = np.asarray(values)
    rate = np.zeros(int(idx[-1]) + 1)
    rate[idx] = vals / step_s if is_count else vals
    return Trace(rate_rps=rate, step_s=step_s, start=times[0], name=name or path.stem)


_ORIGINAL_KEYS = ["HashOwner", "HashApp", "HashFunction", "Trigger"]
_RESAMPLED_KEYS = ["HashFunction", "HashApp", "HashOwner"]


def _azure_schema(path: Path, header: list[str]) -> tuple[str, int]:
    """Return (schema name, number of key columns) after checking the minute columns."""
    h = [c.strip() for c in header]
    if h[:4] == _ORIGINAL_KEYS:
        minutes = h[4:]
        expected = [str(i) for i in range(1, len(minutes) + 1)]
        schema, k = "original", 4
    elif h[:3] == _RESAMPLED_KEYS:
        minutes = h[3:]
        expected = [f"minute_{i}" for i in range(1, len(minutes) + 1)]
        schema, k = "resampled", 3
    else:
        raise TraceFormatError(path, 1, "header is neither the original Azure 2019 schema "
                               "'HashOwner,HashApp,HashFunction,Trigger,1..1440' nor the resampled "
                               "'HashFunction,HashApp,HashOwner,minute_1..minute_1440'")
    if len(minutes) != 1440 or minutes != expected:
        first_bad = next((i for i, (a, b) in enumerate(zip(minutes, expected)) if a != b), None)
        detail = f"column {k + first_bad + 1} is {minutes[first_bad]!r}, expected {expected[first_bad]!r}" \
            if first_bad is not None else f"found {len(minutes)} minute columns"
        raise TraceFormatError(path, 1, f"{schema} Azure schema needs 1440 minute columns in order: {detail}")
    return schema, k


def load_azure_trace(path: str | Path | Sequence[str | Path], *, functions: Sequence[str] | None = None,
                     aggregate: bool = False, start: Any = DEFAULT_START) -> dict[str, Trace] | Trace:
    """Read Azure Functions 2019 per-minute invocation counts (either schema).

    Accepts the original ``HashOwner,HashApp,HashFunction,Trigger,1..1440`` and the resampled
    ``HashFunction,HashApp,HashOwner,minute_1..minute_1440`` schemas (detected from the
    header). Each cell is the number of invocations in that minute; the rate is count / 60.
    Several files (one per day, in order) are concatenated.

    Parameters
    ----------
    path : path or sequence of paths
        One file per day.
    functions : sequence of str, optional
        Keep only these ``HashFunction`` values (default: all).
    aggregate : bool
        Return one :class:`Trace` summing the selected functions instead of a dict.
    start : timestamp-like
        Timestamp given to minute 1 of the first day.

    Returns
    -------
    dict of str to Trace, or Trace
        Per-function traces keyed by ``HashFunction`` (step 60 s), or the aggregate.

    Raises
    ------
    TraceFormatError
        Wrong header, wrong number of fields, a non-numeric, negative or non-finite count,
        or a duplicate function, with the line number.
    """
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    if not paths:
        raise InvalidParameterError("path", path, "at least one Azure trace file")
    wanted = set(functions) if functions is not None else None
    days: list[dict[str, np.ndarray]] = []
    triggers: dict[str, str | None] = {}
    for p in paths:
        day: dict[str, np.ndarray] = {}
        with p.open(newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise TraceFormatError(p, 1, "empty file: expected an Azure 2019 header")
            schema, k = _azure_schema(p, header)
            width = len(header)
            fn_col = 2 if schema == "original" else 0
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != width:
                    raise TraceFormatError(p, line, f"expected {width} fields, found {len(row)}")
                fn = row[fn_col].strip()
                if wanted is not None and fn not in wanted:
                    continue
                try:
                    counts = np.array(row[k:], dtype=float)
                except ValueError:
                    j = next(i for i, c in enumerate(row[k:]) if not _is_number(c))
                    raise TraceFormatError(p, line, f"column {k + j + 1} ({header[k + j]}): "
                                           f"{row[k + j]!r} is not a number") from None
                bad = ~np.isfinite(counts) | (counts < 0)
                if bad.any():
                    j = int(np.flatnonzero(bad)[0])
                    raise TraceFormatError(p, line, f"column {k + j + 1} ({header[k + j]}): "
                                           f"{row[k + j]!r} must be a finite count >= 0")
                if fn in day:
                    raise TraceFormatError(p, line, f"duplicate HashFunction {fn!r}")
                day[fn] = counts
                if schema == "original":
                    triggers.setdefault(fn, row[3].strip())
                else:
                    triggers.setdefault(fn, None)
        days.append(day)
    names = list(dict.fromkeys(fn for day in days for fn in day))
    if wanted is not None:
        missing = sorted(wanted - set(names))
        if missing:
            raise UnknownNameError("Azure function", missing[0], names[:20])
    if not names:
        raise TraceFormatError(paths[0], None, "no function rows")
    zeros = np.zeros(1440)
    start_ts = pd.Timestamp(start)
    if start_ts.tzinfo is None:
        start_ts = start_ts.tz_localize("UTC")
    per_fn = {fn: np.concatenate([day.get(fn, zeros) for day in days]) / 60.0 for fn in names}
    if aggregate:
        return Trace(rate_rps=np.sum(list(per_fn.values()), axis=0), step_s=60.0, start=start_ts, name="aggregate")
    return {fn: Trace(rate_rps=r, step_s=60.0, start=start_ts, name=fn, trigger=triggers.get(fn))
            for fn, r in per_fn.items()}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- signals
@dataclass(frozen=True)
class TrafficSignals:
    """Summary of a traffic series' shape (see :func:`traffic_signals`).

    Attributes
    ----------
    mean_rps, peak_rps : float
        Mean and maximum per-step rate [req/s].
    peak_to_mean : float
        ``peak_rps / mean_rps`` [-] (NaN with no traffic).
    cv : float
        Coefficient of variation of the per-step rate [-].
    idle_fraction : float
        Share of steps with no requests [-].
    invocations_per_day : float
        Mean requests per day [1/day].
    long_gap_share : float
        Share of idle gaps (runs of empty steps) longer than ``keep_alive_s`` [-].
    daily_cycle_share : float
        Share of the rate's variance explained by the hour of day [-] (NaN under 2 days).
    keep_alive_s, step_s, horizon_days : float
        The inputs used [s, s, days].
    """

    mean_rps: float
    peak_rps: float
    peak_to_mean: float
    cv: float
    idle_fraction: float
    invocations_per_day: float
    long_gap_share: float
    daily_cycle_share: float
    keep_alive_s: float
    step_s: float
    horizon_days: float

    def to_dict(self) -> dict[str, float]:
        """The signals as a plain dict."""
        return dict(self.__dict__)


def traffic_signals(rate_rps: npt.ArrayLike, step_s: float, *, keep_alive_s: float = 600.0) -> TrafficSignals:
    """Shape signals of a traffic series.

    Parameters
    ----------
    rate_rps : array_like
        Request rate per step [req/s].
    step_s : float
        Step [s].
    keep_alive_s : float
        Idle time after which a Lambda environment is assumed reclaimed [s]; gaps longer than
        this are counted in ``long_gap_share``.
    """
    arr = check_rate(rate_rps)
    check_range("step_s", step_s, MIN_STEP_S, MAX_STEP_S, "s")
    check_non_negative("keep_alive_s", keep_alive_s)
    step_s = float(step_s)
    mean = float(arr.mean())
    peak = float(arr.max())
    std = float(arr.std())
    idle = arr <= 0
    horizon_days = arr.size * step_s / SECONDS_PER_DAY
    # idle gaps: runs of empty steps
    if idle.any():
        padded = np.concatenate([[False], idle, [False]]).astype(np.int8)
        d = np.diff(padded)
        run_len = np.flatnonzero(d == -1) - np.flatnonzero(d == 1)
    else:
        run_len = np.zeros(0, dtype=np.int64)
    long_share = float(np.mean(run_len * step_s > keep_alive_s)) if run_len.size else 0.0
    # hour-of-day variance share (needs 2 whole days to mean anything)
    if horizon_days >= 2 and std > 0:
        per_h = 3600.0 / step_s
        counts: np.ndarray
        if per_h.is_integer() and arr.size % int(per_h) == 0:  # hourly sums by reshaping (fast)
            hourly = arr.reshape(-1, int(per_h)).sum(axis=1)
            hour = np.arange(hourly.size) % 24
            counts = np.bincount(hour, minlength=24) * per_h
            sums = np.bincount(hour, weights=hourly, minlength=24)
        else:
            hour = ((np.arange(arr.size) * step_s) % SECONDS_PER_DAY // 3600).astype(np.int64)
            counts = np.bincount(hour, minlength=24)
            sums = np.bincount(hour, weights=arr, minlength=24)
        hour_means = np.divide(sums, counts, out=np.zeros(24), where=counts > 0)
        explained = float(np.sum(counts * (hour_means - mean) ** 2) / arr.size)
        daily = explained / std**2
    else:
        daily = float("nan")
    return TrafficSignals(
        mean_rps=mean,
        peak_rps=peak,
        peak_to_mean=peak / mean if mean > 0 else float("nan"),
        cv=std / mean if mean > 0 else float("nan"),
        idle_fraction=float(idle.mean()),
        invocations_per_day=mean * SECONDS_PER_DAY,
        long_gap_share=long_share,
        daily_cycle_share=daily,
        keep_alive_s=float(keep_alive_s),
        step_s=step_s,
        horizon_days=horizon_days,
    )


@functools.lru_cache(maxsize=8)
def _read_threshold_file(path: str, mtime_ns: int) -> tuple[tuple[str, float], ...]:
    """Parse a thresholds file once per (path, modification time): labelling a thousand
    trace functions must not re-read the YAML a thousand times."""
    with open(path) as fh:
        return tuple((k, float(v)) for k, v in (yaml.safe_load(fh) or {}).items())


def load_label_thresholds(path: str | Path | None = None, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Label thresholds from ``data/traffic_labels.yaml`` (or ``path``), with ``overrides``.

    Unknown keys in ``overrides`` raise :class:`UnknownNameError` listing the valid ones.
    """
    src = Path(path) if path is not None else LABEL_THRESHOLDS_PATH
    thresholds = dict(_read_threshold_file(str(src), src.stat().st_mtime_ns))
    for key, value in (overrides or {}).items():
        if key not in thresholds:
            raise UnknownNameError("traffic label threshold", key, thresholds)
        check_finite(f"thresholds.{key}", value)
        thresholds[key] = float(value)
    return thresholds


def label_traffic(signals: TrafficSignals, thresholds: Mapping[str, float] | None = None) -> str:
    """Label a traffic shape: ``"infrequent"``, ``"bursty"``, ``"diurnal"`` or ``"steady"``.

    Rules, checked in this order (thresholds from :func:`load_label_thresholds`):

    1. infrequent: ``invocations_per_day <= infrequent_max_invocations_per_day`` or
       ``idle_fraction >= infrequent_min_idle_fraction``;
    2. bursty: ``peak_to_mean >= bursty_min_peak_to_mean`` or ``cv >= bursty_min_cv``;
    3. diurnal: ``daily_cycle_share >= diurnal_min_daily_cycle_share`` and
       ``cv >= diurnal_min_cv``;
    4. steady otherwise.

    Parameters
    ----------
    signals : TrafficSignals
        From :func:`traffic_signals`.
    thresholds : mapping, optional
        Overrides of individual thresholds (unknown keys are errors).
    """
    t = load_label_thresholds(overrides=thresholds)
    s = signals
    if s.mean_rps <= 0 or s.invocations_per_day <= t["infrequent_max_invocations_per_day"] \
            or s.idle_fraction >= t["infrequent_min_idle_fraction"]:
        return "infrequent"
    if s.peak_to_mean >= t["bursty_min_peak_to_mean"] or s.cv >= t["bursty_min_cv"]:
        return "bursty"
    if not math.isnan(s.daily_cycle_share) and s.daily_cycle_share >= t["diurnal_min_daily_cycle_share"] \
            and s.cv >= t["diurnal_min_cv"]:
        return "diurnal"
    return "steady"


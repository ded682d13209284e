"""The fast cold-start model checked against the exact simulator and the closed form.

:func:`fast_vs_exact` puts, at constant Poisson rates, the fast model's share of cold
starts (:func:`costmodel.models.coldstart.fast.fast_cold_starts`) beside the exact
event-driven simulator's (seeded replications with a 95 % confidence interval) and the
low-rate closed form ``e^{-lambda T} / (1 + lambda w)`` (notebook 03, section 2;
``docs/coldstart-model.md`` for the full validation grid).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import (
    Duration,
    confidence_interval,
    low_rate_cold_start_fraction,
    simulate,
)

__all__ = ["fast_vs_exact"]


def fast_vs_exact(rates_rps: Iterable[float], *, keep_alive_s: float = 600.0, warm_mean_ms: float = 120.0,
                  requests_per_run: int = 20_000, replications: int = 4,
                  random_state: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """The fast cold-start model against the exact simulator at constant Poisson rates.

    For each rate: the fast model's P(cold) over the same horizon, the exact simulator's
    mean over ``replications`` independent seeded runs with its 95 % confidence interval
    (:func:`costmodel.models.coldstart.simulator.confidence_interval`), and the low-rate closed form
    ``e^{-lambda T} / (1 + lambda w)``. Warm service times are exponential (SimFaaS's
    assumption).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rate_rps``.
    """
    rng = np.random.default_rng(random_state)
    warm = Duration.exponential(warm_mean_ms / 1000.0)
    rows = []
    for rate in rates_rps:
        horizon_s = requests_per_run / float(rate)
        fast = fast_cold_starts(float(rate), horizon_s, warm.mean_s, keep_alive_s).cold_start_fraction
        runs = [simulate(float(rate), horizon_s, warm_duration=warm, keep_alive_s=keep_alive_s,
                         random_state=rng).cold_start_fraction for _ in range(replications)]
        mean, low, high = confidence_interval(runs)
        rows.append({
            "rate_rps": float(rate),
            "fast": fast,
            "exact_mean": mean,
            "exact_ci_low": low,
            "exact_ci_high": high,
            "closed_form_low_rate": float(low_rate_cold_start_fraction(float(rate), warm.mean_s, keep_alive_s)),
        })
    return pd.DataFrame(rows).set_index("rate_rps")

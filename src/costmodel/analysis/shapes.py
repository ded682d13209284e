"""Traffic shapes that carry the same mean load: steady, diurnal, bursty and sparse.

One definition, used by notebook 02 (:func:`same_mean_shapes`: the four shapes as rate
series) and by the decision explorer of notebook 01 (:func:`shape_traffic_block`: the same
shapes as a scenario ``traffic`` block):

- ``steady``: constant, 5 % noise;
- ``diurnal``: a daily cycle, peak-to-trough 6:1, peak at 14:00 UTC, 5 % noise;
- ``bursty``: 40 % of the load as a base rate, 60 % in eight 5-minute bursts a day
  (a burst adds 54 times the base rate);
- ``sparse``: on/off, four 15-minute windows a day and nothing in between.

Over whole days the bursty and sparse shapes have exactly the requested mean; the noisy
ones are normalised to it by their generators.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from costmodel._validate import check_choice, check_positive
from costmodel.models import traffic as tr
from costmodel.models.traffic import SECONDS_PER_DAY
from costmodel.scenario.load import build_traffic

__all__ = ["BURSTY_BASE_SHARE", "SHAPES", "same_mean_shapes", "shape_traffic_block"]

#: The four shapes, in the order the workbook shows them.
SHAPES = ("steady", "diurnal", "bursty", "sparse")
#: Share of the bursty shape's load carried by its base rate [-] (the rest arrives in bursts).
BURSTY_BASE_SHARE = 0.4
_BURSTS_PER_DAY, _BURST_LENGTH_S = 8, 300
_WINDOWS_PER_DAY, _WINDOW_LENGTH_S = 4, 900
_NOISE_CV = 0.05


def shape_traffic_block(shape: str, mean_rps: float, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A scenario ``traffic`` block of ``shape`` with mean rate ``mean_rps``.

    Parameters
    ----------
    shape : {"steady", "diurnal", "bursty", "sparse"}
    mean_rps : float
        Mean rate over whole days [req/s].
    base : mapping, optional
        A traffic block whose ``horizon_days``, ``step_s`` and ``random_state`` are kept
        (``random_state`` only for the noisy shapes; bursts are deterministic).

    Returns
    -------
    dict
        A block for :func:`costmodel.scenario.load.load_scenario` (``pattern`` plus its
        generator's parameters).
    """
    check_choice("shape", shape, SHAPES)
    check_positive("mean_rps", mean_rps)
    mean = float(mean_rps)
    keep = {k: base[k] for k in ("horizon_days", "step_s", "random_state") if base and k in base}
    if shape == "steady":
        return {"pattern": "steady", "mean_rps": mean, "noise_cv": _NOISE_CV, **keep}
    if shape == "diurnal":
        return {"pattern": "diurnal", "mean_rps": mean, "peak_to_trough": 6.0, "peak_hour": 14,
                "noise_cv": _NOISE_CV, **keep}
    keep.pop("random_state", None)
    if shape == "bursty":
        burst_share_s = _BURSTS_PER_DAY * _BURST_LENGTH_S / SECONDS_PER_DAY
        return {"pattern": "bursty", "base_rps": BURSTY_BASE_SHARE * mean,
                "burst_rps": (1.0 - BURSTY_BASE_SHARE) * mean / burst_share_s,
                "burst_length_s": _BURST_LENGTH_S, "bursts_per_day": _BURSTS_PER_DAY, **keep}
    window_share = _WINDOWS_PER_DAY * _WINDOW_LENGTH_S / SECONDS_PER_DAY
    return {"pattern": "bursty", "base_rps": 0.0, "burst_rps": mean / window_share,
            "burst_length_s": _WINDOW_LENGTH_S, "bursts_per_day": _WINDOWS_PER_DAY, **keep}


def same_mean_shapes(mean_rps: float, *, step_s: float = 60.0, horizon_days: float = tr.MONTH_DAYS,
                     random_state: int | np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """The four shapes of :data:`SHAPES` as rate series with exactly the same mean.

    Each is built from :func:`shape_traffic_block` by the scenario's traffic builder and
    rescaled with :func:`costmodel.models.traffic.scale` to ``mean_rps`` exactly (so every
    shape carries the same requests over the horizon, even a partial last day).

    Parameters
    ----------
    mean_rps : float
        Mean rate [req/s].
    step_s : float
        Step [s].
    horizon_days : float
        Length [days].
    random_state : int or numpy.random.Generator, optional
        Seed of the noisy shapes.

    Returns
    -------
    dict of str to numpy.ndarray
        Rate per step [req/s], keyed by shape.
    """
    base = {"horizon_days": horizon_days, "step_s": step_s, "random_state": random_state}
    out = {}
    for shape in SHAPES:
        rate, _, _ = build_traffic(shape_traffic_block(shape, mean_rps, base))
        out[shape] = tr.scale(rate, float(mean_rps) / float(rate.mean()))
    return out

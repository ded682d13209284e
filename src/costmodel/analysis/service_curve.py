"""Cost against the latency target: what each option costs as the target tightens.

:func:`cost_vs_target` right-sizes every option (:func:`costmodel.analysis.rightsizing.size_at_targets`)
at each latency target of a sweep (by default the p99 from 5 s down to 100 ms; the
scenario's other service-level terms stay) and finds the *crossovers*: the targets between
which the cheapest option that meets the target changes, and where Lambda and the cheapest
considered container option cost the same. An option that cannot meet a target at any
configuration searched is marked there (its cost is that of the closest configuration).

The decision's verdict at each target (the procedure re-run with those costs) is
:func:`costmodel.decision.service_curve.verdict_vs_target`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from costmodel.analysis.compare import ScenarioSource
from costmodel.analysis.rightsizing import TargetSizing, size_at_targets
from costmodel.models.service_level import ServiceLevel
from costmodel.scenario.load import load_scenario
from costmodel.scenario.service_level import service_level_of

__all__ = ["CONTAINER_OPTIONS", "DEFAULT_TARGETS_MS", "CostCurve", "cost_vs_target", "find_crossovers"]

#: The default sweep of latency targets [ms], loosest first.
DEFAULT_TARGETS_MS = (5000.0, 3000.0, 2000.0, 1500.0, 1000.0, 700.0, 500.0, 300.0, 200.0, 150.0, 100.0)
#: Container options against which Lambda is compared (Spot is left out, as the decision does).
CONTAINER_OPTIONS = ("fargate_on_demand", "fargate_savings_plan", "ec2_on_demand", "ec2_savings_plan")


@dataclass(frozen=True)
class CostCurve:
    """Result of :func:`cost_vs_target`.

    Attributes
    ----------
    service_level : ServiceLevel
        The scenario's (its target is one point of the curve).
    monthly_usd : pandas.DataFrame
        Index ``target_ms`` (loosest first), one column per option [USD/month], right-sized.
    meets : pandas.DataFrame
        Whether each right-sized option meets the service level at that target.
    cheapest : pandas.Series
        Per target, the cheapest option that meets it (None when none does).
    ratio : pandas.Series
        Lambda / cheapest considered container option that meets the target (the cheapest
        considered one when none does), per target [-].
    crossovers : list of dict
        ``{"kind": "cheapest" | "cost_parity" | "lambda_stops_meeting" | "containers_stops_meeting",
        "between_ms": (looser, tighter), "at_ms": float, "from": str, "to": str, "text": str}``.
    sizing : TargetSizing
    """

    service_level: ServiceLevel
    monthly_usd: pd.DataFrame
    meets: pd.DataFrame
    cheapest: pd.Series
    ratio: pd.Series
    crossovers: list = field(default_factory=list)
    sizing: TargetSizing | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Costs with a ``*`` where the option misses the target, the cheapest meeting option
        and the Lambda/container ratio, one row per target."""
        out = self.monthly_usd.round(2).astype(object)
        for c in out.columns:
            out[c] = [f"{v:,.2f}" + ("" if m else " *") for v, m in zip(self.monthly_usd[c], self.meets[c])]
        out["cheapest meeting"] = self.cheapest.fillna("none")
        out["lambda / containers"] = self.ratio.round(2)
        return out

    def to_text(self) -> str:
        sl = self.service_level
        lines = [f"Monthly cost right-sized to each {sl.label} target (USD; * = cannot meet it); "
                 f"the scenario's target is {sl.latency_target_ms:,.0f} ms", ""]
        lines += self.to_frame().to_string().splitlines()
        lines.append("")
        lines += [f"- {c['text']}" for c in self.crossovers] or ["- no crossover in the range"]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"service_level": self.service_level.to_dict(),
                "targets_ms": [float(t) for t in self.monthly_usd.index],
                "monthly_usd": {c: [float(v) for v in self.monthly_usd[c]] for c in self.monthly_usd.columns},
                "meets": {c: [bool(v) for v in self.meets[c]] for c in self.meets.columns},
                "cheapest": [None if pd.isna(v) else str(v) for v in self.cheapest],
                "ratio": [float(v) for v in self.ratio], "crossovers": self.crossovers}


def _log_mid(a: float, b: float, fa: float, fb: float) -> float:
    """Where a quantity going from ``fa`` (at a) to ``fb`` (at b) crosses 0, linear in log target."""
    f = 0.0 if fb == fa else fa / (fa - fb)
    f = min(max(f, 0.0), 1.0)
    return float(math.exp(math.log(a) + f * (math.log(b) - math.log(a))))


def find_crossovers(usd: pd.DataFrame, meets: pd.DataFrame, container_options: Iterable[str] = CONTAINER_OPTIONS
                    ) -> tuple[pd.Series, pd.Series, list[dict[str, Any]]]:
    """(cheapest option meeting each target, Lambda / cheapest container option, crossovers)
    of a cost curve: ``usd`` and ``meets`` indexed by target (loosest first), one column per
    option.

    Crossovers between consecutive targets: the cheapest option that meets the target
    changes (``cheapest``); Lambda and the cheapest considered container option cost the
    same (``cost_parity``, interpolated linearly in log target, reported only where both
    sides meet the target at both ends: the cost of a configuration that misses it is no
    price of the service level); Lambda or every container option stops meeting the target
    (``lambda_stops_meeting``, ``containers_stops_meeting``)."""
    opts = list(container_options)
    cheapest = pd.Series([(usd.loc[t][meets.loc[t]].idxmin() if meets.loc[t].any() else None)
                          for t in usd.index], index=usd.index, name="cheapest", dtype=object)
    cont = usd[opts].where(meets[opts]).min(axis=1).fillna(usd[opts].min(axis=1))
    ratio = (usd["lambda"] / cont).rename("ratio")
    both = meets["lambda"] & meets[opts].any(axis=1)
    xs = usd.index.to_numpy()
    crossovers = []
    for i in range(len(xs) - 1):
        a, b = float(xs[i]), float(xs[i + 1])
        ca, cb = cheapest.iloc[i], cheapest.iloc[i + 1]
        ca, cb = (None if pd.isna(ca) else ca), (None if pd.isna(cb) else cb)
        if ca != cb and ca is not None and cb is not None:
            crossovers.append({"kind": "cheapest", "between_ms": (a, b), "at_ms": math.sqrt(a * b), "from": ca,
                               "to": cb, "text": f"between {a:,.0f} ms and {b:,.0f} ms the cheapest option that "
                                                 f"meets the target changes from {ca} to {cb}"})
        ra, rb = float(ratio.iloc[i]), float(ratio.iloc[i + 1])
        if (ra - 1.0) * (rb - 1.0) < 0 and both.iloc[i] and both.iloc[i + 1]:
            at = _log_mid(a, b, ra - 1.0, rb - 1.0)
            crossovers.append({"kind": "cost_parity", "between_ms": (a, b), "at_ms": at,
                               "from": "lambda" if ra < 1 else "containers", "to": "lambda" if rb < 1 else "containers",
                               "text": f"near {at:,.0f} ms Lambda and the cheapest considered container option cost "
                                       f"the same (Lambda/containers {ra:.2f} at {a:,.0f} ms, "
                                       f"{rb:.2f} at {b:,.0f} ms)"})
        for name, cols in (("lambda", ["lambda"]), ("containers", opts)):
            ma, mb = bool(meets.iloc[i][cols].any()), bool(meets.iloc[i + 1][cols].any())
            if ma and not mb:
                crossovers.append({"kind": f"{name}_stops_meeting", "between_ms": (a, b), "at_ms": math.sqrt(a * b),
                                   "from": name, "to": "", "text": f"below {a:,.0f} ms {name} cannot meet the target "
                                                                  f"with any configuration searched"})
    return cheapest, ratio, crossovers


def cost_vs_target(scenario: ScenarioSource = None, targets_ms: Iterable[float] | None = None, *,
                   container_options: Iterable[str] = CONTAINER_OPTIONS) -> CostCurve:
    """Monthly cost of every option right-sized to each latency target, with the crossovers.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
    targets_ms : sequence of float, optional
        Latency targets [ms] (default :data:`DEFAULT_TARGETS_MS`); the scenario's own target
        is added.
    container_options : sequence of str
        Options Lambda is compared with for the cost parity.

    Returns
    -------
    CostCurve
        Computed once per scenario object and targets (:meth:`Scenario.cached`).
    """
    sc = load_scenario(scenario)
    sl = service_level_of(sc)
    given = DEFAULT_TARGETS_MS if targets_ms is None else tuple(float(t) for t in targets_ms)
    # the scenario's own target first: EC2 packs the Fargate task size chosen there
    targets = [sl.latency_target_ms] + [t for t in given if abs(t - sl.latency_target_ms) > 1e-9]
    sizing = sc.cached(("size_at_targets", tuple(targets)), lambda: size_at_targets(sc, targets))
    order = np.argsort(-np.asarray(targets), kind="stable")            # loosest first
    usd = sizing.monthly_usd.iloc[order]
    meets = sizing.meets.iloc[order]
    cheapest, ratio, crossovers = find_crossovers(usd, meets, container_options)
    return CostCurve(service_level=sl, monthly_usd=usd, meets=meets, cheapest=cheapest, ratio=ratio,
                     crossovers=crossovers, sizing=sizing)

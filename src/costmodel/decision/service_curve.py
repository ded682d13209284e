"""The verdict as the latency target tightens: the procedure re-run on right-sized costs.

:func:`verdict_vs_target` takes the scenario's measured facts once
(:func:`costmodel.decision.recommend.measure`) and, for every latency target of
:func:`costmodel.analysis.service_curve.cost_vs_target`, replaces the monthly costs with
those of the options right-sized to that target (the container option is the cheapest
considered one that meets it, else the cheapest) and re-runs the pure procedure
(:func:`costmodel.decision.procedure.evaluate`). The other facts (traffic, latencies) are the
scenario's own; the target moves only the costs. Where the verdict changes between two
targets is the service-level flip the report and notebook 09 show.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from costmodel.analysis.service_curve import CostCurve, cost_vs_target
from costmodel.decision.config import load_decision_signals, load_hard_limits
from costmodel.decision.measure import considered_options, load, measure_facts
from costmodel.decision.procedure import evaluate
from costmodel.decision.recommend import _duration_p99_ms
from costmodel.decision.records import Facts
from costmodel.decision.validate import validate_team, validate_workload
from costmodel.scenario.load import ScenarioSource

__all__ = ["VerdictCurve", "verdict_vs_target"]


@dataclass(frozen=True)
class VerdictCurve:
    """Result of :func:`verdict_vs_target`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index ``target_ms`` (loosest first): ``verdict``, ``lambda_usd``, ``container_option``,
        ``container_usd``, ``ratio``, ``lambda_meets``, ``container_meets``.
    flips : list of dict
        ``{"between_ms": (looser, tighter), "from": verdict, "to": verdict, "text": str}``.
    curve : CostCurve
    """

    table: pd.DataFrame
    flips: list = field(default_factory=list)
    curve: CostCurve | None = field(default=None, repr=False)

    def to_text(self) -> str:
        lines = self.table.to_string(float_format=lambda v: f"{v:,.2f}").splitlines()
        lines.append("")
        lines += [f"- {f['text']}" for f in self.flips] or ["- the verdict does not change over the range"]
        return "\n".join(lines)


def verdict_vs_target(scenario: ScenarioSource = None, targets_ms: Sequence[float] | None = None, *,
                      signals: Any = None, limits: Any = None,
                      facts: Facts | None = None) -> VerdictCurve:
    """The verdict at each latency target (costs right-sized to it), and where it flips.

    Parameters
    ----------
    scenario : path, dict or Scenario
        With ``workload`` and ``team`` blocks.
    targets_ms : sequence of float, optional
        Latency targets [ms] (default: :data:`costmodel.analysis.service_curve.DEFAULT_TARGETS_MS`).
    signals, limits : path, mapping or None
        As for :func:`costmodel.decision.recommend`.
    facts : Facts, optional
        The scenario's measured facts (measured here when not given).

    Returns
    -------
    VerdictCurve
    """
    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    sc = load(scenario)
    work = sc.raw.get("work") or {}
    workload = validate_workload(sc.raw.get("workload"), memory_mb=work.get("memory_mb"),
                                 duration_p99_ms=_duration_p99_ms(work.get("duration_ms")), limits=lcfg)
    team = validate_team(sc.raw.get("team"), scfg)
    if facts is None:
        facts = measure_facts(sc, workload, scfg, limits=lcfg)
    curve = cost_vs_target(sc, targets_ms)
    opts = considered_options(scfg, list(curve.monthly_usd.columns))
    rows = []
    for t in curve.monthly_usd.index:
        usd = curve.monthly_usd.loc[t]
        ok = curve.meets.loc[t]
        able = [o for o in opts if ok[o]]
        best = min(able or opts, key=lambda o: usd[o])
        f2 = replace(facts, monthly_usd={str(k): float(v) for k, v in usd.items()},
                     lambda_monthly_usd=float(usd["lambda"]), container_option=best,
                     container_monthly_usd=float(usd[best]), container_overload_minutes=0.0)
        verdict = evaluate(f2, workload, team, signals=scfg, limits=lcfg)["verdict"]
        rows.append({"target_ms": float(t), "verdict": verdict, "lambda_usd": float(usd["lambda"]),
                     "container_option": best, "container_usd": float(usd[best]),
                     "ratio": float(usd["lambda"]) / float(usd[best]), "lambda_meets": bool(ok["lambda"]),
                     "container_meets": bool(ok[best])})
    table = pd.DataFrame(rows).set_index("target_ms")
    flips = []
    for i in range(len(table) - 1):
        a, b = table.iloc[i], table.iloc[i + 1]
        if a["verdict"] != b["verdict"]:
            flips.append({"between_ms": (float(table.index[i]), float(table.index[i + 1])), "from": a["verdict"],
                          "to": b["verdict"],
                          "text": f"tightening the target from {table.index[i]:,.0f} ms to "
                                  f"{table.index[i + 1]:,.0f} ms "
                                  f"flips the verdict from {a['verdict']} to {b['verdict']} (Lambda "
                                  f"${a['lambda_usd']:,.2f} -> ${b['lambda_usd']:,.2f}, {b['container_option']} "
                                  f"${a['container_usd']:,.2f} -> ${b['container_usd']:,.2f} a month)"})
    return VerdictCurve(table=table, flips=flips, curve=curve)

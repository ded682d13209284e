"""The decision procedure on cheaply measured facts, for interactive use and many functions.

:func:`quick_decision` (the decision explorer of notebook 01) and :func:`trace_verdicts`
(notebook 06, one verdict per function of a trace) run :func:`costmodel.decision.evaluate`
on facts taken from one comparison, without the break-even search and the "what would
flip it" sweep (those need many comparisons; :func:`costmodel.decision.recommend` computes
them). The rules that need a break-even rate or a chain latency then report "not
measured".
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from costmodel.analysis.compare import Comparison, compare
from costmodel.analysis.traces import trace_arrivals
from costmodel.decision.config import load_decision_signals
from costmodel.decision.measure import considered_options
from costmodel.decision.procedure import evaluate
from costmodel.decision.recommend import _duration_p99_ms as duration_p99_ms
from costmodel.decision.records import Facts, Team, Workload
from costmodel.decision.validate import validate_team, validate_workload
from costmodel.errors import InvalidParameterError, UnknownNameError
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.traffic import TrafficSignals, label_traffic, load_label_thresholds
from costmodel.scenario.load import Scenario, ScenarioSource, load_scenario

__all__ = ["declared_blocks", "quick_decision", "trace_verdicts"]


def declared_blocks(sc: Scenario, scfg: dict) -> tuple[Workload, Team]:
    """The scenario's declared workload and team, validated."""
    work_raw = sc.raw.get("work") or {}
    # the declared p99 as recommend() reads it (the fitted distribution's p99 can differ in the last digit)
    p99_ms = duration_p99_ms(work_raw.get("duration_ms")) if isinstance(work_raw.get("duration_ms"), Mapping) else None
    workload = validate_workload(sc.raw.get("workload"), memory_mb=sc.work.memory_mb, duration_p99_ms=p99_ms)
    return workload, validate_team(sc.raw.get("team"), scfg)


def _signals_of(comparison: Comparison) -> TrafficSignals:
    """The comparison's traffic signals (:func:`costmodel.analysis.compare.compare` always sets them)."""
    if comparison.signals is None:
        raise InvalidParameterError("comparison.signals", None, "the traffic signals of a comparison made by "
                                    "costmodel.analysis.compare.compare")
    return comparison.signals


def quick_decision(scenario: ScenarioSource, comparison: Comparison, lambda_result: Any = None,
                   container_result: Any = None) -> dict[str, Any]:
    """The decision procedure on the facts of one comparison (and latency results).

    Facts: costs from ``comparison`` (:func:`costmodel.analysis.compare.compare`), the traffic
    label from :mod:`costmodel.models.traffic`, p99s and the cold-start share from the latency
    results when given. The verdict comes from :func:`costmodel.decision.evaluate` with the
    scenario's declared workload and team.

    Returns
    -------
    dict
        ``verdict``, ``confidence``, ``decided_by``, ``reason``, ``signals`` (tuple of
        SignalLean) and ``facts`` (the :class:`costmodel.decision.Facts` used).
    """
    sc = load_scenario(scenario)
    scfg = load_decision_signals()
    workload, team = declared_blocks(sc, scfg)
    monthly = {str(o): float(v) for o, v in comparison.table["monthly_usd"].items()}
    best = min(considered_options(scfg, monthly), key=lambda o: monthly[o])
    signals = _signals_of(comparison)
    facts = Facts(
        traffic_label=label_traffic(signals), traffic=signals.to_dict(),
        monthly_usd=monthly, lambda_monthly_usd=monthly["lambda"], container_option=best,
        container_monthly_usd=monthly[best],
        lambda_p99_ms=getattr(lambda_result, "p99_ms", None),
        container_p99_ms=getattr(container_result, "p99_ms", None),
        container_timeout_fraction=getattr(container_result, "timeout_fraction", None),
        cold_start_fraction=getattr(lambda_result, "cold_start_fraction", None),
    )
    out = dict(evaluate(facts, workload, team))
    out["facts"] = facts
    return out


def trace_verdicts(traces: Mapping[str, Any], names: Sequence[str], scenario: ScenarioSource, *,
                   keep_alive_s: float | None = None) -> pd.DataFrame:
    """Decision verdicts for a few functions of a trace, each as the scenario's workload.

    ``names`` are function hashes or their first characters (as in
    :func:`costmodel.analysis.traces.trace_table`'s index). Each function's day of traffic
    (repeated to a month) replaces the scenario's traffic; costs come from
    :func:`costmodel.analysis.compare.compare`, the traffic label from
    :mod:`costmodel.models.traffic`, the cold-start share from the fast model (counts
    read as counts, :func:`costmodel.analysis.traces.trace_arrivals`), and the
    verdict from :func:`costmodel.decision.evaluate` with the scenario's declared workload
    and team. Break-even rates and latency percentiles are left out (None) to keep this
    fast over many functions.

    Returns
    -------
    pandas.DataFrame
        One row per function: label, invocations per day, Lambda and cheapest container
        monthly cost [USD], their ratio, cold-start share, verdict, decided_by.
    """
    sc = load_scenario(scenario)
    scfg = load_decision_signals()
    workload, team = declared_blocks(sc, scfg)
    keep = float(keep_alive_s if keep_alive_s is not None else sc.lambda_["keep_alive_s"])
    thresholds = load_label_thresholds()
    rows = []
    for short in names:
        name = next((k for k in traces if k.startswith(str(short))), None)
        if name is None:
            raise UnknownNameError("function", short, [k[:10] for k in traces])
        trace = traces[name]
        cmp = compare(sc, rate_rps=trace.rate_rps, step_s=trace.step_s)
        monthly = {str(o): float(v) for o, v in cmp.table["monthly_usd"].items()}
        best = min(considered_options(scfg, monthly), key=lambda o: monthly[o])
        signals = _signals_of(cmp)
        label = label_traffic(signals, thresholds)
        fast = fast_cold_starts(trace.rate_rps, trace.step_s, sc.work.mean_duration_s, keep,
                                init_mean_s=float(sc.lambda_["init_duration_ms"]) / 1000.0,
                                arrivals=trace_arrivals(trace))
        facts = Facts(traffic_label=label, traffic=signals.to_dict(), monthly_usd=monthly,
                      lambda_monthly_usd=monthly["lambda"], container_option=best,
                      container_monthly_usd=monthly[best], cold_start_fraction=fast.cold_start_fraction)
        result = evaluate(facts, workload, team)
        rows.append({
            "function": name[:10],
            "label": label,
            "invocations_per_day": signals.invocations_per_day,
            "lambda_monthly_usd": monthly["lambda"],
            "cheapest_container": best,
            "container_monthly_usd": monthly[best],
            "cost_ratio": facts.cost_ratio,
            "cold_start_fraction": fast.cold_start_fraction,
            "verdict": result["verdict"],
            "decided_by": result["decided_by"],
        })
    return pd.DataFrame(rows).set_index("function")

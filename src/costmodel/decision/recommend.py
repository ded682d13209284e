"""``recommend()``: resolve the scenario, measure it, run the procedure, find the flips."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costmodel.analysis.account_limits import account_limit_checks
from costmodel.analysis.compare import compare
from costmodel.analysis.rightsizing import right_sized_scenario
from costmodel.decision.assumptions import assumption_flips
from costmodel.decision.config import load_decision_signals, load_hard_limits
from costmodel.decision.long_running import long_running_decision
from costmodel.decision.measure import (
    cost_flip_rates,
    failure_mode_evidence,
    load,
    measure_facts,
    service_level_evidence,
    service_level_meets,
)
from costmodel.decision.procedure import RULE_TEXT, advisories, check_hard_limits, evaluate, flips
from costmodel.decision.records import Facts, Flip, Recommendation, Workload, jsonable
from costmodel.decision.validate import validate_team, validate_workload
from costmodel.errors import CostModelError
from costmodel.scenario.load import ScenarioSource

__all__ = ["measure", "recommend"]


def measure(scenario: ScenarioSource, workload: Workload | None = None, *, signals: Any = None,
            limits: dict | None = None) -> Facts:
    """Measure a scenario's traffic label, costs, break-even rates and latencies.

    Calls the traffic, comparison and latency modules; see
    :mod:`costmodel.decision.measure` for exactly which functions. ``limits`` (loaded
    hard limits) only lets the break-even search pre-simulate the flip search's brackets.
    """
    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    return measure_facts(scenario, workload, scfg, limits=limits)


def recommend(scenario: ScenarioSource, *, signals: Any = None, limits: Any = None,
              facts: Facts | None = None) -> Recommendation:
    """Recommend serverless, containers or either for a scenario, with reasons and evidence.

    Parameters
    ----------
    scenario : str, Path, dict or costmodel.scenario.load.Scenario
        A scenario file (see ``/docs/decision.md``) or a loaded scenario. Its
        ``workload`` and ``team`` blocks are required.
    signals : path, mapping or None
        Decision-signal thresholds (default ``data/decision_signals.yaml``).
    limits : path, mapping or None
        Hard limits and "when not to use" rules (default ``data/hard_limits.yaml``).
    facts : Facts, optional
        Pre-measured facts (skips the cost and latency models; for what-if analysis).

    Returns
    -------
    Recommendation
        Frozen; ``to_dict()`` for JSON, ``to_text()`` for a terminal.
    """
    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    sc = load(scenario)
    raw = sc.raw
    work = raw.get("work") or {}
    memory_mb = work.get("memory_mb")
    p99_ms = _duration_p99_ms(work.get("duration_ms"))
    workload = validate_workload(raw.get("workload"), memory_mb=memory_mb, duration_p99_ms=p99_ms,
                                 limits=lcfg)
    team = validate_team(raw.get("team"), scfg)
    if facts is None:
        hard_decides = any(c.violated for c in check_hard_limits(workload, lcfg))
        try:
            facts = measure(sc, workload, signals=scfg, limits=lcfg)
        except CostModelError as exc:
            if not hard_decides:
                raise
            facts = Facts(notes=(f"models not run: {exc}",))
    result = evaluate(facts, workload, team, signals=scfg, limits=lcfg)
    sized = service_level_evidence(sc) if facts.monthly_usd else None   # right-sized, with what it took
    sc_cmp = right_sized_scenario(sc) if sized is not None else sc       # the scenario the costs are of
    flip_rates = (cost_flip_rates(sc_cmp, facts, scfg, lcfg, workload, team, result["verdict"])
                  if facts.cost_ratio is not None else {})
    flip_list = flips(facts, workload, team, scfg, lcfg, result["verdict"], flip_rates)
    lr = long_running_decision(sc, result)   # over 900 s, or a pipeline: orchestrated vs job runner
    if lr is not None:
        result, flip_list = lr.apply(result, flip_list, Flip)
    checked, assumption_flip_list = ([], []) if facts.considered_options == () else assumption_flips(
        sc_cmp, facts, workload, team, scfg, lcfg, result["verdict"], result["decided_by"],
        meets=service_level_meets(sc, [o for o in facts.monthly_usd if o != "lambda"]) if sized is not None else None)
    flip_list = tuple(flip_list) + tuple(assumption_flip_list)
    fm, fm_warnings = failure_mode_evidence(sc_cmp, facts, workload, scfg)
    warnings = advisories(workload, lcfg) + fm_warnings + (list(lr.warnings) if lr is not None else [])
    limits_checked = account_limit_checks(sc_cmp, quotas_from=sc) if facts.monthly_usd else ()
    warnings += [f"account limit: {c.option} needs {c.needed:,.0f} {c.unit} against {c.limit:,.0f} ({c.reason}): "
                 f"{c.request}" for c in limits_checked if c.exceeded]
    if sized is not None:
        warnings += [f"{name} cannot meet the service level ({sized['text']}): best {o['latency_ms']:,.0f} ms, "
                     f"misses by {o['miss_ms']:,.0f} ms" for name, o in sized["options"].items() if not o["meets"]]
    if result["decided_by"].startswith("declared") and result["analysis_verdict"] not in (result["verdict"], "either"):
        warnings.insert(0, f"the analysis alone says {result['analysis_verdict']}; the declared "
                           f"preference {workload.deployment_preference} overrides it")
    for r in result["rules"]:
        if r.fired and result["decided_by"] != f"rule:{r.name}" and not result["decided_by"].startswith("rule"):
            warnings.append(f"when not to use: {RULE_TEXT[r.name]} ({r.reason})")
    evidence = {
        "monthly_usd": dict(facts.monthly_usd),
        "lambda_monthly_usd": facts.lambda_monthly_usd,
        "cheapest_container_option": facts.container_option,
        "cheapest_container_monthly_usd": facts.container_monthly_usd,
        "compared_against": _compared_against(facts, sized),
        "left_out": dict(facts.left_out),
        "front_door": _front_door(sc),
        "assumptions": _assumption_labels(sc),
        "assumption_flips": [row for row in checked if row["flips"]],
        "assumptions_checked": checked,
        "lambda_to_container_cost_ratio": facts.cost_ratio,
        "break_even_mean_rps": dict(facts.break_even_mean_rps),
        "cost_ratio_thresholds_mean_rps": flip_rates.get("thresholds", {}),
        "traffic_label": facts.traffic_label,
        "traffic": dict(facts.traffic),
        "lambda_p99_ms": facts.lambda_p99_ms,
        "lambda_warm_p99_ms": facts.lambda_warm_p99_ms,
        "container_p99_ms": facts.container_p99_ms,
        "container_timeout_fraction": facts.container_timeout_fraction,
        "cold_start_fraction": facts.cold_start_fraction,
        "chain_p99_ms": facts.chain_p99_ms,
        "chain_warm_p99_ms": facts.chain_warm_p99_ms,
        "container_chain_p99_ms": facts.container_chain_p99_ms,
        "failure_modes": fm,
        "notes": list(facts.notes),
        "service_level": sized,
        "account_limits": [c.to_dict() for c in limits_checked],
    }
    if lr is not None:
        evidence["long_running"] = lr.evidence
    name = raw.get("name", str(scenario)) if isinstance(raw, Mapping) else str(scenario)
    return Recommendation(
        scenario=name, verdict=result["verdict"], confidence=result["confidence"],
        decided_by=result["decided_by"], reason=result["reason"], signals=result["signals"],
        tally=result["tally"], hard_limits=result["hard_limits"], rules=result["rules"],
        analysis_verdict=result["analysis_verdict"], warnings=tuple(warnings),
        evidence=jsonable(evidence), flips=flip_list, workload=workload, team=team)


def _compared_against(facts: Facts, sized: dict | None = None) -> dict | None:
    """The option the cost ratio compares Lambda against, and why it is that one (``sized``:
    :func:`costmodel.decision.measure.service_level_evidence` when the options are right-sized)."""
    if facts.container_option is None:
        return None
    over = facts.container_overload_minutes or 0.0
    platform = "fargate" if facts.container_option.startswith("fargate") else "ec2"
    sized = sized or {}
    sized_option = sized.get("options", {}).get(platform)
    if sized_option is not None and sized_option["meets"]:
        why = f"the cheapest considered container option right-sized to the service level ({sized['text']})"
    elif sized_option is not None:
        why = (f"the cheapest considered container option (none meets the service level, {sized['text']}; "
               f"the closest configuration of this one misses by {sized_option['miss_ms']:,.0f} ms)")
    elif not over:
        why = "the cheapest considered container option never overloaded"
    else:
        why = (f"the cheapest considered container option (every one is overloaded for part of the month; "
               f"{over:,.0f} min for this one, so its cost is a lower bound)")
    return {"option": facts.container_option, "monthly_usd": facts.container_monthly_usd, "why": why,
            "considered": list(facts.considered_options)}


def _front_door(sc: Any) -> str | None:
    try:
        setup = compare(sc).setup
    except CostModelError:
        return None
    return setup.front_door_label if setup is not None else None


def _assumption_labels(sc: Any) -> list[str]:
    try:
        setup = compare(sc).setup
    except CostModelError:
        return []
    return list(setup.assumptions) if setup is not None else []


def _duration_p99_ms(spec: Any) -> float | None:
    if isinstance(spec, Mapping):
        for key in ("p99", "p99_ms"):
            if spec.get(key) is not None:
                return float(spec[key])
        if spec.get("mean") is not None:
            return float(spec["mean"])
        return None
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        return float(spec)
    return None

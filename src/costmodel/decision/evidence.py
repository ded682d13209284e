"""The measured facts behind a decision, for a scenario with or without declared facts.

:func:`decide` runs :func:`costmodel.decision.recommend` when the scenario declares its
``workload`` or ``team`` (the decision needs them) and returns None otherwise;
:func:`decision_evidence` gives the evidence dict either way (the recommendation's, or the
same measurements for a single function without a chain).
"""
from __future__ import annotations

from typing import Any

from costmodel.decision.recommend import measure, recommend
from costmodel.decision.records import Recommendation
from costmodel.scenario.load import ScenarioSource, load_scenario

__all__ = ["decide", "decision_evidence", "has_decision_blocks"]


def has_decision_blocks(scenario: ScenarioSource) -> bool:
    """True when the scenario declares a ``workload`` or a ``team`` block."""
    raw = load_scenario(scenario).raw
    return raw.get("workload") is not None or raw.get("team") is not None


def decide(scenario: ScenarioSource) -> Recommendation | None:
    """:func:`costmodel.decision.recommend` for a scenario that declares its workload and
    team facts; None for one that declares neither (a report then shows cost and latency
    only and says what is missing)."""
    if not has_decision_blocks(scenario):
        return None
    return recommend(scenario)


def decision_evidence(scenario: ScenarioSource, recommendation: Recommendation | None = None) -> dict[str, Any]:
    """The measured facts behind a decision, as a dict (costs, break-even rates, p99s...).

    With a recommendation, its ``evidence``; without one, the same measurements from
    :func:`costmodel.decision.measure` for a single function (no chain), under the same
    key names.
    """
    if recommendation is not None:
        return dict(recommendation.evidence)
    facts = measure(scenario).to_dict()
    facts["lambda_to_container_cost_ratio"] = facts.pop("cost_ratio", None)
    facts["cheapest_container_option"] = facts.pop("container_option", None)
    facts["cheapest_container_monthly_usd"] = facts.pop("container_monthly_usd", None)
    return facts

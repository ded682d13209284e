"""Decision records: the declared workload and team (validated), the measured facts, and
what the procedure produces (limit checks, signal leans, rule checks, flips, the
recommendation)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from costmodel.decision.config import (
    RULE_NAMES,
    SIGNAL_NAMES,
)
from costmodel.decision.text import fmt as _fmt
from costmodel.decision.text import render_text
from costmodel.errors import UnknownNameError

__all__ = ["Workload", "Team", "Facts", "SignalLean", "LimitCheck", "RuleCheck", "Flip", "Recommendation",
           "jsonable"]




@dataclass(frozen=True)
class Workload:
    """Declared workload facts (the scenario's ``workload`` block), validated.

    Attributes
    ----------
    max_duration_s : float
        Longest single invocation [s].
    user_facing : bool
        A person waits for the response.
    sync_payload_mb : float
        Largest synchronous request or response [MB].
    async_message_kb : float
        Largest asynchronous event or queue message [KB].
    gpu, in_process_state, long_lived_connections : bool
        Needs a GPU; keeps state in memory between requests; holds connections open
        across requests.
    interruption_tolerant : bool
        A task may be stopped with two minutes' notice and its work retried (Fargate Spot
        is offered only then).
    sync_chain_depth : int
        Functions called synchronously one after another on the request path [-].
    latency_slo_p99_ms : float or None
        p99 latency objective of the whole path [ms].
    deployment_preference : str
        ``either``, ``serverless_only`` or ``containers_only``.
    max_memory_mb : float
        Most memory one invocation needs [MB] (default: ``work.memory_mb``).
    """

    max_duration_s: float
    user_facing: bool
    sync_payload_mb: float = 0.0
    async_message_kb: float = 0.0
    gpu: bool = False
    in_process_state: bool = False
    long_lived_connections: bool = False
    interruption_tolerant: bool = False
    sync_chain_depth: int = 1
    latency_slo_p99_ms: float | None = None
    deployment_preference: str = "either"
    max_memory_mb: float | None = None
    fanout: dict | None = None
    cache: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Team:
    """Declared team facts (the scenario's ``team`` block), validated."""

    ops_preference: str
    cloud_ops_experience: str
    debugging_maturity: str

    def to_dict(self) -> dict:
        return asdict(self)
















# =========================================================================== records
@dataclass(frozen=True)
class LimitCheck:
    """One hard limit checked against one workload fact."""

    name: str
    fact: str
    value: Any
    limit: Any
    unit: str
    violated: bool
    aws_limit: str
    source_url: str
    fix: str
    reason: str

    @property
    def aws_limit_short(self) -> str:
        return f"Lambda's limit ({_fmt(self.limit)} {self.unit})".replace(" )", ")")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SignalLean:
    """One decision signal: what was measured, where it leans and why (one line)."""

    name: str
    lean: str
    measured: Any
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RuleCheck:
    """One "when not to use" rule of the seed, with the numbers that decide it."""

    name: str
    fired: bool
    applicable: bool
    reason: str
    numbers: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Flip:
    """A change of one fact that would change the verdict, found by re-running the procedure."""

    fact: str
    condition: str
    new_verdict: str
    how_computed: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    """Everything measured from a scenario that the decision uses.

    Costs come from the comparison (``costmodel.analysis.compare``), latencies from
    ``costmodel.models.latency``, the traffic label from ``costmodel.models.traffic``. Any of them may
    be None when it could not be computed (the reason is in ``notes``).

    Attributes
    ----------
    traffic_label : str or None
        steady, diurnal, bursty or infrequent.
    traffic : dict
        The traffic signals (mean_rps, peak_rps, peak_to_mean, cv, idle_fraction, ...).
    monthly_usd : dict
        Monthly cost per option of the comparison [USD].
    lambda_monthly_usd : float or None
        [USD/month].
    container_option : str or None
        Cheapest considered container option.
    container_monthly_usd : float or None
        [USD/month].
    container_overload_minutes : float or None
        Minutes of the month the chosen container option's demand exceeded its ready
        capacity [min] (its cost is then a lower bound).
    break_even_mean_rps : dict
        Mean rate at which Lambda and each container option cost the same, same shape
        [req/s] (None for no crossing in the searched range).
    lambda_p99_ms, lambda_warm_p99_ms, container_p99_ms : float or None
        Single-function p99s [ms].
    container_timeout_fraction : float or None
        Share of Fargate requests that timed out (request timeout, e.g. during scale-out) [-].
    cold_start_fraction : float or None
        Share of requests hitting a cold start [-].
    chain_p99_ms, chain_warm_p99_ms, container_chain_p99_ms : float or None
        End-to-end p99 of the synchronous chain [ms] (== single p99 at depth 1).
    considered_options : tuple of str
        Container options the cost ratio may compare against (``container_option`` is the
        cheapest of them without overload).
    left_out : dict of str to str
        Every other container option of the comparison, and options not offered, with the
        reason each was left out of the ratio.
    notes : tuple of str
    """

    traffic_label: str | None = None
    traffic: dict = field(default_factory=dict)
    monthly_usd: dict = field(default_factory=dict)
    lambda_monthly_usd: float | None = None
    container_option: str | None = None
    container_monthly_usd: float | None = None
    container_overload_minutes: float | None = None
    break_even_mean_rps: dict = field(default_factory=dict)
    lambda_p99_ms: float | None = None
    lambda_warm_p99_ms: float | None = None
    container_p99_ms: float | None = None
    container_timeout_fraction: float | None = None
    cold_start_fraction: float | None = None
    chain_p99_ms: float | None = None
    chain_warm_p99_ms: float | None = None
    container_chain_p99_ms: float | None = None
    considered_options: tuple = ()
    left_out: dict = field(default_factory=dict)
    notes: tuple = ()

    @property
    def cost_ratio(self) -> float | None:
        """``lambda_monthly_usd / container_monthly_usd`` [-]."""
        if self.lambda_monthly_usd is None or not self.container_monthly_usd:
            return None
        return self.lambda_monthly_usd / self.container_monthly_usd

    def to_dict(self) -> dict:
        d = asdict(self)
        d["cost_ratio"] = self.cost_ratio
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class Recommendation:
    """The verdict, why, on which evidence, and what would change it.

    Attributes
    ----------
    scenario : str
        Scenario name.
    verdict : str
        ``serverless``, ``containers`` or ``either``.
    confidence : str
        ``high``, ``medium`` or ``low`` (see docs/decision.md for the rule).
    decided_by : str
        Which step decided: ``hard_limit:<name>``, ``declared:deployment_preference``,
        ``rule:<name>`` or ``tally``.
    reason : str
        One line: the deciding reason.
    signals : tuple of SignalLean
        The six signals.
    tally : dict
        Signals leaning each way.
    hard_limits : tuple of LimitCheck
    rules : tuple of RuleCheck
    analysis_verdict : str
        What the procedure concludes ignoring a declared deployment preference.
    warnings : tuple of str
        Advisories and failure-mode findings with numbers.
    evidence : dict
        Monthly costs, break-even rates, p99s, cold-start share, failure-mode numbers.
    flips : tuple of Flip
    workload, team : Workload, Team
    """

    scenario: str
    verdict: str
    confidence: str
    decided_by: str
    reason: str
    signals: tuple
    tally: dict
    hard_limits: tuple
    rules: tuple
    analysis_verdict: str
    warnings: tuple
    evidence: dict
    flips: tuple
    workload: Workload
    team: Team

    def signal(self, name: str) -> SignalLean:
        """The :class:`SignalLean` called ``name``."""
        for s in self.signals:
            if s.name == name:
                return s
        raise UnknownNameError("decision signal", name, SIGNAL_NAMES)

    def rule(self, name: str) -> RuleCheck:
        """The :class:`RuleCheck` called ``name``."""
        for r in self.rules:
            if r.name == name:
                return r
        raise UnknownNameError("'when not to use' rule", name, RULE_NAMES)

    def to_dict(self) -> dict:
        """Everything, JSON-serialisable (NaN and infinities become None)."""
        d = {
            "scenario": self.scenario,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "decided_by": self.decided_by,
            "reason": self.reason,
            "analysis_verdict": self.analysis_verdict,
            "tally": dict(self.tally),
            "signals": [s.to_dict() for s in self.signals],
            "hard_limits": [c.to_dict() for c in self.hard_limits],
            "rules": [r.to_dict() for r in self.rules],
            "warnings": list(self.warnings),
            "evidence": self.evidence,
            "flips": [f.to_dict() for f in self.flips],
            "workload": self.workload.to_dict(),
            "team": self.team.to_dict(),
        }
        return jsonable(d)

    def to_text(self) -> str:
        """A terminal-readable report: verdict, a table per signal, limits, rules, evidence."""
        return render_text(self)


def jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if hasattr(x, "to_dict") and not isinstance(x, type):
        return jsonable(x.to_dict())
    return x


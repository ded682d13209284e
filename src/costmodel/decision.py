"""Lambda or containers? A recommendation you can trace signal by signal.

The seed (``serverless-architecture.md``) gives a decision table of six signals, a
"when NOT to use" list and a set of hard platform limits in prose. This module turns
them into a deterministic procedure whose every step is printed with its numbers:

1. **Hard limits** (``data/hard_limits.yaml``): a workload over any Lambda limit
   (execution > 900 s, memory > 10,240 MB, synchronous payload > 6 MB, async/SQS message
   > 1 MB, GPU, in-process state, long-lived connections) gets ``containers``, high
   confidence. Declaring ``deployment_preference: serverless_only`` for such a workload
   is a contradiction and raises :class:`~costmodel.errors.ScenarioError`.
2. **Declared preference**: ``serverless_only`` / ``containers_only`` is honoured; the
   record still says what the analysis alone would conclude.
3. **"When not to use" rules** (``hard_limits.yaml: when_not_to_use``): sustained
   high throughput where containers are much cheaper (the comparison's monthly costs);
   a synchronous chain whose end-to-end p99 on Lambda breaks the SLO (the latency model
   of engineer C); limited cloud-operations experience. Any rule that fires decides
   ``containers``.
4. **Tally of the six signals** (``data/decision_signals.yaml``): each signal leans
   ``serverless``, ``containers`` or ``neutral`` by a visible threshold; the side ahead
   by at least ``verdict.min_margin`` signals wins, otherwise ``either``.

No weights, no score: the first step that decides gives the verdict, and
:attr:`Recommendation.flips` lists what would change it, each computed by re-running
the same procedure with one fact changed (the cost flips are mean request rates found
with the comparison's break-even solver).

Public API: :func:`recommend`, :func:`validate_workload`, :func:`validate_team`,
:func:`evaluate`, :func:`load_decision_signals`, :func:`load_hard_limits`.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ._validate import check_choice, check_int, check_non_negative, check_positive
from .errors import CostModelError, InvalidParameterError, ScenarioError, UnknownNameError

__all__ = [
    "VERDICTS",
    "LEANS",
    "SIGNAL_NAMES",
    "Workload",
    "Team",
    "Facts",
    "SignalLean",
    "LimitCheck",
    "RuleCheck",
    "Flip",
    "Recommendation",
    "load_decision_signals",
    "load_hard_limits",
    "validate_workload",
    "validate_team",
    "check_hard_limits",
    "evaluate_signals",
    "evaluate_rules",
    "evaluate",
    "measure",
    "recommend",
]

_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SIGNALS_PATH = _DATA_DIR / "decision_signals.yaml"
LIMITS_PATH = _DATA_DIR / "hard_limits.yaml"

VERDICTS = ("serverless", "containers", "either")
LEANS = ("serverless", "containers", "neutral")
SIGNAL_NAMES = ("traffic_pattern", "execution_duration", "state_requirements",
                "ops_preference", "cost_model", "debugging_maturity")
RULE_NAMES = ("sustained_high_throughput", "sync_chain_breaks_slo", "limited_cloud_ops")
DEPLOYMENT_PREFERENCES = ("either", "serverless_only", "containers_only")
CLOUD_OPS_EXPERIENCE = ("low", "medium", "high")
CONFIDENCES = ("high", "medium", "low")


# =========================================================================== config
def _read_yaml(path_or_dict: Any, default: Path, what: str) -> dict:
    if path_or_dict is None:
        path_or_dict = default
    if isinstance(path_or_dict, Mapping):
        return copy.deepcopy(dict(path_or_dict))
    path = Path(path_or_dict)
    if not path.exists():
        raise ScenarioError(f"{what} file not found: {path}")
    with path.open() as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping at the top level of the {what} file")
    return data


def _deep_update(base: dict, overrides: Mapping, where: str) -> dict:
    for key, value in overrides.items():
        if key not in base:
            raise UnknownNameError(f"key in {where}", key, base)
        if isinstance(value, Mapping) and isinstance(base[key], dict):
            _deep_update(base[key], value, f"{where}.{key}")
        else:
            base[key] = copy.deepcopy(value)
    return base


def load_decision_signals(path_or_dict: Any = None, overrides: Mapping | None = None) -> dict:
    """The six decision signals and verdict thresholds (``data/decision_signals.yaml``).

    Parameters
    ----------
    path_or_dict : str, Path or mapping, optional
        Another signals file, or an already-loaded dict. Default: the shipped file.
    overrides : mapping, optional
        Nested overrides, e.g. ``{"signals": {"cost_model": {"containers_if_ratio_at_least":
        1.5}}}``. Unknown keys raise :class:`UnknownNameError` listing the valid ones.

    Returns
    -------
    dict
    """
    cfg = _read_yaml(path_or_dict, SIGNALS_PATH, "decision signals")
    if overrides:
        _deep_update(cfg, overrides, "decision signals")
    signals = cfg.get("signals") or {}
    missing = [s for s in SIGNAL_NAMES if s not in signals]
    if missing:
        raise ScenarioError(f"decision signals: missing signal(s) {', '.join(missing)}; "
                            f"the six signals are {', '.join(SIGNAL_NAMES)}")
    for s in signals:
        if s not in SIGNAL_NAMES:
            raise UnknownNameError("decision signal", s, SIGNAL_NAMES)
    for name in ("traffic_pattern", "ops_preference", "debugging_maturity"):
        table = signals[name].get("lean_by_label" if name == "traffic_pattern" else "lean_by_value") or {}
        for value, lean in table.items():
            check_choice(f"signals.{name}: lean of {value!r}", lean, LEANS)
    c = signals["cost_model"]
    check_positive("signals.cost_model.serverless_if_ratio_at_most", c["serverless_if_ratio_at_most"])
    check_positive("signals.cost_model.containers_if_ratio_at_least", c["containers_if_ratio_at_least"])
    if c["serverless_if_ratio_at_most"] > c["containers_if_ratio_at_least"]:
        raise InvalidParameterError(
            "signals.cost_model.serverless_if_ratio_at_most", c["serverless_if_ratio_at_most"],
            f"a ratio <= containers_if_ratio_at_least ({c['containers_if_ratio_at_least']})")
    check_positive("signals.execution_duration.serverless_max_s",
                   signals["execution_duration"]["serverless_max_s"])
    v = cfg.setdefault("verdict", {})
    v["min_margin"] = check_int("verdict.min_margin", v.get("min_margin", 2), minimum=1)
    v["high_confidence_margin"] = check_int("verdict.high_confidence_margin",
                                            v.get("high_confidence_margin", 4), minimum=1)
    cfg.setdefault("failure_modes", {}).setdefault("alarm_headroom_fraction", 1.0)
    return cfg


def load_hard_limits(path_or_dict: Any = None, overrides: Mapping | None = None) -> dict:
    """Lambda's hard limits, advisories and "when not to use" rules (``data/hard_limits.yaml``).

    Parameters
    ----------
    path_or_dict : str, Path or mapping, optional
        Another limits file or a loaded dict. Default: the shipped file.
    overrides : mapping, optional
        Nested overrides, e.g. ``{"hard_limits": {"async_message": {"limit": 256}}}``.

    Returns
    -------
    dict
    """
    cfg = _read_yaml(path_or_dict, LIMITS_PATH, "hard limits")
    if overrides:
        _deep_update(cfg, overrides, "hard limits")
    for section in ("hard_limits", "when_not_to_use"):
        if not isinstance(cfg.get(section), dict):
            raise ScenarioError(f"hard limits: missing section {section!r}")
    for name, lim in cfg["hard_limits"].items():
        for key in ("fact", "op", "limit", "aws_limit", "source_url"):
            if key not in lim:
                raise ScenarioError(f"hard limit {name!r}: missing {key!r}")
        check_choice(f"hard_limits.{name}.op", lim["op"], (">", "=="))
        if lim["fact"] not in _WORKLOAD_SPEC:
            raise UnknownNameError(f"workload fact of hard limit {name!r}", lim["fact"], _WORKLOAD_SPEC)
    for name in cfg["when_not_to_use"]:
        if name not in RULE_NAMES:
            raise UnknownNameError("'when not to use' rule", name, RULE_NAMES)
    cfg.setdefault("advisories", {})
    return cfg


# =========================================================================== validation
_REQUIRED = object()

# name -> (kind, default). kinds: pos (number > 0), nonneg (number >= 0), bool,
# int1 (whole number >= 1), pos_or_none, choice:<tuple>
_WORKLOAD_SPEC: dict[str, tuple[str, Any]] = {
    "max_duration_s": ("pos", _REQUIRED),
    "user_facing": ("bool", _REQUIRED),
    "sync_payload_mb": ("nonneg", 0.0),
    "async_message_kb": ("nonneg", 0.0),
    "gpu": ("bool", False),
    "in_process_state": ("bool", False),
    "long_lived_connections": ("bool", False),
    "sync_chain_depth": ("int1", 1),
    "latency_slo_p99_ms": ("pos_or_none", None),
    "deployment_preference": ("choice", "either"),
    "max_memory_mb": ("pos_or_none", None),
    "fanout": ("fanout", None),
    "cache": ("cache", None),
}
# keys of workload.cache (a module-level cache; see costmodel.failure_modes.cache_hit_rate)
_CACHE_KEYS = ("n_keys", "ttl_s", "zipf_exponent", "entry_kb")
# keys of workload.fanout (see costmodel.fanout.fanout); the first two are required
_FANOUT_KEYS = ("uploads_per_day", "fanout_factor", "batch_size", "concurrency_cap",
                "worker_overhead_ms", "splitter_duration_ms", "message_kb", "peak_to_mean",
                "peak_duration_s")
_TEAM_KEYS = ("ops_preference", "cloud_ops_experience", "debugging_maturity")


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


def _unknown_keys(block: Mapping, allowed, where: str) -> None:
    for key in block:
        if key not in allowed:
            raise ScenarioError(f"unknown key {where}.{key}; allowed keys: {', '.join(allowed)}")


def validate_workload(block: Any, *, memory_mb: float | None = None,
                      duration_p99_ms: float | None = None, limits: Any = None) -> Workload:
    """Validate a scenario's ``workload`` block.

    Parameters
    ----------
    block : mapping
        The ``workload`` block.
    memory_mb : float, optional
        ``work.memory_mb`` of the scenario [MB]: the default of ``max_memory_mb``, and
        ``max_memory_mb`` may not be below it.
    duration_p99_ms : float, optional
        The per-request p99 duration of ``work.duration_ms`` [ms]; ``max_duration_s``
        may not be below it.
    limits : path, mapping or None
        Hard limits (see :func:`load_hard_limits`), for the contradiction check.

    Returns
    -------
    Workload

    Raises
    ------
    ScenarioError
        Missing block or required field, unknown key, or contradictory declarations
        (``serverless_only`` with a workload over a Lambda hard limit; a declared
        maximum duration below the work's own p99; a chain with no SLO on a
        user-facing path...).
    InvalidParameterError
        A value of the wrong type or out of range (the message names the field).
    """
    if block is None:
        raise ScenarioError("the scenario has no 'workload' block; required keys: "
                            + ", ".join(k for k, (_, d) in _WORKLOAD_SPEC.items() if d is _REQUIRED)
                            + f"; optional: {', '.join(k for k, (_, d) in _WORKLOAD_SPEC.items() if d is not _REQUIRED)}")
    if not isinstance(block, Mapping):
        raise ScenarioError(f"workload: expected a mapping of facts, got {type(block).__name__}")
    _unknown_keys(block, tuple(_WORKLOAD_SPEC), "workload")
    values: dict[str, Any] = {}
    for key, (kind, default) in _WORKLOAD_SPEC.items():
        name = f"workload.{key}"
        if key not in block or (block[key] is None and default is _REQUIRED):
            if default is _REQUIRED:
                raise ScenarioError(f"missing required field {name} "
                                    f"({_WORKLOAD_HELP[key]})")
            values[key] = default
            continue
        v = block[key]
        if kind == "bool":
            if not isinstance(v, bool):
                raise InvalidParameterError(name, v, "true or false")
        elif kind == "pos":
            _number(name, v)
            check_positive(name, v)
            v = float(v)
        elif kind == "nonneg":
            _number(name, v)
            check_non_negative(name, v)
            v = float(v)
        elif kind == "pos_or_none":
            if v is not None:
                _number(name, v)
                check_positive(name, v)
                v = float(v)
        elif kind == "int1":
            v = check_int(name, v, minimum=1)
        elif kind == "choice":
            check_choice(name, v, DEPLOYMENT_PREFERENCES)
        elif kind == "fanout":
            v = _validate_fanout(v)
        elif kind == "cache":
            v = _validate_cache(v)
        values[key] = v
    if values["max_memory_mb"] is None and memory_mb is not None:
        values["max_memory_mb"] = float(memory_mb)
    w = Workload(**values)

    # --- contradictions between declarations
    if memory_mb is not None and w.max_memory_mb is not None and w.max_memory_mb < memory_mb:
        raise ScenarioError(
            f"contradictory declarations: workload.max_memory_mb={w.max_memory_mb:g} is below "
            f"work.memory_mb={memory_mb:g}; the most memory an invocation needs cannot be "
            "less than the memory configured for it")
    if duration_p99_ms is not None and w.max_duration_s * 1000.0 < duration_p99_ms:
        raise ScenarioError(
            f"contradictory declarations: workload.max_duration_s={w.max_duration_s:g} s is "
            f"below the p99 of work.duration_ms ({duration_p99_ms:g} ms); the longest "
            "invocation cannot be shorter than the 99th percentile")
    if w.user_facing and w.sync_chain_depth > 1 and w.latency_slo_p99_ms is None:
        raise ScenarioError(
            f"missing required field workload.latency_slo_p99_ms: it is required when "
            f"workload.user_facing is true and workload.sync_chain_depth={w.sync_chain_depth} > 1 "
            "(the chain's p99 is judged against it)")
    if w.deployment_preference == "serverless_only":
        violated = [c for c in check_hard_limits(w, limits) if c.violated]
        if violated:
            what = "; ".join(f"workload.{c.fact}={_fmt(c.value)} exceeds {c.aws_limit_short}"
                             for c in violated)
            raise ScenarioError(
                "contradictory declarations: workload.deployment_preference='serverless_only' "
                f"but {what}. Lambda cannot run this as declared: change the deployment "
                "preference, or split the work (e.g. Step Functions steps under 900 s, an S3 "
                "pointer for large payloads)")
    return w


def _validate_fanout(block: Any) -> dict | None:
    if block is None:
        return None
    if not isinstance(block, Mapping):
        raise ScenarioError(f"workload.fanout: expected a mapping, got {type(block).__name__}")
    _unknown_keys(block, _FANOUT_KEYS, "workload.fanout")
    for key in _FANOUT_KEYS[:2]:
        if key not in block:
            raise ScenarioError(f"missing required field workload.fanout.{key}")
    out = {}
    for key, v in block.items():
        name = f"workload.fanout.{key}"
        _number(name, v)
        if key in ("batch_size", "concurrency_cap"):
            out[key] = check_int(name, v, minimum=1)
        else:
            check_non_negative(name, v)
            out[key] = float(v)
    return out


def _validate_cache(block: Any) -> dict | None:
    if block is None:
        return None
    if not isinstance(block, Mapping):
        raise ScenarioError(f"workload.cache: expected a mapping, got {type(block).__name__}")
    _unknown_keys(block, _CACHE_KEYS, "workload.cache")
    for key in ("n_keys", "ttl_s"):
        if key not in block:
            raise ScenarioError(f"missing required field workload.cache.{key}")
    out = {}
    for key, v in block.items():
        name = f"workload.cache.{key}"
        _number(name, v)
        if key == "n_keys":
            out[key] = check_int(name, v, minimum=1)
        else:
            (check_non_negative if key == "zipf_exponent" else check_positive)(name, v)
            out[key] = float(v)
    return out


_WORKLOAD_HELP = {
    "max_duration_s": "the longest single invocation in seconds, e.g. 2 or 1800",
    "user_facing": "true when a person waits for the response",
}


def _number(name: str, v: Any) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InvalidParameterError(name, v, "a number")


def validate_team(block: Any, signals: Any = None) -> Team:
    """Validate a scenario's ``team`` block.

    Allowed values of ``ops_preference`` and ``debugging_maturity`` are the keys of
    their ``lean_by_value`` tables in the signals file (so a user who adds a value there
    may use it); ``cloud_ops_experience`` is ``low``, ``medium`` or ``high``.

    Raises
    ------
    ScenarioError
        Missing block or field, unknown key.
    InvalidParameterError
        Unknown value (the message lists the allowed ones).
    """
    cfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    allowed = {
        "ops_preference": tuple(cfg["signals"]["ops_preference"]["lean_by_value"]),
        "cloud_ops_experience": CLOUD_OPS_EXPERIENCE,
        "debugging_maturity": tuple(cfg["signals"]["debugging_maturity"]["lean_by_value"]),
    }
    if block is None:
        raise ScenarioError("the scenario has no 'team' block; required keys: "
                            + ", ".join(f"{k} ({'|'.join(allowed[k])})" for k in _TEAM_KEYS))
    if not isinstance(block, Mapping):
        raise ScenarioError(f"team: expected a mapping, got {type(block).__name__}")
    _unknown_keys(block, _TEAM_KEYS, "team")
    for key in _TEAM_KEYS:
        if key not in block or block[key] is None:
            raise ScenarioError(f"missing required field team.{key} (one of: {', '.join(allowed[key])})")
        check_choice(f"team.{key}", block[key], allowed[key])
    return Team(**{k: block[k] for k in _TEAM_KEYS})


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

    Costs come from the comparison (``costmodel.compare``), latencies from
    ``costmodel.latency``, the traffic label from ``costmodel.traffic``. Any of them may
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
        return _jsonable(d)

    def to_text(self) -> str:
        """A terminal-readable report: verdict, a table per signal, limits, rules, evidence."""
        return _render_text(self)


# =========================================================================== the procedure
def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isinf(v):
            return "unbounded"
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def check_hard_limits(workload: Workload, limits: Any = None) -> tuple[LimitCheck, ...]:
    """Check every hard limit of ``hard_limits.yaml`` against the declared workload.

    Parameters
    ----------
    workload : Workload
    limits : path, mapping or None
        See :func:`load_hard_limits`.

    Returns
    -------
    tuple of LimitCheck
        One per limit, in file order; ``violated`` says whether it decides.
    """
    cfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    out = []
    for name, lim in cfg["hard_limits"].items():
        value = getattr(workload, lim["fact"])
        if lim["op"] == ">":
            violated = value is not None and float(value) > float(lim["limit"])
        else:
            violated = value == lim["limit"]
        unit = lim.get("unit", "") or ""
        if lim["op"] == ">":
            shown = f"{_fmt(value)} {unit}".strip() if value is not None else "not declared"
            rel = "exceeds" if violated else "within"
            reason = f"{lim['fact']} = {shown} {rel} Lambda's limit of {_fmt(lim['limit'])} {unit}".strip()
        else:
            reason = (f"{lim['fact']} declared: Lambda cannot provide it" if violated
                      else f"{lim['fact']} not required")
        out.append(LimitCheck(
            name=name, fact=lim["fact"], value=value, limit=lim["limit"], unit=unit,
            violated=bool(violated), aws_limit=" ".join(str(lim["aws_limit"]).split()),
            source_url=lim["source_url"], fix=" ".join(str(lim.get("fix", "")).split()),
            reason=reason))
    return tuple(out)


def _advisories(workload: Workload, cfg: dict) -> list[str]:
    out = []
    hard = {lim["fact"]: float(lim["limit"]) for lim in cfg["hard_limits"].values() if lim["op"] == ">"}
    for name, adv in (cfg.get("advisories") or {}).items():
        value = getattr(workload, adv["fact"], None)
        if value is not None and adv["fact"] in hard and float(value) > hard[adv["fact"]]:
            continue  # the hard limit itself is reported
        if value is not None and adv["op"] == ">" and float(value) > float(adv["limit"]):
            out.append(f"{name}: {adv['fact']} = {_fmt(value)} {adv.get('unit', '')} > "
                       f"{_fmt(adv['limit'])} {adv.get('unit', '')}: " + " ".join(adv["note"].split()))
    return out


def evaluate_signals(facts: Facts, workload: Workload, team: Team, signals: Any = None,
                     limits: Any = None) -> tuple[SignalLean, ...]:
    """The lean of each of the six signals, with a one-line reason.

    Pure: depends only on its arguments and the thresholds in the config files.

    Returns
    -------
    tuple of SignalLean
        In the order of :data:`SIGNAL_NAMES`.
    """
    cfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    sig = cfg["signals"]
    out = []

    # 1 traffic pattern
    table = sig["traffic_pattern"]["lean_by_label"]
    label = facts.traffic_label
    if label is None:
        out.append(SignalLean("traffic_pattern", "neutral", None, "traffic shape not measured"))
    else:
        if label not in table:
            raise UnknownNameError("traffic label (decision_signals.yaml: lean_by_label)", label, table)
        t = facts.traffic or {}
        detail = _traffic_detail(facts.traffic or {})
        out.append(SignalLean("traffic_pattern", table[label], label,
                              f"traffic is {label} ({detail}): seed says "
                              + ("bursty/variable/infrequent suits serverless" if table[label] == "serverless"
                                 else "steady/predictable suits containers" if table[label] == "containers"
                                 else "a regular daily cycle favours neither")))

    # 2 execution duration
    d = workload.max_duration_s
    hard_s = float(lcfg["hard_limits"]["execution_duration"]["limit"]) \
        if "execution_duration" in lcfg["hard_limits"] else 900.0
    easy_s = float(sig["execution_duration"]["serverless_max_s"])
    if d > hard_s:
        out.append(SignalLean("execution_duration", "containers", d,
                              f"longest invocation {_fmt(d)} s exceeds Lambda's {hard_s:g} s limit"))
    elif d <= easy_s:
        out.append(SignalLean("execution_duration", "serverless", d,
                              f"longest invocation {_fmt(d)} s is within {easy_s:g} s, well under Lambda's {hard_s:g} s"))
    else:
        out.append(SignalLean("execution_duration", "neutral", d,
                              f"longest invocation {_fmt(d)} s fits Lambda's {hard_s:g} s but exceeds {easy_s:g} s "
                              "(little headroom for slow dependencies)"))

    # 3 state requirements
    stateful = [k for k in ("in_process_state", "long_lived_connections") if getattr(workload, k)]
    if stateful:
        out.append(SignalLean("state_requirements", "containers", stateful,
                              f"needs {' and '.join(s.replace('_', ' ') for s in stateful)} between requests"))
    else:
        out.append(SignalLean("state_requirements", "serverless", [],
                              "stateless between requests; state lives in managed storage"))

    # 4 ops preference
    lean = sig["ops_preference"]["lean_by_value"][team.ops_preference]
    out.append(SignalLean("ops_preference", lean, team.ops_preference,
                          f"team prefers to {team.ops_preference.replace('_', ' ')}"))

    # 5 cost model
    c = sig["cost_model"]
    ratio = facts.cost_ratio
    if ratio is None:
        out.append(SignalLean("cost_model", "neutral", None,
                              "no cost comparison available" + (f" ({facts.notes[0]})" if facts.notes else "")))
    else:
        lo, hi = float(c["serverless_if_ratio_at_most"]), float(c["containers_if_ratio_at_least"])
        lean = "serverless" if ratio <= lo else "containers" if ratio >= hi else "neutral"
        cmp_ = f"<= {lo:g}" if lean == "serverless" else f">= {hi:g}" if lean == "containers" else f"between {lo:g} and {hi:g}"
        over = (f"; {facts.container_option} overloaded {facts.container_overload_minutes:,.0f} min/month, "
                "so its cost is a lower bound" if facts.container_overload_minutes else "")
        be = (facts.break_even_mean_rps or {}).get(facts.container_option)
        mean = (facts.traffic or {}).get("mean_rps")
        be_txt = (f"; break-even at {be:,.3g} req/s mean" + (f" (now {mean:,.3g})" if mean is not None else "")
                  if be else "")
        out.append(SignalLean("cost_model", lean, round(ratio, 4),
                              f"Lambda ${facts.lambda_monthly_usd:,.2f}/month vs {facts.container_option} "
                              f"${facts.container_monthly_usd:,.2f}/month: ratio {ratio:.2f} ({cmp_}){be_txt}{over}"))

    # 6 debugging maturity
    lean = sig["debugging_maturity"]["lean_by_value"][team.debugging_maturity]
    out.append(SignalLean("debugging_maturity", lean, team.debugging_maturity,
                          f"team uses {team.debugging_maturity.replace('_', ' ')}"))
    return tuple(out)


def _traffic_detail(t: Mapping) -> str:
    """'mean 5 req/s, peak/mean 2.7, CV 0.56, idle 0% of steps' from the traffic signals."""
    parts = []
    mean = t.get("mean_rps")
    if mean is not None and not _isnan(mean):
        parts.append(f"mean {mean:,.3g} req/s" if mean >= 0.1 else f"mean {mean * 86400:,.4g} requests/day")
    for key, label in (("peak_to_mean", "peak/mean"), ("cv", "CV"), ("idle_fraction", "idle steps")):
        v = t.get(key)
        if v is not None and not _isnan(v):
            text = f"{v:.1%}" if key == "idle_fraction" else (f"{v:,.0f}" if v >= 100 else f"{v:.3g}")
            parts.append(f"{label} {text}")
    return ", ".join(parts)


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def evaluate_rules(facts: Facts, workload: Workload, team: Team, limits: Any = None,
                   signals: Any = None) -> tuple[RuleCheck, ...]:
    """The seed's "when not to use" rules, each with the numbers that decide it.

    Returns
    -------
    tuple of RuleCheck
        ``sustained_high_throughput``, ``sync_chain_breaks_slo``, ``limited_cloud_ops``
        (those present in the limits file).
    """
    cfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    rules = cfg["when_not_to_use"]
    out = []
    if "sustained_high_throughput" in rules:
        r = rules["sustained_high_throughput"]
        labels = list(r["traffic_labels"])
        k = float(r["lambda_to_container_cost_ratio_at_least"])
        ratio = facts.cost_ratio
        applicable = ratio is not None and facts.traffic_label is not None
        fired = bool(applicable and facts.traffic_label in labels and ratio >= k)
        if not applicable:
            reason = "cost comparison or traffic shape not available"
        else:
            sustained = facts.traffic_label in labels
            reason = (f"traffic {facts.traffic_label} ({'sustained' if sustained else 'not sustained'}: "
                      f"{'/'.join(labels)}), Lambda costs {ratio:.2f}x {facts.container_option} "
                      f"({'>=' if ratio >= k else '<'} {k:g}x)")
        out.append(RuleCheck("sustained_high_throughput", fired, applicable, reason,
                             {"cost_ratio": ratio, "ratio_threshold": k, "traffic_label": facts.traffic_label,
                              "sustained_labels": labels}))
    if "sync_chain_breaks_slo" in rules:
        r = rules["sync_chain_breaks_slo"]
        depth_min = int(r["min_chain_depth"])
        slo = workload.latency_slo_p99_ms
        p99 = facts.chain_p99_ms
        applicable = workload.sync_chain_depth >= depth_min and slo is not None and p99 is not None
        fired = bool(applicable and p99 > slo)
        if workload.sync_chain_depth < depth_min:
            reason = f"sync chain depth {workload.sync_chain_depth} < {depth_min}: no chain"
        elif slo is None:
            reason = "no latency SLO declared"
        elif p99 is None:
            reason = "chain latency not measured"
        else:
            cont = (f"; every hop warm (a long-lived service): {facts.container_chain_p99_ms:,.0f} ms"
                    if facts.container_chain_p99_ms is not None else "")
            reason = (f"{workload.sync_chain_depth}-function sync chain: Lambda p99 {p99:,.0f} ms "
                      f"{'>' if fired else '<='} SLO {slo:,.0f} ms{cont}")
        out.append(RuleCheck("sync_chain_breaks_slo", fired, applicable, reason,
                             {"sync_chain_depth": workload.sync_chain_depth, "min_chain_depth": depth_min,
                              "chain_p99_ms": p99, "latency_slo_p99_ms": slo,
                              "chain_warm_p99_ms": facts.chain_warm_p99_ms,
                              "container_chain_p99_ms": facts.container_chain_p99_ms}))
    if "limited_cloud_ops" in rules:
        levels = list(rules["limited_cloud_ops"]["cloud_ops_experience"])
        fired = team.cloud_ops_experience in levels
        reason = (f"team cloud-ops experience is {team.cloud_ops_experience}"
                  + (f" ({'/'.join(levels)} triggers the rule)" if fired else ""))
        out.append(RuleCheck("limited_cloud_ops", fired, True, reason,
                             {"cloud_ops_experience": team.cloud_ops_experience, "trigger_levels": levels}))
    return tuple(out)


_RULE_TEXT = {
    "sustained_high_throughput": "sustained high throughput where containers are much cheaper",
    "sync_chain_breaks_slo": "a synchronous chain whose end-to-end p99 breaks the SLO",
    "limited_cloud_ops": "limited cloud-operations experience",
}


def _tally(leans: tuple[SignalLean, ...]) -> dict:
    t = {k: 0 for k in LEANS}
    for s in leans:
        t[s.lean] += 1
    return t


def evaluate(facts: Facts, workload: Workload, team: Team, *, signals: Any = None,
             limits: Any = None, honour_preference: bool = True) -> dict:
    """Run the decision procedure on measured facts (pure; no models are called).

    Parameters
    ----------
    facts : Facts
    workload : Workload
    team : Team
    signals, limits : path, mapping or None
        See :func:`load_decision_signals`, :func:`load_hard_limits`.
    honour_preference : bool
        Apply step 2 (a declared ``deployment_preference``).

    Returns
    -------
    dict
        ``verdict``, ``confidence``, ``decided_by``, ``reason``, ``signals``,
        ``tally``, ``hard_limits``, ``rules``, ``analysis_verdict``.
    """
    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    checks = check_hard_limits(workload, lcfg)
    leans = evaluate_signals(facts, workload, team, scfg, lcfg)
    rules = evaluate_rules(facts, workload, team, lcfg, scfg)
    tally = _tally(leans)
    margin = tally["serverless"] - tally["containers"]
    vcfg = scfg["verdict"]

    violated = [c for c in checks if c.violated]
    fired = [r for r in rules if r.fired]
    if violated:
        verdict, confidence = "containers", "high"
        decided_by = f"hard_limit:{violated[0].name}"
        reason = "hard limit: " + "; ".join(c.reason for c in violated)
    elif fired:
        verdict = "containers"
        agree = tally["containers"] >= tally["serverless"]
        confidence = "high" if (len(fired) >= 2 or agree) else "medium"
        decided_by = f"rule:{fired[0].name}"
        reason = "when not to use: " + "; ".join(f"{_RULE_TEXT[r.name]} ({r.reason})" for r in fired)
    else:
        decided_by = "tally"
        if margin >= vcfg["min_margin"]:
            verdict = "serverless"
        elif -margin >= vcfg["min_margin"]:
            verdict = "containers"
        else:
            verdict = "either"
        confidence = ("high" if abs(margin) >= vcfg["high_confidence_margin"]
                      else "medium" if abs(margin) >= vcfg["min_margin"] else "low")
        reason = (f"{tally['serverless']} signal(s) lean serverless, {tally['containers']} containers, "
                  f"{tally['neutral']} neutral (a verdict needs a margin of {vcfg['min_margin']})")
    analysis_verdict = verdict
    pref = workload.deployment_preference
    if honour_preference and pref != "either":
        declared = "serverless" if pref == "serverless_only" else "containers"
        confidence = "high" if analysis_verdict in (declared, "either") else "low"
        reason = (f"declared deployment_preference {pref}; the analysis alone says {analysis_verdict} "
                  f"({reason})")
        verdict, decided_by = declared, "declared:deployment_preference"
    return {"verdict": verdict, "confidence": confidence, "decided_by": decided_by, "reason": reason,
            "signals": leans, "tally": tally, "hard_limits": checks, "rules": rules,
            "analysis_verdict": analysis_verdict}


# =========================================================================== flips
def _flips(facts: Facts, workload: Workload, team: Team, scfg: dict, lcfg: dict,
           base_verdict: str, cost_flip_rates: dict) -> tuple[Flip, ...]:
    """Re-run the procedure with one fact changed; keep the changes that flip the verdict."""
    out: list[Flip] = []

    def run(f=facts, w=workload, t=team) -> str:
        return evaluate(f, w, t, signals=scfg, limits=lcfg)["verdict"]

    # cost: mean-rate thresholds found with the comparison (see _cost_flip_rates)
    for item in cost_flip_rates.get("flips", []):
        f2 = replace(facts, lambda_monthly_usd=item["lambda_monthly_usd"],
                     container_monthly_usd=item["container_monthly_usd"],
                     container_option=item["container_option"])
        nv = run(f=f2)
        if nv != base_verdict:
            out.append(Flip("traffic.mean_rps", item["condition"], nv, item["how"]))
    # traffic shape
    for label in scfg["signals"]["traffic_pattern"]["lean_by_label"]:
        if label != facts.traffic_label and facts.traffic_label is not None:
            nv = run(f=replace(facts, traffic_label=label))
            if nv != base_verdict:
                out.append(Flip("traffic_label", f"if the traffic were {label} (same mean rate and costs)", nv,
                                "procedure re-run with the traffic label changed"))
    # team facts
    for key, values in (("ops_preference", tuple(scfg["signals"]["ops_preference"]["lean_by_value"])),
                        ("debugging_maturity", tuple(scfg["signals"]["debugging_maturity"]["lean_by_value"])),
                        ("cloud_ops_experience", CLOUD_OPS_EXPERIENCE)):
        for v in values:
            if v != getattr(team, key):
                nv = run(t=replace(team, **{key: v}))
                if nv != base_verdict:
                    out.append(Flip(f"team.{key}", f"if team.{key} were {v}", nv,
                                    "procedure re-run with this team fact changed"))
    # workload facts
    hl = lcfg["hard_limits"]
    changes = []
    if "execution_duration" in hl:
        lim = float(hl["execution_duration"]["limit"])
        if workload.max_duration_s > lim:
            changes.append(("max_duration_s", lim,
                            f"if every invocation finished within {lim:g} s (e.g. split into Step Functions steps)"))
        else:
            changes.append(("max_duration_s", lim + 1,
                            f"if an invocation ran longer than {lim:g} s"))
    for key in ("in_process_state", "long_lived_connections", "gpu"):
        cur = getattr(workload, key)
        changes.append((key, not cur, f"if workload.{key} were {_fmt(not cur)}"))
    for name, key in (("sync_payload", "sync_payload_mb"), ("async_message", "async_message_kb")):
        if name in hl and getattr(workload, key) > float(hl[name]["limit"]):
            changes.append((key, float(hl[name]["limit"]),
                            f"if workload.{key} were at most {_fmt(float(hl[name]['limit']))} "
                            f"({' '.join(str(hl[name].get('fix', '')).split())})"))
    if "memory" in hl and workload.max_memory_mb is not None and workload.max_memory_mb > float(hl["memory"]["limit"]):
        changes.append(("max_memory_mb", float(hl["memory"]["limit"]),
                        f"if an invocation needed at most {_fmt(float(hl['memory']['limit']))} MB"))
    if workload.sync_chain_depth > 1:
        changes.append(("sync_chain_depth", 1, "if the chain were collapsed into one function (depth 1)"))
    # several hard limits violated: no single change flips, so also try lifting them all
    violated = [c for c in check_hard_limits(workload, lcfg) if c.violated]
    if len(violated) >= 2:
        lifted = {c.fact: (float(c.limit) if hl[c.name]["op"] == ">" else (not c.limit)) for c in violated}
        changes.append((tuple(lifted), tuple(lifted.values()),
                        "if every violated hard limit were lifted: " + "; ".join(c.fix for c in violated if c.fix)))
    for key, value, cond in changes:
        upd = dict(zip(key, value)) if isinstance(key, tuple) else {key: value}
        key = "+".join(key) if isinstance(key, tuple) else key
        w2 = replace(workload, **upd, deployment_preference="either")
        if workload.deployment_preference != "either":
            # a declared preference decides; say what the analysis would do instead
            continue
        f2 = facts
        if key == "sync_chain_depth":
            f2 = replace(facts, chain_p99_ms=facts.lambda_p99_ms, chain_warm_p99_ms=facts.lambda_warm_p99_ms,
                         container_chain_p99_ms=facts.container_p99_ms)
        nv = run(f=f2, w=w2)
        if nv != base_verdict:
            out.append(Flip(f"workload.{key}", cond, nv, "procedure re-run with this workload fact changed"))
    if workload.deployment_preference != "either":
        out.insert(0, Flip("workload.deployment_preference",
                           "if workload.deployment_preference were either",
                           evaluate(facts, workload, team, signals=scfg, limits=lcfg,
                                    honour_preference=False)["verdict"],
                           "the analysis verdict without the declared preference"))
        out = [f for f in out if f.new_verdict != base_verdict]
    return tuple(out)


# =========================================================================== orchestration
def _jsonable(x: Any) -> Any:
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return None if (math.isnan(v) or math.isinf(v)) else v
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if hasattr(x, "to_dict") and not isinstance(x, type):
        return _jsonable(x.to_dict())
    return x


def measure(scenario: Any, workload: Workload | None = None, *, signals: Any = None,
            limits: dict | None = None) -> Facts:
    """Measure a scenario's traffic label, costs, break-even rates and latencies.

    Calls the traffic, comparison and latency modules (engineers B and C); see
    :mod:`costmodel._decision_adapters` for exactly which functions. ``limits`` (loaded
    hard limits) only lets the break-even search pre-simulate the flip search's brackets.
    """
    from ._decision_adapters import measure_facts

    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    return measure_facts(scenario, workload, scfg, limits=limits)


def recommend(scenario: Any, *, signals: Any = None, limits: Any = None,
              facts: Facts | None = None) -> Recommendation:
    """Recommend serverless, containers or either for a scenario, with reasons and evidence.

    Parameters
    ----------
    scenario : str, Path, dict or costmodel.scenario.Scenario
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
    from ._decision_adapters import load, cost_flip_rates, failure_mode_evidence

    scfg = signals if isinstance(signals, dict) and "signals" in signals else load_decision_signals(signals)
    lcfg = limits if isinstance(limits, dict) and "hard_limits" in limits else load_hard_limits(limits)
    sc = load(scenario)
    raw = sc.raw if hasattr(sc, "raw") else sc
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
    flip_rates = (cost_flip_rates(sc, facts, scfg, lcfg, workload, team, result["verdict"])
                  if facts.cost_ratio is not None else {})
    flips = _flips(facts, workload, team, scfg, lcfg, result["verdict"], flip_rates)
    fm, fm_warnings = failure_mode_evidence(sc, facts, workload, scfg)
    warnings = _advisories(workload, lcfg) + fm_warnings
    if result["decided_by"].startswith("declared") and result["analysis_verdict"] not in (result["verdict"], "either"):
        warnings.insert(0, f"the analysis alone says {result['analysis_verdict']}; the declared "
                           f"preference {workload.deployment_preference} overrides it")
    for r in result["rules"]:
        if r.fired and result["decided_by"] != f"rule:{r.name}" and not result["decided_by"].startswith("rule"):
            warnings.append(f"when not to use: {_RULE_TEXT[r.name]} ({r.reason})")
    evidence = {
        "monthly_usd": dict(facts.monthly_usd),
        "lambda_monthly_usd": facts.lambda_monthly_usd,
        "cheapest_container_option": facts.container_option,
        "cheapest_container_monthly_usd": facts.container_monthly_usd,
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
    }
    name = raw.get("name", str(scenario)) if isinstance(raw, Mapping) else str(scenario)
    return Recommendation(
        scenario=name, verdict=result["verdict"], confidence=result["confidence"],
        decided_by=result["decided_by"], reason=result["reason"], signals=result["signals"],
        tally=result["tally"], hard_limits=result["hard_limits"], rules=result["rules"],
        analysis_verdict=result["analysis_verdict"], warnings=tuple(warnings),
        evidence=_jsonable(evidence), flips=flips, workload=workload, team=team)


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


# =========================================================================== text output
def _table(headers: list[str], rows: list[list[str]], max_widths: list[int] | None = None) -> list[str]:
    import textwrap

    max_widths = max_widths or [60] * len(headers)
    wrapped = [[textwrap.wrap(str(c), w) or [""] for c, w in zip(r, max_widths)] for r in rows]
    widths = [max([len(headers[i])] + [len(line) for r in wrapped for line in r[i]])
              for i in range(len(headers))]
    sep = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [sep, "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |", sep]
    for r in wrapped:
        for j in range(max(len(c) for c in r)):
            out.append("| " + " | ".join((c[j] if j < len(c) else "").ljust(w) for c, w in zip(r, widths)) + " |")
    out.append(sep)
    return out


def _measured_text(s: SignalLean) -> str:
    if s.measured is None:
        return "-"
    if isinstance(s.measured, list):
        return ", ".join(s.measured) or "none"
    if s.name == "execution_duration":
        return f"{_fmt(float(s.measured))} s max"
    if s.name == "cost_model":
        return f"{float(s.measured):.2f}x"
    return _fmt(s.measured)


def _render_text(rec: Recommendation) -> str:
    lines = [f"Scenario: {rec.scenario}",
             f"Verdict:  {rec.verdict.upper()}  (confidence {rec.confidence}; decided by {rec.decided_by})",
             f"Why:      {rec.reason}", "",
             "Decision signals (seed table)"]
    lines += _table(["signal", "lean", "measured", "reason"],
                    [[s.name, s.lean, _measured_text(s), s.reason] for s in rec.signals],
                    [20, 10, 20, 70])
    t = rec.tally
    lines.append(f"Tally: {t['serverless']} serverless, {t['containers']} containers, {t['neutral']} neutral")
    lines += ["", "Hard limits (AWS Lambda)"]
    lines += _table(["limit", "status", "check"],
                    [[c.name, "VIOLATED" if c.violated else "ok", c.reason] for c in rec.hard_limits],
                    [24, 8, 80])
    lines += ["", "When not to use (seed)"]
    lines += _table(["rule", "status", "numbers"],
                    [[r.name, "FIRES" if r.fired else ("no" if r.applicable else "n/a"), r.reason]
                     for r in rec.rules], [26, 6, 80])
    ev = rec.evidence
    lines += ["", "Evidence"]
    rows = []
    for opt, usd in (ev.get("monthly_usd") or {}).items():
        rows.append([f"monthly cost: {opt}", "-" if usd is None else f"${usd:,.2f}"])
    for opt, rps in (ev.get("break_even_mean_rps") or {}).items():
        rows.append([f"break-even mean rate vs {opt}", "no crossing" if rps is None else f"{rps:,.3g} req/s"])
    chain = rec.workload.sync_chain_depth > 1
    for key, label, unit in (("lambda_p99_ms", "Lambda p99 (one function)", "ms"),
                             ("lambda_warm_p99_ms", "Lambda p99 if every request were warm", "ms"),
                             ("container_p99_ms", "Fargate p99 (queueing + scale-out backlog)", "ms"),
                             ("chain_p99_ms", f"{rec.workload.sync_chain_depth}-hop chain p99 on Lambda", "ms"),
                             ("container_chain_p99_ms", f"{rec.workload.sync_chain_depth}-hop chain p99, all warm", "ms")):
        if key.startswith(("chain", "container_chain")) and not chain:
            continue
        if ev.get(key) is not None:
            rows.append([label, f"{ev[key]:,.0f} {unit}"])
    if ev.get("container_timeout_fraction"):
        rows.append(["Fargate requests timed out during scale-out",
                     f"{100 * ev['container_timeout_fraction']:.3f} %"])
    if ev.get("cold_start_fraction") is not None:
        rows.append(["cold-start share", f"{100 * ev['cold_start_fraction']:.3f} %"])
    if rows:
        lines += _table(["quantity", "value"], rows, [44, 30])
    for note in ev.get("notes") or []:
        lines.append(f"note: {note}")
    if rec.flips:
        lines += ["", "What would flip the verdict"]
        lines += _table(["change", "new verdict"], [[f.condition, f.new_verdict] for f in rec.flips], [80, 12])
    if rec.warnings:
        lines += ["", "Warnings"] + [f"- {w}" for w in rec.warnings]
    return "\n".join(lines)

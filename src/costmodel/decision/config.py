"""Decision configuration: the signal thresholds and the hard limits, loaded from data.

``data/decision_signals.yaml`` (the six signals of the seed's decision table, each with a
visible threshold) and ``data/hard_limits.yaml`` (Lambda's hard platform limits and the
"when not to use" rules). Overrides are dotted updates checked against the shipped keys.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from costmodel._validate import check_choice, check_int, check_positive
from costmodel.errors import InvalidParameterError, ScenarioError, UnknownNameError
from costmodel.resources import data_path
from costmodel.strict_yaml import load_yaml_file

__all__ = ["VERDICTS", "LEANS", "SIGNAL_NAMES", "RULE_NAMES", "DEPLOYMENT_PREFERENCES", "CLOUD_OPS_EXPERIENCE",
           "CONFIDENCES", "SIGNALS_PATH", "LIMITS_PATH", "load_decision_signals", "load_hard_limits"]

SIGNALS_PATH = data_path("decision_signals.yaml")
LIMITS_PATH = data_path("hard_limits.yaml")

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
    # the strict reader, as for scenarios: duplicate keys, alias bombs, binary and oversized
    # files refused in one line (--signals / --limits are user files)
    data = load_yaml_file(path, what=f"{what} file")
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


# Declared workload facts: name -> (kind, default).
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
    "interruption_tolerant": ("bool", False),
    "sync_chain_depth": ("int1", 1),
    "latency_slo_p99_ms": ("pos_or_none", None),
    "deployment_preference": ("choice", "either"),
    "max_memory_mb": ("pos_or_none", None),
    "fanout": ("fanout", None),
    "cache": ("cache", None),
}
# keys of workload.cache (a module-level cache; see costmodel.models.failure_modes.cache_hit_rate)
_CACHE_KEYS = ("n_keys", "ttl_s", "zipf_exponent", "entry_kb")
# keys of workload.fanout (see costmodel.models.fanout.fanout); the first two are required
_FANOUT_KEYS = ("uploads_per_day", "fanout_factor", "batch_size", "concurrency_cap",
                "worker_overhead_ms", "splitter_duration_ms", "message_kb", "peak_to_mean",
                "peak_duration_s")
_TEAM_KEYS = ("ops_preference", "cloud_ops_experience", "debugging_maturity")
_WORKLOAD_HELP = {
    "max_duration_s": "the longest single invocation in seconds, e.g. 2 or 1800",
    "user_facing": "true when a person waits for the response",
}

"""Validation of the declared ``workload`` and ``team`` blocks (one place for both)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from costmodel._validate import check_choice, check_int, check_non_negative, check_positive
from costmodel.decision.config import (
    _CACHE_KEYS,
    _FANOUT_KEYS,
    _REQUIRED,
    _TEAM_KEYS,
    _WORKLOAD_HELP,
    _WORKLOAD_SPEC,
    CLOUD_OPS_EXPERIENCE,
    DEPLOYMENT_PREFERENCES,
    load_decision_signals,
)
from costmodel.decision.procedure import check_hard_limits
from costmodel.decision.records import Team, Workload
from costmodel.decision.text import fmt as _fmt
from costmodel.errors import InvalidParameterError, ScenarioError

__all__ = ["validate_workload", "validate_team"]


def _unknown_keys(block: Mapping, allowed: Sequence[str], where: str) -> None:
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
    out: dict[str, float] = {}
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
    out: dict[str, float] = {}
    for key, v in block.items():
        name = f"workload.cache.{key}"
        _number(name, v)
        if key == "n_keys":
            out[key] = check_int(name, v, minimum=1)
        else:
            (check_non_negative if key == "zipf_exponent" else check_positive)(name, v)
            out[key] = float(v)
    return out


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

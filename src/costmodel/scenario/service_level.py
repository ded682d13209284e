"""A scenario's service level, the settings right-sizing may change, and its account quotas.

Blocks of the scenario format read here (validated by the scenario schema,
:mod:`costmodel.scenario.scenario_schema`: ``ServiceLevelSetup``, ``PowerTuning``, the daily
windows, ``AccountQuotas``)::

    service_level:
      kind: api                    # api | queue_worker (default: queue_worker when both
                                   #   front doors are none, else api)
      percentile: 99               # the latency percentile held to the target [%]
      latency_target_ms: 1000      # api: response time; queue_worker: message age
      max_failed_fraction: 0.001   # timed out or throttled after retries
      availability: {min_units: 2, zones: 2}   # at least N tasks/instances across AZs; null: none
      right_size: true             # compare every option right-sized to this level
      scheduled_scaling: true      # may use scheduled actions for predictable peaks
    lambda:
      memory_mb: null              # Lambda's memory (default work.memory_mb)
      power_tuning: {cpu_bound_fraction: 0.0, duration_ms_by_memory_mb: null, threads: 1}
      provisioned_concurrency: {count: 12, schedule: [{start: "08:00", end: "20:00"}]}
    containers:
      fargate: {scheduled_min_tasks: [{start: "00:55", end: "01:10", min_tasks: 820}]}
      ec2: {scheduled_min_instances: [{start: "00:55", end: "01:10", min_instances: 110}]}
    account_quotas: {fargate_on_demand_vcpu: 4000, api_gateway_rps: 10000, ...}

Defaults of the service level depend on the workload kind
(:data:`costmodel.models.service_level.SERVICE_LEVEL_DEFAULTS`): a declared
``workload.latency_slo_p99_ms`` is the API target, ``workload.user_facing`` picks 1,000 ms
over 3,000 ms.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from costmodel.errors import CostModelError, ScenarioError
from costmodel.models.autoscaling import schedule_min_units
from costmodel.models.duration import Duration
from costmodel.models.service_level import (
    SERVICE_LEVEL_DEFAULTS,
    ServiceLevel,
    default_service_level,
    duration_factor_for_memory,
)
from costmodel.models.workload import Work
from costmodel.resources import data_path
from costmodel.scenario.times import format_hhmm, hhmm_s, pc_schedule_hours

if TYPE_CHECKING:  # load imports this module at run time; the type is for readers and mypy
    from costmodel.scenario.load import Scenario

__all__ = [
    "POWER_TUNING_DEFAULTS",
    "account_quotas",
    "format_hhmm",
    "lambda_duration_factor",
    "lambda_memory_mb",
    "lambda_work",
    "load_account_quotas",
    "pc_schedule_hours",
    "right_sizing_enabled",
    "scaling_schedules",
    "schedule_windows_s",
    "scheduled_scaling_allowed",
    "service_level_of",
    "workload_kind",
]

POWER_TUNING_DEFAULTS = {"cpu_bound_fraction": 0.0, "duration_ms_by_memory_mb": None, "threads": 1}
def load_account_quotas() -> dict:
    """The shipped account quotas (``data/account_quotas.yaml``): name -> record."""
    with data_path("account_quotas.yaml").open() as fh:
        doc = yaml.safe_load(fh)
    return dict(doc["quotas"])


# ------------------------------------------------------------------ resolved values
def workload_kind(sc: Scenario) -> str:
    """``api`` or ``queue_worker``: declared, else ``queue_worker`` when no front door serves
    either option (both ``lambda.front_door`` and ``containers.front_door`` are ``none``)."""
    kind = (sc.service_level or {}).get("kind")
    if kind:
        return str(kind)
    none = sc.lambda_.get("front_door") == "none" and sc.containers.get("front_door") == "none"
    return "queue_worker" if none else "api"


def service_level_of(sc: Scenario) -> ServiceLevel:
    """The scenario's service level with every default resolved (computed once per scenario)."""
    def build() -> ServiceLevel:
        block = sc.service_level or {}
        kind = workload_kind(sc)
        wl = sc.workload or {}
        declared = wl.get("latency_slo_p99_ms")
        pct = float(block.get("percentile", SERVICE_LEVEL_DEFAULTS[kind]["percentile"]))
        base = default_service_level(kind, user_facing=bool(wl.get("user_facing", kind == "api")),
                                     declared_p99_ms=float(declared) if (declared is not None and pct == 99.0)
                                     else None, work_p99_ms=float(sc.work.duration.p99_ms))
        av = block.get("availability", "default")
        min_units, zones = (base.min_units, base.zones) if av == "default" else \
            ((1, 1) if av is None else (int(av.get("min_units", base.min_units)), int(av.get("zones", 1))))
        try:
            return ServiceLevel(kind=kind, percentile=pct,
                                latency_target_ms=float(block.get("latency_target_ms", base.latency_target_ms)),
                                max_failed_fraction=float(block.get("max_failed_fraction", base.max_failed_fraction)),
                                min_units=max(min_units, zones), zones=zones)
        except CostModelError as exc:
            raise ScenarioError(f"service_level: {exc}") from exc

    return sc.cached("service_level", build)


def right_sizing_enabled(sc: Scenario) -> bool:
    """``service_level.right_size`` (default true)."""
    return bool((sc.service_level or {}).get("right_size", True))


def scheduled_scaling_allowed(sc: Scenario) -> bool:
    """``service_level.scheduled_scaling`` (default true)."""
    return bool((sc.service_level or {}).get("scheduled_scaling", True))


def lambda_memory_mb(sc: Scenario) -> float:
    """Lambda's memory [MB]: ``lambda.memory_mb``, else ``work.memory_mb``."""
    m = sc.lambda_.get("memory_mb")
    return float(sc.work.memory_mb if m is None else m)


def lambda_duration_factor(sc: Scenario, memory_mb: float | None = None) -> float:
    """Lambda's mean duration at ``memory_mb`` (default: Lambda's memory) over the duration
    of ``work.duration_ms`` (measured at ``work.memory_mb``) [-].

    With ``lambda.power_tuning.duration_ms_by_memory_mb`` the measured curve (log-log
    interpolation between measured sizes; outside the measured range, the nearest measured
    size); else the CPU-bound fraction model (:func:`duration_factor_for_memory`)."""
    pt: dict[str, Any] = sc.lambda_.get("power_tuning") or POWER_TUNING_DEFAULTS
    m = lambda_memory_mb(sc) if memory_mb is None else float(memory_mb)
    m0 = float(sc.work.memory_mb)
    curve = pt.get("duration_ms_by_memory_mb")
    if curve:
        mems = np.log(np.asarray(list(curve), dtype=float))
        ms = np.log(np.asarray(list(curve.values()), dtype=float))
        at = float(np.exp(np.interp(math.log(m), mems, ms)))
        ref = float(np.exp(np.interp(math.log(m0), mems, ms)))
        return at / ref
    f = float(pt.get("cpu_bound_fraction", 0.0))
    if f == 0.0 or m == m0:
        return 1.0
    return float(duration_factor_for_memory(m, m0, f, threads=int(pt.get("threads", 1))))


def lambda_work(sc: Scenario) -> Work:
    """The per-request work as Lambda runs it: Lambda's memory and the duration at that memory."""
    w = sc.work
    m = lambda_memory_mb(sc)
    factor = lambda_duration_factor(sc, m)
    if m == w.memory_mb and factor == 1.0:
        return w
    dur: Duration = w.duration.scaled(factor) if factor != 1.0 else w.duration
    return Work(duration=dur, cpu_ms_per_request=w.cpu_ms_per_request, memory_mb=m, architecture=w.architecture)


def schedule_windows_s(windows: list, units_key: str) -> list[tuple[float, float, int]]:
    """Validated windows -> [(start_s, end_s, units)] in seconds of the day (UTC)."""
    return [(hhmm_s("start", w["start"]), hhmm_s("end", w["end"]), int(w[units_key])) for w in windows]


def scaling_schedules(sc: Scenario, n_steps: int, step_s: float, start: Any) -> tuple[Any, Any]:
    """Per-step scheduled minimum tasks (Fargate) and instances (EC2), or None where the
    scenario has no scheduled actions. ``start`` is the series' first step (UTC)."""
    ts = pd.Timestamp(start) if start is not None else None
    if ts is not None and ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    sod = 0.0 if ts is None else ts.hour * 3600.0 + ts.minute * 60.0 + ts.second
    out = []
    for platform, key, units in (("fargate", "scheduled_min_tasks", "min_tasks"),
                                 ("ec2", "scheduled_min_instances", "min_instances")):
        wins = sc.containers[platform].get(key) or []
        out.append(schedule_min_units(n_steps, step_s, schedule_windows_s(wins, units), start_s_of_day=sod)
                   if wins else None)
    return out[0], out[1]


def account_quotas(sc: Scenario) -> dict:
    """Quota name -> value for the scenario's account: the shipped defaults, the scenario's
    ``account_quotas`` overrides, Lambda's concurrency from ``lambda.concurrency_limit``."""
    out = {k: float(v["default"]) for k, v in load_account_quotas().items()}
    out.update(sc.account_quotas or {})
    out["lambda_concurrent_executions"] = float(sc.lambda_["concurrency_limit"])
    return out

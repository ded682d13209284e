"""Latency evidence per platform on a scenario's month of traffic.

:func:`platform_latency` gives Lambda's latency (warm duration plus init for cold
requests, the scenario's arrival model and provisioned concurrency) and the latency of the
autoscaled Fargate and EC2 fleets of a comparison (queueing in the ready request slots,
backlog while scale-out catches up, requests timing out at the front door). It follows
the rules the decision uses (``docs/decision.md``):

* container request slots per step are ``max(ready tasks, round(ready capacity_rps x mean
  duration_s))`` (CPU-bound tasks serve about one request at a time, I/O-bound ones many);
* the front door's timeout (``containers.request_timeout_s``) is dropped, with a note,
  when the work's own p99 is not below it (a batch job runs as a job, not behind HTTP);
* Lambda's provisioned concurrency counts only when it is on all month (the latency model
  takes one constant count); a scheduled one is left out with a note;
* requests arrive as the comparison decided (``Comparison.arrivals``: Poisson, or counts
  for cron-like and trace traffic).

:func:`latency_under_bursts` is the Lambda-and-Fargate pair that notebook 03 and the
decision explorer show.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from costmodel.analysis.compare import Comparison, ScenarioSource, compare
from costmodel.models.autoscaling import ScalingResult
from costmodel.models.coldstart.simulator import Duration
from costmodel.models.latency import LatencyResult, container_latency, duration_from_ms, lambda_latency
from costmodel.scenario.load import WORK_DEFAULTS, Scenario, load_scenario

__all__ = ["PlatformLatency", "duration_spec", "latency_under_bursts", "platform_latency"]

_ALWAYS_ON = ("always", "24x7", "all")


@dataclass(frozen=True)
class PlatformLatency:
    """Latency of each platform on the same month of traffic.

    Attributes
    ----------
    lambda_ : LatencyResult or None
        Lambda (None when the month has no requests).
    fargate, ec2 : LatencyResult or None
        The autoscaled fleets of the comparison (the Fargate purchase options share one
        fleet, as do the EC2 ones).
    warm_p99_ms : float or None
        The work's own p99 with every request warm [ms].
    notes : tuple of str
        What was left out and why.
    """

    lambda_: LatencyResult | None
    fargate: LatencyResult | None
    ec2: LatencyResult | None
    warm_p99_ms: float | None
    notes: tuple[str, ...] = ()

    def for_option(self, option: str) -> LatencyResult | None:
        """The result of the platform an option of the comparison runs on."""
        if option == "lambda":
            return self.lambda_
        return self.fargate if option.startswith("fargate") else self.ec2


def duration_spec(sc: Scenario) -> float | dict[str, Any] | Duration:
    """The scenario's ``work.duration_ms`` as the latency models take it: a number [ms],
    a ``{"mean", "p99"}`` dict [ms], or an empirical :class:`Duration` for samples."""
    spec = (sc.raw.get("work") or {}).get("duration_ms", WORK_DEFAULTS["duration_ms"])
    if isinstance(spec, dict) and "samples" in spec:
        return Duration.empirical(np.asarray(spec["samples"], dtype=float) / 1000.0)
    return spec


def _slots(fleet: ScalingResult, tasks_per_unit: float, mean_duration_s: float) -> np.ndarray:
    return np.maximum(fleet.ready_units * tasks_per_unit,
                      np.round(fleet.capacity_rps * mean_duration_s)).astype(float)


def platform_latency(scenario: ScenarioSource, comparison: Comparison | None = None) -> PlatformLatency:
    """Lambda, Fargate and EC2 latency on the comparison's month of traffic.

    Parameters
    ----------
    scenario : path, dict or Scenario
    comparison : Comparison, optional
        :func:`costmodel.analysis.compare.compare` of the scenario (computed when absent).

    Returns
    -------
    PlatformLatency
    """
    sc = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    rate, step = cmp.rate_rps, cmp.step_s
    notes: list[str] = []
    if rate.sum() <= 0:
        return PlatformLatency(None, None, None, None, ("no requests in the month: no latency",))
    dur = duration_spec(sc)
    lam = sc.lambda_
    cap = int(lam["concurrency_limit"])
    pc = lam.get("provisioned_concurrency") or {}
    pc_count = int(pc.get("count", 0) or 0)
    if pc_count and str(pc.get("schedule")) not in _ALWAYS_ON:
        notes.append(f"Lambda latency without the scheduled provisioned concurrency ({pc_count} on "
                     f"{pc.get('schedule')}): conservative outside those hours only")
        pc_count = 0
    w_s = float(sc.work.mean_duration_s)
    arrivals = cmp.arrivals  # decided once, by the comparison
    lam_result = lambda_latency(rate, step, dur, float(lam["init_duration_ms"]), float(lam["keep_alive_s"]),
                                concurrency_limit=cap, arrivals=arrivals, provisioned_concurrency=min(pc_count, cap))
    warm_p99_ms = float(duration_from_ms("duration_ms", dur).quantile(0.99) * 1000.0)
    timeout_s = sc.containers.get("request_timeout_s", 60.0)
    if timeout_s is not None and warm_p99_ms >= float(timeout_s) * 1000.0:
        notes.append(f"container latency without a request timeout: the work's p99 ({warm_p99_ms / 1000:,.0f} s) "
                     f"is not below containers.request_timeout_s ({float(timeout_s):g} s), so it runs as a job, "
                     "not behind an HTTP front door")
        timeout_s = None
    per_instance = cmp.ec2_capacity_rps / cmp.fargate_capacity_rps if cmp.fargate_capacity_rps else 1.0
    fleets = {"fargate": (cmp.fargate, 1.0), "ec2": (cmp.ec2, per_instance)}
    results: dict[str, LatencyResult | None] = {}
    for name, (fleet, per_unit) in fleets.items():
        try:
            results[name] = container_latency(rate, step, dur, _slots(fleet, per_unit, w_s), timeout_s=timeout_s)
        except Exception as exc:
            results[name] = None
            notes.append(f"{name} latency not computed: {exc}")
    return PlatformLatency(lam_result, results["fargate"], results["ec2"], warm_p99_ms, tuple(notes))


def latency_under_bursts(scenario: ScenarioSource, comparison: Comparison | None = None
                         ) -> tuple[LatencyResult | None, LatencyResult | None, Comparison]:
    """Lambda's and the Fargate fleet's latency on a scenario's traffic (see
    :func:`platform_latency`).

    Returns
    -------
    (LatencyResult, LatencyResult, Comparison)
        Lambda, Fargate, and the comparison the fleet came from.
    """
    sc = load_scenario(scenario)
    cmp = comparison if comparison is not None else compare(sc)
    lat = platform_latency(sc, cmp)
    return lat.lambda_, lat.fargate, cmp

"""Right-sizing: the cheapest configuration of each option that meets the service level.

A configured fleet that is overloaded for 900 minutes a month, or a Lambda function whose
cold starts break the latency target, should not be compared as if it were an answer.
:func:`right_size` sizes every option to the scenario's service level
(:func:`costmodel.scenario.service_level.service_level_of`) on the scenario's own month of
traffic, and returns the right-sized scenario (a variant with the new settings, so
:func:`costmodel.analysis.compare.compare`, the decision and the report price it like any
scenario) with what each option had to add.

Containers (Fargate, then EC2 packing tasks of the Fargate task size): the search space is
minimum units (from the availability rule up), target utilisation, scale-out cooldown,
scheduled minimums for predictable peaks (:func:`costmodel.models.service_level.daily_peak_levels`:
the level a 5-minute slot of the day reaches on at least 80 % of days, raised ahead of the
slot by the task start plus one metric period), and the task size (the configured size and
larger ones; smaller tasks are not tried because the model serves a request in its measured
duration on any size, so a smaller task would look faster than it is). Maximum units are
raised to what the peak needs at the target. Every candidate's month runs in
:func:`costmodel.models.autoscaling.simulate_scaling_batch` (vectorised across candidates,
keeping the ready units of each metric period) and is judged by
:func:`costmodel.models.service_level.container_exceedance`. The search assumes that, other
settings fixed, more minimum units never break a met target: per family (size, target,
cooldown, schedule) a ladder of minimums (doubling) finds a bracket, then k-ary refinement
finds the smallest passing minimum; families whose cheapest possible candidate costs more
than the best found are dropped. ``tests/unit/analysis/test_rightsizing.py`` checks the
result against brute force over a small grid.

Lambda: memory (power tuning: ``lambda.power_tuning``'s duration-vs-memory curve or
CPU-bound fraction), the concurrency cap against throttling (reserved concurrency, or the
account quota to request), and provisioned concurrency - always on, or daily hours chosen
greedily where cold starts cost the most requests over the target - each candidate priced by
:func:`costmodel.models.lambda_traffic.lambda_on_traffic` and judged by
:func:`costmodel.models.service_level.lambda_exceedance` with the fast cold-start model.

When no configuration meets the target, the option keeps the configuration closest to it
(lowest share of slow requests) and the result says by how much it misses.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from costmodel.analysis.compare import Comparison, ScenarioSource, compare, network_bills
from costmodel.errors import ScenarioError
from costmodel.models.autoscaling import ScalingPolicy, schedule_min_units, simulate_scaling, simulate_scaling_batch
from costmodel.models.bills import ec2_bill, ec2_usd_per_hour, fargate_bill, fargate_usd_per_task_s
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.duration import Duration
from costmodel.models.lambda_traffic import lambda_on_traffic, provisioned_schedule
from costmodel.models.pricing import Prices
from costmodel.models.service_level import (
    ContainerQueue,
    LambdaLatencyModel,
    ServiceLevel,
    daily_peak_levels,
    erlang_b_batch,
    fluid_backlog_delay_s,
    lambda_exceedance,
    percentile_from_exceedance,
    request_slots,
    timed_out_lower_bound,
)
from costmodel.models.traffic import resample
from costmodel.models.workload import Work
from costmodel.scenario.load import Scenario, load_scenario
from costmodel.scenario.service_level import (
    format_hhmm,
    lambda_duration_factor,
    lambda_memory_mb,
    lambda_work,
    right_sizing_enabled,
    scheduled_scaling_allowed,
    service_level_of,
)

__all__ = [
    "CONTAINER_TARGETS",
    "LAMBDA_MEMORY_MB",
    "OptionSizing",
    "RightSizing",
    "ServiceLevelComparison",
    "TargetSizing",
    "compare_at_service_level",
    "container_timeout_s",
    "latency_duration",
    "right_size",
    "right_sized_scenario",
    "scheduled_pc_latency",
    "size_at_targets",
]

#: Target utilisations tried for container fleets (plus the configured one).
CONTAINER_TARGETS = (0.5, 0.6, 0.7, 0.8, 0.9)
#: Fargate task sizes tried (those at or above the configured vCPU that fit the EC2 instance).
FARGATE_VCPUS = (0.25, 0.5, 1.0, 2.0, 4.0)
#: Lambda memory sizes tried by the CPU-bound fraction model (power tuning's usual set) [MB].
LAMBDA_MEMORY_MB = (128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 5120, 6144, 8192, 10240)
SCHEDULE_SLOT_S = 300.0
_REFINE_POINTS = 12
_CHUNK = 24                      # candidates per exceedance evaluation (memory: steps x chunk)
_TIE_USD = 0.005                 # monthly costs this close are a tie: keep what is configured


def latency_duration(dist: Duration, factor: float = 1.0) -> Duration:
    """A work duration scaled by ``factor`` (the same distribution when ``factor`` is 1)."""
    return dist if factor == 1.0 else dist.scaled(factor)


def container_timeout_s(sc: Scenario, sl: ServiceLevel) -> float | None:
    """The request timeout of the container latency model: the scenario's
    ``containers.request_timeout_s`` for an API (None when the work's own p99 is not below
    it: a job, not a request), None for a queue worker (messages wait)."""
    if sl.kind == "queue_worker":
        return None
    t = sc.containers.get("request_timeout_s", 60.0)
    if t is None or sc.work.duration.p99_ms >= float(t) * 1000.0:
        return None
    return float(t)


# =========================================================================== records
@dataclass(frozen=True)
class OptionSizing:
    """One option (``lambda``, ``fargate`` or ``ec2``) before and after right-sizing.

    Attributes
    ----------
    platform : str
    meets : bool
        The right-sized configuration meets the service level.
    configured_meets : bool
        The configuration as given already met it.
    latency_ms, configured_latency_ms : float
        The service level's percentile (response time or message age) [ms], right-sized
        and as configured.
    exceedance, configured_exceedance : float
        Share of requests slower than the target [-].
    failed_fraction, configured_failed_fraction : float
        Share timed out (containers) or throttled after retries (Lambda) [-].
    compute_usd, configured_compute_usd : float
        Monthly compute and network cost, before front door and glue [USD] (Fargate and EC2 on
        demand: the network bill grows with tasks, instances and launches; Lambda: its own bill).
    configured, sized : dict
        The settings that right-sizing may change, before and after.
    changes : tuple of str
        What the option had to add or could drop, one line each ("+4 minimum tasks (2 -> 6)").
    overrides : dict
        Dotted scenario keys that give the right-sized configuration.
    candidates : int
        Configurations evaluated.
    note : str
    """

    platform: str
    meets: bool
    configured_meets: bool
    latency_ms: float
    configured_latency_ms: float
    exceedance: float
    configured_exceedance: float
    failed_fraction: float
    configured_failed_fraction: float
    compute_usd: float
    configured_compute_usd: float
    configured: dict
    sized: dict
    changes: tuple
    overrides: dict
    candidates: int = 0
    note: str = ""

    def miss_ms(self, target_ms: float) -> float:
        """By how much the right-sized percentile exceeds the target [ms] (0 when met)."""
        return max(0.0, self.latency_ms - target_ms) if not self.meets else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class RightSizing:
    """Result of :func:`right_size`.

    Attributes
    ----------
    service_level : ServiceLevel
    options : dict
        ``lambda``, ``fargate``, ``ec2`` -> :class:`OptionSizing`.
    scenario : Scenario
        The right-sized scenario (the original with ``overrides`` applied).
    overrides : dict
        Dotted keys of every change.
    elapsed_s : float
        Wall time of the search [s].
    """

    service_level: ServiceLevel
    options: dict
    scenario: Scenario = field(repr=False)
    overrides: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"service_level": self.service_level.to_dict(),
                "options": {k: v.to_dict() for k, v in self.options.items()},
                "overrides": self.overrides, "elapsed_s": self.elapsed_s}

    def lines(self) -> list[str]:
        """One block per option: meets or not, and what it took."""
        sl = self.service_level
        out = [f"Service level: {sl.describe()}"]
        for name, o in self.options.items():
            head = (f"{name}: {sl.label} {_fmt_ms(o.configured_latency_ms)} as configured"
                    f" -> {_fmt_ms(o.latency_ms)} right-sized")
            if not o.meets:
                miss = _fmt_ms(o.miss_ms(sl.latency_target_ms))
                head += f" (MISSES the {_fmt_ms(sl.latency_target_ms)} target by {miss})"
            out.append(head)
            out += [f"  - {c}" for c in o.changes] or ["  - nothing to change"]
            if o.note:
                out.append(f"  note: {o.note}")
        return out


def _fmt_ms(v: float) -> str:
    if not math.isfinite(v):
        return "unbounded"
    if v < 10_000:
        return f"{v:,.0f} ms"
    return f"{v / 1000:,.1f} s" if v < 100_000 else f"{v / 1000:,.0f} s"


# =========================================================================== containers
@dataclass(frozen=True)
class _Unit:
    """A scaling unit: a Fargate task of a size, or an EC2 instance packing such tasks."""

    vcpu: float
    memory_gb: float
    tasks_per_instance: int
    capacity_rps: float
    usd_per_unit_s: float
    start_s: float


@dataclass(frozen=True)
class _Cand:
    unit: int
    target: float
    cooldown_s: float
    sched: bool
    min_units: int


@dataclass(frozen=True)
class _Res:
    """A candidate fleet's month: meets each latency target?, cost, shares slow per target, share timed out."""

    ok: np.ndarray
    usd: float
    exceed: np.ndarray
    timed: float
    unit_s: float = 0.0
    launches: float = 0.0


class _ContainerProblem:
    """Everything fixed while one platform's fleet is searched, and the memo of results.

    ``targets_ms`` are the latency targets judged at once (the service level's, or a curve
    of them); every candidate's month is simulated once and judged at all of them.
    """

    def __init__(self, sc: Scenario, sl: ServiceLevel, targets_ms: np.ndarray, platform: str, units: list[_Unit],
                 rate: np.ndarray, step: float, start: Any, cfg: dict, far_cfg: dict) -> None:
        self.sc, self.sl, self.platform, self.units = sc, sl, platform, units
        self.targets = np.asarray(targets_ms, dtype=float)
        self.rate, self.step = rate, step
        self.requests = float(rate.sum() * step)
        self.hours = rate.size * step / 3600.0
        # the controller's epoch: the metric period, or the step when the series is coarser
        self.period = max(float(far_cfg["metric_period_s"]), float(step))
        self.lag_s = self.period * (1 + math.ceil(float(far_cfg["evaluation_delay_s"]) / self.period - 1e-9))
        self.dbar = resample(rate, step, self.period) if step < self.period else rate
        self.peak = float(self.dbar.max()) if self.dbar.size else 0.0
        ts = pd.Timestamp(start)
        ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
        self.sod = ts.hour * 3600.0 + ts.minute * 60.0 + ts.second
        self.dur = latency_duration(sc.work.duration)
        self.w = self.dur.mean_s
        self.timeout = container_timeout_s(sc, sl)
        self.metric = str(far_cfg["metric"])
        self.in_cd = float(cfg.get("scale_in_cooldown_s") or far_cfg["scale_in_cooldown_s"])
        self.out_eval = int(cfg.get("scale_out_evaluation_periods") or far_cfg["scale_out_evaluation_periods"])
        self.in_eval = int(cfg.get("scale_in_evaluation_periods") or far_cfg["scale_in_evaluation_periods"])
        self.delay_s = float(far_cfg["evaluation_delay_s"])
        self.min_floor = max(1, sl.min_units)
        self.levels = None
        slot_s = max(SCHEDULE_SLOT_S, self.period)
        whole_days_s = self.rate.size * step - (-self.sod) % 86400.0   # from the first midnight on
        if scheduled_scaling_allowed(sc) and 86400.0 % slot_s == 0 and whole_days_s >= 2 * 86400:
            self.levels = daily_peak_levels(self.dbar, self.period, slot_s, start_s_of_day=self.sod)
        self.memo: dict = {}
        self._sched_cache: dict = {}
        self.configured = {"target": float(cfg.get("target_utilisation") or far_cfg["target_utilisation"]),
                           "cooldown_s": float(cfg.get("scale_out_cooldown_s") or far_cfg["scale_out_cooldown_s"]),
                           "min": int(cfg["min_tasks"] if platform == "fargate" else cfg["min_instances"]),
                           "max": int(cfg["max_tasks"] if platform == "fargate" else _ec2_max(sc))}

    # ---------------------------------------------------------------- schedules
    def windows(self, unit: int, target: float) -> tuple:
        """Daily (start_s, end_s, units) windows raising the minimum ahead of predictable peaks:
        5-minute slots whose recurring level is more than twice the median slot's, merged,
        started the task start plus one metric period early, at the units the level needs at
        the target utilisation."""
        key = (unit, target)
        if key in self._sched_cache:
            return self._sched_cache[key]
        out: tuple = ()
        if self.levels is not None and self.levels.size:
            u = self.units[unit]
            lv = self.levels
            base = float(np.median(lv))
            need = np.ceil(lv * (1.0 - 1e-9) / (u.capacity_rps * target)).astype(int)
            peak = (lv > 2.0 * max(base, 1e-9)) & (need > self.min_floor)
            slot = 86400.0 / lv.size
            lead = math.ceil((u.start_s + self.lag_s) / 60.0) * 60.0
            wins = []
            i, n = 0, lv.size
            while i < n:
                if peak[i]:
                    j = i
                    while j + 1 < n and peak[j + 1]:
                        j += 1
                    wins.append(((i * slot - lead) % 86400.0, ((j + 1) * slot) % 86400.0 or 86400.0,
                                 int(need[i:j + 1].max())))
                    i = j + 1
                else:
                    i += 1
            out = tuple(wins)
        self._sched_cache[key] = out
        return out

    def distance(self, c: _Cand) -> tuple:
        """How far a candidate is from the configuration (fewer changes first)."""
        cfg = self.configured
        return (int(c.unit != 0) + int(abs(c.target - cfg["target"]) > 1e-9)
                + int(abs(c.cooldown_s - cfg["cooldown_s"]) > 1e-9) + int(c.sched) + int(c.min_units != cfg["min"]),
                c.min_units)

    def max_units(self, c: _Cand) -> int:
        """The configured maximum, raised to what the peak needs at the target (and to the
        minimum and the scheduled minimums)."""
        u = self.units[c.unit]
        want = math.ceil(self.peak * (1.0 - 1e-9) / (u.capacity_rps * c.target)) if self.peak > 0 else 1
        wins = self.windows(c.unit, c.target) if c.sched else ()
        return int(max(self.configured["max"], c.min_units, want, max((w[2] for w in wins), default=0)))

    def schedule(self, c: _Cand) -> np.ndarray | None:
        wins = self.windows(c.unit, c.target) if c.sched else ()
        return schedule_min_units(self.rate.size, self.step, wins, start_s_of_day=self.sod) if wins else None

    def policy(self, c: _Cand) -> ScalingPolicy:
        u = self.units[c.unit]
        return ScalingPolicy(capacity_rps=u.capacity_rps, target_utilisation=c.target, min_units=c.min_units,
                             max_units=self.max_units(c), scale_out_cooldown_s=c.cooldown_s,
                             scale_in_cooldown_s=self.in_cd, metric_period_s=self.period,
                             evaluation_delay_s=self.delay_s, start_s=u.start_s, metric=self.metric,
                             scale_out_evaluation_periods=self.out_eval, scale_in_evaluation_periods=self.in_eval)

    # ---------------------------------------------------------------- evaluation
    def evaluate(self, cands: list[_Cand]) -> None:
        """Simulate the month of every new candidate (one batch) and judge it at every target."""
        todo = [c for c in dict.fromkeys(cands) if c not in self.memo]
        if not todo:
            return
        scheds: list[np.ndarray] = []
        sidx: list[int] = []
        keys: dict = {}
        for c in todo:
            wins = self.windows(c.unit, c.target) if c.sched else ()
            if not wins:
                sidx.append(-1)
                continue
            if wins not in keys:
                keys[wins] = len(scheds)
                scheds.append(schedule_min_units(self.rate.size, self.step, wins, start_s_of_day=self.sod))
            sidx.append(keys[wins])
        units = [self.units[c.unit] for c in todo]
        cap = np.array([u.capacity_rps for u in units])
        batch = simulate_scaling_batch(
            self.rate, self.step, shape_index=np.zeros(len(todo), dtype=np.int64), capacity_rps=cap,
            target_utilisation=[c.target for c in todo], min_units=[c.min_units for c in todo],
            max_units=[self.max_units(c) for c in todo], scale_out_cooldown_s=[c.cooldown_s for c in todo],
            scale_in_cooldown_s=self.in_cd, start_s=[u.start_s for u in units], metric_period_s=self.period,
            evaluation_delay_s=self.delay_s, metric=self.metric, scale_out_evaluation_periods=self.out_eval,
            scale_in_evaluation_periods=self.in_eval, min_units_schedule=np.stack(scheds) if scheds else None,
            schedule_index=np.asarray(sidx) if scheds else None, keep_ready_units=True)
        ready = batch.ready_units
        assert ready is not None   # asked for with keep_ready_units
        n_t = ready.shape[0]
        dbar = self.dbar[:n_t]
        usd = batch.unit_seconds * np.array([u.usd_per_unit_s for u in units])
        launches = batch.launches if batch.launches is not None else np.zeros(len(todo))
        usd = usd + np.array([self.network_usd(float(batch.unit_seconds[i]), float(launches[i]))
                              for i in range(len(todo))])
        live = np.arange(len(todo))
        if self.timeout is not None:
            # hopeless fleets first: at least this share of requests times out whatever the queue does
            lb = timed_out_lower_bound(dbar, ready * cap[None, :], self.period, self.timeout)
            for i in np.flatnonzero(lb > self.sl.max_failed_fraction):
                self.memo[todo[i]] = _Res(np.zeros(self.targets.size, dtype=bool), float(usd[i]),
                                          np.full(self.targets.size, float(lb[i])), float(lb[i]),
                                          float(batch.unit_seconds[i]), float(launches[i]))
            live = np.flatnonzero(lb <= self.sl.max_failed_fraction)
        for a in range(0, live.size, _CHUNK):
            cols = live[a:a + _CHUNK]
            slots = request_slots(ready[:, cols], cap[cols], self.w)
            q = ContainerQueue(dbar, self.period, self.dur, slots, timeout_s=self.timeout)
            ex = q.exceedance(self.targets)                       # (n_targets, len(cols))
            timed = q.timed_out()
            for k, i in enumerate(cols):
                ok = (ex[:, k] <= self.sl.allowed_exceedance + 1e-12) & (timed[k] <= self.sl.max_failed_fraction
                                                                          + 1e-12)
                self.memo[todo[i]] = _Res(ok, float(usd[i]), ex[:, k].copy(), float(timed[k]),
                                          float(batch.unit_seconds[i]), float(launches[i]))

    def network_usd(self, unit_seconds: float, launches: float) -> float:
        """The platform's network bill for a fleet of this size and churn [USD/month] (public
        IPv4 per task, EBS per instance, an image pull per launch, ...: compare's network_bills)."""
        far = self.platform == "fargate"
        bills = network_bills(self.sc, self.requests, self.hours, unit_seconds if far else 0.0,
                              0.0 if far else unit_seconds / 3600.0, launches if far else 0.0,
                              0.0 if far else launches, self.sc.prices())
        return bills[self.platform].total_usd

    def closest(self, ti: int) -> _Cand:
        """The evaluated candidate with the fewest slow requests at target ``ti`` (then the cheapest)."""
        return min(self.memo, key=lambda c: (self.memo[c].exceed[ti] + self.memo[c].timed, self.memo[c].usd))


def _ladder(lo: int, hi: int) -> list[int]:
    out, m = [], lo
    while m < hi:
        out.append(m)
        m *= 2
    out.append(hi)
    return sorted(set(out))


def _fam(c: _Cand) -> tuple:
    return (c.unit, c.target, c.cooldown_s, c.sched)


def _cand(fam: tuple, min_units: int) -> _Cand:
    """The candidate of a family (unit, target utilisation, cooldown, schedule) with a minimum."""
    return _Cand(int(fam[0]), float(fam[1]), float(fam[2]), bool(fam[3]), int(min_units))


def _search(prob: _ContainerProblem, families: list[tuple[int, float, float, bool]], m_hi: dict,
            best0: list | None = None) -> list:
    """The cheapest passing candidate per latency target, or None.

    Per family (unit, target utilisation, cooldown, schedule) and latency target: a ladder
    of minimums (doubling) finds a bracket (largest failing, smallest passing), then k-ary
    refinement narrows it to neighbouring integers. A family whose cheapest possible
    candidate (its largest failing minimum's cost) is not below the best found is dropped.
    Every round's candidates, for all families and targets, run in one batch.
    """
    n_t = prob.targets.size
    lo = prob.min_floor
    first = [_Cand(u, t, cd, s, m) for (u, t, cd, s) in families for m in _ladder(lo, max(lo, m_hi[(u, t)]))]
    prob.evaluate(first)
    brackets: dict = {}
    for fam in families:
        ms = sorted(c.min_units for c in first if _fam(c) == fam)
        for ti in range(n_t):
            passing = [m for m in ms if prob.memo[_cand(fam, m)].ok[ti]]
            if passing:
                mp = min(passing)
                failing = [m for m in ms if m < mp]
                brackets[(ti, fam)] = (max(failing) if failing else lo - 1, mp)
    best = list(best0) if best0 is not None else [None] * n_t
    best_usd = [prob.memo[b].usd if b is not None else math.inf for b in best]
    while True:
        for (ti, fam), (_, mp) in brackets.items():
            cand = _cand(fam, mp)
            usd = prob.memo[cand].usd
            # cheaper by more than half a cent wins; within it, the one closer to the configuration
            if usd < best_usd[ti] - _TIE_USD or (abs(usd - best_usd[ti]) <= _TIE_USD and best[ti] is not None
                                                  and prob.distance(cand) < prob.distance(best[ti])):
                best[ti], best_usd[ti] = cand, min(usd, best_usd[ti])
        todo = []
        for (ti, fam), (mf, mp) in brackets.items():
            if mp - mf <= 1:
                continue
            lower = prob.memo[_cand(fam, mf)].usd if mf >= lo else 0.0
            if lower >= best_usd[ti]:
                continue                      # nothing in this bracket can be cheaper
            pts = np.unique(np.linspace(mf, mp, _REFINE_POINTS + 2).round().astype(int))[1:-1]
            todo += [_cand(fam, int(m)) for m in pts if mf < m < mp]
        if not todo:
            break
        prob.evaluate(todo)
        _best_of_memo(prob, families, best, best_usd)
        seen: dict = {}
        for c in todo:
            seen.setdefault(_fam(c), set()).add(c.min_units)
        for (ti, fam), (mf, mp) in list(brackets.items()):
            inside = sorted(m for m in seen.get(fam, ()) if mf < m < mp)
            if not inside:
                continue
            passing = [m for m in inside if prob.memo[_cand(fam, m)].ok[ti]]
            mp2 = min(passing) if passing else mp
            mf2 = max([m for m in inside if m < mp2] + [mf])
            brackets[(ti, fam)] = (mf2, mp2)
    _best_of_memo(prob, families, best, best_usd)
    return best


def _best_of_memo(prob: _ContainerProblem, families: list, best: list, best_usd: list) -> None:
    """Any evaluated candidate of these families that passes a target and is cheaper than the
    best found for it (a candidate evaluated for a tighter target passes the looser ones too)."""
    fams = set(families)
    for c, res in prob.memo.items():
        if _fam(c) not in fams:
            continue
        for ti in np.flatnonzero(res.ok):
            if res.usd < best_usd[ti] - _TIE_USD or (abs(res.usd - best_usd[ti]) <= _TIE_USD and best[ti] is not None
                                                      and prob.distance(c) < prob.distance(best[ti])):
                best[ti], best_usd[ti] = c, min(res.usd, best_usd[ti])


def _fargate_memory(prices: Prices, vcpu: float, gb_per_vcpu: float) -> float | None:
    sizes = prices.fargate_task_sizes
    match = [v for v in sizes if math.isclose(v, vcpu)]
    if not match:
        return None
    ok = [g for g in sizes[match[0]] if g >= gb_per_vcpu * vcpu - 1e-9]
    return float(min(ok)) if ok else None


def _families(prob: _ContainerProblem, units: list[int], cfg_target: float, cfg_cooldown: float
              ) -> tuple[list, dict]:
    targets = sorted(set(CONTAINER_TARGETS) | {round(cfg_target, 4)})
    cooldowns = sorted({cfg_cooldown, 60.0})
    families = []
    m_hi = {}
    for ui in units:
        cap = prob.units[ui].capacity_rps
        for t in targets:
            m_hi[(ui, t)] = max(prob.min_floor, math.ceil(prob.peak / (cap * 0.5)) + 1) if prob.peak > 0 \
                else prob.min_floor
            for cd in cooldowns:
                families.append((ui, t, cd, False))
                if prob.windows(ui, t):
                    families.append((ui, t, cd, True))
    return families, m_hi


def _container_search(sc: Scenario, sl: ServiceLevel, targets_ms: np.ndarray, prices: Prices,
                      cmp: Comparison) -> dict:
    """Fargate, then EC2 instances packing tasks of the Fargate task size chosen for the
    first target: {platform: (problem, chosen candidate per target, configuration)}."""
    rate, step, start = cmp.rate_rps, cmp.step_s, cmp.start
    far, ec2 = sc.containers["fargate"], sc.containers["ec2"]
    work = sc.work
    # the architecture and instance type the comparison prices (a same-family counterpart of
    # the declared type when the workload's architecture differs)
    arch = cmp.setup.fargate_architecture if cmp.setup is not None else (far.get("architecture") or work.architecture)
    itype = cmp.setup.ec2_instance_type if cmp.setup is not None else ec2["instance_type"]
    v0, m0 = float(far["vcpu"]), float(far["memory_gb"])
    inst = prices.instance_type(itype)
    cap_per_vcpu = 1000.0 / float(work.cpu_ms_per_request)

    # --- Fargate: the configured size and larger ones (that an EC2 instance can also run)
    sizes = [(v0, m0)]
    for v in FARGATE_VCPUS:
        if v0 + 1e-9 < v <= float(inst["vcpu"]) + 1e-9:
            mem = _fargate_memory(prices, v, m0 / v0)
            if mem is not None:
                sizes.append((v, mem))
    f_units = [_Unit(v, m, 1, v * cap_per_vcpu,
                     fargate_usd_per_task_s(v, m, architecture=arch, prices=prices), float(far["task_start_s"]))
               for v, m in sizes]
    f_cfg: dict[str, Any] = {"min_tasks": int(far["min_tasks"]), "max_tasks": int(far["max_tasks"]),
             "target_utilisation": float(far["target_utilisation"]),
             "scale_out_cooldown_s": float(far["scale_out_cooldown_s"]), "vcpu": v0, "memory_gb": m0,
             "scheduled_min_tasks": list(far.get("scheduled_min_tasks") or [])}
    fprob = _ContainerProblem(sc, sl, targets_ms, "fargate", f_units, rate, step, start, far, far)
    fams, m_hi = _families(fprob, [0], f_cfg["target_utilisation"], f_cfg["scale_out_cooldown_s"])
    f_best = _search(fprob, fams, m_hi)
    # larger task sizes with the settings that won at each target
    if len(f_units) > 1:
        alt_fams: list[tuple] = []
        alt_hi: dict[tuple, int] = {}
        for b in f_best:
            if b is None:
                continue
            for i in range(1, len(f_units)):
                alt_fams.append((i, b.target, b.cooldown_s, b.sched))
                alt_hi[(i, b.target)] = max(alt_hi.get((i, b.target), 0), fprob.min_floor, math.ceil(
                    b.min_units * f_units[0].capacity_rps / f_units[i].capacity_rps) + 1)
        if alt_fams:
            f_best = _search(fprob, list(dict.fromkeys(alt_fams)), alt_hi, best0=f_best)
    out = {"fargate": (fprob, f_best, f_cfg)}

    # --- EC2: instances packing tasks of the (right-sized) Fargate task size
    b0 = f_best[0]
    vt, mt = (f_units[b0.unit].vcpu, f_units[b0.unit].memory_gb) if b0 is not None else (v0, m0)
    packed = int(min(float(inst["vcpu"]) // vt, float(inst["memory_gib"]) // mt)) or 1
    tpi_cfg = int(ec2["tasks_per_instance"])
    e_usd = ec2_usd_per_hour(itype, "on_demand", prices) / 3600.0
    counts = ([tpi_cfg] if tpi_cfg * vt <= float(inst["vcpu"]) + 1e-9 else []) + [packed]
    e_units = [_Unit(vt, mt, n, n * vt * cap_per_vcpu, e_usd, float(ec2["boot_s"])) for n in dict.fromkeys(counts)]
    e_cfg: dict[str, Any] = {"min_instances": int(ec2["min_instances"]), "max_instances": _ec2_max(sc),
             "tasks_per_instance": int(ec2["tasks_per_instance"]),
             "target_utilisation": float(ec2.get("target_utilisation") or far["target_utilisation"]),
             "scale_out_cooldown_s": float(ec2.get("scale_out_cooldown_s") or far["scale_out_cooldown_s"]),
             "scheduled_min_instances": list(ec2.get("scheduled_min_instances") or [])}
    eprob = _ContainerProblem(sc, sl, targets_ms, "ec2", e_units, rate, step, start, ec2, far)
    fams, m_hi = _families(eprob, list(range(len(e_units))), e_cfg["target_utilisation"],
                           e_cfg["scale_out_cooldown_s"])
    out["ec2"] = (eprob, _search(eprob, fams, m_hi), e_cfg)
    return out


def _ec2_max(sc: Scenario) -> int:
    """The EC2 fleet's configured maximum (as :func:`costmodel.analysis.compare.scaling_policies` derives it)."""
    ec2, far = sc.containers["ec2"], sc.containers["fargate"]
    return int(ec2.get("max_instances") or max(int(ec2["min_instances"]),
                                                -(-int(far["max_tasks"]) // int(ec2["tasks_per_instance"]))))


def _container_sizing(sc: Scenario, sl: ServiceLevel, prob: _ContainerProblem, best: _Cand | None, cfg: dict,
                      cmp: Comparison) -> OptionSizing:
    """The record of one platform at the first target: the chosen candidate, the
    configuration as given (judged at the scenario's own step), and what changed."""
    platform = prob.platform
    note = ""
    chosen = best
    if chosen is None:
        chosen = prob.closest(0)
        note = "no configuration searched meets the service level; the closest one is kept"
    u = prob.units[chosen.unit]
    wins = prob.windows(chosen.unit, chosen.target) if chosen.sched else ()
    max_u = prob.max_units(chosen)
    res_cfg = cmp.fargate if platform == "fargate" else cmp.ec2
    cfg_ex, cfg_to, cfg_lat = _judge_fleet(prob, res_cfg.ready_units, res_cfg.capacity_rps, cmp.step_s, cmp.rate_rps)
    if platform == "fargate":
        cfg_usd = float(res_cfg.unit_seconds) * fargate_usd_per_task_s(
            cfg["vcpu"], cfg["memory_gb"], architecture=cmp.setup.fargate_architecture if cmp.setup is not None
            else (sc.containers["fargate"].get("architecture") or sc.work.architecture), prices=sc.prices())
        units_word, unit_key = "tasks", "min_tasks"
    else:
        cfg_usd = float(res_cfg.unit_seconds) * u.usd_per_unit_s
        units_word, unit_key = "instances", "min_instances"
    cfg_usd += prob.network_usd(float(res_cfg.unit_seconds), float(res_cfg.launches))
    sched_list = [{"start": format_hhmm(a), "end": format_hhmm(b), unit_key: n} for a, b, n in wins]
    if platform == "fargate":
        sized = {"min_tasks": chosen.min_units, "max_tasks": max(max_u, cfg["max_tasks"]),
                 "target_utilisation": chosen.target, "scale_out_cooldown_s": chosen.cooldown_s,
                 "vcpu": u.vcpu, "memory_gb": u.memory_gb, "scheduled_min_tasks": sched_list}
        prefix = "containers.fargate."
    else:
        sized = {"min_instances": chosen.min_units, "max_instances": max(max_u, cfg["max_instances"]),
                 "tasks_per_instance": u.tasks_per_instance, "target_utilisation": chosen.target,
                 "scale_out_cooldown_s": chosen.cooldown_s, "scheduled_min_instances": sched_list}
        prefix = "containers.ec2."
    overrides = {prefix + k: v for k, v in sized.items() if v != cfg.get(k)}
    if platform == "ec2":   # explicit where it used to follow the Fargate policy, which may change too
        overrides[prefix + "target_utilisation"] = chosen.target
        overrides[prefix + "scale_out_cooldown_s"] = chosen.cooldown_s
        overrides[prefix + "tasks_per_instance"] = u.tasks_per_instance
    res = prob.memo[chosen]
    run = simulate_scaling(prob.rate, prob.step, prob.policy(chosen), min_units_schedule=prob.schedule(chosen))
    lat = _judge_fleet(prob, run.ready_units, run.capacity_rps, prob.step, prob.rate)[2]
    return OptionSizing(
        platform=platform, meets=bool(res.ok[0]),
        configured_meets=bool(cfg_ex <= sl.allowed_exceedance + 1e-12 and cfg_to <= sl.max_failed_fraction + 1e-12),
        latency_ms=lat, configured_latency_ms=cfg_lat, exceedance=float(res.exceed[0]), configured_exceedance=cfg_ex,
        failed_fraction=res.timed, configured_failed_fraction=cfg_to, compute_usd=res.usd,
        configured_compute_usd=cfg_usd, configured=cfg, sized=sized,
        changes=tuple(_container_changes(cfg, sized, platform, units_word)), overrides=overrides,
        candidates=len(prob.memo), note=note)


def _judge_fleet(prob: _ContainerProblem, ready: np.ndarray, capacity_rps: np.ndarray, step: float,
                 rate: np.ndarray) -> tuple[float, float, float]:
    """(share slow, share timed out, percentile [ms]) of a simulated fleet, at its own step."""
    cap_unit = np.divide(capacity_rps, ready, out=np.zeros_like(capacity_rps, dtype=float), where=ready > 0)
    per_unit = float(cap_unit.max()) if cap_unit.size else 0.0
    q = ContainerQueue(rate, step, prob.dur, request_slots(ready, per_unit, prob.w), timeout_s=prob.timeout)
    ex = float(q.exceedance(prob.sl.latency_target_ms)[0])
    return ex, float(q.timed_out()[0]), float(q.percentile_ms(prob.sl.percentile)[0])


def _container_changes(cfg: dict, sized: dict, platform: str, units_word: str) -> list[str]:
    out = []
    mk = "min_tasks" if platform == "fargate" else "min_instances"
    xk = "max_tasks" if platform == "fargate" else "max_instances"
    d = sized[mk] - cfg[mk]
    if d:
        out.append(f"{d:+,d} minimum {units_word} ({cfg[mk]:,} -> {sized[mk]:,})")
    if sized[xk] != cfg[xk]:
        out.append(f"maximum {units_word} {cfg[xk]:,} -> {sized[xk]:,} (what the peak needs at the target)")
    if abs(sized["target_utilisation"] - cfg["target_utilisation"]) > 1e-9:
        out.append(f"target utilisation {cfg['target_utilisation']:.0%} -> {sized['target_utilisation']:.0%}")
    if abs(sized["scale_out_cooldown_s"] - cfg["scale_out_cooldown_s"]) > 1e-9:
        out.append(f"scale-out cooldown {cfg['scale_out_cooldown_s']:g} s -> {sized['scale_out_cooldown_s']:g} s")
    if platform == "fargate" and (sized["vcpu"], sized["memory_gb"]) != (cfg["vcpu"], cfg["memory_gb"]):
        out.append(f"task size {cfg['vcpu']:g} vCPU / {cfg['memory_gb']:g} GB -> "
                   f"{sized['vcpu']:g} vCPU / {sized['memory_gb']:g} GB")
    if platform == "ec2" and sized["tasks_per_instance"] != cfg["tasks_per_instance"]:
        out.append(f"tasks per instance {cfg['tasks_per_instance']} -> {sized['tasks_per_instance']} "
                   "(packs the instance's vCPU and memory)")
    sk = "scheduled_min_tasks" if platform == "fargate" else "scheduled_min_instances"
    if sized[sk] != cfg[sk]:
        if sized[sk]:
            nk = f"min_{units_word}"
            wins = sized[sk]
            shown = ", ".join(f"{w[nk]:,} from {w['start']}-{w['end']}" for w in wins[:3])
            more = f" and {len(wins) - 3} more windows" if len(wins) > 3 else ""
            out.append(f"scheduled scaling: minimum {units_word} {shown}{more} UTC daily (predictable peaks)")
        else:
            out.append("scheduled minimums removed (not needed)")
    return out


# =========================================================================== Lambda
def _lambda_memories(sc: Scenario) -> list[float]:
    pt = sc.lambda_.get("power_tuning") or {}
    m_cfg = lambda_memory_mb(sc)
    curve = pt.get("duration_ms_by_memory_mb")
    if curve:
        return sorted({float(m) for m in curve} | {m_cfg})
    if float(pt.get("cpu_bound_fraction", 0.0)) > 0:
        floor = float(sc.work.memory_mb)       # the working set configured for the function
        return sorted({float(m) for m in LAMBDA_MEMORY_MB if m >= floor} | {m_cfg})
    return [m_cfg]


@dataclass
class _LambdaEval:
    memory_mb: float
    work: Work
    limit: int
    pc: int
    hours: tuple        # hours of the day (UTC) PC is on; all 24 = always
    usd: float
    exceed: np.ndarray  # per target
    failed: float
    ok: np.ndarray      # per target


class _FastRuns:
    """The fast cold-start model on one series, memoised by (mean duration, cap, PC)."""

    def __init__(self, rate: np.ndarray, step: float, keep_alive_s: float, init_s: float, arrivals: str) -> None:
        self.rate, self.step, self.keep, self.init_s, self.arrivals = rate, step, keep_alive_s, init_s, arrivals
        self.memo: dict = {}

    def run(self, w_s: float, limit: int, pc: int) -> Any:
        key = (round(w_s, 12), int(limit), int(pc))
        if key not in self.memo:
            self.memo[key] = fast_cold_starts(self.rate, self.step, w_s, self.keep, init_mean_s=self.init_s,
                                              concurrency_limit=max(int(limit), 1),
                                              provisioned_concurrency=min(int(pc), max(int(limit), 1)),
                                              arrivals=self.arrivals)
        return self.memo[key]


class _LambdaProblem:
    """Lambda's month at 1-minute resolution (as its bill models cold starts) and the pieces
    every configuration's judgement shares."""

    def __init__(self, sc: Scenario, sl: ServiceLevel, targets_ms: np.ndarray, prices: Prices,
                 cmp: Comparison) -> None:
        lam = sc.lambda_
        self.sc, self.sl, self.prices, self.cmp = sc, sl, prices, cmp
        self.targets = np.asarray(targets_ms, dtype=float)
        self.rate, self.step, self.start = cmp.rate_rps, cmp.step_s, cmp.start
        r1, s1 = self.rate, self.step
        if s1 < 60.0 and (60.0 / s1).is_integer() and r1.size % int(60.0 / s1) == 0:
            r1, s1 = r1.reshape(-1, int(60.0 / s1)).mean(axis=1), 60.0
        self.r1, self.s1 = r1, s1
        self.req = r1 * s1
        self.keep = float(lam["keep_alive_s"])
        self.init_ms = float(lam["init_duration_ms"])
        self.account = int(lam["concurrency_limit"])
        self.reserved = lam.get("reserved_concurrency")
        self.cfg_limit = int(self.reserved) if self.reserved is not None else self.account
        self.queue = sl.kind == "queue_worker"
        self.pc_rule = "erlang" if cmp.arrivals == "poisson" else "fluid"   # as option_bills bills PC
        self.hours_of_step = _hours_of_day(r1.size, s1, self.start)
        self.fast = _FastRuns(r1, s1, self.keep, self.init_ms / 1000.0, cmp.arrivals)
        self._models: dict = {}

    def model(self, work: Work) -> LambdaLatencyModel:
        key = round(work.duration.mean_ms, 9)
        if key not in self._models:
            self._models[key] = LambdaLatencyModel.build(latency_duration(work.duration), self.init_ms, top_s=2.0)
        return self._models[key]

    def bill_usd(self, work: Work, limit: int, pc: int, hours: tuple, cold_total: float) -> float:
        """The month's Lambda bill of a configuration, as the comparison bills it."""
        lam = self.sc.lambda_
        res = lambda_on_traffic(self.rate, self.step, work, free_tier=bool(lam["free_tier"]), keep_alive_s=self.keep,
                                init_duration_ms=self.init_ms, cold_starts=cold_total, provisioned_concurrency=pc,
                                pc_schedule=_hours_schedule(hours) if pc else "none", timezone="UTC",
                                start=self.start, concurrency_limit=self.account if self.reserved is not None
                                else max(limit, self.account),
                                reserved_concurrency=None if self.reserved is None else limit,
                                ephemeral_storage_mb=float(lam["ephemeral_storage_mb"]), prices=self.prices,
                                arrivals=self.cmp.arrivals, pc_share=self.pc_rule)
        return res.bill.total_usd

    def pc_served_share(self, pc: int, conc: np.ndarray) -> np.ndarray:
        """Share of each step's requests a PC count serves while on, as the bill counts it: the
        Erlang loss system's ``1 - B(PC, concurrency)`` for Poisson arrivals, the fluid
        ``min(1, PC / concurrency)`` for exact counts per step."""
        if self.pc_rule == "erlang":
            return 1.0 - erlang_b_batch(pc, conc)
        return np.minimum(1.0, pc / np.maximum(conc, 1e-300))

    def step_parts(self, work: Work, limit: int, pc: int, hours: tuple) -> tuple:
        """(cold share per step, throttle share per step, queue wait per step or None)."""
        w_s = work.duration.mean_ms / 1000.0
        f0 = self.fast.run(w_s, limit, 0)
        cold = f0.cold_start_fraction_per_step
        if pc and hours:
            fp = self.fast.run(w_s, limit, pc)
            cold = np.where(np.isin(self.hours_of_step, hours), fp.cold_start_fraction_per_step, cold)
        thr = np.zeros_like(cold) if self.queue else f0.throttle_fraction_per_step
        extra = _queue_wait_s(self.r1, self.s1, w_s, limit) if self.queue else None
        return cold, thr, extra

    def judge(self, work: Work, limit: int, pc: int, hours: tuple) -> tuple[np.ndarray, float]:
        """(share slower than each target, share failed)."""
        cold, thr, extra = self.step_parts(work, limit, pc, hours)
        return lambda_exceedance(self.model(work), self.r1, self.s1, self.targets, cold_fraction=cold,
                                 throttle_fraction=thr, extra_delay_s=extra)

    def percentile(self, work: Work, limit: int, pc: int, hours: tuple) -> float:
        cold, thr, extra = self.step_parts(work, limit, pc, hours)
        model = self.model(work)

        def ex_at(ts: np.ndarray) -> np.ndarray:
            return lambda_exceedance(model, self.r1, self.s1, ts, cold_fraction=cold, throttle_fraction=thr,
                                     extra_delay_s=extra)[0]

        low = max(0.01, 0.999 * float(model.x_s[np.searchsorted(model.warm_cdf, self.sl.percentile / 100.0)])
                  * 1000.0)
        return percentile_from_exceedance(ex_at, self.sl.percentile, low, 86_400_000.0)


def _lambda_search(prob: _LambdaProblem) -> list:
    """The cheapest Lambda configuration per target (or the closest when none meets it)."""
    sc, sl = prob.sc, prob.sl
    n_t = prob.targets.size
    evals: list[_LambdaEval] = []
    best: list = [None] * n_t
    for mem in sorted(_lambda_memories(sc), key=lambda m: m * lambda_duration_factor(sc, m)):   # GB-s order
        factor = lambda_duration_factor(sc, mem)
        dist = sc.work.duration.scaled(factor) if factor != 1.0 else sc.work.duration
        work = Work(duration=dist, cpu_ms_per_request=sc.work.cpu_ms_per_request, memory_mb=mem,
                    architecture=sc.work.architecture)
        w_s = dist.mean_ms / 1000.0
        limit = _needed_limit(prob.r1, prob.s1, w_s, prob.cfg_limit, sl, prob.queue)
        f0 = prob.fast.run(w_s, limit, 0)
        ex0, fail0 = prob.judge(work, limit, 0, ())
        usd0 = prob.bill_usd(work, limit, 0, (), float(f0.cold_starts.sum()))
        cands = [_LambdaEval(mem, work, limit, 0, (), usd0, ex0, fail0, _oks(sl, ex0, fail0))]
        if cands[0].ok.any():
            # provisioned concurrency as a saving: at a steady base load an always-on PC count
            # bills less than the same work on demand; PC only removes cold starts, so the
            # targets met without it stay met
            conc0 = prob.r1 * w_s
            p_cost, usd_cost = _cheapest_always_on_pc(prob, work, limit, f0, conc0)
            if p_cost and usd_cost < usd0 - _TIE_USD:
                cands.append(_LambdaEval(mem, work, limit, p_cost, tuple(range(24)), usd_cost, ex0, fail0,
                                         cands[0].ok.copy()))
        unmet = ~cands[0].ok
        if unmet.any() and fail0 <= sl.max_failed_fraction + 1e-12:
            # provisioned concurrency: always on, or the hours where it saves the most slow requests
            conc = prob.r1 * w_s
            model = prob.model(work)
            cold0, thr, extra = prob.step_parts(work, limit, 0, ())
            peak = max(1, int(math.ceil(float(conc.max()))))
            p = 1
            while p <= min(2 * peak, max(limit, 1)) and unmet.any():
                fp = prob.fast.run(w_s, limit, p)
                share_all = prob.pc_served_share(p, conc)
                for tj in np.flatnonzero(unmet).tolist():
                    x_t = prob.targets[tj]
                    e_off = prob.req * _per_step_exceedance(model, x_t, cold0, thr, extra)
                    e_on = prob.req * _per_step_exceedance(model, x_t, fp.cold_start_fraction_per_step, thr, extra)
                    hours = _greedy_hours(e_off, e_on, prob.hours_of_step, sl.allowed_exceedance * prob.req.sum())
                    for hs in dict.fromkeys([tuple(range(24))] + ([hours] if hours else [])):
                        on = np.isin(prob.hours_of_step, hs)
                        cold_bill = float((f0.cold_starts * (1.0 - np.where(on, share_all, 0.0))).sum())
                        usd = prob.bill_usd(work, limit, p, hs, cold_bill)
                        ex, fail = prob.judge(work, limit, p, hs)
                        cands.append(_LambdaEval(mem, work, limit, p, hs, usd, ex, fail, _oks(sl, ex, fail)))
                unmet = ~np.any([c.ok for c in cands], axis=0)
                p *= 2
        evals += cands
        for ti in range(n_t):
            ok = [c for c in cands if c.ok[ti]]
            if ok:
                pick = min(ok, key=lambda c: c.usd)
                if best[ti] is None or pick.usd < best[ti].usd - _TIE_USD:
                    best[ti] = pick
    for ti in range(n_t):
        if best[ti] is None:
            # none meets it: the configuration with the lowest percentile (then the fewest slow
            # requests, then the cheapest) is the closest
            lowest = min(c.exceed[ti] + c.failed for c in evals)
            near = [c for c in evals if c.exceed[ti] + c.failed <= lowest + 0.5] or evals
            best[ti] = min(near, key=lambda c: (prob.percentile(c.work, c.limit, c.pc, c.hours),
                                                c.exceed[ti] + c.failed, c.usd))
    return best


def _cheapest_always_on_pc(prob: _LambdaProblem, work: Work, limit: int, f0: Any, conc: np.ndarray
                           ) -> tuple[int, float]:
    """The always-on provisioned-concurrency count that makes the month's Lambda bill the
    lowest (0 when none beats on demand): a log grid up to the 90th percentile of
    concurrency, then an integer ternary search around the best point (the bill is convex
    in the count: each environment is either busy enough to pay for itself or not). The
    share PC serves is the Erlang loss system's for Poisson arrivals
    (:meth:`_LambdaProblem.pc_served_share`): one PC environment at a mean concurrency of 1
    serves half the requests, and bills more than the same work on demand."""
    top = min(int(math.ceil(float(np.quantile(conc, 0.9)))), max(limit, 1))
    if top < 1:
        return 0, math.inf
    memo: dict[int, float] = {}

    def usd(p: int) -> float:
        if p not in memo:
            share = prob.pc_served_share(p, conc)
            memo[p] = prob.bill_usd(work, limit, p, tuple(range(24)), float((f0.cold_starts * (1.0 - share)).sum()))
        return memo[p]

    grid = sorted({int(v) for v in np.round(np.geomspace(1, top, min(top, 10)))})
    best = min(grid, key=usd)
    i = grid.index(best)
    lo, hi = (grid[i - 1] if i > 0 else 1), (grid[i + 1] if i + 1 < len(grid) else best)
    while hi - lo > 2:
        m1, m2 = lo + (hi - lo) // 3, hi - (hi - lo) // 3
        if usd(m1) <= usd(m2):
            hi = m2
        else:
            lo = m1
    best = min(range(lo, hi + 1), key=usd)
    return best, usd(best)


def _oks(sl: ServiceLevel, exceed: np.ndarray, failed: float) -> np.ndarray:
    return (np.asarray(exceed) <= sl.allowed_exceedance + 1e-12) & (failed <= sl.max_failed_fraction + 1e-12)


def _per_step_exceedance(model: LambdaLatencyModel, target_ms: float, cold: np.ndarray, thr: np.ndarray,
                         extra: np.ndarray | None) -> np.ndarray:
    """P(L > target) per step (served requests), as :func:`lambda_exceedance` mixes it."""
    x = target_ms / 1000.0 - (0.0 if extra is None else extra)
    served = np.maximum(1.0 - thr, 1e-300)
    pc = np.clip(cold / served, 0.0, 1.0)
    if not np.any(thr > 0):
        sw, sc_ = model.tails(x)
        return (1.0 - pc) * sw + pc * sc_
    out = np.zeros(cold.size)
    ok = np.maximum(1.0 - thr ** 3, 1e-300)
    for r in range(3):
        sw, sc_ = model.tails(x - 0.1 * (2.0 ** r - 1.0))
        out += thr ** r * (1.0 - thr) / ok * ((1.0 - pc) * sw + pc * sc_)
    return out


def _lambda_sizing(prob: _LambdaProblem, best: _LambdaEval) -> OptionSizing:
    """The record of Lambda at the first target: chosen, as configured, what changed."""
    sc, sl = prob.sc, prob.sl
    pc_cfg = sc.lambda_["provisioned_concurrency"]
    cfg_mem = lambda_memory_mb(sc)
    factor = lambda_duration_factor(sc)
    cfg_work = Work(sc.work.duration.scaled(factor) if factor != 1.0 else sc.work.duration,
                    sc.work.cpu_ms_per_request, cfg_mem, sc.work.architecture)
    cfg_hours = _pc_hours(pc_cfg, prob.r1.size, prob.s1, prob.start)
    cfg_ex, cfg_fail = prob.judge(cfg_work, prob.cfg_limit, int(pc_cfg["count"]), cfg_hours)
    cfg_lat = prob.percentile(cfg_work, prob.cfg_limit, int(pc_cfg["count"]), cfg_hours)
    lat = prob.percentile(best.work, best.limit, best.pc, best.hours)
    meets = bool(best.ok[0])
    account, reserved = prob.account, prob.reserved
    sized = {"memory_mb": best.memory_mb, "provisioned_concurrency": best.pc,
             "pc_hours": _hours_text(best.hours) if best.pc else "",
             "concurrency_limit": max(best.limit, account) if reserved is None else account,
             "reserved_concurrency": None if reserved is None else best.limit}
    configured = {"memory_mb": cfg_mem, "provisioned_concurrency": int(pc_cfg["count"]),
                  "pc_hours": _hours_text(cfg_hours) if int(pc_cfg["count"]) else "",
                  "concurrency_limit": account, "reserved_concurrency": reserved}
    overrides: dict = {}
    changes = []
    if best.memory_mb != cfg_mem:
        overrides["lambda.memory_mb"] = best.memory_mb
        changes.append(f"memory {cfg_mem:,.0f} MB -> {best.memory_mb:,.0f} MB (mean duration "
                       f"{cfg_work.duration.mean_ms:,.0f} ms -> {best.work.duration.mean_ms:,.0f} ms)")
    if best.pc != int(pc_cfg["count"]) or (best.pc and sized["pc_hours"] != configured["pc_hours"]):
        if best.pc:
            sched: Any = "always" if len(best.hours) == 24 else _hours_windows(best.hours)
            overrides["lambda.provisioned_concurrency"] = {"count": best.pc, "schedule": sched, "timezone": "UTC"}
            why = " (bills less than the same work on demand)" if bool(_oks(sl, cfg_ex[:1], cfg_fail)[0]) else ""
            changes.append(f"provisioned concurrency {best.pc:,} {_hours_text(best.hours)}{why}")
        else:
            overrides["lambda.provisioned_concurrency"] = {"count": 0, "schedule": "none", "timezone": "UTC"}
            changes.append(f"provisioned concurrency {int(pc_cfg['count']):,} removed (not needed)")
    if reserved is not None and best.limit != int(reserved):
        overrides["lambda.reserved_concurrency"] = best.limit
        changes.append(f"reserved concurrency {int(reserved):,} -> {best.limit:,} (throttling within the budget)")
    elif reserved is None and best.limit > account:
        overrides["lambda.concurrency_limit"] = best.limit
        changes.append(f"account concurrency quota {account:,} -> {best.limit:,} (request it; free)")
    return OptionSizing(
        platform="lambda", meets=meets, configured_meets=bool(_oks(sl, cfg_ex[:1], cfg_fail)[0]), latency_ms=lat,
        configured_latency_ms=cfg_lat, exceedance=float(best.exceed[0]), configured_exceedance=float(cfg_ex[0]),
        failed_fraction=best.failed, configured_failed_fraction=cfg_fail, compute_usd=best.usd,
        configured_compute_usd=prob.cmp.lambda_result.bill.total_usd, configured=configured, sized=sized,
        changes=tuple(changes), overrides=overrides, candidates=len(prob.fast.memo),
        note="" if meets else "no configuration searched meets the service level; the closest one is kept")


def _needed_limit(rate: np.ndarray, step: float, w_s: float, limit: int, sl: ServiceLevel, queue: bool) -> int:
    """The smallest concurrency cap >= ``limit`` that keeps throttling (after two client
    retries; Erlang B per step) within the failure budget. A queue worker's cap only delays
    messages: it is raised until the backlog's wait exceeds a tenth of the age target for
    at most a tenth of the allowed share of messages."""
    a = rate * w_s
    req = rate * step
    tot = req.sum()
    if tot <= 0:
        return limit

    def failed(cap: int) -> float:
        if queue:
            wait = _queue_wait_s(rate, step, w_s, cap)
            return float((req * (wait > sl.latency_target_ms / 10000.0)).sum() / tot)
        b = erlang_b_batch(np.full(a.size, float(cap)), a)
        return float((req * b ** 3).sum() / tot)

    budget = sl.allowed_exceedance / 10.0 if queue else sl.max_failed_fraction
    if failed(limit) <= budget:
        return limit
    hi = max(limit, 1)
    while failed(hi) > budget:
        hi *= 2
    lo = hi // 2 if hi > limit else limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if failed(mid) <= budget:
            hi = mid
        else:
            lo = mid
    return int(hi)


def _queue_wait_s(rate: np.ndarray, step: float, w_s: float, cap: int) -> np.ndarray:
    """A queue worker's wait per step while concurrency is capped: the fluid backlog over
    ``cap / w`` messages per second [s]."""
    return fluid_backlog_delay_s(rate, np.full(rate.size, cap / max(w_s, 1e-12)), step)


def _hours_of_day(n: int, step: float, start: Any) -> np.ndarray:
    ts = pd.Timestamp(start)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
    sod = ts.hour * 3600.0 + ts.minute * 60.0 + ts.second
    return (((sod + np.arange(n) * step) % 86400.0) // 3600.0).astype(int)


def _greedy_hours(e_off: np.ndarray, e_on: np.ndarray, hours: np.ndarray, budget: float) -> tuple:
    """Hours of the day with PC on, in order of slow requests saved, until within budget."""
    gain = np.bincount(hours, weights=e_off - e_on, minlength=24)
    total = float(e_off.sum())
    chosen = []
    for h in np.argsort(-gain, kind="stable"):
        if total <= budget or gain[h] <= 0:
            break
        chosen.append(int(h))
        total -= float(gain[h])
    return tuple(sorted(chosen)) if total <= budget else ()


def _hours_windows(hours: tuple) -> list:
    """(8, 9, ..., 19) -> [{'start': '08:00', 'end': '20:00'}] (runs of hours, wrapping midnight)."""
    hs = sorted(set(hours))
    if len(hs) == 24:
        return [{"start": "00:00", "end": "24:00"}]
    runs: list[list[int]] = []
    for h in hs:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 23:
        runs[0] = runs.pop() + runs[0]
    return [{"start": f"{r[0]:02d}:00", "end": "24:00" if r[-1] == 23 else f"{r[-1] + 1:02d}:00"} for r in runs]


def _hours_text(hours: tuple) -> str:
    """'from 08:00-20:00 UTC daily'; most of the day reads as the hours it is off."""
    if not hours or len(hours) == 24:
        return "always on"
    if len(set(hours)) > 12:
        off = tuple(h for h in range(24) if h not in set(hours))
        return "always on except " + ", ".join(f"{w['start']}-{w['end']}" for w in _hours_windows(off)) + " UTC"
    return "from " + ", ".join(f"{w['start']}-{w['end']}" for w in _hours_windows(hours)) + " UTC daily"


def _hours_schedule(hours: tuple) -> Any:
    if not hours or len(hours) == 24:
        return "always"
    return [(int(w["start"][:2]), int(w["end"][:2])) for w in _hours_windows(hours)]


def _pc_hours(pc: dict, n: int, step: float, start: Any) -> tuple:
    """The hours of the day a configured PC schedule covers (business hours count as their
    hours every day: the latency side of the weekday schedule is approximated)."""
    if not int(pc["count"]):
        return ()
    mask = provisioned_schedule(n, step, pc["schedule"], start=start, timezone=pc.get("timezone", "UTC"))
    hrs = _hours_of_day(n, step, start)
    return tuple(sorted(set(hrs[mask].tolist())))


# =========================================================================== orchestration
def right_size(scenario: ScenarioSource = None, service_level: ServiceLevel | None = None) -> RightSizing:
    """Size Lambda, Fargate and EC2 to a service level on the scenario's month of traffic.

    Parameters
    ----------
    scenario : path, dict, Scenario or None
    service_level : ServiceLevel, optional
        Default: the scenario's (:func:`costmodel.scenario.service_level.service_level_of`).

    Returns
    -------
    RightSizing
        Computed once per scenario object and service level (:meth:`Scenario.cached`).
    """
    sc = load_scenario(scenario)
    sl = service_level if service_level is not None else service_level_of(sc)
    return sc.cached(("right_size", sl), lambda: _right_size(sc, sl))


def _right_size(sc: Scenario, sl: ServiceLevel) -> RightSizing:
    t0 = time.perf_counter()
    cmp = compare(sc)
    prices = sc.prices()
    if cmp.rate_rps.sum() <= 0:
        raise ScenarioError("right-sizing needs some traffic: the scenario's month has no requests")
    targets = np.array([sl.latency_target_ms])
    lprob = _LambdaProblem(sc, sl, targets, prices, cmp)
    options = {"lambda": _lambda_sizing(lprob, _lambda_search(lprob)[0])}
    for platform, (prob, best, cfg) in _container_search(sc, sl, targets, prices, cmp).items():
        options[platform] = _container_sizing(sc, sl, prob, best[0], cfg, cmp)
    overrides: dict = {}
    for o in options.values():
        overrides.update(o.overrides)
    variant = sc.with_overrides(overrides) if overrides else sc
    return RightSizing(service_level=sl, options=options, scenario=variant, overrides=overrides,
                       elapsed_s=time.perf_counter() - t0)


@dataclass(frozen=True)
class TargetSizing:
    """Every option right-sized at each of several latency targets (:func:`size_at_targets`).

    Attributes
    ----------
    targets_ms : numpy.ndarray
        The latency targets [ms], in the order given.
    monthly_usd : pandas.DataFrame
        Index ``target_ms``, one column per option of the comparison: the monthly bill of
        the option right-sized to that target (compute priced by the same bills as the
        comparison, plus its front door and glue) [USD].
    meets : pandas.DataFrame
        Same shape: the right-sized option meets the service level at that target.
    configurations : dict
        ``(platform, target_ms)`` -> short description of the chosen configuration.
    elapsed_s : float
    """

    targets_ms: np.ndarray
    monthly_usd: pd.DataFrame
    meets: pd.DataFrame
    configurations: dict[tuple[str, float], str] = field(default_factory=dict)
    elapsed_s: float = 0.0


def size_at_targets(scenario: ScenarioSource = None, targets_ms: npt.ArrayLike | None = None) -> TargetSizing:
    """Right-size every option at each latency target in one search (each candidate fleet
    is simulated once and judged at every target); the other terms of the service level
    (kind, percentile, failure budget, availability) are the scenario's."""
    sc = load_scenario(scenario)
    sl = service_level_of(sc)
    targets = np.atleast_1d(np.asarray(targets_ms if targets_ms is not None else [sl.latency_target_ms],
                                       dtype=float))
    t0 = time.perf_counter()
    cmp = compare(sc)
    prices = sc.prices()
    lprob = _LambdaProblem(sc, sl, targets, prices, cmp)
    lam = _lambda_search(lprob)
    cont = _container_search(sc, sl, targets, prices, cmp)
    far = sc.containers["fargate"]
    arch = cmp.setup.fargate_architecture if cmp.setup is not None else (far.get("architecture")
                                                                        or sc.work.architecture)
    itype = cmp.setup.ec2_instance_type if cmp.setup is not None else sc.containers["ec2"]["instance_type"]
    # front door and glue do not depend on sizing: take them from the comparison as configured
    # (each option's bill less its compute and its network, which do)
    fixed_lambda = cmp.bills["lambda"].total_usd - cmp.lambda_result.bill.total_usd - network_bills(
        sc, cont["fargate"][0].requests, cont["fargate"][0].hours, 0.0, 0.0, 0.0, 0.0, prices)["lambda"].total_usd
    fixed_cont = cmp.bills["fargate_on_demand"].total_usd - fargate_bill(
        float(far["vcpu"]), float(far["memory_gb"]), cmp.fargate.unit_seconds, architecture=arch,
        purchase="on_demand", prices=prices).total_usd - cont["fargate"][0].network_usd(
        float(cmp.fargate.unit_seconds), float(cmp.fargate.launches))
    lam_net = network_bills(sc, cont["fargate"][0].requests, cont["fargate"][0].hours, 0.0, 0.0, 0.0, 0.0,
                            prices)["lambda"].total_usd
    rows, ok, confs = [], [], {}
    for ti, t in enumerate(targets):
        row = {"lambda": lam[ti].usd + fixed_lambda + lam_net}
        good = {"lambda": bool(lam[ti].ok[ti])}
        pc_text = f", PC {lam[ti].pc} {_hours_text(lam[ti].hours)}" if lam[ti].pc else ""
        confs[("lambda", float(t))] = f"{lam[ti].memory_mb:,.0f} MB{pc_text}"
        for platform, (prob, best, _) in cont.items():
            c = best[ti] if best[ti] is not None else prob.closest(ti)
            res = prob.memo[c]
            u = prob.units[c.unit]
            unit_s = res.unit_s
            net = prob.network_usd(res.unit_s, res.launches)
            confs[(platform, float(t))] = (f"min {c.min_units}, target {c.target:.0%}"
                                           + (", scheduled" if c.sched else ""))
            if platform == "fargate":
                for purchase in ("on_demand", "spot", "savings_plan"):
                    if f"fargate_{purchase}" not in cmp.table.index:
                        continue              # not offered (Spot: arm64 or interruption-intolerant work)
                    row[f"fargate_{purchase}"] = fargate_bill(u.vcpu, u.memory_gb, unit_s, architecture=arch,
                                                              purchase=purchase, prices=prices).total_usd \
                        + net + fixed_cont
                    good[f"fargate_{purchase}"] = bool(res.ok[ti])
            else:
                for purchase in ("on_demand", "savings_plan"):
                    row[f"ec2_{purchase}"] = ec2_bill(itype, unit_s / 3600.0, purchase=purchase,
                                                      prices=prices).total_usd + net + fixed_cont
                    good[f"ec2_{purchase}"] = bool(res.ok[ti])
        rows.append(row)
        ok.append(good)
    idx = pd.Index(targets, name="target_ms")
    cols = list(cmp.table.index)
    return TargetSizing(targets_ms=targets, monthly_usd=pd.DataFrame(rows, index=idx)[cols],
                        meets=pd.DataFrame(ok, index=idx)[cols], configurations=confs,
                        elapsed_s=time.perf_counter() - t0)


def scheduled_pc_latency(scenario: ScenarioSource = None, percentile: float = 99.0) -> tuple[float, float]:
    """Lambda's latency percentile [ms] and cold-start share with the scenario's provisioned
    concurrency on its schedule: per step, the fast cold-start model with the PC count in the
    hours it is on and without it in the others (the business-hours schedule counts as its
    hours every day). Windows' edges are approximated: the on-demand pool the model carries
    across steps is that of the run the step is read from."""
    sc = load_scenario(scenario)
    cmp = compare(sc)
    sl = ServiceLevel(kind="api", percentile=float(percentile), latency_target_ms=1.0)
    prob = _LambdaProblem(sc, sl, np.array([1.0]), sc.prices(), cmp)
    pc = sc.lambda_["provisioned_concurrency"]
    work = lambda_work(sc)
    hours = _pc_hours(pc, prob.r1.size, prob.s1, prob.start)
    limit = prob.cfg_limit
    lat = prob.percentile(work, limit, int(pc["count"]), hours)
    cold, thr, _ = prob.step_parts(work, limit, int(pc["count"]), hours)
    served = prob.req * (1.0 - thr)
    share = float((prob.req * cold).sum() / max(served.sum(), 1e-300))
    return lat, share


def right_sized_scenario(scenario: ScenarioSource = None) -> Scenario:
    """The scenario the comparison and the verdict use: right-sized to its service level,
    or the scenario itself when ``service_level.right_size`` is false."""
    sc = load_scenario(scenario)
    if not right_sizing_enabled(sc):
        return sc
    return right_size(sc).scenario


@dataclass(frozen=True)
class ServiceLevelComparison:
    """The comparison at equal service level, next to the comparison as configured.

    Attributes
    ----------
    sizing : RightSizing
    right_sized : Comparison
        :func:`compare` of the right-sized scenario.
    as_configured : Comparison
        :func:`compare` of the scenario as given.
    """

    sizing: RightSizing
    right_sized: Comparison
    as_configured: Comparison

    @property
    def table(self) -> pd.DataFrame:
        """One row per option: monthly cost as configured and right-sized, the difference,
        whether each meets the service level."""
        a, b = self.as_configured.table, self.right_sized.table
        meets = {o: self.sizing.options[_platform(o)].meets for o in b.index}
        cfg_meets = {o: self.sizing.options[_platform(o)].configured_meets for o in b.index}
        df = pd.DataFrame({
            "as_configured_usd": a["monthly_usd"], "configured_meets": pd.Series(cfg_meets),
            "right_sized_usd": b["monthly_usd"], "meets": pd.Series(meets),
            "added_usd": b["monthly_usd"] - a["monthly_usd"],
            "overload_minutes": b["overload_minutes"],
        })
        df.index.name = "option"
        return df

    @property
    def cheapest(self) -> str:
        """Cheapest right-sized option that meets the service level (cheapest overall if none does)."""
        t = self.table
        ok = t[t["meets"]]
        return str((ok if len(ok) else t)["right_sized_usd"].idxmin())

    def to_dict(self) -> dict[str, Any]:
        """The right-sized comparison (the keys of :meth:`Comparison.to_dict`, each option row
        with ``as_configured_usd``, ``meets``, ``configured_meets`` and ``added_usd`` too),
        plus ``service_level``, ``right_sizing`` and the whole comparison ``as_configured``."""
        out = self.right_sized.to_dict()
        t = self.table
        for row in out["options"]:
            extra = t.loc[row["option"]]
            row.update({k: (v.item() if hasattr(v, "item") else v) for k, v in extra.items()
                        if k in ("as_configured_usd", "configured_meets", "meets", "added_usd")})
        out["cheapest"] = self.cheapest
        out["service_level"] = self.sizing.service_level.to_dict()
        out["right_sizing"] = self.sizing.to_dict()
        out["as_configured"] = self.as_configured.to_dict()
        return out

    def to_text(self) -> str:
        sl = self.sizing.service_level
        setup = self.right_sized.setup
        lines = [f"Scenario: {self.right_sized.scenario_name}", f"Service level: {sl.describe()}"]
        if setup is not None:
            lines.append(f"Front door: {setup.front_door_label}")
        lines.append("")
        header = (f"{'option':<22}{'configured USD':>15}{'meets':>7}{'right-sized USD':>16}{'meets':>7}"
                  f"{'added USD':>12}")
        lines += [header, "-" * len(header)]
        for opt, r in self.table.iterrows():
            lines.append(f"{opt:<22}{r.as_configured_usd:>15,.2f}{('yes' if r.configured_meets else 'no'):>7}"
                         f"{r.right_sized_usd:>16,.2f}{('yes' if r.meets else 'NO'):>7}{r.added_usd:>+12,.2f}")
        lines.append("-" * len(header))
        lines.append("USD per month; meets: whether the option meets the service level above; "
                     "added: right-sized minus as configured")
        lines.append(f"Cheapest at the service level: {self.cheapest}")
        lines.append("")
        lines += [line for line in self.sizing.lines() if not line.startswith("Service level:")]
        lines += [f"Note: {n}" for n in self.right_sized.notes]
        if setup is not None:
            lines += [f"Left out: {o}: {why}" for o, why in setup.left_out.items()]
            lines += [f"Assumption: {a}" for a in setup.assumptions]
        return "\n".join(lines)


def _platform(option: str) -> str:
    return "lambda" if option == "lambda" else ("fargate" if option.startswith("fargate") else "ec2")


def compare_at_service_level(scenario: ScenarioSource = None) -> ServiceLevelComparison:
    """Every option right-sized to the scenario's service level, priced, next to the
    comparison as configured (computed once per scenario object)."""
    sc = load_scenario(scenario)

    def build() -> ServiceLevelComparison:
        rs = right_size(sc)
        return ServiceLevelComparison(sizing=rs, right_sized=compare(rs.scenario), as_configured=compare(sc))

    return sc.cached("compare_at_service_level", build)

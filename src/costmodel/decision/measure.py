"""Measurement: wiring between :mod:`costmodel.decision` and the models it takes its evidence from.

Nothing here computes a price, a cost or a latency itself; it calls:

* traffic shape: the comparison's :class:`~costmodel.models.traffic.TrafficSignals` and
  :func:`costmodel.models.traffic.label_traffic`;
* monthly costs: :func:`costmodel.analysis.compare.compare`;
* break-even mean rate per container option: :func:`costmodel.analysis.breakeven.breakeven_mean_rps`;
* mean rates at which the Lambda/container cost ratio crosses the decision thresholds
  (for "what would flip the verdict"): :func:`costmodel.analysis.breakeven.option_costs` on
  a log grid of mean rates, then refined in the bracket (the same search as B's
  break-even, for a ratio other than 1);
* latency: :func:`costmodel.models.latency.lambda_latency`, :func:`~costmodel.models.latency.container_latency`,
  :func:`~costmodel.models.latency.chain_latency`, the provisioned-concurrency fix from
  :func:`~costmodel.models.latency.provisioned_concurrency_tradeoff`, the mean warm instance
  count for the cache numbers from :func:`costmodel.models.coldstart.fast.fast_cold_starts`;
* fan-out: :func:`costmodel.models.fanout.fanout`; cache and SLO checks:
  :mod:`costmodel.models.failure_modes`.

Adapter choices (also in docs/decision.md):

* Container request slots per step for :func:`container_latency` are
  ``max(ready tasks, round(ready capacity_rps x mean duration_s))``: a CPU-bound task
  serves about one request at a time per busy vCPU-share, an I/O-bound task (duration
  much longer than its CPU time) holds many requests at once.
* Lambda latency is computed without provisioned concurrency when the scenario's PC runs
  on a schedule (the latency model takes one constant PC count); a note says so.
* Container latency uses the scenario's ``containers.request_timeout_s`` (default 60 s, the
  ALB idle timeout): requests that would wait longer time out and count as taking the
  timeout; their share is ``container_timeout_fraction``. When the work's own p99 is not
  below the timeout (a batch job: it could never answer an HTTP request in time) the
  timeout is dropped and a note says so.
* The synchronous chain on a long-lived service is the same chain with every hop warm
  (no init), i.e. :func:`chain_latency` with ``init_duration_ms=0``; queueing inside the
  container pool is shown separately by ``container_p99_ms``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from costmodel.analysis.breakeven import breakeven_mean_rps, option_costs
from costmodel.analysis.compare import CONTAINER_OPTIONS, Comparison, compare
from costmodel.analysis.rightsizing import (
    compare_at_service_level,
    latency_duration,
    right_size,
    right_sized_scenario,
    scheduled_pc_latency,
)
from costmodel.decision.procedure import evaluate
from costmodel.decision.records import Facts, Team, Workload
from costmodel.errors import UnknownNameError
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import Duration
from costmodel.models.failure_modes import cache_hit_rate, cache_memory_mb, cold_start_slo_check
from costmodel.models.fanout import fanout
from costmodel.models.latency import (
    chain_latency,
    container_latency,
    duration_from_ms,
    lambda_latency,
    provisioned_concurrency_tradeoff,
)
from costmodel.models.traffic import label_traffic
from costmodel.scenario.load import WORK_DEFAULTS, Scenario, ScenarioSource, load_scenario
from costmodel.scenario.service_level import (
    lambda_duration_factor,
    lambda_work,
    right_sizing_enabled,
    workload_kind,
)

CHAIN_SAMPLES = 100_000
#: Grid of the break-even search (log-spaced over 0.01-1000 req/s, then refined in the
#: bracket): 13 points (a factor 2.6 apart) and 10 refinement points give the crossing to
#: about 1 %, at half the cost of the defaults (25, 16).
BE_GRID, BE_REFINE = 13, 10
CHAIN_SEED = 20261127


def load(scenario: ScenarioSource) -> Scenario:
    """The scenario as a :class:`costmodel.scenario.load.Scenario` (the loader)."""

    return load_scenario(scenario)


def _duration_spec(sc: Scenario) -> Any:

    spec = (sc.raw.get("work") or {}).get("duration_ms", WORK_DEFAULTS["duration_ms"])
    if isinstance(spec, dict) and "samples" in spec:

        return Duration.empirical(np.asarray(spec["samples"], dtype=float) / 1000.0)
    return spec


def _platform_of(option: str) -> str:
    return "lambda" if option == "lambda" else ("fargate" if option.startswith("fargate") else "ec2")


def considered_options(scfg: dict, available: Any) -> list[str]:
    """Container options the cost ratio compares against: ``cost_model.container_options`` that
    the comparison offers, plus Fargate Spot whenever it is offered (the scenario declared the
    work interruption-tolerant and it runs on Linux x86_64)."""
    opts = list(scfg["signals"]["cost_model"]["container_options"])
    for o in opts:
        if o not in CONTAINER_OPTIONS:
            raise UnknownNameError("container option (decision_signals.yaml: cost_model.container_options)",
                                   o, CONTAINER_OPTIONS)
    available = list(available)
    out = [o for o in opts if o in available]
    if "fargate_spot" in available and "fargate_spot" not in out:
        out.append("fargate_spot")
    return [o for o in CONTAINER_OPTIONS if o in out]


def choose_container_option(monthly: dict, overload: dict, opts: list[str], *,
                            meets: dict | None = None) -> tuple[str, dict, list[str]]:
    """(compared option, {left-out option: reason}, notes): the cheapest considered option that
    is never overloaded (the cheapest considered if all are); with ``meets`` (right-sized
    options), the cheapest that meets the service level instead."""
    if meets is not None:
        able = [o for o in opts if meets[o]]
        best = min(able or opts, key=lambda o: monthly[o])
        left = {o: (f"dearer: ${monthly[o]:,.2f}/month against ${monthly[best]:,.2f}" if (o in able or not able)
                    else f"cannot meet the service level (${monthly[o]:,.2f}/month for the closest configuration)")
                for o in opts if o != best}
        notes = ([f"no considered container option meets the service level; {best} is the cheapest of the "
                  "closest configurations"] if not able else [])
        return best, left, notes
    able = [o for o in opts if overload[o] <= 0]
    best = min(able or opts, key=lambda o: monthly[o])
    notes = []
    left = {}
    if not able:
        notes.append(f"every considered container option is overloaded for part of the month "
                     f"({best}: {overload[best]:,.0f} min with demand above ready capacity while "
                     "autoscaling catches up): its cost is a lower bound")
    for o in opts:
        if o == best:
            continue
        if able and o not in able:
            left[o] = (f"overloaded {overload[o]:,.0f} min/month while autoscaling catches up "
                       f"(${monthly[o]:,.2f}/month)")
        else:
            left[o] = f"dearer: ${monthly[o]:,.2f}/month against ${monthly[best]:,.2f}"
    if able and len(able) < len(opts):
        notes.append("left out of the cost ratio (overloaded while autoscaling catches up): "
                     + ", ".join(f"{o} ({overload[o]:,.0f} min)" for o in opts if o not in able))
    return best, left, notes


def latency_facts(sc: Scenario, cmp: Comparison, workload: Workload | None, *, containers: bool = True
                  ) -> tuple[dict, list[str]]:
    """Lambda, container and chain latencies of a scenario (the latency fields of :class:`Facts`).

    ``containers=False`` leaves out the container fields (a Lambda-only change such as the
    INIT duration does not move them).
    """
    notes: list[str] = []
    rate, step = cmp.rate_rps, cmp.step_s
    arrivals = cmp.arrivals
    lam_cfg = sc.lambda_
    dur = _duration_spec(sc)
    # Lambda's own duration at its memory (lambda.memory_mb with power tuning)
    lam_dur = dur if lambda_duration_factor(sc) == 1.0 else latency_duration(lambda_work(sc).duration)
    init_ms = float(lam_cfg["init_duration_ms"])
    keep = float(lam_cfg["keep_alive_s"])
    cap = int(lam_cfg["concurrency_limit"])
    pc = lam_cfg.get("provisioned_concurrency") or {}
    pc_count = int(pc.get("count", 0) or 0)
    scheduled_pc = bool(pc_count and str(pc.get("schedule")) not in ("always", "24x7", "all"))
    out: dict[str, Any] = dict(lambda_p99_ms=None, lambda_warm_p99_ms=None, cold_start_fraction=None,
                               chain_p99_ms=None, chain_warm_p99_ms=None, container_p99_ms=None,
                               container_timeout_fraction=None, container_chain_p99_ms=None)
    if rate.sum() <= 0:
        return out, notes
    if scheduled_pc:   # PC on some hours: the fast model with and without it, hour by hour
        lam_p99, cold = scheduled_pc_latency(sc, 99.0)
        notes.append(f"Lambda latency with provisioned concurrency {pc_count} on its schedule: the cold-start "
                     "model with and without it, hour by hour (costmodel.analysis.rightsizing)")
    else:
        lat = lambda_latency(rate, step, lam_dur, init_ms, keep, concurrency_limit=cap, arrivals=arrivals,
                             provisioned_concurrency=min(pc_count, cap))
        lam_p99, cold = float(lat.p99_ms), float(lat.cold_start_fraction)
        if lat.cold_start_method == "exact" or "outside" in lat.cold_start_method_reason:
            notes.append(f"Lambda cold starts: {lat.cold_start_method_reason}")
    warm_p99 = float(duration_from_ms("duration_ms", lam_dur).quantile(0.99) * 1000.0)
    depth = int(workload.sync_chain_depth) if workload is not None else 1
    if depth > 1:
        depth_c = min(depth, 5)
        if depth_c != depth:
            notes.append(f"chain latency modelled for depth 5 (declared {depth}; the model covers 1-5)")
        ch = chain_latency(depth_c, rate, step, lam_dur, init_ms, keep, concurrency_limit=cap,
                           samples=CHAIN_SAMPLES, random_state=CHAIN_SEED, arrivals=arrivals)
        chw = chain_latency(depth_c, rate, step, lam_dur, 0.0, keep, concurrency_limit=cap,
                            samples=CHAIN_SAMPLES, random_state=CHAIN_SEED, arrivals=arrivals)
        chain_p99, chain_warm = float(ch.p99_ms), float(chw.p99_ms)
        notes.append(f"{depth_c}-hop chain latency: {ch.cold_start_method_reason}")
        if pc_count:
            notes.append(f"chain latency computed without provisioned concurrency (the chain model has none; "
                         f"{pc_count} is configured or right-sized for one function)")
    else:
        chain_p99, chain_warm = lam_p99, warm_p99
    out.update(lambda_p99_ms=lam_p99, lambda_warm_p99_ms=warm_p99, cold_start_fraction=cold,
               chain_p99_ms=chain_p99, chain_warm_p99_ms=chain_warm, container_chain_p99_ms=chain_warm)
    if not containers:
        for key in ("container_p99_ms", "container_timeout_fraction"):
            out.pop(key)
        return out, notes
    fres = cmp.fargate
    w_s = float(sc.work.mean_duration_s)
    slots = np.maximum(fres.ready_units, np.round(fres.capacity_rps * w_s)).astype(float)
    try:
        timeout_s = sc.containers.get("request_timeout_s", 60.0)
        if workload_kind(sc) == "queue_worker":
            timeout_s = None   # a queue worker's messages wait: no front door gives up on them
        work_p99 = float(sc.work.duration.p99_ms)
        if timeout_s is not None and work_p99 >= float(timeout_s) * 1000.0:
            notes.append(f"Fargate latency computed without a request timeout: the work's p99 "
                         f"({work_p99 / 1000:,.0f} s) is not below containers.request_timeout_s "
                         f"({float(timeout_s):g} s), so it runs as a job, not behind an HTTP front door")
            timeout_s = None
        cl = container_latency(rate, step, dur, slots, timeout_s=timeout_s)
        out.update(container_p99_ms=float(cl.p99_ms), container_timeout_fraction=float(cl.timeout_fraction))
    except Exception as exc:  # noqa: BLE001 - evidence only; the reason is recorded
        notes.append(f"container latency not computed: {exc}")
    return out, notes


def service_level_meets(scenario: ScenarioSource, options: Iterable[str]) -> dict[str, bool] | None:
    """Whether each container option, right-sized, meets the scenario's service level (None
    when the options are priced as configured: ``service_level.right_size`` is false). The
    compared option is the cheapest that meets it (:func:`choose_container_option`)."""
    sc0 = load(scenario)
    if not right_sizing_enabled(sc0):
        return None
    rs = right_size(sc0)
    return {o: rs.options[_platform_of(o)].meets for o in options}


def measure_facts(scenario: ScenarioSource, workload: Workload | None, scfg: dict, limits: dict | None = None
                  ) -> Facts:
    """Measure everything :func:`costmodel.decision.evaluate` needs from a scenario."""

    sc0 = load(scenario)
    sc = right_sized_scenario(sc0)   # every option sized to the service level (unless right_size: false)
    notes: list[str] = []
    cmp = compare(sc)
    notes += list(cmp.notes)
    if sc is not sc0:
        rs = right_size(sc0)
        notes.append(f"options compared right-sized to the service level ({rs.service_level.describe()}); "
                     "the comparison as configured is in the evidence")
        for name, o in rs.options.items():
            if not o.meets:
                notes.append(f"{name} cannot meet the service level: the closest configuration's "
                             f"{rs.service_level.label} is {o.latency_ms:,.0f} ms (target "
                             f"{rs.service_level.latency_target_ms:,.0f} ms); its cost is for that configuration")
    table = cmp.table
    monthly = {str(o): float(table.loc[o, "monthly_usd"]) for o in table.index}
    opts = considered_options(scfg, [o for o in monthly if o != "lambda"])
    overload = {str(o): float(table.loc[o, "overload_minutes"]) for o in table.index}
    # right-sized: an option counts when it meets the service level (brief overloads a queue
    # absorbs within the target may); as configured: when it is never overloaded
    meets = service_level_meets(sc0, opts) if sc is not sc0 else None
    best, left_out, more = choose_container_option(monthly, overload, opts, meets=meets)
    notes += more
    for o in monthly:
        if o != "lambda" and o not in opts:
            left_out[o] = (f"not considered: not in cost_model.container_options (decision_signals.yaml); "
                           f"${monthly[o]:,.2f}/month")
    if cmp.setup is not None:
        left_out.update(cmp.setup.left_out)
    sig = cmp.signals
    label = label_traffic(sig) if sig is not None else None
    traffic = {k: v for k, v in (sig.to_dict() if sig is not None else {}).items()
               if k in ("mean_rps", "peak_rps", "peak_to_mean", "cv", "idle_fraction", "invocations_per_day",
                        "long_gap_share", "daily_cycle_share")}
    # the cost-flip search's thresholds: their brackets are simulated with the refinement
    c_cfg = scfg["signals"]["cost_model"]
    ratios = [c_cfg["serverless_if_ratio_at_most"], c_cfg["containers_if_ratio_at_least"]]
    sht = ((limits or {}).get("when_not_to_use") or {}).get("sustained_high_throughput")
    if sht:
        ratios.append(sht["lambda_to_container_cost_ratio_at_least"])
    be = breakeven_mean_rps(sc, options=opts, n_grid=BE_GRID, n_refine=BE_REFINE, prefetch_ratios=ratios)
    break_even = {o: (None if (v is None or math.isinf(v) or v == 0.0) else float(v)) for o, v in be.items()}
    for o, v in be.items():
        if v == 0.0:
            notes.append(f"break-even vs {o}: Lambda is dearer at every mean rate from 0.01 to 1000 req/s")
        elif math.isinf(v):
            notes.append(f"break-even vs {o}: Lambda is cheaper at every mean rate from 0.01 to 1000 req/s")
    lat, lat_notes = latency_facts(sc, cmp, workload)
    notes += lat_notes
    return Facts(
        traffic_label=label, traffic=traffic, monthly_usd=monthly,
        lambda_monthly_usd=monthly.get("lambda"), container_option=best,
        container_monthly_usd=monthly[best],
        # a right-sized option that meets the service level is not a lower bound, brief overloads or not
        container_overload_minutes=0.0 if (meets is not None and meets[best]) else overload[best],
        break_even_mean_rps=break_even, considered_options=tuple(opts),
        left_out={o: left_out[o] for o in CONTAINER_OPTIONS if o in left_out},
        notes=tuple(notes), **lat,
    )


# ------------------------------------------------------------------ service level
def service_level_evidence(scenario: ScenarioSource) -> dict | None:
    """What each option had to add to meet the service level and what it costs, next to
    the comparison as configured (None when ``service_level.right_size`` is false)."""
    sc = load(scenario)
    if not right_sizing_enabled(sc):
        return None
    slc = compare_at_service_level(sc)
    sl = slc.sizing.service_level
    t = slc.table
    options = {}
    for name, o in slc.sizing.options.items():
        rows = [opt for opt in t.index if _platform_of(opt) == name]
        options[name] = {
            "meets": o.meets, "configured_meets": o.configured_meets, "latency_ms": o.latency_ms,
            "configured_latency_ms": o.configured_latency_ms, "miss_ms": o.miss_ms(sl.latency_target_ms),
            "failed_fraction": o.failed_fraction, "configured_failed_fraction": o.configured_failed_fraction,
            "changes": list(o.changes) or ["nothing"],
            "as_configured_monthly_usd": {opt: float(t.loc[opt, "as_configured_usd"]) for opt in rows},
            "right_sized_monthly_usd": {opt: float(t.loc[opt, "right_sized_usd"]) for opt in rows},
            "added_monthly_usd": {opt: float(t.loc[opt, "added_usd"]) for opt in rows},
            "note": o.note,
        }
    return {"text": sl.describe(), **sl.to_dict(), "options": options,
            "as_configured_monthly_usd": {str(k): float(v) for k, v in t["as_configured_usd"].items()},
            "overrides": slc.sizing.overrides}


# ------------------------------------------------------------------ cost flips
def _ratio_crossings(rates: np.ndarray, ratio: np.ndarray, r: float) -> list[tuple[int, str]]:
    """Brackets (i, direction) where ``ratio`` crosses ``r`` between rates[i] and rates[i+1]."""
    above = ratio >= r
    out = []
    for i in np.flatnonzero(above[:-1] != above[1:]):
        out.append((int(i), "up" if above[i + 1] else "down"))
    return out


def cost_flip_rates(scenario: ScenarioSource, facts: Facts, scfg: dict, lcfg: dict, workload: Workload, team: Team,
                    base: str, *, low_rps: float = 0.01, high_rps: float = 1000.0, n_grid: int = BE_GRID,
                    n_refine: int = BE_REFINE) -> dict:
    """Mean rates (same traffic shape) at which the cost ratio crosses a threshold that
    would change the verdict.

    The thresholds are the cost signal's ``serverless_if_ratio_at_most`` and
    ``containers_if_ratio_at_least`` and the sustained-throughput rule's ratio. For
    each, the procedure is first re-run with the ratio set just past it; only thresholds
    whose crossing changes the verdict are searched for, on the costs of
    :func:`costmodel.analysis.breakeven.option_costs` (ratio = Lambda / cheapest considered
    container option at each rate).

    Returns
    -------
    dict
        ``thresholds``: {label: mean rate or None}; ``flips``: list of dicts for
        :func:`costmodel.decision._flips`.
    """


    c = scfg["signals"]["cost_model"]
    thresholds = {
        "serverless_if_ratio_at_most": float(c["serverless_if_ratio_at_most"]),
        "containers_if_ratio_at_least": float(c["containers_if_ratio_at_least"]),
    }
    sht = lcfg["when_not_to_use"].get("sustained_high_throughput")
    if sht:
        thresholds["sustained_high_throughput_ratio"] = float(sht["lambda_to_container_cost_ratio_at_least"])
    ratio0, container_usd = facts.cost_ratio, facts.container_monthly_usd
    if ratio0 is None or container_usd is None:   # no cost comparison: no cost flips
        return {"thresholds": {}, "flips": []}
    candidates = {}
    for name, r in thresholds.items():
        target = r * (0.999 if ratio0 >= r else 1.001)
        f2 = replace(facts, lambda_monthly_usd=container_usd * target)
        nv = evaluate(f2, workload, team, signals=scfg, limits=lcfg)["verdict"]
        if nv != base:
            candidates[name] = (r, nv)
    out: dict = {"thresholds": {}, "flips": []}
    if not candidates:
        return out
    sc = load(scenario)
    opts = list(facts.considered_options) or considered_options(scfg, [o for o in facts.monthly_usd if o != "lambda"])
    rates = np.geomspace(low_rps, high_rps, n_grid)
    costs = option_costs(sc, rates)
    cont = costs[opts].min(axis=1).to_numpy()
    ratio = costs["lambda"].to_numpy() / cont
    mean_now = float((facts.traffic or {}).get("mean_rps", float("nan")))
    fine_points = []
    brackets = {}
    for name, (r, _nv) in candidates.items():
        cr = _ratio_crossings(rates, ratio, r)
        brackets[name] = cr
        for i, _ in cr:
            fine_points.append(np.geomspace(rates[i], rates[i + 1], n_refine))
    if fine_points:
        fine = np.unique(np.concatenate(fine_points))
        fc = option_costs(sc, fine)
        fratio = fc["lambda"].to_numpy() / fc[opts].min(axis=1).to_numpy()
    rate_for: dict = {}
    for name, (r, nv) in candidates.items():
        found = []
        for i, direction in brackets[name]:
            sel = (fine >= rates[i]) & (fine <= rates[i + 1])
            x, y = fine[sel], fratio[sel]
            above = y >= r
            j = np.flatnonzero(above[:-1] != above[1:])
            if j.size:
                k = int(j[0])
                f = (r - y[k]) / (y[k + 1] - y[k]) if y[k + 1] != y[k] else 0.0
                found.append((float(math.exp(math.log(x[k]) + f * (math.log(x[k + 1]) - math.log(x[k])))),
                              direction))
        out["thresholds"][name] = [v for v, _ in found] or None
        if not found:
            continue
        rate_for[name] = found
        # the crossing nearest to today's mean rate
        v, direction = min(found, key=lambda t: abs(math.log(t[0] / mean_now)) if mean_now > 0 else 0)
        word = "above" if v > mean_now else "below"
        cheaper = "Lambda costs at least" if ratio0 < r else "Lambda costs less than"
        cond = (f"{word} {v:,.3g} req/s mean (same traffic shape; now {mean_now:,.3g} req/s), "
                f"{cheaper} {r:g}x the cheapest container option")
        if abs(r - 1.0) < 1e-12:
            cond = f"{word} {v:,.3g} req/s mean, containers are cheaper"
        out["flips"].append({
            "_distance": abs(math.log(v / mean_now)) if mean_now > 0 else 0.0,
            "condition": cond, "new_verdict": nv,
            "lambda_monthly_usd": container_usd * r * (1.001 if ratio0 < r else 0.999),
            "container_monthly_usd": facts.container_monthly_usd,
            "container_option": facts.container_option,
            "how": f"costmodel.analysis.breakeven.option_costs on a log grid of mean rates ({n_grid} points, "
                   f"{low_rps:g}-{high_rps:g} req/s, refined with {n_refine}); ratio = Lambda / cheapest of "
                   f"{', '.join(opts)}",
        })
    # one cost flip per new verdict: the threshold crossing nearest to today's mean rate
    nearest: dict = {}
    for f in out["flips"]:
        if f["new_verdict"] not in nearest or f["_distance"] < nearest[f["new_verdict"]]["_distance"]:
            nearest[f["new_verdict"]] = f
    out["flips"] = [{k: v for k, v in f.items() if k != "_distance"} for f in nearest.values()]
    return out


# ------------------------------------------------------------------ failure modes
def provisioned_concurrency_fix(sc: Scenario, slo_p99_ms: float) -> dict | None:
    """Smallest provisioned-concurrency count whose p99 meets the SLO, from the
    trade-off curve (PC on all month; cost = Lambda compute incl. PC, vs PC 0 on the
    same curve)."""

    rate, step, _ = sc.traffic_series()
    lam = sc.lambda_
    df = provisioned_concurrency_tradeoff(
        rate, step, _duration_spec(sc), float(sc.work.memory_mb), float(lam["init_duration_ms"]), None,
        float(lam["keep_alive_s"]), architecture=sc.work.architecture,
        concurrency_limit=int(lam["concurrency_limit"]), free_tier=bool(lam["free_tier"]), prices=sc.prices(),
        arrivals=compare(sc).arrivals)
    if df.empty:
        return None
    base = df.sort_values("provisioned_concurrency").iloc[0]
    ok = df[df["p99_ms"] <= slo_p99_ms].sort_values("provisioned_concurrency")
    out = {"latency_slo_p99_ms": slo_p99_ms, "curve_pc_counts": [int(x) for x in df["provisioned_concurrency"]],
           "provisioned_concurrency": None, "p99_ms": None, "extra_monthly_usd": None}
    if len(ok):
        row = ok.iloc[0]
        out.update(provisioned_concurrency=int(row["provisioned_concurrency"]), p99_ms=float(row["p99_ms"]),
                   monthly_usd=float(row["monthly_usd"]),
                   extra_monthly_usd=float(row["monthly_usd"] - base["monthly_usd"]))
    return out


def failure_mode_evidence(scenario: ScenarioSource, facts: Facts, workload: Workload | None, scfg: dict
                          ) -> tuple[dict, list[str]]:
    """Fan-out and cold-start-on-path numbers for the recommendation's evidence."""

    sc = load(scenario)
    ev: dict = {}
    warnings: list[str] = []
    if workload is None:
        return ev, warnings
    fm_cfg = scfg.get("failure_modes") or {}
    if facts.lambda_p99_ms is not None and facts.lambda_warm_p99_ms is not None and \
            fm_cfg.get("cold_start_user_facing", {}).get("enabled", True):   # measured together
        chk = cold_start_slo_check(
            facts.chain_p99_ms if facts.chain_p99_ms is not None else facts.lambda_p99_ms,
            facts.chain_warm_p99_ms if facts.chain_warm_p99_ms is not None else facts.lambda_warm_p99_ms,
            facts.cold_start_fraction or 0.0, workload.latency_slo_p99_ms,
            chain_depth=min(int(workload.sync_chain_depth), 5), user_facing=bool(workload.user_facing))
        ev["cold_start_on_path"] = chk.to_dict()
        if workload.user_facing and chk.meets_slo is False:
            warnings.append("cold starts on a user-facing path: " + chk.reason)
            slo = workload.latency_slo_p99_ms   # set: the check failed against it
            if int(workload.sync_chain_depth) == 1 and slo is not None and chk.warm_p99_ms <= float(slo):
                fix = provisioned_concurrency_fix(sc, float(slo))
                if fix is not None:
                    ev["provisioned_concurrency_fix"] = fix
                    if fix["provisioned_concurrency"] is not None:
                        warnings.append(
                            f"provisioned concurrency {fix['provisioned_concurrency']} brings the p99 to "
                            f"{fix['p99_ms']:,.0f} ms (SLO {fix['latency_slo_p99_ms']:,.0f} ms) for "
                            f"${fix['extra_monthly_usd']:,.2f}/month more Lambda compute "
                            f"(costmodel.models.latency.provisioned_concurrency_tradeoff)")
    if workload.cache and facts.traffic.get("mean_rps"):

        cfg = workload.cache
        rate, step, _ = sc.traffic_series()
        fast = fast_cold_starts(rate, step, float(sc.work.mean_duration_s), float(sc.lambda_["keep_alive_s"]),
                                concurrency_limit=int(sc.lambda_["concurrency_limit"]),
                                arrivals=compare(sc).arrivals)
        n_inst = max(1, int(round(fast.mean_instances)))
        hr = cache_hit_rate(float(facts.traffic["mean_rps"]), cfg["ttl_s"], n_inst, cfg["n_keys"],
                            cfg.get("zipf_exponent", 0.0))
        ev["module_level_cache"] = hr.to_dict() | {"mean_warm_instances": fast.mean_instances}
        if "entry_kb" in cfg:
            ev["module_level_cache"]["max_cache_mb"] = cache_memory_mb(1e12, cfg["n_keys"], cfg["entry_kb"],
                                                                      cfg.get("zipf_exponent", 0.0))
        warnings.append(
            f"module-level cache: {n_inst} warm environments on average (cold-start model) each cache "
            f"their own copy: hit rate {100 * hr.local_hit_rate:.1f}% vs {100 * hr.shared_hit_rate:.1f}% for "
            f"one shared cache ({hr.backend_read_multiplier:.1f}x the backend reads); a read after a write "
            f"sees another environment's copy {100 * hr.stale_read_probability:.0f}% of the time")
    if workload.fanout:
        f = dict(workload.fanout)
        kw = {k: f[k] for k in ("concurrency_cap", "worker_overhead_ms", "splitter_duration_ms", "message_kb",
                                "peak_to_mean", "peak_duration_s") if k in f}
        work = sc.work
        common = dict(worker_per_message_ms=float(work.duration.mean_ms), worker_memory_mb=int(work.memory_mb),
                      splitter_memory_mb=int(work.memory_mb), architecture=work.architecture,
                      free_tier=bool(sc.lambda_["free_tier"]), prices=sc.prices(),
                      alarm_headroom_fraction=float(fm_cfg.get("alarm_headroom_fraction", 1.0)), **kw)
        b = int(f.get("batch_size", 1))
        res = fanout(f["uploads_per_day"], f["fanout_factor"], b, **common)
        alt_b = 10 if b < 10 else b * 10
        alt = fanout(f["uploads_per_day"], f["fanout_factor"], min(alt_b, 10_000), **common)
        ev["fanout"] = res.to_dict()
        ev["fanout_batched"] = {"batch_size": alt.batch_size,
                                "worker_invocations_per_day": alt.worker_invocations_per_day,
                                "cost_per_month_usd": alt.cost_per_month_usd,
                                "saving_per_month_usd": res.cost_per_month_usd - alt.cost_per_month_usd}
        warnings.append(
            f"fan-out: {f['uploads_per_day']:,.0f} uploads/day x {f['fanout_factor']:g} messages = "
            f"{res.messages_per_day:,.0f} messages, {res.worker_invocations_per_day:,.0f} worker invocations/day "
            f"at batch size {b} (${res.cost_per_month_usd:,.2f}/month for the chain); batch size {alt.batch_size} "
            f"gives {alt.worker_invocations_per_day:,.0f}/day and saves ${res.cost_per_month_usd - alt.cost_per_month_usd:,.2f}"
            f"/month; alarm on worker Invocations > {res.alarm_worker_invocations_per_hour:,} per hour")
        if res.throttled_at_peak:
            warnings.append(
                f"fan-out: peak needs {res.peak_concurrency_needed:,.0f} concurrent workers > cap "
                f"{res.concurrency_cap}: backlog up to {res.max_backlog_messages:,.0f} messages, "
                f"drained in {res.drain_time_s:,.0f} s")
        inv_day = (facts.traffic or {}).get("invocations_per_day")
        if inv_day:
            rel = abs(inv_day - res.worker_invocations_per_day) / res.worker_invocations_per_day
            if rel > 0.10:
                warnings.append(
                    f"fan-out: the traffic block gives {inv_day:,.0f} invocations/day but workload.fanout gives "
                    f"{res.worker_invocations_per_day:,.0f}/day ({100 * rel:.0f}% apart): check one of them")
    return ev, warnings

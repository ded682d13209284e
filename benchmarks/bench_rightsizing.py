"""Speed of right-sizing to a service level: prints measured figures, never asserts.

    .venv/bin/python benchmarks/bench_rightsizing.py

1. ``right_size()`` on a month of 1-minute steps (43,800 steps of the 730-hour month) for the default scenario,
   the bursty webhook and the bursty webhook at 100x (the issue's case): wall time and
   candidates evaluated, side by side with brute force over the same grid of container
   configurations (every family, every minimum from the availability floor to the
   ladder's top, each run through the single-fleet engine and judged by
   ``ContainerQueue``): the brute force is timed on a sample of its candidates and
   extrapolated to the grid (the whole grid would take hours), the ratio printed.
2. Judging one candidate month: ``ContainerQueue.exceedance`` at the target against
   ``container_latency`` (the percentile model the decision uses), same fleet.
3. ``cost_vs_target`` (11 targets, 5 s to 100 ms, one search judged at every target) and
   ``compare_at_service_level`` on the default scenario.

The machine's load average is printed: the development machine is shared.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from costmodel.analysis import rightsizing as rs
from costmodel.analysis.compare import compare
from costmodel.analysis.rightsizing import compare_at_service_level, right_size
from costmodel.analysis.service_curve import cost_vs_target
from costmodel.models.autoscaling import simulate_scaling
from costmodel.models.latency import container_latency
from costmodel.models.service_level import ContainerQueue, request_slots
from costmodel.scenario.load import load_scenario
from costmodel.scenario.service_level import service_level_of

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"
SAMPLE = 12


def _load(name: str, scale: float | None = None):
    return load_scenario(SCENARIOS / f"{name}.yaml", overrides={"traffic.scale": scale} if scale else None)


def _brute_force_estimate(sc) -> tuple[int, float]:
    """(grid size, estimated seconds) of brute force over the Fargate grid the search covers."""
    sl = service_level_of(sc)
    cmp = compare(sc)
    found = rs._container_search(sc, sl, np.array([sl.latency_target_ms]), sc.prices(), cmp)
    prob, _, cfg = found["fargate"]
    families, m_hi = rs._families(prob, [0], cfg["target_utilisation"], cfg["scale_out_cooldown_s"])
    grid = [(fam, m) for fam in families for m in range(prob.min_floor, m_hi[(fam[0], fam[1])] + 1)]
    rng = np.random.default_rng(0)
    pick = rng.choice(len(grid), size=min(SAMPLE, len(grid)), replace=False)
    t0 = time.perf_counter()
    for i in pick:
        fam, m = grid[int(i)]
        c = rs._cand(fam, m)
        u = prob.units[c.unit]
        run = simulate_scaling(prob.rate, prob.step, prob.policy(c), min_units_schedule=prob.schedule(c))
        q = ContainerQueue(prob.rate, prob.step, prob.dur, request_slots(run.ready_units, u.capacity_rps, prob.w),
                           timeout_s=prob.timeout)
        q.exceedance(sl.latency_target_ms)
        q.timed_out()
        prob.network_usd(run.unit_seconds, run.launches)
    per = (time.perf_counter() - t0) / len(pick)
    return len(grid), per * len(grid)


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} "
          f"on {os.cpu_count()} cores")
    compare(_load("default"))                               # imports and price files warm
    print("\n== right_size() on a month of 1-minute steps, against brute force over the Fargate grid")
    print(f"  {'scenario':30s} {'steps':>7s} {'search s':>9s} {'candidates':>11s} {'grid':>7s} "
          f"{'brute s (est.)':>15s} {'ratio':>7s}")
    for name, scale in (("default", None), ("bursty-webhook", None), ("bursty-webhook", 100.0)):
        sc = _load(name, scale)
        compare(sc)                                         # the comparison as configured is shared
        t0 = time.perf_counter()
        r = right_size(sc)
        t = time.perf_counter() - t0
        n = sum(o.candidates for o in r.options.values())
        grid, brute = _brute_force_estimate(_load(name, scale))
        label = name + (f" x{scale:g}" if scale else "")
        print(f"  {label:30s} {compare(sc).rate_rps.size:7,d} {t:9.2f} {n:11,d} {grid:7,d} {brute:15.0f} "
              f"{brute / t:7.0f}x")

    print("\n== judging one fleet's month (bursty webhook x100, the configured Fargate fleet)")
    sc = _load("bursty-webhook", 100.0)
    cmp = compare(sc)
    f = cmp.fargate
    slots = request_slots(f.ready_units, cmp.fargate_capacity_rps, sc.work.duration.mean_ms / 1000.0)
    dur = rs.latency_duration(sc.work.duration)
    t0 = time.perf_counter()
    q = ContainerQueue(cmp.rate_rps, cmp.step_s, dur, slots, timeout_s=60.0)
    q.exceedance(3000.0)
    q.timed_out()
    t_ex = time.perf_counter() - t0
    t0 = time.perf_counter()
    container_latency(cmp.rate_rps, cmp.step_s, dur, slots, timeout_s=60.0)
    t_lat = time.perf_counter() - t0
    print(f"  ContainerQueue at the target {t_ex * 1000:8.1f} ms   container_latency {t_lat * 1000:8.1f} ms   "
          f"ratio {t_lat / t_ex:5.1f}x")

    print("\n== the default scenario")
    sc = _load("default")
    t0 = time.perf_counter()
    compare_at_service_level(sc)
    t1 = time.perf_counter()
    curve = cost_vs_target(sc)
    t2 = time.perf_counter()
    print(f"  compare_at_service_level {t1 - t0:6.2f} s   cost_vs_target ({curve.monthly_usd.shape[0]} targets) "
          f"{t2 - t1:6.2f} s")


if __name__ == "__main__":
    main()

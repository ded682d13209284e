"""Benchmark: a sweep of 10,000 scenarios at 1-minute steps over 30 days.

    .venv/bin/python benchmarks/bench_sweep.py [--jobs 1|2] [--scenarios 10000]

Target (issue 3): <= 10 s on this 2-core machine. Each scenario = one of 20 traffic shapes
scaled to its own mean rate, its own task size, CPU per request, target utilisation,
min/max tasks, cooldowns and task start time, and its own Lambda duration and memory.
Fargate target tracking for all scenarios runs in `simulate_scaling_batch` (the loop is over
the 43,200 minutes, numpy across scenarios, float32 state; `--jobs 2` splits the scenarios
over two processes, one per core). Compute costs are priced with the vectorised building blocks
(`fargate_usd_per_task_s`, `lambda_gb_s`, `tiered_usd`, unrounded; front doors and glue are
left out of the sweep).

Baseline: a straightforward per-step Python loop per scenario (the same rules), run on a
subset of scenarios and scaled to the full count (said in the output).
"""
from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from costmodel.models import traffic as tr
from costmodel.models.autoscaling import simulate_scaling_batch, task_capacity_rps
from costmodel.models.bills import fargate_usd_per_task_s, lambda_duration_tiers, lambda_gb_s, tiered_usd
from costmodel.models.pricing import load_prices

STEP_S = 60.0
DAYS = 30
_SHAPES: np.ndarray | None = None


def make_shapes() -> np.ndarray:
    """20 traffic shapes with mean 1 req/s."""
    out = []
    for i in range(4):
        out.append(tr.steady(1.0, noise_cv=0.1 * (i + 1), random_state=i))
    for i, r in enumerate((2, 4, 8, 16)):
        out.append(tr.diurnal(1.0, peak_to_trough=r, noise_cv=0.15, random_state=10 + i))
    for i, w in enumerate((0.2, 0.5, 0.8, 1.2)):
        out.append(tr.weekly(1.0, weekend_factor=w, peak_to_trough=5, noise_cv=0.1, random_state=20 + i))
    for h in (5, 20, 50, 100):
        out.append(tr.bursty(1.0, burst_rps=h, burst_length_s=600, bursts_per_day=4))
    for i, n in enumerate((2, 10)):
        out.append(tr.spikes(1.0, spike_rps=30, spike_length_s=300, spikes_per_day=n, random_state=30 + i))
    for kind in ("linear", "exponential"):
        out.append(tr.apply_growth(tr.diurnal(1.0, peak_to_trough=4), end_factor=2.0, kind=kind))
    shapes = np.stack(out)
    return shapes / shapes.mean(axis=1, keepdims=True)


def make_scenarios(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    vcpu = rng.choice([0.25, 0.5, 1.0, 2.0], n)
    cpu_ms = rng.uniform(20, 200, n)
    return {
        "shape_index": rng.integers(0, 20, n),
        "mean_rps": rng.lognormal(math.log(5.0), 1.5, n),
        "vcpu": vcpu,
        "memory_gb": vcpu * 2,
        "cpu_ms": cpu_ms,
        "target_utilisation": rng.uniform(0.4, 0.8, n),
        "min_units": rng.integers(1, 4, n),
        "max_units": np.full(n, 400),
        "scale_out_cooldown_s": rng.choice([0, 60, 120], n),
        "scale_in_cooldown_s": rng.choice([60, 300, 600], n),
        "start_s": rng.choice([30, 60, 90, 120], n),
        "duration_ms": cpu_ms * rng.uniform(1.0, 3.0, n),
        "lambda_memory_mb": rng.choice([256, 512, 1024, 2048], n),
    }


def _run_chunk(args):
    sl, sc, progress = args
    cap = task_capacity_rps(sc["cpu_ms"][sl], sc["vcpu"][sl])
    res = simulate_scaling_batch(
        _SHAPES, STEP_S, shape_index=sc["shape_index"][sl], scale=sc["mean_rps"][sl], capacity_rps=cap,
        target_utilisation=sc["target_utilisation"][sl], min_units=sc["min_units"][sl], max_units=sc["max_units"][sl],
        scale_out_cooldown_s=sc["scale_out_cooldown_s"][sl], scale_in_cooldown_s=sc["scale_in_cooldown_s"][sl],
        start_s=sc["start_s"][sl], progress=progress, dtype=np.float32)
    return res.unit_seconds, res.overload_minutes


def sweep(sc: dict[str, np.ndarray], jobs: int) -> dict[str, np.ndarray]:
    n = sc["mean_rps"].size
    bounds = np.linspace(0, n, jobs + 1).astype(int)
    chunks = [(slice(bounds[i], bounds[i + 1]), sc, i == 0) for i in range(jobs)]
    if jobs == 1:
        parts = [_run_chunk(chunks[0])]
    else:
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as ex:
            parts = list(ex.map(_run_chunk, chunks))
    unit_s = np.concatenate([p[0] for p in parts])
    over = np.concatenate([p[1] for p in parts])
    prices = load_prices()
    usd_per_task_s = np.zeros(n)
    for v in np.unique(sc["vcpu"]):  # 4 task sizes: one price each
        m = sc["vcpu"] == v
        usd_per_task_s[m] = fargate_usd_per_task_s(float(v), float(2 * v), prices=prices)
    fargate_usd = unit_s * usd_per_task_s
    requests = _SHAPES.sum(axis=1)[sc["shape_index"]] * sc["mean_rps"] * STEP_S
    gb_s = lambda_gb_s(requests, np.ceil(sc["duration_ms"]), sc["lambda_memory_mb"])
    free_req, free_gb_s = prices.value("lambda.free_requests"), prices.value("lambda.free_gb_s")
    lambda_usd = np.maximum(requests - free_req, 0) * prices.usd("lambda.request") \
        + tiered_usd(np.maximum(gb_s - free_gb_s, 0), lambda_duration_tiers("x86_64", prices))
    return {"fargate_usd": fargate_usd, "lambda_usd": lambda_usd, "overload_minutes": over}


def baseline_one(shape: list[float], scale: float, cap: float, tgt: float, lo: int, hi: int, out_cd: float,
                 in_cd: float, start_s: float) -> float:
    """Per-step Python loop for one scenario (same rules, incl. the 3 / 15 datapoint alarms);
    returns billed task-seconds."""
    n = ready = max(lo, min(hi, math.ceil(shape[0] * scale / (cap * tgt) - 1e-9)))
    pending = []
    last_out = last_in = -1e18
    run_hi = run_lo = 0  # consecutive datapoints above / below target (scale-out 3, scale-in 15)
    prev_d = None
    prev_ready = ready
    billed = 0.0
    for i, s in enumerate(shape):
        d = s * scale
        t = i * STEP_S
        pending_next = []
        for (tr_, u) in pending:
            if tr_ <= t:
                ready += u
            else:
                pending_next.append((tr_, u))
        pending = pending_next
        if prev_d is not None:
            used = min(prev_d, prev_ready * cap)
            desired = max(lo, min(hi, math.ceil(used / (cap * tgt) - 1e-9)))
            run_hi = run_hi + 1 if desired > n else 0
            run_lo = run_lo + 1 if desired < n else 0
            if desired > n and run_hi >= 3 and t - last_out >= out_cd:
                pending.append((t + math.ceil(start_s / STEP_S) * STEP_S, desired - n))
                n, last_out = desired, t
            elif desired < n and run_lo >= 15 and t - last_in >= in_cd:
                rem = min(n - desired, ready)
                if rem > 0:
                    n, ready, last_in = n - rem, ready - rem, t
        billed += n * STEP_S
        prev_d, prev_ready = d, ready
    return billed


def main(argv=None) -> int:
    global _SHAPES
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1, help="processes (2 = one per core; slower when the machine is busy)")
    ap.add_argument("--scenarios", type=int, default=10_000)
    ap.add_argument("--baseline", type=int, default=20, help="scenarios for the per-step baseline")
    args = ap.parse_args(argv)
    _SHAPES = make_shapes()
    sc = make_scenarios(args.scenarios)
    print(f"{args.scenarios:,} scenarios x {_SHAPES.shape[1]:,} one-minute steps (30 days), jobs={args.jobs}, "
          f"float32 state; load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    t0, c0 = time.perf_counter(), time.process_time()
    out = sweep(sc, args.jobs)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    cpu_note = f"; CPU time of this process {cpu:.2f} s (what an idle core would take)" if args.jobs == 1 else ""
    print(f"vectorised sweep: wall {dt:.2f} s ({args.scenarios / dt:,.0f} scenarios/s){cpu_note}   "
          "target <= 10 s on 2 cores")

    nb = args.baseline
    t0 = time.process_time()
    for i in range(nb):
        cap = task_capacity_rps(sc["cpu_ms"][i], sc["vcpu"][i])
        baseline_one(_SHAPES[sc["shape_index"][i]].tolist(), float(sc["mean_rps"][i]), cap,
                     float(sc["target_utilisation"][i]), int(sc["min_units"][i]), int(sc["max_units"][i]),
                     float(sc["scale_out_cooldown_s"][i]), float(sc["scale_in_cooldown_s"][i]), float(sc["start_s"][i]))
    db = time.process_time() - t0
    full = db / nb * args.scenarios
    print(f"baseline per-step Python loop (CPU time): {db:.2f} s for {nb} scenarios -> {full:,.0f} s for {args.scenarios:,} "
          f"(measured on {nb}, scaled x{args.scenarios // nb})")
    ref = cpu if args.jobs == 1 else dt
    print(f"speed-up vs baseline: {full / ref:.0f}x ({'CPU time vs CPU time' if args.jobs == 1 else 'wall vs CPU'})")
    cheaper = np.mean(out["lambda_usd"] < out["fargate_usd"])
    print(f"Lambda compute cheaper than Fargate on-demand compute in {cheaper:.1%} of scenarios; "
          f"{np.mean(out['overload_minutes'] > 0):.1%} of scenarios see some overload")
    return 0


if __name__ == "__main__":
    sys.exit(main())

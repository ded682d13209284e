"""Benchmark: one month at 1-second steps compared across Lambda, Fargate and EC2.

    .venv/bin/python benchmarks/bench_compare.py

Target (issue 3): a month at 1-s steps compared in <= 0.5 s and <= 1 GB peak memory. The
month is 730 h (AWS's convention): 2,628,000 steps. The library path is `costmodel.analysis.compare.compare` on the default scenario
with the series passed in; the autoscaling controller runs once per 60-s metric period
(43,200 decisions) while demand vs capacity is evaluated at every second.

Baseline: a straightforward per-step Python loop doing the same month (Lambda requests and
GB-s, Fargate and EC2 target tracking evaluated at every step). It is run on the first
3 days and scaled by 10 (said in the output).
"""
from __future__ import annotations

import math
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

from costmodel.analysis.compare import compare, scaling_policies
from costmodel.models import traffic as tr
from costmodel.scenario.load import load_scenario

STEP_S = 1.0
MEAN_RPS = 20.0


def baseline_loop(rate: list[float], step_s: float, far, ec2, mean_ms: float, memory_mb: float) -> dict:
    """Per-step Python loop: the obvious implementation of the same month."""
    out = {}
    requests = 0.0
    gb_s = 0.0
    for r in rate:
        q = r * step_s
        requests += q
        gb_s += q * math.ceil(mean_ms) / 1000.0 * memory_mb / 1024.0
    out["lambda_gb_s"] = gb_s
    for name, pol in (("fargate", far), ("ec2", ec2)):
        c = pol.capacity_rps
        tgt = pol.target_utilisation
        n = ready = max(pol.min_units, min(pol.max_units, math.ceil(rate[0] / (c * tgt))))
        pending = []  # (ready_time, units)
        last_out = last_in = -1e18
        run_hi = run_lo = 0  # alarm datapoints above / below target
        acc = 0.0
        acc_n = 0
        billed = 0.0
        over = 0
        served = 0.0
        period = pol.metric_period_s
        for i, r in enumerate(rate):
            t = i * step_s
            still = []
            for (tr_, u) in pending:
                if tr_ <= t:
                    ready += u
                else:
                    still.append((tr_, u))
            pending = still
            if i > 0 and t % period == 0:
                dbar = acc / acc_n
                used = min(dbar, ready * c)
                desired = max(pol.min_units, min(pol.max_units, math.ceil(used / (c * tgt) - 1e-9)))
                run_hi = run_hi + 1 if desired > n else 0
                run_lo = run_lo + 1 if desired < n else 0
                if (desired > n and run_hi >= pol.scale_out_evaluation_periods
                        and t - last_out >= pol.scale_out_cooldown_s):
                    pending.append((t + math.ceil(pol.start_s / step_s) * step_s, desired - n))
                    n = desired
                    last_out = t
                elif (desired < n and run_lo >= pol.scale_in_evaluation_periods
                      and t - last_in >= pol.scale_in_cooldown_s):
                    rem = min(n - desired, ready)
                    if rem > 0:
                        n -= rem
                        ready -= rem
                        last_in = t
                acc, acc_n = 0.0, 0
            acc += r
            acc_n += 1
            cap = ready * c
            billed += n * step_s
            if r > cap:
                over += 1
            served += min(r, cap)
        out[name] = (billed, over)
    return out


def main() -> int:
    sc = load_scenario()
    rate = tr.diurnal(MEAN_RPS, peak_to_trough=5.0, peak_hour=14, horizon_days=tr.MONTH_DAYS, step_s=STEP_S,
                      noise_cv=0.3, random_state=1)
    assert rate.size == 2_628_000
    compare(sc, rate_rps=rate[:86400 * 1], step_s=STEP_S)  # warm-up (imports, price file)

    times, cpus = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        res = compare(sc, rate_rps=rate, step_s=STEP_S)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    best = min(times)
    best_cpu = min(cpus)

    tracemalloc.start()
    compare(sc, rate_rps=rate, step_s=STEP_S)
    _, peak_b = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    far, ec2 = scaling_policies(sc)
    days = 3
    sub = rate[: days * 86400].tolist()
    t0 = time.process_time()
    baseline_loop(sub, STEP_S, far, ec2, sc.work.duration.mean_ms, sc.work.memory_mb)
    base_days = time.process_time() - t0
    base_month = base_days * tr.MONTH_DAYS / days

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs (shared machine)")
    print(f"series: 730 h x 1 s = {rate.size:,} steps, mean {rate.mean():.2f} req/s, diurnal + noise")
    print(f"compare() Lambda+Fargate(2 purchases)+EC2(2)+network: best of 5 = {best:.3f} s  (runs: "
          + ", ".join(f"{t:.3f}" for t in times) + f"); best CPU time {best_cpu:.3f} s   target <= 0.5 s")
    print(f"peak traced memory during compare(): {peak_b / 2**20:.0f} MiB; process max RSS {rss_mb:.0f} MiB"
          "   target <= 1 GB")
    print(f"baseline per-step Python loop (CPU time): {base_days:.2f} s for {days} days -> {base_month:.1f} s for 730 h "
          f"(measured on {days} days, scaled x{tr.MONTH_DAYS / days:.2f})")
    print(f"speed-up vs baseline (CPU time vs CPU time): {base_month / best_cpu:.0f}x")
    print(res.table[["monthly_usd", "utilisation", "overload_minutes"]].to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency tails: container_latency against exact M/M/c and a FIFO simulation (M/G/c),
lambda_latency with a lognormal init against Monte Carlo.

Run:  .venv/bin/python benchmarks/bench_latency_tails.py [--requests 1000000]

1. M/M/c: ``container_latency(..., approximation="mmc")`` p99 and p99.9 against the exact
   Erlang-C response-time distribution (``costmodel.models.queueing.mmc_sojourn_quantile``).
2. M/G/c: ``container_latency`` (default ``approximation="mgc"``, Allen-Cunneen's
   ``(1 + cv^2)/2`` on the exponential wait) against ``costmodel.models.queueing.simulate_fifo_pool``
   (Poisson arrivals, the service distribution itself, FIFO, 10 % warm-up dropped) over
   utilisations 0.5-0.95, 1-64 servers and fixed, exponential and lognormal services
   (p99 = 3x and 8x the mean). The simulated quantile's 95 % interval comes from 4
   independent replications (Student t).
3. Lambda: ``lambda_latency`` with a lognormal init (mean 500 ms, p99 1,500 ms) and a
   lognormal warm duration, P(cold) 0.5-20 %, against 20 million Monte Carlo requests.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from costmodel.models.coldstart.fast import FastColdStarts
from costmodel.models.coldstart.simulator import Duration, confidence_interval
from costmodel.models.latency import _lambda_latency_from, container_latency, duration_from_ms
from costmodel.models.queueing import mmc_sojourn_quantile, simulate_fifo_pool


def mmc() -> None:
    print("== M/M/c: container_latency(approximation='mmc') vs the exact Erlang-C response time")
    print("| lambda req/s | w ms | c | rho | exact p99 ms | model p99 | err | exact p99.9 ms | model p99.9 | err |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for lam, w, c in ((50.0, 0.1, 6), (9.0, 0.1, 1), (80.0, 0.1, 10), (380.0, 0.05, 20), (1900.0, 0.05, 100),
                      (0.5, 1.0, 1), (30.0, 2.0, 64)):
        res = container_latency(np.full(5, lam), 60.0, Duration.exponential(w), c, approximation="mmc", timeout_s=None)
        e99 = mmc_sojourn_quantile(0.99, lam, w, c) * 1000
        e999 = mmc_sojourn_quantile(0.999, lam, w, c) * 1000
        r1, r2 = res.p99_ms / e99 - 1, res.p999_ms / e999 - 1
        worst = max(worst, abs(r1), abs(r2))
        print(f"| {lam:g} | {w * 1000:g} | {c} | {lam * w / c:.2f} | {e99:,.1f} | {res.p99_ms:,.1f} | {100 * r1:+.2f} % | "
              f"{e999:,.1f} | {res.p999_ms:,.1f} | {100 * r2:+.2f} % |")
    print(f"worst |error| {100 * worst:.2f} %\n")


def mgc(requests: int) -> None:
    print("== M/G/c: container_latency (Allen-Cunneen) vs FIFO simulation "
          f"({requests:,} requests x 4 replications per case)")
    print("| service | c | rho | sim p99 ms [95 % CI] | model p99 | err | sim p99.9 ms [95 % CI] | model p99.9 | err |")
    print("|---|---|---|---|---|---|---|---|---|")
    services = (("fixed", Duration.fixed(0.1)), ("exponential", Duration.exponential(0.1)),
                ("lognormal p99 3x", Duration.lognormal(0.1, 0.3)), ("lognormal p99 8x", Duration.lognormal(0.1, 0.8)))
    worst = {}
    for label, svc in services:
        for c in (1, 4, 16, 64):
            for rho in (0.5, 0.8, 0.9, 0.95):
                lam = rho * c / svc.mean_s
                res = container_latency(np.full(5, lam), 60.0, svc, c, timeout_s=None)
                reps = [simulate_fifo_pool(lam, svc, c, requests, random_state=s) for s in range(4)]
                q99 = [np.quantile(r, 0.99) * 1000 for r in reps]
                q999 = [np.quantile(r, 0.999) * 1000 for r in reps]
                m99, l99, h99 = confidence_interval(q99, 0.95)
                m999, l999, h999 = confidence_interval(q999, 0.95)
                e1, e2 = res.p99_ms / m99 - 1, res.p999_ms / m999 - 1
                w = worst.setdefault(label, [0.0, 0.0])
                w[0], w[1] = max(w[0], abs(e1)), max(w[1], abs(e2))
                print(f"| {label} | {c} | {rho:.2f} | {m99:,.1f} [{l99:,.1f}, {h99:,.1f}] | {res.p99_ms:,.1f} | "
                      f"{100 * e1:+.1f} % | {m999:,.1f} [{l999:,.1f}, {h999:,.1f}] | {res.p999_ms:,.1f} | {100 * e2:+.1f} % |",
                      flush=True)
    for label, (a, b) in worst.items():
        print(f"worst |error| {label}: p99 {100 * a:.1f} %, p99.9 {100 * b:.1f} %")
    print()


def lambda_init(n: int = 20_000_000) -> None:
    print("== Lambda: lognormal warm (mean 100, p99 300 ms) + lognormal init (mean 500, p99 1,500 ms) when cold")
    print("| P(cold) | MC p99 ms | model p99 | err | MC p99.9 ms | model p99.9 | err |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    warm = duration_from_ms("w", {"mean": 100, "p99": 300})
    init = duration_from_ms("i", {"mean": 500, "p99": 1500})
    for pc in (0.005, 0.02, 0.05, 0.2):
        cold = rng.random(n) < pc
        lat = warm.sample(n, rng)
        lat[cold] += init.sample(int(cold.sum()), rng)
        q = np.quantile(lat, [0.99, 0.999]) * 1000
        f = FastColdStarts(step_s=60.0, arrival_rps=np.ones(4), cold_start_fraction_per_step=np.full(4, pc),
                           throttle_fraction_per_step=np.zeros(4), instances=np.ones(4), busy_instances=np.ones(4))
        res = _lambda_latency_from(f, 60.0, warm, init)
        print(f"| {pc:g} | {q[0]:,.1f} | {res.p99_ms:,.1f} | {100 * (res.p99_ms / q[0] - 1):+.2f} % | {q[1]:,.1f} | "
              f"{res.p999_ms:,.1f} | {100 * (res.p999_ms / q[1] - 1):+.2f} % |")
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=500_000)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    mmc()
    lambda_init()
    mgc(args.requests)
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

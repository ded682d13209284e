"""Bills: cost of one call, and the vectorised cost-over-time path against a per-step loop.

Run:  .venv/bin/python benchmarks/bench_bills.py

Prints, side by side in one run (best of 5 repeats each):
1. ``lambda_bill`` / ``fargate_bill`` for one month (one call), and ``bill_usage`` on the
   largest documented example.
2. A month of 1-minute steps (43,200): per-step Lambda cost with the vectorised helpers
   (``lambda_gb_s`` + cumulative ``tiered_usd``) against a Python loop calling
   ``lambda_bill`` once per step; the ratio; and a check that both give the same month.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from costmodel.models.bills import fargate_bill, lambda_bill, lambda_duration_tiers, lambda_gb_s, tiered_usd
from costmodel.models.pricing import load_prices
from costmodel.scenario.usage import bill_usage

ROOT = Path(__file__).resolve().parents[1]
STEPS = 30 * 24 * 60


def best_of(fn, repeats: int = 5, number: int = 1) -> float:
    """Best wall time of ``number`` calls [s per call]."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main() -> None:
    prices = load_prices()
    rng = np.random.default_rng(0)
    requests = rng.poisson(300.0, STEPS).astype(float)  # ~5 req/s in 1-minute steps
    duration_ms, memory_mb = 120.0, 1536

    print("1. one month, one call")
    t = best_of(lambda: lambda_bill(3e6, 120, 1536, prices=prices), number=200)
    print(f"   lambda_bill (scalar month)       {t * 1e6:10.1f} us/call")
    t = best_of(lambda: fargate_bill(1, 2, 90_000, ephemeral_storage_gb=30, prices=prices), number=200)
    print(f"   fargate_bill                     {t * 1e6:10.1f} us/call")
    path = ROOT / "docs" / "examples" / "lambda-features.yaml"
    t = best_of(lambda: bill_usage(path), number=20)
    print(f"   bill_usage(lambda-features.yaml) {t * 1e3:10.2f} ms/call (YAML parse + validation + bills)")

    print(f"2. cost per step over a month of {STEPS:,} one-minute steps")
    tiers = lambda_duration_tiers("x86_64", prices)
    usd_per_request = prices.usd("lambda.request")

    def vectorised() -> np.ndarray:
        gb_s = lambda_gb_s(requests, duration_ms, memory_mb)
        cumulative = tiered_usd(np.cumsum(gb_s), tiers)
        return np.diff(cumulative, prepend=0.0) + requests * usd_per_request

    def loop() -> float:
        return sum(
            lambda_bill(r, duration_ms, memory_mb, free_tier=False, prices=prices).unrounded_total_usd
            for r in requests[:loop_steps]
        )

    loop_steps = 2_000
    t_vec = best_of(vectorised, number=5)
    t_loop = best_of(loop, repeats=3) * STEPS / loop_steps
    print(f"   vectorised (lambda_gb_s + tiered_usd)   {t_vec * 1e3:10.2f} ms per month")
    print(f"   loop of lambda_bill per step            {t_loop * 1e3:10.0f} ms per month "
          f"(timed on {loop_steps:,} steps, extrapolated)")
    print(f"   ratio loop / vectorised                 {t_loop / t_vec:10.0f} x")
    month_vec = float(vectorised().sum())
    month_bill = lambda_bill(requests, duration_ms, memory_mb, free_tier=False, prices=prices).unrounded_total_usd
    print(f"   same month: vectorised {month_vec:.6f} USD, lambda_bill on the array {month_bill:.6f} USD")


if __name__ == "__main__":
    main()

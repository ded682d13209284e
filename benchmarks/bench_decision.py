"""Speed of the decision area (engineer E): prints measured figures, never asserts.

    .venv/bin/python benchmarks/bench_decision.py

1. `recommend()` on each canonical scenario (cost comparison, break-even search, latency
   models, flip search): wall time per scenario.
2. `fanout.queue_backlog` (vectorised Lindley recursion) on a 30-day, 1-second series
   (2,592,000 steps) against a per-step Python loop, with the ratio.
3. `fanout.fanout_counts` over 1,000,000 configurations against a Python loop.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from costmodel.decision import recommend
from costmodel.fanout import fanout_counts, queue_backlog

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, *args, repeat=1, **kwargs):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    print("== recommend() per canonical scenario (one run each, wall time)")
    recommend(ROOT / "data" / "scenarios" / "bursty-webhook.yaml")  # warm imports
    for p in sorted((ROOT / "data" / "scenarios").glob("*.yaml")):
        t, r = timed(recommend, p)
        print(f"  {p.stem:32s} {t:6.2f} s   -> {r.verdict} ({r.decided_by})")

    print("== queue_backlog: 2,592,000 steps (30 days at 1 s)")
    rng = np.random.default_rng(0)
    arrivals = rng.gamma(0.5, 4.0, size=2_592_000)
    t_vec, q = timed(queue_backlog, arrivals, 2.0, 1.0, repeat=3)

    def loop(a, c, step):
        out = np.empty(a.size)
        prev = 0.0
        for i, x in enumerate(a.tolist()):
            prev = max(0.0, prev + (x - c) * step)
            out[i] = prev
        return out

    t_loop, q_loop = timed(loop, arrivals, 2.0, 1.0)
    assert np.allclose(q, q_loop)
    print(f"  vectorised {t_vec * 1000:8.1f} ms   python loop {t_loop * 1000:8.1f} ms   ratio {t_loop / t_vec:6.1f}x")

    print("== fanout_counts: 1,000,000 configurations")
    u = rng.uniform(1e3, 1e5, 1_000_000)
    f = rng.integers(1, 100, 1_000_000)
    b = rng.integers(1, 11, 1_000_000)
    t_vec, c = timed(fanout_counts, u, f, b, repeat=3)
    t0 = time.perf_counter()
    w = [ui * fi / bi for ui, fi, bi in zip(u.tolist(), f.tolist(), b.tolist())]
    t_loop = time.perf_counter() - t0
    assert np.allclose(c["worker_invocations_per_day"], w)
    print(f"  vectorised {t_vec * 1000:8.1f} ms   python loop {t_loop * 1000:8.1f} ms   ratio {t_loop / t_vec:6.1f}x")


if __name__ == "__main__":
    main()

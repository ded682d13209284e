"""Speed of the decision area: prints measured figures, never asserts.

    .venv/bin/python benchmarks/bench_decision.py

1. `recommend()` on each canonical scenario (cost comparison, break-even search, latency
   models, flip search): wall time per scenario, side by side with the baseline method
   (every `option_costs` call simulates its fleets, the batch autoscaling engine steps
   through every epoch: the state before the speed-up) and a second, warm call (fleets
   memoised, as when a notebook or the explorer calls again). Same verdicts checked.
2. `fanout.queue_backlog` (vectorised Lindley recursion) on a 30-day, 1-second series
   (2,592,000 steps) against a per-step Python loop, with the ratio.
3. `fanout.fanout_counts` over 1,000,000 configurations against a Python loop.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import costmodel.analysis.breakeven as breakeven
import costmodel.models.autoscaling as autoscaling
from costmodel.decision import recommend
from costmodel.models.fanout import fanout_counts, queue_backlog

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
    print(f"  {'scenario':32s} {'baseline':>8s} {'new':>8s} {'ratio':>6s} {'warm':>8s}")
    memo_shapes = breakeven._FLEET_MEMO_SHAPES
    for p in sorted((ROOT / "data" / "scenarios").glob("*.yaml")):
        breakeven._FLEET_MEMO.clear()
        breakeven._FLEET_MEMO_SHAPES, autoscaling._FAST_FORWARD = 0, False  # baseline method
        t_base, r_base = timed(recommend, p)
        breakeven._FLEET_MEMO_SHAPES, autoscaling._FAST_FORWARD = memo_shapes, True
        t, r = timed(recommend, p)  # memo empty: a first call
        t_warm, r_warm = timed(recommend, p)
        assert r.verdict == r_base.verdict == r_warm.verdict and r.to_dict() == r_base.to_dict() == r_warm.to_dict()
        print(f"  {p.stem:32s} {t_base:6.2f} s {t:6.2f} s {t_base / t:5.1f}x {t_warm:6.2f} s"
              f"   -> {r.verdict} ({r.decided_by})")

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

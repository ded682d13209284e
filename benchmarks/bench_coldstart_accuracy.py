"""Accuracy of the fast cold-start model against the exact simulator on time-varying traffic.

Run:  .venv/bin/python benchmarks/bench_coldstart_accuracy.py [--seeds 3] [--only NAME ...] [--quick]

For every series (steady at three rates, diurnal at three rates, two bursty shapes,
spikes, step jumps up and down, sparse, growth, a jump from zero, a warm-up, 1-s noisy
steps, and the traffic of every canonical scenario in ``data/scenarios/``) and every seed
(the seed draws the traffic where it is random and the simulator's arrivals and service
times), the fast model (``costmodel.models.coldstart.fast.fast_cold_starts``, and the latency
percentiles of ``costmodel.models.latency.lambda_latency``) is compared with the exact
simulator (``costmodel.models.coldstart.simulator.simulate``) on the same series, work and init
distributions, keep-alive, concurrency limit and arrival expansion:

* cold-start count (summed over seeds) and its relative error; the simulator's
  standard error from the spread over seeds;
* P(cold) = cold starts / requests;
* p99 latency (warm duration + init when cold; the simulator's empirical p99 averaged
  over seeds);
* instance-seconds (mean instances x horizon).

Goals (issue 11): cold-start count within 10 % wherever the simulator sees at least 200
cold starts, p99 within 5 %, instance-seconds within 2 %. The table marks each miss; the
``auto`` column says which method ``method="auto"`` picks for the series
(``costmodel.models.coldstart.method.choose_method``) and the error of that choice.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from costmodel.models import traffic as tr
from costmodel.models.coldstart.arrivals import arrivals_for_traffic
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.method import choose_method
from costmodel.models.coldstart.simulator import Duration, simulate
from costmodel.models.latency import duration_from_ms, lambda_latency
from costmodel.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GOAL_COUNT, GOAL_P99, GOAL_INST, MIN_COLD = 0.10, 0.05, 0.02, 200


@dataclass
class Case:
    name: str
    build: Callable[[int], tuple]   # seed -> (rates, step_s, warm Duration, init Duration, T, cap, arrivals)


def _generic(name, make_rates, step_s, warm, init, T, cap=1000, arrivals="poisson"):
    return Case(name, lambda seed: (make_rates(seed), step_s, warm, init, T, cap, arrivals))


def _scenario(name, days=None):
    def build(seed):
        over = {}
        sc = load_scenario(ROOT / "data" / "scenarios" / f"{name}.yaml")
        if days is not None:
            over["traffic.horizon_days"] = days
        if "random_state" in (sc.raw.get("traffic") or {}):
            over["traffic.random_state"] = int(sc.raw["traffic"]["random_state"]) + seed
        if over:
            sc = load_scenario(ROOT / "data" / "scenarios" / f"{name}.yaml", overrides=over)
        rates, step, _ = sc.traffic_series()
        warm = duration_from_ms("duration_ms", sc.raw["work"]["duration_ms"])
        init = duration_from_ms("init_duration_ms", float(sc.lambda_["init_duration_ms"]))
        arrivals = arrivals_for_traffic(sc.traffic, rates, step, warm.mean_s)
        return rates, step, warm, init, float(sc.lambda_["keep_alive_s"]), int(sc.lambda_["concurrency_limit"]), arrivals
    return Case(f"scenario {name}" + (f" ({days:g} d)" if days else ""), build)


def _jumps(seed):
    # 1 <-> 30 req/s every 2 hours, 10-s steps, 2 days
    t = np.arange(0, 2 * 86400, 10.0)
    return np.where((t // 7200) % 2 == 0, 1.0, 30.0)


def _noisy_1s(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(86400, dtype=float)
    rate = 5.0 * (1.0 + 0.8 * np.sin(2 * np.pi * t / 86400.0))
    rate[(t > 36000) & (t < 36600)] *= 4.0
    return np.abs(rate + rng.normal(0.0, 1.0, t.size))


def _count_trace(seed):
    # a day of per-minute invocation counts (Poisson-noisy diurnal, 30-900 a minute) with a
    # 10-minute burst, read as exact counts
    rng = np.random.default_rng(seed)
    day = tr.diurnal(3.0, horizon_days=1, step_s=60, peak_to_trough=6.0)
    counts = rng.poisson(day * 60.0)
    counts[600:610] += 2000
    return counts / 60.0


def cases() -> list[Case]:
    logn = Duration.lognormal
    return [
        _generic("steady 0.05 req/s", lambda s: tr.steady(0.05, horizon_days=20, noise_cv=0.1, random_state=s),
                 60.0, Duration.exponential(0.2), Duration.fixed(0.3), 600.0),
        _generic("steady 2 req/s", lambda s: tr.steady(2.0, horizon_days=5, noise_cv=0.1, random_state=s),
                 60.0, logn(0.3, 0.9), Duration.fixed(0.3), 600.0),
        _generic("steady 40 req/s, T 60 s", lambda s: tr.steady(40.0, horizon_days=0.5, noise_cv=0.1, random_state=s),
                 60.0, logn(0.5, 1.5), Duration.fixed(0.4), 60.0),
        _generic("diurnal 0.3 req/s", lambda s: tr.diurnal(0.3, horizon_days=10, noise_cv=0.2, random_state=s),
                 60.0, Duration.exponential(0.15), Duration.fixed(0.25), 600.0),
        _generic("diurnal 5 req/s", lambda s: tr.diurnal(5.0, horizon_days=3, noise_cv=0.1, random_state=s),
                 60.0, logn(0.12, 0.4), Duration.fixed(0.25), 600.0),
        _generic("diurnal 20 req/s + noise, T 60 s", lambda s: tr.diurnal(20.0, horizon_days=1, noise_cv=0.2, random_state=s),
                 60.0, Duration.exponential(0.3), Duration.fixed(0.25), 60.0),
        _generic("bursty: 0.2 -> 50 req/s, 300 s", lambda s: tr.bursty(0.2, burst_rps=50.0, burst_length_s=300,
                 bursts_per_day=6, first_burst_s=600 * s, horizon_days=5), 60.0, logn(0.15, 0.6), Duration.fixed(0.3), 600.0),
        _generic("bursty: 2 -> 20 req/s, 60 s", lambda s: tr.bursty(2.0, burst_rps=20.0, burst_length_s=60,
                 bursts_per_day=24, first_burst_s=90 * s, horizon_days=3), 60.0, Duration.exponential(1.0), Duration.fixed(0.5), 300.0),
        _generic("spikes 0.5 -> 30 req/s", lambda s: tr.spikes(0.5, spike_rps=30.0, spike_length_s=120,
                 spikes_per_day=20, horizon_days=3, random_state=s), 60.0, Duration.exponential(0.5), Duration.fixed(0.8), 600.0),
        _generic("steps 1 <-> 30 req/s every 2 h", _jumps, 10.0, logn(0.4, 1.2), Duration.fixed(0.3), 600.0),
        _generic("sparse 600/day", lambda s: tr.sparse(600, timing="random", horizon_days=30, random_state=s),
                 60.0, logn(0.08, 0.25), Duration.fixed(1.5), 300.0),
        _generic("growth 0.5 -> 10 req/s", lambda s: tr.growth(0.5, end_rps=10.0, horizon_days=4),
                 60.0, Duration.exponential(0.2), Duration.fixed(0.3), 600.0),
        _generic("jump 0 -> 50 req/s, 1-s steps", lambda s: np.r_[np.zeros(60), np.full(1200, 50.0)],
                 1.0, Duration.exponential(1.0), Duration.fixed(0.0), 600.0),
        _generic("warm-up 10 req/s, 2 s work", lambda s: np.full(3600, 10.0),
                 1.0, Duration.exponential(2.0), Duration.fixed(0.0), 600.0),
        _generic("1-s steps, diurnal + noise", _noisy_1s, 1.0, Duration.exponential(0.12), Duration.fixed(0.25), 600.0),
        _generic("steady 1 req/s, 2 s work, T 10 s", lambda s: tr.steady(1.0, horizon_days=2, noise_cv=0.1, random_state=s),
                 60.0, Duration.exponential(2.0), Duration.fixed(0.3), 10.0),
        _generic("diurnal 3 req/s, heavy tail (p99 = 12 x mean)", lambda s: tr.diurnal(3.0, horizon_days=3, noise_cv=0.1, random_state=s),
                 60.0, logn(0.5, 6.0), Duration.fixed(0.3), 300.0),
        _generic("count trace 30-900/min, 1 s work, T 60 s", _count_trace, 60.0, logn(1.0, 3.0), Duration.fixed(0.2),
                 60.0, arrivals="counts"),
        _generic("count trace 0.3/min, 2 s work, T 120 s", lambda s: np.random.default_rng(s).poisson(0.3, 20_000) / 60.0,
                 60.0, logn(2.0, 6.0), Duration.fixed(0.5), 120.0, arrivals="counts"),
        _scenario("bursty-webhook"),
        _scenario("csv-import-chunked"),
        _scenario("default", days=7),
        _scenario("document-pipeline-fanout", days=5),
        _scenario("infrequent-cron"),
        _scenario("nightly-batch-over-15-min"),
        _scenario("steady-high-throughput-api", days=2 / 24),
        _scenario("sync-chain-internal-tool"),
    ]


def run_case(case: Case, seeds: int) -> dict:
    fast_cold = fast_req = fast_inst_s = sim_inst_s = 0.0
    sim_cold, sim_req, sim_p99, pooled = [], [], [], []
    fast_p99 = []
    t_fast = t_sim = 0.0
    auto = None
    for seed in range(seeds):
        rates, step, warm, init, T, cap, arrivals = case.build(seed)
        t0 = time.perf_counter()
        fast = fast_cold_starts(rates, step, warm.mean_s, T, init_mean_s=init.mean_s, concurrency_limit=cap,
                                arrivals=arrivals)
        t_fast += time.perf_counter() - t0
        lat = lambda_latency(rates, step, warm, init, T, concurrency_limit=cap, arrivals=arrivals)
        t0 = time.perf_counter()
        sim = simulate(rates, step_s=step, warm_duration=warm, init_duration=init, keep_alive_s=T,
                       concurrency_limit=cap, arrivals=arrivals, random_state=1000 + seed)
        t_sim += time.perf_counter() - t0
        horizon = rates.size * step
        fast_cold += fast.total_cold_starts
        fast_req += fast.total_requests
        fast_inst_s += fast.mean_instances * horizon
        fast_p99.append(lat.p99_ms)
        sim_cold.append(sim.cold_starts)
        sim_req.append(sim.requests)
        sim_inst_s += sim.mean_instances * horizon
        sim_p99.append(float(np.quantile(sim.latency_s, 0.99)) * 1000.0 if sim.requests else float("nan"))
        pooled.append(sim.latency_s)
        if auto is None:
            auto = choose_method(rates, step, warm, T, arrivals=arrivals)[0]
    lat = np.sort(np.concatenate(pooled))
    # distribution-free 95 % interval of the simulator's p99: order statistics at ranks
    # n q -+ 1.96 sqrt(n q (1 - q))
    nq, half = lat.size * 0.99, 1.96 * math.sqrt(lat.size * 0.99 * 0.01)
    p99_lo = float(lat[max(0, int(math.floor(nq - half)) - 1)]) * 1000.0
    p99_hi = float(lat[min(lat.size - 1, int(math.ceil(nq + half)) - 1)]) * 1000.0
    p99_pool = float(np.quantile(lat, 0.99)) * 1000.0
    sc = float(np.sum(sim_cold))
    se = float(np.std(sim_cold, ddof=1) * math.sqrt(seeds)) if seeds > 1 else float("nan")   # SE of the sum
    return {
        "name": case.name, "requests": float(np.sum(sim_req)) / seeds, "sim_cold": sc, "sim_cold_se": se,
        "fast_cold": fast_cold, "cold_err": (fast_cold / sc - 1.0) if sc > 0 else float("nan"),
        "sim_pcold": sc / max(np.sum(sim_req), 1), "fast_pcold": fast_cold / max(fast_req, 1e-300),
        "sim_p99": p99_pool, "sim_p99_lo": p99_lo, "sim_p99_hi": p99_hi, "fast_p99": float(np.mean(fast_p99)),
        "p99_err": float(np.mean(fast_p99)) / p99_pool - 1.0,
        "inst_err": fast_inst_s / sim_inst_s - 1.0 if sim_inst_s > 0 else float("nan"),
        "sim_inst_s": sim_inst_s, "t_fast": t_fast / seeds, "t_sim": t_sim / seeds, "auto": auto,
    }


def fmt_row(r: dict) -> str:
    miss = []
    if r["sim_cold"] >= MIN_COLD and abs(r["cold_err"]) > GOAL_COUNT:
        miss.append("count")
    if abs(r["p99_err"]) > GOAL_P99 and not (r["sim_p99_lo"] <= r["fast_p99"] <= r["sim_p99_hi"]):
        miss.append("p99")
    if abs(r["inst_err"]) > GOAL_INST:
        miss.append("inst")
    return (f"| {r['name']} | {r['requests']:,.0f} | {r['sim_cold']:,.0f} ± {r['sim_cold_se']:,.0f} | {r['fast_cold']:,.0f} | "
            f"{100 * r['cold_err']:+.1f} % | {r['sim_pcold']:.2e} | {r['fast_pcold']:.2e} | "
            f"{r['sim_p99']:,.0f} [{r['sim_p99_lo']:,.0f}, {r['sim_p99_hi']:,.0f}] | {r['fast_p99']:,.0f} | {100 * r['p99_err']:+.1f} % | {100 * r['inst_err']:+.2f} % | "
            f"{r['t_fast']:.2f} / {r['t_sim']:.1f} | {r['auto']} | {', '.join(miss) or 'ok'} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None, help="substrings of case names to run")
    args = ap.parse_args(argv)
    print(f"== fast model vs exact simulator, {args.seeds} seeds per series (sums over seeds)")
    print("| series | requests/seed | sim cold (sum ± SE) | fast cold | count err | sim P(cold) | fast P(cold) | "
          "sim p99 ms [95 % CI] | fast p99 ms | p99 err | inst-s err | time fast / sim s | auto | goals missed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for case in cases():
        if args.only and not any(o in case.name for o in args.only):
            continue
        r = run_case(case, args.seeds)
        rows.append(r)
        print(fmt_row(r), flush=True)
    counted = [r for r in rows if r["sim_cold"] >= MIN_COLD]
    worst_c = max((abs(r["cold_err"]) for r in counted), default=0.0)
    worst_p = max((abs(r["p99_err"]) for r in rows if not (r["sim_p99_lo"] <= r["fast_p99"] <= r["sim_p99_hi"])),
                  default=0.0)
    worst_i = max(abs(r["inst_err"]) for r in rows)
    fast_rows = [r for r in rows if r["auto"] == "fast"]
    wc = max((abs(r["cold_err"]) for r in fast_rows if r["sim_cold"] >= MIN_COLD), default=0.0)
    wp = max((abs(r["p99_err"]) for r in fast_rows if not (r["sim_p99_lo"] <= r["fast_p99"] <= r["sim_p99_hi"])),
             default=0.0)
    wi = max((abs(r["inst_err"]) for r in fast_rows), default=0.0)
    print(f"\nwhere method='auto' keeps the fast model ({len(fast_rows)} of {len(rows)} series): worst |count error| "
          f"{100 * wc:.1f} %, worst |p99 error| outside the simulator's interval {100 * wp:.1f} %, worst "
          f"|instance-seconds error| {100 * wi:.2f} %; the other series run the simulator: "
          + (", ".join(r["name"] for r in rows if r["auto"] != "fast") or "none"))
    print(f"fast model everywhere: worst |count error| where the simulator sees >= {MIN_COLD} cold starts: {100 * worst_c:.1f} % "
          f"(goal {100 * GOAL_COUNT:.0f} %); worst |p99 error| outside the simulator's 95 % interval "
          f"{100 * worst_p:.1f} % (goal {100 * GOAL_P99:.0f} %); "
          f"worst |instance-seconds error| {100 * worst_i:.2f} % (goal {100 * GOAL_INST:.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

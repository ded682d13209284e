"""What the assumption search costs: prints measured figures, never asserts timings.

    .venv/bin/python benchmarks/bench_assumptions.py

1. Per canonical scenario: ``recommend()`` wall time (first call in the process), and the
   part of it spent in ``costmodel.decision.assumptions.assumption_flips`` (timed on the
   same facts), with the number of assumptions checked and those that flip.
2. One variant priced two ways, side by side: re-pricing the comparison's own fleets
   (``assumption_costs``, what the search does) against re-running the whole comparison on
   the variant (``compare``: traffic, both autoscaling simulations, Lambda); the totals must
   agree to the cent, and the ratio is printed.
3. ``assumption_tornado`` per scenario (wall time, rows).
"""
from __future__ import annotations

import time
from pathlib import Path

from costmodel.analysis.assumptions import assumption_costs, assumption_tornado, assumption_variant
from costmodel.analysis.compare import compare
from costmodel.decision import load_decision_signals, load_hard_limits, recommend
from costmodel.decision.assumptions import assumption_flips
from costmodel.decision.measure import measure_facts
from costmodel.decision.validate import validate_team, validate_workload
from costmodel.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["default", "bursty-webhook", "document-pipeline-fanout", "infrequent-cron", "steady-high-throughput-api",
             "sync-chain-internal-tool", "nightly-batch-over-15-min", "csv-import-chunked"]


def main() -> None:
    scfg, lcfg = load_decision_signals(), load_hard_limits()
    recommend(ROOT / "data" / "scenarios" / "infrequent-cron.yaml")  # warm imports
    print("== recommend() and the assumption search in it (wall time, first call per scenario object)")
    print(f"  {'scenario':30s} {'recommend':>10s} {'flip search':>12s} {'checked':>8s} {'flip':>5s}")
    for name in SCENARIOS:
        path = ROOT / "data" / "scenarios" / f"{name}.yaml"
        t0 = time.perf_counter()
        rec = recommend(load_scenario(path))
        t_rec = time.perf_counter() - t0
        sc = load_scenario(path)
        workload = validate_workload(sc.raw["workload"], memory_mb=sc.work.memory_mb, limits=lcfg)
        team = validate_team(sc.raw["team"], scfg)
        facts = measure_facts(sc, workload, scfg, limits=lcfg)
        t0 = time.perf_counter()
        checked, flips = assumption_flips(sc, facts, workload, team, scfg, lcfg, rec.verdict, rec.decided_by)
        t_flip = time.perf_counter() - t0
        print(f"  {name:30s} {t_rec:8.2f} s {t_flip:10.2f} s {len(checked):8d} {len(flips):5d}")

    print("== one variant (Fargate Savings Plan discount 0.4), re-priced vs re-simulated")
    for name in ("default", "steady-high-throughput-api"):
        sc = load_scenario(ROOT / "data" / "scenarios" / f"{name}.yaml")
        cmp = compare(sc)
        best_re, best_full = float("inf"), float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            re = assumption_costs(sc, "fargate_savings_plan_discount", 0.4, comparison=cmp)
            best_re = min(best_re, time.perf_counter() - t0)
            t0 = time.perf_counter()
            full = compare(assumption_variant(sc, "fargate_savings_plan_discount", 0.4)).table
            best_full = min(best_full, time.perf_counter() - t0)
        diff = max(abs(re.loc[o, "monthly_usd"] - full.loc[o, "monthly_usd"]) for o in full.index)
        print(f"  {name:30s} re-priced {best_re * 1000:7.1f} ms   re-simulated {best_full * 1000:7.1f} ms   "
              f"ratio {best_full / best_re:5.1f}x   largest difference ${diff:.2f}")

    print("== assumption_tornado (wall time)")
    for name in ("default", "steady-high-throughput-api", "document-pipeline-fanout"):
        sc = load_scenario(ROOT / "data" / "scenarios" / f"{name}.yaml")
        compare(sc)
        t0 = time.perf_counter()
        df = assumption_tornado(sc)
        print(f"  {name:30s} {time.perf_counter() - t0:6.2f} s   {len(df)} assumptions, against {df.attrs['option']}")


if __name__ == "__main__":
    main()

"""How long importing a whole account takes, and which engine the per-function work should use.

Seeds N Lambda functions in moto (in-process): configuration, tags and a week of hourly
Invocations / Duration statistic sets each, through the real boto3 calls. Then runs
``import_fleet`` once per engine, side by side in this process: paged listing, batched
GetMetricData (500 queries per call), one scenario + trace per function, the per-function
analysis (``--analysis cost``: ``compare``; ``recommend``: the full decision).

moto's own GetMetricData is O(queries x periods x datapoints) (hours at this scale), so
it is served by ``benchmarks/moto_indexed_metrics.py`` (same results, checked in
tests/functional/test_import_fleet.py); everything else is moto as shipped.

    python benchmarks/bench_import_fleet.py --n 1000 --engines serial,processes,dask
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.moto_indexed_metrics import patched_moto_metrics
from costmodel.importers.cloudwatch import aws_clients
from costmodel.importers.demo_account import demo_now, seed_lambda_function
from costmodel.importers.fleet import import_fleet
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="functions to seed")
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--engines", default="serial,processes,dask")
    ap.add_argument("--analysis", default="cost", choices=["cost", "recommend"])
    ap.add_argument("--analysis-n", type=int, default=None, help="analyse only the first K functions")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from moto import mock_aws

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(args.seed)
    rates = np.exp(rng.uniform(np.log(0.01), np.log(200.0), size=args.n))
    memories = rng.choice([128, 256, 512, 1024, 2048], size=args.n)
    with patched_environ(DUMMY_AWS_ENV), mock_aws(), patched_moto_metrics():
        clients = aws_clients("us-east-1")
        now = demo_now()
        t = time.perf_counter()
        for i in range(args.n):
            seed_lambda_function(clients, f"fn-{i:04d}", now=now, days=args.days, mean_rps=float(rates[i]),
                                 peak_to_trough=3.0, burst_rps=0.0, memory_mb=int(memories[i]), log_hours=0,
                                 metric_step_s=3600, concurrency_metric=False, random_state=i,
                                 tags={"team": f"t{i % 4}"})
        print(f"seeded {args.n} functions x {args.days:g} days of hourly metrics in {time.perf_counter() - t:.1f} s")
        names = None if args.analysis_n is None else [f"fn-{i:04d}" for i in range(args.analysis_n)]
        results = {}
        for engine in args.engines.split(","):
            tm: dict = {}
            t = time.perf_counter()
            table = import_fleet(region=clients, now=now, days=args.days, percentiles=(), analysis=args.analysis,
                                 engine=engine, workers=args.workers, progress=False, timings=tm, functions=names)
            wall = time.perf_counter() - t
            results[engine] = (wall, tm, table)
            print(f"{engine:10s} wall {wall:7.1f} s | list {tm['list_s']:.2f} s, fetch {tm['fetch_s']:.2f} s "
                  f"({tm['get_metric_data_calls']} GetMetricData calls, period {tm['period_s']} s), analyse "
                  f"{tm['analyse_s']:.1f} s for {tm['functions']} functions "
                  f"({1000 * tm['analyse_s'] / max(1, tm['functions']):.1f} ms each)")
        base = results.get("serial")
        if base:
            for engine, (wall, tm, table) in results.items():
                same = table[["function", "verdict", "lambda_usd", "container_usd"]].equals(
                    base[2][["function", "verdict", "lambda_usd", "container_usd"]])
                print(f"{engine:10s} analyse speed-up vs serial {base[1]['analyse_s'] / tm['analyse_s']:.2f}x, "
                      f"whole import {base[0] / wall:.2f}x; same table as serial: {same}")
        table = next(iter(results.values()))[2]
        print(table["verdict"].value_counts().to_string())
        print(f"monthly savings if the 'containers' verdicts moved: ${table['monthly_savings_usd'].sum():,.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

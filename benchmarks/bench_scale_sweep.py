"""Every canonical scenario scaled from 0.001x to 10,000x: finite figures, monotone costs,
a verdict; time and peak memory per run.

Run:  .venv/bin/python benchmarks/bench_scale_sweep.py [--factors 0.001 0.01 ...] [--only NAME ...]

Each (scenario, factor) runs ``costmodel.decision.recommend`` on the scenario with
``traffic.scale`` set to the factor, in its own subprocess (so the peak resident memory,
``ru_maxrss``, is the run's own), with every floating-point ``RuntimeWarning`` turned into
an error. Checked per run: the verdict exists and every cost, latency and share in the
evidence is finite (a NumericalError or a warning is a failure). Checked across factors:
the Lambda monthly cost and the cheapest container cost never fall when the traffic grows
(to 0.5 % or one cent, for the month's Poisson noise and the rounding of the bill); the
Lambda p99 if every request were warm stays the same (it depends on the work only).
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTORS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0)

CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("error", RuntimeWarning)
from costmodel.decision import recommend
from costmodel.scenario import load_scenario
path, factor = sys.argv[1], float(sys.argv[2])
t0 = time.perf_counter()
out = {"factor": factor}
try:
    rec = recommend(load_scenario(path, overrides={"traffic.scale": factor}))
    e = rec.evidence
    out.update(verdict=rec.verdict, decided_by=rec.decided_by,
               lambda_usd=e.get("lambda_monthly_usd"), container_usd=e.get("cheapest_container_monthly_usd"),
               container=e.get("cheapest_container_option"), lambda_p99=e.get("lambda_p99_ms"),
               warm_p99=e.get("lambda_warm_p99_ms"), container_p99=e.get("container_p99_ms"),
               chain_p99=e.get("chain_p99_ms"), cold=e.get("cold_start_fraction"),
               timeout=e.get("container_timeout_fraction"),
               mean_rps=(e.get("traffic") or {}).get("mean_rps"))
except Exception as exc:   # the failure is the result
    out.update(error=f"{type(exc).__name__}: {exc}"[:400])
out["seconds"] = time.perf_counter() - t0
out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(out))
"""


def run(path: Path, factor: float) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), repr(factor)], capture_output=True, text=True,
                          timeout=3600)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"factor": factor, "error": (proc.stderr or proc.stdout)[-400:], "seconds": float("nan"),
                "max_rss_mb": float("nan")}


def finite(r: dict) -> bool:
    keys = ("lambda_usd", "container_usd", "lambda_p99", "warm_p99", "container_p99", "chain_p99", "cold", "timeout")
    return all(r.get(k) is None or math.isfinite(float(r[k])) for k in keys)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--factors", type=float, nargs="*", default=list(FACTORS))
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args(argv)
    paths = sorted((ROOT / "data" / "scenarios").glob("*.yaml"))
    problems = []
    print("| scenario | scale | mean req/s | verdict (decided by) | Lambda $/month | cheapest container $/month | "
          "Lambda p99 ms | container p99 ms | cold share | time s | peak RSS MB | check |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    t_all = time.perf_counter()
    for path in paths:
        if args.only and not any(o in path.stem for o in args.only):
            continue
        rows = [run(path, f) for f in args.factors]
        for prev, r in zip([None] + rows[:-1], rows):
            issue = []
            if "error" in r:
                issue.append("ERROR " + r["error"])
            elif not finite(r):
                issue.append("non-finite")
            if prev is not None and "error" not in r and "error" not in prev:
                for k in ("lambda_usd", "container_usd"):
                    if r[k] < prev[k] * 0.995 - 0.01:
                        issue.append(f"{k} falls {prev[k]:,.2f} -> {r[k]:,.2f}")
                if abs(r["warm_p99"] - prev["warm_p99"]) > 1e-6 * r["warm_p99"]:
                    issue.append("warm p99 changes")
            if issue:
                problems.append((path.stem, r["factor"], issue))
            fmt = lambda v, spec: "-" if v is None else format(v, spec)  # noqa: E731
            print(f"| {path.stem} | {r['factor']:g}x | {fmt(r.get('mean_rps'), ',.4g')} | "
                  f"{r.get('verdict', '-')} ({r.get('decided_by', '-')}) | {fmt(r.get('lambda_usd'), ',.2f')} | "
                  f"{fmt(r.get('container_usd'), ',.2f')} ({r.get('container', '-')}) | {fmt(r.get('lambda_p99'), ',.0f')} | "
                  f"{fmt(r.get('container_p99'), ',.0f')} | {fmt(r.get('cold'), '.3g')} | {r['seconds']:.1f} | "
                  f"{r['max_rss_mb']:.0f} | {'; '.join(issue) or 'ok'} |", flush=True)
    print(f"\n{len(problems)} problem(s); total {time.perf_counter() - t_all:.0f} s")
    for p in problems:
        print("  ", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

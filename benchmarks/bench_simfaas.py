"""Our exact simulator against SimFaaS itself (PyPI ``simfaas==0.2.2``): agreement and speed.

Run:  .venv/bin/python benchmarks/bench_simfaas.py [--reps N] [--speed-requests N]

SimFaaS is installed into its own virtualenv ``benchmarks/.simfaas-venv`` (gitignored)
with ``python3 -m venv`` + pip when missing; if that is impossible (no network, no
index) the benchmark prints why and exits 0. SimFaaS runs in a subprocess of that venv
(it has no seed argument: we call ``numpy.random.seed`` per replication).

1. Agreement: for each workload, ``--reps`` replications of both simulators with the same
   semantics (Poisson arrivals, exponential warm and cold service, keep-alive from the last
   departure, newest-instance routing, concurrency cap). P(cold), P(reject) and the mean
   instance count are compared with a Welch test at 99 % (|difference| <= 2.58 x the
   combined standard error), and the 99 % t-intervals are printed side by side.
2. Speed: one run of each at 10 req/s until about ``--speed-requests`` requests (default
   1,000,000); requests per second of wall time and the ratio. Goal: ours >= 10x.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from costmodel.models.coldstart.simulator import Duration, confidence_interval, simulate

HERE = Path(__file__).resolve().parent
VENV = HERE / ".simfaas-venv"
VENV_PY = VENV / "bin" / "python"
PIN = "simfaas==0.2.2"

WORKLOADS = [
    # label, arrival rps, warm mean s, cold mean s, keep-alive s, cap, horizon s
    ("SimFaaS README example", 0.9, 2.016, 2.163, 600.0, 1000, 2.0e4),
    ("short keep-alive", 1.0, 1.0, 1.5, 10.0, 1000, 2.0e4),
    ("low rate (closed form 0.5485)", 0.001, 0.5, 0.5, 600.0, 1000, 2.0e6),
    ("Erlang-B cap (0.1589)", 10.0, 2.0, 2.0, 1.0e7, 20, 2.0e3),
]

CHILD = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from simfaas.ServerlessSimulator import ServerlessSimulator
    args = json.loads(sys.argv[1])
    out = []
    for seed in args["seeds"]:
        np.random.seed(seed)
        sim = ServerlessSimulator(arrival_rate=args["rate"], warm_service_rate=1 / args["warm"],
                                  cold_service_rate=1 / args["cold"], expiration_threshold=args["keep_alive"],
                                  max_time=args["horizon"], maximum_concurrency=args["cap"])
        t0 = time.perf_counter()
        sim.generate_trace(debug_print=False, progress=False)
        wall = time.perf_counter() - t0
        r = sim.get_result_dict()
        out.append({k: float(r[k]) for k in ("prob_cold", "prob_reject", "inst_count_avg",
                                              "inst_running_count_avg", "inst_idle_count_avg", "reqs_total")}
                   | {"wall_s": wall})
    print(json.dumps(out))
    """
)


def ensure_simfaas() -> str | None:
    """Return None when SimFaaS is usable, else the reason it is not."""
    def importable() -> bool:
        return VENV_PY.exists() and subprocess.run(
            [str(VENV_PY), "-c", "import simfaas.ServerlessSimulator"], capture_output=True
        ).returncode == 0

    if importable():
        return None
    try:
        if not VENV_PY.exists():
            subprocess.run([sys.executable if sys.prefix == sys.base_prefix else "python3", "-m", "venv", str(VENV)],
                           check=True, capture_output=True, timeout=300)
        subprocess.run([str(VENV_PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PIN],
                       check=True, capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return f"could not install {PIN} into {VENV}: {exc} {detail.decode(errors='replace')[-300:]}"
    return None if importable() else f"{PIN} installed but does not import"


def run_simfaas(rate, warm, cold, keep_alive, cap, horizon, seeds) -> list[dict]:
    args = dict(rate=rate, warm=warm, cold=cold, keep_alive=keep_alive, cap=cap, horizon=horizon, seeds=list(seeds))
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([str(VENV_PY), "-c", CHILD, json.dumps(args)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"SimFaaS run failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_ours(rate, warm, cold, keep_alive, cap, horizon, seeds) -> list[dict]:
    out = []
    for seed in seeds:
        t0 = time.perf_counter()
        r = simulate(rate, horizon, warm_duration=Duration.exponential(warm), cold_duration=Duration.exponential(cold),
                     keep_alive_s=keep_alive, concurrency_limit=cap, random_state=seed)
        wall = time.perf_counter() - t0
        out.append(r.to_dict() | {"reqs_total": r.requests, "wall_s": wall})
    return out


def _fmt_ci(values) -> str:
    m, lo, hi = confidence_interval(values, level=0.99)
    return f"{m:.4g} [{lo:.4g}, {hi:.4g}]"


def agreement(reps: int) -> bool:
    print(f"== agreement: {reps} replications each, 99 % t-intervals; Welch |diff| <= 2.58 SE")
    print("| workload | metric | SimFaaS | ours | diff / SE | agree |")
    print("|---|---|---|---|---|---|")
    all_ok = True
    for label, rate, warm, cold, ka, cap, horizon in WORKLOADS:
        theirs = run_simfaas(rate, warm, cold, ka, cap, horizon, range(1, reps + 1))
        ours = run_ours(rate, warm, cold, ka, cap, horizon, range(1001, 1001 + reps))
        for key, name in (("prob_cold", "P(cold)"), ("prob_reject", "P(reject)"), ("inst_count_avg", "mean instances")):
            a = np.array([r[key] for r in theirs])
            b = np.array([r[key] for r in ours])
            if key == "prob_reject" and a.max() == 0 and b.max() == 0:
                continue
            se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            z = abs(a.mean() - b.mean()) / se if se > 0 else 0.0
            ok = z <= 2.58
            all_ok &= ok
            print(f"| {label} | {name} | {_fmt_ci(a)} | {_fmt_ci(b)} | {z:.2f} | {'yes' if ok else 'NO'} |")
    return all_ok


def speed(n_requests: int) -> None:
    rate, warm, cold, ka = 10.0, 2.016, 2.163, 600.0
    horizon = n_requests / rate
    print(f"\n== speed: {n_requests:,} requests at {rate:g} req/s (warm {warm} s, cold {cold} s, keep-alive {ka:g} s)")
    theirs = run_simfaas(rate, warm, cold, ka, 1000, horizon, [7])[0]
    ours_runs = run_ours(rate, warm, cold, ka, 1000, horizon, [7, 8, 9])
    ours_wall = min(r["wall_s"] for r in ours_runs)
    t_rps = theirs["reqs_total"] / theirs["wall_s"]
    o_rps = ours_runs[0]["reqs_total"] / ours_wall
    print(f"   SimFaaS 0.2.2 : {theirs['wall_s']:.1f} s for {theirs['reqs_total']:,.0f} requests = {t_rps:,.0f} requests/s")
    print(f"   ours          : {ours_wall:.2f} s for {ours_runs[0]['reqs_total']:,.0f} requests = {o_rps:,.0f} requests/s "
          f"(best of 3, includes drawing arrivals and service times)")
    print(f"   speed ratio   : {o_rps / t_rps:.1f}x (goal >= 10x)")
    print(f"   P(cold): SimFaaS {theirs['prob_cold']:.3e}, ours {ours_runs[0]['prob_cold']:.3e}; "
          f"mean instances: SimFaaS {theirs['inst_count_avg']:.2f}, ours {ours_runs[0]['inst_count_avg']:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--speed-requests", type=int, default=1_000_000)
    ap.add_argument("--skip-agreement", action="store_true")
    args = ap.parse_args(argv)
    reason = ensure_simfaas()
    if reason is not None:
        print(f"SKIP: SimFaaS benchmark not run - {reason}")
        return 0
    if not args.skip_agreement:
        ok = agreement(args.reps)
        print(f"\nall compared figures agree: {'yes' if ok else 'NO'}")
    speed(args.speed_requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())

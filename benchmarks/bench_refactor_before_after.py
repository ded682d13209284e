"""recommend() and the report's computations, before and after the scenario is resolved once:
two source trees timed side by side in one run, alternating, each call in a fresh process
(imports excluded from the timing).

    .venv/bin/python benchmarks/bench_refactor_before_after.py --before /path/to/old/checkout [--reps 5]

The old tree is any checkout of the flat layout (for example ``git worktree add /tmp/before
fd7062e``); its package is imported from ``<tree>/src``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNIPPET = {
    "flat": "import time, numpy as np\n"
            "from costmodel.decision import recommend\n"
            "from costmodel.compare import compare\n"
            "from costmodel.breakeven import option_costs\n"
            "from costmodel import notebook_helpers as nh\n",
    "layered": "import time, numpy as np\n"
               "from costmodel.decision import recommend\n"
               "from costmodel.analysis.compare import compare\n"
               "from costmodel.analysis.breakeven import option_costs\n"
               "from types import SimpleNamespace\n"
               "from costmodel.decision.evidence import decide, decision_evidence\n"
               "from costmodel.workbook.parameters import load_report_scenario\n"
               "nh = SimpleNamespace(load_report_scenario=load_report_scenario, decide=decide,\n"
               "                     decision_evidence=decision_evidence)\n",
}
BODY = {
    "recommend": """
p = {path!r}
t0 = time.perf_counter()
recommend(p)
print(time.perf_counter() - t0)
""",
    "report": """
p = {path!r}
t0 = time.perf_counter()
sc = nh.load_report_scenario(p, {{}})
rec = nh.decide(sc)
nh.decision_evidence(sc, rec)
compare(sc)
option_costs(sc, np.geomspace(0.01, 1000, 11))
print(time.perf_counter() - t0)
""",
}


def run(tree: Path, layout: str, path: str) -> tuple[float, float]:
    """(recommend() [s], the report notebook's library calls [s]), each in its own process."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    times = []
    for what in ("recommend", "report"):
        out = subprocess.run([sys.executable, "-c", SNIPPET[layout] + BODY[what].format(path=path)], env=env,
                             capture_output=True, text=True, check=True, cwd=tree)
        times.append(float(out.stdout.split()[-1]))
    return times[0], times[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--scenario", default="data/scenarios/default.yaml")
    args = ap.parse_args()
    res: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    for _ in range(args.reps):
        res["before"].append(run(args.before.resolve(), "flat", args.scenario))
        res["after"].append(run(ROOT, "layered", args.scenario))
    print(f"scenario {args.scenario}, {args.reps} alternating fresh-process runs, median [s]")
    print(f"{'':10s} {'recommend()':>12s} {'report calls':>13s}")
    for k, v in res.items():
        print(f"{k:10s} {statistics.median(a for a, _ in v):12.2f} {statistics.median(b for _, b in v):13.2f}")
    r = [statistics.median(a for a, _ in res[k]) for k in ("before", "after")]
    q = [statistics.median(b for _, b in res[k]) for k in ("before", "after")]
    print(f"{'ratio':10s} {r[0] / r[1]:11.2f}x {q[0] / q[1]:12.2f}x  (before / after)")


if __name__ == "__main__":
    main()

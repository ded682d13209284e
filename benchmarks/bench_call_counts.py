"""How many times one recommend() and one report's computations load the scenario, build its
traffic and run the comparison (issue: "each thing computed once per call").

Counts come from cProfile (every call of the named functions, whoever imported them), and the
wall time of each path is measured in the same run. The report path is the sequence of library
calls the report notebook makes (``src/costmodel/workbook/report.ipynb``), executed in-process.

    .venv/bin/python benchmarks/bench_call_counts.py [--scenario data/scenarios/default.yaml]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path

import numpy as np

from costmodel.resources import data_path

WATCH = {
    "load_scenario (calls)": ("scenario/load.py", "load_scenario"),
    "scenario parsed and validated": ("scenario/load.py", "_from_document"),
    "build_traffic": ("scenario/load.py", "build_traffic"),
    "compare (calls)": ("analysis/compare.py", "compare"),
    "comparison computed": ("analysis/compare.py", "_compare"),
    "option_bills": ("analysis/compare.py", "option_bills"),
    "simulate_scaling": ("models/autoscaling.py", "simulate_scaling"),
    "lambda_on_traffic": ("models/lambda_traffic.py", "lambda_on_traffic"),
    "load_prices": ("models/pricing.py", "load_prices"),
}


def _counts(stats: pstats.Stats) -> dict[str, int]:
    out = dict.fromkeys(WATCH, 0)
    for (path, _line, func), (_cc, nc, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        for label, (suffix, name) in WATCH.items():
            if func == name and path.endswith(suffix):
                out[label] += nc
    return out


def _recommend_path(scenario: str) -> None:
    from costmodel.decision import recommend

    recommend(scenario)


def _report_path(scenario: str) -> None:
    """The report notebook's library calls, in its order."""
    from costmodel.analysis.breakeven import option_costs
    from costmodel.analysis.compare import compare
    from costmodel.decision.evidence import decide, decision_evidence
    from costmodel.workbook.figures import capacity_figure, cumulative_cost_figure
    from costmodel.workbook.parameters import load_report_scenario

    sc = load_report_scenario(scenario, {})
    rec = decide(sc)
    decision_evidence(sc, rec)
    cmp = compare(sc)
    cumulative_cost_figure(cmp)
    capacity_figure(cmp)
    option_costs(sc, np.geomspace(0.01, 1000, 11))


def measure(fn, scenario: str) -> tuple[dict[str, int], float]:
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    fn(scenario)
    prof.disable()
    wall = time.perf_counter() - t0
    return _counts(pstats.Stats(prof)), wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(data_path("scenarios", "default.yaml")))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # warm imports and caches that are not per call (price file parse, label thresholds)
    _recommend_path(args.scenario)
    out = {}
    for name, fn in (("recommend", _recommend_path), ("report", _report_path)):
        counts, wall = measure(fn, args.scenario)
        t0 = time.perf_counter()
        fn(args.scenario)
        out[name] = {"counts": counts, "profiled_s": round(wall, 2), "wall_s": round(time.perf_counter() - t0, 2)}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"scenario: {Path(args.scenario).name}")
    labels = list(WATCH)
    print(f"{'function':38s} {'recommend()':>12s} {'report path':>12s}")
    for lab in labels:
        print(f"{lab:38s} {out['recommend']['counts'][lab]:12d} {out['report']['counts'][lab]:12d}")
    print(f"{'wall time [s] (unprofiled)':38s} {out['recommend']['wall_s']:12.2f} {out['report']['wall_s']:12.2f}")


if __name__ == "__main__":
    main()

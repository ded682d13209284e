"""The cost against the latency target and its crossovers."""
from __future__ import annotations

import numpy as np

from costmodel.analysis.service_curve import cost_vs_target
from costmodel.scenario.load import load_scenario

DOC = {"name": "curve", "traffic": {"pattern": "diurnal", "mean_rps": 3.0, "random_state": 1, "noise_cv": 0.1,
                                    "step_s": 300, "horizon_days": 2},
       "work": {"duration_ms": {"mean": 120, "p99": 300}, "cpu_ms_per_request": 60, "memory_mb": 512},
       "containers": {"fargate": {"metric_period_s": 300}},
       "service_level": {"latency_target_ms": 1000}}


def test_costs_only_grow_as_the_target_tightens_and_nothing_meets_below_the_work():
    c = cost_vs_target(load_scenario(DOC), [3000.0, 1000.0, 500.0, 350.0, 200.0])
    assert list(c.monthly_usd.index) == [3000.0, 1000.0, 500.0, 350.0, 200.0]      # loosest first
    for opt in c.monthly_usd.columns:
        met = c.meets[opt].to_numpy()
        assert np.all(np.diff(c.monthly_usd[opt].to_numpy()[met]) >= -0.01)
    # the work alone has p99 300 ms: no option meets 200 ms
    assert not c.meets.loc[200.0].any() and c.cheapest.loc[200.0] is None
    assert c.meets.loc[3000.0].all()
    kinds = {x["kind"] for x in c.crossovers}
    assert {"lambda_stops_meeting", "containers_stops_meeting"} <= kinds
    assert "cannot meet" in c.to_text() and "*" in c.to_text()


def test_cost_parity_is_interpolated_between_the_targets_that_bracket_it():
    c = cost_vs_target(load_scenario(DOC), [3000.0, 1000.0, 500.0, 350.0])
    r = c.ratio.to_numpy()
    for x in c.crossovers:
        if x["kind"] == "cost_parity":
            a, b = x["between_ms"]
            assert b < x["at_ms"] < a
            ia, ib = list(c.ratio.index).index(a), list(c.ratio.index).index(b)
            assert (r[ia] - 1.0) * (r[ib] - 1.0) < 0
    d = c.to_dict()
    assert d["targets_ms"][0] == 3000.0 and len(d["monthly_usd"]["lambda"]) == 4

"""The cost against the latency target and its crossovers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from costmodel.analysis.service_curve import cost_vs_target, find_crossovers
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


def test_crossovers_of_a_hand_made_curve():
    # Lambda 80 -> 80 -> 160 -> 400 (provisioned concurrency as the target tightens), the
    # containers flat at 100 (Fargate) and 120 (EC2) until EC2 alone meets 200 ms at 300
    targets = [2000.0, 1000.0, 500.0, 200.0]
    usd = pd.DataFrame({"lambda": [80.0, 80.0, 160.0, 400.0], "fargate": [100.0, 100.0, 100.0, 250.0],
                        "ec2": [120.0, 120.0, 120.0, 300.0]}, index=targets)
    meets = pd.DataFrame({"lambda": [True, True, True, False], "fargate": [True, True, True, False],
                          "ec2": [True, True, True, True]}, index=targets)
    cheapest, ratio, xs = find_crossovers(usd, meets, ["fargate", "ec2"])
    assert list(cheapest) == ["lambda", "lambda", "fargate", "ec2"]
    # Lambda/containers 0.8 at 1,000 ms, 1.6 at 500 ms; ratio - 1 linear in log target crosses 0
    # a quarter of the way, (0.8 - 1) / (0.8 - 1.6): at 1000 * 0.5 ** 0.25 = 840.9 ms
    assert ratio.tolist() == pytest.approx([0.8, 0.8, 1.6, 400.0 / 300.0])
    parity = [x for x in xs if x["kind"] == "cost_parity"]
    assert len(parity) == 1 and parity[0]["between_ms"] == (1000.0, 500.0)
    assert parity[0]["at_ms"] == pytest.approx(1000.0 * 0.5 ** 0.25)
    assert parity[0]["from"] == "lambda" and parity[0]["to"] == "containers"
    change = [x for x in xs if x["kind"] == "cheapest"]
    assert [(x["between_ms"], x["from"], x["to"]) for x in change] == [
        ((1000.0, 500.0), "lambda", "fargate"), ((500.0, 200.0), "fargate", "ec2")]
    assert [x["between_ms"] for x in xs if x["kind"] == "lambda_stops_meeting"] == [(500.0, 200.0)]
    assert not any(x["kind"] == "containers_stops_meeting" for x in xs)


def test_no_cost_parity_between_configurations_that_miss_the_target():
    # the ratio crosses 1 between 500 and 200 ms, but nothing meets 200 ms: no parity there
    targets = [500.0, 200.0]
    usd = pd.DataFrame({"lambda": [80.0, 400.0], "fargate": [100.0, 250.0]}, index=targets)
    meets = pd.DataFrame({"lambda": [True, False], "fargate": [True, False]}, index=targets)
    _, _, xs = find_crossovers(usd, meets, ["fargate"])
    assert {x["kind"] for x in xs} == {"lambda_stops_meeting", "containers_stops_meeting"}


def test_curve_to_dict():
    d = cost_vs_target(load_scenario(DOC), [3000.0, 1000.0, 500.0, 350.0]).to_dict()
    assert d["targets_ms"][0] == 3000.0 and len(d["monthly_usd"]["lambda"]) == 4

"""Issue 20's case: the bursty webhook at 100x its traffic is compared at equal service level.

As configured the container fleet is overloaded for every minute of every burst (900 minutes
in the issue's 30-day month; 915 in the 730-hour month: bursts at 01:00, 05:00, ..., 21:00 for
30 days, then 01:00, 05:00 and 09:00 in the last 10 hours; its bursts time out at the ALB); the verdict used to rest on that fleet. Now every option is right-sized to the
service level first and the verdict's costs are those of the right-sized options.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from costmodel.analysis.rightsizing import compare_at_service_level
from costmodel.decision import recommend
from costmodel.decision.service_curve import verdict_vs_target
from costmodel.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"


@cache
def _scaled():
    return load_scenario(SCENARIOS / "bursty-webhook.yaml", overrides={"traffic.scale": 100})


def test_the_configured_fleet_is_overloaded_and_the_right_sized_one_meets_the_level():
    slc = compare_at_service_level(_scaled())
    bursts = 6 * 30 + 3                                   # 730 h: 30 days and 10 hours
    assert slc.as_configured.fargate.overload_minutes == pytest.approx(5.0 * bursts)
    far = slc.sizing.options["fargate"]
    assert not far.configured_meets and far.configured_failed_fraction > 0.01
    assert far.meets and far.failed_fraction <= 0.001 and far.latency_ms <= 3000
    # the bursts come at the same minutes every day: scheduled minimums prepare for them
    sched = slc.sizing.scenario.containers["fargate"]["scheduled_min_tasks"]
    assert len(sched) == 6 and all(w["min_tasks"] >= 5020 / 6.25 for w in sched)   # the 5,020 req/s peak
    # meeting the level costs more than the overloaded fleet did
    t = slc.table
    assert t.loc["fargate_on_demand", "right_sized_usd"] > t.loc["fargate_on_demand", "as_configured_usd"]


def test_the_verdict_uses_the_right_sized_costs_and_flags_the_fargate_quota():
    r = recommend(_scaled())
    slc = compare_at_service_level(_scaled())
    assert r.evidence["monthly_usd"] == pytest.approx(slc.right_sized.table["monthly_usd"].round(2).to_dict())
    assert r.evidence["service_level"]["as_configured_monthly_usd"]["fargate_on_demand"] == pytest.approx(
        slc.as_configured.table.loc["fargate_on_demand", "monthly_usd"])
    assert any("Fargate On-Demand vCPU resource count" in w and "L-3032A538" in w for w in r.warnings)
    assert "At equal service level" in r.to_text()


def test_verdict_against_the_target_reports_where_it_flips():
    curve = verdict_vs_target(load_scenario(SCENARIOS / "default.yaml"), [3000.0, 1000.0, 500.0, 300.0])
    t = curve.table
    assert list(t.index) == [3000.0, 1000.0, 500.0, 300.0]
    assert set(t["verdict"]) <= {"serverless", "containers", "either"}
    for f in curve.flips:
        a, b = f["between_ms"]
        assert t.loc[a, "verdict"] == f["from"] and t.loc[b, "verdict"] == f["to"] and f["from"] != f["to"]

"""Unit tests of costmodel.analysis.latency: one latency per platform, as the decision sees it."""
from __future__ import annotations

import pytest

from costmodel.analysis.compare import compare
from costmodel.analysis.latency import latency_under_bursts, platform_latency
from costmodel.analysis.rightsizing import right_sized_scenario
from costmodel.decision import recommend
from costmodel.resources import data_path


@pytest.mark.parametrize("name", ["default", "infrequent-cron"])
def test_the_numbers_the_decision_uses(name):
    # the report's summary and the explorer take their latency from platform_latency; the
    # verdict's evidence must say the same (infrequent-cron: counts arrivals, every run cold)
    path = data_path("scenarios", f"{name}.yaml")
    ev = recommend(path).evidence
    lat = platform_latency(right_sized_scenario(path))   # the options the verdict compares
    assert lat.lambda_.p99_ms == pytest.approx(ev["lambda_p99_ms"], rel=1e-9)
    assert lat.lambda_.cold_start_fraction == pytest.approx(ev["cold_start_fraction"], rel=1e-9)
    assert lat.fargate.p99_ms == pytest.approx(ev["container_p99_ms"], rel=1e-9)
    assert lat.warm_p99_ms == pytest.approx(ev["lambda_warm_p99_ms"], rel=1e-9)


def test_each_option_maps_to_its_fleet_and_ec2_has_its_own():
    path = data_path("scenarios", "bursty-webhook.yaml")
    cmp = compare(path)
    lat = platform_latency(path, cmp)
    assert lat.for_option("lambda") is lat.lambda_
    assert lat.for_option("fargate_savings_plan") is lat.fargate
    assert lat.for_option("ec2_on_demand") is lat.ec2 is not None
    assert lat.ec2.p99_ms >= 0.99 * lat.warm_p99_ms  # queueing only adds to the work itself
    lam, far, same = latency_under_bursts(path, cmp)
    assert same is cmp and lam is not None and far.p99_ms == pytest.approx(lat.fargate.p99_ms)


def test_a_job_longer_than_the_front_door_timeout_runs_without_it():
    lat = platform_latency(data_path("scenarios", "nightly-batch-over-15-min.yaml"))
    assert any("without a request timeout" in n for n in lat.notes)
    assert lat.fargate.timeout_fraction == 0

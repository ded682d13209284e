"""Account quotas against the traffic's need: hand-computed needs and what to request."""
from __future__ import annotations

import pytest

from costmodel.analysis.account_limits import account_limit_checks
from costmodel.scenario.load import load_scenario


def _checks(**blocks):
    doc = {"traffic": {"pattern": "steady", "mean_rps": 12_000.0},
           "work": {"duration_ms": 200, "cpu_ms_per_request": 100},
           "containers": {"fargate": {"vcpu": 1, "memory_gb": 2, "min_tasks": 700, "max_tasks": 2000},
                          "ec2": {"tasks_per_instance": 2}}}
    doc.update(blocks)
    return {c.quota: c for c in account_limit_checks(load_scenario(doc))}


def test_steady_12k_rps_of_200_ms_work_needs_2400_environments_and_api_gateway_above_its_throttle():
    c = _checks()
    lam = c["lambda_concurrent_executions"]
    assert lam.needed == pytest.approx(2400) and lam.limit == 1000 and lam.exceeded
    assert "L-B99A9384" in lam.request and "at least 2,400" in lam.request
    api = c["api_gateway_rps"]
    assert api.needed == pytest.approx(12_000) and api.exceeded and "L-8A5B8E43" in api.request
    # 1,200 vCPU of work at 100 % needs at least 1,200 1-vCPU tasks; the fleet's peak is more
    far = c["fargate_on_demand_vcpu"]
    assert far.needed >= 1200 and far.limit == 6 and "L-3032A538" in far.request
    assert c["ecs_tasks_per_service"].needed == far.needed and not c["ecs_tasks_per_service"].exceeded


def test_the_spot_quota_is_checked_only_when_spot_is_offered():
    assert "fargate_spot_vcpu" not in _checks()             # not declared interruption-tolerant
    spot = _checks(workload={"interruption_tolerant": True})["fargate_spot_vcpu"]
    far = _checks()["fargate_on_demand_vcpu"]
    assert spot.needed == far.needed and spot.limit == 6 and "L-36FBB829" in spot.request


def test_the_accounts_own_quotas_silence_the_flags():
    c = _checks(account_quotas={"fargate_on_demand_vcpu": 4000, "fargate_spot_vcpu": 4000, "api_gateway_rps": 20_000},
                **{"lambda": {"concurrency_limit": 3000}})
    assert not any(x.exceeded for k, x in c.items() if k != "lambda_scaling_envs_per_10_s")


def test_reserved_concurrency_keeps_100_unreserved_and_scaling_rate_is_not_a_quota():
    c = _checks(**{"lambda": {"reserved_concurrency": 2400, "concurrency_limit": 2450}})
    lam = c["lambda_concurrent_executions"]
    assert lam.needed == pytest.approx(2500) and lam.exceeded
    rate = c["lambda_scaling_envs_per_10_s"]
    assert not rate.adjustable and rate.needed == 0.0      # a steady series never jumps


def test_a_jump_beyond_1000_environments_asks_for_provisioned_concurrency_not_a_quota():
    c = _checks(traffic={"pattern": "bursty", "base_rps": 1.0, "burst_rps": 8000.0, "burst_length_s": 600,
                         "bursts_per_day": 2})
    rate = c["lambda_scaling_envs_per_10_s"]
    assert rate.exceeded and rate.needed == pytest.approx(1600, rel=0.01)
    assert rate.request.startswith("provisioned concurrency of about 1,600")

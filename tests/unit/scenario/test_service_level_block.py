"""The scenario's service level, the settings right-sizing writes (scheduled minimums, PC
windows, Lambda memory and power tuning) and the account quotas: validation and defaults."""
from __future__ import annotations

import numpy as np
import pytest

from costmodel.analysis.compare import compare
from costmodel.errors import CostModelError
from costmodel.scenario.load import load_scenario
from costmodel.scenario.service_level import (
    account_quotas,
    lambda_duration_factor,
    lambda_work,
    right_sizing_enabled,
    service_level_of,
    workload_kind,
)

BASE = {"traffic": {"pattern": "steady", "mean_rps": 2.0}}


def _sc(**blocks):
    return load_scenario({**BASE, **blocks})


@pytest.mark.parametrize("block, name", [
    ({"service_level": {"percentile": 120}}, "service_level.percentile=120"),
    ({"service_level": {"latency_target_ms": -5}}, "service_level.latency_target_ms=-5"),
    ({"service_level": {"kind": "batch"}}, "service_level.kind='batch'"),
    ({"service_level": {"availability": {"min_units": 1, "zones": 2}}}, "service_level.availability.min_units=1"),
    ({"service_level": {"availability": {"replicas": 2}}}, "service_level.availability.replicas"),
    ({"service_level": {"right_size": "yes"}}, "service_level.right_size='yes'"),
    ({"service_level": {"target": 5}}, "service_level.target"),
    ({"containers": {"fargate": {"scheduled_min_tasks": [{"start": "25:00", "end": "01:00", "min_tasks": 3}]}}},
     "containers.fargate.scheduled_min_tasks[0].start='25:00'"),
    ({"containers": {"fargate": {"scheduled_min_tasks": [{"start": "01:00", "end": "02:00"}]}}},
     "containers.fargate.scheduled_min_tasks[0].min_tasks"),
    ({"containers": {"ec2": {"scheduled_min_instances": [{"start": "01:00", "end": "02:00", "min_instances": -1}]}}},
     "containers.ec2.scheduled_min_instances[0].min_instances=-1"),
    ({"lambda": {"provisioned_concurrency": {"count": 2, "schedule": [{"start": "08:00", "end": "08:00"}]}}},
     "lambda.provisioned_concurrency.schedule="),
    ({"lambda": {"power_tuning": {"cpu_bound_fraction": 1.5}}}, "lambda.power_tuning.cpu_bound_fraction=1.5"),
    ({"lambda": {"power_tuning": {"duration_ms_by_memory_mb": {64: 100}}}},
     "lambda.power_tuning.duration_ms_by_memory_mb={64: 100}"),
    ({"lambda": {"memory_mb": 20000}}, "lambda.memory_mb=20000"),
    ({"account_quotas": {"fargate_vcpu": 10}}, "account_quotas.fargate_vcpu"),
    ({"account_quotas": {"lambda_concurrent_executions": 10}}, "account_quotas.lambda_concurrent_executions"),
])
def test_bad_blocks_name_the_dotted_key(block, name):
    with pytest.raises(CostModelError) as err:
        _sc(**block)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_defaults_follow_the_workload_kind_and_declarations():
    api = service_level_of(_sc(workload={"user_facing": True, "latency_slo_p99_ms": 800}))
    assert (api.kind, api.latency_target_ms, api.min_units, api.zones) == ("api", 800, 2, 2)
    machine = service_level_of(_sc(workload={"user_facing": False}))
    assert machine.latency_target_ms == 3000
    worker = _sc(**{"lambda": {"front_door": "none"}, "containers": {"front_door": "none"},
                               "work": {"duration_ms": {"mean": 2000, "p99": 5000}}})
    assert workload_kind(worker) == "queue_worker"
    sl = service_level_of(worker)
    assert sl.latency_target_ms == pytest.approx(65_000) and sl.min_units == 1   # work p99 + 60 s; one task
    p95 = service_level_of(_sc(service_level={"percentile": 95, "latency_target_ms": 300,
                                              "availability": None}))
    assert (p95.percentile, p95.latency_target_ms, p95.min_units) == (95.0, 300.0, 1)
    assert right_sizing_enabled(_sc()) and not right_sizing_enabled(_sc(service_level={"right_size": False}))


def test_lambda_memory_and_power_tuning_give_lambda_its_own_duration():
    sc = _sc(work={"duration_ms": 800, "memory_mb": 512},
             **{"lambda": {"memory_mb": 1024, "power_tuning": {"cpu_bound_fraction": 1.0}}})
    assert lambda_duration_factor(sc) == pytest.approx(0.5)
    lw = lambda_work(sc)
    assert lw.memory_mb == 1024 and lw.duration.mean_ms == pytest.approx(400.0)
    assert sc.work.duration.mean_ms == 800                  # containers keep the measured duration
    cmp = compare(sc)
    assert cmp.lambda_result.billed_duration_ms == pytest.approx(400.0)


def test_scheduled_windows_in_the_scenario_reach_the_fleets():
    sc = _sc(containers={"fargate": {"min_tasks": 1, "scheduled_min_tasks": [
        {"start": "08:00", "end": "09:30", "min_tasks": 7}]},
        "ec2": {"min_instances": 1,
                "scheduled_min_instances": [{"start": "23:00", "end": "01:00", "min_instances": 3}]}})
    cmp = compare(sc)
    per_day = 1440
    far = cmp.fargate.billed_units[:per_day]
    assert far[8 * 60:9 * 60 + 30].min() == 7 and far[7 * 60] == 1
    ec2 = cmp.ec2.billed_units[:per_day]
    assert ec2[23 * 60] == 3 and ec2[30] == 3               # wraps past midnight


def test_provisioned_concurrency_windows_are_billed_in_their_hours():
    sc = _sc(**{"lambda": {"provisioned_concurrency": {"count": 3, "schedule": [{"start": "08:00", "end": "20:00"}]}}})
    mask = compare(sc).lambda_result.provisioned_mask
    day = mask[:1440]
    assert day[8 * 60:20 * 60].all() and not day[:8 * 60].any() and not day[20 * 60:].any()
    assert np.array_equal(mask[:1440], mask[1440:2880])


def test_account_quotas_default_to_the_published_values_and_take_overrides():
    q = account_quotas(_sc())
    assert q["lambda_concurrent_executions"] == 1000 and q["fargate_on_demand_vcpu"] == 6
    assert q["api_gateway_rps"] == 10_000
    q = account_quotas(_sc(account_quotas={"fargate_on_demand_vcpu": 4000},
                           **{"lambda": {"concurrency_limit": 3000}}))
    assert q["fargate_on_demand_vcpu"] == 4000 and q["lambda_concurrent_executions"] == 3000

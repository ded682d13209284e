"""Scenario format: defaults, typos, pass-through blocks, traffic blocks."""
import numpy as np
import pytest
from small_scenarios import small

from costmodel.errors import ScenarioError
from costmodel.scenario.load import DEFAULT_SCENARIO_PATH, build_traffic, load_scenario


def test_default_scenario_loads_and_builds_a_month():
    sc = load_scenario()
    assert DEFAULT_SCENARIO_PATH.exists()
    rate, step, start = sc.traffic_series()
    assert step == 60 and rate.size == 43_800            # one 730-h month of minutes
    assert rate.mean() == pytest.approx(sc.traffic["mean_rps"])
    assert sc.work.memory_mb == 512 and sc.lambda_["front_door"] == "api_gateway_http"
    # the front door is declared once, for both sides; the network block takes its defaults
    assert sc.front_door["kind"] == "api_gateway_http" and sc.front_door["requests_per_connection"] == 100
    assert sc.network["containers_subnets"] == "private" and sc.network["nat_gateways"] == 1
    assert sc.network["lambda_in_vpc"] is False


@pytest.mark.parametrize("raw, key", [
    ({"traffic": {"pattern": "steady", "mean_rps": 1}, "lamda": {}}, "lamda"),
    ({"traffic": {"pattern": "steady", "mean_rsp": 1}}, "traffic.mean_rsp"),
    ({"traffic": {"pattern": "steady", "mean_rps": 1}, "containers": {"fargate": {"vcpus": 1}}}, "containers.fargate.vcpus"),
    ({"traffic": {"pattern": "steady", "mean_rps": 1}, "lambda": {"provisioned_concurrency": {"cnt": 1}}},
     "lambda.provisioned_concurrency.cnt"),
    ({"traffic": {"pattern": "sum", "components": [{"pattern": "steady", "mean_rps": 1, "step_s": 60}]}},
     "traffic.components[0].step_s"),
])
def test_unknown_keys_are_errors_naming_the_key_and_the_allowed_ones(raw, key):
    with pytest.raises(ScenarioError) as err:
        load_scenario(raw)
    assert key in str(err.value) and "allowed" in str(err.value)


def test_bad_pattern_and_missing_traffic():
    with pytest.raises(ScenarioError, match="pattern"):
        load_scenario({"traffic": {"pattern": "wavy"}})
    with pytest.raises(ScenarioError, match="traffic"):
        load_scenario({"name": "x"})
    with pytest.raises(ScenarioError, match="front_door"):
        load_scenario({"traffic": {"pattern": "steady", "mean_rps": 1}, "lambda": {"front_door": "cloudfront"}})


def test_bad_traffic_values_are_refused_when_the_scenario_is_loaded():
    # the schema refuses them before any series is built (they used to fail in traffic_series())
    with pytest.raises(ScenarioError, match=r"traffic\.mean_rps=-3 is not allowed"):
        load_scenario({"traffic": {"pattern": "steady", "mean_rps": -3}})
    with pytest.raises(ScenarioError, match=r"traffic\.step_s=7 is not allowed: expected a step that divides"):
        load_scenario({"traffic": {"pattern": "steady", "mean_rps": 1, "step_s": 7}})


def test_workload_and_team_pass_through():
    raw = small()
    raw["workload"] = {"max_duration_s": 2, "gpu": False}
    raw["team"] = {"ops_preference": "minimise_ops"}
    sc = load_scenario(raw)
    assert sc.workload == {"max_duration_s": 2, "gpu": False}
    assert sc.team == {"ops_preference": "minimise_ops"}


def test_sum_growth_and_scale():
    block = {"pattern": "sum", "horizon_days": 2, "step_s": 3600, "random_state": 1, "scale": 2.0,
             "growth": {"end_factor": 1.0},
             "components": [{"pattern": "steady", "mean_rps": 1.0}, {"pattern": "diurnal", "mean_rps": 3.0}]}
    sc = load_scenario({"traffic": block})
    rate, step, _ = sc.traffic_series()
    assert rate.size == 48 and rate.mean() == pytest.approx(8.0)
    rate2, _, _ = build_traffic(sc.traffic)
    np.testing.assert_array_equal(rate, rate2)


def test_dotted_overrides():
    sc = load_scenario(small(), overrides={"traffic.mean_rps": 7.5, "containers.fargate.vcpu": 1,
                                           "containers.fargate.memory_gb": 2,  # a valid task size
                                           "containers.ec2.tasks_per_instance": 2})  # that fits m7g.large
    assert sc.traffic["mean_rps"] == 7.5 and sc.containers["fargate"]["vcpu"] == 1
    assert sc.with_overrides({"work.memory_mb": 2048}).work.memory_mb == 2048


def test_one_override_function_for_every_caller():
    """``price_overrides.lambda.request`` means the price key ``lambda.request`` in
    load_scenario, Scenario.with_overrides and the notebooks' apply_overrides alike (the
    scenario loader used to nest it as price_overrides -> lambda -> request and fail)."""
    from costmodel.scenario.overrides import apply_overrides
    from costmodel.workbook.parameters import apply_overrides as notebook_apply

    assert notebook_apply is apply_overrides
    sc = load_scenario(small(), overrides={"price_overrides.lambda.request": 3e-7})
    assert sc.price_overrides == {"lambda.request": 3e-7}
    assert sc.prices().usd("lambda.request") == 3e-7
    assert load_scenario(small()).with_overrides({"price_overrides.lambda.request": 3e-7}).price_overrides == {
        "lambda.request": 3e-7}
    with pytest.raises(ScenarioError, match=r"price_overrides\.lambda\.request=20000 is not allowed: expected "
                                            r"USD per request from 0 to 10,000"):
        load_scenario(small(), overrides={"price_overrides.lambda.request": 20000})


"""The decision procedure on synthetic facts (no cost or latency models run here)."""
import json

import pytest
import yaml

from costmodel.decision import (
    LIMITS_PATH,
    SIGNAL_NAMES,
    SIGNALS_PATH,
    Facts,
    check_hard_limits,
    evaluate,
    load_decision_signals,
    load_hard_limits,
    validate_team,
    validate_workload,
)
from costmodel.errors import InvalidParameterError, ScenarioError, UnknownNameError

TEAM = {"ops_preference": "minimise_ops", "cloud_ops_experience": "medium",
        "debugging_maturity": "distributed_tracing"}
WORK = {"max_duration_s": 2, "user_facing": True, "latency_slo_p99_ms": 1000}


def facts(label="bursty", lam=20.0, cont=100.0, **kw):
    return Facts(traffic_label=label, traffic={"mean_rps": 1.0}, monthly_usd={"lambda": lam, "fargate_on_demand": cont},
                 lambda_monthly_usd=lam, container_option="fargate_on_demand", container_monthly_usd=cont, **kw)


def run(f=None, work=None, team=None, **kw):
    w = validate_workload(WORK | (work or {}))
    t = validate_team(TEAM | (team or {}))
    return evaluate(f or facts(), w, t, **kw)


# ----------------------------------------------------------------------- data files
def test_six_signals_of_the_seed_table_with_changeable_thresholds():
    cfg = yaml.safe_load(SIGNALS_PATH.read_text())
    assert tuple(cfg["signals"]) == SIGNAL_NAMES
    for name, sig in cfg["signals"].items():
        assert sig["seed"]["serverless"] and sig["seed"]["containers"], name
        assert sig["measured_from"], name


def test_every_hard_limit_has_its_aws_limit_and_source():
    cfg = yaml.safe_load(LIMITS_PATH.read_text())
    names = set(cfg["hard_limits"])
    assert {"execution_duration", "memory", "sync_payload", "async_message", "gpu",
            "in_process_state", "long_lived_connections"} <= names
    for name, lim in cfg["hard_limits"].items():
        assert lim["source_url"].startswith("https://") and "aws" in lim["source_url"], name
        assert lim["aws_limit"], name
    assert cfg["hard_limits"]["execution_duration"]["limit"] == 900
    assert cfg["hard_limits"]["memory"]["limit"] == 10240
    assert cfg["hard_limits"]["sync_payload"]["limit"] == 6
    assert cfg["advisories"]["async_message_billing"]["limit"] == 256    # S3-pointer advice
    assert set(cfg["when_not_to_use"]) == {"sustained_high_throughput", "sync_chain_breaks_slo",
                                           "limited_cloud_ops"}


# ----------------------------------------------------------------------- hard limits
@pytest.mark.parametrize("work, limit", [
    ({"max_duration_s": 901}, "execution_duration"),
    ({"max_memory_mb": 10241}, "memory"),
    ({"sync_payload_mb": 6.5}, "sync_payload"),
    ({"async_message_kb": 1025}, "async_message"),
    ({"gpu": True}, "gpu"),
    ({"in_process_state": True}, "in_process_state"),
    ({"long_lived_connections": True}, "long_lived_connections"),
])
def test_each_hard_limit_decides_containers_on_its_own(work, limit):
    r = run(work=work)   # everything else leans serverless
    assert (r["verdict"], r["confidence"], r["decided_by"]) == ("containers", "high", f"hard_limit:{limit}")


def test_limits_are_strict_inequalities_at_the_aws_value():
    w = validate_workload(WORK | {"max_duration_s": 900, "max_memory_mb": 10240, "sync_payload_mb": 6,
                                  "async_message_kb": 1024})
    assert not any(c.violated for c in check_hard_limits(w))


def test_async_limit_is_data_the_user_can_change():
    lim = load_hard_limits(overrides={"hard_limits": {"async_message": {"limit": 256}}})
    r = run(work={"async_message_kb": 300}, limits=lim)
    assert r["decided_by"] == "hard_limit:async_message"
    assert run(work={"async_message_kb": 300})["verdict"] == "serverless"


# ----------------------------------------------------------------------- rules
def test_sustained_high_throughput_fires_for_steady_traffic_at_twice_the_cost():
    r = run(f=facts("steady", lam=250, cont=100))
    assert r["decided_by"] == "rule:sustained_high_throughput" and r["verdict"] == "containers"
    assert "2.50x" in r["reason"]
    # just below the ratio: the rule does not fire; the tally decides
    r = run(f=facts("steady", lam=199, cont=100))
    assert r["decided_by"] == "tally"
    # bursty traffic is not sustained, whatever the ratio
    r = run(f=facts("bursty", lam=500, cont=100))
    assert not [x for x in r["rules"] if x.fired]


def test_sync_chain_rule_uses_the_chain_p99_against_the_slo():
    w = {"sync_chain_depth": 3, "latency_slo_p99_ms": 1000}
    r = run(f=facts(chain_p99_ms=2400, chain_warm_p99_ms=700, container_chain_p99_ms=600), work=w)
    assert r["decided_by"] == "rule:sync_chain_breaks_slo"
    assert "2,400 ms > SLO 1,000 ms" in r["reason"]
    r = run(f=facts(chain_p99_ms=900), work=w)
    assert r["decided_by"] == "tally" and r["verdict"] == "serverless"
    # a single function is not a chain, however slow
    r = run(f=facts(chain_p99_ms=5000))
    assert r["decided_by"] == "tally"


def test_limited_cloud_ops_experience_rule():
    r = run(team={"cloud_ops_experience": "low"})
    assert r["decided_by"] == "rule:limited_cloud_ops" and r["verdict"] == "containers"
    # every signal leans serverless, so the rule alone decides: medium confidence
    assert r["confidence"] == "medium"


# ----------------------------------------------------------------------- tally
def test_all_six_serverless_is_high_confidence():
    r = run()
    assert r["tally"] == {"serverless": 6, "containers": 0, "neutral": 0}
    assert (r["verdict"], r["confidence"], r["decided_by"]) == ("serverless", "high", "tally")


def test_a_one_signal_margin_is_either():
    # diurnal (neutral), cost neutral (ratio 1), full control + traditional logging
    r = run(f=facts("diurnal", lam=100, cont=100),
            team={"ops_preference": "full_control", "debugging_maturity": "traditional_logging"})
    assert r["tally"] == {"serverless": 2, "containers": 2, "neutral": 2}
    assert (r["verdict"], r["confidence"]) == ("either", "low")


def test_containers_by_tally():
    r = run(f=facts("steady", lam=150, cont=100),
            team={"ops_preference": "full_control", "debugging_maturity": "traditional_logging"},
            work={"max_duration_s": 600})
    # 4 containers (traffic, ops, cost, debugging), 1 serverless (state), 1 neutral (600 s)
    assert r["tally"] == {"serverless": 1, "containers": 4, "neutral": 1}
    assert r["verdict"] == "containers" and r["confidence"] == "medium"     # margin 3 < 4
    r = run(f=facts("steady", lam=150, cont=100), work={"max_duration_s": 600, "in_process_state": True})
    assert r["decided_by"] == "hard_limit:in_process_state"


def test_cost_thresholds_are_user_changeable():
    f = facts("diurnal", lam=110, cont=100)
    base = run(f=f)
    assert [s for s in base["signals"] if s.name == "cost_model"][0].lean == "neutral"
    cfg = load_decision_signals(overrides={"signals": {"cost_model": {"containers_if_ratio_at_least": 1.05}}})
    r = run(f=f, signals=cfg)
    assert [s for s in r["signals"] if s.name == "cost_model"][0].lean == "containers"


def test_missing_comparison_makes_cost_neutral():
    r = run(f=Facts(traffic_label="bursty"))
    cost = [s for s in r["signals"] if s.name == "cost_model"][0]
    assert cost.lean == "neutral" and cost.measured is None


# ----------------------------------------------------------------------- declared preference
def test_declared_containers_only_is_honoured_but_reported():
    r = run(work={"deployment_preference": "containers_only"})
    assert r["verdict"] == "containers" and r["analysis_verdict"] == "serverless"
    assert r["confidence"] == "low" and r["decided_by"] == "declared:deployment_preference"


def test_serverless_only_with_a_hard_limit_is_a_contradiction():
    with pytest.raises(ScenarioError, match="contradictory.*serverless_only.*max_duration_s=1,800 exceeds"):
        validate_workload(WORK | {"max_duration_s": 1800, "deployment_preference": "serverless_only"})
    with pytest.raises(ScenarioError, match="gpu"):
        validate_workload(WORK | {"gpu": True, "deployment_preference": "serverless_only"})


# ----------------------------------------------------------------------- validation
def test_missing_block_and_required_fields():
    with pytest.raises(ScenarioError, match="no 'workload' block.*max_duration_s"):
        validate_workload(None)
    with pytest.raises(ScenarioError, match="missing required field workload.user_facing"):
        validate_workload({"max_duration_s": 3})
    with pytest.raises(ScenarioError, match="missing required field team.debugging_maturity"):
        validate_team({"ops_preference": "minimise_ops", "cloud_ops_experience": "low"})
    with pytest.raises(ScenarioError, match="latency_slo_p99_ms.*required when"):
        validate_workload({"max_duration_s": 3, "user_facing": True, "sync_chain_depth": 2})


def test_unknown_keys_and_values():
    with pytest.raises(ScenarioError, match="unknown key workload.max_durration_s; allowed keys: max_duration_s"):
        validate_workload(WORK | {"max_durration_s": 3})
    with pytest.raises(InvalidParameterError, match=r"team.ops_preference='serverless'.*'minimise_ops', 'full_control'"):
        validate_team(TEAM | {"ops_preference": "serverless"})
    with pytest.raises(InvalidParameterError, match="cloud_ops_experience"):
        validate_team(TEAM | {"cloud_ops_experience": "expert"})
    with pytest.raises(InvalidParameterError, match="deployment_preference"):
        validate_workload(WORK | {"deployment_preference": "lambda"})
    with pytest.raises(InvalidParameterError, match="workload.gpu='no'.*true or false"):
        validate_workload(WORK | {"gpu": "no"})
    with pytest.raises(InvalidParameterError, match="workload.max_duration_s"):
        validate_workload(WORK | {"max_duration_s": -1})
    with pytest.raises(ScenarioError, match="unknown key workload.fanout.fan_out"):
        validate_workload(WORK | {"fanout": {"uploads_per_day": 1, "fanout_factor": 2, "fan_out": 3}})


def test_contradictions_with_the_work_block():
    with pytest.raises(ScenarioError, match="max_duration_s=0.3 s is below the p99"):
        validate_workload(WORK | {"max_duration_s": 0.3}, duration_p99_ms=400)
    with pytest.raises(ScenarioError, match="max_memory_mb=256 is below work.memory_mb=512"):
        validate_workload(WORK | {"max_memory_mb": 256}, memory_mb=512)
    assert validate_workload(WORK, memory_mb=512).max_memory_mb == 512


def test_unknown_override_keys_are_errors():
    with pytest.raises(UnknownNameError):
        load_decision_signals(overrides={"signals": {"cost_model": {"ratio": 2}}})
    with pytest.raises(UnknownNameError):
        load_hard_limits(overrides={"hard_limits": {"timeout": {"limit": 1}}})


def test_evaluate_is_deterministic_and_json_serialisable():
    a, b = run(), run()
    assert a == b
    json.dumps({k: [x.to_dict() for x in v] if isinstance(v, tuple) else v for k, v in a.items()})


# ----------------------------------------------------------------------- recommend() with given facts
def _scenario(**workload):
    from costmodel.scenario.load import DEFAULT_SCENARIO_PATH

    raw = yaml.safe_load(DEFAULT_SCENARIO_PATH.read_text())
    raw["workload"].update(workload)
    return raw


def test_recommend_with_declared_preference_reports_the_analysis():
    from costmodel.decision import recommend

    r = recommend(_scenario(deployment_preference="containers_only"), facts=Facts(traffic_label="bursty"))
    assert (r.verdict, r.analysis_verdict, r.confidence) == ("containers", "serverless", "low")
    assert r.warnings[0].startswith("the analysis alone says serverless")
    assert r.flips[0].fact == "workload.deployment_preference" and r.flips[0].new_verdict == "serverless"
    text = r.to_text()
    assert "Verdict:  CONTAINERS" in text and "declared deployment_preference containers_only" in text
    json.dumps(r.to_dict())


def test_recommend_reports_module_level_cache_numbers():
    from costmodel.decision import recommend
    from costmodel.models.failure_modes import cache_hit_rate

    f = Facts(traffic_label="diurnal", traffic={"mean_rps": 5.0})
    r = recommend(_scenario(cache={"n_keys": 5000, "ttl_s": 300, "zipf_exponent": 0.9, "entry_kb": 4}), facts=f)
    c = r.evidence["failure_modes"]["module_level_cache"]
    assert c["n_instances"] >= 1 and c["local_hit_rate"] <= c["shared_hit_rate"]
    assert c["local_hit_rate"] == pytest.approx(
        cache_hit_rate(5.0, 300, c["n_instances"], 5000, 0.9).local_hit_rate)
    assert c["max_cache_mb"] == pytest.approx(5000 * 4 / 1024)
    assert any(w.startswith("module-level cache:") for w in r.warnings)
    with pytest.raises(ScenarioError, match="missing required field workload.cache.ttl_s"):
        validate_workload(WORK | {"cache": {"n_keys": 10}})


def test_flips_are_re_runs_of_the_procedure():
    from costmodel.decision import recommend

    r = recommend(_scenario(), facts=facts("bursty", lam=20, cont=100))
    assert r.verdict == "serverless"
    flipped = {f.fact for f in r.flips}
    # any hard limit crossing flips; a low-experience team fires the rule
    assert {"workload.max_duration_s", "workload.in_process_state", "team.cloud_ops_experience"} <= flipped
    for f in r.flips:
        assert f.new_verdict != r.verdict


def test_two_violated_limits_flip_only_together():
    from costmodel.decision import recommend

    r = recommend(_scenario(max_duration_s=1800, gpu=True), facts=Facts(traffic_label="bursty"))
    assert r.decided_by == "hard_limit:execution_duration"
    assert "gpu" in r.reason and "max_duration_s" in r.reason
    assert [f.fact for f in r.flips] == ["workload.max_duration_s+gpu"]
    assert r.flips[0].new_verdict == "serverless"

"""What the verdict compares against, why the other options are left out, and the assumptions
whose plausible range flips the verdict (the flip value against the closed form)."""
import math

import pytest
from small_scenarios import small

from costmodel.analysis.assumptions import assumption_costs, assumption_tornado, assumption_variant, assumptions
from costmodel.analysis.compare import compare
from costmodel.decision import load_decision_signals, recommend
from costmodel.decision.measure import choose_container_option, considered_options
from costmodel.errors import UnknownNameError

MONTH_S = 730 * 3600
LAMBDA_REQUEST, LAMBDA_GB_S = 0.20 / 1e6, 0.0000166667
FARGATE_VCPU_S, FARGATE_GB_S = 0.000011244, 0.000001235
WORKLOAD = {"max_duration_s": 1, "user_facing": False}
TEAM = {"ops_preference": "minimise_ops", "cloud_ops_experience": "high", "debugging_maturity": "distributed_tracing"}


def cents(x):
    return math.floor(x * 100 + 0.5) / 100


def steady(mean_rps=10.0, **changes):
    changes.setdefault("workload", dict(WORKLOAD))
    return small(traffic__mean_rps=mean_rps, team=dict(TEAM), **changes)


def test_considered_options_add_spot_only_when_offered():
    scfg = load_decision_signals()
    offered = ["fargate_on_demand", "fargate_savings_plan", "ec2_on_demand", "ec2_savings_plan"]
    assert considered_options(scfg, offered) == offered
    assert considered_options(scfg, offered + ["fargate_spot"]) == [
        "fargate_on_demand", "fargate_spot", "fargate_savings_plan", "ec2_on_demand", "ec2_savings_plan"]
    bad = load_decision_signals(overrides={"signals": {"cost_model": {"container_options": ["fargate_spto"]}}})
    with pytest.raises(UnknownNameError, match="fargate_spto"):
        considered_options(bad, offered)


def test_the_compared_option_and_why_the_others_are_not():
    monthly = {"a": 10.0, "b": 8.0, "c": 12.0}
    best, left, _ = choose_container_option(monthly, {"a": 0.0, "b": 30.0, "c": 0.0}, ["a", "b", "c"])
    assert best == "a"
    assert left["b"].startswith("overloaded 30 min/month") and left["c"].startswith("dearer: $12.00")
    best, _, notes = choose_container_option(monthly, {"a": 5.0, "b": 30.0, "c": 1.0}, ["a", "b", "c"])
    assert best == "b" and "lower bound" in notes[0]


def test_recommend_names_what_it_compares_against_and_what_it_left_out():
    r = recommend(steady(workload=dict(WORKLOAD, interruption_tolerant=True), work__architecture="arm64"))
    against = r.evidence["compared_against"]
    assert against["option"] == r.evidence["cheapest_container_option"]
    assert "fargate_spot" not in against["considered"]
    assert "arm64" in r.evidence["left_out"]["fargate_spot"]
    text = r.to_text()
    assert f"Compared against: {against['option']}" in text and "- fargate_spot: not offered" in text


def test_a_savings_plan_discount_flip_is_where_the_closed_form_puts_it():
    """10 req/s steady on two fixed 0.5-vCPU tasks: Lambda $49.05 against the Fargate Savings
    Plan's $28.83 (20 % off) is 1.70x, under the 2x of the sustained-throughput rule, so the
    tally decides (serverless). A deeper discount d makes Fargate cost 36.04 (1 - d): the rule
    fires once that is half of Lambda's bill."""
    r = recommend(steady())
    assert (r.verdict, r.decided_by) == ("serverless", "tally")
    requests = 10.0 * MONTH_S
    lam = cents(requests * LAMBDA_REQUEST) + cents(requests * 0.1 * LAMBDA_GB_S)
    assert r.evidence["lambda_monthly_usd"] == pytest.approx(lam)
    fargate_od = 0.5 * 2 * MONTH_S * FARGATE_VCPU_S + 1.0 * 2 * MONTH_S * FARGATE_GB_S
    d_star = 1.0 - (lam / 2.0) / fargate_od
    assert 0.2 < d_star < 0.5
    row = next(a for a in r.evidence["assumption_flips"] if a["name"] == "fargate_savings_plan_discount")
    assert row["new_verdict"] == "containers"
    assert row["flip_value"] == pytest.approx(d_star, abs=0.005)     # bisection: 0.3 / 2^7 apart
    flip = next(f for f in r.flips if f.fact == "assumption.fargate_savings_plan_discount")
    assert flip.condition.startswith(f"if the Fargate Savings Plan discount were above {100 * row['flip_value']:.0f}%")
    # checked, but no flip in its range: INIT (no cold start decides anything here)
    checked = {a["name"]: a for a in r.evidence["assumptions_checked"]}
    assert checked["init_duration_ms"]["flips"] is False


def test_nothing_to_flip_when_a_hard_limit_decides():
    r = recommend(steady(workload=dict(WORKLOAD, max_duration_s=1200)))
    assert r.decided_by == "hard_limit:execution_duration"
    assert r.evidence["assumption_flips"] == [] and r.evidence["assumptions_checked"] == []


def test_assumption_variants_and_costs():
    sc = steady()
    names = [a.name for a in assumptions(sc)]
    assert names[:2] == ["architecture", "fargate_savings_plan_discount"]    # no front door in the small scenario
    assert "spot_discount" not in names and "front_door" not in names
    var = assumption_variant(sc, "fargate_savings_plan_discount", 0.5)
    assert var.prices().value("fargate.savings_plan_discount") == 0.5
    costs = assumption_costs(sc, "fargate_savings_plan_discount", 0.5)
    fargate_od = compare(sc).table.loc["fargate_on_demand", "monthly_usd"]
    assert costs.loc["fargate_savings_plan", "monthly_usd"] == pytest.approx(fargate_od / 2, abs=0.011)
    assert costs.loc["lambda", "monthly_usd"] == compare(sc).table.loc["lambda", "monthly_usd"]
    grown = assumption_costs(sc, "growth", 1.5)
    assert grown.loc["lambda", "monthly_usd"] > costs.loc["lambda", "monthly_usd"]      # 25 % more requests


def test_the_tornado_over_assumptions():
    df = assumption_tornado(steady(), option="fargate_savings_plan")
    assert df.attrs["option"] == "fargate_savings_plan"
    row = df[df["input"].str.startswith("Fargate Savings Plan discount")].iloc[0]
    assert (row["low_value"], row["high_value"]) == ("0%", "50%")
    fargate_od = 0.5 * 2 * MONTH_S * FARGATE_VCPU_S + 1.0 * 2 * MONTH_S * FARGATE_GB_S
    assert row["high_usd"] - row["low_usd"] == pytest.approx(0.5 * fargate_od, abs=0.03)
    assert (df["swing_usd"].diff().dropna() <= 1e-9).all()          # sorted by swing


def test_a_discount_flip_of_right_sized_options_agrees_with_re_running_at_the_flip():
    # right-sized options: the variant compares against the option the verdict would (the
    # cheapest that meets the service level, even with a minute over capacity); the flip the
    # search reports must be where a full re-run (re-sized, re-priced) changes its verdict
    from costmodel.resources import data_path
    from costmodel.scenario.load import load_scenario

    path = data_path("scenarios", "steady-high-throughput-api.yaml")
    rec = recommend(path)
    row = next(r for r in rec.evidence["assumptions_checked"] if r["name"] == "fargate_savings_plan_discount")
    assert row["flips"] and rec.evidence["compared_against"]["option"] == "fargate_savings_plan"
    at = row["flip_value"]
    assert 0.2 < at < 0.5
    key = "price_overrides.fargate.savings_plan_discount"
    below = recommend(load_scenario(path, overrides={key: round(at - 0.01, 4)}))
    above = recommend(load_scenario(path, overrides={key: round(at + 0.01, 4)}))
    assert below.verdict == rec.verdict and above.verdict == row["new_verdict"] != rec.verdict

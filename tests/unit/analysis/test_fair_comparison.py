"""A fair fight: like-for-like front doors and architectures, Spot where it exists, the network
bill, Lambda's platform log lines and one 730-h month, each checked against a hand computation
from the published rates (data/pricing; ../shared/reference/aws-pricing.md)."""
import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_scenarios import small

from costmodel.analysis.compare import compare, front_door_table, option_setup
from costmodel.errors import ScenarioError
from costmodel.scenario.load import load_scenario

MONTH_H = 730
MONTH_S = MONTH_H * 3600
RATE = 2.0                                     # req/s, steady
REQUESTS = RATE * MONTH_S                      # 5,256,000
PAYLOAD_KB = 4.0
# published rates
LAMBDA_REQUEST, LAMBDA_GB_S = 0.20 / 1e6, 0.0000166667
FARGATE_VCPU_S, FARGATE_GB_S = 0.000011244, 0.000001235
FARGATE_ARM_VCPU_S, FARGATE_ARM_GB_S = 0.0000089944, 0.0000009889
M7I_LARGE, M7G_LARGE = 0.1008, 0.0816
HTTP_API, REST_API = 1.00 / 1e6, 3.50 / 1e6
ALB_HOUR, LCU_HOUR = 0.0225, 0.008
IPV4_HOUR, NAT_HOUR, NAT_GB = 0.005, 0.045, 0.045
LOGS_GB, GP3_GB_MONTH = 0.50, 0.08


def cents(x):
    return math.floor(x * 100 + 0.5) / 100


def lambda_compute(requests=REQUESTS, gb_s_per_request=0.1 * 1.0):
    return cents(requests * LAMBDA_REQUEST) + cents(requests * gb_s_per_request * LAMBDA_GB_S)


def fargate_compute(task_s=2 * MONTH_S, vcpu=0.5, gb=1.0, vcpu_s=FARGATE_VCPU_S, gb_s=FARGATE_GB_S):
    return cents(vcpu * task_s * vcpu_s) + cents(gb * task_s * gb_s)


def alb(lambda_targets, internet_facing=True, azs=2):
    """ALB for a month at RATE: with 100 requests per connection the processed bytes decide
    the LCU (1 GB/h per LCU; 0.4 GB/h for Lambda targets)."""
    gb_per_h = RATE * 3600 * PAYLOAD_KB / 1024 / 1024
    lcu = gb_per_h / (0.4 if lambda_targets else 1.0)
    assert lcu > RATE / 100 / 25 and lcu > RATE / 100 * 60 / 3000   # the other dimensions are smaller
    usd = cents(MONTH_H * ALB_HOUR) + cents(MONTH_H * lcu * LCU_HOUR)
    return usd + (cents(azs * MONTH_H * IPV4_HOUR) if internet_facing else 0.0)


def scenario(kind, **changes):
    return small(front_door__kind=kind, **changes)


# ------------------------------------------------------------------ one front door, both sides
@pytest.mark.parametrize("kind, lam_extra, con_extra", [
    ("alb", alb(True), alb(False)),
    ("api_gateway_http", cents(REQUESTS * HTTP_API), cents(REQUESTS * HTTP_API) + alb(False, internet_facing=False)),
    ("api_gateway_rest", cents(REQUESTS * REST_API), cents(REQUESTS * REST_API) + alb(False, internet_facing=False)),
    ("function_url", 0.0, alb(False)),
    ("none", 0.0, 0.0),
])
def test_like_for_like_front_door_by_hand(kind, lam_extra, con_extra):
    c = compare(scenario(kind))
    t = c.table
    assert t.loc["lambda", "monthly_usd"] == pytest.approx(lambda_compute() + lam_extra, abs=1e-9)
    assert t.loc["fargate_on_demand", "monthly_usd"] == pytest.approx(fargate_compute() + con_extra, abs=1e-9)
    assert t.loc["ec2_on_demand", "monthly_usd"] == pytest.approx(cents(MONTH_H * M7I_LARGE) + con_extra, abs=1e-9)
    assert c.setup.front_door_kind == kind
    if kind.startswith("api_gateway"):
        assert "VPC link" in c.setup.front_door_label and c.bills["fargate_on_demand"].item(
            "API Gateway VPC link hours").usd == 0
    if kind == "function_url":
        assert "no function URL" in c.setup.front_door_label


def test_usual_front_doors_are_an_explicit_labelled_choice():
    c = compare(scenario("usual", lambda__front_door="api_gateway_http", containers__front_door="alb"))
    assert c.setup.front_door_label.startswith("each side with its usual front door")
    t = c.table
    assert t.loc["lambda", "monthly_usd"] == pytest.approx(lambda_compute() + cents(REQUESTS * HTTP_API), abs=1e-9)
    assert t.loc["fargate_on_demand", "monthly_usd"] == pytest.approx(fargate_compute() + alb(False), abs=1e-9)
    assert "Front door: each side with its usual front door" in c.to_text()


def test_without_a_front_door_block_the_lambda_front_door_fronts_both_sides():
    c = compare(small(lambda__front_door="alb"))
    assert (c.setup.lambda_front_door, c.setup.container_front_door) == ("alb_lambda", "alb")


def test_alb_without_keep_alive_pays_one_new_connection_per_request():
    # requests_per_connection 1: 2 new connections/s = 0.08 LCU (25 per LCU) > processed bytes
    c = compare(scenario("alb", front_door__requests_per_connection=1, front_door__scheme="internal"))
    lcu_h = c.bills["fargate_on_demand"].item("ALB LCU-hours").quantity
    assert lcu_h == pytest.approx(MONTH_H * RATE / 25)
    keep = compare(scenario("alb", front_door__scheme="internal")).bills["fargate_on_demand"].item("ALB LCU-hours")
    assert keep.quantity == pytest.approx(MONTH_H * RATE * 3600 * PAYLOAD_KB / 1024 ** 2)
    assert keep.quantity < lcu_h


def test_front_door_table_holds_every_combination_and_the_scenario_row():
    sc = scenario("alb")
    c = compare(sc)
    df = front_door_table(sc, comparison=c)
    assert len(df) == 5 * 4
    own = df[df["scenario"]]
    assert len(own) == 1 and own.iloc[0]["lambda_usd"] == pytest.approx(c.table.loc["lambda", "monthly_usd"])
    assert own.iloc[0]["fargate_on_demand_usd"] == pytest.approx(c.table.loc["fargate_on_demand", "monthly_usd"])
    like = df[df["like_for_like"]]
    assert set(zip(like["lambda_front_door"], like["container_front_door"])) == {
        ("alb_lambda", "alb"), ("api_gateway_http", "api_gateway_http_vpc_link"),
        ("api_gateway_rest", "api_gateway_rest_vpc_link"), ("none", "none")}
    # every row against the hand-computed front doors
    none = df[(df["lambda_front_door"] == "none") & (df["container_front_door"] == "none")].iloc[0]
    assert none["lambda_usd"] == pytest.approx(lambda_compute())
    rest = df[(df["lambda_front_door"] == "api_gateway_rest") & (df["container_front_door"] == "alb")].iloc[0]
    assert rest["lambda_usd"] == pytest.approx(lambda_compute() + cents(REQUESTS * REST_API))
    assert rest["fargate_on_demand_usd"] == pytest.approx(fargate_compute() + alb(False))


# ------------------------------------------------------------------ the same extra on both sides
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mean_rps=st.floats(0.05, 40.0), payload_kb=st.sampled_from([1.0, 4.0, 64.0, 600.0]),
       kind=st.sampled_from(["alb", "api_gateway_http", "api_gateway_rest"]),
       rpc=st.sampled_from([1.0, 10.0, 100.0]), data_out_gb=st.floats(0.0, 500.0))
def test_the_same_extra_on_both_sides_never_moves_the_gap_by_more_than_its_difference(
        mean_rps, payload_kb, kind, rpc, data_out_gb):
    """Going from no front door to one front door on both sides (and adding the same data out
    to every option) moves Lambda minus each container option by exactly what the two sides
    pay differently for it, so the cheaper side can only change when the gap was smaller."""
    base = dict(traffic__mean_rps=mean_rps, glue__payload_kb=payload_kb, front_door__requests_per_connection=rpc)
    c0 = compare(small(front_door__kind="none", **base))
    c1 = compare(small(front_door__kind=kind, glue__data_out_gb_per_month=data_out_gb, **base))
    lam_extra = c1.table.loc["lambda", "monthly_usd"] - c0.table.loc["lambda", "monthly_usd"]
    for opt in ("fargate_on_demand", "ec2_savings_plan"):
        con_extra = c1.table.loc[opt, "monthly_usd"] - c0.table.loc[opt, "monthly_usd"]
        gap0 = c0.table.loc["lambda", "monthly_usd"] - c0.table.loc[opt, "monthly_usd"]
        gap1 = c1.table.loc["lambda", "monthly_usd"] - c1.table.loc[opt, "monthly_usd"]
        # the shared part (API Gateway requests, data out) cancels exactly; what remains is
        # what each side pays differently (Lambda vs container ALB targets, the VPC link's ALB)
        assert abs(gap1 - gap0) <= abs(lam_extra - con_extra) + 0.005
        if kind.startswith("api_gateway"):
            internal_alb = c1.bills[opt].amounts()
            differs = internal_alb["ALB hours"] + internal_alb["ALB LCU-hours"]
            assert gap1 - gap0 == pytest.approx(-differs, abs=0.011)
        if abs(gap0) > abs(lam_extra - con_extra) + 0.005:
            assert (gap1 > 0) == (gap0 > 0)


# ------------------------------------------------------------------ architecture
def test_arm64_work_runs_everything_on_arm64():
    c = compare(small(work__architecture="arm64"))
    assert c.setup.fargate_architecture == "arm64" and c.setup.ec2_instance_type == "m7g.large"
    t = c.table
    assert t.loc["fargate_on_demand", "monthly_usd"] == pytest.approx(
        fargate_compute(vcpu_s=FARGATE_ARM_VCPU_S, gb_s=FARGATE_ARM_GB_S), abs=1e-9)
    assert t.loc["ec2_on_demand", "monthly_usd"] == pytest.approx(cents(MONTH_H * M7G_LARGE), abs=1e-9)
    assert not any("EC2 priced as" in n for n in c.notes)


def test_a_mismatch_the_user_asks_for_is_kept_and_said():
    c = compare(small(containers__ec2__match_architecture=False, containers__fargate__architecture="arm64"))
    assert c.setup.ec2_instance_type == "m7g.large" and c.setup.fargate_architecture == "arm64"
    assert any("m7g.large (arm64) while the workload is x86_64" in n for n in c.notes)
    assert any("Fargate runs arm64 while the workload is x86_64" in n for n in c.notes)
    assert c.table.loc["ec2_on_demand", "monthly_usd"] == pytest.approx(cents(MONTH_H * M7G_LARGE))


def test_an_instance_without_a_counterpart_is_an_error_naming_the_field():
    sc = load_scenario(small())
    prices = sc.prices()
    types = dict(prices.ec2_instance_types)
    types["m7g.large"] = {k: v for k, v in types["m7g.large"].items() if k != "counterpart"}
    bare = dataclasses.replace(prices, ec2_instance_types=types)
    with pytest.raises(ScenarioError, match=r"containers\.ec2\.instance_type='m7g.large' is arm64"):
        option_setup(sc, prices=bare)


# ------------------------------------------------------------------ Spot
def test_spot_is_offered_only_for_interruption_tolerant_x86_64_work():
    assert "fargate_spot" not in compare(small()).options
    tolerant = compare(small(workload={"interruption_tolerant": True}))
    assert "fargate_spot" in tolerant.options
    keep = 1 - 0.60                                                   # the expected discount
    assert tolerant.table.loc["fargate_spot", "monthly_usd"] == pytest.approx(
        cents(0.5 * 2 * MONTH_S * FARGATE_VCPU_S * keep) + cents(1.0 * 2 * MONTH_S * FARGATE_GB_S * keep), abs=1e-9)
    assert any("expected 60% discount" in a and "assumption" in a for a in tolerant.setup.assumptions)
    arm = compare(small(workload={"interruption_tolerant": True}, work__architecture="arm64"))
    assert "fargate_spot" not in arm.options
    assert "Linux x86_64 tasks only" in arm.setup.left_out["fargate_spot"] and "arm64" in arm.setup.left_out[
        "fargate_spot"]
    with pytest.raises(ScenarioError, match=r"workload\.interruption_tolerant='yes'"):
        compare(small(workload={"interruption_tolerant": "yes"}))


def test_the_spot_discount_is_user_settable():
    c = compare(small(workload={"interruption_tolerant": True}, price_overrides={"fargate.spot_discount": 0.5}))
    assert c.table.loc["fargate_spot", "monthly_usd"] == pytest.approx(
        cents(0.5 * 2 * MONTH_S * FARGATE_VCPU_S * 0.5) + cents(1.0 * 2 * MONTH_S * FARGATE_GB_S * 0.5), abs=1e-9)


# ------------------------------------------------------------------ the network bill
def test_private_subnets_pay_a_nat_gateway_its_ip_and_the_logs_through_it():
    log_kb = 1.0
    c = compare(small(network={"nat_gateways": 1, "image_mb": 0, "ebs_gb_per_instance": 30},
                      glue__log_kb_per_request=log_kb))
    log_gb = REQUESTS * log_kb / 1024 / 1024
    nat = cents(MONTH_H * NAT_HOUR) + cents(log_gb * NAT_GB) + cents(MONTH_H * IPV4_HOUR)
    logs = cents(log_gb * LOGS_GB)
    t = c.table
    assert t.loc["fargate_on_demand", "monthly_usd"] == pytest.approx(fargate_compute() + nat + logs, abs=1e-9)
    ebs = cents(30 * 1 * MONTH_H / MONTH_H * GP3_GB_MONTH)            # one instance all month, 30 GB
    assert t.loc["ec2_on_demand", "monthly_usd"] == pytest.approx(
        cents(MONTH_H * M7I_LARGE) + nat + ebs + logs, abs=1e-9)
    # Lambda outside a VPC pays no NAT: its own logs and its platform lines only
    assert "NAT gateway hours" not in c.bills["lambda"].amounts()
    assert t.loc["lambda", "monthly_usd"] == pytest.approx(lambda_compute() + logs, abs=1e-9)


def test_lambda_in_a_vpc_pays_its_own_nat_for_its_own_traffic():
    c = compare(small(network={"lambda_in_vpc": True, "nat_gateways": 1}, glue__nat_gb_per_month=10,
                      glue__log_kb_per_request=1.0))
    lam = c.bills["lambda"].amounts()
    assert lam["NAT gateway hours"] == cents(MONTH_H * NAT_HOUR)
    assert lam["NAT gateway data processed"] == cents(10 * NAT_GB)      # its logs do not cross the VPC


def test_public_subnets_pay_one_ipv4_per_task_and_no_nat():
    c = compare(small(network={"containers_subnets": "public", "nat_gateways": 1}))
    far = c.bills["fargate_on_demand"].amounts()
    assert far["Public IPv4 addresses (tasks/instances in public subnets)"] == cents(2 * MONTH_H * IPV4_HOUR)
    assert "NAT gateway hours" not in far
    ec2 = c.bills["ec2_on_demand"].amounts()
    assert ec2["Public IPv4 addresses (tasks/instances in public subnets)"] == cents(1 * MONTH_H * IPV4_HOUR)


def test_interface_endpoints_instead_of_a_nat_gateway():
    c = compare(small(network={"egress": "vpc_endpoints", "availability_zones": 2, "interface_endpoints": 1},
                      glue__log_kb_per_request=1.0))
    log_gb = REQUESTS / 1024 / 1024
    far = c.bills["fargate_on_demand"].amounts()
    # ECR API, ECR Docker, CloudWatch Logs + 1 declared, in 2 AZs; the logs go through them
    assert far["VPC interface endpoint hours"] == cents(4 * 2 * MONTH_H * 0.01)
    assert far["VPC interface endpoint data processed"] == cents(log_gb * 0.01)
    assert c.bills["ec2_on_demand"].amounts()["VPC interface endpoint hours"] == cents(7 * 2 * MONTH_H * 0.01)
    assert "NAT gateway hours" not in far


def test_image_pulls_go_through_the_nat_without_an_s3_gateway_endpoint():
    sc = small(network={"gateway_endpoints": False, "image_mb": 512, "nat_gateways": 1})
    c = compare(sc)
    launches = c.fargate.launches                     # a fixed fleet of 2: started once
    assert launches == 2
    assert c.bills["fargate_on_demand"].item("NAT gateway data processed").quantity == pytest.approx(2 * 0.5)
    with_endpoint = compare(small(network={"gateway_endpoints": True, "image_mb": 512, "nat_gateways": 1}))
    assert with_endpoint.bills["fargate_on_demand"].item("NAT gateway data processed").quantity == 0


# ------------------------------------------------------------------ Lambda's platform log lines
@pytest.mark.parametrize("fmt, per_invocation", [("text", 263), ("json", 573)])
def test_lambda_platform_lines_are_billed_per_invocation_next_to_the_application_logs(fmt, per_invocation):
    c = compare(small(lambda__platform_log_bytes=None, lambda__log_format=fmt, glue__log_kb_per_request=1.0))
    lam = c.bills["lambda"].amounts()
    platform_gb = REQUESTS * per_invocation / 1024 ** 3
    assert lam["CloudWatch Logs ingestion (Lambda START/END/REPORT lines)"] == cents(platform_gb * LOGS_GB)
    assert lam["CloudWatch Logs ingestion"] == cents(REQUESTS / 1024 ** 2 * LOGS_GB)
    assert "CloudWatch Logs ingestion (Lambda START/END/REPORT lines)" not in c.bills["fargate_on_demand"].amounts()
    custom = compare(small(lambda__platform_log_bytes=1000)).bills["lambda"].amounts()
    assert custom["CloudWatch Logs ingestion (Lambda START/END/REPORT lines)"] == cents(
        REQUESTS * 1000 / 1024 ** 3 * LOGS_GB)


def test_steady_300_rps_platform_lines_are_about_100_usd_a_month():
    # the order of magnitude: 300 req/s x 730 h x 263 bytes ~ 193 GB ~ $97
    gb = 300 * MONTH_S * 263 / 1024 ** 3
    assert 90 < gb * LOGS_GB < 110


# ------------------------------------------------------------------ one month everywhere
def test_the_month_is_730_hours_in_compare():
    c = compare(small())
    assert c.rate_rps.size * c.step_s == MONTH_S
    assert c.requests == pytest.approx(REQUESTS)
    thirty = compare(small(traffic__horizon_days=30))
    assert thirty.requests == pytest.approx(REQUESTS)          # repeated to 730 h, with a note
    assert any("730-h month" in n for n in thirty.notes)


def test_scenario_blocks_are_validated_with_the_full_path():
    for changes, match in (({"front_door__kind": "cloudfront"}, r"front_door\.kind='cloudfront'"),
                           ({"front_door__requests_per_connection": 0}, r"front_door\.requests_per_connection=0"),
                           ({"front_door__scheme": "public"}, r"front_door\.scheme='public'"),
                           ({"network": {"egress": "igw"}}, r"network\.egress='igw'"),
                           ({"network": {"nat_gateways": 1.5}}, r"network\.nat_gateways=1\.5"),
                           ({"network": {"lambda_in_vpc": "yes"}}, r"network\.lambda_in_vpc='yes'"),
                           ({"network": {"nat_gatways": 1}}, r"unknown key 'network\.nat_gatways'"),
                           ({"lambda__log_format": "xml"}, r"lambda\.log_format='xml'"),
                           ({"containers__ec2__match_architecture": "no"},
                            r"containers\.ec2\.match_architecture='no'")):
        with pytest.raises(ScenarioError, match=match):
            compare(small(**changes))
    assert np.isfinite(compare(small()).requests)

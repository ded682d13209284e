"""Bills against AWS's published worked examples and hand arithmetic.

Expected values are AWS's own figures (../shared/reference/aws-pricing.md, sections 2-3)
or arithmetic written out here from the published per-unit rates; never the code's output.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from costmodel.errors import CostModelError, InvalidParameterError, UnknownNameError
from costmodel.models.bills import (
    Bill,
    LineItem,
    ProvisionedWindow,
    alb_bill,
    alb_lcu,
    api_gateway_bill,
    data_transfer_bill,
    dynamodb_bill,
    ec2_bill,
    ec2_usd_per_hour,
    fargate_bill,
    fargate_billable_seconds,
    fargate_usd_per_task_s,
    function_url_bill,
    lambda_async_requests,
    lambda_bill,
    lambda_duration_tiers,
    lambda_gb_s,
    lambda_usage,
    line_item,
    logs_bill,
    nat_bill,
    public_ipv4_bill,
    round_usd,
    sqs_bill,
    tier_quantities,
    tiered_usd,
)
from costmodel.models.pricing import load_prices

# Published per-unit rates (us-east-1), typed from the reference, not read from the code.
X86_T1, X86_T2, X86_T3 = 0.0000166667, 0.0000150000, 0.0000133334
ARM_T1, ARM_T2, ARM_T3 = 0.0000133334, 0.0000120001, 0.0000106667
REQ = 0.20 / 1e6


@pytest.fixture(scope="module")
def prices():
    return load_prices()


def amounts(bill: Bill) -> dict[str, float]:
    return {i.name: i.usd for i in bill.items}


# ------------------------------------------------------------------ AWS Lambda examples
def test_od1_mobile_backend(prices):
    # 3M req, 120 ms, 1536 MB, x86, free tier. AWS: $2.33 + $0.40 = $2.73.
    u = lambda_usage(3_000_000, 120, 1536, prices=prices)
    assert u.invocation_s == pytest.approx(360_000)
    assert u.on_demand_gb_s == pytest.approx(540_000)
    assert u.free_gb_s == pytest.approx(400_000)
    assert u.billable_on_demand_gb_s == pytest.approx(140_000)
    assert u.billable_requests == pytest.approx(2_000_000)
    bill = lambda_bill(3_000_000, 120, 1536, "x86_64", free_tier=True, prices=prices)
    assert amounts(bill) == {"Lambda requests": 0.40, "Lambda duration x86_64 tier 1": 2.33}
    assert bill.total_usd == 2.73


def test_od3_ephemeral_storage(prices):
    # 6M req, 280 ms, 4096 MB, 2048 MB ephemeral. AWS: $105.33 + $1.00 + $0.08 = $106.41.
    u = lambda_usage(6_000_000, 280, 4096, ephemeral_storage_mb=2048, prices=prices)
    assert u.invocation_s == pytest.approx(1_680_000)
    assert u.on_demand_gb_s == pytest.approx(6_720_000)
    assert u.billable_on_demand_gb_s == pytest.approx(6_320_000)
    assert u.billable_requests == pytest.approx(5_000_000)
    assert u.ephemeral_gb_s == pytest.approx(2_520_000)  # 1,680,000 s x 1.5 GB
    bill = lambda_bill(6_000_000, 280, 4096, ephemeral_storage_mb=2048, prices=prices)
    assert amounts(bill) == {
        "Lambda requests": 1.00,
        "Lambda duration x86_64 tier 1": 105.33,
        "Lambda ephemeral storage": 0.08,
    }
    assert bill.total_usd == 106.41


def test_pc1_mobile_app_launch(prices):
    # PC 100 x 1536 MB for 8 h serving 500k req at 100 ms; 2.5M on-demand at 120 ms.
    # AWS: $18 + $0.40 + $0.73 + $0.83 = $19.96.
    window = ProvisionedWindow(concurrency=100, enabled_s=8 * 3600, requests=500_000, duration_ms=100)
    u = lambda_usage(2_500_000, 120, 1536, provisioned=[window], prices=prices)
    assert u.provisioned_configured_gb_s == pytest.approx(4_320_000)  # 28,800 s x 150 GB
    assert u.provisioned_duration_gb_s == pytest.approx(75_000)  # 50,000 s x 1.5 GB
    assert u.on_demand_gb_s == pytest.approx(450_000)  # 300,000 s x 1.5 GB
    assert u.billable_on_demand_gb_s == pytest.approx(50_000)
    assert u.requests == 3_000_000 and u.billable_requests == 2_000_000
    bill = lambda_bill(2_500_000, 120, 1536, provisioned=[window], prices=prices)
    assert amounts(bill) == {
        "Lambda requests": 0.40,
        "Lambda duration x86_64 tier 1": 0.83,
        "Lambda provisioned concurrency x86_64": 18.00,
        "Lambda provisioned duration x86_64": 0.73,
    }
    assert bill.total_usd == 19.96


def test_free_tier_switch_off_charges_everything(prices):
    bill = lambda_bill(3_000_000, 120, 1536, free_tier=False, prices=prices)
    # 540,000 GB-s x 0.0000166667 = 9.000018 -> 9.00; 3M x $0.2/M = 0.60
    assert amounts(bill) == {"Lambda requests": 0.60, "Lambda duration x86_64 tier 1": 9.00}


def test_free_gb_s_do_not_cover_provisioned_duration(prices):
    # Only PC-served requests: the 400,000 free GB-s must not reduce PC duration.
    w = ProvisionedWindow(concurrency=1, enabled_s=3600, requests=100_000, duration_ms=1000)
    bill = lambda_bill(0, 0, 1024, provisioned=[w], prices=prices)
    # PC duration: 100,000 s x 1 GB x 0.0000097222 = 0.97222 -> 0.97
    assert bill.item("Lambda provisioned duration x86_64").usd == 0.97
    # configured: 1 x 1 GB x 3,600 s x 0.0000041667 = 0.01500012 -> 0.02
    assert bill.item("Lambda provisioned concurrency x86_64").usd == 0.02
    assert bill.item("Lambda requests").usd == 0.0  # 100k requests within the 1M free


def test_pc_time_rounded_up_to_5_minutes(prices):
    w = ProvisionedWindow(concurrency=10, enabled_s=301, occurrences=3)
    u = lambda_usage(0, 0, 2048, provisioned=[w], prices=prices)
    assert u.provisioned_configured_gb_s == pytest.approx(10 * 2 * 600 * 3)
    exact = ProvisionedWindow(concurrency=10, enabled_s=300)
    assert lambda_usage(0, 0, 2048, provisioned=[exact], prices=prices).provisioned_configured_gb_s == pytest.approx(6000)


def test_duration_rounded_up_to_1_ms():
    assert lambda_gb_s(1000, 120.2, 1024) == pytest.approx(1000 * 0.121)
    assert lambda_gb_s(1000, 120.0, 1024) == pytest.approx(1000 * 0.120)
    assert lambda_gb_s(1, 0.1, 1024) == pytest.approx(0.001)


def test_lambda_gb_s_is_vectorised():
    out = lambda_gb_s(np.array([1.0, 2.0, 3.0]), np.array([1.5, 10, 100]), 2048)
    np.testing.assert_allclose(out, [1 * 0.002 * 2, 2 * 0.010 * 2, 3 * 0.100 * 2])


def test_array_of_steps_equals_the_month_total(prices):
    steps = lambda_bill(np.full(30, 100_000.0), 120, 1536, prices=prices)
    month = lambda_bill(3_000_000, 120, 1536, prices=prices)
    assert steps.total_usd == month.total_usd == 2.73


def test_arm64_uses_arm_rates(prices):
    bill = lambda_bill(3_000_000, 120, 1536, "arm64", prices=prices)
    # 140,000 GB-s x 0.0000133334 = 1.866676 -> 1.87
    assert amounts(bill) == {"Lambda requests": 0.40, "Lambda duration arm64 tier 1": 1.87}


def test_init_billed_like_on_demand_duration(prices):
    # 10,000 cold starts x 250 ms x 1 GB = 2,500 GB-s, added to 1M x 100 ms x 1 GB = 100,000 GB-s
    u = lambda_usage(1_000_000, 100, 1024, cold_starts=10_000, init_duration_ms=250, free_tier=False, prices=prices)
    assert u.init_gb_s == pytest.approx(2_500)
    bill = lambda_bill(1_000_000, 100, 1024, cold_starts=10_000, init_duration_ms=250, free_tier=False, prices=prices)
    # 102,500 x 0.0000166667 = 1.70833675 -> 1.71
    assert bill.item("Lambda duration x86_64 tier 1").usd == 1.71
    # INIT falls under the free tier like invocations: 102,500 GB-s < 400,000
    assert lambda_bill(1_000_000, 100, 1024, cold_starts=10_000, init_duration_ms=250, prices=prices).total_usd == 0.0


def test_snapstart_cache_minimum_and_restores(prices):
    # 1 version, 2 GB, cached 1 h -> billed 3 h: 2 x 10,800 = 21,600 GB-s x 0.0000015046 = 0.03249936 -> 0.03
    u = lambda_usage(0, 0, 2048, snapstart_versions=1, snapstart_cache_s=3600, snapstart_restores=1000, prices=prices)
    assert u.snapstart_cache_gb_s == pytest.approx(21_600)
    assert u.snapstart_restore_gb == pytest.approx(2_000)
    bill = lambda_bill(0, 0, 2048, snapstart_versions=1, snapstart_cache_s=3600, snapstart_restores=1000, prices=prices)
    assert bill.item("Lambda SnapStart cache").usd == 0.03
    # 2,000 GB x 0.0000001397998... no: 0.0001397998 per GB -> 0.2795996 -> 0.28
    assert bill.item("Lambda SnapStart restore").usd == 0.28
    # 30 days for 3 versions at 1 GB: 3 x 2,592,000 = 7,776,000 GB-s x 0.0000015046 = 11.6997696 -> 11.70
    b30 = lambda_bill(0, 0, 1024, snapstart_versions=3, snapstart_cache_s=30 * 86400, prices=prices)
    assert b30.item("Lambda SnapStart cache").usd == 11.70


def test_async_payload_chunks(prices):
    assert lambda_async_requests(1, 256, prices) == 1
    assert lambda_async_requests(1, 257, prices) == 2
    assert lambda_async_requests(1, 320, prices) == 2
    assert lambda_async_requests(1, 321, prices) == 3
    assert lambda_async_requests(1, 1024, prices) == 1 + 12  # (1024 - 256) / 64
    with pytest.raises(InvalidParameterError, match="payload_kb"):
        lambda_async_requests(1, 1025, prices)
    bill = lambda_bill(2_000_000, 10, 128, async_payload_kb=300, free_tier=False, prices=prices)
    assert bill.item("Lambda requests").quantity == 4_000_000


# ------------------------------------------------------------------ tier boundaries
def test_x86_crossing_6b_gb_s(prices):
    # 1e9 requests x 7,000 ms x 1 GB = 7e9 GB-s; free tier off.
    bill = lambda_bill(1e9, 7000, 1024, free_tier=False, prices=prices)
    # tier 1: 6e9 x 0.0000166667 = 100,000.20 ; tier 2: 1e9 x 0.000015 = 15,000.00
    assert amounts(bill) == {
        "Lambda requests": 200.00,
        "Lambda duration x86_64 tier 1": 100_000.20,
        "Lambda duration x86_64 tier 2": 15_000.00,
    }
    assert bill.total_usd == pytest.approx(115_200.20, abs=1e-9)


def test_x86_crossing_6b_with_free_tier(prices):
    bill = lambda_bill(1e9, 7000, 1024, free_tier=True, prices=prices)
    # free 400,000 GB-s come off the bottom of tier 1: 5,999,600,000 x 0.0000166667 = 99,993.53332
    assert bill.item("Lambda duration x86_64 tier 1").usd == 99_993.53
    assert bill.item("Lambda duration x86_64 tier 2").usd == 15_000.00
    assert bill.item("Lambda requests").usd == 199.80  # 999,000,000 x $0.2/M


def test_x86_crossing_15b_gb_s(prices):
    bill = lambda_bill(1e9, 16000, 1024, free_tier=False, prices=prices)
    # 6e9 x 0.0000166667 = 100,000.20 ; 9e9 x 0.000015 = 135,000.00 ; 1e9 x 0.0000133334 = 13,333.40
    assert bill.item("Lambda duration x86_64 tier 1").usd == 100_000.20
    assert bill.item("Lambda duration x86_64 tier 2").usd == 135_000.00
    assert bill.item("Lambda duration x86_64 tier 3").usd == 13_333.40


def test_arm64_crossing_7_5b_gb_s(prices):
    bill = lambda_bill(1e9, 8000, 1024, "arm64", free_tier=False, prices=prices)
    # 7.5e9 x 0.0000133334 = 100,000.50 ; 0.5e9 x 0.0000120001 = 6,000.05
    assert bill.item("Lambda duration arm64 tier 1").usd == 100_000.50
    assert bill.item("Lambda duration arm64 tier 2").usd == 6_000.05
    assert "Lambda duration arm64 tier 3" not in amounts(bill)


def test_arm64_crossing_18_75b_gb_s(prices):
    bill = lambda_bill(1e9, 20000, 1024, "arm64", free_tier=False, prices=prices)
    # tier 2: 11.25e9 x 0.0000120001 = 135,001.125 -> half-up 135,001.13
    # tier 3: 1.25e9 x 0.0000106667 = 13,333.375 -> half-up 13,333.38
    assert bill.item("Lambda duration arm64 tier 1").usd == 100_000.50
    assert bill.item("Lambda duration arm64 tier 2").usd == 135_001.13
    assert bill.item("Lambda duration arm64 tier 3").usd == 13_333.38


def test_tiered_usd_matches_hand_arithmetic(prices):
    tiers = lambda_duration_tiers("x86_64", prices)
    q = np.array([0.0, 6e9, 7e9, 16e9])
    expected = [0.0, 6e9 * X86_T1, 6e9 * X86_T1 + 1e9 * X86_T2, 6e9 * X86_T1 + 9e9 * X86_T2 + 1e9 * X86_T3]
    np.testing.assert_allclose(tiered_usd(q, tiers), expected, rtol=1e-12)
    np.testing.assert_allclose(tier_quantities(7e9, tiers), [6e9, 1e9, 0.0])
    arm = lambda_duration_tiers("arm64", prices)
    assert tiered_usd(20e9, arm) == pytest.approx(7.5e9 * ARM_T1 + 11.25e9 * ARM_T2 + 1.25e9 * ARM_T3, rel=1e-12)


# ------------------------------------------------------------------ Fargate
def test_f1_ecs_linux_x86(prices):
    # 5 tasks x 600 s/day x 30 days, 1 vCPU, 2 GB, 30 GB ephemeral. AWS: 1.01 + 0.22 + 0.03 = 1.26
    task_s = 5 * 30 * fargate_billable_seconds(600)
    bill = fargate_bill(1, 2, task_s, ephemeral_storage_gb=30, prices=prices)
    assert bill.item("Fargate vCPU x86_64").quantity == pytest.approx(90_000)
    assert bill.item("Fargate memory x86_64").quantity == pytest.approx(180_000)
    assert bill.item("Fargate ephemeral storage").quantity == pytest.approx(900_000)  # 10 GB x 90,000 s
    assert amounts(bill) == {"Fargate vCPU x86_64": 1.01, "Fargate memory x86_64": 0.22, "Fargate ephemeral storage": 0.03}
    assert bill.total_usd == 1.26


def test_f3_eks_pods(prices):
    # 10 pods x 3,600 s x 30 days, 0.25 vCPU, 1 GB. AWS: 3.04 + 1.33 = 4.37
    bill = fargate_bill(0.25, 1, 10 * 3600 * 30, prices=prices)
    assert amounts(bill) == {"Fargate vCPU x86_64": 3.04, "Fargate memory x86_64": 1.33}
    assert bill.total_usd == 4.37


def test_fargate_billable_seconds():
    np.testing.assert_array_equal(fargate_billable_seconds([0, 1, 59.5, 60, 60.2, 3600]), [60, 60, 60, 60, 61, 3600])
    assert fargate_billable_seconds(120, minimum_s=300) == 300
    with pytest.raises(InvalidParameterError, match="run_durations_s"):
        fargate_billable_seconds([10, -1])


def test_fargate_arm_spot_and_savings_plan(prices):
    arm = fargate_bill(1, 2, 1_000_000, architecture="arm64", prices=prices)
    # 1,000,000 x 0.0000089944 = 8.9944 -> 8.99 ; 2,000,000 x 0.0000009889 = 1.9778 -> 1.98
    assert amounts(arm) == {"Fargate vCPU arm64": 8.99, "Fargate memory arm64": 1.98}
    d = prices.value("fargate.spot_discount")
    spot = fargate_bill(1, 2, 1_000_000, purchase="spot", prices=prices)
    assert spot.item("Fargate vCPU x86_64 (spot)").usd == round_usd(1_000_000 * 0.000011244 * (1 - d))
    custom = prices.with_overrides({"fargate.savings_plan_discount": 0.5})
    sp = fargate_bill(1, 2, 1_000_000, purchase="savings_plan", prices=custom)
    # 1,000,000 x 0.000011244 / 2 = 5.622 -> 5.62 ; 2,000,000 x 0.000001235 / 2 = 1.235 -> 1.24 (half-up)
    assert amounts(sp) == {"Fargate vCPU x86_64 (savings plan)": 5.62, "Fargate memory x86_64 (savings plan)": 1.24}


def test_fargate_windows_licence_line(prices):
    bill = fargate_bill(1, 2, 100_000, operating_system="windows", prices=prices)
    # 100,000 x 0.0000254167 = 2.54167 ; licence 100,000 x 0.0000127778 = 1.27778 ; 200,000 x 0.0000027778 = 0.55556
    assert amounts(bill) == {
        "Fargate vCPU Windows x86_64": 2.54,
        "Fargate Windows OS licence": 1.28,
        "Fargate memory Windows x86_64": 0.56,
    }
    with pytest.raises(InvalidParameterError, match="architecture"):
        fargate_bill(1, 2, 1, operating_system="windows", architecture="arm64", prices=prices)


def test_fargate_usd_per_task_s_is_the_unrounded_rate(prices):
    rate = fargate_usd_per_task_s(1, 2, ephemeral_storage_gb=30, prices=prices)
    assert rate == pytest.approx(0.000011244 + 2 * 0.000001235 + 10 * 0.0000000308, rel=1e-12)


@pytest.mark.parametrize("vcpu, memory_gb", [(0.25, 0.5), (0.25, 2), (0.5, 4), (1, 8), (4, 30), (8, 60), (16, 120), (8, 20)])
def test_valid_fargate_sizes_accepted(prices, vcpu, memory_gb):
    fargate_bill(vcpu, memory_gb, 60, prices=prices)


def test_invalid_fargate_size_lists_valid_memory(prices):
    with pytest.raises(InvalidParameterError) as exc:
        fargate_bill(1, 1, 60, prices=prices)
    assert exc.value.name == "memory_gb" and exc.value.value == 1
    assert "2, 3, 4, 5, 6, 7, 8" in str(exc.value)
    with pytest.raises(InvalidParameterError, match="18"):  # 8 vCPU is in 4 GB steps
        fargate_bill(8, 18, 60, prices=prices)
    with pytest.raises(InvalidParameterError, match="vcpu=3"):
        fargate_bill(3, 6, 60, prices=prices)
    with pytest.raises(InvalidParameterError, match="ephemeral_storage_gb"):
        fargate_bill(1, 2, 60, ephemeral_storage_gb=201, prices=prices)
    with pytest.raises(InvalidParameterError, match="purchase"):
        fargate_bill(1, 2, 60, purchase="reserved", prices=prices)


# ------------------------------------------------------------------ EC2
def test_ec2_on_demand_month(prices):
    # m7g.large 730 h x $0.0816 = 59.568 -> 59.57
    assert ec2_bill("m7g.large", 730, prices=prices).total_usd == 59.57
    # t3.medium 2 x 730 h x $0.0416 = 60.736 -> 60.74
    assert ec2_bill("t3.medium", 1460, prices=prices).total_usd == 60.74


def test_ec2_purchase_discounts_and_errors(prices):
    d = prices.value("ec2.reserved_discount")
    assert ec2_usd_per_hour("m7i.large", "reserved", prices) == pytest.approx(0.1008 * (1 - d))
    with pytest.raises(UnknownNameError) as exc:
        ec2_bill("m5.large", 730, prices=prices)
    assert "m7g.large" in str(exc.value) and "t3.medium" in str(exc.value)
    with pytest.raises(InvalidParameterError, match="purchase"):
        ec2_bill("m7g.large", 730, purchase="dedicated", prices=prices)


# ------------------------------------------------------------------ front doors and glue
def test_api_gateway_http_512kb_metering(prices):
    # 1M calls of 600 KB count as 2M metered requests x $1.00/M = $2.00
    assert api_gateway_bill(1_000_000, api="http", payload_kb=600, prices=prices).total_usd == 2.00
    assert api_gateway_bill(1_000_000, api="http", payload_kb=512, prices=prices).total_usd == 1.00
    # REST ignores payload size: 1M x $3.50/M
    assert api_gateway_bill(1_000_000, api="rest", payload_kb=600, prices=prices).total_usd == 3.50


def test_api_gateway_tiers(prices):
    # REST 400M: 333M x 3.50/M = 1,165.50 ; 67M x 2.80/M = 187.60
    bill = api_gateway_bill(400e6, api="rest", prices=prices)
    assert amounts(bill) == {"API Gateway REST requests tier 1": 1165.50, "API Gateway REST requests tier 2": 187.60}
    # HTTP 500M: 300M x 1.00/M = 300 ; 200M x 0.90/M = 180
    assert api_gateway_bill(500e6, prices=prices).total_usd == 480.00
    # free tier (new accounts): 1M free
    assert api_gateway_bill(1_500_000, prices=prices, free_tier=True).total_usd == 0.50


def test_alb_lcu_dimensions(prices):
    assert alb_lcu(new_connections_per_s=50, prices=prices) == pytest.approx(2.0)
    assert alb_lcu(active_connections_per_min=4500, prices=prices) == pytest.approx(1.5)
    assert alb_lcu(processed_gb_per_h=1.0, prices=prices) == pytest.approx(1.0)
    assert alb_lcu(processed_gb_per_h=1.0, lambda_targets=True, prices=prices) == pytest.approx(2.5)
    assert alb_lcu(rule_evaluations_per_s=500, prices=prices) == pytest.approx(0.5)
    np.testing.assert_allclose(alb_lcu([25, 0], [0, 6000], prices=prices), [1.0, 2.0])
    bill = alb_bill(730, processed_gb_per_h=0.4, lambda_targets=True, prices=prices)
    # 730 h x 0.0225 = 16.425 -> 16.43 (half-up) ; 730 LCU-h x 0.008 = 5.84
    assert amounts(bill) == {"ALB hours": 16.43, "ALB LCU-hours": 5.84}


def test_function_url_is_free(prices):
    assert function_url_bill(10_000_000, prices=prices).total_usd == 0.0


def test_sqs_chunks_and_free_tier(prices):
    # 1M requests of 256 KB = 4M billed requests; minus 1M free = 3M x $0.40/M = 1.20
    assert sqs_bill(1_000_000, payload_kb=256, prices=prices).total_usd == 1.20
    assert sqs_bill(1_000_000, payload_kb=64, prices=prices).total_usd == 0.0
    assert sqs_bill(1_000_000, payload_kb=65, free_tier=False, prices=prices).total_usd == 0.80
    assert sqs_bill(2_000_000, fifo=True, prices=prices).total_usd == 0.50  # 1M x $0.50/M


def test_dynamodb_logs_nat_ipv4(prices):
    assert amounts(dynamodb_bill(2e6, 8e6, prices=prices)) == {
        "DynamoDB write request units": 1.25, "DynamoDB read request units": 1.00}
    assert logs_bill(10, prices=prices).total_usd == 5.00
    assert logs_bill(10, stored_gb=100, prices=prices).total_usd == 8.00
    # Lambda tiers (assumed; TB = 1,000 GB): 20,480 GB = 10,000 x 0.50 + 10,480 x 0.25 = 5,000 + 2,620
    assert logs_bill(20480, lambda_tiers=True, prices=prices).total_usd == 7620.00
    assert amounts(nat_bill(730, 100, prices=prices)) == {"NAT gateway hours": 32.85, "NAT gateway data processed": 4.50}
    assert public_ipv4_bill(730, prices=prices).total_usd == 3.65


def test_log_tiers_reproduce_the_cited_figure_only_with_1000_gb_per_tb(prices):
    """The price file's note cites Duckbill: "60 TB: $30,000 -> $12,500" (flat $0.50/GB vs the
    Lambda volume tiers 0.50 / 0.25 / 0.10 / 0.05 at 10 / 30 / 50 TB). By hand:

    * 1 TB = 1,000 GB: 60,000 GB x 0.50 = 30,000; 10,000 x 0.50 + 20,000 x 0.25 + 20,000 x 0.10
      + 10,000 x 0.05 = 5,000 + 5,000 + 2,000 + 500 = 12,500 (the cited pair);
    * 1 TB = 1,024 GB: 61,440 GB x 0.50 = 30,720; 5,120 + 5,120 + 2,048 + 512 = 12,800;
      and 60,000 GB on 1,024-GB limits: 5,120 + 5,120 + 2,048 + 8,800 x 0.05 = 12,728.
    """
    assert logs_bill(60_000, prices=prices).total_usd == 30_000.00
    assert logs_bill(60_000, lambda_tiers=True, prices=prices).total_usd == 12_500.00
    binary = prices.with_overrides({"logs.lambda_tier1_limit": 10_240, "logs.lambda_tier2_limit": 30_720,
                                    "logs.lambda_tier3_limit": 51_200})
    assert logs_bill(61_440, prices=binary).total_usd == 30_720.00
    assert logs_bill(61_440, lambda_tiers=True, prices=binary).total_usd == 12_800.00
    assert logs_bill(60_000, lambda_tiers=True, prices=binary).total_usd == 12_728.00
    assert "1 TB = 1,000 GB" in prices.rate("logs.lambda_tier1").note
    assert "12,800" in prices.rate("logs.lambda_tier1").note


def test_data_transfer_free_100gb_and_tiers(prices):
    assert data_transfer_bill(100, prices=prices).total_usd == 0.0
    assert data_transfer_bill(150, prices=prices).total_usd == 4.50  # 50 x 0.09
    assert data_transfer_bill(150, free_tier=False, prices=prices).total_usd == 13.50
    # 20,480 GB: (10,240 - 100) x 0.09 = 912.60 ; 10,240 x 0.085 = 870.40
    bill = data_transfer_bill(20480, prices=prices)
    assert amounts(bill) == {"Data transfer out tier 1": 912.60, "Data transfer out tier 2": 870.40}


# ------------------------------------------------------------------ rounding and Bill
@pytest.mark.parametrize("usd, cents", [(0.125, 0.13), (0.005, 0.01), (2.675, 2.68), (1.0049999, 1.0), (2.3333, 2.33), (0.0, 0.0)])
def test_round_half_up(usd, cents):
    assert round_usd(usd) == cents


def test_total_is_sum_of_rounded_lines():
    a = line_item("a", 1, "x", 0.004)  # 0.004 -> 0.00
    b = line_item("b", 1, "x", 0.004)
    bill = Bill((a, b))
    assert bill.total_usd == 0.0  # AWS: round each line, then sum
    assert bill.unrounded_total_usd == pytest.approx(0.008)


def test_bill_add_named_and_export():
    b1 = Bill((line_item("x", 2, "h", 0.5),))
    b2 = Bill((line_item("y", 1, "h", 0.25),))
    both = b1 + b2
    assert [i.name for i in both] == ["x", "y"] and both.total_usd == 1.25
    assert sum([b1, b2]).total_usd == 1.25
    assert [i.name for i in both.named("svc: ")] == ["svc: x", "svc: y"]
    d = both.to_dict()
    assert d["total_usd"] == 1.25 and d["items"][0]["name"] == "x" and d["items"][1]["usd"] == 0.25
    frame = both.to_frame()
    assert list(frame["usd"]) == [1.0, 0.25]
    assert "TOTAL" in both.to_text() and "1.25" in both.to_text()
    assert isinstance(both.items[0], LineItem)
    with pytest.raises(dataclasses_frozen_error()):
        both.items = ()  # type: ignore[misc]


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(requests=-1), "requests"),
        (dict(requests=math.nan), "requests"),
        (dict(duration_ms=math.inf), "duration_ms"),
        (dict(memory_mb=127), "memory_mb"),
        (dict(memory_mb=10241), "memory_mb"),
        (dict(memory_mb=512.5), "memory_mb"),
        (dict(ephemeral_storage_mb=511), "ephemeral_storage_mb"),
        (dict(ephemeral_storage_mb=10241), "ephemeral_storage_mb"),
        (dict(cold_starts=-5), "cold_starts"),
    ],
)
def test_lambda_bad_input_names_parameter(prices, kwargs, name):
    args = dict(requests=1000, duration_ms=100, memory_mb=512) | kwargs
    with pytest.raises(InvalidParameterError) as exc:
        lambda_bill(args.pop("requests"), args.pop("duration_ms"), args.pop("memory_mb"), prices=prices, **args)
    assert exc.value.name == name
    assert "expected" in str(exc.value)


def test_unknown_architecture(prices):
    with pytest.raises(UnknownNameError) as exc:
        lambda_bill(1, 1, 128, "arm", prices=prices)
    assert "arm64" in str(exc.value) and "x86_64" in str(exc.value)
    with pytest.raises(CostModelError):
        fargate_bill(1, 2, 60, architecture="graviton", prices=prices)


def test_bad_provisioned_window():
    with pytest.raises(InvalidParameterError, match="concurrency"):
        ProvisionedWindow(concurrency=-1, enabled_s=60)
    with pytest.raises(InvalidParameterError, match="enabled_s"):
        ProvisionedWindow(concurrency=1, enabled_s=math.nan)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: fargate_bill(1, 2, -5, prices=p),
        lambda p: ec2_bill("m7g.large", math.inf, prices=p),
        lambda p: api_gateway_bill(-1, prices=p),
        lambda p: sqs_bill(math.nan, prices=p),
        lambda p: nat_bill(-1, prices=p),
        lambda p: data_transfer_bill(-0.5, prices=p),
        lambda p: alb_bill(730, new_connections_per_s=-1, prices=p),
        lambda p: dynamodb_bill(math.inf, prices=p),
    ],
)
def test_negative_nan_inf_rejected_everywhere(prices, call):
    with pytest.raises(InvalidParameterError):
        call(prices)


def test_response_streaming_beyond_6mb(prices):
    # 1M requests streaming 10 MB: 4 MB each billed = 4,000,000 MB / 1024 = 3,906.25 GB
    u = lambda_usage(1_000_000, 100, 512, streamed_response_mb=10, free_tier=False, prices=prices)
    assert u.streamed_gb == pytest.approx(3_906.25)
    bill = lambda_bill(1_000_000, 100, 512, streamed_response_mb=10, free_tier=False, prices=prices)
    assert bill.item("Lambda response streaming").usd == 31.25  # 3,906.25 x $0.008
    with_free = lambda_bill(1_000_000, 100, 512, streamed_response_mb=10, prices=prices)
    assert with_free.item("Lambda response streaming").usd == 30.45  # (3,906.25 - 100) x 0.008 = 30.45
    assert "Lambda response streaming" not in amounts(lambda_bill(1_000_000, 100, 512, streamed_response_mb=6, prices=prices))


def test_pc_without_free_tier_hand_arithmetic(prices):
    # 1,024 MB, PC 1,000 for 2 h, 1.2M requests of 1 s served by PC, free tier off:
    # PC: 1,000 x 1 GB x 7,200 s = 7,200,000 GB-s x 0.0000041667 = 30.00024 -> 30.00
    # requests: 1.2M x $0.20/M = 0.24 ; duration: 1,200,000 GB-s x 0.0000097222 = 11.66664 -> 11.67
    w = ProvisionedWindow(concurrency=1000, enabled_s=7200, requests=1_200_000, duration_ms=1000)
    bill = lambda_bill(0, 0, 1024, free_tier=False, provisioned=[w], prices=prices)
    assert amounts(bill) == {
        "Lambda requests": 0.24,
        "Lambda provisioned concurrency x86_64": 30.00,
        "Lambda provisioned duration x86_64": 11.67,
    }
    assert bill.total_usd == 41.91


def test_mismatched_array_shapes_are_a_clear_error(prices):
    with pytest.raises(InvalidParameterError, match="duration_ms"):
        lambda_bill(np.ones(3), np.ones(4), 512, prices=prices)

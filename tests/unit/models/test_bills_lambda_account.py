"""Lambda duration tiers per architecture across the account, and the Lambda Compute Savings Plan.

Expected dollars are written out by hand from the published us-east-1 rates (AWS Lambda
pricing page and the tiered-pricing blog post; ../shared/reference/aws-pricing.md):
requests 0.20 USD per 1M; x86_64 duration 0.0000166667 USD/GB-s for the first 6B GB-s of
the month, 0.0000150000 for the next 9B; provisioned concurrency 0.0000041667 USD/GB-s;
provisioned duration 0.0000097222 USD/GB-s. The Savings Plan discount is an assumption
of the price set, pinned here by an override so the arithmetic is explicit.
"""
from __future__ import annotations

import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.bills import ProvisionedWindow, lambda_account_bill, lambda_bill
from costmodel.models.pricing import load_prices
from costmodel.scenario.usage import bill_usage

# 4e9 requests x 1,000 ms x 1,024 MB = 4e9 GB-s each
FOUR_BILLION_GB_S = dict(requests=4e9, duration_ms=1000, memory_mb=1024, architecture="x86_64", free_tier=False)


def test_two_x86_functions_share_one_tier_ladder():
    bill = lambda_account_bill([dict(FOUR_BILLION_GB_S, name="a"), dict(FOUR_BILLION_GB_S, name="b")])
    amounts = bill.amounts()
    # 8e9 GB-s for the account: 6e9 at tier 1 and 2e9 at tier 2
    assert bill.item("Lambda duration x86_64 tier 1").quantity == 6e9
    assert bill.item("Lambda duration x86_64 tier 2").quantity == 2e9
    assert amounts["Lambda duration x86_64 tier 1"] == 100_000.20  # 6e9 x 0.0000166667
    assert amounts["Lambda duration x86_64 tier 2"] == 30_000.00   # 2e9 x 0.0000150000
    assert amounts["a: Lambda requests"] == amounts["b: Lambda requests"] == 800.00  # 4e9 x 0.0000002
    assert not any("duration" in name for name in amounts if name.startswith(("a:", "b:")))
    assert bill.total_usd == 131_600.20
    # each function on its own ladder would have been 2 x 4e9 x 0.0000166667 = 133,333.60
    assert bill.total_usd < 133_333.60


def test_usage_file_with_two_functions_aggregates_tiers_and_free_tier_comes_off_tier_1():
    a = {k: v for k, v in FOUR_BILLION_GB_S.items() if k != "free_tier"}
    bill = bill_usage({"lambda": [dict(a, name="a"), dict(a, name="b", free_tier=False)]})
    amounts = bill.amounts()
    # (8e9 - 400,000 free) GB-s: 5,999,600,000 at tier 1, 2e9 at tier 2
    assert bill.item("Lambda duration x86_64 tier 1").quantity == 5_999_600_000
    assert amounts["Lambda duration x86_64 tier 1"] == 99_993.53  # 5,999,600,000 x 0.0000166667 = 99,993.5333
    assert amounts["Lambda duration x86_64 tier 2"] == 30_000.00
    assert amounts["a: Lambda requests"] == 799.80  # (4e9 - 1e6 free) x 0.0000002
    assert amounts["b: Lambda requests"] == 800.00
    assert bill.total_usd == 131_593.33  # 99,993.53 + 30,000.00 + 799.80 + 800.00


def test_one_function_per_architecture_keeps_its_own_lines():
    x86 = dict(requests=3_000_000, duration_ms=120, memory_mb=1536, free_tier=True)
    arm = dict(requests=1_000_000, duration_ms=50, memory_mb=512, architecture="arm64", free_tier=False)
    bill = lambda_account_bill([dict(x86, name="x"), dict(arm, name="y")])
    assert bill == lambda_bill(**x86).named("x: ") + lambda_bill(**arm).named("y: ")


def test_account_bill_rejects_two_free_tiers_and_mixed_purchases_on_one_ladder():
    fn = dict(requests=1e6, duration_ms=100, memory_mb=128)
    with pytest.raises(InvalidParameterError, match="per account"):
        lambda_account_bill([fn, fn])
    with pytest.raises(InvalidParameterError, match="one purchase option"):
        lambda_account_bill([fn, dict(fn, free_tier=False, purchase="savings_plan")])
    with pytest.raises(InvalidParameterError) as exc:
        lambda_account_bill([dict(fn, name="api", memory_mb=64)])
    assert exc.value.name == "functions[api].memory_mb"


SP12 = load_prices(overrides={"lambda.savings_plan_discount": 0.12})


def test_savings_plan_discounts_duration_not_requests():
    # 1e6 requests x 1,000 ms x 1,024 MB = 1e6 GB-s
    bill = lambda_bill(1e6, 1000, 1024, free_tier=False, purchase="savings_plan", prices=SP12)
    amounts = bill.amounts()
    assert amounts["Lambda requests"] == 0.20  # list price
    # 1e6 x 0.0000166667 x (1 - 0.12) = 14.666696
    assert amounts["Lambda duration x86_64 tier 1 (savings plan)"] == 14.67
    assert bill.total_usd == 14.87
    on_demand = lambda_bill(1e6, 1000, 1024, free_tier=False, prices=SP12)
    assert on_demand.amounts() == {"Lambda requests": 0.20, "Lambda duration x86_64 tier 1": 16.67}


def test_savings_plan_discounts_provisioned_concurrency_in_python_and_usage_file():
    prices = load_prices(overrides={"lambda.savings_plan_discount": 0.17})
    window = dict(concurrency=100, enabled_s=2_592_000, requests=1e8, duration_ms=100)  # 30 days
    bill = lambda_bill(0, 0, 1024, free_tier=False, provisioned=[ProvisionedWindow(**window)],
                       purchase="savings_plan", prices=prices)
    amounts = bill.amounts()
    # configured: 100 x 1 GB x 2,592,000 s = 259,200,000 GB-s x 0.0000041667 x 0.83 = 896.4071712
    assert amounts["Lambda provisioned concurrency x86_64 (savings plan)"] == 896.41
    # served: 1e8 x 0.1 s x 1 GB = 1e7 GB-s x 0.0000097222 x 0.83 = 80.69426
    assert amounts["Lambda provisioned duration x86_64 (savings plan)"] == 80.69
    assert amounts["Lambda requests"] == 20.00  # 1e8 x 0.0000002, not discounted
    assert bill.total_usd == 997.10
    doc = {"price_overrides": {"lambda.savings_plan_discount": 0.17},
           "lambda": {"requests": 0, "duration_ms": 0, "memory_mb": 1024, "free_tier": False,
                      "purchase": "savings_plan", "provisioned": [window]}}
    assert bill_usage(doc).amounts() == amounts


def test_unknown_purchase_is_rejected():
    with pytest.raises(InvalidParameterError, match="purchase"):
        lambda_bill(1e6, 100, 128, purchase="spot")

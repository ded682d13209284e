"""Properties every bill must have, checked with hypothesis (seeded, bounded examples)."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from costmodel.models.bills import (
    ProvisionedWindow,
    api_gateway_bill,
    data_transfer_bill,
    fargate_bill,
    lambda_bill,
    lambda_usage,
    sqs_bill,
)
from costmodel.models.pricing import load_prices

PRICES = load_prices()
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None)

requests_st = st.floats(min_value=0, max_value=5e10, allow_nan=False, allow_infinity=False)
duration_st = st.floats(min_value=0, max_value=900_000, allow_nan=False, allow_infinity=False)
memory_st = st.integers(min_value=128, max_value=10240)
arch_st = st.sampled_from(["x86_64", "arm64"])
fraction_st = st.floats(min_value=0, max_value=1, allow_nan=False)


def total(**kw) -> float:
    return lambda_bill(prices=PRICES, **kw).total_usd


@SETTINGS
@given(requests_st, duration_st, memory_st, arch_st, st.booleans(), requests_st)
def test_bill_never_falls_when_requests_grow(r, d, m, arch, free, extra):
    base = dict(duration_ms=d, memory_mb=m, architecture=arch, free_tier=free)
    assert total(requests=r + extra, **base) >= total(requests=r, **base)


@SETTINGS
@given(requests_st, duration_st, memory_st, arch_st, st.booleans(), duration_st)
def test_bill_never_falls_when_duration_grows(r, d, m, arch, free, extra):
    base = dict(requests=r, memory_mb=m, architecture=arch, free_tier=free)
    assert total(duration_ms=d + extra, **base) >= total(duration_ms=d, **base)


@SETTINGS
@given(requests_st, duration_st, memory_st, memory_st, arch_st, st.booleans())
def test_bill_never_falls_when_memory_grows(r, d, m1, m2, arch, free):
    lo, hi = sorted((m1, m2))
    base = dict(requests=r, duration_ms=d, architecture=arch, free_tier=free)
    assert total(memory_mb=hi, **base) >= total(memory_mb=lo, **base)


@SETTINGS
@given(requests_st, duration_st, memory_st, arch_st,
       st.integers(0, 1000), st.floats(0, 1e6), st.floats(0, 1e8), st.floats(0, 10_000), st.integers(512, 10240))
def test_free_tier_never_raises_a_bill(r, d, m, arch, pc, pc_s, pc_req, init_ms, eph):
    kw = dict(requests=r, duration_ms=d, memory_mb=m, architecture=arch, ephemeral_storage_mb=eph,
              provisioned=[ProvisionedWindow(pc, pc_s, pc_req, 100)], cold_starts=r / 100, init_duration_ms=init_ms)
    assert total(free_tier=True, **kw) <= total(free_tier=False, **kw)


@SETTINGS
@given(requests_st, duration_st, memory_st, arch_st, fraction_st, st.integers(512, 10240))
def test_linear_parts_are_additive_when_the_month_is_split(r, d, m, arch, share, eph):
    # Without free tier and inside tier 1 every GB-s figure and request count is linear.
    whole = lambda_usage(r, d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
    a = lambda_usage(r * share, d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
    b = lambda_usage(r * (1 - share), d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
    for field in ("requests", "billable_requests", "on_demand_gb_s", "ephemeral_gb_s"):
        assert getattr(a, field) + getattr(b, field) == pytest.approx(getattr(whole, field), rel=1e-9, abs=1e-6)
    # Money: unrounded amounts add up while all usage stays in tier 1.
    if whole.on_demand_gb_s < 6e9:
        w = lambda_bill(r, d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
        pa = lambda_bill(r * share, d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
        pb = lambda_bill(r * (1 - share), d, m, arch, free_tier=False, ephemeral_storage_mb=eph, prices=PRICES)
        assert pa.unrounded_total_usd + pb.unrounded_total_usd == pytest.approx(w.unrounded_total_usd, rel=1e-9, abs=1e-9)
        # Rounding each part may move each line by at most half a cent.
        assert abs(pa.total_usd + pb.total_usd - w.total_usd) <= 0.005 * 2 * len(w.items) + 1e-9


@SETTINGS
@given(st.floats(0, 1e9), fraction_st, st.sampled_from(["on_demand", "spot", "savings_plan"]), arch_st)
def test_fargate_is_additive_when_split(task_s, share, purchase, arch):
    assume(not (purchase == "spot" and arch == "arm64"))  # Fargate Spot: Linux x86_64 only
    kw = dict(architecture=arch, ephemeral_storage_gb=40, purchase=purchase, prices=PRICES)
    whole = fargate_bill(1, 2, task_s, **kw)
    parts = fargate_bill(1, 2, task_s * share, **kw).unrounded_total_usd + fargate_bill(1, 2, task_s * (1 - share), **kw).unrounded_total_usd
    assert parts == pytest.approx(whole.unrounded_total_usd, rel=1e-9, abs=1e-9)


@SETTINGS
@given(st.floats(0, 5e10), st.floats(0, 5e10), st.floats(0, 2048))
def test_tiered_services_never_fall_and_free_tier_helps(q, extra, kb):
    assert api_gateway_bill(q + extra, payload_kb=kb, prices=PRICES).total_usd >= api_gateway_bill(q, payload_kb=kb, prices=PRICES).total_usd
    assert api_gateway_bill(q, api="rest", free_tier=True, prices=PRICES).total_usd <= api_gateway_bill(q, api="rest", prices=PRICES).total_usd
    gb = q / 1e5
    assert data_transfer_bill(gb, prices=PRICES).total_usd <= data_transfer_bill(gb, free_tier=False, prices=PRICES).total_usd
    assert sqs_bill(q, payload_kb=kb, prices=PRICES).total_usd <= sqs_bill(q, payload_kb=kb, free_tier=False, prices=PRICES).total_usd

"""Lambda on a traffic series: closed forms from published rates, invariants, concurrency."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models import traffic as tr
from costmodel.models.duration import Duration
from costmodel.models.lambda_traffic import lambda_concurrency, lambda_on_traffic, provisioned_schedule
from costmodel.models.workload import Work

# AWS published rates, us-east-1 (aws.amazon.com/lambda/pricing, Price List API 2025-10-01)
USD_PER_REQUEST = 0.20 / 1e6
USD_PER_GB_S_X86_TIER1 = 0.0000166667
FREE_REQUESTS, FREE_GB_S = 1_000_000, 400_000
MONTH_S = 30 * 86400


def cents(x):
    return math.floor(x * 100 + 0.5) / 100


def test_aws_example_1_on_a_steady_series():
    # OD-1: 3M requests a month, 120 ms, 1536 MB, free tier applied: $2.73
    rate = tr.steady(3e6 / MONTH_S)
    res = lambda_on_traffic(rate, 60, Work(Duration.fixed_ms(120), 120, 1536), cold_starts=0)
    assert res.requests == pytest.approx(3e6)
    assert res.bill.total_usd == 2.73


@pytest.mark.parametrize("mean_rps, duration_ms, memory_mb", [(10.0, 120, 512), (2.5, 37, 1024), (40.0, 400, 2048)])
def test_steady_traffic_equals_closed_form(mean_rps, duration_ms, memory_mb):
    requests = mean_rps * MONTH_S
    gb_s = requests * duration_ms / 1000 * memory_mb / 1024
    expected = cents(max(0, requests - FREE_REQUESTS) * USD_PER_REQUEST) \
        + cents(max(0, gb_s - FREE_GB_S) * USD_PER_GB_S_X86_TIER1)
    res = lambda_on_traffic(tr.steady(mean_rps), 60, Work(Duration.fixed_ms(duration_ms), 50, memory_mb),
                            cold_starts=0)
    assert res.bill.total_usd == pytest.approx(expected, abs=1e-9)
    no_free = cents(requests * USD_PER_REQUEST) + cents(gb_s * USD_PER_GB_S_X86_TIER1)
    res2 = lambda_on_traffic(tr.steady(mean_rps), 60, Work(Duration.fixed_ms(duration_ms), 50, memory_mb),
                             cold_starts=0, free_tier=False)
    assert res2.bill.total_usd == pytest.approx(no_free, abs=1e-9)


def test_billed_duration_of_a_distribution_is_not_rounded_twice():
    w = Work(Duration.lognormal_ms(120, 400), 80, 1024)
    res = lambda_on_traffic(tr.steady(1.0), 60, w, cold_starts=0, free_tier=False)
    gb_s = MONTH_S * w.duration.billed_mean_ms() / 1000 * 1.0
    assert res.bill.item("Lambda duration x86_64 tier 1").quantity == pytest.approx(gb_s, rel=1e-12)


@pytest.mark.parametrize("k", [0.5, 3.0, 10.0])
def test_scaling_traffic_by_k_scales_variable_cost_by_k(k):
    w = Work(Duration.lognormal_ms(100, 350), 60, 512)
    base = tr.diurnal(4.0, peak_to_trough=5)
    a = lambda_on_traffic(base, 60, w, cold_starts=0, free_tier=False)
    b = lambda_on_traffic(base * k, 60, w, cold_starts=0, free_tier=False)
    assert b.bill.unrounded_total_usd == pytest.approx(k * a.bill.unrounded_total_usd, rel=1e-12)


def test_same_mean_different_shape_same_request_cost():
    w = Work(Duration.fixed_ms(200), 60, 512)
    shapes = [tr.steady(3.0), tr.diurnal(3.0, peak_to_trough=8), tr.weekly(3.0, weekend_factor=0.2),
              tr.scale(tr.spikes(1.0, spike_rps=30, spike_length_s=120, spikes_per_day=20, random_state=4), 1)]
    shapes[3] = shapes[3] * (3.0 / shapes[3].mean())
    costs = {lambda_on_traffic(s, 60, w, cold_starts=0).bill.item("Lambda requests").usd for s in shapes}
    assert len(costs) == 1


def test_littles_law_concurrency_and_throttling():
    w = Work(Duration.fixed_ms(200), 60, 512)
    rate = np.array([1000.0] * 30 + [10_000.0] * 30)  # 200 then 2,000 concurrent executions
    np.testing.assert_allclose(lambda_concurrency(rate, 200)[[0, -1]], [200, 2000])
    res = lambda_on_traffic(rate, 60, w, cold_starts=0, concurrency_limit=1000)
    assert res.throttled and res.throttled_steps == 30
    assert res.throttled_requests == pytest.approx(30 * 60 * 10_000 * (1 - 1000 / 2000))
    assert res.scaling_limited_steps == 0  # on 1-min steps the jump is +1,800 per minute: under 1,000 per 10 s
    fast = lambda_on_traffic(np.repeat([1000.0, 10_000.0], 30), 1, w, cold_starts=0)
    assert fast.scaling_limited_steps == 10  # +1,800 environments within 1 s: above 1,000 per 10 s
    ok = lambda_on_traffic(rate, 60, w, cold_starts=0, reserved_concurrency=3000)
    assert not ok.throttled and ok.concurrency_limit == 3000


def test_business_hours_schedule():
    mask = provisioned_schedule(7 * 24, 3600, "business_hours")  # starts Monday 00:00 UTC
    assert mask.sum() == 5 * 9
    assert mask[9] and not mask[8] and not mask[18] and not mask[5 * 24 + 10]
    berlin = provisioned_schedule(24, 3600, "business_hours", timezone="Europe/Berlin")
    assert berlin[8] and not berlin[17]  # 09:00-18:00 CET = 08:00-17:00 UTC


def test_provisioned_concurrency_bill():
    w = Work(Duration.fixed_ms(100), 60, 2048)
    rate = tr.steady(5.0, horizon_days=7, step_s=3600)
    res = lambda_on_traffic(rate, 3600, w, cold_starts=0, provisioned_concurrency=10, pc_schedule="business_hours")
    # configured GB-s: 10 environments x 2 GB x 45 business hours
    assert res.bill.item("Lambda provisioned concurrency x86_64").quantity == pytest.approx(10 * 2 * 45 * 3600)
    # 0.5 concurrent < 10 provisioned: every business-hour request is served by PC
    assert res.provisioned_requests == pytest.approx(5.0 * 45 * 3600)
    assert res.on_demand_requests == pytest.approx(5.0 * (168 - 45) * 3600)


def test_erlang_share_served_by_provisioned_concurrency():
    # a mean concurrency of 1 (10 req/s x 100 ms) on 1 PC environment: Erlang B(1, 1) = 1/2 of
    # the Poisson requests find it busy and go on demand; the fluid share counts all as PC's.
    # At 2 PC: B(2, 1) = (1/2) / (1 + 1 + 1/2) = 1/5.
    w = Work(Duration.fixed_ms(100), 60, 1024)
    rate = tr.steady(10.0, horizon_days=1, step_s=3600)
    n = 10.0 * 86400
    for pc, served in ((1, 0.5), (2, 0.8)):
        res = lambda_on_traffic(rate, 3600, w, cold_starts=0, provisioned_concurrency=pc, pc_schedule="always",
                                pc_share="erlang")
        assert res.provisioned_requests == pytest.approx(served * n)
        assert res.on_demand_requests == pytest.approx((1.0 - served) * n)
    fluid = lambda_on_traffic(rate, 3600, w, cold_starts=0, provisioned_concurrency=1, pc_schedule="always")
    assert fluid.provisioned_requests == pytest.approx(n)
    with pytest.raises(InvalidParameterError, match="pc_share='linear'"):
        lambda_on_traffic(rate, 3600, w, cold_starts=0, pc_share="linear")


def test_cold_starts_from_the_model_are_billed_as_init():
    # Poisson traffic at 0.001 req/s, 100 ms, 600 s keep-alive: P(cold) = exp(-0.6) / (1 + 0.0001)
    w = Work(Duration.fixed_ms(100), 60, 1024)
    res = lambda_on_traffic(tr.steady(0.001), 60, w, keep_alive_s=600, init_duration_ms=300, free_tier=False)
    assert res.cold_starts / res.requests == pytest.approx(math.exp(-0.6) / 1.0001, rel=0.02)
    init_gb_s = res.cold_starts * 0.3 * 1.0
    assert res.bill.item("Lambda duration x86_64 tier 1").quantity == pytest.approx(
        res.requests * 0.1 + init_gb_s, rel=1e-9)


def test_bad_inputs():
    w = Work(Duration.fixed_ms(100), 60, 1024)
    with pytest.raises(InvalidParameterError):
        lambda_on_traffic([1.0, -2.0], 60, w)
    with pytest.raises(InvalidParameterError, match="schedule"):
        provisioned_schedule(10, 60, "weekends")
    with pytest.raises(InvalidParameterError, match="concurrency_limit"):
        lambda_on_traffic([1.0], 60, w, concurrency_limit=0)


def test_cron_counts_make_every_hourly_run_cold():
    # 24 fixed-time runs a day for 30 days, keep-alive 600 s: 720 runs, 720 cold starts
    # with arrivals="counts"; the Poisson default mixes the counts and finds fewer
    rate = tr.sparse(24, timing="fixed", horizon_days=30, step_s=60)
    work = Work(Duration.fixed_ms(20_000), 2000, 512)
    res = lambda_on_traffic(rate, 60, work, keep_alive_s=600, init_duration_ms=400, arrivals="counts")
    assert res.requests == pytest.approx(720) and res.cold_starts == 720
    assert lambda_on_traffic(rate, 60, work, keep_alive_s=600, init_duration_ms=400).cold_starts < 600

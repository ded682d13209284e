"""Service levels and exceedances: analytic truths (M/M/1, fluid backlog, Erlang) and the
latency models they evaluate at one point (container_latency, lambda_latency as twins)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.simulator import Duration, erlang_b, erlang_c
from costmodel.models.latency import _fluid_backlog, container_latency, lambda_latency
from costmodel.models.service_level import (
    ContainerQueue,
    LambdaLatencyModel,
    ServiceLevel,
    container_exceedance,
    daily_peak_levels,
    default_service_level,
    duration_factor_for_memory,
    erlang_b_batch,
    erlang_c_batch,
    fluid_backlog_delay_s,
    lambda_exceedance,
    lambda_vcpu,
    percentile_from_exceedance,
    request_slots,
    timed_out_lower_bound,
)


# ------------------------------------------------------------------ the record and its defaults
def test_service_level_rejects_bad_values_naming_the_dotted_parameter():
    with pytest.raises(InvalidParameterError, match=r"service_level\.percentile"):
        ServiceLevel(percentile=120)
    with pytest.raises(InvalidParameterError, match=r"service_level\.availability\.min_units"):
        ServiceLevel(min_units=1, zones=2)
    with pytest.raises(InvalidParameterError, match=r"service_level\.kind"):
        ServiceLevel(kind="batch")


def test_defaults_per_kind_and_the_declared_objective():
    assert default_service_level("api", user_facing=True).latency_target_ms == 1000
    assert default_service_level("api", user_facing=False).latency_target_ms == 3000
    assert default_service_level("api", declared_p99_ms=250).latency_target_ms == 250
    api = default_service_level("api")
    assert (api.min_units, api.zones, api.max_failed_fraction) == (2, 2, 0.001)
    # a queue worker's message age includes processing: its own p99 plus a minute of waiting
    q = default_service_level("queue_worker", work_p99_ms=2_700_000, declared_p99_ms=100)
    assert q.latency_target_ms == 2_760_000 and (q.min_units, q.zones) == (1, 1)
    assert api.allowed_exceedance == pytest.approx(0.01)
    assert "p99 response time <= 1,000 ms" in api.describe()


# ------------------------------------------------------------------ Erlang in closed form
def test_erlang_b_and_c_in_closed_form_match_the_recursion_and_published_values():
    assert erlang_b_batch(20, 20.0) == pytest.approx(0.1589, abs=5e-5)       # SimFaaS's check value
    assert erlang_c_batch(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)          # M/M/2 at a = 1
    assert erlang_c_batch(1, 0.7) == pytest.approx(0.7, rel=1e-12)            # M/M/1: rho
    rng = np.random.default_rng(3)
    a = rng.uniform(0.01, 60, 500)
    n = np.floor(a / rng.uniform(0.3, 1.3, 500)) + 1
    assert np.max(np.abs(erlang_b_batch(n, a) - erlang_b(n.astype(int), a))) < 1e-9
    assert np.max(np.abs(erlang_c_batch(n, a) - erlang_c(n.astype(int), a))) < 1e-9
    assert erlang_c_batch(3, 5.0) == 1.0 and erlang_c_batch(3, 0.0) == 0.0


# ------------------------------------------------------------------ containers
def test_mm1_sojourn_tail_is_exactly_exponential():
    # M/M/1 with mu = 10/s and lambda = 6/s: sojourn ~ Exp(mu - lambda), P(L > x) = exp(-4 x).
    # The model (Erlang C = rho, wait rate theta = mu - lambda for exponential service, mmc)
    # gives exactly that.
    lam = np.full(100, 6.0)
    svc = Duration.exponential(0.1)
    for x_ms in (50.0, 300.0, 1000.0):
        ex, to = container_exceedance(lam, 60, svc, 1, x_ms, timeout_s=None, approximation="mmc")
        assert ex[0] == pytest.approx(math.exp(-4.0 * x_ms / 1000.0), rel=2e-3)
        assert to[0] == 0.0


def test_no_queueing_leaves_the_service_time_alone():
    lam = np.full(50, 5.0)
    ex, _ = container_exceedance(lam, 60, 100.0, 1000, [99.0, 101.0], timeout_s=60)
    assert ex[0, 0] == pytest.approx(1.0) and ex[1, 0] == pytest.approx(0.0, abs=1e-12)
    # lognormal service, no waiting: the lognormal tail itself
    ex, _ = container_exceedance(lam, 60, {"mean": 120, "p99": 400}, 1000, 400.0)
    assert ex[0] == pytest.approx(0.01, rel=1e-6)


def test_an_overloaded_step_builds_the_fluid_backlog_and_times_out_what_the_cap_cannot_hold():
    # 20 req/s for 60 s on 10 req/s of capacity (1 slot, 0.1 s service), then idle: the backlog
    # grows linearly to 600; its time average 300 requests is a 30 s wait for that step's requests
    lam = np.array([20.0, 0.0, 0.0])
    ex, to = container_exceedance(lam, 60, 100.0, 1, [30_050.0, 30_150.0], timeout_s=None)
    assert ex[0, 0] == pytest.approx(1.0) and ex[1, 0] == pytest.approx(0.0)
    assert fluid_backlog_delay_s(lam, np.full(3, 10.0), 60)[0] == pytest.approx(30.0)
    # with a 20 s timeout at most 200 wait: of 1,200 arrivals 600 are served in the step,
    # at least 1,200 - 600 - 200 = 400 time out (1/3); the bound says exactly that
    assert timed_out_lower_bound(lam, np.full(3, 10.0), 60, 20.0)[0] == pytest.approx(1 / 3)
    _, to = container_exceedance(lam, 60, 100.0, 1, 1000.0, timeout_s=20.0)
    assert to[0] >= 1 / 3 - 1e-9


def test_uncapped_backlog_matches_the_latency_module():
    rng = np.random.default_rng(5)
    lam = rng.uniform(0, 30, 500)
    cap = rng.uniform(5, 25, 500)
    _, _, mean, _ = _fluid_backlog(lam, cap, 60.0)
    assert np.allclose(fluid_backlog_delay_s(lam, cap, 60.0), np.where(mean > 0, mean / cap, 0.0))


@pytest.mark.parametrize("servers", [4, 5, 8, 30])
def test_percentiles_agree_with_container_latency_the_twin(servers):
    # a day with a diurnal swing and a 10-minute burst; fixed service so that the twin's own
    # quadrature is exact too
    rng = np.random.default_rng(1)
    lam = 20 + 10 * np.sin(np.arange(1440) / 1440 * 2 * np.pi * 3) + rng.normal(0, 2, 1440).clip(-10, 10)
    lam[600:610] = 80
    slots = np.full(lam.size, servers)
    twin = container_latency(lam, 60, 150.0, slots)
    q = ContainerQueue(lam, 60, 150.0, slots, timeout_s=60)
    for level, p in ((95.0, twin.p95_ms), (99.0, twin.p99_ms)):
        assert q.percentile_ms(level)[0] == pytest.approx(p, rel=0.01)
    assert q.timed_out()[0] == pytest.approx(twin.timeout_fraction, rel=0.02, abs=1e-9)


def test_columns_are_candidates_judged_independently():
    lam = np.full(200, 30.0)
    slots = np.stack([np.full(200, 4), np.full(200, 6), np.full(200, 20)], axis=1)
    together, _ = container_exceedance(lam, 60, 100.0, slots, 300.0)
    alone = [container_exceedance(lam, 60, 100.0, slots[:, j], 300.0)[0][0] for j in range(3)]
    assert np.allclose(together, alone)
    assert together[0] >= together[1] >= together[2]          # more slots, fewer slow requests


def test_request_slots_follow_littles_law_at_full_cpu():
    # a 0.25-vCPU task serving 6.25 req/s with 2 s requests holds 12.5 -> 12 requests at once
    assert request_slots(np.array([3.0]), 6.25, 2.0)[0] == 38.0
    assert request_slots(np.array([3.0]), 6.25, 0.05)[0] == 3.0          # CPU-bound: one per task


# ------------------------------------------------------------------ Lambda
def test_lambda_exceedance_mixes_warm_and_cold_requests_exactly():
    model = LambdaLatencyModel.build(100.0, 400.0)           # fixed 100 ms work, fixed 400 ms init
    lam = np.full(10, 5.0)
    cold = np.full(10, 0.02)
    ex, failed = lambda_exceedance(model, lam, 60, [50.0, 200.0, 600.0], cold_fraction=cold)
    assert ex == pytest.approx([1.0, 0.02, 0.0], abs=1e-6) and failed == 0.0
    # warm lognormal work only: the lognormal's own tail
    model = LambdaLatencyModel.build({"mean": 120, "p99": 400}, 0.0)
    ex, _ = lambda_exceedance(model, lam, 60, 400.0, cold_fraction=np.zeros(10))
    assert ex[0] == pytest.approx(0.01, rel=2e-3)


def test_throttled_attempts_retry_with_backoff_and_fail_after_the_last_one():
    model = LambdaLatencyModel.build(100.0, 0.0)
    t = 0.3
    ex, failed = lambda_exceedance(model, np.full(4, 5.0), 60, 150.0, cold_fraction=np.zeros(4),
                                   throttle_fraction=np.full(4, t), retry_backoff_ms=100.0, max_retries=2)
    # served requests slower than 150 ms: those that were throttled at least once
    assert ex[0] == pytest.approx((t * (1 - t) + t * t * (1 - t)) / (1 - t ** 3), rel=1e-9)
    assert failed == pytest.approx(t ** 3)


def test_lambda_percentile_agrees_with_lambda_latency():
    rate = np.concatenate([np.full(300, 0.02), np.full(300, 3.0)])
    dur, init = {"mean": 150, "p99": 600}, 300.0
    twin = lambda_latency(rate, 60, dur, init, 600.0)
    from costmodel.models.coldstart.fast import fast_cold_starts

    fast = fast_cold_starts(rate, 60, Duration.lognormal(0.15, 0.6).mean_s, 600.0, init_mean_s=0.3)
    model = LambdaLatencyModel.build(dur, init)

    def at(ts):
        return lambda_exceedance(model, rate, 60, ts, cold_fraction=fast.cold_start_fraction_per_step,
                                 throttle_fraction=fast.throttle_fraction_per_step)[0]

    assert percentile_from_exceedance(at, 99.0, 1.0, 60_000.0) == pytest.approx(twin.p99_ms, rel=0.01)


# ------------------------------------------------------------------ power tuning and peaks
def test_cpu_bound_duration_scales_with_lambda_cpu_up_to_the_threads():
    assert lambda_vcpu(1769) == pytest.approx(1.0) and lambda_vcpu(10240) == pytest.approx(5.788, abs=1e-3)
    # fully CPU-bound single-threaded work at 512 MB gets 512/1769 vCPU; at 1,769 MB a whole one
    assert duration_factor_for_memory(1769, 512, 1.0) == pytest.approx(512 / 1769)
    assert duration_factor_for_memory(3538, 512, 1.0) == pytest.approx(512 / 1769)   # one thread: no more
    assert duration_factor_for_memory(3538, 1769, 1.0, threads=2) == pytest.approx(0.5)
    assert duration_factor_for_memory(1024, 512, 0.0) == 1.0                           # I/O-bound
    assert duration_factor_for_memory(1024, 512, 0.5) == pytest.approx(0.5 + 0.5 * 0.5)


def test_daily_peak_levels_keep_recurring_bursts_and_drop_random_ones():
    step = 60.0
    day = np.full(1440, 2.0)
    rate = np.tile(day, 10)
    rate[60 + 1440 * np.arange(10)] = 50.0              # 01:00 every day: predictable
    rate[700 + 1440 * 3] = 80.0                          # one day only: not
    lv = daily_peak_levels(rate, step, 300.0)
    assert lv.shape == (288,)
    assert lv[12] == pytest.approx(50.0) and lv[700 // 5] == pytest.approx(2.0) and np.median(lv) == 2.0
    with pytest.raises(InvalidParameterError, match="rate_rps"):
        daily_peak_levels(rate[:1000], step)


def test_percentile_inversion_finds_a_known_quantile():
    dist = stats.expon(scale=200.0)
    p = percentile_from_exceedance(lambda ts: dist.sf(np.asarray(ts)), 99.0, 1.0, 1e5)
    assert p == pytest.approx(200.0 * math.log(100.0), rel=3e-3)


def test_timed_out_lower_bound_equals_a_loop_over_runs_of_overload():
    rng = np.random.default_rng(0)
    lam = rng.uniform(0, 30, 3000)
    cap = rng.uniform(5, 25, (3000, 5))
    want = []
    for j in range(cap.shape[1]):
        over = lam > cap[:, j]
        total = run = 0.0
        for k in range(lam.size):
            if over[k]:
                run += (lam[k] - cap[k, j]) * 60.0
                if k == lam.size - 1 or not over[k + 1]:
                    total += max(run - cap[k, j] * 20.0, 0.0)
                    run = 0.0
        want.append(total / (lam.sum() * 60.0))
    assert np.allclose(timed_out_lower_bound(lam, cap, 60.0, 20.0), want, rtol=1e-12)

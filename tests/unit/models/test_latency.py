"""Latency percentiles, chains and cold-start cost feedback (costmodel.models.latency).

Checked against queueing closed forms (M/M/1 sojourn is exponential with rate mu - lambda;
M/M/c mean wait C/(c mu - lambda)), exact quantiles of the service distributions, a fluid
backlog traced by hand, and the exact simulator's empirical percentiles (tolerance from
the order-statistic confidence interval of the sample size).
"""
import math

import numpy as np
import pytest
from scipy.stats import norm

from costmodel.errors import InvalidParameterError
from costmodel.models.bills import lambda_bill
from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import Duration, erlang_c, simulate
from costmodel.models.latency import (
    chain_latency,
    container_latency,
    duration_from_ms,
    lambda_cold_start_bill,
    lambda_latency,
    percentiles_ms,
    provisioned_concurrency_tradeoff,
)

GRID_REL = 0.006  # the percentile grid's relative resolution


def test_no_init_means_latency_is_the_warm_distribution():
    # with a zero init a cold request takes as long as a warm one: exact exponential quantiles
    res = lambda_latency(np.full(30, 2.0), 60.0, Duration.exponential(0.1), 0.0, 60.0)
    for name, q in zip(("p50_ms", "p95_ms", "p99_ms", "p999_ms"), (0.5, 0.95, 0.99, 0.999)):
        assert getattr(res, name) == pytest.approx(-100.0 * math.log(1 - q), rel=GRID_REL)
    np.testing.assert_allclose(res.step_p99_ms, -100.0 * math.log(0.01), rtol=GRID_REL)
    assert res.mean_ms == pytest.approx(100.0, rel=1e-6)


def test_fixed_durations_and_overhead():
    res = lambda_latency(5.0, 3600.0, 120.0, 0.0, 600.0, overhead_ms=15.0)
    assert res.p50_ms == pytest.approx(135.0, rel=GRID_REL)
    assert res.p999_ms == pytest.approx(135.0, rel=GRID_REL)


def test_cold_tail_when_p_cold_exceeds_the_percentile():
    # P(cold) ~ 0.55 at 0.001 req/s: p50 and above are cold (warm 100 ms + init 1 s)
    res = lambda_latency(0.001, 2.0e6, 100.0, 1000.0, 600.0)
    assert res.cold_start_fraction == pytest.approx(0.5485, abs=0.005)
    assert res.p99_ms == pytest.approx(1100.0, rel=GRID_REL)
    assert res.p50_ms == pytest.approx(1100.0, rel=GRID_REL)
    assert res.mean_ms == pytest.approx(100.0 + res.cold_start_fraction * 1000.0, rel=1e-6)


def test_lambda_percentiles_match_the_simulator():
    warm, init = Duration.lognormal(0.12, 0.4), Duration.fixed(0.8)
    model = lambda_latency(0.05, 2.0e6, warm, init, 300.0)
    sim = simulate(0.05, 2.0e6, warm_duration=warm, init_duration=init, keep_alive_s=300.0, random_state=3)
    lat = np.sort(sim.latency_s)
    n = lat.size
    z = norm.ppf(0.9995)
    for name, q in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        half = z * math.sqrt(q * (1 - q) / n)
        lo = lat[max(0, int((q - half) * n) - 1)] * 1000
        hi = lat[min(n - 1, int((q + half) * n) + 1)] * 1000
        value = getattr(model, name)
        assert lo * (1 - GRID_REL) <= value <= hi * (1 + GRID_REL), (name, lo, value, hi)
    assert percentiles_ms(sim.latency_s)["p50_ms"] == pytest.approx(np.quantile(lat, 0.5) * 1000)


def test_throttling_adds_retries_and_failures():
    res = lambda_latency(10.0, 3600.0, 2000.0, 200.0, 600.0, concurrency_limit=20,
                         retry_backoff_ms=100.0, max_retries=2)
    b = 0.15889196154197155
    assert res.throttle_fraction == pytest.approx(b, rel=1e-9)
    assert res.failed_fraction == pytest.approx(b**3, rel=1e-9)
    # mean = 2 s + E[backoff | served]: 0 w.p. (1-b), 100 ms w.p. b(1-b), 300 ms w.p. b^2(1-b)
    expected_delay = (b * (1 - b) * 100.0 + b**2 * (1 - b) * 300.0) / (1 - b**3)
    assert res.mean_ms == pytest.approx(2000.0 + expected_delay, rel=1e-3)
    assert res.p99_ms == pytest.approx(2300.0, rel=GRID_REL)


def test_mm1_sojourn_percentiles():
    # M/M/1, lambda = 8/s, mu = 10/s: response ~ Exp(2/s)
    res = container_latency(8.0, 60.0, Duration.exponential(0.1), 1, approximation="mmc")
    assert res.p50_ms == pytest.approx(1000 * math.log(2) / 2, rel=GRID_REL)
    assert res.p99_ms == pytest.approx(1000 * math.log(100) / 2, rel=GRID_REL)
    assert res.mean_ms == pytest.approx(500.0, rel=1e-9)
    # with exponential service the M/G/c correction changes nothing
    mgc = container_latency(8.0, 60.0, Duration.exponential(0.1), 1, approximation="mgc")
    assert mgc.p99_ms == pytest.approx(res.p99_ms, rel=1e-9)


def test_mmc_mean_wait_is_erlang_c():
    lam, w, c = 30.0, 0.2, 8
    res = container_latency(lam, 60.0, Duration.exponential(w), c, approximation="mmc")
    expected_wait_ms = erlang_c(c, lam * w) / (c / w - lam) * 1000
    assert res.step_queue_delay_ms[0] == pytest.approx(expected_wait_ms, rel=1e-9)
    # deterministic service waits about half as long (Allen-Cunneen)
    det = container_latency(lam, 60.0, w * 1000.0, c, approximation="mgc")
    assert det.step_queue_delay_ms[0] == pytest.approx(expected_wait_ms / 2, rel=1e-9)


def test_fluid_backlog_during_overload():
    # 20 req/s capacity (2 slots of 100 ms), 30 req/s for 5 minutes, then 5 req/s
    lam = np.r_[np.full(5, 30.0), np.full(10, 5.0)]
    res = container_latency(lam, 60.0, 100.0, 2, timeout_s=None)     # nobody gives up
    # backlog grows by 600 requests per step: mean over step k is 600 (k + 1/2); drains at 15/s
    for k in range(5):
        assert res.step_queue_delay_ms[k] == pytest.approx(600 * (k + 0.5) / 20.0 * 1000, rel=1e-9)
    # step 5 starts with 3000 queued, drains 900 per step -> still backlogged for 4 steps
    assert res.step_queue_delay_ms[5] == pytest.approx((3000 + 2100) / 2 / 20.0 * 1000, rel=1e-9)
    assert res.step_queue_delay_ms[9] == pytest.approx(0.0, abs=5.0)
    assert res.p99_ms > 100_000      # the spike users fear
    assert res.step_p50_ms[-1] < 200


def test_timeout_caps_backlog_hand_computed():
    # 20 req/s capacity (2 slots x 100 ms fixed), 30 req/s for 5 min, then 5 req/s; timeout
    # 45 s caps the backlog at 20 x 45 = 900 requests. Backlog: 0 -> 600 (mean 300: 15 s),
    # 600 -> 900 reached at t = 30 s (mean (30 x 750 + 30 x 900) / 60 = 825: 41.25 s, 300
    # time out), then at the cap for 3 steps (45 s; 600 of 1800 time out per step, and the
    # 1200 served wait 45 s + 0.1 s service > 45 s: late too), then drains 900 -> 0 (22.5 s).
    lam = np.r_[np.full(5, 30.0), np.full(10, 5.0)]
    res = container_latency(lam, 60.0, 100.0, 2, timeout_s=45.0)
    expected_delay_s = [15.0, 41.25, 45.0, 45.0, 45.0, 22.5]
    np.testing.assert_allclose(res.step_queue_delay_ms[:6], np.array(expected_delay_s) * 1000, rtol=1e-9)
    np.testing.assert_allclose(res.step_timeout_fraction[:6], [0, 300 / 1800, 1, 1, 1, 0], atol=1e-12)
    timed_out = 300 + 3 * 1800                     # reneged + served after the deadline
    assert res.timeout_fraction * res.step_requests.sum() == pytest.approx(timed_out, rel=1e-9)
    assert res.timeout_fraction == pytest.approx(5700 / 12000, rel=1e-9)
    assert res.p99_ms == pytest.approx(45_000, rel=1e-6)          # > 1 % failed: p99 = timeout
    assert res.step_p50_ms[3] == pytest.approx(45_000, rel=1e-6)
    # mean counts timed-out requests at 45 s: step 1 = 5/6 x 41.35 s + 1/6 x 45 s
    assert res.step_mean_ms[1] == pytest.approx((5 / 6 * 41.35 + 1 / 6 * 45.0) * 1000, rel=1e-9)
    assert res.step_mean_ms[3] == pytest.approx(45_000, rel=1e-3)
    # overall p50: 6,000th of 12,000 requests sorted: 2,700 at ~0.1 s, 1,800 at 15.1 s,
    # 300 at 22.6 s, then step 1's 1,500 served at 41.35 s (delay grouped to 2 digits: ~1 %)
    assert res.p50_ms == pytest.approx(41_350, rel=0.015)


def test_timeout_saturates_delay_with_capacity_step():
    # 30 req/s against 20 req/s for 10 steps, then 40 req/s (a capacity step): the uncapped
    # backlog grows linearly by (30 - 20) x 60 = 600 per step (delay 15, 45, 75, ... s);
    # with a 60 s timeout the delay saturates at 60 s (backlog 1,200) from step 2 to 9.
    lam = np.full(20, 30.0)
    slots = np.r_[np.full(10, 2), np.full(10, 4)]
    free = container_latency(lam, 60.0, 100.0, slots, timeout_s=None)
    np.testing.assert_allclose(free.step_queue_delay_ms[:10], 600 * (np.arange(10) + 0.5) / 20 * 1000, rtol=1e-9)
    res = container_latency(lam, 60.0, 100.0, slots)               # default timeout_s = 60
    assert res.timeout_s == 60.0
    np.testing.assert_allclose(res.step_queue_delay_ms[:10], [15_000, 45_000] + [60_000] * 8, rtol=1e-9)
    # capacity 40 req/s drains 10 req/s: 1,200 -> 600 (mean 900 / 40 = 22.5 s), 600 -> 0 (7.5 s)
    np.testing.assert_allclose(res.step_queue_delay_ms[10:12], [22_500, 7_500], rtol=1e-9)
    # timed out: 8 steps x 600 reneged + 8 x 1,200 served after 60 s = 14,400 of 36,000
    assert res.timeout_fraction == pytest.approx(14_400 / 36_000, rel=1e-9)
    assert res.p99_ms == pytest.approx(60_000, rel=1e-6)
    assert free.p99_ms > 250_000                                    # unbounded without a timeout
    assert res.to_frame()["timeout_fraction"].iloc[5] == 1.0


def test_timeout_changes_nothing_without_overload():
    lam = np.r_[np.full(5, 5.0), np.full(5, 12.0)]
    for dur in (100.0, {"mean": 100, "p99": 400}):
        free = container_latency(lam, 60.0, dur, 2, timeout_s=None)
        for t in (5.0, 60.0):
            res = container_latency(lam, 60.0, dur, 2, timeout_s=t)
            assert res.timeout_fraction == 0.0
            assert res.summary() | {"timeout_fraction": 0.0} == free.summary()
            np.testing.assert_array_equal(res.step_p99_ms, free.step_p99_ms)


def test_timeout_no_capacity_all_time_out():
    res = container_latency(np.full(3, 5.0), 60.0, 100.0, 0, timeout_s=29.0)   # API Gateway default
    assert res.timeout_fraction == 1.0
    assert res.p50_ms == pytest.approx(29_000, rel=1e-6)
    assert res.mean_ms == pytest.approx(29_000, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_timeout_must_be_positive(bad):
    with pytest.raises(InvalidParameterError, match="timeout_s"):
        container_latency(5.0, 60.0, 100.0, 2, timeout_s=bad)
    with pytest.raises(InvalidParameterError, match="overhead_ms"):
        container_latency(5.0, 60.0, 100.0, 2, timeout_s=1.0, overhead_ms=1000.0)


def test_chain_latency_compounds():
    rates = np.full(240, 0.02)
    one = chain_latency(1, rates, 60.0, 100.0, 500.0, 300.0, random_state=1, method="fast")
    lam1 = lambda_latency(rates, 60.0, 100.0, 500.0, 300.0, method="fast")
    assert one.cold_start_fraction == pytest.approx(lam1.cold_start_fraction, rel=1e-9)
    results = [chain_latency(d, rates, 60.0, 100.0, 500.0, 300.0, random_state=1, method="fast")
               for d in range(1, 6)]
    p = [r.cold_start_fraction for r in results]
    assert all(b >= a - 1e-12 for a, b in zip(p, p[1:]))
    # mean grows with the hops: sum of (100 ms + P(cold_i) 500 ms), hop i holding the rest
    fast = [fast_cold_starts(rates, 60.0, 0.1 * (5 - i), 300.0, init_mean_s=0.5).cold_start_fraction for i in range(5)]
    expected = sum(100.0 + 500.0 * f for f in fast)
    assert results[-1].mean_ms == pytest.approx(expected, rel=0.02)
    assert results[-1].p99_ms > results[0].p99_ms
    with pytest.raises(InvalidParameterError, match="depth"):
        chain_latency(6, rates, 60.0, 100.0, 500.0)


def test_init_billing_uses_lambda_bill():
    rates = np.full(1440, 0.5)
    cost = lambda_cold_start_bill(rates, 60.0, 120.0, 1024, 400.0, 600.0, free_tier=False)
    fast = fast_cold_starts(rates, 60.0, 0.12, 600.0, init_mean_s=0.4)
    assert cost.cold_starts == pytest.approx(fast.total_cold_starts)
    assert cost.init_gb_s == pytest.approx(fast.total_cold_starts * 0.4 * 1.0)
    reference = lambda_bill(fast.total_requests, 120.0, 1024, free_tier=False,
                            cold_starts=fast.total_cold_starts, init_duration_ms=400.0)
    assert cost.total_usd == pytest.approx(reference.total_usd)
    assert cost.idle_gb_s == pytest.approx(fast.idle_instance_s * 1.0)


def test_provisioned_concurrency_tradeoff_curve():
    t = np.arange(0, 86400, 60.0)
    rates = 3.0 * (1 + 0.8 * np.sin(2 * np.pi * t / 86400))
    table = provisioned_concurrency_tradeoff(rates, 60.0, {"mean": 200, "p99": 600}, 512, 800.0,
                                             pc_counts=[0, 1, 2, 4, 8])
    assert list(table.provisioned_concurrency) == [0, 1, 2, 4, 8]
    assert np.all(np.diff(table.cold_starts) <= 1e-9)
    assert np.all(np.diff(table.monthly_usd.to_numpy()[1:]) > 0)
    assert np.all(np.diff(table.pc_request_fraction) >= 0)
    assert table.p999_ms.iloc[-1] <= table.p999_ms.iloc[0] * (1 + GRID_REL)


def test_duration_from_ms_forms_and_errors():
    assert duration_from_ms("d", 250).kind == "fixed"
    d = duration_from_ms("d", {"mean": 120, "p99": 400})
    assert float(d.quantile(0.99)) == pytest.approx(0.4)
    assert duration_from_ms("d", {"mean": 50, "p99": 50}).kind == "fixed"
    with pytest.raises(InvalidParameterError, match="d"):
        duration_from_ms("d", {"mean": 100, "p90": 200})
    with pytest.raises(InvalidParameterError) as exc:
        duration_from_ms("duration_ms", -5)
    assert exc.value.name == "duration_ms"


def test_bad_input_names_the_parameter():
    with pytest.raises(InvalidParameterError) as exc:
        lambda_latency(1.0, 60.0, 100.0, 200.0, keep_alive_s=0.0)
    assert exc.value.name == "keep_alive_s"
    with pytest.raises(InvalidParameterError) as exc:
        lambda_latency([1.0, -1.0], 60.0, 100.0, 200.0)
    assert exc.value.name == "arrival_rps"
    with pytest.raises(InvalidParameterError) as exc:
        lambda_latency(1.0, 60.0, 100.0, 200.0, concurrency_limit=2, provisioned_concurrency=5)
    assert exc.value.name == "concurrency_limit"
    with pytest.raises(InvalidParameterError) as exc:
        container_latency(1.0, 60.0, 100.0, servers=-1)
    assert exc.value.name == "servers"


def test_scalar_array_and_series_inputs_agree():
    import pandas as pd

    rates = np.full(120, 0.5)
    idx = pd.date_range("2026-01-01", periods=120, freq="60s")
    a = lambda_latency(rates, 60.0, 100.0, 300.0, 600.0)
    s = lambda_latency(pd.Series(rates, index=idx), 60.0, 100.0, 300.0, 600.0)
    assert s.p99_ms == a.p99_ms and s.cold_start_fraction == a.cold_start_fraction
    one = lambda_latency(0.5, 7200.0, 100.0, 300.0, 600.0)
    assert one.p50_ms == pytest.approx(a.p50_ms, rel=GRID_REL)
    c1 = container_latency(pd.Series(np.full(10, 5.0)), 60.0, 100.0, 2)
    c2 = container_latency(5.0, 60.0, 100.0, 2)
    assert c1.p99_ms == pytest.approx(c2.p99_ms)


# ----------------------------------------------------------------------------- counts
def test_hourly_cron_latency_bill_and_pc_with_counts():
    from costmodel.models import traffic as tr
    from costmodel.models.latency import provisioned_concurrency_tradeoff

    # every run of an hourly cron (keep-alive 600 s) is cold: p50 = duration + init exactly
    rate = tr.sparse(24, timing="fixed", horizon_days=30, step_s=60)
    lat = lambda_latency(rate, 60.0, 20_000.0, 400.0, 600.0, arrivals="counts")
    assert lat.cold_start_fraction == 1.0
    assert lat.p50_ms == pytest.approx(20_400.0, rel=5e-3)
    cost = lambda_cold_start_bill(rate, 60.0, 20_000.0, 512, 400.0, 600.0, arrivals="counts")
    assert cost.cold_starts == 720
    assert cost.init_gb_s == pytest.approx(720 * 0.4 * 0.5)            # 720 INITs x 0.4 s x 0.5 GB
    ch = chain_latency(2, rate, 60.0, 1000.0, 400.0, 600.0, samples=2000, random_state=1, arrivals="counts")
    assert ch.cold_start_fraction == 1.0 and ch.p50_ms == pytest.approx(2 * 1400.0, rel=5e-3)
    # one provisioned environment serves every run warm (one run at a time)
    df = provisioned_concurrency_tradeoff(rate, 60.0, 20_000.0, 512, 400.0, [0, 1], 600.0, arrivals="counts")
    assert df["cold_starts"].tolist() == [720, 0] and df["pc_request_fraction"].tolist() == [0.0, 1.0]
    assert df["p99_ms"].iloc[1] == pytest.approx(20_000.0, rel=5e-3)


def test_capped_fluid_backlog_matches_the_plain_recursion():
    # Q_k = clip(Q_{k-1} - trimmed + (lambda_k - mu_k) step, 0, B_k), stepped one by one,
    # against the vectorised closed form + busy-period loop (including zero capacity)
    from costmodel.models.latency import _fluid_backlog

    rng = np.random.default_rng(7)
    for _ in range(100):
        lam = rng.uniform(0, 30, 50)
        mu = rng.choice([0.0, 5.0, 10.0, 20.0], 50)
        cap = mu * rng.uniform(1, 60)
        start, end, _, timed_out = _fluid_backlog(lam, mu, 10.0, cap)
        q, exp_start, exp_end, exp_out = 0.0, [], [], []
        for k in range(50):
            trimmed = max(q - cap[k], 0.0)
            q -= trimmed
            exp_start.append(q)
            raw = q + (lam[k] - mu[k]) * 10.0
            q = min(max(raw, 0.0), cap[k])
            exp_end.append(q)
            exp_out.append(trimmed + max(raw - cap[k], 0.0))
        np.testing.assert_allclose(start, exp_start, atol=1e-9)
        np.testing.assert_allclose(end, exp_end, atol=1e-9)
        np.testing.assert_allclose(timed_out, exp_out, atol=1e-9)
        # nobody is served beyond capacity; requests time out only when the backlog is full
        pushed = np.maximum(np.asarray(exp_start) + (lam - mu) * 10.0 - cap, 0.0)
        served = np.asarray(exp_start) + lam * 10.0 - pushed - end
        assert np.all(served <= mu * 10.0 + 1e-9)
        assert np.all((timed_out == 0) | (np.maximum(start, end) >= cap - 1e-9) | (start == 0))

"""Exact simulator and closed forms (costmodel.models.coldstart.simulator).

Expected values are the published closed forms and SimFaaS validation figures
(Mahmoudi & Khazaei 2020/2021; ../shared/reference/platform-behaviour.md section 2) or
hand-traced event sequences; tolerances come from the sample sizes.
"""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.simulator import (
    COLD,
    THROTTLED,
    WARM,
    Duration,
    cold_start_fraction,
    confidence_interval,
    erlang_b,
    erlang_c,
    low_rate_cold_start_fraction,
    mean_response_s,
    poisson_arrival_times_s,
    simulate,
    steady_state_model,
    time_average_counts,
)


# ----------------------------------------------------------------------------- closed forms
def test_low_rate_closed_form_published_value():
    # lambda = 0.001/s, w = 0.5 s, T = 600 s -> 0.5485 (SimFaaS measured 0.548)
    assert low_rate_cold_start_fraction(0.001, 0.5, 600) == pytest.approx(0.5485, abs=5e-5)


def test_erlang_b_published_value_and_small_cases():
    assert erlang_b(20, 10 * 2) == pytest.approx(0.1589, abs=5e-5)
    a = np.array([0.1, 1.0, 5.0])
    np.testing.assert_allclose(erlang_b(1, a), a / (1 + a))
    # B(2, a) = (a^2/2) / (1 + a + a^2/2)
    np.testing.assert_allclose(erlang_b(2, a), (a**2 / 2) / (1 + a + a**2 / 2))
    assert erlang_b(0, 3.0) == 1.0
    np.testing.assert_allclose(erlang_b([1, 2], 1.0), [0.5, 0.2])


def test_erlang_c_known_values():
    # M/M/2 at a = 1: C = (a^2/2 / (1 - a/2)) / (1 + a + a^2/2/(1 - a/2)) = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1: P(wait) = rho
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(3, 3.5) == 1.0


def test_mean_response_formula():
    assert mean_response_s(0.25, 1.0, 3.0) == pytest.approx(1.5)
    np.testing.assert_allclose(mean_response_s(np.array([0, 1]), 0.2, 0.7), [0.2, 0.7])


# ----------------------------------------------------------------------------- simulator vs closed forms
def _z(level=0.999):
    from scipy.stats import norm
    return norm.ppf(0.5 + level / 2)


def test_simulated_low_rate_cold_fraction_within_ci():
    lam, w, T = 0.001, 0.5, 600.0
    results = [simulate(lam, 2.0e6, warm_duration=w, keep_alive_s=T, random_state=s) for s in range(5)]
    cold = sum(r.cold_starts for r in results)
    n = sum(r.requests for r in results)
    p_hat = cold / n
    se = math.sqrt(p_hat * (1 - p_hat) / n)
    # requests at this rate are nearly independent (gaps >> T): binomial error
    assert abs(p_hat - 0.5485) < _z() * se + 1e-3, (p_hat, se)


def test_simulated_erlang_b_rejection_within_ci():
    # no idle expiry in play: keep-alive far longer than the run
    reps = [
        simulate(10.0, 4000.0, warm_duration=2.0, cold_duration=2.0, keep_alive_s=1e7,
                 concurrency_limit=20, random_state=100 + s).throttle_fraction
        for s in range(6)
    ]
    mean, lo, hi = confidence_interval(reps, level=0.999)
    assert lo - 2e-3 <= erlang_b(20, 20.0) <= hi + 2e-3, (mean, lo, hi)
    assert abs(mean - 0.1589) < 0.01


def test_simulated_mean_response_matches_formula():
    lam, w, init, T = 0.01, 0.5, 2.0, 60.0
    res = simulate(lam, 1.0e6, warm_duration=w, init_duration=Duration.fixed(init), keep_alive_s=T, random_state=7)
    lat = res.latency_s
    expected = mean_response_s(low_rate_cold_start_fraction(lam, w, T), w, w + init)
    se = lat.std(ddof=1) / math.sqrt(lat.size)
    assert abs(lat.mean() - expected) < _z() * se + 0.01 * expected
    # and with the measured P(cold) the identity is exact up to warm-sample noise
    assert res.mean_response_s == pytest.approx(mean_response_s(res.cold_start_fraction, w, w + init), rel=0.05)


def test_busy_instances_follow_littles_law():
    res = simulate(5.0, 20000.0, warm_duration=0.4, keep_alive_s=30.0, random_state=3)
    # mean busy = lambda * E[service] (cold requests here have no init)
    assert res.mean_busy_instances == pytest.approx(5.0 * 0.4, rel=0.03)
    assert res.mean_instances >= res.mean_busy_instances
    assert res.mean_idle_instances == pytest.approx(res.mean_instances - res.mean_busy_instances)
    # the per-bin series averages to the overall figure
    assert np.average(res.instances, weights=np.diff(np.append(res.count_time_s, res.horizon_s))) == pytest.approx(res.mean_instances)


# ----------------------------------------------------------------------------- semantics, hand-traced
def test_newest_idle_routing_and_keep_alive_from_last_departure():
    # fixed 1 s service, keep-alive 7 s. t=0: #0 cold; t=0.1: #1 cold (both busy);
    # t=5: both idle -> newest (#1) serves; #0 (last departure 1.0) expires at 8.0.
    # t=10: #1 (departed 6.0, alive to 13) warm; t=15: #1 (departed 11) warm.
    res = simulate(
        arrival_times_s=[0.0, 0.1, 5.0, 10.0, 15.0], horizon_s=20.0,
        warm_duration=Duration.fixed(1.0), keep_alive_s=7.0, count_step_s=20.0,
    )
    assert res.status.tolist() == [COLD, COLD, WARM, WARM, WARM]
    # lifetimes: #0 0 -> 8, #1 0.1 -> 16 + 7 (cut at 20)
    assert res.mean_instances == pytest.approx((8.0 + 19.9) / 20.0)
    assert res.mean_busy_instances == pytest.approx(5.0 / 20.0)


def test_expiry_is_measured_from_last_departure():
    common = dict(warm_duration=Duration.fixed(1.0), keep_alive_s=5.0, horizon_s=30.0)
    # departs at 1.0 -> alive until 6.0
    assert simulate(arrival_times_s=[0.0, 5.9], **common).status.tolist() == [COLD, WARM]
    # second request departs 6.9 -> alive until 11.9; third at 12.0 is cold
    assert simulate(arrival_times_s=[0.0, 5.9, 12.0], **common).status.tolist() == [COLD, WARM, COLD]


def test_concurrency_cap_throttles_and_provisioned_is_warm():
    common = dict(warm_duration=Duration.fixed(1.0), horizon_s=10.0, keep_alive_s=60.0)
    res = simulate(arrival_times_s=[0.0, 0.5, 0.6, 2.0], concurrency_limit=1, **common)
    assert res.status.tolist() == [COLD, THROTTLED, THROTTLED, WARM]
    assert math.isnan(res.response_s[1])
    res = simulate(arrival_times_s=[0.0, 0.5, 0.6, 2.0], concurrency_limit=3, provisioned_concurrency=2, **common)
    assert res.status.tolist() == [WARM, WARM, COLD, WARM]
    # provisioned instances count all the time
    assert res.instances.min() >= 2


def test_cold_response_is_init_plus_warm():
    res = simulate(arrival_times_s=[0.0, 100.0], horizon_s=200.0, warm_duration=Duration.fixed(0.2),
                   init_duration=Duration.fixed(0.8), keep_alive_s=10.0)
    np.testing.assert_allclose(res.response_s, [1.0, 1.0])
    assert res.cold_starts == 2


def test_same_seed_same_result_and_trace_input():
    rates = np.array([0.5, 2.0, 0.0, 1.0])
    a = simulate(rates, step_s=300.0, warm_duration=0.3, keep_alive_s=120.0, random_state=11)
    b = simulate(rates, step_s=300.0, warm_duration=0.3, keep_alive_s=120.0, random_state=np.random.default_rng(11))
    assert a.cold_starts == b.cold_starts and np.array_equal(a.arrival_s, b.arrival_s)
    assert a.instances.size == 4                          # one bin per traffic step
    # no arrivals in the zero-rate step
    assert not np.any((a.arrival_s >= 600) & (a.arrival_s < 900))
    c = simulate(rates, step_s=300.0, warm_duration=0.3, keep_alive_s=120.0, random_state=12)
    assert not np.array_equal(a.arrival_s, c.arrival_s)


def test_poisson_arrival_counts():
    rates = np.array([2.0, 0.0, 8.0])
    t = poisson_arrival_times_s(rates, 1000.0, random_state=5)
    counts = np.histogram(t, bins=[0, 1000, 2000, 3000])[0]
    assert counts[1] == 0
    for c, mu in zip(counts[[0, 2]], [2000, 8000]):
        assert abs(c - mu) < 5 * math.sqrt(mu)
    assert np.all(np.diff(t) >= 0)


def test_time_average_counts():
    # intervals [0, 2) and [1, 4) over bins [0, 2), [2, 4)
    out = time_average_counts(np.array([0.0, 1.0]), np.array([2.0, 4.0]), np.array([0.0, 2.0, 4.0]))
    np.testing.assert_allclose(out, [1.5, 1.0])


def test_lognormal_duration_matches_mean_and_p99():
    d = Duration.lognormal(0.12, 0.4)
    assert float(d.quantile(0.99)) == pytest.approx(0.4)
    x = d.sample(400_000, random_state=1)
    assert x.mean() == pytest.approx(0.12, rel=0.01)
    assert float(d.cdf(0.4)) == pytest.approx(0.99)
    with pytest.raises(InvalidParameterError, match="p99_s"):
        Duration.lognormal(0.12, 0.1)


# ----------------------------------------------------------------------------- Mahmoudi & Khazaei model
def test_steady_state_model_against_simulator():
    ss = steady_state_model(10.0, 2.0, 2.2, 600.0)
    assert ss.mean_busy_instances == pytest.approx(20.0, rel=0.01)
    sims = [simulate(10.0, 40000.0, warm_duration=2.0, cold_duration=2.2, keep_alive_s=600.0, random_state=s) for s in range(3)]
    mean_inst = np.mean([s.mean_instances for s in sims])
    # stated accuracy (docs/coldstart-model.md): mean instances within 5 %
    assert ss.mean_instances == pytest.approx(mean_inst, rel=0.05)
    # low rate: the model reduces to one instance, cold ~ e^{-lambda T}-like
    low = steady_state_model(0.1, 0.2, 0.2, 60.0)
    sim = simulate(0.1, 4.0e5, warm_duration=0.2, keep_alive_s=60.0, random_state=1)
    assert low.cold_start_fraction == pytest.approx(sim.cold_start_fraction, rel=0.25)
    assert low.instance_count_probabilities.sum() == pytest.approx(1.0)


def test_steady_state_model_throttles_at_cap():
    ss = steady_state_model(10.0, 2.0, 2.0, 1e6, concurrency_limit=20)
    # with no expiry the chain sits at the cap: rejection is Erlang-B
    assert ss.throttle_fraction == pytest.approx(erlang_b(20, 20.0), rel=0.02)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(keep_alive_s=0.0), "keep_alive_s"),
        (dict(keep_alive_s=-5.0), "keep_alive_s"),
        (dict(cold_duration=0.1), "cold_duration"),
        (dict(concurrency_limit=2, provisioned_concurrency=3), "concurrency_limit"),
        (dict(arrival_rps=-1.0), "arrival_rps"),
        (dict(arrival_rps=[1.0, -0.5], step_s=60.0), "arrival_rps"),
        (dict(init_duration=-1.0), "init_duration"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    base = dict(arrival_rps=1.0, horizon_s=100.0, warm_duration=0.5, keep_alive_s=60.0)
    base.update(kwargs)
    with pytest.raises(InvalidParameterError) as exc:
        simulate(**base)
    assert exc.value.name == name
    assert name in str(exc.value)


def test_cold_start_fraction_entry_point_both_methods():
    fast = cold_start_fraction(0.001, 2.0e6, 0.5, 600.0)
    assert fast == pytest.approx(0.5485, abs=0.005)
    exact = cold_start_fraction(0.01, 2.0e5, 0.5, 60.0, method="exact", random_state=2)
    assert exact == pytest.approx(low_rate_cold_start_fraction(0.01, 0.5, 60.0), abs=0.05)
    with pytest.raises(InvalidParameterError, match="method"):
        cold_start_fraction(1.0, 60.0, 0.5, method="magic")


def test_trace_replay_defaults_and_empty_input():
    res = simulate(arrival_times_s=[0.0, 1.0, 2.0], warm_duration=Duration.fixed(0.5), keep_alive_s=10.0)
    assert res.requests == 3 and res.status.tolist() == [COLD, WARM, WARM]
    empty = simulate(arrival_times_s=[], horizon_s=10.0, warm_duration=0.5, keep_alive_s=10.0)
    assert empty.requests == 0 and empty.mean_instances == 0.0
    with pytest.raises(InvalidParameterError, match="arrival_times_s"):
        simulate(arrival_times_s=[2.0, 1.0], warm_duration=0.5)


# ----------------------------------------------------------------------------- counts
def test_counts_expansion_places_exact_counts_evenly():
    from costmodel.models.coldstart.simulator import counts_arrival_times_s

    # 3 arrivals in step 0 (gap 20 s, midpoints), none in step 1, 1 in step 2 (its middle)
    t = counts_arrival_times_s(np.array([3, 0, 1]) / 60.0, 60.0)
    np.testing.assert_allclose(t, [10.0, 30.0, 50.0, 150.0])
    res = simulate(np.array([3, 0, 1]) / 60.0, step_s=60.0, warm_duration=0.5, arrivals="counts", random_state=1)
    assert res.requests == 4


def test_counts_reject_fractional_counts_and_unknown_mode():
    with pytest.raises(InvalidParameterError) as exc:
        simulate([0.5 / 60.0], step_s=60.0, warm_duration=0.5, arrivals="counts")
    assert exc.value.name == "arrival_rps" and "whole numbers" in str(exc.value)
    with pytest.raises(InvalidParameterError) as exc:
        simulate([1.0], step_s=60.0, warm_duration=0.5, arrivals="uniform")
    assert exc.value.name == "arrivals"


def test_hourly_cron_is_always_cold_with_counts_but_not_with_poisson_mixing():
    from costmodel.models import traffic as tr

    # 24 runs a day at fixed times, 20 s runs (lognormal, p99 45 s), keep-alive 600 s:
    # every run comes 3,600 s after the previous one ended less than ~1 min after it
    # started, so every run is cold (the analytic truth is P(cold) = 1).
    rate = tr.sparse(24, timing="fixed", horizon_days=3, step_s=60)
    kw = dict(step_s=60.0, warm_duration=Duration.lognormal(20.0, 45.0), keep_alive_s=600.0, random_state=4)
    counts = simulate(rate, arrivals="counts", **kw)
    assert counts.requests == 72 and counts.cold_start_fraction == 1.0
    # the Poisson expansion treats "1 per step" as Poisson(1): extra arrivals land warm
    assert simulate(rate, **kw).cold_start_fraction < 0.95
    assert cold_start_fraction(rate, 60.0, Duration.lognormal(20.0, 45.0), 600.0, method="exact",
                               arrivals="counts", random_state=1) == 1.0


def test_arrivals_for_traffic_reads_the_scenario_block():
    from costmodel.models.coldstart.simulator import arrivals_for_traffic

    assert arrivals_for_traffic({"pattern": "sparse", "timing": "fixed"}) == "counts"
    assert arrivals_for_traffic({"pattern": "trace", "path": "x.csv"}, [1 / 60, 2 / 60], 60.0) == "counts"
    assert arrivals_for_traffic({"pattern": "trace", "path": "x.csv"}, [0.013], 60.0) == "poisson"  # rates
    assert arrivals_for_traffic({"pattern": "sparse", "timing": "random"}) == "poisson"
    assert arrivals_for_traffic({"pattern": "sparse", "timing": "fixed", "scale": 2.0}) == "poisson"
    assert arrivals_for_traffic({"pattern": "diurnal", "mean_rps": 5}) == "poisson"
    assert arrivals_for_traffic(None) == "poisson"
    # with the mean duration: counts only while one environment at a time suffices for
    # >= 90 % of requests (the counts model fixes the service time at its mean)
    from costmodel.models import traffic as tr

    cron = {"pattern": "sparse", "timing": "fixed"}
    hourly = tr.sparse(24, timing="fixed", horizon_days=2, step_s=60)
    assert arrivals_for_traffic(cron, hourly, 60.0, 20.0) == "counts"
    nightly = tr.sparse(1, timing="fixed", horizon_days=3, step_s=60)
    assert arrivals_for_traffic(cron, nightly, 60.0, 2400.0) == "counts"      # one 40-min run a day
    busy = np.full(100, 300 / 60.0)                                            # 300 a minute, 0.5 s each
    assert arrivals_for_traffic({"pattern": "trace", "path": "x"}, busy, 60.0, 0.5) == "poisson"
    assert arrivals_for_traffic({"pattern": "trace", "path": "x"}, busy, 60.0, 0.1) == "counts"

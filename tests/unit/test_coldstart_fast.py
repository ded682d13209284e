"""Fast whole-month cold-start model (costmodel.coldstart_fast) against closed forms and
the exact simulator.

Stated accuracy (docs/coldstart-model.md, full grid in benchmarks/bench_coldstart_fast.py
--grid): P(cold) within max(10 % relative, 0.002 absolute) of the simulator; where P(cold)
is small at long keep-alives or high concurrency the fast model underestimates by up to
~40 % relative (absolute error < 1.5e-3). Mean instance count within 5 %. The tests below
check that tolerance beyond the simulator's 99.9 % interval.
"""

import numpy as np
import pytest

from costmodel.coldstart import (
    confidence_interval, erlang_b, low_rate_cold_start_fraction, simulate,
)
from costmodel.coldstart_fast import fast_cold_starts, fast_cold_starts_loop
from costmodel.errors import InvalidParameterError


def test_low_rate_limit_is_the_closed_form():
    # steady state (one very long step, warm-up negligible): e^{-lambda T} / (1 + lambda w),
    # exact when lambda w -> 0 (at lambda w = 0.02 a second instance already matters)
    for lam, w, T in [(0.001, 0.5, 600.0), (0.0005, 0.2, 1200.0), (0.002, 0.1, 300.0)]:
        res = fast_cold_starts(lam, 5.0e7, w, T)
        assert res.cold_start_fraction == pytest.approx(low_rate_cold_start_fraction(lam, w, T), rel=2e-3)


def test_throttling_is_erlang_b_inside_a_step():
    res = fast_cold_starts(10.0, 3600.0, 2.0, 600.0, concurrency_limit=20)
    assert res.throttle_fraction == pytest.approx(erlang_b(20, 20.0), rel=1e-9)
    assert res.throttle_fraction == pytest.approx(0.1589, abs=5e-5)


def test_littles_law_busy_instances():
    rates = np.array([0.5, 3.0, 10.0])
    res = fast_cold_starts(rates, 60.0, 0.2, 300.0, init_mean_s=0.0)
    np.testing.assert_allclose(res.busy_instances, rates * 0.2)
    assert np.all(res.instances >= res.busy_instances)
    np.testing.assert_allclose(res.idle_instances, res.instances - res.busy_instances)


GRID = [  # (rate req/s, mean warm s, keep-alive s, horizon s) - a small grid; the full one is a benchmark
    (0.001, 0.5, 600.0, 2.0e6),
    (0.05, 0.5, 60.0, 2.0e5),
    (0.5, 0.2, 60.0, 4.0e4),
    (2.0, 1.0, 10.0, 1.0e4),
    (10.0, 0.1, 60.0, 4.0e3),
    (100.0, 0.02, 10.0, 400.0),
]


@pytest.mark.parametrize("lam, w, T, horizon", GRID)
def test_fast_model_matches_simulator_on_grid(lam, w, T, horizon):
    fast = fast_cold_starts(lam, horizon, w, T)
    sims = [simulate(lam, horizon, warm_duration=w, keep_alive_s=T, random_state=40 + s) for s in range(4)]
    mean, lo, hi = confidence_interval([s.cold_start_fraction for s in sims], level=0.999)
    tol = max(0.10 * mean, 0.002)
    assert lo - tol <= fast.cold_start_fraction <= hi + tol, (fast.cold_start_fraction, lo, hi)
    inst = np.mean([s.mean_instances for s in sims])
    assert fast.mean_instances == pytest.approx(inst, rel=0.05)


def test_fast_model_matches_simulator_on_time_varying_traffic():
    t = np.arange(0, 86400, 60.0)
    rates = 1.5 * (1 + 0.8 * np.sin(2 * np.pi * t / 86400))
    rates[(t > 30000) & (t < 31800)] *= 8          # a half-hour burst
    for w, T in [(0.3, 60.0), (0.12, 600.0)]:
        fast = fast_cold_starts(rates, 60.0, w, T)
        sims = [simulate(rates, step_s=60.0, warm_duration=w, keep_alive_s=T, random_state=70 + s) for s in range(4)]
        mean, lo, hi = confidence_interval([s.cold_start_fraction for s in sims], level=0.999)
        tol = max(0.10 * mean, 0.002)
        assert lo - tol <= fast.cold_start_fraction <= hi + tol
        # per-step instance counts follow the simulator's (hourly averages within 10 % + 0.3)
        sim_inst = np.mean([s.instances for s in sims], axis=0).reshape(-1, 60).mean(axis=1)
        fast_inst = fast.instances.reshape(-1, 60).mean(axis=1)
        assert np.all(np.abs(fast_inst - sim_inst) <= 0.10 * sim_inst + 0.3)


def test_warm_pool_is_carried_across_steps_by_the_keep_alive():
    # busy for an hour, then a trickle: the trickle finds the pool warm for ~T
    rates = np.r_[np.full(60, 5.0), np.full(60, 0.001)]
    res = fast_cold_starts(rates, 60.0, 0.2, 600.0)
    quiet = res.cold_start_fraction_per_step[60:]
    assert quiet[0] < 0.01                     # right after the busy hour: warm
    # an hour later the pool is back to its steady state: e^{-0.6}/(1 + 0.0002)
    assert quiet[-1] == pytest.approx(low_rate_cold_start_fraction(0.001, 0.2, 600.0), rel=0.01)
    assert np.all(np.diff(quiet[:15]) >= -1e-12)


def test_provisioned_concurrency_removes_cold_starts_it_covers():
    rates = np.full(120, 0.2)
    base = fast_cold_starts(rates, 60.0, 0.5, 60.0)
    pc1 = fast_cold_starts(rates, 60.0, 0.5, 60.0, provisioned_concurrency=1)
    pc5 = fast_cold_starts(rates, 60.0, 0.5, 60.0, provisioned_concurrency=5)
    assert pc1.total_cold_starts < base.total_cold_starts
    assert pc5.total_cold_starts < 1e-3 * base.total_cold_starts
    assert pc5.mean_instances >= 5


def test_loop_baseline_equals_vectorised():
    rng = np.random.default_rng(1)
    rates = np.abs(2.0 + rng.normal(0, 1.5, 3000))
    fast = fast_cold_starts(rates, 1.0, 0.3, 120.0).cold_start_fraction_per_step
    loop = fast_cold_starts_loop(rates, 1.0, 0.3, 120.0)
    np.testing.assert_allclose(fast, loop, atol=1e-7)
    # non-integer window in steps
    fast = fast_cold_starts(rates, 7.0, 0.3, 100.0).cold_start_fraction_per_step
    loop = fast_cold_starts_loop(rates, 7.0, 0.3, 100.0)
    np.testing.assert_allclose(fast, loop, atol=1e-7)


def test_chunking_does_not_change_the_result(monkeypatch):
    import costmodel.coldstart_fast as cf

    rng = np.random.default_rng(2)
    rates = np.abs(1.0 + rng.normal(0, 1.0, 5000))
    rates[650:700] = 40.0        # a burst at the end of the first 700-step chunk: its warm
    rates[700:1400] = 0.05       # pool must carry into the next (quiet) chunk
    ref = cf.fast_cold_starts(rates, 1.0, 0.5, 300.0)
    monkeypatch.setattr(cf, "_CHUNK", 700)
    small = cf.fast_cold_starts(rates, 1.0, 0.5, 300.0)
    np.testing.assert_allclose(small.cold_start_fraction_per_step, ref.cold_start_fraction_per_step, atol=1e-7)
    np.testing.assert_allclose(small.instances, ref.instances, atol=1e-5)   # float32 sums


def test_long_steps_equal_many_short_steps():
    one = fast_cold_starts(0.3, 36000.0, 0.4, 120.0)
    many = fast_cold_starts(np.full(600, 0.3), 60.0, 0.4, 120.0)
    assert one.cold_start_fraction == pytest.approx(many.cold_start_fraction, rel=1e-3)


@pytest.mark.parametrize(
    "args, kwargs, name",
    [
        ((1.0, 60.0, 0.2, 0.0), {}, "keep_alive_s"),
        ((1.0, 60.0, 0.2, -1.0), {}, "keep_alive_s"),
        (([1.0, -2.0], 60.0, 0.2, 60.0), {}, "arrival_rps"),
        ((1.0, 60.0, 0.2, 60.0), {"concurrency_limit": 1, "provisioned_concurrency": 2}, "concurrency_limit"),
        ((1.0, 0.0, 0.2, 60.0), {}, "step_s"),
        ((1.0, 60.0, 0.0, 60.0), {}, "warm_mean_s"),
    ],
)
def test_bad_input(args, kwargs, name):
    with pytest.raises(InvalidParameterError) as exc:
        fast_cold_starts(*args, **kwargs)
    assert exc.value.name == name

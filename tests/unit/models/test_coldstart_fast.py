"""Fast whole-month cold-start model (costmodel.models.coldstart.fast) against closed forms and
the exact simulator.

Stated accuracy (docs/coldstart-model.md, full grid in benchmarks/bench_coldstart_fast.py
--grid): P(cold) within max(10 % relative, 0.002 absolute) of the simulator; where P(cold)
is small at long keep-alives or high concurrency the fast model underestimates by up to
~40 % relative (absolute error < 1.5e-3). Mean instance count within 5 %. The tests below
check that tolerance beyond the simulator's 99.9 % interval.
"""

import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.fast import fast_cold_starts, fast_cold_starts_loop
from costmodel.models.coldstart.simulator import (
    confidence_interval,
    erlang_b,
    low_rate_cold_start_fraction,
    simulate,
)


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
    # the plain per-step loop (no chunks, bands or load tables) and the vectorised code
    # compute the same model; steps <= T/40, so that every block is one step. The
    # vectorised code rounds loads to a grid 1e-4 apart in log(a): per-step P(cold)
    # agrees within 1e-3 relative (or 3e-5 absolute), the totals within 1e-5 relative
    rng = np.random.default_rng(1)
    rates = np.abs(2.0 + rng.normal(0, 1.5, 3000))
    for step, T in ((1.0, 40.0), (0.7, 27.0)):          # whole and fractional windows
        fast = fast_cold_starts(rates, step, 0.3, T).cold_start_fraction_per_step
        loop = fast_cold_starts_loop(rates, step, 0.3, T)
        np.testing.assert_allclose(fast, loop, rtol=1e-3, atol=3e-5)
        assert np.dot(fast, rates) == pytest.approx(np.dot(loop, rates), rel=1e-5)


def test_chunking_does_not_change_the_result(monkeypatch):
    import costmodel.models.coldstart.levels as cl

    rng = np.random.default_rng(2)
    rates = np.abs(1.0 + rng.normal(0, 1.0, 5000))
    rates[650:700] = 40.0        # a burst at the end of the first 700-step chunk: its warm
    rates[700:1400] = 0.05       # pool must carry into the next (quiet) chunk
    ref = fast_cold_starts(rates, 1.0, 0.5, 300.0)
    # 100 blocks of 7 steps per chunk (T/40 = 7.5 s): bands and level histories per chunk;
    # levels skipped as certain or out of reach differ by < 1e-10 in probability
    monkeypatch.setattr(cl, "_CHUNK", 100)
    small = fast_cold_starts(rates, 1.0, 0.5, 300.0)
    np.testing.assert_allclose(small.cold_start_fraction_per_step, ref.cold_start_fraction_per_step, atol=1e-8)
    np.testing.assert_allclose(small.instances, ref.instances, atol=1e-8)


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


# ----------------------------------------------------------------------------- counts
# arrivals="counts": rate x step_s is the exact number of arrivals in the step, evenly
# spaced (cron schedules, invocation-count traces). Truths below are analytic.
from costmodel.models import traffic as tr  # noqa: E402
from costmodel.models.coldstart.fast import counts_concurrency  # noqa: E402
from costmodel.models.coldstart.simulator import Duration  # noqa: E402


@pytest.mark.parametrize("step_s", [60.0, 600.0])
def test_hourly_cron_with_counts_is_always_cold(step_s):
    # one run every 3,600 s, 20 s each, keep-alive 600 s: every run is cold, P(cold) = 1
    rate = tr.sparse(24, timing="fixed", horizon_days=30, step_s=step_s)
    fast = fast_cold_starts(rate, step_s, 20.0, 600.0, arrivals="counts")
    assert fast.total_requests == 720 and fast.total_cold_starts == 720
    assert fast.cold_start_fraction == 1.0
    # Poisson mixing (the default, for mean rates) reads the same series as Poisson(1)
    # runs per hour inside one step: some runs overlap or follow within the keep-alive,
    # so fewer are cold (1 - e^-1 = 63 % of the hours have a run); the fast model agrees
    # with the simulator on those Poisson arrivals within 4 binomial standard errors + 2 %
    poisson = fast_cold_starts(rate, step_s, 20.0, 600.0).cold_start_fraction
    sims = [simulate(rate, step_s=step_s, warm_duration=20.0, keep_alive_s=600.0, random_state=s) for s in range(6)]
    p = sum(s.cold_starts for s in sims) / sum(s.requests for s in sims)
    se = math.sqrt(p * (1 - p) / sum(s.requests for s in sims))
    assert poisson < 0.9 and abs(poisson - p) <= 4 * se + 0.02 * p


@pytest.mark.parametrize("step_s", [60.0, 300.0, 3600.0])
def test_five_minute_cron_only_the_first_run_is_cold(step_s):
    # a run every 300 s < keep-alive 600 s, 0.2 s each: the one environment never expires
    rate = tr.sparse(288, timing="fixed", horizon_days=2, step_s=step_s)
    fast = fast_cold_starts(rate, step_s, 0.2, 600.0, arrivals="counts")
    assert fast.total_requests == 576 and fast.total_cold_starts == 1
    sim = simulate(rate, step_s=step_s, warm_duration=0.2, keep_alive_s=600.0, arrivals="counts", random_state=3)
    assert sim.cold_starts == 1
    # one environment alive from the first run to the end (less its first half step)
    assert fast.mean_instances == pytest.approx(sim.mean_instances, rel=1e-9)


@pytest.mark.parametrize("n, w", [(1, 0.01), (7, 20.0), (30, 0.5), (200, 1.3)])
def test_one_step_from_an_empty_pool_needs_ceil_w_over_gap_cold_starts(n, w):
    # n arrivals at gap g = 60/n, fixed service w: arrival i finds the ceil(w/g) - 1
    # before it busy, so the rotation starts ceil(w/g) environments (at least one)
    expected = max(1, min(n, math.ceil(w / (60.0 / n))))
    fast = fast_cold_starts([n / 60.0], 60.0, w, 600.0, arrivals="counts")
    assert fast.total_cold_starts == expected == counts_concurrency([n], 60.0, w)[0]
    sim = simulate([n / 60.0], step_s=60.0, warm_duration=Duration.fixed(w), keep_alive_s=600.0, arrivals="counts")
    assert sim.cold_starts == expected


def test_provisioned_environment_takes_the_cron_warm():
    rate = tr.sparse(24, timing="fixed", horizon_days=2, step_s=60)
    fast = fast_cold_starts(rate, 60.0, 20.0, 600.0, provisioned_concurrency=1, arrivals="counts")
    assert fast.total_cold_starts == 0
    assert fast.mean_instances == pytest.approx(1.0)


def _count_series(seed):
    rng = np.random.default_rng(seed)
    day = tr.diurnal(3.0, horizon_days=1, step_s=60, peak_to_trough=6.0)
    counts = rng.poisson(day * 60.0)                       # 30-900 requests a minute
    counts[600:610] += 2000                                # a 10-minute burst
    return counts / 60.0


@pytest.mark.parametrize("w, T", [(0.4, 600.0), (1.5, 60.0), (150.0, 600.0)])
def test_counts_model_matches_simulator_with_fixed_service(w, T):
    # stated accuracy (docs/coldstart-model.md): with a fixed service time the counts model
    # is the simulator up to rate changes between steps: cold starts within max(10 %, 10),
    # mean instances within 5 % (measured worst on this kind of series: 6 % and 4 %)
    rate = _count_series(7)
    fast = fast_cold_starts(rate, 60.0, w, T, arrivals="counts")
    sim = simulate(rate, step_s=60.0, warm_duration=Duration.fixed(w), keep_alive_s=T, arrivals="counts")
    assert fast.total_requests == sim.requests
    assert abs(fast.total_cold_starts - sim.cold_starts) <= max(0.10 * sim.cold_starts, 10)
    assert fast.mean_instances == pytest.approx(sim.mean_instances, rel=0.05)


def test_counts_model_with_variable_service_low_load_and_bracket():
    # low load (lambda w <= 0.01): concurrency stays 1, the service distribution does not
    # matter, the counts model is the simulator within 2 %
    rng = np.random.default_rng(11)
    rate = rng.poisson(0.05, 20_000) / 60.0
    wd = Duration.lognormal(0.2, 0.6)
    fast = fast_cold_starts(rate, 60.0, 0.2, 600.0, arrivals="counts")
    sim = simulate(rate, step_s=60.0, warm_duration=wd, keep_alive_s=600.0, arrivals="counts", random_state=5)
    assert fast.cold_start_fraction == pytest.approx(sim.cold_start_fraction, rel=0.02)
    # high load with variable service: the counts model (service fixed at its mean) is a
    # lower bound and the Poisson model an upper bound (docs: measured bracket)
    rate = _count_series(3)
    fast_c = fast_cold_starts(rate, 60.0, 1.0, 60.0, arrivals="counts").cold_start_fraction
    fast_p = fast_cold_starts(rate, 60.0, 1.0, 60.0).cold_start_fraction
    sim = simulate(rate, step_s=60.0, warm_duration=Duration.lognormal(1.0, 3.0), keep_alive_s=60.0,
                   arrivals="counts", random_state=6).cold_start_fraction
    assert fast_c < sim < fast_p


def test_counts_bad_input_names_the_parameter():
    with pytest.raises(InvalidParameterError) as exc:
        fast_cold_starts([0.01, 0.02], 60.0, 0.2, 600.0, arrivals="counts")   # 0.6 and 1.2 per step
    assert exc.value.name == "arrival_rps"
    with pytest.raises(InvalidParameterError) as exc:
        fast_cold_starts([0.01], 60.0, 0.2, 600.0, arrivals="Counts")
    assert exc.value.name == "arrivals"

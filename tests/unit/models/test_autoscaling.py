"""Target tracking: analytic truths, bounds, delays, and the batch engine against the scalar one."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.autoscaling import ScalingPolicy, simulate_scaling, simulate_scaling_batch, task_capacity_rps


def _instant(**kw):
    base = dict(capacity_rps=10.0, target_utilisation=0.5, min_units=0, max_units=10_000, scale_out_cooldown_s=0,
                scale_in_cooldown_s=0, metric_period_s=60, evaluation_delay_s=0, start_s=0, metric="request_count",
                scale_out_evaluation_periods=1, scale_in_evaluation_periods=1)
    base.update(kw)
    return ScalingPolicy(**base)


def test_task_capacity():
    # 0.5 vCPU, 80 ms of CPU per request: 6.25 req/s flat out, 3.75 at 60 %
    assert task_capacity_rps(80, 0.5) == pytest.approx(6.25)
    assert task_capacity_rps(80, 0.5, 0.6) == pytest.approx(3.75)


def test_zero_cooldowns_instant_start_tracks_ceil_demand_over_capacity():
    rng = np.random.default_rng(0)
    d = rng.uniform(0, 200, 2000)
    pol = _instant()
    res = simulate_scaling(d, 60, pol)
    cap_at_target = pol.capacity_rps * pol.target_utilisation
    # the decision at each minute uses the minute just ended (one metric period of lag)
    np.testing.assert_array_equal(res.billed_units[1:], np.ceil(d[:-1] / cap_at_target))
    assert res.billed_units[0] == math.ceil(d[0] / cap_at_target)
    np.testing.assert_array_equal(res.ready_units, res.billed_units)


def test_cpu_metric_matches_when_never_overloaded():
    # demand changes slowly (< 1/target per minute), so capped CPU never binds
    t = np.arange(3000)
    d = 100 + 80 * np.sin(t / 200)
    res = simulate_scaling(d, 60, _instant(metric="cpu"))
    np.testing.assert_array_equal(res.billed_units[1:], np.ceil(d[:-1] / 5.0))
    assert res.overload_steps == 0


def test_unit_seconds_and_utilisation_of_a_fixed_fleet():
    d = np.full(1440, 12.0)
    res = simulate_scaling(d, 60, _instant(min_units=3, max_units=3))
    assert res.unit_seconds == 3 * 86400
    assert res.utilisation == pytest.approx(12.0 / 30.0)
    assert res.overload_steps == 0


def test_max_units_caps_and_overload_is_counted():
    d = np.array([10.0] * 10 + [100.0] * 10)
    res = simulate_scaling(d, 60, _instant(max_units=5))  # 5 units x 10 req/s = 50 < 100
    assert res.billed_units.max() == 5
    assert res.overload_steps == 10
    assert res.overload_minutes == 10
    # minute 10: still 2 units (20 req/s) from the 10 req/s datapoint; then 5 units (50 req/s)
    assert res.unserved_requests == pytest.approx((100 - 20) * 60 + 9 * (100 - 50) * 60)


def test_start_delay_and_metric_lag_give_analytic_overload():
    # demand jumps at minute 10; the decision at minute 11 sees it; tasks serve 120 s later
    d = np.array([5.0] * 10 + [50.0] * 20)
    res = simulate_scaling(d, 60, _instant(start_s=120))
    assert res.overload_steps == 3  # minutes 10, 11, 12
    assert res.billed_units[11] == 10 and res.ready_units[11] == 1 and res.ready_units[13] == 10


def test_scale_in_cooldown_spaces_scale_ins():
    d = np.linspace(200, 0, 120)
    res = simulate_scaling(d, 60, _instant(scale_in_cooldown_s=300))
    drops = np.flatnonzero(np.diff(res.billed_units) < 0) + 1
    assert drops.size > 3
    assert np.all(np.diff(drops) >= 5)


def test_bounds_respected_with_real_policy():
    rng = np.random.default_rng(1)
    d = rng.gamma(2, 10, 1440)
    pol = ScalingPolicy(capacity_rps=6.25, min_units=2, max_units=8)
    res = simulate_scaling(d, 60, pol)
    assert res.billed_units.min() >= 2 and res.billed_units.max() <= 8
    assert np.all(res.ready_units <= res.billed_units)


@pytest.mark.parametrize("metric", ["cpu", "request_count"])
def test_batch_engine_equals_scalar_engine(metric):
    rng = np.random.default_rng(2)
    shapes = np.stack([rng.gamma(1.5, 1.0, 600), 1 + np.sin(np.arange(600) / 30) ** 2])
    S = 12
    params = dict(
        capacity_rps=rng.uniform(2, 10, S), target_utilisation=rng.uniform(0.4, 0.9, S),
        min_units=rng.integers(0, 3, S), max_units=rng.integers(5, 40, S),
        scale_out_cooldown_s=rng.choice([0, 60, 180], S), scale_in_cooldown_s=rng.choice([0, 300], S),
        start_s=rng.choice([0, 60, 150], S), scale_out_evaluation_periods=rng.choice([1, 3], S),
        scale_in_evaluation_periods=rng.choice([1, 5, 15], S),
    )
    gi, scale = rng.integers(0, 2, S), rng.uniform(1, 50, S)
    batch = simulate_scaling_batch(shapes, 60, shape_index=gi, scale=scale, metric=metric, **params)
    for i in range(S):
        pol = ScalingPolicy(metric=metric, **{k: (v[i].item()) for k, v in params.items()})
        one = simulate_scaling(shapes[gi[i]] * scale[i], 60, pol)
        assert batch.unit_seconds[i] == one.unit_seconds
        assert batch.overload_minutes[i] == one.overload_minutes
        assert batch.peak_units[i] == one.peak_units
        assert batch.utilisation[i] == pytest.approx(one.utilisation, rel=1e-12)
        assert batch.unserved_requests[i] == pytest.approx(one.unserved_requests, rel=1e-9, abs=1e-6)


def test_coarse_metric_period_controller_runs_every_period():
    d = np.full(600, 40.0)
    d[300:] = 80.0
    res = simulate_scaling(d, 1, _instant())  # 1-s steps, 60-s metric period
    changes = np.flatnonzero(np.diff(res.billed_units)) + 1
    assert np.all(changes % 60 == 0)
    assert res.billed_units[-1] == 16


def test_bad_inputs():
    with pytest.raises(InvalidParameterError, match="demand_rps"):
        simulate_scaling([1.0, -1.0], 60, _instant())
    with pytest.raises(InvalidParameterError, match="demand_rps"):
        simulate_scaling([1.0, float("nan")], 60, _instant())
    with pytest.raises(InvalidParameterError, match="target_utilisation"):
        _instant(target_utilisation=0)
    with pytest.raises(InvalidParameterError, match="max_units"):
        _instant(min_units=5, max_units=3)
    with pytest.raises(InvalidParameterError, match="metric_period_s"):
        simulate_scaling(np.ones(100), 7, _instant())


def test_quiet_stretches_skipped_by_the_scalar_engine_match_the_batch_engine():
    # long flat stretches (the scalar engine skips them in bulk) with jumps, overloads and cooldowns
    levels = np.repeat([5.0, 40.0, 40.0, 8.0, 120.0, 0.0, 3.0, 60.0], 400)
    for metric in ("cpu", "request_count"):
        for start_s, in_cd in ((0, 0), (120, 600), (300, 60)):
            pol = ScalingPolicy(capacity_rps=6.0, target_utilisation=0.7, min_units=0, max_units=12,
                                scale_out_cooldown_s=120, scale_in_cooldown_s=in_cd, start_s=start_s, metric=metric)
            one = simulate_scaling(levels, 60, pol)
            batch = simulate_scaling_batch(levels, 60, capacity_rps=6.0, target_utilisation=0.7, min_units=0,
                                           max_units=12, scale_out_cooldown_s=120, scale_in_cooldown_s=in_cd,
                                           start_s=start_s, metric=metric)
            assert batch.unit_seconds[0] == one.unit_seconds
            assert batch.overload_minutes[0] == one.overload_minutes
            assert batch.unserved_requests[0] == pytest.approx(one.unserved_requests)


# --- alarm evaluation periods (AWS target tracking: 3 datapoints to scale out, 15 to scale in)

def test_scale_in_waits_for_15_low_datapoints_after_a_step_drop():
    d = np.array([100.0] * 30 + [10.0] * 40)  # 20 units, then 2 units at 5 req/s per unit
    for delay_s, lag in ((0, 1), (120, 3)):
        res = simulate_scaling(d, 60, _instant(scale_in_evaluation_periods=15, evaluation_delay_s=delay_s))
        # datapoint 30 is the first low one; the decision using it is at minute 30 + lag, and
        # the 15th consecutive low datapoint (minute 44) is used at minute 44 + lag
        assert np.all(res.billed_units[:30 + lag + 14] == 20)
        assert res.billed_units[30 + lag + 14] == 2
        assert np.all(res.billed_units[30 + lag + 14:] == 2)


def test_spike_shorter_than_the_scale_out_evaluation_periods_does_not_scale_out():
    d = np.array([10.0] * 20 + [100.0] * 2 + [10.0] * 20)
    res = simulate_scaling(d, 60, _instant(scale_out_evaluation_periods=3))
    assert res.billed_units.max() == 2
    assert res.overload_steps == 2
    # three high datapoints do scale out, at the decision using the third one
    d3 = np.array([10.0] * 20 + [100.0] * 3 + [10.0] * 20)
    res3 = simulate_scaling(d3, 60, _instant(scale_out_evaluation_periods=3))
    assert res3.billed_units[22] == 2 and res3.billed_units[23] == 20


def test_one_evaluation_period_keeps_per_datapoint_tracking_in_both_engines():
    rng = np.random.default_rng(3)
    d = rng.uniform(0, 200, 1500)
    res = simulate_scaling(d, 60, _instant())
    np.testing.assert_array_equal(res.billed_units[1:], np.ceil(d[:-1] / 5.0))
    batch = simulate_scaling_batch(d, 60, capacity_rps=10.0, target_utilisation=0.5, min_units=0, max_units=10_000,
                                   scale_out_cooldown_s=0, scale_in_cooldown_s=0, start_s=0, metric="request_count",
                                   scale_out_evaluation_periods=1, scale_in_evaluation_periods=1)
    assert batch.unit_seconds[0] == 60.0 * (math.ceil(d[0] / 5.0) + np.ceil(d[:-1] / 5.0).sum())


def test_evaluation_periods_validated():
    with pytest.raises(InvalidParameterError, match="scale_in_evaluation_periods"):
        _instant(scale_in_evaluation_periods=0)
    with pytest.raises(InvalidParameterError, match="scale_out_evaluation_periods"):
        simulate_scaling_batch(np.ones(10), 60, capacity_rps=1.0, scale_out_evaluation_periods=1.5)


@pytest.mark.parametrize("metric,delay_s,periods", [("cpu", 0, (3, 15)), ("request_count", 120, (3, 15)),
                                                     ("cpu", 60, (1, 1)), ("request_count", 0, (2, 5))])
def test_batch_fast_forward_equals_scalar_engine_on_long_noisy_and_quiet_traffic(metric, delay_s, periods):
    # quiet stretches (the batch engine fast-forwards them) mixed with noise, steps and spikes
    rng = np.random.default_rng(4)
    t = np.arange(4000)
    noisy = rng.gamma(4, 1.0, t.size) * (1 + np.sin(t / 150) ** 2)
    quiet = np.repeat(rng.uniform(0, 12, 40), 100)
    quiet[1500:1504] *= 8
    shapes = np.stack([noisy, quiet])
    S = 10
    params = dict(capacity_rps=rng.uniform(1, 6, S), target_utilisation=rng.uniform(0.5, 0.9, S),
                  min_units=rng.integers(0, 3, S), max_units=rng.integers(10, 60, S),
                  scale_out_cooldown_s=rng.choice([0, 60, 180], S), scale_in_cooldown_s=rng.choice([0, 300], S),
                  start_s=rng.choice([0, 60, 180], S))
    gi, scale = np.arange(S) % 2, rng.uniform(0.5, 8, S)
    batch = simulate_scaling_batch(shapes, 60, shape_index=gi, scale=scale, metric=metric, evaluation_delay_s=delay_s,
                                   scale_out_evaluation_periods=periods[0], scale_in_evaluation_periods=periods[1],
                                   **params)
    for i in range(S):
        pol = ScalingPolicy(metric=metric, evaluation_delay_s=delay_s, scale_out_evaluation_periods=periods[0],
                            scale_in_evaluation_periods=periods[1], **{k: v[i].item() for k, v in params.items()})
        one = simulate_scaling(shapes[gi[i]] * scale[i], 60, pol)
        assert batch.unit_seconds[i] == one.unit_seconds
        assert batch.overload_minutes[i] == one.overload_minutes
        assert batch.peak_units[i] == one.peak_units

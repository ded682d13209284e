"""Scheduled minimums (ECS/EC2 scheduled actions on the minimum capacity) in both autoscaling
engines, and the batch engine's ready units per period."""
from __future__ import annotations

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models import traffic as tr
from costmodel.models.autoscaling import ScalingPolicy, schedule_min_units, simulate_scaling, simulate_scaling_batch


def test_daily_windows_per_step_wrap_midnight_and_overlap_by_the_larger_minimum():
    sched = schedule_min_units(1440 * 2, 60, [(3600, 7200, 5), (5400, 9000, 8), (84600, 1800, 3)])
    day = sched[:1440]
    assert np.array_equal(sched[:1440], sched[1440:])          # every day the same
    assert day[59] == 0 and day[60] == 5 and day[89] == 5 and day[90] == 8 and day[149] == 8 and day[150] == 0
    assert day[1410] == 3 and day[29] == 3 and day[30] == 0    # 23:30-00:30 wraps past midnight
    # a series that starts at 12:00: the windows are in time of day, not from the start
    assert schedule_min_units(60, 60, [(43200, 43320, 7)], start_s_of_day=43200)[:3].tolist() == [7, 7, 0]
    with pytest.raises(InvalidParameterError, match=r"windows\[0\]"):
        schedule_min_units(10, 60, [(0, 100)])


def test_a_scheduled_minimum_launches_at_once_serves_after_the_start_and_waits_for_the_scale_in_alarm():
    demand = np.full(24 * 60, 1.0)                               # a day at 1 req/s, 60-s steps
    policy = ScalingPolicy(capacity_rps=10.0, target_utilisation=0.5, min_units=2, max_units=100, start_s=120,
                           scale_in_evaluation_periods=15, scale_in_cooldown_s=0)
    sched = schedule_min_units(demand.size, 60, [(600, 2400, 20)])   # 00:10-00:40
    res = simulate_scaling(demand, 60, policy, min_units_schedule=sched)
    assert res.billed_units[9] == 2 and res.billed_units[10] == 20     # billed from the action on
    assert res.ready_units[11] == 2 and res.ready_units[12] == 20       # serving 120 s later
    # the scale-in alarm has seen the fleet below target since 00:11 (datapoint k is read at
    # epoch k + 1): 15 low datapoints by 00:25, so when the minimum drops back to 2 at 00:40
    # the fleet scales in at once
    on = np.flatnonzero(res.billed_units == 20)
    assert on[0] == 10 and on[-1] == 39 and res.billed_units[40] == 2
    # a window shorter than the alarm (00:10-00:15): scale-in waits for the 15th low datapoint
    short = simulate_scaling(demand, 60, policy, min_units_schedule=schedule_min_units(demand.size, 60,
                                                                                         [(600, 900, 20)]))
    on = np.flatnonzero(short.billed_units == 20)
    assert on[0] == 10 and on[-1] == 24 and short.billed_units[25] == 2
    assert res.overload_minutes == 0.0


def test_both_engines_agree_with_schedules_alarms_cooldowns_and_start_delays():
    rate = tr.bursty(base_rps=2.0, burst_rps=500.0, burst_length_s=300, bursts_per_day=6, first_burst_s=3600,
                     horizon_days=3, step_s=60) + tr.steady(mean_rps=1, noise_cv=0.3, random_state=1, horizon_days=3,
                                                           step_s=60)
    bursts = [(3600 + 4 * 3600 * i - 120, 3600 + 4 * 3600 * i + 360, 90) for i in range(6)]
    scheds = np.stack([schedule_min_units(rate.size, 60, bursts),
                       schedule_min_units(rate.size, 60, [(80000, 2000, 7)])])
    for cd in (0, 300):
        for start in (0, 180):
            for nh, nl in ((1, 1), (3, 15)):
                kw = {"capacity_rps": 6.25, "target_utilisation": 0.6, "min_units": 2, "max_units": 400,
                      "scale_out_cooldown_s": cd, "start_s": start, "scale_out_evaluation_periods": nh,
                      "scale_in_evaluation_periods": nl}
                batch = simulate_scaling_batch(rate, 60, shape_index=[0, 0, 0], schedule_index=[-1, 0, 1],
                                               min_units_schedule=scheds, keep_ready_units=True, **kw)
                for i, sch in enumerate((None, scheds[0], scheds[1])):
                    one = simulate_scaling(rate, 60, ScalingPolicy(**kw), min_units_schedule=sch)
                    assert batch.unit_seconds[i] == pytest.approx(one.unit_seconds, rel=1e-12)
                    assert batch.overload_minutes[i] == one.overload_minutes
                    assert np.array_equal(batch.ready_units[:, i], one.ready_units)


def test_scheduled_minimum_ahead_of_a_predictable_burst_removes_its_overload():
    rate = tr.bursty(base_rps=2.0, burst_rps=500.0, burst_length_s=300, bursts_per_day=6, first_burst_s=3600,
                     horizon_days=2, step_s=60)
    pol = ScalingPolicy(capacity_rps=6.25, target_utilisation=0.8, min_units=2, max_units=400, start_s=60)
    plain = simulate_scaling(rate, 60, pol)
    # 101 units x 6.25 req/s = 631 > 502 req/s: ready from the burst's first minute when the
    # action comes one start time plus one metric period ahead
    wins = [(3600 + 4 * 3600 * i - 120, 3600 + 4 * 3600 * i + 300, 101) for i in range(6)]
    ahead = simulate_scaling(rate, 60, pol, min_units_schedule=schedule_min_units(rate.size, 60, wins))
    assert plain.overload_minutes > 0 and ahead.overload_minutes == 0.0


def test_bad_schedules_are_named():
    pol = ScalingPolicy(capacity_rps=1.0)
    with pytest.raises(InvalidParameterError, match="min_units_schedule"):
        simulate_scaling(np.ones(10), 60, pol, min_units_schedule=np.ones(9))
    with pytest.raises(InvalidParameterError, match="min_units_schedule"):
        simulate_scaling_batch(np.ones(10), 60, capacity_rps=1.0, min_units_schedule=np.full(10, 1.5))
    with pytest.raises(InvalidParameterError, match="schedule_index"):
        simulate_scaling_batch(np.ones(10), 60, capacity_rps=1.0, min_units_schedule=np.ones(10), schedule_index=[3])

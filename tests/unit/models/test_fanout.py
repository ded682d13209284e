"""Fan-out arithmetic: the seed's numbers, Little's law, the fluid queue, batching."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.fanout import (
    compare_batch_sizes,
    fanout,
    fanout_counts,
    invocation_alarm_threshold,
    queue_backlog,
)


def test_seed_arithmetic_10k_uploads_x_50_is_500k_invocations_a_day():
    c = fanout_counts(10_000, 50)
    assert c["messages_per_day"] == 500_000
    assert c["worker_invocations_per_day"] == 500_000
    assert c["total_invocations_per_day"] == 510_000  # plus one splitter run per upload


def test_batching_divides_worker_invocations_and_arrays_broadcast():
    c = fanout_counts(np.array([10_000, 20_000]), 50, np.array([10, 100]))
    np.testing.assert_allclose(c["worker_invocations_per_day"], [50_000, 10_000])


def test_month_bill_matches_hand_calculation_at_published_rates():
    # A 730-h month (30.4167 days): 304,167 splitter runs (300 ms) + 15,208,334 worker runs
    # (200 ms), 512 MB; counts are whole (rounded up).
    days = 730 / 24
    uploads, workers = math.ceil(10_000 * days), math.ceil(500_000 * days)
    assert (uploads, workers) == (304_167, 15_208_334)
    r = fanout(10_000, 50, 1, worker_per_message_ms=200, splitter_duration_ms=300,
               worker_memory_mb=512, splitter_memory_mb=512, message_kb=1)
    requests = uploads + workers - 1_000_000                      # free tier 1M
    gb_s = uploads * 0.3 * 0.5 + workers * 0.2 * 0.5 - 400_000    # free tier 400K GB-s
    # SQS: 5 SendMessageBatch calls per upload, one receive + one delete per message, 1M free
    sqs = uploads * 5 + workers * 2 - 1_000_000
    expected = round(requests * 0.20 / 1e6, 2) + round(gb_s * 0.0000166667, 2) + round(sqs * 0.40 / 1e6, 2)
    assert r.cost_per_month_usd == pytest.approx(expected, abs=0.005)
    assert r.cost_per_day_usd == pytest.approx(r.cost_per_month_usd / days)
    assert r.total_invocations_per_day == 510_000
    # AWS-style 30-day months stay available
    r30 = fanout(10_000, 50, 1, worker_per_message_ms=200, splitter_duration_ms=300,
                 worker_memory_mb=512, splitter_memory_mb=512, message_kb=1, days_per_month=30)
    assert r30.cost_per_day_usd == pytest.approx(r30.cost_per_month_usd / 30)


def test_batching_saves_requests_not_compute_when_there_is_no_per_invocation_overhead():
    one = fanout(10_000, 50, 1, worker_overhead_ms=0)
    ten = fanout(10_000, 50, 10, worker_overhead_ms=0)
    assert ten.worker_invocations_per_day == one.worker_invocations_per_day / 10
    assert ten.worker_duration_ms == 10 * one.worker_duration_ms
    gb = lambda r: sum(i.quantity for i in r.bill.items if "duration" in i.name)
    assert gb(ten) == pytest.approx(gb(one))            # same GB-s
    assert ten.cost_per_month_usd < one.cost_per_month_usd


def test_batching_amortises_per_invocation_overhead():
    df = compare_batch_sizes([1, 10, 100], 10_000, 50, worker_overhead_ms=100)
    assert list(df["worker_invocations_per_day"]) == [500_000, 50_000, 5_000]
    assert df["cost_per_month_usd"].is_monotonic_decreasing
    assert df.loc[1, "saving_vs_first_usd"] == 0
    # duration per message falls from 100+200 to 200+100/b ms: GB-s saving ~ 100 ms x 15M x 0.5 GB
    assert df.loc[100, "saving_vs_first_usd"] > 100 * 15e6 / 1000 * 0.5 * 0.0000166667 * 0.9


def test_peak_concurrency_is_littles_law():
    # 1 upload/s, 10 messages each, 200 ms per message, one per invocation: 10/s x 0.2 s = 2
    r = fanout(86_400, 10, 1, worker_per_message_ms=200, peak_to_mean=1)
    assert r.peak_concurrency_needed == pytest.approx(2.0)
    r5 = fanout(86_400, 10, 1, worker_per_message_ms=200, peak_to_mean=5)
    assert r5.peak_concurrency_needed == pytest.approx(10.0)
    assert not r5.throttled_at_peak and r5.max_backlog_messages == 0


def test_backlog_under_a_concurrency_cap_fluid_model():
    # arrivals 0.5 msg/s mean, 2 msg/s for 100 s at peak; cap 1 x 1 s per message = 1 msg/s
    r = fanout(43_200, 1, 1, worker_per_message_ms=1000, concurrency_cap=1,
               peak_to_mean=4, peak_duration_s=100)
    assert r.throttled_at_peak
    assert r.capacity_messages_per_s == pytest.approx(1.0)
    assert r.max_backlog_messages == pytest.approx(100.0)    # (2 - 1) x 100 s
    assert r.drain_time_s == pytest.approx(200.0)            # 100 / (1 - 0.5)
    assert r.max_message_age_s == pytest.approx(100.0)


def test_queue_backlog_equals_the_lindley_loop():
    rng = np.random.default_rng(0)
    a = rng.gamma(0.5, 4.0, size=500)
    c = 2.0
    q, loop = queue_backlog(a, c, 10.0), []
    prev = 0.0
    for x in a:
        prev = max(0.0, prev + (x - c) * 10.0)
        loop.append(prev)
    np.testing.assert_allclose(q, loop, atol=1e-9)


def test_queue_backlog_closed_form_for_a_square_burst():
    a = np.r_[np.zeros(5), np.full(10, 3.0), np.zeros(25)]
    q = queue_backlog(a, 1.0, 1.0)
    assert q.max() == pytest.approx(20.0)              # (3 - 1) x 10 s, at the burst's end
    assert q[14] == pytest.approx(20.0)
    assert q[24] == pytest.approx(10.0)                # drains at 1 msg/s
    assert q[34] == 0.0 and q[-1] == 0.0


def test_alarm_threshold():
    r = fanout(10_000, 50, 1, alarm_headroom_fraction=1.0)
    assert r.alarm_worker_invocations_per_hour == math.ceil(500_000 / 24 * 2)
    assert r.alarm_invocations_per_upload == pytest.approx(100.0)
    # a 10-minute peak at 7.5x the mean: the busiest hour holds 1 + 6.5/6 hours' worth
    r = fanout(10_000, 50, 1, peak_to_mean=7.5, peak_duration_s=600, alarm_headroom_fraction=1.0)
    assert r.alarm_worker_invocations_per_hour == math.ceil(500_000 / 24 * (1 + 6.5 / 6) * 2)
    assert invocation_alarm_threshold(100, 0.5) == 150
    assert invocation_alarm_threshold(0, 1.0) == 1


@pytest.mark.parametrize("kwargs, name", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 20_000}, "batch_size"),
    ({"uploads_per_day": -1}, "uploads_per_day"),
    ({"concurrency_cap": 0}, "concurrency_cap"),
    ({"peak_to_mean": 0.5}, "peak_to_mean"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"uploads_per_day": 10_000, "fanout_factor": 50, "batch_size": 1} | kwargs
    with pytest.raises(InvalidParameterError) as e:
        fanout(**args)
    assert e.value.name == name


from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=40, deadline=None)
@given(u=st.integers(0, 200_000), f=st.integers(1, 100), b=st.integers(1, 50), extra=st.integers(1, 50_000))
def test_month_cost_never_falls_with_more_uploads_and_batching_never_adds_invocations(u, f, b, extra):
    a, more = fanout(u, f, b), fanout(u + extra, f, b)
    assert more.cost_per_month_usd >= a.cost_per_month_usd
    assert fanout_counts(u, f, b + 1)["worker_invocations_per_day"] <= a.worker_invocations_per_day

"""Traffic generators, grid checks and shape signals (no file I/O; loaders are in tests/functional)."""
import math

import numpy as np
import pandas as pd
import pytest

from costmodel.errors import CostModelError, InvalidParameterError, UnknownNameError
from costmodel.models import traffic as tr


# ------------------------------------------------------------------ grid and bad input
def test_n_steps_month_at_one_minute_and_one_second():
    assert tr.n_steps(30, 60) == 43_200
    assert tr.n_steps(30, 1) == 2_592_000
    assert tr.n_steps(1, 3600) == 24


@pytest.mark.parametrize("horizon_days, step_s", [(30, 7), (1, 3599), (0.5, 7200 / 2 + 1)])
def test_step_must_divide_horizon(horizon_days, step_s):
    with pytest.raises(InvalidParameterError, match="step_s"):
        tr.n_steps(horizon_days, step_s)


@pytest.mark.parametrize("horizon_days", [0, -1, float("nan")])
def test_empty_or_zero_horizon_is_rejected(horizon_days):
    with pytest.raises(InvalidParameterError, match="horizon_days"):
        tr.steady(1.0, horizon_days=horizon_days)


@pytest.mark.parametrize("step_s", [0.5, 7200, 0])
def test_step_outside_1s_to_1h(step_s):
    with pytest.raises(InvalidParameterError, match="step_s"):
        tr.n_steps(1, step_s)


@pytest.mark.parametrize("bad, what", [([1.0, -0.1, 2.0], "-0.1"), ([1.0, np.nan], "nan"), ([], "empty")])
def test_check_rate_rejects_negative_nan_and_empty(bad, what):
    with pytest.raises(InvalidParameterError) as err:
        tr.check_rate(bad)
    assert what in str(err.value).lower()


def test_generators_reject_negative_rates():
    with pytest.raises(InvalidParameterError, match="mean_rps"):
        tr.steady(-1)
    with pytest.raises(InvalidParameterError, match="burst_rps"):
        tr.bursty(1, burst_rps=-5, burst_length_s=60, bursts_per_day=1)
    with pytest.raises(CostModelError):
        tr.scale([1, 2], -1)


# ------------------------------------------------------------------ generators
def test_steady_mean_exact_and_noise_seeded():
    a = tr.steady(5.0, noise_cv=0.2, random_state=3)
    b = tr.steady(5.0, noise_cv=0.2, random_state=3)
    c = tr.steady(5.0, noise_cv=0.2, random_state=4)
    assert a.mean() == pytest.approx(5.0, rel=1e-12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.std() / a.mean() == pytest.approx(0.2, rel=0.05)
    np.testing.assert_allclose(tr.steady(2.0, horizon_days=1, step_s=3600), np.full(24, 2.0))


def test_diurnal_peak_to_trough_and_peak_hour_in_local_time():
    # January: Europe/Berlin is UTC+1, so a 14:00 local peak is at 13:00 UTC.
    r = tr.diurnal(4.0, peak_to_trough=5.0, peak_hour=14, timezone="Europe/Berlin", horizon_days=2, step_s=60)
    assert r.mean() == pytest.approx(4.0, rel=1e-12)
    assert r.max() / r.min() == pytest.approx(5.0, rel=1e-3)
    assert (np.argmax(r[:1440]) * 60 + 30) / 3600 == pytest.approx(13.0, abs=1 / 60)


def test_weekly_weekend_factor():
    r = tr.weekly(10.0, weekend_factor=0.25, peak_to_trough=1.0, horizon_days=7, step_s=3600)
    days = r.reshape(7, 24).mean(axis=1)  # DEFAULT_START is a Monday
    np.testing.assert_allclose(days[5:] / days[:5].mean(), 0.25)
    assert r.mean() == pytest.approx(10.0)


def test_bursty_mean_matches_closed_form():
    base, h, length, per_day = 2.0, 40.0, 90.0, 6
    r = tr.bursty(base, burst_rps=h, burst_length_s=length, bursts_per_day=per_day, horizon_days=3, step_s=60)
    assert r.mean() == pytest.approx(base + h * length * per_day / 86400, rel=1e-12)
    assert r.max() == pytest.approx(base + h)  # a 90-s burst covers at least one whole minute


def test_spikes_are_seeded_and_poisson_in_count():
    a = tr.spikes(1.0, spike_rps=50, spike_length_s=60, spikes_per_day=10, horizon_days=30, random_state=1)
    b = tr.spikes(1.0, spike_rps=50, spike_length_s=60, spikes_per_day=10, horizon_days=30, random_state=1)
    np.testing.assert_array_equal(a, b)
    n_spikes = (a.sum() - 1.0 * a.size) * 60 / (50 * 60)
    assert 300 - 4 * math.sqrt(300) < n_spikes < 300 + 4 * math.sqrt(300)


def test_sparse_fixed_gives_exactly_n_per_day():
    r = tr.sparse(24, timing="fixed", first_at_s=30, horizon_days=2, step_s=60)
    assert r.sum() * 60 == pytest.approx(48)
    assert np.count_nonzero(r) == 48
    rr = tr.sparse(24, horizon_days=30, step_s=60, random_state=5)
    assert np.array_equal(rr, tr.sparse(24, horizon_days=30, step_s=60, random_state=5))


def test_growth_linear_and_exponential():
    g = tr.growth(10.0, end_rps=20.0, kind="linear", horizon_days=1, step_s=3600)
    assert g[0] == pytest.approx(10.0 * (1 + 0.5 / 24))
    assert g[-1] == pytest.approx(10.0 * (1 + 23.5 / 24))
    e = tr.apply_growth(np.ones(24), end_factor=4.0, kind="exponential")
    assert e[-1] / e[0] == pytest.approx(4.0 ** (23 / 24))


def test_combine_and_scale():
    a, b = tr.steady(1.0, horizon_days=1), tr.diurnal(2.0, horizon_days=1)
    assert tr.combine(a, b).mean() == pytest.approx(3.0)
    assert tr.scale(a, 3).mean() == pytest.approx(3.0)
    with pytest.raises(InvalidParameterError, match="equal length"):
        tr.combine(a, tr.steady(1.0, horizon_days=2))


def test_series_round_trip_and_resample_conserves_requests():
    r = tr.diurnal(3.0, horizon_days=1, step_s=60)
    s = tr.to_series(r, 60)
    assert isinstance(s.index, pd.DatetimeIndex) and s.index.freq == pd.Timedelta(seconds=60)
    back, step = tr.from_series(s)
    np.testing.assert_array_equal(back, r)
    assert step == 60
    coarse = tr.resample(r, 60, 3600)
    assert coarse.size == 24 and coarse.sum() * 3600 == pytest.approx(r.sum() * 60)
    fine = tr.resample(coarse, 3600, 60)
    assert fine.sum() * 60 == pytest.approx(coarse.sum() * 3600)
    assert tr.tile_to_horizon(coarse, 3600, 3).size == 72


# ------------------------------------------------------------------ signals and label
def test_signals_of_steady_and_sparse():
    s = tr.traffic_signals(tr.steady(2.0), 60)
    assert (s.mean_rps, s.peak_to_mean, s.cv, s.idle_fraction) == pytest.approx((2.0, 1.0, 0.0, 0.0))
    assert s.invocations_per_day == pytest.approx(172_800)
    assert tr.label_traffic(s) == "steady"
    # one call every 2 hours: every idle gap (119 min) is longer than a 10-min keep-alive
    sp = tr.traffic_signals(tr.sparse(12, timing="fixed", horizon_days=2), 60, keep_alive_s=600)
    assert sp.long_gap_share == 1.0
    assert sp.idle_fraction == pytest.approx(1 - 24 / 2880)
    assert tr.label_traffic(sp) == "infrequent"
    # with a 3-hour keep-alive none of the gaps is long
    assert tr.traffic_signals(tr.sparse(12, timing="fixed", horizon_days=2), 60, keep_alive_s=3 * 3600).long_gap_share == 0


def test_labels_of_diurnal_and_bursty():
    d = tr.traffic_signals(tr.diurnal(5.0, peak_to_trough=6), 60)
    assert d.daily_cycle_share > 0.9
    assert tr.label_traffic(d) == "diurnal"
    b = tr.traffic_signals(tr.bursty(1.0, burst_rps=100, burst_length_s=300, bursts_per_day=4), 60)
    assert b.peak_to_mean > 3
    assert tr.label_traffic(b) == "bursty"


def test_label_thresholds_are_data_and_overridable():
    t = tr.load_label_thresholds()
    assert t["bursty_min_peak_to_mean"] == 3.0
    d = tr.traffic_signals(tr.diurnal(5.0, peak_to_trough=6), 60)  # peak/mean = 1 + 5/7
    assert tr.label_traffic(d, {"bursty_min_peak_to_mean": 1.5}) == "bursty"
    with pytest.raises(UnknownNameError, match="bursty_min_peak_to_mean"):
        tr.label_traffic(d, {"bursty_min_peak_to_men": 1.5})

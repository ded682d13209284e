"""Break-even, tornado and Monte Carlo on small (hourly) scenarios."""
import math

import numpy as np
import pytest
from small_scenarios import small

from costmodel.analysis.breakeven import (
    breakeven_curve,
    breakeven_mean_rps,
    monte_carlo,
    option_costs,
    peak_to_mean_shape,
    tornado,
)
from costmodel.analysis.compare import compare
from costmodel.errors import InvalidParameterError

MONTH_S = 730 * 3600  # AWS's month
FARGATE_VCPU_S, FARGATE_GB_S = 0.000011244, 0.000001235
LAMBDA_REQUEST, LAMBDA_GB_S = 0.20 / 1e6, 0.0000166667


def test_option_costs_agree_with_compare():
    costs = option_costs(small(), [2.0, 8.0])
    for rate in (2.0, 8.0):
        t = compare(small(traffic__mean_rps=rate), cold_starts=0.0).table
        np.testing.assert_allclose(costs.loc[rate].to_numpy(), t["monthly_usd"].to_numpy())


def test_breakeven_against_fixed_fleet_closed_form():
    # Fargate: 2 tasks all month (constant); Lambda: linear in the rate (no free tier)
    fargate_usd = (math.floor(0.5 * 2 * MONTH_S * FARGATE_VCPU_S * 100 + 0.5)
                   + math.floor(1.0 * 2 * MONTH_S * FARGATE_GB_S * 100 + 0.5)) / 100
    lambda_usd_per_rps = MONTH_S * (LAMBDA_REQUEST + 0.1 * 1.0 * LAMBDA_GB_S)
    expected = fargate_usd / lambda_usd_per_rps
    be = breakeven_mean_rps(small(), options=("fargate_on_demand",))
    assert be["fargate_on_demand"] == pytest.approx(expected, rel=0.01)


def test_breakeven_edges():
    # Lambda is dearer than an EC2 instance at any rate above 1000 req/s; cheaper at any rate below 0.02
    be = breakeven_mean_rps(small(), options=("ec2_on_demand",), low_rps=2000, high_rps=5000, n_grid=3)
    assert be["ec2_on_demand"] == 0.0
    be = breakeven_mean_rps(small(), options=("ec2_on_demand",), low_rps=0.001, high_rps=0.02, n_grid=3)
    assert be["ec2_on_demand"] == math.inf


def test_peak_to_mean_shape():
    for r in (1.0, 3.0, 10.0):
        s = peak_to_mean_shape(r, horizon_days=2, step_s=60)
        assert s.mean() == pytest.approx(1.0) and s.max() == pytest.approx(r)
    with pytest.raises(InvalidParameterError):
        peak_to_mean_shape(30)


def test_breakeven_curve_in_duration_is_decreasing():
    # longer requests cost Lambda more, containers (fixed fleet) the same: break-even falls
    df = breakeven_curve("duration_ms", [50, 100, 200], small(), option="fargate_on_demand", n_grid=12)
    assert list(df.columns) == ["duration_ms", "breakeven_mean_rps"]
    assert np.all(np.diff(df["breakeven_mean_rps"]) < 0)


def test_tornado_sorted_by_swing():
    df = tornado(small(), option="fargate_on_demand")
    assert np.all(np.diff(df["swing_usd"]) <= 0)
    assert "baseline_usd" in df.attrs
    # traffic x2 doubles Lambda's cost (no free tier), Fargate fixed: the difference grows
    row = df.set_index("input").loc["traffic level (x0.5 / x2)"]
    assert row["high_usd"] > df.attrs["baseline_usd"] > row["low_usd"]


def test_monte_carlo_is_seeded_and_consistent():
    a = monte_carlo(small(), n=16, random_state=3)
    b = monte_carlo(small(), n=16, random_state=3)
    assert a.samples.equals(b.samples)
    for p in a.p_lambda_cheaper.values():
        assert 0.0 <= p <= 1.0
    assert (a.percentiles["p5_usd"] <= a.percentiles["p50_usd"]).all()
    assert (a.percentiles["p50_usd"] <= a.percentiles["p95_usd"]).all()
    # at 2 req/s Lambda (~$10) is always cheaper than two always-on Fargate tasks (~$35)
    assert a.p_lambda_cheaper["fargate_on_demand"] == 1.0


def test_memoised_fleets_and_prefetch_give_the_numbers_of_a_fresh_run(monkeypatch):
    import costmodel.analysis.breakeven as be_mod

    rates = np.geomspace(0.05, 50, 7)
    be_mod._FLEET_MEMO.clear()
    monkeypatch.setattr(be_mod, "_FLEET_MEMO_SHAPES", 0)  # nothing kept: every call simulates
    fresh = option_costs(small(), rates)
    fresh_be = breakeven_mean_rps(small(), n_grid=7, n_refine=5)
    monkeypatch.setattr(be_mod, "_FLEET_MEMO_SHAPES", 16)
    first = option_costs(small(), rates[::2])  # part of the rates memoised first
    again = option_costs(small(), rates)
    np.testing.assert_array_equal(again.to_numpy(), fresh.to_numpy())
    np.testing.assert_array_equal(first.to_numpy(), fresh.to_numpy()[::2])
    be_pre = breakeven_mean_rps(small(), n_grid=7, n_refine=5, prefetch_ratios=(0.8, 1.25))
    assert be_pre == fresh_be
    be_mod._FLEET_MEMO.clear()

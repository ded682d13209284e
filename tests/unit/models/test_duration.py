"""The one duration type: seconds inside, exact milliseconds as given, named unit conventions."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.duration import Z_P99, Duration, as_duration, duration_from_ms


def test_a_duration_given_in_ms_bills_exactly_that_many_ms():
    # 2007 / 1000 * 1000 == 2007.0000000000002 in floating point: a trip through seconds
    # would bill 2008 ms per request
    assert 2007 / 1000 * 1000 != 2007
    d = Duration.fixed_ms(2007)
    assert d.mean_ms == 2007 and d.billed_mean_ms() == 2007
    assert d.mean_s == pytest.approx(2.007, rel=1e-15)
    assert duration_from_ms("duration_ms", 2007).mean_ms == 2007
    assert duration_from_ms("duration_ms", {"mean": 2007}).billed_mean_ms() == 2007


def test_seconds_and_milliseconds_views_describe_one_distribution():
    ms = Duration.lognormal_ms(120, 400)
    s = Duration.lognormal(0.12, 0.4)
    assert ms.kind == s.kind == "lognormal" and ms.sigma == pytest.approx(s.sigma, rel=1e-12)
    assert float(ms.quantile(0.99)) == pytest.approx(0.4, rel=1e-9)
    assert s.p99_ms == pytest.approx(400, rel=1e-9)
    # median of a lognormal is mean * exp(-sigma^2 / 2)
    assert float(ms.quantile(0.5)) * 1000 == pytest.approx(120 * math.exp(-ms.sigma**2 / 2), rel=1e-12)
    assert float(ms.quantile_ms(0.5)) == pytest.approx(120 * math.exp(-ms.sigma**2 / 2), rel=1e-12)
    assert float(ms.cdf(0.4)) == pytest.approx(0.99, rel=1e-9)
    e = Duration.empirical_ms([30.0, 10.0, 20.0])
    assert e.values_ms == (10.0, 20.0, 30.0) and e.values_s == pytest.approx((0.01, 0.02, 0.03))
    assert e.mean_ms == 20 and e.mean_s == pytest.approx(0.02)


def test_the_lognormal_fit_is_the_textbook_solution():
    # sigma = z - sqrt(z^2 - 2 ln(p99 / mean)), mu = ln(mean) - sigma^2 / 2
    d = Duration.lognormal_ms(100, 300)
    sigma = Z_P99 - math.sqrt(Z_P99**2 - 2 * math.log(3))
    assert d.sigma == pytest.approx(sigma, rel=1e-14)
    assert d.scv() == pytest.approx(math.expm1(sigma**2), rel=1e-14)


def test_billed_mean_of_an_exponential_is_the_geometric_sum():
    # E[ceil(D)] = sum_k P(D > k) = 1 / (1 - e^{-1/m}); m = 1 ms: 1.58198
    d = Duration.exponential(0.001)
    assert d.billed_mean_ms() == pytest.approx(1.5819767068693265, rel=1e-12)
    s = d.sample_ms(400_000, random_state=3)
    assert d.billed_mean_ms() == pytest.approx(np.ceil(s).mean(), rel=5e-3)


def test_a_bare_number_means_what_the_function_name_says():
    assert duration_from_ms("x", 250) == Duration("fixed", 0.25, mean_ms=250.0)
    assert as_duration("x", 0.25) == Duration.exponential(0.25)
    with pytest.raises(InvalidParameterError, match="a number \\[ms\\]"):
        duration_from_ms("x", "fast")
    with pytest.raises(InvalidParameterError, match="mean duration in seconds"):
        as_duration("x", "fast")


def test_an_impossible_p99_names_the_scenario_field():
    with pytest.raises(InvalidParameterError, match=r"work\.duration_ms\.p99.*work\.duration_ms\.mean \(100\)"):
        duration_from_ms("work.duration_ms", {"mean": 100, "p99": 2000})
    with pytest.raises(InvalidParameterError, match="p99_s"):
        Duration.lognormal(0.1, 2.0)


def test_scaling_multiplies_every_view():
    for d in (Duration.fixed_ms(40), Duration.lognormal_ms(40, 100), Duration.empirical_ms([20, 40, 60])):
        x = d.scaled(2.5)
        assert x.kind == d.kind and x.mean_ms == pytest.approx(100) and x.mean_s == pytest.approx(0.1)
        assert x.p99_ms == pytest.approx(2.5 * d.p99_ms, rel=1e-12)
    with pytest.raises(InvalidParameterError, match="duration_ms"):
        Duration.fixed_ms(400_000).scaled(3)  # beyond Lambda's 900,000 ms


def test_unknown_kind_is_rejected():
    with pytest.raises(InvalidParameterError, match="kind"):
        Duration("gamma", 1.0)

"""Per-request work: the lognormal fit, billed duration, samples."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.duration import Z_P99, Duration, lognormal_from_mean_p99
from costmodel.models.workload import Work, work_from_dict


def test_lognormal_fit_reproduces_mean_and_p99():
    mu, sigma = lognormal_from_mean_p99(120.0, 400.0)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(120.0, rel=1e-12)
    assert math.exp(mu + Z_P99 * sigma) == pytest.approx(400.0, rel=1e-12)
    d = Duration.lognormal_ms(120, 400)
    assert d.p99_ms == pytest.approx(400.0, rel=1e-9)
    assert d.quantile_ms(0.5) == pytest.approx(math.exp(mu))


def test_p99_equal_to_mean_is_a_fixed_duration():
    d = Duration.lognormal_ms(50, 50)
    assert d.kind == "fixed" and d.mean_ms == 50


@pytest.mark.parametrize("mean, p99", [(100, 50), (100, 2000), (-1, 10), (100, float("nan"))])
def test_impossible_lognormal_inputs(mean, p99):
    with pytest.raises(InvalidParameterError):
        lognormal_from_mean_p99(mean, p99)


def test_billed_mean_rounds_each_request_up_to_1_ms():
    assert Duration.fixed_ms(120.3).billed_mean_ms() == 121
    assert Duration.fixed_ms(120.0).billed_mean_ms() == 120
    assert Duration.empirical_ms([1.2, 2.0, 3.5]).billed_mean_ms() == pytest.approx((2 + 2 + 4) / 3)
    d = Duration.lognormal_ms(120, 400)
    b = d.billed_mean_ms()
    assert 120.0 < b < 121.0
    # against a seeded Monte Carlo of the same rounding
    s = d.sample_ms(400_000, random_state=1)
    assert b == pytest.approx(np.ceil(s).mean(), rel=5e-3)


def test_sample_is_seeded():
    d = Duration.lognormal_ms(80, 300)
    np.testing.assert_array_equal(d.sample_ms(10, 7), d.sample_ms(10, np.random.default_rng(7)))
    assert d.sample_ms(200_000, 1).mean() == pytest.approx(80, rel=0.02)


def test_scaled_keeps_shape():
    d = Duration.lognormal_ms(100, 300).scaled(2)
    assert d.mean_ms == pytest.approx(200) and d.p99_ms == pytest.approx(600)


def test_work_validation_and_from_dict():
    w = work_from_dict({"duration_ms": {"mean": 120, "p99": 400}, "cpu_ms_per_request": 80, "memory_mb": 512})
    assert w.mean_duration_s == pytest.approx(0.12) and w.architecture == "x86_64"
    assert work_from_dict({"duration_ms": 50}).cpu_ms_per_request == 50  # CPU-bound default
    with pytest.raises(InvalidParameterError, match="memory_mb"):
        Work(Duration.fixed_ms(10), 5, 64)
    with pytest.raises(InvalidParameterError, match="architecture"):
        Work(Duration.fixed_ms(10), 5, 512, "sparc")

"""Latency tails where an exact answer exists (costmodel.models.latency, costmodel.models.queueing).

* M/M/1: the response time is exponential with rate mu - lambda, so the q-quantile is
  ln(1/(1 - q)) / (mu - lambda) (textbook).
* M/M/c: the exact Erlang-C response-time distribution (issue 11's example: lambda = 50/s,
  w = 0.1 s, c = 6 -> p99 613.2 ms, p99.9 872.0 ms).
* Lambda with a lognormal init: against Monte Carlo, tolerance 1 % plus 3 standard errors
  of the Monte Carlo quantile (from 8 independent batches).
"""
import math

import numpy as np
import pytest

from costmodel.models.coldstart.fast import FastColdStarts
from costmodel.models.coldstart.simulator import Duration
from costmodel.models.latency import _lambda_latency_from, container_latency, duration_from_ms
from costmodel.models.queueing import mmc_sojourn_cdf, mmc_sojourn_quantile, wait_plus_service_cdf


@pytest.mark.parametrize("lam, w", [(9.0, 0.1), (0.5, 1.0), (3.0, 0.2)])
def test_mm1_quantiles_are_exponential(lam, w):
    theta = 1.0 / w - lam
    res = container_latency(np.full(3, lam), 60.0, Duration.exponential(w), 1, approximation="mmc", timeout_s=None)
    assert res.p99_ms == pytest.approx(1000.0 * math.log(100.0) / theta, rel=1e-3)
    assert res.p999_ms == pytest.approx(1000.0 * math.log(1000.0) / theta, rel=1e-3)
    assert mmc_sojourn_quantile(0.99, lam, w, 1) == pytest.approx(math.log(100.0) / theta, rel=1e-9)


def test_mmc_tails_are_the_exact_erlang_c_distribution():
    assert mmc_sojourn_quantile(0.99, 50.0, 0.1, 6) * 1000 == pytest.approx(613.2, abs=0.05)
    assert mmc_sojourn_quantile(0.999, 50.0, 0.1, 6) * 1000 == pytest.approx(872.0, abs=0.05)
    for lam, w, c in [(50.0, 0.1, 6), (380.0, 0.05, 20), (30.0, 2.0, 64)]:
        for approximation in ("mmc", "mgc"):       # exponential service: cv^2 = 1, the same
            res = container_latency(np.full(4, lam), 60.0, Duration.exponential(w), c,
                                    approximation=approximation, timeout_s=None)
            assert res.p99_ms == pytest.approx(1000 * mmc_sojourn_quantile(0.99, lam, w, c), rel=0.01)
            assert res.p999_ms == pytest.approx(1000 * mmc_sojourn_quantile(0.999, lam, w, c), rel=0.01)


def test_wait_plus_service_recursion_matches_closed_forms():
    x = np.concatenate([[0.0], np.geomspace(1e-5, 20.0, 1500)])
    theta = np.array([0.5, 4.0, 30.0])
    # E[E + S] = 1/theta + E[S]: the exponential closed form and the lognormal recursion
    g = wait_plus_service_cdf(Duration.exponential(0.2), x, theta)
    mean = np.trapezoid(1.0 - g, x, axis=1)
    np.testing.assert_allclose(mean, 1.0 / theta + 0.2, rtol=2e-3)
    svc = Duration.lognormal(0.2, 0.6)
    g = wait_plus_service_cdf(svc, x, theta)
    mean = np.trapezoid(1.0 - g, x, axis=1)
    np.testing.assert_allclose(mean, 1.0 / theta + 0.2, rtol=5e-3)
    assert np.all(np.diff(g, axis=1) >= -1e-12) and g[:, -1].min() > 0.999


def test_mmc_cdf_is_a_distribution():
    x = np.linspace(0, 5, 2001)
    f = mmc_sojourn_cdf(x, 50.0, 0.1, 6)
    assert f[0] == 0.0 and f[-1] > 0.9999 and np.all(np.diff(f) >= 0)
    # mean response = w + C / (c mu - lambda)
    from costmodel.models.coldstart.simulator import erlang_c

    mean = np.trapezoid(1.0 - f, x)
    assert mean == pytest.approx(0.1 + erlang_c(6, 5.0) / (60.0 - 50.0), rel=1e-4)


@pytest.mark.parametrize("p_cold", [0.005, 0.05])
def test_lambda_percentiles_with_a_lognormal_init_match_monte_carlo(p_cold):
    warm = duration_from_ms("w", {"mean": 100, "p99": 300})
    init = duration_from_ms("i", {"mean": 500, "p99": 1500})
    rng = np.random.default_rng(7)
    q99, q999 = [], []
    for _ in range(8):
        n = 500_000
        cold = rng.random(n) < p_cold
        lat = warm.sample(n, rng)
        lat[cold] += init.sample(int(cold.sum()), rng)
        a, b = np.quantile(lat, [0.99, 0.999]) * 1000
        q99.append(a)
        q999.append(b)
    f = FastColdStarts(step_s=60.0, arrival_rps=np.ones(4), cold_start_fraction_per_step=np.full(4, p_cold),
                       throttle_fraction_per_step=np.zeros(4), instances=np.ones(4), busy_instances=np.ones(4))
    res = _lambda_latency_from(f, 60.0, warm, init)
    for model, batches in ((res.p99_ms, q99), (res.p999_ms, q999)):
        mc = float(np.mean(batches))
        se = float(np.std(batches, ddof=1) / math.sqrt(len(batches)))
        assert abs(model - mc) <= 0.01 * mc + 3 * se, (model, mc, se)

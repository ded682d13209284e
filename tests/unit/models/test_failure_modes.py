"""Module-level cache vs shared cache; cold starts on a user-facing path."""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.failure_modes import (
    cache_hit_rate,
    cache_memory_mb,
    cold_start_slo_check,
    expected_distinct_keys,
    key_probabilities,
    requests_until_cache_oom,
    stale_read_probability,
)


def test_one_instance_is_the_shared_cache():
    r = cache_hit_rate(rate_rps=10, ttl_s=60, n_instances=1, n_keys=500, zipf_exponent=0.8)
    assert r.local_hit_rate == pytest.approx(r.shared_hit_rate)
    assert r.backend_read_multiplier == pytest.approx(1.0)
    assert r.stale_read_probability == 0.0


def test_uniform_keys_closed_form():
    # hit = 1 - K (1 - exp(-n/K)) / n with n = rate x ttl / N
    K, rate, ttl, N = 1000, 20.0, 300.0, 8
    r = cache_hit_rate(rate, ttl, N, K)
    n_local = rate * ttl / N
    assert r.local_hit_rate == pytest.approx(1 - K * (1 - math.exp(-n_local / K)) / n_local)
    n = rate * ttl
    assert r.shared_hit_rate == pytest.approx(1 - K * (1 - math.exp(-n / K)) / n)


def test_more_warm_instances_lower_the_hit_rate():
    rates = [cache_hit_rate(5, 600, n, 2000, 1.0).local_hit_rate for n in (1, 2, 5, 20, 100)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    big = cache_hit_rate(5, 600, 100, 2000, 1.0)
    assert big.backend_read_multiplier > 1


def test_hit_rate_formula_matches_a_seeded_simulation():
    rng = np.random.default_rng(42)
    K, N, n = 300, 6, 3000                    # keys, instances, requests in one window
    p = key_probabilities(K, 0.9)
    hits = []
    for _ in range(40):
        m = rng.poisson(n)
        keys = rng.choice(K, size=m, p=p)
        inst = rng.integers(0, N, size=m)
        seen = set()
        h = 0
        for k, i in zip(keys, inst):
            if (i, k) in seen:
                h += 1
            else:
                seen.add((i, k))
        hits.append((h, m))
    sim = sum(h for h, _ in hits) / sum(m for _, m in hits)
    model = cache_hit_rate(n, 1.0, N, K, 0.9).local_hit_rate
    assert sim == pytest.approx(model, abs=0.01)


def test_stale_read_probability():
    assert stale_read_probability(1) == 0
    assert stale_read_probability(4) == pytest.approx(0.75)
    np.testing.assert_allclose(stale_read_probability(np.array([2, 10])), [0.5, 0.9])
    with pytest.raises(InvalidParameterError):
        stale_read_probability(0)


def test_unbounded_cache_saturates_at_every_key():
    assert cache_memory_mb(1e9, 1000, 2.0) == pytest.approx(1000 * 2.0 / 1024)
    assert cache_memory_mb(0, 1000, 2.0) == 0
    m = cache_memory_mb(np.array([10, 100, 1000]), 1000, 2.0)
    assert np.all(np.diff(m) > 0)


def test_requests_until_oom_uniform_closed_form():
    # uniform: D(m) = K (1 - exp(-m/K)) = E  =>  m = -K ln(1 - E/K)
    K, entry_kb, headroom_mb = 1_000_000, 4.0, 1024.0
    E = headroom_mb * 1024 / entry_kb
    m = requests_until_cache_oom(headroom_mb, K, entry_kb)
    assert m == pytest.approx(-K * math.log(1 - E / K), rel=1e-6)
    assert expected_distinct_keys(m, key_probabilities(K)) == pytest.approx(E, rel=1e-6)
    assert requests_until_cache_oom(1024.0, 1000, 4.0) == math.inf   # every key fits


def test_cold_start_slo_check_cases():
    ok = cold_start_slo_check(800, 400, 0.002, 1000)
    assert ok.meets_slo and not ok.cold_starts_set_p99
    cold = cold_start_slo_check(2600, 400, 0.03, 1000)
    assert cold.meets_slo is False and cold.cold_starts_set_p99
    assert "provisioned concurrency" in cold.reason
    slow = cold_start_slo_check(2600, 1500, 0.03, 1000)
    assert "warm p99" in slow.reason and "too slow" in slow.reason
    none = cold_start_slo_check(800, 400, 0.002, None)
    assert none.meets_slo is None


def test_chain_compounds_the_cold_share():
    # 0.4% cold per hop: one hop keeps the p99 among warm requests, three hops do not
    # once 1 - (1 - 0.004)^3 > 1%?  (it is 1.2%)
    assert not cold_start_slo_check(500, 400, 0.004, 1000, chain_depth=1).cold_starts_set_p99
    assert cold_start_slo_check(500, 400, 0.004, 1000, chain_depth=3).cold_starts_set_p99


@pytest.mark.parametrize("call", [
    lambda: cache_hit_rate(0, 60, 1, 10),
    lambda: cache_hit_rate(1, 60, 0, 10),
    lambda: cache_hit_rate(1, 60, 1, 0),
    lambda: cache_memory_mb(10, 10, -1),
    lambda: cold_start_slo_check(100, 50, 0.1, -5),
])
def test_bad_input(call):
    with pytest.raises(InvalidParameterError):
        call()

"""Numerically stable at any scale (issue 21): property tests over rates 0 to 1e6 req/s,
durations 1 ms to 900 s, concurrency limits into the hundreds of thousands.

Every floating-point warning is an error here (``filterwarnings``): a model that needs
to hide an overflow fails. Properties are analytic truths: probabilities in [0, 1],
cold starts at most the requests, the pool at most the concurrency limit and at least
the busy count, Erlang B decreasing in the servers and increasing in the load, Erlang C
at least Erlang B, the Erlang B recursion's values where both apply, percentiles ordered.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.models.coldstart.fast import fast_cold_starts
from costmodel.models.coldstart.simulator import erlang_b, erlang_c
from costmodel.models.latency import container_latency, lambda_latency

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
rates = st.lists(st.one_of(st.just(0.0), st.floats(1e-4, 1e6)), min_size=1, max_size=12)
durations = st.floats(1e-3, 900.0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rates=rates, step=st.sampled_from([1.0, 60.0, 3600.0]), w=durations, keep=st.floats(1.0, 3600.0),
       cap=st.integers(1, 300_000), pc=st.integers(0, 50), init=st.floats(0.0, 10.0))
def test_fast_model_is_finite_and_bounded(rates, step, w, keep, cap, pc, init):
    pc = min(pc, cap)
    res = fast_cold_starts(np.array(rates), step, w, keep, init_mean_s=init, concurrency_limit=cap,
                           provisioned_concurrency=pc)
    for arr in (res.cold_start_fraction_per_step, res.throttle_fraction_per_step, res.instances, res.busy_instances):
        assert np.all(np.isfinite(arr))
    assert np.all((res.cold_start_fraction_per_step >= 0) & (res.cold_start_fraction_per_step <= 1))
    assert np.all((res.throttle_fraction_per_step >= 0) & (res.throttle_fraction_per_step <= 1 + 1e-12))
    assert res.total_cold_starts <= res.total_requests * (1 + 1e-9) + 1e-9
    assert np.all(res.instances <= max(cap, pc) * (1 + 1e-9))
    assert np.all(res.instances >= res.busy_instances - 1e-9)
    assert np.all(res.instances >= pc - 1e-9)


@SETTINGS
@given(lam=st.floats(1e-3, 1e5), w=st.floats(1e-3, 10.0), keep=st.floats(60.0, 3600.0))
def test_pool_grows_with_the_rate(lam, w, keep):
    # constant rate: the pool is the keep-alive window's largest busy count, larger at 2x
    one = fast_cold_starts(np.full(30, lam), 60.0, w, keep, concurrency_limit=10**6)
    two = fast_cold_starts(np.full(30, 2 * lam), 60.0, w, keep, concurrency_limit=10**6)
    assert two.mean_instances >= one.mean_instances * (1 - 1e-6)
    # and throttling grows with the rate under a cap
    c1 = fast_cold_starts(np.full(5, lam), 60.0, w, keep, concurrency_limit=50)
    c2 = fast_cold_starts(np.full(5, 2 * lam), 60.0, w, keep, concurrency_limit=50)
    assert c2.throttle_fraction >= c1.throttle_fraction - 1e-12


@SETTINGS
@given(n=st.integers(0, 2_000_000), a=st.floats(0.0, 1e12))
def test_erlang_b_and_c_at_any_size(n, a):
    b = erlang_b(n, a)
    assert 0.0 <= b <= 1.0 and math.isfinite(b)
    assert erlang_b(n + 1, a) <= b + 1e-12                 # more servers, less blocking
    assert erlang_b(n, a * 1.5 + 1e-9) >= b - 1e-12        # more load, more blocking
    if n >= 1:
        c = erlang_c(n, a)
        assert b - 1e-12 <= c <= 1.0


@SETTINGS
@given(n=st.integers(65, 400), a=st.floats(1e-2, 600.0))
def test_erlang_b_log_space_matches_the_recursion(n, a):
    b = 1.0
    for j in range(1, n + 1):
        b = a * b / (j + a * b)
    assert erlang_b(n, a) == pytest.approx(b, rel=1e-9, abs=1e-300)


@SETTINGS
@given(lam=st.floats(1e-3, 1e6), w_ms=st.floats(1.0, 900_000.0), init_ms=st.floats(0.0, 10_000.0),
       cap=st.integers(1, 300_000))
def test_lambda_latency_is_finite_and_ordered(lam, w_ms, init_ms, cap):
    res = lambda_latency(np.full(4, lam), 60.0, w_ms, init_ms, 600.0, concurrency_limit=cap, method="fast")
    q = [res.p50_ms, res.p95_ms, res.p99_ms, res.p999_ms]
    assert all(math.isfinite(v) for v in q + [res.mean_ms])
    assert q == sorted(q) and q[0] >= w_ms * (1 - 1e-2)


@SETTINGS
@given(lam=st.floats(0.0, 1e6), w_ms=st.floats(1.0, 900_000.0), servers=st.integers(0, 1_000_000))
def test_container_latency_is_finite_with_a_timeout(lam, w_ms, servers):
    res = container_latency(np.full(3, lam), 60.0, w_ms, servers, timeout_s=60.0)
    q = [res.p50_ms, res.p95_ms, res.p99_ms, res.p999_ms]
    assert all(math.isfinite(v) for v in q) and q == sorted(q)
    assert all(v <= 60_000.0 + 1e-6 for v in q)             # nobody waits past the timeout

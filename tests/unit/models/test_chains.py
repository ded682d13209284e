"""Synchronous chains whose hops share arrivals (costmodel.models.chains, costmodel.models.latency.chain_latency).

Truths: a one-hop chain is the single-function simulator; at a low rate every cold start
is an idle gap longer than the keep-alive, the same gap for every hop, so a request is
cold at all hops or at none, with probability e^{-lambda T} (Poisson gaps), and the fixed
durations make its latency exactly depth x (work + init). Tolerances: 4 binomial standard
errors of the simulated fractions, plus the fast model's stated error at high rates.
"""
import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.chains import simulate_chain
from costmodel.models.coldstart.simulator import Duration, simulate
from costmodel.models.latency import chain_latency


def test_one_hop_chain_is_the_single_function_simulator():
    rates = np.full(200, 0.5)
    chain = simulate_chain(1, rates, 60.0, work=0.2, init=Duration.fixed(0.3), keep_alive_s=30.0, random_state=1)
    single = simulate(rates, step_s=60.0, warm_duration=0.2, init_duration=Duration.fixed(0.3), keep_alive_s=30.0,
                      random_state=1)
    assert chain.requests == single.requests
    assert chain.cold_starts_per_hop[0] == single.cold_starts
    np.testing.assert_allclose(chain.latency_s, single.response_s)


def test_low_rate_hops_are_cold_together():
    # depth 3, 0.002 req/s, 100 ms per hop, 500 ms init, keep-alive 600 s (issue 11's example)
    lam, T = 0.002, 600.0
    rates = np.full(24 * 30, lam)
    sim = simulate_chain(3, rates, 3600.0, work=Duration.fixed(0.1), init=Duration.fixed(0.5), keep_alive_s=T,
                         random_state=2)
    p = sim.any_cold_fraction
    se = math.sqrt(p * (1 - p) / sim.requests)
    assert abs(p - math.exp(-lam * T)) <= 4 * se                       # 0.301
    n_cold = sim.cold.sum(axis=1)
    assert np.mean((n_cold > 0) & (n_cold < 3)) < 0.002               # all hops or none
    assert np.quantile(sim.served_latency_s, 0.95) == pytest.approx(3 * 0.6, abs=1e-6)
    # the chain model: exact simulation by default (small), and the fast coupled model
    for method in ("auto", "fast"):
        res = chain_latency(3, rates, 3600.0, 100.0, 500.0, T, random_state=3, method=method)
        assert abs(res.cold_start_fraction - math.exp(-lam * T)) <= 4 * se + 0.01
        assert res.p95_ms == pytest.approx(1800.0, rel=1e-3)
    assert chain_latency(3, rates, 3600.0, 100.0, 500.0, T, random_state=3).cold_start_method == "exact"
    # independent hops would give 1 - (1 - 0.3)^3 = 0.66 and p95 = 1.3 s
    assert res.cold_start_fraction < 0.35


def test_high_rate_fast_chain_against_the_simulation():
    # 20 req/s for 2 hours, lognormal work (mean 100 ms, p99 300 ms), init 500 ms: cold
    # starts are rare (the warm-up and churn); the tail is warm plus the odd cold hop.
    # Stated accuracy of the fast coupled model here (docs/coldstart-model.md): p99 within
    # 3 %, p99.9 within 5 %, P(at least one hop cold) within 4 standard errors + 40 %
    rates = np.full(120, 20.0)
    work = {"mean": 100.0, "p99": 300.0}
    exact = chain_latency(3, rates, 60.0, work, 500.0, 600.0, method="exact", random_state=5)
    fast = chain_latency(3, rates, 60.0, work, 500.0, 600.0, method="fast", random_state=5, samples=400_000)
    assert fast.p99_ms == pytest.approx(exact.p99_ms, rel=0.03)
    assert fast.p999_ms == pytest.approx(exact.p999_ms, rel=0.05)
    n = rates.sum() * 60.0
    se = math.sqrt(exact.cold_start_fraction / n)
    assert abs(fast.cold_start_fraction - exact.cold_start_fraction) <= 4 * se + 0.4 * exact.cold_start_fraction
    # auto: 432,000 hop-requests is within the simulation budget
    assert chain_latency(3, rates, 60.0, work, 500.0, 600.0, random_state=5).cold_start_method == "exact"


def test_chain_holds_upstream_environments_while_downstream_runs():
    # two requests 1 s apart, each hop 0.4 s, depth 2: hop 1 holds request 1 for 0.8 s, so
    # request 2 (at t = 1 s) reuses hop 1's environment; a request at 0.5 s would not
    sim = simulate_chain(2, arrival_times_s=[0.0, 1.0], work=Duration.fixed(0.4), init=Duration.fixed(0.0),
                         keep_alive_s=60.0)
    assert sim.cold_starts_per_hop.tolist() == [1.0, 1.0]
    sim = simulate_chain(2, arrival_times_s=[0.0, 0.5], work=Duration.fixed(0.4), init=Duration.fixed(0.0),
                         keep_alive_s=60.0)
    assert sim.cold_starts_per_hop.tolist() == [2.0, 1.0]     # hop 2 is free again at 0.8 s
    np.testing.assert_allclose(sim.latency_s, [0.8, 0.8])


def test_chain_bad_input():
    with pytest.raises(InvalidParameterError) as exc:
        chain_latency(2, np.full(3, 1.0), 60.0, 100.0, 500.0, method="simulate")
    assert exc.value.name == "method"
    with pytest.raises(InvalidParameterError) as exc:
        simulate_chain(2, arrival_times_s=[0.0], work=[0.1, 0.2, 0.3], init=0.1)
    assert exc.value.name == "work"

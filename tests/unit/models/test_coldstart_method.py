"""Which cold-start model runs (costmodel.models.coldstart.method): the fast model where its
measured accuracy holds, the exact simulator where it does not and the series is small,
and the user can force either. The exact path must reproduce the simulator's own totals."""
import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.coldstart.method import EXACT_MAX_REQUESTS, choose_method, cold_start_model
from costmodel.models.coldstart.simulator import Duration, simulate
from costmodel.models.latency import lambda_latency


def test_auto_keeps_the_fast_model_inside_its_measured_accuracy():
    rates = np.full(1440, 2.0)
    assert choose_method(rates, 60.0, Duration.lognormal(0.2, 0.6), 600.0)[0] == "fast"
    assert choose_method(rates, 60.0, Duration.exponential(0.2), 600.0)[0] == "fast"


@pytest.mark.parametrize("warm, keep, arrivals, why", [
    (Duration.lognormal(0.5, 6.0), 600.0, "poisson", "cv^2"),              # heavy tail
    (Duration.exponential(2.0), 10.0, "poisson", "keep-alive"),            # T < 20 w
    (Duration.lognormal(1.0, 3.0), 600.0, "counts", "more than one environment"),
])
def test_auto_simulates_where_the_fast_model_is_outside_its_accuracy(warm, keep, arrivals, why):
    rates = np.full(120, 30.0)            # 216,000 requests, 30 at once for 1 s work
    method, reason = choose_method(rates, 60.0, warm, keep, arrivals=arrivals)
    assert method == "exact" and why in reason
    # too many requests to simulate: the fast model, and the reason says it is outside
    big = np.full(120, 1000.0)
    method, reason = choose_method(big, 60.0, warm, keep, arrivals=arrivals)
    assert big.sum() * 60 > EXACT_MAX_REQUESTS and method == "fast" and "outside" in reason


def test_exact_method_reproduces_the_simulator_totals_on_sparse_traffic():
    # 0.002 req/s in 60-s steps: most steps draw no request; the per-step figures describe
    # the simulated requests, so the totals are the simulator's (not re-weighted by means)
    rates = np.full(20_000, 0.002)
    res = cold_start_model(rates, 60.0, Duration.fixed(0.1), 600.0, init_duration=Duration.fixed(0.5),
                           method="exact", random_state=4)
    sim = simulate(rates, step_s=60.0, warm_duration=Duration.fixed(0.1), init_duration=Duration.fixed(0.5),
                   keep_alive_s=600.0, random_state=4, count_step_s=60.0)
    assert res.method == "exact"
    assert res.total_requests == sim.requests
    assert res.total_cold_starts == pytest.approx(sim.cold_starts, abs=1e-9)
    assert res.cold_start_fraction == pytest.approx(sim.cold_start_fraction, rel=1e-12)
    assert res.mean_instances == pytest.approx(sim.mean_instances, rel=1e-12)


def test_latency_reports_the_method_and_the_user_can_force_either():
    rates = np.full(60, 0.5)
    for method in ("fast", "exact"):
        res = lambda_latency(rates, 60.0, 100.0, 500.0, 300.0, method=method)
        assert res.cold_start_method == method
    with pytest.raises(InvalidParameterError) as exc:
        lambda_latency(rates, 60.0, 100.0, 500.0, method="simulate")
    assert exc.value.name == "method"

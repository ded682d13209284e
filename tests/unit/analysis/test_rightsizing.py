"""Right-sizing: the search against brute force on a small grid, and the Lambda settings
against analytic answers (CPU share of memory, Erlang B, cold starts of a cron)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from costmodel.analysis import rightsizing as rs
from costmodel.analysis.compare import compare
from costmodel.analysis.rightsizing import compare_at_service_level, right_size, size_at_targets
from costmodel.models.autoscaling import simulate_scaling
from costmodel.models.coldstart.simulator import erlang_b
from costmodel.models.service_level import ContainerQueue, request_slots
from costmodel.scenario.load import load_scenario
from costmodel.scenario.service_level import service_level_of


def _small(**extra) -> dict:
    """Two days of bursty traffic repeated to a month, a 10-minute metric period (a short
    series for the brute force)."""
    doc = {
        "name": "small bursty",
        "traffic": {"pattern": "bursty", "base_rps": 1.0, "burst_rps": 40.0, "burst_length_s": 1800,
                    "bursts_per_day": 2, "first_burst_s": 7200, "horizon_days": 2, "step_s": 600},
        "work": {"duration_ms": {"mean": 150, "p99": 600}, "cpu_ms_per_request": 40, "memory_mb": 256},
        "containers": {"fargate": {"vcpu": 0.25, "memory_gb": 0.5, "min_tasks": 2, "max_tasks": 40,
                                   "metric_period_s": 600, "task_start_s": 600, "scale_out_cooldown_s": 600},
                       "ec2": {"instance_type": "t4g.small", "min_instances": 2, "tasks_per_instance": 2,
                               "boot_s": 600}},
        "service_level": {"latency_target_ms": 2000},
    }
    for k, v in extra.items():
        doc[k] = v
    return doc


def _brute_force(prob: rs._ContainerProblem, families: list, m_hi: dict) -> list[tuple[float, rs._Cand]]:
    """Every candidate of the grid through the single-fleet engine and the exceedance at
    the fleet's own step: (compute + network cost, candidate) of those that meet the service level."""
    sl = prob.sl
    passing = []
    for fam in families:
        for m in range(prob.min_floor, m_hi[(fam[0], fam[1])] + 1):
            c = rs._cand(fam, m)
            u = prob.units[c.unit]
            run = simulate_scaling(prob.rate, prob.step, prob.policy(c), min_units_schedule=prob.schedule(c))
            q = ContainerQueue(prob.rate, prob.step, prob.dur, request_slots(run.ready_units, u.capacity_rps, prob.w),
                               timeout_s=prob.timeout)
            if q.exceedance(sl.latency_target_ms)[0] <= sl.allowed_exceedance and q.timed_out()[0] <= \
                    sl.max_failed_fraction:
                passing.append((run.unit_seconds * u.usd_per_unit_s + prob.network_usd(run.unit_seconds,
                                                                                      run.launches), c))
    return passing


@pytest.mark.parametrize("target_ms", [2000.0, 700.0])
def test_container_search_finds_the_brute_force_optimum_on_a_small_grid(monkeypatch, target_ms):
    monkeypatch.setattr(rs, "CONTAINER_TARGETS", (0.5, 0.8))
    sc = load_scenario(_small(service_level={"latency_target_ms": target_ms}))
    sl = service_level_of(sc)
    cmp = compare(sc)
    found = rs._container_search(sc, sl, np.array([sl.latency_target_ms]), sc.prices(), cmp)
    prob, best, cfg = found["fargate"]
    families, m_hi = rs._families(prob, [0], cfg["target_utilisation"], cfg["scale_out_cooldown_s"])
    assert any(f[3] for f in families)               # the predictable bursts give a scheduled family
    passing = _brute_force(prob, families, m_hi)
    assert passing, "the grid has a configuration that meets the target"
    cheapest = min(usd for usd, _ in passing)
    assert best[0] is not None
    assert prob.memo[best[0]].usd == pytest.approx(cheapest, abs=0.005)
    assert any(c == best[0] for _, c in passing)     # the search's choice passes the brute-force judge too


def test_lambda_memory_follows_the_cpu_share_of_power_tuning():
    # fully CPU-bound 900 ms at 512 MB: 1,024 MB halves it to 450 ms (CPU share 1024/1769 vs
    # 512/1769), the first size under a 500 ms target; GB-s stay equal, so it costs the same
    doc = {"traffic": {"pattern": "steady", "mean_rps": 2.0},
           "work": {"duration_ms": 900, "cpu_ms_per_request": 200, "memory_mb": 512},
           "lambda": {"init_duration_ms": 100, "power_tuning": {"cpu_bound_fraction": 1.0}},
           "service_level": {"latency_target_ms": 500}}
    r = right_size(doc)
    lam = r.options["lambda"]
    assert lam.meets and not lam.configured_meets
    assert lam.sized["memory_mb"] == 1024
    assert lam.latency_ms == pytest.approx(450.0, rel=0.01)
    assert lam.changes[0].startswith("memory 512 MB -> 1,024 MB (mean duration 900 ms -> 450 ms)")
    # half CPU-bound and single-threaded: at most 450 + 450 x 512/1769 = 580 ms: no size meets 500 ms
    doc["lambda"]["power_tuning"] = {"cpu_bound_fraction": 0.5}
    miss = right_size(doc).options["lambda"]
    assert not miss.meets and miss.note
    assert miss.latency_ms == pytest.approx(450.0 + 450.0 * 512 / 1769, rel=0.01)
    assert miss.miss_ms(500.0) == pytest.approx(miss.latency_ms - 500.0)


def test_measured_duration_curve_is_used_as_given():
    doc = {"traffic": {"pattern": "steady", "mean_rps": 2.0},
           "work": {"duration_ms": 800, "memory_mb": 512},
           "lambda": {"init_duration_ms": 100,
                      "power_tuning": {"duration_ms_by_memory_mb": {512: 800, 1024: 420, 2048: 300}}},
           "service_level": {"latency_target_ms": 500}}
    lam = right_size(doc).options["lambda"]
    assert lam.sized["memory_mb"] == 1024 and lam.latency_ms == pytest.approx(420.0, rel=0.01)


def test_reserved_concurrency_is_raised_to_the_erlang_b_cap_the_failure_budget_allows():
    # 100 req/s of 200 ms work: 20 erlangs. With 20 reserved, B(20, 20) = 0.159 of attempts are
    # throttled and 0.159^3 = 0.4 % fail after two retries (> 0.1 %). The cap that keeps
    # B(c, 20)^3 <= 0.001 is the answer; no cost to it.
    doc = {"traffic": {"pattern": "steady", "mean_rps": 100.0},
           "work": {"duration_ms": 200, "memory_mb": 512},
           "lambda": {"reserved_concurrency": 20, "init_duration_ms": 100},
           "service_level": {"latency_target_ms": 3000}}
    want = next(c for c in range(20, 200) if erlang_b(c, 20.0) ** 3 <= 0.001)
    lam = right_size(doc).options["lambda"]
    assert not lam.configured_meets and lam.configured_failed_fraction == pytest.approx(erlang_b(20, 20.0) ** 3,
                                                                                       rel=1e-6)
    assert lam.sized["reserved_concurrency"] == want and lam.meets
    assert f"reserved concurrency 20 -> {want} (throttling within the budget)" in lam.changes


def test_always_on_provisioned_concurrency_is_chosen_when_it_bills_less_and_the_count_is_the_cheapest():
    # 20 busy environments all month: provisioned concurrency bills less than the same work on
    # demand. The count chosen is the cheapest of every count 0..20 (each priced by the bill,
    # PC serving the Erlang-B share 1 - B(p, 20) of the Poisson requests).
    doc = {"traffic": {"pattern": "steady", "mean_rps": 100.0},
           "work": {"duration_ms": 200, "memory_mb": 512},
           "lambda": {"init_duration_ms": 100, "concurrency_limit": 1000},
           "service_level": {"latency_target_ms": 3000}}
    sc = load_scenario(doc)
    sl = service_level_of(sc)
    prob = rs._LambdaProblem(sc, sl, np.array([3000.0]), sc.prices(), compare(sc))
    work = sc.work
    f0 = prob.fast.run(0.2, 1000, 0)
    conc = prob.r1 * 0.2
    bills = {p: prob.bill_usd(work, 1000, p, tuple(range(24)) if p else (),
                              float((f0.cold_starts * (1.0 - (1.0 - erlang_b(p, conc)))).sum()))
             for p in range(21)}
    lam = right_size(doc).options["lambda"]
    assert lam.sized["provisioned_concurrency"] == min(bills, key=bills.get) > 0
    assert lam.compute_usd == pytest.approx(min(bills.values()), abs=0.005)
    assert lam.changes[0].endswith("always on (bills less than the same work on demand)")


def test_one_provisioned_environment_at_a_mean_concurrency_of_one_is_not_a_saving():
    # 10 req/s x 100 ms at 1,024 MB, steady: a mean concurrency of 1. One PC environment serves
    # 1 - B(1, 1) = half the requests (a Poisson request finding it busy goes on demand), so
    # per GB-s of capacity it is busy half the time, under the 0.0000041667 / (0.0000166667 -
    # 0.0000097222) = 60 % that pays for it: on demand stays, $5.26 requests + $43.80 duration.
    doc = {"traffic": {"pattern": "steady", "mean_rps": 10.0},
           "work": {"duration_ms": 100, "memory_mb": 1024}, "lambda": {"free_tier": False},
           "service_level": {"latency_target_ms": 3000}}
    lam = right_size(doc).options["lambda"]
    assert lam.sized["provisioned_concurrency"] == 0 and lam.changes == ()
    requests = 10.0 * 730 * 3600
    assert lam.compute_usd == pytest.approx(round(requests * 0.20e-6, 2) + round(requests * 0.1 * 0.0000166667, 2),
                                            abs=0.011)


def test_a_cron_whose_every_run_is_cold_gets_one_provisioned_environment():
    # every 5 minutes, keep-alive 60 s: every run is cold (100 ms + 1 s init); one always-on
    # provisioned environment takes every run warm: p99 = the 100 ms of work
    doc = {"traffic": {"pattern": "sparse", "invocations_per_day": 288, "timing": "fixed"},
           "work": {"duration_ms": 100, "memory_mb": 1024},
           "lambda": {"keep_alive_s": 60, "init_duration_ms": 1000, "front_door": "function_url"},
           "service_level": {"latency_target_ms": 500}}
    lam = right_size(doc).options["lambda"]
    assert lam.configured_latency_ms == pytest.approx(1100.0, rel=0.01) and not lam.configured_meets
    assert lam.meets and lam.sized["provisioned_concurrency"] == 1
    assert lam.latency_ms == pytest.approx(100.0, rel=0.01)
    assert lam.changes == ("provisioned concurrency 1 always on",)


def test_provisioned_concurrency_only_in_the_hours_whose_cold_starts_break_the_target():
    # 0.02 req/s by day (08:00-20:00: a request every 50 s, warm with the 600 s keep-alive),
    # 0.001 req/s at night (a request every 1,000 s: more than half of them cold, ~5 % of the
    # traffic): the month's p99 breaks the 500 ms target at night only
    doc = {"traffic": {"pattern": "sum", "components": [
               {"pattern": "steady", "mean_rps": 0.001},
               {"pattern": "bursty", "base_rps": 0.0, "burst_rps": 0.02, "burst_length_s": 43200,
                "bursts_per_day": 1, "first_burst_s": 28800}]},
           "work": {"duration_ms": 100, "memory_mb": 1024},
           "lambda": {"keep_alive_s": 600, "init_duration_ms": 1000},
           "service_level": {"latency_target_ms": 500}}
    r = right_size(doc)
    lam = r.options["lambda"]
    assert lam.meets and lam.sized["provisioned_concurrency"] == 1
    windows = r.overrides["lambda.provisioned_concurrency"]["schedule"]
    assert isinstance(windows, list)                              # daily windows, not always on
    on = set()
    for w in windows:
        a, b = int(w["start"][:2]), int(w["end"][:2]) or 24
        on |= set(range(a, b)) if a < b else set(range(a, 24)) | set(range(b))
    assert on and on.isdisjoint(range(8, 20))                     # never by day
    # the right-sized scenario prices it: the PC windows are in its bill
    slc = compare_at_service_level(doc)
    assert slc.right_sized.lambda_result.provisioned_requests > 0
    assert slc.table.loc["lambda", "added_usd"] > 0


def test_no_configuration_meets_a_target_below_the_work_itself():
    doc = _small(service_level={"latency_target_ms": 100})        # the work alone has p99 600 ms
    r = right_size(doc)
    for name in ("lambda", "fargate", "ec2"):
        o = r.options[name]
        assert not o.meets and o.note.startswith("no configuration searched meets")
        assert o.miss_ms(100.0) == pytest.approx(o.latency_ms - 100.0) and o.miss_ms(100.0) > 400


def test_availability_rule_sets_the_floor_of_both_fleets():
    r = right_size(_small(service_level={"latency_target_ms": 2000, "availability": {"min_units": 3, "zones": 3}}))
    assert r.options["fargate"].sized["min_tasks"] >= 3
    assert r.options["ec2"].sized["min_instances"] >= 3
    assert r.scenario.containers["fargate"]["min_tasks"] >= 3


def test_right_sized_scenario_prices_its_schedule_and_meets_where_the_configuration_did_not():
    slc = compare_at_service_level(_small())
    far = slc.sizing.options["fargate"]
    assert not far.configured_meets and far.meets
    sched = slc.sizing.scenario.containers["fargate"]["scheduled_min_tasks"]
    if sched:
        n = sched[0]["min_tasks"]
        assert slc.right_sized.fargate.billed_units.max() >= n
    t = slc.table
    assert t.loc["fargate_on_demand", "meets"] and not t.loc["fargate_on_demand", "configured_meets"]
    assert t.loc["fargate_on_demand", "right_sized_usd"] == pytest.approx(
        slc.right_sized.table.loc["fargate_on_demand", "monthly_usd"])
    assert "as configured" in slc.to_text() and "what it took" not in slc.to_text()


def test_one_search_at_several_targets_matches_each_target_alone_and_tightening_never_cheapens():
    sc = load_scenario(_small())
    many = size_at_targets(sc, [5000.0, 2000.0, 1000.0])
    one = size_at_targets(load_scenario(_small()), [2000.0])
    assert many.monthly_usd.loc[2000.0].to_dict() == pytest.approx(one.monthly_usd.loc[2000.0].to_dict(), abs=0.01)
    usd, ok = many.monthly_usd, many.meets
    for opt in usd.columns:
        met = ok[opt].to_numpy()
        vals = usd[opt].to_numpy()[met]
        assert np.all(np.diff(vals) >= -0.01)                   # loosest first: cost only grows
    # the right-sized comparison at the scenario's own target costs what the curve says
    slc = compare_at_service_level(sc)
    for opt in ("lambda", "fargate_on_demand", "ec2_on_demand"):
        assert slc.right_sized.table.loc[opt, "monthly_usd"] == pytest.approx(many.monthly_usd.loc[2000.0, opt],
                                                                              abs=0.02)


def test_search_is_memoised_per_scenario_object():
    sc = load_scenario(_small())
    assert right_size(sc) is right_size(sc)
    assert math.isfinite(right_size(sc).elapsed_s)

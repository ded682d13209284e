"""compare(): each option's monthly cost against closed forms from published rates."""
import json
import math

import numpy as np
import pytest
from small_scenarios import small

from costmodel.analysis.compare import OPTIONS, compare, front_door_bill

MONTH_H = 730                # AWS's month: 8,760 h / 12
MONTH_S = MONTH_H * 3600
# published rates (AWS pricing pages; see data/pricing)
FARGATE_VCPU_S, FARGATE_GB_S = 0.000011244, 0.000001235
LAMBDA_REQUEST, LAMBDA_GB_S = 0.20 / 1e6, 0.0000166667
M7I_LARGE_HOUR = 0.1008  # third-party table value shipped in the price set (x86_64 counterpart of m7g.large)


def cents(x):
    return math.floor(x * 100 + 0.5) / 100


@pytest.fixture(scope="module")
def cmp_small():
    return compare(small())


def test_table_shape_and_columns(cmp_small):
    t = cmp_small.table
    # Spot is not offered: the small scenario does not declare interruption-tolerant work
    assert list(t.index) == [o for o in OPTIONS if o != "fargate_spot"]
    assert "interruption-tolerant" in cmp_small.setup.left_out["fargate_spot"]
    for col in ("monthly_usd", "usd_per_million_requests", "utilisation", "overload_minutes"):
        assert col in t.columns


def test_fixed_fleets_and_lambda_match_closed_forms(cmp_small):
    t = cmp_small.table
    task_s = 2 * MONTH_S
    assert t.loc["fargate_on_demand", "monthly_usd"] == pytest.approx(
        cents(0.5 * task_s * FARGATE_VCPU_S) + cents(1.0 * task_s * FARGATE_GB_S))
    # the workload is x86_64: EC2 is priced as m7i.large, the counterpart of the declared m7g.large
    assert cmp_small.setup.ec2_instance_type == "m7i.large"
    assert t.loc["ec2_on_demand", "monthly_usd"] == pytest.approx(cents(MONTH_H * M7I_LARGE_HOUR))
    assert any("m7i.large" in n and "m7g.large" in n for n in cmp_small.notes)
    requests = 2.0 * MONTH_S
    assert cmp_small.requests == pytest.approx(requests)
    assert t.loc["lambda", "monthly_usd"] == pytest.approx(
        cents(requests * LAMBDA_REQUEST) + cents(requests * 0.1 * 1.0 * LAMBDA_GB_S))
    assert t.loc["lambda", "usd_per_million_requests"] == pytest.approx(
        t.loc["lambda", "monthly_usd"] / (requests / 1e6))


def test_utilisation_and_cheapest(cmp_small):
    t = cmp_small.table
    # 2 tasks of 0.5 vCPU at 50 ms CPU per request = 20 req/s of capacity; demand 2 req/s
    assert t.loc["fargate_on_demand", "utilisation"] == pytest.approx(0.1)
    assert (t["overload_minutes"] == 0).all()
    assert cmp_small.cheapest == t["monthly_usd"].idxmin() == "lambda"


def test_overloaded_option_is_not_cheapest():
    c = compare(small(traffic__mean_rps=30.0))  # 30 req/s > 20 req/s of fixed Fargate capacity
    t = c.table
    assert t.loc["fargate_on_demand", "overload_minutes"] == pytest.approx(MONTH_S / 60)
    assert not c.cheapest.startswith("fargate")


def test_short_series_is_repeated_to_a_month():
    day = np.full(24, 3.0)
    c = compare(small(), rate_rps=day, step_s=3600)
    assert c.requests == pytest.approx(3.0 * MONTH_S)
    assert any("repeated" in n for n in c.notes)


def test_front_doors_use_the_bills():
    rate = np.full(MONTH_H, 2.0)
    http = front_door_bill("api_gateway_http", rate, 3600)
    assert http.total_usd == cents(2.0 * MONTH_S / 1e6 * 1.00)  # $1.00 per million (first 300M)
    rest = front_door_bill("api_gateway_rest", rate, 3600)
    assert rest.total_usd == cents(2.0 * MONTH_S / 1e6 * 3.50)
    assert front_door_bill("none", rate, 3600).total_usd == 0
    alb = front_door_bill("alb", rate, 3600)
    assert alb.item("ALB hours").quantity == MONTH_H


def test_daily_costs_and_json(cmp_small):
    daily = cmp_small.daily_usd()
    np.testing.assert_allclose(daily.sum().to_numpy(), cmp_small.table["monthly_usd"].to_numpy())
    d = json.loads(json.dumps(cmp_small.to_dict()))
    assert d["cheapest"] == "lambda" and len(d["options"]) == len(cmp_small.options)
    assert "lambda" in cmp_small.to_text()


def test_compare_accepts_a_pandas_series():
    from costmodel.models.traffic import to_series

    s = to_series(np.full(MONTH_H, 2.0), 3600)
    c = compare(small(), rate_rps=s)
    assert c.requests == pytest.approx(2.0 * MONTH_S) and c.step_s == 3600

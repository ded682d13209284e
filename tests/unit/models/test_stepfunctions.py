"""Step Functions bills against AWS's published examples and hand computations.

Published figures, read from these copies:

* AWS Step Functions pricing page, https://aws.amazon.com/step-functions/pricing/ (through
  the public markdown copy https://mdsite.deno.dev/https://aws.amazon.com/step-functions/pricing,
  undated): the Express memory estimate (50 KB definition, 400 map steps of 32 KB ->
  62.85 MB -> 64 MB billed) and the Express example "100 million workflows, 10 seconds":
  requests $100.00; 62,500,000 GB-s = 17,361.11 GB-hours; $60.00 + $120.00 + $202.97 =
  $382.97 duration; $482.97 in all (the page's total line is cut off in the copy; it is
  the sum of the two charges it prints).
* The AWS Step Functions Workshop (aws-samples/the-aws-step-functions-workshop,
  content/module-13/step-5/index.en.md, "Review the Cost Impact"): 3,000 Standard
  transitions "= $0.075" (free tier not applied), and 1,000 Express executions of
  11,300 ms within 64 MB: "$0.0000117746" duration per execution, "$0.01" in all.

Everything else is arithmetic written out from the published rates.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from costmodel.errors import InvalidParameterError
from costmodel.models.pricing import load_prices
from costmodel.models.stepfunctions import (
    distributed_map_bill,
    distributed_map_usage,
    express_bill,
    express_billed_duration_ms,
    express_billed_memory_mb,
    express_gb_hours,
    express_memory_mb,
    standard_bill,
    standard_transitions,
)


@pytest.fixture(scope="module")
def prices():
    return load_prices()


# ------------------------------------------------------------------ AWS's examples
def test_aws_express_example_100m_workflows_of_10_s(prices):
    bill = express_bill(100_000_000, 10_000, prices=prices)
    assert bill.amounts() == {
        "Step Functions Express requests": 100.00,
        "Step Functions Express duration tier 1": 60.00,
        "Step Functions Express duration tier 2": 120.00,
        "Step Functions Express duration tier 3": 202.97,
    }
    assert bill.total_usd == 482.97
    gb_hours = sum(i.quantity for i in bill if "duration" in i.name)
    assert round(gb_hours, 2) == 17_361.11                      # AWS: "= 17,361.11 GB-hours"
    assert bill.item("Step Functions Express duration tier 3").quantity == pytest.approx(12_361.11, abs=0.005)
    assert express_gb_hours(100_000_000, 10_000, 64) * 3600 == pytest.approx(62_500_000)   # GB-s


def test_aws_express_memory_estimate(prices):
    used = express_memory_mb(definition_kb=50, payload_kb=32, map_or_parallel_steps=400, prices=prices)
    assert used == pytest.approx(62.85)                         # 50 MB + 50 KB + 12,800 KB
    assert express_billed_memory_mb(used, prices=prices) == 64


def test_workshop_standard_example_without_free_tier(prices):
    bill = standard_bill(3 * 1000, free_tier=False, prices=prices)
    assert bill.unrounded_total_usd == pytest.approx(0.075)     # AWS: "= $0.075"
    assert bill.total_usd == 0.08                               # the invoice line, rounded half-up


def test_workshop_nested_express_example(prices):
    bill = express_bill(1000, 11_300, prices=prices)
    assert bill.total_usd == 0.01                               # AWS: "x 1000 = $0.01"
    per_execution = bill.item("Step Functions Express duration tier 1").unrounded_usd / 1000
    # AWS: (11300 ms / 100) x $0.0000001042 = $0.0000117746 (its per-100 ms rate is rounded)
    assert per_execution == pytest.approx(0.0000117746, rel=5e-4)


# ------------------------------------------------------------------ Standard
def test_standard_free_tier_and_rate(prices):
    assert standard_bill(4000, prices=prices).total_usd == 0.0
    assert standard_bill(4001, prices=prices).item("Step Functions Standard state transitions").quantity == 1
    # 1M transitions: (1,000,000 - 4,000) x $0.000025 = $24.90
    assert standard_bill(1_000_000, prices=prices).total_usd == 24.90
    assert standard_bill([500_000, 500_000], prices=prices).total_usd == 24.90


def test_retries_are_transitions():
    assert standard_transitions(1000, 5, 0.2) == pytest.approx(5200)
    np.testing.assert_allclose(standard_transitions([10, 20], 3), [30, 60])
    with pytest.raises(InvalidParameterError, match="retries_per_execution"):
        standard_transitions(1, 1, -1)


# ------------------------------------------------------------------ Express
@pytest.mark.parametrize("duration_ms, billed", [(0, 0), (1, 100), (100, 100), (100.5, 200), (101, 200),
                                                 (10_000, 10_000), (299_999, 300_000)])
def test_express_duration_rounds_up_to_100_ms(duration_ms, billed):
    assert express_billed_duration_ms(duration_ms) == billed


@pytest.mark.parametrize("memory_mb, billed", [(1, 64), (50, 64), (64, 64), (64.01, 128), (128, 128), (129, 192)])
def test_express_memory_in_64_mb_chunks(memory_mb, billed):
    assert express_billed_memory_mb(memory_mb) == billed


def test_express_tier_boundary_at_1000_gb_hours(prices):
    # 5,760,000 executions x 10 s x 64 MB = 3,600,000 GB-s = exactly 1,000 GB-hours
    at = express_bill(5_760_000, 10_000, prices=prices)
    assert at.amounts() == {"Step Functions Express requests": 5.76, "Step Functions Express duration tier 1": 60.00}
    # 128 MB doubles it: 1,000 GB-hours at $0.06 + 1,000 at $0.03
    above = express_bill(5_760_000, 10_000, memory_mb=100, prices=prices)
    assert above.item("Step Functions Express duration tier 2").usd == 30.00
    assert above.total_usd == 5.76 + 60.00 + 30.00


def test_express_groups_share_one_ladder(prices):
    one = express_bill(100_000_000, 10_000, prices=prices)
    split = express_bill([60_000_000, 40_000_000], [10_000, 10_000], prices=prices)
    assert split.total_usd == one.total_usd
    mixed = express_bill([1_000_000, 1_000_000], [1_000, 2_000], memory_mb=[64, 128], prices=prices)
    # 1M x 1 s x 1/16 GB + 1M x 2 s x 1/8 GB = 62,500 + 250,000 GB-s = 86.8056 GB-hours x $0.06
    assert mixed.item("Step Functions Express duration tier 1").quantity == pytest.approx(312_500 / 3600)
    assert mixed.total_usd == round(2.00, 2) + round(312_500 / 3600 * 0.06, 2)


def test_express_memory_default_is_the_50_mb_base_billed_as_64(prices):
    assert express_bill(1000, 1000, prices=prices).item(
        "Step Functions Express duration tier 1").quantity == pytest.approx(1000 * 1 * 64 / 1024 / 3600)


def test_express_errors_name_the_parameter():
    with pytest.raises(InvalidParameterError, match=r"^duration_ms=-1"):
        express_bill(1, -1)
    with pytest.raises(InvalidParameterError, match="billed_memory_mb"):
        express_gb_hours(1, 100, 0)
    with pytest.raises(InvalidParameterError, match="duration_ms"):
        express_gb_hours([1, 2], [100, 200, 300])


# ------------------------------------------------------------------ Distributed Map
def test_distributed_map_express_children_hand_computed(prices):
    # 30 Map Runs x 10,000 items, 10 items per child: 1,000 children a run, 30,000 a month
    u = distributed_map_usage(30, 10_000, max_items_per_batch=10, child_duration_ms=2000, result_files=3,
                              prices=prices)
    assert (u.child_executions, u.items_per_child, u.express_requests) == (30_000, 10, 30_000)
    assert u.standard_transitions == 30                           # the Map state, once per run
    assert (u.s3_get_requests, u.s3_put_requests, u.s3_list_requests) == (30, 90, 0)
    bill = distributed_map_bill(30, 10_000, max_items_per_batch=10, child_duration_ms=2000, result_files=3,
                                prices=prices)
    a = bill.amounts()
    assert a["Step Functions Standard state transitions"] == 0.0          # 30 < 4,000 free
    assert a["child workflows: Step Functions Express requests"] == 0.03  # 30,000 x $0.000001
    # 30,000 x 2 s x 64 MB = 3,750 GB-s = 1.0417 GB-hours x $0.06 = $0.0625 -> $0.06
    assert a["child workflows: Step Functions Express duration tier 1"] == 0.06
    assert a["S3 GET requests (item reader)"] == 0.0 and a["S3 PUT requests (result writer)"] == 0.0
    assert bill.unrounded_total_usd == pytest.approx(0.03 + 0.0625 + 30 * 0.0000004 + 90 * 0.000005)


def test_distributed_map_standard_children_pay_their_transitions(prices):
    # 30 runs x 1,000 children x (3 states + 0.5 retries) + 30 Map states = 105,030 transitions
    bill = distributed_map_bill(30, 10_000, child_type="standard", max_items_per_batch=10, child_states=3,
                                child_retries=0.5, prices=prices)
    line = bill.item("Step Functions Standard state transitions")
    assert line.quantity == 105_030 - 4_000
    assert line.usd == 2.53                                       # 101,030 x $0.000025 = 2.52575
    assert not any("Express" in i.name for i in bill)


def test_batching_fewer_children_and_byte_limit():
    assert distributed_map_usage(1, 1000).child_executions == 1000
    assert distributed_map_usage(1, 1000, max_items_per_batch=100).child_executions == 10
    assert distributed_map_usage(1, 1001, max_items_per_batch=100).child_executions == 11
    # MaxInputBytesPerBatch 256 KB with 100 KB items: 2 items per child whatever MaxItemsPerBatch says
    u = distributed_map_usage(1, 1000, max_items_per_batch=100, item_kb=100, max_input_kb_per_batch=256)
    assert (u.items_per_child, u.child_executions) == (2, 500)
    # the batch payload drives the Express memory estimate: 50 MB + 2 x 100 KB
    assert u.express_memory_mb == pytest.approx(50.2)


def test_item_reader_requests():
    assert distributed_map_usage(2, 2500, item_reader="s3_list").s3_list_requests == 2 * 3   # 1,000 keys a page
    assert distributed_map_usage(2, 2500, item_reader="state_input").s3_get_requests == 0
    assert distributed_map_usage(2, 2500, item_reader="s3_file", reader_files=4).s3_get_requests == 8


def test_distributed_map_errors():
    with pytest.raises(InvalidParameterError, match=r"^child_duration_ms=300001"):
        distributed_map_usage(1, 10, child_duration_ms=300_001)
    with pytest.raises(InvalidParameterError, match=r"child_type='lambda'.*'express', 'standard'"):
        distributed_map_usage(1, 10, child_type="lambda")
    with pytest.raises(InvalidParameterError, match="max_input_kb_per_batch"):
        distributed_map_usage(1, 10, max_input_kb_per_batch=300)
    with pytest.raises(InvalidParameterError, match="item_reader"):
        distributed_map_usage(1, 10, item_reader="dynamodb")
    # a Standard child may run as long as it likes
    assert distributed_map_usage(1, 10, child_type="standard", child_duration_ms=3_600_000).child_executions == 10


def test_rates_have_provenance_and_the_tiers_are_confirmed(prices):
    assert prices.tiers("stepfunctions.express_duration") == ((1000.0, 0.06), (5000.0, 0.03), (math.inf, 0.01642))
    for key in ("stepfunctions.standard_state_transition", "stepfunctions.express_request",
                "stepfunctions.express_duration_tier3"):
        r = prices.rate(key)
        assert r.status == "aws-published" and r.source_url == "https://aws.amazon.com/step-functions/pricing/"
    assert prices.rate("s3.get_request").status == "third-party"

"""The fault campaign plan is pure: shares, determinism and coverage (no I/O)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler_harness.faults import (
    FAULT_KINDS,
    HOSTILE_KINDS,
    FaultRates,
    cobatched_with_poison,
    corrupt_envelope,
    plan_campaign,
)
from handler_reference import errors
from handler_reference.batch import read_envelope
from handler_reference.errors import HandlerError, MalformedMessageError
from handler_reference.processor import parse_command


def test_shares_of_duplicates_and_malformed_bodies():
    plan = plan_campaign(1000, random_state=3)
    assert len(plan.bodies) == 1000
    assert len(plan.duplicates) / 1000 >= 0.10
    assert len(plan.malformed) / 1000 >= 0.05
    envelope = plan.envelope_faults
    for seq in plan.malformed - envelope.keys():
        with pytest.raises(MalformedMessageError):
            parse_command(plan.bodies[seq])
    for seq in envelope:  # a valid body: only its envelope is broken
        assert parse_command(plan.bodies[seq]).document_id.startswith("env-")
    for seq, document_id in enumerate(plan.document_ids):
        if document_id is not None:
            assert parse_command(plan.bodies[seq]).document_id == document_id


def test_duplicates_repeat_an_earlier_body():
    plan = plan_campaign(500, random_state=1)
    for seq in plan.duplicates:
        earlier = plan.bodies[:seq]
        assert plan.bodies[seq] in earlier


def test_every_fault_kind_planned_once_per_message_on_first_deliveries():
    plan = plan_campaign(200, random_state=5)
    assert set(plan.faults.values()) == set(FAULT_KINDS)
    assert not set(plan.faults) & (plan.duplicates | plan.malformed)


def test_same_seed_same_plan_and_generator_accepted():
    a = plan_campaign(300, random_state=7)
    b = plan_campaign(300, random_state=np.random.default_rng(7))
    assert a == b
    assert plan_campaign(300, random_state=8).bodies != a.bodies


def test_valid_bodies_are_objects_with_text():
    plan = plan_campaign(100, random_state=0)
    first = next(s for s, d in enumerate(plan.document_ids) if d is not None)
    assert set(json.loads(plan.bodies[first])) == {"documentId", "text", "version"}


@pytest.mark.parametrize("n", [0, 19, 2.5, True])
def test_bad_message_counts(n):
    with pytest.raises(HandlerError):
        plan_campaign(n)


def test_bad_rates():
    with pytest.raises(HandlerError):
        FaultRates(malformed_fraction=0.7)


def _result(handler, **overrides):
    from handler_harness.faults import CampaignResult

    counts = {
        "handler": handler, "random_state": 0, "sent_messages": 100, "valid_documents": 80,
        "producer_duplicates": 12, "malformed_messages": 8,
        "faults_injected": dict.fromkeys(FAULT_KINDS, 1), "duplicate_deliveries": 14, "invocations": 12,
        "hostile_messages": 4,
        "crashed_invocations": 3, "record_attempts": 130, "failures_logged": {"MalformedMessageError": 40},
        "result_versions": 82, "documents_written_twice_after_interruption": 2,
        "documents_without_expected_result": 0, "documents_with_differing_versions": 0,
        "unexpected_result_objects": 0, "documents_written_twice_without_interruption": 0,
        "malformed_not_in_dlq": 0, "valid_messages_in_dlq": 0, "messages_left_in_queue": 0,
        "messages_lost": 0, "failure_logs_missing_fields": 0, "valid_cobatched_with_poison": 20,
        "valid_cobatched_with_poison_in_dlq": 0, "unplanned_crashed_invocations": 0,
    }
    counts.update(overrides)
    return CampaignResult(**counts)


def test_violations_group_the_counts_by_invariant():
    clean = _result("reference")
    assert clean.invariants_hold and set(clean.violations().values()) == {0}
    broken = _result("naive", documents_written_twice_without_interruption=3, messages_lost=1,
                     valid_messages_in_dlq=1)
    v = broken.violations()
    assert v["no effect twice unless interrupted between effect and mark"] == 3
    assert v["nothing is lost"] == 2
    assert not broken.invariants_hold
    assert "elapsed_s" not in broken.summary()


def test_campaign_table_puts_handlers_side_by_side():
    from handler_harness.faults import campaign_table

    table = campaign_table([_result("reference"), _result("naive", messages_lost=2)])
    assert list(table.columns) == ["reference", "naive"]
    assert table.loc["violation: nothing is lost", "naive"] == 2
    assert table.loc["faults_injected.crash_after_mark", "reference"] == 1


# -- hostile corpus -------------------------------------------------------------------------


def test_hostile_share_covers_every_kind():
    plan = plan_campaign(1000, random_state=4)
    assert len(plan.hostile) == 40  # 4 % of 1,000
    assert set(plan.hostile.values()) == set(HOSTILE_KINDS)  # 16 kinds, round robin
    assert set(plan.hostile) <= plan.malformed
    assert not set(plan.faults) & set(plan.hostile)


def test_no_hostile_share_gives_the_plan_without_it():
    rates = FaultRates(hostile_fraction=0)
    plan = plan_campaign(300, rates, random_state=3)
    assert plan.hostile == {} and len(plan.bodies) == 300


@pytest.mark.parametrize("kind", [k[len("envelope: "):] for k in HOSTILE_KINDS
                                  if k.startswith("envelope: ")])
def test_corrupted_envelopes_are_rejected_by_the_handler_and_leave_the_original(kind):
    record = {"messageId": "m", "body": '{"documentId": "d"}',
              "attributes": {"ApproximateReceiveCount": "1", "AWSTraceHeader": "Root=1-a"},
              "messageAttributes": {"correlationId": {"stringValue": "c", "dataType": "String"}}}
    original = json.loads(json.dumps(record))
    corrupted = corrupt_envelope(record, kind)
    assert record == original
    if kind == "no body":
        assert "body" not in corrupted and read_envelope(corrupted).message_id == "m"
        with pytest.raises(MalformedMessageError):
            parse_command(corrupted.get("body"))
    else:
        with pytest.raises(errors.MalformedRecordError):
            read_envelope(corrupted)
    with pytest.raises(HandlerError):
        corrupt_envelope(record, "not a kind")


def test_cobatched_with_poison_counts_valid_messages_sharing_a_batch():
    poison = frozenset({3, 9})
    batches = [[1, 2, 3], [4, 5], [9], [3, 6], [7, 8]]
    # 1, 2 (with 3) and 6 (with 3 again); 4, 5, 7, 8 never met poison
    assert cobatched_with_poison(batches, poison) == {1, 2, 6}
    assert cobatched_with_poison([], poison) == set()


def test_new_invariants_are_counted():
    broken = _result("reference", valid_cobatched_with_poison_in_dlq=3,
                     unplanned_crashed_invocations=2)
    v = broken.violations()
    assert v["no valid message co-batched with a poison message ends in the DLQ"] == 3
    assert v["no invocation fails as a whole except by an injected crash"] == 2
    assert not broken.invariants_hold

"""The fault campaign plan is pure: shares, determinism and coverage (no I/O)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler_reference.errors import HandlerError, MalformedMessageError
from handler_harness.faults import FAULT_KINDS, FaultRates, plan_campaign
from handler_reference.processor import parse_command


def test_shares_of_duplicates_and_malformed_bodies():
    plan = plan_campaign(1000, random_state=3)
    assert len(plan.bodies) == 1000
    assert len(plan.duplicates) / 1000 >= 0.10
    assert len(plan.malformed) / 1000 >= 0.05
    for seq in plan.malformed:
        with pytest.raises(MalformedMessageError):
            parse_command(plan.bodies[seq])
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

    counts = dict(
        handler=handler, random_state=0, sent_messages=100, valid_documents=80,
        producer_duplicates=12, malformed_messages=8,
        faults_injected={k: 1 for k in FAULT_KINDS}, duplicate_deliveries=14, invocations=12,
        crashed_invocations=3, record_attempts=130, failures_logged={"MalformedMessageError": 40},
        result_versions=82, documents_written_twice_after_interruption=2,
        documents_without_expected_result=0, documents_with_differing_versions=0,
        unexpected_result_objects=0, documents_written_twice_without_interruption=0,
        malformed_not_in_dlq=0, valid_messages_in_dlq=0, messages_left_in_queue=0,
        messages_lost=0, failure_logs_missing_fields=0,
    )
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

"""The fault campaign on a FIFO stack: per message group, effects happen in send order
and the exactly-once invariants hold for the reference; without AWS's FIFO rule
(``handler="unordered"``) effects come out of group order under the same campaign."""

from __future__ import annotations

import pytest

from handler_harness.faults import (
    FAULT_KINDS,
    FIFO_FAULT_RATES,
    FIFO_MESSAGE_GROUPS,
    FaultRates,
    plan_campaign,
    run_campaign,
)
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

N_MESSAGES = 200
SEED = 11


@pytest.fixture(scope="module")
def reference():
    return run_campaign(N_MESSAGES, "reference", SEED, queue_type="fifo")


#: Many transient failures and two groups: failures with later messages of their group
#: in the same batch are certain, so the missing FIFO rule shows.
HARSH = FaultRates(concurrent_duplicate=0.0, throttle_claim=0.1)


@pytest.fixture(scope="module")
def harsh():
    return {
        handler: run_campaign(150, handler, 5, queue_type="fifo", rates=HARSH, message_groups=2)
        for handler in ("reference", "unordered")
    }


def test_reference_keeps_every_invariant_including_group_order(reference):
    assert reference.queue_type == "fifo" and reference.message_groups == FIFO_MESSAGE_GROUPS == 8
    violations = reference.violations()
    assert "per message group, effects in send order" in violations
    assert violations == dict.fromkeys(violations, 0)
    assert reference.effects_out_of_group_order == 0


def test_fifo_faults_and_what_the_group_rule_costs(reference):
    planned = plan_campaign(N_MESSAGES, FIFO_FAULT_RATES, SEED).faults.values()
    planned_by_kind = {kind: list(planned).count(kind) for kind in FAULT_KINDS}
    # SQS gives a FIFO group to one consumer at a time: no concurrent duplicate delivery
    assert planned_by_kind["concurrent_duplicate"] == reference.faults_injected["concurrent_duplicate"] == 0
    # a planned fault does not fire when its message was held back into the DLQ first, or
    # (an expired visibility) when an earlier episode's whole-batch twin completed it
    assert all(reference.faults_injected[k] <= planned_by_kind[k] for k in FAULT_KINDS)
    assert sum(reference.faults_injected.values()) >= sum(planned_by_kind.values()) - 3
    assert reference.faults_injected["visibility_expiry"] >= 1
    # the second consumer of each expired batch lost the claim race on the message in progress
    assert reference.failures_logged["AlreadyInProgressError"] == reference.faults_injected["visibility_expiry"]
    # failures held back the rest of their groups, and poison messages took some valid
    # messages behind them to the DLQ (received as often as the poison message was)
    assert reference.failures_logged["MessageGroupBlockedError"] > 0
    assert reference.valid_dead_lettered_behind_poison > 0
    assert reference.documents_written_twice_after_interruption <= (
        reference.faults_injected["crash_after_effect"] + reference.faults_injected["throttle_mark"]
    )


def test_without_the_fifo_rule_effects_leave_group_order(harsh):
    reference, unordered = harsh["reference"], harsh["unordered"]
    assert unordered.faults_injected["throttle_claim"] >= 10
    violations = unordered.violations()
    assert violations["per message group, effects in send order"] == unordered.effects_out_of_group_order > 0
    others = {k: v for k, v in violations.items() if k != "per message group, effects in send order"}
    assert others == dict.fromkeys(others, 0)
    # nothing is held back, so nothing valid follows a poison message into the DLQ
    assert "MessageGroupBlockedError" not in unordered.failures_logged
    assert unordered.valid_dead_lettered_behind_poison == 0
    # the reference under the very same plan keeps the order (and every other invariant)
    assert reference.violations() == dict.fromkeys(reference.violations(), 0)
    assert reference.valid_dead_lettered_behind_poison > 0


def test_same_seed_gives_the_same_fifo_counts(reference):
    again = run_campaign(N_MESSAGES, "reference", SEED, queue_type="fifo")
    assert again.summary() == reference.summary()


def test_fifo_campaign_over_moto_server_http():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with patched_environ(DUMMY_AWS_ENV):
            result = run_campaign(
                80, "reference", 3, endpoint_url=f"http://{host}:{port}", queue_type="fifo"
            )
    finally:
        server.stop()
    assert result.invariants_hold, result.violations()
    assert result.queue_type == "fifo" and result.faults_injected["visibility_expiry"] >= 1

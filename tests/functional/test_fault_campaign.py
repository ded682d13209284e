"""A small seeded fault campaign on moto: the reference keeps every invariant, the naive
check-process-mark variant breaks "no effect twice" under the very same campaign."""

from __future__ import annotations

from collections import Counter

import pytest

from handler_harness.faults import FAULT_KINDS, plan_campaign, run_campaign
from handler_harness.infra import DUMMY_AWS_ENV, patched_environ

N_MESSAGES = 200
SEED = 11


@pytest.fixture(scope="module")
def reference():
    return run_campaign(N_MESSAGES, "reference", SEED)


@pytest.fixture(scope="module")
def naive():
    return run_campaign(N_MESSAGES, "naive", SEED)


def test_campaign_mix_meets_the_required_shares(reference):
    assert reference.sent_messages == N_MESSAGES
    assert reference.duplicate_deliveries / N_MESSAGES >= 0.10
    assert reference.malformed_messages / N_MESSAGES >= 0.05
    planned = Counter(plan_campaign(N_MESSAGES, random_state=SEED).faults.values())
    for kind in FAULT_KINDS:
        assert reference.faults_injected[kind] >= 1, kind
        assert reference.faults_injected[kind] == planned[kind], kind
    assert reference.crashed_invocations >= 3  # one per crash kind at least


def test_reference_keeps_every_invariant(reference):
    assert reference.violations() == dict.fromkeys(reference.violations(), 0)
    assert reference.invariants_hold
    # the only rewrites are after an interruption between effect and mark, at most one each
    assert reference.documents_written_twice_after_interruption <= (
        reference.faults_injected["crash_after_effect"] + reference.faults_injected["throttle_mark"]
    )
    assert reference.result_versions == (
        reference.valid_documents + reference.documents_written_twice_after_interruption
    )
    # the losers of the races were told to retry, and every failure kind was logged
    # every overlapping delivery lost the claim race and was told to retry
    assert reference.failures_logged["AlreadyInProgressError"] == (
        reference.faults_injected["concurrent_duplicate"]
        + reference.faults_injected["visibility_expiry"]
    )
    assert reference.failures_logged["StoreThrottledError"] >= 1
    # every poison message failed on each of its 5 receives, with a typed error
    poison = reference.malformed_messages + reference.hostile_messages
    assert (reference.failures_logged["MalformedMessageError"]
            + reference.failures_logged["MalformedRecordError"]) == 5 * poison
    assert set(reference.failures_logged) <= {
        "AlreadyInProgressError", "StoreThrottledError", "MalformedMessageError",
        "MalformedRecordError"}


def test_hostile_messages_never_take_valid_ones_with_them(reference):
    assert reference.hostile_messages == 8  # 4 % of 200
    assert reference.valid_cobatched_with_poison > 0  # the invariant was exercised
    assert reference.valid_cobatched_with_poison_in_dlq == 0
    assert reference.unplanned_crashed_invocations == 0
    assert reference.crashed_invocations == sum(
        reference.faults_injected[k]
        for k in ("crash_before_effect", "crash_after_effect", "crash_after_mark"))


def test_naive_breaks_no_effect_twice_under_the_same_campaign(naive, reference):
    assert naive.sent_messages == reference.sent_messages
    assert naive.faults_injected["concurrent_duplicate"] >= 1
    violations = naive.violations()
    assert violations["no effect twice unless interrupted between effect and mark"] > 0
    # each overlapping pair of deliveries wrote twice
    assert naive.documents_written_twice_without_interruption == (
        naive.faults_injected["concurrent_duplicate"] + naive.faults_injected["visibility_expiry"]
    )
    others = {k: v for k, v in violations.items() if not k.startswith("no effect twice")}
    assert not any(others.values())


def test_same_seed_gives_the_same_counts(reference):
    again = run_campaign(N_MESSAGES, "reference", SEED)
    assert again.summary() == reference.summary()


def test_campaign_over_moto_server_http():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with patched_environ(DUMMY_AWS_ENV):
            result = run_campaign(60, "reference", 2, endpoint_url=f"http://{host}:{port}")
    finally:
        server.stop()
    assert result.invariants_hold, result.violations()
    assert result.faults_injected["concurrent_duplicate"] >= 1

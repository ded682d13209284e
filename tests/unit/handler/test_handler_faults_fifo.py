"""FIFO bookkeeping of the fault campaign, against hand-worked sequences."""

from __future__ import annotations

import dataclasses

import pytest

from handler_harness.faults import (
    CampaignResult,
    FaultRates,
    effects_out_of_group_order,
    held_back_by_poison,
    message_group_of_body,
    run_campaign,
)
from handler_reference.errors import HandlerError

#          seq: 0    1    2    3    4    5    6
GROUPS = ("a", "a", "b", "a", "b", "b", "a")


def test_effects_in_group_order_count_nothing():
    assert effects_out_of_group_order([0, 2, 1, 4, 3, 5, 6], GROUPS) == 0
    # a rewrite of the same message (after a crash between effect and mark) is in order
    assert effects_out_of_group_order([0, 0, 1, 1, 2], GROUPS) == 0


def test_each_late_effect_counts_once():
    # group a: 0, 3, 1 -> 1 comes after 3; then 6, 3 -> 3 again after 6
    assert effects_out_of_group_order([0, 3, 1, 6, 3], GROUPS) == 2
    # group b: 5 before 2 and 4
    assert effects_out_of_group_order([5, 2, 4], GROUPS) == 2


def test_held_back_means_behind_a_dead_lettered_poison_message_of_the_same_group():
    poison = {1, 4}
    # 3 and 6 follow poison 1 in group a; 5 follows poison 4 in group b; 0 precedes 1;
    # 2 precedes 4
    assert held_back_by_poison({0, 1, 2, 3, 4, 5, 6}, poison, GROUPS) == {3, 5, 6}
    # poison 4 not in the DLQ: nothing in group b counts as held back by it
    assert held_back_by_poison({1, 3, 5}, poison, GROUPS) == {3}
    assert held_back_by_poison({3, 5}, poison, GROUPS) == set()


def test_message_groups_follow_the_body():
    a = message_group_of_body('{"documentId": "doc-1"}', 8)
    assert a == message_group_of_body('{"documentId": "doc-1"}', 8)  # a duplicate: same group
    assert a.startswith("g") and 0 <= int(a[1:]) < 8
    groups = {message_group_of_body(f'{{"documentId": "doc-{i}"}}', 8) for i in range(200)}
    assert groups == {f"g{i:02d}" for i in range(8)}


def test_fifo_only_counts_stay_out_of_a_standard_summary():
    fields = dict.fromkeys((f.name for f in dataclasses.fields(CampaignResult)), 0)
    fields.update(handler="reference", random_state=0, faults_injected={}, failures_logged={})
    standard = CampaignResult(**{**fields, "queue_type": "standard", "elapsed_s": 0.0})
    fifo = CampaignResult(**{**fields, "queue_type": "fifo", "elapsed_s": 0.0})
    assert set(CampaignResult.FIFO_COUNTS).isdisjoint(standard.summary())
    assert set(CampaignResult.FIFO_COUNTS) <= set(fifo.summary())
    assert "per message group, effects in send order" not in standard.violations()
    assert fifo.violations()["per message group, effects in send order"] == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"queue_type": "lifo"}, "queue_type='lifo' must be one of"),
        ({"handler": "fast"}, "handler='fast' must be one of"),
        ({"message_groups": 4}, "message_groups=4 must be an integer in [1, 99], for a FIFO queue only"),
        ({"queue_type": "fifo", "message_groups": 0}, "message_groups=0 must be an integer >= 1"),
        ({"queue_type": "fifo", "rates": FaultRates()}, "rates.concurrent_duplicate=0.02 must be 0 for a FIFO"),
    ],
)
def test_bad_campaign_arguments_are_named(kwargs, message):
    with pytest.raises(HandlerError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run_campaign(20, **kwargs)

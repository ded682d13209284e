"""The fault campaign plan is pure: shares, determinism and coverage (no I/O)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handler_reference.errors import HandlerError, MalformedMessageError
from handler_reference.faults import FAULT_KINDS, FaultRates, plan_campaign
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

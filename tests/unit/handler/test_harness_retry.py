"""Retry policy of the local poller: capped exponential backoff, full jitter (no I/O)."""

from __future__ import annotations

import random

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from handler_harness.poller import LocalEventSourceMapping
from handler_harness.retry import EndpointUnavailableError, RetryPolicy, is_retryable
from handler_reference.errors import HandlerError


def client_error(code, status=400):
    return ClientError({"Error": {"Code": code, "Message": "m"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize("exc", [
    EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    ConnectionClosedError(endpoint_url="http://127.0.0.1:1"),
    ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    client_error("ThrottlingException"),
    client_error("RequestThrottled"),
    client_error("ServiceUnavailable", 503),
    client_error("SomethingNew", 500),
])
def test_outages_and_throttling_are_retryable(exc):
    assert is_retryable(exc)


@pytest.mark.parametrize("exc", [
    client_error("AWS.SimpleQueueService.NonExistentQueue"),
    client_error("AccessDenied", 403),
    ValueError("bug"),
])
def test_other_errors_are_not(exc):
    assert not is_retryable(exc)


class FakeTime:
    def __init__(self):
        self.now_s = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now_s += seconds

    def monotonic(self):
        return self.now_s


class Flaky:
    """Fails ``failures`` times with ``exc``, then returns ``"ok"``."""

    def __init__(self, failures, exc=None):
        self.failures = failures
        self.exc = exc or EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        self.calls = 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc
        return "ok"


def policy(clock, **kwargs):
    return RetryPolicy(sleep=clock.sleep, monotonic=clock.monotonic, **kwargs)


def test_delays_are_full_jitter_under_a_doubling_cap():
    clock = FakeTime()
    retry = policy(clock, base_delay_s=0.1, max_delay_s=1.0, max_elapsed_s=None,
                   random_state=7)
    flaky = Flaky(12)
    assert retry.call("Op", flaky) == "ok"
    assert flaky.calls == 13 and retry.retries == 12
    # ceilings 0.1, 0.2, 0.4, 0.8, then capped at 1.0
    ceilings = [0.1, 0.2, 0.4, 0.8] + [1.0] * 8
    assert all(0 <= d <= c for d, c in zip(clock.sleeps, ceilings, strict=True))
    # full jitter: the same generator draws uniform(0, ceiling), nothing else
    rng = random.Random(7)
    assert clock.sleeps == [rng.uniform(0, c) for c in ceilings]
    assert retry.waited_s == pytest.approx(sum(clock.sleeps))


def test_jitter_spreads_delays_over_the_whole_range():
    retry = RetryPolicy(base_delay_s=1.0, max_delay_s=1.0, random_state=3)
    draws = [retry.delay_s(5) for _ in range(4000)]
    assert max(draws) <= 1.0 and min(draws) >= 0.0
    # uniform on [0, 1]: mean 1/2, and each quarter holds about a quarter of the draws
    assert sum(draws) / len(draws) == pytest.approx(0.5, abs=0.02)
    for q in range(4):
        share = sum(q / 4 <= d < (q + 1) / 4 for d in draws) / len(draws)
        assert share == pytest.approx(0.25, abs=0.03)


def test_gives_up_after_the_elapsed_budget_with_a_typed_error():
    clock = FakeTime()
    retry = policy(clock, base_delay_s=0.5, max_delay_s=0.5, max_elapsed_s=3.0)
    flaky = Flaky(10**6)
    with pytest.raises(EndpointUnavailableError) as info:
        retry.call("ReceiveMessage", flaky)
    assert isinstance(info.value, HandlerError)
    assert "ReceiveMessage" in str(info.value) and "EndpointConnectionError" in str(info.value)
    assert clock.now_s >= 3.0 and sum(clock.sleeps) < 3.0 + 0.5


def test_non_retryable_error_is_raised_at_once():
    clock = FakeTime()
    flaky = Flaky(1, client_error("AccessDenied", 403))
    with pytest.raises(ClientError):
        policy(clock).call("Op", flaky)
    assert flaky.calls == 1 and clock.sleeps == []


@pytest.mark.parametrize("kwargs", [{"base_delay_s": 0}, {"base_delay_s": 3, "max_delay_s": 2},
                                    {"max_elapsed_s": -1}])
def test_bad_policy(kwargs):
    with pytest.raises(HandlerError):
        RetryPolicy(**kwargs)


class OutageSQS:
    """An SQS client whose calls fail with EndpointConnectionError while ``down`` > 0."""

    class meta:
        region_name = "us-east-1"

    def __init__(self, down_calls):
        self.down = down_calls
        self.messages = [{"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}"}]
        self.deleted = []

    def _maybe_fail(self):
        if self.down > 0:
            self.down -= 1
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    def get_queue_attributes(self, **kwargs):
        self._maybe_fail()
        if "QueueArn" in kwargs["AttributeNames"]:
            return {"Attributes": {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q"}}
        return {"Attributes": {"ApproximateNumberOfMessages": str(len(self.messages)),
                               "ApproximateNumberOfMessagesNotVisible": "0"}}

    def receive_message(self, **kwargs):
        self._maybe_fail()
        out, self.messages = self.messages, []
        return {"Messages": out}

    def delete_message_batch(self, **kwargs):
        self._maybe_fail()
        self.deleted.extend(e["ReceiptHandle"] for e in kwargs["Entries"])
        return {"Successful": kwargs["Entries"]}


def test_poller_drains_through_an_outage():
    clock = FakeTime()
    sqs = OutageSQS(down_calls=5)
    esm = LocalEventSourceMapping(sqs, "q", lambda event, ctx: None,
                                  retry=policy(clock, random_state=1))
    assert esm.retry.retries == 5  # the outage began before the first call
    sqs.down = 4  # and again before the first receive
    result = esm.drain()
    assert result.invocations == 1 and sqs.deleted == ["r1"]
    assert result.endpoint_retries == 4 and result.endpoint_wait_s == pytest.approx(
        sum(clock.sleeps[5:]))

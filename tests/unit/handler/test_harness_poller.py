"""The local event source mapping's rules: AWS's partial batch responses, the Lambda SQS
event shape and the context's countdown (no I/O)."""

from __future__ import annotations

import pytest

from handler_harness.poller import LambdaContext, failed_message_ids, lambda_record

IDS = ["a", "b", "c"]


# -- AWS's rules for partial batch responses ----------------------------------------------


@pytest.mark.parametrize(
    "response",
    [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}],
)
def test_success_responses(response):
    assert failed_message_ids(response, IDS) == frozenset()


def test_listed_items_fail_alone():
    response = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert failed_message_ids(response, IDS) == {"b"}


@pytest.mark.parametrize(
    "response",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"itemIdentifier": "zzz"}]},
        {"batchItemFailures": [{"itemId": "a"}]},
        {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": ""}]},
        {"batchItemFailures": "a"},
        ["a"],
        "ok",
    ],
)
def test_bad_responses_fail_the_whole_batch(response):
    assert failed_message_ids(response, IDS) == frozenset(IDS)


def test_raised_handler_fails_the_whole_batch():
    assert failed_message_ids({"batchItemFailures": []}, IDS, raised=True) == frozenset(IDS)



# -- Lambda event shape ------------------------------------------------------------------


def test_lambda_record_has_the_documented_sqs_event_fields():
    message = {
        "MessageId": "id-1",
        "ReceiptHandle": "rh-1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "SenderId": "S",
                       "ApproximateFirstReceiveTimestamp": "2", "Policy": "not passed"},
        "MessageAttributes": {"k": {"StringValue": "v", "DataType": "String"}},
    }
    record = lambda_record(message, "arn:aws:sqs:us-east-1:123456789012:q", "us-east-1")
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes",
                           "messageAttributes", "md5OfBody", "eventSource", "eventSourceARN",
                           "awsRegion"}
    assert record["eventSource"] == "aws:sqs"
    assert "Policy" not in record["attributes"]
    assert record["messageAttributes"]["k"] == {
        "stringValue": "v", "binaryValue": None, "stringListValues": [],
        "binaryListValues": [], "dataType": "String"}


def test_context_counts_down_remaining_time():
    now = [1_000_000]
    ctx = LambdaContext("r", "f", deadline_ms=1_030_000, clock_ms=lambda: now[0])
    assert ctx.get_remaining_time_in_millis() == 30_000
    now[0] += 45_000
    assert ctx.get_remaining_time_in_millis() == 0

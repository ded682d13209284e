"""The naive check-process-mark counter-example and its store adapters (no I/O)."""

from __future__ import annotations

import json
import threading

import pytest
from botocore.exceptions import ClientError

from handler_harness.naive import (
    CheckMarkPorts,
    DynamoDBCheckMarkStore,
    InMemoryCheckMarkStore,
    process_record_naive,
)
from handler_reference.errors import StoreThrottledError
from handler_reference.processor import Ports, RecordOutcome, parse_command, process_record
from handler_reference.sink import InMemoryResultSink
from handler_reference.store import COMPLETED, InMemoryIdempotencyStore

T0_MS = 1_700_000_000_000
BODY = json.dumps({"documentId": "doc-1", "text": "two words"})


class Context:
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self):
        return 30_000


def naive_run(ports, message_id="m-1"):
    record = {"messageId": message_id, "receiptHandle": "rh", "body": BODY}
    return process_record_naive(parse_command(BODY), record, Context(), ports)


def test_sequential_duplicate_is_caught_by_the_check():
    ports = CheckMarkPorts(store=InMemoryCheckMarkStore(), sink=InMemoryResultSink(),
                           clock_ms=lambda: T0_MS)
    assert naive_run(ports) is RecordOutcome.PROCESSED
    assert naive_run(ports, "m-2") is RecordOutcome.DUPLICATE
    assert len(ports.sink.versions["processed/doc-1.json"]) == 1
    assert ports.store.records["doc-1"].status == COMPLETED


def test_adapter_shares_the_reference_store_records():
    reference = InMemoryIdempotencyStore()
    sink = InMemoryResultSink()
    ports = Ports(store=reference, sink=sink, clock_ms=lambda: T0_MS)
    record = {"messageId": "m-1", "receiptHandle": "rh", "body": BODY}
    assert process_record(parse_command(BODY), record, Context(), ports) is RecordOutcome.PROCESSED
    naive = CheckMarkPorts(store=InMemoryCheckMarkStore(reference), sink=sink,
                           clock_ms=lambda: T0_MS)
    assert naive_run(naive, "m-2") is RecordOutcome.DUPLICATE


class RendezvousCheckMarkStore(InMemoryCheckMarkStore):
    """Both deliveries finish their check before either goes on."""

    def __init__(self):
        super().__init__()
        self.barrier = threading.Barrier(2, timeout=10)

    def get(self, *args, **kwargs):
        try:
            return super().get(*args, **kwargs)
        finally:
            self.barrier.wait()


def test_concurrent_duplicates_naive_writes_twice():
    ports = CheckMarkPorts(store=RendezvousCheckMarkStore(), sink=InMemoryResultSink(),
                           clock_ms=lambda: T0_MS)
    outcomes = []
    threads = [threading.Thread(target=lambda m=m: outcomes.append(naive_run(ports, m)))
               for m in ("m-1", "m-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(ports.sink.versions["processed/doc-1.json"]) == 2
    assert outcomes == [RecordOutcome.PROCESSED, RecordOutcome.PROCESSED]


class StubDynamoDB:
    def __init__(self, error_code=None, item=None):
        self.error_code, self.item, self.calls = error_code, item, []

    def get_item(self, **kwargs):
        self.calls.append(("GetItem", kwargs))
        return {"Item": self.item} if self.item else {}

    def put_item(self, **kwargs):
        self.calls.append(("PutItem", kwargs))
        if self.error_code:
            raise ClientError({"Error": {"Code": self.error_code, "Message": "stub"}}, "PutItem")
        return {}


def test_dynamodb_adapter_reads_consistently_and_ignores_expired_records():
    item = {"pk": {"S": "k"}, "status": {"S": COMPLETED}, "payload_sha256": {"S": "h"},
            "expiration": {"N": str(T0_MS // 1000 - 1)}}
    client = StubDynamoDB(item=item)
    store = DynamoDBCheckMarkStore(client, "t")
    assert store.get("k", now_ms=T0_MS) is None  # expired one second ago
    assert client.calls[0][1]["ConsistentRead"] is True
    item["expiration"] = {"N": str(T0_MS // 1000 + 60)}
    assert store.get("k", now_ms=T0_MS).status == COMPLETED


def test_dynamodb_adapter_mark_is_conditional_and_translates_errors():
    store = DynamoDBCheckMarkStore(StubDynamoDB("ConditionalCheckFailedException"), "t")
    assert store.put_completed_if_absent("k", "h", now_ms=T0_MS, expires_after_s=60) is False
    assert store.client.calls[0][1]["ConditionExpression"] == "attribute_not_exists(pk)"
    throttled = DynamoDBCheckMarkStore(StubDynamoDB("ThrottlingException"), "t")
    with pytest.raises(StoreThrottledError):
        throttled.put_completed_if_absent("k", "h", now_ms=T0_MS, expires_after_s=60)
    assert "dynamodb:GetItem" in DynamoDBCheckMarkStore.REQUIRED_ACTIONS

"""Record processing with in-memory fakes (no I/O): claim-first, and the store's errors."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from botocore.exceptions import ClientError

from handler_reference.errors import (
    AlreadyInProgressError,
    ClaimLostError,
    EffectError,
    HandlerError,
    MalformedMessageError,
    PayloadMismatchError,
    StoreError,
    StoreThrottledError,
)
from handler_reference.processor import (
    Ports,
    RecordOutcome,
    parse_command,
    process_record,
    render_result,
)
from handler_reference.sink import InMemoryResultSink
from handler_reference.store import (
    COMPLETED,
    IN_PROGRESS,
    DynamoDBIdempotencyStore,
    InMemoryIdempotencyStore,
)

T0_MS = 1_700_000_000_000


class Clock:
    def __init__(self, now_ms=T0_MS):
        self.now_ms = now_ms

    def __call__(self):
        return self.now_ms


class Context:
    def __init__(self, request_id="req-1", remaining_ms=30_000):
        self.aws_request_id = request_id
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


def record(body, message_id="m-1"):
    return {"messageId": message_id, "receiptHandle": "rh", "body": body}


def make_ports(store=None, sink=None, clock=None, expires_after_s=3600):
    return Ports(
        store=store or InMemoryIdempotencyStore(),
        sink=sink or InMemoryResultSink(),
        expires_after_s=expires_after_s,
        clock_ms=clock or Clock(),
    )


BODY = json.dumps({"documentId": "doc-1", "text": "two words"})


def run(body, ports, message_id="m-1", context=None):
    return process_record(parse_command(body), record(body, message_id), context or Context(), ports)


# -- parsing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("not json", "not JSON"),
        ('{"documentId": "a"', "not JSON"),
        ('["doc-1"]', "JSON object"),
        ('{"text": "x"}', "no 'documentId'"),
        ('{"documentId": 7}', "must be a string"),
        ('{"documentId": ""}', "must be 1-200"),
        ('{"documentId": "../etc/passwd"}', "must be 1-200"),
        ('{"documentId": "a b"}', "must be 1-200"),
        (None, "body must be a string"),
    ],
)
def test_parse_rejects_malformed_bodies_with_a_reason(body, fragment):
    with pytest.raises(MalformedMessageError) as info:
        parse_command(body)
    assert fragment in str(info.value)
    assert isinstance(info.value, HandlerError)


def test_parse_hash_ignores_key_order_and_whitespace():
    a = parse_command('{"documentId": "d", "n": 1, "text": "x"}')
    b = parse_command('{ "text":"x","n":1,\n"documentId":"d"}')
    assert a.payload_sha256 == b.payload_sha256
    # the hash is SHA-256 of the canonical JSON, computed independently here
    canonical = b'{"documentId":"d","n":1,"text":"x"}'
    assert a.payload_sha256 == hashlib.sha256(canonical).hexdigest()


def test_result_depends_only_on_the_message():
    result = json.loads(render_result(parse_command(BODY)))
    assert result["documentId"] == "doc-1"
    assert result["textWords"] == 2 and result["textChars"] == len("two words")
    assert result["fieldCount"] == 2
    assert render_result(parse_command(BODY)) == render_result(parse_command(BODY))


# -- claim-first reference ---------------------------------------------------------------


def test_first_delivery_processes_and_the_same_event_again_is_a_duplicate():
    ports = make_ports()
    assert run(BODY, ports) is RecordOutcome.PROCESSED
    assert run(BODY, ports, message_id="m-2") is RecordOutcome.DUPLICATE
    assert len(ports.sink.versions["processed/doc-1.json"]) == 1
    assert ports.store.records["doc-1"].status == COMPLETED


def test_live_claim_of_another_invocation_fails_the_record_for_retry():
    store = InMemoryIdempotencyStore()
    digest = parse_command(BODY).payload_sha256
    store.claim("doc-1", digest, "other", now_ms=T0_MS, expires_after_s=3600, lock_for_ms=30_000)
    ports = make_ports(store=store)
    with pytest.raises(AlreadyInProgressError):
        run(BODY, ports)
    assert ports.sink.versions == {}


def test_claim_left_by_a_crashed_invocation_is_taken_over_after_its_lock_expires():
    store = InMemoryIdempotencyStore()
    digest = parse_command(BODY).payload_sha256
    store.claim("doc-1", digest, "crashed", now_ms=T0_MS, expires_after_s=3600, lock_for_ms=30_000)
    clock = Clock(T0_MS + 30_001)
    ports = make_ports(store=store, clock=clock)
    assert run(BODY, ports) is RecordOutcome.PROCESSED


def test_completed_record_expires_and_the_redo_is_an_identical_overwrite():
    clock = Clock()
    ports = make_ports(clock=clock, expires_after_s=60)
    run(BODY, ports)
    clock.now_ms += 61_000
    assert run(BODY, ports, message_id="m-2") is RecordOutcome.PROCESSED
    first, second = ports.sink.versions["processed/doc-1.json"]
    assert first == second


def test_same_document_id_with_a_different_payload_is_rejected():
    ports = make_ports()
    run(BODY, ports)
    other = json.dumps({"documentId": "doc-1", "text": "something else"})
    with pytest.raises(PayloadMismatchError):
        run(other, ports, message_id="m-2")
    assert len(ports.sink.versions["processed/doc-1.json"]) == 1


class FailingSink:
    def put(self, key, body):
        raise EffectError("boom")


def test_handled_failure_releases_the_claim_so_a_retry_can_start_at_once():
    store = InMemoryIdempotencyStore()
    with pytest.raises(EffectError):
        run(BODY, make_ports(store=store, sink=FailingSink()))
    assert "doc-1" not in store.records
    assert run(BODY, make_ports(store=store)) is RecordOutcome.PROCESSED


class Crash(BaseException):
    pass


class CrashingSink:
    def put(self, key, body):
        raise Crash()


def test_crash_leaves_the_claim_in_progress_until_it_expires():
    store = InMemoryIdempotencyStore()
    with pytest.raises(Crash):
        run(BODY, make_ports(store=store, sink=CrashingSink()), context=Context(remaining_ms=5000))
    assert store.records["doc-1"].status == IN_PROGRESS
    assert store.records["doc-1"].in_progress_expiration_ms == T0_MS + 5000


def test_lost_claim_cannot_be_completed():
    store = InMemoryIdempotencyStore()
    store.claim("k", "h", "mine", now_ms=T0_MS, expires_after_s=60, lock_for_ms=10)
    store.claim("k", "h", "theirs", now_ms=T0_MS + 11, expires_after_s=60, lock_for_ms=10)
    with pytest.raises(ClaimLostError):
        store.complete("k", "mine", now_ms=T0_MS + 12)
    assert store.release("k", "mine") is False


# -- concurrency: the reason for claim-first ----------------------------------------------


class RendezvousStore(InMemoryIdempotencyStore):
    """Both deliveries finish their claim before either goes on."""

    def __init__(self):
        super().__init__()
        self.barrier = threading.Barrier(2, timeout=10)

    def claim(self, *args, **kwargs):
        try:
            return super().claim(*args, **kwargs)
        finally:
            self.barrier.wait()


def test_concurrent_duplicates_reference_writes_once():
    ports = make_ports(store=RendezvousStore())
    outcomes = []

    def deliver(message_id):
        try:
            outcomes.append(run(BODY, ports, message_id=message_id))
        except HandlerError as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=deliver, args=(m,)) for m in ("m-1", "m-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(ports.sink.versions["processed/doc-1.json"]) == 1
    assert sorted(str(o) for o in outcomes) == ["AlreadyInProgressError", "RecordOutcome.PROCESSED"]


def test_store_interface_is_claim_complete_release():
    from handler_reference.store import IdempotencyStore

    public = {name for name in vars(IdempotencyStore) if not name.startswith("_")}
    assert public == {"claim", "complete", "release"}
    for implementation in (InMemoryIdempotencyStore, DynamoDBIdempotencyStore):
        methods = {name for name in vars(implementation)
                   if callable(getattr(implementation, name)) and not name.startswith("_")}
        assert methods == {"claim", "complete", "release"}, implementation


# -- DynamoDB store: error translation with a stub client (no I/O) ----------------------


class StubDynamoDB:
    def __init__(self, error_code, item=None):
        self.error_code = error_code
        self.item = item
        self.calls = []

    def _fail(self, name, kwargs):
        self.calls.append((name, kwargs))
        response = {"Error": {"Code": self.error_code, "Message": "stub"}}
        if self.item is not None:
            response["Item"] = self.item
        raise ClientError(response, name)

    def put_item(self, **kwargs):
        self._fail("PutItem", kwargs)

    def update_item(self, **kwargs):
        self._fail("UpdateItem", kwargs)

    def delete_item(self, **kwargs):
        self._fail("DeleteItem", kwargs)


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_throttling_becomes_store_throttled_error(code):
    store = DynamoDBIdempotencyStore(StubDynamoDB(code), "t")
    with pytest.raises(StoreThrottledError) as info:
        store.claim("k", "h", "c", now_ms=T0_MS, expires_after_s=60, lock_for_ms=10)
    assert isinstance(info.value.__cause__, ClientError)


def test_other_client_errors_become_store_error():
    store = DynamoDBIdempotencyStore(StubDynamoDB("ResourceNotFoundException"), "t")
    with pytest.raises(StoreError) as info:
        store.complete("k", "c", now_ms=T0_MS)
    assert not isinstance(info.value, StoreThrottledError)


def test_claim_condition_compares_expiry_and_returns_the_blocking_record():
    item = {
        "pk": {"S": "k"},
        "status": {"S": COMPLETED},
        "payload_sha256": {"S": "h"},
        "claim_id": {"S": "c"},
        "expiration": {"N": str(T0_MS // 1000 + 60)},
    }
    client = StubDynamoDB("ConditionalCheckFailedException", item=item)
    result = DynamoDBIdempotencyStore(client, "t").claim(
        "k", "h", "c2", now_ms=T0_MS, expires_after_s=60, lock_for_ms=10
    )
    assert not result.acquired and result.existing.status == COMPLETED
    kwargs = client.calls[0][1]
    assert "expiration < :now_s" in kwargs["ConditionExpression"]
    assert "in_progress_expiration < :now_ms" in kwargs["ConditionExpression"]
    assert kwargs["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert kwargs["ExpressionAttributeValues"][":now_s"] == {"N": str(T0_MS // 1000)}

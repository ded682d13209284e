"""COUNTER-EXAMPLE - do not use. The seed's "check, then process, then mark" idempotency.

This is the TypeScript seed handler's record logic translated literally::

    if (await isAlreadyProcessed(documentId)) continue
    await processor.process(payload)
    await markProcessed(documentId)       // conditional put, "already exists" ignored

It is racy: two deliveries of the same document that overlap in time (a producer
duplicate picked up by two concurrent invocations, or a message whose visibility
timeout expires while it is still being processed) both read "not processed" and both
run the effect. The conditional put at the end only stops the second *mark*, not the
second *effect*. The fault campaign (``faults.run_campaign(handler="naive")``) shows it
breaking the "no effect twice" invariant; the reference is
:func:`handler_reference.processor.process_record` (claim first).

Its store operations (a read, then a conditional put of a ``COMPLETED`` record) are not
part of the reference store interface (claim / complete / release); they live here, in
:class:`CheckMarkStore` adapters over the same DynamoDB table layout or the same
in-memory records as the reference store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handler_reference.processor import DocumentCommand, RecordOutcome, render_result
from handler_reference.sink import ResultSink
from handler_reference.store import (
    COMPLETED,
    IdempotencyRecord,
    InMemoryIdempotencyStore,
    is_condition_failure,
    record_from_item,
    translate_store_error,
)


class CheckMarkStore(Protocol):
    """The seed's two store operations: ``isAlreadyProcessed`` and ``markProcessed``."""

    def get(self, key: str, now_ms: int) -> IdempotencyRecord | None:
        """The live record for ``key`` or ``None`` (the check)."""

    def put_completed_if_absent(
        self, key: str, payload_sha256: str, now_ms: int, expires_after_s: int
    ) -> bool:
        """Write a ``COMPLETED`` record if none exists (the mark); ``False`` if one did."""


class DynamoDBCheckMarkStore:
    """:class:`CheckMarkStore` on the reference store's DynamoDB table layout.

    Parameters
    ----------
    client : botocore DynamoDB client
    table_name : str
        Table with string partition key ``pk``.
    """

    #: IAM actions this class calls (the check is a read the reference never makes).
    REQUIRED_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def get(self, key: str, now_ms: int) -> IdempotencyRecord | None:
        try:
            response = self.client.get_item(
                TableName=self.table_name, Key={"pk": {"S": key}}, ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate_store_error(exc, "GetItem", key) from exc
        item = response.get("Item")
        if not item:
            return None
        record = record_from_item(item)
        return record if record.is_live(now_ms) else None

    def put_completed_if_absent(
        self, key: str, payload_sha256: str, now_ms: int, expires_after_s: int
    ) -> bool:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": key},
                    "status": {"S": COMPLETED},
                    "payload_sha256": {"S": payload_sha256},
                    "claim_id": {"S": ""},
                    "expiration": {"N": str(now_ms // 1000 + int(expires_after_s))},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise translate_store_error(exc, "PutItem (mark)", key) from exc
        except BotoCoreError as exc:
            raise translate_store_error(exc, "PutItem (mark)", key) from exc
        return True


class InMemoryCheckMarkStore:
    """:class:`CheckMarkStore` over the records (and lock) of an in-memory reference store.

    Parameters
    ----------
    store : InMemoryIdempotencyStore, optional
        Whose ``records`` to read and write (a new empty one by default).
    """

    def __init__(self, store: InMemoryIdempotencyStore | None = None) -> None:
        self.store = store if store is not None else InMemoryIdempotencyStore()

    @property
    def records(self) -> dict[str, IdempotencyRecord]:
        """The shared records, by key."""
        return self.store.records

    def get(self, key: str, now_ms: int) -> IdempotencyRecord | None:
        with self.store.lock:
            record = self.store.records.get(key)
        return record if record is not None and record.is_live(now_ms) else None

    def put_completed_if_absent(
        self, key: str, payload_sha256: str, now_ms: int, expires_after_s: int
    ) -> bool:
        with self.store.lock:
            if key in self.store.records:
                return False
            self.store.records[key] = IdempotencyRecord(
                key, COMPLETED, payload_sha256, "", now_ms // 1000 + int(expires_after_s), 0
            )
            return True


@dataclass(frozen=True)
class CheckMarkPorts:
    """The outside world of the naive processor (like ``processor.Ports``, other store).

    Parameters
    ----------
    store : CheckMarkStore
    sink : ResultSink
    result_prefix : str
    expires_after_s : int
        [s] Lifetime of a completed record.
    clock_ms : callable
        Current epoch time [ms].
    """

    store: CheckMarkStore
    sink: ResultSink
    result_prefix: str = "processed/"
    expires_after_s: int = 3600
    clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000


def process_record_naive(
    command: DocumentCommand, record: Mapping[str, Any], context: Any, ports: CheckMarkPorts
) -> RecordOutcome:
    """COUNTER-EXAMPLE: check (GetItem), process (PutObject), mark (conditional PutItem)."""
    key = command.document_id
    if ports.store.get(key, now_ms=ports.clock_ms()) is not None:  # check
        return RecordOutcome.DUPLICATE
    ports.sink.put(f"{ports.result_prefix}{key}.json", render_result(command))  # process
    ports.store.put_completed_if_absent(  # mark; "already exists" is silently fine
        key, command.payload_sha256, now_ms=ports.clock_ms(), expires_after_s=ports.expires_after_s
    )
    return RecordOutcome.PROCESSED

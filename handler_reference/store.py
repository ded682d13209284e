"""Idempotency store: a small interface, a DynamoDB implementation and an in-memory fake.

Choice (see ``docs/handler.md``): our own store rather than Powertools' idempotency
utility, so that the claim, its expiry and the payload check are a few visible lines
that the fault campaign can interrupt at exact points. The protocol is the one
Powertools uses:

1. **claim** - one conditional ``PutItem`` writes an ``IN_PROGRESS`` record before any
   work is done. It succeeds only if no record exists, the record has expired
   (``expiration < now``), or it is an ``IN_PROGRESS`` record whose lock has run out
   (``in_progress_expiration < now``). Expiry is compared *inside the condition*
   because DynamoDB TTL deletes lazily (and moto never does).
2. **complete** - a conditional ``UpdateItem`` sets ``COMPLETED`` only if we still own
   the claim.
3. **release** - on a handled error the claim is deleted (conditionally) so a retry
   can start at once; after a crash it simply expires.

Table layout: partition key ``pk`` (S); attributes ``status``, ``payload_sha256``,
``claim_id``, ``expiration`` (N, epoch seconds, also the TTL attribute) and
``in_progress_expiration`` (N, epoch milliseconds).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handler_reference.errors import ClaimLostError, StoreError, StoreThrottledError

IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"

THROTTLING_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
    }
)

_CLAIM_CONDITION = (
    "attribute_not_exists(pk) OR expiration < :now_s "
    "OR (#status = :in_progress AND in_progress_expiration < :now_ms)"
)
_OWNED_CONDITION = "#status = :in_progress AND claim_id = :claim_id"


@dataclass(frozen=True)
class IdempotencyRecord:
    """One record of the store.

    Parameters
    ----------
    key : str
        Idempotency key (the documentId).
    status : str
        ``IN_PROGRESS`` or ``COMPLETED``.
    payload_sha256 : str
        Hash of the canonical payload, for payload validation.
    claim_id : str
        Who claimed it (request id and message id).
    expiration_s : int
        [s] Epoch second after which the record no longer counts.
    in_progress_expiration_ms : int
        [ms] Epoch millisecond after which an ``IN_PROGRESS`` claim may be taken over.
    """

    key: str
    status: str
    payload_sha256: str
    claim_id: str
    expiration_s: int
    in_progress_expiration_ms: int

    def is_live(self, now_ms: int) -> bool:
        """Whether the record still blocks a new claim at ``now_ms`` [ms]."""
        if self.expiration_s < now_ms // 1000:
            return False
        return not (self.status == IN_PROGRESS and self.in_progress_expiration_ms < now_ms)


@dataclass(frozen=True)
class ClaimResult:
    """Outcome of :meth:`IdempotencyStore.claim`: acquired, or the live record that blocked it."""

    acquired: bool
    existing: IdempotencyRecord | None = None


class IdempotencyStore(Protocol):
    """What the record processor needs from an idempotency store: claim, complete, release."""

    def claim(
        self,
        key: str,
        payload_sha256: str,
        claim_id: str,
        now_ms: int,
        expires_after_s: int,
        lock_for_ms: int,
    ) -> ClaimResult:
        """Conditionally write an ``IN_PROGRESS`` record (see module docstring)."""

    def complete(self, key: str, claim_id: str, now_ms: int) -> None:
        """Mark our claim ``COMPLETED``; :class:`ClaimLostError` if we no longer own it."""

    def release(self, key: str, claim_id: str) -> bool:
        """Delete our ``IN_PROGRESS`` claim; ``False`` if it was not ours any more."""


def record_from_item(item: dict[str, Any]) -> IdempotencyRecord:
    """The :class:`IdempotencyRecord` of a DynamoDB item (low-level attribute-value form)."""
    return IdempotencyRecord(
        key=item["pk"]["S"],
        status=item["status"]["S"],
        payload_sha256=item.get("payload_sha256", {}).get("S", ""),
        claim_id=item.get("claim_id", {}).get("S", ""),
        expiration_s=int(item["expiration"]["N"]),
        in_progress_expiration_ms=int(item.get("in_progress_expiration", {"N": "0"})["N"]),
    )


def translate_store_error(exc: Exception, operation: str, key: str) -> StoreError:
    """The domain error for a failed DynamoDB call (throttling -> :class:`StoreThrottledError`)."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in THROTTLING_ERROR_CODES:
            return StoreThrottledError(
                f"DynamoDB throttled {operation} for key {key!r} ({code}) after the SDK retries"
            )
        return StoreError(f"DynamoDB {operation} failed for key {key!r}: {code}: {exc}")
    return StoreError(f"DynamoDB {operation} failed for key {key!r}: {exc}")


def is_condition_failure(exc: ClientError) -> bool:
    """Whether a DynamoDB error is a failed ``ConditionExpression``."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoDBIdempotencyStore:
    """:class:`IdempotencyStore` on a DynamoDB table (injected low-level client).

    Parameters
    ----------
    client : botocore DynamoDB client
        ``boto3.client("dynamodb")`` (any endpoint).
    table_name : str
        Table with string partition key ``pk``.
    """

    #: IAM actions this class calls; ``iam.py`` builds the policy from them.
    REQUIRED_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def claim(self, key: str, payload_sha256: str, claim_id: str, now_ms: int, expires_after_s: int,
              lock_for_ms: int) -> ClaimResult:
        item = {
            "pk": {"S": key},
            "status": {"S": IN_PROGRESS},
            "payload_sha256": {"S": payload_sha256},
            "claim_id": {"S": claim_id},
            "expiration": {"N": str(now_ms // 1000 + int(expires_after_s))},
            "in_progress_expiration": {"N": str(now_ms + int(lock_for_ms))},
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression=_CLAIM_CONDITION,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":now_s": {"N": str(now_ms // 1000)},
                    ":now_ms": {"N": str(now_ms)},
                    ":in_progress": {"S": IN_PROGRESS},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                old = exc.response.get("Item")
                return ClaimResult(False, record_from_item(old) if old else None)
            raise translate_store_error(exc, "PutItem (claim)", key) from exc
        except BotoCoreError as exc:
            raise translate_store_error(exc, "PutItem (claim)", key) from exc
        return ClaimResult(True)

    def complete(self, key: str, claim_id: str, now_ms: int) -> None:
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": key}},
                UpdateExpression="SET #status = :completed, completed_at_ms = :now_ms",
                ConditionExpression=_OWNED_CONDITION,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":completed": {"S": COMPLETED},
                    ":in_progress": {"S": IN_PROGRESS},
                    ":claim_id": {"S": claim_id},
                    ":now_ms": {"N": str(now_ms)},
                },
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                raise ClaimLostError(key) from exc
            raise translate_store_error(exc, "UpdateItem (complete)", key) from exc
        except BotoCoreError as exc:
            raise translate_store_error(exc, "UpdateItem (complete)", key) from exc

    def release(self, key: str, claim_id: str) -> bool:
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key={"pk": {"S": key}},
                ConditionExpression=_OWNED_CONDITION,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":in_progress": {"S": IN_PROGRESS},
                    ":claim_id": {"S": claim_id},
                },
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise translate_store_error(exc, "DeleteItem (release)", key) from exc
        except BotoCoreError as exc:
            raise translate_store_error(exc, "DeleteItem (release)", key) from exc
        return True


class InMemoryIdempotencyStore:
    """Thread-safe in-memory :class:`IdempotencyStore` with the same conditions (for tests).

    ``records`` and ``lock`` are public so a test adapter can work on the same records.
    """

    def __init__(self) -> None:
        self.records: dict[str, IdempotencyRecord] = {}
        self.lock = threading.Lock()

    def claim(self, key: str, payload_sha256: str, claim_id: str, now_ms: int, expires_after_s: int,
              lock_for_ms: int) -> ClaimResult:
        with self.lock:
            old = self.records.get(key)
            if old is not None and old.is_live(now_ms):
                return ClaimResult(False, old)
            self.records[key] = IdempotencyRecord(
                key=key,
                status=IN_PROGRESS,
                payload_sha256=payload_sha256,
                claim_id=claim_id,
                expiration_s=now_ms // 1000 + int(expires_after_s),
                in_progress_expiration_ms=now_ms + int(lock_for_ms),
            )
            return ClaimResult(True)

    def complete(self, key: str, claim_id: str, now_ms: int) -> None:
        with self.lock:
            old = self.records.get(key)
            if old is None or old.status != IN_PROGRESS or old.claim_id != claim_id:
                raise ClaimLostError(key)
            self.records[key] = IdempotencyRecord(
                key, COMPLETED, old.payload_sha256, claim_id, old.expiration_s,
                old.in_progress_expiration_ms,
            )

    def release(self, key: str, claim_id: str) -> bool:
        with self.lock:
            old = self.records.get(key)
            if old is None or old.status != IN_PROGRESS or old.claim_id != claim_id:
                return False
            del self.records[key]
            return True

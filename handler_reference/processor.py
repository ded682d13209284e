"""Pure record processing: parse a message body, claim, write the result, mark done.

Nothing here knows about Lambda events beyond one record's ``messageId``; storage is
behind the :class:`~handler_reference.store.IdempotencyStore` and
:class:`~handler_reference.sink.ResultSink` interfaces, so unit tests use in-memory fakes.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handler_reference.errors import (
    AlreadyInProgressError,
    HandlerError,
    MalformedMessageError,
    PayloadMismatchError,
)
from handler_reference.sink import ResultSink
from handler_reference.store import COMPLETED, IdempotencyStore

#: documentIds become S3 keys: letters, digits, '.', '_' and '-', 1-200 characters.
DOCUMENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
#: Largest body accepted [bytes] (SQS's own limit is 256 KiB).
MAX_BODY_BYTES = 262_144
#: Lock length used when no Lambda context is available [ms] (Lambda's maximum timeout).
DEFAULT_LOCK_MS = 900_000
RESULT_SCHEMA_VERSION = 1


class RecordOutcome(enum.Enum):
    """What happened to a record that did not fail."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class DocumentCommand:
    """A parsed message: the documentId and the whole JSON object.

    Parameters
    ----------
    document_id : str
        Idempotency key and result file name.
    payload : Mapping
        The decoded JSON object (including ``documentId``).
    payload_sha256 : str
        SHA-256 of the canonical JSON (sorted keys, no spaces), for payload validation.
    """

    document_id: str
    payload: Mapping[str, Any]
    payload_sha256: str


@dataclass(frozen=True)
class Ports:
    """The outside world of the record processor.

    Parameters
    ----------
    store : IdempotencyStore
    sink : ResultSink
    result_prefix : str
        Key prefix of result objects.
    expires_after_s : int
        [s] Lifetime of a completed idempotency record.
    clock_ms : callable
        Returns the current epoch time [ms]; injected so faults can move time.
    """

    store: IdempotencyStore
    sink: ResultSink
    result_prefix: str = "processed/"
    expires_after_s: int = 3600
    clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no whitespace (stable bytes for hashing)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_command(body: Any) -> DocumentCommand:
    """Parse and validate one message body.

    Parameters
    ----------
    body : str
        The SQS message body: a JSON object with a string ``documentId``.

    Raises
    ------
    MalformedMessageError
        Naming what is wrong (not text, too large, not JSON, not an object, missing,
        non-string or ill-formed ``documentId``).
    """
    if not isinstance(body, str):
        raise MalformedMessageError(f"body must be a string, got {type(body).__name__}")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise MalformedMessageError(f"body is larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise MalformedMessageError(f"body is not JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(payload, dict):
        raise MalformedMessageError(
            f"body must be a JSON object, got JSON {type(payload).__name__}"
        )
    if "documentId" not in payload:
        raise MalformedMessageError("body has no 'documentId'")
    document_id = payload["documentId"]
    if not isinstance(document_id, str):
        raise MalformedMessageError(
            f"'documentId' must be a string, got {type(document_id).__name__}"
        )
    if not DOCUMENT_ID_PATTERN.match(document_id):
        raise MalformedMessageError(
            f"'documentId'={document_id[:80]!r} must be 1-200 characters from "
            "A-Z a-z 0-9 . _ - starting with a letter or digit"
        )
    digest = hashlib.sha256(canonical_json(payload)).hexdigest()
    return DocumentCommand(document_id=document_id, payload=payload, payload_sha256=digest)


def render_result(command: DocumentCommand) -> bytes:
    """The result document: a pure function of the message (so a redo is an identical overwrite).

    Contains the documentId, the payload hash, the number of fields, and the number of
    words and characters of the optional ``text`` field.
    """
    text = command.payload.get("text", "")
    text = text if isinstance(text, str) else canonical_json(text).decode()
    return canonical_json(
        {
            "documentId": command.document_id,
            "payloadSha256": command.payload_sha256,
            "fieldCount": len(command.payload),
            "textChars": len(text),
            "textWords": len(text.split()),
            "schemaVersion": RESULT_SCHEMA_VERSION,
        }
    )


def lock_for_ms(context: Any) -> int:
    """How long a claim stays locked [ms]: the invocation's remaining time, like Powertools'
    ``register_lambda_context``, so a claim left by a crashed invocation frees itself."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return int(remaining()) if callable(remaining) else DEFAULT_LOCK_MS


def claim_id_for(record: Mapping[str, Any], context: Any) -> str:
    """Identity of one attempt: ``{request id}:{messageId}``."""
    return f"{getattr(context, 'aws_request_id', 'local')}:{record.get('messageId', '')}"


def process_record(
    command: DocumentCommand, record: Mapping[str, Any], context: Any, ports: Ports
) -> RecordOutcome:
    """Claim-first processing of one parsed record (the reference).

    Claim (conditional put) -> write result -> mark completed. A record that is
    completed with the same payload is a duplicate (success, nothing written); a live
    claim by someone else or a payload mismatch is a failure (retried by SQS).

    Raises
    ------
    AlreadyInProgressError, PayloadMismatchError, ClaimLostError, StoreError, EffectError
    """
    store = ports.store
    key = command.document_id
    claim_id = claim_id_for(record, context)
    result = store.claim(
        key,
        command.payload_sha256,
        claim_id,
        now_ms=ports.clock_ms(),
        expires_after_s=ports.expires_after_s,
        lock_for_ms=lock_for_ms(context),
    )
    if not result.acquired:
        existing = result.existing
        if existing is not None and existing.payload_sha256 != command.payload_sha256:
            raise PayloadMismatchError(key, existing.payload_sha256, command.payload_sha256)
        if existing is not None and existing.status == COMPLETED:
            return RecordOutcome.DUPLICATE
        raise AlreadyInProgressError(key)
    try:
        ports.sink.put(f"{ports.result_prefix}{key}.json", render_result(command))
        store.complete(key, claim_id, now_ms=ports.clock_ms())
    except Exception:
        # A handled failure: free the claim so the retry need not wait for the lock to
        # expire. (A crash skips this; the lock then runs out with the invocation.)
        try:
            store.release(key, claim_id)
        except HandlerError:
            pass
        raise
    return RecordOutcome.PROCESSED

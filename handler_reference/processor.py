"""Pure record processing: parse a message body, claim, write the result, mark done.

Nothing here knows about Lambda events beyond one record's ``messageId``; storage is
behind the :class:`~handler_reference.store.IdempotencyStore` and
:class:`~handler_reference.sink.ResultSink` interfaces, so unit tests use in-memory fakes.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
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

#: documentIds become S3 keys: letters, digits, '.', '_' and '-', 1-200 characters,
#: starting with a letter or digit. Matched with ``fullmatch`` (``$`` would accept a
#: trailing newline).
DOCUMENT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
#: Largest body accepted [bytes]: the handler's own limit (SQS accepts up to 1 MiB).
MAX_BODY_BYTES = 262_144
#: Deepest nesting of arrays and objects accepted (the body object itself is level 1).
MAX_NESTING_DEPTH = 32
#: Most digits in one JSON integer (Python's default int/str conversion limit).
MAX_INT_DIGITS = 4300
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


class _Decoder:
    """``json.loads`` hooks that note what RFC 8259 JSON or this contract forbids.

    Problems are collected rather than raised so the ``documentId`` can still be read
    for the logs; the first one is reported.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.duplicated: set[str] = set()

    def object_pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen and key not in self.duplicated:
                    self.duplicated.add(key)
                    self.problems.append(f"a duplicate key {key[:80]!r} in one object")
                seen.add(key)
        return obj

    def integer(self, text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            self.problems.append(
                f"an integer of {digits} digits (at most {MAX_INT_DIGITS} digits allowed)"
            )
            return 0
        return int(text)

    def number(self, text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            self.problems.append(
                f"a number out of range ({text[:40]}; numbers must be finite doubles)"
            )
        return value

    def constant(self, name: str) -> None:
        self.problems.append(f"{name}, which is not JSON (numbers must be finite)")


def _nesting_depth(value: Any) -> int:
    """Deepest nesting of lists and dicts in ``value`` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_NESTING_DEPTH:  # deep enough to reject; stop walking
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_command(body: Any) -> DocumentCommand:
    """Parse and validate one message body (the only place a body is decoded).

    Parameters
    ----------
    body : str
        The SQS message body: a JSON object with a string ``documentId``.

    Raises
    ------
    MalformedMessageError
        Naming what is wrong: not text, not valid Unicode (lone surrogates), over
        ``MAX_BODY_BYTES``, not JSON, ``NaN``/``Infinity`` or an out-of-range number, an
        integer over ``MAX_INT_DIGITS`` digits, a duplicate key, nesting deeper than
        ``MAX_NESTING_DEPTH``, not an object, a missing, non-string or ill-formed
        ``documentId``. Nothing else escapes, whatever the body holds.
    """
    if not isinstance(body, str):
        raise MalformedMessageError(f"body must be a string, got {type(body).__name__}")
    try:
        size_bytes = len(body.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise MalformedMessageError(
            f"body holds a lone surrogate (U+{ord(body[exc.start]):04X}) at character "
            f"{exc.start}; a body must be valid Unicode"
        ) from None
    if size_bytes > MAX_BODY_BYTES:
        raise MalformedMessageError(
            f"body is {size_bytes} bytes; at most {MAX_BODY_BYTES} bytes allowed"
        )
    decoder = _Decoder()
    try:
        payload = json.loads(
            body,
            object_pairs_hook=decoder.object_pairs,
            parse_int=decoder.integer,
            parse_float=decoder.number,
            parse_constant=decoder.constant,
        )
    except json.JSONDecodeError as exc:
        raise MalformedMessageError(f"body is not JSON ({exc.msg} at char {exc.pos})") from None
    except RecursionError:
        raise MalformedMessageError(
            f"body is nested too deeply to parse (at most {MAX_NESTING_DEPTH} levels allowed)"
        ) from None
    if not isinstance(payload, dict):
        raise MalformedMessageError(
            f"body must be a JSON object, got JSON {type(payload).__name__}"
        )
    document_id = payload.get("documentId")
    readable_id = (
        document_id[:256]
        if isinstance(document_id, str) and "documentId" not in decoder.duplicated
        else None
    )
    if decoder.problems:
        raise MalformedMessageError(f"body holds {decoder.problems[0]}", readable_id)
    depth = _nesting_depth(payload)
    if depth > MAX_NESTING_DEPTH:
        raise MalformedMessageError(
            f"body is nested more than {MAX_NESTING_DEPTH} levels deep (at most "
            f"{MAX_NESTING_DEPTH} levels allowed)",
            readable_id,
        )
    if "documentId" not in payload:
        raise MalformedMessageError("body has no 'documentId'")
    if not isinstance(document_id, str):
        raise MalformedMessageError(
            f"'documentId' must be a string, got {type(document_id).__name__}"
        )
    if not DOCUMENT_ID_PATTERN.fullmatch(document_id):
        raise MalformedMessageError(
            f"'documentId'={document_id[:80]!r} must be 1-200 characters from "
            "A-Z a-z 0-9 . _ - starting with a letter or digit",
            readable_id,
        )
    try:
        canonical = canonical_json(payload)
    except UnicodeEncodeError as exc:
        raise MalformedMessageError(
            f"body holds a lone surrogate (U+{ord(exc.object[exc.start]):04X}) in a string; "
            "strings must be valid Unicode",
            readable_id,
        ) from None
    except ValueError as exc:  # e.g. the interpreter's int/str limit lowered below ours
        raise MalformedMessageError(f"body cannot be re-encoded: {exc}", readable_id) from None
    digest = hashlib.sha256(canonical).hexdigest()
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
        with contextlib.suppress(HandlerError):
            store.release(key, claim_id)
        raise
    return RecordOutcome.PROCESSED

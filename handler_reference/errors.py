"""Error classes of the reference handler.

One base class, :class:`HandlerError`; every failure the handler reports for a record is
a subclass, so its name is the ``errorType`` in the structured logs. Storage errors are
translated into these domain errors with ``raise ... from exc``.
"""

from __future__ import annotations

from collections.abc import Iterable


class HandlerError(Exception):
    """Base class of every error raised by ``handler_reference``."""


class ConfigError(HandlerError):
    """Configuration from the environment is missing or invalid (raised at import).

    Parameters
    ----------
    missing : iterable of str
        Names of required environment variables that are unset or blank.
    invalid : iterable of str
        One sentence per invalid variable: name, value received, what is allowed.
    """

    def __init__(self, missing: Iterable[str] = (), invalid: Iterable[str] = ()) -> None:
        self.missing = tuple(missing)
        self.invalid = tuple(invalid)
        parts = []
        if self.missing:
            parts.append(
                "missing required environment variable(s): " + ", ".join(self.missing)
            )
        parts.extend(self.invalid)
        super().__init__("; ".join(parts) or "invalid configuration")


class NotAnSqsEventError(HandlerError):
    """The event is not an SQS event: the whole batch fails (nothing is processed).

    Raised when the event is not an object with a ``Records`` list, or a record is not an
    object with a non-empty string ``messageId`` (without one, a failure of that record
    cannot be reported, so the only safe answer is to fail the batch).
    """


class MalformedRecordError(HandlerError):
    """A field of one record's SQS envelope has the wrong type (only that record fails).

    Parameters
    ----------
    field : str
        Dotted path of the field inside the record, e.g. ``attributes.AWSTraceHeader``.
    expected : str
        What is allowed.
    received : object
        What the record holds there (only its type is reported).
    """

    def __init__(self, field: str, expected: str, received: object) -> None:
        self.field = field
        super().__init__(
            f"malformed SQS record: '{field}' must be {expected}, got {type(received).__name__}"
        )


class MalformedMessageError(HandlerError):
    """An SQS message body is not a valid document command.

    Parameters
    ----------
    reason : str
        What is wrong with the body and what is allowed.
    document_id : str, optional
        The body's ``documentId`` when it could be read (for the logs only).
    """

    def __init__(self, reason: str, document_id: str | None = None) -> None:
        self.reason = reason
        self.document_id = document_id
        super().__init__(f"malformed message body: {reason}")


class UnexpectedRecordError(HandlerError):
    """Processing one record raised something that is not a ``HandlerError`` (a bug or an
    untranslated library error); the original exception is the ``__cause__``."""

    def __init__(self, cause: BaseException) -> None:
        self.cause_type = type(cause).__name__
        try:
            text = str(cause)
        except Exception:  # a broken __str__ must not break the report
            text = "<unprintable>"
        super().__init__(f"unexpected {self.cause_type} while processing the record: {text}")


class AlreadyInProgressError(HandlerError):
    """Another invocation holds an unexpired claim on this document; retry later."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(
            f"document {document_id!r} is being processed by another invocation "
            "(claim not expired); the message will be retried"
        )


class PayloadMismatchError(HandlerError):
    """A completed record exists for the key but was made from a different payload."""

    def __init__(self, document_id: str, stored_hash: str, received_hash: str) -> None:
        self.document_id = document_id
        super().__init__(
            f"document {document_id!r} was already processed from a different payload "
            f"(stored sha256 {stored_hash[:12]}..., received {received_hash[:12]}...); "
            "the same documentId must always carry the same content"
        )


class ClaimLostError(HandlerError):
    """This invocation's claim expired and was taken over before it could be completed."""

    def __init__(self, document_id: str) -> None:
        self.document_id = document_id
        super().__init__(
            f"claim on document {document_id!r} was lost before it could be marked completed"
        )


class StoreError(HandlerError):
    """The idempotency store failed (other than a lost conditional write)."""


class StoreThrottledError(StoreError):
    """The idempotency store throttled the request (after the SDK's own retries)."""


class EffectError(HandlerError):
    """Writing the result object failed."""


class MessageGroupBlockedError(HandlerError):
    """A FIFO record was not processed: an earlier record of its message group failed in the batch."""

"""SQS batch handling: the thin part of the handler.

:func:`handle_sqs_batch`: check that the event is an SQS event, then for each record,
inside one per-record guard, read its envelope, parse its body (once), hold it back if
an earlier record of its FIFO message group failed (:mod:`handler_reference.fifo`),
delegate to a record processor, log, and collect ``batchItemFailures``. Whatever a record holds, only
that record can fail; the whole batch fails only when the event is not an SQS event.
(What the event source mapping then does with the response is
:func:`handler_harness.poller.failed_message_ids`.)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handler_reference.errors import (
    HandlerError,
    MalformedRecordError,
    NotAnSqsEventError,
    UnexpectedRecordError,
)
from handler_reference.fifo import GroupGate, is_fifo_record, message_group_of
from handler_reference.processor import DocumentCommand, RecordOutcome, parse_command

RecordProcessor = Callable[[DocumentCommand, Mapping[str, Any], Any], RecordOutcome]
#: Longest id echoed into a log line [characters]; longer values are cut.
_LOG_ID_CHARS = 256


@dataclass(frozen=True)
class RecordEnvelope:
    """The SQS envelope fields of one record the handler reads (validated types).

    Parameters
    ----------
    message_id : str
    correlation_id : str
        The producer's ``correlationId`` String attribute, else the trace id, else the
        messageId.
    trace_id : str or None
        ``Root=`` part of the record's ``AWSTraceHeader`` (else of ``_X_AMZN_TRACE_ID``).
    receive_count : str or None
        ``attributes.ApproximateReceiveCount``.
    """

    message_id: str
    correlation_id: str
    trace_id: str | None
    receive_count: str | None


def _root_of(header: str) -> str | None:
    for part in header.split(";"):
        if part.startswith("Root="):
            return part[len("Root="):]
    return None


def _optional(container: Mapping[str, Any], path: str, kind: type, expected: str) -> Any:
    """``container[last part of path]`` or ``None``; :class:`MalformedRecordError` if present
    with another type. ``None`` counts as absent."""
    value = container.get(path.rsplit(".", 1)[-1])
    if value is not None and not isinstance(value, kind):
        raise MalformedRecordError(path, expected, value)
    return value


def read_envelope(record: Mapping[str, Any]) -> RecordEnvelope:
    """Read and type-check the envelope fields of one record.

    ``attributes`` and ``messageAttributes`` may be absent; when present they must be
    objects, ``attributes.AWSTraceHeader`` and ``attributes.ApproximateReceiveCount``
    strings, and ``messageAttributes.correlationId`` a String attribute (an object with
    a string ``stringValue``), as in Lambda's SQS event.

    Raises
    ------
    MalformedRecordError
        Naming the field, what is allowed and the type received.
    """
    message_id = record["messageId"]
    attributes = _optional(record, "attributes", Mapping, "an object") or {}
    header = _optional(attributes, "attributes.AWSTraceHeader", str, "a string")
    receive_count = _optional(attributes, "attributes.ApproximateReceiveCount", str, "a string")
    message_attributes = _optional(record, "messageAttributes", Mapping, "an object") or {}
    correlation = message_attributes.get("correlationId")
    correlation_id = None
    if correlation is not None:
        if not isinstance(correlation, Mapping):
            raise MalformedRecordError(
                "messageAttributes.correlationId", "an SQS message attribute object", correlation
            )
        correlation_id = correlation.get("stringValue")
        if not isinstance(correlation_id, str):
            raise MalformedRecordError(
                "messageAttributes.correlationId.stringValue", "a string", correlation_id
            )
    trace_id = _root_of(header or os.environ.get("_X_AMZN_TRACE_ID", ""))
    return RecordEnvelope(
        message_id=message_id,
        correlation_id=correlation_id or trace_id or message_id,
        trace_id=trace_id,
        receive_count=receive_count,
    )


def trace_id_of(record: Mapping[str, Any]) -> str | None:
    """X-Ray trace id (``Root=...``) of a record's ``AWSTraceHeader``, or of the invocation."""
    return read_envelope(record).trace_id


def correlation_id_of(record: Mapping[str, Any]) -> str:
    """The producer's ``correlationId`` message attribute, else the trace id, else the messageId."""
    return read_envelope(record).correlation_id


def sqs_records(event: Any) -> Sequence[Mapping[str, Any]]:
    """The records of an SQS event, after checking that it is one.

    Raises
    ------
    NotAnSqsEventError
        If the event is not an object with a ``Records`` list, or a record is not an
        object with a non-empty string ``messageId`` (its failure could not be reported).
    """
    if not isinstance(event, Mapping):
        raise NotAnSqsEventError(
            f"event must be an object with a 'Records' list, got {type(event).__name__}"
        )
    records = event.get("Records")
    if not isinstance(records, list):
        raise NotAnSqsEventError(
            f"event['Records'] must be a list of SQS records, got {type(records).__name__}"
        )
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise NotAnSqsEventError(
                f"event['Records'][{index}] must be an SQS record object, "
                f"got {type(record).__name__}"
            )
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise NotAnSqsEventError(
                f"event['Records'][{index}]['messageId'] must be a non-empty string "
                f"(needed to report a partial failure), got {type(message_id).__name__}"
            )
    return records


def _process_one(
    record: Mapping[str, Any],
    context: Any,
    process: RecordProcessor,
    fields: dict[str, Any],
    gate: GroupGate,
) -> RecordOutcome:
    """Envelope, parse (once), FIFO gate, process; fills ``fields`` for the log as it
    learns them (a record held back by its group is parsed, for its documentId, but not
    processed)."""
    envelope = read_envelope(record)
    fields.update(
        correlationId=envelope.correlation_id,
        traceId=envelope.trace_id,
        receiveCount=envelope.receive_count,
    )
    command = parse_command(record.get("body"))
    fields["documentId"] = command.document_id
    gate.check(record)
    outcome = process(command, record, context)
    if not isinstance(outcome, RecordOutcome):
        raise TypeError(f"record processor returned {type(outcome).__name__}, not RecordOutcome")
    return outcome


def handle_sqs_batch(
    event: Mapping[str, Any],
    context: Any,
    process: RecordProcessor,
    logger: logging.Logger,
) -> dict[str, list[dict[str, str]]]:
    """Process every record of a Lambda SQS event; return the partial batch response.

    Parameters
    ----------
    event : mapping
        Lambda SQS event (``{"Records": [...]}``).
    context : LambdaContext-like
        Provides ``aws_request_id`` and ``get_remaining_time_in_millis()``.
    process : callable
        ``process(command, record, context) -> RecordOutcome``; raises on failure.
    logger : logging.Logger

    Returns
    -------
    dict
        ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``: exactly the
        records that failed, each logged once at ERROR with its messageId and, as
        ``errorType``, a :class:`HandlerError` subclass (anything else a record raises
        is reported as :class:`UnexpectedRecordError`).

    Raises
    ------
    NotAnSqsEventError
        If the event is not an SQS event (the whole batch then fails, as it should),
        before any record is processed.
    """
    records = sqs_records(event)
    request_id = getattr(context, "aws_request_id", None)
    failures: list[dict[str, str]] = []
    counts = {"processed": 0, "duplicate": 0, "failed": 0}
    gate = GroupGate()  # FIFO: a failure holds back the rest of its message group
    for record in records:
        message_id = record["messageId"]
        fields: dict[str, Any] = {
            "messageId": message_id,
            "documentId": None,
            "requestId": request_id,
            "correlationId": message_id,
            "traceId": None,
            "receiveCount": None,
        }
        if is_fifo_record(record):
            fields["messageGroupId"] = message_group_of(record)
        try:
            outcome = _process_one(record, context, process, fields, gate)
        except Exception as exc:  # every failure is reported per record, never swallowed
            gate.failed(record)
            error = exc if isinstance(exc, HandlerError) else UnexpectedRecordError(exc)
            if error is not exc:
                error.__cause__ = exc
            if fields["documentId"] is None:
                fields["documentId"] = getattr(error, "document_id", None)
            failures.append({"itemIdentifier": message_id})
            counts["failed"] += 1
            logger.error(
                "record failed",
                extra={
                    "fields": {
                        **{k: _clip(v) for k, v in fields.items()},
                        "outcome": "failed",
                        "errorType": type(error).__name__,
                        "error": str(error),
                    }
                },
            )
        else:
            counts[outcome.value] += 1
            logger.info(
                "record %s",
                outcome.value,
                extra={"fields": {**{k: _clip(v) for k, v in fields.items()},
                                  "outcome": outcome.value}},
            )
    logger.info(
        "batch done",
        extra={"fields": {"requestId": request_id, "records": len(records), **counts}},
    )
    return {"batchItemFailures": failures}


def _clip(value: Any) -> Any:
    """Cut long strings (ids from the message) so one log line stays small."""
    if isinstance(value, str) and len(value) > _LOG_ID_CHARS:
        return value[:_LOG_ID_CHARS] + "..."
    return value
